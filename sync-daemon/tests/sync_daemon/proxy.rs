//! A proxy in front of the Langfuse double that watches one endpoint: it
//! records the pages it passes on, and can fail one request, stall one, or
//! hold the database's write lock across a few, so that tests can put the
//! daemon in a chosen state between a fetch and a store.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use rusqlite::Connection;
use serde_json::Value;
use sync_daemon::configuration::Settings;
use sync_daemon::startup::Application;

use crate::helpers::{environment, fast_retry, reader};

/// One page of the watched endpoint the proxy passed on.
#[derive(Debug, Clone)]
pub struct ServedPage {
    pub cursor_asked: Option<String>,
    pub ids: Vec<String>,
    pub next_cursor: Option<String>,
}

/// Passes every request on to the double, watching one endpoint: its
/// request number `fail_at` (from 0) is answered 400 (not retried), its
/// request number `stall_at` is held for a minute before it is passed on
/// (long enough for a test to drop the daemon meanwhile), and with
/// `hold_lock` the database's write lock is taken at request number
/// `from` and let go at request `until`, so that the daemon's store waits
/// while it fetches ahead.
pub struct FaultyProxy {
    pub upstream: String,
    pub http: reqwest::Client,
    pub watched: &'static str,
    pub fail_at: Option<usize>,
    pub stall_at: Option<usize>,
    pub hold_lock: Option<HeldLock>,
    pub requests: AtomicUsize,
    pub served: Mutex<Vec<ServedPage>>,
    /// `data_version` when the watched endpoint was first asked.
    pub data_version_at_first_request: Mutex<Option<i64>>,
    /// `data_version` when another endpoint was first asked after it: the
    /// watched source's last page is stored by then.
    pub data_version_when_it_was_done: Mutex<Option<i64>>,
}

pub struct HeldLock {
    pub database: PathBuf,
    pub from: usize,
    pub until: usize,
    pub holder: Mutex<Option<Connection>>,
}

impl FaultyProxy {
    pub fn watching(upstream: String, watched: &'static str) -> FaultyProxy {
        FaultyProxy {
            upstream,
            http: reqwest::Client::new(),
            watched,
            fail_at: None,
            stall_at: None,
            hold_lock: None,
            requests: AtomicUsize::new(0),
            served: Mutex::new(Vec::new()),
            data_version_at_first_request: Mutex::new(None),
            data_version_when_it_was_done: Mutex::new(None),
        }
    }

    pub fn served(&self) -> Vec<ServedPage> {
        self.served.lock().unwrap().clone()
    }
}

pub fn data_version(database: &std::path::Path) -> i64 {
    reader(database)
        .query_row("SELECT data_version FROM sync_metadata", [], |row| {
            row.get(0)
        })
        .unwrap()
}

async fn pass_on(request: HttpRequest, proxy: web::Data<FaultyProxy>) -> HttpResponse {
    let watched = request.path() == proxy.watched;
    let number = watched.then(|| proxy.requests.fetch_add(1, Ordering::SeqCst));
    if let Some(lock) = &proxy.hold_lock {
        match number {
            Some(number) => {
                if number == 0 {
                    *proxy.data_version_at_first_request.lock().unwrap() =
                        Some(data_version(&lock.database));
                }
                if number == lock.from {
                    let holder = Connection::open(&lock.database).unwrap();
                    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
                    *lock.holder.lock().unwrap() = Some(holder);
                }
                if number == lock.until {
                    let holder = lock.holder.lock().unwrap().take().unwrap();
                    holder.execute_batch("ROLLBACK").unwrap();
                }
            }
            None if proxy.requests.load(Ordering::SeqCst) > 0 => {
                proxy
                    .data_version_when_it_was_done
                    .lock()
                    .unwrap()
                    .get_or_insert_with(|| data_version(&lock.database));
            }
            None => {}
        }
    }
    if number.is_some() && number == proxy.stall_at {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
    if number.is_some() && number == proxy.fail_at {
        return HttpResponse::BadRequest()
            .content_type("application/json")
            .body(r#"{"message":"injected failure of a page fetched ahead"}"#);
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
    if watched && status == 200 {
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

/// Serves `proxy` on a free port: its URL and a handle that stops it.
pub fn spawn_proxy(proxy: web::Data<FaultyProxy>) -> (String, actix_web::dev::ServerHandle) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(proxy.clone())
            .default_service(web::to(pass_on))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (url, handle)
}

/// A daemon syncing `mock` through the proxy at `proxy_url`, with pages of
/// `page_size` rows.
pub async fn daemon_behind(
    mock: &langfuse_mock::MockHandle,
    database: &std::path::Path,
    proxy_url: &str,
    page_size: &str,
) -> Application {
    let mut settings = Settings::load_from(
        None,
        environment(
            mock,
            database,
            &[("LANGFUSE_HOST", proxy_url), ("CUPID_PAGE_SIZE", page_size)],
        ),
    )
    .unwrap();
    settings.retry = fast_retry();
    Application::build(settings).await.unwrap()
}

/// The stored ids of `table` and the stored cursor and page of `source`.
pub fn stored_rows_and_cursor(
    database: &std::path::Path,
    table: &str,
    source: &str,
) -> (BTreeSet<String>, Option<String>, Option<i64>) {
    let db = reader(database);
    let ids = db
        .prepare(&format!("SELECT id FROM {table}"))
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let (cursor, page) = db
        .query_row(
            "SELECT cursor, page FROM sync_cursors WHERE source = ?1",
            [source],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    (ids, cursor, page)
}

/// The next cycle asked for the page after the stored cursor first, and no
/// page was asked for twice.
pub fn assert_resumed_at(served: &[ServedPage], stored_pages: usize, cursor: &Option<String>) {
    assert_eq!(
        &served[stored_pages].cursor_asked, cursor,
        "the next cycle resumes at the stored cursor"
    );
    let asked: Vec<&Option<String>> = served.iter().map(|p| &p.cursor_asked).collect();
    let distinct: BTreeSet<&Option<String>> = asked.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        asked.len(),
        "no page is fetched twice: {asked:?}"
    );
}
