//! Online supervision: yellow then red cards as a case's clock runs (the engine's
//! timer, moved by the test clock), rules refused with their column, dry runs, the cards' life
//! (bulk actions, silences, inhibition) and scope between counties.

use std::time::Duration;

use chrono::{FixedOffset, NaiveDate};
use serde_json::{Value, json};
use yiwang_core::domain::calendar::Calendar;
use yiwang_core::service::supervision;
use yiwang_tests::{ADMIN_PASSWORD, Backend, TestApp, TestDb, backends, id_number, test_config};

const DAY_MS: i64 = 86_400_000;
const ANOMALIES: &str = "/api/v1/supervision/anomalies";
const RULES: &str = "/api/v1/supervision/rules";

/// Starts an app that runs the supervision engine.
async fn spawn(backend: Backend) -> TestApp {
    let db = TestDb::new(backend);
    let config = test_config(&db);
    TestApp::spawn_on(db, config, supervision::jobs()).await
}

/// County A with an item (promised 5 days, one 20-day step), its window staff and supervisor;
/// county B with its own supervisor.
pub(crate) struct County {
    item: i64,
    pub staff: String,
    pub office: String,
    office_b: String,
}

pub(crate) async fn county(app: &TestApp) -> County {
    let root = app.root_id().await;
    let a = app.region("990102", "甲区", "county", root).await;
    let b = app.region("990121", "乙县", "county", root).await;
    let dep = app.department(a, "SCJ", "市场监督管理局").await;
    let content = json!({
        "item_code": "11350100MB0001-001", "name": "食品经营许可", "item_type": "licensing",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "legal_limit_days": 20, "promised_limit_days": 5,
        "fee": {"kind": "none"},
        "materials": [{"name": "营业执照", "required": true}],
        "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 20}],
        "online": true, "delivery_modes": ["window"]
    });
    let item = app.published_item(a, dep, content).await;
    let (_, staff) = app
        .user_with_role("staff_a", a, None, "window_staff", ("region", Some(a)))
        .await;
    let (_, office) = app
        .user_with_role("office_a", a, None, "supervisor", ("region", Some(a)))
        .await;
    let (_, office_b) = app
        .user_with_role("office_b", b, None, "supervisor", ("region", Some(b)))
        .await;
    County {
        item,
        staff,
        office,
        office_b,
    }
}

pub(crate) async fn submit(app: &TestApp, c: &County, body17: &str) -> i64 {
    let a = app
        .post(
            "/api/v1/cases",
            &c.staff,
            json!({
                "item_id": c.item, "channel": "window",
                "applicant": {"kind": "person", "name": "张三", "id_number": id_number(body17)},
                "materials": ["营业执照"]
            }),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.body["id"].as_i64().unwrap()
}

pub(crate) async fn act(app: &TestApp, tok: &str, id: i64, action: &str, body: Value) {
    let a = app
        .post(&format!("/api/v1/cases/{id}/{action}"), tok, body)
        .await;
    assert_eq!(a.status, 200, "{action}: {:#}", a.body);
}

pub(crate) fn today(app: &TestApp) -> NaiveDate {
    let tz = FixedOffset::east_opt(8 * 3600).unwrap();
    chrono::DateTime::from_timestamp_millis(app.clock.now())
        .unwrap()
        .with_timezone(&tz)
        .date_naive()
}

/// Moves the clock to the day `n` working days after `from` (same time of day).
pub(crate) fn move_to_working_day(app: &TestApp, from: NaiveDate, n: u32) {
    let cal = Calendar::bundled().unwrap();
    let target = cal.add_working_days(from, n);
    let days = (target - today(app)).num_days();
    app.clock.advance(days * DAY_MS);
}

/// The cards of a case, as `who` sees them.
pub(crate) async fn cards(app: &TestApp, who: &str, case: i64) -> Vec<Value> {
    let a = app
        .get(&format!("{ANOMALIES}?case_id={case}&limit=100"), who)
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["items"].as_array().unwrap().clone()
}

/// Waits (up to 5 s) until the case has a card of `rule` in `status`.
async fn wait_for(app: &TestApp, who: &str, case: i64, rule: &str, status: &str) -> Value {
    for _ in 0..100 {
        let found = cards(app, who, case)
            .await
            .into_iter()
            .find(|c| c["rule_code"] == rule && c["status"] == status);
        if let Some(c) = found {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no {status} {rule} card on case {case}: {:#?}",
        cards(app, who, case).await
    );
}

async fn yellow_then_red(app: TestApp) {
    let c = county(&app).await;
    let id = submit(&app, &c, "11010519491231002").await;
    act(&app, &c.staff, id, "accept", json!({})).await;
    let accepted_on = today(&app);
    // Nothing is due on the first days.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(cards(&app, &c.office, id).await.is_empty());

    // Four of five working days used: 80 % of the promised limit, the yellow card.
    move_to_working_day(&app, accepted_on, 4);
    let office = app.login("office_a", "office_a-password").await;
    let yellow = wait_for(&app, &office, id, "case-time-yellow", "open").await;
    assert_eq!(yellow["severity"], "yellow");
    assert_eq!(yellow["kind"], "time_limit");
    assert_eq!(yellow["step"], -1);
    assert_eq!(yellow["facts"]["case.used"], 0.8);
    assert_eq!(yellow["facts"]["case.remaining"], 1.0);
    assert!(
        cards(&app, &office, id)
            .await
            .iter()
            .all(|c| c["rule_code"] != "case-time-red")
    );

    // One working day past the deadline: the red card, and the yellow one closes by itself.
    move_to_working_day(&app, accepted_on, 6);
    let office = app.login("office_a", "office_a-password").await;
    let red = wait_for(&app, &office, id, "case-time-red", "open").await;
    assert_eq!(red["severity"], "red");
    assert_eq!(red["facts"]["case.remaining"], -1.0);
    wait_for(&app, &office, id, "case-time-yellow", "closed").await;

    // Each card is an audited event, in the case's region.
    let admin = app.login("admin", ADMIN_PASSWORD).await;
    let events = app.get("/api/v1/events?after=0&limit=500", &admin).await;
    let kinds: Vec<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "anomaly")
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["anomaly.opened", "anomaly.opened", "anomaly.closed"]
    );
    let verify = app.get("/api/v1/audit/verify", &admin).await;
    assert!(verify.body["first_broken"].is_null(), "{:#}", verify.body);

    // The other county's office sees none of it.
    let b = app.login("office_b", "office_b-password").await;
    assert!(cards(&app, &b, id).await.is_empty());
    let hidden = app.get(&format!("{ANOMALIES}/{}", red["id"]), &b).await;
    hidden.assert_problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_near_its_limit_gets_a_yellow_card_then_a_red_one() {
    for backend in backends() {
        yellow_then_red(spawn(backend).await).await;
    }
}

async fn rules_and_dry_runs(app: TestApp) {
    let c = county(&app).await;
    let id = submit(&app, &c, "11010519491231002").await;
    let bad = app
        .post(
            RULES,
            &c.office,
            json!({"code": "x", "name": "坏规则", "kind": "process", "severity": "red",
                   "condition": "status == 'submitted' and case.elapsd > 3"}),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let reason = bad.body["errors"][0]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        bad.body["errors"][0]["field"], "condition",
        "{:#}",
        bad.body
    );
    assert!(reason.starts_with("column 27:"), "{reason}");
    assert!(reason.contains("case.elapsd"), "{reason}");

    // Staff may not write rules.
    let refused = app
        .post(
            RULES,
            &c.staff,
            json!({"code": "x", "name": "n", "kind": "process", "severity": "red",
                   "condition": "open"}),
        )
        .await;
    refused.assert_problem(403, "forbidden");

    // A dry run flags the waiting case, only within the caller's scope.
    let draft = json!({"condition": "status == 'submitted' and materials.count >= 1"});
    let run = app
        .post("/api/v1/supervision/dry-run", &c.office, draft.clone())
        .await;
    assert_eq!(run.status, 200, "{:#}", run.body);
    assert_eq!(run.body["flagged"], 1);
    assert_eq!(run.body["hits"][0]["case_id"], id);
    assert_eq!(run.body["hits"][0]["facts"]["materials.count"], 1.0);
    let elsewhere = app
        .post("/api/v1/supervision/dry-run", &c.office_b, draft)
        .await;
    assert_eq!(elsewhere.body["flagged"], 0, "{:#}", elsewhere.body);

    // Saved, then edited: a new version each time; disabled rules flag nothing.
    let created = app
        .post(
            RULES,
            &c.office,
            json!({"code": "waiting", "name": "待受理", "kind": "process", "severity": "yellow",
                   "condition": "status == 'submitted'"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let rule = created.body["id"].as_i64().unwrap();
    assert_eq!(created.body["version"], 1);
    let scan = app
        .post("/api/v1/supervision/scan", &c.office, json!({}))
        .await;
    assert_eq!(scan.status, 200, "{:#}", scan.body);
    wait_for(&app, &c.office, id, "waiting", "open").await;
    let edited = app
        .call(
            reqwest::Method::PUT,
            &format!("{RULES}/{rule}"),
            Some(&c.office),
            Some(
                json!({"name": "待受理", "kind": "process", "severity": "red",
                        "condition": "status == 'submitted'", "enabled": false}),
            ),
        )
        .await;
    assert_eq!(edited.status, 200, "{:#}", edited.body);
    assert_eq!(edited.body["version"], 2);
    let versions = app
        .get(&format!("{RULES}/{rule}/versions"), &c.office)
        .await;
    assert_eq!(versions.body.as_array().unwrap().len(), 2);
    assert_eq!(versions.body[0]["severity"], "yellow");

    // The built-in indicators are there.
    let indicators = app.get("/api/v1/supervision/indicators", &c.office).await;
    assert_eq!(indicators.status, 200);
    let kinds: Vec<&str> = indicators
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["time_limit", "process", "content", "fee", "integrity_risk"]
    );
    assert!(
        indicators.body[0]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "case-time-red" && r["builtin"] == true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_are_checked_when_saved_and_dry_runs_list_what_they_flag() {
    for backend in backends() {
        rules_and_dry_runs(spawn(backend).await).await;
    }
}

async fn card_life(app: TestApp) {
    let c = county(&app).await;
    let id = submit(&app, &c, "11010519491231002").await;
    let other = submit(&app, &c, "11010519491231003").await;
    act(&app, &c.staff, id, "accept", json!({})).await;
    for (code, severity, condition) in [
        ("in-review", "red", "status == 'in_review'"),
        (
            "first-step",
            "yellow",
            "status == 'in_review' and step == 0",
        ),
        ("waiting", "yellow", "status == 'submitted'"),
    ] {
        let r = app
            .post(
                RULES,
                &c.office,
                json!({"code": code, "name": code, "kind": "process", "severity": severity,
                       "condition": condition}),
            )
            .await;
        assert_eq!(r.status, 201, "{:#}", r.body);
    }
    // Rule changes re-judge every case (the engine hears the rule events).
    let red = wait_for(&app, &c.office, id, "in-review", "open").await;
    let step = wait_for(&app, &c.office, id, "first-step", "open").await;
    assert_eq!(step["step"], 0);
    assert_eq!(red["step"], -1);
    assert_eq!(
        step["inhibited"], true,
        "a case red card mutes the step yellow beneath it"
    );
    assert_eq!(red["inhibited"], false);
    let waiting = wait_for(&app, &c.office, other, "waiting", "open").await;

    // One card in detail: the other cards of its case and the case's history.
    let detail = app
        .get(&format!("{ANOMALIES}/{}", red["id"]), &c.office)
        .await;
    assert_eq!(detail.status, 200, "{:#}", detail.body);
    assert!(detail.body["case_cards"].as_array().unwrap().len() >= 2);
    let actions: Vec<&str> = detail.body["case_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["submit", "accept"]);

    // Life: acknowledge, then dismiss; a finished card takes nothing more.
    let path = |id: &Value| format!("{ANOMALIES}/{id}/actions");
    let ack = app
        .post(
            &path(&red["id"]),
            &c.office,
            json!({"action": "acknowledge", "note": "已核实"}),
        )
        .await;
    assert_eq!(ack.status, 200, "{:#}", ack.body);
    assert_eq!(ack.body["status"], "acknowledged");
    let staff_try = app
        .post(&path(&red["id"]), &c.staff, json!({"action": "confirm"}))
        .await;
    staff_try.assert_problem(404, "not_found");
    let region = red["region_id"].as_i64().unwrap();
    let (_, auditor) = app
        .user_with_role("aud_a", region, None, "auditor", ("region", Some(region)))
        .await;
    let seen = app
        .get(&format!("{ANOMALIES}/{}", red["id"]), &auditor)
        .await;
    assert_eq!(seen.status, 200, "{:#}", seen.body);
    app.post(&path(&red["id"]), &auditor, json!({"action": "confirm"}))
        .await
        .assert_problem(403, "forbidden");
    let order_here = app
        .post(&path(&red["id"]), &c.office, json!({"action": "order"}))
        .await;
    order_here.assert_problem(422, "validation_failed");

    // Bulk: two dismissed, one unknown id reported, none lost.
    let bulk = app
        .post(
            &format!("{ANOMALIES}/bulk"),
            &c.office,
            json!({"ids": [red["id"], waiting["id"], 999_999], "action": "dismiss", "note": "误报"}),
        )
        .await;
    assert_eq!(bulk.status, 200, "{:#}", bulk.body);
    assert_eq!(bulk.body["done"].as_array().unwrap().len(), 2);
    assert_eq!(bulk.body["failed"][0]["id"], 999_999);
    assert_eq!(bulk.body["failed"][0]["code"], "not_found");
    let again = app
        .post(&path(&red["id"]), &c.office, json!({"action": "close"}))
        .await;
    again.assert_problem(409, "conflict");
    assert_eq!(again.body["detail"], "a dismissed anomaly cannot close");

    // With the red card dismissed, the step card is no longer muted.
    let step_now = cards(&app, &c.office, id)
        .await
        .into_iter()
        .find(|x| x["id"] == step["id"])
        .unwrap();
    assert_eq!(step_now["inhibited"], false);

    // Silences need a reason and a future end; silenced cards can be hidden.
    let s = format!("{ANOMALIES}/{}/silence", step["id"]);
    let past = app
        .post(
            &s,
            &c.office,
            json!({"reason": "", "until": "2000-01-01T00:00:00Z"}),
        )
        .await;
    past.assert_problem(422, "validation_failed");
    assert_eq!(past.body["errors"].as_array().unwrap().len(), 2);
    let until = chrono::DateTime::from_timestamp_millis(app.clock.now() + 3 * DAY_MS).unwrap();
    let ok = app
        .post(
            &s,
            &c.office,
            json!({"reason": "专家评审期间", "until": until}),
        )
        .await;
    assert_eq!(ok.status, 200, "{:#}", ok.body);
    let shown = app
        .get(
            &format!("{ANOMALIES}?case_id={id}&hide_silenced=true"),
            &c.office,
        )
        .await;
    assert!(
        shown.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["id"] != step["id"])
    );
    let notes = app
        .get(&format!("{ANOMALIES}/{}", step["id"]), &c.office)
        .await;
    let last = notes.body["notes"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "silence");
    assert_eq!(last["note"], "专家评审期间");

    // Filters: by severity and status.
    let reds = app
        .get(
            &format!("{ANOMALIES}?severity=red&status=dismissed"),
            &c.office,
        )
        .await;
    assert_eq!(
        reds.body["items"].as_array().unwrap().len(),
        1,
        "{:#}",
        reds.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_works_cards_through_their_life_in_bulk_and_with_silences() {
    for backend in backends() {
        card_life(spawn(backend).await).await;
    }
}

async fn orders_and_replies(app: TestApp) {
    let c = county(&app).await;
    let id = submit(&app, &c, "11010519491231002").await;
    act(&app, &c.staff, id, "accept", json!({})).await;
    let r = app
        .post(
            RULES,
            &c.office,
            json!({"code": "in-review", "name": "审查中", "kind": "process", "severity": "red",
                   "condition": "status == 'in_review'"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let card = wait_for(&app, &c.office, id, "in-review", "open").await;

    let orders = "/api/v1/supervision/orders";
    let both = app
        .post(
            orders,
            &c.office,
            json!({"anomaly_id": card["id"], "case_id": id,
              "addressee": "李四", "content": "x"}),
        )
        .await;
    both.assert_problem(422, "validation_failed");
    let issued = app
        .post(
            orders,
            &c.office,
            json!({"anomaly_id": card["id"], "addressee": "窗口负责人 李四",
                   "content": "请说明<b>超期</b>原因并整改", "reply_days": 2}),
        )
        .await;
    assert_eq!(issued.status, 201, "{:#}", issued.body);
    let order = issued.body["id"].as_i64().unwrap();
    let order_no = issued.body["order_no"].as_str().unwrap().to_owned();
    assert!(order_no.starts_with("DB-"), "{order_no}");
    assert_eq!(issued.body["status"], "issued");
    let card_now = app
        .get(&format!("{ANOMALIES}/{}", card["id"]), &c.office)
        .await;
    assert_eq!(card_now.body["anomaly"]["status"], "ordered");

    // The window sees the order addressed to it; the other county does not.
    let mine = app.get(orders, &c.staff).await;
    assert_eq!(mine.status, 200, "{:#}", mine.body);
    assert_eq!(mine.body["items"][0]["id"], order);
    let theirs = app.get(orders, &c.office_b).await;
    assert!(theirs.body["items"].as_array().unwrap().is_empty());
    app.get(&format!("{orders}/{order}"), &c.office_b)
        .await
        .assert_problem(404, "not_found");

    // The printable form: A4, Chinese, number, escaped text, signature lines.
    let page = app
        .client
        .get(app.url(&format!("{orders}/{order}/print")))
        .bearer_auth(&c.staff)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    for needle in [
        "督查督办通知单",
        "size:A4",
        order_no.as_str(),
        "&lt;b&gt;超期",
        "签字",
        "食品经营许可",
        "测试市",
    ] {
        assert!(html.contains(needle), "{needle} missing from the page");
    }
    assert!(!html.contains("<b>超期"));

    // The office does not reply for the window; the window does.
    let reply = json!({"cause": "审查人员请假", "correction": "已调配人员，三日内办结", "verdict": "confirm"});
    app.post(&format!("{orders}/{order}/reply"), &c.office, reply.clone())
        .await
        .assert_problem(403, "forbidden");
    let replied = app
        .post(&format!("{orders}/{order}/reply"), &c.staff, reply.clone())
        .await;
    assert_eq!(replied.status, 200, "{:#}", replied.body);
    assert_eq!(replied.body["status"], "replied");
    assert_eq!(replied.body["reply"]["by"], "staff_a");
    app.post(&format!("{orders}/{order}/reply"), &c.staff, reply)
        .await
        .assert_problem(409, "conflict");
    let closed = app
        .post(
            &format!("{orders}/{order}/close"),
            &c.office,
            json!({"outcome": "confirmed", "note": "整改到位"}),
        )
        .await;
    assert_eq!(closed.status, 200, "{:#}", closed.body);
    assert_eq!(closed.body["status"], "closed");
    let card_now = app
        .get(&format!("{ANOMALIES}/{}", card["id"]), &c.office)
        .await;
    assert_eq!(card_now.body["anomaly"]["status"], "confirmed");
    let life: Vec<&str> = card_now.body["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert_eq!(life, ["order", "reply", "confirm"]);

    // An order straight from a case, not answered in time, is escalated.
    let direct = app
        .post(
            orders,
            &c.office,
            json!({"case_id": id, "addressee": "李四",
              "content": "请说明办理进度", "reply_days": 1}),
        )
        .await;
    assert_eq!(direct.status, 201, "{:#}", direct.body);
    let direct_id = direct.body["id"].as_i64().unwrap();
    move_to_working_day(&app, today(&app), 2);
    let office = app.login("office_a", "office_a-password").await;
    let mut status = Value::Null;
    for _ in 0..100 {
        status = app
            .get(&format!("{orders}/{direct_id}"), &office)
            .await
            .body["status"]
            .clone();
        if status == "escalated" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "escalated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_go_to_the_window_head_get_replies_print_and_escalate() {
    for backend in backends() {
        orders_and_replies(spawn(backend).await).await;
    }
}

/// One message a test SMTP listener took: its recipients and its data.
#[derive(Debug)]
pub(crate) struct Mail {
    pub(crate) rcpt: Vec<String>,
    pub(crate) data: String,
}

impl Mail {
    /// The body after the headers, its quoted-printable undone.
    pub(crate) fn text(&self) -> String {
        let body = self.data.split_once("\n\n").map_or("", |(_, b)| b);
        let body = body.replace("=\r\n", "").replace("=\n", "");
        let mut out = Vec::new();
        let mut rest = body.as_bytes();
        while let Some((&b, tail)) = rest.split_first() {
            let hex = tail
                .get(..2)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (b, hex) {
                (b'=', Some(x)) => {
                    out.push(x);
                    rest = &tail[2..];
                }
                _ => {
                    out.push(b);
                    rest = tail;
                }
            }
        }
        String::from_utf8(out).unwrap()
    }
}

/// A real SMTP listener on a free port, speaking just enough of the protocol for one client at a
/// time; every message it takes is sent to the returned channel.
pub(crate) async fn smtp_listener() -> (u16, tokio::sync::mpsc::UnboundedReceiver<Mail>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 test\r\n"
                    } else if upper.starts_with("MAIL FROM") {
                        rcpt.clear();
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO") {
                        rcpt.push(line[8..].trim().to_owned());
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        write.write_all(b"354 end with .\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        let _ = tx.send(Mail {
                            rcpt: std::mem::take(&mut rcpt),
                            data,
                        });
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    write.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (port, rx)
}

async fn notices_by_email(backend: Backend) {
    let (port, mut mails) = smtp_listener().await;
    let db = TestDb::new(backend);
    let mut config = test_config(&db);
    config.notify.smtp.enabled = true;
    config.notify.smtp.port = port;
    config.notify.smtp.from = "督察处 <office@example.gov.cn>".into();
    config.notify.smtp.office = vec!["office@example.gov.cn".into()];
    let app = TestApp::spawn_on(db, config, supervision::jobs()).await;
    let c = county(&app).await;
    let id = submit(&app, &c, "11010519491231002").await;
    let bad = app
        .post(
            "/api/v1/supervision/orders",
            &c.office,
            json!({"case_id": id, "addressee": "李四", "content": "请说明",
                   "notify": ["not an address"]}),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let issued = app
        .post(
            "/api/v1/supervision/orders",
            &c.office,
            json!({"case_id": id, "addressee": "李四", "content": "请说明受理进度",
                   "reply_days": 1, "notify": ["lisi@example.gov.cn"]}),
        )
        .await;
    assert_eq!(issued.status, 201, "{:#}", issued.body);
    let order_no = issued.body["order_no"].as_str().unwrap().to_owned();
    let mail = tokio::time::timeout(Duration::from_secs(5), mails.recv())
        .await
        .expect("the notice arrives")
        .unwrap();
    assert_eq!(
        mail.rcpt,
        ["<lisi@example.gov.cn>", "<office@example.gov.cn>"],
        "{mail:?}"
    );
    assert!(mail.data.contains(&order_no), "{}", mail.data);
    assert!(mail.data.contains("Subject: =?utf-8?"), "{}", mail.data);
    // Overdue: the office is told of the escalation.
    move_to_working_day(&app, today(&app), 2);
    let mail = tokio::time::timeout(Duration::from_secs(10), mails.recv())
        .await
        .expect("the escalation notice arrives")
        .unwrap();
    assert_eq!(mail.rcpt, ["<office@example.gov.cn>"]);
    assert!(mail.data.contains(&order_no), "{}", mail.data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_and_escalations_are_mailed_through_smtp() {
    for backend in backends() {
        notices_by_email(backend).await;
    }
}

async fn ratings(app: TestApp) {
    let c = county(&app).await;
    let id = submit(&app, &c, "11010519491231002").await;
    let case = app.get(&format!("/api/v1/cases/{id}"), &c.staff).await;
    let region = case.body["region_id"].as_i64().unwrap();
    let (tablet_user, tablet) = app
        .user_with_role("tablet_1", region, None, "device", ("region", Some(region)))
        .await;
    let rate = |msg: &str, rating: u8| {
        json!({"source": "tablet", "source_message_id": msg, "rating": rating,
               "case_id": id, "ticket_id": 42, "staff_id": tablet_user, "comment": "态度好"})
    };
    let first = app
        .post("/api/v1/evaluations", &tablet, rate("m-1", 5))
        .await;
    assert_eq!(first.status, 201, "{:#}", first.body);
    assert!(first.body["follow_up"].is_null());
    assert_eq!(first.body["item_code"], "11350100MB0001-001");
    // The same message again is the same rating.
    let again = app
        .post("/api/v1/evaluations", &tablet, rate("m-1", 1))
        .await;
    assert_eq!(again.status, 200, "{:#}", again.body);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.body["rating"], 5);
    // A bad rating opens its follow-up: call-back the next working day, 15 days to rectify.
    let bad = app
        .post("/api/v1/evaluations", &tablet, rate("m-2", 2))
        .await;
    assert_eq!(bad.status, 201, "{:#}", bad.body);
    assert_eq!(bad.body["follow_up"]["status"], "open");
    let cal = Calendar::bundled().unwrap();
    let day = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive()
    };
    let start = today(&app);
    assert_eq!(
        day(&bad.body["follow_up"]["callback_due_at"]),
        cal.add_working_days(start, 1).succ_opt().unwrap()
    );
    assert_eq!(
        day(&bad.body["follow_up"]["rectify_due_at"]),
        cal.add_working_days(start, 15).succ_opt().unwrap()
    );
    let zero = app
        .post("/api/v1/evaluations", &tablet, rate("m-3", 0))
        .await;
    zero.assert_problem(422, "validation_failed");
    let nowhere = app
        .post(
            "/api/v1/evaluations",
            &tablet,
            json!({"source": "sms", "source_message_id": "s-1", "rating": 3}),
        )
        .await;
    nowhere.assert_problem(422, "validation_failed");
    // Summaries for the office, per item and per staff member; other counties see nothing.
    let by_item = app
        .get("/api/v1/evaluations/summary?by=item", &c.office)
        .await;
    assert_eq!(by_item.status, 200, "{:#}", by_item.body);
    assert_eq!(by_item.body[0]["key"], "11350100MB0001-001");
    assert_eq!(by_item.body[0]["count"], 2);
    assert_eq!(by_item.body[0]["average"], 3.5);
    assert_eq!(by_item.body[0]["bad"], 1);
    assert_eq!(by_item.body[0]["good"], 1);
    let by_staff = app
        .get("/api/v1/evaluations/summary?by=staff", &c.office)
        .await;
    assert_eq!(by_staff.body[0]["key"], tablet_user.to_string());
    let elsewhere = app
        .get("/api/v1/evaluations/summary?by=item", &c.office_b)
        .await;
    assert_eq!(elsewhere.body, json!([]));
    app.get("/api/v1/evaluations/summary?by=item", &tablet)
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ratings_are_taken_once_per_message_and_bad_ones_open_a_follow_up() {
    for backend in backends() {
        ratings(spawn(backend).await).await;
    }
}

async fn comparison(app: TestApp) {
    let c = county(&app).await;
    let done = submit(&app, &c, "11010519491231002").await;
    act(&app, &c.staff, done, "accept", json!({})).await;
    act(
        &app,
        &c.staff,
        done,
        "steps/current/approve",
        json!({"opinion": "准予许可"}),
    )
    .await;
    let waiting = submit(&app, &c, "11010519491231003").await;
    let r = app
        .post(
            RULES,
            &c.office,
            json!({"code": "waiting", "name": "待受理", "kind": "process", "severity": "yellow",
                   "condition": "status == 'submitted'"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    wait_for(&app, &c.office, waiting, "waiting", "open").await;
    let region = app
        .get(&format!("/api/v1/cases/{done}"), &c.staff)
        .await
        .body["region_id"]
        .as_i64()
        .unwrap();
    let (_, tablet) = app
        .user_with_role("tablet_1", region, None, "device", ("region", Some(region)))
        .await;
    let rated = app
        .post(
            "/api/v1/evaluations",
            &tablet,
            json!({"source": "tablet", "source_message_id": "m-1", "rating": 4, "case_id": done}),
        )
        .await;
    assert_eq!(rated.status, 201, "{:#}", rated.body);

    let at = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let (from, to) = (at(app.clock.now() - DAY_MS), at(app.clock.now() + DAY_MS));
    let url = |by: &str| format!("/api/v1/supervision/comparison?by={by}&from={from}&to={to}");
    let by_region = app.get(&url("region"), &c.office).await;
    assert_eq!(by_region.status, 200, "{:#}", by_region.body);
    let row = &by_region.body[0];
    assert_eq!(row["name"], "甲区");
    assert_eq!(row["cases"], 2);
    assert_eq!(row["concluded"], 1);
    assert_eq!(row["on_time_rate"], 1.0);
    assert_eq!(row["average_handling_days"], 0.0);
    assert_eq!(row["yellow_cards_per_100"], 50.0);
    assert_eq!(row["red_cards_per_100"], 0.0);
    assert_eq!(row["satisfaction"], 4.0);
    assert_eq!(row["ratings"], 1);
    let by_department = app.get(&url("department"), &c.office).await;
    assert_eq!(by_department.body[0]["name"], "市场监督管理局");
    let elsewhere = app.get(&url("region"), &c.office_b).await;
    assert_eq!(elsewhere.body, json!([]));
    let backwards = format!("/api/v1/supervision/comparison?by=region&from={to}&to={from}");
    app.get(&backwards, &c.office)
        .await
        .assert_problem(422, "validation_failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regions_and_departments_are_compared_on_their_figures() {
    for backend in backends() {
        comparison(spawn(backend).await).await;
    }
}
