//! Storage on both backends: identical schemas, exact down migrations, group commit.

use std::collections::BTreeMap;

use diesel::{QueryableByName, RunQueryDsl};
use yiwang_core::store::conn::{DbConn, Role, connect};
use yiwang_core::store::{DbUrl, migrate};
use yiwang_core::wire::org::NewRegion;
use yiwang_tests::{Backend, TestApp, TestDb, pg_server};

#[derive(QueryableByName)]
struct Col {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

/// Table → sorted column names, as the database itself reports them.
fn columns(url: &DbUrl) -> BTreeMap<String, Vec<String>> {
    let mut conn = connect(url, Role::Writer).unwrap();
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
             AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '__diesel%'"
        }
        DbConn::Pg(_) => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = 'public' \
             AND table_name NOT LIKE '__diesel%'"
        }
    };
    let rows: Vec<Col> = diesel::sql_query(sql).load(&mut conn).unwrap();
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        map.entry(r.table_name).or_default().push(r.column_name);
    }
    for cols in map.values_mut() {
        cols.sort();
    }
    map
}

fn url_of(db: &TestDb) -> DbUrl {
    DbUrl::parse(&db.url).unwrap()
}

#[test]
fn both_backends_have_the_same_migrations() {
    let names = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(format!(
            "{}/../migrations/{dir}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
}

#[test]
fn migrations_create_the_same_tables_and_columns_on_both_backends() {
    let sqlite = TestDb::new(Backend::Sqlite);
    migrate::run_pending(&url_of(&sqlite)).unwrap();
    let lite = columns(&url_of(&sqlite));
    assert!(lite.contains_key("events") && lite.contains_key("audit_log"));
    let Some(_) = pg_server() else {
        eprintln!("YIWANG_TEST_POSTGRES not set: compared on SQLite only; .ci/run compares both");
        return;
    };
    let pg = TestDb::new(Backend::Postgres);
    migrate::run_pending(&url_of(&pg)).unwrap();
    assert_eq!(lite, columns(&url_of(&pg)));
}

#[test]
fn every_migration_reverts_exactly_and_applies_again() {
    for backend in yiwang_tests::backends() {
        let db = TestDb::new(backend);
        let url = url_of(&db);
        migrate::run_pending(&url).unwrap();
        let applied = columns(&url);
        migrate::revert_all(&url).unwrap();
        assert!(
            columns(&url).is_empty(),
            "{backend:?}: tables left after reverting"
        );
        migrate::run_pending(&url).unwrap();
        assert_eq!(columns(&url), applied);
    }
}

/// Holds the writer for 300 ms (then waits 50 ms for it to start), so that commands sent
/// meanwhile queue behind it and run as groups however slowly the machine schedules the tasks
/// that send them.
async fn hold_writer(
    store: &yiwang_core::store::Store,
) -> tokio::task::JoinHandle<Result<(), yiwang_core::Error>> {
    let store = store.clone();
    let hold = tokio::spawn(async move {
        store
            .write(|_| {
                std::thread::sleep(std::time::Duration::from_millis(300));
                Ok(())
            })
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    hold
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_that_fails_inside_a_group_fails_alone() {
    for backend in yiwang_tests::backends() {
        let app = TestApp::spawn(backend).await;
        let admin = app
            .services
            .caller_of(yiwang_core::domain::ids::UserId(1))
            .await
            .unwrap();
        let root = app.services.root_region().await.unwrap().id;
        let before = app.services.store.writer_stats();
        let hold = hold_writer(&app.services.store).await;
        let mut tasks = Vec::new();
        for i in 0..60 {
            let services = app.services.clone();
            let admin = admin.clone();
            // Every third code repeats an earlier one: those must fail, the rest must land.
            let code = if i % 3 == 2 {
                format!("99{:04}", i - 1)
            } else {
                format!("99{i:04}")
            };
            tasks.push(tokio::spawn(async move {
                services
                    .create_region(
                        &admin,
                        NewRegion {
                            code,
                            name: format!("区{i}"),
                            level: yiwang_core::domain::org::RegionLevel::County,
                            parent_id: Some(root),
                        },
                    )
                    .await
            }));
        }
        let mut ok = 0;
        let mut conflicts = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => {
                    assert_eq!(e.kind(), yiwang_core::ErrorKind::Conflict, "{e}");
                    conflicts += 1;
                }
            }
        }
        assert_eq!((ok, conflicts), (40, 20), "{backend:?}");
        hold.await.unwrap().unwrap();
        let page = app.get("/api/v1/regions?limit=500", &app.admin_token).await;
        assert_eq!(
            page.body["items"].as_array().unwrap().len(),
            41,
            "{backend:?}: root + 40"
        );
        let v = app.get("/api/v1/audit/verify", &app.admin_token).await;
        assert_eq!(v.body["first_broken"], serde_json::Value::Null);
        let after = app.services.store.writer_stats();
        assert!(
            after.commits - before.commits < after.commands - before.commands,
            "the 60 concurrent commands were grouped: {before:?} → {after:?}"
        );
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_alone_in_its_group_that_fails_leaves_nothing_behind() {
    for backend in yiwang_tests::backends() {
        let app = TestApp::spawn(backend).await;
        let store = app.services.store.clone();
        let flag = "INSERT INTO risk_people (user_id, reason, flagged_by, flagged_at) \
                    VALUES (1, 'probe', NULL, 0)";
        // Alone in its group as a rule (nothing else writes in the test app now): it writes,
        // then fails.
        let failed = store
            .write(move |conn| {
                diesel::sql_query(flag).execute(conn)?;
                Err::<(), _>(yiwang_core::Error::conflict("changed its mind"))
            })
            .await
            .unwrap_err();
        assert_eq!(failed.kind(), yiwang_core::ErrorKind::Conflict, "{failed}");
        let count = || {
            store.read(|conn| {
                Ok(diesel::sql_query("SELECT COUNT(*) AS n FROM risk_people")
                    .get_result::<Count>(conn)?
                    .n)
            })
        };
        assert_eq!(
            count().await.unwrap(),
            0,
            "{backend:?}: its write was undone"
        );
        // The writer goes on in a clean transaction: the same row lands now.
        store
            .write(move |conn| {
                diesel::sql_query(flag).execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(count().await.unwrap(), 1, "{backend:?}");
    }
}

/// Commands of one group that write and then fail are undone alone, wherever they stand in
/// the group (first, between others, last), and the others land.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_that_write_then_fail_inside_a_group_leave_only_their_own_writes_out() {
    for backend in yiwang_tests::backends() {
        let app = TestApp::spawn(backend).await;
        let store = app.services.store.clone();
        store
            .write(|conn| {
                diesel::sql_query(
                    "CREATE TABLE probe_writes (n BIGINT NOT NULL, reason TEXT NOT NULL)",
                )
                .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        let before = store.writer_stats();
        let hold = hold_writer(&store).await;
        let mut tasks = Vec::new();
        for i in 0..30 {
            let store = store.clone();
            // The first, every third and the last fail after writing: some fail first in their
            // group, some between others, some last.
            let fails = i == 0 || i % 3 == 1 || i == 29;
            tasks.push(tokio::spawn(async move {
                store
                    .write(move |conn| {
                        let reason = if fails { "bad" } else { "ok" };
                        diesel::sql_query(format!(
                            "INSERT INTO probe_writes (n, reason) VALUES ({i}, '{reason}')"
                        ))
                        .execute(conn)?;
                        if fails {
                            return Err(yiwang_core::Error::conflict("changed its mind"));
                        }
                        Ok(())
                    })
                    .await
                    .map_err(|e| e.kind())
            }));
            // Sent one after another, so the failing ones are spread over the groups.
            tokio::task::yield_now().await;
        }
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await.unwrap());
        }
        hold.await.unwrap().unwrap();
        let failed = outcomes.iter().filter(|o| o.is_err()).count();
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, Ok(()) | Err(yiwang_core::ErrorKind::Conflict))),
            "{backend:?}: {outcomes:?}"
        );
        assert_eq!(failed, 12, "{backend:?}: {outcomes:?}");
        let count = |reason: &'static str| {
            store.read(move |conn| {
                Ok(diesel::sql_query(format!(
                    "SELECT COUNT(*) AS n FROM probe_writes WHERE reason = '{reason}'"
                ))
                .get_result::<Count>(conn)?
                .n)
            })
        };
        assert_eq!(count("bad").await.unwrap(), 0, "{backend:?}: undone");
        assert_eq!(count("ok").await.unwrap(), 18, "{backend:?}: landed");
        // The writer answers a group before it publishes its figures: wait for the 31 commands.
        let mut after = store.writer_stats();
        for _ in 0..100 {
            if after.commands - before.commands >= 31 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            after = store.writer_stats();
        }
        assert!(
            after.commits - before.commits < after.commands - before.commands,
            "{backend:?}: the commands were grouped: {before:?} → {after:?}"
        );
    }
}

/// A read that panicked inside its read transaction must not leave the connection reading
/// that old snapshot: the same thread's next read sees a write committed after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_that_panicked_leaves_no_old_snapshot_behind() {
    for backend in yiwang_tests::backends() {
        let app = TestApp::spawn(backend).await;
        let store = app.services.store.clone();
        // Its own thread and runtime, so that every read below runs on one thread's connection.
        let (panicked, before, after) = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let count = || {
                rt.block_on(store.read(|conn| {
                    Ok(diesel::sql_query("SELECT COUNT(*) AS n FROM risk_people")
                        .get_result::<Count>(conn)?
                        .n)
                }))
                .unwrap()
            };
            let before = count();
            let broken = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                rt.block_on(store.read(|conn| -> Result<(), yiwang_core::Error> {
                    diesel::sql_query("SELECT COUNT(*) AS n FROM risk_people")
                        .get_result::<Count>(conn)?;
                    panic!("a read that panics after taking its snapshot")
                }))
            }));
            rt.block_on(store.write(|conn| {
                diesel::sql_query(
                    "INSERT INTO risk_people (user_id, reason, flagged_by, flagged_at) \
                     VALUES (1, 'probe', NULL, 0)",
                )
                .execute(conn)?;
                Ok(())
            }))
            .unwrap();
            (!matches!(broken, Ok(Ok(_))), before, count())
        })
        .join()
        .unwrap();
        assert!(panicked, "{backend:?}: the read did not succeed");
        assert_eq!(
            after,
            before + 1,
            "{backend:?}: the next read sees the write"
        );
    }
}

/// Under steady writes with readers constantly taking short snapshots (as request threads do),
/// the writer's checkpoints must still let the WAL start over: it stays bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_bounded_under_writes_and_churning_readers() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use yiwang_core::service::audit::{self, Actor, Change};

    let app = TestApp::spawn(Backend::Sqlite).await;
    let url = url_of(&app.db);
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (url, stop) = (url.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut conn = connect(&url, Role::Reader).unwrap();
            while !stop.load(Ordering::Relaxed) {
                diesel::sql_query("SELECT COUNT(*) AS n FROM events")
                    .execute(&mut conn)
                    .unwrap();
            }
        })
    };
    let big = serde_json::json!({ "blob": "x".repeat(16_000) });
    let clock = app.services.clock.clone();
    let wal_path = app.db.dir.path().join("yiwang.db-wal");
    let wal_len = || std::fs::metadata(&wal_path).map(|m| m.len()).unwrap_or(0);
    // The file only shrinks when SQLite truncates it after the WAL starts over, so its largest
    // size during the run is what bounds the disk it takes.
    let mut largest = 0;
    for i in 0..2_500i64 {
        let (payload, now) = (big.clone(), clock.now());
        app.services
            .store
            .write(move |conn| {
                audit::record(
                    conn,
                    now,
                    &Actor::system(),
                    Change {
                        payload: payload.clone(),
                        after: Some(payload),
                        ..Change::new("test.fill", "test.filled", "test", i)
                    },
                )
            })
            .await
            .unwrap();
        largest = largest.max(wal_len());
    }
    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    // 2,500 commands of ~32 kB each would leave ~80 MB in a WAL that never started over; the
    // writer checkpoints once the file passes its 16 MB limit.
    assert!(largest < 40_000_000, "the WAL reached {largest} bytes");
}
