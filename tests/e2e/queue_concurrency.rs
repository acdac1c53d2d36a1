//! Windows calling at the same moment — on one server, and through two servers on one
//! PostgreSQL database — never get the same ticket; numbers taken through both never repeat.

use std::collections::HashSet;

use serde_json::json;
use yiwang_tests::{TestApp, on_each_backend};

use crate::queue::{Hall, act, created, hall_in, sign_in, take};

/// Adds windows in area A to reach `n` in all; returns every window of area A.
async fn windows_in_a(app: &TestApp, h: &Hall, n: usize) -> Vec<i64> {
    let mut ids = vec![h.windows[0], h.windows[1]];
    for k in ids.len()..n {
        ids.push(created(
            &app.post(
                &format!("/api/v1/halls/{}/windows", h.hall),
                &app.admin_token,
                json!({"area_id": h.area_a, "number": format!("A{k}"), "name": format!("{k}号")}),
            )
            .await,
        ));
    }
    ids
}

/// Every staff member at their window calls, serves and finishes until nothing waits, all at
/// once (worker `i` talks to `apps[i % apps.len()]`); returns the ticket ids each got.
async fn call_until_empty(apps: &[&TestApp], windows: &[i64], staff: &[String]) -> Vec<i64> {
    let workers = windows.iter().zip(staff).enumerate().map(|(i, (w, tok))| {
        let app = apps[i % apps.len()];
        async move {
            let mut got = Vec::new();
            loop {
                let a = app
                    .post(&format!("/api/v1/windows/{w}/call-next"), tok, json!({}))
                    .await;
                if a.status == 409 {
                    assert!(
                        a.body["detail"]
                            .as_str()
                            .unwrap()
                            .contains("no ticket waits"),
                        "{:#}",
                        a.body
                    );
                    break;
                }
                assert_eq!(a.status, 200, "{:#}", a.body);
                act(app, tok, &a.body, "serve", json!({})).await;
                act(app, tok, &a.body, "finish", json!({})).await;
                got.push(a.body["id"].as_i64().unwrap());
            }
            got
        }
    });
    futures_util::future::join_all(workers)
        .await
        .into_iter()
        .flatten()
        .collect()
}

async fn windows_calling_at_the_same_moment_never_get_the_same_ticket(app: TestApp) {
    let h = hall_in(&app, "990102", "a", 6).await;
    let windows = windows_in_a(&app, &h, 6).await;
    let mut taken = HashSet::new();
    for _ in 0..40 {
        taken.insert(
            take(&app, &h, h.area_a, json!({})).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    for (w, tok) in windows.iter().zip(&h.staff) {
        sign_in(&app, tok, *w).await;
    }
    let got = call_until_empty(&[&app], &windows, &h.staff).await;
    let distinct: HashSet<i64> = got.iter().copied().collect();
    assert_eq!(
        got.len(),
        distinct.len(),
        "a ticket was called twice: {got:?}"
    );
    assert_eq!(distinct, taken);
}
on_each_backend!(
    concurrent_calls,
    windows_calling_at_the_same_moment_never_get_the_same_ticket
);

/// Two `yiwang serve` nodes on one PostgreSQL database: windows calling through either node
/// never share a ticket, and take-ticket numbers never repeat.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_postgres_never_hand_out_a_ticket_twice() {
    let Some((one, two)) = TestApp::two_nodes_on_postgres().await else {
        return;
    };
    let h = hall_in(&one, "990102", "a", 8).await;
    let windows = windows_in_a(&one, &h, 8).await;
    // Tickets taken through both nodes at once: no number twice.
    let takers = (0..60).map(|i| {
        let app = if i % 2 == 0 { &one } else { &two };
        let (hall, kiosk, area) = (h.hall, h.kiosk.clone(), h.area_a);
        async move {
            let a = app
                .post(
                    &format!("/api/v1/halls/{hall}/tickets"),
                    &kiosk,
                    json!({"area_id": area, "channel": "api"}),
                )
                .await;
            assert_eq!(a.status, 201, "{:#}", a.body);
            (
                a.body["id"].as_i64().unwrap(),
                a.body["number"].as_str().unwrap().to_owned(),
            )
        }
    });
    let tickets = futures_util::future::join_all(takers).await;
    let numbers: HashSet<&String> = tickets.iter().map(|(_, n)| n).collect();
    assert_eq!(numbers.len(), 60, "a number was given twice");
    for (w, tok) in windows.iter().zip(&h.staff) {
        sign_in(&one, tok, *w).await;
    }
    let got = call_until_empty(&[&one, &two], &windows, &h.staff).await;
    let distinct: HashSet<i64> = got.iter().copied().collect();
    assert_eq!(
        got.len(),
        distinct.len(),
        "a ticket was called twice: {got:?}"
    );
    assert_eq!(distinct, tickets.iter().map(|(id, _)| *id).collect());
    drop(two);
}
