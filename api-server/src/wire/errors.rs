//! ERROR (and WARNING) observations grouped by agent, observation name,
//! level and normalised status message, or by level and message alone;
//! filtered, sorted and paged.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use foldhash::HashMap;
use serde::Serialize;
use shared_schema::messages::normalise_message_into;
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
    pub date: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorGroup {
    /// A stable id of (agent, name, level, message), or of (level,
    /// message) when grouped by message.
    pub key: String,
    /// The group's agent; null when grouped by message (see `agents`).
    pub agent: Option<String>,
    /// Every agent with errors in the group, by name.
    pub agents: Vec<String>,
    /// The observation name; null when unnamed or grouped by message.
    pub name: Option<String>,
    /// `ERROR` or `WARNING`.
    pub level: String,
    /// The normalised status message: ids as `<id>`, numbers as `<n>`.
    pub message: String,
    /// One raw status message of the group.
    pub example: Option<String>,
    pub count: i64,
    /// Distinct sessions affected.
    pub sessions: i64,
    pub first_seen: String,
    pub last_seen: String,
    /// Zero-filled over the range, or over firstSeen..lastSeen without one.
    pub daily: Vec<ErrorDay>,
    /// Up to 20 affected sessions, most recent first.
    pub session_ids: Vec<String>,
    /// The group's latest observation in each of `sessionIds`, same order.
    pub observation_ids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorGroupList {
    /// One page of groups, in the order asked for (most frequent first by
    /// default).
    pub items: Vec<ErrorGroup>,
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

#[derive(Default)]
struct GroupBuilder {
    example: Option<String>,
    agents: BTreeSet<String>,
    count: i64,
    first_ms: i64,
    last_ms: i64,
    per_day: HashMap<i64, i64>,
    /// session -> (latest start, its observation id)
    sessions: HashMap<String, (i64, String)>,
}

/// (agent, observation name, level, message); agent and name are None when
/// grouped by message.
type GroupId = (Option<String>, Option<String>, String, String);

/// Whether a group shows `needle` (lower-case) in its agents, observation
/// name, message or example.
fn matches(id: &GroupId, group: &GroupBuilder, needle: &str) -> bool {
    let (_, name, _, message) = id;
    group
        .agents
        .iter()
        .map(String::as_str)
        .chain([
            name.as_deref().unwrap_or(""),
            message.as_str(),
            group.example.as_deref().unwrap_or(""),
        ])
        .any(|text| text.to_lowercase().contains(needle))
}

fn compare(sort: ErrorSort, a: &(GroupId, GroupBuilder), b: &(GroupId, GroupBuilder)) -> Ordering {
    let ((a_id, a), (b_id, b)) = (a, b);
    match sort {
        ErrorSort::Count => a.count.cmp(&b.count),
        ErrorSort::Sessions => a.sessions.len().cmp(&b.sessions.len()),
        ErrorSort::FirstSeen => a.first_ms.cmp(&b.first_ms),
        ErrorSort::LastSeen => a.last_ms.cmp(&b.last_ms),
        ErrorSort::Message => a_id.3.cmp(&b_id.3),
        ErrorSort::Agent => a.agents.iter().cmp(b.agents.iter()),
    }
}

/// The error groups of a request while its observations are read: keyed
/// by normalised message first, as the message is the one part that tells
/// most groups apart; the few groups sharing a message are told apart by
/// agent, name and level without copying them.
pub struct ErrorGroups {
    grouping: ErrorGrouping,
    by_message: HashMap<String, Vec<(GroupId, GroupBuilder)>>,
    /// The normalised message of an observation stored without one.
    normalised: String,
}

impl ErrorGroups {
    pub fn new(grouping: ErrorGrouping) -> Self {
        ErrorGroups {
            grouping,
            by_message: HashMap::default(),
            normalised: String::new(),
        }
    }

    /// Counts `observation` (one starting in the range) in its group.
    pub fn add(&mut self, observation: ErrorObservation<'_>) {
        let start_ms = observation.start_time_ms;
        // The daemon stores every ERROR and WARNING observation's
        // normalised message; a row written without one is normalised here.
        let message = match observation.normalised_message {
            Some(message) => message,
            None => {
                normalise_message_into(
                    observation.status_message.unwrap_or(""),
                    &mut self.normalised,
                );
                self.normalised.as_str()
            }
        };
        let (agent, name) = match self.grouping {
            ErrorGrouping::AgentObservation => (Some(observation.agent), observation.name),
            ErrorGrouping::Message => (None, None),
        };
        if !self.by_message.contains_key(message) {
            self.by_message.insert(message.to_string(), Vec::new());
        }
        let candidates = self.by_message.get_mut(message).expect("inserted above");
        let index = match candidates.iter().position(|((a, n, level, _), _)| {
            a.as_deref() == agent && n.as_deref() == name && level == observation.level
        }) {
            Some(index) => index,
            None => {
                let id = (
                    agent.map(str::to_string),
                    name.map(str::to_string),
                    observation.level.to_string(),
                    message.to_string(),
                );
                let group = GroupBuilder {
                    first_ms: start_ms,
                    last_ms: start_ms,
                    ..GroupBuilder::default()
                };
                candidates.push((id, group));
                candidates.len() - 1
            }
        };
        let group = &mut candidates[index].1;
        if group.example.is_none() {
            group.example = observation.status_message.map(str::to_string);
        }
        if !group.agents.contains(observation.agent) {
            group.agents.insert(observation.agent.to_string());
        }
        group.count += 1;
        group.first_ms = group.first_ms.min(start_ms);
        group.last_ms = group.last_ms.max(start_ms);
        *group.per_day.entry(day_floor(start_ms)).or_default() += 1;
        if let Some(session) = observation.session_id {
            let id = observation.id;
            match group.sessions.get_mut(session) {
                Some(latest) => {
                    if (start_ms, id) > (latest.0, latest.1.as_str()) {
                        latest.0 = start_ms;
                        latest.1.replace_range(.., id);
                    }
                }
                None => {
                    group
                        .sessions
                        .insert(session.to_string(), (start_ms, id.to_string()));
                }
            }
        }
    }

    /// The groups (of observations starting in `range`) filtered, sorted
    /// and cut to the page `view` asks for.
    pub fn into_list(self, range: TimeRange, view: &ErrorListView) -> ErrorGroupList {
        error_list(self.by_message.into_values().flatten(), range, view)
    }
}

fn error_list(
    groups: impl Iterator<Item = (GroupId, GroupBuilder)>,
    range: TimeRange,
    view: &ErrorListView,
) -> ErrorGroupList {
    let mut ordered: Vec<(GroupId, GroupBuilder)> = groups
        .filter(|(id, group)| {
            view.search
                .as_deref()
                .is_none_or(|needle| matches(id, group, needle))
        })
        .collect();
    let total = ordered.len() as i64;
    let count = ordered.iter().map(|(_, group)| group.count).sum();
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
    let mut day_labels: HashMap<i64, String> = HashMap::default();
    let items = ordered
        .into_iter()
        .skip(usize::try_from(view.offset).unwrap_or(usize::MAX))
        .take(view.limit as usize)
        .map(|((agent, name, level, message), group)| {
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
                        .or_insert_with(|| ms_to_day(day))
                        .clone(),
                    count: group.per_day.get(&day).copied().unwrap_or(0),
                })
                .collect();
            let sessions = group.sessions.len() as i64;
            // The latest few of a group's sessions, which can be thousands.
            let linked = first_by(
                group.sessions.into_iter().collect(),
                MAX_LINKED_SESSIONS,
                |(a_session, a): &(String, (i64, String)), (b_session, b)| {
                    b.cmp(a).then_with(|| a_session.cmp(b_session))
                },
            );
            ErrorGroup {
                key: group_key(agent.as_deref(), name.as_deref(), &level, &message),
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
                observation_ids: linked.iter().map(|(_, (_, id))| id.clone()).collect(),
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
    use shared_schema::messages::normalise_message;

    use super::*;

    /// (id, agent, name, message, start)
    const ROWS: [(&str, &str, &str, &str, i64); 4] = [
        ("1", "judge", "llm", "timeout after 30 s", 10),
        ("2", "matchmaker", "llm", "timeout after 45 s", 20),
        ("3", "matchmaker", "tool", "timeout after 5 s", 30),
        ("4", "judge", "llm", "bad json", 40),
    ];

    fn error_groups(range: TimeRange, view: &ErrorListView) -> ErrorGroupList {
        let mut groups = ErrorGroups::new(view.grouping);
        for (id, agent, name, message, start_ms) in ROWS {
            let session = format!("s-{id}");
            // Half the rows as the daemon stores them, half as a writer that
            // left the normalised message out: both group alike.
            let normalised =
                (id.parse::<u32>().unwrap() % 2 == 0).then(|| normalise_message(message));
            groups.add(ErrorObservation {
                id,
                agent,
                name: Some(name),
                level: "ERROR",
                status_message: Some(message),
                normalised_message: normalised.as_deref(),
                start_time_ms: start_ms,
                session_id: Some(&session),
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
        assert_eq!(found.items[0].name.as_deref(), Some("tool"));
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
                normalised_message: Some("timeout"),
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
    fn linked_sessions_agree_with_a_naive_oracle_when_groups_share_sessions_and_starts_tie() {
        use std::collections::BTreeMap;
        let mut next = crate::wire::seeded_numbers(0x05ee_de77);
        let messages = ["timeout", "bad json", "refused"];
        let mut groups = ErrorGroups::new(ErrorGrouping::Message);
        // message -> session -> its latest (start, observation id)
        let mut oracle: BTreeMap<&str, BTreeMap<String, (i64, String)>> = BTreeMap::new();
        for row in 0..3_000 {
            let message = messages[next(3) as usize];
            let session = format!("s-{}", next(180));
            let id = format!("o-{}", next(100_000));
            // Few distinct starts, so that many latest observations tie.
            let start_ms = next(40) as i64;
            groups.add(ErrorObservation {
                id: &id,
                agent: if row % 2 == 0 { "judge" } else { "matchmaker" },
                name: Some("llm"),
                level: "ERROR",
                status_message: Some(message),
                normalised_message: Some(message),
                start_time_ms: start_ms,
                session_id: Some(&session),
            });
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
            let sessions = &oracle[group.message.as_str()];
            let mut expected: Vec<(&String, &(i64, String))> = sessions.iter().collect();
            expected
                .sort_by(|(a_session, a), (b_session, b)| b.cmp(a).then(a_session.cmp(b_session)));
            expected.truncate(MAX_LINKED_SESSIONS);
            assert_eq!(group.sessions as usize, sessions.len(), "{}", group.message);
            let session_ids: Vec<&String> = expected.iter().map(|(session, _)| *session).collect();
            let observation_ids: Vec<&String> = expected.iter().map(|(_, (_, id))| id).collect();
            assert_eq!(
                group.session_ids.iter().collect::<Vec<_>>(),
                session_ids,
                "{}",
                group.message
            );
            assert_eq!(
                group.observation_ids.iter().collect::<Vec<_>>(),
                observation_ids,
                "{}",
                group.message
            );
        }
    }
}
