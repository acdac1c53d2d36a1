//! Embedded migrations, one set per backend, describing the same tables.

use diesel::migration::MigrationSource;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::Error;
use crate::store::conn::{DbConn, DbUrl, Role, connect};

const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

fn source(conn: &DbConn) -> EmbeddedMigrations {
    match conn {
        DbConn::Sqlite(_) => SQLITE,
        DbConn::Pg(_) => POSTGRES,
    }
}

/// Applies every pending migration; returns the names applied.
pub fn run_pending(url: &DbUrl) -> Result<Vec<String>, Error> {
    let mut conn = connect(url, Role::Writer)?;
    let migrations = source(&conn);
    let applied = match &mut conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(migrations),
        DbConn::Pg(c) => c.run_pending_migrations(migrations),
    }
    .map_err(|e| Error::Internal(format!("migration failed: {e}")))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// Reverts every applied migration (tests use it to prove each `down.sql` is exact).
pub fn revert_all(url: &DbUrl) -> Result<(), Error> {
    let mut conn = connect(url, Role::Writer)?;
    let migrations = source(&conn);
    match &mut conn {
        DbConn::Sqlite(c) => c.revert_all_migrations(migrations),
        DbConn::Pg(c) => c.revert_all_migrations(migrations),
    }
    .map(|_| ())
    .map_err(|e| Error::Internal(format!("revert failed: {e}")))
}

/// The name of the newest embedded migration: what the schema is once this binary migrated
/// it (the supervision snapshot is not read across a schema change).
pub fn newest() -> String {
    <EmbeddedMigrations as MigrationSource<diesel::sqlite::Sqlite>>::migrations(&SQLITE)
        .ok()
        .and_then(|m| m.iter().map(|m| m.name().to_string()).max())
        .unwrap_or_default()
}

/// Whether every embedded migration has been applied (for `/readyz`).
pub fn is_current(conn: &mut DbConn) -> Result<bool, Error> {
    let migrations = source(conn);
    let known = match conn {
        DbConn::Sqlite(_) => {
            <EmbeddedMigrations as MigrationSource<diesel::sqlite::Sqlite>>::migrations(&migrations)
                .map(|m| m.len())
        }
        DbConn::Pg(_) => {
            <EmbeddedMigrations as MigrationSource<diesel::pg::Pg>>::migrations(&migrations)
                .map(|m| m.len())
        }
    }
    .map_err(|e| Error::Internal(format!("migrations: {e}")))?;
    let pending = match conn {
        DbConn::Sqlite(c) => c.pending_migrations(migrations).map(|p| p.len()),
        DbConn::Pg(c) => c.pending_migrations(migrations).map(|p| p.len()),
    }
    .map_err(|e| Error::Unavailable(format!("cannot read migration state: {e}")))?;
    Ok(known > 0 && pending == 0)
}
