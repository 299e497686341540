//! The normalised form of an ERROR or WARNING observation's status
//! message, by which the dashboard groups errors: the daemon stores it
//! beside the raw message (`observations.normalised_message`), so a request
//! for the error groups reads it instead of working it out for each of
//! thousands of observations.

use rusqlite::{Connection, params};

/// Longest normalised message, in characters.
const MAX_MESSAGE_CHARS: usize = 200;

/// The levels whose observations carry a normalised message.
const PROBLEM_LEVELS: [&str; 2] = ["ERROR", "WARNING"];

/// The normalised form of `message` (see `normalise_message_into`).
pub fn normalise_message(message: &str) -> String {
    let mut out = String::new();
    normalise_message_into(message, &mut out);
    out
}

/// The normalised message an observation at `level` stores: that of its
/// status message (none counts as empty) at ERROR and WARNING, none at
/// other levels.
pub fn normalised_message_of(level: &str, status_message: Option<&str>) -> Option<String> {
    PROBLEM_LEVELS
        .contains(&level)
        .then(|| normalise_message(status_message.unwrap_or("")))
}

/// Fills `normalised_message` for every ERROR and WARNING observation
/// stored (migration 20's data step).
pub fn normalise_stored_messages(connection: &Connection) -> rusqlite::Result<()> {
    let mut read = connection.prepare(
        "SELECT rowid, status_message FROM observations WHERE level IN ('ERROR', 'WARNING')",
    )?;
    let mut write =
        connection.prepare("UPDATE observations SET normalised_message = ?2 WHERE rowid = ?1")?;
    let stored = read
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Option<String>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (rowid, message) in stored {
        write.execute(params![
            rowid,
            normalise_message(message.as_deref().unwrap_or(""))
        ])?;
    }
    Ok(())
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
/// It runs once per error observation the daemon stores (and, in the
/// api-server, once per one read without a stored form), so one buffer can
/// serve many, and it stops once 200 characters are written.
pub fn normalise_message_into(message: &str, out: &mut String) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
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

    #[test]
    fn only_errors_and_warnings_carry_a_normalised_message() {
        let cases = [
            (
                "ERROR",
                Some("Profile 12345 not found"),
                Some("Profile <n> not found"),
            ),
            ("WARNING", None, Some("")),
            ("DEFAULT", Some("Profile 12345 not found"), None),
            ("DEBUG", Some("x"), None),
        ];
        for (level, message, expected) in cases {
            assert_eq!(
                normalised_message_of(level, message).as_deref(),
                expected,
                "{level:?} {message:?}"
            );
        }
    }

    #[test]
    fn long_messages_are_cut_to_200_characters() {
        assert_eq!(normalise_message(&"word ".repeat(100)).chars().count(), 200);
    }
}
