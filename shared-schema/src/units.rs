//! The storage units, one per kind of value: times are milliseconds since the
//! Unix epoch in UTC, money is integer nano-dollars, tokens are integers.

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};

pub const NANOUSD_PER_USD: f64 = 1_000_000_000.0;
pub const MS_PER_DAY: i64 = 86_400_000;
pub const MS_PER_HOUR: i64 = 3_600_000;
/// The span of a `ten_minute_*` roll-up row.
pub const MS_PER_TEN_MINUTES: i64 = 600_000;
/// The span of a `six_hourly_*` roll-up row.
pub const MS_PER_SIX_HOURS: i64 = 6 * MS_PER_HOUR;

/// A cost in USD as Langfuse reports it, stored as whole nano-dollars.
/// Non-finite or negative values are not costs: None.
pub fn usd_to_nanousd(usd: f64) -> Option<i64> {
    if !usd.is_finite() || usd < 0.0 || usd * NANOUSD_PER_USD > i64::MAX as f64 {
        return None;
    }
    Some((usd * NANOUSD_PER_USD).round() as i64)
}

pub fn nanousd_to_usd(nanousd: i64) -> f64 {
    nanousd as f64 / NANOUSD_PER_USD
}

pub fn datetime_to_ms(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

pub fn ms_to_datetime(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// ISO-8601 in UTC with milliseconds and a `Z`, the API's time format.
pub fn ms_to_iso(ms: i64) -> String {
    ms_to_datetime(ms).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The UTC calendar day (`YYYY-MM-DD`) a time falls on.
pub fn ms_to_day(ms: i64) -> String {
    ms_to_datetime(ms).format("%Y-%m-%d").to_string()
}

/// Midnight UTC at the start of `day`.
pub fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_round_trip_through_nanodollars() {
        for usd in [0.0, 0.000_000_001, 0.000_123_4, 1.5, 12_345.678_901_234] {
            let stored = usd_to_nanousd(usd).unwrap();
            assert!((nanousd_to_usd(stored) - usd).abs() < 1e-9, "{usd}");
        }
    }

    #[test]
    fn impossible_costs_are_unknown() {
        for usd in [f64::NAN, f64::INFINITY, -0.01, 1e300] {
            assert_eq!(usd_to_nanousd(usd), None, "{usd}");
        }
    }

    #[test]
    fn times_print_as_utc_iso_with_milliseconds() {
        assert_eq!(ms_to_iso(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(ms_to_day(1_700_000_000_123), "2023-11-14");
    }
}
