//! Read-only access to the daemon's SQLite file: a pool of connections
//! opened lazily (so the server starts before the database exists) and
//! capped in how many are open at once (a request beyond the cap waits for
//! a connection, it does not fail), one read transaction per request (a
//! consistent snapshot while the daemon commits), and retries of
//! SQLITE_BUSY so that it never reaches a client.

use std::collections::BTreeSet;
use std::ops::Deref;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::trace::{TraceEvent, TraceEventCodes};
use rusqlite::{Connection, ErrorCode};
use shared_schema::SchemaError;
use shared_schema::rows::SyncMetadata;

use crate::error::ApiError;

/// Connections kept open between requests (at most the cap).
const IDLE_CONNECTIONS: usize = 64;
/// Connections open at once unless configured otherwise. Queries are
/// CPU-bound, so a few connections per core keep the cores busy; more only
/// split the same memory into smaller page caches that miss more (on the
/// 2-core benchmark, 4 connections served 30 % more than 16).
pub const DEFAULT_MAX_CONNECTIONS: usize = 4;
/// Page cache per connection, KiB (SQLite's default is 2,000): with
/// `DEFAULT_MAX_CONNECTIONS` it holds the day and hour roll-ups a request
/// reads; the OS keeps the rest of the file's pages.
const PAGE_CACHE_KIB: i64 = 4096;
/// Distinct statements kept prepared per connection (all routes' SQL fits).
const STATEMENT_CACHE: usize = 96;
const BUSY_RETRIES: u32 = 5;
const BUSY_RETRY_PAUSE: Duration = Duration::from_millis(50);

pub struct Database {
    path: PathBuf,
    pool: Mutex<Pool>,
    /// Signalled whenever a connection goes back to the pool or is closed.
    returned: Condvar,
    max_connections: usize,
    /// The file the pooled connections have open, so that a database
    /// replaced on disk (a fresh daemon run) is reopened.
    file_identity: Mutex<Option<FileIdentity>>,
    /// Where every connection records the statements it runs; only tests
    /// set it (the query-plan guard), production never does.
    statement_log: Option<StatementLog>,
}

/// The distinct SQL texts (parameters unexpanded) that the pool's
/// connections ran, recorded by SQLite's statement trace.
#[derive(Debug, Clone, Default)]
pub struct StatementLog(Arc<Mutex<BTreeSet<String>>>);

impl StatementLog {
    /// Every statement recorded so far, in text order.
    pub fn statements(&self) -> Vec<String> {
        self.0
            .lock()
            .expect("statement log lock")
            .iter()
            .cloned()
            .collect()
    }

    fn attach(&self, connection: &mut Connection) -> rusqlite::Result<()> {
        let log = self.0.clone();
        connection.trace_v2(
            TraceEventCodes::SQLITE_TRACE_STMT,
            Some(move |event: TraceEvent<'_>| {
                // A trigger's sub-program reports itself as a `--` comment.
                if let TraceEvent::Stmt(_, sql) = event
                    && !sql.starts_with("--")
                {
                    log.lock()
                        .expect("statement log lock")
                        .insert(sql.to_string());
                }
            }),
        )
    }
}

/// (device, inode) of a database file: a file replaced on disk has
/// another, though its `data_version` may be the same.
pub type FileIdentity = (u64, u64);

/// What a read's answer depends on: the file read and its data version.
/// The api-server's in-memory stores (rendered answers, error days, the
/// session index) are of one such key, as a file replaced on disk may
/// carry the data version of the one it replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SnapshotKey {
    pub file: FileIdentity,
    pub data_version: i64,
}

impl SnapshotKey {
    /// The key of `data_version` in a file of no particular identity (tests).
    pub fn of_version(data_version: i64) -> Self {
        SnapshotKey {
            file: (0, 0),
            data_version,
        }
    }
}

/// The open connections: those idle (each with the file it has open), and
/// how many there are in all (idle and in use).
#[derive(Default)]
struct Pool {
    idle: Vec<(Connection, FileIdentity)>,
    open: usize,
}

/// A connection taken from the pool; it goes back when dropped, or is
/// closed when `discard`ed.
struct Checkout<'a> {
    database: &'a Database,
    connection: Option<Connection>,
    /// The file the connection was opened on.
    file: FileIdentity,
    reuse: bool,
}

impl Checkout<'_> {
    /// Closes the connection instead of pooling it (after an error).
    fn discard(mut self) {
        self.reuse = false;
    }
}

impl Deref for Checkout<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.connection.as_ref().expect("held until dropped")
    }
}

impl Drop for Checkout<'_> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            self.database.give_back(connection, self.file, self.reuse);
        }
    }
}

/// What `/health` reports about the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseState {
    Ready,
    Missing,
    NotSynced,
    WrongVersion,
}

impl DatabaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            DatabaseState::Ready => "ready",
            DatabaseState::Missing => "missing",
            DatabaseState::NotSynced => "not_synced",
            DatabaseState::WrongVersion => "wrong_version",
        }
    }
}

pub struct DatabaseStatus {
    pub state: DatabaseState,
    pub schema_version: Option<i64>,
    pub metadata: Option<SyncMetadata>,
}

/// The daemon has written data (or finished a cycle) at least once.
pub fn has_been_synced(metadata: &SyncMetadata) -> bool {
    metadata.data_version > 0 || metadata.last_success_at_ms.is_some()
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// SQLite settings of the whole process; call before the first connection
/// opens (later, SQLite refuses them and keeps its defaults, which are
/// correct, only slower).
///
/// No bulk allocation for a new page cache. By default each one starts
/// with 20 pages (about 86 KB) at once, and every statement that tests a
/// column against a list (`environment IN (SELECT value FROM json_each(?))`,
/// in nearly every read) builds the list in a temporary b-tree with a page
/// cache of its own. With mimalloc returning freed memory at once
/// (`main.rs`), every such list cost page faults and TLB flushes; in the
/// profiles of the agent endpoints the raw score tally, three lists a
/// statement, spent much of its time opening and closing them
/// (docs/BENCHMARKS.md, twenty-seventh step). Pages are then allocated
/// one at a time, as used.
///
/// # Safety
///
/// No other thread may be using SQLite meanwhile (`sqlite3_config` is not
/// thread-safe): call it first in `main`, before any thread starts.
pub unsafe fn configure_sqlite_process() -> bool {
    // SAFETY: SQLITE_CONFIG_PAGECACHE takes (void*, int, int); with a null
    // buffer SQLite reads only the counts. The caller keeps other threads
    // out; after initialisation the call returns SQLITE_MISUSE and changes
    // nothing.
    let code = unsafe {
        rusqlite::ffi::sqlite3_config(
            rusqlite::ffi::SQLITE_CONFIG_PAGECACHE,
            std::ptr::null_mut::<std::ffi::c_void>(),
            0 as std::ffi::c_int,
            0 as std::ffi::c_int,
        )
    };
    code == rusqlite::ffi::SQLITE_OK
}

/// How the pool sets up each connection it opens.
pub fn configure_reader(connection: &Connection) {
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // A smaller cache only costs re-reads from the OS's page cache.
    let _ = connection.pragma_update(None, "cache_size", -PAGE_CACHE_KIB);
    // Plans never depend on bound values. Otherwise SQLite marks a
    // statement whose parameter it compared with a literal while planning
    // (against a partial index's condition, say) and prepares it again after
    // every new binding, that is on every request. The plans kept are the
    // ones prepared without values, which the query-plan tests check.
    let _ = connection.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true);
}

impl Database {
    pub fn new(path: PathBuf) -> Self {
        Database::with_max_connections(path, DEFAULT_MAX_CONNECTIONS)
    }

    /// A pool that never has more than `max_connections` (at least 1)
    /// connections open.
    pub fn with_max_connections(path: PathBuf, max_connections: usize) -> Self {
        Database {
            path,
            pool: Mutex::new(Pool::default()),
            returned: Condvar::new(),
            max_connections: max_connections.max(1),
            file_identity: Mutex::new(None),
            statement_log: None,
        }
    }

    /// The same pool, each of its connections recording into `log`.
    pub fn recording_statements(mut self, log: Option<StatementLog>) -> Self {
        self.statement_log = log;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn pool(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().expect("pool lock")
    }

    /// Connections open right now, idle or in use.
    pub fn open_connections(&self) -> usize {
        self.pool().open
    }

    /// An idle connection, else a new one while under the cap, else waits
    /// for one to come back.
    fn checkout(&self) -> Result<Checkout<'_>, SchemaError> {
        let identity: FileIdentity = std::fs::metadata(&self.path)
            .map(|metadata| (metadata.dev(), metadata.ino()))
            .map_err(|_| SchemaError::Missing {
                path: self.path.clone(),
            })?;
        {
            let mut known = self.file_identity.lock().expect("identity lock");
            if *known != Some(identity) {
                self.forget_idle();
                *known = Some(identity);
            }
        }
        let mut pool = self.pool();
        loop {
            if let Some((connection, file)) = pool.idle.pop() {
                return Ok(self.checked_out(connection, file));
            }
            if pool.open < self.max_connections {
                pool.open += 1;
                break;
            }
            pool = self.returned.wait(pool).expect("pool lock");
        }
        drop(pool);
        // Opened outside the lock; the slot is already counted.
        let opened = shared_schema::open_reader(&self.path).and_then(|mut connection| {
            if let Some(log) = &self.statement_log {
                log.attach(&mut connection)
                    .map_err(|source| SchemaError::Sqlite {
                        path: self.path.clone(),
                        source,
                    })?;
            }
            Ok(connection)
        });
        match opened {
            Ok(connection) => {
                configure_reader(&connection);
                Ok(self.checked_out(connection, identity))
            }
            Err(error) => {
                self.pool().open -= 1;
                self.returned.notify_one();
                Err(error)
            }
        }
    }

    fn checked_out(&self, connection: Connection, file: FileIdentity) -> Checkout<'_> {
        Checkout {
            database: self,
            connection: Some(connection),
            file,
            reuse: true,
        }
    }

    /// Pools a connection again, unless it failed or its file has been
    /// replaced while it was in use (pooled, it would go on reading the
    /// old file).
    fn give_back(&self, connection: Connection, file: FileIdentity, reuse: bool) {
        // Held until the connection is pooled, as `checkout` holds it while
        // it forgets the idle ones: a replacement noticed in between cannot
        // let this connection in after them.
        let known = self.file_identity.lock().expect("identity lock");
        let mut pool = self.pool();
        if reuse && *known == Some(file) && pool.idle.len() < IDLE_CONNECTIONS {
            pool.idle.push((connection, file));
        } else {
            pool.open -= 1;
            drop(pool);
            drop(known);
            drop(connection);
        }
        self.returned.notify_one();
    }

    /// Closes the idle connections (after the file was replaced or an error).
    fn forget_idle(&self) {
        let closed = {
            let mut pool = self.pool();
            let closed = std::mem::take(&mut pool.idle);
            pool.open -= closed.len();
            closed
        };
        drop(closed);
        self.returned.notify_all();
    }

    fn no_data(&self, error: SchemaError) -> ApiError {
        match error {
            SchemaError::Missing { .. } => ApiError::DataUnavailable(format!(
                "the database {} does not exist yet; start the sync daemon, which creates and fills it",
                self.path.display()
            )),
            SchemaError::WrongVersion { found: 0, .. } => ApiError::DataUnavailable(
                "the database has not been initialised by the sync daemon yet".into(),
            ),
            other => ApiError::DataUnavailable(other.to_string()),
        }
    }

    /// Runs `query` inside one read transaction on a pooled connection,
    /// with the snapshot it reads (file and data version), retrying when SQLite reports the
    /// database busy. Fails with `DataUnavailable` when the database is
    /// missing, not migrated, or never synced.
    pub fn read<T>(
        &self,
        query: impl FnMut(&Connection, &SyncMetadata, SnapshotKey) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.read_with(true, query)
    }

    /// Like `read`, but also on a database that has never been synced.
    pub fn read_unsynced<T>(
        &self,
        mut query: impl FnMut(&Connection, &SyncMetadata) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.read_with(false, |connection, metadata, _| query(connection, metadata))
    }

    fn read_with<T>(
        &self,
        require_synced: bool,
        mut query: impl FnMut(&Connection, &SyncMetadata, SnapshotKey) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let connection = self.checkout().map_err(|error| self.no_data(error))?;
            let outcome = self.read_once(&connection, require_synced, &mut query);
            match outcome {
                Ok(result) => return result,
                Err(error) if is_busy(&error) && attempt <= BUSY_RETRIES => {
                    connection.discard();
                    tracing::debug!(attempt, "database busy, retrying the read");
                    std::thread::sleep(BUSY_RETRY_PAUSE * attempt);
                }
                Err(error) => {
                    // The file may have been replaced; reconnect next time.
                    connection.discard();
                    self.forget_idle();
                    if is_busy(&error) {
                        return Err(ApiError::DataUnavailable(
                            "the database stayed locked; try again shortly".into(),
                        ));
                    }
                    return Err(ApiError::Query(error));
                }
            }
        }
    }

    /// The outer error is SQLite's (retryable or fatal), the inner the query's.
    fn read_once<T>(
        &self,
        connection: &Checkout<'_>,
        require_synced: bool,
        query: &mut impl FnMut(&Connection, &SyncMetadata, SnapshotKey) -> Result<T, ApiError>,
    ) -> Result<Result<T, ApiError>, rusqlite::Error> {
        let transaction = connection.unchecked_transaction()?;
        let metadata = SyncMetadata::load(&transaction)?;
        if require_synced && !has_been_synced(&metadata) {
            return Ok(Err(ApiError::DataUnavailable(
                "the sync daemon has not synced any data yet".into(),
            )));
        }
        let snapshot = SnapshotKey {
            file: connection.file,
            data_version: metadata.data_version,
        };
        let result = query(&transaction, &metadata, snapshot);
        transaction.finish()?;
        Ok(result)
    }

    /// The database's state for `/health`; never fails.
    pub fn status(&self) -> DatabaseStatus {
        let connection = match self.checkout() {
            Ok(connection) => connection,
            Err(SchemaError::Missing { .. }) => {
                return DatabaseStatus {
                    state: DatabaseState::Missing,
                    schema_version: None,
                    metadata: None,
                };
            }
            Err(SchemaError::WrongVersion { found, .. }) => {
                return DatabaseStatus {
                    state: if found == 0 {
                        DatabaseState::NotSynced
                    } else {
                        DatabaseState::WrongVersion
                    },
                    schema_version: Some(found),
                    metadata: None,
                };
            }
            Err(error) => {
                tracing::warn!(error = %error, "health check could not open the database");
                return DatabaseStatus {
                    state: DatabaseState::NotSynced,
                    schema_version: None,
                    metadata: None,
                };
            }
        };
        let metadata = SyncMetadata::load(&connection).ok();
        let schema_version = shared_schema::schema_version(&connection).ok();
        drop(connection);
        let state = match &metadata {
            Some(metadata) if has_been_synced(metadata) => DatabaseState::Ready,
            _ => DatabaseState::NotSynced,
        };
        DatabaseStatus {
            state,
            schema_version,
            metadata,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    /// What `configure_sqlite_process` is for: a statement testing a value
    /// against a list builds the list in a temporary b-tree, whose page
    /// cache must not start with SQLite's default bulk allocation of 20
    /// pages. Relies on nextest running each test in a process of its own,
    /// where SQLite is not yet initialised.
    #[test]
    fn a_statement_with_a_list_allocates_its_temporary_pages_one_at_a_time() {
        use rusqlite::ffi::{sqlite3_memory_highwater, sqlite3_memory_used};
        // SAFETY: the test's own thread is the only one using SQLite yet.
        let configured = unsafe { configure_sqlite_process() };
        assert!(
            configured,
            "SQLite was initialised before the process settings (run under nextest)"
        );
        let connection = Connection::open_in_memory().unwrap();
        let list_read = "SELECT count(*) FROM json_each('[1, 2, 3]') AS number
                         WHERE number.value IN (SELECT value FROM json_each(?1))";
        let read = || -> i64 {
            connection
                .query_row(list_read, ["[2, 3, 4]"], |row| row.get(0))
                .unwrap()
        };
        assert_eq!(read(), 2);
        // SAFETY: both only read or reset SQLite's memory counters.
        let peak_above_current = unsafe {
            let before = sqlite3_memory_used();
            sqlite3_memory_highwater(1);
            assert_eq!(read(), 2);
            sqlite3_memory_highwater(0) - before
        };
        // One page and the b-tree's own structures, not 20 pages (86 KB).
        assert!(
            peak_above_current < 40_000,
            "a list's temporary b-tree took {peak_above_current} bytes at its peak"
        );
    }

    #[test]
    fn reads_beyond_the_connection_cap_wait_for_a_connection_and_all_succeed() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("cupid.db");
        drop(shared_schema::open_writer(&path).unwrap());
        let cap = 2;
        let database = Arc::new(Database::with_max_connections(path, cap));
        let running = Arc::new(AtomicUsize::new(0));
        let most_running = Arc::new(AtomicUsize::new(0));
        let most_open = Arc::new(AtomicUsize::new(0));
        let readers: Vec<_> = (0..4 * cap)
            .map(|_| {
                let (database, running, most_running, most_open) = (
                    database.clone(),
                    running.clone(),
                    most_running.clone(),
                    most_open.clone(),
                );
                std::thread::spawn(move || {
                    database.read_unsynced(|connection, _| {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most_running.fetch_max(now, Ordering::SeqCst);
                        most_open.fetch_max(database.open_connections(), Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(30));
                        let answer: i64 =
                            connection.query_row("SELECT 42", [], |row| row.get(0))?;
                        running.fetch_sub(1, Ordering::SeqCst);
                        Ok(answer)
                    })
                })
            })
            .collect();
        for reader in readers {
            assert_eq!(reader.join().unwrap().unwrap(), 42);
        }
        assert_eq!(
            most_running.load(Ordering::SeqCst),
            cap,
            "readers ran side by side up to the cap"
        );
        assert!(most_open.load(Ordering::SeqCst) <= cap);
        assert!(database.open_connections() <= cap);
    }

    /// A database at `data_version`, in rollback-journal mode so that a
    /// file renamed over it brings no write-ahead log of its own.
    fn database_at(path: &Path, data_version: i64) {
        let writer = shared_schema::open_writer(path).unwrap();
        writer
            .execute("UPDATE sync_metadata SET data_version = ?1", [data_version])
            .unwrap();
        writer
            .query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
            .unwrap();
    }

    #[test]
    fn a_connection_whose_file_was_replaced_while_in_use_is_never_pooled_again() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("cupid.db");
        let replacement = directory.path().join("replacement.db");
        // The same data version in both: only the file tells them apart.
        database_at(&path, 5);
        database_at(&replacement, 5);
        let database = Database::new(path.clone());
        let (replaced, new) = database
            .read(|_, _, old| {
                std::fs::rename(&replacement, &path).unwrap();
                // Another request meanwhile opens the new file.
                let new = database.read(|_, _, new| Ok(new))?;
                Ok((old, new))
            })
            .unwrap();
        assert_eq!((replaced.data_version, new.data_version), (5, 5));
        assert_ne!(replaced.file, new.file);
        for _ in 0..2 * DEFAULT_MAX_CONNECTIONS {
            let read = database.read(|_, _, snapshot| Ok(snapshot));
            assert_ne!(read.unwrap(), replaced, "a read of the replaced file");
        }
    }
}
