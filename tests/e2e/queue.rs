//! The hall queue (R-2.2.1.4, R-2.5): daily numbering per area, window duty, calling with the
//! head-start rule, skip / void / transfer / finish with exact intervals and the event
//! contract, the live state, two windows (and two nodes on one PostgreSQL) calling at once,
//! appointments, night clearing, the front desk and the analytics.

use serde_json::{Value, json};
use yiwang_tests::{TestApp, id_number, on_each_backend};

pub const ITEM: &str = "11350100MB0001-001";
const MINUTE: i64 = 60_000;

/// A county with a published item, a hall with areas A and B, windows 1 and 2 in A and 3 in
/// B, a kiosk device user and window staff.
pub struct Hall {
    pub region: i64,
    pub hall: i64,
    pub area_a: i64,
    pub area_b: i64,
    pub windows: Vec<i64>,
    pub kiosk: String,
    pub staff: Vec<String>,
}

pub fn created(a: &yiwang_tests::Answer) -> i64 {
    assert!(a.status == 201 || a.status == 200, "{:#}", a.body);
    a.body["id"].as_i64().unwrap()
}

/// Sets up the hall in a new county `code`, with `staff` window staff (`{prefix}_staffN`).
pub async fn hall_in(app: &TestApp, code: &str, prefix: &str, staff: usize) -> Hall {
    let root = app.root_id().await;
    let region = app.region(code, "甲区", "county", root).await;
    let tok = &app.admin_token;
    let dep = created(
        &app.post(
            "/api/v1/departments",
            tok,
            json!({"region_id": region, "code": "SCJ", "name": "市场监督管理局"}),
        )
        .await,
    );
    let content = json!({
        "item_code": ITEM, "name": "食品经营许可", "item_type": "licensing",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "legal_limit_days": 20, "promised_limit_days": 10, "fee": {"kind": "none"},
        "materials": [{"name": "营业执照", "required": true}],
        "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 3}],
        "online": true, "delivery_modes": ["window"]
    });
    app.published_item(region, dep, content).await;
    let hall = created(
        &app.post(
            "/api/v1/halls",
            tok,
            json!({"region_id": region, "name": "政务服务中心", "address": "人民路1号"}),
        )
        .await,
    );
    let area = |prefix: &'static str| async move {
        created(
            &app.post(
                &format!("/api/v1/halls/{hall}/areas"),
                &app.admin_token,
                json!({"prefix": prefix, "name": format!("{prefix}区")}),
            )
            .await,
        )
    };
    let (area_a, area_b) = (area("A").await, area("B").await);
    let mut windows = Vec::new();
    for (n, a) in [(1, area_a), (2, area_a), (3, area_b)] {
        windows.push(created(
            &app.post(
                &format!("/api/v1/halls/{hall}/windows"),
                tok,
                json!({"area_id": a, "number": n.to_string(), "name": format!("{n}号窗口")}),
            )
            .await,
        ));
    }
    let (_, kiosk) = app
        .user_with_role(
            &format!("{prefix}_kiosk"),
            region,
            None,
            "device",
            ("region", Some(region)),
        )
        .await;
    let mut tokens = Vec::new();
    for i in 0..staff {
        let (_, t) = app
            .user_with_role(
                &format!("{prefix}_staff{i}"),
                region,
                None,
                "window_staff",
                ("region", Some(region)),
            )
            .await;
        tokens.push(t);
    }
    Hall {
        region,
        hall,
        area_a,
        area_b,
        windows,
        kiosk,
        staff: tokens,
    }
}

pub async fn take(app: &TestApp, h: &Hall, area: i64, extra: Value) -> Value {
    let mut body = json!({"area_id": area, "channel": "kiosk"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let a = app
        .post(&format!("/api/v1/halls/{}/tickets", h.hall), &h.kiosk, body)
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.body
}

pub async fn sign_in(app: &TestApp, tok: &str, window: i64) {
    let a = app
        .post(&format!("/api/v1/windows/{window}/sign-in"), tok, json!({}))
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
}

async fn call(app: &TestApp, tok: &str, window: i64) -> Value {
    let a = app
        .post(
            &format!("/api/v1/windows/{window}/call-next"),
            tok,
            json!({}),
        )
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body
}

pub async fn act(app: &TestApp, tok: &str, ticket: &Value, action: &str, body: Value) -> Value {
    let a = app
        .post(
            &format!("/api/v1/tickets/{}/{action}", ticket["id"]),
            tok,
            body,
        )
        .await;
    assert_eq!(a.status, 200, "{action}: {:#}", a.body);
    a.body
}

/// The events about one ticket, in order.
async fn ticket_events(app: &TestApp, ticket: i64) -> Vec<Value> {
    let all = app
        .get("/api/v1/events?after=0&limit=500", &app.admin_token)
        .await;
    all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "ticket" && e["entity_id"] == ticket)
        .cloned()
        .collect()
}

async fn a_ticket_is_numbered_called_served_and_finished_with_exact_intervals(app: TestApp) {
    let h = hall_in(&app, "990102", "a", 1).await;
    let s = &h.staff[0];
    let w1 = h.windows[0];
    let first = take(&app, &h, h.area_a, json!({"item_code": ITEM})).await;
    assert_eq!(first["number"], "A001");
    assert_eq!(first["status"], "waiting");
    assert_eq!(take(&app, &h, h.area_a, json!({})).await["number"], "A002");
    assert_eq!(take(&app, &h, h.area_b, json!({})).await["number"], "B001");

    // No one on duty: nothing can be called.
    app.post(&format!("/api/v1/windows/{w1}/call-next"), s, json!({}))
        .await
        .assert_problem(409, "conflict");
    sign_in(&app, s, w1).await;
    app.post(&format!("/api/v1/windows/{w1}/sign-in"), s, json!({}))
        .await
        .assert_problem(409, "conflict");

    app.clock.advance(2 * MINUTE);
    let called = call(&app, s, w1).await;
    assert_eq!(called["id"], first["id"]);
    assert_eq!(called["status"], "called");
    assert_eq!(called["window_number"], "1");
    assert_eq!(called["times"]["waiting_ms"], 2 * MINUTE);
    // The window has a ticket: finish it (or skip, transfer) before the next.
    let busy = app
        .post(&format!("/api/v1/windows/{w1}/call-next"), s, json!({}))
        .await;
    busy.assert_problem(409, "conflict");
    assert_eq!(
        busy.body["allowed"],
        json!(["recall", "skip", "transfer", "serve"])
    );
    // Finishing before service started is not allowed.
    app.post(
        &format!("/api/v1/tickets/{}/finish", first["id"]),
        s,
        json!({}),
    )
    .await
    .assert_problem(409, "conflict");
    act(&app, s, &first, "recall", json!({})).await;
    app.clock.advance(MINUTE / 2);
    let serving = act(&app, s, &first, "serve", json!({})).await;
    assert_eq!(serving["status"], "serving");
    app.clock.advance(5 * MINUTE);
    // Linked to the case it produced.
    let case = app
        .post(
            "/api/v1/cases",
            s,
            json!({"item_id": item_id(&app, ITEM).await, "channel": "window",
                   "applicant": {"kind": "person", "name": "张三",
                                 "id_number": id_number("11010519491231002")}}),
        )
        .await;
    assert_eq!(case.status, 201, "{:#}", case.body);
    let done = act(
        &app,
        s,
        &first,
        "finish",
        json!({"case_id": case.body["id"]}),
    )
    .await;
    assert_eq!(done["status"], "finished");
    assert_eq!(done["case_id"], case.body["id"]);
    assert_eq!(
        done["times"],
        json!({"waiting_ms": 2 * MINUTE, "called_ms": MINUTE / 2, "serving_ms": 5 * MINUTE})
    );
    // A second finish changes nothing.
    app.post(
        &format!("/api/v1/tickets/{}/finish", first["id"]),
        s,
        json!({}),
    )
    .await
    .assert_problem(409, "conflict");

    let intervals = app
        .get(&format!("/api/v1/tickets/{}/intervals", first["id"]), s)
        .await;
    let states: Vec<(&str, &str)> = intervals
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["state"].as_str().unwrap(),
                i["ended_by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("waiting", "call"),
            ("called", "serve"),
            ("serving", "finish")
        ]
    );

    let events = ticket_events(&app, first["id"].as_i64().unwrap()).await;
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "ticket.taken",
            "ticket.called",
            "ticket.recalled",
            "ticket.serving",
            "ticket.finished"
        ]
    );
    for e in &events {
        let p = &e["payload"];
        for key in [
            "ticket_id",
            "number",
            "hall_id",
            "area_id",
            "window_id",
            "window_number",
        ] {
            assert!(p.get(key).is_some(), "{key} missing in {e}");
        }
        assert_eq!(p["number"], "A001");
        assert_eq!(p["hall_id"], h.hall);
        assert_eq!(e["region_id"], h.region);
    }
    assert!(events[0]["payload"]["window_id"].is_null());
    assert_eq!(events[1]["payload"]["window_id"], w1);
    assert_eq!(events[1]["payload"]["window_number"], "1");
    assert_eq!(events[4]["payload"]["case_id"], case.body["id"]);

    // Live state: A002 waits in A with one window on duty and today's mean service time.
    let state = app
        .get(&format!("/api/v1/halls/{}/queue", h.hall), &h.kiosk)
        .await;
    assert_eq!(state.status, 200, "{:#}", state.body);
    let a = &state.body["areas"][0];
    assert_eq!(a["prefix"], "A");
    assert_eq!(a["waiting"], 1);
    assert_eq!(a["windows_on_duty"], 1);
    assert_eq!(a["mean_service_ms"], 5 * MINUTE);
    assert_eq!(a["estimated_wait_ms"], 5 * MINUTE);
    assert_eq!(state.body["areas"][1]["waiting"], 1);
    let w = &state.body["windows"][0];
    assert_eq!(w["staff"]["name"], "a_staff0");
    assert!(w["current"].is_null());
    let next = call(&app, s, w1).await;
    assert_eq!(next["number"], "A002");
    let state = app
        .get(&format!("/api/v1/halls/{}/queue", h.hall), &h.kiosk)
        .await;
    assert_eq!(state.body["windows"][0]["current"]["number"], "A002");
    assert_eq!(state.body["areas"][0]["waiting"], 0);
    // Signing out with a ticket at the window is refused; after finishing it works.
    app.post(&format!("/api/v1/windows/{w1}/sign-out"), s, json!({}))
        .await
        .assert_problem(409, "conflict");
    act(&app, s, &next, "serve", json!({})).await;
    act(&app, s, &next, "finish", json!({})).await;
    let out = app
        .post(&format!("/api/v1/windows/{w1}/sign-out"), s, json!({}))
        .await;
    assert_eq!(out.status, 200, "{:#}", out.body);
    assert!(out.body["user_id"].is_null());
}
on_each_backend!(
    tickets_are_called_served_and_finished,
    a_ticket_is_numbered_called_served_and_finished_with_exact_intervals
);

async fn item_id(app: &TestApp, code: &str) -> i64 {
    let items = app
        .get(
            &format!("/api/v1/catalogue/items?item_code={code}"),
            &app.admin_token,
        )
        .await;
    assert_eq!(items.status, 200, "{:#}", items.body);
    items.body["items"][0]["id"].as_i64().unwrap()
}

async fn priority_classes_go_first_within_their_head_start_and_nobody_starves(app: TestApp) {
    let h = hall_in(&app, "990102", "a", 1).await;
    let s = &h.staff[0];
    let w1 = h.windows[0];
    let settings = json!({
        "clear_at_night": true, "max_misses": 3, "appointment_boost_minutes": 30,
        "default_service_minutes": 8,
        "priority_classes": [{"name": "elderly", "label": "老年人", "boost_minutes": 10}]
    });
    let put = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/halls/{}/queue/settings", h.hall),
            Some(&app.admin_token),
            Some(settings.clone()),
        )
        .await;
    assert_eq!(put.status, 200, "{:#}", put.body);
    assert_eq!(
        app.get(
            &format!("/api/v1/halls/{}/queue/settings", h.hall),
            &h.kiosk
        )
        .await
        .body,
        settings
    );
    let regular = take(&app, &h, h.area_a, json!({})).await;
    app.clock.advance(MINUTE);
    let elderly = take(&app, &h, h.area_a, json!({"priority_class": "elderly"})).await;
    app.clock.advance(20 * MINUTE);
    // Taken 21 minutes after the regular ticket: a 10-minute head start does not overtake it.
    let late_elderly = take(&app, &h, h.area_a, json!({"priority_class": "elderly"})).await;
    let late_regular = take(&app, &h, h.area_a, json!({})).await;
    sign_in(&app, s, w1).await;
    let mut order = Vec::new();
    for _ in 0..4 {
        let t = call(&app, s, w1).await;
        order.push(t["id"].clone());
        act(&app, s, &t, "serve", json!({})).await;
        act(&app, s, &t, "finish", json!({})).await;
    }
    assert_eq!(
        order,
        [
            elderly["id"].clone(),
            regular["id"].clone(),
            late_elderly["id"].clone(),
            late_regular["id"].clone()
        ]
    );
    app.post(&format!("/api/v1/windows/{w1}/call-next"), s, json!({}))
        .await
        .assert_problem(409, "conflict");
    app.post(
        &format!("/api/v1/halls/{}/tickets", h.hall),
        &h.kiosk,
        json!({"area_id": h.area_a, "channel": "kiosk", "priority_class": "vip"}),
    )
    .await
    .assert_problem(422, "validation_failed");
}
on_each_backend!(
    priority_with_head_start,
    priority_classes_go_first_within_their_head_start_and_nobody_starves
);

async fn skipped_tickets_void_after_the_misses_and_transfers_keep_their_place(app: TestApp) {
    let h = hall_in(&app, "990102", "a", 2).await;
    let (s1, s3) = (&h.staff[0], &h.staff[1]);
    let (w1, w2, w3) = (h.windows[0], h.windows[1], h.windows[2]);
    let mut settings = app
        .get(
            &format!("/api/v1/halls/{}/queue/settings", h.hall),
            &app.admin_token,
        )
        .await
        .body;
    settings["max_misses"] = json!(2);
    let put = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/halls/{}/queue/settings", h.hall),
            Some(&app.admin_token),
            Some(settings),
        )
        .await;
    assert_eq!(put.status, 200, "{:#}", put.body);
    let t = take(&app, &h, h.area_a, json!({})).await;
    sign_in(&app, s1, w1).await;
    call(&app, s1, w1).await;
    let skipped = act(&app, s1, &t, "skip", json!({})).await;
    assert_eq!(skipped["status"], "waiting");
    assert_eq!(skipped["misses"], 1);
    call(&app, s1, w1).await;
    let void = act(&app, s1, &t, "skip", json!({})).await;
    assert_eq!(void["status"], "void");
    assert_eq!(void["void_reason"], "missed");
    let kinds: Vec<String> = ticket_events(&app, t["id"].as_i64().unwrap())
        .await
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "ticket.taken",
            "ticket.called",
            "ticket.skipped",
            "ticket.called",
            "ticket.voided"
        ]
    );

    // Transfer to window 3 (area B): only window 3 may call it, and it keeps its place.
    let moved = take(&app, &h, h.area_a, json!({})).await;
    app.clock.advance(MINUTE);
    let later_b = take(&app, &h, h.area_b, json!({})).await;
    call(&app, s1, w1).await;
    let tr = act(&app, s1, &moved, "transfer", json!({"to_window_id": w3})).await;
    assert_eq!(tr["status"], "waiting");
    assert_eq!(tr["area_id"], h.area_b);
    assert_eq!(tr["target_window_id"], w3);
    let ev = ticket_events(&app, moved["id"].as_i64().unwrap()).await;
    let last = &ev.last().unwrap()["payload"];
    assert_eq!(ev.last().unwrap()["kind"], "ticket.transferred");
    assert_eq!(last["window_id"], w1);
    assert_eq!(last["to_window_id"], w3);
    assert_eq!(last["to_window_number"], "3");
    app.post(&format!("/api/v1/windows/{w1}/sign-out"), s1, json!({}))
        .await;
    sign_in(&app, s1, w2).await;
    app.post(&format!("/api/v1/windows/{w2}/call-next"), s1, json!({}))
        .await
        .assert_problem(409, "conflict");
    sign_in(&app, s3, w3).await;
    assert_eq!(call(&app, s3, w3).await["id"], moved["id"]);
    // Transfer to an area's queue: any window of it may call.
    let to_a = act(
        &app,
        s3,
        &moved,
        "transfer",
        json!({"to_area_id": h.area_a}),
    )
    .await;
    assert!(to_a["target_window_id"].is_null());
    assert_eq!(call(&app, s1, w2).await["id"], moved["id"]);
    assert_eq!(call(&app, s3, w3).await["id"], later_b["id"]);
    // Neither or both targets: refused.
    app.post(
        &format!("/api/v1/tickets/{}/transfer", later_b["id"]),
        s3,
        json!({}),
    )
    .await
    .assert_problem(422, "validation_failed");
    // Only the staff signed in at the ticket's window acts on it.
    app.post(
        &format!("/api/v1/tickets/{}/serve", later_b["id"]),
        s1,
        json!({}),
    )
    .await
    .assert_problem(409, "conflict");

    let intervals = app
        .get(&format!("/api/v1/tickets/{}/intervals", moved["id"]), s1)
        .await;
    let trail: Vec<(&str, Option<i64>)> = intervals
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["state"].as_str().unwrap(), i["area_id"].as_i64()))
        .collect();
    assert_eq!(
        trail,
        [
            ("waiting", Some(h.area_a)),
            ("called", Some(h.area_a)),
            ("waiting", Some(h.area_b)),
            ("called", Some(h.area_b)),
            ("waiting", Some(h.area_a)),
            ("called", Some(h.area_a)),
        ]
    );
}
on_each_backend!(
    skip_void_transfer,
    skipped_tickets_void_after_the_misses_and_transfers_keep_their_place
);

/// A ticket for an item the catalogue does not know is refused; one for a served item's group
/// is called.
async fn window_items_decide_what_a_window_calls(app: TestApp) {
    let h = hall_in(&app, "990102", "a", 1).await;
    let s = &h.staff[0];
    let w1 = h.windows[0];
    app.post(
        &format!("/api/v1/halls/{}/tickets", h.hall),
        &h.kiosk,
        json!({"area_id": h.area_a, "channel": "kiosk", "item_code": "99990000XX0001"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let put = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/windows/{w1}/items"),
            Some(&app.admin_token),
            Some(json!({"item_codes": ["11350100MB0001"]})),
        )
        .await;
    assert_eq!(put.status, 200, "{:#}", put.body);
    assert_eq!(
        app.get(&format!("/api/v1/windows/{w1}/items"), s)
            .await
            .body["item_codes"],
        json!(["11350100MB0001"])
    );
    let t = take(&app, &h, h.area_a, json!({"item_code": ITEM})).await;
    sign_in(&app, s, w1).await;
    assert_eq!(call(&app, s, w1).await["id"], t["id"]);
}
on_each_backend!(window_items, window_items_decide_what_a_window_calls);

/// A subscriber of the event stream (the console, a screen controller) sees a call within a
/// second of it, with the number and the window.
async fn the_event_stream_carries_each_call_within_a_second(app: TestApp) {
    use futures_util::StreamExt as _;
    let h = hall_in(&app, "990102", "a", 1).await;
    let s = &h.staff[0];
    sign_in(&app, s, h.windows[0]).await;
    let res = app
        .client
        .get(app.url("/api/v1/events/stream"))
        .bearer_auth(s)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut stream = res.bytes_stream().boxed();
    let mut buf = String::new();
    let t = take(&app, &h, h.area_a, json!({})).await;
    let called = std::time::Instant::now();
    call(&app, s, h.windows[0]).await;
    let got = crate::events::read_events(&mut stream, &mut buf, 2).await;
    assert!(called.elapsed() < std::time::Duration::from_secs(1));
    let kinds: Vec<&str> = got.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(kinds, ["ticket.taken", "ticket.called"]);
    let page = app
        .get(
            &format!("/api/v1/events?after={}&limit=1", got[1].0 - 1),
            &app.admin_token,
        )
        .await;
    let p = &page.body["items"][0]["payload"];
    assert_eq!(p["ticket_id"], t["id"]);
    assert_eq!(p["number"], "A001");
    assert_eq!(p["window_number"], "1");
}
on_each_backend!(
    calls_reach_the_event_stream,
    the_event_stream_carries_each_call_within_a_second
);

/// Staff scoped to their department (not the county) work the windows of that department:
/// sign in, call, serve, finish.
async fn department_staff_serve_at_their_departments_windows(app: TestApp) {
    let h = hall_in(&app, "990102", "a", 0).await;
    let deps = app.get("/api/v1/departments", &app.admin_token).await;
    let dep = deps.body["items"][0]["id"].as_i64().unwrap();
    let w = created(
        &app.post(
            &format!("/api/v1/halls/{}/windows", h.hall),
            &app.admin_token,
            json!({"area_id": h.area_a, "department_id": dep, "number": "9", "name": "9号窗口"}),
        )
        .await,
    );
    let (_, s) = app
        .user_with_role(
            "dep_staff",
            h.region,
            Some(dep),
            "window_staff",
            ("department", Some(dep)),
        )
        .await;
    // Not the windows of no department.
    app.post(
        &format!("/api/v1/windows/{}/sign-in", h.windows[0]),
        &s,
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    let t = take(&app, &h, h.area_a, json!({})).await;
    sign_in(&app, &s, w).await;
    let c = call(&app, &s, w).await;
    assert_eq!(c["id"], t["id"]);
    act(&app, &s, &c, "serve", json!({})).await;
    let done = act(&app, &s, &c, "finish", json!({})).await;
    assert_eq!(done["status"], "finished");
    assert_eq!(
        app.get(&format!("/api/v1/tickets/{}", t["id"]), &s)
            .await
            .body["status"],
        "finished"
    );
}
on_each_backend!(
    department_staff,
    department_staff_serve_at_their_departments_windows
);

/// A kiosk that retries a take after losing the answer gets the ticket its first take issued,
/// not a second one; the same request id from another taker is a different request.
async fn a_retried_take_answers_the_first_ticket(app: TestApp) {
    let h = hall_in(&app, "990102", "a", 0).await;
    let first = take(&app, &h, h.area_a, json!({"request_id": "kiosk-7-000042"})).await;
    let again = take(&app, &h, h.area_a, json!({"request_id": "kiosk-7-000042"})).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["number"], "A001");
    assert_eq!(
        ticket_events(&app, first["id"].as_i64().unwrap())
            .await
            .len(),
        1
    );
    let other = take(&app, &h, h.area_a, json!({"request_id": "kiosk-7-000043"})).await;
    assert_eq!(other["number"], "A002");
    // The admin is another taker: its request of the same id is its own.
    let a = app
        .post(
            &format!("/api/v1/halls/{}/tickets", h.hall),
            &app.admin_token,
            json!({"area_id": h.area_a, "channel": "api", "request_id": "kiosk-7-000042"}),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    assert_eq!(a.body["number"], "A003");
    let list = app
        .get(
            &format!("/api/v1/halls/{}/tickets", h.hall),
            &app.admin_token,
        )
        .await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        3,
        "{:#}",
        list.body
    );
    app.post(
        &format!("/api/v1/halls/{}/tickets", h.hall),
        &h.kiosk,
        json!({"area_id": h.area_a, "channel": "kiosk", "request_id": "x".repeat(65)}),
    )
    .await
    .assert_problem(422, "validation_failed");
}
on_each_backend!(retried_take, a_retried_take_answers_the_first_ticket);
