//! When and how the SQLite writer checkpoints its WAL.
//!
//! Automatic checkpoints are off (they would stall some caller's commit), so the writer
//! checkpoints after its groups: in an idle gap once `IDLE_AFTER` commands have accumulated,
//! after `EVERY` commands under steady load, and whenever the WAL file has grown past its size
//! limit, because commands vary in size and a count alone does not bound the bytes. A checkpoint
//! that could not let the WAL start over (a reader held it) is tried again soon, with a growing
//! gap so that readers that keep holding it cannot stall the writer after every group.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::{QueryableByName, RunQueryDsl, sql_query};

use crate::store::conn::DbConn;

/// The WAL file's size limit (`journal_size_limit`): SQLite truncates it back to this after the
/// WAL starts over, so a file past it holds that many bytes of frames not yet checkpointed.
pub const WAL_SIZE_LIMIT: u64 = 16 << 20;
/// A WAL this long (8 MB of 4 kB pages) that a passive checkpoint could not finish gets a
/// restarting checkpoint, which waits briefly for readers so the WAL can start over.
const RESTART_FRAMES: i32 = 2_048;
/// How long a restarting checkpoint waits for readers before giving up until the next try.
const RESTART_WAIT: &str = "PRAGMA busy_timeout = 50";
const NORMAL_WAIT: &str = "PRAGMA busy_timeout = 5000";
/// Checkpoint in an idle gap once this many commands wait in the WAL.
const IDLE_AFTER: u64 = 1_000;
/// Under steady load, checkpoint after this many commands even without an idle gap.
const EVERY: u64 = 8_000;
/// Commands before the first retry of a checkpoint that left the WAL over its limit.
const FIRST_RETRY: u64 = 64;

pub struct Checkpointer {
    wal: PathBuf,
    since: u64,
    retry_after: u64,
}

impl Checkpointer {
    pub fn new(db: &Path) -> Self {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        Checkpointer {
            wal: PathBuf::from(wal),
            since: 0,
            retry_after: FIRST_RETRY,
        }
    }

    /// Called after each commit of `commands`; `idle` when no command waits. Answers the frames
    /// left in the WAL when it checkpointed.
    pub fn after_commit(&mut self, conn: &mut DbConn, commands: u64, idle: bool) -> Option<i64> {
        self.since += commands;
        let due = (idle && self.since >= IDLE_AFTER)
            || self.since >= EVERY
            || (self.since >= self.retry_after && self.wal_over_limit());
        if !due {
            return None;
        }
        self.since = 0;
        let left = checkpoint(conn)?;
        self.retry_after = if left >= i64::from(RESTART_FRAMES) {
            (self.retry_after * 2).min(EVERY)
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
        // Ten commands of 1 MB: far below IDLE_AFTER, but 10 MB of WAL.
        for _ in 0..10 {
            fill(&mut conn, 1 << 20);
            assert_eq!(c.after_commit(&mut conn, 1, true), None);
        }
        // Past the 16 MB limit, the next check after FIRST_RETRY commands checkpoints.
        for _ in 0..8 {
            fill(&mut conn, 1 << 20);
        }
        assert!(c.wal_over_limit());
        assert_eq!(c.after_commit(&mut conn, FIRST_RETRY, true), Some(0));
        // With no reader the WAL starts over at the next write and is cut back to its limit.
        fill(&mut conn, 1024);
        let len = std::fs::metadata(&c.wal).unwrap().len();
        assert!(len <= WAL_SIZE_LIMIT, "WAL is {len} bytes");
    }

    #[test]
    fn small_commands_are_checkpointed_in_an_idle_gap_or_under_steady_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = connect(&DbUrl::Sqlite(path.clone()), Role::Writer).unwrap();
        conn.batch_execute("CREATE TABLE blobs (b BLOB)").unwrap();
        fill(&mut conn, 100);
        let mut c = Checkpointer::new(&path);
        assert_eq!(c.after_commit(&mut conn, IDLE_AFTER - 1, true), None);
        assert_eq!(c.after_commit(&mut conn, 1, false), None, "not idle yet");
        assert_eq!(c.after_commit(&mut conn, 0, true), Some(0), "idle gap");
        assert_eq!(c.after_commit(&mut conn, EVERY - 1, false), None);
        assert_eq!(c.after_commit(&mut conn, 1, false), Some(0), "steady load");
    }
}
