//! Logging for every Cupid binary (sync-daemon, api-server, langfuse-mock):
//! `RUST_LOG` filters (default `info`); readable lines by default, one JSON
//! object per line, its fields at the top level, with `CUPID_LOG_FORMAT=json`.
//! Knows nothing of HTTP: request spans are the api-server's.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use tracing_subscriber::EnvFilter;

/// The filter when `RUST_LOG` is unset or unreadable.
pub const DEFAULT_FILTER: &str = "info";

/// `CUPID_LOG_FORMAT`: `pretty` or `json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLogFormat(pub String);

impl fmt::Display for UnknownLogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "log format {:?}: expected pretty or json", self.0)
    }
}

impl std::error::Error for UnknownLogFormat {}

impl FromStr for LogFormat {
    type Err = UnknownLogFormat;

    /// Either name, in any case.
    fn from_str(value: &str) -> Result<LogFormat, UnknownLogFormat> {
        match value.to_ascii_lowercase().as_str() {
            "pretty" => Ok(LogFormat::Pretty),
            "json" => Ok(LogFormat::Json),
            _ => Err(UnknownLogFormat(value.to_string())),
        }
    }
}

/// Where the log lines go. The daemon and the test double log to stderr;
/// the api-server to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Stdout,
    Stderr,
}

/// Installs the process's `tracing` subscriber. A second call (tests that
/// start several applications in one process) keeps the first.
pub fn init(format: LogFormat, output: Output) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match (format, output) {
        (LogFormat::Pretty, Output::Stdout) => builder.with_writer(std::io::stdout).try_init(),
        (LogFormat::Pretty, Output::Stderr) => builder.with_writer(std::io::stderr).try_init(),
        (LogFormat::Json, Output::Stdout) => builder
            .json()
            .flatten_event(true)
            .with_writer(std::io::stdout)
            .try_init(),
        (LogFormat::Json, Output::Stderr) => builder
            .json()
            .flatten_event(true)
            .with_writer(std::io::stderr)
            .try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_format_is_read_in_any_case_and_anything_else_is_named_in_the_error() {
        let cases = [
            ("pretty", Ok(LogFormat::Pretty)),
            ("JSON", Ok(LogFormat::Json)),
            ("Json", Ok(LogFormat::Json)),
            ("xml", Err(UnknownLogFormat("xml".into()))),
            ("", Err(UnknownLogFormat(String::new()))),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<LogFormat>(), expected, "{text:?}");
        }
        let error = "xml".parse::<LogFormat>().unwrap_err().to_string();
        assert!(
            error.contains("\"xml\"") && error.contains("pretty or json"),
            "{error}"
        );
    }

    #[test]
    fn settings_files_name_the_format_in_lower_case() {
        let parsed: Vec<LogFormat> = serde_json::from_str(r#"["pretty", "json"]"#).unwrap();
        assert_eq!(parsed, [LogFormat::Pretty, LogFormat::Json]);
        assert!(serde_json::from_str::<LogFormat>(r#""xml""#).is_err());
    }

    #[test]
    fn a_second_initialisation_keeps_the_first_and_does_not_panic() {
        init(LogFormat::Json, Output::Stderr);
        init(LogFormat::Pretty, Output::Stdout);
    }
}
