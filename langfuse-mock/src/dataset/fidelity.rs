//! Where the data looks like what the real Langfuse server sends rather than
//! what its spec suggests: per-observation tags, metadata values typed as
//! JSON, scores of every subject and data type, and older versions of
//! updated rows (ClickHouse merges rows lazily). The per-row choices are a
//! hash of the row's id, so they draw nothing from the generator's random
//! stream and stay stable when data is added.

use super::{
    AgentMetadata, Dataset, Observation, ObservationKey, ObservationType, Score, ScoreKey,
    ScoreSubject, ScoreValue,
};

/// The name an older version of an observation carries (a span renamed
/// once it knew what it was doing).
pub const STALE_NAME: &str = "untitled";

/// Tags an older SDK call put on a trace's root before the final ones.
const EARLIER_ROOT_TAGS: &[&str] = &["cupid", "draft"];

/// JSON texts of the agent metadata values some apps write as numbers or flags.
const TYPED_AGENTS: [&str; 2] = ["42", "true"];

const JUDGE_NOTES: [&str; 3] = [
    "Warm opening, lost the thread in turn three",
    "Both personas stayed in character",
    "Too many questions in a row",
];
const CORRECTIONS: [&str; 2] = [
    "Let's keep it light: what made you laugh this week?",
    "I'd love to hear more about that trip.",
];

/// splitmix64: a well-spread hash of a row id.
fn mix(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Whether a row (by id and purpose) is among `per_mille` of a thousand.
fn share(id: u64, salt: u64, per_mille: u64) -> bool {
    mix(id ^ salt) % 1000 < per_mille
}

const SALT_UNTAGGED: u64 = 0x7a95;
const SALT_ROOT_TAGS: u64 = 0x7a96;
const SALT_TYPED_AGENT: u64 = 0xa9e7;
const SALT_STALE: u64 = 0x57a1e;
const SALT_PLACEMENT: u64 = 0x91ace;

/// Where the older version of a row is served, relative to the current one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StalePlacement {
    /// Just before it, in the same page.
    Before,
    /// Just after it, in the same page.
    After,
    /// After the row that follows it: on the next page when it ends a page.
    AfterNext,
}

fn placement_of(id: u64, per_mille: u64) -> Option<StalePlacement> {
    if !share(id, SALT_STALE, per_mille) {
        return None;
    }
    Some(match mix(id ^ SALT_PLACEMENT) % 3 {
        0 => StalePlacement::Before,
        1 => StalePlacement::After,
        _ => StalePlacement::AfterNext,
    })
}

/// A page's rows with the older versions interleaved: `(row, stale)`.
/// `previous` is the row served just before the page (the cursor's row),
/// whose older version may be due after this page's first row.
pub fn with_stale_versions(
    rows: &[u32],
    previous: Option<u32>,
    placement: impl Fn(u32) -> Option<StalePlacement>,
) -> Vec<(u32, bool)> {
    let mut served = Vec::with_capacity(rows.len() + rows.len() / 8 + 1);
    let mut due = previous.filter(|&p| placement(p) == Some(StalePlacement::AfterNext));
    for &row in rows {
        let here = placement(row);
        if here == Some(StalePlacement::Before) {
            served.push((row, true));
        }
        served.push((row, false));
        if let Some(older) = due.take() {
            served.push((older, true));
        }
        match here {
            Some(StalePlacement::After) => served.push((row, true)),
            Some(StalePlacement::AfterNext) => due = Some(row),
            _ => {}
        }
    }
    served
}

impl Observation {
    /// The tags this observation carries: its trace's, except that some are
    /// untagged (created outside the SDK's propagation context) and some
    /// roots still carry an earlier list.
    pub fn tags(&self, trace_tags: &'static [&'static str]) -> &'static [&'static str] {
        if self.parent.is_none() {
            if share(self.id, SALT_ROOT_TAGS, 200) {
                EARLIER_ROOT_TAGS
            } else {
                trace_tags
            }
        } else if share(self.id, SALT_UNTAGGED, 250) {
            &[]
        } else {
            trace_tags
        }
    }

    /// The `agent` metadata as served: a few events and tools without one
    /// carry a number or flag instead.
    pub fn metadata_agent(&self) -> AgentMetadata {
        let leaf = matches!(self.kind, ObservationType::Event | ObservationType::Tool);
        if self.agent_metadata == AgentMetadata::Absent
            && leaf
            && share(self.id, SALT_TYPED_AGENT, 30)
        {
            return AgentMetadata::Typed(TYPED_AGENTS[(mix(self.id) % 2) as usize]);
        }
        self.agent_metadata
    }

    pub fn stale_placement(&self) -> Option<StalePlacement> {
        placement_of(self.id, 80)
    }

    /// The version Langfuse held before the current one: as first written
    /// (no end, output, usage or cost), under an older name, updated earlier.
    pub fn stale_version(&self) -> Observation {
        let mut older = self.clone();
        older.pending = true;
        older.name = STALE_NAME;
        older.updated_ms = self.updated_ms - 1_000;
        older.created_ms = self.created_ms.min(older.updated_ms);
        older
    }
}

impl Score {
    fn id_hash(&self) -> u64 {
        (self.id as u64) ^ ((self.id >> 64) as u64)
    }

    pub fn stale_placement(&self) -> Option<StalePlacement> {
        placement_of(self.id_hash(), 100)
    }

    /// When the current version was last written: a while after its timestamp.
    pub fn updated_ms(&self) -> i64 {
        self.timestamp_ms + 5_000
    }

    /// The value an older version carried.
    pub fn stale_value(&self) -> ScoreValue {
        match self.value {
            ScoreValue::Numeric(value) => ScoreValue::Numeric(value / 2.0 + 0.125),
            ScoreValue::Boolean(flag) => ScoreValue::Boolean(!flag),
            ScoreValue::Categorical(_) => ScoreValue::Categorical("pending"),
            ScoreValue::Text(_) => ScoreValue::Text("(draft)"),
            ScoreValue::Correction(_) => ScoreValue::Correction("(draft)"),
        }
    }
}

impl Dataset {
    /// The row served with the cursor `key` (the last row of the page before).
    pub fn observation_at(&self, key: ObservationKey) -> Option<u32> {
        let position = self.order.partition_point(|&i| self.key(i) > key);
        self.order
            .get(position)
            .copied()
            .filter(|&i| self.key(i) == key)
    }

    pub fn score_at(&self, key: ScoreKey) -> Option<u32> {
        let position = self
            .score_order
            .partition_point(|&i| self.score_key(i) > key);
        self.score_order
            .get(position)
            .copied()
            .filter(|&i| self.score_key(i) == key)
    }

    fn first_generation(&self, trace: u32) -> Option<u32> {
        self.trace_observations(&self.traces[trace as usize])
            .find(|&i| self.observations[i].kind == ObservationType::Generation)
            .map(|i| i as u32)
    }

    /// Scores the spec's examples leave out: observation-level ratings,
    /// free-text notes and corrections.
    pub(super) fn push_review_scores(
        &mut self,
        session: u32,
        persona_traces: &[u32],
        mut timestamp: i64,
    ) {
        use rand::Rng;
        for &trace in persona_traces {
            if self.rng.random_bool(0.25)
                && let Some(generation) = self.first_generation(trace)
            {
                let rating = f64::from(self.rng.random_range(1..=5_u8));
                self.push_score(
                    "reply_quality",
                    ScoreValue::Numeric(rating),
                    "EVAL",
                    timestamp,
                    ScoreSubject::Observation(generation),
                    None,
                );
                timestamp += 1;
            }
        }
        if self.rng.random_bool(0.3) {
            let note = JUDGE_NOTES[self.rng.random_range(0..JUDGE_NOTES.len())];
            self.push_score(
                "judge_notes",
                ScoreValue::Text(note),
                "ANNOTATION",
                timestamp,
                ScoreSubject::Session(session),
                None,
            );
            timestamp += 1;
        }
        if self.rng.random_bool(0.15)
            && let Some(&trace) = persona_traces.first()
            && let Some(generation) = self.first_generation(trace)
        {
            let correction = CORRECTIONS[self.rng.random_range(0..CORRECTIONS.len())];
            self.push_score(
                "reply_correction",
                ScoreValue::Correction(correction),
                "ANNOTATION",
                timestamp,
                ScoreSubject::Observation(generation),
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_versions_come_before_after_and_on_the_next_page() {
        // Rows 1..=4; row 2's older version comes after the next row, row 4's
        // (the last of the page) on the next page.
        let placement = |row: u32| match row {
            1 => Some(StalePlacement::Before),
            2 | 4 => Some(StalePlacement::AfterNext),
            3 => Some(StalePlacement::After),
            _ => None,
        };
        let page = with_stale_versions(&[1, 2, 3, 4], None, placement);
        assert_eq!(
            page,
            [
                (1, true),
                (1, false),
                (2, false),
                (3, false),
                (2, true),
                (3, true),
                (4, false)
            ]
        );
        let next = with_stale_versions(&[5], Some(4), placement);
        assert_eq!(next, [(5, false), (4, true)]);
    }
}
