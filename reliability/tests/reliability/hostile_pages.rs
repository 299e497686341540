//! The real sync-daemon binary against a tiny local "Langfuse" serving
//! hostile pages: the cycle ends in a recorded error naming the problem (or
//! stores odd but valid data exactly), never a panic or a corrupt database.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use reliability::{
    Workspace, daemon_environment, integrity_check, read_only, sync_once, sync_state,
};

use crate::helpers::blocking;

/// Serves `observations` for every v2 observations request and an empty
/// page for scores; returns the base URL.
pub async fn serve_hostile(observations: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        for _ in 0..10_000 {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let observations = observations.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let path = head.split_whitespace().nth(1).unwrap_or("/");
                let (status, body) = if path.starts_with("/api/public/v2/observations") {
                    ("200 OK", observations)
                } else if path.starts_with("/api/public/v3/scores") {
                    ("200 OK", json!({"data": [], "meta": {}}).to_string())
                } else {
                    ("404 Not Found", json!({"message": "not here"}).to_string())
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn recent() -> String {
    chrono::Utc::now()
        .checked_sub_signed(chrono::Duration::hours(3))
        .unwrap()
        .to_rfc3339()
}

fn observation(extra: serde_json::Value) -> serde_json::Value {
    let mut base = json!({"id": "obs-1", "traceId": "trace-1", "startTime": recent(),
                          "type": "GENERATION", "name": "turn"});
    for (key, value) in extra.as_object().unwrap() {
        base[key] = value.clone();
    }
    base
}

async fn sync_from(body: String) -> (Option<i32>, String, Workspace) {
    let url = serve_hostile(body).await;
    let workspace = Workspace::new();
    let environment = daemon_environment(
        &url,
        &workspace.database(),
        &[("CUPID_REQUEST_TIMEOUT_SECS", "2")],
    );
    let logs = workspace.path().to_path_buf();
    let (code, output) =
        blocking(move || sync_once(&environment, &logs, Duration::from_secs(120))).await;
    (code, output, workspace)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_pages_end_the_cycle_in_a_recorded_error_never_a_panic() {
    let cases: Vec<(&str, String)> = vec![
        ("not JSON", "<html>502 Bad Gateway</html>".to_string()),
        ("data is not a list", json!({"data": {"id": 1}}).to_string()),
        (
            "id of the wrong type",
            json!({"data": [observation(json!({"id": 42}))]}).to_string(),
        ),
        (
            "missing start time",
            json!({"data": [{"id": "o", "traceId": "t"}]}).to_string(),
        ),
        (
            "start time out of range",
            json!({"data": [observation(json!({"startTime": "+999999-01-01T00:00:00Z"}))]})
                .to_string(),
        ),
        (
            "usage of the wrong type",
            json!({"data": [observation(json!({"usageDetails": "lots"}))]}).to_string(),
        ),
    ];
    for (name, body) in cases {
        let (code, output, workspace) = sync_from(body).await;
        assert_eq!(code, Some(1), "{name}: exits 1 (a failed cycle): {output}");
        assert!(!output.contains("panicked"), "{name}: panicked: {output}");
        let (state, error) = sync_state(&workspace.database()).unwrap();
        assert_eq!(state, "error", "{name}");
        let error = error.unwrap_or_default();
        assert!(
            error.contains("observations"),
            "{name}: the recorded error names the endpoint: {error}"
        );
        assert_eq!(integrity_check(&workspace.database()), "ok", "{name}");
        let stored: i64 = read_only(&workspace.database())
            .query_row("SELECT count(*) FROM observations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, 0, "{name}: nothing of a refused page is stored");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_unicode_and_huge_strings_are_stored_exactly() {
    let name = "\u{202e}ǝʇɐpıɔ\u{0301}\u{200b} 💘 <b>&amp;</b> \u{fffd}";
    let huge_output = "x".repeat(2_000_000);
    let body = json!({"data": [observation(json!({
        "name": name, "output": huge_output, "metadata": {"agent": name},
    }))], "meta": {}})
    .to_string();
    let (code, output, workspace) = sync_from(body).await;
    assert_eq!(code, Some(0), "{output}");
    let (stored_name, stored_output, agent): (String, String, String) =
        read_only(&workspace.database())
            .query_row("SELECT name, output, agent FROM observations", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
    assert_eq!(stored_name, name);
    assert_eq!(stored_output.len(), huge_output.len());
    assert_eq!(agent, name.trim());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_out_of_range_ends_in_a_recorded_error_never_a_panic() {
    let body = json!({"data": [observation(json!({
        "usageDetails": {"input": i64::MAX, "output": 1}
    }))]})
    .to_string();
    let (code, output, workspace) = sync_from(body).await;
    assert!(!output.contains("panicked"), "panicked: {output}");
    assert!(code == Some(0) || code == Some(1), "{output}");
    assert_eq!(integrity_check(&workspace.database()), "ok");
}
