//! How a time range splits for aggregation, without touching the database:
//! whole UTC days (answered by the `daily_metrics` roll-ups) and at most two
//! partial days at the edges, themselves split into whole hours (cached) and
//! the minutes at either end.

use shared_schema::units::{MS_PER_DAY, ms_to_day};

use crate::params::{TimeRange, day_ceil, day_floor};

pub const MS_PER_HOUR: i64 = 3_600_000;

/// Splits a partial-day segment into its leading minutes, whole hours and
/// trailing minutes.
pub fn split_hours(start: i64, end: i64) -> (Vec<(i64, i64)>, Vec<i64>) {
    let first_hour = start.div_euclid(MS_PER_HOUR) * MS_PER_HOUR
        + if start.rem_euclid(MS_PER_HOUR) == 0 {
            0
        } else {
            MS_PER_HOUR
        };
    let hours_end = end.div_euclid(MS_PER_HOUR) * MS_PER_HOUR;
    if first_hour >= hours_end {
        return (vec![(start, end)], Vec::new());
    }
    let mut minutes = Vec::new();
    if start < first_hour {
        minutes.push((start, first_hour));
    }
    if hours_end < end {
        minutes.push((hours_end, end));
    }
    let hours = (first_hour..hours_end)
        .step_by(MS_PER_HOUR as usize)
        .collect();
    (minutes, hours)
}

/// How a range splits: whole days (inclusive day bounds, open when None)
/// and at most two partial segments, each inside one UTC day.
#[derive(Debug, PartialEq, Eq)]
pub struct Plan {
    pub whole_days: Option<(Option<i64>, Option<i64>)>,
    pub partials: Vec<(i64, i64)>,
}

pub fn plan(range: TimeRange) -> Plan {
    let first_whole = range.from_ms.map(day_ceil);
    let whole_end = range.to_ms.map(day_floor);
    match (range.from_ms, range.to_ms, first_whole, whole_end) {
        (Some(from), Some(to), Some(first), Some(end)) if first > end => Plan {
            whole_days: None,
            partials: vec![(from, to)],
        },
        _ => {
            let mut partials = Vec::new();
            if let (Some(from), Some(first)) = (range.from_ms, first_whole)
                && from < first
            {
                partials.push((from, first));
            }
            if let (Some(to), Some(end)) = (range.to_ms, whole_end)
                && end < to
            {
                partials.push((end, to));
            }
            let has_whole = match (first_whole, whole_end) {
                (Some(first), Some(end)) => first < end,
                _ => true,
            };
            Plan {
                whole_days: has_whole
                    .then_some((first_whole, whole_end.map(|end| end - MS_PER_DAY))),
                partials,
            }
        }
    }
}

pub fn day_bounds(whole_days: (Option<i64>, Option<i64>)) -> (String, String) {
    (
        whole_days.0.map(ms_to_day).unwrap_or_default(),
        whole_days
            .1
            .map(ms_to_day)
            .unwrap_or_else(|| "9999-12-31".to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = MS_PER_DAY;

    #[test]
    fn ranges_split_into_whole_days_and_partial_edges() {
        let cases = [
            // all time: every day, nothing raw
            (TimeRange::default(), Some((None, None)), vec![]),
            // exact days
            (
                TimeRange {
                    from_ms: Some(DAY),
                    to_ms: Some(3 * DAY),
                },
                Some((Some(DAY), Some(2 * DAY))),
                vec![],
            ),
            // ragged edges around one whole day
            (
                TimeRange {
                    from_ms: Some(DAY / 2),
                    to_ms: Some(2 * DAY + 5),
                },
                Some((Some(DAY), Some(DAY))),
                vec![(DAY / 2, DAY), (2 * DAY, 2 * DAY + 5)],
            ),
            // inside one day
            (
                TimeRange {
                    from_ms: Some(DAY + 1),
                    to_ms: Some(DAY + 9),
                },
                None,
                vec![(DAY + 1, DAY + 9)],
            ),
            // across midnight without a whole day
            (
                TimeRange {
                    from_ms: Some(DAY - 5),
                    to_ms: Some(DAY + 5),
                },
                None,
                vec![(DAY - 5, DAY), (DAY, DAY + 5)],
            ),
            // open end
            (
                TimeRange {
                    from_ms: Some(DAY + 7),
                    to_ms: None,
                },
                Some((Some(2 * DAY), None)),
                vec![(DAY + 7, 2 * DAY)],
            ),
        ];
        for (range, whole_days, partials) in cases {
            assert_eq!(
                plan(range),
                Plan {
                    whole_days,
                    partials
                },
                "{range:?}"
            );
        }
    }

    #[test]
    fn partial_days_split_into_minutes_and_whole_hours() {
        const HOUR: i64 = MS_PER_HOUR;
        let cases = [
            (
                (HOUR + 5, 4 * HOUR + 7),
                vec![(HOUR + 5, 2 * HOUR), (4 * HOUR, 4 * HOUR + 7)],
                vec![2 * HOUR, 3 * HOUR],
            ),
            ((HOUR, 3 * HOUR), vec![], vec![HOUR, 2 * HOUR]),
            ((HOUR + 5, HOUR + 9), vec![(HOUR + 5, HOUR + 9)], vec![]),
            ((HOUR - 5, HOUR + 5), vec![(HOUR - 5, HOUR + 5)], vec![]),
        ];
        for ((start, end), minutes, hours) in cases {
            assert_eq!(split_hours(start, end), (minutes, hours), "{start}..{end}");
        }
    }
}
