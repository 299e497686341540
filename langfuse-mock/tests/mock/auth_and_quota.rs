use langfuse_mock::MockConfig;

use crate::helpers::{config, spawn_app};

#[tokio::test]
async fn requests_without_valid_basic_credentials_get_401_with_a_message() {
    let app = spawn_app(config(100, 1)).await;
    let url = app.url("/api/public/v2/observations");
    let cases: Vec<(&str, reqwest::RequestBuilder)> = vec![
        ("no header", app.client.get(&url)),
        (
            "wrong secret",
            app.client
                .get(&url)
                .basic_auth("pk-lf-demo", Some("sk-lf-wrong")),
        ),
        (
            "wrong public key",
            app.client
                .get(&url)
                .basic_auth("pk-lf-other", Some("sk-lf-demo")),
        ),
        (
            "bearer scheme",
            app.client.get(&url).bearer_auth("sk-lf-demo"),
        ),
        (
            "not base64",
            app.client.get(&url).header("Authorization", "Basic !!!"),
        ),
    ];
    for (case, request) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{case}");
        let body: serde_json::Value = response.json().await.unwrap();
        let message = body["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{case}: {body}");
        assert!(!message.contains("sk-lf"), "{case} leaks a key: {message}");
    }
    let stats = app.mock.stats();
    assert_eq!(stats.total, 5);
    assert_eq!(stats.by_status.get(&401), Some(&5));
    app.mock.stop().await;
}

#[tokio::test]
async fn the_health_check_needs_no_credentials() {
    let app = spawn_app(config(10, 1)).await;
    let response = app
        .client
        .get(app.url("/api/public/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "OK");
    app.mock.stop().await;
}

#[tokio::test]
async fn over_quota_requests_get_429_with_retry_headers_and_body() {
    let app = spawn_app(MockConfig {
        public_api_quota_per_minute: Some(5),
        ..config(100, 2)
    })
    .await;
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..8 {
        let response = app.get("/api/public/v2/observations?limit=5").await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            limited = Some(response);
        }
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);

    let response = limited.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .unwrap_or_else(|| panic!("header {name}"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let retry_after: u64 = header("retry-after").parse().expect("whole seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(header("x-ratelimit-limit"), "5");
    assert_eq!(header("x-ratelimit-remaining"), "0");
    assert!(header("x-ratelimit-reset").contains("GMT"));
    let body: serde_json::Value = response.json().await.unwrap();
    let details = &body["details"];
    assert_eq!(details["retryAfterSeconds"], retry_after);
    assert_eq!(details["limit"], 5);
    assert_eq!(details["remaining"], 0);
    assert!(
        chrono::DateTime::parse_from_rfc3339(details["resetAt"].as_str().unwrap()).is_ok(),
        "{body}"
    );

    let stats = app.mock.stats();
    assert_eq!(stats.total, 8);
    assert_eq!(stats.rate_limited, 3);
    assert_eq!(stats.by_status.get(&200), Some(&5));
    assert_eq!(stats.by_status.get(&429), Some(&3));
    assert_eq!(stats.max_in_any_60s.get("public-api"), Some(&8));
    assert_eq!(
        stats.by_endpoint.get("/api/public/v2/observations"),
        Some(&8)
    );
    app.mock.stop().await;
}

#[tokio::test]
async fn the_legacy_bucket_is_limited_separately_from_the_public_api() {
    let app = spawn_app(config(100, 3)).await;
    app.mock.set_quotas(Some(100), Some(2));
    for expected in [200, 200, 429] {
        assert_eq!(app.get("/api/public/traces").await.status(), expected);
    }
    assert_eq!(app.get("/api/public/sessions").await.status(), 429);
    assert_eq!(app.get("/api/public/v2/observations").await.status(), 200);
    assert_eq!(app.get("/api/public/v3/scores").await.status(), 200);
    let stats = app.mock.stats();
    assert_eq!(stats.max_in_any_60s.get("public-api-legacy"), Some(&4));
    assert_eq!(stats.max_in_any_60s.get("public-api"), Some(&2));

    app.mock.reset_stats();
    app.mock.set_quotas(None, None);
    for _ in 0..5 {
        assert_eq!(app.get("/api/public/traces").await.status(), 200);
    }
    assert_eq!(app.mock.stats().rate_limited, 0);
    assert_eq!(app.mock.stats().total, 5);
    app.mock.stop().await;
}
