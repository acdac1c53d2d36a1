//! Storage: the diesel schema, connections to SQLite or PostgreSQL, the group-committing writer
//! and migrations. The only module that imports diesel's query machinery for the others.

pub mod conn;
pub mod migrate;
pub mod schema;
pub mod writer;

use std::sync::Arc;
use std::time::Duration;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use tokio::sync::{Semaphore, watch};

pub use conn::{DbConn, DbUrl};

use crate::error::Error;
use conn::{Manager, Role};
use writer::{Writer, WriterStats};

impl From<DieselError> for Error {
    fn from(e: DieselError) -> Self {
        match &e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                Error::conflict(format!("already exists ({})", info.message()))
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                Error::conflict("refers to a record that does not exist or is still in use")
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                Error::Unavailable("the database connection was closed".into())
            }
            DieselError::DatabaseError(_, info)
                if info.message().contains("database is locked")
                    || info.message().contains("busy") =>
            {
                Error::Unavailable("the database is busy; try again".into())
            }
            _ => Error::Internal(format!("database: {e}")),
        }
    }
}

/// Pool and writer settings.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Connections for reads (SQLite) or for everything (PostgreSQL).
    pub pool_size: u32,
    /// How long a request waits for a free connection before it is told to try again.
    pub pool_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            pool_size: 8,
            pool_timeout: Duration::from_secs(5),
        }
    }
}

/// The database, as the services see it: `read` and `write` closures over a [`DbConn`].
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    url: DbUrl,
    pool: r2d2::Pool<Manager>,
    /// Bounds the blocking threads that wait on the pool to the pool's size.
    permits: Semaphore,
    /// Every write goes through the single group-committing writer.
    writer: Writer,
}

impl Store {
    /// Opens the database. Does not migrate.
    pub fn open(url: &DbUrl, opts: &StoreOptions) -> Result<Store, Error> {
        if let DbUrl::Sqlite(path) = url
            && let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Unavailable(format!("cannot create {}: {e}", dir.display())))?;
        }
        let writer = Writer::start(url)?;
        let pool = r2d2::Pool::builder()
            .max_size(opts.pool_size)
            .min_idle(Some(1))
            .connection_timeout(opts.pool_timeout)
            .build(Manager {
                url: url.clone(),
                role: Role::Reader,
            })
            .map_err(|e| Error::Unavailable(format!("cannot open the database: {e}")))?;
        Ok(Store {
            inner: Arc::new(Inner {
                url: url.clone(),
                pool,
                permits: Semaphore::new(opts.pool_size as usize),
                writer,
            }),
        })
    }

    pub fn url(&self) -> &DbUrl {
        &self.inner.url
    }

    pub fn is_sqlite(&self) -> bool {
        self.inner.url.is_sqlite()
    }

    /// Runs a read-only closure on a pooled connection, off the async threads.
    pub async fn read<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, Error> + Send + 'static,
    {
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .map_err(|_| Error::Unavailable("the store is closing".into()))?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.pool.get().map_err(pool_error)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::Internal(format!("read task failed: {e}")))?
    }

    /// Runs a state-changing closure as one durable transaction: it joins the writer's next
    /// group (a savepoint there) and is answered once the group's commit is durable.
    pub async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, Error> + Send + 'static,
    {
        self.inner.writer.write(f).await
    }

    /// A receiver that changes after local commits; followers of the event log wait on it.
    pub fn commits(&self) -> watch::Receiver<u64> {
        self.inner.writer.commits()
    }

    /// Pool figures for `/metrics`: (connections, idle).
    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.inner.pool.state();
        (s.connections, s.idle_connections)
    }

    pub fn writer_stats(&self) -> WriterStats {
        self.inner.writer.stats()
    }

    /// A connection for long sequential work (migrations, verification, CLI commands).
    pub fn blocking_conn(&self) -> Result<r2d2::PooledConnection<Manager>, Error> {
        self.inner.pool.get().map_err(pool_error)
    }
}

fn pool_error(e: r2d2::Error) -> Error {
    Error::Unavailable(format!("no database connection available: {e}"))
}
