//! When and how the SQLite WAL is checkpointed.
//!
//! Automatic checkpoints are off (they would run inside some caller's commit). A thread of its
//! own, on its own connection, checkpoints beside the writer: a passive checkpoint copies pages
//! while the writer goes on appending, so no group waits for it (run on the writer's thread, it
//! set the p99 of writes at 3,000/s). The writer tells it what it committed; it checkpoints
//! once `EVERY` commands have accumulated, and whenever the WAL file has grown past its size
//! limit, because commands vary in size and a count alone does not bound the bytes. A
//! checkpoint that could not let the WAL start over (a reader held it) is tried again soon,
//! with a growing gap, since the restarting checkpoint it may need holds writers back.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;

use diesel::connection::SimpleConnection;
use diesel::{QueryableByName, RunQueryDsl, sql_query};

use crate::error::Error;
use crate::store::conn::{DbConn, DbUrl, Role, connect};

/// The WAL file's size limit (`journal_size_limit`): SQLite truncates it back to this after the
/// WAL starts over, so a file past it holds that many bytes of frames not yet checkpointed.
pub const WAL_SIZE_LIMIT: u64 = 16 << 20;
/// A WAL this long (8 MB of 4 kB pages) that a passive checkpoint could not finish gets a
/// restarting checkpoint, which waits briefly for readers so the WAL can start over.
const RESTART_FRAMES: i32 = 2_048;
/// How long a restarting checkpoint waits for readers before giving up until the next try.
const RESTART_WAIT: &str = "PRAGMA busy_timeout = 50";
const NORMAL_WAIT: &str = "PRAGMA busy_timeout = 5000";
/// Checkpoint once this many commands wait in the WAL.
const EVERY: u64 = 1_000;
/// Commands before the first retry of a checkpoint that left the WAL over its limit, and the
/// longest gap between retries.
const FIRST_RETRY: u64 = 64;
const MAX_RETRY: u64 = 8_000;

/// What the checkpointing thread publishes for `/metrics`.
#[derive(Default)]
struct Figures {
    checkpoints: AtomicU64,
    wal_frames: AtomicI64,
}

/// The writer's side of the checkpointing thread: where it reports its commits.
pub struct Handle {
    commits: mpsc::Sender<u64>,
    figures: Arc<Figures>,
}

impl Handle {
    /// Starts the thread on its own connection to the database at `path`.
    pub fn start(path: &Path) -> Result<Handle, Error> {
        let url = DbUrl::Sqlite(path.to_owned());
        let mut conn = connect(&url, Role::Writer)?;
        let (commits, rx) = mpsc::channel::<u64>();
        let figures = Arc::new(Figures::default());
        let mut schedule = Checkpointer::new(path);
        thread::Builder::new()
            .name("yiwang-checkpoint".into())
            .spawn({
                let figures = figures.clone();
                move || {
                    while let Ok(mut n) = rx.recv() {
                        // Commits that came while it checkpointed count together.
                        n += rx.try_iter().sum::<u64>();
                        if let Some(left) = schedule.after_commit(&mut conn, n) {
                            figures.wal_frames.store(left, Ordering::Relaxed);
                            figures.checkpoints.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
            .map_err(|e| Error::Internal(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Handle { commits, figures })
    }

    /// A group of `commands` committed.
    pub fn committed(&self, commands: u64) {
        // The thread only stops when the process does; nothing to do if it is gone.
        let _ = self.commits.send(commands);
    }

    pub fn checkpoints(&self) -> u64 {
        self.figures.checkpoints.load(Ordering::Relaxed)
    }

    /// Frames left in the WAL after the last checkpoint (0 when it was fully reset).
    pub fn wal_frames(&self) -> i64 {
        self.figures.wal_frames.load(Ordering::Relaxed)
    }
}

struct Checkpointer {
    wal: PathBuf,
    since: u64,
    retry_after: u64,
}

impl Checkpointer {
    fn new(db: &Path) -> Self {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        Checkpointer {
            wal: PathBuf::from(wal),
            since: 0,
            retry_after: FIRST_RETRY,
        }
    }

    /// Called after commits of `commands` in all. Answers the frames left in the WAL when it
    /// checkpointed.
    fn after_commit(&mut self, conn: &mut DbConn, commands: u64) -> Option<i64> {
        self.since += commands;
        let due =
            self.since >= EVERY || (self.since >= self.retry_after && self.wal_over_limit());
        if !due {
            return None;
        }
        self.since = 0;
        let left = checkpoint(conn)?;
        self.retry_after = if left >= i64::from(RESTART_FRAMES) {
            (self.retry_after * 2).min(MAX_RETRY)
        } else {
            FIRST_RETRY
        };
        Some(left)
    }

    fn wal_over_limit(&self) -> bool {
        std::fs::metadata(&self.wal).is_ok_and(|m| m.len() > WAL_SIZE_LIMIT)
    }
}

#[derive(QueryableByName)]
struct CheckpointRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    checkpointed: i32,
}

/// A passive checkpoint: copies what it can without waiting for readers. Readers that hold an
/// old snapshot keep it from finishing, and an unfinished WAL never starts over, so under steady
/// reads it would grow without bound; past `RESTART_FRAMES` a restarting checkpoint waits up to
/// 50 ms for those readers (theirs are short) and lets the WAL start over.
fn checkpoint(conn: &mut DbConn) -> Option<i64> {
    let mut row = run(conn, "PRAGMA wal_checkpoint(PASSIVE)")?;
    if row.log >= RESTART_FRAMES && row.checkpointed < row.log {
        let waited = conn.batch_execute(RESTART_WAIT).is_ok();
        if let Some(r) = run(conn, "PRAGMA wal_checkpoint(RESTART)") {
            row = r;
        }
        if waited && let Err(e) = conn.batch_execute(NORMAL_WAIT) {
            tracing::error!(error = %e, "cannot restore the writer's busy timeout");
        }
    }
    Some(i64::from(row.log - row.checkpointed))
}

fn run(conn: &mut DbConn, sql: &str) -> Option<CheckpointRow> {
    match sql_query(sql).get_result::<CheckpointRow>(conn) {
        Ok(row) => {
            metrics::counter!("yiwang_wal_checkpoints_total").increment(1);
            tracing::trace!(
                busy = row.busy,
                log = row.log,
                done = row.checkpointed,
                sql,
                "checkpoint"
            );
            Some(row)
        }
        Err(e) => {
            tracing::warn!(error = %e, sql, "WAL checkpoint failed");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conn::{DbUrl, Role, connect};

    fn fill(conn: &mut DbConn, bytes: usize) {
        conn.batch_execute(&format!("INSERT INTO blobs (b) VALUES (zeroblob({bytes}))"))
            .unwrap();
    }

    #[test]
    fn a_wal_past_its_limit_is_checkpointed_before_the_command_count_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = connect(&DbUrl::Sqlite(path.clone()), Role::Writer).unwrap();
        conn.batch_execute("CREATE TABLE blobs (b BLOB)").unwrap();
        let mut c = Checkpointer::new(&path);
        // Ten commands of 1 MB: far below EVERY, but 10 MB of WAL.
        for _ in 0..10 {
            fill(&mut conn, 1 << 20);
            assert_eq!(c.after_commit(&mut conn, 1), None);
        }
        // Past the 16 MB limit, the next check after FIRST_RETRY commands checkpoints.
        for _ in 0..8 {
            fill(&mut conn, 1 << 20);
        }
        assert!(c.wal_over_limit());
        assert_eq!(c.after_commit(&mut conn, FIRST_RETRY), Some(0));
        // With no reader the WAL starts over at the next write and is cut back to its limit.
        fill(&mut conn, 1024);
        let len = std::fs::metadata(&c.wal).unwrap().len();
        assert!(len <= WAL_SIZE_LIMIT, "WAL is {len} bytes");
    }

    #[test]
    fn small_commands_are_checkpointed_every_thousand() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = connect(&DbUrl::Sqlite(path.clone()), Role::Writer).unwrap();
        conn.batch_execute("CREATE TABLE blobs (b BLOB)").unwrap();
        fill(&mut conn, 100);
        let mut c = Checkpointer::new(&path);
        assert_eq!(c.after_commit(&mut conn, EVERY - 1), None);
        assert_eq!(c.after_commit(&mut conn, 1), Some(0));
        assert_eq!(c.after_commit(&mut conn, EVERY - 1), None);
        assert_eq!(c.after_commit(&mut conn, 1), Some(0));
    }

    /// The thread checkpoints on its own connection while the writer's stays free: frames a
    /// writer committed end up in the database file without the writer checkpointing.
    #[test]
    fn the_thread_checkpoints_what_the_writer_reports() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = connect(&DbUrl::Sqlite(path.clone()), Role::Writer).unwrap();
        conn.batch_execute("CREATE TABLE blobs (b BLOB)").unwrap();
        let h = Handle::start(&path).unwrap();
        for _ in 0..EVERY {
            fill(&mut conn, 100);
            h.committed(1);
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while h.checkpoints() == 0 && std::time::Instant::now() < deadline {
            thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(h.checkpoints(), 1);
        assert_eq!(h.wal_frames(), 0, "every frame was copied");
        // The WAL starts over at the writer's next commit and stays small.
        fill(&mut conn, 100);
        let len = std::fs::metadata(dir.path().join("t.db-wal")).unwrap().len();
        assert!(len < 64 * 1024, "WAL is {len} bytes");
    }
}
