//! Where the synced data begins, so that a period the daemon never read is
//! not compared with as if nothing had happened in it.

use rusqlite::{Connection, OptionalExtension};

use crate::db::sync_status;
use crate::error::ApiError;

/// The first moment the synced data covers: the backfill's start once the
/// backfill has read back to it; while it still runs (it reads newest
/// first), the oldest observation it has reached, else the end of its
/// window; without a recorded backfill (a database an older daemon
/// filled), the oldest observation stored. None: nothing synced.
pub fn synced_from_ms(connection: &Connection) -> Result<Option<i64>, ApiError> {
    let backfill_from: Option<i64> = connection
        .prepare_cached("SELECT backfill_from_ms FROM sync_metadata WHERE id = 1")?
        .query_row([], |row| row.get(0))
        .optional()?
        .flatten();
    match backfill_from {
        Some(from) => {
            let progress = sync_status::backfill(connection, from)?;
            Ok(if progress.complete {
                Some(from)
            } else {
                progress.oldest_ms.or(progress.window_end_ms)
            })
        }
        None => Ok(connection
            .prepare_cached("SELECT min(start_time_ms) FROM observations")?
            .query_row([], |row| row.get(0))
            .optional()?
            .flatten()),
    }
}
