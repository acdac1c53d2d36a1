//! A case store of any size for the case benchmarks (`yiwang loadgen clone-cases`): copies of
//! the cases already stored, which were filed through the service and so hold what it writes.
//! Filing a million cases one by one would only lengthen the setup: the reads measured
//! afterwards see the same rows.

use diesel::connection::SimpleConnection;

use crate::error::Error;
use crate::store::DbConn;

/// Copies the stored cases until `cases` rows exist (SQLite, with no server running): the copies
/// take turns over the stored ones, keep their department, item and applicant, have their
/// submission spread back over a year, and `open_per_mille` of every thousand keep their
/// original's (open) status while the rest are approved. The copies come with no events, so the
/// supervision engine's snapshot is dropped: the next start rebuilds it from the cases.
pub fn clone_cases(conn: &mut DbConn, cases: u64, open_per_mille: u64) -> Result<(), Error> {
    if !matches!(conn, DbConn::Sqlite(_)) {
        return Err(Error::invalid("database", "copies cases on SQLite only"));
    }
    conn.batch_execute(&format!(
        "BEGIN IMMEDIATE;
         CREATE TEMP TABLE templates AS
             SELECT ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, * FROM cases;
         WITH RECURSIVE n(i) AS (
             SELECT (SELECT COUNT(*) FROM templates)
             UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {cases})
         INSERT INTO cases (case_no, region_id, department_id, item_id, item_code, status,
             channel, id_blind, id_sealed, step_index, submitted_at, accepted_at,
             step_started_at, details)
         SELECT t.case_no || '-' || n.i, t.region_id, t.department_id, t.item_id, t.item_code,
             CASE WHEN n.i % 1000 < {open_per_mille} THEN t.status ELSE 'approved' END,
             t.channel, t.id_blind, t.id_sealed, t.step_index,
             t.submitted_at - (n.i % 31536) * 1000000, t.accepted_at, t.step_started_at,
             t.details
         FROM n JOIN templates t ON t.k = n.i % (SELECT COUNT(*) FROM templates);
         DROP TABLE templates;
         DELETE FROM supervision_snapshot_meta;
         COMMIT;
         PRAGMA wal_checkpoint(TRUNCATE);"
    ))?;
    Ok(())
}
