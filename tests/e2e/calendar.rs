//! The working-day calendar: the shipped years, loading a later year through the API and the
//! `yiwang calendar import` command, deadlines that follow it, and refused files that change
//! nothing. The calendar in use is shared by the servers of one process, so each test loads a
//! year of its own that no other test's dates reach: 2031 on SQLite, 2042 on PostgreSQL, 2059
//! by the command (the three begin on a Wednesday after a common year).

use reqwest::Method;
use serde_json::{Value, json};
use yiwang::cli::CalendarCommand;
use yiwang::cmd::calendar;
use yiwang_tests::{Backend, TestApp, TestDb, on_each_backend, test_config};

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> yiwang_tests::Answer {
    app.call(Method::PUT, path, Some(token), Some(body)).await
}

/// New Year's Day and the day after off, the Saturday after worked.
fn year_file(year: i32) -> Value {
    json!({
        "year": year,
        "source": "测试用安排",
        "days": [
            {"date": format!("{year}-01-01"), "kind": "holiday", "name": "元旦"},
            {"date": format!("{year}-01-02"), "kind": "holiday", "name": "元旦"},
            {"date": format!("{year}-01-04"), "kind": "make_up_workday", "name": "元旦"}
        ]
    })
}

fn year_2031() -> Value {
    year_file(2031)
}

fn own_year(app: &TestApp) -> i32 {
    match app.db.backend {
        Backend::Sqlite => 2031,
        Backend::Postgres => 2042,
    }
}

async fn deadline(app: &TestApp, from: &str, days: u32) -> String {
    let a = app
        .get(
            &format!("/api/v1/calendar/deadline?from={from}&days={days}"),
            &app.admin_token,
        )
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["deadline"].as_str().unwrap().to_owned()
}

async fn a_later_year_loads_and_deadlines_follow_it(app: TestApp) {
    let years = app.get("/api/v1/calendar/years", &app.admin_token).await;
    assert_eq!(years.status, 200);
    let shipped: Vec<i64> = years
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["year"].as_i64().unwrap())
        .collect();
    assert!(
        shipped.contains(&2025) && shipped.contains(&2026),
        "{:#}",
        years.body
    );
    assert!(
        years
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|y| y["origin"] == "bundled")
    );
    // National Day 2026: 10-01 to 10-07 off, 10-10 (Saturday) worked.
    assert_eq!(deadline(&app, "2026-09-30", 1).await, "2026-10-08");

    let y = own_year(&app);
    let eve = format!("{}-12-31", y - 1);
    let before = deadline(&app, &eve, 2).await;
    let loaded = put(
        &app,
        &format!("/api/v1/calendar/years/{y}"),
        &app.admin_token,
        year_file(y),
    )
    .await;
    assert_eq!(loaded.status, 200, "{:#}", loaded.body);
    assert_eq!(loaded.body["origin"], "loaded");
    assert_eq!(loaded.body["holidays"], 2);
    assert_eq!(loaded.body["make_up_workdays"], 1);
    assert_eq!(loaded.body["loaded_by"], "admin");
    // Tuesday 12-31 + 2 working days: Wednesday 01-02 by the weekday rule; with the year
    // loaded 01-01 and 01-02 are off, and Friday 01-03 and the make-up Saturday 01-04 count.
    assert_eq!(before, format!("{y}-01-02"));
    assert_eq!(deadline(&app, &eve, 2).await, format!("{y}-01-04"));
    let file = app
        .get(&format!("/api/v1/calendar/years/{y}"), &app.admin_token)
        .await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body["days"].as_array().unwrap().len(), 3);
    assert_eq!(file.body["source"], "测试用安排");

    let events = app
        .get("/api/v1/events?after=0&limit=1000", &app.admin_token)
        .await;
    let loaded_events: Vec<&Value> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "calendar.year_loaded")
        .collect();
    assert_eq!(loaded_events.len(), 1, "one event for the load");
    assert_eq!(loaded_events[0]["entity_id"], y);
    let audit = app.get("/api/v1/audit/verify", &app.admin_token).await;
    assert_eq!(audit.status, 200, "{:#}", audit.body);
}
on_each_backend!(
    a_later_year_loads_and_deadlines_follow_it_on_each_backend,
    a_later_year_loads_and_deadlines_follow_it
);

async fn refused_year_files_change_nothing(app: TestApp) {
    let refused = |path: &'static str, body: Value, field: &'static str| {
        let app = &app;
        async move {
            let a = put(app, path, &app.admin_token, body).await;
            assert_eq!(a.status, 422, "{path}: {:#}", a.body);
            let fields: Vec<&str> = a.body["errors"]
                .as_array()
                .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
                .unwrap_or_default();
            assert!(fields.contains(&field), "{path}: {:#}", a.body);
        }
    };
    refused("/api/v1/calendar/years/2032", year_2031(), "year").await;
    let mut outside = year_2031();
    outside["days"][0]["date"] = json!("2030-12-30");
    refused("/api/v1/calendar/years/2031", outside, "days").await;
    let mut weekday = year_2031();
    weekday["days"][2]["date"] = json!("2031-01-06");
    refused("/api/v1/calendar/years/2031", weekday, "days").await;
    let mut twice = year_2031();
    twice["days"][1]["date"] = json!("2031-01-01");
    refused("/api/v1/calendar/years/2031", twice, "days").await;

    let garbage = put(
        &app,
        "/api/v1/calendar/years/2031",
        &app.admin_token,
        json!({"year": "x"}),
    )
    .await;
    assert!(garbage.status.is_client_error(), "{:#}", garbage.body);
    let bad_days = app
        .get(
            "/api/v1/calendar/deadline?from=2031-01-01&days=0",
            &app.admin_token,
        )
        .await;
    bad_days.assert_problem(422, "validation_failed");

    let root = app.root_id().await;
    let (_, clerk) = app
        .user_with_role(
            "calendar_clerk",
            root,
            None,
            "operator",
            ("region", Some(root)),
        )
        .await;
    let denied = put(&app, "/api/v1/calendar/years/2031", &clerk, year_2031()).await;
    assert_eq!(denied.status, 403, "{:#}", denied.body);
    assert_eq!(
        app.get("/api/v1/calendar/years", &clerk).await.status,
        200,
        "anyone signed in reads the calendar"
    );

    let years = app.get("/api/v1/calendar/years", &app.admin_token).await;
    assert!(
        years
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|y| y["origin"] == "bundled"),
        "nothing was stored: {:#}",
        years.body
    );
    let missing = app
        .get("/api/v1/calendar/years/2033", &app.admin_token)
        .await;
    assert_eq!(missing.status, 404);
}
on_each_backend!(
    refused_year_files_change_nothing_on_each_backend,
    refused_year_files_change_nothing
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_command_loads_a_year_file_beside_a_running_server() {
    let db = TestDb::new(Backend::Sqlite);
    let config = test_config(&db);
    let file = db.dir.path().join("2059.json");
    std::fs::write(&file, year_file(2059).to_string()).unwrap();
    let app = TestApp::spawn_on(db, config.clone(), Vec::new()).await;
    calendar::calendar(config, CalendarCommand::Import { file })
        .await
        .unwrap();
    let years = app.get("/api/v1/calendar/years", &app.admin_token).await;
    let y2059 = years
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == 2059)
        .cloned()
        .unwrap();
    assert_eq!(y2059["origin"], "loaded");
    assert_eq!(y2059["loaded_by"], "operator (yiwang command)");
    assert_eq!(
        deadline(&app, "2058-12-31", 2).await,
        "2059-01-04",
        "deadlines follow the year the command loaded"
    );
}
