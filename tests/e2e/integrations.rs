//! Integrations (issue 6): connectors deliver the events log to a real HTTP peer started here —
//! healthy, failing a share of requests, timing out, answering garbage — with stable
//! idempotency keys, parking and replay, pause and resume, no loss across a restart in the
//! middle of a run; the province's case shape and reconciliation; inbound messages
//! authenticated by the peer's key, idempotent by its message id, an SMS rating becoming an
//! evaluation.

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use secrecy::SecretString;
use serde_json::{Value, json};
use yiwang_core::config::Secret;
use yiwang_core::service::integrations::{ConnectorConfig, Format};
use yiwang_tests::{TestApp, id_number, on_each_backend, test_config};

/// How the peer answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Mode {
    Healthy,
    /// Fails this share (percent) of requests with a 503, spread evenly.
    Failing(u64),
    /// Answers after 3 s (longer than the connectors' timeout).
    Hanging,
    /// 200 with a body that is not JSON.
    Garbage,
    /// The province: a receipt id per report.
    Province,
    /// Healthy, but each answer takes 50 ms (a run long enough to stop in the middle).
    Slow,
}

/// One request the peer saw.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub(crate) key: String,
    auth: Option<String>,
    pub(crate) body: Value,
    pub(crate) acked: bool,
}

#[derive(Clone)]
pub(crate) struct Peer {
    port: u16,
    mode: Arc<Mutex<Mode>>,
    hits: Arc<Mutex<Vec<Hit>>>,
    pub(crate) handle: ServerHandle,
}

#[derive(Clone)]
struct PeerState {
    mode: Arc<Mutex<Mode>>,
    hits: Arc<Mutex<Vec<Hit>>>,
    count: Arc<AtomicU64>,
}

async fn hook(req: HttpRequest, body: web::Bytes, s: web::Data<PeerState>) -> HttpResponse {
    let n = s.count.fetch_add(1, Ordering::Relaxed);
    let mode = *s.mode.lock().unwrap();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut hit = Hit {
        key: header("idempotency-key").unwrap_or_default(),
        auth: header("authorization"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        acked: false,
    };
    let answer = match mode {
        Mode::Healthy => HttpResponse::Ok().json(json!({"ok": true})),
        // Slow enough that a run of 150 outlasts a server's graceful stop (its jobs finish
        // their current runs first), so the restart test stops it in the middle.
        Mode::Slow => {
            tokio::time::sleep(Duration::from_millis(150)).await;
            HttpResponse::Ok().json(json!({"ok": true}))
        }
        // Spread evenly: request n fails when its share crosses a whole percent.
        Mode::Failing(pct) if (n * pct) % 100 + pct >= 100 => {
            HttpResponse::ServiceUnavailable().body("busy")
        }
        Mode::Failing(_) => HttpResponse::Ok().finish(),
        Mode::Hanging => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            HttpResponse::Ok().finish()
        }
        Mode::Garbage => HttpResponse::Ok().body("<html>oops</html>"),
        Mode::Province => {
            HttpResponse::Ok().json(json!({"code": 0, "receipt_id": format!("SX-{n}")}))
        }
    };
    hit.acked = answer.status().is_success() && mode != Mode::Garbage && mode != Mode::Hanging;
    s.hits.lock().unwrap().push(hit);
    answer
}

impl Peer {
    pub(crate) async fn start(mode: Mode) -> Peer {
        let state = PeerState {
            mode: Arc::new(Mutex::new(mode)),
            hits: Arc::new(Mutex::new(Vec::new())),
            count: Arc::new(AtomicU64::new(0)),
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/hook", web::post().to(hook))
        })
        .workers(2)
        .shutdown_timeout(0)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Peer {
            port,
            mode: state.mode,
            hits: state.hits,
            handle,
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    pub(crate) fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub(crate) fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// Keys the peer acknowledged.
    pub(crate) fn acked(&self) -> BTreeSet<String> {
        self.hits()
            .into_iter()
            .filter(|h| h.acked)
            .map(|h| h.key)
            .collect()
    }
}

pub(crate) fn connector(peer: &Peer, events: &[&str]) -> ConnectorConfig {
    ConnectorConfig {
        format: Format::Webhook,
        endpoint: peer.url(),
        api_key: Some(Secret(SecretString::from("peer-secret"))),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        max_attempts: 50,
        timeout_ms: 300,
        backoff_base_ms: 200,
        backoff_max_ms: 2_000,
        max_in_flight: 8,
        ..Default::default()
    }
}

/// Restarts `app` on its own data with these connectors.
pub(crate) async fn with_connectors(
    app: TestApp,
    connectors: Vec<(&str, ConnectorConfig)>,
) -> TestApp {
    let db = app.stop().await;
    let mut config = test_config(&db);
    for (name, c) in connectors {
        config.integrations.connectors.insert(name.to_owned(), c);
    }
    TestApp::spawn_on(db, config, Vec::new()).await
}

/// Waits (moving the app's clock a second every 50 ms, so back-off delays pass) until `done`.
pub(crate) async fn wait_until(app: &TestApp, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        app.clock.advance(1_000);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn state(app: &TestApp, name: &str) -> Value {
    let a = app
        .get(&format!("/api/v1/connectors/{name}"), &app.admin_token)
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body
}

/// Creates departments (each one `department.created` event); answers their event ids.
async fn departments(app: &TestApp, from: usize, n: usize) -> Vec<i64> {
    let root = app.root_id().await;
    for i in from..from + n {
        let a = app
            .post(
                "/api/v1/departments",
                &app.admin_token,
                json!({"region_id": root, "code": format!("D{i:04}"), "name": format!("部门{i}")}),
            )
            .await;
        assert_eq!(a.status, 201, "{:#}", a.body);
    }
    app.get("/api/v1/events?limit=500", &app.admin_token)
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "department.created")
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

fn keys(name: &str, events: &[i64]) -> BTreeSet<String> {
    events
        .iter()
        .map(|e| format!("yiwang:{name}:{e}"))
        .collect()
}

/// Every repeat of a key carried the same event.
fn repeats_agree(hits: &[Hit]) {
    let mut by_key: BTreeMap<&str, i64> = BTreeMap::new();
    for h in hits {
        let id = h.body["event"]["id"].as_i64().unwrap();
        assert_eq!(h.key, format!("yiwang:hook:{id}"));
        assert_eq!(*by_key.entry(&h.key).or_insert(id), id);
    }
}

async fn healthy_delivery_with_pause_and_resume(app: TestApp) {
    let peer = Peer::start(Mode::Healthy).await;
    let app = with_connectors(app, vec![("hook", connector(&peer, &["department."]))]).await;
    let events = departments(&app, 0, 20).await;
    assert_eq!(events.len(), 20);
    wait_until(&app, "20 deliveries", || {
        peer.acked() == keys("hook", &events)
    })
    .await;
    let hits = peer.hits();
    assert!(
        hits.iter()
            .all(|h| h.auth.as_deref() == Some("Bearer peer-secret"))
    );
    assert_eq!(hits[0].body["event"]["kind"], "department.created");
    repeats_agree(&hits);
    let mut s = state(&app, "hook").await;
    for _ in 0..100 {
        if s["delivered"] == 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        s = state(&app, "hook").await;
    }
    assert_eq!(s["delivered"], 20, "{s:#}");
    assert_eq!(s["backlog"], 0);
    assert_eq!(s["format"], "webhook");

    // Paused: events are taken in and wait; nothing goes out until resumed.
    let paused = app
        .post("/api/v1/connectors/hook/pause", &app.admin_token, json!({}))
        .await;
    assert_eq!(paused.status, 200, "{:#}", paused.body);
    assert_eq!(paused.body["paused"], true);
    let before = peer.hits().len();
    let all = departments(&app, 100, 5).await;
    let mut s = state(&app, "hook").await;
    for _ in 0..100 {
        if s["backlog"] == 5 {
            break;
        }
        app.clock.advance(1_000);
        tokio::time::sleep(Duration::from_millis(50)).await;
        s = state(&app, "hook").await;
    }
    assert_eq!(s["backlog"], 5, "{s:#}");
    // The lag is the age of the oldest waiting event.
    app.clock.advance(3_000);
    let s = state(&app, "hook").await;
    assert!(s["lag_seconds"].as_f64().unwrap() >= 3.0, "{s:#}");
    assert_eq!(peer.hits().len(), before, "a paused connector sent");
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("yiwang_connector_backlog{connector=\"hook\"}"),
        "no backlog gauge"
    );
    assert!(metrics.contains("yiwang_connector_lag_seconds{connector=\"hook\"}"));
    let resumed = app
        .post(
            "/api/v1/connectors/hook/resume",
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(resumed.body["paused"], false);
    wait_until(&app, "the 5 after resume", || {
        peer.acked() == keys("hook", &all)
    })
    .await;

    // Operators only: a window clerk may neither read nor pause.
    let root = app.root_id().await;
    let (_, clerk) = app
        .user_with_role("clerk", root, None, "window_staff", ("region", Some(root)))
        .await;
    app.get("/api/v1/connectors", &clerk)
        .await
        .assert_problem(403, "forbidden");
    app.post("/api/v1/connectors/hook/pause", &clerk, json!({}))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/connectors/nope", &app.admin_token)
        .await
        .assert_problem(404, "not_found");
    peer.handle.stop(false).await;
}

on_each_backend!(
    a_healthy_peer_gets_every_event_and_pause_holds_them,
    healthy_delivery_with_pause_and_resume
);

async fn flaky_peer(app: TestApp) {
    let peer = Peer::start(Mode::Failing(30)).await;
    let app = with_connectors(app, vec![("hook", connector(&peer, &["department."]))]).await;
    let events = departments(&app, 0, 40).await;
    wait_until(&app, "everything through a 30% failing peer", || {
        peer.acked() == keys("hook", &events)
    })
    .await;
    let hits = peer.hits();
    let failed = hits.iter().filter(|h| !h.acked).count();
    assert!(failed >= 10, "only {failed} failures in {}", hits.len());
    repeats_agree(&hits);
    peer.handle.stop(false).await;
}

on_each_backend!(a_peer_failing_30_percent_still_gets_everything, flaky_peer);

async fn parking_and_replay(app: TestApp) {
    let hanging = Peer::start(Mode::Hanging).await;
    let junk = Peer::start(Mode::Garbage).await;
    let healthy = Peer::start(Mode::Healthy).await;
    let short = |p: &Peer| ConnectorConfig {
        max_attempts: 2,
        ..connector(p, &["department."])
    };
    let app = with_connectors(
        app,
        vec![
            ("slow", short(&hanging)),
            ("junk", short(&junk)),
            ("hook", connector(&healthy, &["department."])),
        ],
    )
    .await;
    let events = departments(&app, 0, 6).await;
    // The dead peers hold up only their own connectors.
    wait_until(&app, "the healthy peer", || {
        healthy.acked() == keys("hook", &events)
    })
    .await;
    let parked = |name: &'static str| {
        let app = &app;
        async move {
            app.get(
                &format!("/api/v1/connectors/{name}/parked"),
                &app.admin_token,
            )
            .await
            .body["items"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let start = Instant::now();
    while parked("slow").await.len() < 6 || parked("junk").await.len() < 6 {
        assert!(start.elapsed() < Duration::from_secs(60), "nothing parked");
        app.clock.advance(1_000);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let slow = parked("slow").await;
    assert_eq!(slow[0]["attempts"], 2);
    assert!(
        slow[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("no answer within 300 ms"),
        "{slow:#?}"
    );
    let garbage = parked("junk").await;
    assert!(
        garbage[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("not JSON")
    );
    assert_eq!(garbage[0]["status"], "parked");
    assert_eq!(junk.hits().len(), 12, "two tries per event");
    let s = state(&app, "junk").await;
    assert_eq!(
        (s["parked"].as_i64(), s["backlog"].as_i64()),
        (Some(6), Some(0))
    );

    // The peer is fixed: one replayed by its event, then the rest.
    junk.set(Mode::Healthy);
    let one = app
        .post(
            &format!("/api/v1/connectors/junk/replay?event_id={}", events[0]),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(one.status, 200, "{:#}", one.body);
    assert_eq!(one.body["replayed"], 1);
    wait_until(&app, "the replayed one", || junk.acked().len() == 1).await;
    app.post(
        "/api/v1/connectors/junk/replay?event_id=999999",
        &app.admin_token,
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    let all = app
        .post(
            "/api/v1/connectors/junk/replay",
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(all.body["replayed"], 5);
    wait_until(&app, "every replay", || {
        junk.acked() == keys("junk", &events)
    })
    .await;
    // Repeats after the replay carried the keys of the first tries.
    let first: BTreeSet<String> = junk.hits()[..12].iter().map(|h| h.key.clone()).collect();
    assert_eq!(first, keys("junk", &events));
    for p in [hanging, junk, healthy] {
        p.handle.stop(false).await;
    }
}

on_each_backend!(
    a_peer_that_times_out_or_answers_garbage_is_parked_then_replayed,
    parking_and_replay
);

async fn restart_mid_run(app: TestApp) {
    let peer = Peer::start(Mode::Slow).await;
    let cfg = || connector(&peer, &["department."]);
    let app = with_connectors(app, vec![("hook", cfg())]).await;
    let events = departments(&app, 0, 150).await;
    assert_eq!(events.len(), 150);
    let start = Instant::now();
    while peer.hits().len() < 20 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the run did not start"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Stopped in the middle of the run: in-flight requests are abandoned unrecorded.
    let db = app.stop().await;
    let seen = peer.acked().len();
    assert!(seen < 150, "the run was over before the stop");
    let mut config = test_config(&db);
    config.integrations.connectors.insert("hook".into(), cfg());
    let app = TestApp::spawn_on(db, config, Vec::new()).await;
    wait_until(&app, "every event after the restart", || {
        peer.acked() == keys("hook", &events)
    })
    .await;
    repeats_agree(&peer.hits());
    peer.handle.stop(false).await;
}

on_each_backend!(
    a_restart_in_the_middle_of_a_run_loses_nothing,
    restart_mid_run
);

async fn province_and_sms_replies(app: TestApp) {
    let province = Peer::start(Mode::Province).await;
    let sms = Peer::start(Mode::Healthy).await;
    let pre = app.root_id().await;
    let (_, _) = app
        .user_with_role(
            "sms_gateway",
            pre,
            None,
            "integration",
            ("region", Some(pre)),
        )
        .await;
    let app = with_connectors(
        app,
        vec![
            (
                "province",
                ConnectorConfig {
                    format: Format::ProvinceCases,
                    system_code: "SX-YW".into(),
                    ..connector(&province, &[])
                },
            ),
            (
                "sms",
                ConnectorConfig {
                    inbound_user: Some("sms_gateway".into()),
                    ..connector(&sms, &["case."])
                },
            ),
        ],
    )
    .await;
    let c = crate::complaints::county(&app).await;
    wait_until(&app, "the case report", || !province.acked().is_empty()).await;
    let report = province.hits()[0].body.clone();
    assert_eq!(report["sys_code"], "SX-YW");
    assert_eq!(report["event_type"], "case.submitted");
    assert_eq!(report["case"]["item_code"], "11350100MB0001-001");
    assert_eq!(report["case"]["applicant"]["name"], "张*");
    let idn = id_number("11010519491231002");
    assert_eq!(
        report["case"]["applicant"]["id_number"],
        format!("110105********{}", &idn[14..])
    );
    assert!(!report.to_string().contains(&idn));
    assert!(!report["case"]["steps"].as_array().unwrap().is_empty());
    let case = app
        .get(&format!("/api/v1/cases/{}", c.case_id), &app.admin_token)
        .await;
    assert_eq!(report["case"]["case_no"], case.body["case_no"]);

    // Reconciliation: everything sent was acknowledged with a receipt.
    let mut r = Value::Null;
    for _ in 0..100 {
        r = app
            .get(
                "/api/v1/connectors/province/reconciliation",
                &app.admin_token,
            )
            .await
            .body;
        if r["acknowledged"].as_i64() > Some(0) && r["owed"] == r["acknowledged"] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(r["owed"], r["acknowledged"], "{r:#}");
    assert_eq!(r["unacknowledged"].as_array().unwrap().len(), 0);
    app.get(
        "/api/v1/connectors/province/reconciliation?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z",
        &app.admin_token,
    )
    .await
    .assert_problem(422, "validation_failed");

    // The SMS gateway's reply to the case's message becomes an evaluation.
    wait_until(&app, "the SMS message", || !sms.acked().is_empty()).await;
    let reference = sms.hits()[0].key.clone();
    let gateway = app.login("sms_gateway", "sms_gateway-password").await;
    let reply = json!({"message_id": "gw-0001", "reference": reference, "text": " 5 "});
    let url = "/api/v1/connectors/sms/inbound";
    app.post(url, "yw_not_a_key", reply.clone())
        .await
        .assert_problem(401, "unauthorized");
    app.post(url, &c.hotline, reply.clone())
        .await
        .assert_problem(403, "forbidden");
    let first = app.post(url, &gateway, reply.clone()).await;
    assert_eq!(first.status, 201, "{:#}", first.body);
    assert_eq!(first.body["status"], "applied");
    let evaluation = first.body["evaluation_id"].as_i64().unwrap();
    let again = app.post(url, &gateway, reply).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body);
    let junk = app
        .post(
            url,
            &gateway,
            json!({"message_id": "gw-0002", "reference": reference, "text": "谢谢"}),
        )
        .await;
    assert_eq!(junk.status, 201);
    assert_eq!(junk.body["status"], "ignored");
    let (stored, ratings) = app
        .services
        .store
        .read(|conn| {
            use diesel::prelude::*;
            use yiwang_core::store::schema::{evaluations, inbound_messages};
            let stored: i64 = inbound_messages::table
                .filter(inbound_messages::message_id.eq("gw-0001"))
                .count()
                .get_result(conn)?;
            let ratings: Vec<(i64, i64, Option<i64>)> = evaluations::table
                .select((evaluations::id, evaluations::rating, evaluations::case_id))
                .load(conn)?;
            Ok((stored, ratings))
        })
        .await
        .unwrap();
    assert_eq!(stored, 1);
    assert_eq!(ratings, vec![(evaluation, 5, Some(c.case_id))]);
    province.handle.stop(false).await;
    sms.handle.stop(false).await;
}

on_each_backend!(
    cases_reach_the_province_and_sms_replies_become_evaluations,
    province_and_sms_replies
);

/// One message the test's SMTP listener was offered: accepted or refused, with its data.
#[derive(Debug, Clone)]
struct Mail {
    rcpt: Vec<String>,
    data: String,
    accepted: bool,
}

/// A real SMTP listener on a free port that refuses the first `refuse` messages after their
/// DATA (451, try later) and accepts the rest.
async fn smtp_listener(refuse: usize) -> (u16, Arc<Mutex<Vec<Mail>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let seen = mails.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let mails = seen.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 test ESMTP\r\n").await;
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let answer: &[u8] = if upper.starts_with("RCPT TO") {
                        rcpt.push(line[8..].trim().to_owned());
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        let _ = write.write_all(b"354 end with .\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        let mut all = mails.lock().unwrap();
                        let accepted = all.len() >= refuse;
                        all.push(Mail {
                            rcpt: std::mem::take(&mut rcpt),
                            data,
                            accepted,
                        });
                        if accepted {
                            b"250 queued\r\n"
                        } else {
                            b"451 try again later\r\n"
                        }
                    } else if upper == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    if write.write_all(answer).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, mails)
}

fn message_id(data: &str) -> String {
    data.lines()
        .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
        .unwrap_or_default()
        .to_owned()
}

async fn notices_through_the_outbox(app: TestApp) {
    let (port, mails) = smtp_listener(1).await;
    let db = app.stop().await;
    let mut config = test_config(&db);
    config.notify.smtp.enabled = true;
    config.notify.smtp.port = port;
    config.notify.smtp.from = "督察处 <office@example.gov.cn>".into();
    config.notify.smtp.office = vec!["office@example.gov.cn".into()];
    let app = TestApp::spawn_on(db, config, Vec::new()).await;
    let c = crate::complaints::county(&app).await;
    let issued = app
        .post(
            "/api/v1/supervision/orders",
            &c.office,
            json!({"case_id": c.case_id, "addressee": "李四", "content": "请说明受理进度",
                   "reply_days": 1, "notify": ["lisi@example.gov.cn"]}),
        )
        .await;
    assert_eq!(issued.status, 201, "{:#}", issued.body);
    let order_no = issued.body["order_no"].as_str().unwrap().to_owned();
    // The relay refuses the first try; the outbox tries again with the same Message-ID.
    wait_until(&app, "the notice accepted", || {
        mails.lock().unwrap().iter().any(|m| m.accepted)
    })
    .await;
    let all = mails.lock().unwrap().clone();
    assert_eq!(all.len(), 2, "{all:#?}");
    assert!(!all[0].accepted);
    let accepted = &all[1];
    assert_eq!(
        accepted.rcpt,
        ["<lisi@example.gov.cn>", "<office@example.gov.cn>"]
    );
    assert!(accepted.data.contains(&order_no), "{}", accepted.data);
    let id = message_id(&accepted.data);
    assert!(id.contains("yiwang.email."), "{}", accepted.data);
    assert_eq!(message_id(&all[0].data), id);
    let connectors = app.get("/api/v1/connectors", &app.admin_token).await;
    let email = connectors.body.as_array().unwrap()[0].clone();
    assert_eq!(email["name"], "email");
    assert_eq!(email["format"], "email");
}

on_each_backend!(
    email_notices_go_through_the_outbox_and_survive_a_refusing_relay,
    notices_through_the_outbox
);
