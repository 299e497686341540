//! What every handler shares: the database, the response cache, the client
//! for the sync daemon's control endpoint and the OpenAPI document; and `respond`, which answers a data GET with its ETag
//! from one read snapshot.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

use crate::db::Database;
use crate::db::database::SnapshotKey;
use crate::db::errors::ErrorDays;
use crate::db::figures::Source;
use crate::db::session_index::SessionIndex;
use crate::error::ApiError;

/// Bytes of rendered bodies (plus their keys) kept before the cache starts
/// over: the cache must not be what makes the server's memory grow with the
/// variety of URLs it is asked for. The answers a dashboard repeats (its
/// pages' default ranges) fit many times over; under varied requests the
/// cache only holds bodies, and 4 MiB instead of 8 lowered the server's
/// peak memory (docs/BENCHMARKS.md, twenty-fourth step).
const CACHE_BYTE_BUDGET: usize = 4 * 1024 * 1024;
/// Bodies larger than this (long CSV exports) are rendered each time.
const LARGEST_CACHED_BODY: usize = 1024 * 1024;

pub struct AppState {
    pub database: Arc<Database>,
    pub cache: Arc<ResponseCache>,
    /// The error observations of the days read at the current data version.
    pub error_days: Arc<ErrorDays>,
    /// Every session's sort values and environments at the current data
    /// version, once read.
    pub session_index: Arc<SessionIndex>,
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

/// Rendered responses keyed by path and query, valid for one snapshot
/// (file and `data_version`): data only changes when the daemon commits.
#[derive(Default)]
pub struct ResponseCache {
    inner: Mutex<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    snapshot: SnapshotKey,
    entries: HashMap<String, Rendered>,
    bytes: usize,
}

impl ResponseCache {
    pub fn get(&self, key: &str, snapshot: SnapshotKey) -> Option<Rendered> {
        let inner = self.inner.lock().expect("cache lock");
        if inner.snapshot != snapshot {
            return None;
        }
        inner.entries.get(key).cloned()
    }

    pub fn put(&self, key: String, snapshot: SnapshotKey, rendered: Rendered) {
        let mut inner = self.inner.lock().expect("cache lock");
        if inner.snapshot != snapshot {
            inner.entries.clear();
            inner.bytes = 0;
            inner.snapshot = snapshot;
        }
        if rendered.body.len() > LARGEST_CACHED_BODY {
            return;
        }
        let key_len = key.len();
        let size = key_len + rendered.body.len();
        if inner.bytes + size > CACHE_BYTE_BUDGET {
            inner.entries.clear();
            inner.bytes = 0;
        }
        if let Some(replaced) = inner.entries.insert(key, rendered) {
            inner.bytes -= key_len + replaced.body.len();
        }
        inner.bytes += size;
    }
}

/// `"dv-N-F"`: N the data version, which the frontend reads, and F a
/// digest of the file's identity, so that a browser's ETag from a database
/// since replaced by another at the same N is not answered 304. The digest
/// is a fixed mix (splitmix64), the same in every process, so a restarted
/// api-server still honours the ETags it gave.
fn etag_for(snapshot: SnapshotKey) -> String {
    let mix = |value: u64| {
        let mut z = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let (device, inode) = snapshot.file;
    let file = mix(mix(device) ^ inode);
    format!("\"dv-{}-{file:016x}\"", snapshot.data_version)
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
        let (snapshot, answer) = actix_web::web::block(move || {
            database.read(|connection, _, snapshot| {
                if matches_etag(&client_etags, &etag_for(snapshot)) {
                    return Ok((snapshot, Answer::NotModified));
                }
                if let Some(rendered) = cache.get(&key, snapshot) {
                    return Ok((snapshot, Answer::Body(rendered)));
                }
                let rendered = render(&Source {
                    connection,
                    snapshot,
                })?;
                cache.put(key.clone(), snapshot, rendered.clone());
                Ok((snapshot, Answer::Body(rendered)))
            })
        })
        .await
        .map_err(|_| ApiError::Worker)??;
        let etag = etag_for(snapshot);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn body(bytes: usize) -> Rendered {
        Rendered {
            body: Bytes::from(vec![b'x'; bytes]),
            content_type: "application/json",
            filename: None,
        }
    }

    fn cached_bytes(cache: &ResponseCache) -> usize {
        let inner = cache.inner.lock().unwrap();
        let counted: usize = inner
            .entries
            .iter()
            .map(|(key, rendered)| key.len() + rendered.body.len())
            .sum();
        assert_eq!(
            inner.bytes, counted,
            "the running total matches the entries"
        );
        counted
    }

    #[test]
    fn the_cache_never_holds_more_than_its_byte_budget() {
        let cache = ResponseCache::default();
        for index in 0..200 {
            cache.put(
                format!("/api/traces/{index}"),
                SnapshotKey::of_version(1),
                body(300 * 1024),
            );
            assert!(cached_bytes(&cache) <= CACHE_BYTE_BUDGET);
        }
        assert!(
            cache
                .get("/api/traces/199", SnapshotKey::of_version(1))
                .is_some(),
            "the newest entry stays"
        );
    }

    #[test]
    fn replacing_an_entry_counts_its_bytes_once() {
        let cache = ResponseCache::default();
        cache.put(
            "/api/overview?".into(),
            SnapshotKey::of_version(1),
            body(1000),
        );
        cache.put(
            "/api/overview?".into(),
            SnapshotKey::of_version(1),
            body(10),
        );
        assert_eq!(cached_bytes(&cache), "/api/overview?".len() + 10);
    }

    #[test]
    fn bodies_over_the_size_limit_are_not_cached() {
        let cache = ResponseCache::default();
        cache.put(
            "/api/sessions?format=csv".into(),
            SnapshotKey::of_version(1),
            body(LARGEST_CACHED_BODY + 1),
        );
        assert!(
            cache
                .get("/api/sessions?format=csv", SnapshotKey::of_version(1))
                .is_none()
        );
        assert_eq!(cached_bytes(&cache), 0);
    }

    #[test]
    fn a_new_data_version_starts_the_cache_over() {
        let cache = ResponseCache::default();
        cache.put(
            "/api/overview?".into(),
            SnapshotKey::of_version(1),
            body(100),
        );
        cache.put("/api/agents?".into(), SnapshotKey::of_version(2), body(100));
        assert!(
            cache
                .get("/api/overview?", SnapshotKey::of_version(2))
                .is_none()
        );
        assert_eq!(cached_bytes(&cache), "/api/agents?".len() + 100);
    }
}
