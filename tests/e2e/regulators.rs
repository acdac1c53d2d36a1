//! Review–supervision interaction, the punishment list and the e-license
//! library (R-2.2.3.2), against real HTTP peers started here on free ports: a regulator that
//! fails its first requests, one that answers garbage, a library that answers, hangs or talks
//! nonsense. Pushes carry only the regulator's fields; feedback naming a violation lists the
//! applicant; the list flags the next intake and bars a listed agency from the market; a push
//! left unanswered raises a red card; the library gets each license and answers lookups.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use secrecy::SecretString;
use serde_json::{Value, json};
use yiwang_core::config::Secret;
use yiwang_core::service::integrations::{ConnectorConfig, Format};
use yiwang_core::service::regulators::feedback::watch_feedback;
use yiwang_tests::{Answer, TestApp, id_number, on_each_backend, test_config};

use crate::complaints::{County, county};

const REGULATORS: &str = "/api/v1/regulators";
const PUNISHMENTS: &str = "/api/v1/punishments";
const ITEM: &str = "11350100MB0001-001";
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// A receipt for every request.
    Receipt,
    /// 503 for the first n requests, then receipts.
    FailFirst(usize),
    /// 200 with HTML.
    Garbage,
    /// Answers after 3 s.
    Hanging,
}

/// One request the peer saw: path, idempotency key, body.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    key: String,
    body: Value,
    acked: bool,
}

#[derive(Clone)]
struct PeerState {
    mode: Arc<Mutex<Mode>>,
    hits: Arc<Mutex<Vec<Hit>>>,
    count: Arc<AtomicUsize>,
}

struct Peer {
    port: u16,
    state: PeerState,
    handle: ServerHandle,
}

/// The library's answer to a lookup: one provincial license of any holder.
fn library_answer() -> Value {
    json!({"licenses": [{"license_no": "PROV-001", "kind": "营业执照", "issuer": "省市场监管局",
                         "valid_from": "2020-01-01", "valid_to": "2099-12-31",
                         "trust_level": "B"}]})
}

async fn answer(req: HttpRequest, body: web::Bytes, s: web::Data<PeerState>) -> HttpResponse {
    let n = s.count.fetch_add(1, Ordering::SeqCst);
    let mode = *s.mode.lock().unwrap();
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let lookup = req.path() == "/lookup";
    let (resp, acked) = match mode {
        Mode::Receipt if lookup => (HttpResponse::Ok().json(library_answer()), true),
        Mode::Receipt => (
            HttpResponse::Ok().json(json!({"receipt_id": format!("R-{n}")})),
            true,
        ),
        Mode::FailFirst(k) if n < k => (HttpResponse::ServiceUnavailable().body("busy"), false),
        Mode::FailFirst(_) => (
            HttpResponse::Ok().json(json!({"receipt_id": format!("R-{n}")})),
            true,
        ),
        Mode::Garbage => (HttpResponse::Ok().body("<html>oops</html>"), false),
        Mode::Hanging => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            (HttpResponse::Ok().json(library_answer()), false)
        }
    };
    s.hits.lock().unwrap().push(Hit {
        path: req.path().to_owned(),
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
                .default_service(web::post().to(answer))
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
            state,
            handle,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn set(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().unwrap().clone()
    }

    /// The acknowledged push of this event kind, if any.
    fn acked(&self, kind: &str) -> Option<Hit> {
        self.hits()
            .into_iter()
            .find(|h| h.acked && h.body["event_type"] == kind)
    }
}

fn connector(peer: &Peer, format: Format, inbound: Option<&str>) -> ConnectorConfig {
    ConnectorConfig {
        format,
        endpoint: peer.url("/push"),
        api_key: Some(Secret(SecretString::from("peer-secret"))),
        max_attempts: 50,
        timeout_ms: 300,
        backoff_base_ms: 200,
        backoff_max_ms: 1_000,
        max_in_flight: 4,
        inbound_user: inbound.map(str::to_owned),
        ..Default::default()
    }
}

/// Restarts `app` on its own data with these connectors (and `adjust` on its config).
async fn restart(
    app: TestApp,
    connectors: Vec<(&str, ConnectorConfig)>,
    adjust: impl FnOnce(&mut yiwang_core::config::Config),
) -> TestApp {
    let db = app.stop().await;
    let mut config = test_config(&db);
    for (name, c) in connectors {
        config.integrations.connectors.insert(name.to_owned(), c);
    }
    adjust(&mut config);
    TestApp::spawn_on(db, config, Vec::new()).await
}

/// Waits (moving the clock a second every 50 ms, so back-off delays pass) until `done`.
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

async fn ok(app: &TestApp, who: &str, path: &str, body: Value) -> Value {
    let a = app.post(path, who, body).await;
    assert!(a.status.is_success(), "{path}: {:#}", a.body);
    a.body
}

/// Accepts and approves a case as the admin.
async fn approve(app: &TestApp, case: i64) {
    let t = &app.admin_token;
    ok(app, t, &format!("/api/v1/cases/{case}/accept"), json!({})).await;
    let done = ok(
        app,
        t,
        &format!("/api/v1/cases/{case}/steps/current/approve"),
        json!({"opinion": "准予许可,内部意见"}),
    )
    .await;
    assert_eq!(done["status"], "approved");
}

fn regulator(connector: &str, region: i64, fields: Value, days: u32) -> Value {
    json!({"connector": connector, "name": "甲区市场监管执法大队", "region_id": region,
           "item_codes": [ITEM], "fields": fields, "feedback_days": days})
}

/// Files a case of county A's item for an applicant.
async fn file(app: &TestApp, c: &County, name: &str, number: &str) -> Answer {
    let item: i64 = app
        .get("/api/v1/cases?limit=1", &app.admin_token)
        .await
        .body["items"][0]["item_id"]
        .as_i64()
        .unwrap();
    app.post(
        "/api/v1/cases",
        &c.staff,
        json!({"item_id": item, "channel": "window",
               "applicant": {"kind": "person", "name": name, "id_number": number},
               "materials": ["营业执照"]}),
    )
    .await
}

async fn events_of(app: &TestApp, kind: &str) -> Vec<Value> {
    app.get("/api/v1/events?limit=1000", &app.admin_token)
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .cloned()
        .collect()
}

async fn push_feedback_and_joint_punishment(app: TestApp) {
    let scj = Peer::start(Mode::FailFirst(2)).await;
    let junk = Peer::start(Mode::Garbage).await;
    let root = app.root_id().await;
    for user in ["scj_gateway", "junk_gateway"] {
        app.user_with_role(user, root, None, "integration", ("region", Some(root)))
            .await;
    }
    let app = restart(
        app,
        vec![
            (
                "scj",
                connector(&scj, Format::Regulator, Some("scj_gateway")),
            ),
            (
                "junk",
                ConnectorConfig {
                    max_attempts: 2,
                    ..connector(&junk, Format::Regulator, Some("junk_gateway"))
                },
            ),
            ("hook", connector(&junk, Format::Webhook, None)),
        ],
        |_| {},
    )
    .await;
    let c = county(&app).await;
    let admin = app.admin_token.clone();
    let fields = json!(["case_no", "item", "status", "applicant", "steps"]);

    // Setting up regulators: bad input and other people's scope change nothing.
    for (bad, status, code) in [
        (
            regulator("nope", c.region, fields.clone(), 3),
            422,
            "validation_failed",
        ),
        (
            regulator("hook", c.region, fields.clone(), 3),
            422,
            "validation_failed",
        ),
        (
            regulator("scj", c.region, json!([]), 3),
            422,
            "validation_failed",
        ),
        (
            regulator("scj", c.region, fields.clone(), 0),
            422,
            "validation_failed",
        ),
        (
            regulator("scj", c.region, json!(["id_number"]), 3),
            400,
            "malformed_request",
        ),
    ] {
        app.post(REGULATORS, &admin, bad)
            .await
            .assert_problem(status, code);
    }
    app.post(
        REGULATORS,
        &c.staff,
        regulator("scj", c.region, fields.clone(), 3),
    )
    .await
    .assert_problem(403, "forbidden");
    assert_eq!(app.get(REGULATORS, &admin).await.body, json!([]));
    let r = app
        .post(
            REGULATORS,
            &admin,
            regulator("scj", c.region, fields.clone(), 3),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    assert_eq!(r.body["fields"], fields);
    app.post(
        REGULATORS,
        &admin,
        regulator("scj", c.region, fields.clone(), 3),
    )
    .await
    .assert_problem(409, "conflict");
    let all = json!([
        "case_no",
        "item",
        "region",
        "status",
        "applicant",
        "times",
        "steps",
        "opinions",
        "license"
    ]);
    let j = app
        .post(REGULATORS, &admin, regulator("junk", c.region, all, 3))
        .await;
    assert_eq!(j.status, 201, "{:#}", j.body);
    assert!(
        !events_of(&app, "regulator.created").await.is_empty(),
        "no audit event"
    );

    // The result reaches the regulator after two refusals, with its fields only.
    approve(&app, c.case_id).await;
    wait_until(&app, "the approval at the regulator", || {
        scj.acked("case.approved").is_some()
    })
    .await;
    let push = scj.acked("case.approved").unwrap();
    assert_eq!(push.body["regulator"], "scj");
    assert_eq!(push.body["push_id"], push.key);
    let case = &push.body["case"];
    assert_eq!(case["item_code"], ITEM);
    assert_eq!(case["status"], "approved");
    assert_eq!(case["applicant"]["name"], "张*");
    let idn = id_number("11010519491231002");
    assert_eq!(
        case["applicant"]["number"],
        format!("110105********{}", &idn[14..])
    );
    assert!(case.get("submitted_at").is_none(), "{case:#}");
    assert!(case.get("license").is_none(), "{case:#}");
    let steps = case["steps"].as_array().unwrap();
    assert!(steps.iter().all(|s| s.get("opinion").is_none()), "{case:#}");
    let text = push.body.to_string();
    assert!(!text.contains(&idn) && !text.contains("内部意见"), "{text}");
    for h in scj.hits().iter().filter(|h| h.key == push.key) {
        assert_eq!(h.body["event_type"], "case.approved");
    }
    assert!(scj.hits().iter().any(|h| !h.acked), "no refusal seen");
    // The garbage-answering regulator is tried, then parked; the healthy one is not held up.
    let mut parked = 0;
    for _ in 0..600 {
        app.clock.advance(1_000);
        let s = app.get("/api/v1/connectors/junk", &admin).await;
        parked = s.body["parked"].as_i64().unwrap_or(0);
        if parked > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        parked > 0,
        "the garbage peer's deliveries were never parked"
    );

    // Feedback: authenticated by the regulator's key, checked before it is stored,
    // idempotent by the regulator's message id.
    let gateway = app.login("scj_gateway", "scj_gateway-password").await;
    let other = app.login("junk_gateway", "junk_gateway-password").await;
    let url = "/api/v1/connectors/scj/inbound";
    let violation = json!({"message_id": "JG-0002", "reference": push.key,
                           "text": "现场检查发现超范围经营",
                           "data": {"verdict": "violation", "listed_until": "2099-12-31"}});
    app.post(
        url,
        &gateway,
        json!({"message_id": "JG-0001", "reference": push.key, "text": "x"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(
        url,
        &gateway,
        json!({"message_id": "JG-0001", "reference": push.key, "text": "x",
               "data": {"verdict": "maybe"}}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(url, &other, violation.clone())
        .await
        .assert_problem(403, "forbidden");
    let first = app.post(url, &gateway, violation.clone()).await;
    assert_eq!(first.status, 201, "{:#}", first.body);
    assert_eq!(first.body["status"], "applied");
    let pid = first.body["punishment_id"].as_i64().unwrap();
    let again = app.post(url, &gateway, violation).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body);
    let unknown = app
        .post(
            url,
            &gateway,
            json!({"message_id": "JG-0003", "reference": "yiwang:scj:999999", "text": "?",
                   "data": {"verdict": "compliant"}}),
        )
        .await;
    assert_eq!(unknown.body["status"], "ignored");

    // The list: the applicant, masked, from the regulator, in force; scoped by region.
    let list = app.get(PUNISHMENTS, &admin).await;
    assert_eq!(list.status, 200, "{:#}", list.body);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{:#}", list.body);
    let e = &items[0];
    assert_eq!(e["id"], pid);
    assert_eq!(e["name"], "张三");
    assert_eq!(e["number"], case["applicant"]["number"]);
    assert_eq!(e["source"], "regulator:scj");
    assert_eq!(e["source_ref"], "scj:JG-0002");
    assert_eq!(e["in_force"], true);
    assert!(!list.body.to_string().contains(&idn));
    let (_, b_admin) = app
        .user_with_role(
            "b_admin",
            c.region_b,
            None,
            "admin",
            ("region", Some(c.region_b)),
        )
        .await;
    let b_list = app.get(PUNISHMENTS, &b_admin).await;
    assert_eq!(b_list.body["items"], json!([]));
    app.get(&format!("{PUNISHMENTS}/{pid}"), &b_admin)
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("{PUNISHMENTS}/{pid}/lift"),
        &b_admin,
        json!({"reason": "x"}),
    )
    .await
    .assert_problem(404, "not_found");
    app.get(PUNISHMENTS, &c.staff)
        .await
        .assert_problem(403, "forbidden");

    // Intake: the listed applicant is flagged to the window and the case carries the flag.
    let flagged = file(&app, &c, "张三", &idn).await;
    assert_eq!(flagged.status, 201, "{:#}", flagged.body);
    let flag = &flagged.body["joint_punishment"];
    assert_eq!(flag["entries"][0]["punishment_id"], pid);
    assert!(flag["notice"].as_str().unwrap().contains("联合惩戒"));
    let id = flagged.body["id"].as_i64().unwrap();
    let seen = app.get(&format!("/api/v1/cases/{id}"), &c.staff).await;
    assert_eq!(seen.body["joint_punishment"], *flag);
    assert_eq!(
        events_of(&app, "case.joint_punishment_flagged").await.len(),
        1
    );
    let clean = file(&app, &c, "李四", &id_number("11010519491231003")).await;
    assert_eq!(clean.status, 201, "{:#}", clean.body);
    assert!(clean.body["joint_punishment"].is_null());

    // Adding by hand, checking a number, lifting.
    let org = json!({"entity": {"kind": "organisation", "name": "某某贸易有限公司",
                                "number": "91350100M000100Y43"},
                     "reason": "严重违法失信", "region_id": c.region,
                     "source": "闽市监信〔2026〕1号"});
    let mut bad = org.clone();
    bad["entity"]["number"] = json!("91350100M000100Y44");
    app.post(PUNISHMENTS, &admin, bad)
        .await
        .assert_problem(422, "validation_failed");
    app.post(PUNISHMENTS, &c.staff, org.clone())
        .await
        .assert_problem(403, "forbidden");
    let added = app.post(PUNISHMENTS, &admin, org).await;
    assert_eq!(added.status, 201, "{:#}", added.body);
    assert_eq!(added.body["number"], "913501********0Y43");
    let check = app
        .post(
            &format!("{PUNISHMENTS}/check"),
            &admin,
            json!({"number": "91350100M000100Y43"}),
        )
        .await;
    assert_eq!(check.body["listed"], true, "{:#}", check.body);
    let lifted = app
        .post(
            &format!("{PUNISHMENTS}/{pid}/lift"),
            &admin,
            json!({"reason": "信用修复完成"}),
        )
        .await;
    assert_eq!(lifted.status, 200, "{:#}", lifted.body);
    assert_eq!(lifted.body["status"], "lifted");
    assert_eq!(lifted.body["in_force"], false);
    app.post(
        &format!("{PUNISHMENTS}/{pid}/lift"),
        &admin,
        json!({"reason": "again"}),
    )
    .await
    .assert_problem(409, "conflict");
    let after = file(&app, &c, "张三", &idn).await;
    assert!(after.body["joint_punishment"].is_null(), "{:#}", after.body);
    assert_eq!(events_of(&app, "punishment.lifted").await.len(), 1);
    scj.handle.stop(false).await;
    junk.handle.stop(false).await;
}

on_each_backend!(
    regulators_get_their_fields_and_a_violation_flags_the_next_intake,
    push_feedback_and_joint_punishment
);

async fn unanswered_push(app: TestApp) {
    let scj = Peer::start(Mode::Receipt).await;
    let root = app.root_id().await;
    app.user_with_role(
        "scj_gateway",
        root,
        None,
        "integration",
        ("region", Some(root)),
    )
    .await;
    let app = restart(
        app,
        vec![(
            "scj",
            connector(&scj, Format::Regulator, Some("scj_gateway")),
        )],
        |_| {},
    )
    .await;
    let c = county(&app).await;
    let r = app
        .post(
            REGULATORS,
            &app.admin_token,
            regulator("scj", c.region, json!(["case_no", "status"]), 1),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    approve(&app, c.case_id).await;
    wait_until(&app, "the result pushed", || {
        scj.acked("case.approved").is_some()
    })
    .await;
    let push = scj.acked("case.approved").unwrap();
    // The connector records the receipt right after the answer.
    let mut outcome = String::new();
    for _ in 0..100 {
        outcome = watch_feedback(app.services.clone()).await.unwrap();
        if outcome.starts_with("1 pushes") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        outcome.starts_with("1 pushes recorded, 0 late"),
        "{outcome}"
    );
    app.clock.advance(10 * DAY_MS);
    let outcome = watch_feedback(app.services.clone()).await.unwrap();
    assert_eq!(outcome, "0 pushes recorded, 1 late feedback cards");
    // Tokens issued before the clock moved have expired.
    let office = app.login("office_a", "office_a-password").await;
    let admin = app.login("admin", yiwang_tests::ADMIN_PASSWORD).await;
    let cards = crate::complaints::wait_for_cards(&app, &office, "regulator_push", 1).await;
    assert_eq!(cards[0]["step"], "feedback");
    assert_eq!(cards[0]["severity"], "red");
    // Raised once.
    let outcome = watch_feedback(app.services.clone()).await.unwrap();
    assert_eq!(outcome, "0 pushes recorded, 0 late feedback cards");
    let gateway = app.login("scj_gateway", "scj_gateway-password").await;
    let fine = app
        .post(
            "/api/v1/connectors/scj/inbound",
            &gateway,
            json!({"message_id": "JG-9", "reference": push.key, "text": "检查合格",
                   "data": {"verdict": "compliant"}}),
        )
        .await;
    assert_eq!(fine.status, 201, "{:#}", fine.body);
    assert!(fine.body["punishment_id"].is_null());
    crate::complaints::wait_for_cards(&app, &office, "regulator_push", 0).await;
    let list = app.get(PUNISHMENTS, &admin).await;
    assert_eq!(list.body["items"], json!([]));
    scj.handle.stop(false).await;
}

on_each_backend!(
    a_result_left_unanswered_past_its_working_days_raises_a_red_card,
    unanswered_push
);

async fn license_library(app: TestApp) {
    let library = Peer::start(Mode::Receipt).await;
    let lookup = library.url("/lookup");
    let app = restart(
        app,
        vec![(
            "library",
            ConnectorConfig {
                system_code: "SX-YW".into(),
                ..connector(&library, Format::LicenseLibrary, None)
            },
        )],
        |c| {
            c.integrations.license_library.lookup_endpoint = lookup;
            c.integrations.license_library.timeout_ms = 300;
        },
    )
    .await;
    let c = county(&app).await;
    approve(&app, c.case_id).await;
    wait_until(&app, "the license at the library", || {
        library.hits().iter().any(|h| h.acked && h.path == "/push")
    })
    .await;
    let push = library
        .hits()
        .into_iter()
        .find(|h| h.path == "/push")
        .unwrap();
    assert_eq!(push.body["action"], "issue");
    assert_eq!(push.body["sys_code"], "SX-YW");
    let l = &push.body["license"];
    assert!(
        l["license_no"].as_str().unwrap().starts_with("DZZZ-"),
        "{l:#}"
    );
    assert_eq!(l["holder"]["number"], id_number("11010519491231002"));
    assert_eq!(push.key, push.body["push_id"]);

    // A lookup asks the library once, then reuses the recorded answer.
    let url = "/api/v1/licenses/library-lookup";
    let someone = id_number("11010519491231004");
    let first = app.post(url, &c.staff, json!({"id_number": someone})).await;
    assert_eq!(first.status, 200, "{:#}", first.body);
    assert_eq!(first.body["outcome"], "found");
    assert_eq!(first.body["cached"], false);
    assert_eq!(first.body["licenses"][0]["license_no"], "PROV-001");
    let again = app.post(url, &c.staff, json!({"id_number": someone})).await;
    assert_eq!(again.body["cached"], true);
    let asked = |p: &Peer| p.hits().iter().filter(|h| h.path == "/lookup").count();
    assert_eq!(asked(&library), 1);
    app.post(url, &c.staff, json!({"id_number": "x"}))
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(events_of(&app, "license_library.looked_up").await.len(), 1);

    // Material coverage: what the platform does not hold comes from the library.
    let item = app
        .published_item(
            c.region,
            c.department,
            json!({
                "item_code": "11350100MB0001-009", "name": "食品经营许可变更",
                "item_type": "licensing", "legal_basis": "《食品经营许可管理办法》",
                "legal_limit_days": 20, "promised_limit_days": 5, "fee": {"kind": "none"},
                "materials": [{"name": "营业执照", "required": true,
                               "substitute_licenses": ["营业执照"]}],
                "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 20}],
                "online": true, "delivery_modes": ["window"]
            }),
        )
        .await;
    let coverage = |n: &str| json!({"item_id": item, "id_number": n});
    let cov = app
        .post(
            "/api/v1/licenses/coverage",
            &c.staff,
            coverage(&id_number("11010519491231005")),
        )
        .await;
    assert_eq!(cov.status, 200, "{:#}", cov.body);
    assert_eq!(cov.body[0]["covered_by"]["source"], "library");
    assert_eq!(cov.body[0]["covered_by"]["license_no"], "PROV-001");
    assert_eq!(cov.body[0]["library"], "found");
    assert_eq!(cov.body[0]["covered_by"]["trust_level"], "B");
    assert_eq!(cov.body[0]["covered_by"]["license_source"], "library");
    assert_eq!(cov.body[0]["covered_by"]["issuer"], "省市场监管局");

    // Filing takes the recorded answer (no second request): the library's license is
    // registered here with its source and level, and the reuse names it.
    let holder = id_number("11010519491231005");
    let filed = app
        .post(
            "/api/v1/cases",
            &c.staff,
            json!({"item_id": item, "channel": "window",
                   "applicant": {"kind": "person", "name": "李四", "id_number": holder}}),
        )
        .await;
    assert_eq!(filed.status, 201, "{:#}", filed.body);
    assert_eq!(asked(&library), 2);
    let reuses = app
        .get(
            &format!("/api/v1/cases/{}/reuses", filed.body["id"]),
            &c.staff,
        )
        .await;
    assert_eq!(reuses.status, 200, "{:#}", reuses.body);
    let reused = &reuses.body[0]["covered_by"];
    assert_eq!(reuses.body[0]["material"], "营业执照");
    assert_eq!(reused["source"], "license");
    assert_eq!(reused["license_source"], "library");
    assert_eq!(reused["license_no"], "PROV-001");
    assert_eq!(reused["trust_level"], "B");
    let lic = app
        .get(
            &format!("/api/v1/licenses/{}", reused["license_id"]),
            &c.staff,
        )
        .await;
    assert_eq!(lic.status, 200, "{:#}", lic.body);
    assert_eq!(lic.body["source"], "library");
    assert_eq!(lic.body["issuer"], "省市场监管局");
    assert!(lic.body["case_id"].is_null());
    assert_eq!(lic.body["holder"]["name"], "李四");
    assert_eq!(
        lic.body["holder"]["id_number"],
        format!("{}********{}", &holder[..6], &holder[14..])
    );
    assert_eq!(events_of(&app, "license.registered").await.len(), 1);
    // From now on the platform holds it: coverage answers without the library.
    let cov = app
        .post("/api/v1/licenses/coverage", &c.staff, coverage(&holder))
        .await;
    assert_eq!(
        cov.body[0]["covered_by"]["license_id"],
        reused["license_id"]
    );
    assert!(cov.body[0]["library"].is_null());
    // A second filing reuses the same registered license.
    let again = app
        .post(
            "/api/v1/cases",
            &c.staff,
            json!({"item_id": item, "channel": "window",
                   "applicant": {"kind": "person", "name": "李四", "id_number": holder}}),
        )
        .await;
    let reuses = app
        .get(
            &format!("/api/v1/cases/{}/reuses", again.body["id"]),
            &c.staff,
        )
        .await;
    assert_eq!(
        reuses.body[0]["covered_by"]["license_id"],
        reused["license_id"]
    );
    assert_eq!(events_of(&app, "license.registered").await.len(), 1);
    assert_eq!(asked(&library), 2);

    // A hanging or nonsense-talking library degrades to "unreachable", within the timeout.
    library.set(Mode::Hanging);
    let start = Instant::now();
    let cov = app
        .post(
            "/api/v1/licenses/coverage",
            &c.staff,
            coverage(&id_number("11010519491231006")),
        )
        .await;
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "waited on the library"
    );
    assert_eq!(cov.status, 200, "{:#}", cov.body);
    assert!(cov.body[0]["covered_by"].is_null());
    assert_eq!(cov.body[0]["library"], "unreachable");
    library.set(Mode::Garbage);
    let g = app
        .post(
            url,
            &c.staff,
            json!({"id_number": id_number("11010519491231007")}),
        )
        .await;
    assert_eq!(g.body["outcome"], "unreachable");
    assert!(
        g.body["error"].as_str().unwrap().contains("JSON"),
        "{:#}",
        g.body
    );
    library.handle.stop(false).await;
}

on_each_backend!(
    the_license_library_gets_each_license_and_answers_lookups,
    license_library
);

const MARKET_ITEM: &str = "11350100MB0001-002";
const PROJECTS: &str = "/api/v1/intermediary-projects";

fn agency(code: &str, name: &str, region: i64) -> Value {
    json!({
        "credit_code": code, "name": name, "region_id": region,
        "service_types": ["survey"], "items": [MARKET_ITEM],
        "qualifications": [{"service_type": "survey", "name": "工程勘察综合甲级",
                            "certificate_no": "B135000001", "valid_from": "2020-01-01",
                            "valid_to": "2099-12-31"}],
        "fee_min_fen": 1_000_000, "fee_max_fen": 50_000_000,
        "staff": [{"name": "李工", "title": "注册岩土工程师"}]
    })
}

async fn listed_agency(app: TestApp) {
    let root = app.root_id().await;
    let region = app.region("990102", "甲区", "county", root).await;
    let d = app
        .post(
            "/api/v1/departments",
            &app.admin_token,
            json!({"region_id": region, "code": "ZJJ", "name": "住房和城乡建设局"}),
        )
        .await;
    let department = d.body["id"].as_i64().unwrap();
    let item = app
        .published_item(
            region,
            department,
            json!({
                "item_code": MARKET_ITEM, "name": "建设工程规划许可", "item_type": "licensing",
                "legal_basis": "《中华人民共和国城乡规划法》第四十条",
                "legal_limit_days": 20, "promised_limit_days": 10, "fee": {"kind": "none"},
                "materials": [{"name": "岩土工程勘察报告", "required": true}],
                "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 20}],
                "online": true, "delivery_modes": ["window"]
            }),
        )
        .await;
    let (_, bureau) = app
        .user_with_role(
            "bureau",
            root,
            None,
            "intermediary_admin",
            ("region", Some(root)),
        )
        .await;
    let (_, staff) = app
        .user_with_role(
            "staff_a",
            region,
            None,
            "window_staff",
            ("region", Some(region)),
        )
        .await;
    let case = ok(
        &app,
        &staff,
        "/api/v1/cases",
        json!({"item_id": item, "channel": "window",
               "applicant": {"kind": "person", "name": "张三",
                             "id_number": id_number("11010519491231002")},
               "materials": []}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut ids = Vec::new();
    for (code, name) in [
        ("91350100MA2XY00017", "甲勘察院"),
        ("91350100MA2XY0002A", "乙勘察院"),
    ] {
        ids.push(
            ok(
                &app,
                &bureau,
                "/api/v1/intermediaries",
                agency(code, name, root),
            )
            .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let (good, listed) = (ids[0], ids[1]);
    let project = |selection: &str| {
        json!({"title": "建设项目岩土工程勘察", "service_type": "survey",
               "item_code": MARKET_ITEM, "case_id": case, "budget_fen": 10_000_000,
               "bid_deadline": chrono::DateTime::from_timestamp_millis(
                   app.clock.now() + 3_600_000).unwrap(),
               "selection": selection})
    };
    let lowest = ok(&app, &staff, PROJECTS, project("lowest_price")).await["id"]
        .as_i64()
        .unwrap();
    let bids = format!("{PROJECTS}/{lowest}/bids");
    ok(
        &app,
        &staff,
        &bids,
        json!({"intermediary_id": listed, "price_fen": 5_000_000}),
    )
    .await;
    ok(
        &app,
        &staff,
        &bids,
        json!({"intermediary_id": good, "price_fen": 8_000_000}),
    )
    .await;

    // The credit office lists 乙勘察院 by its credit code.
    let added = app
        .post(
            PUNISHMENTS,
            &app.admin_token,
            json!({"entity": {"kind": "organisation", "name": "乙勘察院",
                              "number": "91350100MA2XY0002A"},
                   "reason": "出具虚假勘察报告", "region_id": root, "source": "市信用办"}),
        )
        .await;
    assert_eq!(added.status, 201, "{:#}", added.body);

    let direct = ok(&app, &staff, PROJECTS, project("direct")).await["id"]
        .as_i64()
        .unwrap();
    let refused = app
        .post(
            &format!("{PROJECTS}/{direct}/select"),
            &staff,
            json!({"intermediary_id": listed}),
        )
        .await;
    refused.assert_problem(409, "conflict");
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("punishment list")
    );
    let drawn = ok(&app, &staff, PROJECTS, project("draw")).await["id"]
        .as_i64()
        .unwrap();
    let p = ok(
        &app,
        &staff,
        &format!("{PROJECTS}/{drawn}/select"),
        json!({}),
    )
    .await;
    assert_eq!(p["intermediary_id"], good, "{p:#}");
    assert_eq!(p["draw"]["candidates"], json!([good]));
    app.clock.advance(2 * 3_600_000);
    let p = ok(
        &app,
        &staff,
        &format!("{PROJECTS}/{lowest}/select"),
        json!({}),
    )
    .await;
    assert_eq!(p["intermediary_id"], good, "{p:#}");
    let later = ok(&app, &staff, PROJECTS, project("lowest_price")).await["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("{PROJECTS}/{later}/bids"),
        &staff,
        json!({"intermediary_id": listed, "price_fen": 1_000_000}),
    )
    .await
    .assert_problem(409, "conflict");
}

on_each_backend!(
    an_agency_on_the_punishment_list_is_never_selected,
    listed_agency
);
