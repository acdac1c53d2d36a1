//! Statements kept prepared that diesel would prepare anew on every execution.
//!
//! Diesel never caches an `UPDATE`, an upsert's `DO UPDATE` or an `sql_query`: a changeset of
//! optional fields skips the `None`s, so one call site can make several statements. But each
//! of those is one SQL text, and the connection's statement cache can key a statement by its
//! text: wrapped in [`Kept`], the statement is still built every time (cheap) but prepared once
//! per connection and text (parsing and planning, the expensive part; on PostgreSQL the
//! server's). Measured in `BENCHMARKS.md`.
//!
//! A kept statement runs with `load`, `get_result` or `get_results`, which hand it to the
//! connection as it is. Diesel's `execute` would hand over a reference, which diesel checks by
//! walking into the statement, finding the update and keeping nothing; so [`Kept::execute`]
//! takes its place: the update returns its key (`RETURNING`) and the rows are counted. An
//! update without a `RETURNING` does not compile kept.

use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::RunQueryDsl;
use diesel::query_dsl::methods::LoadQuery;

/// A statement the connection keeps prepared, found by its SQL text; see [`Keep::kept`].
#[derive(Debug, Clone, Copy)]
pub struct Kept<Q>(Q);

/// Wraps a statement in [`Kept`].
pub trait Keep: QueryId + Sized {
    /// Lets the connection keep this statement prepared. Only for statements that make few
    /// SQL texts: a changeset's few optional fields are fine (each at most doubles them), not
    /// `eq_any` over a list (one placeholder per value on SQLite) or boxed, dynamic filters,
    /// since every text stays cached for the connection's life.
    fn kept(self) -> Kept<Self> {
        Kept(self)
    }
}

impl<Q: QueryId> Keep for Q {}

impl<Q> QueryId for Kept<Q> {
    // No id from the type: the cache keys the statement by its SQL text and bind types.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<DB>, DB: Backend> QueryFragment<DB> for Kept<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q: Query> Query for Kept<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for Kept<Q> {}

impl<Q> Kept<Q> {
    /// Runs an `UPDATE … RETURNING key` kept prepared and answers the rows it changed, as
    /// diesel's `execute` (which this shadows) would.
    pub fn execute<'q, Conn>(self, conn: &mut Conn) -> QueryResult<usize>
    where
        Self: LoadQuery<'q, Conn, i64>,
    {
        RunQueryDsl::load::<i64>(self, conn).map(|keys| keys.len())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::{Connection, InstrumentationEvent, SimpleConnection};
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;

    use super::Keep;

    diesel::table! {
        counters (id) {
            id -> BigInt,
            n -> BigInt,
        }
    }

    /// Runs `bump` three times on a fresh connection; the statements the cache took, and `n`.
    fn cached_by(bump: impl Fn(&mut SqliteConnection) -> QueryResult<usize>) -> (usize, i64) {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);
             INSERT INTO counters VALUES (1, 0)",
        )
        .unwrap();
        let cached = Arc::new(Mutex::new(0));
        let seen = cached.clone();
        conn.set_instrumentation(move |e: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { .. } = e {
                *seen.lock().unwrap() += 1;
            }
        });
        for _ in 0..3 {
            assert_eq!(bump(&mut conn).unwrap(), 1);
        }
        let cached = *cached.lock().unwrap();
        let n = counters::table
            .select(counters::n)
            .first(&mut conn)
            .unwrap();
        (cached, n)
    }

    #[test]
    fn a_kept_update_is_prepared_once_and_does_the_same() {
        let update = |c: &mut SqliteConnection| {
            diesel::update(counters::table.find(1_i64))
                .set(counters::n.eq(counters::n + 1_i64))
                .execute(c)
        };
        let kept = |c: &mut SqliteConnection| {
            diesel::update(counters::table.find(1_i64))
                .set(counters::n.eq(counters::n + 1_i64))
                .returning(counters::id)
                .kept()
                .execute(c)
        };
        let kept_loaded = |c: &mut SqliteConnection| {
            let ids: Vec<i64> = diesel::update(counters::table.find(1_i64))
                .set(counters::n.eq(counters::n + 1_i64))
                .returning(counters::id)
                .kept()
                .load(c)?;
            Ok(ids.len())
        };
        // diesel alone prepares the update every time, caching nothing.
        assert_eq!(cached_by(update), (0, 3));
        // Kept, executed (counting the rows) or loaded: prepared once.
        assert_eq!(cached_by(kept), (1, 3));
        assert_eq!(cached_by(kept_loaded), (1, 3));
    }

    #[test]
    fn a_kept_sql_query_is_prepared_once() {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let bump = |c: &mut SqliteConnection| {
            let rows: Vec<N> =
                diesel::sql_query("UPDATE counters SET n = n + ? WHERE id = 1 RETURNING n")
                    .bind::<diesel::sql_types::BigInt, _>(1_i64)
                    .kept()
                    .load(c)?;
            Ok(rows.iter().filter(|r| r.n > 0).count())
        };
        assert_eq!(cached_by(bump), (1, 3));
    }
}
