//! The event log: paging by cursor, and the SSE stream with resume.

use std::time::Duration;

use futures_util::StreamExt;

use serde_json::json;
use yiwang_tests::{TestApp, on_each_backend};

async fn events_page_by_cursor_in_order(app: TestApp) {
    let root = app.root_id().await;
    for (code, name) in [("990102", "甲区"), ("990121", "乙县"), ("990122", "丙县")] {
        app.region(code, name, "county", root).await;
    }
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let p = app
            .get(
                &format!("/api/v1/events?after={after}&limit=3"),
                &app.admin_token,
            )
            .await;
        assert_eq!(p.status, 200);
        for e in p.body["items"].as_array().unwrap() {
            seen.push(e["id"].as_i64().unwrap());
        }
        match p.body["next_after"].as_i64() {
            Some(n) => after = n,
            None => break,
        }
    }
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    let all = app.get("/api/v1/events?limit=500", &app.admin_token).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), seen.len());
    let kinds: Vec<_> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "region.created").count(), 4);
}
on_each_backend!(event_paging, events_page_by_cursor_in_order);

/// Reads SSE frames until `n` events arrived; returns their (id, kind).
pub(crate) async fn read_events(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<actix_web::web::Bytes>> + Unpin),
    buf: &mut String,
    n: usize,
) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while out.len() < n {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("events arrive in time")
            .expect("stream open")
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let mut id = None;
            let mut kind = None;
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = v.trim().parse().ok();
                }
                if let Some(v) = line.strip_prefix("event: ") {
                    kind = Some(v.trim().to_owned());
                }
            }
            if let (Some(id), Some(kind)) = (id, kind) {
                out.push((id, kind));
            }
        }
    }
    out
}

async fn the_stream_delivers_live_events_and_resumes_after_a_drop(app: TestApp) {
    let root = app.root_id().await;
    let res = app
        .client
        .get(app.url("/api/v1/events/stream"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut stream = res.bytes_stream();
    let mut buf = String::new();
    app.region("990102", "甲区", "county", root).await;
    let got = read_events(&mut stream, &mut buf, 1).await;
    assert_eq!(got[0].1, "region.created");
    let last = got[0].0;
    drop(stream);

    // While disconnected, more happens.
    app.region("990121", "乙县", "county", root).await;
    app.post(
        "/api/v1/departments",
        &app.admin_token,
        json!({"region_id": root, "code": "SCJ", "name": "市场监督管理局"}),
    )
    .await;

    let res = app
        .client
        .get(app.url("/api/v1/events/stream"))
        .bearer_auth(&app.admin_token)
        .header("Last-Event-ID", last.to_string())
        .send()
        .await
        .unwrap();
    let mut stream = res.bytes_stream();
    let mut buf = String::new();
    let got = read_events(&mut stream, &mut buf, 2).await;
    assert_eq!(got[0].1, "region.created");
    assert_eq!(got[1].1, "department.created");
    assert!(got[0].0 > last && got[1].0 > got[0].0);
}
on_each_backend!(
    sse_resume,
    the_stream_delivers_live_events_and_resumes_after_a_drop
);

async fn the_stream_shows_a_reader_only_their_scope(app: TestApp) {
    let root = app.root_id().await;
    let a = app.region("990102", "甲区", "county", root).await;
    let b = app.region("990121", "乙县", "county", root).await;
    let (_, tok) = app
        .user_with_role("a_watch", a, None, "operator", ("region", Some(a)))
        .await;
    let res = app
        .client
        .get(app.url("/api/v1/events/stream"))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    let mut stream = res.bytes_stream();
    let mut buf = String::new();
    app.post(
        "/api/v1/halls",
        &app.admin_token,
        json!({"region_id": b, "name": "乙县大厅", "address": "x"}),
    )
    .await;
    app.post(
        "/api/v1/halls",
        &app.admin_token,
        json!({"region_id": a, "name": "甲区大厅", "address": "x"}),
    )
    .await;
    let got = read_events(&mut stream, &mut buf, 1).await;
    assert_eq!(got[0].1, "hall.created");
    let hall_a_event = app.get("/api/v1/events?limit=500", &tok).await;
    let visible: Vec<i64> = hall_a_event.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(visible.contains(&got[0].0));
    let all = app.get("/api/v1/events?limit=500", &app.admin_token).await;
    let b_hall = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "hall.created" && e["region_id"] == b)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_ne!(got[0].0, b_hall);
}
on_each_backend!(sse_scope, the_stream_shows_a_reader_only_their_scope);
