use std::collections::HashSet;

use crate::helpers::{END_MS, config, iso, sort_key, spawn_app};

#[tokio::test]
async fn walking_all_pages_returns_every_observation_once_newest_first() {
    let app = spawn_app(config(600, 11)).await;
    let expected = app.mock.with_dataset(|d| d.observations.len());
    for limit in [1000, 97, 13] {
        let rows = app.all_v2_observations(&format!("limit={limit}")).await;
        assert_eq!(rows.len(), expected, "limit {limit}");
        let ids: HashSet<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), expected, "duplicates with limit {limit}");
        let keys: Vec<_> = rows.iter().map(sort_key).collect();
        assert!(
            keys.windows(2).all(|w| w[0] > w[1]),
            "not strictly newest first with limit {limit}"
        );
    }
    app.mock.stop().await;
}

#[tokio::test]
async fn time_windows_partition_the_data() {
    let app = spawn_app(config(800, 12)).await;
    let all = app.all_v2_observations("limit=1000").await;
    let day = 86_400_000;
    let bounds: Vec<i64> = (0..=31).map(|d| END_MS + day - d * day).rev().collect();
    let mut seen = 0;
    for window in bounds.windows(2) {
        let (from, to) = (window[0], window[1]);
        let query = format!(
            "limit=1000&fromStartTime={}&toStartTime={}",
            iso(from),
            iso(to)
        );
        let rows = app.all_v2_observations(&query).await;
        for row in &rows {
            let start = crate::helpers::parse_ms(&row["startTime"]);
            assert!(from <= start && start < to, "row outside [{from}, {to})");
        }
        seen += rows.len();
    }
    assert_eq!(seen, all.len());
    app.mock.stop().await;
}

#[tokio::test]
async fn rows_arriving_mid_walk_appear_on_later_pages_when_older_than_the_cursor() {
    let app = spawn_app(config(1_000, 13)).await;
    let before = app.mock.with_dataset(|d| d.observations.len());
    let first = app.get_json("/api/public/v2/observations?limit=50").await;
    let cursor = first["meta"]["cursor"].as_str().unwrap().to_string();
    let last_seen_id = first["data"][49]["id"].as_str().unwrap().to_string();

    // Late traces spread over the whole month: most start before the cursor.
    let added = app
        .mock
        .add_late_observations(10, std::time::Duration::from_secs(30 * 86_400));
    let mut rows: Vec<serde_json::Value> = first["data"].as_array().unwrap().clone();
    let mut next = Some(cursor);
    while let Some(cursor) = next {
        let page = app
            .get_json(&format!(
                "/api/public/v2/observations?limit=200&cursor={}",
                crate::helpers::urlencode(&cursor)
            ))
            .await;
        rows.extend(page["data"].as_array().unwrap().iter().cloned());
        next = page["meta"]["cursor"].as_str().map(str::to_string);
    }
    let late_after_cursor = app.mock.with_dataset(|d| {
        let position = |id: &str| {
            d.observations
                .iter()
                .position(|o| o.id_string() == id)
                .unwrap() as u32
        };
        let cursor_key = d.key(position(&last_seen_id));
        (before..d.observations.len())
            .filter(|&i| d.key(i as u32) > cursor_key)
            .count()
    });
    assert!(
        added > late_after_cursor,
        "some late rows start before the cursor"
    );
    assert_eq!(rows.len(), before + added - late_after_cursor);
    let ids: HashSet<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), rows.len(), "no row twice");
    app.mock.stop().await;
}
