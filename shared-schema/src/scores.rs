//! What both sides must compute alike about scores: which agents a score
//! belongs to (the SQL of the attribution), the value averages use, the
//! category shares count, and the summed figures of a group of scores that
//! the roll-ups `hourly_scores`/`daily_scores` (and their numeric values in
//! `hourly_score_values`/`daily_score_values`) store. The sync daemon fills
//! the roll-ups with `ScoreTally`; the api-server tallies the raw scores of
//! a range's partial hours with the same code, so that both agree exactly.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::rows::ROLL_UP;

/// The agent of the roll-up rows that count every score, attributed to an
/// agent or not (what `/api/scores` without an agent reads).
pub const EVERY_SCORE: &str = ROLL_UP;

/// Scores matching `filter` (a condition on `sc`, the score), each once per
/// agent it belongs to, as `agent` followed by `columns` (of `sc`):
/// a score with an observation belongs to that observation's agent (none
/// while the observation is not stored); else to every agent of its trace;
/// else to every agent of its session. With `agent_parameter` (e.g. `?4`),
/// only that agent's rows: the filter sits inside each branch, so that each
/// probes its agent table by key instead of attributing every score first.
/// The unary `+` keeps SQLite from reading every trace-less score through
/// `scores_by_trace` (`trace_id IS NULL`) instead of `filter`'s index.
pub fn attributed_scores(columns: &str, filter: &str, agent_parameter: Option<&str>) -> String {
    let only = |alias: &str| match agent_parameter {
        // `+`: the filter drives; an agent's rows of all time must not.
        Some(parameter) => format!("AND +{alias}.agent = {parameter}"),
        None => String::new(),
    };
    format!(
        "SELECT o.agent AS agent, {columns}
         FROM scores AS sc JOIN trace_keys AS k ON k.id = sc.trace_id
             JOIN observations AS o ON o.trace_key = k.key AND o.id = sc.observation_id
         WHERE {filter} {observation_agent}
         UNION ALL
         SELECT ta.agent, {columns}
         FROM scores AS sc JOIN trace_keys AS k ON k.id = sc.trace_id
             JOIN trace_agents AS ta ON ta.trace_key = k.key
         WHERE {filter} AND +sc.observation_id IS NULL {trace_agent}
         UNION ALL
         SELECT sa.agent, {columns}
         FROM scores AS sc JOIN session_agents AS sa ON sa.session_id = sc.session_id
         WHERE {filter} AND +sc.observation_id IS NULL AND +sc.trace_id IS NULL {session_agent}",
        observation_agent = only("o"),
        trace_agent = only("ta"),
        session_agent = only("sa"),
    )
}

/// A session's scores (a condition on `sc`, the score, with the session id
/// as `?1`): those naming the session, and those of its traces and of its
/// observations, which Langfuse stores without the session. The session
/// page and the daemon's session outcomes both read them by this rule.
pub const OF_SESSION: &str = "(sc.session_id = ?1
       OR sc.trace_id IN (SELECT id FROM traces WHERE session_id = ?1)
       OR sc.observation_id IN (SELECT id FROM observations WHERE session_id = ?1))";

/// The columns of `sc` that `RawScore::from_row` reads, in its order.
pub const RAW_SCORE_COLUMNS: &str =
    "sc.name, sc.data_type, sc.value, sc.string_value, sc.timestamp_ms";

/// One stored score, as far as the figures go.
#[derive(Debug, Clone, PartialEq)]
pub struct RawScore {
    pub name: String,
    pub data_type: String,
    pub value: Option<f64>,
    pub string_value: Option<String>,
    pub timestamp_ms: i64,
}

impl RawScore {
    /// Reads `RAW_SCORE_COLUMNS` starting at column `first`.
    pub fn from_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<RawScore> {
        Ok(RawScore {
            name: row.get(first)?,
            data_type: row.get(first + 1)?,
            value: row.get(first + 2)?,
            string_value: row.get(first + 3)?,
            timestamp_ms: row.get(first + 4)?,
        })
    }

    /// The value averages use: NUMERIC and BOOLEAN only, finite.
    pub fn numeric(&self) -> Option<f64> {
        match self.data_type.as_str() {
            "NUMERIC" | "BOOLEAN" => self.value.filter(|v| v.is_finite()),
            _ => None,
        }
    }

    /// The category shares count: BOOLEAN as `true`/`false`, CATEGORICAL
    /// its string value (else its number).
    pub fn category(&self) -> Option<String> {
        match self.data_type.as_str() {
            "BOOLEAN" => self.value.map(|v| (v >= 0.5).to_string()).or_else(|| {
                self.string_value
                    .as_deref()
                    .map(|text| text.eq_ignore_ascii_case("true").to_string())
            }),
            "CATEGORICAL" => self
                .string_value
                .clone()
                .or_else(|| self.value.map(|v| v.to_string())),
            _ => None,
        }
    }
}

/// One roll-up row's key besides time and environment. `category` is ''
/// for a score without one (NUMERIC, TEXT, ...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScoreKey {
    pub agent: String,
    pub name: String,
    pub data_type: String,
    pub category: String,
}

/// The summed figures of a group of scores; groups merge exactly (but for
/// the float sum's rounding).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ScoreTotals {
    pub scores: i64,
    /// How many have a value averages use, and their sum, min and max.
    pub numeric_count: i64,
    pub numeric_sum: f64,
    pub numeric_min: Option<f64>,
    pub numeric_max: Option<f64>,
    /// The newest score's timestamp (which decides a name's data type).
    pub latest_ms: i64,
}

impl ScoreTotals {
    /// The roll-up columns in `ScoreTotals::from_row`'s order.
    pub const COLUMNS: &'static str =
        "scores, numeric_count, numeric_sum, numeric_min, numeric_max, latest_ms";

    fn record(&mut self, score: &RawScore) {
        if self.scores == 0 || score.timestamp_ms > self.latest_ms {
            self.latest_ms = score.timestamp_ms;
        }
        self.scores += 1;
        if let Some(value) = score.numeric() {
            self.numeric_count += 1;
            self.numeric_sum += value;
            self.numeric_min = Some(self.numeric_min.map_or(value, |min| min.min(value)));
            self.numeric_max = Some(self.numeric_max.map_or(value, |max| max.max(value)));
        }
    }

    pub fn add(&mut self, other: &ScoreTotals) {
        if other.scores == 0 {
            return;
        }
        if self.scores == 0 || other.latest_ms > self.latest_ms {
            self.latest_ms = other.latest_ms;
        }
        self.scores += other.scores;
        self.numeric_count += other.numeric_count;
        self.numeric_sum += other.numeric_sum;
        let pick =
            |mine: Option<f64>, theirs: Option<f64>, f: fn(f64, f64) -> f64| match (mine, theirs) {
                (Some(a), Some(b)) => Some(f(a, b)),
                (a, b) => a.or(b),
            };
        self.numeric_min = pick(self.numeric_min, other.numeric_min, f64::min);
        self.numeric_max = pick(self.numeric_max, other.numeric_max, f64::max);
    }

    /// Reads `COLUMNS` (or their sums, min, max) starting at `first`.
    pub fn from_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<ScoreTotals> {
        Ok(ScoreTotals {
            scores: row.get(first)?,
            numeric_count: row.get(first + 1)?,
            numeric_sum: row.get(first + 2)?,
            numeric_min: row.get(first + 3)?,
            numeric_max: row.get(first + 4)?,
            latest_ms: row.get(first + 5)?,
        })
    }
}

/// A finite number as a map key, ordered numerically; -0 is 0 (SQLite
/// would find both the same key).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumericValue(f64);

impl NumericValue {
    pub fn new(value: f64) -> NumericValue {
        NumericValue(value + 0.0)
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl Eq for NumericValue {}

impl PartialOrd for NumericValue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for NumericValue {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The figures of a set of scores grouped like the roll-ups: by
/// `ScoreKey`, and the count of each numeric value per (agent, name).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoreTally {
    pub cells: BTreeMap<ScoreKey, ScoreTotals>,
    pub values: BTreeMap<(String, String, NumericValue), i64>,
}

impl ScoreTally {
    /// Counts `score` for `agent`.
    pub fn record(&mut self, agent: &str, score: &RawScore) {
        let key = ScoreKey {
            agent: agent.to_string(),
            name: score.name.clone(),
            data_type: score.data_type.clone(),
            category: score.category().unwrap_or_default(),
        };
        self.cells.entry(key).or_default().record(score);
        if let Some(value) = score.numeric() {
            *self
                .values
                .entry((
                    agent.to_string(),
                    score.name.clone(),
                    NumericValue::new(value),
                ))
                .or_default() += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(data_type: &str, value: Option<f64>, string_value: Option<&str>) -> RawScore {
        RawScore {
            name: "n".into(),
            data_type: data_type.into(),
            value,
            string_value: string_value.map(str::to_string),
            timestamp_ms: 0,
        }
    }

    #[test]
    fn booleans_are_numbers_and_true_false_categories_and_text_is_neither() {
        let cases = [
            (score("BOOLEAN", Some(1.0), None), Some(1.0), Some("true")),
            (score("BOOLEAN", Some(0.0), None), Some(0.0), Some("false")),
            (score("BOOLEAN", None, Some("TRUE")), None, Some("true")),
            (
                score("CATEGORICAL", None, Some("match")),
                None,
                Some("match"),
            ),
            (score("CATEGORICAL", Some(2.0), None), None, Some("2")),
            (score("NUMERIC", Some(0.25), None), Some(0.25), None),
            (score("NUMERIC", Some(f64::INFINITY), None), None, None),
            (score("TEXT", None, Some("fine")), None, None),
        ];
        for (score, numeric, category) in cases {
            assert_eq!(score.numeric(), numeric, "{score:?}");
            assert_eq!(score.category().as_deref(), category, "{score:?}");
        }
    }

    #[test]
    fn totals_merged_in_any_grouping_equal_the_totals_of_all() {
        let scores: Vec<RawScore> = (0..20_i64)
            .map(|i| RawScore {
                timestamp_ms: (i * 7) % 13,
                ..score("NUMERIC", Some((i % 5) as f64), None)
            })
            .collect();
        let mut all = ScoreTotals::default();
        scores.iter().for_each(|s| all.record(s));
        let (mut left, mut right) = (ScoreTotals::default(), ScoreTotals::default());
        scores[..7].iter().for_each(|s| left.record(s));
        scores[7..].iter().for_each(|s| right.record(s));
        left.add(&right);
        assert_eq!(left, all);
        assert_eq!((all.numeric_min, all.numeric_max), (Some(0.0), Some(4.0)));
        assert_eq!(all.latest_ms, 12);
    }
}
