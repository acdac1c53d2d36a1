//! Courier logistics, the rating SMS, the 12345 hotline's outcomes and https peers (issue 6),
//! each against real peers started here: the courier gets the pickup and the result orders
//! (through garbage answers and failures, with stable keys) and its reports come back onto the
//! case; the SMS gateway gets the rating request and the reply becomes the evaluation; the
//! province gets the day's figures; the hotline hears the outcome of its complaints only; an
//! https peer is reached through a configured root CA and one signed by another is not.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Days, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};
use yiwang_core::service::integrations::{ConnectorConfig, Format};
use yiwang_core::store::schema::{audit_log, events, inbound_messages};
use yiwang_tests::{TestApp, id_number, on_each_backend, test_config};

use crate::complaints::{County, county};
use crate::integrations::{Mode, Peer, connector, wait_until, with_connectors};

const PHONE: &str = "13800138000";
const ADDRESS: &str = "福建省福州市鼓楼区五四路100号";

/// An item of the county's department that delivers by window or courier; answers its id.
async fn courier_item(app: &TestApp, c: &County) -> i64 {
    let content = json!({
        "item_code": "11350100MB0002-001", "name": "药品经营许可", "item_type": "licensing",
        "legal_basis": "《中华人民共和国药品管理法》第五十一条",
        "legal_limit_days": 20, "promised_limit_days": 5,
        "fee": {"kind": "none"},
        "materials": [{"name": "营业执照", "required": true}],
        "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 20}],
        "online": true, "delivery_modes": ["window", "courier"]
    });
    app.published_item(c.region, c.department, content).await
}

fn application(item: i64, phone: Option<&str>, pickup: bool) -> Value {
    let mut a = json!({
        "item_id": item, "channel": "online",
        "applicant": {"kind": "person", "name": "李四",
                      "id_number": id_number("11010519491231004")},
        "materials": ["营业执照"],
    });
    if let Some(p) = phone {
        a["applicant"]["phone"] = json!(p);
    }
    if pickup {
        a["courier_pickup"] = json!({"address": ADDRESS});
    }
    a
}

/// The peer's acknowledged bodies of one leg.
fn orders(peer: &Peer, leg: &str) -> Vec<(String, Value)> {
    peer.hits()
        .into_iter()
        .filter(|h| h.acked && h.body["leg"] == leg)
        .map(|h| (h.key, h.body))
        .collect()
}

async fn report(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let a = app
        .post("/api/v1/connectors/ems/inbound", token, body)
        .await;
    (a.status.as_u16(), a.body)
}

fn local_day(app: &TestApp, at: &Value) -> NaiveDate {
    let t: DateTime<Utc> = at.as_str().unwrap().parse().unwrap();
    let tz = app.services.config.time_zone().unwrap();
    t.with_timezone(&tz).date_naive()
}

async fn courier_and_sms(app: TestApp) {
    let ems = Peer::start(Mode::Garbage).await;
    let sms = Peer::start(Mode::Healthy).await;
    let province = Peer::start(Mode::Province).await;
    let root = app.root_id().await;
    for user in ["ems_courier", "sms_gateway"] {
        app.user_with_role(user, root, None, "integration", ("region", Some(root)))
            .await;
    }
    let app = with_connectors(
        app,
        vec![
            (
                "ems",
                ConnectorConfig {
                    format: Format::Courier,
                    system_code: "SX-YW".into(),
                    inbound_user: Some("ems_courier".into()),
                    ..connector(&ems, &[])
                },
            ),
            (
                "sms",
                ConnectorConfig {
                    format: Format::Sms,
                    inbound_user: Some("sms_gateway".into()),
                    ..connector(&sms, &[])
                },
            ),
            (
                "logistics",
                ConnectorConfig {
                    format: Format::ProvinceLogistics,
                    system_code: "SX-YW".into(),
                    ..connector(&province, &[])
                },
            ),
        ],
    )
    .await;
    let c = county(&app).await;
    let item = courier_item(&app, &c).await;

    // Bad input is refused and files nothing.
    let bad = app
        .post(
            "/api/v1/cases",
            &c.staff,
            application(item, Some("12345"), false),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert!(
        bad.body.to_string().contains("applicant.phone"),
        "{:#}",
        bad.body
    );
    let no_phone = app
        .post("/api/v1/cases", &c.staff, application(item, None, true))
        .await;
    no_phone.assert_problem(422, "validation_failed");
    assert!(no_phone.body.to_string().contains("applicant.phone"));

    // An online application with courier pickup: the order reaches the courier once it stops
    // answering garbage, every try with the same key.
    let filed = app
        .post(
            "/api/v1/cases",
            &c.staff,
            application(item, Some("+86 138-0013-8000"), true),
        )
        .await;
    assert_eq!(filed.status, 201, "{:#}", filed.body);
    let case_id = filed.body["id"].as_i64().unwrap();
    let case_no = filed.body["case_no"].as_str().unwrap().to_owned();
    assert_eq!(filed.body["applicant"]["phone"], "138****8000");
    assert!(!filed.body.to_string().contains(PHONE));
    wait_until(&app, "garbage answers retried", || ems.hits().len() >= 2).await;
    ems.set(Mode::Failing(50));
    wait_until(&app, "the pickup order", || {
        !orders(&ems, "pickup").is_empty()
    })
    .await;
    let (key, order) = orders(&ems, "pickup").remove(0);
    assert!(
        ems.hits().iter().all(|h| h.key == key),
        "one order, one key"
    );
    assert_eq!(order["order_id"], key);
    assert_eq!(order["sys_code"], "SX-YW");
    assert_eq!(order["case_no"], case_no);
    assert_eq!(order["company"], "EMS");
    assert_eq!(order["region_code"], "990102");
    assert_eq!(order["department"], "市场监督管理局");
    assert_eq!(order["person"]["name"], "李四");
    assert_eq!(order["person"]["phone"], PHONE);
    assert_eq!(order["person"]["address"], ADDRESS);
    let idn = id_number("11010519491231004");
    assert_eq!(
        order["person"]["id_number"],
        format!("110105********{}", &idn[14..])
    );

    // The courier's reports: checked before they are stored, idempotent by message id, kept
    // in the courier's time order.
    let courier = app.login("ems_courier", "ems_courier-password").await;
    let (status, body) = report(
        &app,
        &courier,
        json!({"message_id": "ems-bad", "reference": key, "status": "lost"}),
    )
    .await;
    assert_eq!(status, 422, "{body:#}");
    let (status, _) = report(
        &app,
        &c.hotline,
        json!({"message_id": "ems-x", "reference": key, "status": "accepted"}),
    )
    .await;
    assert_eq!(status, 403);
    let accepted = json!({"message_id": "ems-1", "reference": key, "status": "accepted",
                          "waybill_no": "1100000000001", "at": "2026-12-01T02:00:00Z"});
    let (status, first) = report(&app, &courier, accepted.clone()).await;
    assert_eq!(status, 201, "{first:#}");
    assert_eq!(first["status"], "applied");
    assert_eq!(first["order_status"], "accepted");
    let (status, again) = report(&app, &courier, accepted).await;
    assert_eq!((status, &again), (200, &first));
    let (_, collected) = report(
        &app,
        &courier,
        json!({"message_id": "ems-2", "reference": key, "status": "collected",
               "at": "2026-12-01T04:00:00Z", "text": "已揽收"}),
    )
    .await;
    assert_eq!(collected["order_status"], "collected");
    let (_, late) = report(
        &app,
        &courier,
        json!({"message_id": "ems-0", "reference": key, "status": "accepted",
               "at": "2026-12-01T01:00:00Z"}),
    )
    .await;
    assert_eq!(
        late["order_status"], "collected",
        "an older report moves nothing"
    );
    let (status, stray) = report(
        &app,
        &courier,
        json!({"message_id": "ems-3", "reference": "yiwang:ems:999999", "status": "delivered"}),
    )
    .await;
    assert_eq!((status, stray["status"].as_str()), (201, Some("ignored")));

    let track = app
        .get(&format!("/api/v1/cases/{case_id}/courier"), &c.staff)
        .await;
    assert_eq!(track.status, 200, "{:#}", track.body);
    let pickup = &track.body["orders"][0];
    assert_eq!(pickup["leg"], "pickup");
    assert_eq!(pickup["status"], "collected");
    assert_eq!(pickup["status_zh"], "已揽收");
    assert_eq!(pickup["waybill_no"], "1100000000001");
    let times: Vec<&str> = pickup["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["at"].as_str().unwrap())
        .collect();
    assert_eq!(times.len(), 3);
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(!track.body.to_string().contains("五四路100号"));
    app.get(&format!("/api/v1/cases/{case_id}/courier"), &c.office_b)
        .await
        .assert_problem(404, "not_found");

    // Concluded: the SMS asks for a rating and the reply becomes the evaluation.
    for (path, body) in [
        ("accept", json!({})),
        ("steps/current/approve", json!({"opinion": "同意"})),
    ] {
        let a = app
            .post(&format!("/api/v1/cases/{case_id}/{path}"), &c.staff, body)
            .await;
        assert_eq!(a.status, 200, "{path}: {:#}", a.body);
    }
    wait_until(&app, "the rating SMS", || !sms.acked().is_empty()).await;
    let message = sms.hits().remove(0);
    assert_eq!(message.body["phone"], PHONE);
    assert_eq!(message.body["message_id"], message.key);
    let text = message.body["text"].as_str().unwrap();
    assert!(
        text.contains(&case_no) && text.contains("药品经营许可"),
        "{text}"
    );
    assert!(text.contains("5非常满意"), "{text}");
    let gateway = app.login("sms_gateway", "sms_gateway-password").await;
    let reply = app
        .post(
            "/api/v1/connectors/sms/inbound",
            &gateway,
            json!({"message_id": "gw-1", "reference": message.key, "text": "５"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    assert_eq!(reply.body["status"], "applied");
    let evaluation = reply.body["evaluation_id"].as_i64().unwrap();

    // The result goes out by courier with its envelope; the waybill comes back onto the case.
    let sent = app
        .post(
            &format!("/api/v1/cases/{case_id}/delivery/courier"),
            &c.staff,
            json!({"courier_company": "EMS", "envelope_no": "XF20261201001",
                   "address": ADDRESS}),
        )
        .await;
    assert_eq!(sent.status, 200, "{:#}", sent.body);
    assert_eq!(sent.body["delivery"]["envelope_no"], "XF20261201001");
    assert!(sent.body["delivery"]["waybill_no"].is_null());
    wait_until(&app, "the result order", || {
        !orders(&ems, "result").is_empty()
    })
    .await;
    let (result_key, result) = orders(&ems, "result").remove(0);
    assert_eq!(result["envelope_no"], "XF20261201001");
    assert_eq!(result["person"]["address"], ADDRESS);
    let (_, delivered) = report(
        &app,
        &courier,
        json!({"message_id": "ems-4", "reference": result_key, "status": "delivered",
               "waybill_no": "1100000000002", "text": "本人签收"}),
    )
    .await;
    assert_eq!(delivered["order_status"], "delivered");
    let case = app.get(&format!("/api/v1/cases/{case_id}"), &c.staff).await;
    assert_eq!(case.body["delivery"]["waybill_no"], "1100000000002");
    let track = app
        .get(&format!("/api/v1/cases/{case_id}/courier"), &c.staff)
        .await;
    assert_eq!(track.body["orders"].as_array().unwrap().len(), 2);
    assert_eq!(track.body["orders"][1]["status_zh"], "已签收");

    // Nothing personal in full in the log, the audit or the stored replies' trail.
    let (payloads, audits, stored, ratings) = app
        .services
        .store
        .read(move |conn| {
            use yiwang_core::store::schema::evaluations;
            let payloads: Vec<String> = events::table.select(events::payload).load(conn)?;
            let audits: Vec<(Option<String>, Option<String>)> = audit_log::table
                .select((audit_log::before_json, audit_log::after_json))
                .load(conn)?;
            let audits: Vec<String> = audits
                .into_iter()
                .flat_map(|(b, a)| b.into_iter().chain(a))
                .collect();
            let stored: i64 = inbound_messages::table
                .filter(inbound_messages::peer.eq("ems"))
                .count()
                .get_result(conn)?;
            let ratings: Vec<(i64, i64)> = evaluations::table
                .filter(evaluations::case_id.eq(case_id))
                .select((evaluations::id, evaluations::rating))
                .load(conn)?;
            Ok((payloads, audits, stored, ratings))
        })
        .await
        .unwrap();
    for p in payloads.iter().chain(&audits) {
        assert!(!p.contains(PHONE) && !p.contains("五四路100号"), "{p}");
    }
    assert_eq!(
        stored, 5,
        "the bad report and the other key's were not stored"
    );
    assert_eq!(ratings, vec![(evaluation, 5)]);

    // The day's figures go to the province once the day is over, once.
    let days: Vec<NaiveDate> = track.body["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| local_day(&app, &o["ordered_at"]))
        .collect();
    app.clock.advance(2 * 86_400_000);
    let mut totals = [0, 0, 0];
    let mut day = days[0];
    while day <= days[1] {
        let (r, new) = app.services.report_logistics(day).await.unwrap();
        assert!(new);
        for region in r.regions.iter().filter(|r| r.region_code == "990102") {
            totals[0] += region.pickup_orders;
            totals[1] += region.result_orders;
            totals[2] += region.delivered;
        }
        let (_, again) = app.services.report_logistics(day).await.unwrap();
        assert!(!again, "a day is reported once");
        day = day.checked_add_days(Days::new(1)).unwrap();
    }
    assert_eq!(totals, [1, 1, 1]);
    assert!(
        app.services
            .report_logistics(day.checked_add_days(Days::new(5)).unwrap())
            .await
            .is_err()
    );
    wait_until(&app, "the figures at the province", || {
        !province.acked().is_empty()
    })
    .await;
    let sent = province.hits().remove(0).body;
    assert_eq!(sent["sys_code"], "SX-YW");
    assert_eq!(sent["day"], days[0].to_string());
    let region = sent["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region_code"] == "990102")
        .cloned()
        .unwrap();
    assert_eq!(region["level"], "county");
    assert_eq!(region["pickup_orders"], 1);
    for p in [&ems, &sms, &province] {
        p.handle.stop(false).await;
    }
}

on_each_backend!(
    courier_orders_go_out_reports_come_back_and_the_sms_rating_lands,
    courier_and_sms
);

/// Waits until a delivery of `connector` has failed at least once.
async fn tried(app: &TestApp, connector: &'static str) {
    use yiwang_core::store::schema::outbox_deliveries;
    for _ in 0..400 {
        let failed: i64 = app
            .services
            .store
            .read(move |conn| {
                Ok(outbox_deliveries::table
                    .filter(outbox_deliveries::connector.eq(connector))
                    .filter(outbox_deliveries::attempts.gt(0))
                    .filter(outbox_deliveries::last_error.is_not_null())
                    .count()
                    .get_result(conn)?)
            })
            .await
            .unwrap();
        if failed > 0 {
            return;
        }
        app.clock.advance(1_000);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no failed try of {connector}");
}

/// Does a complaint's remaining steps up to its published result.
async fn conclude(app: &TestApp, c: &County, id: i64, result: &str) {
    for (who, step, body) in [
        (
            &c.office,
            "investigate",
            json!({"text": "经核实", "responsible": "staff_a"}),
        ),
        (&c.staff, "sign", json!({"text": "无异议"})),
        (&c.leader, "instruct", json!({"text": "整改"})),
        (&c.office, "publish", json!({"text": result})),
    ] {
        let a = app
            .post(&format!("/api/v1/complaints/{id}/{step}"), who, body)
            .await;
        assert_eq!(a.status, 200, "{step}: {:#}", a.body);
    }
}

async fn hotline_outcomes(app: TestApp) {
    let hotline = Peer::start(Mode::Hanging).await;
    let app = with_connectors(
        app,
        vec![(
            "hotline",
            ConnectorConfig {
                format: Format::Hotline,
                ..connector(&hotline, &[])
            },
        )],
    )
    .await;
    let c = county(&app).await;
    let mut ids = Vec::new();
    for (source, reference) in [("hotline", "12345-0009"), ("portal", "WEB-0001")] {
        let a = app
            .post(
                "/api/v1/complaints",
                &c.hotline,
                json!({"source": source, "source_ref": reference, "case_id": c.case_id,
                       "staff_id": c.staff_id,
                       "complainant": {"name": "王五", "phone": PHONE},
                       "content": "窗口人员态度生硬"}),
            )
            .await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        ids.push(a.body["id"].as_i64().unwrap());
    }
    conclude(&app, &c, ids[0], "投诉属实,已责成整改").await;
    conclude(&app, &c, ids[1], "网站投诉已办结").await;
    // The hotline times out first; its outcome goes out again with the same key once it answers.
    tried(&app, "hotline").await;
    hotline.set(Mode::Healthy);
    wait_until(&app, "the outcome at the hotline", || {
        !hotline.acked().is_empty()
    })
    .await;
    let hits = hotline.hits();
    assert!(hits.iter().all(|h| h.key == hits[0].key), "{hits:#?}");
    let outcome = &hits.iter().find(|h| h.acked).unwrap().body;
    assert_eq!(outcome["work_order_no"], "12345-0009");
    assert_eq!(outcome["status"], "concluded");
    assert_eq!(outcome["result"], "投诉属实,已责成整改");
    assert!(outcome["complaint_no"].as_str().unwrap().starts_with("TS-"));
    assert!(!outcome.to_string().contains(PHONE));
    // The portal's complaint owes the hotline nothing: settled without a request, by the run
    // after the one that delivered the outcome, or by that one.
    let start = std::time::Instant::now();
    let state = loop {
        let s = app
            .get("/api/v1/connectors/hotline", &app.admin_token)
            .await;
        if s.body["backlog"] == 0 || start.elapsed() > std::time::Duration::from_secs(30) {
            break s;
        }
        app.clock.advance(1_000);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(state.body["backlog"], 0, "{:#}", state.body);
    assert_eq!(state.body["delivered"], 2, "{:#}", state.body);
    assert!(
        hotline
            .hits()
            .iter()
            .all(|h| h.body["work_order_no"] == "12345-0009")
    );
    hotline.handle.stop(false).await;
}

on_each_backend!(
    the_hotline_hears_the_outcome_of_its_complaints,
    hotline_outcomes
);

/// A self-signed CA and a certificate it signed for 127.0.0.1: (CA PEM, cert DER, key DER).
fn certificates() -> (String, Vec<u8>, Vec<u8>) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "yiwang test CA");
    let ca = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    (ca.pem(), leaf.der().to_vec(), key.serialize_der())
}

/// A real https peer on a free port: answers every request `{}` and keeps its idempotency
/// keys. Answers its port and the keys.
async fn https_peer(cert: Vec<u8>, key: Vec<u8>) -> (u16, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::ServerConfig;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert)],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let keys: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = keys.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (acceptor, seen) = (acceptor.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Headers, then as much body as Content-Length says.
                loop {
                    let Ok(n) = tls.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            let key = text[..end].lines().find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("idempotency-key")
                                    .then(|| v.trim().to_owned())
                            });
                            seen.lock().unwrap().extend(key);
                            break;
                        }
                    }
                }
                let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                              content-length: 2\r\nconnection: close\r\n\r\n{}";
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, keys)
}

async fn https_peers(app: TestApp) {
    let (ca, cert, key) = certificates();
    let (port, keys) = https_peer(cert, key).await;
    let (_, other_cert, other_key) = certificates();
    let (other_port, other_keys) = https_peer(other_cert, other_key).await;
    let db = app.stop().await;
    let ca_file = db.dir.path().join("peers-ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    let mut config = test_config(&db);
    config.integrations.extra_root_ca = Some(ca_file);
    let https = |port: u16| ConnectorConfig {
        format: Format::Webhook,
        endpoint: format!("https://127.0.0.1:{port}/hook"),
        events: vec!["department.".into()],
        max_attempts: 2,
        timeout_ms: 2_000,
        backoff_base_ms: 100,
        backoff_max_ms: 200,
        ..Default::default()
    };
    config
        .integrations
        .connectors
        .insert("trusted".into(), https(port));
    config
        .integrations
        .connectors
        .insert("untrusted".into(), https(other_port));
    let app = TestApp::spawn_on(db, config, Vec::new()).await;
    let root = app.root_id().await;
    let d = app
        .post(
            "/api/v1/departments",
            &app.admin_token,
            json!({"region_id": root, "code": "TLS", "name": "数据局"}),
        )
        .await;
    assert_eq!(d.status, 201, "{:#}", d.body);
    wait_until(&app, "the https delivery", || {
        !keys.lock().unwrap().is_empty()
    })
    .await;
    assert!(keys.lock().unwrap()[0].starts_with("yiwang:trusted:"));
    // A peer whose certificate no trusted root signed is never sent to: parked with the cause.
    let mut parked = Value::Null;
    for _ in 0..200 {
        parked = app
            .get("/api/v1/connectors/untrusted/parked", &app.admin_token)
            .await
            .body;
        if parked["items"].as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        app.clock.advance(1_000);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let error = parked["items"][0]["last_error"]
        .as_str()
        .unwrap_or_default();
    assert!(!error.is_empty(), "{parked:#}");
    assert!(other_keys.lock().unwrap().is_empty());
}

on_each_backend!(
    https_peers_are_reached_through_a_configured_root_ca,
    https_peers
);
