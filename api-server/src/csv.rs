//! CSV downloads: RFC 4180 lines that spreadsheets open safely, and the
//! file names that say which range they hold.

use crate::params::TimeRange;

/// Quotes a CSV field when it needs it, and defuses spreadsheet formulas.
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) && value.parse::<f64>().is_err() {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

pub fn csv_line(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// `{prefix}-{from day}-{to day}.csv`, `all` for an open bound.
pub fn range_filename(prefix: &str, range: TimeRange) -> String {
    let bound = |ms: Option<i64>| {
        ms.map(shared_schema::units::ms_to_day)
            .unwrap_or_else(|| "all".into())
    };
    format!(
        "{prefix}-{}-{}.csv",
        bound(range.from_ms),
        bound(range.to_ms)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("-5"), "-5");
    }
}
