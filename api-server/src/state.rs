//! What every handler shares: the database, the response cache, the client
//! for the sync daemon's control endpoint and the OpenAPI document; and `respond`, which answers a data GET with its ETag
//! from one read snapshot.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

use crate::db::Database;
use crate::db::figures::Source;
use crate::error::ApiError;

/// Entries kept before the cache starts over.
const CACHE_CAPACITY: usize = 2_048;

pub struct AppState {
    pub database: Arc<Database>,
    pub cache: Arc<ResponseCache>,
    pub http: reqwest::Client,
    pub sync_control_url: String,
    /// The OpenAPI document as served at `/api/openapi.json`.
    pub openapi_json: &'static str,
}

/// A rendered body and how to label it.
#[derive(Clone)]
pub struct Rendered {
    pub body: Bytes,
    pub content_type: &'static str,
    pub filename: Option<String>,
}

impl Rendered {
    pub fn json<T: serde::Serialize>(value: &T) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(value)
            .map_err(|error| ApiError::Malformed(format!("response not serialisable: {error}")))?;
        Ok(Rendered {
            body: Bytes::from(body),
            content_type: "application/json",
            filename: None,
        })
    }

    pub fn csv(body: String, filename: String) -> Self {
        Rendered {
            body: Bytes::from(body),
            content_type: "text/csv; charset=utf-8",
            filename: Some(filename),
        }
    }
}

/// Rendered responses keyed by path and query, valid for one
/// `data_version`: data only changes when the daemon commits.
#[derive(Default)]
pub struct ResponseCache {
    inner: Mutex<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    data_version: i64,
    entries: HashMap<String, Rendered>,
}

impl ResponseCache {
    pub fn get(&self, key: &str, data_version: i64) -> Option<Rendered> {
        let inner = self.inner.lock().expect("cache lock");
        if inner.data_version != data_version {
            return None;
        }
        inner.entries.get(key).cloned()
    }

    pub fn put(&self, key: String, data_version: i64, rendered: Rendered) {
        let mut inner = self.inner.lock().expect("cache lock");
        if inner.data_version != data_version {
            inner.entries.clear();
            inner.data_version = data_version;
        }
        if inner.entries.len() >= CACHE_CAPACITY {
            inner.entries.clear();
        }
        inner.entries.insert(key, rendered);
    }
}

fn etag_for(data_version: i64) -> String {
    format!("\"dv-{data_version}\"")
}

/// Whether any `If-None-Match` value names the current ETag.
fn matches_etag(if_none_match: &[String], etag: &str) -> bool {
    if_none_match
        .iter()
        .flat_map(|value| value.split(','))
        .map(|candidate| candidate.trim().trim_start_matches("W/"))
        .any(|candidate| candidate == etag || candidate == "*")
}

enum Answer {
    NotModified,
    Body(Rendered),
}

impl AppState {
    /// Answers a data GET: 304 when the client's ETag is current, a cached
    /// rendering when this exact URL was rendered at this data version,
    /// otherwise runs `render` on a blocking thread inside one read snapshot.
    pub async fn respond<F>(
        &self,
        request: &HttpRequest,
        render: F,
    ) -> Result<HttpResponse, ApiError>
    where
        F: Fn(&Source<'_>) -> Result<Rendered, ApiError> + Send + 'static,
    {
        let key = format!("{}?{}", request.path(), request.query_string());
        let database = self.database.clone();
        let cache = self.cache.clone();
        let client_etags: Vec<String> = request
            .headers()
            .get_all(header::IF_NONE_MATCH)
            .filter_map(|value| value.to_str().ok().map(str::to_string))
            .collect();
        let (data_version, answer) = actix_web::web::block(move || {
            database.read(|connection, metadata| {
                let version = metadata.data_version;
                let etag = etag_for(version);
                if matches_etag(&client_etags, &etag) {
                    return Ok((version, Answer::NotModified));
                }
                if let Some(rendered) = cache.get(&key, version) {
                    return Ok((version, Answer::Body(rendered)));
                }
                let rendered = render(&Source {
                    connection,
                    data_version: version,
                })?;
                cache.put(key.clone(), version, rendered.clone());
                Ok((version, Answer::Body(rendered)))
            })
        })
        .await
        .map_err(|_| ApiError::Worker)??;
        let etag = etag_for(data_version);
        let mut response = match answer {
            Answer::NotModified => HttpResponse::NotModified(),
            Answer::Body(_) => HttpResponse::Ok(),
        };
        response
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "no-cache"));
        Ok(match answer {
            Answer::NotModified => response.finish(),
            Answer::Body(rendered) => {
                response.insert_header((
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(rendered.content_type),
                ));
                if let Some(filename) = &rendered.filename {
                    response.insert_header((
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{filename}\""),
                    ));
                }
                response.body(rendered.body)
            }
        })
    }
}
