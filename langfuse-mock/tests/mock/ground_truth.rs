//! The ground truth against its own sums and against a plain recount of what
//! the HTTP API serves, using the Langfuse usage/cost conventions and the
//! agent rule as written in ARCHITECTURE.md.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use langfuse_mock::{EnvironmentFilter, GroundTruth, Totals};
use serde_json::Value;

use crate::helpers::{config, spawn_app};

type TotalsField = fn(&Totals) -> i64;

#[tokio::test]
async fn ground_truth_groups_sum_to_the_overall_totals() {
    let app = spawn_app(config(3_000, 21)).await;
    let truth = app.mock.ground_truth();
    let groups: [(&str, &BTreeMap<String, Totals>); 5] = [
        ("by_environment", &truth.by_environment),
        ("by_day", &truth.by_day),
        ("by_agent", &truth.by_agent),
        ("by_trace", &truth.by_trace),
        ("by_session", &truth.by_session),
    ];
    for (name, group) in groups {
        let sum = |f: fn(&Totals) -> i64| -> i64 { group.values().map(f).sum() };
        let overall = &truth.overall;
        let sessionless = |f: fn(&Totals) -> i64| -> i64 {
            // by_session leaves out traces that belong to no session.
            if name == "by_session" {
                truth
                    .by_trace
                    .values()
                    .filter(|t| t.sessions == 0)
                    .map(f)
                    .sum()
            } else {
                0
            }
        };
        let checks: [(&str, TotalsField); 7] = [
            ("observations", |t| t.observations as i64),
            ("generations", |t| t.generations as i64),
            ("errors", |t| t.errors as i64),
            ("warnings", |t| t.warnings as i64),
            ("cost", |t| t.cost_nanousd),
            ("input", |t| t.input_tokens),
            ("total", |t| t.total_tokens),
        ];
        for (field, f) in checks {
            assert_eq!(sum(f) + sessionless(f), f(overall), "{name}.{field}");
        }
    }
    let model_generations: u64 = truth.by_model.values().map(|t| t.observations).sum();
    assert_eq!(model_generations, truth.overall.generations);
    assert_eq!(truth.by_trace.len() as u64, truth.overall.traces);
    assert_eq!(truth.by_session.len() as u64, truth.overall.sessions);
    assert_eq!(
        truth.scores_by_session.values().sum::<u64>(),
        truth.scores,
        "every generated score belongs to a session"
    );
    assert!(truth.overall.cost_nanousd > 0 && truth.overall.errors > 0);
    app.mock.stop().await;
}

fn usage_tokens(details: &Value) -> Option<(i64, i64, i64)> {
    let map = details.as_object().filter(|m| !m.is_empty())?;
    let sum_where = |part: &str| -> i64 {
        map.iter()
            .filter(|(k, _)| k.to_lowercase().contains(part))
            .map(|(_, v)| v.as_i64().unwrap())
            .sum()
    };
    let total = match map.get("total") {
        Some(total) => total.as_i64().unwrap(),
        None => map.values().map(|v| v.as_i64().unwrap()).sum(),
    };
    Some((sum_where("input"), sum_where("output"), total))
}

/// `costDetails.total`, else the sum of the entries; `totalCost` is not
/// read (the server renders it as `Number(costDetails.total ?? 0)`).
fn cost_nanousd(row: &Value) -> Option<i64> {
    let details = row["costDetails"].as_object().filter(|m| !m.is_empty())?;
    let nanousd = |v: &Value| (v.as_f64().unwrap() * 1e9).round() as i64;
    Some(match details.get("total") {
        Some(total) => nanousd(total),
        None => details.values().map(nanousd).sum(),
    })
}

#[derive(Default)]
struct Group {
    totals: Totals,
    traces: BTreeSet<String>,
    sessions: BTreeSet<String>,
}

fn add(group: &mut Group, row: &Value) {
    let t = &mut group.totals;
    t.observations += 1;
    t.generations += u64::from(row["type"] == "GENERATION");
    t.errors += u64::from(row["level"] == "ERROR");
    t.warnings += u64::from(row["level"] == "WARNING");
    if let Some((input, output, total)) = usage_tokens(&row["usageDetails"]) {
        t.input_tokens += input;
        t.output_tokens += output;
        t.total_tokens += total;
    }
    t.cost_nanousd += cost_nanousd(row).unwrap_or(0);
    group
        .traces
        .insert(row["traceId"].as_str().unwrap().to_string());
    if let Some(session) = row["sessionId"].as_str().filter(|s| !s.is_empty()) {
        group.sessions.insert(session.to_string());
    }
}

fn finish(groups: BTreeMap<String, Group>) -> BTreeMap<String, Totals> {
    groups
        .into_iter()
        .map(|(k, mut g)| {
            g.totals.traces = g.traces.len() as u64;
            g.totals.sessions = g.sessions.len() as u64;
            (k, g.totals)
        })
        .collect()
}

fn agent_of(row: &Value, by_id: &HashMap<&str, &Value>) -> String {
    match &row["metadata"]["agent"] {
        Value::String(agent) if !agent.is_empty() => return agent.clone(),
        // Metadata values arrive typed as JSON: a number or flag names the
        // agent by its JSON text.
        typed @ (Value::Number(_) | Value::Bool(_)) => return typed.to_string(),
        _ => {}
    }
    let mut current = Some(row);
    while let Some(observation) = current {
        if observation["type"] == "AGENT" {
            return observation["name"].as_str().unwrap().to_string();
        }
        current = observation["parentObservationId"]
            .as_str()
            .and_then(|p| by_id.get(p).copied());
    }
    row["traceName"].as_str().unwrap_or("unknown").to_string()
}

fn recount(rows: &[Value]) -> GroundTruth {
    let by_id: HashMap<&str, &Value> = rows
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r))
        .collect();
    let mut overall = Group::default();
    let mut groups: [BTreeMap<String, Group>; 5] = Default::default();
    for row in rows {
        add(&mut overall, row);
        let day = row["startTime"].as_str().unwrap()[..10].to_string();
        add(groups[0].entry(day).or_default(), row);
        add(groups[1].entry(agent_of(row, &by_id)).or_default(), row);
        if row["type"] == "GENERATION"
            && let Some(model) = row["model"].as_str()
        {
            add(groups[2].entry(model.to_string()).or_default(), row);
        }
        add(
            groups[3]
                .entry(row["traceId"].as_str().unwrap().to_string())
                .or_default(),
            row,
        );
        // The real server sends "" for "no session" (treated as absent).
        if let Some(session) = row["sessionId"].as_str().filter(|s| !s.is_empty()) {
            add(groups[4].entry(session.to_string()).or_default(), row);
        }
    }
    let [by_day, by_agent, by_model, by_trace, by_session] = groups;
    GroundTruth {
        overall: finish(BTreeMap::from([(String::new(), overall)]))
            .remove("")
            .unwrap(),
        by_day: finish(by_day),
        by_agent: finish(by_agent),
        by_model: finish(by_model),
        by_trace: finish(by_trace),
        by_session: finish(by_session),
        ..GroundTruth::default()
    }
}

#[tokio::test]
async fn ground_truth_equals_a_recount_of_the_served_pages() {
    let mut config = config(4_000, 33);
    config.dataset.pending_share = 0.05;
    let app = spawn_app(config).await;
    let fields = "fields=core,basic,usage,metadata,trace_context,model";
    let rows = app
        .all_v2_observations(&format!("limit=1000&{fields}"))
        .await;
    let environments: BTreeSet<&str> = rows
        .iter()
        .map(|row| {
            row["environment"]
                .as_str()
                .expect("every row has an environment")
        })
        .collect();
    assert_eq!(
        environments,
        BTreeSet::from(["langfuse-llm-as-a-judge", "production", "staging"])
    );
    let mut views = vec![EnvironmentFilter::All, EnvironmentFilter::AllButInternal];
    views.extend(environments.iter().map(|e| EnvironmentFilter::only([*e])));
    views.push(EnvironmentFilter::only(["production", "staging"]));
    for view in views {
        let served: Vec<Value> = rows
            .iter()
            .filter(|row| view.includes(row["environment"].as_str().unwrap()))
            .cloned()
            .collect();
        let truth = app.mock.ground_truth_for(&view);
        let counted = recount(&served);
        assert_eq!(counted.overall, truth.overall, "{view:?}");
        assert_eq!(counted.by_day, truth.by_day, "{view:?}");
        assert_eq!(counted.by_agent, truth.by_agent, "{view:?}");
        assert_eq!(counted.by_model, truth.by_model, "{view:?}");
        assert_eq!(counted.by_trace, truth.by_trace, "{view:?}");
        assert_eq!(counted.by_session, truth.by_session, "{view:?}");
    }

    app.mock.complete_pending();
    app.mock
        .add_late_observations(5, std::time::Duration::from_secs(7_200));
    let rows = app
        .all_v2_observations(&format!("limit=1000&{fields}"))
        .await;
    let truth = app.mock.ground_truth_for(&EnvironmentFilter::All);
    let counted = recount(&rows);
    assert_eq!(counted.overall, truth.overall);
    assert_eq!(counted.by_agent, truth.by_agent);
    app.mock.stop().await;
}

/// Langfuse writes its LLM-as-a-judge runs as traces of their own in an
/// internal environment (worker/src/features/evaluation/evalService.ts):
/// named after the evaluator, in no session, holding a priced GENERATION.
#[tokio::test]
async fn judge_runs_are_priced_generations_in_their_own_traces_and_environment() {
    let app = spawn_app(config(3_000, 23)).await;
    let fields = "fields=core,basic,usage,trace_context,model";
    let judged = app
        .all_v2_observations(&format!(
            "limit=1000&{fields}&environment=langfuse-llm-as-a-judge"
        ))
        .await;
    assert!(!judged.is_empty());
    for row in &judged {
        assert_eq!(row["environment"], "langfuse-llm-as-a-judge", "{row}");
        assert_eq!(row["type"], "GENERATION", "{row}");
        // No session: the real server sends "" (or null) for it.
        assert!(
            row["sessionId"].is_null() || row["sessionId"] == "",
            "{row}"
        );
        assert!(
            row["traceName"]
                .as_str()
                .is_some_and(|name| name.starts_with("Execute evaluator: ")),
            "{row}"
        );
        // The `model` field group's key on the real server.
        assert!(row["model"].is_string(), "{row}");
        assert!(cost_nanousd(row).is_some_and(|cost| cost > 0), "{row}");
    }
    let judge = EnvironmentFilter::only(["langfuse-llm-as-a-judge"]);
    assert_eq!(
        recount(&judged).overall,
        app.mock.ground_truth_for(&judge).overall
    );
    let default_view = app.mock.ground_truth();
    assert!(
        default_view
            .by_agent
            .keys()
            .all(|agent| !agent.starts_with("Execute evaluator: ")),
        "the judge is no agent of the default view"
    );
    let staging = app
        .all_v2_observations(&format!("limit=1000&{fields}&environment=staging"))
        .await;
    let all = app.mock.ground_truth_for(&EnvironmentFilter::All).overall;
    assert!(
        !staging.is_empty() && (staging.len() as u64) * 3 < all.observations,
        "staging holds a share of the games: {} of {}",
        staging.len(),
        all.observations
    );
    app.mock.stop().await;
}

#[tokio::test]
async fn the_same_seed_serves_the_same_data() {
    let first = spawn_app(config(500, 44)).await;
    let second = spawn_app(config(500, 44)).await;
    let other = spawn_app(config(500, 45)).await;
    let query = "limit=1000&fields=core,basic,usage,io,metadata";
    let a = first.all_v2_observations(query).await;
    let b = second.all_v2_observations(query).await;
    let c = other.all_v2_observations(query).await;
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(first.mock.ground_truth(), second.mock.ground_truth());
    for app in [first, second, other] {
        app.mock.stop().await;
    }
}

#[test]
fn the_handle_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<langfuse_mock::MockHandle>();
}
