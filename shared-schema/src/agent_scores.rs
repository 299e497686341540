//! Each agent's score cells of one roll-up span (a ten-minute slot, an
//! hour, six hours or a day) and environment, packed into one row of
//! `<grain>_agent_scores` (migration 19). The agents list reads every
//! agent's scores over a range; from the score roll-ups that is one row
//! per (environment, agent, name, type, category) and span, two thirds of
//! the rows it walks. Packed, it is one row per (environment, agent) and
//! span, and the cells are read from the blob without SQLite's per-row
//! work. The packed rows are derived from the roll-ups alone: `repack`
//! rewrites them wherever the roll-up rows changed (the sync daemon) or
//! all of them (migration 19, on a database that already has roll-ups).

use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};

use crate::scores::{EVERY_SCORE, ScoreTotals};

/// A score roll-up and the table of its agents' packed cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackedRollUp {
    /// The score roll-up the cells come from.
    pub scores: &'static str,
    /// Its packed table.
    pub packed: &'static str,
    /// The time key both share.
    pub time_column: &'static str,
}

pub const TEN_MINUTE_AGENT_SCORES: PackedRollUp = PackedRollUp {
    scores: "ten_minute_scores",
    packed: "ten_minute_agent_scores",
    time_column: "start_ms",
};

pub const HOURLY_AGENT_SCORES: PackedRollUp = PackedRollUp {
    scores: "hourly_scores",
    packed: "hourly_agent_scores",
    time_column: "hour_ms",
};

pub const SIX_HOURLY_AGENT_SCORES: PackedRollUp = PackedRollUp {
    scores: "six_hourly_scores",
    packed: "six_hourly_agent_scores",
    time_column: "hour_ms",
};

pub const DAILY_AGENT_SCORES: PackedRollUp = PackedRollUp {
    scores: "daily_scores",
    packed: "daily_agent_scores",
    time_column: "day",
};

pub const PACKED_ROLL_UPS: [PackedRollUp; 4] = [
    TEN_MINUTE_AGENT_SCORES,
    HOURLY_AGENT_SCORES,
    SIX_HOURLY_AGENT_SCORES,
    DAILY_AGENT_SCORES,
];

/// The first byte of every packed blob, so that a blob of another layout
/// is refused by name instead of misread.
const FORMAT_VERSION: u8 = 1;
/// Bytes of a cell after its three texts: flags, then six 8-byte numbers.
const NUMBERS_LEN: usize = 1 + 6 * 8;
const HAS_MIN: u8 = 1;
const HAS_MAX: u8 = 2;

/// One agent's cells being packed: the format version, then per cell its
/// name, data type and category (each a little-endian u32 length and the
/// UTF-8 bytes), a flags byte (which of min and max there are), and
/// `scores`, `numeric_count`, `numeric_sum`, `numeric_min`, `numeric_max`
/// (0 when absent) and `latest_ms`, each 8 bytes little-endian.
#[derive(Debug, Clone, PartialEq)]
pub struct PackedCells(Vec<u8>);

impl Default for PackedCells {
    fn default() -> Self {
        PackedCells(vec![FORMAT_VERSION])
    }
}

impl PackedCells {
    pub fn push(&mut self, [name, data_type, category]: [&str; 3], totals: &ScoreTotals) {
        for text in [name, data_type, category] {
            let len = u32::try_from(text.len()).expect("a score text is shorter than 4 GiB");
            self.0.extend_from_slice(&len.to_le_bytes());
            self.0.extend_from_slice(text.as_bytes());
        }
        let flags = u8::from(totals.numeric_min.is_some()) * HAS_MIN
            + u8::from(totals.numeric_max.is_some()) * HAS_MAX;
        self.0.push(flags);
        self.0.extend_from_slice(&totals.scores.to_le_bytes());
        self.0
            .extend_from_slice(&totals.numeric_count.to_le_bytes());
        for number in [
            totals.numeric_sum,
            totals.numeric_min.unwrap_or(0.0),
            totals.numeric_max.unwrap_or(0.0),
        ] {
            self.0.extend_from_slice(&number.to_le_bytes());
        }
        self.0.extend_from_slice(&totals.latest_ms.to_le_bytes());
    }

    pub fn into_blob(self) -> Vec<u8> {
        self.0
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("packed score cells of {len} bytes are unreadable: {reason}")]
pub struct UnreadableCells {
    len: usize,
    reason: &'static str,
}

/// Hands each cell of a packed blob to `visit`, its texts borrowed from
/// the blob.
pub fn unpack_cells<'blob>(
    blob: &'blob [u8],
    mut visit: impl FnMut([&'blob str; 3], ScoreTotals),
) -> Result<(), UnreadableCells> {
    let unreadable = |reason| UnreadableCells {
        len: blob.len(),
        reason,
    };
    let Some((&version, mut rest)) = blob.split_first() else {
        return Err(unreadable("it is empty"));
    };
    if version != FORMAT_VERSION {
        return Err(unreadable("it has another format version"));
    }
    while !rest.is_empty() {
        let mut texts = [""; 3];
        for text in &mut texts {
            let (len, after) = rest
                .split_first_chunk::<4>()
                .ok_or_else(|| unreadable("a text's length is cut off"))?;
            let len = u32::from_le_bytes(*len) as usize;
            if after.len() < len {
                return Err(unreadable("a text is cut off"));
            }
            let (bytes, after) = after.split_at(len);
            *text = std::str::from_utf8(bytes).map_err(|_| unreadable("a text is not UTF-8"))?;
            rest = after;
        }
        if rest.len() < NUMBERS_LEN {
            return Err(unreadable("a cell's numbers are cut off"));
        }
        let (numbers, after) = rest.split_at(NUMBERS_LEN);
        rest = after;
        let flags = numbers[0];
        let word = |index: usize| {
            let start = 1 + index * 8;
            <[u8; 8]>::try_from(&numbers[start..start + 8]).expect("eight bytes")
        };
        let float =
            |index: usize, flag: u8| (flags & flag != 0).then(|| f64::from_le_bytes(word(index)));
        visit(
            texts,
            ScoreTotals {
                scores: i64::from_le_bytes(word(0)),
                numeric_count: i64::from_le_bytes(word(1)),
                numeric_sum: f64::from_le_bytes(word(2)),
                numeric_min: float(3, HAS_MIN),
                numeric_max: float(4, HAS_MAX),
                latest_ms: i64::from_le_bytes(word(5)),
            },
        );
    }
    Ok(())
}

/// A packed row: time key, environment, agent and cells.
type PackedRow = (Value, String, String, Vec<u8>);

/// Rewrites `roll_up`'s packed rows from its score rows of agents (not the
/// `EVERY_SCORE` rows): at one (time key, environment), or everywhere when
/// `at` is None. The number of packed rows written.
pub fn repack(
    connection: &Connection,
    roll_up: PackedRollUp,
    at: Option<(&Value, &str)>,
) -> rusqlite::Result<usize> {
    let PackedRollUp {
        packed,
        time_column,
        ..
    } = roll_up;
    let (condition, values) = selection(roll_up, at);
    connection
        .prepare_cached(&format!("DELETE FROM {packed} WHERE {condition}"))?
        .execute(params_from_iter(&values))?;
    let mut insert = connection.prepare_cached(&format!(
        "INSERT INTO {packed} ({time_column}, environment, agent, cells) VALUES (?1, ?2, ?3, ?4)"
    ))?;
    let rows = packed_rows(connection, roll_up, &condition, &values)?;
    for (key, environment, agent, cells) in &rows {
        insert.execute(params![key, environment, agent, cells])?;
    }
    Ok(rows.len())
}

/// Whether `roll_up`'s packed rows are all, and only, what `repack` would
/// write from its score rows now (for tests of the upkeep).
pub fn packed_rows_are_current(
    connection: &Connection,
    roll_up: PackedRollUp,
) -> rusqlite::Result<bool> {
    let PackedRollUp {
        packed,
        time_column,
        ..
    } = roll_up;
    let stored: Vec<PackedRow> = connection
        .prepare(&format!(
            "SELECT {time_column}, environment, agent, cells FROM {packed}
             ORDER BY {time_column}, environment, agent"
        ))?
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let (condition, values) = selection(roll_up, None);
    Ok(stored == packed_rows(connection, roll_up, &condition, &values)?)
}

fn selection(roll_up: PackedRollUp, at: Option<(&Value, &str)>) -> (String, Vec<Value>) {
    match at {
        Some((key, environment)) => (
            format!("{} = ?1 AND environment = ?2", roll_up.time_column),
            vec![key.clone(), Value::Text(environment.to_string())],
        ),
        None => ("1 = 1".to_string(), Vec::new()),
    }
}

/// The packed rows of the score rows of agents matching `condition`, in
/// the packed table's key order.
fn packed_rows(
    connection: &Connection,
    roll_up: PackedRollUp,
    condition: &str,
    values: &[Value],
) -> rusqlite::Result<Vec<PackedRow>> {
    let PackedRollUp {
        scores,
        time_column,
        ..
    } = roll_up;
    // In the primary key's order, so an agent's cells of a span come
    // together.
    let mut read = connection.prepare_cached(&format!(
        "SELECT {time_column}, environment, agent, name, data_type, category, {}
         FROM {scores} WHERE {condition} AND agent <> '{EVERY_SCORE}'
         ORDER BY {time_column}, environment, agent, name, data_type, category",
        ScoreTotals::COLUMNS
    ))?;
    let mut rows = read.query(params_from_iter(values))?;
    let mut packed: Vec<PackedRow> = Vec::new();
    let mut current: Option<((Value, String, String), PackedCells)> = None;
    while let Some(row) = rows.next()? {
        let owner: (Value, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
        if current.as_ref().is_some_and(|(held, _)| *held != owner) {
            let ((key, environment, agent), cells) = current.take().expect("checked above");
            packed.push((key, environment, agent, cells.into_blob()));
        }
        let cells = &mut current
            .get_or_insert_with(|| (owner, PackedCells::default()))
            .1;
        let texts: [String; 3] = [row.get(3)?, row.get(4)?, row.get(5)?];
        cells.push(
            [&texts[0], &texts[1], &texts[2]],
            &ScoreTotals::from_row(row, 6)?,
        );
    }
    if let Some(((key, environment, agent), cells)) = current {
        packed.push((key, environment, agent, cells.into_blob()));
    }
    Ok(packed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(scores: i64, min: Option<f64>, max: Option<f64>) -> ScoreTotals {
        ScoreTotals {
            scores,
            numeric_count: 2,
            numeric_sum: 0.1 + 0.2,
            numeric_min: min,
            numeric_max: max,
            latest_ms: 1_764_000_000_123,
        }
    }

    fn unpacked(blob: &[u8]) -> Result<Vec<([String; 3], ScoreTotals)>, UnreadableCells> {
        let mut cells = Vec::new();
        unpack_cells(blob, |texts, totals| {
            cells.push((texts.map(str::to_string), totals))
        })?;
        Ok(cells)
    }

    #[test]
    fn cells_come_back_as_they_were_packed_with_absent_min_and_max_kept_absent() {
        let cells = [
            (["win", "BOOLEAN", "true"], totals(3, Some(1.0), Some(1.0))),
            (["judge_notes", "TEXT", ""], totals(1, None, None)),
            (["délai ⏱", "NUMERIC", ""], totals(7, Some(-2.5), None)),
        ];
        let mut packed = PackedCells::default();
        for (texts, totals) in &cells {
            packed.push(*texts, totals);
        }
        let expected: Vec<_> = cells
            .iter()
            .map(|(texts, totals)| (texts.map(str::to_string), *totals))
            .collect();
        assert_eq!(unpacked(&packed.into_blob()), Ok(expected));
    }

    #[test]
    fn a_cut_or_foreign_blob_is_refused_with_its_reason() {
        let mut packed = PackedCells::default();
        packed.push(["win", "BOOLEAN", "true"], &totals(3, Some(1.0), None));
        let blob = packed.into_blob();
        for (broken, reason) in [
            (Vec::new(), "it is empty"),
            (vec![9], "it has another format version"),
            (blob[..3].to_vec(), "a text's length is cut off"),
            (blob[..7].to_vec(), "a text is cut off"),
            (
                blob[..blob.len() - 1].to_vec(),
                "a cell's numbers are cut off",
            ),
        ] {
            let error = unpacked(&broken).unwrap_err();
            assert_eq!(error.reason, reason, "{broken:?}");
        }
    }
}
