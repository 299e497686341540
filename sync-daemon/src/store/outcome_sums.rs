//! `outcome_sums`: the rolled-up outcome rows (`session_outcomes.rolled_up`)
//! summed by the span their session starts in, at each roll-up grain, so
//! that `/api/outcomes` reads a range's whole spans instead of one row per
//! session and name. Kept by difference: a session's contributions are read
//! before its outcome rows are recomputed and again after, and only what
//! changed is taken out of or added to the sums.

use std::collections::BTreeSet;

use rusqlite::{Transaction, params};
use shared_schema::units::{MS_PER_DAY, MS_PER_HOUR, MS_PER_SIX_HOURS, MS_PER_TEN_MINUTES};

/// The spans the sums are kept at: the metric roll-ups' grains.
const SPANS_MS: [i64; 4] = [
    MS_PER_DAY,
    MS_PER_SIX_HOURS,
    MS_PER_HOUR,
    MS_PER_TEN_MINUTES,
];

/// One rolled-up outcome row: (session start, environment, name, category,
/// session cost).
type Contribution = (i64, String, String, String, i64);

/// A session's rolled-up rows as they are stored.
pub(super) fn contributions(
    transaction: &Transaction<'_>,
    session: &str,
) -> rusqlite::Result<BTreeSet<Contribution>> {
    transaction
        .prepare_cached(
            "SELECT session_start_ms, environment, name, category, session_cost_nanousd
             FROM session_outcomes WHERE session_id = ?1 AND rolled_up = 1",
        )?
        .query_map([session], |row| row.try_into())?
        .collect()
}

/// Marks which of the session's outcome rows are rolled up now and moves
/// the sums from its contributions `before` to its new ones. A session
/// without outcome rows (`has_rows` false: most a page of observations
/// touches during a backfill, before their scores) has none to mark.
pub(super) fn settle(
    transaction: &Transaction<'_>,
    session: &str,
    before: &BTreeSet<Contribution>,
    has_rows: bool,
) -> rusqlite::Result<()> {
    let after = if has_rows {
        mark_rolled_up(transaction, session)?;
        contributions(transaction, session)?
    } else {
        BTreeSet::new()
    };
    for gone in before.difference(&after) {
        add(transaction, gone, -1)?;
    }
    for new in after.difference(before) {
        add(transaction, new, 1)?;
    }
    Ok(())
}

/// A row is rolled up when the session is stored and in one environment,
/// and the row is its name's only one, in that environment: then whatever
/// environments are asked for, the name's latest value is this row's, and
/// the row counts exactly when the session's environment is asked for.
fn mark_rolled_up(transaction: &Transaction<'_>, session: &str) -> rusqlite::Result<()> {
    transaction
        .prepare_cached(
            "UPDATE session_outcomes AS so
             SET rolled_up = new.rolled_up
             FROM (SELECT environment, name,
                          session_start_ms IS NOT NULL
                          AND environment IS session_environment
                          AND count(*) OVER (PARTITION BY name) = 1 AS rolled_up
                   FROM session_outcomes WHERE session_id = ?1) AS new
             WHERE so.session_id = ?1 AND so.environment = new.environment
               AND so.name = new.name AND so.rolled_up IS NOT new.rolled_up",
        )?
        .execute([session])?;
    Ok(())
}

/// Adds one contribution (`sign` 1) or takes it out (-1) at every span,
/// dropping a sum that no session is left in.
fn add(transaction: &Transaction<'_>, row: &Contribution, sign: i64) -> rusqlite::Result<()> {
    let (start_ms, environment, name, category, cost_nanousd) = row;
    let mut upsert = transaction.prepare_cached(
        "INSERT INTO outcome_sums (span_ms, start_ms, environment, name, category, sessions,
             cost_nanousd)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (span_ms, start_ms, environment, name, category) DO UPDATE SET
             sessions = sessions + excluded.sessions,
             cost_nanousd = cost_nanousd + excluded.cost_nanousd",
    )?;
    let mut drop_empty = transaction.prepare_cached(
        "DELETE FROM outcome_sums
         WHERE span_ms = ?1 AND start_ms = ?2 AND environment = ?3 AND name = ?4
           AND category = ?5 AND sessions = 0",
    )?;
    for span_ms in SPANS_MS {
        let span_start = start_ms.div_euclid(span_ms) * span_ms;
        upsert.execute(params![
            span_ms,
            span_start,
            environment,
            name,
            category,
            sign,
            sign * cost_nanousd
        ])?;
        if sign < 0 {
            drop_empty.execute(params![span_ms, span_start, environment, name, category])?;
        }
    }
    Ok(())
}
