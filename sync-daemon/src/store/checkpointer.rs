//! Who checkpoints the WAL: in `CheckpointMode::Daemon` a thread of the
//! daemon's own (plus the writer's automatic checkpoint as a backstop); in
//! `CheckpointMode::Litestream` nobody but Litestream.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use rusqlite::Connection;

use crate::configuration::CheckpointMode;

/// WAL pages (4 KiB) after which the writer checkpoints itself: 256 MiB.
/// A backfill commits faster than the background thread copies, so the
/// writer checkpoints anyway; the fewer its checkpoints, the fewer times a
/// page that many commits touch is copied (benches/interleaved.sh, seven
/// rounds: 13,889 to 18,326 observations/s at 64 MiB, 17,877 to 21,845 at
/// 256 MiB; docs/BENCHMARKS.md).
pub(super) const WAL_CHECKPOINT_PAGES: i64 = 65_536;

/// Each checkpoint copies every page the commits since the last one
/// touched; pages hot in a backfill (the newest leaves of each index) are
/// rewritten by nearly every commit, so a checkpoint a second copies them
/// once where one every 200 ms copied them five times (bench-sync: 64.9 ->
/// 57.6 to 63.3 s of daemon CPU).
const CHECKPOINT_EVERY: Duration = Duration::from_millis(1000);

/// Sets the writer's checkpoint pragmas for `mode` and starts the
/// background checkpointer where the daemon checkpoints itself.
pub(super) fn set_up(
    writer: &Connection,
    path: &Path,
    mode: CheckpointMode,
) -> anyhow::Result<Option<Checkpointer>> {
    match mode {
        // A backfill writes megabytes per page; checkpoints run in the
        // background, the writer only checkpoints (and truncates the WAL)
        // when the background falls behind.
        CheckpointMode::Daemon => {
            writer
                .pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
                .and_then(|()| {
                    writer.pragma_update(None, "journal_size_limit", WAL_CHECKPOINT_PAGES * 4096)
                })
                .context("setting the WAL checkpoint interval")?;
            let checkpointer =
                Checkpointer::spawn(path).context("starting the background checkpoint thread")?;
            Ok(Some(checkpointer))
        }
        // Litestream copies each WAL frame to the replica before it
        // checkpoints; a checkpoint of ours could move frames into the
        // database file (and restart the WAL) before Litestream has read
        // them, costing it a fresh snapshot. So no automatic checkpoint and
        // no background thread; the busy timeout of open_writer waits out
        // Litestream's short checkpoint locks.
        CheckpointMode::Litestream => {
            writer
                .pragma_update(None, "wal_autocheckpoint", 0)
                .context("turning the automatic WAL checkpoint off for Litestream")?;
            Ok(None)
        }
    }
}

/// Copies committed WAL frames into the database file from a thread of its
/// own, so that the writer does not pay for checkpoints (and their fsync)
/// between pages. Stops (and joins its thread) when dropped.
pub(super) struct Checkpointer {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn spawn(path: &Path) -> anyhow::Result<Checkpointer> {
        let connection = shared_schema::open_checkpointer(path)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    std::thread::park_timeout(CHECKPOINT_EVERY);
                    if let Err(error) =
                        connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::debug!(%error, "background checkpoint skipped");
                    }
                }
            })?;
        Ok(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn pragma(store: &Store, name: &str) -> i64 {
        store
            .connection()
            .query_row(&format!("PRAGMA {name}"), [], |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn under_litestream_the_writer_never_checkpoints_but_still_waits_out_locks() {
        let cases = [
            (CheckpointMode::Daemon, WAL_CHECKPOINT_PAGES, true),
            (CheckpointMode::Litestream, 0, false),
        ];
        for (mode, autocheckpoint_pages, background_thread) in cases {
            let directory = tempfile::tempdir().unwrap();
            let store = Store::open_with(&directory.path().join("cupid.db"), mode).unwrap();
            assert_eq!(
                pragma(&store, "wal_autocheckpoint"),
                autocheckpoint_pages,
                "{mode:?}"
            );
            assert_eq!(
                pragma(&store, "busy_timeout"),
                shared_schema::BUSY_TIMEOUT.as_millis() as i64,
                "{mode:?}"
            );
            assert_eq!(store._checkpointer.is_some(), background_thread, "{mode:?}");
        }
    }
}
