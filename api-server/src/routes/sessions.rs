//! `GET /api/sessions` (filtered, sorted, cursor-paginated, or CSV) and
//! `GET /api/sessions/{id}` (the session with its traces and their trees).

use actix_web::{HttpRequest, HttpResponse, get, web};
use rusqlite::{Connection, OptionalExtension, Row, ToSql};
use serde::Serialize;
use utoipa::ToSchema;

use crate::csv::{csv_line, range_filename};
use crate::environments::{EnvironmentSelection, Environments, session_in};
use crate::error::{ApiError, ErrorBody, InvalidParameter};
use crate::params::SessionListParams;
use crate::params::{NoParams, QueryParams, TimeRange, check_id};
use crate::routes::scores::{
    LatestScore, ScoreEntry, attach_session_scores, latest_per_name, session_scores,
};
use crate::routes::traces::{TRACE_COLUMNS, TraceDetail, load_trace, trace_from_row};
use crate::routes::{iso, iso_opt, string_list, usd};
use crate::state::{AppState, Rendered};

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;
/// Most rows a CSV export holds.
const MAX_CSV_ROWS: u32 = 100_000;
const SORT_KEYS: [&str; 5] = ["startTime", "cost", "tokens", "duration", "errors"];

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionSummary {
    pub id: String,
    pub user_id: Option<String>,
    pub users: Vec<String>,
    pub agents: Vec<String>,
    pub start_time: String,
    pub end_time: Option<String>,
    pub duration_ms: Option<i64>,
    pub traces: i64,
    pub observations: i64,
    pub generations: i64,
    /// USD.
    pub total_cost: f64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub errors: i64,
    pub warnings: i64,
    pub first_error_observation_id: Option<String>,
    /// The Langfuse environment of its earliest observation.
    pub environment: String,
    /// The latest score of each name (session-, trace- or
    /// observation-level), by name.
    pub scores: Vec<LatestScore>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionPage {
    pub items: Vec<SessionSummary>,
    /// Sessions matching the filters, over all pages.
    pub total: i64,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDetail {
    pub session: SessionSummary,
    /// In start order, each with its observation tree.
    pub traces: Vec<TraceDetail>,
    /// Every score of the session, its traces and observations, in time order.
    pub scores: Vec<ScoreEntry>,
    /// The ERROR-level observations, in start order ("jump to next error").
    #[serde(rename = "errorObservationIds")]
    pub error_observation_ids: Vec<String>,
}

pub const SESSION_COLUMNS: &str = "s.id, s.user_id, s.users, s.agents, s.start_time_ms, \
    s.end_time_ms, s.duration_ms, s.traces, s.observations, s.generations, s.cost_nanousd, \
    s.input_tokens, s.output_tokens, s.total_tokens, s.errors, s.warnings, \
    s.first_error_observation_id, s.environment";

pub fn session_from_row(row: &Row<'_>) -> rusqlite::Result<SessionSummary> {
    Ok(SessionSummary {
        id: row.get(0)?,
        user_id: row.get(1)?,
        users: string_list(row.get(2)?),
        agents: string_list(row.get(3)?),
        start_time: iso(row.get(4)?),
        end_time: iso_opt(row.get(5)?),
        duration_ms: row.get(6)?,
        traces: row.get(7)?,
        observations: row.get(8)?,
        generations: row.get(9)?,
        total_cost: usd(row.get(10)?),
        input_tokens: row.get(11)?,
        output_tokens: row.get(12)?,
        total_tokens: row.get(13)?,
        errors: row.get(14)?,
        warnings: row.get(15)?,
        first_error_observation_id: row.get(16)?,
        environment: row.get(17)?,
        scores: Vec::new(),
    })
}

/// Where the previous page stopped: the sort value and id of its last row,
/// for the same sort and order.
#[derive(Debug, PartialEq, Eq)]
struct Cursor {
    sort: String,
    order: String,
    value: i64,
    id: String,
}

impl Cursor {
    fn encode(&self) -> String {
        let plain = format!("v1|{}|{}|{}|{}", self.sort, self.order, self.value, self.id);
        plain.bytes().map(|byte| format!("{byte:02x}")).collect()
    }

    fn decode(text: &str, sort: &str, order: &str) -> Result<Cursor, InvalidParameter> {
        let malformed = || {
            InvalidParameter::new(
                "cursor",
                "cursor is malformed; pass the nextCursor of a previous page unchanged",
            )
        };
        if !text.len().is_multiple_of(2) || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(malformed());
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|index| u8::from_str_radix(&text[index..index + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| malformed())?;
        let plain = String::from_utf8(bytes).map_err(|_| malformed())?;
        let parts: Vec<&str> = plain.splitn(5, '|').collect();
        let [version, cursor_sort, cursor_order, value, id] = parts.as_slice() else {
            return Err(malformed());
        };
        if *version != "v1" || id.is_empty() {
            return Err(malformed());
        }
        if *cursor_sort != sort || *cursor_order != order {
            return Err(InvalidParameter::new(
                "cursor",
                format!(
                    "cursor belongs to sort={cursor_sort} order={cursor_order}, not sort={sort} order={order}"
                ),
            ));
        }
        Ok(Cursor {
            sort: sort.to_string(),
            order: order.to_string(),
            value: value.parse().map_err(|_| malformed())?,
            id: id.to_string(),
        })
    }
}

/// A validated list request.
#[derive(Debug, Clone)]
struct ListRequest {
    range: TimeRange,
    agent: Option<String>,
    user: Option<String>,
    has_errors: Option<bool>,
    search: Option<String>,
    sort: &'static str,
    descending: bool,
    limit: u32,
    after: Option<(i64, String)>,
    csv: bool,
    environments: EnvironmentSelection,
}

impl ListRequest {
    fn parse(query: &str) -> Result<Self, InvalidParameter> {
        let params = QueryParams::parse::<SessionListParams>(query)?;
        let sort = params.choice("sort", &SORT_KEYS, "startTime")?;
        let order = params.choice("order", &["desc", "asc"], "desc")?;
        let after = params
            .get("cursor")
            .map(|text| Cursor::decode(text, sort, order))
            .transpose()?
            .map(|cursor| (cursor.value, cursor.id));
        Ok(ListRequest {
            range: params.range()?,
            agent: params.get("agent").map(str::to_string),
            user: params.get("user").map(str::to_string),
            has_errors: params.boolean("hasErrors")?,
            search: params.get("q").map(str::to_string),
            sort,
            descending: order == "desc",
            limit: params.limit("limit", DEFAULT_LIMIT, MAX_LIMIT)?,
            after,
            csv: params.choice("format", &["json", "csv"], "json")? == "csv",
            environments: EnvironmentSelection::from_params(&params)?,
        })
    }

    fn sort_expression(&self) -> &'static str {
        match self.sort {
            "cost" => "s.cost_nanousd",
            "tokens" => "s.total_tokens",
            "duration" => "coalesce(s.duration_ms, -1)",
            "errors" => "s.errors",
            _ => "s.start_time_ms",
        }
    }

    /// The WHERE clause (without the cursor) and its values.
    fn filters(&self, environments: &Environments) -> (String, Vec<Box<dyn ToSql + Send>>) {
        let mut clauses = vec!["1 = 1".to_string()];
        let mut values: Vec<Box<dyn ToSql + Send>> = Vec::new();
        values.push(Box::new(environments.json.clone()));
        clauses.push(session_in("s.id", values.len()));
        if let Some(from) = self.range.from_ms {
            values.push(Box::new(from));
            clauses.push(format!("s.start_time_ms >= ?{}", values.len()));
        }
        if let Some(to) = self.range.to_ms {
            values.push(Box::new(to));
            clauses.push(format!("s.start_time_ms < ?{}", values.len()));
        }
        if let Some(agent) = &self.agent {
            values.push(Box::new(agent.clone()));
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM session_agents AS sa WHERE sa.session_id = s.id AND sa.agent = ?{})",
                values.len()
            ));
        }
        if let Some(user) = &self.user {
            values.push(Box::new(user.clone()));
            let n = values.len();
            clauses.push(format!(
                "(s.user_id = ?{n} OR EXISTS (SELECT 1 FROM json_each(s.users) WHERE json_each.value = ?{n}))"
            ));
        }
        match self.has_errors {
            Some(true) => clauses.push("s.errors > 0".into()),
            Some(false) => clauses.push("s.errors = 0".into()),
            None => {}
        }
        if let Some(search) = &self.search {
            let escaped: String = search
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    other => vec![other],
                })
                .collect();
            values.push(Box::new(format!("%{escaped}%")));
            let n = values.len();
            clauses.push(format!(
                "(s.id LIKE ?{n} ESCAPE '\\' OR coalesce(s.user_id, '') LIKE ?{n} ESCAPE '\\')"
            ));
        }
        (clauses.join(" AND "), values)
    }
}

fn list_sessions(connection: &Connection, request: &ListRequest) -> Result<SessionPage, ApiError> {
    let environments = request.environments.resolve(connection)?;
    let (where_clause, mut values) = request.filters(&environments);
    let refs: Vec<&dyn ToSql> = values.iter().map(|v| v.as_ref() as &dyn ToSql).collect();
    let total: i64 = connection
        .prepare_cached(&format!(
            "SELECT count(*) FROM sessions AS s WHERE {where_clause}"
        ))?
        .query_row(refs.as_slice(), |row| row.get(0))?;
    let sort = request.sort_expression();
    let (comparison, direction) = if request.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let mut cursor_clause = String::new();
    if let Some((value, id)) = &request.after {
        values.push(Box::new(*value));
        values.push(Box::new(id.clone()));
        let n = values.len();
        cursor_clause = format!(" AND ({sort}, s.id) {comparison} (?{}, ?{n})", n - 1);
    }
    let limit = if request.csv {
        MAX_CSV_ROWS
    } else {
        request.limit
    };
    let sql = format!(
        "SELECT {SESSION_COLUMNS}, {sort} FROM sessions AS s
         WHERE {where_clause}{cursor_clause}
         ORDER BY {sort} {direction}, s.id {direction}
         LIMIT {}",
        limit + 1
    );
    let refs: Vec<&dyn ToSql> = values.iter().map(|v| v.as_ref() as &dyn ToSql).collect();
    let mut statement = connection.prepare_cached(&sql)?;
    let mut rows: Vec<(SessionSummary, i64)> = statement
        .query_map(refs.as_slice(), |row| {
            Ok((session_from_row(row)?, row.get(18)?))
        })?
        .collect::<Result<_, _>>()?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    if !request.csv {
        attach_session_scores(connection, rows.iter_mut().map(|(session, _)| session))?;
    }
    let next_cursor = if has_more {
        rows.last().map(|(session, value)| {
            Cursor {
                sort: request.sort.to_string(),
                order: if request.descending { "desc" } else { "asc" }.to_string(),
                value: *value,
                id: session.id.clone(),
            }
            .encode()
        })
    } else {
        None
    };
    Ok(SessionPage {
        items: rows.into_iter().map(|(session, _)| session).collect(),
        total,
        next_cursor,
    })
}

fn sessions_csv(sessions: &[SessionSummary]) -> String {
    let mut out = csv_line(
        &[
            "id",
            "userId",
            "users",
            "agents",
            "startTime",
            "endTime",
            "durationMs",
            "traces",
            "observations",
            "generations",
            "totalCostUsd",
            "inputTokens",
            "outputTokens",
            "totalTokens",
            "errors",
            "warnings",
            "environment",
        ]
        .map(String::from),
    );
    let opt = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
    for s in sessions {
        out.push_str(&csv_line(&[
            s.id.clone(),
            s.user_id.clone().unwrap_or_default(),
            s.users.join(" "),
            s.agents.join(" "),
            s.start_time.clone(),
            s.end_time.clone().unwrap_or_default(),
            opt(s.duration_ms),
            s.traces.to_string(),
            s.observations.to_string(),
            s.generations.to_string(),
            format!("{:.9}", s.total_cost),
            s.input_tokens.to_string(),
            s.output_tokens.to_string(),
            s.total_tokens.to_string(),
            s.errors.to_string(),
            s.warnings.to_string(),
            s.environment.clone(),
        ]));
    }
    out
}

/// Sessions, filtered and sorted, one page at a time (or all as CSV).
#[utoipa::path(tag = "sessions", params(SessionListParams), responses(
    (status = 200, description = "A page of sessions (or `text/csv` with format=csv)", body = SessionPage),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/sessions")]
pub async fn get_sessions(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let list = ListRequest::parse(request.query_string())?;
    state
        .respond(&request, move |source| {
            let page = list_sessions(source.connection, &list)?;
            if list.csv {
                Ok(Rendered::csv(
                    sessions_csv(&page.items),
                    range_filename("cupid-sessions", list.range),
                ))
            } else {
                Ok(Rendered::json(&page)?)
            }
        })
        .await
}

pub fn load_session(connection: &Connection, id: &str) -> Result<Option<SessionSummary>, ApiError> {
    Ok(connection
        .prepare_cached(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions AS s WHERE s.id = ?1"
        ))?
        .query_row([id], session_from_row)
        .optional()?)
}

/// One session with its traces in time order and their observation trees.
#[utoipa::path(tag = "sessions",
    params(("id" = String, Path, description = "The session id")),
    responses(
        (status = 200, description = "The session", body = SessionDetail),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
        (status = 503, description = "No synced data yet", body = ErrorBody),
    ))]
#[get("/api/sessions/{id}")]
pub async fn get_session(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    QueryParams::parse::<NoParams>(request.query_string())?;
    let id = id.into_inner();
    check_id("id", &id)?;
    state
        .respond(&request, move |source| {
            let connection = source.connection;
            let mut session = load_session(connection, &id)?
                .ok_or_else(|| ApiError::not_found("id", format!("no session with id {id:?}")))?;
            let scores = session_scores(connection, &id)?;
            session.scores = latest_per_name(&scores);
            let error_observation_ids: Vec<String> = connection
                .prepare_cached(
                    "SELECT id FROM observations WHERE session_id = ?1 AND level = 'ERROR'
                     ORDER BY start_time_ms, id",
                )
                .map_err(ApiError::from)?
                .query_map([&id], |row| row.get(0))
                .map_err(ApiError::from)?
                .collect::<Result<_, _>>()
                .map_err(ApiError::from)?;
            let trace_ids: Vec<String> = connection
                .prepare_cached(&format!(
                    "SELECT {TRACE_COLUMNS} FROM traces WHERE session_id = ?1
                     ORDER BY start_time_ms, id"
                ))
                .map_err(ApiError::from)?
                .query_map([&id], trace_from_row)
                .map_err(ApiError::from)?
                .map(|trace| trace.map(|trace| trace.id))
                .collect::<Result<_, _>>()
                .map_err(ApiError::from)?;
            let mut traces = Vec::with_capacity(trace_ids.len());
            for trace_id in trace_ids {
                if let Some(trace) = load_trace(connection, &trace_id)? {
                    traces.push(trace);
                }
            }
            Rendered::json(&SessionDetail {
                session,
                traces,
                scores,
                error_observation_ids,
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_tampering() {
        let cursor = Cursor {
            sort: "cost".into(),
            order: "asc".into(),
            value: -17,
            id: "session|with|bars".into(),
        };
        let encoded = cursor.encode();
        assert_eq!(Cursor::decode(&encoded, "cost", "asc").unwrap(), cursor);
        for bad in ["zz", "abc", "00", &encoded[..encoded.len() - 1]] {
            assert!(Cursor::decode(bad, "cost", "asc").is_err(), "{bad}");
        }
        assert_eq!(
            Cursor::decode(&encoded, "startTime", "asc")
                .unwrap_err()
                .parameter,
            "cursor"
        );
    }
}
