//! The follow-up of a bad review (差评整改): return visits recorded, the one appeal with
//! evidence and the office's decision (an upheld appeal leaves the summaries), the
//! 15-working-day rectification with its card, and scope between counties.

use serde_json::{Value, json};
use yiwang_core::service::supervision;
use yiwang_tests::{Backend, TestApp, TestDb, backends, on_each_backend, test_config};

use crate::complaints::{County, county, move_working_days, wait_for_cards};

const EVALUATIONS: &str = "/api/v1/evaluations";

async fn tablet(app: &TestApp, c: &County) -> String {
    app.user_with_role(
        "tablet_1",
        c.region,
        None,
        "device",
        ("region", Some(c.region)),
    )
    .await
    .1
}

async fn rate(app: &TestApp, tablet: &str, c: &County, message: &str, rating: u8) -> i64 {
    let a = app
        .post(
            EVALUATIONS,
            tablet,
            json!({"source": "tablet", "source_message_id": message, "rating": rating,
                   "case_id": c.case_id, "staff_id": c.staff_id, "comment": "等待太久"}),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.body["id"].as_i64().unwrap()
}

fn at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn post_ok(app: &TestApp, who: &str, path: &str, body: Value) -> Value {
    let a = app.post(path, who, body).await;
    assert_eq!(a.status, 200, "{path}: {:#}", a.body);
    a.body
}

async fn summary(app: &TestApp, who: &str) -> Value {
    let a = app
        .get(&format!("{EVALUATIONS}/summary?by=item"), who)
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body
}

async fn visits_and_appeal(app: TestApp) {
    let c = county(&app).await;
    let tablet = tablet(&app, &c).await;
    let bad = rate(&app, &tablet, &c, "m-1", 1).await;
    rate(&app, &tablet, &c, "m-2", 5).await;
    let one = app.get(&format!("{EVALUATIONS}/{bad}"), &c.office).await;
    assert_eq!(one.status, 200, "{:#}", one.body);
    assert_eq!(one.body["evaluation"]["follow_up"]["status"], "open");
    assert_eq!(one.body["visits"], json!([]));
    assert!(one.body["appeal"].is_null());
    assert_eq!(one.body["counted"], true);

    // A return visit: who, when, result; not in the future, and only by the office.
    let now = app.clock.now();
    let future = app
        .post(
            &format!("{EVALUATIONS}/{bad}/visits"),
            &c.office,
            json!({"visited_by": "李四", "visited_at": at(now + 3_600_000), "result": "x"}),
        )
        .await;
    future.assert_problem(422, "validation_failed");
    assert_eq!(future.body["errors"][0]["field"], "visited_at");
    app.post(
        &format!("{EVALUATIONS}/{bad}/visits"),
        &c.staff,
        json!({"visited_by": "staff_a", "visited_at": at(now), "result": "自己回访"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let visited = post_ok(
        &app,
        &c.office,
        &format!("{EVALUATIONS}/{bad}/visits"),
        json!({"visited_by": "督察处 李四", "visited_at": at(now - 3_600_000),
               "result": "已电话致歉,群众表示理解"}),
    )
    .await;
    let visits = visited["visits"].as_array().unwrap();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0]["visited_by"], "督察处 李四");
    assert_eq!(visits[0]["result"], "已电话致歉,群众表示理解");
    assert_eq!(visits[0]["recorded_by"], "office_a");

    // The appeal: evidence required, once only.
    let bare = app
        .post(
            &format!("{EVALUATIONS}/{bad}/appeal"),
            &c.staff,
            json!({"reason": "系统故障导致等待", "evidence": []}),
        )
        .await;
    bare.assert_problem(422, "validation_failed");
    assert_eq!(bare.body["errors"][0]["field"], "evidence");
    let appeal = json!({"reason": "当日系统故障,非窗口原因",
                        "evidence": [{"name": "系统故障记录", "reference": "OPS-2026-118"}]});
    let appealed = post_ok(
        &app,
        &c.staff,
        &format!("{EVALUATIONS}/{bad}/appeal"),
        appeal.clone(),
    )
    .await;
    assert_eq!(appealed["appeal"]["appealed_by"], "staff_a");
    assert_eq!(
        appealed["appeal"]["evidence"][0]["reference"],
        "OPS-2026-118"
    );
    assert!(appealed["appeal"]["outcome"].is_null());
    app.post(&format!("{EVALUATIONS}/{bad}/appeal"), &c.staff, appeal)
        .await
        .assert_problem(409, "conflict");

    // Upheld by the office: the rating stops counting.
    let before = summary(&app, &c.office).await;
    assert_eq!(before[0]["count"], 2);
    app.post(
        &format!("{EVALUATIONS}/{bad}/appeal/decision"),
        &c.staff,
        json!({"outcome": "upheld", "note": "自己裁决"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let decided = post_ok(
        &app,
        &c.office,
        &format!("{EVALUATIONS}/{bad}/appeal/decision"),
        json!({"outcome": "upheld", "note": "经核实系统故障属实"}),
    )
    .await;
    assert_eq!(decided["appeal"]["outcome"], "upheld");
    assert_eq!(decided["appeal"]["decided_by"], "office_a");
    assert_eq!(decided["counted"], false);
    assert_eq!(decided["evaluation"]["follow_up"]["status"], "withdrawn");
    app.post(
        &format!("{EVALUATIONS}/{bad}/appeal/decision"),
        &c.office,
        json!({"outcome": "rejected", "note": "改判"}),
    )
    .await
    .assert_problem(409, "conflict");
    let after = summary(&app, &c.office).await;
    assert_eq!(after[0]["count"], 1);
    assert_eq!(after[0]["average"], 5.0);
    assert_eq!(after[0]["bad"], 0);

    // A good rating has no follow-up.
    let good = rate(&app, &tablet, &c, "m-3", 4).await;
    app.post(
        &format!("{EVALUATIONS}/{good}/visits"),
        &c.office,
        json!({"visited_by": "李四", "visited_at": at(now), "result": "x"}),
    )
    .await
    .assert_problem(409, "conflict");

    // Another county sees nothing of it.
    app.get(&format!("{EVALUATIONS}/{bad}"), &c.office_b)
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("{EVALUATIONS}/{bad}/visits"),
        &c.office_b,
        json!({"visited_by": "王", "visited_at": at(now), "result": "越权"}),
    )
    .await
    .assert_problem(404, "not_found");
    let events = app
        .get("/api/v1/events?after=0&limit=500", &app.admin_token)
        .await;
    let kinds: Vec<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "evaluation" && e["entity_id"] == bad)
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "evaluation.submitted",
            "evaluation.visited",
            "evaluation.appealed",
            "evaluation.appeal_decided"
        ]
    );
}
on_each_backend!(
    bad_reviews_get_return_visits_and_one_appeal_the_office_decides,
    visits_and_appeal
);

async fn rectification(backend: Backend) {
    let db = TestDb::new(backend);
    let config = test_config(&db);
    let app = TestApp::spawn_on(db, config, supervision::jobs()).await;
    let c = county(&app).await;
    let tablet = tablet(&app, &c).await;
    let bad = rate(&app, &tablet, &c, "m-1", 2).await;
    // Fifteen working days to rectify: the sixteenth brings the card.
    move_working_days(&app, 15);
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let office = app.login("office_a", "office_a-password").await;
    wait_for_cards(&app, &office, "evaluation", 0).await;
    move_working_days(&app, 1);
    // Weeks on, the tokens of the first day have expired.
    let c = County {
        office: app.login("office_a", "office_a-password").await,
        office_b: app.login("office_b", "office_b-password").await,
        staff: app.login("staff_a", "staff_a-password").await,
        ..c
    };
    let cards = wait_for_cards(&app, &c.office, "evaluation", 1).await;
    assert_eq!(cards[0]["subject_id"], bad);
    assert_eq!(cards[0]["step"], "rectify");
    wait_for_cards(&app, &c.office_b, "evaluation", 0).await;
    let empty = app
        .post(
            &format!("{EVALUATIONS}/{bad}/rectify"),
            &c.staff,
            json!({"measures": " "}),
        )
        .await;
    empty.assert_problem(422, "validation_failed");
    assert_eq!(empty.body["errors"][0]["field"], "measures");
    let done = post_ok(
        &app,
        &c.staff,
        &format!("{EVALUATIONS}/{bad}/rectify"),
        json!({"measures": "增设导办人员,高峰期加开窗口"}),
    )
    .await;
    assert_eq!(done["evaluation"]["follow_up"]["status"], "rectified");
    assert_eq!(done["evaluation"]["follow_up"]["rectified_by"], "staff_a");
    assert_eq!(done["cards"][0]["status"], "closed");
    wait_for_cards(&app, &c.office, "evaluation", 0).await;
    app.post(
        &format!("{EVALUATIONS}/{bad}/rectify"),
        &c.staff,
        json!({"measures": "again"}),
    )
    .await
    .assert_problem(409, "conflict");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_review_not_rectified_in_15_working_days_gets_a_card() {
    for backend in backends() {
        rectification(backend).await;
    }
}
