//! The JSON error body every 4xx/5xx carries, and the errors shared by the
//! route modules (bad parameters, database not ready or failing).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
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

    pub fn to_response(&self) -> HttpResponse {
        error_response(
            StatusCode::BAD_REQUEST,
            "bad_request",
            self.message.clone(),
            Some(&self.parameter),
        )
    }
}

/// Why the database could not answer.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// Missing, never synced, or at another schema version: 503.
    #[error("{0}")]
    NoData(String),
    /// Anything else SQLite reports (already retried when busy): 500.
    #[error("database query failed: {0}")]
    Query(#[from] rusqlite::Error),
    /// Stored data that cannot be decoded: 500.
    #[error("stored data is malformed: {0}")]
    Malformed(String),
    #[error("the query worker stopped unexpectedly")]
    Worker,
}

impl DataError {
    pub fn status_code(&self) -> StatusCode {
        match self {
            DataError::NoData(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn to_response(&self) -> HttpResponse {
        match self {
            DataError::NoData(message) => error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "no_data",
                message.clone(),
                None,
            ),
            other => {
                tracing::error!(error = %other, "data query failed");
                error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the server could not read the database; see its log".into(),
                    None,
                )
            }
        }
    }
}

/// Implements `ResponseError` for a route module's error enum whose
/// variants each know their status and body.
#[macro_export]
macro_rules! route_error {
    ($name:ident) => {
        impl actix_web::ResponseError for $name {
            fn status_code(&self) -> actix_web::http::StatusCode {
                self.status()
            }
            fn error_response(&self) -> actix_web::HttpResponse {
                self.response()
            }
        }
    };
}
