//! One connection type over both backends, chosen by the URL's scheme, and its pool manager.
//!
//! diesel's own `establish` tries backends in order, and SQLite accepts any string as a file
//! name, so a mistyped PostgreSQL URL would silently create a file. We decide by scheme instead.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};

use crate::error::Error;

/// A connection to either backend; queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the backend's own connection, for queries on hot paths.
///
/// Through the `MultiConnection` wrapper diesel serialises a query's SQL anew on every
/// execution (to check whether it may be cached, and again to bind it), which profiling showed
/// at a fifth of a point read's cost; on the backend's own connection a query with a static
/// shape is found in the statement cache by its type. The body is written once and compiled
/// for each backend.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::DbConn::Sqlite($c) => $body,
            $crate::store::DbConn::Pg($c) => $body,
        }
    };
}

/// Which database to use.
#[derive(Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// An SQLite file (created when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL server, as a `postgres://` URL.
    Postgres(String),
}

impl DbUrl {
    /// Reads `postgres://…`/`postgresql://…` as PostgreSQL, `sqlite://PATH` or a bare path as SQLite.
    pub fn parse(url: &str) -> Result<Self, Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DbUrl::Postgres(url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Ok(DbUrl::Sqlite(PathBuf::from(path)))
        } else if url.contains("://") {
            Err(Error::invalid(
                "database_url",
                "unknown scheme: use postgres://… or sqlite://PATH",
            ))
        } else if url.is_empty() {
            Err(Error::invalid("database_url", "must not be empty"))
        } else {
            Ok(DbUrl::Sqlite(PathBuf::from(url)))
        }
    }

    /// The SQLite file inside a data folder.
    pub fn in_data_dir(dir: &Path) -> Self {
        DbUrl::Sqlite(dir.join("yiwang.db"))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DbUrl::Sqlite(_))
    }
}

impl std::fmt::Debug for DbUrl {
    /// Never prints a password that the URL may carry.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbUrl::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            DbUrl::Postgres(u) => write!(f, "{}", redact_password(u)),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// How a SQLite connection is used; the writer alone checkpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Writer,
    Reader,
}

const COMMON: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
    PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 0;";

/// Opens one connection (creating an SQLite file's folder) and sets what every connection of
/// its backend needs.
pub fn connect(url: &DbUrl, role: Role) -> Result<DbConn, Error> {
    match url {
        DbUrl::Postgres(u) => PgConnection::establish(u)
            .map(DbConn::Pg)
            .map_err(|e| Error::Unavailable(format!("cannot connect to PostgreSQL: {e}"))),
        DbUrl::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::Unavailable(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            let name = path.to_string_lossy();
            let mut c = SqliteConnection::establish(&name)
                .map_err(|e| Error::Unavailable(format!("cannot open {name}: {e}")))?;
            // Durable acknowledged writes (FULL); the writer checkpoints in its idle gaps,
            // so automatic checkpoints inside commits are off for it. Its temporary storage is
            // in memory: every command of a group runs in a savepoint whose sub-journal (the
            // pages it changes, as they were) otherwise spills to a temporary file past 64 kB,
            // a `pwrite` per page, which took a third of the writer's time taking tickets.
            let pragmas = match role {
                Role::Writer => format!(
                    "{COMMON} PRAGMA temp_store = MEMORY; PRAGMA journal_size_limit = {};",
                    crate::store::checkpoint::WAL_SIZE_LIMIT
                ),
                Role::Reader => COMMON.to_owned(),
            };
            c.batch_execute(&pragmas)
                .map_err(|e| Error::Unavailable(format!("cannot configure {name}: {e}")))?;
            Ok(DbConn::Sqlite(c))
        }
    }
}

/// The r2d2 manager for [`DbConn`].
pub struct Manager {
    pub url: DbUrl,
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ManagerError(String);

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = ManagerError;

    fn connect(&self) -> Result<DbConn, ManagerError> {
        connect(&self.url, self.role).map_err(|e| ManagerError(e.to_string()))
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ManagerError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ManagerError(e.to_string()))
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_backend_by_scheme_not_by_trial() {
        assert!(matches!(
            DbUrl::parse("postgres://u@localhost/db"),
            Ok(DbUrl::Postgres(_))
        ));
        assert!(matches!(
            DbUrl::parse("sqlite:///tmp/x.db"),
            Ok(DbUrl::Sqlite(p)) if p == Path::new("/tmp/x.db")
        ));
        assert!(DbUrl::parse("mysql://x").is_err());
        assert!(DbUrl::parse("").is_err());
    }

    #[test]
    fn debug_output_hides_passwords() {
        let url = DbUrl::parse("postgres://yiwang:hunter2@db:5432/yiwang").unwrap();
        let shown = format!("{url:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("yiwang:***@db"));
    }
}
