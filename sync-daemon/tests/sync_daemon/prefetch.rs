//! The daemon fetches page N+1 while it stores page N. A fetch that fails
//! then must leave the database exactly at the end of page N: its rows and
//! the cursor after it, nothing of page N+1, and a next cycle that resumes
//! there without a gap or a page fetched twice.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::Value;
use sync_daemon::configuration::Settings;
use sync_daemon::startup::Application;
use sync_daemon::sync::engine::CycleOutcome;

use crate::helpers::{
    V2, assert_matches_ground_truth, environment, fast_retry, mock_config, reader,
};

/// One v2 observations page the proxy passed on.
#[derive(Debug, Clone)]
struct ServedPage {
    cursor_asked: Option<String>,
    ids: Vec<String>,
    next_cursor: Option<String>,
}

/// Passes every request on to the double, except the v2 observations
/// request number `fail_at` (from 0), which it answers 400 (not retried).
struct FaultyProxy {
    upstream: String,
    http: reqwest::Client,
    fail_at: usize,
    v2_requests: AtomicUsize,
    served: Mutex<Vec<ServedPage>>,
}

async fn pass_on(request: HttpRequest, proxy: web::Data<FaultyProxy>) -> HttpResponse {
    let is_v2 = request.path() == V2;
    if is_v2 && proxy.v2_requests.fetch_add(1, Ordering::SeqCst) == proxy.fail_at {
        return HttpResponse::BadRequest()
            .content_type("application/json")
            .body(r#"{"message":"injected failure of the prefetched page"}"#);
    }
    let mut upstream = proxy
        .http
        .get(format!("{}{}", proxy.upstream, request.uri()));
    if let Some(authorization) = request.headers().get("authorization") {
        upstream = upstream.header("authorization", authorization.to_str().unwrap());
    }
    let response = upstream.send().await.expect("the double answers");
    let status = response.status().as_u16();
    let body = response.bytes().await.expect("the double's body arrives");
    if is_v2 && status == 200 {
        let page: Value = serde_json::from_slice(&body).unwrap();
        let query = web::Query::<std::collections::HashMap<String, String>>::from_query(
            request.query_string(),
        )
        .unwrap();
        proxy.served.lock().unwrap().push(ServedPage {
            cursor_asked: query.get("cursor").cloned(),
            ids: page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| row["id"].as_str().unwrap().to_string())
                .collect(),
            next_cursor: page["meta"]["cursor"].as_str().map(str::to_string),
        });
    }
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .content_type("application/json")
        .body(body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_prefetch_leaves_rows_and_cursor_at_the_stored_page_and_the_next_cycle_resumes_there()
 {
    let mock = langfuse_mock::spawn(mock_config(1_500)).await.unwrap();
    let pages_stored_before_the_failure = 3;
    let proxy = web::Data::new(FaultyProxy {
        upstream: mock.base_url(),
        http: reqwest::Client::new(),
        fail_at: pages_stored_before_the_failure,
        v2_requests: AtomicUsize::new(0),
        served: Mutex::new(Vec::new()),
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new({
        let proxy = proxy.clone();
        move || {
            App::new()
                .app_data(proxy.clone())
                .default_service(web::to(pass_on))
        }
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let server_handle = server.handle();
    tokio::spawn(server);
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("cupid.db");
    let mut settings = Settings::load_from(
        None,
        environment(&mock, &database, &[("LANGFUSE_HOST", proxy_url.as_str())]),
    )
    .unwrap();
    settings.retry = fast_retry();
    let mut app = Application::build(settings).await.unwrap();

    let outcome = app.try_sync_once().await.unwrap();

    let CycleOutcome::Failed { message } = outcome else {
        panic!("the injected failure fails the cycle, got {outcome:?}");
    };
    assert!(message.contains("injected failure"), "{message}");
    let served = proxy.served.lock().unwrap().clone();
    assert_eq!(served.len(), pages_stored_before_the_failure);
    let served_ids: BTreeSet<String> = served.iter().flat_map(|p| p.ids.clone()).collect();
    let (stored_ids, cursor, page): (BTreeSet<String>, Option<String>, Option<i64>) = {
        let db = reader(&database);
        let ids = db
            .prepare("SELECT id FROM observations")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let (cursor, page) = db
            .query_row(
                "SELECT cursor, page FROM sync_cursors WHERE source = 'observations'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        (ids, cursor, page)
    };
    assert_eq!(
        stored_ids, served_ids,
        "the stored rows are exactly those of the pages before the failed one"
    );
    assert_eq!(
        cursor,
        served[pages_stored_before_the_failure - 1].next_cursor,
        "the stored cursor is the one after the last stored page"
    );
    assert_eq!(page, Some(pages_stored_before_the_failure as i64));

    let outcome = app.try_sync_once().await.unwrap();

    assert!(outcome.is_success(), "{outcome:?}");
    let served = proxy.served.lock().unwrap().clone();
    assert_eq!(
        served[pages_stored_before_the_failure].cursor_asked, cursor,
        "the next cycle resumes at the stored cursor"
    );
    let asked: Vec<&Option<String>> = served.iter().map(|p| &p.cursor_asked).collect();
    let distinct: BTreeSet<&Option<String>> = asked.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        asked.len(),
        "no page is fetched twice: {asked:?}"
    );
    assert_matches_ground_truth(&database, &mock);
    server_handle.stop(true).await;
}
