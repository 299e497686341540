//! Every check of what a request says: strict parsing of query strings
//! (unknown, repeated, over-long or malformed parameters are rejected with
//! an error naming the parameter), ids, time ranges and series lengths.
//!
//! Each endpoint's accepted query parameters are the fields of its
//! `IntoParams` struct below: the OpenAPI document and `QueryParams::parse`
//! read the same declaration, so the two cannot drift apart.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use shared_schema::units::MS_PER_DAY;
use utoipa::IntoParams;
use utoipa::openapi::path::Parameter;

use crate::error::InvalidParameter;

pub mod compare;
pub mod environments;
pub mod errors;
pub mod sessions;
pub mod versions;

pub use environments::EnvironmentSelection;

/// Longest value accepted for any parameter.
pub const MAX_VALUE_LENGTH: usize = 200;
/// Earliest and latest accepted times (years 1970 and 9999).
const MIN_TIME_MS: i64 = 0;
const MAX_TIME_MS: i64 = 253_402_300_799_999;

/// Longest daily series served, in days (a range of ~27 years).
pub const MAX_SERIES_DAYS: i64 = 10_000;

/// An endpoint that takes no query parameters.
pub struct NoParams;

impl IntoParams for NoParams {
    fn into_params(
        _parameter_in_provider: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<Parameter> {
        Vec::new()
    }
}

/// The query parameter names `P` declares, in declaration order. Read from
/// the declaration once per type: building it is far slower than parsing a
/// query string.
pub fn accepted_names<P: IntoParams + 'static>() -> &'static [&'static str] {
    static NAMES: OnceLock<RwLock<HashMap<TypeId, &'static [&'static str]>>> = OnceLock::new();
    let names = NAMES.get_or_init(Default::default);
    if let Some(known) = names.read().expect("names lock").get(&TypeId::of::<P>()) {
        return known;
    }
    let declared = P::into_params(|| None);
    // A handful of types, each leaked once.
    names
        .write()
        .expect("names lock")
        .entry(TypeId::of::<P>())
        .or_insert_with(|| {
            declared
                .into_iter()
                .map(|parameter| &*parameter.name.leak())
                .collect::<Vec<_>>()
                .leak()
        })
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // declares the parameters; values are read by name
pub struct AgentListParams {
    /// ISO-8601 date or time, inclusive.
    from: Option<String>,
    /// ISO-8601 date or time, exclusive.
    to: Option<String>,
    /// `json` (default) or `csv` (a download).
    format: Option<String>,
    /// Comma-separated environment names (exact). Absent: every environment
    /// but Langfuse's internal ones (`langfuse-...`); naming one includes it.
    environment: Option<String>,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // declares the parameters; values are read by name
pub struct ModelListParams {
    /// ISO-8601 date or time, inclusive.
    from: Option<String>,
    /// ISO-8601 date or time, exclusive.
    to: Option<String>,
    /// `json` (default) or `csv` (a download).
    format: Option<String>,
    /// Comma-separated environment names (exact). Absent: every environment
    /// but Langfuse's internal ones (`langfuse-...`); naming one includes it.
    environment: Option<String>,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // declares the parameters; values are read by name
pub struct AgentDetailParams {
    /// ISO-8601 date or time, inclusive.
    from: Option<String>,
    /// ISO-8601 date or time, exclusive.
    to: Option<String>,
    /// Comma-separated environment names (exact). Absent: every environment
    /// but Langfuse's internal ones (`langfuse-...`); naming one includes it.
    environment: Option<String>,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // declares the parameters; values are read by name
pub struct CompareParams {
    /// Two to eight agent names, comma-separated, e.g. `matchmaker,judge`.
    agents: String,
    /// ISO-8601 date or time, inclusive.
    from: Option<String>,
    /// ISO-8601 date or time, exclusive.
    to: Option<String>,
    /// Comma-separated environment names (exact). Absent: every environment
    /// but Langfuse's internal ones (`langfuse-...`); naming one includes it.
    environment: Option<String>,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // declares the parameters; values are read by name
pub struct DistributionParams {
    /// Sessions starting at or after this ISO-8601 date or time.
    from: Option<String>,
    /// Sessions starting before this ISO-8601 date or time.
    to: Option<String>,
    /// Comma-separated environment names (exact). Absent: every environment
    /// but Langfuse's internal ones (`langfuse-...`); naming one includes it.
    environment: Option<String>,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // declares the parameters; values are read by name
pub struct ErrorListParams {
    /// Observations starting at or after this ISO-8601 date or time.
    from: Option<String>,
    /// Observations starting before this ISO-8601 date or time.
    to: Option<String>,
    /// `ERROR` (default), `WARNING` or `all` (both).
    level: Option<String>,
    /// Only this agent's observations.
    agent: Option<String>,
    /// `agentObservation` (default: agent, observation name, level and
    /// message) or `message` (level and message, across agents).
    group_by: Option<String>,
    /// `count` (default), `sessions`, `firstSeen`, `lastSeen`, `message` or
    /// `agent`.
    sort: Option<String>,
    /// `desc` (default) or `asc`.
    order: Option<String>,
    /// Groups per page, 1 to 200 (default 200; up to 2000 is clamped to 200).
    #[param(value_type = Option<u32>)]
    limit: Option<String>,
    /// Groups to skip, 0 (default) to 1000000.
    #[param(value_type = Option<u64>)]
    offset: Option<String>,
    /// Case-insensitive text in the agent, observation name, message or
    /// example of a group.
    q: Option<String>,
    /// Comma-separated environment names (exact). Absent: every environment
    /// but Langfuse's internal ones (`langfuse-...`); naming one includes it.
    environment: Option<String>,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // declares the parameters; values are read by name
pub struct DailyParams {
    /// ISO-8601 date or time, inclusive.
    from: Option<String>,
    /// ISO-8601 date or time, exclusive. A range of at most 48 hours has a
    /// point per UTC hour instead of per day.
    to: Option<String>,
    /// `json` (default) or `csv` (the series as a download).
    format: Option<String>,
    /// Only this agent's observations (and the sessions/traces it took part in).
    agent: Option<String>,
    /// Only observations of this model.
    model: Option<String>,
    /// Comma-separated environment names (exact). Absent: every environment
    /// but Langfuse's internal ones (`langfuse-...`); naming one includes it.
    environment: Option<String>,
}

/// A time range: `from` inclusive, `to` exclusive; none means all time.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // declares the parameters; values are read by name
pub struct RangeParams {
    /// ISO-8601 date or time, inclusive (e.g. `2026-11-01` or `2026-11-01T00:00:00Z`).
    from: Option<String>,
    /// ISO-8601 date or time, exclusive.
    to: Option<String>,
    /// Comma-separated environment names (exact). Absent: every environment
    /// but Langfuse's internal ones (`langfuse-...`); naming one includes it.
    environment: Option<String>,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // declares the parameters; values are read by name
pub struct ScoreListParams {
    /// Scores stamped at or after this ISO-8601 date or time.
    from: Option<String>,
    /// Scores stamped before this ISO-8601 date or time.
    to: Option<String>,
    /// Only scores attributed to this agent.
    agent: Option<String>,
    /// Comma-separated environment names (exact). Absent: every environment
    /// but Langfuse's internal ones (`langfuse-...`); naming one includes it.
    environment: Option<String>,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // declares the parameters; values are read by name
pub struct OutcomeParams {
    /// Sessions starting at or after this ISO-8601 date or time.
    from: Option<String>,
    /// Sessions starting before this ISO-8601 date or time.
    to: Option<String>,
    /// Comma-separated environment names (exact). Absent: every environment
    /// but Langfuse's internal ones (`langfuse-...`); naming one includes it.
    environment: Option<String>,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // declares the parameters; values are read by name
pub struct SessionListParams {
    /// Sessions starting at or after this ISO-8601 date or time.
    from: Option<String>,
    /// Sessions starting before this ISO-8601 date or time.
    to: Option<String>,
    /// Sessions in which this agent took part.
    agent: Option<String>,
    /// Sessions of this user id.
    user: Option<String>,
    /// `true`: only sessions with an ERROR observation; `false`: only without.
    #[param(value_type = Option<bool>)]
    has_errors: Option<String>,
    /// Case-insensitive text search in the session id and user id.
    q: Option<String>,
    /// `startTime` (default), `cost`, `tokens`, `duration` or `errors`.
    sort: Option<String>,
    /// `desc` (default) or `asc`.
    order: Option<String>,
    /// Page size, 1 to 200 (default 50; up to 2000 is clamped to 200).
    #[param(value_type = Option<u32>)]
    limit: Option<String>,
    /// `nextCursor` of the previous page (same filters and sort).
    cursor: Option<String>,
    /// `json` (default) or `csv` (every matching session, as a download).
    format: Option<String>,
    /// Comma-separated environment names (exact). Absent: every environment
    /// but Langfuse's internal ones (`langfuse-...`); naming one includes it.
    environment: Option<String>,
}

/// A parsed query string, checked against the parameters a route accepts.
#[derive(Debug)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    /// Parses `query`, accepting exactly the parameters `P` declares.
    pub fn parse<P: IntoParams + 'static>(query: &str) -> Result<Self, InvalidParameter> {
        Self::parse_with(query, accepted_names::<P>())
    }

    fn parse_with(query: &str, allowed: &[&str]) -> Result<Self, InvalidParameter> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let key = key.into_owned();
            if !allowed.contains(&key.as_str()) {
                let shown: String = key.chars().take(40).collect();
                return Err(InvalidParameter::new(
                    &shown,
                    format!(
                        "unknown parameter {shown:?}; this endpoint accepts: {}",
                        if allowed.is_empty() {
                            "no parameters".to_string()
                        } else {
                            allowed.join(", ")
                        }
                    ),
                ));
            }
            if pairs.iter().any(|(seen, _)| *seen == key) {
                return Err(InvalidParameter::new(
                    &key,
                    format!("parameter {key:?} is given more than once"),
                ));
            }
            // A list of environments is checked name by name.
            let max_length = if key == environments::PARAMETER {
                environments::MAX_PARAMETER_LENGTH
            } else {
                MAX_VALUE_LENGTH
            };
            if value.chars().count() > max_length {
                return Err(InvalidParameter::new(
                    &key,
                    format!("parameter {key:?} is longer than {max_length} characters"),
                ));
            }
            pairs.push((key, value.into_owned()));
        }
        Ok(QueryParams { pairs })
    }

    /// The value, or None when absent or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    /// The value as given, even empty; None only when absent.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn time(&self, name: &str) -> Result<Option<i64>, InvalidParameter> {
        self.get(name)
            .map(|value| parse_time(name, value))
            .transpose()
    }

    pub fn range(&self) -> Result<TimeRange, InvalidParameter> {
        let range = TimeRange {
            from_ms: self.time("from")?,
            to_ms: self.time("to")?,
        };
        if let (Some(from), Some(to)) = (range.from_ms, range.to_ms)
            && from >= to
        {
            return Err(InvalidParameter::new(
                "from",
                "from must be earlier than to (from is inclusive, to exclusive)",
            ));
        }
        Ok(range)
    }

    /// One of `choices`, or `default` when absent.
    pub fn choice<'a>(
        &self,
        name: &str,
        choices: &[&'a str],
        default: &'a str,
    ) -> Result<&'a str, InvalidParameter> {
        match self.get(name) {
            None => Ok(default),
            Some(value) => choices
                .iter()
                .find(|choice| **choice == value)
                .copied()
                .ok_or_else(|| {
                    InvalidParameter::new(
                        name,
                        format!(
                            "{name} must be one of {}, not {:?}",
                            choices.join(", "),
                            shorten(value)
                        ),
                    )
                }),
        }
    }

    pub fn boolean(&self, name: &str) -> Result<Option<bool>, InvalidParameter> {
        match self.get(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(value) => Err(InvalidParameter::new(
                name,
                format!("{name} must be true or false, not {:?}", shorten(value)),
            )),
        }
    }

    /// A page size: 1..=`max`; values up to `10 * max` are clamped to `max`,
    /// anything else (zero, negative, absurd, not a number) is rejected.
    pub fn limit(&self, name: &str, default: u32, max: u32) -> Result<u32, InvalidParameter> {
        let Some(value) = self.get(name) else {
            return Ok(default);
        };
        let rejected = || {
            InvalidParameter::new(
                name,
                format!(
                    "{name} must be a whole number from 1 to {max}, not {:?}",
                    shorten(value)
                ),
            )
        };
        let parsed: i64 = value.parse().map_err(|_| rejected())?;
        if parsed < 1 || parsed > i64::from(max) * 10 {
            return Err(rejected());
        }
        Ok(parsed.min(i64::from(max)) as u32)
    }
}

pub(crate) fn shorten(value: &str) -> String {
    value.chars().take(40).collect()
}

/// Checks a path id's (or a name's) length.
pub fn check_id(parameter: &str, id: &str) -> Result<(), InvalidParameter> {
    if id.is_empty() || id.chars().count() > MAX_VALUE_LENGTH {
        return Err(InvalidParameter::new(
            parameter,
            format!("{parameter} must be 1 to {MAX_VALUE_LENGTH} characters"),
        ));
    }
    Ok(())
}

/// Checks that a range's series stays a sensible length.
/// Series of ranges up to this long have a point per UTC hour.
pub const MAX_HOURLY_SERIES_MS: i64 = 48 * 3_600_000;

/// Whether a series of `range` has hourly points: both bounds known and at
/// most `MAX_HOURLY_SERIES_MS` apart (a day's series would be one or two
/// partial bars).
pub fn is_hourly_series(range: TimeRange) -> bool {
    matches!((range.from_ms, range.to_ms), (Some(from), Some(to)) if to - from <= MAX_HOURLY_SERIES_MS)
}

pub fn check_series_length(range: TimeRange) -> Result<(), InvalidParameter> {
    if let (Some(from), Some(to)) = (range.from_ms, range.to_ms)
        && (to - from) / MS_PER_DAY > MAX_SERIES_DAYS
    {
        return Err(InvalidParameter::new(
            "to",
            format!("to must lie at most {MAX_SERIES_DAYS} days after from for a daily series"),
        ));
    }
    Ok(())
}

/// Accepts `2026-11-01`, `2026-11-01T12:00:00Z`, with fractions and offsets,
/// and `2026-11-01T12:00:00` (taken as UTC).
pub fn parse_time(name: &str, value: &str) -> Result<i64, InvalidParameter> {
    let trimmed = value.trim();
    let parsed = DateTime::parse_from_rfc3339(trimmed)
        .map(|time| time.timestamp_millis())
        .or_else(|_| {
            NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f")
                .map(|time| time.and_utc().timestamp_millis())
        })
        .or_else(|_| {
            NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").map(shared_schema::units::day_start_ms)
        });
    match parsed {
        Ok(ms) if (MIN_TIME_MS..=MAX_TIME_MS).contains(&ms) => Ok(ms),
        Ok(_) => Err(InvalidParameter::new(
            name,
            format!("{name} must lie between 1970 and 9999"),
        )),
        Err(_) => Err(InvalidParameter::new(
            name,
            format!(
                "{name} must be an ISO-8601 date or time such as 2026-11-01 or 2026-11-01T00:00:00Z, not {:?}",
                shorten(value)
            ),
        )),
    }
}

/// `[from, to)` in ms; a missing bound is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

impl TimeRange {
    pub fn is_all_time(&self) -> bool {
        self.from_ms.is_none() && self.to_ms.is_none()
    }

    /// The range of equal length just before, both measured up to the same
    /// moment: when the range ends after `now_ms`, the current figures run
    /// to now and the previous ones to the same offset into their period,
    /// so that today's partial day meets the same partial span a period
    /// earlier. None without both bounds.
    pub fn compared_until(&self, now_ms: i64) -> Option<Comparison> {
        let (from, to) = (self.from_ms?, self.to_ms?);
        let measured_to = now_ms.clamp(from, to);
        let length = to - from;
        Some(Comparison {
            current: TimeRange {
                from_ms: Some(from),
                to_ms: Some(measured_to),
            },
            previous: TimeRange {
                from_ms: Some(from - length),
                to_ms: Some(measured_to - length),
            },
        })
    }

    pub fn lower(&self) -> i64 {
        self.from_ms.unwrap_or(i64::MIN)
    }

    pub fn upper(&self) -> i64 {
        self.to_ms.unwrap_or(i64::MAX)
    }

    pub fn cache_key(&self) -> String {
        format!("{:?}-{:?}", self.from_ms, self.to_ms)
    }
}

/// What a period comparison measures: both spans end the same time into
/// their period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    pub current: TimeRange,
    pub previous: TimeRange,
}

/// Midnight UTC at or before `ms`.
pub fn day_floor(ms: i64) -> i64 {
    ms.div_euclid(MS_PER_DAY) * MS_PER_DAY
}

/// Midnight UTC at or after `ms`.
pub fn day_ceil(ms: i64) -> i64 {
    let floor = day_floor(ms);
    if floor == ms { ms } else { floor + MS_PER_DAY }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comparison_measures_both_periods_up_to_the_same_moment() {
        const HOUR: i64 = 3_600_000;
        let day = MS_PER_DAY;
        let start = 1_793_491_200_000; // 2026-11-01T00:00:00Z
        let range = |from: i64, to: i64| TimeRange {
            from_ms: Some(from),
            to_ms: Some(to),
        };
        // (range, now, current measured, previous measured)
        let cases = [
            // A past range: whole periods, back to back.
            (
                range(start, start + 7 * day),
                start + 30 * day,
                range(start, start + 7 * day),
                range(start - 7 * day, start),
            ),
            // Seven days ending with today, now at 15:00 of the last day:
            // six days and fifteen hours against the same span before.
            (
                range(start, start + 7 * day),
                start + 6 * day + 15 * HOUR,
                range(start, start + 6 * day + 15 * HOUR),
                range(start - 7 * day, start - day + 15 * HOUR),
            ),
            // A range that has not begun measures nothing on either side.
            (
                range(start, start + day),
                start - HOUR,
                range(start, start),
                range(start - day, start - day),
            ),
        ];
        for (asked, now, current, previous) in cases {
            let comparison = asked.compared_until(now).unwrap();
            assert_eq!(comparison.current, current, "{asked:?} at {now}");
            assert_eq!(comparison.previous, previous, "{asked:?} at {now}");
        }
        let open = TimeRange {
            from_ms: Some(start),
            to_ms: None,
        };
        assert_eq!(open.compared_until(start), None);
    }

    #[test]
    fn accepted_time_formats_mean_the_same_instant() {
        let expected = 1_793_491_200_000; // 2026-11-01T00:00:00Z
        for value in [
            "2026-11-01",
            "2026-11-01T00:00:00Z",
            "2026-11-01T00:00:00.000Z",
            "2026-11-01T01:00:00+01:00",
            "2026-11-01T00:00:00",
        ] {
            assert_eq!(parse_time("from", value).unwrap(), expected, "{value}");
        }
    }

    #[test]
    fn malformed_times_name_the_parameter() {
        for value in [
            "yesterday",
            "2026-13-01",
            "2026-11-01T25:00:00Z",
            "1' OR '1'='1",
            "-5",
        ] {
            let error = parse_time("to", value).unwrap_err();
            assert_eq!(error.parameter, "to", "{value}");
        }
    }

    #[test]
    fn limits_are_clamped_or_rejected() {
        let cases = [
            ("limit=10", Ok(10)),
            ("limit=200", Ok(200)),
            ("limit=500", Ok(200)),
            ("limit=0", Err(())),
            ("limit=-1", Err(())),
            ("limit=99999999999999999999", Err(())),
            ("limit=ten", Err(())),
            ("", Ok(50)),
        ];
        for (query, expected) in cases {
            let params = QueryParams::parse_with(query, &["limit"]).unwrap();
            assert_eq!(
                params.limit("limit", 50, 200).map_err(|_| ()),
                expected,
                "{query}"
            );
        }
    }

    #[test]
    fn unknown_and_repeated_parameters_are_rejected() {
        assert_eq!(
            QueryParams::parse_with("form=1", &["from"])
                .unwrap_err()
                .parameter,
            "form"
        );
        assert_eq!(
            QueryParams::parse_with("from=1&from=2", &["from"])
                .unwrap_err()
                .parameter,
            "from"
        );
    }

    #[test]
    fn accepted_names_are_the_declared_fields_as_the_document_names_them() {
        assert_eq!(
            accepted_names::<SessionListParams>(),
            [
                "from",
                "to",
                "agent",
                "user",
                "hasErrors",
                "q",
                "sort",
                "order",
                "limit",
                "cursor",
                "format",
                "environment"
            ]
        );
        assert!(accepted_names::<NoParams>().is_empty());
        assert_eq!(
            QueryParams::parse::<RangeParams>("model=x")
                .unwrap_err()
                .message,
            "unknown parameter \"model\"; this endpoint accepts: from, to, environment"
        );
    }

    #[test]
    fn day_bounds_round_to_utc_midnight() {
        assert_eq!(day_floor(MS_PER_DAY + 5), MS_PER_DAY);
        assert_eq!(day_ceil(MS_PER_DAY + 5), 2 * MS_PER_DAY);
        assert_eq!(day_ceil(MS_PER_DAY), MS_PER_DAY);
        assert_eq!(day_floor(-1), -MS_PER_DAY);
    }
}
