//! Three api-servers behind the real Caddyfile under wrk, while one of them
//! is killed (-9) and restarted twice and the daemon writes: Caddy's health
//! checks and retries must hide every death, so not one request fails.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use langfuse_mock::Faults;
use reliability::{
    ApiServer, Process, Workspace, binary, daemon_environment, free_port, get, require_command,
    sized, spawn_mock, sync_once, wait_until, workspace_root,
};

use crate::helpers::blocking;

/// Caddy with the project's Caddyfile in front of `upstreams` (static list).
fn start_caddy(port: u16, upstreams: &[u16], workspace: &Workspace) -> Process {
    let caddy = require_command("caddy").expect("caddy is installed (apt-get install caddy)");
    let list: Vec<String> = upstreams.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let state = workspace.path().join("caddy-state");
    let environment: BTreeMap<String, String> = [
        ("CUPID_PORT", port.to_string()),
        ("CUPID_BIND", "127.0.0.1".to_string()),
        ("CUPID_API_UPSTREAM", list.join(" ")),
        ("CUPID_API_DISCOVERY", "static".to_string()),
        // Nothing listens there: this test only calls /api/* and /health.
        ("CUPID_FRONTEND_UPSTREAM", "127.0.0.1:9".to_string()),
        ("XDG_DATA_HOME", state.join("data").display().to_string()),
        (
            "XDG_CONFIG_HOME",
            state.join("config").display().to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let config = workspace_root().join("Caddyfile");
    let config = config.display().to_string();
    Process::start(
        "caddy",
        &caddy,
        &["run", "--adapter", "caddyfile", "--config", &config],
        &environment,
        workspace.path(),
    )
}

fn data_version(database: &std::path::Path) -> i64 {
    reliability::read_only(database)
        .query_row("SELECT data_version FROM sync_metadata", [], |r| r.get(0))
        .expect("sync_metadata is readable")
}

fn figures(line: &str) -> BTreeMap<String, f64> {
    line.split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_api_servers_behind_caddy_fail_no_request_while_one_is_killed_and_restarted_twice() {
    let wrk = require_command("wrk").expect("wrk is installed (apt-get install wrk)");
    let seconds = sized(18u64, 60);
    let connections = sized("16", "64");
    let mock = spawn_mock(sized(5_000, 50_000), Faults::default()).await;
    let workspace = Workspace::new();
    let database = workspace.database();
    let environment = daemon_environment(&mock.base_url(), &database, &[]);
    let (code, output) = blocking({
        let (environment, logs) = (environment.clone(), workspace.path().to_path_buf());
        move || sync_once(&environment, &logs, Duration::from_secs(600))
    })
    .await;
    assert_eq!(code, Some(0), "{output}");

    let mut replicas: Vec<ApiServer> = (0..3)
        .map(|_| ApiServer::start(&database, workspace.path(), &[]))
        .collect();
    let ports: Vec<u16> = replicas.iter().map(|r| r.port).collect();
    let caddy_port = free_port();
    let caddy = start_caddy(caddy_port, &ports, &workspace);
    let edge = format!("http://127.0.0.1:{caddy_port}");
    assert!(
        wait_until(Duration::from_secs(30), || get(&format!("{edge}/health"))
            .is_ok_and(|(status, _)| status == 200)),
        "Caddy answers /health: {}",
        caddy.log_text()
    );
    let paths = [
        "/health",
        "/api/overview",
        "/api/sessions",
        "/api/sessions?sort=cost&order=desc",
        "/api/agents",
        "/api/models",
        "/api/metrics/daily",
        "/api/sync/status",
    ]
    .join(",");

    let version_before = data_version(&database);
    let mut daemon = Process::start(
        "sync-daemon",
        &binary("sync-daemon"),
        &[],
        &environment,
        workspace.path(),
    );
    let script = workspace_root().join("reliability/load.lua");
    let url = edge.clone();
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
            .env("CUPID_LOAD_PATHS", paths)
            .output()
            .expect("wrk runs")
    });
    // While wrk runs: new data every second; at a third and at two thirds
    // of the run the second replica dies (-9), stays dead for a moment and
    // comes back on its port.
    let victim = 1;
    let mut restarts = 0;
    let mut down_ms = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        mock.add_new_traces(2);
        let third = started.elapsed().as_secs() * 3 / seconds;
        if third > restarts && restarts < 2 {
            let killed_at = Instant::now();
            replicas[victim].process.kill_hard();
            tokio::time::sleep(Duration::from_millis(1_500)).await;
            let (port, database, logs) = (
                ports[victim],
                database.clone(),
                workspace.path().to_path_buf(),
            );
            replicas[victim] =
                blocking(move || ApiServer::start_on(port, &database, &logs, &[])).await;
            down_ms.push(killed_at.elapsed().as_millis());
            restarts += 1;
        }
    }
    let output = load.await.unwrap();
    daemon.stop(Duration::from_secs(10));
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let result = text
        .lines()
        .find(|line| line.starts_with("LOAD_RESULT"))
        .unwrap_or_else(|| panic!("wrk printed no result: {text}"));
    println!(
        "replicas: api_servers=3 seconds={seconds} connections={connections} kills={restarts} \
         down_ms={down_ms:?} data_version={version_before}->{} {result}",
        data_version(&database)
    );
    let figures = figures(result);
    let version_after = data_version(&database);
    assert!(
        version_after > version_before,
        "the daemon wrote during the run (data_version {version_before} -> {version_after})"
    );
    assert_eq!(restarts, 2, "one replica was killed and restarted twice");
    assert!(figures["requests"] > 1_000.0, "a real load: {result}");
    for failure in [
        "connect_errors",
        "read_errors",
        "write_errors",
        "timeouts",
        "non_2xx",
    ] {
        assert_eq!(figures[failure], 0.0, "{failure}: {result}\n{text}");
    }

    // The restarted replica is back in the rotation: with the other two
    // dead, Caddy still answers every request, from it alone.
    for (index, replica) in replicas.iter_mut().enumerate() {
        if index != victim {
            replica.process.kill_hard();
        }
    }
    let answered = blocking(move || {
        (0..20)
            .filter(|_| get(&format!("{edge}/api/overview")).is_ok_and(|(status, _)| status == 200))
            .count()
    })
    .await;
    assert_eq!(
        answered,
        20,
        "the restarted replica serves through Caddy: {}",
        caddy.log_text()
    );
}
