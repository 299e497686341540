//! What the daemon records for readers beyond the data: its schedule, the
//! Langfuse host and project (for links), and each score's session, trace
//! and observation.

use std::collections::BTreeMap;

use langfuse_mock::MockConfig;
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

fn langfuse_recorded(database: &std::path::Path) -> (Option<String>, Option<String>) {
    reader(database)
        .query_row(
            "SELECT langfuse_host, langfuse_project_id FROM sync_metadata WHERE id = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap()
}

#[tokio::test]
async fn the_daemon_records_its_host_at_start_and_the_project_its_rows_name() {
    // (mode, v2 observations answer): v2 rows carry `projectId`; in legacy
    // mode only the traces' `htmlPath` names the project.
    for (mode, v2_enabled) in [("v2", true), ("legacy", false)] {
        let config = MockConfig {
            v2_enabled,
            ..mock_config(300)
        };
        let mut test = spawn_app_with(config, &[]).await;
        let host = test.mock.base_url();
        assert_eq!(
            langfuse_recorded(&test.database),
            (Some(host.clone()), None),
            "{mode}: the host at start, no project before a row names it"
        );
        let outcome = test.app.try_sync_once().await.expect("a cycle runs");
        assert!(outcome.is_success(), "{mode}: {outcome:?}");
        let project = test.mock.with_dataset(|dataset| dataset.project_id.clone());
        assert_eq!(
            langfuse_recorded(&test.database),
            (Some(host), Some(project)),
            "{mode}"
        );
    }
}

type Subject = (Option<String>, Option<String>, Option<String>);

#[tokio::test]
async fn scores_keep_the_session_trace_or_observation_their_subject_names_from_v3_and_v2() {
    for scores_v3 in [true, false] {
        let test = spawn_app_with(mock_config(800), &[]).await;
        test.mock.set_scores_v3_enabled(scores_v3);
        let mut test = test;
        let outcome = test.app.try_sync_once().await.expect("a cycle runs");
        assert!(outcome.is_success(), "{outcome:?}");
        // score id -> (session, trace, observation) as the double has them.
        let expected: BTreeMap<String, Subject> = test.mock.with_dataset(|dataset| {
            dataset
                .scores
                .iter()
                .map(|score| {
                    let target = match score.subject {
                        ScoreSubject::Session(s) => {
                            (Some(dataset.sessions[s as usize].id.clone()), None, None)
                        }
                        ScoreSubject::Trace(t) => {
                            (None, Some(dataset.traces[t as usize].id_string()), None)
                        }
                        ScoreSubject::Observation(o) => {
                            let observation = &dataset.observations[o as usize];
                            (
                                None,
                                Some(dataset.trace_of(observation).id_string()),
                                Some(observation.id_string()),
                            )
                        }
                    };
                    (score.id_string(), target)
                })
                .collect()
        });
        let stored: BTreeMap<String, Subject> = reader(&test.database)
            .prepare("SELECT id, session_id, trace_id, observation_id FROM scores")
            .unwrap()
            .query_map([], |row| {
                Ok((row.get(0)?, (row.get(1)?, row.get(2)?, row.get(3)?)))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(expected.values().any(|(session, _, _)| session.is_some()));
        assert!(
            expected
                .values()
                .any(|(_, _, observation)| observation.is_some())
        );
        assert_eq!(stored, expected, "scores v3 enabled: {scores_v3}");
        let mode: Option<String> = reader(&test.database)
            .query_row("SELECT scores_mode FROM sync_metadata", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(mode.as_deref(), Some(if scores_v3 { "v3" } else { "v2" }));
    }
}
