//! Who gets in and what leaks: the secret key, CORS, Caddy's basic auth,
//! and the api-server's read-only access to the database.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use langfuse_mock::Faults;
use reliability::{
    ApiServer, PUBLIC_KEY, Process, SECRET_KEY, Workspace, binary, daemon_environment, free_port,
    http_request, require_command, spawn_mock, sync_once, wait_until, workspace_root,
};

use crate::helpers::blocking;

/// Every form in which the secret could leak.
fn secret_forms() -> Vec<String> {
    vec![
        SECRET_KEY.to_string(),
        SECRET_KEY["sk-lf-".len()..].to_string(),
        base64::engine::general_purpose::STANDARD.encode(format!("{PUBLIC_KEY}:{SECRET_KEY}")),
    ]
}

fn assert_no_secret(what: &str, text: &str) {
    for form in secret_forms() {
        assert!(
            !text.contains(&form),
            "the secret key leaked into {what} (as {form:?}):\n{text}"
        );
    }
}

/// Every text column the daemon wrote about itself.
fn recorded_messages(database: &Path) -> String {
    let connection = reliability::read_only(database);
    let mut statement = connection
        .prepare(
            "SELECT coalesce(message, '') FROM sync_runs
             UNION ALL SELECT coalesce(last_error, '') FROM sync_metadata",
        )
        .unwrap();
    statement
        .query_map([], |row| row.get::<_, String>(0))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_key_never_appears_in_logs_errors_status_or_crash_output() {
    let mock = spawn_mock(1_500, Faults::default()).await;
    let verbose = [
        ("RUST_LOG", "trace"),
        ("RUST_BACKTRACE", "full"),
        ("CUPID_LOG_FORMAT", "json"),
    ];

    // 1. A faulty but successful sync, logged at trace level.
    mock.set_faults(Faults {
        server_error: 0.2,
        rate_limited: 0.1,
        truncated_body: 0.1,
        ..Faults::default()
    });
    let workspace = Workspace::new();
    let environment = daemon_environment(&mock.base_url(), &workspace.database(), &verbose);
    let (code, output) = blocking({
        let (environment, logs) = (environment.clone(), workspace.path().to_path_buf());
        move || sync_once(&environment, &logs, Duration::from_secs(300))
    })
    .await;
    assert_eq!(code, Some(0), "{output}");
    assert!(output.len() > 1_000, "trace logging produced output");
    assert_no_secret("a faulty sync's trace log", &output);
    mock.set_faults(Faults::default());

    // 2. A refused key (401): the error path, logs, database and status.
    let wrong = Workspace::new();
    let mut refused = daemon_environment(&mock.base_url(), &wrong.database(), &verbose);
    refused.insert("LANGFUSE_PUBLIC_KEY".into(), "pk-lf-unknown".into());
    let (code, output) = blocking({
        let (environment, logs) = (refused.clone(), wrong.path().to_path_buf());
        move || sync_once(&environment, &logs, Duration::from_secs(120))
    })
    .await;
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("401"), "the refusal is logged: {output}");
    assert_no_secret("a refused sync's log", &output);
    assert_no_secret("the recorded errors", &recorded_messages(&wrong.database()));
    let api = ApiServer::start(&wrong.database(), wrong.path(), &[]);
    let status_url = api.url("/api/sync/status");
    let (status, body) = blocking(move || reliability::get(&status_url).unwrap()).await;
    assert_eq!(status, 200);
    assert!(body.contains("401"), "the status shows the error: {body}");
    assert_no_secret("/api/sync/status", &body);

    // 3. A configuration error and --help.
    let mut bad = environment.clone();
    bad.insert("LANGFUSE_HOST".into(), format!("not a url {SECRET_KEY}"));
    bad.insert("CUPID_PAGE_SIZE".into(), "many".into());
    let (code, output) = blocking({
        let logs = workspace.path().to_path_buf();
        move || sync_once(&bad, &logs, Duration::from_secs(30))
    })
    .await;
    assert_eq!(code, Some(2), "{output}");
    let help = Command::new(binary("sync-daemon"))
        .arg("--help")
        .env("LANGFUSE_SECRET_KEY", SECRET_KEY)
        .output()
        .unwrap();
    assert_no_secret("--help", &String::from_utf8_lossy(&help.stdout));
    assert_no_secret(
        "a configuration error",
        &output.replace(&format!("not a url {SECRET_KEY}"), "<the bad value>"),
    );

    // 4. Crash output: a daemon killed mid-sync and a daemon that panics
    //    (the hostile page of hostile_pages.rs that overflows usage).
    let crash = Workspace::new();
    let crash_environment = daemon_environment(&mock.base_url(), &crash.database(), &verbose);
    let log = blocking({
        let logs = crash.path().to_path_buf();
        move || {
            let mut daemon = Process::start(
                "sync-daemon",
                &binary("sync-daemon"),
                &[],
                &crash_environment,
                &logs,
            );
            std::thread::sleep(Duration::from_millis(700));
            daemon.kill_hard();
            daemon.log_text()
        }
    })
    .await;
    assert_no_secret("a killed daemon's output", &log);
    let panicking = crate::hostile_pages::serve_hostile(
        serde_json::json!({"data": [{"id": "o", "traceId": "t",
            "startTime": chrono::Utc::now().to_rfc3339(),
            "usageDetails": {"input": i64::MAX, "output": 1}}]})
        .to_string(),
    )
    .await;
    let panic_workspace = Workspace::new();
    let panic_environment = daemon_environment(&panicking, &panic_workspace.database(), &verbose);
    let (_, output) = blocking({
        let logs = panic_workspace.path().to_path_buf();
        move || sync_once(&panic_environment, &logs, Duration::from_secs(60))
    })
    .await;
    assert_no_secret("a daemon's crash output", &output);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_configured_origins_and_refuses_all_others() {
    let mock = spawn_mock(300, Faults::default()).await;
    let workspace = Workspace::new();
    let environment = daemon_environment(&mock.base_url(), &workspace.database(), &[]);
    let (code, output) = blocking({
        let logs = workspace.path().to_path_buf();
        move || sync_once(&environment, &logs, Duration::from_secs(120))
    })
    .await;
    assert_eq!(code, Some(0), "{output}");
    let api = ApiServer::start(
        &workspace.database(),
        workspace.path(),
        &[("CUPID_CORS_ORIGINS", "http://dashboard.example:3000")],
    );
    let overview = api.url("/api/overview");
    let answers = blocking(move || {
        let ask = |method: &str, origin: &str| {
            let (status, headers, _) = http_request(
                method,
                &overview,
                &[("Origin", origin), ("Access-Control-Request-Method", "GET")],
            )
            .unwrap();
            (status, headers.get("access-control-allow-origin").cloned())
        };
        let cases = [
            "http://dashboard.example:3000",
            "http://evil.example",
            "http://dashboard.example:3001",
            "https://dashboard.example:3000",
            "null",
        ];
        cases
            .into_iter()
            .map(|origin| (origin, ask("GET", origin), ask("OPTIONS", origin)))
            .collect::<Vec<_>>()
    })
    .await;
    for (origin, get, preflight) in answers {
        if origin == "http://dashboard.example:3000" {
            assert_eq!(get.1.as_deref(), Some(origin), "GET from {origin}");
            assert_eq!(
                preflight.1.as_deref(),
                Some(origin),
                "preflight from {origin}"
            );
            assert!(
                preflight.0 < 300,
                "preflight from {origin}: {}",
                preflight.0
            );
        } else {
            assert_eq!(get.1, None, "GET from {origin} must not be allowed");
            assert_eq!(
                preflight.1, None,
                "preflight from {origin} must not be allowed"
            );
            assert!(
                preflight.0 >= 400,
                "preflight from {origin}: {}",
                preflight.0
            );
        }
    }
}

/// The access mode (O_ACCMODE bits of `flags`) of every descriptor `pid`
/// holds on `file`.
fn access_modes(pid: u32, file: &Path) -> Vec<u32> {
    let mut modes = Vec::new();
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return modes;
    };
    for entry in entries.flatten() {
        if std::fs::read_link(entry.path()).ok().as_deref() != Some(file) {
            continue;
        }
        let info = std::fs::read_to_string(format!(
            "/proc/{pid}/fdinfo/{}",
            entry.file_name().to_string_lossy()
        ))
        .unwrap_or_default();
        if let Some(flags) = info
            .lines()
            .find_map(|line| line.strip_prefix("flags:"))
            .and_then(|octal| u32::from_str_radix(octal.trim(), 8).ok())
        {
            modes.push(flags & 0o3);
        }
    }
    modes
}

fn file_digest(path: &Path) -> (u64, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap_or_default();
    (bytes.len() as u64, bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_process_opens_the_database_read_only_and_never_changes_it() {
    let mock = spawn_mock(1_000, Faults::default()).await;
    let workspace = Workspace::new();
    let environment = daemon_environment(&mock.base_url(), &workspace.database(), &[]);
    let (code, output) = blocking({
        let logs = workspace.path().to_path_buf();
        move || sync_once(&environment, &logs, Duration::from_secs(120))
    })
    .await;
    assert_eq!(code, Some(0), "{output}");
    // Checkpoint everything into the main file, so any later change shows.
    rusqlite::Connection::open(workspace.database())
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    let before = file_digest(&workspace.database());
    let api = ApiServer::start(&workspace.database(), workspace.path(), &[]);
    let urls: Vec<String> = [
        "/health",
        "/api/overview",
        "/api/sessions",
        "/api/agents",
        "/api/models",
        "/api/metrics/daily",
        "/api/sync/status",
    ]
    .iter()
    .map(|path| api.url(path))
    .collect();
    let statuses = blocking(move || {
        urls.iter()
            .map(|url| reliability::get(url).map(|(status, _)| status).unwrap_or(0))
            .collect::<Vec<_>>()
    })
    .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let database = workspace.database().canonicalize().unwrap();
    let modes = access_modes(api.process.id(), &database);
    assert!(!modes.is_empty(), "the api-server holds the database open");
    assert!(
        modes.iter().all(|mode| *mode == 0),
        "every descriptor on the database is O_RDONLY, got access modes {modes:?}"
    );
    drop(api);
    assert!(
        file_digest(&workspace.database()) == before,
        "serving every endpoint left the database file byte-for-byte unchanged"
    );
}

/// `caddy hash-password` for `password`.
fn bcrypt_hash(password: &str) -> String {
    let output = Command::new("caddy")
        .args(["hash-password", "--plaintext", password])
        .output()
        .expect("caddy runs");
    assert!(output.status.success(), "caddy hash-password failed");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_basic_auth_on_neither_pages_nor_api_answer_without_credentials() {
    require_command("caddy").expect("caddy is installed (scripts/test.sh installs it)");
    let mock = spawn_mock(300, Faults::default()).await;
    let workspace = Workspace::new();
    // The built frontend when there is one; the auth under test is Caddy's,
    // so a stand-in page serves as well before `npm run build`.
    let mut dist = workspace_root().join("frontend/dist");
    if !dist.join("index.html").is_file() {
        dist = workspace.path().join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>Cupid</title>",
        )
        .unwrap();
    }
    let environment = daemon_environment(&mock.base_url(), &workspace.database(), &[]);
    let (code, output) = blocking({
        let logs = workspace.path().to_path_buf();
        move || sync_once(&environment, &logs, Duration::from_secs(120))
    })
    .await;
    assert_eq!(code, Some(0), "{output}");
    let api = ApiServer::start(&workspace.database(), workspace.path(), &[]);
    let frontend_port = free_port();
    let edge_port = free_port();
    let caddy = Path::new("caddy");
    let frontend_environment: BTreeMap<String, String> = [
        ("CUPID_FRONTEND_PORT", frontend_port.to_string()),
        ("CUPID_FRONTEND_BIND", "127.0.0.1".to_string()),
        ("CUPID_FRONTEND_ROOT", dist.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let frontend_config = workspace_root().join("deploy/frontend/Caddyfile");
    let _frontend = Process::start(
        "caddy-frontend",
        caddy,
        &[
            "run",
            "--adapter",
            "caddyfile",
            "--config",
            frontend_config.to_str().unwrap(),
        ],
        &frontend_environment,
        workspace.path(),
    );
    let password = "correct horse battery staple";
    let edge_environment: BTreeMap<String, String> = [
        ("CUPID_PORT", edge_port.to_string()),
        ("CUPID_BIND", "127.0.0.1".to_string()),
        ("CUPID_API_UPSTREAM", format!("127.0.0.1:{}", api.port)),
        (
            "CUPID_FRONTEND_UPSTREAM",
            format!("127.0.0.1:{frontend_port}"),
        ),
        ("CUPID_BASIC_AUTH", "on".to_string()),
        ("CUPID_BASIC_AUTH_USER", "cupid".to_string()),
        ("CUPID_BASIC_AUTH_HASH", bcrypt_hash(password)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let edge_config = workspace_root().join("Caddyfile");
    let edge = Process::start(
        "caddy-edge",
        caddy,
        &[
            "run",
            "--adapter",
            "caddyfile",
            "--config",
            edge_config.to_str().unwrap(),
        ],
        &edge_environment,
        workspace.path(),
    );
    let base = format!("http://127.0.0.1:{edge_port}");
    let up = blocking({
        let base = base.clone();
        move || {
            wait_until(Duration::from_secs(20), || {
                reliability::get(&format!("{base}/health")).is_ok()
            })
        }
    })
    .await;
    assert!(up, "caddy did not start: {}", edge.log_text());
    let engine = base64::engine::general_purpose::STANDARD;
    let right = format!("Basic {}", engine.encode(format!("cupid:{password}")));
    let wrong_password = format!("Basic {}", engine.encode("cupid:guess"));
    let wrong_user = format!("Basic {}", engine.encode(format!("admin:{password}")));
    let results = blocking(move || {
        let paths = [
            "/",
            "/index.html",
            "/sessions",
            "/assets/",
            "/health",
            "/api/overview",
            "/api/sessions",
            "/api/sync/status",
            "/api/openapi.json",
        ];
        let mut results = Vec::new();
        for path in paths {
            let url = format!("{base}{path}");
            let status = |headers: &[(&str, &str)]| {
                http_request("GET", &url, headers)
                    .map(|(status, _, _)| status)
                    .unwrap_or(0)
            };
            results.push((
                path,
                status(&[]),
                status(&[("Authorization", wrong_password.as_str())]),
                status(&[("Authorization", wrong_user.as_str())]),
                status(&[("Authorization", right.as_str())]),
            ));
        }
        let trigger = http_request("POST", &format!("{base}/api/sync/trigger"), &[])
            .map(|(status, _, _)| status)
            .unwrap_or(0);
        (results, trigger)
    })
    .await;
    let (results, trigger) = results;
    for (path, none, wrong_password, wrong_user, right) in results {
        assert_eq!(none, 401, "{path} without credentials");
        assert_eq!(wrong_password, 401, "{path} with a wrong password");
        assert_eq!(wrong_user, 401, "{path} with a wrong user");
        if path != "/assets/" {
            assert_eq!(right, 200, "{path} with the right credentials");
        }
    }
    assert_eq!(trigger, 401, "POST /api/sync/trigger without credentials");
}
