//! The error list's parameters: how groups are formed, filtered, sorted and
//! paged.

use crate::error::InvalidParameter;
use crate::params::{QueryParams, shorten};

/// Groups per page by default: every group the list used to hold.
const DEFAULT_LIMIT: u32 = 200;
const MAX_LIMIT: u32 = 200;
/// Furthest offset accepted; far beyond any real number of groups.
const MAX_OFFSET: u64 = 1_000_000;

/// What makes two errors one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorGrouping {
    /// Agent, observation name, level and normalised message (the default).
    AgentObservation,
    /// Level and normalised message, across agents and observations.
    Message,
}

impl ErrorGrouping {
    pub const NAMES: [&'static str; 2] = ["agentObservation", "message"];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorGrouping::AgentObservation => "agentObservation",
            ErrorGrouping::Message => "message",
        }
    }
}

/// The orders groups can be listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorSort {
    Count,
    Sessions,
    FirstSeen,
    LastSeen,
    Message,
    Agent,
}

impl ErrorSort {
    pub const NAMES: [&'static str; 6] = [
        "count",
        "sessions",
        "firstSeen",
        "lastSeen",
        "message",
        "agent",
    ];

    fn parse(name: &str) -> ErrorSort {
        match name {
            "sessions" => ErrorSort::Sessions,
            "firstSeen" => ErrorSort::FirstSeen,
            "lastSeen" => ErrorSort::LastSeen,
            "message" => ErrorSort::Message,
            "agent" => ErrorSort::Agent,
            _ => ErrorSort::Count,
        }
    }
}

/// How the groups of one request are formed and which of them it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorListView {
    pub grouping: ErrorGrouping,
    pub sort: ErrorSort,
    pub descending: bool,
    pub limit: u32,
    pub offset: u64,
    /// Lower-cased text that a group's agent, observation name, message or
    /// example must contain.
    pub search: Option<String>,
}

impl ErrorListView {
    pub fn parse(params: &QueryParams) -> Result<ErrorListView, InvalidParameter> {
        let grouping = match params.choice("groupBy", &ErrorGrouping::NAMES, "agentObservation")? {
            "message" => ErrorGrouping::Message,
            _ => ErrorGrouping::AgentObservation,
        };
        let sort = ErrorSort::parse(params.choice("sort", &ErrorSort::NAMES, "count")?);
        let descending = params.choice("order", &["desc", "asc"], "desc")? == "desc";
        Ok(ErrorListView {
            grouping,
            sort,
            descending,
            limit: params.limit("limit", DEFAULT_LIMIT, MAX_LIMIT)?,
            offset: offset(params)?,
            search: params
                .get("q")
                .map(|text| text.trim().to_lowercase())
                .filter(|text| !text.is_empty()),
        })
    }
}

fn offset(params: &QueryParams) -> Result<u64, InvalidParameter> {
    let Some(value) = params.get("offset") else {
        return Ok(0);
    };
    value
        .parse::<u64>()
        .ok()
        .filter(|offset| *offset <= MAX_OFFSET)
        .ok_or_else(|| {
            InvalidParameter::new(
                "offset",
                format!(
                    "offset must be a whole number from 0 to {MAX_OFFSET}, not {:?}",
                    shorten(value)
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ErrorListParams;

    #[test]
    fn views_parse_and_bad_values_name_their_parameter() {
        let parse = |query: &str| {
            QueryParams::parse::<ErrorListParams>(query)
                .and_then(|params| ErrorListView::parse(&params))
        };
        let default = parse("").unwrap();
        assert_eq!(default.grouping, ErrorGrouping::AgentObservation);
        assert_eq!((default.sort, default.descending), (ErrorSort::Count, true));
        assert_eq!((default.limit, default.offset), (200, 0));
        let chosen =
            parse("groupBy=message&sort=lastSeen&order=asc&limit=20&offset=40&q=%20Time%20")
                .unwrap();
        assert_eq!(chosen.grouping, ErrorGrouping::Message);
        assert_eq!(
            (chosen.sort, chosen.descending),
            (ErrorSort::LastSeen, false)
        );
        assert_eq!((chosen.limit, chosen.offset), (20, 40));
        assert_eq!(chosen.search.as_deref(), Some("time"));
        let bad = [
            ("groupBy=agent", "groupBy"),
            ("groupBy=MESSAGE", "groupBy"),
            ("sort=name", "sort"),
            ("order=up", "order"),
            ("limit=0", "limit"),
            ("limit=x", "limit"),
            ("offset=-1", "offset"),
            ("offset=1.5", "offset"),
            ("offset=99999999", "offset"),
        ];
        for (query, parameter) in bad {
            assert_eq!(parse(query).unwrap_err().parameter, parameter, "{query}");
        }
    }
}
