//! The rules behind the tidy tests, as pure functions of file paths and
//! texts, so each rule can be shown to fail on a bad example
//! (`tests/tidy.rs` runs them on the workspace).

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use sha2::{Digest, Sha256};

/// One broken rule: where, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

fn violation(path: &str, message: impl Into<String>) -> Violation {
    Violation {
        path: path.to_string(),
        message: message.into(),
    }
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Released migrations are frozen: each pinned migration's text must hash to
/// its pin, and none may disappear. Migrations appended after the last pin
/// pass (pin them when they are released).
pub fn check_migrations(migrations: &[&str], pins: &[(usize, &str)]) -> Vec<Violation> {
    let path = "shared-schema/src/migrations.rs";
    let mut found = Vec::new();
    for &(number, pinned) in pins {
        match migrations.get(number.wrapping_sub(1)) {
            None => found.push(violation(
                path,
                format!("migration {number} is released and pinned but no longer exists; migrations are append-only"),
            )),
            Some(text) if sha256_hex(text) != pinned => found.push(violation(
                path,
                format!(
                    "migration {number} was edited after its release (sha256 {} instead of the pinned {pinned}); \
                     undo the edit and append a new migration instead",
                    sha256_hex(text)
                ),
            )),
            Some(_) => {}
        }
    }
    found
}

/// The string literals of a Rust source, comments left out: the text SQL
/// would have to hide in.
pub fn string_literals(source: &str) -> Vec<String> {
    let bytes = source.as_bytes();
    let mut literals = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < bytes.len() {
                    if bytes[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if bytes[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'r' if is_raw_string_start(bytes, i) => {
                let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
                let start = i + 2 + hashes;
                let closing: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                let end = find(bytes, start, &closing).unwrap_or(bytes.len());
                literals.push(String::from_utf8_lossy(&bytes[start..end]).into_owned());
                i = end + closing.len();
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                literals
                    .push(String::from_utf8_lossy(&bytes[start..j.min(bytes.len())]).into_owned());
                i = j + 1;
            }
            b'\'' => i += char_literal_length(bytes, i),
            _ => i += 1,
        }
    }
    literals
}

fn is_raw_string_start(bytes: &[u8], i: usize) -> bool {
    let preceded_by_identifier =
        i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
    let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
    !preceded_by_identifier && bytes.get(i + 1 + hashes) == Some(&b'"')
}

/// `'x'`, `'\n'`, `'\u{1F600}'` and `'"'` are skipped whole; a lifetime's
/// quote is skipped alone.
fn char_literal_length(bytes: &[u8], i: usize) -> usize {
    if bytes.get(i + 1) == Some(&b'\\') {
        return bytes[i + 2..]
            .iter()
            .position(|&b| b == b'\'')
            .map_or(1, |p| p + 3);
    }
    let width = bytes.get(i + 1).map_or(1, |&b| utf8_width(b));
    if bytes.get(i + 1 + width) == Some(&b'\'') {
        width + 2
    } else {
        1
    }
}

fn utf8_width(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

static SQL_STATEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+(OR\s+[A-Z]+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|PRAGMA\s+\w+|BEGIN\s+(IMMEDIATE|DEFERRED|EXCLUSIVE)|WITH\s+\w+\s+AS\s*\()",
    )
    .expect("a valid pattern")
});

static SCHEMA_CHANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(CREATE\s+(UNIQUE\s+)?(TEMP\s+|TEMPORARY\s+)?(TABLE|INDEX|VIEW|TRIGGER)|ALTER\s+TABLE|DROP\s+(TABLE|INDEX|VIEW|TRIGGER))\b")
        .expect("a valid pattern")
});

/// The folders of production code that may hold SQL, by crate.
pub const SQL_HOMES: &[&str] = &[
    "api-server/src/db/",
    "sync-daemon/src/store/",
    "shared-schema/src/",
];

/// The crates whose SQL is confined to one data-layer folder.
pub const SQL_RULED_CRATES: &[&str] = &["api-server/src/", "sync-daemon/src/"];

/// Production Rust code holds SQL only in its crate's data layer, and DDL
/// only in shared-schema. `path` is relative to the workspace root.
pub fn check_sql_placement(path: &str, source: &str) -> Vec<Violation> {
    let mut found = Vec::new();
    let literals = string_literals(source);
    if !path.starts_with("shared-schema/")
        && let Some(ddl) = literals
            .iter()
            .find_map(|literal| SCHEMA_CHANGE.find(literal))
    {
        found.push(violation(
            path,
            format!(
                "`{}`: only shared-schema's migrations change the schema",
                ddl.as_str()
            ),
        ));
    }
    let layered = SQL_RULED_CRATES.iter().any(|krate| path.starts_with(krate));
    if layered
        && !SQL_HOMES.iter().any(|home| path.starts_with(home))
        && let Some(sql) = literals
            .iter()
            .find_map(|literal| SQL_STATEMENT.find(literal))
    {
        let first_words: String = sql
            .as_str()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        found.push(violation(
            path,
            format!(
                "SQL (`{first_words} …`) outside the data layer; it belongs in one of {SQL_HOMES:?}"
            ),
        ));
    }
    found
}

/// A route module never imports another route module: shared code lives in
/// the layers below (params, db, wire, csv).
pub fn check_route_imports(path: &str, source: &str, sibling_routes: &[&str]) -> Vec<Violation> {
    static FROM_PARENT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"super::(\w+)|super::\{([^}]*)\}").expect("a valid pattern"));
    let mut found = Vec::new();
    if source.contains("crate::routes::") {
        found.push(violation(
            path,
            "imports `crate::routes::…`; a route never imports another route",
        ));
    }
    let imported: BTreeSet<&str> = FROM_PARENT
        .captures_iter(source)
        .flat_map(|c| {
            let names = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
            names
                .split(',')
                .map(|name| name.split("::").next().unwrap_or_default().trim())
        })
        .collect();
    for sibling in sibling_routes
        .iter()
        .filter(|sibling| imported.contains(**sibling))
    {
        found.push(violation(
            path,
            format!("imports the route `{sibling}`; a route never imports another route"),
        ));
    }
    found
}

/// The paths ARCHITECTURE.md's "Code map" section names in backticks, with
/// `dir/{a,b}.rs` expanded to both files.
pub fn code_map_paths(architecture: &str) -> BTreeSet<String> {
    let section = architecture
        .split("\n## ")
        .find(|section| section.starts_with("Code map"))
        .unwrap_or_default();
    static BACKTICKED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"`([^`\s]+)`").expect("a valid pattern"));
    BACKTICKED
        .captures_iter(section)
        .flat_map(|c| expand_braces(&c[1]))
        .collect()
}

fn expand_braces(pattern: &str) -> Vec<String> {
    match (pattern.find('{'), pattern.find('}')) {
        (Some(open), Some(close)) if open < close => pattern[open + 1..close]
            .split(',')
            .flat_map(|choice| {
                expand_braces(&format!(
                    "{}{}{}",
                    &pattern[..open],
                    choice,
                    &pattern[close + 1..]
                ))
            })
            .collect(),
        _ => vec![pattern.to_string()],
    }
}

/// Every source file over `limit` lines is named in the code map.
pub fn check_code_map(
    named: &BTreeSet<String>,
    files: &[(String, usize)],
    limit: usize,
) -> Vec<Violation> {
    files
        .iter()
        .filter(|(path, lines)| *lines > limit && !named.contains(path))
        .map(|(path, lines)| {
            violation(
                "ARCHITECTURE.md",
                format!("the code map does not name `{path}` ({lines} lines); say in a row what it is for"),
            )
        })
        .collect()
}

const SKIPPED_DIRECTORIES: &[&str] = &[
    "target",
    "node_modules",
    ".git",
    "dist",
    "artifacts",
    "data",
    "test-results",
    "playwright-report",
];

/// Every file under `root`, relative to it, with '/' separators, leaving out
/// build output and dependencies.
pub fn workspace_files(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path: PathBuf = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !SKIPPED_DIRECTORIES.contains(&name.as_str()) {
                    walk(root, &path, out);
                }
            } else if let Ok(relative) = path.strip_prefix(root) {
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut files = Vec::new();
    walk(root, root, &mut files);
    files.sort();
    files
}

/// Production source: code a maintainer reads to change the product, not
/// tests, fixtures or generated files.
pub fn is_production_source(path: &str) -> bool {
    let source_extension = [".rs", ".ts", ".tsx", ".py", ".sh", ".js", ".mjs"]
        .iter()
        .any(|ext| path.ends_with(ext));
    let in_tests = path
        .split('/')
        .any(|part| matches!(part, "tests" | "test" | "fixtures" | "tidy"))
        || path.ends_with("/tests.rs")
        || path.starts_with("e2e/")
        || path.starts_with(".ci/")
        || [
            ".test.ts",
            ".test.tsx",
            ".spec.ts",
            ".gen.ts",
            ".config.ts",
            ".config.js",
        ]
        .iter()
        .any(|s| path.ends_with(s));
    source_extension && !in_tests
}
