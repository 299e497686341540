//! The daemon fetches the next page while it stores this one. A fetch that
//! fails then must leave the database exactly at the end of the stored
//! pages: their rows and the cursor after them, nothing of the failed page,
//! and a next cycle that resumes there without a gap or a page fetched
//! twice. Pages fetched while a store is still running share the next
//! transaction, up to their source's most.

use std::collections::BTreeSet;
use std::sync::Mutex;

use actix_web::web;
use sync_daemon::sync::engine::{
    CycleOutcome, OBSERVATION_PAGES_PER_TRANSACTION, SCORE_PAGES_PER_TRANSACTION,
};

use crate::helpers::{SCORES, V2, assert_matches_ground_truth, mock_config};
use crate::proxy::{
    FaultyProxy, HeldLock, assert_resumed_at, daemon_behind, data_version, spawn_proxy,
    stored_rows_and_cursor,
};

/// The cycle failed on the injected failure, with every page the proxy
/// served before it stored (rows of `table`, cursor of `source`) and the
/// cursor after the last of them saved: that cursor.
fn assert_stored_up_to_the_failure(
    outcome: CycleOutcome,
    proxy: &FaultyProxy,
    database: &std::path::Path,
    (table, source): (&str, &str),
    pages_served: usize,
) -> Option<String> {
    let CycleOutcome::Failed { message } = outcome else {
        panic!("the injected failure fails the cycle, got {outcome:?}");
    };
    assert!(message.contains("injected failure"), "{message}");
    let served = proxy.served();
    assert_eq!(served.len(), pages_served);
    let served_ids: BTreeSet<String> = served.iter().flat_map(|p| p.ids.clone()).collect();
    let (stored_ids, cursor, page) = stored_rows_and_cursor(database, table, source);
    assert_eq!(
        stored_ids, served_ids,
        "the stored rows are exactly those of the pages served before the failed one"
    );
    assert_eq!(
        cursor,
        served[pages_served - 1].next_cursor,
        "the stored cursor is the one after the last page served"
    );
    assert_eq!(page, Some(pages_served as i64));
    cursor
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_prefetch_leaves_rows_and_cursor_at_the_stored_page_and_the_next_cycle_resumes_there()
 {
    let mock = langfuse_mock::spawn(mock_config(1_500)).await.unwrap();
    let pages_stored_before_the_failure = 3;
    let proxy = web::Data::new(FaultyProxy {
        fail_at: Some(pages_stored_before_the_failure),
        ..FaultyProxy::watching(mock.base_url(), V2)
    });
    let (proxy_url, proxy_handle) = spawn_proxy(proxy.clone());
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("cupid.db");
    let mut app = daemon_behind(&mock, &database, &proxy_url, "100").await;

    let outcome = app.try_sync_once().await.unwrap();

    let cursor = assert_stored_up_to_the_failure(
        outcome,
        &proxy,
        &database,
        ("observations", "observations"),
        pages_stored_before_the_failure,
    );

    let outcome = app.try_sync_once().await.unwrap();

    assert!(outcome.is_success(), "{outcome:?}");
    assert_resumed_at(&proxy.served(), pages_stored_before_the_failure, &cursor);
    assert_matches_ground_truth(&database, &mock);
    proxy_handle.stop(true).await;
}

/// A source whose pages share a transaction when fetched while the store
/// is busy: its endpoint, table, cursor, most pages to a transaction, and
/// the page size that gives the test's dataset enough pages.
struct JoinedPages {
    endpoint: &'static str,
    table: &'static str,
    source: &'static str,
    most: usize,
    page_size: &'static str,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_fetched_while_a_store_waits_share_its_next_transaction_up_to_their_sources_most() {
    let cases = [
        JoinedPages {
            endpoint: V2,
            table: "observations",
            source: "observations",
            most: OBSERVATION_PAGES_PER_TRANSACTION,
            page_size: "100",
        },
        JoinedPages {
            endpoint: SCORES,
            table: "scores",
            source: "scores",
            most: SCORE_PAGES_PER_TRANSACTION,
            page_size: "10",
        },
    ];
    let mock = langfuse_mock::spawn(mock_config(1_500)).await.unwrap();
    for case in cases {
        let JoinedPages {
            endpoint,
            table,
            source,
            most,
            page_size,
        } = case;
        let directory = tempfile::tempdir().unwrap();
        let database = directory.path().join("cupid.db");
        // The first page's store waits for the write lock until page
        // `most + 1` is asked for: pages two to `most + 1` are fetched
        // meanwhile.
        let proxy = web::Data::new(FaultyProxy {
            hold_lock: Some(HeldLock {
                database: database.clone(),
                from: 0,
                until: most,
                holder: Mutex::new(None),
            }),
            ..FaultyProxy::watching(mock.base_url(), endpoint)
        });
        let (proxy_url, proxy_handle) = spawn_proxy(proxy.clone());
        let mut app = daemon_behind(&mock, &database, &proxy_url, page_size).await;

        let outcome = app.try_sync_once().await.unwrap();

        assert!(outcome.is_success(), "{table}: {outcome:?}");
        let pages = proxy.served().len();
        assert!(
            pages >= 2 * most,
            "the dataset has enough {table} pages: {pages}"
        );
        let before = proxy.data_version_at_first_request.lock().unwrap().unwrap();
        let after = proxy
            .data_version_when_it_was_done
            .lock()
            .unwrap()
            .unwrap_or_else(|| data_version(&database));
        let transactions = (after - before) as usize;
        // Page one alone, pages two to `most + 1` together, and the rest one
        // to `most` a transaction, as the store and the fetches race.
        assert!(
            transactions <= pages - (most - 1),
            "{pages} {table} pages in {transactions} transactions"
        );
        assert!(
            transactions >= 2 + (pages - (most + 1)).div_ceil(most),
            "{pages} {table} pages in {transactions} transactions: more than {most} in one"
        );
        let served_ids: BTreeSet<String> =
            proxy.served().iter().flat_map(|p| p.ids.clone()).collect();
        let (stored_ids, _, _) = stored_rows_and_cursor(&database, table, source);
        assert_eq!(stored_ids, served_ids, "{table}");
        assert_matches_ground_truth(&database, &mock);
        proxy_handle.stop(true).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn score_pages_fetched_ahead_of_a_failed_fetch_are_stored_and_the_next_cycle_resumes_after_them()
 {
    let mock = langfuse_mock::spawn(mock_config(1_500)).await.unwrap();
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("cupid.db");
    // The first page's store waits while pages two and three are fetched;
    // the fourth fails.
    let pages_stored_before_the_failure = 3;
    let proxy = web::Data::new(FaultyProxy {
        fail_at: Some(pages_stored_before_the_failure),
        hold_lock: Some(HeldLock {
            database: database.clone(),
            from: 0,
            until: pages_stored_before_the_failure,
            holder: Mutex::new(None),
        }),
        ..FaultyProxy::watching(mock.base_url(), SCORES)
    });
    let (proxy_url, proxy_handle) = spawn_proxy(proxy.clone());
    let mut app = daemon_behind(&mock, &database, &proxy_url, "20").await;

    let outcome = app.try_sync_once().await.unwrap();

    let cursor = assert_stored_up_to_the_failure(
        outcome,
        &proxy,
        &database,
        ("scores", "scores"),
        pages_stored_before_the_failure,
    );

    let outcome = app.try_sync_once().await.unwrap();

    assert!(outcome.is_success(), "{outcome:?}");
    assert_resumed_at(&proxy.served(), pages_stored_before_the_failure, &cursor);
    assert_matches_ground_truth(&database, &mock);
    proxy_handle.stop(true).await;
}
