//! `/api/environments`: the environment picker's list.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::environments::EnvironmentRow;
use crate::params::environments::is_internal;
use crate::wire::iso;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentSummary {
    /// The exact name, as the `environment` parameter takes it.
    pub name: String,
    /// Observations stored in it.
    pub observations: i64,
    /// Start time of its newest observation.
    pub newest_start_time: String,
    /// One of Langfuse's own (`langfuse-...`): left out unless named.
    pub internal: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnvironmentList {
    /// By observations, most first.
    pub items: Vec<EnvironmentSummary>,
}

impl From<EnvironmentRow> for EnvironmentSummary {
    fn from(row: EnvironmentRow) -> Self {
        EnvironmentSummary {
            internal: is_internal(&row.name),
            name: row.name,
            observations: row.observations,
            newest_start_time: iso(row.newest_start_time_ms),
        }
    }
}
