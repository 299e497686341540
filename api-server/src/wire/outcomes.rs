//! `/api/outcomes`: sessions and cost per score value.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::outcomes::OutcomeRow;
use crate::wire::usd;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The score name, e.g. `match_outcome`.
    pub name: String,
    /// The category, e.g. `match` (`true`/`false` for BOOLEAN scores).
    pub value: String,
    /// Sessions starting in the range whose latest score of this name has
    /// this value.
    pub sessions: i64,
    /// USD, the summed cost of those sessions.
    pub total_cost: f64,
    /// USD per session; null without sessions.
    pub cost_per_session: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeList {
    /// By name, then by sessions (most first).
    pub items: Vec<Outcome>,
}

impl OutcomeList {
    /// By name, then by sessions (most first), then by value.
    pub fn new(rows: Vec<OutcomeRow>) -> Self {
        let mut items: Vec<Outcome> = rows
            .into_iter()
            .map(|row| Outcome {
                name: row.name,
                value: row.value,
                sessions: row.sessions,
                total_cost: usd(row.cost_nanousd),
                cost_per_session: (row.sessions > 0)
                    .then(|| usd(row.cost_nanousd) / row.sessions as f64),
            })
            .collect();
        items.sort_by(|a, b| {
            a.name
                .cmp(&b.name)
                .then_with(|| b.sessions.cmp(&a.sessions))
                .then_with(|| a.value.cmp(&b.value))
        });
        OutcomeList { items }
    }
}
