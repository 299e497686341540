use langfuse_mock::{DatasetSpec, MockConfig, MockHandle};
use serde_json::Value;

/// 2026-01-31T00:00:00Z: a fixed end so every run sees the same data.
pub const END_MS: i64 = 1_769_817_600_000;

pub fn config(observations: usize, seed: u64) -> MockConfig {
    MockConfig {
        dataset: DatasetSpec {
            seed,
            observations,
            days: 30,
            end_ms: END_MS,
            pending_share: 0.0,
        },
        ..MockConfig::default()
    }
}

pub async fn spawn_app(config: MockConfig) -> TestApp {
    let mock = langfuse_mock::spawn(config).await.expect("mock starts");
    TestApp {
        client: reqwest::Client::new(),
        mock,
    }
}

pub struct TestApp {
    pub client: reqwest::Client,
    pub mock: MockHandle,
}

impl TestApp {
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.mock.base_url(), path_and_query)
    }

    pub async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.client
            .get(self.url(path_and_query))
            .basic_auth("pk-lf-demo", Some("sk-lf-demo"))
            .send()
            .await
            .expect("request is answered")
    }

    /// GET that must answer 200; returns the JSON body.
    pub async fn get_json(&self, path_and_query: &str) -> Value {
        let response = self.get(path_and_query).await;
        let status = response.status();
        let body = response.text().await.expect("body");
        assert_eq!(
            status, 200,
            "GET {path_and_query} answered {status}: {body}"
        );
        serde_json::from_str(&body).expect("JSON body")
    }

    /// Every observation of the v2 endpoint for `query`, walking all pages.
    pub async fn all_v2_observations(&self, query: &str) -> Vec<Value> {
        let mut rows = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/public/v2/observations?{query}");
            if let Some(cursor) = &cursor {
                path.push_str(&format!("&cursor={}", urlencode(cursor)));
            }
            let page = self.get_json(&path).await;
            rows.extend(page["data"].as_array().expect("data array").iter().cloned());
            match page["meta"]["cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return rows,
            }
        }
    }
}

pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

pub fn parse_ms(value: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(value.as_str().expect("time string"))
        .expect("ISO time")
        .timestamp_millis()
}

/// (startTime, traceId, id) of a v2 row, the order's sort key.
pub fn sort_key(row: &Value) -> (i64, String, String) {
    (
        parse_ms(&row["startTime"]),
        row["traceId"].as_str().unwrap().to_string(),
        row["id"].as_str().unwrap().to_string(),
    )
}

impl TestApp {
    /// GET that must fail at the transport level; returns the error.
    pub async fn get_err(&self, path_and_query: &str) -> reqwest::Error {
        match self
            .client
            .get(self.url(path_and_query))
            .basic_auth("pk-lf-demo", Some("sk-lf-demo"))
            .send()
            .await
        {
            Ok(response) => match response.bytes().await {
                Ok(_) => panic!("GET {path_and_query} succeeded"),
                Err(error) => error,
            },
            Err(error) => error,
        }
    }
}
