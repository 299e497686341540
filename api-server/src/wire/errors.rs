//! ERROR (and WARNING) observations grouped by agent, observation name,
//! level and normalised status message, or by level and message alone;
//! filtered, sorted and paged.

use std::cmp::Ordering;
use std::collections::BTreeSet;

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
/// Longest normalised message.
const MAX_MESSAGE_CHARS: usize = 200;

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

/// Whether `token` is a UUID (8-4-4-4-12 hex digits).
fn is_uuid(token: &str) -> bool {
    token.len() == 36
        && token.bytes().enumerate().all(|(index, byte)| {
            if matches!(index, 8 | 13 | 18 | 23) {
                byte == b'-'
            } else {
                byte.is_ascii_hexdigit()
            }
        })
}

fn is_hex_id(token: &str) -> bool {
    token.len() >= 8 && token.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// Whether `c` belongs to an id or number token; other characters
/// (punctuation, brackets, quotes) separate tokens.
fn is_token_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_' || c == '.'
}

/// Appends `token` with its numbers standing alone (not inside a word such
/// as `gpt4o`) as `<n>`.
fn push_with_numbers_replaced(token: &str, out: &mut String) {
    let bytes = token.as_bytes();
    let mut previous: Option<char> = None;
    let mut index = 0;
    while let Some(c) = token[index..].chars().next() {
        let after_word_char = previous.is_some_and(|p| p.is_alphanumeric() || p == '_');
        if c.is_ascii_digit() && !after_word_char {
            let mut end = index;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            if end + 1 < bytes.len() && bytes[end] == b'.' && bytes[end + 1].is_ascii_digit() {
                end += 1;
                while end < bytes.len() && bytes[end].is_ascii_digit() {
                    end += 1;
                }
            }
            let before_word_char = token[end..]
                .chars()
                .next()
                .is_some_and(|next| next.is_alphabetic() || next == '_');
            if before_word_char {
                out.push_str(&token[index..end]);
            } else {
                out.push_str("<n>");
            }
            previous = Some(char::from(bytes[end - 1]));
            index = end;
            continue;
        }
        out.push(c);
        previous = Some(c);
        index += c.len_utf8();
    }
}

/// Writes into `out` (cleared first) the message with UUIDs and hex ids
/// (≥ 8 hex digits) as `<id>`, numbers as `<n>`, whitespace collapsed,
/// trimmed and cut to 200 characters, so that messages differing only in
/// ids and numbers group together.
///
/// It runs once per error observation of a request, so one buffer serves
/// them all, and it stops once 200 characters are written.
fn normalise_message_into(message: &str, out: &mut String) {
    out.clear();
    for word in message.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        // Ids are recognised as whole tokens between punctuation.
        let mut token_start = None;
        for (index, c) in word.char_indices() {
            match (is_token_char(c), token_start) {
                (true, None) => token_start = Some(index),
                (true, Some(_)) => {}
                (false, start) => {
                    if let Some(start) = start {
                        push_token(&word[start..index], out);
                        token_start = None;
                    }
                    out.push(c);
                }
            }
        }
        if let Some(start) = token_start {
            push_token(&word[start..], out);
        }
        if out.len() >= MAX_MESSAGE_CHARS && out.chars().count() >= MAX_MESSAGE_CHARS {
            break;
        }
    }
    if let Some((cut, _)) = out.char_indices().nth(MAX_MESSAGE_CHARS) {
        out.truncate(cut);
    }
}

fn push_token(token: &str, out: &mut String) {
    if is_uuid(token) || is_hex_id(token) {
        out.push_str("<id>");
    } else {
        push_with_numbers_replaced(token, out);
    }
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
/// by normalised message first, as the message is the one part made fresh
/// for each observation; the few groups sharing a message are told apart
/// by agent, name and level without copying them.
pub struct ErrorGroups {
    grouping: ErrorGrouping,
    by_message: HashMap<String, Vec<(GroupId, GroupBuilder)>>,
    message: String,
}

impl ErrorGroups {
    pub fn new(grouping: ErrorGrouping) -> Self {
        ErrorGroups {
            grouping,
            by_message: HashMap::default(),
            message: String::new(),
        }
    }

    /// Counts `observation` (one starting in the range) in its group.
    pub fn add(&mut self, observation: ErrorObservation<'_>) {
        let start_ms = observation.start_time_ms;
        normalise_message_into(observation.status_message.unwrap_or(""), &mut self.message);
        let (agent, name) = match self.grouping {
            ErrorGrouping::AgentObservation => (Some(observation.agent), observation.name),
            ErrorGrouping::Message => (None, None),
        };
        if !self.by_message.contains_key(self.message.as_str()) {
            self.by_message.insert(self.message.clone(), Vec::new());
        }
        let candidates = self
            .by_message
            .get_mut(self.message.as_str())
            .expect("inserted above");
        let index = match candidates.iter().position(|((a, n, level, _), _)| {
            a.as_deref() == agent && n.as_deref() == name && level == observation.level
        }) {
            Some(index) => index,
            None => {
                let id = (
                    agent.map(str::to_string),
                    name.map(str::to_string),
                    observation.level.to_string(),
                    self.message.clone(),
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
    use super::*;

    fn normalise_message(message: &str) -> String {
        let mut out = String::new();
        normalise_message_into(message, &mut out);
        out
    }

    /// The first, plainer normaliser, kept as the oracle that the faster
    /// one must agree with.
    mod reference {
        use super::MAX_MESSAGE_CHARS;
        /// Whether `word` is a UUID (8-4-4-4-12 hex digits).
        fn is_uuid(word: &str) -> bool {
            let parts: Vec<&str> = word.split('-').collect();
            parts.len() == 5
                && parts.iter().zip([8, 4, 4, 4, 12]).all(|(part, length)| {
                    part.len() == length && part.chars().all(|c| c.is_ascii_hexdigit())
                })
        }

        fn is_hex_id(word: &str) -> bool {
            word.len() >= 8 && word.chars().all(|c| c.is_ascii_hexdigit())
        }

        /// Replaces numbers standing alone (not inside a word such as `gpt4o`).
        fn replace_numbers(word: &str) -> String {
            let chars: Vec<char> = word.chars().collect();
            let mut out = String::with_capacity(word.len());
            let mut index = 0;
            while index < chars.len() {
                let c = chars[index];
                let after_word_char =
                    index > 0 && (chars[index - 1].is_alphanumeric() || chars[index - 1] == '_');
                if c.is_ascii_digit() && !after_word_char {
                    let mut end = index;
                    while end < chars.len() && chars[end].is_ascii_digit() {
                        end += 1;
                    }
                    if end + 1 < chars.len() && chars[end] == '.' && chars[end + 1].is_ascii_digit()
                    {
                        end += 1;
                        while end < chars.len() && chars[end].is_ascii_digit() {
                            end += 1;
                        }
                    }
                    let before_word_char =
                        end < chars.len() && (chars[end].is_alphabetic() || chars[end] == '_');
                    if !before_word_char {
                        out.push_str("<n>");
                        index = end;
                        continue;
                    }
                    out.extend(&chars[index..end]);
                    index = end;
                    continue;
                }
                out.push(c);
                index += 1;
            }
            out
        }

        /// The message with UUIDs and hex ids (≥ 8 hex digits) as `<id>`, numbers
        /// as `<n>`, whitespace collapsed, trimmed and cut to 200 characters, so
        /// that messages differing only in ids and numbers group together.
        pub fn normalise_message(message: &str) -> String {
            let mut words = Vec::new();
            for word in message.split_whitespace() {
                // Ids are recognised as whole tokens between punctuation.
                let mut rebuilt = String::with_capacity(word.len());
                let mut token = String::new();
                let flush = |token: &mut String, rebuilt: &mut String| {
                    if !token.is_empty() {
                        if is_uuid(token) || is_hex_id(token) {
                            rebuilt.push_str("<id>");
                        } else {
                            rebuilt.push_str(&replace_numbers(token));
                        }
                        token.clear();
                    }
                };
                for c in word.chars() {
                    if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                        token.push(c);
                    } else {
                        flush(&mut token, &mut rebuilt);
                        rebuilt.push(c);
                    }
                }
                flush(&mut token, &mut rebuilt);
                words.push(rebuilt);
            }
            words.join(" ").chars().take(MAX_MESSAGE_CHARS).collect()
        }
    }

    #[test]
    fn the_fast_normaliser_agrees_with_the_plain_one_on_random_messages() {
        // Characters that exercise every rule: hex and other letters, ASCII
        // and non-ASCII digits, id punctuation, separators and whitespace.
        let alphabet: Vec<char> = "0123456789abcdefxyzABCDEF-_.:/()'é٣ \t\n".chars().collect();
        let mut numbers = crate::wire::seeded_numbers(0x9e37_79b9_7f4a_7c15);
        let mut next = |bound: usize| numbers(bound as u64) as usize;
        for _ in 0..20_000 {
            let length = next(80);
            let message: String = (0..length)
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            assert_eq!(
                normalise_message(&message),
                reference::normalise_message(&message),
                "{message:?}"
            );
        }
        for message in [
            "3f2a9c1e-0b7d-4e2a-9c3b-1a2b3c4d5e6f".repeat(9),
            "é1 ".repeat(120),
            "12345 ".repeat(60),
        ] {
            assert_eq!(
                normalise_message(&message),
                reference::normalise_message(&message),
                "{message:?}"
            );
        }
    }

    #[test]
    fn messages_differing_in_ids_and_numbers_normalise_alike() {
        let cases = [
            (
                "Request timed out after 30000 ms",
                "Request timed out after <n> ms",
            ),
            ("  Profile   12345 not found ", "Profile <n> not found"),
            (
                "trace 3f2a9c1e-0b7d-4e2a-9c3b-1a2b3c4d5e6f failed",
                "trace <id> failed",
            ),
            ("object deadbeef00 missing", "object <id> missing"),
            (
                "Content filter triggered (policy 42)",
                "Content filter triggered (policy <n>)",
            ),
            ("gpt4o returned 2.5 s late", "gpt4o returned <n> s late"),
            ("cafe is short", "cafe is short"),
            ("", ""),
        ];
        for (raw, expected) in cases {
            assert_eq!(normalise_message(raw), expected, "{raw}");
        }
    }

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
            groups.add(ErrorObservation {
                id,
                agent,
                name: Some(name),
                level: "ERROR",
                status_message: Some(message),
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
    fn long_messages_are_cut_to_200_characters() {
        assert_eq!(normalise_message(&"word ".repeat(100)).chars().count(), 200);
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
}
