//! Where a backfill's writes go (a benchmark diagnostic, not a test): which
//! B-trees the pages of each commit belong to. A commit writes one WAL frame
//! (a 4 KiB page image) per page it changed, so the frames of a page of
//! observations say which tables and indexes its cost comes from.
//!
//! The release daemon backfills N observations (default 1,000,000) from the
//! Langfuse double with nobody checkpointing (`CUPID_CHECKPOINT_MODE=
//! litestream`) while this process holds a read connection open, so the WAL
//! keeps every frame of the run (9 to 14 GB per million observations, in
//! the temporary directory) and is not checkpointed when the daemon closes.
//! Then the WAL's frame headers are read commit by commit and each page
//! number is named from SQLite's `dbstat`. Commits that write into the
//! `observations` table are pages of observations, those that write into
//! `scores` are pages of scores. The daemon's rate in this run means
//! nothing (its WAL is never emptied); `bench_ingest` measures the rate.
//!
//! Run with `sync-daemon/benches/wal-frames.sh [N]`.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::process::Stdio;

use anyhow::{Context, ensure};
use langfuse_mock::{EnvironmentFilter, MockConfig};
use rusqlite::{Connection, OpenFlags};

const WAL_HEADER_BYTES: u64 = 32;
const FRAME_HEADER_BYTES: u64 = 24;
const OBSERVATIONS: &str = "observations";
const SCORES: &str = "scores";
/// B-trees listed per kind of commit.
const LISTED: usize = 25;

fn main() -> anyhow::Result<()> {
    let observations = support::observations_argument()?;
    support::block_on(run(observations))
}

async fn run(observations: usize) -> anyhow::Result<()> {
    let daemon = support::daemon_binary()?;
    let mock = langfuse_mock::spawn(MockConfig {
        dataset: support::dataset(observations)?,
        ..MockConfig::default()
    })
    .await?;
    let truth = mock.ground_truth_for(&EnvironmentFilter::All);
    println!(
        "dataset: {} observations, {} traces, {} sessions, {} scores (the bench_ingest dataset)",
        truth.overall.observations, truth.overall.traces, truth.overall.sessions, truth.scores
    );

    let directory = tempfile::tempdir()?;
    let database = directory.path().join("cupid.db");
    // The schema first, then a reader that stays open: the daemon's
    // connection is then not the last one when it closes, and SQLite only
    // checkpoints (and deletes) the WAL on closing the last one.
    drop(shared_schema::open_writer(&database)?);
    let reader = Connection::open_with_flags(&database, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    reader.query_row("SELECT count(*) FROM sync_metadata", [], |_| Ok(()))?;

    let status = tokio::process::Command::new(&daemon)
        .arg("--once")
        .env_clear()
        .env("LANGFUSE_PUBLIC_KEY", "pk-lf-demo")
        .env("LANGFUSE_SECRET_KEY", "sk-lf-demo")
        .env("LANGFUSE_HOST", mock.base_url())
        .env("CUPID_DATABASE_PATH", &database)
        .env("CUPID_QUOTA_PER_MINUTE", "0")
        .env("CUPID_PAGE_SIZE", "1000")
        .env("CUPID_BACKFILL_SINCE", support::backfill_since()?)
        .env("CUPID_CONTROL_PORT", "0")
        .env("CUPID_CHECKPOINT_MODE", "litestream")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .await
        .context("running sync-daemon --once")?;
    ensure!(status.success(), "the daemon failed: {status}");

    let commits = read_wal(&database.with_extension("db-wal"))?;
    let names = page_owners(&reader)?;
    report(&commits, &names);
    Ok(())
}

/// The page numbers each commit wrote, in commit order (a page written
/// twice in one commit counts twice, as it costs two frames).
fn read_wal(path: &Path) -> anyhow::Result<Vec<Vec<u32>>> {
    let mut wal = BufReader::new(File::open(path).with_context(|| format!("{}", path.display()))?);
    let mut header = [0u8; WAL_HEADER_BYTES as usize];
    wal.read_exact(&mut header)?;
    let page_size = u64::from(u32::from_be_bytes(header[8..12].try_into()?));
    let salts = &header[16..24];
    let length = wal.get_ref().metadata()?.len();
    let mut commits = Vec::new();
    let mut current = Vec::new();
    let mut frame = [0u8; FRAME_HEADER_BYTES as usize];
    let mut offset = WAL_HEADER_BYTES;
    while offset + FRAME_HEADER_BYTES + page_size <= length {
        wal.seek(SeekFrom::Start(offset))?;
        wal.read_exact(&mut frame)?;
        // Nobody checkpointed, so the WAL never restarted: a frame with
        // other salts is left from before the daemon ran.
        if &frame[8..16] != salts {
            break;
        }
        current.push(u32::from_be_bytes(frame[0..4].try_into()?));
        if frame[4..8] != [0, 0, 0, 0] {
            commits.push(std::mem::take(&mut current));
        }
        offset += FRAME_HEADER_BYTES + page_size;
    }
    Ok(commits)
}

/// Page number -> the table or index it belongs to, as the database stands
/// after the run (a backfill deletes nothing, so pages keep their owner).
fn page_owners(reader: &Connection) -> anyhow::Result<HashMap<u32, String>> {
    let mut statement = reader.prepare("SELECT pageno, name FROM dbstat")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn report(commits: &[Vec<u32>], names: &HashMap<u32, String>) {
    let mut kinds: BTreeMap<&str, (usize, BTreeMap<&str, usize>)> = BTreeMap::new();
    for commit in commits {
        let owners: Vec<&str> = commit
            .iter()
            .map(|page| {
                names
                    .get(page)
                    .map_or("(freed or free-list)", String::as_str)
            })
            .collect();
        let kind = if owners.contains(&OBSERVATIONS) {
            "page of observations"
        } else if owners.contains(&SCORES) {
            "page of scores"
        } else {
            "other commit"
        };
        let (count, frames) = kinds.entry(kind).or_default();
        *count += 1;
        for owner in owners {
            *frames.entry(owner).or_default() += 1;
        }
    }
    let total: usize = commits.iter().map(Vec::len).sum();
    println!(
        "WAL: {total} frames in {} commits, {:.0} MB",
        commits.len(),
        total as f64 * 4120.0 / 1e6
    );
    for (kind, (count, frames)) in &kinds {
        let kind_total: usize = frames.values().sum();
        println!(
            "\n{kind}: {count} commits, {:.1} frames per commit",
            kind_total as f64 / *count as f64
        );
        let mut ranked: Vec<(&&str, &usize)> = frames.iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        println!("| B-tree | frames per commit | share |");
        println!("|---|---:|---:|");
        for (name, frames) in ranked.iter().take(LISTED) {
            println!(
                "| `{name}` | {:.1} | {:.1} % |",
                **frames as f64 / *count as f64,
                100.0 * **frames as f64 / kind_total as f64
            );
        }
        if ranked.len() > LISTED {
            let rest: usize = ranked.iter().skip(LISTED).map(|(_, f)| **f).sum();
            println!(
                "| {} others | {:.1} | {:.1} % |",
                ranked.len() - LISTED,
                rest as f64 / *count as f64,
                100.0 * rest as f64 / kind_total as f64
            );
        }
    }
}
