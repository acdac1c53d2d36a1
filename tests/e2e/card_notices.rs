//! Card notices (`notify.cards`): a card opened before office hours waits for them, then one
//! SMS goes to the staff member handling its case (a real HTTP gateway started here) and one
//! mail to the office (a real SMTP listener); a silenced card waits for its silence to end, and
//! a step's yellow card under its case's red card is never told. A bad review left unrectified
//! gets a workflow card, told the same way to the staff member it is about.

use std::time::{Duration, Instant};

use chrono::{FixedOffset, NaiveDate, TimeZone};
use serde_json::{Value, json};
use yiwang_core::domain::calendar::Calendar;
use yiwang_core::service::integrations::{ConnectorConfig, Format};
use yiwang_core::service::supervision;
use yiwang_tests::{Backend, TestApp, TestDb, backends, id_number, test_config};

use crate::integrations::{Mode, Peer, connector};
use crate::supervision::{Mail, smtp_listener};

const ANOMALIES: &str = "/api/v1/supervision/anomalies";
const PHONE: &str = "13800138000";

fn local(app: &TestApp) -> chrono::DateTime<FixedOffset> {
    chrono::DateTime::from_timestamp_millis(app.clock.now())
        .unwrap()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
}

/// Moves the clock forward to `hh:mm` (Beijing time) on `day`.
fn move_to(app: &TestApp, day: NaiveDate, hh: u32, mm: u32) {
    let target = FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .from_local_datetime(&day.and_hms_opt(hh, mm, 0).unwrap())
        .unwrap()
        .timestamp_millis();
    let now = app.clock.now();
    assert!(target > now, "the clock only moves forward");
    app.clock.advance(target - now);
}

/// The cards of a case, as the office sees them.
async fn cards(app: &TestApp, office: &str, case: i64) -> Vec<Value> {
    let a = app
        .get(&format!("{ANOMALIES}?case_id={case}&limit=100"), office)
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["items"].as_array().unwrap().clone()
}

/// Waits (up to 10 s) until the case has a live card of `rule`, and answers it.
async fn card(app: &TestApp, office: &str, case: i64, rule: &str) -> Value {
    let start = Instant::now();
    loop {
        if let Some(c) = cards(app, office, case)
            .await
            .into_iter()
            .find(|c| c["rule_code"] == rule && c["closed_at"].is_null())
        {
            return c;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no {rule} card on case {case}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (up to 10 s) until `n` SMS reached the gateway.
async fn sms_count(sms: &Peer, n: usize) -> Vec<Value> {
    let start = Instant::now();
    while sms.acked().len() < n {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{} SMS, not {n}",
            sms.acked().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sms.hits().into_iter().map(|h| h.body).collect()
}

async fn mail(mails: &mut tokio::sync::mpsc::UnboundedReceiver<Mail>) -> Mail {
    tokio::time::timeout(Duration::from_secs(10), mails.recv())
        .await
        .expect("a mail arrives")
        .unwrap()
}

async fn act(app: &TestApp, tok: &str, id: i64, action: &str, body: Value) {
    let a = app
        .post(&format!("/api/v1/cases/{id}/{action}"), tok, body)
        .await;
    assert_eq!(a.status, 200, "{action}: {:#}", a.body);
}

async fn notices(backend: Backend) {
    let sms = Peer::start(Mode::Healthy).await;
    let (smtp_port, mut mails) = smtp_listener().await;
    let db = TestDb::new(backend);
    let mut config = test_config(&db);
    config.notify.smtp.enabled = true;
    config.notify.smtp.port = smtp_port;
    config.notify.smtp.from = "督察处 <office@example.gov.cn>".into();
    config.notify.smtp.office = vec!["office@example.gov.cn".into()];
    config.notify.cards.enabled = true;
    // The clock jumps weeks ahead; sessions outlive it.
    config.auth.session_ttl_minutes = 60 * 24 * 60;
    config.integrations.connectors.insert(
        "sms".into(),
        ConnectorConfig {
            format: Format::Sms,
            ..connector(&sms, &[])
        },
    );
    let app = TestApp::spawn_on(db, config, supervision::jobs()).await;
    let cal = Calendar::bundled().unwrap();
    // 07:00 on the next working day: before office hours.
    let day = cal.next_working_day(local(&app).date_naive());
    move_to(&app, day, 7, 0);

    let root = app.root_id().await;
    let region = app.region("990102", "甲区", "county", root).await;
    let dep = app.department(region, "SCJ", "市场监督管理局").await;
    let item = app
        .published_item(
            region,
            dep,
            json!({
                "item_code": "11350100MB0001-001", "name": "食品经营许可", "item_type": "licensing",
                "legal_basis": "《中华人民共和国食品安全法》第三十五条",
                "legal_limit_days": 20, "promised_limit_days": 5,
                "fee": {"kind": "none"},
                "materials": [{"name": "营业执照", "required": true}],
                "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 20}],
                "online": true, "delivery_modes": ["window"]
            }),
        )
        .await;
    let u = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({"username": "wang", "display_name": "王窗口", "password": "wang-password",
                   "region_id": region, "department_id": dep, "phone": PHONE}),
        )
        .await;
    assert_eq!(u.status, 201, "{:#}", u.body);
    let g = app
        .post(
            &format!("/api/v1/users/{}/roles", u.body["id"]),
            &app.admin_token,
            json!({"role": "window_staff", "scope_kind": "region", "scope_id": region}),
        )
        .await;
    assert_eq!(g.status, 201, "{:#}", g.body);
    let staff = app.login("wang", "wang-password").await;
    let (_, office) = app
        .user_with_role(
            "office",
            region,
            None,
            "supervisor",
            ("region", Some(region)),
        )
        .await;
    let submit = |body17: &'static str| {
        let (app, staff) = (&app, &staff);
        async move {
            let a = app
                .post(
                    "/api/v1/cases",
                    staff,
                    json!({
                        "item_id": item, "channel": "window",
                        "applicant": {"kind": "person", "name": "张三",
                                      "id_number": id_number(body17)},
                        "materials": ["营业执照"]
                    }),
                )
                .await;
            assert_eq!(a.status, 201, "{:#}", a.body);
            (
                a.body["id"].as_i64().unwrap(),
                a.body["case_no"].as_str().unwrap().to_owned(),
            )
        }
    };

    // Before hours: a red card (terminated), a yellow one (refused at intake, then silenced
    // until 10:00), and a case that runs on.
    let (ended, ended_no) = submit("11010519491231002").await;
    act(&app, &staff, ended, "accept", json!({})).await;
    act(
        &app,
        &staff,
        ended,
        "terminate",
        json!({"reason": "申请人撤回"}),
    )
    .await;
    let (refused, refused_no) = submit("11010519500101003").await;
    act(
        &app,
        &staff,
        refused,
        "reject",
        json!({"reason": "不属于本部门"}),
    )
    .await;
    let (running, running_no) = submit("11010519510202004").await;
    act(&app, &staff, running, "accept", json!({})).await;
    let red = card(&app, &office, ended, "process-terminated").await;
    let yellow = card(&app, &office, refused, "process-rejected").await;
    let until = FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap())
        .unwrap();
    let s = app
        .post(
            &format!("{ANOMALIES}/{}/silence", yellow["id"]),
            &office,
            json!({"reason": "已电话沟通", "until": until.to_rfc3339()}),
        )
        .await;
    assert_eq!(s.status, 200, "{:#}", s.body);
    // Two runs of the job (every 2 s) pass: nobody is told at 07:00.
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    assert!(sms.hits().is_empty(), "{:?}", sms.hits().len());
    assert!(mails.try_recv().is_err());
    assert!(card(&app, &office, ended, "process-terminated").await["notified_at"].is_null());

    // 09:00: the red card is told, once, to its handler and the office.
    move_to(&app, day, 9, 0);
    let sent = sms_count(&sms, 1).await;
    assert_eq!(sent[0]["phone"], PHONE, "{:#}", sent[0]);
    let text = sent[0]["text"].as_str().unwrap();
    assert!(text.contains(&ended_no) && text.contains("红牌"), "{text}");
    let m = mail(&mut mails).await;
    assert_eq!(m.rcpt, ["<office@example.gov.cn>"]);
    assert!(m.data.contains(&ended_no), "{}", m.data);
    let told = card(&app, &office, ended, "process-terminated").await;
    assert!(told["notified_at"].is_string(), "{told:#}");
    let detail = app
        .get(&format!("{ANOMALIES}/{}", red["id"]), &office)
        .await;
    assert_eq!(detail.status, 200, "{:#}", detail.body);
    let notes = detail.body["notes"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n["action"] == "notify" && n["note"].as_str().unwrap().contains("王窗口")),
        "{notes:#?}"
    );
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(sms.hits().len(), 1, "the silenced card waits");
    assert!(card(&app, &office, refused, "process-rejected").await["notified_at"].is_null());

    // 10:30: the silence is over and the yellow card is told.
    move_to(&app, day, 10, 30);
    let sent = sms_count(&sms, 2).await;
    let text = sent[1]["text"].as_str().unwrap();
    assert!(
        text.contains(&refused_no) && text.contains("黄牌"),
        "{text}"
    );
    assert!(mail(&mut mails).await.data.contains(&refused_no));

    // A bad review of 王窗口's service on the running case: fifteen working days to rectify.
    let (_, tablet) = app
        .user_with_role("tablet_1", region, None, "device", ("region", Some(region)))
        .await;
    let r = app
        .post(
            "/api/v1/evaluations",
            &tablet,
            json!({"source": "tablet", "source_message_id": "m-1", "rating": 1,
                   "case_id": running, "staff_id": u.body["id"], "comment": "态度差"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let bad = r.body["id"].as_i64().unwrap();

    // 17 working days on, in office hours, the running case is overdue: its red card is told;
    // the step's yellow card beneath it is muted, and stays untold. The bad review is past its
    // rectification: its workflow card is told to the staff member it is about, and the office.
    move_to(&app, cal.add_working_days(day, 17), 9, 30);
    let over = card(&app, &office, running, "case-time-red").await;
    let step = card(&app, &office, running, "step-time-yellow").await;
    assert_eq!(step["inhibited"], true, "{step:#}");
    let sent = sms_count(&sms, 4).await;
    let texts: Vec<&str> = sent[2..]
        .iter()
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains(&running_no) && t.contains("红牌")),
        "{texts:?}"
    );
    let review = format!("评价编号{bad}");
    assert!(
        texts
            .iter()
            .any(|t| t.contains(&review) && t.contains("差评整改") && t.contains("红牌")),
        "{texts:?}"
    );
    assert!(sent[2..].iter().all(|b| b["phone"] == PHONE), "{sent:#?}");
    let letters = [mail(&mut mails).await.text(), mail(&mut mails).await.text()];
    assert!(
        letters.iter().any(|m| m.contains(&running_no)),
        "{letters:?}"
    );
    assert!(
        letters
            .iter()
            .any(|m| m.contains("差评整改") && m.contains("王窗口") && m.contains(&review)),
        "{letters:?}"
    );
    let w = app
        .get(
            "/api/v1/supervision/workflow-cards?subject=evaluation",
            &office,
        )
        .await;
    assert_eq!(w.status, 200, "{:#}", w.body);
    let wcard = &w.body["items"][0];
    assert_eq!(wcard["subject_id"], bad, "{:#}", w.body);
    assert!(wcard["notified_at"].is_string(), "{wcard:#}");
    let detail = app
        .get(
            &format!("/api/v1/supervision/workflow-cards/{}", wcard["id"]),
            &office,
        )
        .await;
    assert_eq!(detail.status, 200, "{:#}", detail.body);
    assert!(
        detail.body["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["action"] == "notify" && n["note"].as_str().unwrap().contains("王窗口")),
        "{:#}",
        detail.body
    );
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(sms.hits().len(), 4, "{:#?}", sms.hits().len());
    assert!(card(&app, &office, running, "step-time-yellow").await["notified_at"].is_null());
    assert!(card(&app, &office, running, "case-time-red").await["notified_at"].is_string());
    assert_eq!(over["severity"], "red");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_are_told_to_the_handler_and_the_office_within_working_hours() {
    for backend in backends() {
        notices(backend).await;
    }
}
