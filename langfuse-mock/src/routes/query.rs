//! Query-string parsing shared by the routes, with errors that name the
//! offending parameter.

use actix_web::web;

/// The raw query pairs of a request, in order.
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub fn parse(query_string: &str) -> Result<Self, String> {
        web::Query::<Vec<(String, String)>>::from_query(query_string)
            .map(|q| Self(q.into_inner()))
            .map_err(|e| format!("Invalid query string: {e}"))
    }

    /// The last value of a parameter; an empty value counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// A parameter that may be given empty (meaning "no value").
    pub fn get_raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn get_all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub fn string(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    /// An integer within `min..=max`, or `default` when absent.
    pub fn int_in(&self, name: &str, default: i64, min: i64, max: i64) -> Result<i64, String> {
        let Some(raw) = self.get(name) else {
            return Ok(default);
        };
        let value: i64 = raw
            .parse()
            .map_err(|_| format!("Invalid {name}: '{raw}' is not an integer"))?;
        if !(min..=max).contains(&value) {
            return Err(format!(
                "Invalid {name}: {value} is out of range, it must be between {min} and {max}"
            ));
        }
        Ok(value)
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, String> {
        match self.get(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(format!("Invalid {name}: '{other}' is not true or false")),
        }
    }

    /// An ISO-8601 date-time as ms since the epoch.
    pub fn time_ms(&self, name: &str) -> Result<Option<i64>, String> {
        self.get(name)
            .map(|raw| parse_time_ms(name, raw))
            .transpose()
    }
}

pub fn parse_time_ms(name: &str, raw: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.timestamp_millis())
        .or_else(|_| {
            // Langfuse also accepts a bare date-time without offset (UTC).
            chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f")
                .map(|t| t.and_utc().timestamp_millis())
        })
        .map_err(|_| format!("Invalid {name}: '{raw}' is not an ISO 8601 date-time"))
}
