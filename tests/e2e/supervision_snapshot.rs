//! The engine's snapshot: a start reads the projection back and judges only the cases whose
//! events came after it (here: made while no engine ran), the clocks read back still cross
//! their thresholds, and a snapshot computed under other rules, or whose count disagrees with
//! its chunks, is not read (a full rebuild).
//! Events the engine's channel dropped are read from the log, not by reloading the projection.
//! The test drives the engine's tick itself, so every start is exactly one tick.

use diesel::RunQueryDsl;
use serde_json::{Value, json};
use yiwang_core::service::{audit, supervision};
use yiwang_tests::{Backend, TestApp, TestDb, backends, test_config};

use crate::supervision::{act, cards, county, move_to_working_day, submit, today};

async fn tick(app: &TestApp) -> String {
    supervision::tick(app.services.clone()).await.unwrap()
}

async fn start(db: TestDb) -> TestApp {
    let config = test_config(&db);
    TestApp::spawn_on(db, config, Vec::new()).await
}

fn rules(cards: &[Value]) -> Vec<&str> {
    let mut r: Vec<&str> = cards
        .iter()
        .filter(|c| c["closed_at"].is_null())
        .map(|c| c["rule_code"].as_str().unwrap())
        .collect();
    r.sort_unstable();
    r
}

async fn snapshot(backend: Backend) {
    // First start: nothing stored, a full rebuild, and the snapshot taken at once.
    let app = start(TestDb::new(backend)).await;
    let c = county(&app).await;
    let kept = submit(&app, &c, "11010519491231002").await;
    act(&app, &c.staff, kept, "accept", json!({})).await;
    let ended = submit(&app, &c, "11010519500101003").await;
    act(&app, &c.staff, ended, "accept", json!({})).await;
    let first = tick(&app).await;
    assert!(first.starts_with("rebuilt: 2 open cases"), "{first}");
    assert_eq!(app.services.supervision_state().await.0, 2);
    let db = app.stop().await;

    // While no engine runs, one case ends and another opens.
    let app = start(db).await;
    act(
        &app,
        &c.staff,
        ended,
        "terminate",
        json!({"reason": "申请人撤回"}),
    )
    .await;
    let fresh = submit(&app, &c, "11010519510202004").await;
    act(&app, &c.staff, fresh, "accept", json!({})).await;
    let accepted_on = today(&app);
    let restored = tick(&app).await;
    assert!(
        restored.starts_with("restored: 2 open cases at event "),
        "{restored}"
    );
    assert!(restored.contains("2 cases judged, 1 opened"), "{restored}");
    assert_eq!(app.services.supervision_state().await.0, 2);
    assert_eq!(
        rules(&cards(&app, &c.office, ended).await),
        ["process-terminated"]
    );
    assert!(rules(&cards(&app, &c.office, kept).await).is_empty());

    // The clocks read back and the one judged since both run: four of five working days used.
    move_to_working_day(&app, accepted_on, 4);
    let judged = tick(&app).await;
    assert!(judged.contains("2 cases judged, 2 opened"), "{judged}");
    let office = app.login("office_a", "office_a-password").await;
    for id in [kept, fresh] {
        assert_eq!(rules(&cards(&app, &office, id).await), ["case-time-yellow"]);
    }
    let db = app.stop().await;

    // A rule saved while no engine ran: the snapshot was computed under other rules.
    let app = start(db).await;
    let office = app.login("office_a", "office_a-password").await;
    let created = app
        .post(
            "/api/v1/supervision/rules",
            &office,
            json!({"code": "waiting", "name": "待受理", "kind": "process", "severity": "yellow",
                   "condition": "status == 'submitted'"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let rebuilt = tick(&app).await;
    assert!(rebuilt.starts_with("rebuilt: 2 open cases"), "{rebuilt}");
    // The next start reads the snapshot the rebuild took.
    let db = app.stop().await;
    let app = start(db).await;
    let again = tick(&app).await;
    assert!(
        again.starts_with("restored: 2 open cases at event "),
        "{again}"
    );
    assert!(again.contains(", 0 events since"), "{again}");
    assert_eq!(app.services.supervision_state().await.0, 2);

    // A snapshot whose count disagrees with its chunks is not trusted (nor sized by it).
    let mut conn = app.services.store.blocking_conn().unwrap();
    diesel::sql_query("UPDATE supervision_snapshot_meta SET cases = 1000000000000")
        .execute(&mut *conn)
        .unwrap();
    drop(conn);
    let db = app.stop().await;
    let app = start(db).await;
    let distrusted = tick(&app).await;
    assert!(
        distrusted.starts_with("rebuilt: 2 open cases"),
        "{distrusted}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_reads_the_snapshot_back_and_judges_only_what_happened_since() {
    for backend in backends() {
        snapshot(backend).await;
    }
}

async fn caught_up(backend: Backend) {
    let app = start(TestDb::new(backend)).await;
    let c = county(&app).await;
    let first = submit(&app, &c, "11010519491231002").await;
    act(&app, &c.staff, first, "accept", json!({})).await;
    let loaded = tick(&app).await;
    assert!(loaded.starts_with("rebuilt: 1 open cases"), "{loaded}");

    // A case accepted, then more events at once than the engine's channel holds: the case's
    // events are among those the channel drops.
    let second = submit(&app, &c, "11010519500101003").await;
    act(&app, &c.staff, second, "accept", json!({})).await;
    let flood: Vec<audit::Entry> = (0..5_000)
        .map(|i| audit::Entry {
            action: "test.flood",
            event: "test.flooded",
            entity: "test",
            entity_id: i,
            region_id: None,
            department_id: None,
            owner_id: None,
            before: None,
            after: None,
            payload: "{}".into(),
        })
        .collect();
    let at = app.clock.now();
    app.services
        .store
        .write(move |conn| audit::record_all(conn, at, &audit::Actor::system(), flood))
        .await
        .unwrap();
    let newest = app.services.latest_event_id().await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while app.services.events.head() < newest {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the hub publishes every stored event");

    // The engine reads the followed events it missed from the log: the new case is in its
    // projection, and nothing was reloaded.
    let after = tick(&app).await;
    assert!(
        !after.starts_with("restored") && !after.starts_with("rebuilt"),
        "{after}"
    );
    assert_eq!(app.services.supervision_state().await.0, 2);
    let again = tick(&app).await;
    assert!(!again.starts_with("restored"), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_the_channel_dropped_are_read_from_the_log_without_a_reload() {
    for backend in backends() {
        caught_up(backend).await;
    }
}
