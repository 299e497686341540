//! The session list's parameters: filters, sort, page size and the cursor
//! of the page before.

use crate::error::InvalidParameter;
use crate::params::{EnvironmentSelection, QueryParams, SessionListParams, TimeRange};

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;
/// Most rows a CSV export holds.
const MAX_CSV_ROWS: u32 = 100_000;
const SORT_KEYS: [&str; 5] = ["startTime", "cost", "tokens", "duration", "errors"];

/// Where the previous page stopped: the sort value and id of its last row,
/// for the same sort and order.
#[derive(Debug, PartialEq, Eq)]
pub struct Cursor {
    pub sort: String,
    pub order: String,
    pub value: i64,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let plain = format!("v1|{}|{}|{}|{}", self.sort, self.order, self.value, self.id);
        plain.bytes().map(|byte| format!("{byte:02x}")).collect()
    }

    pub fn decode(text: &str, sort: &str, order: &str) -> Result<Cursor, InvalidParameter> {
        let malformed = || {
            InvalidParameter::new(
                "cursor",
                "cursor is malformed; pass the nextCursor of a previous page unchanged",
            )
        };
        if !text.len().is_multiple_of(2) || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(malformed());
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|index| u8::from_str_radix(&text[index..index + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| malformed())?;
        let plain = String::from_utf8(bytes).map_err(|_| malformed())?;
        let parts: Vec<&str> = plain.splitn(5, '|').collect();
        let [version, cursor_sort, cursor_order, value, id] = parts.as_slice() else {
            return Err(malformed());
        };
        if *version != "v1" || id.is_empty() {
            return Err(malformed());
        }
        if *cursor_sort != sort || *cursor_order != order {
            return Err(InvalidParameter::new(
                "cursor",
                format!(
                    "cursor belongs to sort={cursor_sort} order={cursor_order}, not sort={sort} order={order}"
                ),
            ));
        }
        Ok(Cursor {
            sort: sort.to_string(),
            order: order.to_string(),
            value: value.parse().map_err(|_| malformed())?,
            id: id.to_string(),
        })
    }
}

/// A validated list request.
#[derive(Debug, Clone)]
pub struct SessionListRequest {
    pub range: TimeRange,
    pub agent: Option<String>,
    pub user: Option<String>,
    pub has_errors: Option<bool>,
    pub search: Option<String>,
    pub sort: &'static str,
    pub descending: bool,
    pub limit: u32,
    pub after: Option<(i64, String)>,
    pub csv: bool,
    pub environments: EnvironmentSelection,
}

impl SessionListRequest {
    /// Whether only the range and environments choose the sessions (no
    /// agent, user, error or text filter).
    pub fn filters_only_by_range(&self) -> bool {
        self.agent.is_none()
            && self.user.is_none()
            && self.has_errors.is_none()
            && self.search.is_none()
    }

    pub fn parse(query: &str) -> Result<Self, InvalidParameter> {
        let params = QueryParams::parse::<SessionListParams>(query)?;
        let sort = params.choice("sort", &SORT_KEYS, "startTime")?;
        let order = params.choice("order", &["desc", "asc"], "desc")?;
        let after = params
            .get("cursor")
            .map(|text| Cursor::decode(text, sort, order))
            .transpose()?
            .map(|cursor| (cursor.value, cursor.id));
        Ok(SessionListRequest {
            range: params.range()?,
            agent: params.get("agent").map(str::to_string),
            user: params.get("user").map(str::to_string),
            has_errors: params.boolean("hasErrors")?,
            search: params.get("q").map(str::to_string),
            sort,
            descending: order == "desc",
            limit: params.limit("limit", DEFAULT_LIMIT, MAX_LIMIT)?,
            after,
            csv: params.choice("format", &["json", "csv"], "json")? == "csv",
            environments: EnvironmentSelection::from_params(&params)?,
        })
    }

    /// Rows to read: a page, or every row of a CSV export.
    pub fn row_limit(&self) -> u32 {
        if self.csv { MAX_CSV_ROWS } else { self.limit }
    }

    /// The cursor of the page after the row with `value` and `id`.
    pub fn cursor_after(&self, value: i64, id: &str) -> String {
        Cursor {
            sort: self.sort.to_string(),
            order: if self.descending { "desc" } else { "asc" }.to_string(),
            value,
            id: id.to_string(),
        }
        .encode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_tampering() {
        let cursor = Cursor {
            sort: "cost".into(),
            order: "asc".into(),
            value: -17,
            id: "session|with|bars".into(),
        };
        let encoded = cursor.encode();
        assert_eq!(Cursor::decode(&encoded, "cost", "asc").unwrap(), cursor);
        for bad in ["zz", "abc", "00", &encoded[..encoded.len() - 1]] {
            assert!(Cursor::decode(bad, "cost", "asc").is_err(), "{bad}");
        }
        assert_eq!(
            Cursor::decode(&encoded, "startTime", "asc")
                .unwrap_err()
                .parameter,
            "cursor"
        );
    }
}
