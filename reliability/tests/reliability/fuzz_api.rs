//! The api-server's OpenAPI document driven by Schemathesis over every
//! operation, against a database synced from the double and a running
//! daemon behind `/api/sync/trigger`.

use std::process::Command;
use std::time::Duration;

use langfuse_mock::Faults;
use reliability::{
    ApiServer, Process, Workspace, binary, daemon_environment, free_port, sized, spawn_mock,
    sync_once, workspace_root,
};

use crate::helpers::blocking;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_answer_off_the_documented_schema() {
    let mock = spawn_mock(2_000, Faults::default()).await;
    let workspace = Workspace::new();
    let control_port = free_port().to_string();
    let environment = daemon_environment(
        &mock.base_url(),
        &workspace.database(),
        &[
            ("CUPID_CONTROL_PORT", control_port.as_str()),
            ("CUPID_SYNC_INTERVAL_SECS", "3600"),
        ],
    );
    let (code, output) = blocking({
        let (environment, logs) = (environment.clone(), workspace.path().to_path_buf());
        move || sync_once(&environment, &logs, Duration::from_secs(300))
    })
    .await;
    assert_eq!(code, Some(0), "{output}");
    // A running daemon, so that manual refreshes have somewhere to go.
    let _daemon = Process::start(
        "sync-daemon",
        &binary("sync-daemon"),
        &[],
        &environment,
        workspace.path(),
    );
    let control_url = format!("http://127.0.0.1:{control_port}");
    let api = ApiServer::start(
        &workspace.database(),
        workspace.path(),
        &[("CUPID_SYNC_CONTROL_URL", control_url.as_str())],
    );
    let max_examples = sized(30, 300).to_string();
    let script = workspace_root().join("reliability/fuzz-api.sh");
    let base_url = api.url("");
    let output = blocking(move || {
        Command::new("bash")
            .arg(script)
            .args([base_url.as_str(), max_examples.as_str()])
            .output()
            .expect("bash runs fuzz-api.sh")
    })
    .await;
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    let summary: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| {
            line.contains(" generated, ")
                || (line.starts_with("===") && line.contains(" in "))
                || line.starts_with("Selected:")
                || line.starts_with("Tested:")
        })
        .collect();
    println!("fuzz-api: {}", summary.join(" | "));
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{text}\napi-server log:\n{}",
        api.process.log_text()
    );
}
