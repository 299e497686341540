//! The api-server under load (wrk, many connections) while the daemon
//! writes and is killed and restarted twice: zero failed requests, no busy
//! database reaching a client. Prints p50/p99 and requests per second.

use std::process::Command;
use std::time::Duration;

use langfuse_mock::Faults;
use reliability::{
    ApiServer, Process, Workspace, binary, daemon_environment, get, require_command, sized,
    spawn_mock, sync_once, workspace_root,
};

use crate::helpers::blocking;

/// A few ids of each kind, for detail pages.
fn detail_paths(api: &ApiServer) -> Vec<String> {
    let (_, body) = get(&api.url("/api/sessions?limit=5")).unwrap();
    let sessions: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut paths = Vec::new();
    for item in sessions["items"].as_array().into_iter().flatten() {
        if let Some(id) = item["id"].as_str() {
            paths.push(format!("/api/sessions/{id}"));
            let (_, detail) = get(&api.url(&format!("/api/sessions/{id}"))).unwrap();
            let detail: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
            if let Some(trace) = detail["traces"][0]["id"].as_str() {
                paths.push(format!("/api/traces/{trace}"));
            }
        }
    }
    let (_, agents) = get(&api.url("/api/agents")).unwrap();
    let agents: serde_json::Value = serde_json::from_str(&agents).unwrap();
    for agent in agents["items"].as_array().into_iter().flatten().take(3) {
        if let Some(name) = agent["name"].as_str() {
            paths.push(format!("/api/agents/{name}"));
        }
    }
    paths
}

fn data_version(database: &std::path::Path) -> i64 {
    reliability::read_only(database)
        .query_row("SELECT data_version FROM sync_metadata", [], |r| r.get(0))
        .unwrap()
}

/// `key=value` pairs of wrk's LOAD_RESULT line.
fn figures(line: &str) -> std::collections::BTreeMap<String, f64> {
    line.split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_under_load_fails_no_request_while_the_daemon_writes_and_crashes() {
    let wrk = require_command("wrk").expect("wrk is installed (apt-get install wrk)");
    let seconds = sized(20u64, 60);
    let connections = sized("32", "64");
    let mock = spawn_mock(sized(10_000, 50_000), Faults::default()).await;
    let workspace = Workspace::new();
    let environment = daemon_environment(
        &mock.base_url(),
        &workspace.database(),
        &[("CUPID_SYNC_INTERVAL_SECS", "1")],
    );
    let (code, output) = blocking({
        let (environment, logs) = (environment.clone(), workspace.path().to_path_buf());
        move || sync_once(&environment, &logs, Duration::from_secs(600))
    })
    .await;
    assert_eq!(code, Some(0), "{output}");
    let api = ApiServer::start(&workspace.database(), workspace.path(), &[]);
    let mut paths: Vec<String> = [
        "/health",
        "/api/overview",
        "/api/sessions",
        "/api/sessions?sort=cost&order=desc",
        "/api/sessions?hasErrors=true",
        "/api/agents",
        "/api/models",
        "/api/metrics/daily",
        "/api/sync/status",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    paths.extend(detail_paths(&api));

    let version_before = data_version(&workspace.database());
    let mut daemon = Process::start(
        "sync-daemon",
        &binary("sync-daemon"),
        &[],
        &environment,
        workspace.path(),
    );
    let script = workspace_root().join("reliability/load.lua");
    let url = api.url("");
    let joined = paths.join(",");
    let load = tokio::task::spawn_blocking(move || {
        Command::new(wrk)
            .args([
                "-t2",
                "-c",
                connections,
                "-d",
                &format!("{seconds}s"),
                "--latency",
                "--timeout",
                "10s",
                "-s",
            ])
            .arg(script)
            .arg(url)
            .env("CUPID_LOAD_PATHS", joined)
            .output()
            .expect("wrk runs")
    });
    // While wrk runs: new data all along, and two kill -9 + restarts.
    let mut restarts = 0;
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        mock.add_new_traces(2);
        let third = started.elapsed().as_secs() * 3 / seconds;
        if third > restarts && restarts < 2 {
            daemon.kill_hard();
            daemon = Process::start(
                "sync-daemon",
                &binary("sync-daemon"),
                &[],
                &environment,
                workspace.path(),
            );
            restarts += 1;
        }
    }
    let output = load.await.unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let result = text
        .lines()
        .find(|line| line.starts_with("LOAD_RESULT"))
        .unwrap_or_else(|| panic!("wrk printed no result: {text}"));
    println!(
        "load: seconds={seconds} connections={connections} paths={} daemon_restarts={restarts} {result}",
        paths.len()
    );
    let figures = figures(result);
    let version_after = data_version(&workspace.database());
    assert!(
        version_after > version_before + 5,
        "the daemon wrote during the run (data_version {version_before} -> {version_after})"
    );
    assert_eq!(restarts, 2, "the daemon was killed and restarted twice");
    assert!(figures["requests"] > 1_000.0, "a real load: {result}");
    for failure in [
        "connect_errors",
        "read_errors",
        "write_errors",
        "timeouts",
        "non_2xx_3xx",
    ] {
        assert_eq!(figures[failure], 0.0, "{failure}: {result}\n{text}");
    }
    let log = api.process.log_text().to_lowercase();
    assert!(
        !log.contains("database is locked") && !log.contains("busy"),
        "no busy database in the api-server's log"
    );
}
