use std::path::{Path, PathBuf};

use api_server::configuration::Settings;
use api_server::db::database::StatementLog;
use api_server::startup::Application;
use langfuse_mock::{Dataset, DatasetSpec, GroundTruth, MockConfig, MockHandle};
use reqwest::StatusCode;
use serde_json::Value;
use tempfile::TempDir;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database_path: PathBuf,
}

impl TestApp {
    pub async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path_and_query))
            .send()
            .await
            .expect("the api-server answers")
    }

    /// GETs a path revalidating `etag` (`If-None-Match`).
    pub async fn get_if_none_match(&self, path_and_query: &str, etag: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path_and_query))
            .header(reqwest::header::IF_NONE_MATCH, etag)
            .send()
            .await
            .expect("the api-server answers")
    }

    pub async fn get_json(&self, path_and_query: &str) -> (StatusCode, Value) {
        let response = self.get(path_and_query).await;
        let status = response.status();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{path_and_query}: body is not JSON ({error}): {text}"));
        (status, body)
    }

    /// GETs a path that must answer 200 and returns the JSON body.
    pub async fn ok_json(&self, path_and_query: &str) -> Value {
        let (status, body) = self.get_json(path_and_query).await;
        assert_eq!(status, StatusCode::OK, "{path_and_query}: {body}");
        body
    }
}

/// Starts the api-server on a random port for `database_path`, whose sync
/// daemon control endpoint is `sync_control_url`.
pub async fn spawn_app_for(database_path: &Path, sync_control_url: &str) -> TestApp {
    let mut settings = Settings::for_database(database_path.to_path_buf());
    settings.sync_control_url = sync_control_url.to_string();
    spawn_app_with(settings).await
}

/// Starts the api-server on a random port with `settings`.
pub async fn spawn_app_with(settings: Settings) -> TestApp {
    let database_path = settings.database_path.clone();
    let application = Application::build(settings).expect("the api-server starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        database_path,
    }
}

/// An api-server over a database that does not exist yet; the directory
/// lives as long as the returned guard.
pub async fn spawn_app() -> (TestApp, TempDir) {
    let directory = TempDir::new().unwrap();
    let app = spawn_app_for(&directory.path().join("cupid.db"), "http://127.0.0.1:9").await;
    (app, directory)
}

/// Nov 20 2026 15:30 UTC: not midnight, so ranges have ragged edges.
pub const DATA_END_MS: i64 = 1_793_491_200_000 + 19 * 86_400_000 + 55_800_000;
pub const DATA_DAYS: u32 = 6;

pub fn dataset_spec(observations: usize) -> DatasetSpec {
    DatasetSpec {
        seed: 11,
        observations,
        days: DATA_DAYS,
        end_ms: DATA_END_MS,
        pending_share: 0.0,
    }
}

pub fn daemon_settings(
    mock: &MockHandle,
    database_path: &Path,
) -> sync_daemon::configuration::Settings {
    let environment = [
        ("LANGFUSE_PUBLIC_KEY", "pk-lf-demo".to_string()),
        ("LANGFUSE_SECRET_KEY", "sk-lf-demo".to_string()),
        ("LANGFUSE_HOST", mock.base_url()),
        ("CUPID_DATABASE_PATH", database_path.display().to_string()),
        ("CUPID_QUOTA_PER_MINUTE", "0".to_string()),
        ("CUPID_CONTROL_PORT", "0".to_string()),
        ("CUPID_BACKFILL_SINCE", "2026-11-01".to_string()),
        // Late data in these tests is days old; re-read it all each cycle.
        ("CUPID_LOOKBACK_SECS", "2592000".to_string()),
    ];
    sync_daemon::configuration::Settings::load_from(
        None,
        environment.map(|(name, value)| (name.to_string(), value)),
    )
    .expect("valid daemon settings")
}

/// The double, a database synced from it by the real daemon, and an
/// api-server reading it.
pub struct SyncedWorld {
    pub app: TestApp,
    pub mock: MockHandle,
    pub daemon: sync_daemon::startup::Application,
    pub dataset: Dataset,
    pub truth: GroundTruth,
    /// Every SQL statement the api-server has run so far.
    pub statements: StatementLog,
    _directory: TempDir,
}

pub async fn synced_world(observations: usize) -> SyncedWorld {
    synced_world_with(observations, |_| {}).await
}

/// The same data synced once from a Cloud-like double (v2 observations,
/// v3 scores) and once from a self-hosted Langfuse v3 before scores v3
/// (legacy observations, page-based v2 scores).
pub async fn score_worlds(observations: usize) -> [SyncedWorld; 2] {
    [
        synced_world(observations).await,
        synced_world_with(observations, |config| {
            config.v2_enabled = false;
            config.scores_v3_enabled = false;
        })
        .await,
    ]
}

pub async fn synced_world_with(
    observations: usize,
    configure: impl FnOnce(&mut MockConfig),
) -> SyncedWorld {
    let spec = dataset_spec(observations);
    let mut config = MockConfig {
        dataset: spec.clone(),
        ..MockConfig::default()
    };
    configure(&mut config);
    let mock = langfuse_mock::spawn(config)
        .await
        .expect("the double starts");
    let directory = TempDir::new().unwrap();
    let database_path = directory.path().join("cupid.db");
    let mut daemon =
        sync_daemon::startup::Application::build(daemon_settings(&mock, &database_path))
            .await
            .expect("the daemon starts");
    let outcome = daemon.try_sync_once().await.expect("a sync cycle runs");
    assert!(outcome.is_success(), "sync failed: {outcome:?}");
    let statements = StatementLog::default();
    let mut settings = Settings::for_database(database_path);
    settings.sync_control_url = format!("http://127.0.0.1:{}", daemon.port());
    settings.statement_log = Some(statements.clone());
    let app = spawn_app_with(settings).await;
    SyncedWorld {
        app,
        statements,
        truth: mock.ground_truth(),
        dataset: langfuse_mock::generate(&spec),
        mock,
        daemon,
        _directory: directory,
    }
}

/// USD figures are sums of whole nano-dollars; compare at that grain.
pub fn assert_usd(actual: &Value, expected_nanousd: i64, what: &str) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual} is not a number"));
    assert_eq!(
        (actual * 1e9).round() as i64,
        expected_nanousd,
        "{what}: {actual} USD"
    );
}

pub fn int(value: &Value, field: &str) -> i64 {
    value[field]
        .as_i64()
        .unwrap_or_else(|| panic!("{field} is not an integer in {value}"))
}
