//! The one owner of the Cupid Dashboard's SQLite database: its schema and
//! migrations, the connection set-up for the writer (sync-daemon) and the
//! readers (api-server), the storage units, and the row types both share.
//! It knows nothing of HTTP or of Langfuse.

pub mod agent_scores;
pub mod histogram;
pub mod messages;
pub mod migrations;
pub mod rows;
pub mod scores;
pub mod units;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

pub use migrations::LATEST_VERSION;

/// How long a connection waits on a lock held by the other process before
/// giving up with SQLITE_BUSY.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("database {path} does not exist yet (the sync daemon creates it on its first run)")]
    Missing { path: PathBuf },
    #[error("database {path} is at schema version {found}, this build expects {expected}: {hint}")]
    WrongVersion {
        path: PathBuf,
        found: i64,
        expected: i64,
        hint: &'static str,
    },
    #[error("could not create the directory for database {path}: {source}")]
    CreateDirectory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

impl SchemaError {
    fn sqlite(path: &Path) -> impl FnOnce(rusqlite::Error) -> SchemaError + '_ {
        move |source| SchemaError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Opens (creating it if needed) the database for the one writer: WAL,
/// `synchronous=NORMAL`, a busy timeout, then every pending migration in one
/// `BEGIN IMMEDIATE` transaction.
pub fn open_writer(path: &Path) -> Result<Connection, SchemaError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| SchemaError::CreateDirectory {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let mut connection = Connection::open(path).map_err(SchemaError::sqlite(path))?;
    configure_writer(&connection).map_err(SchemaError::sqlite(path))?;
    migrate(&mut connection, path)?;
    Ok(connection)
}

fn configure_writer(connection: &Connection) -> rusqlite::Result<()> {
    connection.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "journal_mode is {mode}, WAL could not be enabled"
        )));
    }
    connection.execute_batch(
        "PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )
}

/// Applies the migrations after `user_version`, all in one transaction.
/// Idempotent: an up-to-date database is left as it is.
pub fn migrate(connection: &mut Connection, path: &Path) -> Result<(), SchemaError> {
    migrate_to(connection, path, LATEST_VERSION)
}

/// Applies migrations up to `target` (for the upgrade tests).
pub fn migrate_to(
    connection: &mut Connection,
    path: &Path,
    target: i64,
) -> Result<(), SchemaError> {
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(SchemaError::sqlite(path))?;
    let current = schema_version(&transaction).map_err(SchemaError::sqlite(path))?;
    if current > LATEST_VERSION {
        return Err(SchemaError::WrongVersion {
            path: path.to_path_buf(),
            found: current,
            expected: LATEST_VERSION,
            hint: "it was written by a newer build; upgrade this one",
        });
    }
    for (index, migration) in migrations::MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= current || version > target {
            continue;
        }
        transaction
            .execute_batch(migration)
            .and_then(|()| data_step(&transaction, version))
            .and_then(|()| transaction.pragma_update(None, "user_version", version))
            .map_err(SchemaError::sqlite(path))?;
    }
    transaction.commit().map_err(SchemaError::sqlite(path))
}

/// What a migration's SQL cannot do, run after it in its transaction: the
/// derived rows a new table holds from the start (a fresh database has
/// nothing to derive them from).
fn data_step(connection: &Connection, version: i64) -> rusqlite::Result<()> {
    match version {
        19 => {
            for roll_up in agent_scores::PACKED_ROLL_UPS {
                agent_scores::repack(connection, roll_up, None)?;
            }
        }
        20 => messages::normalise_stored_messages(connection)?,
        _ => {}
    }
    Ok(())
}

pub fn schema_version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Opens a second connection of the writer's process that only checkpoints
/// the WAL (the daemon's background checkpointer): no migrations (the writer
/// ran them), the busy timeout of the writer, no other pragma. The database
/// must exist.
pub fn open_checkpointer(path: &Path) -> Result<Connection, SchemaError> {
    if !path.exists() {
        return Err(SchemaError::Missing {
            path: path.to_path_buf(),
        });
    }
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(SchemaError::sqlite(path))?;
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(SchemaError::sqlite(path))?;
    Ok(connection)
}

/// Opens the database for reading only: `SQLITE_OPEN_READ_ONLY` plus
/// `PRAGMA query_only`, so any write through it fails. Fails with a clear
/// message when the database is missing or at another schema version.
pub fn open_reader(path: &Path) -> Result<Connection, SchemaError> {
    if !path.exists() {
        return Err(SchemaError::Missing {
            path: path.to_path_buf(),
        });
    }
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(SchemaError::sqlite(path))?;
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .and_then(|()| connection.pragma_update(None, "query_only", true))
        .map_err(SchemaError::sqlite(path))?;
    let found = schema_version(&connection).map_err(SchemaError::sqlite(path))?;
    if found != LATEST_VERSION {
        let hint = if found < LATEST_VERSION {
            "start the sync daemon (the only writer) to migrate it"
        } else {
            "it was written by a newer sync daemon; upgrade the api-server"
        };
        return Err(SchemaError::WrongVersion {
            path: path.to_path_buf(),
            found,
            expected: LATEST_VERSION,
            hint,
        });
    }
    Ok(connection)
}
