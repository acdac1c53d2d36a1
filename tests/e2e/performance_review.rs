//! The bimonthly performance review: notice, a window's applications, the office's
//! aggregation with the period's figures pre-filled from stored cases, cards, complaints and
//! ratings, scoring by two divisions, the proposed list, the leader's opinion, publicity and
//! announcement, each step by its actor with its event; printable forms; another county
//! refused.

use serde_json::{Value, json};
use yiwang_tests::{ADMIN_PASSWORD, TestApp, on_each_backend};

use crate::complaints::{County, county, move_working_days};

const REVIEWS: &str = "/api/v1/performance-reviews";
const DAY_MS: i64 = 86_400_000;

fn at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn ok(app: &TestApp, who: &str, path: &str, body: Value) -> Value {
    let a = app.post(path, who, body).await;
    assert_eq!(a.status, 200, "{path}: {:#}", a.body);
    a.body
}

/// A window of the county's department, with a concluded case, a rating and a complaint.
async fn window_with_history(app: &TestApp, c: &County) -> i64 {
    let h = app
        .post(
            "/api/v1/halls",
            &app.admin_token,
            json!({"region_id": c.region, "name": "政务服务中心", "address": "人民路1号"}),
        )
        .await;
    assert_eq!(h.status, 201, "{:#}", h.body);
    let hall = h.body["id"].as_i64().unwrap();
    let w = app
        .post(
            &format!("/api/v1/halls/{hall}/windows"),
            &app.admin_token,
            json!({"number": "1", "name": "1号窗口", "department_id": c.department}),
        )
        .await;
    assert_eq!(w.status, 201, "{:#}", w.body);
    let window = w.body["id"].as_i64().unwrap();
    for (action, body) in [
        ("accept", json!({})),
        ("steps/current/approve", json!({"opinion": "准予许可"})),
    ] {
        ok(
            app,
            &c.staff,
            &format!("/api/v1/cases/{}/{action}", c.case_id),
            body,
        )
        .await;
    }
    let (_, tablet) = app
        .user_with_role(
            "tablet_1",
            c.region,
            None,
            "device",
            ("region", Some(c.region)),
        )
        .await;
    let r = app
        .post(
            "/api/v1/evaluations",
            &tablet,
            json!({"source": "tablet", "source_message_id": "m-1", "rating": 4,
                   "window_id": window}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let complaint = app
        .post(
            "/api/v1/complaints",
            &c.office,
            json!({"source": "in_person", "window_id": window,
                   "complainant": {"name": "赵六", "phone": "13900139000"},
                   "content": "午休时间窗口无人"}),
        )
        .await;
    assert_eq!(complaint.status, 201, "{:#}", complaint.body);
    window
}

async fn review(app: TestApp) {
    let c = county(&app).await;
    let window = window_with_history(&app, &c).await;
    let d = app
        .post(
            "/api/v1/departments",
            &app.admin_token,
            json!({"region_id": c.region, "code": "SGB", "name": "审管办"}),
        )
        .await;
    assert_eq!(d.status, 201, "{:#}", d.body);
    let scope = ("region", Some(c.region));
    let (_, division_1) = app
        .user_with_role(
            "division_1",
            c.region,
            Some(c.department),
            "supervisor",
            scope,
        )
        .await;
    let (_, division_2) = app
        .user_with_role(
            "division_2",
            c.region,
            d.body["id"].as_i64(),
            "supervisor",
            scope,
        )
        .await;

    // The notice.
    let now = app.clock.now();
    let bad = app
        .post(
            REVIEWS,
            &c.office,
            json!({"region_id": c.region, "title": "", "notice": "x",
                   "period_from": at(now), "period_to": at(now - DAY_MS)}),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let opened = app
        .post(
            REVIEWS,
            &c.office,
            json!({"region_id": c.region, "title": "2026年第6期双月考评",
                   "notice": "请各窗口于五个工作日内申报红旗窗口和服务明星",
                   "period_from": at(now - 30 * DAY_MS), "period_to": at(now + DAY_MS)}),
        )
        .await;
    assert_eq!(opened.status, 201, "{:#}", opened.body);
    assert_eq!(opened.body["stage"], "notice");
    assert!(
        opened.body["review_no"]
            .as_str()
            .unwrap()
            .starts_with("KP-")
    );
    let id = opened.body["id"].as_i64().unwrap();
    let path = |step: &str| format!("{REVIEWS}/{id}/{step}");

    // Windows apply; the other county neither sees nor applies.
    app.get(&format!("{REVIEWS}/{id}"), &c.office_b)
        .await
        .assert_problem(404, "not_found");
    app.post(
        &path("applications"),
        &c.office_b,
        json!({"award": "red_flag_window", "window_id": window, "statement": "x"}),
    )
    .await
    .assert_problem(404, "not_found");
    let mixed = app
        .post(
            &path("applications"),
            &c.staff,
            json!({"award": "red_flag_window", "staff_id": c.staff_id, "statement": "x"}),
        )
        .await;
    mixed.assert_problem(422, "validation_failed");
    assert_eq!(mixed.body["errors"][0]["field"], "window_id");
    ok(
        &app,
        &c.staff,
        &path("applications"),
        json!({"award": "red_flag_window", "window_id": window,
               "statement": "本期零差错、零超时"}),
    )
    .await;
    let applied = ok(
        &app,
        &c.staff,
        &path("applications"),
        json!({"award": "service_star", "staff_id": c.staff_id,
               "statement": "主动延时服务12次"}),
    )
    .await;
    assert_eq!(applied["applications"].as_array().unwrap().len(), 2);
    app.post(&path("propose"), &c.office, json!({"application_ids": [1]}))
        .await
        .assert_problem(409, "conflict");

    // The office aggregates: the figures are pre-filled from stored data.
    let aggregated = ok(&app, &c.office, &path("aggregate"), json!({})).await;
    assert_eq!(aggregated["stage"], "aggregated");
    let flag = &aggregated["applications"][0];
    let flag_id = flag["id"].as_i64().unwrap();
    assert_eq!(flag["name"], "1号窗口");
    assert_eq!(
        flag["figures"],
        json!({"cases": 1, "on_time_rate": 1.0, "anomalies": 0, "complaints": 1,
               "ratings": 1, "satisfaction": 4.0, "bad_ratings": 0})
    );
    let star = &aggregated["applications"][1];
    assert_eq!(star["figures"]["complaints"], 0);
    app.post(
        &path("applications"),
        &c.staff,
        json!({"award": "service_star", "staff_id": c.staff_id, "statement": "迟到"}),
    )
    .await
    .assert_problem(409, "conflict");

    // Each division scores; the office itself belongs to no division.
    let score = |s: i64| json!({"application_id": flag_id, "score": s, "comment": "表现突出"});
    app.post(&path("scores"), &c.office, score(90))
        .await
        .assert_problem(403, "forbidden");
    app.post(&path("scores"), &division_1, score(101))
        .await
        .assert_problem(422, "validation_failed");
    ok(&app, &division_1, &path("scores"), score(95)).await;
    let scored = ok(&app, &division_2, &path("scores"), score(85)).await;
    assert_eq!(scored["applications"][0]["average_score"], 90.0);
    assert_eq!(
        scored["applications"][0]["scores"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The proposed list (scored applications only), the leader's opinion, publicity.
    let unscored = star["id"].as_i64().unwrap();
    app.post(
        &path("propose"),
        &c.office,
        json!({"application_ids": [flag_id, unscored]}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let proposed = ok(
        &app,
        &c.office,
        &path("propose"),
        json!({"application_ids": [flag_id]}),
    )
    .await;
    assert_eq!(proposed["applications"][0]["proposed"], true);
    assert_eq!(proposed["applications"][1]["proposed"], false);
    app.post(&path("opinion"), &c.office, json!({"text": "同意"}))
        .await
        .assert_problem(403, "forbidden");
    ok(
        &app,
        &c.leader,
        &path("opinion"),
        json!({"text": "同意拟定名单,予以公示"}),
    )
    .await;
    app.post(&path("publicize"), &c.office, json!({"working_days": 3}))
        .await
        .assert_problem(422, "validation_failed");
    let public = ok(
        &app,
        &c.office,
        &path("publicize"),
        json!({"working_days": 5}),
    )
    .await;
    assert_eq!(public["stage"], "publicity");
    let announcement = json!({"text": "1号窗口获评本期红旗窗口"});
    app.post(&path("announce"), &c.office, announcement.clone())
        .await
        .assert_problem(409, "conflict");
    move_working_days(&app, 6);
    let c = County {
        office: app.login("office_a", "office_a-password").await,
        office_b: app.login("office_b", "office_b-password").await,
        ..c
    };
    let done = ok(&app, &c.office, &path("announce"), announcement).await;
    assert_eq!(done["stage"], "announced");
    assert_eq!(done["leader_opinion"], "同意拟定名单,予以公示");

    // Printable forms.
    for (form, title, text) in [
        ("notice", "双月考评通知", "请各窗口于五个工作日内申报"),
        ("scoresheet", "双月考评汇总评分表", "主动延时服务12次"),
        ("proposed", "拟表彰名单审定表", "同意拟定名单"),
        ("publicity", "双月考评公示名单", "1号窗口"),
        ("announcement", "双月考评结果通报", "获评本期红旗窗口"),
    ] {
        let res = app
            .client
            .get(app.url(&format!("{REVIEWS}/{id}/print/{form}")))
            .bearer_auth(&c.office)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{form}");
        let page = res.text().await.unwrap();
        assert!(page.contains(title), "{form}: {page}");
        assert!(page.contains(text), "{form}: {page}");
    }

    // Every step left its event.
    let admin = app.login("admin", ADMIN_PASSWORD).await;
    let events = app.get("/api/v1/events?after=0&limit=500", &admin).await;
    let kinds: Vec<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "performance_review" && e["entity_id"] == id)
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "performance_review.noticed",
            "performance_review.applied",
            "performance_review.applied",
            "performance_review.aggregated",
            "performance_review.scored",
            "performance_review.scored",
            "performance_review.proposed",
            "performance_review.opinion_given",
            "performance_review.publicized",
            "performance_review.announced",
        ]
    );
    let theirs = app.get(REVIEWS, &c.office_b).await;
    assert_eq!(theirs.status, 200, "{:#}", theirs.body);
    assert_eq!(theirs.body, json!([]));
}
on_each_backend!(
    the_bimonthly_review_runs_from_notice_to_announcement,
    review
);
