//! ERROR (and WARNING) observations grouped by agent, observation name,
//! level and normalised status message, or by level and message alone;
//! filtered, sorted and paged.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::rc::Rc;

use foldhash::HashMap;
use serde::Serialize;
use shared_schema::units::{MS_PER_DAY, ms_to_day};
use utoipa::ToSchema;

use crate::db::errors::ErrorObservation;
use crate::params::errors::{ErrorGrouping, ErrorListView, ErrorSort};
use crate::params::{TimeRange, day_ceil, day_floor};
use crate::wire::{first_by, iso};

/// Sessions (and their observations) linked from a group.
const MAX_LINKED_SESSIONS: usize = 20;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDay {
    /// `YYYY-MM-DD` (UTC).
    #[schema(value_type = String)]
    pub date: Rc<str>,
    pub count: i64,
}

// The strings of a group borrow the kept days they were read from: a page
// of 200 groups links thousands of ids, and copying each into a `String`
// only to serialise it cost about as much as the serialising.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorGroup<'day> {
    /// A stable id of (agent, name, level, message), or of (level,
    /// message) when grouped by message.
    pub key: String,
    /// The group's agent; null when grouped by message (see `agents`).
    pub agent: Option<&'day str>,
    /// Every agent with errors in the group, by name.
    pub agents: Vec<&'day str>,
    /// The observation name; null when unnamed or grouped by message.
    pub name: Option<&'day str>,
    /// `ERROR` or `WARNING`.
    pub level: &'day str,
    /// The normalised status message: ids as `<id>`, numbers as `<n>`.
    pub message: &'day str,
    /// One raw status message of the group.
    pub example: Option<&'day str>,
    pub count: i64,
    /// Distinct sessions affected.
    pub sessions: i64,
    pub first_seen: String,
    pub last_seen: String,
    /// Zero-filled over the range, or over firstSeen..lastSeen without one.
    pub daily: Vec<ErrorDay>,
    /// Up to 20 affected sessions, most recent first.
    pub session_ids: Vec<&'day str>,
    /// The group's latest observation in each of `sessionIds`, same order.
    pub observation_ids: Vec<&'day str>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorGroupList<'day> {
    /// One page of groups, in the order asked for (most frequent first by
    /// default).
    pub items: Vec<ErrorGroup<'day>>,
    /// Groups matching (and `q`), over all pages.
    pub total: i64,
    /// Observations in all those groups.
    pub count: i64,
    /// `agentObservation` or `message`: how the groups were formed.
    pub group_by: String,
    /// Groups skipped before this page.
    pub offset: u64,
    /// The page size asked for.
    pub limit: u32,
}

/// FNV-1a over the group's fields: stable across runs and versions. A
/// group by message has no agent and no name.
fn group_key(agent: Option<&str>, name: Option<&str>, level: &str, message: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [
        agent.unwrap_or("\u{0}"),
        name.unwrap_or("\u{0}"),
        level,
        message,
    ] {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// A group's figures while its observations are read, borrowing every
/// string from the kept days (a range holds thousands of observations,
/// nearly one session each; only the page's groups become answers, which
/// borrow them too).
#[derive(Default)]
struct GroupBuilder<'day> {
    example: Option<&'day str>,
    agents: BTreeSet<&'day str>,
    count: i64,
    first_ms: i64,
    last_ms: i64,
    /// (day start, observations), by day: the days are read in order, so
    /// nearly every observation adds to the last entry.
    per_day: Vec<(i64, i64)>,
    /// (session, (start, observation id)) of every observation with a
    /// session; `settle_sessions` keeps each session's latest alone. A
    /// list costs less than a map here: most sessions appear once, and only
    /// the groups a page shows (or a sort by sessions) need settling.
    sessions: Vec<(&'day str, (i64, &'day str))>,
    sessions_settled: bool,
}

impl GroupBuilder<'_> {
    fn count_day(&mut self, day: i64) {
        match self.per_day.last_mut() {
            Some((last, count)) if *last == day => *count += 1,
            _ => match self.per_day.binary_search_by_key(&day, |(day, _)| *day) {
                Ok(index) => self.per_day[index].1 += 1,
                Err(index) => self.per_day.insert(index, (day, 1)),
            },
        }
    }

    fn observations_on(&self, day: i64) -> i64 {
        self.per_day
            .binary_search_by_key(&day, |(day, _)| *day)
            .map_or(0, |index| self.per_day[index].1)
    }

    /// Keeps each session once, with its latest (start, observation id).
    fn settle_sessions(&mut self) {
        if self.sessions_settled {
            return;
        }
        self.sessions
            .sort_unstable_by(|(a_session, a), (b_session, b)| {
                a_session.cmp(b_session).then_with(|| b.cmp(a))
            });
        self.sessions.dedup_by(|later, kept| later.0 == kept.0);
        self.sessions_settled = true;
    }

    fn distinct_sessions(&self) -> usize {
        debug_assert!(self.sessions_settled, "sessions counted before settling");
        self.sessions.len()
    }
}

/// (agent, observation name, level, message); agent and name are None when
/// grouped by message.
type GroupId<'day> = (Option<&'day str>, Option<&'day str>, &'day str, &'day str);

/// Whether a group shows `needle` (lower-case) in its agents, observation
/// name, message or example.
fn matches(id: &GroupId<'_>, group: &GroupBuilder<'_>, needle: &str) -> bool {
    let (_, name, _, message) = id;
    group
        .agents
        .iter()
        .copied()
        .chain([name.unwrap_or(""), message, group.example.unwrap_or("")])
        .any(|text| text.to_lowercase().contains(needle))
}

type Group<'day> = (GroupId<'day>, GroupBuilder<'day>);

fn compare(sort: ErrorSort, a: &Group<'_>, b: &Group<'_>) -> Ordering {
    let ((a_id, a), (b_id, b)) = (a, b);
    match sort {
        ErrorSort::Count => a.count.cmp(&b.count),
        ErrorSort::Sessions => a.distinct_sessions().cmp(&b.distinct_sessions()),
        ErrorSort::FirstSeen => a.first_ms.cmp(&b.first_ms),
        ErrorSort::LastSeen => a.last_ms.cmp(&b.last_ms),
        ErrorSort::Message => a_id.3.cmp(b_id.3),
        ErrorSort::Agent => a.agents.iter().cmp(b.agents.iter()),
    }
}

/// The error groups of a request while its observations are read: keyed
/// by normalised message first, as the message is the one part that tells
/// most groups apart; the few groups sharing a message are told apart by
/// agent, name and level.
pub struct ErrorGroups<'day> {
    grouping: ErrorGrouping,
    by_message: HashMap<&'day str, Vec<Group<'day>>>,
}

impl<'day> ErrorGroups<'day> {
    pub fn new(grouping: ErrorGrouping) -> Self {
        ErrorGroups {
            grouping,
            by_message: HashMap::default(),
        }
    }

    /// Counts `observation` (one starting in the range) in its group.
    pub fn add(&mut self, observation: ErrorObservation<'day>) {
        let start_ms = observation.start_time_ms;
        let message = observation.message;
        let (agent, name) = match self.grouping {
            ErrorGrouping::AgentObservation => (Some(observation.agent), observation.name),
            ErrorGrouping::Message => (None, None),
        };
        let candidates = self.by_message.entry(message).or_default();
        let index = match candidates.iter().position(|((a, n, level, _), _)| {
            *a == agent && *n == name && *level == observation.level
        }) {
            Some(index) => index,
            None => {
                let group = GroupBuilder {
                    first_ms: start_ms,
                    last_ms: start_ms,
                    ..GroupBuilder::default()
                };
                candidates.push(((agent, name, observation.level, message), group));
                candidates.len() - 1
            }
        };
        let group = &mut candidates[index].1;
        if group.example.is_none() {
            group.example = observation.status_message;
        }
        group.agents.insert(observation.agent);
        group.count += 1;
        group.first_ms = group.first_ms.min(start_ms);
        group.last_ms = group.last_ms.max(start_ms);
        group.count_day(day_floor(start_ms));
        if let Some(session) = observation.session_id {
            group.sessions.push((session, (start_ms, observation.id)));
        }
    }

    /// The groups (of observations starting in `range`) filtered, sorted
    /// and cut to the page `view` asks for.
    pub fn into_list(self, range: TimeRange, view: &ErrorListView) -> ErrorGroupList<'day> {
        error_list(self.by_message.into_values().flatten(), range, view)
    }
}

fn error_list<'day>(
    groups: impl Iterator<Item = Group<'day>>,
    range: TimeRange,
    view: &ErrorListView,
) -> ErrorGroupList<'day> {
    let mut ordered: Vec<Group<'day>> = groups
        .filter(|(id, group)| {
            view.search
                .as_deref()
                .is_none_or(|needle| matches(id, group, needle))
        })
        .collect();
    let total = ordered.len() as i64;
    let count = ordered.iter().map(|(_, group)| group.count).sum();
    if view.sort == ErrorSort::Sessions {
        for (_, group) in &mut ordered {
            group.settle_sessions();
        }
    }
    // Ties: the larger group first, then the group's fields, so that pages
    // never overlap.
    ordered.sort_by(|a, b| {
        let primary = compare(view.sort, a, b);
        let primary = if view.descending {
            primary.reverse()
        } else {
            primary
        };
        primary
            .then_with(|| b.1.count.cmp(&a.1.count))
            .then_with(|| a.0.cmp(&b.0))
    });
    // Every group of a request shares the day labels; chrono formats each
    // once.
    let mut day_labels: HashMap<i64, Rc<str>> = HashMap::default();
    let items = ordered
        .into_iter()
        .skip(usize::try_from(view.offset).unwrap_or(usize::MAX))
        .take(view.limit as usize)
        .map(|((agent, name, level, message), mut group)| {
            let (first_day, end_day) = match (range.from_ms, range.to_ms) {
                (Some(from), Some(to)) => (day_floor(from), day_ceil(to)),
                _ => (
                    day_floor(group.first_ms),
                    day_floor(group.last_ms) + MS_PER_DAY,
                ),
            };
            let daily = (0..)
                .map(|index| first_day + index * MS_PER_DAY)
                .take_while(|day| *day < end_day)
                .map(|day| ErrorDay {
                    date: day_labels
                        .entry(day)
                        .or_insert_with(|| ms_to_day(day).into())
                        .clone(),
                    count: group.observations_on(day),
                })
                .collect();
            group.settle_sessions();
            let sessions = group.distinct_sessions() as i64;
            // The latest few of a group's sessions, which can be thousands.
            let linked = first_by(
                group.sessions,
                MAX_LINKED_SESSIONS,
                |(a_session, a): &(&str, (i64, &str)), (b_session, b)| {
                    b.cmp(a).then_with(|| a_session.cmp(b_session))
                },
            );
            ErrorGroup {
                key: group_key(agent, name, level, message),
                agent,
                agents: group.agents.into_iter().collect(),
                name,
                level,
                message,
                example: group.example,
                count: group.count,
                sessions,
                first_seen: iso(group.first_ms),
                last_seen: iso(group.last_ms),
                daily,
                observation_ids: linked.iter().map(|(_, (_, id))| *id).collect(),
                session_ids: linked.into_iter().map(|(session, _)| session).collect(),
            }
        })
        .collect();
    ErrorGroupList {
        items,
        total,
        count,
        group_by: view.grouping.as_str().to_string(),
        offset: view.offset,
        limit: view.limit,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use shared_schema::messages::normalise_message;

    use super::*;

    /// (id, agent, name, message, start)
    const ROWS: [(&str, &str, &str, &str, i64); 4] = [
        ("1", "judge", "llm", "timeout after 30 s", 10),
        ("2", "matchmaker", "llm", "timeout after 45 s", 20),
        ("3", "matchmaker", "tool", "timeout after 5 s", 30),
        ("4", "judge", "llm", "bad json", 40),
    ];

    /// The ROWS' sessions and normalised messages, which the groups borrow.
    static SESSIONS: LazyLock<Vec<String>> =
        LazyLock::new(|| ROWS.iter().map(|row| format!("s-{}", row.0)).collect());
    static NORMALISED: LazyLock<Vec<String>> =
        LazyLock::new(|| ROWS.iter().map(|row| normalise_message(row.3)).collect());

    fn error_groups(range: TimeRange, view: &ErrorListView) -> ErrorGroupList<'static> {
        let mut groups = ErrorGroups::new(view.grouping);
        for (index, (id, agent, name, message, start_ms)) in ROWS.into_iter().enumerate() {
            groups.add(ErrorObservation {
                id,
                agent,
                name: Some(name),
                level: "ERROR",
                status_message: Some(message),
                message: &NORMALISED[index],
                start_time_ms: start_ms,
                session_id: Some(&SESSIONS[index]),
            });
        }
        groups.into_list(range, view)
    }

    fn view(grouping: ErrorGrouping, sort: ErrorSort, descending: bool) -> ErrorListView {
        ErrorListView {
            grouping,
            sort,
            descending,
            limit: 200,
            offset: 0,
            search: None,
        }
    }

    #[test]
    fn grouping_by_message_merges_agents_and_observations() {
        let cases = [
            (ErrorGrouping::AgentObservation, vec![1, 1, 1, 1]),
            (ErrorGrouping::Message, vec![3, 1]),
        ];
        for (grouping, counts) in cases {
            let list = error_groups(
                TimeRange::default(),
                &view(grouping, ErrorSort::Count, true),
            );
            let served: Vec<i64> = list.items.iter().map(|group| group.count).collect();
            assert_eq!(served, counts, "{grouping:?}");
            assert_eq!(list.count, 4, "{grouping:?}");
            assert_eq!(list.total as usize, counts.len(), "{grouping:?}");
        }
        let by_message = error_groups(
            TimeRange::default(),
            &view(ErrorGrouping::Message, ErrorSort::Count, true),
        );
        let timeouts = &by_message.items[0];
        assert_eq!(timeouts.message, "timeout after <n> s");
        assert_eq!((&timeouts.agent, &timeouts.name), (&None, &None));
        assert_eq!(timeouts.agents, ["judge", "matchmaker"]);
        assert_eq!(timeouts.sessions, 3);
    }

    #[test]
    fn pages_follow_the_sort_without_overlap_and_search_filters_first() {
        let by_last_seen = |offset: u64| {
            let mut view = view(ErrorGrouping::AgentObservation, ErrorSort::LastSeen, false);
            view.limit = 3;
            view.offset = offset;
            error_groups(TimeRange::default(), &view)
        };
        let first = by_last_seen(0);
        let second = by_last_seen(3);
        let seen: Vec<String> = first
            .items
            .iter()
            .chain(&second.items)
            .map(|group| group.last_seen.clone())
            .collect();
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(seen, sorted);
        assert_eq!((first.items.len(), second.items.len()), (3, 1));
        assert_eq!(first.total, 4);

        let mut searching = view(ErrorGrouping::AgentObservation, ErrorSort::Count, true);
        searching.search = Some("tool".into());
        let found = error_groups(TimeRange::default(), &searching);
        assert_eq!((found.total, found.count), (1, 1));
        assert_eq!(found.items[0].name, Some("tool"));
    }

    #[test]
    fn group_keys_are_stable_and_distinct() {
        let key = group_key(Some("matchmaker"), Some("llm"), "ERROR", "x <n>");
        assert_eq!(
            key,
            group_key(Some("matchmaker"), Some("llm"), "ERROR", "x <n>")
        );
        assert_ne!(key, group_key(Some("matchmaker"), None, "ERROR", "x <n>"));
        assert_ne!(key, group_key(None, None, "ERROR", "x <n>"));
        assert_ne!(
            key,
            group_key(Some("matchmaker"), Some("llm"), "WARNING", "x <n>")
        );
    }

    #[test]
    fn a_group_links_each_session_once_by_its_latest_observation_most_recent_first() {
        // (observation, session, start): s-1's latest is o-2; s-3's two
        // observations start together, so the greater id is its latest.
        let rows = [
            ("o-1", "s-1", 10),
            ("o-2", "s-1", 30),
            ("o-3", "s-2", 20),
            ("o-4", "s-3", 30),
            ("o-5", "s-3", 30),
            ("o-6", "s-2", 5),
        ];
        let mut groups = ErrorGroups::new(ErrorGrouping::Message);
        for (id, session, start_ms) in rows {
            groups.add(ErrorObservation {
                id,
                agent: "judge",
                name: Some("llm"),
                level: "ERROR",
                status_message: Some("timeout"),
                message: "timeout",
                start_time_ms: start_ms,
                session_id: Some(session),
            });
        }
        let list = groups.into_list(
            TimeRange::default(),
            &view(ErrorGrouping::Message, ErrorSort::Count, true),
        );
        let group = &list.items[0];
        assert_eq!(group.count, 6);
        assert_eq!(group.sessions, 3);
        assert_eq!(group.session_ids, ["s-3", "s-1", "s-2"]);
        assert_eq!(group.observation_ids, ["o-5", "o-2", "o-3"]);
    }

    #[test]
    fn sorting_by_sessions_counts_each_session_once_not_each_observation() {
        // "retry" has five observations in one session, "refused" three in
        // three sessions.
        let rows = [
            ("retry", "s-1"),
            ("retry", "s-1"),
            ("retry", "s-1"),
            ("retry", "s-1"),
            ("retry", "s-1"),
            ("refused", "s-2"),
            ("refused", "s-3"),
            ("refused", "s-4"),
        ];
        let mut groups = ErrorGroups::new(ErrorGrouping::Message);
        for (index, (message, session)) in rows.into_iter().enumerate() {
            groups.add(ErrorObservation {
                id: ["o-0", "o-1", "o-2", "o-3", "o-4", "o-5", "o-6", "o-7"][index],
                agent: "judge",
                name: Some("llm"),
                level: "ERROR",
                status_message: Some(message),
                message,
                start_time_ms: index as i64,
                session_id: Some(session),
            });
        }
        let list = groups.into_list(
            TimeRange::default(),
            &view(ErrorGrouping::Message, ErrorSort::Sessions, true),
        );
        let served: Vec<(&str, i64, i64)> = list
            .items
            .iter()
            .map(|group| (group.message, group.sessions, group.count))
            .collect();
        assert_eq!(served, [("refused", 3, 3), ("retry", 1, 5)]);
    }

    #[test]
    fn linked_sessions_agree_with_a_naive_oracle_when_groups_share_sessions_and_starts_tie() {
        use std::collections::BTreeMap;
        let mut next = crate::wire::seeded_numbers(0x05ee_de77);
        let messages = ["timeout", "bad json", "refused"];
        // (message, session, observation id, start): few distinct starts, so
        // that many latest observations tie.
        let rows: Vec<(&str, String, String, i64)> = (0..3_000)
            .map(|_| {
                (
                    messages[next(3) as usize],
                    format!("s-{}", next(180)),
                    format!("o-{}", next(100_000)),
                    next(40) as i64,
                )
            })
            .collect();
        let mut groups = ErrorGroups::new(ErrorGrouping::Message);
        // message -> session -> its latest (start, observation id)
        let mut oracle: BTreeMap<&str, BTreeMap<String, (i64, String)>> = BTreeMap::new();
        for (row, (message, session, id, start_ms)) in rows.iter().enumerate() {
            let (message, start_ms) = (*message, *start_ms);
            groups.add(ErrorObservation {
                id,
                agent: if row % 2 == 0 { "judge" } else { "matchmaker" },
                name: Some("llm"),
                level: "ERROR",
                status_message: Some(message),
                message,
                start_time_ms: start_ms,
                session_id: Some(session),
            });
            let (session, id) = (session.clone(), id.clone());
            let latest = oracle
                .entry(message)
                .or_default()
                .entry(session)
                .or_insert((start_ms, id.clone()));
            if (start_ms, &id) > (latest.0, &latest.1) {
                *latest = (start_ms, id);
            }
        }
        let list = groups.into_list(
            TimeRange::default(),
            &view(ErrorGrouping::Message, ErrorSort::Count, true),
        );
        assert_eq!(list.items.len(), messages.len());
        for group in &list.items {
            let sessions = &oracle[group.message];
            let mut expected: Vec<(&String, &(i64, String))> = sessions.iter().collect();
            expected
                .sort_by(|(a_session, a), (b_session, b)| b.cmp(a).then(a_session.cmp(b_session)));
            expected.truncate(MAX_LINKED_SESSIONS);
            assert_eq!(group.sessions as usize, sessions.len(), "{}", group.message);
            let session_ids: Vec<&str> = expected
                .iter()
                .map(|(session, _)| session.as_str())
                .collect();
            let observation_ids: Vec<&str> =
                expected.iter().map(|(_, (_, id))| id.as_str()).collect();
            assert_eq!(group.session_ids, session_ids, "{}", group.message);
            assert_eq!(group.observation_ids, observation_ids, "{}", group.message);
        }
    }
}
