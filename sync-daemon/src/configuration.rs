//! Settings: built-in defaults < optional TOML file (`--config PATH`) <
//! environment. The environment uses the names Langfuse users already have
//! (`LANGFUSE_*`) and `CUPID_*` for everything else; a file uses the same
//! names in lower case without the prefix for `CUPID_*` ones, e.g.
//! `database_path = "..."`, `langfuse_host = "..."`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use secrecy::SecretString;

use crate::alerts::AlertRule;
use crate::alerts::notify::DeliveryPolicy;
use crate::alerts::rules::{RawRule, parse_rules};

pub const DEFAULT_LANGFUSE_HOST: &str = "https://us.cloud.langfuse.com";

/// Every setting: its key in a file, its environment name and its default.
/// `README.md` documents the same table.
pub const SETTINGS: &[(&str, &str, Option<&str>)] = &[
    ("langfuse_public_key", "LANGFUSE_PUBLIC_KEY", None),
    ("langfuse_secret_key", "LANGFUSE_SECRET_KEY", None),
    (
        "langfuse_host",
        "LANGFUSE_HOST",
        Some(DEFAULT_LANGFUSE_HOST),
    ),
    (
        "database_path",
        "CUPID_DATABASE_PATH",
        Some("./data/cupid.db"),
    ),
    (
        "sync_interval_secs",
        "CUPID_SYNC_INTERVAL_SECS",
        Some("300"),
    ),
    ("quota_per_minute", "CUPID_QUOTA_PER_MINUTE", Some("30")),
    ("lookback_secs", "CUPID_LOOKBACK_SECS", Some("3600")),
    ("page_size", "CUPID_PAGE_SIZE", Some("1000")),
    ("backfill_since", "CUPID_BACKFILL_SINCE", Some("30d")),
    ("control_host", "CUPID_CONTROL_HOST", Some("127.0.0.1")),
    ("control_port", "CUPID_CONTROL_PORT", Some("8081")),
    (
        "agent_metadata_key",
        "CUPID_AGENT_METADATA_KEY",
        Some("agent"),
    ),
    (
        "request_timeout_secs",
        "CUPID_REQUEST_TIMEOUT_SECS",
        Some("30"),
    ),
    ("log_format", "CUPID_LOG_FORMAT", Some("pretty")),
    ("checkpoint_mode", "CUPID_CHECKPOINT_MODE", Some("self")),
    // Replaces every alert rule's webhook_url (keeps the secret out of the file).
    ("alert_webhook_url", "CUPID_ALERT_WEBHOOK_URL", None),
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigurationError {
    #[error("missing setting {name}: {hint}")]
    Missing {
        name: &'static str,
        hint: &'static str,
    },
    #[error("invalid setting {name}={value:?}: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error("could not read configuration file {path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error(transparent)]
    Alert(#[from] crate::alerts::rules::RuleError),
}

pub use cupid_telemetry::LogFormat;

/// Who checkpoints the WAL into the database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointMode {
    /// `self`: the daemon checkpoints (a background thread, plus the
    /// writer's automatic checkpoint as a backstop).
    Daemon,
    /// `litestream`: Litestream replicates the WAL and is the only one to
    /// checkpoint it; the daemon never does (ARCHITECTURE.md, "Backups").
    Litestream,
}

impl CheckpointMode {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "self" => Ok(CheckpointMode::Daemon),
            "litestream" => Ok(CheckpointMode::Litestream),
            _ => Err(
                "expected self (the daemon checkpoints) or litestream (Litestream replicates \
                      and checkpoints the WAL)"
                    .into(),
            ),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CheckpointMode::Daemon => "self",
            CheckpointMode::Litestream => "litestream",
        }
    }
}

/// Where the first backfill starts: a span back from now, or a fixed time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackfillStart {
    Ago(Duration),
    At(i64),
}

impl BackfillStart {
    pub fn resolve(self, now_ms: i64) -> i64 {
        match self {
            BackfillStart::Ago(span) => now_ms - span.as_millis() as i64,
            BackfillStart::At(ms) => ms,
        }
    }

    /// `30d`, `12h`, `90m`, `3600s`, `2w`, or a date (`2026-11-01`) or an
    /// RFC 3339 time.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(BackfillStart::At(shared_schema::units::day_start_ms(date)));
        }
        if let Ok(time) = DateTime::parse_from_rfc3339(text) {
            return Ok(BackfillStart::At(
                time.with_timezone(&Utc).timestamp_millis(),
            ));
        }
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| "a span needs a unit: s, m, h, d or w (e.g. 30d)".to_string())?;
        let (number, unit) = text.split_at(split);
        let number: u64 = number
            .parse()
            .map_err(|_| "expected a span such as 30d or a date such as 2026-11-01".to_string())?;
        let seconds_per_unit = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            "w" => 604_800,
            other => return Err(format!("unknown unit {other:?}; use s, m, h, d or w")),
        };
        Ok(BackfillStart::Ago(Duration::from_secs(
            number.saturating_mul(seconds_per_unit),
        )))
    }
}

#[derive(Debug, Clone)]
pub struct LangfuseSettings {
    pub public_key: String,
    /// Never printed: `SecretString`'s Debug redacts it.
    pub secret_key: SecretString,
    pub host: String,
    pub request_timeout: Duration,
}

impl LangfuseSettings {
    /// The host as a base for links to Langfuse's UI: scheme, host, port
    /// and path, without a trailing slash; user info, query and fragment
    /// are dropped so that no credential written into the URL is shared.
    pub fn ui_base_url(&self) -> String {
        match reqwest::Url::parse(&self.host) {
            Ok(mut url) => {
                // Cannot fail for the http(s) URLs the settings accept.
                let _ = url.set_username("");
                let _ = url.set_password(None);
                url.set_query(None);
                url.set_fragment(None);
                url.as_str().trim_end_matches('/').to_string()
            }
            Err(_) => String::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub langfuse: LangfuseSettings,
    pub database_path: PathBuf,
    pub sync_interval: Duration,
    /// None: no pacing at all (self-hosted without limits; benchmarks).
    pub quota_per_minute: Option<u32>,
    pub lookback: Duration,
    pub page_size: u32,
    pub backfill_since: BackfillStart,
    pub control_host: String,
    pub control_port: u16,
    pub agent_metadata_key: String,
    pub log_format: LogFormat,
    /// Who checkpoints the WAL: the daemon, or Litestream when it backs up.
    pub checkpoint_mode: CheckpointMode,
    /// Retry policy for transient failures (not a user setting; tests shorten it).
    pub retry: RetryPolicy,
    /// The `[[alerts]]` rules, checked.
    pub alerts: Vec<AlertRule>,
    /// How hard an alert message is tried (not a user setting; tests shorten it).
    pub alert_delivery: DeliveryPolicy,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub initial_interval: Duration,
    pub max_interval: Duration,
    /// Give up on one request after retrying this long.
    pub max_elapsed: Duration,
    /// The longest Retry-After the daemon waits out inside a cycle; a longer
    /// one ends the cycle as rate_limited.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_interval: Duration::from_millis(500),
            max_interval: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(300),
            max_rate_limit_wait: Duration::from_secs(120),
        }
    }
}

impl Settings {
    /// Reads the settings from `file` (if any) and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigurationError> {
        Self::load_from(file, std::env::vars())
    }

    /// Like `load`, with an explicit environment (tests).
    pub fn load_from(
        file: Option<&Path>,
        environment: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigurationError> {
        let environment: HashMap<String, String> = environment.into_iter().collect();
        let mut builder = config::Config::builder();
        for (key, _, default) in SETTINGS {
            if let Some(default) = default {
                builder = builder
                    .set_default(*key, *default)
                    .expect("defaults are strings");
            }
        }
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigurationError::File {
                    path: path.to_path_buf(),
                    reason: "no such file".into(),
                });
            }
            builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
        }
        // The older name of LANGFUSE_HOST, used when LANGFUSE_HOST is absent.
        if let Some(base_url) = environment.get("LANGFUSE_BASE_URL")
            && !environment.contains_key("LANGFUSE_HOST")
        {
            builder = builder
                .set_override("langfuse_host", base_url.as_str())
                .expect("string override");
        }
        for (key, name, _) in SETTINGS {
            if let Some(value) = environment.get(*name) {
                builder = builder
                    .set_override(*key, value.as_str())
                    .expect("string override");
            }
        }
        let config = builder.build().map_err(|error| ConfigurationError::File {
            path: file.map(Path::to_path_buf).unwrap_or_default(),
            reason: error.to_string(),
        })?;
        Reader { config }.settings()
    }
}

struct Reader {
    config: config::Config,
}

fn name_of(key: &str) -> &'static str {
    SETTINGS
        .iter()
        .find(|(candidate, _, _)| *candidate == key)
        .map(|(_, name, _)| *name)
        .expect("every key is in SETTINGS")
}

impl Reader {
    fn text(&self, key: &str) -> Result<Option<String>, ConfigurationError> {
        match self.config.get_string(key) {
            Ok(value) => Ok(Some(value.trim().to_string()).filter(|v| !v.is_empty())),
            Err(config::ConfigError::NotFound(_)) => Ok(None),
            Err(error) => Err(ConfigurationError::Invalid {
                name: name_of(key),
                value: String::new(),
                reason: error.to_string(),
            }),
        }
    }

    fn required(&self, key: &str, hint: &'static str) -> Result<String, ConfigurationError> {
        self.text(key)?.ok_or(ConfigurationError::Missing {
            name: name_of(key),
            hint,
        })
    }

    fn number<T: std::str::FromStr>(
        &self,
        key: &str,
        valid: impl Fn(&T) -> bool,
        expected: &str,
    ) -> Result<T, ConfigurationError> {
        let text = self.required(key, "it has a default; do not set it empty")?;
        text.parse::<T>()
            .ok()
            .filter(valid)
            .ok_or_else(|| ConfigurationError::Invalid {
                name: name_of(key),
                value: text,
                reason: format!("expected {expected}"),
            })
    }

    fn settings(&self) -> Result<Settings, ConfigurationError> {
        let public_key = self.required(
            "langfuse_public_key",
            "set it to your Langfuse project's public key (pk-lf-...)",
        )?;
        let secret_key = self.required(
            "langfuse_secret_key",
            "set it to your Langfuse project's secret key (sk-lf-...)",
        )?;
        let host = self.required("langfuse_host", "the Langfuse base URL")?;
        let parsed_host = reqwest::Url::parse(&host)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some());
        if parsed_host.is_none() {
            return Err(ConfigurationError::Invalid {
                name: "LANGFUSE_HOST",
                value: host,
                reason: "expected an http(s) URL such as https://cloud.langfuse.com".into(),
            });
        }
        let request_timeout_secs: u64 = self.number(
            "request_timeout_secs",
            |v| *v > 0,
            "a whole number of seconds > 0",
        )?;
        let quota: u32 = self.number(
            "quota_per_minute",
            |_| true,
            "a whole number of requests per minute (0 = no limit)",
        )?;
        let backfill_text = self.required("backfill_since", "e.g. 30d or 2026-11-01")?;
        let backfill_since =
            BackfillStart::parse(&backfill_text).map_err(|reason| ConfigurationError::Invalid {
                name: "CUPID_BACKFILL_SINCE",
                value: backfill_text.clone(),
                reason,
            })?;
        let log_format_text = self.required("log_format", "pretty or json")?;
        let log_format: LogFormat =
            log_format_text
                .parse()
                .map_err(|_| ConfigurationError::Invalid {
                    name: "CUPID_LOG_FORMAT",
                    value: log_format_text.clone(),
                    reason: "expected pretty or json".into(),
                })?;
        let checkpoint_text = self.required("checkpoint_mode", "self or litestream")?;
        let checkpoint_mode = CheckpointMode::parse(&checkpoint_text).map_err(|reason| {
            ConfigurationError::Invalid {
                name: "CUPID_CHECKPOINT_MODE",
                value: checkpoint_text.clone(),
                reason,
            }
        })?;
        Ok(Settings {
            langfuse: LangfuseSettings {
                public_key,
                secret_key: SecretString::from(secret_key),
                host: host.trim_end_matches('/').to_string(),
                request_timeout: Duration::from_secs(request_timeout_secs),
            },
            database_path: PathBuf::from(self.required("database_path", "a file path")?),
            sync_interval: Duration::from_secs(self.number(
                "sync_interval_secs",
                |v: &u64| *v > 0,
                "a whole number of seconds > 0",
            )?),
            quota_per_minute: Some(quota).filter(|q| *q > 0),
            lookback: Duration::from_secs(self.number(
                "lookback_secs",
                |_: &u64| true,
                "a whole number of seconds",
            )?),
            page_size: self.number(
                "page_size",
                |v: &u32| (1..=1000).contains(v),
                "a number of rows from 1 to 1000",
            )?,
            backfill_since,
            control_host: self.required("control_host", "an address to listen on")?,
            control_port: self.number("control_port", |_| true, "a port number 0..=65535")?,
            agent_metadata_key: self.required("agent_metadata_key", "a metadata key")?,
            log_format,
            checkpoint_mode,
            retry: RetryPolicy::default(),
            alerts: self.alert_rules()?,
            alert_delivery: DeliveryPolicy::default(),
        })
    }

    /// The `[[alerts]]` tables, each field as text so that every one is
    /// checked (and named) the same way.
    fn alert_rules(&self) -> Result<Vec<AlertRule>, ConfigurationError> {
        let tables = match self.config.get_array("alerts") {
            Ok(tables) => tables,
            Err(config::ConfigError::NotFound(_)) => Vec::new(),
            Err(error) => {
                return Err(ConfigurationError::Invalid {
                    name: "alerts",
                    value: String::new(),
                    reason: format!("expected [[alerts]] tables: {error}"),
                });
            }
        };
        let mut raw: Vec<RawRule> = Vec::with_capacity(tables.len());
        for (index, table) in tables.into_iter().enumerate() {
            let table = table
                .into_table()
                .map_err(|_| ConfigurationError::Invalid {
                    name: "alerts",
                    value: format!("#{}", index + 1),
                    reason: "each rule is a [[alerts]] table of fields".into(),
                })?;
            raw.push(
                table
                    .into_iter()
                    .map(|(key, value)| (key, value.into_string().ok()))
                    .collect(),
            );
        }
        let webhook = self.text("alert_webhook_url")?;
        Ok(parse_rules(raw, webhook.as_deref())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn environment(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut all = vec![
            ("LANGFUSE_PUBLIC_KEY".to_string(), "pk-lf-test".to_string()),
            ("LANGFUSE_SECRET_KEY".to_string(), "sk-lf-test".to_string()),
        ];
        all.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        all
    }

    #[test]
    fn defaults_apply_when_nothing_else_is_set() {
        let settings = Settings::load_from(None, environment(&[])).unwrap();
        assert_eq!(settings.langfuse.host, DEFAULT_LANGFUSE_HOST);
        assert_eq!(settings.database_path, PathBuf::from("./data/cupid.db"));
        assert_eq!(settings.sync_interval, Duration::from_secs(300));
        assert_eq!(settings.quota_per_minute, Some(30));
        assert_eq!(settings.lookback, Duration::from_secs(3600));
        assert_eq!(settings.page_size, 1000);
        assert_eq!(
            settings.backfill_since,
            BackfillStart::Ago(Duration::from_secs(30 * 86_400))
        );
        assert_eq!(settings.control_port, 8081);
        assert_eq!(settings.agent_metadata_key, "agent");
        assert_eq!(settings.log_format, LogFormat::Pretty);
        assert_eq!(settings.checkpoint_mode, CheckpointMode::Daemon);
        assert_eq!(settings.langfuse.secret_key.expose_secret(), "sk-lf-test");
    }

    #[test]
    fn environment_overrides_file_which_overrides_defaults() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("daemon.toml");
        std::fs::write(
            &path,
            "sync_interval_secs = 60\npage_size = 200\nlangfuse_host = \"http://file:1\"\n",
        )
        .unwrap();
        let settings =
            Settings::load_from(Some(&path), environment(&[("CUPID_PAGE_SIZE", "500")])).unwrap();
        assert_eq!(settings.sync_interval, Duration::from_secs(60));
        assert_eq!(settings.page_size, 500);
        assert_eq!(settings.langfuse.host, "http://file:1");
    }

    #[test]
    fn the_ui_base_url_keeps_the_address_and_drops_credentials() {
        let cases = [
            ("https://cloud.langfuse.com", "https://cloud.langfuse.com"),
            ("https://cloud.langfuse.com/", "https://cloud.langfuse.com"),
            ("http://127.0.0.1:3100", "http://127.0.0.1:3100"),
            (
                "https://lf.example.com/langfuse/",
                "https://lf.example.com/langfuse",
            ),
            (
                "https://pk:sk-lf-secret@lf.example.com/?token=x#y",
                "https://lf.example.com",
            ),
        ];
        for (host, expected) in cases {
            let settings =
                Settings::load_from(None, environment(&[("LANGFUSE_HOST", host)])).unwrap();
            assert_eq!(settings.langfuse.ui_base_url(), expected, "{host}");
        }
    }

    #[test]
    fn the_older_base_url_name_is_accepted_but_host_wins() {
        let base_only =
            Settings::load_from(None, environment(&[("LANGFUSE_BASE_URL", "http://old:1/")]))
                .unwrap();
        assert_eq!(base_only.langfuse.host, "http://old:1");
        let both = Settings::load_from(
            None,
            environment(&[
                ("LANGFUSE_BASE_URL", "http://old:1"),
                ("LANGFUSE_HOST", "http://new:2"),
            ]),
        )
        .unwrap();
        assert_eq!(both.langfuse.host, "http://new:2");
    }

    #[test]
    fn bad_settings_are_named_in_one_line() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("CUPID_SYNC_INTERVAL_SECS", "soon")],
                "CUPID_SYNC_INTERVAL_SECS",
            ),
            (&[("CUPID_PAGE_SIZE", "5000")], "CUPID_PAGE_SIZE"),
            (
                &[("CUPID_QUOTA_PER_MINUTE", "-1")],
                "CUPID_QUOTA_PER_MINUTE",
            ),
            (&[("CUPID_CONTROL_PORT", "70000")], "CUPID_CONTROL_PORT"),
            (
                &[("CUPID_BACKFILL_SINCE", "30 parsecs")],
                "CUPID_BACKFILL_SINCE",
            ),
            (&[("CUPID_LOG_FORMAT", "xml")], "CUPID_LOG_FORMAT"),
            (
                &[("CUPID_CHECKPOINT_MODE", "sometimes")],
                "CUPID_CHECKPOINT_MODE",
            ),
            (&[("LANGFUSE_HOST", "not a url")], "LANGFUSE_HOST"),
            (
                &[("CUPID_REQUEST_TIMEOUT_SECS", "0")],
                "CUPID_REQUEST_TIMEOUT_SECS",
            ),
        ];
        for (pairs, name) in cases {
            let error = Settings::load_from(None, environment(pairs)).unwrap_err();
            let message = error.to_string();
            assert!(message.contains(name), "{message} should name {name}");
            assert!(!message.contains('\n'), "{message}");
        }
    }

    #[test]
    fn a_missing_key_is_named_and_the_secret_never_printed() {
        let error = Settings::load_from(
            None,
            vec![(
                "LANGFUSE_SECRET_KEY".to_string(),
                "sk-lf-hidden".to_string(),
            )],
        )
        .unwrap_err();
        assert!(error.to_string().contains("LANGFUSE_PUBLIC_KEY"));
        let settings = Settings::load_from(None, environment(&[])).unwrap();
        assert!(!format!("{settings:?}").contains("sk-lf-test"));
    }

    #[test]
    fn alert_rules_come_from_the_file_and_their_webhook_from_the_environment() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("daemon.toml");
        std::fs::write(
            &path,
            r#"
[[alerts]]
name = "judge failing"
metric = "error_rate"
agent = "judge"
comparison = ">"
threshold = 0.25
window = "30m"

[[alerts]]
name = "spend"
metric = "cost_per_hour"
comparison = ">="
threshold = 5
"#,
        )
        .unwrap();
        let url = "https://hooks.slack.com/services/T0/B0/hidden-token";
        let settings = Settings::load_from(
            Some(&path),
            environment(&[("CUPID_ALERT_WEBHOOK_URL", url)]),
        )
        .unwrap();
        let names: Vec<&str> = settings.alerts.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["judge failing", "spend"]);
        assert_eq!(settings.alerts[0].threshold, 0.25);
        assert_eq!(settings.alerts[0].window, Duration::from_secs(1_800));
        assert_eq!(settings.alerts[1].threshold, 5.0);
        assert_eq!(settings.alerts[1].webhook.expose_url(), url);
        assert!(!format!("{settings:?}").contains("hidden-token"));

        // Without the environment's URL the rules have none: the first is named.
        let error = Settings::load_from(Some(&path), environment(&[])).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("\"judge failing\"") && message.contains("webhook_url"),
            "{message}"
        );
    }

    #[test]
    fn the_checkpoint_mode_reads_self_or_litestream_in_any_case() {
        let cases = [
            ("self", CheckpointMode::Daemon),
            ("litestream", CheckpointMode::Litestream),
            (" LiteStream ", CheckpointMode::Litestream),
        ];
        for (text, expected) in cases {
            let settings =
                Settings::load_from(None, environment(&[("CUPID_CHECKPOINT_MODE", text)])).unwrap();
            assert_eq!(settings.checkpoint_mode, expected, "{text:?}");
            assert_eq!(CheckpointMode::parse(expected.as_str()), Ok(expected));
        }
    }

    #[test]
    fn backfill_start_accepts_spans_and_dates() {
        let cases = [
            ("30d", BackfillStart::Ago(Duration::from_secs(30 * 86_400))),
            ("12h", BackfillStart::Ago(Duration::from_secs(12 * 3_600))),
            ("90m", BackfillStart::Ago(Duration::from_secs(90 * 60))),
            ("2w", BackfillStart::Ago(Duration::from_secs(14 * 86_400))),
            ("2026-11-01", BackfillStart::At(1_793_491_200_000)),
            ("2026-11-01T00:00:01Z", BackfillStart::At(1_793_491_201_000)),
        ];
        for (text, expected) in cases {
            assert_eq!(BackfillStart::parse(text), Ok(expected), "{text}");
        }
        assert!(BackfillStart::parse("yesterday").is_err());
        assert!(BackfillStart::parse("30").is_err());
    }
}
