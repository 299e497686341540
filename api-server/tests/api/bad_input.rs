//! Every endpoint and parameter: invalid input gets 400 or 404 with a JSON
//! body naming the parameter; never a 500; SQL-looking text is just text.

use reqwest::StatusCode;

use crate::helpers::{int, synced_world};

fn long(length: usize) -> String {
    "x".repeat(length)
}

#[tokio::test]
async fn invalid_parameters_get_400_naming_the_parameter_on_every_endpoint() {
    let world = synced_world(300).await;
    let app = &world.app;
    let other_sort_cursor = {
        let page = app.ok_json("/api/sessions?sort=cost&limit=1").await;
        page["nextCursor"].as_str().unwrap().to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        // overview
        ("/api/overview?from=yesterday".into(), "from"),
        ("/api/overview?to=2026-13-01".into(), "to"),
        ("/api/overview?from=2026-11-01T25:00:00Z".into(), "from"),
        ("/api/overview?from=2026-11-10&to=2026-11-01".into(), "from"),
        ("/api/overview?from=2026-11-10&to=2026-11-10".into(), "from"),
        ("/api/overview?form=2026-11-01".into(), "form"),
        (
            "/api/overview?from=2026-11-01&from=2026-11-02".into(),
            "from",
        ),
        ("/api/overview?from=1'%20OR%20'1'='1".into(), "from"),
        (format!("/api/overview?to={}", long(300)), "to"),
        ("/api/overview?from=0001-01-01".into(), "from"),
        // daily metrics
        ("/api/metrics/daily?from=soon".into(), "from"),
        ("/api/metrics/daily?to=2026-02-30".into(), "to"),
        (
            "/api/metrics/daily?from=1970-01-01&to=9999-01-01".into(),
            "to",
        ),
        (format!("/api/metrics/daily?agent={}", long(201)), "agent"),
        (format!("/api/metrics/daily?model={}", long(201)), "model"),
        ("/api/metrics/daily?modle=gpt-4o".into(), "modle"),
        // sessions list
        ("/api/sessions?from=bad".into(), "from"),
        ("/api/sessions?to=bad".into(), "to"),
        ("/api/sessions?sort=name".into(), "sort"),
        (
            "/api/sessions?sort=cost;DROP%20TABLE%20sessions".into(),
            "sort",
        ),
        ("/api/sessions?order=up".into(), "order"),
        ("/api/sessions?limit=0".into(), "limit"),
        ("/api/sessions?limit=-5".into(), "limit"),
        ("/api/sessions?limit=99999999".into(), "limit"),
        ("/api/sessions?limit=1e3".into(), "limit"),
        ("/api/sessions?limit=ten".into(), "limit"),
        ("/api/sessions?cursor=zz".into(), "cursor"),
        ("/api/sessions?cursor=not-a-cursor".into(), "cursor"),
        (
            format!("/api/sessions?cursor={other_sort_cursor}"),
            "cursor",
        ),
        (
            format!("/api/sessions?sort=cost&order=asc&cursor={other_sort_cursor}"),
            "cursor",
        ),
        ("/api/sessions?hasErrors=yes".into(), "hasErrors"),
        ("/api/sessions?format=xml".into(), "format"),
        (format!("/api/sessions?q={}", long(201)), "q"),
        (format!("/api/sessions?user={}", long(201)), "user"),
        (format!("/api/sessions?agent={}", long(201)), "agent"),
        ("/api/sessions?page=2".into(), "page"),
        // session detail
        (format!("/api/sessions/{}", long(201)), "id"),
        ("/api/sessions/abc?expand=true".into(), "expand"),
        // trace detail
        (format!("/api/traces/{}", long(201)), "id"),
        ("/api/traces/abc?verbose=1".into(), "verbose"),
        // agents
        ("/api/agents?format=pdf".into(), "format"),
        ("/api/agents?from=bad".into(), "from"),
        ("/api/agents?to=2026-11-01&from=2026-11-02".into(), "from"),
        ("/api/agents?sort=cost".into(), "sort"),
        // agent detail
        ("/api/agents/matchmaker?from=bad".into(), "from"),
        ("/api/agents/matchmaker?format=csv".into(), "format"),
        (format!("/api/agents/{}", long(201)), "name"),
        // models
        ("/api/models?to=bad".into(), "to"),
        ("/api/models?from=2026-11-05&to=2026-11-04".into(), "from"),
        ("/api/models?agent=judge".into(), "agent"),
        ("/api/models?format=xml".into(), "format"),
        ("/api/models/daily?from=bad".into(), "from"),
        (
            "/api/models/daily?from=1970-01-01&to=9999-01-01".into(),
            "to",
        ),
        ("/api/models/daily?format=csv".into(), "format"),
        // errors list
        ("/api/errors?groupBy=agents".into(), "groupBy"),
        ("/api/errors?sort=count;DROP%20TABLE%20x".into(), "sort"),
        ("/api/errors?order=down".into(), "order"),
        ("/api/errors?limit=ten".into(), "limit"),
        ("/api/errors?offset=ten".into(), "offset"),
        ("/api/errors?offset=-5".into(), "offset"),
        (format!("/api/errors?q={}", long(201)), "q"),
        // sync status
        ("/api/sync/status?verbose=1".into(), "verbose"),
    ];
    for (path, parameter) in &cases {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["error"], "bad_request", "{path}: {body}");
        assert_eq!(body["parameter"], *parameter, "{path}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(parameter),
            "{path}: the message should name {parameter}: {body}"
        );
    }
    let response = app
        .client
        .post(format!("{}/api/sync/trigger?now=1", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_ids_and_names_get_404_naming_the_parameter() {
    let world = synced_world(300).await;
    let cases = [
        ("/api/sessions/no-such-session", "id"),
        ("/api/sessions/'%3B%20DROP%20TABLE%20sessions%3B--", "id"),
        ("/api/traces/no-such-trace", "id"),
        ("/api/traces/1%20OR%201%3D1", "id"),
        ("/api/agents/nobody", "name"),
        ("/api/agents/'%20OR%20'1'%3D'1", "name"),
        ("/api/agents/*", "name"),
    ];
    for (path, parameter) in cases {
        let (status, body) = world.app.get_json(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["error"], "not_found");
        assert_eq!(body["parameter"], parameter, "{path}");
    }
    let (status, body) = world.app.get_json("/api/no-such-route").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    // Nothing was dropped.
    let sessions = world.app.ok_json("/api/sessions").await;
    assert_eq!(int(&sessions, "total") as u64, world.truth.overall.sessions);
}

#[tokio::test]
async fn sql_looking_filter_values_are_matched_as_plain_text() {
    let world = synced_world(300).await;
    for query in [
        "q=%25'%20OR%201%3D1%20--",
        "q=%25",
        "q=_",
        "agent='%20OR%20'1'%3D'1",
        "user=x'%20OR%20user_id%20IS%20NOT%20NULL%20--",
    ] {
        let page = world.app.ok_json(&format!("/api/sessions?{query}")).await;
        assert_eq!(int(&page, "total"), 0, "{query}: {page}");
    }
    let daily = world
        .app
        .ok_json("/api/metrics/daily?agent=x'%20OR%201%3D1--")
        .await;
    for point in daily["items"].as_array().unwrap() {
        assert_eq!(int(point, "observations"), 0, "{point}");
    }
}
