//! Guardrails on the workspace's shape. Each rule is shown to fail on a bad
//! example first, then run on the real files.

use std::path::{Path, PathBuf};

use tidy::{
    check_code_map, check_migrations, check_route_imports, check_sql_placement, code_map_paths,
    is_production_source, sha256_hex, workspace_files,
};

/// The SHA-256 of every released migration's text. Append a pin when a
/// migration is released; never change one.
const RELEASED_MIGRATIONS: &[(usize, &str)] = &[
    (
        1,
        "0b887393fffc4119ad2f42acaec48359d3fb2b7048d0eb04b2f6e0e587d35769",
    ),
    (
        2,
        "0f009bab40b9921e8c52189c2450b8a7621623a1d955091a8a959d9faa967596",
    ),
    (
        3,
        "d82766b0e069f70af4d276347cc44bc7c840564a9adca00c950ee2e502bd8990",
    ),
    (
        4,
        "f28a2fbb72f90b3a3a87720fcde460115aa7fe8527bd604647d28d66ddf684ba",
    ),
    (
        5,
        "f94165c03ef2cef1a796a241e3f93c461d07d8ffbce51b9112d9e48a8e67a0a3",
    ),
    (
        6,
        "803f6ab54ca03584b2730110cc4220b0929e15c8f6f90392066e7d6692cc1df1",
    ),
    (
        7,
        "02bb13f092f18be02cdf1ecec088a0759997cb72f167d72b8ee72cbc59bc6943",
    ),
    (
        8,
        "9c9f2c8c8bf7d3067553d8f63b3ba075332cd8f48e41481d83f9863e25217903",
    ),
    (
        9,
        "50e5a38538719d3e11e58808d3966fdef7b488b6ecac2f6d0743c54c5355945f",
    ),
    (
        10,
        "21fe0c3e883c02504b76e8e508b7e637c0302a179696b24004bf984c30013525",
    ),
    (
        11,
        "3d0e94123f51bc5c5167256ab7c5554113248d92b60d33379951b882bac9732f",
    ),
    (
        12,
        "26f976f22485a109ac75d041358156d40f7ac739027946fba66d4c5b2185d648",
    ),
    (
        13,
        "409c04ab9414127af25e9369df34e1badae2b79f4e5f83d58317b12374cae486",
    ),
    (
        14,
        "b1d7804e20c8d1fe8eec2001bb4be3f7db22b5e6de4048e2fb361a79f7fee702",
    ),
    (
        15,
        "7e075984734bb3196f3e150a1c27a9edeb4367471f5fb37c59e7123aed517f35",
    ),
    (
        16,
        "407eaadaa702418201251b67fb50eb238dbb7004a6ff92b327c55d059c6916e6",
    ),
    (
        17,
        "254853e8dcc5807dae4998db7b0fa449c510ed7f4bba10bdf3e4c220a2544895",
    ),
    (
        18,
        "5f60db74ef3213b548c7ae1a3bca126660583926c25d6cde2b2879d0a354058e",
    ),
    (
        19,
        "b9695c98e112b82053c76f2129e626f4e9bffcb425798cd3cfe09632d54c9809",
    ),
    (
        20,
        "7dccf22057c11c8b925758731f3e0c95cf83e04a5e5e7328bf228874cfa7e706",
    ),
    (
        21,
        "a4f62adbbbab68db01301fdd743561d8bb9fc3f7c432e4b01d76ce3d26afbfd5",
    ),
];

/// Files longer than this must be named in ARCHITECTURE.md's code map.
const CODE_MAP_LINE_LIMIT: usize = 100;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tidy lives in the workspace")
        .to_path_buf()
}

fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path))
        .unwrap_or_else(|error| panic!("reading {path}: {error}"))
}

fn rust_production_sources(root: &Path) -> Vec<(String, String)> {
    workspace_files(root)
        .into_iter()
        .filter(|path| path.ends_with(".rs") && is_production_source(path))
        .map(|path| {
            let text = read(root, &path);
            (path, text)
        })
        .collect()
}

fn assert_none(violations: Vec<tidy::Violation>) {
    let listed: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert!(
        listed.is_empty(),
        "{} tidy violation(s):\n{}",
        listed.len(),
        listed.join("\n")
    );
}

// ---- the rules fail on bad examples

#[test]
fn an_edited_migration_fails_and_an_appended_one_passes() {
    let released = ["CREATE TABLE a (id INTEGER);"];
    let pins = [(1, sha256_hex(released[0]))];
    let pins: Vec<(usize, &str)> = pins.iter().map(|(n, h)| (*n, h.as_str())).collect();

    assert!(check_migrations(&released, &pins).is_empty());
    let appended = [released[0], "CREATE TABLE b (id INTEGER);"];
    assert!(
        check_migrations(&appended, &pins).is_empty(),
        "appending a migration is how the schema changes"
    );

    let edited = ["CREATE TABLE a (id INTEGER, extra TEXT);"];
    let violations = check_migrations(&edited, &pins);
    assert_eq!(violations.len(), 1);
    assert!(
        violations[0].message.contains("migration 1 was edited"),
        "{}",
        violations[0]
    );

    let removed: [&str; 0] = [];
    assert!(
        check_migrations(&removed, &pins)[0]
            .message
            .contains("no longer exists")
    );
}

#[test]
fn sql_in_a_route_file_fails_and_sql_in_the_data_layer_passes() {
    let handler = r#"async fn list() { let sql = "SELECT id FROM sessions WHERE day = ?1"; }"#;
    let violations = check_sql_placement("api-server/src/routes/sessions.rs", handler);
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].message.contains("outside the data layer"));

    let raw = "fn f() { conn.execute(r#\"INSERT INTO t (a) VALUES (1)\"#, []); }";
    assert_eq!(
        check_sql_placement("sync-daemon/src/sync/engine.rs", raw).len(),
        1
    );

    assert!(check_sql_placement("api-server/src/db/sessions.rs", handler).is_empty());
    assert!(check_sql_placement("sync-daemon/src/store/upsert.rs", raw).is_empty());
}

#[test]
fn sql_words_in_comments_and_prose_pass() {
    let source = r#"
        // SELECT the rows FROM the window, then INSERT INTO the store.
        /* DELETE FROM nothing */
        fn f<'a>(x: &'a str) -> char { tracing::info!("selected rows from the window"); '"' }
    "#;
    assert!(check_sql_placement("api-server/src/routes/sessions.rs", source).is_empty());
}

#[test]
fn a_schema_change_outside_shared_schema_fails() {
    let source = r#"fn f() { conn.execute_batch("ALTER TABLE sessions ADD COLUMN x")?; }"#;
    let violations = check_sql_placement("sync-daemon/src/store/upsert.rs", source);
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].message.contains("only shared-schema"));
    assert!(check_sql_placement("shared-schema/src/migrations.rs", source).is_empty());
}

#[test]
fn a_route_importing_a_route_fails() {
    let siblings = ["scores", "sessions"];
    for source in [
        "use crate::routes::scores::ScoreQuery;",
        "use super::scores::ScoreQuery;",
        "use super::{health, scores::ScoreQuery};",
    ] {
        let found = check_route_imports("api-server/src/routes/agents.rs", source, &siblings);
        assert!(!found.is_empty(), "{source} imports a route");
    }
    assert!(
        check_route_imports(
            "api-server/src/routes/agents.rs",
            "mod tests { use super::*; }",
            &siblings
        )
        .is_empty()
    );
    assert!(
        check_route_imports(
            "api-server/src/routes/agents.rs",
            "use crate::db::agents;",
            &siblings
        )
        .is_empty()
    );
}

#[test]
fn a_large_file_missing_from_the_code_map_fails() {
    let architecture = "# A\n\n## Code map\n\n| `api-server/src/db/{sessions,agents}.rs` | per resource |\n\n## Invariants\n\n`api-server/src/startup.rs`\n";
    let named = code_map_paths(architecture);
    assert!(
        named.contains("api-server/src/db/sessions.rs")
            && named.contains("api-server/src/db/agents.rs")
    );
    assert!(
        !named.contains("api-server/src/startup.rs"),
        "only the code map section counts"
    );
    let files = [
        ("api-server/src/db/agents.rs".to_string(), 300),
        ("api-server/src/startup.rs".to_string(), 101),
    ];
    let violations = check_code_map(&named, &files, CODE_MAP_LINE_LIMIT);
    assert_eq!(violations.len(), 1);
    assert!(violations[0].message.contains("api-server/src/startup.rs"));
}

// ---- the rules hold on the workspace

#[test]
fn released_migrations_are_unchanged() {
    assert_none(check_migrations(
        shared_schema::migrations::MIGRATIONS,
        RELEASED_MIGRATIONS,
    ));
}

#[test]
fn sql_lives_only_in_the_data_layers_and_ddl_only_in_shared_schema() {
    let root = workspace_root();
    assert_none(
        rust_production_sources(&root)
            .iter()
            .flat_map(|(path, text)| check_sql_placement(path, text))
            .collect(),
    );
}

#[test]
fn no_route_imports_another_route() {
    let root = workspace_root();
    let mut violations = Vec::new();
    for routes in ["api-server/src/routes/", "sync-daemon/src/routes/"] {
        let files: Vec<String> = workspace_files(&root)
            .into_iter()
            .filter(|path| {
                path.starts_with(routes) && path.ends_with(".rs") && !path.ends_with("/mod.rs")
            })
            .collect();
        let names: Vec<String> = files
            .iter()
            .map(|path| path[routes.len()..].trim_end_matches(".rs").to_string())
            .collect();
        for (path, name) in files.iter().zip(&names) {
            let siblings: Vec<&str> = names
                .iter()
                .filter(|other| *other != name)
                .map(String::as_str)
                .collect();
            violations.extend(check_route_imports(path, &read(&root, path), &siblings));
        }
    }
    assert_none(violations);
}

#[test]
fn the_code_map_names_every_large_source_file() {
    let root = workspace_root();
    let named = code_map_paths(&read(&root, "ARCHITECTURE.md"));
    let files: Vec<(String, usize)> = workspace_files(&root)
        .into_iter()
        .filter(|path| is_production_source(path))
        .map(|path| {
            let lines = read(&root, &path).lines().count();
            (path, lines)
        })
        .collect();
    assert_none(check_code_map(&named, &files, CODE_MAP_LINE_LIMIT));
}
