//! ERROR (and WARNING) observations grouped by agent, observation name,
//! level and normalised status message.

use std::collections::HashMap;

use serde::Serialize;
use shared_schema::units::{MS_PER_DAY, ms_to_day};
use utoipa::ToSchema;

use crate::db::errors::ErrorObservationRow;
use crate::params::{TimeRange, day_ceil, day_floor};
use crate::wire::iso;

/// Groups returned, most frequent first.
const MAX_GROUPS: usize = 200;
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
    /// A stable id of (agent, name, level, message).
    pub key: String,
    pub agent: String,
    /// The observation name.
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
pub struct ErrorGroupList {
    /// Up to 200 groups, most frequent first.
    pub items: Vec<ErrorGroup>,
    /// Groups in all (before the cut to 200).
    pub total: i64,
}

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
            if end + 1 < chars.len() && chars[end] == '.' && chars[end + 1].is_ascii_digit() {
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

/// FNV-1a over the group's fields: stable across runs and versions.
fn group_key(agent: &str, name: Option<&str>, level: &str, message: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [agent, name.unwrap_or("\u{0}"), level, message] {
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
    count: i64,
    first_ms: i64,
    last_ms: i64,
    per_day: HashMap<i64, i64>,
    /// session -> (latest start, its observation id)
    sessions: HashMap<String, (i64, String)>,
}

type GroupId = (String, Option<String>, String, String);

/// The groups of `rows` (observations starting in `range`), most frequent
/// first, cut to 200.
pub fn error_groups(rows: Vec<ErrorObservationRow>, range: TimeRange) -> ErrorGroupList {
    let mut groups: HashMap<GroupId, GroupBuilder> = HashMap::new();
    for row in rows {
        let ErrorObservationRow {
            id,
            agent,
            name,
            level,
            status_message: raw,
            start_time_ms: start_ms,
            session_id: session,
        } = row;
        let group_id: GroupId = (
            agent,
            name,
            level,
            normalise_message(raw.as_deref().unwrap_or("")),
        );
        let group = groups.entry(group_id).or_insert_with(|| GroupBuilder {
            first_ms: start_ms,
            last_ms: start_ms,
            ..GroupBuilder::default()
        });
        if group.example.is_none() {
            group.example = raw;
        }
        group.count += 1;
        group.first_ms = group.first_ms.min(start_ms);
        group.last_ms = group.last_ms.max(start_ms);
        *group.per_day.entry(day_floor(start_ms)).or_default() += 1;
        if let Some(session) = session {
            let entry = group
                .sessions
                .entry(session)
                .or_insert_with(|| (start_ms, id.clone()));
            if (start_ms, &id) > (entry.0, &entry.1) {
                *entry = (start_ms, id);
            }
        }
    }
    let total = groups.len() as i64;
    let mut ordered: Vec<(GroupId, GroupBuilder)> = groups.into_iter().collect();
    ordered.sort_by(|(a_id, a), (b_id, b)| b.count.cmp(&a.count).then_with(|| a_id.cmp(b_id)));
    ordered.truncate(MAX_GROUPS);
    let items = ordered
        .into_iter()
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
                    date: ms_to_day(day),
                    count: group.per_day.get(&day).copied().unwrap_or(0),
                })
                .collect();
            let mut linked: Vec<(String, (i64, String))> = group.sessions.into_iter().collect();
            let sessions = linked.len() as i64;
            linked.sort_by(|(a_session, a), (b_session, b)| {
                b.cmp(a).then_with(|| a_session.cmp(b_session))
            });
            linked.truncate(MAX_LINKED_SESSIONS);
            ErrorGroup {
                key: group_key(&agent, name.as_deref(), &level, &message),
                agent,
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
    ErrorGroupList { items, total }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn long_messages_are_cut_to_200_characters() {
        assert_eq!(normalise_message(&"word ".repeat(100)).chars().count(), 200);
    }

    #[test]
    fn group_keys_are_stable_and_distinct() {
        let key = group_key("matchmaker", Some("llm"), "ERROR", "x <n>");
        assert_eq!(key, group_key("matchmaker", Some("llm"), "ERROR", "x <n>"));
        assert_ne!(key, group_key("matchmaker", None, "ERROR", "x <n>"));
        assert_ne!(
            key,
            group_key("matchmaker", Some("llm"), "WARNING", "x <n>")
        );
    }
}
