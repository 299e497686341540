//! Hostile Langfuse pages: unexpected types, missing fields, huge strings,
//! odd Unicode and numbers out of range give an error for the page (or
//! records), never a panic. Driven through sync-daemon's library API.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use sync_daemon::langfuse::types::{CursorPage, Observation, Score};
use sync_daemon::sync::records::{ObservationRecord, ScoreRecord};

/// Numbers a JSON page can carry, from ordinary to absurd.
fn number(in_range: bool) -> BoxedStrategy<Value> {
    if in_range {
        prop_oneof![
            (-1_000_000_000i64..1_000_000_000).prop_map(Value::from),
            (-1e9f64..1e9).prop_map(Value::from),
        ]
        .boxed()
    } else {
        prop_oneof![
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            Just(Value::from(i64::MAX)),
            Just(Value::from(i64::MIN)),
            Just(Value::from(u64::MAX)),
            Just(Value::from(1e308)),
            Just(Value::from(-1e308)),
        ]
        .boxed()
    }
}

/// Strings: odd Unicode, control characters, RTL marks, lone combining
/// marks, and now and then a huge one.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        6 => any::<String>(),
        2 => "[\\u{0}-\\u{1f}\\u{202e}\\u{200b}\\u{fffd}\\u{1F600}\\u{0301}a-z<>\"'&]{0,40}",
        1 => (1usize..400_000).prop_map(|n| "é".repeat(n)),
        1 => Just(String::new()),
    ]
    .boxed()
}

fn any_json(in_range: bool) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        number(in_range),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A plausible value for a field, or anything at all in its place.
fn field(plausible: BoxedStrategy<Value>, in_range: bool) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        40 => plausible.prop_map(Some),
        1 => any_json(in_range).prop_map(Some),
        4 => Just(None),
    ]
    .boxed()
}

fn timestamp() -> BoxedStrategy<Value> {
    prop_oneof![
        8 => (0i64..4_102_444_800_000).prop_map(|ms| {
            Value::from(
                chrono::DateTime::from_timestamp_millis(ms)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default(),
            )
        }),
        1 => Just(Value::from("9999-12-31T23:59:59.999Z")),
        1 => Just(Value::from("0000-01-01T00:00:00Z")),
        1 => Just(Value::from("2026-02-30T00:00:00Z")),
        1 => Just(Value::from("+275760-09-13T00:00:00Z")),
    ]
    .boxed()
}

fn usage_map(in_range: bool) -> BoxedStrategy<Value> {
    prop::collection::btree_map(
        prop_oneof![
            Just("input".to_string()),
            Just("output".to_string()),
            Just("total".to_string()),
            Just("input_cached_tokens".to_string()),
            text(),
        ],
        number(in_range),
        0..5,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()))
    .boxed()
}

fn observation(in_range: bool) -> BoxedStrategy<Value> {
    let s = || text().prop_map(Value::from).boxed();
    let fields = (
        (
            field(s(), in_range),
            field(s(), in_range),
            field(timestamp(), in_range),
            field(timestamp(), in_range),
            field(timestamp(), in_range),
            field(s(), in_range),
            field(
                prop_oneof![
                    Just(Value::from("GENERATION")),
                    Just(Value::from("AGENT")),
                    s()
                ]
                .boxed(),
                in_range,
            ),
            field(s(), in_range),
        ),
        (
            field(s(), in_range),
            field(s(), in_range),
            field(any_json(in_range), in_range),
            field(any_json(in_range), in_range),
            field(any_json(in_range), in_range),
            field(usage_map(in_range), in_range),
            field(usage_map(in_range), in_range),
            field(number(in_range), in_range),
            field(
                prop::collection::vec(s(), 0..4)
                    .prop_map(Value::Array)
                    .boxed(),
                in_range,
            ),
        ),
    );
    fields
        .prop_map(|(a, b)| {
            let names_a = [
                "id",
                "traceId",
                "startTime",
                "endTime",
                "completionStartTime",
                "parentObservationId",
                "type",
                "level",
            ];
            let names_b = [
                "name",
                "sessionId",
                "input",
                "output",
                "metadata",
                "usageDetails",
                "costDetails",
                "totalCost",
                "tags",
            ];
            let values_a = [a.0, a.1, a.2, a.3, a.4, a.5, a.6, a.7];
            let values_b = [b.0, b.1, b.2, b.3, b.4, b.5, b.6, b.7, b.8];
            let mut object = Map::new();
            for (name, value) in names_a
                .iter()
                .zip(values_a)
                .chain(names_b.iter().zip(values_b))
            {
                if let Some(value) = value {
                    object.insert(name.to_string(), value);
                }
            }
            Value::Object(object)
        })
        .boxed()
}

fn score(in_range: bool) -> BoxedStrategy<Value> {
    let s = || text().prop_map(Value::from).boxed();
    (
        field(s(), in_range),
        field(s(), in_range),
        field(timestamp(), in_range),
        field(any_json(in_range), in_range),
        field(s(), in_range),
        field(
            (s(), s(), s())
                .prop_map(|(kind, id, trace)| json!({"kind": kind, "id": id, "traceId": trace}))
                .boxed(),
            in_range,
        ),
    )
        .prop_map(|(id, name, timestamp, value, data_type, subject)| {
            let mut object = Map::new();
            for (key, v) in [
                ("id", id),
                ("name", name),
                ("timestamp", timestamp),
                ("value", value),
                ("dataType", data_type),
                ("subject", subject),
            ] {
                if let Some(v) = v {
                    object.insert(key.to_string(), v);
                }
            }
            Value::Object(object)
        })
        .boxed()
}

/// A page body: well-formed around hostile items, or cut short anywhere.
fn page(item: BoxedStrategy<Value>) -> BoxedStrategy<String> {
    (
        prop::collection::vec(item, 0..4),
        field(text().prop_map(Value::from).boxed(), true),
        any::<prop::sample::Index>(),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(items, cursor, cut, truncate)| {
            let body = json!({"data": items, "meta": {"cursor": cursor}}).to_string();
            if truncate {
                let mut at = cut.index(body.len().max(1));
                while !body.is_char_boundary(at) {
                    at -= 1;
                }
                body[..at].to_string()
            } else {
                body
            }
        })
        .boxed()
}

/// What the daemon does with a page body: parse it, then turn every item
/// into the record it stores. Only a panic fails; returns how many records
/// came out (None: the page was refused with an error).
fn ingest_observations(body: &str) -> Option<usize> {
    let page = serde_json::from_str::<CursorPage<Observation>>(body).ok()?;
    let count = page.data.len();
    for observation in page.data {
        let record = ObservationRecord::from_api(observation, "agent");
        let _ = record.latency_ms();
    }
    Some(count)
}

fn ingest_scores(body: &str) -> Option<usize> {
    let page = serde_json::from_str::<CursorPage<Score>>(body).ok()?;
    let count = page.data.len();
    for score in page.data {
        let _ = ScoreRecord::from(score);
    }
    Some(count)
}

/// Runs `ingest` over `cases` generated bodies; fails on a panic (proptest
/// shrinks it to a minimal body) and unless both refused pages and stored
/// records occurred, so the property really reaches the record code.
fn check_pages(name: &str, strategy: BoxedStrategy<String>, ingest: fn(&str) -> Option<usize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let refused = AtomicUsize::new(0);
    let records = AtomicUsize::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: reliability::sized(512, 8_192),
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let outcome = runner.run(&strategy, |body| {
        match ingest(&body) {
            Some(count) => records.fetch_add(count, Ordering::Relaxed),
            None => refused.fetch_add(1, Ordering::Relaxed),
        };
        Ok(())
    });
    let (refused, records) = (refused.into_inner(), records.into_inner());
    println!("parser {name}: pages_refused={refused} records_built={records}");
    if let Err(failure) = outcome {
        panic!("{name}: {failure}");
    }
    assert!(
        refused > 0 && records > 0,
        "{name}: refused {refused}, records {records}"
    );
}

#[test]
fn hostile_observation_pages_give_an_error_or_records_never_a_panic() {
    check_pages("observations", page(observation(true)), ingest_observations);
}

#[test]
fn hostile_score_pages_give_an_error_or_records_never_a_panic() {
    check_pages("scores", page(score(false)), ingest_scores);
}

/// A valid observation around usage and cost numbers of any size.
fn observation_with_any_numbers() -> BoxedStrategy<Value> {
    (usage_map(false), usage_map(false), number(false))
        .prop_map(|(usage, cost, total_cost)| {
            json!({"id": "o1", "traceId": "t1", "startTime": "2026-11-01T00:00:00Z",
                   "usageDetails": usage, "costDetails": cost, "totalCost": total_cost})
        })
        .boxed()
}

#[test]
fn observation_pages_with_numbers_out_of_range_never_panic() {
    check_pages(
        "numbers out of range",
        page(observation_with_any_numbers()),
        ingest_observations,
    );
}

/// The smallest reproductions of the overflow the property above finds.
#[test]
fn usage_numbers_out_of_range_never_panic() {
    let cases = [
        json!({"input": i64::MAX, "output": 1}),
        json!({"input": i64::MAX, "input_cached_tokens": i64::MAX}),
        json!({"input": i64::MIN, "output": -1}),
        json!({"input": 1e300, "output": 1e300}),
    ];
    for usage in cases {
        let body = json!({"data": [{
            "id": "o1", "traceId": "t1", "startTime": "2026-11-01T00:00:00Z",
            "usageDetails": usage, "costDetails": {"input": 1e300, "output": 1e300}
        }]})
        .to_string();
        let outcome = std::panic::catch_unwind(|| ingest_observations(&body));
        assert!(outcome.is_ok(), "usage {usage} panicked");
    }
}
