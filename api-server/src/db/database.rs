//! Read-only access to the daemon's SQLite file: a small pool of connections
//! opened lazily (so the server starts before the database exists), one
//! read transaction per request (a consistent snapshot while the daemon
//! commits), and retries of SQLITE_BUSY so that it never reaches a client.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode};
use shared_schema::SchemaError;
use shared_schema::rows::SyncMetadata;

use crate::error::ApiError;

/// Connections kept open between requests.
const IDLE_CONNECTIONS: usize = 64;
/// Distinct statements kept prepared per connection (all routes' SQL fits).
const STATEMENT_CACHE: usize = 96;
const BUSY_RETRIES: u32 = 5;
const BUSY_RETRY_PAUSE: Duration = Duration::from_millis(50);

pub struct Database {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// (device, inode) of the file the pooled connections have open, so
    /// that a database replaced on disk (a fresh daemon run) is reopened.
    file_identity: Mutex<Option<(u64, u64)>>,
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

impl Database {
    pub fn new(path: PathBuf) -> Self {
        Database {
            path,
            idle: Mutex::new(Vec::new()),
            file_identity: Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn checkout(&self) -> Result<Connection, SchemaError> {
        let identity = std::fs::metadata(&self.path)
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
        if let Some(connection) = self.idle.lock().expect("pool lock").pop() {
            return Ok(connection);
        }
        let connection = shared_schema::open_reader(&self.path)?;
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(connection)
    }

    fn checkin(&self, connection: Connection) {
        let mut idle = self.idle.lock().expect("pool lock");
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(connection);
        }
    }

    /// Drops pooled connections (after the file was replaced or an error).
    fn forget_idle(&self) {
        self.idle.lock().expect("pool lock").clear();
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
    /// retrying when SQLite reports the database busy. Fails with `NoData`
    /// when the database is missing, not migrated, or never synced.
    pub fn read<T>(
        &self,
        query: impl FnMut(&Connection, &SyncMetadata) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.read_with(true, query)
    }

    /// Like `read`, but also on a database that has never been synced.
    pub fn read_unsynced<T>(
        &self,
        query: impl FnMut(&Connection, &SyncMetadata) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.read_with(false, query)
    }

    fn read_with<T>(
        &self,
        require_synced: bool,
        mut query: impl FnMut(&Connection, &SyncMetadata) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let connection = self.checkout().map_err(|error| self.no_data(error))?;
            let outcome = self.read_once(&connection, require_synced, &mut query);
            match outcome {
                Ok(result) => {
                    self.checkin(connection);
                    return result;
                }
                Err(error) if is_busy(&error) && attempt <= BUSY_RETRIES => {
                    tracing::debug!(attempt, "database busy, retrying the read");
                    std::thread::sleep(BUSY_RETRY_PAUSE * attempt);
                }
                Err(error) => {
                    // The file may have been replaced; reconnect next time.
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
        connection: &Connection,
        require_synced: bool,
        query: &mut impl FnMut(&Connection, &SyncMetadata) -> Result<T, ApiError>,
    ) -> Result<Result<T, ApiError>, rusqlite::Error> {
        let transaction = connection.unchecked_transaction()?;
        let metadata = SyncMetadata::load(&transaction)?;
        if require_synced && !has_been_synced(&metadata) {
            return Ok(Err(ApiError::DataUnavailable(
                "the sync daemon has not synced any data yet".into(),
            )));
        }
        let result = query(&transaction, &metadata);
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
        self.checkin(connection);
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
