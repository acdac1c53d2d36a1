//! Storage: the diesel schema, connections to SQLite or PostgreSQL, the group-committing writer
//! and migrations. The only module that imports diesel's query machinery for the others.

pub mod checkpoint;
pub mod conn;
pub mod kept;
pub mod migrate;
pub mod rows;
pub mod schema;
pub mod writer;

use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::TransactionManager;
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

thread_local! {
    /// SQLite read connections of this thread, by store.
    static THREAD_READERS: RefCell<HashMap<u64, DbConn>> = RefCell::new(HashMap::new());
}

static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

struct Inner {
    /// Tells this store's thread-local read connections from another store's.
    id: u64,
    url: DbUrl,
    pool: r2d2::Pool<Manager>,
    /// Bounds the blocking threads that wait on the pool to the pool's size.
    permits: Semaphore,
    /// Every write goes through the single group-committing writer.
    writer: Writer,
}

/// Whether the connection is inside a transaction (a closure that panicked never ended its own).
fn in_transaction(conn: &mut DbConn) -> bool {
    <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .map_or(true, |depth| depth.is_some())
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
            // A broken connection shows as a query error; a test query per checkout would double
            // the cost of every read.
            .test_on_check_out(false)
            .connection_timeout(opts.pool_timeout)
            .build(Manager {
                url: url.clone(),
                role: Role::Reader,
            })
            .map_err(|e| Error::Unavailable(format!("cannot open the database: {e}")))?;
        Ok(Store {
            inner: Arc::new(Inner {
                id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
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

    /// Runs a short read-only closure (a request's worth of rows).
    ///
    /// On SQLite it runs right here on a connection of this thread's own: a point read takes
    /// microseconds, far less than handing it to another thread and back (measured: handing off
    /// cost more than the reads themselves). On PostgreSQL, where a read waits on the network, it
    /// runs on the blocking pool like [`Store::read_heavy`].
    pub async fn read<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, Error> + Send + 'static,
    {
        if self.inner.url.is_sqlite() {
            return self.read_here(f);
        }
        self.read_heavy(f).await
    }

    fn read_here<T>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, Error>) -> Result<T, Error> {
        THREAD_READERS.with(|cell| {
            let mut readers = cell.borrow_mut();
            let conn = match readers.entry(self.inner.id) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(v) => v.insert(conn::connect(&self.inner.url, Role::Reader)?),
            };
            // A closure that panicked left its transaction open, and the connection would keep
            // reading that old snapshot: it is replaced.
            if in_transaction(conn) {
                *conn = conn::connect(&self.inner.url, Role::Reader)?;
            }
            // One read transaction for all the closure's statements: they see one snapshot
            // (a user and their roles from the same commit), and the file locks of a read
            // transaction are taken once instead of once per statement.
            conn.transaction(f)
        })
    }

    /// Runs a read that may take long (a scan of a whole table) on a pooled connection, off the
    /// async threads, so it never stalls the requests that share this thread.
    pub async fn read_heavy<T, F>(&self, f: F) -> Result<T, Error>
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
