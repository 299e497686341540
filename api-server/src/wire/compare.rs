//! `/api/compare/agents`: agents side by side.

use serde::Serialize;
use utoipa::ToSchema;

use crate::wire::agents::AgentStats;

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentComparison {
    /// In the order asked for.
    pub items: Vec<AgentStats>,
}
