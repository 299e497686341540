//! The numbers issue 15 found wrong: latency percentiles that did not move
//! (now within 1% of an exact computation over any range and agent),
//! period comparisons against spans the daemon never synced or of another
//! length, and day-long series drawn as two partial days.

use serde_json::Value;
use shared_schema::units::ms_to_iso;

use crate::helpers::{DATA_END_MS, int, synced_world};
use crate::numbers::{Recount, assert_figures, assert_percentile, ms};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn iso(ms: i64) -> String {
    ms_to_iso(ms)
}

/// A small deterministic generator: the same ranges on every run.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, bound: i64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as i64
    }
}

#[tokio::test]
async fn figures_of_random_ranges_and_agents_equal_a_recount_with_percentiles_within_one_percent() {
    let world = synced_world(3_000).await;
    let recount = Recount::new(&world.dataset);
    let data_start = DATA_END_MS - 7 * DAY_MS;
    let mut random = XorShift(0x5eed_1234_abcd_0001);
    let mut checked = 0;
    for case in 0..40 {
        // Lengths from minutes to a week; every fourth range day-aligned,
        // every fourth hour-aligned, the rest ragged to the minute.
        let length = MINUTE_MS * (10 + random.below(7 * 24 * 60));
        let mut from = data_start + MINUTE_MS * random.below(7 * 24 * 60);
        match case % 4 {
            0 => from -= from.rem_euclid(DAY_MS),
            1 => from -= from.rem_euclid(HOUR_MS),
            _ => {}
        }
        let to = from + length;
        let query = format!("from={}&to={}", iso(from), iso(to));
        let overview = world.app.ok_json(&format!("/api/overview?{query}")).await;
        let expected = recount.figures(from, to, None, None);
        assert_figures(&overview, &expected, &query);
        let all = expected.latencies;
        for (field, quantile) in [("latencyP50Ms", 0.5), ("latencyP95Ms", 0.95)] {
            assert_percentile(&overview[field], &all, quantile, &query);
        }
        checked += usize::from(!all.is_empty());
        let agents = world.app.ok_json(&format!("/api/agents?{query}")).await;
        for item in agents["items"].as_array().unwrap() {
            let agent = item["agent"].as_str().unwrap();
            let expected = recount.figures(from, to, Some(agent), None);
            assert_figures(item, &expected, &format!("{agent} {query}"));
            let latencies = expected.latencies;
            for (field, quantile) in [
                ("latencyP50Ms", 0.5),
                ("latencyP95Ms", 0.95),
                ("latencyP99Ms", 0.99),
            ] {
                assert_percentile(
                    &item[field],
                    &latencies,
                    quantile,
                    &format!("{agent} {query}"),
                );
            }
            checked += usize::from(!latencies.is_empty());
        }
    }
    assert!(checked > 100, "only {checked} ranges held LLM calls");
}

#[tokio::test]
async fn a_period_ending_after_now_is_compared_with_the_same_span_before_it() {
    let world = synced_world(3_000).await;
    let recount = Recount::new(&world.dataset);
    // From three days before the data ends to a day from now: the previous
    // period, cut at the same moment, ends a day before `from`.
    let from = DATA_END_MS - 3 * DAY_MS;
    let before = now_ms();
    let to = (before + DAY_MS) / MINUTE_MS * MINUTE_MS;
    let overview = world
        .app
        .ok_json(&format!("/api/overview?from={}&to={}", iso(from), iso(to)))
        .await;
    let after = now_ms();

    let compared_until = ms(overview["comparedUntil"].as_str().unwrap());
    assert!(
        (before..=after).contains(&compared_until),
        "measured up to the request's moment, not the range's end: {overview}"
    );
    let length = to - from;
    let previous = &overview["previous"];
    assert_eq!(ms(previous["from"].as_str().unwrap()), from - length);
    assert_eq!(
        ms(previous["to"].as_str().unwrap()),
        compared_until - length
    );
    let measured = recount.figures(from - length, compared_until - length, None, None);
    assert_figures(previous, &measured, "previous, up to the same moment");
    assert_figures(
        &overview,
        &recount.figures(from, compared_until, None, None),
        "current",
    );
    let whole_previous = recount.figures(from - length, from, None, None);
    assert!(
        whole_previous.observations > measured.observations,
        "the cut matters here: {} observations in the whole previous period, {} up to the moment",
        whole_previous.observations,
        measured.observations
    );
}

/// `sync_metadata.backfill_from_ms` as the daemon recorded it.
fn backfill_from_ms(world: &crate::helpers::SyncedWorld) -> i64 {
    let connection = rusqlite::Connection::open(&world.app.database_path).unwrap();
    connection
        .query_row(
            "SELECT backfill_from_ms FROM sync_metadata WHERE id = 1",
            [],
            |row| row.get(0),
        )
        .unwrap()
}

#[tokio::test]
async fn a_previous_period_before_the_backfill_is_reported_as_not_covered() {
    let world = synced_world(3_000).await;
    let backfill_from = backfill_from_ms(&world);
    // The daemon here backfills from 2026-11-01 (helpers::daemon_settings).
    let cases = [
        ("", false),
        ("from=2026-11-16T09:17:00Z&to=2026-11-19T13:45:00Z", true),
        ("from=2026-11-02&to=2026-11-03", true),
        ("from=2026-11-02&to=2026-11-04", false),
        ("from=2026-11-01&to=2026-11-21", false),
    ];
    for (query, covered) in cases {
        let overview = world.app.ok_json(&format!("/api/overview?{query}")).await;
        assert_eq!(
            overview["dataFrom"].as_str().map(ms),
            Some(backfill_from),
            "{query}: {overview}"
        );
        assert_eq!(
            overview["previousCovered"],
            Value::Bool(covered),
            "{query}: {overview}"
        );
        if let Some(previous_from) = overview["previous"]["from"].as_str() {
            assert_eq!(
                covered,
                ms(previous_from) >= backfill_from,
                "{query}: covered exactly when the previous period starts at or after the backfill"
            );
        }
    }
}

#[tokio::test]
async fn series_of_up_to_48_hours_have_a_point_per_hour_equal_to_a_recount() {
    let world = synced_world(3_000).await;
    let recount = Recount::new(&world.dataset);
    let agent = world.truth.by_agent.keys().next().unwrap().clone();
    // (from, to, agent, granularity, points)
    let cases = [
        (
            "2026-11-18T09:00:00Z",
            "2026-11-19T09:00:00Z",
            None,
            "hour",
            24,
        ),
        (
            "2026-11-18T09:17:00Z",
            "2026-11-19T09:17:00Z",
            None,
            "hour",
            25,
        ),
        (
            "2026-11-18T00:00:00Z",
            "2026-11-20T00:00:00Z",
            None,
            "hour",
            48,
        ),
        (
            "2026-11-19T06:30:00Z",
            "2026-11-20T06:30:00Z",
            Some(agent.as_str()),
            "hour",
            25,
        ),
        (
            "2026-11-18T00:00:00Z",
            "2026-11-20T01:00:00Z",
            None,
            "day",
            3,
        ),
    ];
    for (from_iso, to_iso, agent, granularity, points) in cases {
        let (from, to) = (ms(from_iso), ms(to_iso));
        let mut query = format!("from={from_iso}&to={to_iso}");
        if let Some(agent) = agent {
            query.push_str(&format!("&agent={agent}"));
        }
        let series = world
            .app
            .ok_json(&format!("/api/metrics/daily?{query}"))
            .await;
        assert_eq!(series["granularity"], granularity, "{query}");
        let items = series["items"].as_array().unwrap();
        assert_eq!(items.len(), points, "{query}");
        let total: i64 = items.iter().map(|item| int(item, "observations")).sum();
        assert_eq!(
            total,
            recount.figures(from, to, agent, None).observations,
            "{query}: the points add up to the range"
        );
        assert!(total > 0, "{query}: a range with data");
        if granularity != "hour" {
            continue;
        }
        let first_hour = from - from.rem_euclid(HOUR_MS);
        for (index, item) in items.iter().enumerate() {
            let hour = first_hour + index as i64 * HOUR_MS;
            assert_eq!(item["date"], iso(hour), "{query}: point {index}");
            let expected = recount.figures(hour.max(from), (hour + HOUR_MS).min(to), agent, None);
            assert_figures(item, &expected, &format!("{query} at {}", iso(hour)));
        }
    }
}

#[tokio::test]
async fn the_csv_of_a_day_long_series_has_a_row_per_hour() {
    let world = synced_world(3_000).await;
    let query = "from=2026-11-18T09:00:00Z&to=2026-11-19T09:00:00Z";
    let series = world
        .app
        .ok_json(&format!("/api/metrics/daily?{query}"))
        .await;
    let response = world
        .app
        .get(&format!("/api/metrics/daily?{query}&format=csv"))
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = response.text().await.unwrap();
    let mut lines = body.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "hour");
    let observations_column = header.iter().position(|h| *h == "observations").unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|line| line.split(',').collect()).collect();
    let items = series["items"].as_array().unwrap();
    assert_eq!(rows.len(), 24);
    for (row, item) in rows.iter().zip(items) {
        assert_eq!(row[0], item["date"].as_str().unwrap());
        assert_eq!(
            row[observations_column].parse::<i64>().unwrap(),
            int(item, "observations")
        );
    }
}
