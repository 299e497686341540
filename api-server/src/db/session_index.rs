//! Every session's place in the session list (its start, the values the
//! list sorts by, its environments), read once per `data_version` and kept
//! in memory. A page filtered only by range and environments is then chosen
//! here, and only its own rows are read from SQLite: sorted by anything but
//! start time, the list would otherwise read every session of the range.
//! The session distributions read their values here too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::db::database::SnapshotKey;
use crate::db::distributions::SessionValues;
use crate::db::environments::Environments;
use crate::db::text;
use crate::error::ApiError;
use crate::params::TimeRange;
use crate::params::sessions::SessionListRequest;

/// Sessions kept at most (64 bytes each plus the id): past this the
/// list is read from SQLite as before, so memory never grows with the data.
pub const MAX_KEPT_SESSIONS: usize = 200_000;

/// The sessions read at the current data version, or none yet.
pub struct SessionIndex {
    kept: Mutex<KeptIndex>,
    max_sessions: usize,
}

impl Default for SessionIndex {
    fn default() -> Self {
        SessionIndex::with_max_sessions(MAX_KEPT_SESSIONS)
    }
}

#[derive(Default)]
struct KeptIndex {
    snapshot: SnapshotKey,
    slot: Arc<IndexSlot>,
}

/// The index of one data version, being read or read: the first request to
/// lock it reads the sessions, requests meanwhile wait for that read
/// (after each commit every request misses at once). `Some(None)`: read,
/// and too many sessions or environments to keep.
#[derive(Default)]
struct IndexSlot(Mutex<Option<Option<Arc<KeptSessions>>>>);

impl SessionIndex {
    pub fn with_max_sessions(max_sessions: usize) -> Self {
        SessionIndex {
            kept: Mutex::default(),
            max_sessions,
        }
    }

    /// The sessions of `connection`'s snapshot, which is `snapshot`: kept
    /// ones, or read and kept; none when there are too many to keep.
    pub fn sessions(
        &self,
        connection: &Connection,
        snapshot: SnapshotKey,
    ) -> Result<Option<Arc<KeptSessions>>, ApiError> {
        let slot = {
            let mut kept = self.kept.lock().expect("session index lock");
            if kept.snapshot != snapshot {
                *kept = KeptIndex {
                    snapshot,
                    slot: Arc::default(),
                };
            }
            kept.slot.clone()
        };
        let mut held = slot.0.lock().expect("session index slot lock");
        if let Some(read) = &*held {
            return Ok(read.clone());
        }
        let read = KeptSessions::read(connection, self.max_sessions)?.map(Arc::new);
        *held = Some(read.clone());
        Ok(read)
    }
}

/// One session as the list orders it. Sort values are the list's own
/// (`sort_expression`): an unknown duration is -1.
#[derive(Debug, Clone, Copy)]
struct KeptSession {
    start_time_ms: i64,
    cost_nanousd: i64,
    total_tokens: i64,
    duration_ms: i64,
    errors: i64,
    traces: i64,
    /// A bit per environment the session has observations in
    /// (`KeptSessions::environments`).
    environments: u64,
    id_start: u32,
    id_len: u32,
}

/// Every session of one data version, by start time.
pub struct KeptSessions {
    /// The environment of each bit of `KeptSession::environments`.
    environments: Vec<String>,
    sessions: Vec<KeptSession>,
    /// Every id, end to end.
    ids: String,
}

/// The page a request asks for: its sessions' ids in order, the sessions
/// matching over all pages, and whether more follow.
#[derive(Debug, PartialEq, Eq)]
pub struct KeptPage<'a> {
    pub ids: Vec<&'a str>,
    pub total: i64,
    pub has_more: bool,
}

/// Every session's sort values and own environment: the whole table, once
/// per data version (the query-plan guard allows this read by its alias).
const SESSIONS_SQL: &str = "SELECT id, start_time_ms, cost_nanousd, total_tokens, duration_ms,
            errors, environment, traces
     FROM sessions AS every_session";
/// The other environments of the sessions in more than one (few), from the
/// partial index that holds them.
const SPANNING_SQL: &str = "SELECT session_id, environment FROM session_environments
     WHERE spans_environments = 1";

impl KeptSessions {
    /// Every session of `connection`'s snapshot; none when there are more
    /// than `max_sessions`, or more environments than bits.
    fn read(connection: &Connection, max_sessions: usize) -> Result<Option<Self>, ApiError> {
        let mut kept = KeptSessions {
            environments: Vec::new(),
            sessions: Vec::new(),
            ids: String::new(),
        };
        let mut spanning: HashMap<String, u64> = HashMap::new();
        {
            let mut statement = connection.prepare_cached(SPANNING_SQL)?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                let Some(bit) = kept.environment_bit(text(row, 1)?) else {
                    return Ok(None);
                };
                *spanning.entry(text(row, 0)?.to_string()).or_default() |= bit;
            }
        }
        let mut statement = connection.prepare_cached(SESSIONS_SQL)?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            if kept.sessions.len() == max_sessions {
                return Ok(None);
            }
            let id = text(row, 0)?;
            let Some(own) = kept.environment_bit(text(row, 6)?) else {
                return Ok(None);
            };
            let (Ok(id_start), Ok(id_len)) =
                (u32::try_from(kept.ids.len()), u32::try_from(id.len()))
            else {
                return Ok(None);
            };
            kept.ids.push_str(id);
            kept.sessions.push(KeptSession {
                start_time_ms: row.get(1)?,
                cost_nanousd: row.get(2)?,
                total_tokens: row.get(3)?,
                duration_ms: row.get::<_, Option<i64>>(4)?.unwrap_or(-1),
                errors: row.get(5)?,
                traces: row.get(7)?,
                environments: own | spanning.get(id).copied().unwrap_or(0),
                id_start,
                id_len,
            });
        }
        kept.ids.shrink_to_fit();
        kept.sessions.shrink_to_fit();
        kept.sessions
            .sort_unstable_by_key(|session| session.start_time_ms);
        Ok(Some(kept))
    }

    /// The bit of `environment`, given one if it has none; none past 64.
    fn environment_bit(&mut self, environment: &str) -> Option<u64> {
        let index = match self
            .environments
            .iter()
            .position(|known| known == environment)
        {
            Some(index) => index,
            None => {
                self.environments.push(environment.to_string());
                self.environments.len() - 1
            }
        };
        (index < 64).then(|| 1 << index)
    }

    /// The bits of the chosen environments.
    fn mask_of(&self, environments: &Environments) -> u64 {
        self.environments
            .iter()
            .enumerate()
            .filter(|(_, name)| environments.names.binary_search(name).is_ok())
            .fold(0, |mask, (bit, _)| mask | 1 << bit)
    }

    /// The sessions starting in `range` with observations in `environments`.
    fn matching(
        &self,
        range: TimeRange,
        environments: &Environments,
    ) -> impl Iterator<Item = &KeptSession> {
        let wanted = self.mask_of(environments);
        let first = self
            .sessions
            .partition_point(|session| session.start_time_ms < range.lower());
        let end = self
            .sessions
            .partition_point(|session| session.start_time_ms < range.upper());
        self.sessions[first..end.max(first)]
            .iter()
            .filter(move |session| session.environments & wanted != 0)
    }

    /// Hands each session starting in `range`, in `environments`, to
    /// `visit`, as `db::distributions` reads them from SQL.
    pub fn for_each_session_values(
        &self,
        range: TimeRange,
        environments: &Environments,
        mut visit: impl FnMut(SessionValues<'_>),
    ) {
        for session in self.matching(range, environments) {
            visit(SessionValues {
                id: self.id(session),
                cost_nanousd: session.cost_nanousd,
                duration_ms: (session.duration_ms >= 0).then_some(session.duration_ms),
                traces: session.traces,
                errors: session.errors,
            });
        }
    }

    fn id(&self, session: &KeptSession) -> &str {
        let start = session.id_start as usize;
        &self.ids[start..start + session.id_len as usize]
    }

    /// The page `request` asks for in `environments`, ordered as the
    /// list's SQL orders it: by the sort value, then the id, both in the
    /// request's direction, after the cursor if it has one. Only the range
    /// and environments filter (the caller checks
    /// `filters_only_by_range`).
    pub fn page(&self, request: &SessionListRequest, environments: &Environments) -> KeptPage<'_> {
        let value_of: fn(&KeptSession) -> i64 = match request.sort {
            "cost" => |session| session.cost_nanousd,
            "tokens" => |session| session.total_tokens,
            "duration" => |session| session.duration_ms,
            "errors" => |session| session.errors,
            _ => |session| session.start_time_ms,
        };
        let after = request
            .after
            .as_ref()
            .map(|(value, id)| (*value, id.as_str()));
        let follows = |key: &(i64, &str)| match after {
            None => true,
            Some(cursor) if request.descending => *key < cursor,
            Some(cursor) => *key > cursor,
        };
        let mut total = 0;
        let mut candidates: Vec<(i64, &str)> = Vec::new();
        for session in self.matching(request.range, environments) {
            total += 1;
            let key = (value_of(session), self.id(session));
            if follows(&key) {
                candidates.push(key);
            }
        }
        let in_order = |a: &(i64, &str), b: &(i64, &str)| {
            if request.descending {
                b.cmp(a)
            } else {
                a.cmp(b)
            }
        };
        // One more than the page tells whether more follow.
        let limit = request.row_limit() as usize;
        if candidates.len() > limit + 1 {
            candidates.select_nth_unstable_by(limit, in_order);
            candidates.truncate(limit + 1);
        }
        candidates.sort_unstable_by(in_order);
        let has_more = candidates.len() > limit;
        candidates.truncate(limit);
        KeptPage {
            ids: candidates.into_iter().map(|(_, id)| id).collect(),
            total,
            has_more,
        }
    }
}

#[cfg(test)]
impl SessionIndex {
    /// Whether the index of `snapshot` has been read.
    pub fn is_read_at(&self, snapshot: SnapshotKey) -> bool {
        let kept = self.kept.lock().unwrap();
        kept.snapshot == snapshot && kept.slot.0.lock().unwrap().is_some()
    }
}
