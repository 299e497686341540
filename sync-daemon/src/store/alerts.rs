//! The alert rules' SQL: each rule's value over its window, where each rule
//! stands (`alert_states`) and the history of firings (`alert_events`).
//! One transaction per evaluation, so a reader never sees a state without
//! its event.

use anyhow::Context;
use rusqlite::{OptionalExtension, Transaction, params};
use shared_schema::units::nanousd_to_usd;

use super::Store;
use crate::alerts::{AlertRule, AlertState, Change, Metric, Notice, decide};

/// How long the history of firings is kept.
const EVENTS_KEPT_MS: i64 = 90 * 86_400_000;

/// Rows stamped a little ahead of our clock (the traced application's clock
/// may run ahead) still count in the current window.
const FUTURE_ALLOWANCE_MS: i64 = 5 * 60_000;

/// Observations of a rule's window and filters; ?1 from, ?2 to, ?3 agent,
/// ?4 model, ?5 environment (NULL: all but Langfuse's internal ones).
const OBSERVATIONS_IN_WINDOW: &str = "FROM observations
     WHERE start_time_ms >= ?1 AND start_time_ms < ?2
       AND (?3 IS NULL OR agent = ?3)
       AND (?4 IS NULL OR model = ?4)
       AND CASE WHEN ?5 IS NULL THEN substr(environment, 1, 9) <> 'langfuse-'
                ELSE environment = ?5 END";

/// Scores of a rule's window: ?1 name, ?2 from, ?3 to, ?4 environment.
const SCORES_IN_WINDOW: &str = "FROM scores
     WHERE name = ?1 AND timestamp_ms >= ?2 AND timestamp_ms < ?3
       AND CASE WHEN ?4 IS NULL THEN substr(COALESCE(environment, 'default'), 1, 9) <> 'langfuse-'
                ELSE COALESCE(environment, 'default') = ?4 END";

impl Store {
    /// Measures `rules` (all of them after a successful cycle; after a
    /// failed one only `sync_staleness_minutes`, as the data did not move),
    /// records their states and returns the messages to post. Rules no
    /// longer configured (not in `configured`) lose their state row.
    pub fn evaluate_alerts(
        &mut self,
        rules: &[AlertRule],
        data_is_fresh: bool,
        now_ms: i64,
    ) -> anyhow::Result<Vec<Notice>> {
        let transaction = self.begin()?;
        let configured = serde_json::to_string(
            &rules
                .iter()
                .map(|rule| rule.name.as_str())
                .collect::<Vec<_>>(),
        )?;
        transaction.execute(
            "DELETE FROM alert_states WHERE rule NOT IN (SELECT value FROM json_each(?1))",
            [configured],
        )?;
        transaction.execute(
            "DELETE FROM alert_events WHERE at_ms < ?1",
            [now_ms - EVENTS_KEPT_MS],
        )?;
        let mut notices = Vec::new();
        for rule in rules
            .iter()
            .filter(|rule| data_is_fresh || rule.metric == Metric::SyncStalenessMinutes)
        {
            let value = measure(&transaction, rule, now_ms)
                .with_context(|| format!("measuring the alert rule {:?}", rule.name))?;
            let previous = transaction
                .query_row(
                    "SELECT state, since_ms FROM alert_states WHERE rule = ?1",
                    [&rule.name],
                    |row| Ok((AlertState::parse(&row.get::<_, String>(0)?), row.get(1)?)),
                )
                .optional()?;
            let (state, since_ms, change) = decide(previous, rule.breached_by(value), now_ms);
            transaction.execute(
                "INSERT INTO alert_states (rule, metric, condition, state, since_ms, last_value,
                     evaluated_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (rule) DO UPDATE SET metric = excluded.metric,
                     condition = excluded.condition, state = excluded.state,
                     since_ms = excluded.since_ms, last_value = excluded.last_value,
                     evaluated_at_ms = excluded.evaluated_at_ms",
                params![
                    rule.name,
                    rule.metric.as_str(),
                    rule.condition(),
                    state.as_str(),
                    since_ms,
                    value,
                    now_ms
                ],
            )?;
            if let Some(change) = change {
                let firing_since = match change {
                    Change::Fired => now_ms,
                    Change::Resolved => previous.map_or(now_ms, |(_, since)| since),
                };
                let notice = Notice::new(rule, change, value, firing_since, now_ms);
                transaction.execute(
                    "INSERT INTO alert_events (rule, kind, at_ms, value, message)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![rule.name, change.as_str(), now_ms, value, notice.text()],
                )?;
                notices.push(notice);
            }
        }
        transaction.commit()?;
        Ok(notices)
    }
}

/// The rule's value now; `None` when there is nothing to measure (no LLM
/// calls for a latency or a rate, no scores, no successful sync yet).
fn measure(
    transaction: &Transaction<'_>,
    rule: &AlertRule,
    now_ms: i64,
) -> rusqlite::Result<Option<f64>> {
    let window_ms = rule.window.as_millis() as i64;
    let from = now_ms - window_ms;
    let to = now_ms + FUTURE_ALLOWANCE_MS;
    let hours = window_ms as f64 / 3_600_000.0;
    let filters = &rule.filters;
    let observation_params = params![from, to, filters.agent, filters.model, filters.environment];
    match rule.metric {
        Metric::CostPerHour | Metric::ErrorRate | Metric::LlmCallsPerHour => {
            let (observations, errors, generations, cost): (i64, i64, i64, i64) = transaction
                .prepare_cached(&format!(
                    "SELECT COUNT(*), COALESCE(SUM(level = 'ERROR'), 0),
                            COALESCE(SUM(type = 'GENERATION'), 0), COALESCE(SUM(cost_nanousd), 0)
                     {OBSERVATIONS_IN_WINDOW}"
                ))?
                .query_row(observation_params, |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })?;
            Ok(match rule.metric {
                Metric::CostPerHour => Some(nanousd_to_usd(cost) / hours),
                Metric::LlmCallsPerHour => Some(generations as f64 / hours),
                _ => (observations > 0).then(|| errors as f64 / observations as f64),
            })
        }
        Metric::P95LatencyMs => {
            let latencies: Vec<i64> = transaction
                .prepare_cached(&format!(
                    "SELECT latency_ms {OBSERVATIONS_IN_WINDOW}
                       AND type = 'GENERATION' AND latency_ms IS NOT NULL
                     ORDER BY latency_ms"
                ))?
                .query_map(observation_params, |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(nearest_rank(&latencies, 0.95).map(|ms| ms as f64))
        }
        Metric::SyncStalenessMinutes => {
            let last_success: Option<i64> = transaction.query_row(
                "SELECT last_success_at_ms FROM sync_metadata WHERE id = 1",
                [],
                |row| row.get(0),
            )?;
            Ok(last_success.map(|at| (now_ms - at).max(0) as f64 / 60_000.0))
        }
        Metric::ScoreAverage => {
            let (count, average): (i64, Option<f64>) = transaction
                .prepare_cached(&format!(
                    "SELECT COUNT(*), AVG(value) {SCORES_IN_WINDOW}
                       AND data_type IN ('NUMERIC', 'BOOLEAN') AND value IS NOT NULL"
                ))?
                .query_row(
                    params![rule.score_name, from, to, filters.environment],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?;
            Ok(average.filter(|_| count > 0))
        }
        Metric::ScoreShare => {
            let (count, matching): (i64, i64) = transaction
                .prepare_cached(&format!(
                    "SELECT COUNT(*), COALESCE(SUM(
                         CASE WHEN data_type = 'BOOLEAN'
                              THEN (CASE WHEN value = 1 THEN 'true' ELSE 'false' END) = ?5
                              ELSE string_value = ?5 END), 0)
                     {SCORES_IN_WINDOW} AND data_type IN ('BOOLEAN', 'CATEGORICAL')"
                ))?
                .query_row(
                    params![
                        rule.score_name,
                        from,
                        to,
                        filters.environment,
                        rule.score_value
                    ],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?;
            Ok((count > 0).then(|| matching as f64 / count as f64))
        }
    }
}

/// The nearest-rank percentile of sorted values.
fn nearest_rank(sorted: &[i64], quantile: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (quantile * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::nearest_rank;

    #[test]
    fn the_nearest_rank_p95_of_twenty_values_is_the_nineteenth() {
        let values: Vec<i64> = (1..=20).collect();
        assert_eq!(nearest_rank(&values, 0.95), Some(19));
        assert_eq!(nearest_rank(&[7], 0.95), Some(7));
        assert_eq!(nearest_rank(&[], 0.95), None);
    }
}
