//! Hall devices: registration and token binding, hello with the full state, long-poll, acks,
//! expiry, liveness without a write per heartbeat, idempotent reports, restart.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use yiwang_tests::{TestApp, on_each_backend};

/// A hall with two windows; ids.
pub struct TestHall {
    pub hall: i64,
    pub area: i64,
    pub window: i64,
    pub window2: i64,
}

pub async fn test_hall(app: &TestApp, region: i64) -> TestHall {
    let h = app
        .post(
            "/api/v1/halls",
            &app.admin_token,
            json!({"region_id": region, "name": "政务服务中心", "address": "人民路1号"}),
        )
        .await;
    assert_eq!(h.status, 201, "{:#}", h.body);
    let hall = h.body["id"].as_i64().unwrap();
    let a = app
        .post(
            &format!("/api/v1/halls/{hall}/areas"),
            &app.admin_token,
            json!({"prefix": "A", "name": "综合受理区"}),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let area = a.body["id"].as_i64().unwrap();
    let mut windows = Vec::new();
    for n in ["1", "2"] {
        let w = app
            .post(
                &format!("/api/v1/halls/{hall}/windows"),
                &app.admin_token,
                json!({"number": n, "name": format!("{n}号窗口"), "area_id": area}),
            )
            .await;
        assert_eq!(w.status, 201, "{:#}", w.body);
        windows.push(w.body["id"].as_i64().unwrap());
    }
    TestHall {
        hall,
        area,
        window: windows[0],
        window2: windows[1],
    }
}

/// Registers a device as admin; returns (id, token).
pub async fn register(app: &TestApp, body: Value) -> (i64, String) {
    let r = app.post("/api/v1/devices", &app.admin_token, body).await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    (
        r.body["device"]["id"].as_i64().unwrap(),
        r.body["token"].as_str().unwrap().to_owned(),
    )
}

async fn hello(app: &TestApp, token: &str) -> yiwang_tests::Answer {
    app.post(
        "/api/v1/device/hello",
        token,
        json!({"firmware": "1.0.0", "capabilities": ["led"]}),
    )
    .await
}

/// Events of a kind about an entity, from the log.
async fn events_of(app: &TestApp, kind: &str, entity_id: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let p = app
            .get(
                &format!("/api/v1/events?after={after}&limit=500"),
                &app.admin_token,
            )
            .await;
        assert_eq!(p.status, 200, "{:#}", p.body);
        for e in p.body["items"].as_array().unwrap() {
            if e["kind"] == kind && e["entity_id"] == entity_id {
                out.push(e.clone());
            }
        }
        match p.body["next_after"].as_i64() {
            Some(n) => after = n,
            None => return out,
        }
    }
}

/// Waits (up to `within`) until `n` events of a kind about an entity are logged.
async fn wait_events(
    app: &TestApp,
    kind: &str,
    entity: i64,
    n: usize,
    within: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        if events_of(app, kind, entity).await.len() >= n {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "no {n} × {kind} for {entity} within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn send(app: &TestApp, device: i64, command: Value) -> yiwang_tests::Answer {
    app.post(
        &format!("/api/v1/devices/{device}/commands"),
        &app.admin_token,
        json!({"command": command}),
    )
    .await
}

async fn registration_binds_each_token_to_its_device(app: TestApp) {
    let root = app.root_id().await;
    let h = test_hall(&app, root).await;
    let other = test_hall(&app, root).await;
    for (what, body) in [
        (
            "led without window",
            json!({"hall_id": h.hall, "kind": "led_window", "name": "x"}),
        ),
        (
            "board with window",
            json!({"hall_id": h.hall, "window_id": h.window, "kind": "led_board", "name": "x"}),
        ),
        (
            "window of another hall",
            json!({"hall_id": h.hall, "window_id": other.window, "kind": "tablet", "name": "x"}),
        ),
        (
            "unknown hall",
            json!({"hall_id": 999_999, "kind": "kiosk", "name": "x"}),
        ),
        (
            "interval too short",
            json!({"hall_id": h.hall, "kind": "kiosk", "name": "x", "heartbeat_interval_ms": 10}),
        ),
    ] {
        let a = app.post("/api/v1/devices", &app.admin_token, body).await;
        a.assert_problem(422, "validation_failed");
        assert!(a.body["detail"].is_string(), "{what}");
    }
    let bad_kind = app
        .post(
            "/api/v1/devices",
            &app.admin_token,
            json!({"hall_id": h.hall, "kind": "led", "name": "x"}),
        )
        .await;
    bad_kind.assert_problem(400, "malformed_request");

    let (led, led_token) = register(
        &app,
        json!({"hall_id": h.hall, "window_id": h.window, "kind": "led_window", "name": "1号窗口屏"}),
    )
    .await;
    let (_board, board_token) = register(
        &app,
        json!({"hall_id": other.hall, "kind": "led_board", "name": "综合屏"}),
    )
    .await;
    let w = hello(&app, &led_token).await;
    assert_eq!(w.status, 200, "{:#}", w.body);
    assert_eq!(w.body["device_id"], led);
    assert_eq!(w.body["window_id"], h.window);
    assert_eq!(w.body["kind"], "led_window");
    // A person's token is no device token; a device token is no person's.
    hello(&app, &app.admin_token)
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/devices", &led_token)
        .await
        .assert_problem(403, "forbidden");
    let foreign = app
        .post(
            &format!("/api/v1/devices/{led}/commands"),
            &board_token,
            json!({"command": {"kind": "reboot"}}),
        )
        .await;
    assert!(
        [403, 404].contains(&foreign.status.as_u16()),
        "{:#}",
        foreign.body
    );
    // A device reports only for its own hall.
    let r = app
        .post(
            "/api/v1/device/reports",
            &led_token,
            json!({"report_id": "r1", "event": {"kind": "ticket_taken", "number": "A001",
                   "area_id": other.area}}),
        )
        .await;
    r.assert_problem(403, "forbidden");
    // Disabled: refused until enabled; wrong token: refused; retired: the token is dead.
    let d = app
        .post(
            &format!("/api/v1/devices/{led}/disable"),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(d.body["status"], "disabled", "{:#}", d.body);
    hello(&app, &led_token)
        .await
        .assert_problem(403, "forbidden");
    app.post(
        &format!("/api/v1/devices/{led}/disable"),
        &app.admin_token,
        json!({}),
    )
    .await
    .assert_problem(409, "conflict");
    app.post(
        &format!("/api/v1/devices/{led}/enable"),
        &app.admin_token,
        json!({}),
    )
    .await;
    assert_eq!(hello(&app, &led_token).await.status, 200);
    hello(&app, "yw_not_a_token")
        .await
        .assert_problem(401, "unauthorized");
    let renewed = app
        .post(
            &format!("/api/v1/devices/{led}/token"),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(renewed.status, 200, "{:#}", renewed.body);
    let new_token = renewed.body["token"].as_str().unwrap().to_owned();
    hello(&app, &led_token)
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(hello(&app, &new_token).await.status, 200);
    let r = app
        .post(
            &format!("/api/v1/devices/{led}/retire"),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(r.body["status"], "retired", "{:#}", r.body);
    hello(&app, &new_token)
        .await
        .assert_problem(401, "unauthorized");
    send(&app, led, json!({"kind": "reboot"}))
        .await
        .assert_problem(409, "conflict");
    assert_eq!(events_of(&app, "device.registered", led).await.len(), 1);
    assert_eq!(events_of(&app, "device.retired", led).await.len(), 1);
}
on_each_backend!(
    device_registration,
    registration_binds_each_token_to_its_device
);

async fn a_device_that_says_hello_gets_the_full_state_and_survives_a_restart(app: TestApp) {
    let root = app.root_id().await;
    let h = test_hall(&app, root).await;
    let (led, token) = register(
        &app,
        json!({"hall_id": h.hall, "window_id": h.window, "kind": "led_window", "name": "屏"}),
    )
    .await;
    // Queued while the device was never connected.
    for c in [
        json!({"kind": "display", "text": "欢迎光临", "scroll": true}),
        json!({"kind": "call", "number": "A001", "window_number": "1"}),
        json!({"kind": "call", "number": "A002", "window_number": "1"}),
    ] {
        assert_eq!(send(&app, led, c).await.status, 201);
    }
    send(
        &app,
        led,
        json!({"kind": "print_ticket", "number": "A1", "area_name": "x",
                          "waiting_before": 1}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let w = hello(&app, &token).await;
    assert_eq!(w.body["state"]["text"]["text"], "欢迎光临", "{:#}", w.body);
    assert_eq!(w.body["state"]["current_call"]["call"]["number"], "A002");
    assert_eq!(w.body["commands"].as_array().unwrap().len(), 3);
    assert_eq!(w.body["commands"][0]["status"], "delivered");
    wait_events(&app, "device.online", led, 1, Duration::from_secs(3)).await;
    let detail = app
        .get(&format!("/api/v1/devices/{led}"), &app.admin_token)
        .await;
    assert_eq!(detail.body["device"]["online"], true, "{:#}", detail.body);
    assert_eq!(detail.body["device"]["firmware"], "1.0.0");
    assert_eq!(detail.body["device"]["pending_commands"], 3);

    // A restart rebuilds the hot state from storage: online, pending commands, the state.
    let config = yiwang_tests::test_config(&app.db);
    let db = app.stop().await;
    let app = TestApp::spawn_on(db, config, Vec::new()).await;
    let detail = app
        .get(&format!("/api/v1/devices/{led}"), &app.admin_token)
        .await;
    assert_eq!(detail.body["device"]["online"], true, "{:#}", detail.body);
    assert_eq!(detail.body["pending"].as_array().unwrap().len(), 3);
    assert_eq!(
        detail.body["state"]["current_call"]["call"]["number"],
        "A002"
    );
    let w = hello(&app, &token).await;
    assert_eq!(
        w.body["commands"].as_array().unwrap().len(),
        3,
        "{:#}",
        w.body
    );
    let list = app
        .get(
            &format!("/api/v1/devices?hall_id={}&kind=led_window", h.hall),
            &app.admin_token,
        )
        .await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        1,
        "{:#}",
        list.body
    );
    let none = app
        .get(
            &format!("/api/v1/devices?hall_id={}&kind=kiosk", h.hall),
            &app.admin_token,
        )
        .await;
    assert_eq!(none.body["items"].as_array().unwrap().len(), 0);
}
on_each_backend!(
    device_hello_state,
    a_device_that_says_hello_gets_the_full_state_and_survives_a_restart
);

async fn a_long_poll_wakes_at_once_and_acks_count_once(app: TestApp) {
    let root = app.root_id().await;
    let h = test_hall(&app, root).await;
    let (board, token) = register(
        &app,
        json!({"hall_id": h.hall, "kind": "led_board", "name": "综合屏"}),
    )
    .await;
    let (other, other_token) = register(
        &app,
        json!({"hall_id": h.hall, "kind": "kiosk", "name": "取号机"}),
    )
    .await;
    hello(&app, &token).await;
    hello(&app, &other_token).await;
    let empty = app.get("/api/v1/device/commands?wait_ms=0", &token).await;
    assert_eq!(empty.body["commands"], json!([]), "{:#}", empty.body);

    let poll = {
        let (client, url, token) = (
            app.client.clone(),
            app.url("/api/v1/device/commands?wait_ms=10000"),
            token.clone(),
        );
        tokio::spawn(async move {
            let r = client.get(url).bearer_auth(token).send().await.unwrap();
            (Instant::now(), r.json::<Value>().await.unwrap())
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent_at = Instant::now();
    let c = send(&app, board, json!({"kind": "display", "text": "请稍候"})).await;
    assert_eq!(c.status, 201, "{:#}", c.body);
    let cmd = c.body["id"].as_i64().unwrap();
    let (got_at, batch) = poll.await.unwrap();
    assert_eq!(batch["commands"][0]["id"], cmd, "{batch:#}");
    let woke = got_at.duration_since(sent_at);
    assert!(
        woke < Duration::from_millis(1_000),
        "the poll woke after {woke:?}"
    );

    let ack = json!({"outcome": "applied"});
    let path = format!("/api/v1/device/commands/{cmd}/ack");
    let first = app.post(&path, &token, ack.clone()).await;
    assert_eq!(first.status, 200, "{:#}", first.body);
    assert_eq!(first.body["status"], "acked");
    let again = app.post(&path, &token, ack.clone()).await;
    assert_eq!(again.status, 200, "{:#}", again.body);
    assert_eq!(again.body["acked_at"], first.body["acked_at"]);
    assert_eq!(events_of(&app, "device.command_acked", cmd).await.len(), 1);
    // Acked commands are not handed out again.
    let after = app.get("/api/v1/device/commands?wait_ms=0", &token).await;
    assert_eq!(after.body["commands"], json!([]));
    // Another device's command, an unknown one, one never handed out: refused, nothing changed.
    app.post(&path, &other_token, ack.clone())
        .await
        .assert_problem(404, "not_found");
    app.post("/api/v1/device/commands/987654/ack", &token, ack.clone())
        .await
        .assert_problem(404, "not_found");
    let undelivered = send(&app, other, json!({"kind": "reboot"})).await;
    let u = undelivered.body["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/device/commands/{u}/ack"),
        &other_token,
        ack,
    )
    .await
    .assert_problem(409, "conflict");
    assert!(events_of(&app, "device.command_acked", u).await.is_empty());
}
on_each_backend!(
    device_long_poll,
    a_long_poll_wakes_at_once_and_acks_count_once
);

async fn commands_to_an_offline_device_expire_visibly(app: TestApp) {
    let root = app.root_id().await;
    let h = test_hall(&app, root).await;
    let (kiosk, token) = register(
        &app,
        json!({"hall_id": h.hall, "kind": "kiosk", "name": "取号机"}),
    )
    .await;
    let c = app
        .post(
            &format!("/api/v1/devices/{kiosk}/commands"),
            &app.admin_token,
            json!({"command": {"kind": "reboot"}, "ttl_ms": 1000}),
        )
        .await;
    assert_eq!(c.status, 201, "{:#}", c.body);
    let cmd = c.body["id"].as_i64().unwrap();
    app.clock.advance(1_500);
    wait_events(
        &app,
        "device.command_expired",
        cmd,
        1,
        Duration::from_secs(3),
    )
    .await;
    let d = app
        .get(&format!("/api/v1/devices/{kiosk}"), &app.admin_token)
        .await;
    assert_eq!(d.body["pending"], json!([]), "{:#}", d.body);
    let listed = app
        .get(
            &format!("/api/v1/devices/{kiosk}/commands"),
            &app.admin_token,
        )
        .await;
    assert_eq!(
        listed.body["items"][0]["status"], "expired",
        "{:#}",
        listed.body
    );
    let w = hello(&app, &token).await;
    assert_eq!(w.body["commands"], json!([]), "{:#}", w.body);
    app.post(
        &format!("/api/v1/device/commands/{cmd}/ack"),
        &token,
        json!({"outcome": "applied"}),
    )
    .await
    .assert_problem(409, "conflict");
}
on_each_backend!(
    device_command_expiry,
    commands_to_an_offline_device_expire_visibly
);

async fn a_silent_device_goes_offline_and_heartbeats_write_nothing(app: TestApp) {
    let root = app.root_id().await;
    let h = test_hall(&app, root).await;
    let (tablet, token) = register(
        &app,
        json!({"hall_id": h.hall, "window_id": h.window2, "kind": "tablet", "name": "平板",
               "heartbeat_interval_ms": 1000}),
    )
    .await;
    hello(&app, &token).await;
    wait_events(&app, "device.online", tablet, 1, Duration::from_secs(3)).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let commits = app.services.store.writer_stats().commits;
    let beats = app.services.devices.heartbeats();
    for i in 0..40u32 {
        let b = app
            .post(
                "/api/v1/device/heartbeat",
                &token,
                json!({"health": {"uptime_s": i, "cpu_pct": 12.5}}),
            )
            .await;
        assert_eq!(b.status, 200, "{:#}", b.body);
    }
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(app.services.devices.heartbeats() - beats, 40);
    let written = app.services.store.writer_stats().commits - commits;
    assert!(written <= 1, "40 heartbeats made {written} commits");
    let d = app
        .get(&format!("/api/v1/devices/{tablet}"), &app.admin_token)
        .await;
    assert_eq!(d.body["device"]["health"]["uptime_s"], 39, "{:#}", d.body);

    // Past three intervals of silence: offline within a second, with an alert event.
    app.clock.advance(3_100);
    let took = wait_events(&app, "device.offline", tablet, 1, Duration::from_secs(3)).await;
    assert!(
        took < Duration::from_millis(1_600),
        "offline after {took:?}"
    );
    let e = &events_of(&app, "device.offline", tablet).await[0];
    assert_eq!(e["payload"]["alert"], true, "{e:#}");
    let d = app
        .get(&format!("/api/v1/devices/{tablet}"), &app.admin_token)
        .await;
    assert_eq!(d.body["device"]["online"], false);
    // Its return clears it.
    app.post("/api/v1/device/heartbeat", &token, json!({}))
        .await;
    wait_events(&app, "device.online", tablet, 2, Duration::from_secs(3)).await;
}
on_each_backend!(
    device_liveness,
    a_silent_device_goes_offline_and_heartbeats_write_nothing
);

async fn reports_are_recorded_once_per_report_id(app: TestApp) {
    let root = app.root_id().await;
    let h = test_hall(&app, root).await;
    let (kiosk, token) = register(
        &app,
        json!({"hall_id": h.hall, "kind": "kiosk", "name": "取号机"}),
    )
    .await;
    let (tablet, tablet_token) = register(
        &app,
        json!({"hall_id": h.hall, "window_id": h.window, "kind": "tablet", "name": "平板"}),
    )
    .await;
    let report = json!({"report_id": "k-1", "event": {"kind": "ticket_taken", "number": "A001",
                         "area_id": h.area}});
    let first = app
        .post("/api/v1/device/reports", &token, report.clone())
        .await;
    assert_eq!(first.status, 201, "{:#}", first.body);
    assert_eq!(first.body["duplicate"], false);
    let retry = app.post("/api/v1/device/reports", &token, report).await;
    assert_eq!(retry.status, 200, "{:#}", retry.body);
    assert_eq!(retry.body["duplicate"], true);
    assert_eq!(retry.body["id"], first.body["id"]);
    let changed = json!({"report_id": "k-1", "event": {"kind": "paper_jam"}});
    app.post("/api/v1/device/reports", &token, changed)
        .await
        .assert_problem(409, "conflict");
    let bad_score = json!({"report_id": "t-1", "event": {"kind": "rating_given", "score": 9}});
    app.post("/api/v1/device/reports", &tablet_token, bad_score)
        .await
        .assert_problem(422, "validation_failed");

    // Screenshot confirmation: the answer to a confirm command.
    let confirm = send(
        &app,
        tablet,
        json!({"kind": "confirm", "title": "请核对", "fields": [{"label": "姓名", "value": "张三"}]}),
    )
    .await;
    let confirm_id = confirm.body["id"].as_i64().unwrap();
    let answer = json!({"report_id": "t-2", "event": {"kind": "data_confirmed",
                         "command_id": confirm_id, "confirmed": true}});
    assert_eq!(
        app.post("/api/v1/device/reports", &tablet_token, answer.clone())
            .await
            .status,
        201
    );
    let foreign = json!({"report_id": "k-2", "event": {"kind": "data_confirmed",
                          "command_id": confirm_id, "confirmed": true}});
    app.post("/api/v1/device/reports", &token, foreign)
        .await
        .assert_problem(403, "forbidden");
    let list = app
        .get(
            &format!("/api/v1/devices/reports?hall_id={}", h.hall),
            &app.admin_token,
        )
        .await;
    let kinds: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["event"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["ticket_taken", "data_confirmed"],
        "{:#}",
        list.body
    );
    assert_eq!(
        events_of(
            &app,
            "device.ticket_taken",
            first.body["id"].as_i64().unwrap()
        )
        .await
        .len(),
        1
    );
    let _ = kiosk;
}
on_each_backend!(device_reports, reports_are_recorded_once_per_report_id);

/// Commits a queue event as the queue does (state change, audit entry, event in one write).
pub async fn commit_ticket_event(app: &TestApp, kind: &'static str, payload: Value) {
    use yiwang_core::service::audit::{self, Actor, Change};
    let now = app.clock.now();
    let ticket = payload["ticket_id"].as_i64().unwrap();
    app.services
        .store
        .write(move |conn| {
            audit::record(
                conn,
                now,
                &Actor::system(),
                Change {
                    payload,
                    ..Change::new("ticket.call", kind, "ticket", ticket)
                },
            )
        })
        .await
        .unwrap();
}

async fn a_queue_call_reaches_the_windows_led_and_the_halls_board_at_once(app: TestApp) {
    let root = app.root_id().await;
    let h = test_hall(&app, root).await;
    let (_, led) = register(
        &app,
        json!({"hall_id": h.hall, "window_id": h.window, "kind": "led_window", "name": "1号屏"}),
    )
    .await;
    let (_, other_led) = register(
        &app,
        json!({"hall_id": h.hall, "window_id": h.window2, "kind": "led_window", "name": "2号屏"}),
    )
    .await;
    let (_, board) = register(
        &app,
        json!({"hall_id": h.hall, "kind": "led_board", "name": "综合屏"}),
    )
    .await;
    for t in [&led, &other_led, &board] {
        hello(&app, t).await;
    }
    let mut worst = Duration::ZERO;
    for (i, kind) in ["ticket.called", "ticket.recalled"].into_iter().enumerate() {
        let polls: Vec<_> = [&led, &board, &other_led]
            .into_iter()
            .map(|t| {
                let (client, url, token) = (
                    app.client.clone(),
                    app.url("/api/v1/device/commands?wait_ms=2000"),
                    t.clone(),
                );
                tokio::spawn(async move {
                    let r = client.get(url).bearer_auth(token).send().await.unwrap();
                    let body: Value = r.json().await.unwrap();
                    (Instant::now(), body)
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(150)).await;
        let payload = json!({"ticket_id": 40 + i, "number": "A007", "hall_id": h.hall,
            "area_id": h.area, "window_id": h.window, "window_number": "1", "status": "called"});
        commit_ticket_event(&app, kind, payload).await;
        let called_at = Instant::now();
        let mut answers = Vec::new();
        for p in polls {
            answers.push(p.await.unwrap());
        }
        for (at, body) in &answers[..2] {
            let c = &body["commands"][0]["command"];
            assert_eq!(c["kind"], "call", "{body:#}");
            assert_eq!(
                (c["number"].as_str(), c["window_number"].as_str()),
                (Some("A007"), Some("1"))
            );
            assert_eq!(c["recall"], kind == "ticket.recalled");
            worst = worst.max(at.duration_since(called_at));
        }
        // The other window's LED is not called: its poll runs out empty.
        assert_eq!(answers[2].1["commands"], json!([]), "{:#}", answers[2].1);
    }
    eprintln!("call → LED long-poll: worst {worst:?}");
    assert!(
        worst < Duration::from_millis(50),
        "the LEDs heard the call after {worst:?}"
    );
    let w = hello(&app, &board).await;
    assert_eq!(
        w.body["state"]["board"][0]["call"]["number"], "A007",
        "{:#}",
        w.body
    );
}
on_each_backend!(
    device_call_bridge,
    a_queue_call_reaches_the_windows_led_and_the_halls_board_at_once
);
