//! The single writer that commits in groups, one per node.
//!
//! Every state-changing command is queued here. The writer takes what is queued (up to
//! `MAX_GROUP`), opens one transaction (`BEGIN IMMEDIATE` on SQLite), runs each command in its
//! own savepoint (a command that fails is rolled back alone), commits once (one fsync for the
//! group) and only then answers every caller. A command alone in its group needs no savepoint:
//! when it fails the group is rolled back, which is the command itself. Otherwise one savepoint
//! name is reused: taken in the same round trip as the `BEGIN`, released and taken again in one
//! round trip between commands, never released after the last (the commit does), so a group of
//! n commands costs n - 1 round trips for its savepoints instead of 2n on PostgreSQL. On SQLite
//! it checkpoints the WAL between groups
//! (`checkpoint` says when), never inside some caller's commit and not after every group
//! (which, measured at 3,000 writes/s, set the p99).
//!
//! On PostgreSQL the same grouping pays too: the audit chain needs its appends in commit order
//! (an advisory lock held to the commit), so a node's writes are sequential anyway, and grouping
//! turns one commit per command into one per group. Every group takes that lock
//! ([`SERIAL_LOCK`]) in its `BEGIN`'s round trip rather than at its first append: one round
//! trip fewer, and a group holding it from the start never waits for it behind a row lock
//! another node holds (no deadlock between nodes).

use std::cell::Cell;
use std::thread;
use std::time::Instant;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use tokio::sync::{mpsc, oneshot, watch};

use crate::error::Error;
use crate::store::checkpoint::Checkpointer;
use crate::store::conn::{DbConn, DbUrl, Role, connect};

/// Commands per group at most; larger groups add latency for little throughput.
const MAX_GROUP: usize = 128;
/// The advisory lock that serialises the write groups of all nodes on PostgreSQL (the audit
/// chain's lock); held from the group's `BEGIN` to its commit.
pub const SERIAL_LOCK: i64 = 0x7969_7761_6e67_0001;
/// What a queued command leaves behind until its group commits: it sends the caller's answer.
type Reply = Box<dyn FnOnce(Result<(), Error>) + Send>;
/// A queued command; given no connection, it answers with the group's failure. It leaves its
/// reply and whether it failed.
type Job = Box<dyn FnOnce(Option<&mut DbConn>) -> (Reply, bool) + Send>;

/// Figures the writer publishes for `/metrics`.
#[derive(Debug, Default, Clone, Copy)]
pub struct WriterStats {
    pub commits: u64,
    pub commands: u64,
    pub failed_commands: u64,
    pub checkpoints: u64,
    /// Frames in the WAL after the last checkpoint (0 when it was fully reset).
    pub wal_frames: i64,
}

/// Handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
    commits: watch::Receiver<u64>,
    stats: watch::Receiver<WriterStats>,
}

impl Writer {
    /// Opens the writer's own connection and starts its thread.
    pub fn start(url: &DbUrl) -> Result<Writer, Error> {
        let conn = connect(url, Role::Writer)?;
        let (queue, rx) = mpsc::channel::<Job>(8_192);
        let (commit_tx, commits) = watch::channel(0u64);
        let (stats_tx, stats) = watch::channel(WriterStats::default());
        thread::Builder::new()
            .name("yiwang-writer".into())
            .spawn({
                let url = url.clone();
                move || run(url, conn, rx, commit_tx, stats_tx)
            })
            .map_err(|e| Error::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer {
            queue,
            commits,
            stats,
        })
    }

    /// Runs `f` in the next group; answers once the group is durable on disk.
    pub async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, Error> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn: Option<&mut DbConn>| {
            let outcome = match conn {
                // The group's runner holds the savepoint that undoes only this command.
                Some(conn) => f(conn),
                None => Err(Error::Unavailable("the write group could not start".into())),
            };
            let failed = outcome.is_err();
            if failed {
                next_epoch();
            }
            let reply: Reply = Box::new(move |committed: Result<(), Error>| {
                let _ = tx.send(committed.and(outcome));
            });
            (reply, failed)
        });
        self.queue
            .send(job)
            .await
            .map_err(|_| Error::Unavailable("the writer has stopped".into()))?;
        rx.await
            .map_err(|_| Error::Unavailable("the writer has stopped".into()))?
    }

    /// Changes once per commit: what event followers wait on.
    pub fn commits(&self) -> watch::Receiver<u64> {
        self.commits.clone()
    }

    pub fn stats(&self) -> WriterStats {
        *self.stats.borrow()
    }
}

fn run(
    url: DbUrl,
    mut conn: DbConn,
    mut rx: mpsc::Receiver<Job>,
    commit_tx: watch::Sender<u64>,
    stats_tx: watch::Sender<WriterStats>,
) {
    let mut stats = WriterStats::default();
    let mut checkpointer = match &url {
        DbUrl::Sqlite(path) => Some(Checkpointer::new(path)),
        DbUrl::Postgres(_) => None,
    };
    let mut group: Vec<Job> = Vec::with_capacity(MAX_GROUP);
    let mut replies: Vec<Reply> = Vec::with_capacity(MAX_GROUP);
    while let Some(first) = rx.blocking_recv() {
        group.push(first);
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let started = Instant::now();
        let n = group.len() as u64;
        let committed = match begin(&mut conn, n > 1) {
            Ok(()) => run_group(&url, &mut conn, &mut group, &mut replies),
            Err(e) => {
                for job in group.drain(..) {
                    replies.push(job(None).0);
                }
                Err(e)
            }
        };
        if committed.is_err() {
            stats.failed_commands += n;
        }
        for reply in replies.drain(..) {
            reply(committed.clone_err());
        }
        stats.commits += 1;
        stats.commands += n;
        metrics::histogram!("yiwang_writer_group_seconds").record(started.elapsed().as_secs_f64());
        metrics::histogram!("yiwang_writer_group_size").record(n as f64);
        commit_tx.send_modify(|c| *c += 1);

        if let Some(c) = checkpointer.as_mut()
            && let Some(frames) = c.after_commit(&mut conn, n, rx.is_empty())
        {
            stats.wal_frames = frames;
            stats.checkpoints += 1;
        }
        stats_tx.send_replace(stats);
    }
    tracing::info!("writer stopped: its queue closed");
}

thread_local! {
    /// Changes whenever the writer thread's open transaction may hold other than what its
    /// commands last saw: at each group's begin, and after a command that was rolled back.
    static EPOCH: Cell<u64> = const { Cell::new(0) };
    /// Whether this thread's open write transaction holds [`SERIAL_LOCK`].
    static HOLDS_SERIAL_LOCK: Cell<bool> = const { Cell::new(false) };
}

/// Whether the calling thread is the writer inside a PostgreSQL group, which holds
/// [`SERIAL_LOCK`] already.
pub fn holds_serial_lock() -> bool {
    HOLDS_SERIAL_LOCK.with(Cell::get)
}

/// The calling thread's write-transaction epoch: 0 outside the writer; while it is unchanged,
/// what a command learned inside the transaction (the audit chain's head) still holds.
pub fn write_epoch() -> u64 {
    EPOCH.with(Cell::get)
}

fn next_epoch() {
    EPOCH.with(|e| e.set(e.get().wrapping_add(1).max(1)));
}

/// What the savepoint each command of a group of several runs under (`yiwang_command`, taken by
/// [`begin`]) needs after a command: rolled back to (it stays, so
/// the next command runs under it), released and taken again, or nothing after the last.
fn after_command(failed: bool, last: bool) -> Option<&'static str> {
    match (failed, last) {
        (true, _) => Some("ROLLBACK TO SAVEPOINT yiwang_command"),
        (false, false) => Some("RELEASE SAVEPOINT yiwang_command; SAVEPOINT yiwang_command"),
        (false, true) => None,
    }
}

/// Runs a group's commands and commits. A panicking command (a bug) costs the whole group:
/// its connection is replaced, which rolls back everything uncommitted.
fn run_group(
    url: &DbUrl,
    conn: &mut DbConn,
    group: &mut Vec<Job>,
    replies: &mut Vec<Reply>,
) -> Result<(), Error> {
    let n = group.len();
    let alone = n == 1;
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut failed = false;
        let mut jobs = group.drain(..).enumerate();
        for (i, job) in jobs.by_ref() {
            let (reply, f) = job(Some(&mut *conn));
            replies.push(reply);
            failed |= f;
            if alone {
                continue;
            }
            if let Some(sql) = after_command(f, i + 1 == n)
                && let Err(e) = conn.batch_execute(sql)
            {
                for (_, rest) in jobs.by_ref() {
                    replies.push(rest(None).0);
                }
                return Err(Error::Unavailable(format!("savepoint failed: {e}")));
            }
        }
        Ok(failed)
    }));
    let failed = match ran {
        Ok(Ok(failed)) => failed,
        Ok(Err(e)) => {
            rollback(conn)?;
            return Err(e);
        }
        Err(_) => {
            tracing::error!("a write command panicked; its group is rolled back");
            group.clear();
            HOLDS_SERIAL_LOCK.with(|h| h.set(false));
            match connect(url, Role::Writer) {
                Ok(fresh) => *conn = fresh,
                Err(e) => tracing::error!(error = %e, "cannot reopen the writer connection"),
            }
            return Err(Error::Internal(
                "a command in this write group failed".into(),
            ));
        }
    };
    if alone && failed {
        // The command's answer is its own error; the group closes without its writes.
        return rollback(conn);
    }
    commit(conn)
}

trait CloneErr {
    fn clone_err(&self) -> Result<(), Error>;
}

impl CloneErr for Result<(), Error> {
    fn clone_err(&self) -> Result<(), Error> {
        match self {
            Ok(()) => Ok(()),
            Err(e) => Err(Error::Unavailable(format!("the group commit failed: {e}"))),
        }
    }
}

/// Opens the group's transaction, with the savepoint for its first command when it has
/// several, in one round trip; on PostgreSQL it takes [`SERIAL_LOCK`] in the same trip.
fn begin(conn: &mut DbConn, savepoint: bool) -> Result<(), Error> {
    next_epoch();
    let sp = if savepoint {
        "; SAVEPOINT yiwang_command"
    } else {
        ""
    };
    let r = match conn {
        // IMMEDIATE takes the write lock up front, so another process's writer makes us wait
        // (busy_timeout) instead of failing half-way through a group.
        DbConn::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, &format!("BEGIN IMMEDIATE{sp}"))
        }
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            &format!("BEGIN; SELECT pg_advisory_xact_lock({SERIAL_LOCK}){sp}"),
        )
        .inspect(|()| HOLDS_SERIAL_LOCK.with(|h| h.set(true))),
    };
    r.map_err(|e| Error::Unavailable(format!("cannot begin the write transaction: {e}")))
}

fn rollback(conn: &mut DbConn) -> Result<(), Error> {
    HOLDS_SERIAL_LOCK.with(|h| h.set(false));
    let r = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
        DbConn::Pg(c) => AnsiTransactionManager::rollback_transaction(c),
    };
    r.map_err(|e| Error::Unavailable(format!("rollback failed: {e}")))
}

fn commit(conn: &mut DbConn) -> Result<(), Error> {
    HOLDS_SERIAL_LOCK.with(|h| h.set(false));
    let r = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::commit_transaction(c),
        DbConn::Pg(c) => AnsiTransactionManager::commit_transaction(c),
    };
    if let Err(e) = r {
        if let Err(r) = rollback(conn) {
            tracing::error!(error = %r, "rollback after a failed commit failed too");
        }
        return Err(Error::Unavailable(format!("commit failed: {e}")));
    }
    Ok(())
}
