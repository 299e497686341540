//! How a time range splits for aggregation, without touching the database:
//! whole UTC days (answered by `daily_metrics`), whole blocks of six UTC
//! hours at the edges (`six_hourly_metrics`), whole UTC hours around them
//! (`hourly_metrics`, fewer than six on either side of a run of blocks) and
//! at most two partial hours of raw observations, so that no range reads
//! more than two hours of raw rows or ten hourly rows per key.

pub use shared_schema::units::MS_PER_HOUR;
use shared_schema::units::{MS_PER_DAY, MS_PER_SIX_HOURS, ms_to_day};

use crate::params::{TimeRange, day_ceil, day_floor};

/// A half-open span of time `[from, to)`; None is unbounded on that side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// How a range splits: whole days (day-aligned bounds), at most two runs of
/// whole six-hour blocks `[start, end)` (aligned to 00, 06, 12 or 18 h), at
/// most four runs of fewer than six whole hours `[start, end)`
/// (hour-aligned), and at most two raw spans, each inside one UTC hour.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub whole_days: Option<Span>,
    pub six_hours: Vec<(i64, i64)>,
    pub hours: Vec<(i64, i64)>,
    pub raw: Vec<(i64, i64)>,
}

/// The grain of a run of whole hours: blocks of six hours, or single hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HourGrain {
    SixHours,
    Hours,
}

impl HourGrain {
    /// The span of one roll-up row of this grain.
    pub fn step_ms(self) -> i64 {
        match self {
            HourGrain::SixHours => MS_PER_SIX_HOURS,
            HourGrain::Hours => MS_PER_HOUR,
        }
    }

    /// The metric roll-up of this grain (keyed by `hour_ms`).
    pub fn metrics_table(self) -> &'static str {
        match self {
            HourGrain::SixHours => "six_hourly_metrics",
            HourGrain::Hours => "hourly_metrics",
        }
    }
}

impl Plan {
    /// Every run of whole hours `[start, end)` with its grain, the six-hour
    /// blocks first.
    pub fn hour_runs(&self) -> impl Iterator<Item = (HourGrain, i64, i64)> + '_ {
        self.six_hours
            .iter()
            .map(|&(start, end)| (HourGrain::SixHours, start, end))
            .chain(
                self.hours
                    .iter()
                    .map(|&(start, end)| (HourGrain::Hours, start, end)),
            )
    }
}

fn hour_floor(ms: i64) -> i64 {
    ms.div_euclid(MS_PER_HOUR) * MS_PER_HOUR
}

fn hour_ceil(ms: i64) -> i64 {
    let floor = hour_floor(ms);
    if floor == ms { ms } else { floor + MS_PER_HOUR }
}

fn six_hours_floor(ms: i64) -> i64 {
    ms.div_euclid(MS_PER_SIX_HOURS) * MS_PER_SIX_HOURS
}

fn six_hours_ceil(ms: i64) -> i64 {
    let floor = six_hours_floor(ms);
    if floor == ms {
        ms
    } else {
        floor + MS_PER_SIX_HOURS
    }
}

pub fn plan(range: TimeRange) -> Plan {
    let mut plan = Plan::default();
    match (range.from_ms, range.to_ms) {
        (Some(from), Some(to)) if day_ceil(from) >= day_floor(to) => {
            plan.add_edge(from, to);
        }
        (from, to) => {
            let whole = Span {
                from: from.map(day_ceil),
                to: to.map(day_floor),
            };
            if let (Some(from), Some(first)) = (from, whole.from) {
                plan.add_edge(from, first);
            }
            plan.whole_days = Some(whole);
            if let (Some(last), Some(to)) = (whole.to, to) {
                plan.add_edge(last, to);
            }
        }
    }
    plan
}

impl Plan {
    /// `[start, end)` outside whole days: its whole hours, and the partial
    /// hours at either end as raw spans, split at the hour boundary when
    /// the segment holds no whole hour, so that each raw span lies in one
    /// hour (and so in one day).
    fn add_edge(&mut self, start: i64, end: i64) {
        if start >= end {
            return;
        }
        let (first_hour, hours_end) = (hour_ceil(start), hour_floor(end));
        if first_hour >= hours_end {
            // Less than two hours, no whole hour: at most one boundary.
            let boundary = hour_floor(end);
            if start < boundary && boundary < end {
                self.raw.extend([(start, boundary), (boundary, end)]);
            } else {
                self.raw.push((start, end));
            }
            return;
        }
        if start < first_hour {
            self.raw.push((start, first_hour));
        }
        self.add_whole_hours(first_hour, hours_end);
        if hours_end < end {
            self.raw.push((hours_end, end));
        }
    }

    /// Whole hours `[start, end)`: the six-hour blocks inside, and the
    /// hours before and after them.
    fn add_whole_hours(&mut self, start: i64, end: i64) {
        let (first_block, blocks_end) = (six_hours_ceil(start), six_hours_floor(end));
        if first_block >= blocks_end {
            self.hours.push((start, end));
            return;
        }
        if start < first_block {
            self.hours.push((start, first_block));
        }
        self.six_hours.push((first_block, blocks_end));
        if blocks_end < end {
            self.hours.push((blocks_end, end));
        }
    }
}

/// The first and last day (inclusive, `YYYY-MM-DD`) of whole days.
pub fn day_bounds(whole_days: Span) -> (String, String) {
    (
        whole_days.from.map(ms_to_day).unwrap_or_default(),
        whole_days
            .to
            .map(|end| ms_to_day(end - MS_PER_DAY))
            .unwrap_or_else(|| "9999-12-31".to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = MS_PER_DAY;
    const HOUR: i64 = MS_PER_HOUR;

    fn range(from: i64, to: i64) -> TimeRange {
        TimeRange {
            from_ms: Some(from),
            to_ms: Some(to),
        }
    }

    fn days(from: Option<i64>, to: Option<i64>) -> Option<Span> {
        Some(Span { from, to })
    }

    #[test]
    fn ranges_split_into_whole_days_six_hours_hours_and_partial_hours() {
        let cases = [
            // all time: every day, nothing else
            (
                TimeRange::default(),
                days(None, None),
                vec![],
                vec![],
                vec![],
            ),
            // exact days
            (
                range(DAY, 3 * DAY),
                days(Some(DAY), Some(3 * DAY)),
                vec![],
                vec![],
                vec![],
            ),
            // ragged edges around one whole day
            (
                range(DAY / 2 + 5, 2 * DAY + 2 * HOUR + 7),
                days(Some(DAY), Some(2 * DAY)),
                vec![(18 * HOUR, DAY)],
                vec![(13 * HOUR, 18 * HOUR), (2 * DAY, 2 * DAY + 2 * HOUR)],
                vec![
                    (DAY / 2 + 5, 13 * HOUR),
                    (2 * DAY + 2 * HOUR, 2 * DAY + 2 * HOUR + 7),
                ],
            ),
            // inside one hour
            (
                range(DAY + 1, DAY + 9),
                None,
                vec![],
                vec![],
                vec![(DAY + 1, DAY + 9)],
            ),
            // across midnight without a whole hour: split at midnight
            (
                range(DAY - 5, DAY + 5),
                None,
                vec![],
                vec![],
                vec![(DAY - 5, DAY), (DAY, DAY + 5)],
            ),
            // across midnight with whole hours on both sides: one run
            (
                range(DAY - 2 * HOUR - 5, DAY + 3 * HOUR),
                None,
                vec![],
                vec![(DAY - 2 * HOUR, DAY + 3 * HOUR)],
                vec![(DAY - 2 * HOUR - 5, DAY - 2 * HOUR)],
            ),
            // within one day: hours, two blocks, hours
            (
                range(DAY + 5 * HOUR, DAY + 20 * HOUR),
                None,
                vec![(DAY + 6 * HOUR, DAY + 18 * HOUR)],
                vec![
                    (DAY + 5 * HOUR, DAY + 6 * HOUR),
                    (DAY + 18 * HOUR, DAY + 20 * HOUR),
                ],
                vec![],
            ),
            // open end
            (
                TimeRange {
                    from_ms: Some(DAY + 7),
                    to_ms: None,
                },
                days(Some(2 * DAY), None),
                vec![(DAY + 6 * HOUR, 2 * DAY)],
                vec![(DAY + HOUR, DAY + 6 * HOUR)],
                vec![(DAY + 7, DAY + HOUR)],
            ),
            // open start
            (
                TimeRange {
                    from_ms: None,
                    to_ms: Some(DAY + HOUR),
                },
                days(None, Some(DAY)),
                vec![],
                vec![(DAY, DAY + HOUR)],
                vec![],
            ),
        ];
        for (range, whole_days, six_hours, hours, raw) in cases {
            assert_eq!(
                plan(range),
                Plan {
                    whole_days,
                    six_hours,
                    hours,
                    raw
                },
                "{range:?}"
            );
        }
    }

    /// Deterministic pseudo-random numbers (SplitMix64), so the sweep below
    /// covers many ragged ranges yet never changes between runs.
    fn split_mix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Ragged ranges: random lengths from a millisecond to 40 days, with
    /// bounds often on or next to hour and day boundaries.
    fn ragged_ranges() -> Vec<(i64, i64)> {
        const BASE: i64 = 1_793_491_200_000; // 2026-11-01T00:00:00Z
        let mut state = 14;
        let mut ranges = Vec::new();
        let near_boundary = |state: &mut u64| {
            let unit = [1, 60_000, HOUR, DAY][(split_mix(state) % 4) as usize];
            let steps = (split_mix(state) % 60) as i64;
            let nudge = [-1, 0, 0, 1][(split_mix(state) % 4) as usize];
            BASE + steps * unit + nudge
        };
        for _ in 0..20_000 {
            let (a, b) = (near_boundary(&mut state), near_boundary(&mut state));
            let length = (split_mix(&mut state) % (40 * DAY as u64)) as i64 + 1;
            let from = a.min(b);
            let to = if a == b { a + length } else { a.max(b) };
            ranges.push((from, to));
        }
        ranges
    }

    #[test]
    fn no_range_reads_more_than_two_partial_hours_of_raw_rows_or_ten_whole_hours() {
        for (from, to) in ragged_ranges() {
            let plan = plan(range(from, to));
            let raw_ms: i64 = plan.raw.iter().map(|(start, end)| end - start).sum();
            assert!(plan.raw.len() <= 2, "{from}..{to}: {plan:?}");
            assert!(raw_ms < 2 * HOUR, "{from}..{to}: {raw_ms} ms raw, {plan:?}");
            assert!(plan.hours.len() <= 4, "{from}..{to}: {plan:?}");
            assert!(plan.six_hours.len() <= 2, "{from}..{to}: {plan:?}");
            let hours_ms: i64 = plan.hours.iter().map(|(start, end)| end - start).sum();
            assert!(
                hours_ms <= 10 * HOUR,
                "{from}..{to}: {hours_ms} ms of hours, {plan:?}"
            );
            for (start, end) in &plan.raw {
                assert!(start < end, "{from}..{to}: empty span in {plan:?}");
                assert_eq!(
                    hour_floor(*start),
                    hour_floor(end - 1),
                    "{from}..{to}: a raw span crosses an hour: {plan:?}"
                );
            }
        }
    }

    #[test]
    fn days_six_hours_hours_and_raw_spans_tile_the_range_exactly() {
        for (from, to) in ragged_ranges() {
            let plan = plan(range(from, to));
            let mut pieces: Vec<(i64, i64)> = Vec::new();
            if let Some(Span {
                from: first,
                to: end,
            }) = plan.whole_days
            {
                let (first, end) = (first.unwrap(), end.unwrap());
                assert!(first < end, "{from}..{to}: empty whole days in {plan:?}");
                assert_eq!((first % DAY, end % DAY), (0, 0), "{plan:?}");
                pieces.push((first, end));
            }
            for (start, end) in &plan.hours {
                assert!(start < end, "{from}..{to}: empty hours in {plan:?}");
                assert_eq!((start % HOUR, end % HOUR), (0, 0), "{plan:?}");
                pieces.push((*start, *end));
            }
            for (start, end) in &plan.six_hours {
                assert!(start < end, "{from}..{to}: empty blocks in {plan:?}");
                assert_eq!((start % (6 * HOUR), end % (6 * HOUR)), (0, 0), "{plan:?}");
                pieces.push((*start, *end));
            }
            pieces.extend(&plan.raw);
            pieces.sort_unstable();
            let mut covered_to = from;
            for (start, end) in &pieces {
                assert_eq!(
                    *start, covered_to,
                    "{from}..{to}: gap or overlap in {plan:?}"
                );
                covered_to = *end;
            }
            assert_eq!(covered_to, to, "{from}..{to}: {plan:?}");
        }
    }

    #[test]
    fn whole_days_name_their_first_and_last_day() {
        assert_eq!(
            day_bounds(Span {
                from: Some(DAY),
                to: Some(3 * DAY)
            }),
            ("1970-01-02".to_string(), "1970-01-03".to_string())
        );
        assert_eq!(
            day_bounds(Span {
                from: None,
                to: None
            }),
            (String::new(), "9999-12-31".to_string())
        );
    }
}
