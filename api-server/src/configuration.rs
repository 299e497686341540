//! Settings: built-in defaults < optional TOML file (`--config PATH`) <
//! environment (`CUPID_*`, `RUST_LOG`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use cupid_telemetry::LogFormat;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// The SQLite file the sync daemon writes (`CUPID_DATABASE_PATH`).
    pub database_path: PathBuf,
    /// Interface to listen on (`CUPID_API_HOST`).
    pub api_host: String,
    /// Port to listen on; 0 picks a free one (`CUPID_API_PORT`).
    pub api_port: u16,
    /// Base URL of the sync daemon's control endpoint (`CUPID_SYNC_CONTROL_URL`).
    pub sync_control_url: String,
    /// Browser origins allowed by CORS, comma-separated in the environment
    /// (`CUPID_CORS_ORIGINS`).
    pub cors_origins: Vec<String>,
    /// `pretty` or `json` (`CUPID_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// Most SQLite connections open at once; requests beyond it wait for
    /// one (`CUPID_DATABASE_CONNECTIONS`).
    pub database_connections: usize,
    /// Records every SQL statement the server runs (the query-plan guard in
    /// the tests); never read from a file or the environment.
    #[serde(skip)]
    pub statement_log: Option<crate::db::database::StatementLog>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigurationError {
    #[error("invalid configuration: {0}{hint}", hint = environment_hint(.0))]
    Invalid(#[from] config::ConfigError),
    #[error("invalid configuration: CUPID_SYNC_CONTROL_URL {url:?} is not an http(s) URL")]
    ControlUrl { url: String },
    #[error("invalid configuration: CUPID_CORS_ORIGINS entry {origin:?} is not an http(s) origin")]
    CorsOrigin { origin: String },
    #[error("invalid configuration: CUPID_DATABASE_CONNECTIONS must be at least 1")]
    NoConnections,
}

/// Names the environment variable behind a setting the `config` crate
/// rejected, since that is where users set it.
fn environment_hint(error: &config::ConfigError) -> String {
    let text = error.to_string();
    let Some(key) = text
        .split("for key `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
    else {
        return String::new();
    };
    format!(" (environment variable CUPID_{})", key.to_ascii_uppercase())
}

pub const DEFAULT_CORS_ORIGINS: [&str; 3] = [
    "http://localhost",
    "http://localhost:3000",
    "http://localhost:5173",
];

fn builder_with_defaults()
-> Result<config::ConfigBuilder<config::builder::DefaultState>, config::ConfigError> {
    config::Config::builder()
        .set_default("database_path", "./data/cupid.db")?
        .set_default("api_host", "127.0.0.1")?
        .set_default("api_port", 8080)?
        .set_default("sync_control_url", "http://127.0.0.1:8081")?
        .set_default("cors_origins", DEFAULT_CORS_ORIGINS.to_vec())?
        .set_default("log_format", "pretty")?
        .set_default(
            "database_connections",
            crate::db::database::DEFAULT_MAX_CONNECTIONS as u64,
        )
}

/// Reads the settings from the defaults, `file` if given, then the
/// environment.
pub fn get_configuration(file: Option<&Path>) -> Result<Settings, ConfigurationError> {
    get_configuration_from(file, None)
}

/// Like `get_configuration`, reading `environment` instead of the process
/// environment when given (tests).
pub fn get_configuration_from(
    file: Option<&Path>,
    environment: Option<HashMap<String, String>>,
) -> Result<Settings, ConfigurationError> {
    let mut builder = builder_with_defaults()?;
    if let Some(file) = file {
        builder = builder.add_source(config::File::from(file).format(config::FileFormat::Toml));
    }
    builder = builder.add_source(
        config::Environment::with_prefix("CUPID")
            .prefix_separator("_")
            .try_parsing(true)
            .list_separator(",")
            .with_list_parse_key("cors_origins")
            .source(environment),
    );
    let mut settings: Settings = builder.build()?.try_deserialize()?;
    settings.validate()?;
    Ok(settings)
}

impl Settings {
    /// Settings for tests and embedding: defaults with the given database.
    pub fn for_database(database_path: PathBuf) -> Self {
        Settings {
            database_path,
            api_host: "127.0.0.1".into(),
            api_port: 0,
            sync_control_url: "http://127.0.0.1:8081".into(),
            cors_origins: DEFAULT_CORS_ORIGINS.iter().map(|o| o.to_string()).collect(),
            log_format: LogFormat::Pretty,
            database_connections: crate::db::database::DEFAULT_MAX_CONNECTIONS,
            statement_log: None,
        }
    }

    fn validate(&mut self) -> Result<(), ConfigurationError> {
        let is_http = |value: &str| value.starts_with("http://") || value.starts_with("https://");
        if !is_http(&self.sync_control_url) {
            return Err(ConfigurationError::ControlUrl {
                url: self.sync_control_url.clone(),
            });
        }
        if self.database_connections == 0 {
            return Err(ConfigurationError::NoConnections);
        }
        self.sync_control_url = self.sync_control_url.trim_end_matches('/').to_string();
        self.cors_origins = self
            .cors_origins
            .iter()
            .map(|origin| origin.trim().trim_end_matches('/').to_string())
            .filter(|origin| !origin.is_empty())
            .collect();
        if let Some(origin) = self.cors_origins.iter().find(|origin| !is_http(origin)) {
            return Err(ConfigurationError::CorsOrigin {
                origin: origin.clone(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        )
    }

    #[test]
    fn defaults_apply_without_file_or_environment() {
        let settings = get_configuration_from(None, environment(&[])).unwrap();
        assert_eq!(settings.database_path, PathBuf::from("./data/cupid.db"));
        assert_eq!(settings.api_host, "127.0.0.1");
        assert_eq!(settings.api_port, 8080);
        assert_eq!(settings.sync_control_url, "http://127.0.0.1:8081");
        assert_eq!(settings.cors_origins, DEFAULT_CORS_ORIGINS.to_vec());
        assert_eq!(settings.log_format, LogFormat::Pretty);
        assert_eq!(
            settings.database_connections,
            crate::db::database::DEFAULT_MAX_CONNECTIONS
        );
    }

    #[test]
    fn the_environment_overrides_the_file_which_overrides_defaults() {
        let directory = tempfile::TempDir::new().unwrap();
        let file = directory.path().join("api.toml");
        std::fs::write(
            &file,
            "api_port = 9000\ndatabase_path = \"/srv/cupid.db\"\nlog_format = \"json\"\n",
        )
        .unwrap();
        let settings = get_configuration_from(
            Some(&file),
            environment(&[
                ("CUPID_API_PORT", "9100"),
                (
                    "CUPID_CORS_ORIGINS",
                    "https://dash.example, http://localhost:4000/",
                ),
                ("CUPID_SYNC_CONTROL_URL", "http://daemon:8081/"),
                ("CUPID_DATABASE_CONNECTIONS", "8"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.api_port, 9100);
        assert_eq!(settings.database_path, PathBuf::from("/srv/cupid.db"));
        assert_eq!(settings.log_format, LogFormat::Json);
        assert_eq!(
            settings.cors_origins,
            vec!["https://dash.example", "http://localhost:4000"]
        );
        assert_eq!(settings.sync_control_url, "http://daemon:8081");
        assert_eq!(settings.database_connections, 8);
    }

    #[test]
    fn malformed_settings_are_rejected_naming_them() {
        let cases = [
            ("CUPID_API_PORT", "eighty", "CUPID_API_PORT"),
            ("CUPID_API_PORT", "70000", "CUPID_API_PORT"),
            ("CUPID_LOG_FORMAT", "xml", "CUPID_LOG_FORMAT"),
            (
                "CUPID_SYNC_CONTROL_URL",
                "daemon:8081",
                "CUPID_SYNC_CONTROL_URL",
            ),
            ("CUPID_CORS_ORIGINS", "localhost:3000", "CUPID_CORS_ORIGINS"),
            (
                "CUPID_DATABASE_CONNECTIONS",
                "0",
                "CUPID_DATABASE_CONNECTIONS",
            ),
            (
                "CUPID_DATABASE_CONNECTIONS",
                "many",
                "CUPID_DATABASE_CONNECTIONS",
            ),
        ];
        for (name, value, mentioned) in cases {
            let error = get_configuration_from(None, environment(&[(name, value)]))
                .unwrap_err()
                .to_string();
            assert!(error.contains(mentioned), "{name}={value}: {error}");
        }
    }
}
