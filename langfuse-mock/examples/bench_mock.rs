//! How fast the double generates data and serves it.
//!
//! `cargo run --release -p langfuse-mock --example bench_mock -- [OBSERVATIONS]`
//! (default 1,000,000): times generation, the ground truth, and walking every
//! v2 page (limit 1000, the groups a sync asks for) over loopback HTTP.

use std::time::Instant;

use langfuse_mock::{DatasetSpec, MockConfig, generate};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let observations: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let spec = DatasetSpec {
        seed: 7,
        observations,
        days: 30,
        end_ms: 1_769_817_600_000,
        pending_share: 0.0,
    };

    let started = Instant::now();
    let dataset = generate(&spec);
    let generate_ms = started.elapsed().as_millis();
    let started = Instant::now();
    let truth = dataset.ground_truth();
    let truth_ms = started.elapsed().as_millis();
    println!(
        "generated {} observations, {} traces, {} sessions, {} scores in {generate_ms} ms; ground truth in {truth_ms} ms",
        truth.overall.observations, truth.overall.traces, truth.overall.sessions, truth.scores
    );
    drop(dataset);

    let mock = langfuse_mock::spawn(MockConfig {
        dataset: spec,
        ..MockConfig::default()
    })
    .await?;
    let client = reqwest::Client::new();
    let started = Instant::now();
    let (mut rows, mut pages, mut bytes) = (0usize, 0usize, 0usize);
    let mut cursor: Option<String> = None;
    loop {
        let mut request = client
            .get(format!("{}/api/public/v2/observations", mock.base_url()))
            .basic_auth("pk-lf-demo", Some("sk-lf-demo"))
            .query(&[
                ("limit", "1000"),
                (
                    "fields",
                    "core,basic,time,usage,model,metadata,metrics,trace_context",
                ),
            ]);
        if let Some(cursor) = &cursor {
            request = request.query(&[("cursor", cursor)]);
        }
        let body = request.send().await?.error_for_status()?.bytes().await?;
        bytes += body.len();
        let page: serde_json::Value = serde_json::from_slice(&body)?;
        rows += page["data"].as_array().map_or(0, Vec::len);
        pages += 1;
        match page["meta"]["cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "served {rows} observations in {pages} pages ({:.1} MB) in {seconds:.2} s: {:.1} ms per page, {:.0} observations/s",
        bytes as f64 / 1e6,
        seconds * 1000.0 / pages as f64,
        rows as f64 / seconds
    );
    assert_eq!(
        rows as u64, truth.overall.observations,
        "every observation served once"
    );
    mock.stop().await;
    Ok(())
}
