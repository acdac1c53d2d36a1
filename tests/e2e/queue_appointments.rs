//! Appointments, night clearing, the front desk and the queue analytics.

use serde_json::{Value, json};
use yiwang_tests::{TestApp, on_each_backend};

use crate::queue::{ITEM, hall_in, sign_in, take};
use yiwang_tests::id_number;

const MINUTE: i64 = 60_000;

fn at(app: &TestApp, offset_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(app.clock.now() + offset_ms)
        .unwrap()
        .to_rfc3339()
}

async fn slot(app: &TestApp, hall: i64, area: i64, from: i64, to: i64, capacity: i64) -> Value {
    let a = app
        .post(
            &format!("/api/v1/halls/{hall}/slots"),
            &app.admin_token,
            json!({"area_id": area, "item_code": ITEM, "starts_at": at(app, from),
                   "ends_at": at(app, to), "capacity": capacity}),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.body
}

async fn a_booked_slot_is_checked_in_with_a_head_start_and_a_full_slot_refuses(app: TestApp) {
    let h = hall_in(&app, "990102", "a", 1).await;
    let s = slot(&app, h.hall, h.area_a, 10 * MINUTE, 40 * MINUTE, 1).await;
    let path = format!("/api/v1/slots/{}/appointments", s["id"]);
    let zhang = id_number("11010519491231002");
    let book = |who: &str, number: &str| json!({"applicant_name": who, "id_number": number, "channel": "wechat"});
    let a = app.post(&path, &h.kiosk, book("张三", &zhang)).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    assert_eq!(a.body["status"], "booked");
    assert_eq!(
        a.body["id_number"],
        format!("{}********{}", &zhang[..6], &zhang[14..])
    );
    assert!(!a.body.to_string().contains(&zhang));
    let li = id_number("11010519800101003");
    app.post(&path, &h.kiosk, book("李四", &li))
        .await
        .assert_problem(409, "conflict");
    let slots = app
        .get(&format!("/api/v1/halls/{}/slots", h.hall), &h.kiosk)
        .await;
    assert_eq!(slots.body[0]["booked"], 1);
    // Cancelling frees the place.
    let appt = a.body["id"].as_i64().unwrap();
    let c = app
        .post(
            &format!("/api/v1/appointments/{appt}/cancel"),
            &h.kiosk,
            json!({}),
        )
        .await;
    assert_eq!(c.status, 200, "{:#}", c.body);
    assert_eq!(c.body["status"], "cancelled");
    app.post(
        &format!("/api/v1/appointments/{appt}/cancel"),
        &h.kiosk,
        json!({}),
    )
    .await
    .assert_problem(409, "conflict");
    let b = app.post(&path, &h.kiosk, book("李四", &li)).await;
    assert_eq!(b.status, 201, "{:#}", b.body);
    let appt = b.body["id"].as_i64().unwrap();

    // A regular ticket taken earlier is overtaken by the checked-in appointment (30 minutes
    // head start by default).
    let regular = take(&app, &h, h.area_a, json!({})).await;
    app.clock.advance(5 * MINUTE);
    app.post(
        &format!("/api/v1/appointments/{appt}/check-in"),
        &h.kiosk,
        json!({"id_number": zhang}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let t = app
        .post(
            &format!("/api/v1/appointments/{appt}/check-in"),
            &h.kiosk,
            json!({"id_number": li}),
        )
        .await;
    assert_eq!(t.status, 201, "{:#}", t.body);
    assert_eq!(t.body["channel"], "appointment");
    assert_eq!(t.body["appointment_id"], appt);
    assert_eq!(t.body["number"], "A002");
    let got = app
        .get(&format!("/api/v1/appointments/{appt}"), &h.kiosk)
        .await;
    assert_eq!(got.body["status"], "checked_in");
    assert_eq!(got.body["ticket_id"], t.body["id"]);
    let tok = &h.staff[0];
    sign_in(&app, tok, h.windows[0]).await;
    let first = app
        .post(
            &format!("/api/v1/windows/{}/call-next", h.windows[0]),
            tok,
            json!({}),
        )
        .await;
    assert_eq!(first.body["id"], t.body["id"], "{:#}", first.body);
    assert_ne!(first.body["id"], regular["id"]);

    // No-shows: a booking whose slot is over.
    let s2 = slot(&app, h.hall, h.area_a, MINUTE, 2 * MINUTE, 5).await;
    let n = app
        .post(
            &format!("/api/v1/slots/{}/appointments", s2["id"]),
            &h.kiosk,
            book("王五", &zhang),
        )
        .await;
    assert_eq!(n.status, 201, "{:#}", n.body);
    app.clock.advance(3 * MINUTE);
    assert_eq!(app.services.mark_no_shows().await.unwrap(), 1);
    let gone = app
        .get(&format!("/api/v1/appointments/{}", n.body["id"]), &h.kiosk)
        .await;
    assert_eq!(gone.body["status"], "no_show");
    app.post(
        &format!("/api/v1/appointments/{}/check-in", n.body["id"]),
        &h.kiosk,
        json!({"id_number": zhang}),
    )
    .await
    .assert_problem(409, "conflict");
    app.post(
        &format!("/api/v1/slots/{}/appointments", s2["id"]),
        &h.kiosk,
        book("王五", &zhang),
    )
    .await
    .assert_problem(409, "conflict");
}
on_each_backend!(
    appointments,
    a_booked_slot_is_checked_in_with_a_head_start_and_a_full_slot_refuses
);

async fn the_night_job_voids_yesterdays_open_tickets_where_the_hall_wants_it(app: TestApp) {
    let h = hall_in(&app, "990102", "a", 0).await;
    let t = take(&app, &h, h.area_a, json!({})).await;
    assert_eq!(t["number"], "A001");
    // Nothing of today is cleared.
    assert_eq!(app.services.clear_unfinished_tickets().await.unwrap(), 0);
    app.clock.advance(24 * 60 * MINUTE);
    let kiosk = app.login("a_kiosk", "a_kiosk-password").await;
    assert_eq!(app.services.clear_unfinished_tickets().await.unwrap(), 1);
    let cleared = app
        .get(&format!("/api/v1/tickets/{}", t["id"]), &kiosk)
        .await;
    assert_eq!(cleared.body["status"], "void");
    assert_eq!(cleared.body["void_reason"], "cleared");
    // Numbers restart every day.
    let next = app
        .post(
            &format!("/api/v1/halls/{}/tickets", h.hall),
            &kiosk,
            json!({"area_id": h.area_a, "channel": "kiosk"}),
        )
        .await;
    assert_eq!(next.body["number"], "A001", "{:#}", next.body);
    // A hall that keeps its tickets overnight keeps them.
    let admin = app.login("admin", yiwang_tests::ADMIN_PASSWORD).await;
    let mut settings = app
        .get(&format!("/api/v1/halls/{}/queue/settings", h.hall), &admin)
        .await
        .body;
    settings["clear_at_night"] = json!(false);
    let put = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/halls/{}/queue/settings", h.hall),
            Some(&admin),
            Some(settings),
        )
        .await;
    assert_eq!(put.status, 200, "{:#}", put.body);
    app.clock.advance(24 * 60 * MINUTE);
    assert_eq!(app.services.clear_unfinished_tickets().await.unwrap(), 0);
    let admin = app.login("admin", yiwang_tests::ADMIN_PASSWORD).await;
    let kept = app
        .get(&format!("/api/v1/tickets/{}", next.body["id"]), &admin)
        .await;
    assert_eq!(kept.body["status"], "waiting");
}
on_each_backend!(
    night_clearing,
    the_night_job_voids_yesterdays_open_tickets_where_the_hall_wants_it
);

async fn desk_enquiries_and_tickets_feed_the_analytics(app: TestApp) {
    let h = hall_in(&app, "990102", "a", 1).await;
    let tok = &h.staff[0];
    let w1 = h.windows[0];
    let old = id_number("11010519491231002");
    let young = id_number("11010520000101003");
    let t1 = take(
        &app,
        &h,
        h.area_a,
        json!({"item_code": ITEM, "id_number": old}),
    )
    .await;
    let t2 = take(
        &app,
        &h,
        h.area_a,
        json!({"item_code": ITEM, "id_number": old}),
    )
    .await;
    let t3 = take(&app, &h, h.area_b, json!({"id_number": young})).await;
    assert!(!t1.to_string().contains(&old));
    let e = app
        .post(
            &format!("/api/v1/halls/{}/desk/enquiries", h.hall),
            tok,
            json!({"item_code": ITEM, "question": "需要带什么材料？", "answer": "营业执照原件",
                   "referral": null, "ticket_id": t3["id"], "desk_wait_seconds": 90}),
        )
        .await;
    assert_eq!(e.status, 201, "{:#}", e.body);
    let list = app
        .get(&format!("/api/v1/halls/{}/desk/enquiries", h.hall), tok)
        .await;
    assert_eq!(list.body["items"][0]["desk_wait_seconds"], 90);
    assert_eq!(list.body["items"][0]["ticket_id"], t3["id"]);

    sign_in(&app, tok, w1).await;
    // t1: waits 4 minutes, served 6. t2: waits 10 + 0, skipped three times: void. t3 (area B)
    // waits on.
    app.clock.advance(4 * MINUTE);
    let c = app
        .post(&format!("/api/v1/windows/{w1}/call-next"), tok, json!({}))
        .await;
    assert_eq!(c.body["id"], t1["id"]);
    let path = |t: &Value, a: &str| format!("/api/v1/tickets/{}/{a}", t["id"]);
    app.post(&path(&t1, "serve"), tok, json!({})).await;
    app.clock.advance(6 * MINUTE);
    app.post(&path(&t1, "finish"), tok, json!({})).await;
    for _ in 0..3 {
        let c = app
            .post(&format!("/api/v1/windows/{w1}/call-next"), tok, json!({}))
            .await;
        assert_eq!(c.body["id"], t2["id"], "{:#}", c.body);
        app.post(&path(&t2, "skip"), tok, json!({})).await;
    }
    let today = chrono::DateTime::from_timestamp_millis(app.clock.now())
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    let a = app
        .get(
            &format!(
                "/api/v1/halls/{}/queue/analytics?from={today}&to={today}",
                h.hall
            ),
            tok,
        )
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let t = &a.body["totals"];
    assert_eq!(t["tickets"], 3);
    assert_eq!(t["finished"], 1);
    assert_eq!(t["void"], 1);
    assert_eq!(t["void_rate"], 0.5);
    assert_eq!(t["service"]["p50_ms"], 6 * MINUTE);
    assert_eq!(t["wait"]["count"], 2);
    assert_eq!(t["wait"]["p50_ms"], 4 * MINUTE);
    assert_eq!(t["wait"]["max_ms"], 10 * MINUTE);
    assert_eq!(
        a.body["hot_items"][0],
        json!({"item_code": ITEM, "tickets": 2, "enquiries": 1, "total": 3})
    );
    let bands: Vec<(String, i64)> = a.body["age_structure"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["visits"].as_i64().unwrap() > 0)
        .map(|b| {
            (
                b["band"].as_str().unwrap().into(),
                b["visits"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(bands, [("18-29".into(), 1), ("70+".into(), 2)]);
    assert_eq!(
        a.body["repeat_visits"],
        json!({"visitors": 2, "once": 1, "twice": 1, "three_or_more": 0, "repeat_rate": 0.5})
    );
    assert_eq!(a.body["by_day"][0]["key"], today.to_string());
    assert_eq!(a.body["by_window"][0]["key"], w1.to_string());
    assert_eq!(a.body["by_window"][0]["figures"]["tickets"], 2);
    let busy: i64 = a.body["busy_hours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["tickets"].as_i64().unwrap())
        .sum();
    assert_eq!(busy, 3);
    // Statistics hold no ID number, not even masked.
    let text = a.body.to_string();
    assert!(!text.contains(&old) && !text.contains(&young) && !text.contains("****"));
    app.get(
        &format!(
            "/api/v1/halls/{}/queue/analytics?from={today}&to={}",
            h.hall,
            today.pred_opt().unwrap()
        ),
        tok,
    )
    .await
    .assert_problem(422, "validation_failed");
}
on_each_backend!(
    desk_and_analytics,
    desk_enquiries_and_tickets_feed_the_analytics
);
