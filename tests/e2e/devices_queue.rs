//! Devices with the real queue: a registered kiosk takes a ticket with its own token, a window
//! calls, and the window's LED and the hall's board hear it through their long-polls at once.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use yiwang_tests::{TestApp, on_each_backend};

use crate::devices::register;
use crate::queue::{ITEM, hall_in, sign_in};

async fn a_window_call_reaches_its_led_and_the_board_within_50_ms(app: TestApp) {
    let h = hall_in(&app, "990102", "dq", 1).await;
    let staff = &h.staff[0];
    let (_, kiosk) = register(
        &app,
        json!({"hall_id": h.hall, "kind": "kiosk", "name": "取号机"}),
    )
    .await;
    let (_, led) = register(
        &app,
        json!({"hall_id": h.hall, "window_id": h.windows[0], "kind": "led_window",
               "name": "1号窗口屏"}),
    )
    .await;
    let (_, board) = register(
        &app,
        json!({"hall_id": h.hall, "kind": "led_board", "name": "综合屏"}),
    )
    .await;
    for t in [&kiosk, &led, &board] {
        let w = app
            .post("/api/v1/device/hello", t, json!({"firmware": "1.0"}))
            .await;
        assert_eq!(w.status, 200, "{:#}", w.body);
    }
    // The kiosk takes tickets through the queue with its own device token.
    let mut numbers = Vec::new();
    for _ in 0..2 {
        let t = app
            .post(
                &format!("/api/v1/halls/{}/tickets", h.hall),
                &kiosk,
                json!({"area_id": h.area_a, "channel": "kiosk", "item_code": ITEM}),
            )
            .await;
        assert_eq!(t.status, 201, "{:#}", t.body);
        numbers.push(t.body["number"].as_str().unwrap().to_owned());
    }
    sign_in(&app, staff, h.windows[0]).await;
    let mut worst = Duration::ZERO;
    for (round, action) in ["call-next", "recall"].into_iter().enumerate() {
        let polls: Vec<_> = [&led, &board]
            .into_iter()
            .map(|t| {
                let (client, url, token) = (
                    app.client.clone(),
                    app.url("/api/v1/device/commands?wait_ms=5000"),
                    t.clone(),
                );
                tokio::spawn(async move {
                    let r = client.get(url).bearer_auth(token).send().await.unwrap();
                    (Instant::now(), r.json::<Value>().await.unwrap())
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(150)).await;
        let path = if round == 0 {
            format!("/api/v1/windows/{}/call-next", h.windows[0])
        } else {
            let t = app
                .get(&format!("/api/v1/halls/{}/tickets", h.hall), staff)
                .await;
            let called = t.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["status"] == "called")
                .unwrap()["id"]
                .clone();
            format!("/api/v1/tickets/{called}/recall")
        };
        let c = app.post(&path, staff, json!({})).await;
        assert_eq!(c.status, 200, "{action}: {:#}", c.body);
        let answered = Instant::now();
        for p in polls {
            let (at, body) = p.await.unwrap();
            let cmd = &body["commands"][0]["command"];
            assert_eq!(cmd["kind"], "call", "{body:#}");
            assert_eq!(cmd["number"], numbers[0].as_str());
            assert_eq!(cmd["window_number"], "1");
            assert_eq!(cmd["recall"], round == 1);
            worst = worst.max(at.saturating_duration_since(answered));
        }
    }
    eprintln!("window call → LED long-poll: worst {worst:?} after the call's answer");
    assert!(
        worst < Duration::from_millis(50),
        "the LEDs heard the call after {worst:?}"
    );
}
on_each_backend!(
    device_queue_calls,
    a_window_call_reaches_its_led_and_the_board_within_50_ms
);
