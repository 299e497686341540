//! The `environment` parameter every figure and list endpoint takes:
//! comma-separated exact Langfuse environment names. Absent means every
//! environment but Langfuse's internal ones (`langfuse-...`: its own
//! LLM-as-a-judge runs, experiments, evaluations), as Langfuse's UI shows.

use rusqlite::Connection;

use crate::error::{ApiError, InvalidParameter};
use crate::params::{MAX_VALUE_LENGTH, QueryParams};

pub const PARAMETER: &str = "environment";
/// Most names one request may list.
pub const MAX_NAMES: usize = 50;
/// Longest accepted value: `MAX_NAMES` names of the longest length, with commas.
pub const MAX_PARAMETER_LENGTH: usize = MAX_NAMES * (MAX_VALUE_LENGTH + 1);
/// Langfuse's internal environments start with this.
pub const INTERNAL_PREFIX: &str = "langfuse-";

pub fn is_internal(name: &str) -> bool {
    name.starts_with(INTERNAL_PREFIX)
}

/// What a request asked for, before the database says which names exist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum EnvironmentSelection {
    #[default]
    AllButInternal,
    /// Exactly these names, sorted and without repeats.
    Only(Vec<String>),
}

impl EnvironmentSelection {
    /// Reads `environment` from a query string parsed with it allowed.
    pub fn from_params(params: &QueryParams) -> Result<Self, InvalidParameter> {
        match params.raw(PARAMETER) {
            None => Ok(EnvironmentSelection::AllButInternal),
            Some(value) => parse(value),
        }
    }

    /// The concrete names: the stored non-internal environments by default,
    /// else the names asked for (an unknown one simply matches nothing).
    pub fn resolve(&self, connection: &Connection) -> Result<Environments, ApiError> {
        let names = match self {
            EnvironmentSelection::Only(names) => names.clone(),
            EnvironmentSelection::AllButInternal => {
                let mut statement = connection.prepare_cached(
                    "SELECT name FROM environments WHERE substr(name, 1, 9) <> 'langfuse-'
                     ORDER BY name",
                )?;
                statement
                    .query_map([], |row| row.get(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?
            }
        };
        Ok(Environments::new(names))
    }
}

fn parse(value: &str) -> Result<EnvironmentSelection, InvalidParameter> {
    let rejected = |why: &str| {
        InvalidParameter::new(
            PARAMETER,
            format!("environment must be a comma-separated list of environment names; {why}"),
        )
    };
    if value.is_empty() {
        return Err(rejected(
            "it is empty (leave it out for every environment but Langfuse's internal ones)",
        ));
    }
    let mut names: Vec<String> = Vec::new();
    for name in value.split(',') {
        if name.is_empty() {
            return Err(rejected("it holds an empty name"));
        }
        if name.chars().count() > MAX_VALUE_LENGTH {
            return Err(rejected(&format!(
                "a name is longer than {MAX_VALUE_LENGTH} characters"
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(rejected("a name holds a control character"));
        }
        names.push(name.to_string());
    }
    if names.len() > MAX_NAMES {
        return Err(rejected(&format!("it names more than {MAX_NAMES}")));
    }
    names.sort_unstable();
    names.dedup();
    Ok(EnvironmentSelection::Only(names))
}

/// Concrete environment names, with the JSON array SQL binds them as
/// (`environment IN (SELECT value FROM json_each(?))`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Environments {
    pub names: Vec<String>,
    pub json: String,
}

impl Environments {
    pub fn new(mut names: Vec<String>) -> Self {
        names.sort_unstable();
        names.dedup();
        let json = serde_json::to_string(&names).expect("strings serialise");
        Environments { names, json }
    }
}

/// `column IN (the environments bound at ?index)`.
pub fn in_clause(column: &str, index: usize) -> String {
    format!("{column} IN (SELECT value FROM json_each(?{index}))")
}

/// Whether the session `id` has observations in the environments bound at
/// `?index`.
pub fn session_in(id: &str, index: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM session_environments AS se WHERE se.session_id = {id} AND {})",
        in_clause("se.environment", index)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_lists_parse_or_name_the_parameter() {
        let long = "x".repeat(MAX_VALUE_LENGTH + 1);
        let many = vec!["e"; MAX_NAMES + 1]
            .iter()
            .enumerate()
            .map(|(i, e)| format!("{e}{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let cases: Vec<(&str, Option<Vec<&str>>)> = vec![
            ("production", Some(vec!["production"])),
            (
                "staging,production,staging",
                Some(vec!["production", "staging"]),
            ),
            (
                "langfuse-llm-as-a-judge",
                Some(vec!["langfuse-llm-as-a-judge"]),
            ),
            ("", None),
            ("a,,b", None),
            (",a", None),
            ("a,", None),
            (&long, None),
            ("bad\u{7}name", None),
            (&many, None),
        ];
        for (value, expected) in cases {
            let parsed = parse(value);
            match expected {
                Some(names) => assert_eq!(
                    parsed.unwrap(),
                    EnvironmentSelection::Only(names.into_iter().map(String::from).collect()),
                    "{value}"
                ),
                None => assert_eq!(parsed.unwrap_err().parameter, PARAMETER, "{value:?}"),
            }
        }
    }
}
