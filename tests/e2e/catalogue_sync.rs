//! Provincial catalogue sync and double publicity (R-2.2.1.6), each against a real
//! HTTP peer started here on a free port (acknowledging, failing, hanging, answering garbage):
//! items reach the province in its shape; the province's clean changes become new versions
//! through the change path, its changes to items changed here become conflicts an operator
//! resolves; licensing decisions reach the credit platform in the department's fields, the
//! platform's validation shows on the case, and a missed deadline gets its red card.

use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use reqwest::Method;
use serde_json::{Value, json};
use yiwang_core::service::integrations::{ConnectorConfig, Format};
use yiwang_core::service::publicity;
use yiwang_tests::{TestApp, id_number, on_each_backend, test_config};

/// How the peer answers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// 200 with a receipt id.
    Receipt,
    /// 503 for the first `n` requests, then receipts.
    FailFirst(u64),
    /// 200 with a body that is not JSON.
    Garbage,
    /// Answers after 3 s (longer than the connector's timeout).
    Hanging,
}

#[derive(Debug, Clone)]
struct Hit {
    key: String,
    body: Value,
    acked: bool,
}

#[derive(Clone)]
struct PeerState {
    mode: Arc<Mutex<Mode>>,
    hits: Arc<Mutex<Vec<Hit>>>,
    count: Arc<AtomicU64>,
}

struct Peer {
    port: u16,
    state: PeerState,
    handle: ServerHandle,
}

async fn answer(req: HttpRequest, body: web::Bytes, s: web::Data<PeerState>) -> HttpResponse {
    let n = s.count.fetch_add(1, Ordering::Relaxed);
    let mode = *s.mode.lock().unwrap();
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let receipt = || HttpResponse::Ok().json(json!({"code": 0, "receipt_id": format!("R-{n}")}));
    let (resp, acked) = match mode {
        Mode::Receipt => (receipt(), true),
        Mode::FailFirst(k) if n < k => (HttpResponse::ServiceUnavailable().body("busy"), false),
        Mode::FailFirst(_) => (receipt(), true),
        Mode::Garbage => (HttpResponse::Ok().body("<html>oops</html>"), false),
        Mode::Hanging => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            (receipt(), false)
        }
    };
    s.hits.lock().unwrap().push(Hit {
        key,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        acked,
    });
    resp
}

impl Peer {
    async fn start(mode: Mode) -> Peer {
        let state = PeerState {
            mode: Arc::new(Mutex::new(mode)),
            hits: Arc::default(),
            count: Arc::default(),
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/peer", web::post().to(answer))
        })
        .workers(1)
        .shutdown_timeout(0)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Peer {
            port,
            state,
            handle,
        }
    }

    fn set(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().unwrap().clone()
    }

    fn acked(&self) -> Vec<Hit> {
        self.hits().into_iter().filter(|h| h.acked).collect()
    }

    fn connector(&self, format: Format, inbound_user: &str) -> ConnectorConfig {
        ConnectorConfig {
            format,
            endpoint: format!("http://127.0.0.1:{}/peer", self.port),
            system_code: "990100-YW".into(),
            inbound_user: Some(inbound_user.into()),
            max_attempts: 50,
            timeout_ms: 300,
            backoff_base_ms: 200,
            backoff_max_ms: 2_000,
            max_in_flight: 4,
            ..Default::default()
        }
    }
}

/// Restarts `app` on its own data with these connectors.
async fn with_connectors(app: TestApp, connectors: Vec<(&str, ConnectorConfig)>) -> TestApp {
    let db = app.stop().await;
    let mut config = test_config(&db);
    for (name, c) in connectors {
        config.integrations.connectors.insert(name.to_owned(), c);
    }
    TestApp::spawn_on(db, config, Vec::new()).await
}

/// Waits (moving the app's clock a second every 50 ms, so back-off delays pass) until `done`.
async fn wait_until(app: &TestApp, what: &str, mut done: impl FnMut() -> bool) {
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

/// Waits until the connector has settled `n` deliveries (sent, or owed nothing).
async fn delivered(app: &TestApp, connector: &str, n: i64) {
    let start = Instant::now();
    loop {
        let s = app
            .get(&format!("/api/v1/connectors/{connector}"), &app.admin_token)
            .await
            .body;
        if s["delivered"].as_i64() >= Some(n) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{connector} never delivered {n}: {s:#}"
        );
        app.clock.advance(1_000);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn content(code: &str, name: &str, promised: u32) -> Value {
    json!({
        "item_code": code, "name": name, "item_type": "licensing",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "legal_limit_days": 20, "promised_limit_days": promised,
        "fee": {"kind": "none"},
        "materials": [{"name": "营业执照", "required": true}],
        "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 10}],
        "online": true, "delivery_modes": ["window"]
    })
}

/// County A (code 990102) with department SCJ and its catalogue admin; county B's admin.
struct Place {
    region: i64,
    department: i64,
    admin_a: String,
    admin_b: String,
    clerk_a: String,
    clerk_b: String,
}

async fn place(app: &TestApp) -> Place {
    let root = app.root_id().await;
    let region = app.region("990102", "甲区", "county", root).await;
    let b = app.region("990121", "乙县", "county", root).await;
    let d = app
        .post(
            "/api/v1/departments",
            &app.admin_token,
            json!({"region_id": region, "code": "SCJ", "name": "甲区市场监督管理局"}),
        )
        .await;
    assert_eq!(d.status, 201, "{:#}", d.body);
    let scope = ("region", Some(region));
    let (_, admin_a) = app
        .user_with_role("cat_a", region, None, "catalogue_admin", scope)
        .await;
    let (_, admin_b) = app
        .user_with_role("cat_b", b, None, "catalogue_admin", ("region", Some(b)))
        .await;
    let (_, clerk_a) = app
        .user_with_role("clerk_a", region, None, "window_staff", scope)
        .await;
    let (_, clerk_b) = app
        .user_with_role("clerk_b", b, None, "window_staff", ("region", Some(b)))
        .await;
    Place {
        region,
        department: d.body["id"].as_i64().unwrap(),
        admin_a,
        admin_b,
        clerk_a,
        clerk_b,
    }
}

async fn items(app: &TestApp, code: &str) -> Vec<Value> {
    let a = app
        .get(
            &format!("/api/v1/catalogue/items?item_code={code}"),
            &app.admin_token,
        )
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let mut v = a.body["items"].as_array().unwrap().clone();
    v.sort_by_key(|i| i["version"].as_i64());
    v
}

fn change(id: &str, code: &str, name: &str) -> Value {
    json!({"message_id": id, "action": "change", "region_code": "990102", "item_code": code,
           "content": content(code, name, 5)})
}

/// The audit entries of an action: (actor, entity id).
async fn audit(app: &TestApp, action: &'static str) -> Vec<(String, i64)> {
    app.services
        .store
        .read(move |conn| {
            use diesel::prelude::*;
            use yiwang_core::store::schema::audit_log;
            Ok(audit_log::table
                .filter(audit_log::action.eq(action))
                .order(audit_log::id.asc())
                .select((audit_log::actor, audit_log::entity_id))
                .load(conn)?)
        })
        .await
        .unwrap()
}

const CHANGES: &str = "/api/v1/connectors/catalogue/catalogue-changes";

async fn inbound_count(app: &TestApp) -> i64 {
    app.services
        .store
        .read(|conn| {
            use diesel::prelude::*;
            use yiwang_core::store::schema::inbound_messages;
            Ok(inbound_messages::table.count().get_result(conn)?)
        })
        .await
        .unwrap()
}

async fn items_reach_the_province_and_its_clean_changes_are_applied(app: TestApp) {
    let peer = Peer::start(Mode::FailFirst(1)).await;
    let root = app.root_id().await;
    app.user_with_role(
        "province_sync",
        root,
        None,
        "integration",
        ("region", Some(root)),
    )
    .await;
    let app = with_connectors(
        app,
        vec![(
            "catalogue",
            peer.connector(Format::ProvinceCatalogue, "province_sync"),
        )],
    )
    .await;
    let p = place(&app).await;
    let province = app.login("province_sync", "province_sync-password").await;
    app.published_item(p.region, p.department, content("SJ-001", "食品经营许可", 5))
        .await;
    // The first try fails (503); the retry carries the same key and is acknowledged.
    wait_until(&app, "the item at the province", || {
        !peer.acked().is_empty()
    })
    .await;
    let hits = peer.hits();
    assert_eq!(hits[0].key, hits[1].key);
    let sent = &hits[1].body;
    assert_eq!(sent["sys_code"], "990100-YW");
    assert_eq!(sent["event_type"], "item.published");
    assert_eq!(sent["sync_id"], hits[1].key);
    let item = &sent["item"];
    assert_eq!(
        (
            &item["item_code"],
            &item["region_code"],
            &item["department_code"]
        ),
        (&json!("SJ-001"), &json!("990102"), &json!("SCJ"))
    );
    assert_eq!(
        (&item["version"], &item["status"]),
        (&json!(1), &json!("published"))
    );
    assert_eq!(item["content"]["name"], "食品经营许可");
    delivered(&app, "catalogue", 1).await;

    // A clean change of the province: a new version through the change path, by its user.
    let first = app
        .post(
            CHANGES,
            &province,
            change("P-1", "SJ-001", "食品经营许可(含网络)"),
        )
        .await;
    assert_eq!(first.status, 201, "{:#}", first.body);
    assert_eq!(first.body["status"], "applied", "{:#}", first.body);
    let v = items(&app, "SJ-001").await;
    assert_eq!(v.len(), 2);
    assert_eq!(
        (&v[0]["status"], &v[1]["status"]),
        (&json!("retired"), &json!("published"))
    );
    assert_eq!(v[1]["change_kind"], "change");
    assert_eq!(v[1]["lineage"], json!([v[0]["id"]]));
    assert_eq!(v[1]["content"]["name"], "食品经营许可(含网络)");
    let v2 = v[1]["id"].as_i64().unwrap();
    let by_province = ("province_sync".to_owned(), v2);
    assert!(audit(&app, "item.draft").await.contains(&by_province));
    assert!(audit(&app, "item.publish").await.contains(&by_province));
    // A repeat is answered as the first and applied once.
    let again = app
        .post(
            CHANGES,
            &province,
            change("P-1", "SJ-001", "食品经营许可(含网络)"),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body);
    assert_eq!(items(&app, "SJ-001").await.len(), 2);
    // The province's own change is not sent back to it (nor the superseded retirement).
    delivered(&app, "catalogue", 3).await;
    assert_eq!(peer.acked().len(), 1, "{:#?}", peer.hits());

    // What the catalogue's checks refuse is stored and answered `rejected`; nothing changes.
    let bad = app
        .post(
            CHANGES,
            &province,
            json!({"message_id": "P-2", "action": "change", "region_code": "990102",
                   "item_code": "SJ-001", "content": content("SJ-001", "食品经营许可", 30)}),
        )
        .await;
    assert_eq!(bad.status, 201, "{:#}", bad.body);
    assert_eq!(bad.body["status"], "rejected");
    assert!(
        bad.body["reason"]
            .as_str()
            .unwrap()
            .contains("promised_limit_days")
    );
    assert_eq!(items(&app, "SJ-001").await.len(), 2);

    // Malformed changes are 422 and not even stored; strangers are refused.
    let stored = inbound_count(&app).await;
    let mut unknown = change("P-3", "SJ-001", "x");
    unknown["region_code"] = json!("000000");
    app.post(CHANGES, &province, unknown)
        .await
        .assert_problem(422, "validation_failed");
    let mut mismatch = change("P-4", "SJ-001", "x");
    mismatch["item_code"] = json!("SJ-002");
    app.post(CHANGES, &province, mismatch)
        .await
        .assert_problem(422, "validation_failed");
    let new_without_department = app
        .post(CHANGES, &province, change("P-5", "SJ-009", "新事项"))
        .await;
    assert_eq!(new_without_department.body["status"], "rejected");
    assert_eq!(inbound_count(&app).await, stored + 1);
    app.post(CHANGES, "yw_not_a_key", change("P-6", "SJ-001", "x"))
        .await
        .assert_problem(401, "unauthorized");
    app.post(CHANGES, &p.admin_a, change("P-6", "SJ-001", "x"))
        .await
        .assert_problem(403, "forbidden");

    // A new item of the province, then its cancellation.
    let mut new = change("P-7", "SJ-002", "食品生产许可");
    new["department_code"] = json!("SCJ");
    let applied = app.post(CHANGES, &province, new).await;
    assert_eq!(applied.body["status"], "applied", "{:#}", applied.body);
    let cancel = app
        .post(
            CHANGES,
            &province,
            json!({"message_id": "P-8", "action": "cancel", "region_code": "990102",
                   "item_code": "SJ-002"}),
        )
        .await;
    assert_eq!(cancel.body["status"], "applied", "{:#}", cancel.body);
    let v = items(&app, "SJ-002").await;
    assert_eq!(v.len(), 2);
    assert_eq!(v[1]["change_kind"], "cancel");
    assert!(v.iter().all(|i| i["status"] == "retired"), "{v:#?}");
    peer.handle.stop(false).await;
}

on_each_backend!(
    items_reach_the_province_and_its_clean_changes_become_versions,
    items_reach_the_province_and_its_clean_changes_are_applied
);

async fn open_conflicts(app: &TestApp, token: &str) -> Vec<Value> {
    let a = app
        .get("/api/v1/catalogue/sync-conflicts?status=open", token)
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["items"].as_array().unwrap().clone()
}

/// Drafts the next version of the published `id` with `name` and publishes it, as `token`.
async fn local_change(app: &TestApp, token: &str, id: i64, code: &str, name: &str) -> i64 {
    let d = app
        .post(
            "/api/v1/catalogue/changes",
            token,
            json!({"kind": "change", "sources": [id], "items": [{"content": content(code, name, 5)}]}),
        )
        .await;
    assert_eq!(d.status, 201, "{:#}", d.body);
    let new = d.body[0]["id"].as_i64().unwrap();
    let p = app
        .post(
            &format!("/api/v1/catalogue/items/{new}/publish"),
            token,
            json!({}),
        )
        .await;
    assert_eq!(p.status, 200, "{:#}", p.body);
    new
}

async fn conflicts_wait_for_an_operator(app: TestApp) {
    let peer = Peer::start(Mode::Receipt).await;
    let root = app.root_id().await;
    app.user_with_role(
        "province_sync",
        root,
        None,
        "integration",
        ("region", Some(root)),
    )
    .await;
    let app = with_connectors(
        app,
        vec![(
            "catalogue",
            peer.connector(Format::ProvinceCatalogue, "province_sync"),
        )],
    )
    .await;
    let p = place(&app).await;
    let province = app.login("province_sync", "province_sync-password").await;
    let v1 = app
        .published_item(p.region, p.department, content("SJ-001", "食品经营许可", 5))
        .await;
    delivered(&app, "catalogue", 1).await;

    // Changed here while the province answers garbage: the province has not seen version 2.
    peer.set(Mode::Garbage);
    let v2 = local_change(&app, &p.admin_a, v1, "SJ-001", "食品经营许可(本地)").await;
    wait_until(&app, "a garbage answer", || {
        peer.hits().iter().any(|h| h.body["item"]["version"] == 2)
    })
    .await;
    let c = app
        .post(
            CHANGES,
            &province,
            change("P-1", "SJ-001", "食品经营许可(省)"),
        )
        .await;
    assert_eq!(c.status, 201, "{:#}", c.body);
    assert_eq!(c.body["status"], "conflict", "{:#}", c.body);
    let v = items(&app, "SJ-001").await;
    assert_eq!(v.len(), 2, "a conflict is never applied");
    assert_eq!(v[1]["content"]["name"], "食品经营许可(本地)");
    let open = open_conflicts(&app, &p.admin_a).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["theirs"]["name"], "食品经营许可(省)");
    assert_eq!(open[0]["ours"]["name"], "食品经营许可(本地)");
    assert_eq!(
        (&open[0]["local_version"], &open[0]["synced_version"]),
        (&json!(2), &json!(1))
    );
    // A later change of the province supersedes the open conflict.
    let c2 = app
        .post(
            CHANGES,
            &province,
            change("P-2", "SJ-001", "食品经营许可(省二)"),
        )
        .await;
    assert_eq!(c2.body["status"], "conflict");
    let open = open_conflicts(&app, &p.admin_a).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["theirs"]["name"], "食品经营许可(省二)");
    let id = open[0]["id"].as_i64().unwrap();
    let all = app
        .get("/api/v1/catalogue/sync-conflicts", &p.admin_a)
        .await
        .body;
    assert_eq!(all["items"][0]["status"], "superseded");

    // Another county sees nothing and cannot resolve it; a reader may not resolve.
    assert!(open_conflicts(&app, &p.admin_b).await.is_empty());
    let resolve = format!("/api/v1/catalogue/sync-conflicts/{id}/resolve");
    app.post(&resolve, &p.admin_b, json!({"take": "ours"}))
        .await
        .assert_problem(404, "not_found");
    app.post(&resolve, &p.clerk_a, json!({"take": "ours"}))
        .await
        .assert_problem(403, "forbidden");
    app.post(&resolve, &p.admin_a, json!({"take": "mine"}))
        .await
        .assert_problem(400, "malformed_request");

    // Keep ours: version 2 goes to the province again; once acknowledged, changes are clean.
    peer.set(Mode::Receipt);
    let kept = app
        .post(&resolve, &p.admin_a, json!({"take": "ours"}))
        .await;
    assert_eq!(kept.status, 200, "{:#}", kept.body);
    assert_eq!(
        (&kept.body["status"], &kept.body["resolved_by"]),
        (&json!("ours"), &json!("cat_a"))
    );
    app.post(&resolve, &p.admin_a, json!({"take": "theirs"}))
        .await
        .assert_problem(409, "conflict");
    wait_until(&app, "the kept version at the province", || {
        peer.acked()
            .iter()
            .any(|h| h.body["event_type"] == "catalogue_sync.kept")
    })
    .await;
    let kept_hit = peer
        .acked()
        .into_iter()
        .find(|h| h.body["event_type"] == "catalogue_sync.kept")
        .unwrap();
    assert_eq!(kept_hit.body["item"]["version"], 2);
    assert_eq!(
        kept_hit.body["item"]["content"]["name"],
        "食品经营许可(本地)"
    );
    assert_eq!(
        audit(&app, "catalogue_sync.keep_ours").await,
        [("cat_a".to_owned(), v2)]
    );
    // Settled: version 1, version 2 (after the garbage), the superseded retirement (owed
    // nothing) and the kept version.
    delivered(&app, "catalogue", 4).await;
    let c = app
        .post(
            CHANGES,
            &province,
            change("P-3", "SJ-001", "食品经营许可(省三)"),
        )
        .await;
    assert_eq!(c.body["status"], "applied", "{:#}", c.body);
    let v = items(&app, "SJ-001").await;
    assert_eq!(v.last().unwrap()["content"]["name"], "食品经营许可(省三)");
    let v3 = v.last().unwrap()["id"].as_i64().unwrap();

    // Take theirs: while the province hangs, a local change; the province's wins on request.
    peer.set(Mode::Hanging);
    local_change(&app, &p.admin_a, v3, "SJ-001", "本地再改").await;
    let c = app
        .post(CHANGES, &province, change("P-4", "SJ-001", "省里再改"))
        .await;
    assert_eq!(c.body["status"], "conflict", "{:#}", c.body);
    let id = open_conflicts(&app, &p.admin_a).await[0]["id"]
        .as_i64()
        .unwrap();
    let taken = app
        .post(
            &format!("/api/v1/catalogue/sync-conflicts/{id}/resolve"),
            &p.admin_a,
            json!({"take": "theirs"}),
        )
        .await;
    assert_eq!(taken.status, 200, "{:#}", taken.body);
    assert_eq!(taken.body["status"], "theirs");
    let v = items(&app, "SJ-001").await;
    let last = v.last().unwrap();
    assert_eq!(
        (&last["status"], &last["content"]["name"]),
        (&json!("published"), &json!("省里再改"))
    );
    assert_eq!(
        audit(&app, "catalogue_sync.take_theirs").await,
        [("cat_a".to_owned(), id)]
    );
    peer.handle.stop(false).await;
}

on_each_backend!(
    a_change_to_an_item_changed_here_is_a_conflict_an_operator_resolves,
    conflicts_wait_for_an_operator
);

/// A county with a licensing item, its staff and the credit platform's user; a case
/// approved (its id).
async fn approved_licensing_case(app: &TestApp, p: &Place, code: &str, item_type: &str) -> i64 {
    let mut c = content(code, "食品经营许可", 5);
    c["item_type"] = json!(item_type);
    c["workflow"] = json!([{"name": "审批", "role": "approver", "limit_days": 5}]);
    let item = app.published_item(p.region, p.department, c).await;
    let (_, staff) = app
        .user_with_role(
            &format!("staff_{code}"),
            p.region,
            None,
            "window_staff",
            ("region", Some(p.region)),
        )
        .await;
    let number = id_number("11010519491231002");
    let c = app
        .post(
            "/api/v1/cases",
            &staff,
            json!({"item_id": item, "channel": "window",
                   "applicant": {"kind": "person", "name": "张三", "id_number": number},
                   "materials": ["营业执照"]}),
        )
        .await;
    assert_eq!(c.status, 201, "{:#}", c.body);
    let id = c.body["id"].as_i64().unwrap();
    let a = app
        .post(&format!("/api/v1/cases/{id}/accept"), &staff, json!({}))
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let done = app
        .post(
            &format!("/api/v1/cases/{id}/steps/current/approve"),
            &staff,
            json!({"opinion": "准予许可"}),
        )
        .await;
    assert_eq!(done.body["status"], "approved", "{:#}", done.body);
    id
}

const RESULTS: &str = "/api/v1/connectors/credit/publicity-results";

async fn decisions_reach_the_credit_platform(app: TestApp) {
    let peer = Peer::start(Mode::FailFirst(2)).await;
    let root = app.root_id().await;
    app.user_with_role(
        "credit_platform",
        root,
        None,
        "integration",
        ("region", Some(root)),
    )
    .await;
    let app = with_connectors(
        app,
        vec![(
            "credit",
            peer.connector(Format::CreditPublicity, "credit_platform"),
        )],
    )
    .await;
    let p = place(&app).await;
    let platform = app
        .login("credit_platform", "credit_platform-password")
        .await;

    // The department publishes four fields; unknown or repeated names are refused.
    let fields = format!("/api/v1/publicity/fields/{}", p.department);
    let all = app.get(&fields, &p.admin_a).await;
    assert_eq!(all.status, 200, "{:#}", all.body);
    assert_eq!(all.body["custom"], false);
    assert_eq!(all.body["fields"].as_array().unwrap().len(), 14);
    let put = |token: &str, body: Value| {
        let (app, fields, token) = (&app, fields.clone(), token.to_owned());
        async move {
            app.call(Method::PUT, &fields, Some(&token), Some(body))
                .await
        }
    };
    put(
        &app.admin_token,
        json!({"fields": ["item_name", "id_number"]}),
    )
    .await
    .assert_problem(422, "validation_failed");
    put(&p.admin_a, json!({"fields": ["item_name"]}))
        .await
        .assert_problem(403, "forbidden");
    put(&p.admin_b, json!({"fields": ["item_name"]}))
        .await
        .assert_problem(404, "not_found");
    let set = put(
        &app.admin_token,
        json!({"fields": ["item_name", "decided_at", "applicant_name", "license_no"]}),
    )
    .await;
    assert_eq!(set.status, 200, "{:#}", set.body);
    assert_eq!(
        set.body["fields"],
        json!([
            "case_no",
            "item_name",
            "decided_at",
            "applicant_name",
            "license_no"
        ])
    );
    assert_eq!(
        audit(&app, "publicity.fields").await,
        [("admin".to_owned(), p.department)]
    );

    let case = approved_licensing_case(&app, &p, "LIC-001", "licensing").await;
    let report = app
        .get(&format!("/api/v1/cases/{case}/publicity"), &p.clerk_a)
        .await;
    assert_eq!(report.status, 200, "{:#}", report.body);
    let due: chrono::DateTime<chrono::Utc> = report.json::<Value>()["due_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let concluded: chrono::DateTime<chrono::Utc> = report.body["concluded_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let days = (due - concluded).num_days();
    assert!(
        (7..=14).contains(&days),
        "due {days} days after the conclusion"
    );
    assert_eq!(report.body["overdue"], false);

    // Two 503s, then the platform's receipt; the report carries only the chosen fields.
    wait_until(&app, "the decision at the platform", || {
        !peer.acked().is_empty()
    })
    .await;
    let hits = peer.hits();
    assert!(hits.len() >= 3 && hits.iter().all(|h| h.key == hits[0].key));
    let sent = &peer.acked()[0];
    let decision = sent.body["decision"].as_object().unwrap();
    let mut keys: Vec<&str> = decision.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "applicant_name",
            "case_no",
            "decided_at",
            "item_name",
            "license_no"
        ]
    );
    assert_eq!(decision["applicant_name"], "张*");
    assert_eq!(sent.body["report_id"], sent.key);
    assert_eq!(sent.body["department_code"], "SCJ");
    assert!(!sent.body.to_string().contains("11010519491231002"));
    let start = Instant::now();
    let report = loop {
        let r = app
            .get(&format!("/api/v1/cases/{case}/publicity"), &p.clerk_a)
            .await
            .body;
        if !r["reported_at"].is_null() {
            break r;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{r:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(report["receipt"].as_str().unwrap().starts_with("R-"));

    // The platform's validation comes back and shows on the case; a repeat is stored once.
    let result = json!({"message_id": "V-1", "report_id": sent.key, "result": "failed",
                        "message": "许可证书编号格式不符"});
    app.post(RESULTS, "yw_not_a_key", result.clone())
        .await
        .assert_problem(401, "unauthorized");
    app.post(RESULTS, &p.admin_a, result.clone())
        .await
        .assert_problem(403, "forbidden");
    let first = app.post(RESULTS, &platform, result.clone()).await;
    assert_eq!(first.status, 201, "{:#}", first.body);
    assert_eq!(first.body["status"], "applied");
    let again = app.post(RESULTS, &platform, result).await;
    assert_eq!((again.status.as_u16(), &again.body), (200, &first.body));
    let shown = app
        .get(&format!("/api/v1/cases/{case}/publicity"), &p.clerk_a)
        .await
        .body;
    assert_eq!(shown["validation"], "failed");
    assert_eq!(shown["validation_message"], "许可证书编号格式不符");
    let unknown = app
        .post(
            RESULTS,
            &platform,
            json!({"message_id": "V-2", "report_id": "yiwang:credit:999999", "result": "passed"}),
        )
        .await;
    assert_eq!(unknown.body["status"], "ignored");
    app.post(
        RESULTS,
        &platform,
        json!({"message_id": "V-3", "report_id": sent.key, "result": "maybe"}),
    )
    .await
    .assert_problem(400, "malformed_request");

    // Another county may not read the case's report; a case of another item type owes none.
    app.get(&format!("/api/v1/cases/{case}/publicity"), &p.clerk_b)
        .await
        .assert_problem(404, "not_found");
    let levy = approved_licensing_case(&app, &p, "LEV-001", "confirmation").await;
    app.get(&format!("/api/v1/cases/{levy}/publicity"), &p.clerk_a)
        .await
        .assert_problem(404, "not_found");
    peer.handle.stop(false).await;
}

on_each_backend!(
    licensing_decisions_reach_the_credit_platform_and_its_validation_shows_on_the_case,
    decisions_reach_the_credit_platform
);

async fn a_missed_deadline_gets_its_red_card(app: TestApp) {
    let p = place(&app).await;
    let case = approved_licensing_case(&app, &p, "LIC-002", "licensing").await;
    let before = publicity::raise_late(app.services.clone()).await.unwrap();
    assert_eq!(before, "no late reports");
    let root = app.root_id().await;
    app.user_with_role(
        "credit_platform",
        root,
        None,
        "integration",
        ("region", Some(root)),
    )
    .await;
    app.user_with_role(
        "office_a",
        p.region,
        None,
        "supervisor",
        ("region", Some(p.region)),
    )
    .await;
    app.clock.advance(20 * 86_400_000);
    // Sessions expired meanwhile.
    let clerk = app.login("clerk_a", "clerk_a-password").await;
    let office = app.login("office_a", "office_a-password").await;
    let raised = publicity::raise_late(app.services.clone()).await.unwrap();
    assert_eq!(raised, "1 publicity cards opened");
    let again = publicity::raise_late(app.services.clone()).await.unwrap();
    assert_eq!(again, "no late reports");
    let report = app
        .get(&format!("/api/v1/cases/{case}/publicity"), &clerk)
        .await
        .body;
    assert_eq!(report["overdue"], true, "{report:#}");
    let card = &report["cards"][0];
    assert_eq!(
        (
            &card["subject"],
            &card["step"],
            &card["severity"],
            &card["status"]
        ),
        (
            &json!("publicity"),
            &json!("report"),
            &json!("red"),
            &json!("open")
        )
    );
    let cards = app
        .get(
            "/api/v1/supervision/workflow-cards?subject=publicity",
            &office,
        )
        .await;
    assert_eq!(
        cards.body["items"].as_array().unwrap().len(),
        1,
        "{:#}",
        cards.body
    );

    // The platform is connected at last: the late report goes out and its card closes.
    let peer = Peer::start(Mode::Receipt).await;
    let app = with_connectors(
        app,
        vec![(
            "credit",
            peer.connector(Format::CreditPublicity, "credit_platform"),
        )],
    )
    .await;
    wait_until(&app, "the late report", || !peer.acked().is_empty()).await;
    let start = Instant::now();
    loop {
        let r = app
            .get(&format!("/api/v1/cases/{case}/publicity"), &clerk)
            .await
            .body;
        if r["cards"][0]["status"] == "closed" {
            assert_eq!(r["overdue"], false);
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{r:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    peer.handle.stop(false).await;
}

on_each_backend!(
    a_licensing_decision_not_reported_in_7_working_days_gets_a_red_card,
    a_missed_deadline_gets_its_red_card
);
