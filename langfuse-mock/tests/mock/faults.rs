//! Each fault observed with a raw HTTP/1.1 client, so nothing smooths it over.

use std::time::{Duration, Instant};

use langfuse_mock::Faults;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{config, spawn_app};

/// Sends one GET with the demo keys and returns everything the server sent
/// before closing (the request asks it to close).
async fn raw_get(port: u16, path: &str) -> std::io::Result<Vec<u8>> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic cGstbGYtZGVtbzpzay1sZi1kZW1v\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut received = Vec::new();
    stream.read_to_end(&mut received).await?;
    Ok(received)
}

struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn split(raw: &[u8]) -> RawResponse {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete header block");
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    RawResponse {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

const PATH: &str = "/api/public/v2/observations?limit=200&fields=core,basic,io";

#[tokio::test]
async fn a_server_error_fault_answers_5xx_with_a_json_message() {
    let app = spawn_app(config(300, 1)).await;
    app.mock.set_faults(Faults {
        server_error: 1.0,
        ..Faults::default()
    });
    for _ in 0..6 {
        let response = split(&raw_get(app.mock.port(), PATH).await.unwrap());
        assert!(
            [500, 502, 503].contains(&response.status),
            "{}",
            response.status
        );
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert!(body["message"].is_string());
    }
    app.mock.stop().await;
}

#[tokio::test]
async fn a_dropped_connection_sends_no_response_at_all() {
    let app = spawn_app(config(300, 2)).await;
    app.mock.set_faults(Faults {
        drop_connection: 1.0,
        ..Faults::default()
    });
    let received = raw_get(app.mock.port(), PATH).await.unwrap_or_default();
    assert!(received.is_empty(), "got {} bytes", received.len());
    let error = app.get_err(PATH).await;
    assert!(!error.is_status(), "{error}");
    let stats = app.mock.stats();
    assert_eq!(stats.total, 2);
    assert!(stats.by_status.is_empty(), "{:?}", stats.by_status);
    app.mock.stop().await;
}

#[tokio::test]
async fn a_truncated_body_announces_the_full_length_but_stops_short() {
    let app = spawn_app(config(300, 3)).await;
    app.mock.set_faults(Faults {
        truncated_body: 1.0,
        ..Faults::default()
    });
    let response = split(&raw_get(app.mock.port(), PATH).await.unwrap());
    assert_eq!(response.status, 200);
    let announced: usize = response.header("content-length").unwrap().parse().unwrap();
    assert!(
        response.body.len() < announced,
        "{} of {announced}",
        response.body.len()
    );
    assert!(!response.body.is_empty());
    assert!(serde_json::from_slice::<serde_json::Value>(&response.body).is_err());
    app.mock.stop().await;
}

#[tokio::test]
async fn a_rate_limited_fault_answers_429_even_without_a_quota() {
    let app = spawn_app(config(300, 4)).await;
    app.mock.set_faults(Faults {
        rate_limited: 1.0,
        ..Faults::default()
    });
    let response = split(&raw_get(app.mock.port(), PATH).await.unwrap());
    assert_eq!(response.status, 429);
    assert!(
        response
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert!(response.header("x-ratelimit-limit").is_some());
    assert!(response.header("x-ratelimit-reset").is_some());
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert!(body["details"]["retryAfterSeconds"].is_u64());
    assert_eq!(app.mock.stats().rate_limited, 1);
    app.mock.stop().await;
}

#[tokio::test]
async fn a_slow_fault_delays_a_normal_answer() {
    let app = spawn_app(config(300, 5)).await;
    let delay = Duration::from_millis(400);
    app.mock.set_faults(Faults {
        slow: 1.0,
        slow_delay: delay,
        ..Faults::default()
    });
    let started = Instant::now();
    let response = split(&raw_get(app.mock.port(), PATH).await.unwrap());
    assert!(started.elapsed() >= delay);
    assert_eq!(response.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(body["data"].as_array().unwrap().len(), 200);
    app.mock.stop().await;
}

#[tokio::test]
async fn a_fault_share_applies_to_about_that_share_of_requests() {
    let app = spawn_app(config(100, 6)).await;
    app.mock.set_faults(Faults {
        server_error: 0.3,
        ..Faults::default()
    });
    for _ in 0..200 {
        app.get("/api/public/v3/scores?limit=1").await;
    }
    let stats = app.mock.stats();
    let errors: u64 = [500, 502, 503]
        .iter()
        .filter_map(|s| stats.by_status.get(s))
        .sum();
    assert!((30..=90).contains(&errors), "{errors} of 200");
    assert_eq!(
        errors + stats.by_status.get(&200).copied().unwrap_or(0),
        200
    );
    app.mock.stop().await;
}
