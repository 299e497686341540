//! Issue 15's views: links into Langfuse, error groups by message with
//! sorting and pages, the sessions CSV's scores and file name, the models'
//! daily trend and CSV, and agents that run outside any game.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{SyncedWorld, assert_usd, int, score_worlds, synced_world};

const RAGGED: &str = "from=2026-11-16T09:17:00Z&to=2026-11-19T13:45:00Z";

fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {value}"))
}

fn items(body: &Value) -> &Vec<Value> {
    body["items"].as_array().expect("items")
}

/// The host and project the double serves, as a link's prefix.
fn project_prefix(world: &SyncedWorld) -> String {
    format!(
        "{}/project/{}",
        world.mock.base_url().trim_end_matches('/'),
        world.dataset.project_id
    )
}

#[tokio::test]
async fn trace_and_session_pages_link_into_the_langfuse_project_in_v2_and_legacy_mode() {
    for (mode, world) in ["v2", "legacy"].into_iter().zip(score_worlds(1_500).await) {
        let status = world.app.ok_json("/api/sync/status").await;
        assert_eq!(
            status["langfuseHost"],
            world.mock.base_url().trim_end_matches('/'),
            "{mode}"
        );
        assert_eq!(
            status["langfuseProjectId"], world.dataset.project_id,
            "{mode}: the project the rows name"
        );
        assert!(
            !status.to_string().contains("sk-lf-"),
            "{mode}: no key in the status"
        );

        let prefix = project_prefix(&world);
        let sessions = world.app.ok_json("/api/sessions?limit=3").await;
        for session in items(&sessions) {
            let id = text(session, "id");
            let detail = world.app.ok_json(&format!("/api/sessions/{id}")).await;
            assert_eq!(
                detail["langfuseUrl"],
                format!("{prefix}/sessions/{id}"),
                "{mode}"
            );
            let traces = detail["traces"].as_array().unwrap();
            assert!(!traces.is_empty(), "{mode}: session {id} has traces");
            for trace in traces {
                let trace_id = text(trace, "id");
                let expected = format!("{prefix}/traces/{trace_id}");
                assert_eq!(trace["langfuseUrl"], expected, "{mode}: in the session");
                let alone = world.app.ok_json(&format!("/api/traces/{trace_id}")).await;
                assert_eq!(alone["langfuseUrl"], expected, "{mode}: the trace page");
            }
        }
    }
}

#[tokio::test]
async fn there_is_no_link_while_the_host_or_the_project_is_unknown() {
    let world = synced_world(1_000).await;
    let sessions = world.app.ok_json("/api/sessions?limit=1").await;
    let session = text(&items(&sessions)[0], "id").to_string();
    let cases = [
        ("the project is unknown", "langfuse_project_id = NULL"),
        ("the host is unknown", "langfuse_host = NULL"),
    ];
    let host = world.mock.base_url();
    let project = &world.dataset.project_id;
    for (case, unset) in cases {
        let writer = shared_schema::open_writer(&world.app.database_path).unwrap();
        // Both as the daemon recorded them, then one unknown, as a daemon
        // that never saw a project id (or an older daemon) leaves it.
        writer
            .execute(
                "UPDATE sync_metadata SET langfuse_host = ?1, langfuse_project_id = ?2 WHERE id = 1",
                [host.as_str(), project.as_str()],
            )
            .unwrap();
        writer
            .execute_batch(&format!(
                "UPDATE sync_metadata SET {unset}, data_version = data_version + 1 WHERE id = 1"
            ))
            .unwrap();
        drop(writer);
        let detail = world.app.ok_json(&format!("/api/sessions/{session}")).await;
        assert_eq!(detail["langfuseUrl"], Value::Null, "{case}");
        let trace = text(&detail["traces"][0], "id");
        assert_eq!(detail["traces"][0]["langfuseUrl"], Value::Null, "{case}");
        let alone = world.app.ok_json(&format!("/api/traces/{trace}")).await;
        assert_eq!(alone["langfuseUrl"], Value::Null, "{case}");
    }
}

/// (level, message) -> (count, agents), from the double's ground truth.
type MessageGroups = BTreeMap<(String, String), (i64, BTreeSet<String>)>;

#[tokio::test]
async fn errors_group_by_message_alone_or_by_agent_observation_and_message() {
    let world = synced_world(3_000).await;
    for level in ["ERROR", "all"] {
        let levels: &[&str] = if level == "all" {
            &["ERROR", "WARNING"]
        } else {
            &["ERROR"]
        };
        let truth: Vec<_> = world
            .truth
            .error_groups
            .iter()
            .filter(|group| levels.contains(&group.level.as_str()))
            .collect();
        let mut by_message = MessageGroups::new();
        for group in &truth {
            let entry = by_message
                .entry((group.level.clone(), group.message.clone()))
                .or_default();
            entry.0 += group.count as i64;
            entry.1.insert(group.agent.clone());
        }
        let errors_in_all: i64 = truth.iter().map(|group| group.count as i64).sum();

        // (groupBy, groups expected)
        let cases = [
            ("agentObservation", truth.len()),
            ("message", by_message.len()),
        ];
        for (group_by, groups) in cases {
            let body = world
                .app
                .ok_json(&format!("/api/errors?level={level}&groupBy={group_by}"))
                .await;
            assert_eq!(body["groupBy"], group_by);
            assert_eq!(int(&body, "total") as usize, groups, "{level} {group_by}");
            assert_eq!(int(&body, "count"), errors_in_all, "{level} {group_by}");
            assert_eq!(items(&body).len(), groups, "one page holds them all");
            if group_by == "message" {
                let served: MessageGroups = items(&body)
                    .iter()
                    .map(|item| {
                        assert_eq!(item["agent"], Value::Null);
                        assert_eq!(item["name"], Value::Null);
                        let agents = item["agents"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|agent| agent.as_str().unwrap().to_string())
                            .collect();
                        (
                            (text(item, "level").into(), text(item, "message").into()),
                            (int(item, "count"), agents),
                        )
                    })
                    .collect();
                assert_eq!(served, by_message, "{level}");
            } else {
                for item in items(&body) {
                    assert_eq!(item["agents"], serde_json::json!([item["agent"]]));
                }
            }
        }
    }
    let (split, merged) = (
        world.app.ok_json("/api/errors").await,
        world.app.ok_json("/api/errors?groupBy=message").await,
    );
    assert!(
        int(&merged, "total") < int(&split, "total"),
        "the data has messages shared by several agents or observations"
    );
}

/// The groups' keys over all pages of `query`, `limit` at a time.
async fn walk_pages(world: &SyncedWorld, query: &str, limit: usize) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let page = world
            .app
            .ok_json(&format!(
                "/api/errors?{query}&limit={limit}&offset={}",
                seen.len()
            ))
            .await;
        assert_eq!(int(&page, "offset") as usize, seen.len());
        let batch = items(&page).clone();
        assert!(batch.len() <= limit);
        if batch.is_empty() {
            assert_eq!(int(&page, "total") as usize, seen.len(), "{query}");
            return seen;
        }
        seen.extend(batch);
    }
}

#[tokio::test]
async fn error_pages_hold_every_group_once_in_the_order_asked() {
    let world = synced_world(3_000).await;
    let sorts = [
        "count",
        "sessions",
        "firstSeen",
        "lastSeen",
        "message",
        "agent",
    ];
    for group_by in ["agentObservation", "message"] {
        for sort in sorts {
            for order in ["desc", "asc"] {
                let query = format!("level=all&groupBy={group_by}&sort={sort}&order={order}");
                let whole = world.app.ok_json(&format!("/api/errors?{query}")).await;
                let paged = walk_pages(&world, &query, 7).await;
                let keys: Vec<&str> = paged.iter().map(|item| text(item, "key")).collect();
                let whole_keys: Vec<&str> =
                    items(&whole).iter().map(|item| text(item, "key")).collect();
                assert_eq!(keys, whole_keys, "{query}: pages are the list cut in 7s");
                assert_eq!(
                    keys.iter().collect::<HashSet<_>>().len(),
                    keys.len(),
                    "{query}: no group twice"
                );
                // Numbers compare as numbers; texts (agents joined by the
                // smallest character) as texts.
                let sort_value = |item: &Value| -> (i64, String) {
                    match sort {
                        "count" | "sessions" => (int(item, sort), String::new()),
                        "agent" => (
                            0,
                            item["agents"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|agent| agent.as_str().unwrap())
                                .collect::<Vec<_>>()
                                .join("\u{0}"),
                        ),
                        other => (0, text(item, other).to_string()),
                    }
                };
                for pair in paged.windows(2) {
                    let (a, b) = (sort_value(&pair[0]), sort_value(&pair[1]));
                    let in_order = if order == "desc" { a >= b } else { a <= b };
                    assert!(in_order, "{query}: {a:?} then {b:?}");
                }
            }
        }
    }

    // q keeps the groups that show the text, over all pages.
    let all = world.app.ok_json("/api/errors?level=all").await;
    let needle = text(&items(&all)[0], "agent").to_uppercase();
    let found = world
        .app
        .ok_json(&format!("/api/errors?level=all&q={needle}"))
        .await;
    assert!(int(&found, "total") >= 1);
    assert!(int(&found, "total") <= int(&all, "total"));
    for item in items(&found) {
        let shown = [
            &item["agents"],
            &item["name"],
            &item["message"],
            &item["example"],
        ]
        .map(|value| value.to_string().to_lowercase())
        .join(" ");
        assert!(shown.contains(&needle.to_lowercase()), "{item}");
    }
}

/// A CSV body as rows of fields (RFC 4180 quoting).
fn parse_csv(body: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    rows
}

#[tokio::test]
async fn the_sessions_csv_holds_each_sessions_latest_scores_and_names_its_last_day() {
    let world = synced_world(1_500).await;
    let listed = world.app.ok_json("/api/sessions?limit=200").await;
    assert!(
        listed["nextCursor"].is_null(),
        "one page holds every session"
    );
    let response = world.app.get("/api/sessions?format=csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    let rows = parse_csv(&response.text().await.unwrap());
    let header = &rows[0];
    let names: BTreeSet<String> = items(&listed)
        .iter()
        .flat_map(|session| session["scores"].as_array().unwrap().iter())
        .map(|score| text(score, "name").to_string())
        .collect();
    assert!(!names.is_empty(), "the data has scores");
    let score_columns: BTreeSet<String> = header
        .iter()
        .filter_map(|column| column.strip_prefix("score:"))
        .map(str::to_string)
        .collect();
    assert_eq!(score_columns, names);
    let by_id: BTreeMap<&str, &Value> = items(&listed)
        .iter()
        .map(|session| (text(session, "id"), session))
        .collect();
    assert_eq!(rows.len() - 1, by_id.len());
    for row in &rows[1..] {
        let session = by_id[row[0].as_str()];
        for (column, cell) in header.iter().zip(row) {
            let Some(name) = column.strip_prefix("score:") else {
                continue;
            };
            let score = session["scores"]
                .as_array()
                .unwrap()
                .iter()
                .find(|score| score["name"] == name);
            let expected = match score {
                None => String::new(),
                Some(score) if score["dataType"] == "CATEGORICAL" => {
                    text(score, "stringValue").to_string()
                }
                // A number where there is one (booleans as 1 or 0), else
                // the text of a text score.
                Some(score) => match score["value"].as_f64() {
                    Some(value) => value.to_string(),
                    None => score["stringValue"].as_str().unwrap_or("").to_string(),
                },
            };
            assert_eq!(cell, &expected, "{} {name}", row[0]);
        }
    }

    // (query, the file name: first and last day included)
    let cases = [
        (
            "from=2026-11-15&to=2026-11-18",
            "cupid-sessions-2026-11-15-2026-11-17.csv",
        ),
        (
            "from=2026-11-15T10:00:00Z&to=2026-11-18T06:00:00Z",
            "cupid-sessions-2026-11-15-2026-11-18.csv",
        ),
        ("to=2026-11-16", "cupid-sessions-all-2026-11-15.csv"),
        ("from=2026-11-16", "cupid-sessions-2026-11-16-all.csv"),
    ];
    for (query, name) in cases {
        let response = world
            .app
            .get(&format!("/api/sessions?format=csv&{query}"))
            .await;
        assert_eq!(
            response.headers()["content-disposition"],
            format!("attachment; filename=\"{name}\"").as_str(),
            "{query}"
        );
    }
}

#[tokio::test]
async fn the_model_trend_adds_up_to_the_model_list_and_the_csv_lists_every_model() {
    let world = synced_world(3_000).await;
    for range in ["", RAGGED] {
        let list = world.app.ok_json(&format!("/api/models?{range}")).await;
        let trend = world
            .app
            .ok_json(&format!("/api/models/daily?{range}"))
            .await;
        let overall = world
            .app
            .ok_json(&format!("/api/metrics/daily?{range}"))
            .await;
        let days: Vec<&str> = items(&overall)
            .iter()
            .map(|point| text(point, "date"))
            .collect();
        assert_eq!(int(&trend, "total") as usize, items(&list).len(), "{range}");
        let costs: Vec<f64> = items(&trend)
            .iter()
            .map(|series| series["totalCost"].as_f64().unwrap())
            .collect();
        assert!(costs.is_sorted_by(|a, b| a >= b), "costliest first");
        for series in items(&trend) {
            let model = text(series, "model");
            let listed = items(&list)
                .iter()
                .find(|item| item["model"] == model)
                .unwrap_or_else(|| panic!("{model} is listed"));
            let points = series["points"].as_array().unwrap();
            let dates: Vec<&str> = points.iter().map(|point| text(point, "date")).collect();
            assert_eq!(
                dates, days,
                "{range} {model}: the same days as the overview"
            );
            let generations: i64 = points.iter().map(|point| int(point, "generations")).sum();
            assert_eq!(generations, int(listed, "generations"), "{range} {model}");
            let cost_nanousd: i64 = points
                .iter()
                .map(|point| (point["totalCost"].as_f64().unwrap() * 1e9).round() as i64)
                .sum();
            assert_usd(&listed["totalCost"], cost_nanousd, model);
        }
    }
    let all_time = world.app.ok_json("/api/models/daily").await;
    for series in items(&all_time) {
        let model = text(series, "model");
        let generations: i64 = series["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|point| int(point, "generations"))
            .sum();
        assert_eq!(
            generations as u64, world.truth.by_model[model].generations,
            "{model}: the double's recount"
        );
    }

    let response = world.app.get("/api/models?format=csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"cupid-models-all-all.csv\""
    );
    let rows = parse_csv(&response.text().await.unwrap());
    assert_eq!(rows[0][0], "model");
    let models: BTreeSet<&str> = rows[1..].iter().map(|row| row[0].as_str()).collect();
    let expected: BTreeSet<&str> = world.truth.by_model.keys().map(String::as_str).collect();
    assert_eq!(models, expected);
    for row in &rows[1..] {
        assert_eq!(
            row[1].parse::<u64>().unwrap(),
            world.truth.by_model[&row[0]].generations,
            "{}",
            row[0]
        );
    }

    let (status, body) = world.app.get_json("/api/models/daily?format=csv").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["parameter"], "format");
}

#[tokio::test]
async fn agents_that_only_run_outside_games_make_llm_calls_in_no_session() {
    let world = synced_world(3_000).await;
    let agents = world.app.ok_json("/api/agents").await;
    let dataset = &world.dataset;
    // The agents whose every trace has no session, by the double's data.
    let mut in_a_session: BTreeMap<&str, bool> = BTreeMap::new();
    for (index, observation) in dataset.observations.iter().enumerate() {
        if langfuse_mock::is_internal_environment(dataset.environment_of(observation)) {
            continue;
        }
        let agent = dataset.agent_of(index as u32);
        *in_a_session.entry(agent).or_default() |= dataset.trace_of(observation).session.is_some();
    }
    let outside: Vec<&str> = in_a_session
        .iter()
        .filter(|(_, in_session)| !**in_session)
        .map(|(agent, _)| *agent)
        .collect();
    assert!(
        outside.contains(&"profile-indexer") && outside.contains(&"unknown"),
        "{outside:?}"
    );
    for agent in outside {
        let item = items(&agents)
            .iter()
            .find(|item| item["agent"] == agent)
            .unwrap_or_else(|| panic!("{agent} is listed"));
        assert_eq!(int(item, "sessions"), 0, "{agent}");
        assert!(int(item, "traces") > 0, "{agent}");
        assert!(int(item, "generations") > 0, "{agent}: it calls LLMs");
    }
}
