//! The api-server's one error type, `ApiError`, and the JSON body every
//! 4xx/5xx carries.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// `{"error": kind, "message": sentence, "parameter": name | null}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// `bad_request`, `not_found`, `no_data`, `unavailable` or `internal`.
    pub error: String,
    /// A sentence naming what was wrong.
    pub message: String,
    /// The query or path parameter at fault, if any.
    pub parameter: Option<String>,
}

pub fn error_response(
    status: StatusCode,
    kind: &str,
    message: String,
    parameter: Option<&str>,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .json(ErrorBody {
            error: kind.to_string(),
            message,
            parameter: parameter.map(str::to_string),
        })
}

/// A query or path parameter that cannot be accepted.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct InvalidParameter {
    pub parameter: String,
    pub message: String,
}

impl InvalidParameter {
    pub fn new(parameter: &str, message: impl Into<String>) -> Self {
        InvalidParameter {
            parameter: parameter.to_string(),
            message: message.into(),
        }
    }
}

/// Every way a request can fail, with its status and JSON body in one
/// place: handlers, validation and queries all return this.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A query or path parameter that cannot be accepted: 400.
    #[error(transparent)]
    BadParameter(#[from] InvalidParameter),
    /// The id or name in `parameter` names nothing stored: 404.
    #[error("{message}")]
    NotFound {
        parameter: &'static str,
        message: String,
    },
    /// Missing, never synced, locked, or at another schema version: 503.
    #[error("{0}")]
    DataUnavailable(String),
    /// The sync daemon's control endpoint did not answer: 503.
    #[error("the sync daemon at {url} could not be reached: {reason}")]
    DaemonUnreachable { url: String, reason: String },
    /// Anything else SQLite reports (already retried when busy): 500.
    #[error("database query failed: {0}")]
    Query(#[from] rusqlite::Error),
    /// Stored data that cannot be decoded: 500.
    #[error("stored data is malformed: {0}")]
    Malformed(String),
    /// The blocking thread running the query died: 500.
    #[error("the query worker stopped unexpectedly")]
    Worker,
}

impl ApiError {
    pub fn not_found(parameter: &'static str, message: String) -> Self {
        ApiError::NotFound { parameter, message }
    }

    /// `name`, given in `parameter`, is no agent the data has seen.
    pub fn unknown_agent(parameter: &'static str, name: &str) -> Self {
        ApiError::not_found(parameter, format!("no agent named {name:?} has been seen"))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadParameter(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::DataUnavailable(_) | ApiError::DaemonUnreachable { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Query(_) | ApiError::Malformed(_) | ApiError::Worker => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (kind, message, parameter) = match self {
            ApiError::BadParameter(error) => (
                "bad_request",
                error.message.clone(),
                Some(error.parameter.as_str()),
            ),
            ApiError::NotFound { parameter, message } => {
                ("not_found", message.clone(), Some(*parameter))
            }
            ApiError::DataUnavailable(message) => ("no_data", message.clone(), None),
            ApiError::DaemonUnreachable { .. } => ("unavailable", self.to_string(), None),
            // The detail goes to the log, with the request (`request_log`).
            ApiError::Query(_) | ApiError::Malformed(_) | ApiError::Worker => (
                "internal",
                "the server could not read the database; see its log".to_string(),
                None,
            ),
        };
        error_response(self.status_code(), kind, message, parameter)
    }
}
