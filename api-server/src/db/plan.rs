//! How a time range splits for aggregation, without touching the database:
//! whole UTC days (answered by `daily_metrics`), then at each ragged edge
//! runs of ever finer roll-up rows: blocks of six UTC hours
//! (`six_hourly_metrics`), fewer than six whole hours around them
//! (`hourly_metrics`), fewer than six whole ten-minute slots around those
//! (`ten_minute_metrics`), and at most two partial slots of raw
//! observations. So no range reads more than twenty minutes of raw rows,
//! ten hourly rows or ten ten-minute rows per key.

pub use shared_schema::units::MS_PER_HOUR;
use shared_schema::units::{MS_PER_DAY, MS_PER_SIX_HOURS, MS_PER_TEN_MINUTES, ms_to_day};

use crate::params::{TimeRange, day_ceil, day_floor};

/// A half-open span of time `[from, to)`; None is unbounded on that side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// The grain of a run of whole roll-up rows shorter than a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunGrain {
    SixHours,
    Hours,
    TenMinutes,
}

impl RunGrain {
    /// Coarsest first: the order in which a ragged edge is cut.
    const FINER_AND_FINER: [RunGrain; 3] =
        [RunGrain::SixHours, RunGrain::Hours, RunGrain::TenMinutes];

    /// The span of one roll-up row of this grain.
    pub fn step_ms(self) -> i64 {
        match self {
            RunGrain::SixHours => MS_PER_SIX_HOURS,
            RunGrain::Hours => MS_PER_HOUR,
            RunGrain::TenMinutes => MS_PER_TEN_MINUTES,
        }
    }

    /// The metric roll-up of this grain.
    pub fn metrics_table(self) -> &'static str {
        match self {
            RunGrain::SixHours => "six_hourly_metrics",
            RunGrain::Hours => "hourly_metrics",
            RunGrain::TenMinutes => "ten_minute_metrics",
        }
    }

    /// The score roll-up of this grain and its numeric values' counts.
    pub fn score_tables(self) -> (&'static str, &'static str) {
        match self {
            RunGrain::SixHours => ("six_hourly_scores", "six_hourly_score_values"),
            RunGrain::Hours => ("hourly_scores", "hourly_score_values"),
            RunGrain::TenMinutes => ("ten_minute_scores", "ten_minute_score_values"),
        }
    }

    /// The column holding the start of a row's span, in every roll-up of
    /// this grain.
    pub fn time_column(self) -> &'static str {
        match self {
            RunGrain::SixHours | RunGrain::Hours => "hour_ms",
            RunGrain::TenMinutes => "start_ms",
        }
    }

    fn floor(self, ms: i64) -> i64 {
        ms.div_euclid(self.step_ms()) * self.step_ms()
    }

    fn ceil(self, ms: i64) -> i64 {
        let floor = self.floor(ms);
        if floor == ms {
            ms
        } else {
            floor + self.step_ms()
        }
    }
}

/// How a range splits: whole days (day-aligned bounds), runs of whole
/// roll-up rows `[start, end)` (aligned to their grain; at most two per
/// grain, coarsest first), and at most two raw spans, each inside one
/// ten-minute slot.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub whole_days: Option<Span>,
    pub runs: Vec<(RunGrain, i64, i64)>,
    pub raw: Vec<(i64, i64)>,
}

pub fn plan(range: TimeRange) -> Plan {
    let mut plan = Plan::default();
    match (range.from_ms, range.to_ms) {
        (Some(from), Some(to)) if day_ceil(from) >= day_floor(to) => {
            plan.add_edge(from, to, 0);
        }
        (from, to) => {
            let whole = Span {
                from: from.map(day_ceil),
                to: to.map(day_floor),
            };
            if let (Some(from), Some(first)) = (from, whole.from) {
                plan.add_edge(from, first, 0);
            }
            plan.whole_days = Some(whole);
            if let (Some(last), Some(to)) = (whole.to, to) {
                plan.add_edge(last, to, 0);
            }
        }
    }
    plan.runs
        .sort_by_key(|&(grain, start, _)| (grain as u8, start));
    plan
}

impl Plan {
    /// `[start, end)` outside whole days, cut at the grain `level` of
    /// `RunGrain::FINER_AND_FINER`: its whole rows of that grain, and the
    /// pieces on either side cut at the next finer grain. Below the finest,
    /// the rest is raw, split at the slot boundary it may cross, so that
    /// each raw span lies in one slot (and so in one hour and one day).
    fn add_edge(&mut self, start: i64, end: i64, level: usize) {
        if start >= end {
            return;
        }
        let Some(&grain) = RunGrain::FINER_AND_FINER.get(level) else {
            let boundary = RunGrain::TenMinutes.floor(end);
            if start < boundary && boundary < end {
                self.raw.extend([(start, boundary), (boundary, end)]);
            } else {
                self.raw.push((start, end));
            }
            return;
        };
        let (first, last) = (grain.ceil(start), grain.floor(end));
        if first >= last {
            self.add_edge(start, end, level + 1);
            return;
        }
        self.add_edge(start, first, level + 1);
        self.runs.push((grain, first, last));
        self.add_edge(last, end, level + 1);
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
    const MINUTE: i64 = 60_000;

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
    fn ranges_split_into_whole_days_then_finer_and_finer_runs_and_partial_slots() {
        use RunGrain::{Hours, SixHours, TenMinutes};
        let cases = [
            // all time: every day, nothing else
            (TimeRange::default(), days(None, None), vec![], vec![]),
            // exact days
            (
                range(DAY, 3 * DAY),
                days(Some(DAY), Some(3 * DAY)),
                vec![],
                vec![],
            ),
            // ragged edges around one whole day
            (
                range(DAY / 2 + 5, 2 * DAY + 2 * HOUR + 7),
                days(Some(DAY), Some(2 * DAY)),
                vec![
                    (SixHours, 18 * HOUR, DAY),
                    (Hours, 13 * HOUR, 18 * HOUR),
                    (Hours, 2 * DAY, 2 * DAY + 2 * HOUR),
                    (TenMinutes, 12 * HOUR + 10 * MINUTE, 13 * HOUR),
                ],
                vec![
                    (DAY / 2 + 5, 12 * HOUR + 10 * MINUTE),
                    (2 * DAY + 2 * HOUR, 2 * DAY + 2 * HOUR + 7),
                ],
            ),
            // inside one slot
            (
                range(DAY + 1, DAY + 9),
                None,
                vec![],
                vec![(DAY + 1, DAY + 9)],
            ),
            // across midnight without a whole slot: split at midnight
            (
                range(DAY - 5, DAY + 5),
                None,
                vec![],
                vec![(DAY - 5, DAY), (DAY, DAY + 5)],
            ),
            // across midnight with whole hours on both sides: one run
            (
                range(DAY - 2 * HOUR - 5, DAY + 3 * HOUR),
                None,
                vec![(Hours, DAY - 2 * HOUR, DAY + 3 * HOUR)],
                vec![(DAY - 2 * HOUR - 5, DAY - 2 * HOUR)],
            ),
            // within one day: hours, two blocks, hours
            (
                range(DAY + 5 * HOUR, DAY + 20 * HOUR),
                None,
                vec![
                    (SixHours, DAY + 6 * HOUR, DAY + 18 * HOUR),
                    (Hours, DAY + 5 * HOUR, DAY + 6 * HOUR),
                    (Hours, DAY + 18 * HOUR, DAY + 20 * HOUR),
                ],
                vec![],
            ),
            // within one hour: slots between two partial slots
            (
                range(
                    DAY + 5 * HOUR + 7 * MINUTE + 3,
                    DAY + 5 * HOUR + 45 * MINUTE,
                ),
                None,
                vec![(
                    TenMinutes,
                    DAY + 5 * HOUR + 10 * MINUTE,
                    DAY + 5 * HOUR + 40 * MINUTE,
                )],
                vec![
                    (
                        DAY + 5 * HOUR + 7 * MINUTE + 3,
                        DAY + 5 * HOUR + 10 * MINUTE,
                    ),
                    (DAY + 5 * HOUR + 40 * MINUTE, DAY + 5 * HOUR + 45 * MINUTE),
                ],
            ),
            // open end
            (
                TimeRange {
                    from_ms: Some(DAY + 7),
                    to_ms: None,
                },
                days(Some(2 * DAY), None),
                vec![
                    (SixHours, DAY + 6 * HOUR, 2 * DAY),
                    (Hours, DAY + HOUR, DAY + 6 * HOUR),
                    (TenMinutes, DAY + 10 * MINUTE, DAY + HOUR),
                ],
                vec![(DAY + 7, DAY + 10 * MINUTE)],
            ),
            // open start
            (
                TimeRange {
                    from_ms: None,
                    to_ms: Some(DAY + HOUR),
                },
                days(None, Some(DAY)),
                vec![(Hours, DAY, DAY + HOUR)],
                vec![],
            ),
        ];
        for (range, whole_days, runs, raw) in cases {
            assert_eq!(
                plan(range),
                Plan {
                    whole_days,
                    runs,
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
    fn no_range_reads_more_than_two_partial_slots_of_raw_rows_or_ten_rows_of_a_grain_per_key() {
        for (from, to) in ragged_ranges() {
            let plan = plan(range(from, to));
            let raw_ms: i64 = plan.raw.iter().map(|(start, end)| end - start).sum();
            assert!(plan.raw.len() <= 2, "{from}..{to}: {plan:?}");
            assert!(
                raw_ms < 2 * MS_PER_TEN_MINUTES,
                "{from}..{to}: {raw_ms} ms raw, {plan:?}"
            );
            for (start, end) in &plan.raw {
                assert!(start < end, "{from}..{to}: empty span in {plan:?}");
                assert_eq!(
                    RunGrain::TenMinutes.floor(*start),
                    RunGrain::TenMinutes.floor(end - 1),
                    "{from}..{to}: a raw span crosses a slot: {plan:?}"
                );
            }
            for grain in RunGrain::FINER_AND_FINER {
                let runs: Vec<_> = plan.runs.iter().filter(|run| run.0 == grain).collect();
                assert!(runs.len() <= 2, "{from}..{to}: {plan:?}");
                let rows: i64 = runs
                    .iter()
                    .map(|(_, start, end)| (end - start) / grain.step_ms())
                    .sum();
                // Six-hour blocks run up to a day's edge; the finer grains
                // fill fewer than six rows on either side of a coarser run.
                if grain != RunGrain::SixHours {
                    assert!(
                        rows <= 10,
                        "{from}..{to}: {rows} rows of {grain:?}, {plan:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn days_runs_and_raw_spans_tile_the_range_exactly() {
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
            for (grain, start, end) in &plan.runs {
                assert!(start < end, "{from}..{to}: empty run in {plan:?}");
                let step = grain.step_ms();
                assert_eq!((start % step, end % step), (0, 0), "{plan:?}");
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
