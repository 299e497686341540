//! `GET /api/versions`: which agent, and which dimension names a version.

use utoipa::IntoParams;

use crate::error::InvalidParameter;
use crate::params::{QueryParams, check_id};

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // declares the parameters; values are read by name
pub struct VersionParams {
    /// The agent whose versions are compared (required), e.g. `matchmaker`.
    agent: String,
    /// What names a version: `release` (default; the trace's release),
    /// `version` (the observation's version) or `prompt` (the linked
    /// prompt's name and version).
    by: Option<String>,
    /// Sessions starting at or after this ISO-8601 date or time.
    from: Option<String>,
    /// Sessions starting before this ISO-8601 date or time.
    to: Option<String>,
    /// Comma-separated environment names (exact). Absent: every environment
    /// but Langfuse's internal ones (`langfuse-...`); naming one includes it.
    environment: Option<String>,
}

/// What names a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionDimension {
    /// The trace's `release`.
    Release,
    /// The observation's own `version`.
    Version,
    /// The linked prompt: `promptName` and `promptVersion`.
    Prompt,
}

impl VersionDimension {
    pub const NAMES: [&'static str; 3] = ["release", "version", "prompt"];

    pub fn as_str(self) -> &'static str {
        match self {
            VersionDimension::Release => "release",
            VersionDimension::Version => "version",
            VersionDimension::Prompt => "prompt",
        }
    }
}

/// A checked `/api/versions` request (the range and environments are read
/// as everywhere else).
#[derive(Debug, Clone)]
pub struct VersionRequest {
    pub agent: String,
    pub by: VersionDimension,
}

impl VersionRequest {
    pub fn from_params(params: &QueryParams) -> Result<Self, InvalidParameter> {
        let agent = params.get("agent").ok_or_else(|| {
            InvalidParameter::new(
                "agent",
                "agent is required: the name of the agent whose versions are compared",
            )
        })?;
        check_id("agent", agent)?;
        let by = match params.choice("by", &VersionDimension::NAMES, "release")? {
            "version" => VersionDimension::Version,
            "prompt" => VersionDimension::Prompt,
            _ => VersionDimension::Release,
        };
        Ok(VersionRequest {
            agent: agent.to_string(),
            by,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The agent and dimension a query gives, or the parameter it names.
    type Outcome = Result<(&'static str, VersionDimension), &'static str>;

    fn parse(query: &str) -> Result<VersionRequest, InvalidParameter> {
        VersionRequest::from_params(&QueryParams::parse::<VersionParams>(query)?)
    }

    #[test]
    fn a_versions_request_names_its_agent_and_dimension_or_the_parameter_at_fault() {
        let cases: [(&str, Outcome); 7] = [
            (
                "agent=matchmaker",
                Ok(("matchmaker", VersionDimension::Release)),
            ),
            (
                "agent=matchmaker&by=prompt",
                Ok(("matchmaker", VersionDimension::Prompt)),
            ),
            (
                "agent=judge&by=version",
                Ok(("judge", VersionDimension::Version)),
            ),
            ("by=release", Err("agent")),
            ("agent=", Err("agent")),
            ("agent=judge&by=model", Err("by")),
            ("agent=judge&dimension=release", Err("dimension")),
        ];
        for (query, expected) in cases {
            match (parse(query), expected) {
                (Ok(request), Ok((agent, by))) => {
                    assert_eq!((request.agent.as_str(), request.by), (agent, by), "{query}")
                }
                (Err(error), Err(parameter)) => assert_eq!(error.parameter, parameter, "{query}"),
                (got, _) => panic!("{query}: {got:?}"),
            }
        }
    }
}
