//! What the daemon records for readers beyond the data: its schedule, and
//! each score's session, trace and observation.

use std::collections::BTreeMap;

use langfuse_mock::dataset::ScoreSubject;

use crate::helpers::{mock_config, reader, spawn_app_with};

#[tokio::test]
async fn the_daemon_records_its_quota_and_interval_for_readers() {
    for (quota, interval, expected_quota) in [("45", "120", 45), ("0", "900", 0)] {
        let test = spawn_app_with(
            mock_config(50),
            &[
                ("CUPID_QUOTA_PER_MINUTE", quota),
                ("CUPID_SYNC_INTERVAL_SECS", interval),
            ],
        )
        .await;
        let recorded: (i64, i64) = reader(&test.database)
            .query_row(
                "SELECT quota_per_minute, sync_interval_secs FROM sync_metadata WHERE id = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(recorded, (expected_quota, interval.parse().unwrap()));
    }
}

#[tokio::test]
async fn scores_keep_the_session_or_trace_their_subject_names() {
    let mut test = spawn_app_with(mock_config(800), &[]).await;
    let outcome = test.app.try_sync_once().await.expect("a cycle runs");
    assert!(outcome.is_success(), "{outcome:?}");
    // score id -> (session id, trace id) as the double's data model has them.
    let expected: BTreeMap<String, (Option<String>, Option<String>)> =
        test.mock.with_dataset(|dataset| {
            dataset
                .scores
                .iter()
                .map(|score| {
                    let target = match score.subject {
                        ScoreSubject::Session(s) => {
                            (Some(dataset.sessions[s as usize].id.clone()), None)
                        }
                        ScoreSubject::Trace(t) => {
                            (None, Some(dataset.traces[t as usize].id_string()))
                        }
                    };
                    (score.id_string(), target)
                })
                .collect()
        });
    let stored: BTreeMap<String, (Option<String>, Option<String>)> = reader(&test.database)
        .prepare("SELECT id, session_id, trace_id FROM scores")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, (row.get(1)?, row.get(2)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(expected.values().any(|(session, _)| session.is_some()));
    assert!(expected.values().any(|(_, trace)| trace.is_some()));
    assert_eq!(stored, expected);
}
