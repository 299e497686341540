//! The `environment` parameter every figure and list endpoint takes:
//! comma-separated exact Langfuse environment names. Absent means every
//! environment but Langfuse's internal ones (`langfuse-...`: its own
//! LLM-as-a-judge runs, experiments, evaluations), as Langfuse's UI shows.
//! What the names resolve to is `crate::db::environments`' part.

use crate::error::InvalidParameter;
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
