//! The reliability and security suite's harness: it starts the REAL
//! `sync-daemon` and `api-server` binaries from `target/debug` on free
//! loopback ports and temporary databases, the Langfuse test double
//! (`langfuse-mock`) in-process, and compares what ends up in SQLite.
//!
//! Sizes are small by default so that the suite runs in minutes on two
//! cores; `CUPID_RELIABILITY_FULL=1` switches to the sizes of the brief
//! (docs/RELIABILITY.md).

use std::collections::BTreeMap;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use langfuse_mock::{DatasetSpec, Faults, MockConfig, MockHandle};
use rusqlite::{Connection, OpenFlags};

/// The secret key every test uses: long and distinctive, so a grep for it
/// (or for its tail) in logs and answers cannot match by accident.
pub const SECRET_KEY: &str = "sk-lf-reliability-7f3a9c1e5b2d4f60";
pub const PUBLIC_KEY: &str = "pk-lf-reliability";

/// Whether to run the brief's full sizes (`CUPID_RELIABILITY_FULL=1`).
pub fn full_size() -> bool {
    std::env::var("CUPID_RELIABILITY_FULL").is_ok_and(|v| v == "1")
}

/// `small` by default, `full` with `CUPID_RELIABILITY_FULL=1`.
pub fn sized<T>(small: T, full: T) -> T {
    if full_size() { full } else { small }
}

/// The workspace root (this crate lives one level below it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the reliability crate sits inside the workspace")
        .to_path_buf()
}

/// A binary of the workspace in `target/debug`. The test command builds
/// them (`cargo build --bins`); a missing one fails with that instruction.
pub fn binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let path = target.join("debug").join(name);
    assert!(
        path.is_file(),
        "{} is missing: build the binaries first with `cargo build --bins` \
         (the reliability suite runs the real executables)",
        path.display()
    );
    path
}

/// The pinned Litestream binary that `scripts/litestream.sh` installs (the
/// test command runs that script first); a missing one fails with that
/// instruction.
pub fn litestream() -> PathBuf {
    let script = workspace_root().join("scripts/litestream.sh");
    let text = std::fs::read_to_string(&script).expect("scripts/litestream.sh is readable");
    let version = text
        .lines()
        .find_map(|line| line.strip_prefix("version="))
        .expect("scripts/litestream.sh pins a version");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let path = target
        .join("tools")
        .join(format!("litestream-{version}"))
        .join("litestream");
    assert!(
        path.is_file(),
        "{} is missing: install it with `bash scripts/litestream.sh`",
        path.display()
    );
    path
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

/// Cupid data spread over `days` days ending two hours ago, so a 5-day
/// backfill covers it all.
pub fn dataset(observations: usize, seed: u64, days: u32) -> DatasetSpec {
    DatasetSpec {
        seed,
        observations,
        days,
        end_ms: now_ms() - 2 * 3_600_000,
        pending_share: 0.0,
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Starts the Langfuse test double in this process (in the current tokio
/// runtime), with the suite's keys.
pub async fn spawn_mock(observations: usize, faults: Faults) -> MockHandle {
    langfuse_mock::spawn(MockConfig {
        public_key: PUBLIC_KEY.to_string(),
        secret_key: SECRET_KEY.to_string(),
        dataset: dataset(observations, 11, 3),
        faults,
        ..MockConfig::default()
    })
    .await
    .expect("the Langfuse test double starts")
}

/// A temporary directory holding a database and the logs of the processes.
pub struct Workspace {
    pub directory: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Self {
            directory: tempfile::Builder::new()
                .prefix("cupid-reliability-")
                .tempdir()
                .expect("a temp directory"),
        }
    }

    pub fn path(&self) -> &Path {
        self.directory.path()
    }

    pub fn database(&self) -> PathBuf {
        self.path().join("cupid.db")
    }
}

/// `CUPID_RELIABILITY_KEEP=1` keeps every temp directory (databases and
/// logs) for a post-mortem; its path is printed.
impl Drop for Workspace {
    fn drop(&mut self) {
        if std::env::var("CUPID_RELIABILITY_KEEP").is_ok_and(|v| v == "1") {
            let kept = std::mem::replace(
                &mut self.directory,
                tempfile::tempdir().expect("a temp directory"),
            );
            eprintln!("kept {}", kept.keep().display());
        }
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

/// The environment a daemon needs to sync `mock` into `database`: no quota
/// pacing, small pages, a 5-day backfill, short timeouts.
pub fn daemon_environment(
    langfuse_url: &str,
    database: &Path,
    extra: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let mut pairs: BTreeMap<String, String> = [
        ("LANGFUSE_PUBLIC_KEY", PUBLIC_KEY.to_string()),
        ("LANGFUSE_SECRET_KEY", SECRET_KEY.to_string()),
        ("LANGFUSE_HOST", langfuse_url.to_string()),
        ("CUPID_DATABASE_PATH", database.display().to_string()),
        ("CUPID_CONTROL_PORT", "0".to_string()),
        ("CUPID_QUOTA_PER_MINUTE", "0".to_string()),
        ("CUPID_PAGE_SIZE", "100".to_string()),
        ("CUPID_BACKFILL_SINCE", "5d".to_string()),
        ("CUPID_REQUEST_TIMEOUT_SECS", "5".to_string()),
        ("CUPID_SYNC_INTERVAL_SECS", "1".to_string()),
        ("RUST_LOG", "info".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (key, value) in extra {
        pairs.insert(key.to_string(), value.to_string());
    }
    pairs
}

/// A real process whose stdout and stderr go to a log file; killed (SIGKILL)
/// when dropped.
pub struct Process {
    pub name: String,
    child: Child,
    pub log: PathBuf,
}

impl Process {
    /// Starts `program` with exactly `environment` (plus PATH and HOME).
    pub fn start(
        name: &str,
        program: &Path,
        args: &[&str],
        environment: &BTreeMap<String, String>,
        log_directory: &Path,
    ) -> Self {
        let log = unique_log_path(log_directory, name);
        let file = File::create(&log).expect("a log file");
        let child = Command::new(program)
            .args(args)
            .env_clear()
            .envs(std::env::vars().filter(|(k, _)| k == "PATH" || k == "HOME"))
            .envs(environment)
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("a log handle"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|error| panic!("{name} did not start: {error}"));
        Self {
            name: name.to_string(),
            child,
            log,
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// kill -9: no chance to clean up.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then SIGKILL after `grace`.
    pub fn stop(&mut self, grace: Duration) -> Option<ExitStatus> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.wait_for_exit(grace);
        if status.is_none() {
            self.kill_hard();
        }
        status
    }

    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits up to `limit` for the process to exit on its own.
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.try_exit() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.try_exit().is_none() {
            self.kill_hard();
        }
    }
}

fn unique_log_path(directory: &Path, name: &str) -> PathBuf {
    (0..)
        .map(|n| directory.join(format!("{name}-{n}.log")))
        .find(|path| !path.exists())
        .expect("a free log name")
}

/// Runs `sync-daemon --once` to completion (bounded by `limit`); returns
/// its exit code (None: it had to be killed) and its output.
pub fn sync_once(
    environment: &BTreeMap<String, String>,
    logs: &Path,
    limit: Duration,
) -> (Option<i32>, String) {
    let mut daemon = Process::start(
        "sync-daemon-once",
        &binary("sync-daemon"),
        &["--once"],
        environment,
        logs,
    );
    let status = daemon.wait_for_exit(limit);
    if status.is_none() {
        daemon.kill_hard();
    }
    (status.and_then(|s| s.code()), daemon.log_text())
}

/// A running api-server on a free port.
pub struct ApiServer {
    pub process: Process,
    pub port: u16,
}

impl ApiServer {
    pub fn start(database: &Path, logs: &Path, extra: &[(&str, &str)]) -> Self {
        Self::start_on(free_port(), database, logs, extra)
    }

    /// On a given port: a replica restarted where its balancer expects it.
    pub fn start_on(port: u16, database: &Path, logs: &Path, extra: &[(&str, &str)]) -> Self {
        let mut environment: BTreeMap<String, String> = [
            ("CUPID_DATABASE_PATH", database.display().to_string()),
            ("CUPID_API_HOST", "127.0.0.1".to_string()),
            ("CUPID_API_PORT", port.to_string()),
            ("CUPID_SYNC_CONTROL_URL", "http://127.0.0.1:9".to_string()),
            ("RUST_LOG", "info".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for (key, value) in extra {
            environment.insert(key.to_string(), value.to_string());
        }
        let process = Process::start("api-server", &binary("api-server"), &[], &environment, logs);
        let server = Self { process, port };
        server.wait_until_listening(Duration::from_secs(30));
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn wait_until_listening(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the api-server did not listen on {} within {limit:?}: {}",
            self.port,
            self.process.log_text()
        );
    }
}

/// A blocking GET; returns the status and the body.
pub fn get(url: &str) -> anyhow::Result<(u16, String)> {
    http_get(url, &[])
}

/// A minimal HTTP/1.1 GET over a plain socket (loopback only), so that
/// sync code needs no runtime. Returns the status, the headers (lower-case
/// names) and the body.
pub fn http_get(url: &str, headers: &[(&str, &str)]) -> anyhow::Result<(u16, String)> {
    let (status, _, body) = http_request("GET", url, headers)?;
    Ok((status, body))
}

pub fn http_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
) -> anyhow::Result<(u16, BTreeMap<String, String>, String)> {
    use std::io::{Read, Write};
    let rest = url
        .strip_prefix("http://")
        .with_context(|| format!("{url} is not an http URL"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut stream = std::net::TcpStream::connect(authority).context(url.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("Content-Length: 0\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .with_context(|| format!("no HTTP head from {url}"))?;
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("no status line from {url}"))?;
    let headers: BTreeMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((status, headers, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// Opens a database read-only (never creates one).
pub fn read_only(database: &Path) -> Connection {
    Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|error| panic!("{} opens read-only: {error}", database.display()))
}

/// `PRAGMA integrity_check`'s answer ("ok" when sound).
pub fn integrity_check(database: &Path) -> String {
    read_only(database)
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check runs")
}

/// What two databases must agree on: the row count of every table and the
/// sums of cost and tokens per session, per agent and per day, both as
/// stored in the derived tables and recomputed from the raw observations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseSummary {
    pub row_counts: BTreeMap<String, i64>,
    /// key -> (observations, cost_nanousd, input, output, total tokens)
    pub by_session: BTreeMap<String, [i64; 5]>,
    pub by_agent: BTreeMap<String, [i64; 5]>,
    pub by_day: BTreeMap<String, [i64; 5]>,
    pub derived_by_session: BTreeMap<String, [i64; 5]>,
    pub derived_by_agent: BTreeMap<String, [i64; 5]>,
    pub derived_by_day: BTreeMap<String, [i64; 5]>,
}

/// Tables that hold data (sync bookkeeping such as sync_runs and
/// sync_metadata differs legitimately between runs).
pub const DATA_TABLES: &[&str] = &[
    "observations",
    "scores",
    "trace_keys",
    "traces",
    "trace_agents",
    "sessions",
    "session_agents",
    "agent_stats_cache",
    "daily_metrics",
    "session_pairs",
];

pub fn summarize(database: &Path) -> anyhow::Result<DatabaseSummary> {
    let connection = read_only(database);
    let mut row_counts = BTreeMap::new();
    for table in DATA_TABLES {
        let count: i64 =
            connection.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        row_counts.insert(table.to_string(), count);
    }
    let sums = "count(*), coalesce(sum(cost_nanousd), 0), coalesce(sum(input_tokens), 0), \
                coalesce(sum(output_tokens), 0), coalesce(sum(total_tokens), 0)";
    let derived_sums = "sum(observations), sum(cost_nanousd), sum(input_tokens), \
                sum(output_tokens), sum(total_tokens)";
    let grouped = |sql: &str| -> anyhow::Result<BTreeMap<String, [i64; 5]>> {
        let mut statement = connection.prepare(sql)?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, Option<String>>(0)?.unwrap_or_default(),
                [
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                ],
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    Ok(DatabaseSummary {
        row_counts,
        by_session: grouped(&format!(
            "SELECT session_id, {sums} FROM observations WHERE session_id IS NOT NULL GROUP BY 1"
        ))?,
        by_agent: grouped(&format!(
            "SELECT agent, {sums} FROM observations GROUP BY 1"
        ))?,
        by_day: grouped(&format!(
            "SELECT strftime('%Y-%m-%d', start_time_ms / 1000, 'unixepoch'), {sums} \
             FROM observations GROUP BY 1"
        ))?,
        derived_by_session: grouped(&format!(
            "SELECT id, {derived_sums} FROM sessions GROUP BY 1"
        ))?,
        derived_by_agent: grouped(&format!(
            "SELECT agent, {derived_sums} FROM agent_stats_cache GROUP BY 1"
        ))?,
        derived_by_day: grouped(&format!(
            "SELECT day, {derived_sums} FROM daily_metrics WHERE agent = '*' AND model = '*' GROUP BY 1"
        ))?,
    })
}

/// The sync state and last error recorded in `sync_metadata`.
pub fn sync_state(database: &Path) -> anyhow::Result<(String, Option<String>)> {
    let connection = read_only(database);
    Ok(connection.query_row(
        "SELECT state, last_error FROM sync_metadata WHERE id = 1",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?)
}

/// The states recorded in `sync_runs`, oldest first.
pub fn recorded_states(database: &Path) -> anyhow::Result<Vec<String>> {
    let connection = read_only(database);
    let mut statement = connection.prepare("SELECT state FROM sync_runs ORDER BY id")?;
    let states = statement
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(states)
}

/// Compares the overall totals of a synced database with the double's
/// ground truth; returns a description of every difference.
pub fn differences_from_ground_truth(
    database: &Path,
    truth: &langfuse_mock::GroundTruth,
) -> anyhow::Result<Vec<String>> {
    let connection = read_only(database);
    let (observations, cost, input, output, total): (i64, i64, i64, i64, i64) = connection
        .query_row(
            "SELECT count(*), coalesce(sum(cost_nanousd), 0), coalesce(sum(input_tokens), 0), \
             coalesce(sum(output_tokens), 0), coalesce(sum(total_tokens), 0) FROM observations",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
    let scores: i64 = connection.query_row("SELECT count(*) FROM scores", [], |r| r.get(0))?;
    let expected = &truth.overall;
    let mut differences = Vec::new();
    let mut check = |what: &str, got: i64, want: i64| {
        if got != want {
            differences.push(format!("{what}: stored {got}, Langfuse has {want}"));
        }
    };
    check("observations", observations, expected.observations as i64);
    check("cost_nanousd", cost, expected.cost_nanousd);
    check("input_tokens", input, expected.input_tokens);
    check("output_tokens", output, expected.output_tokens);
    check("total_tokens", total, expected.total_tokens);
    check("scores", scores, truth.scores as i64);
    let summary = summarize(database)?;
    for (day, totals) in &truth.by_day {
        let got = summary.by_day.get(day).copied().unwrap_or_default();
        let want = [
            totals.observations as i64,
            totals.cost_nanousd,
            totals.input_tokens,
            totals.output_tokens,
            totals.total_tokens,
        ];
        if got != want {
            differences.push(format!("day {day}: stored {got:?}, Langfuse has {want:?}"));
        }
    }
    for (session, totals) in &truth.by_session {
        let got = summary.by_session.get(session).copied().unwrap_or_default();
        let want = [
            totals.observations as i64,
            totals.cost_nanousd,
            totals.input_tokens,
            totals.output_tokens,
            totals.total_tokens,
        ];
        if got != want {
            differences.push(format!(
                "session {session}: stored {got:?}, Langfuse has {want:?}"
            ));
        }
    }
    Ok(differences)
}

/// Polls `condition` every 100 ms for at most `limit`.
pub fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Fails unless `path` exists as an executable on PATH.
pub fn require_command(command: &str) -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for directory in std::env::split_paths(&path) {
        let candidate = directory.join(command);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!("{command} is not installed (it is needed by this test)")
}
