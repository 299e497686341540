//! The agent comparison's list of agents.

use crate::error::InvalidParameter;
use crate::params::check_id;

const MIN_AGENTS: usize = 2;
const MAX_AGENTS: usize = 8;

/// The distinct agent names asked for, checked.
pub fn parse_agents(value: Option<&str>) -> Result<Vec<String>, InvalidParameter> {
    let value = value.ok_or_else(|| {
        InvalidParameter::new(
            "agents",
            format!("agents is required: {MIN_AGENTS} to {MAX_AGENTS} comma-separated agent names"),
        )
    })?;
    let mut agents: Vec<String> = Vec::new();
    for name in value.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(InvalidParameter::new(
                "agents",
                "agents contains an empty name; separate names with single commas",
            ));
        }
        check_id("agents", name)?;
        if agents.iter().any(|seen| seen == name) {
            return Err(InvalidParameter::new(
                "agents",
                format!("agents names {name:?} twice"),
            ));
        }
        agents.push(name.to_string());
    }
    if !(MIN_AGENTS..=MAX_AGENTS).contains(&agents.len()) {
        return Err(InvalidParameter::new(
            "agents",
            format!(
                "agents must name {MIN_AGENTS} to {MAX_AGENTS} agents, not {}",
                agents.len()
            ),
        ));
    }
    Ok(agents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_lists_are_checked() {
        assert_eq!(parse_agents(Some("a, b")).unwrap(), vec!["a", "b"]);
        for bad in [
            None,
            Some("a"),
            Some("a,,b"),
            Some("a,a"),
            Some("a,b,c,d,e,f,g,h,i"),
        ] {
            assert_eq!(
                parse_agents(bad).unwrap_err().parameter,
                "agents",
                "{bad:?}"
            );
        }
    }
}
