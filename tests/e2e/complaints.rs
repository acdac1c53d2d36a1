//! Complaints: a hotline complaint through acceptance, investigation, the window
//! staff's signature, the leader's instruction and the published notice, each by its actor;
//! offline registration; masked and sealed personal data; printable forms; a late step's
//! card; scope between counties.

use std::time::Duration;

use chrono::{FixedOffset, NaiveDate};
use diesel::RunQueryDsl;
use serde_json::{Value, json};
use yiwang_core::domain::calendar::Calendar;
use yiwang_core::service::supervision;
use yiwang_tests::{
    ADMIN_PASSWORD, Backend, TestApp, TestDb, backends, id_number, on_each_backend, test_config,
};

const COMPLAINTS: &str = "/api/v1/complaints";
const DAY_MS: i64 = 86_400_000;

/// County A with a department, an item, a submitted case and its people; county B with its
/// own office.
pub(crate) struct County {
    pub region: i64,
    pub department: i64,
    pub case_id: i64,
    pub staff_id: i64,
    pub staff: String,
    pub other_staff: String,
    pub office: String,
    pub leader: String,
    pub hotline: String,
    pub office_b: String,
    pub region_b: i64,
}

pub(crate) async fn county(app: &TestApp) -> County {
    let root = app.root_id().await;
    let region = app.region("990102", "甲区", "county", root).await;
    let region_b = app.region("990121", "乙县", "county", root).await;
    let d = app
        .post(
            "/api/v1/departments",
            &app.admin_token,
            json!({"region_id": region, "code": "SCJ", "name": "市场监督管理局"}),
        )
        .await;
    assert_eq!(d.status, 201, "{:#}", d.body);
    let department = d.body["id"].as_i64().unwrap();
    let content = json!({
        "item_code": "11350100MB0001-001", "name": "食品经营许可", "item_type": "licensing",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "legal_limit_days": 20, "promised_limit_days": 5,
        "fee": {"kind": "none"},
        "materials": [{"name": "营业执照", "required": true}],
        "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 20}],
        "online": true, "delivery_modes": ["window"]
    });
    let item = app.published_item(region, department, content).await;
    let scope = ("region", Some(region));
    let (staff_id, staff) = app
        .user_with_role("staff_a", region, None, "window_staff", scope)
        .await;
    let (_, other_staff) = app
        .user_with_role("staff_a2", region, None, "window_staff", scope)
        .await;
    let (_, office) = app
        .user_with_role("office_a", region, None, "supervisor", scope)
        .await;
    let (_, leader) = app
        .user_with_role("leader_a", region, None, "leader", scope)
        .await;
    let (_, hotline) = app
        .user_with_role("hotline_12345", region, None, "integration", scope)
        .await;
    let (_, office_b) = app
        .user_with_role(
            "office_b",
            region_b,
            None,
            "supervisor",
            ("region", Some(region_b)),
        )
        .await;
    let c = app
        .post(
            "/api/v1/cases",
            &staff,
            json!({
                "item_id": item, "channel": "window",
                "applicant": {"kind": "person", "name": "张三",
                              "id_number": id_number("11010519491231002")},
                "materials": ["营业执照"]
            }),
        )
        .await;
    assert_eq!(c.status, 201, "{:#}", c.body);
    County {
        region,
        department,
        case_id: c.body["id"].as_i64().unwrap(),
        staff_id,
        staff,
        other_staff,
        office,
        leader,
        hotline,
        office_b,
        region_b,
    }
}

fn hotline_complaint(c: &County, reference: &str) -> Value {
    json!({
        "source": "hotline", "source_ref": reference, "case_id": c.case_id,
        "staff_id": c.staff_id,
        "complainant": {"name": "王五", "phone": "13800138000",
                        "id_number": id_number("11010519491231003")},
        "content": "窗口人员态度生硬,多次要求补交同一份材料"
    })
}

async fn step(app: &TestApp, who: &str, id: i64, step: &str, body: Value) -> Value {
    let a = app
        .post(&format!("{COMPLAINTS}/{id}/{step}"), who, body)
        .await;
    assert_eq!(a.status, 200, "{step}: {:#}", a.body);
    a.body
}

async fn count(app: &TestApp) -> usize {
    let a = app.get(COMPLAINTS, &app.admin_token).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["items"].as_array().unwrap().len()
}

async fn html(app: &TestApp, who: &str, path: &str) -> String {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(who)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    res.text().await.unwrap()
}

async fn workflow(app: TestApp) {
    let c = county(&app).await;
    let first = app
        .post(COMPLAINTS, &c.hotline, hotline_complaint(&c, "12345-0001"))
        .await;
    assert_eq!(first.status, 201, "{:#}", first.body);
    let body = &first.body;
    let id = body["id"].as_i64().unwrap();
    assert!(body["complaint_no"].as_str().unwrap().starts_with("TS-"));
    assert_eq!(body["online"], true);
    assert_eq!(body["status"], "accept");
    assert_eq!(body["next_step"], "investigate");
    assert_eq!(body["region_id"], c.region);
    assert_eq!(body["department_id"], c.department);
    assert_eq!(body["complainant"]["phone"], "138****8000");
    let idn = id_number("11010519491231003");
    assert_eq!(
        body["complainant"]["id_number"],
        format!("110105********{}", &idn[14..])
    );
    assert!(!body.to_string().contains("13800138000"));
    // The hotline retries: the same complaint.
    let again = app
        .post(COMPLAINTS, &c.hotline, hotline_complaint(&c, "12345-0001"))
        .await;
    assert_eq!(again.status, 200, "{:#}", again.body);
    assert_eq!(again.body["id"], id);

    // Steps in order, each by its actor.
    let early = app
        .post(
            &format!("{COMPLAINTS}/{id}/sign"),
            &c.staff,
            json!({"text": "无异议"}),
        )
        .await;
    early.assert_problem(409, "conflict");
    let investigated = step(
        &app,
        &c.office,
        id,
        "investigate",
        json!({"text": "经调阅录像,情况属实", "responsible": "窗口人员 staff_a"}),
    )
    .await;
    assert_eq!(investigated["status"], "investigate");
    assert_eq!(investigated["next_step"], "sign");
    app.post(
        &format!("{COMPLAINTS}/{id}/sign"),
        &c.other_staff,
        json!({"text": "代签"}),
    )
    .await
    .assert_problem(403, "forbidden");
    step(
        &app,
        &c.staff,
        id,
        "sign",
        json!({"text": "本人对调查结果无异议"}),
    )
    .await;
    app.post(
        &format!("{COMPLAINTS}/{id}/instruct"),
        &c.office,
        json!({"text": "批评教育"}),
    )
    .await
    .assert_problem(403, "forbidden");
    step(
        &app,
        &c.leader,
        id,
        "instruct",
        json!({"text": "责成窗口整改,予以通报批评"}),
    )
    .await;
    let published = step(
        &app,
        &c.office,
        id,
        "publish",
        json!({"text": "投诉属实,已责成整改并通报批评"}),
    )
    .await;
    assert_eq!(published["status"], "publish");
    assert!(published["next_step"].is_null());
    assert!(published["step_due_at"].is_null());
    let actors: Vec<&str> = published["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["actor"].as_str().unwrap())
        .collect();
    assert_eq!(
        actors,
        [
            "hotline_12345",
            "office_a",
            "staff_a",
            "leader_a",
            "office_a"
        ]
    );
    assert!(
        published["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["late"] == false)
    );
    app.post(
        &format!("{COMPLAINTS}/{id}/publish"),
        &c.office,
        json!({"text": "again"}),
    )
    .await
    .assert_problem(409, "conflict");

    // Printable forms: the registration form with the masked phone, the notice with the name
    // masked too.
    let form = html(&app, &c.office, &format!("{COMPLAINTS}/{id}/print/accept")).await;
    assert!(form.contains("投诉受理登记表"), "{form}");
    assert!(form.contains("138****8000"), "{form}");
    assert!(form.contains("12345热线"), "{form}");
    let notice = html(&app, &c.office, &format!("{COMPLAINTS}/{id}/print/publish")).await;
    assert!(notice.contains("投诉处理结果公告"), "{notice}");
    assert!(notice.contains("王*"), "{notice}");
    assert!(!notice.contains("王五"), "{notice}");
    assert!(notice.contains("责成窗口整改"), "{notice}");
    assert!(notice.contains("@page{size:A4"), "{notice}");

    // Sealed at rest; never in the audit log or the events.
    let mut conn = app.services.store.blocking_conn().unwrap();
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        complainant_phone: String,
    }
    let row: Row = diesel::sql_query(format!(
        "SELECT complainant_phone FROM complaints WHERE id = {id}"
    ))
    .get_result(&mut *conn)
    .unwrap();
    drop(conn);
    assert!(!row.complainant_phone.contains("8000"));
    let audit = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    assert!(!audit.body.to_string().contains("13800138000"));
    let events = app
        .get("/api/v1/events?after=0&limit=500", &app.admin_token)
        .await;
    assert!(!events.body.to_string().contains("13800138000"));
    let kinds: Vec<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "complaint" && e["entity_id"] == id)
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "complaint.accepted",
            "complaint.investigated",
            "complaint.signed",
            "complaint.instructed",
            "complaint.published"
        ]
    );
}
on_each_backend!(
    a_hotline_complaint_goes_from_acceptance_to_a_published_notice,
    workflow
);

async fn offline_and_bad_input(app: TestApp) {
    let c = county(&app).await;
    let registered = app
        .post(
            COMPLAINTS,
            &c.office,
            json!({
                "source": "letter", "region_id": c.region, "department_id": c.department,
                "complainant": {"name": "赵六", "phone": "0591-87654321"},
                "content": "来信反映办事指南与实际要求不一致"
            }),
        )
        .await;
    assert_eq!(registered.status, 201, "{:#}", registered.body);
    assert_eq!(registered.body["online"], false);
    assert_eq!(registered.body["status"], "accept");
    assert_eq!(registered.body["complainant"]["phone"], "059******4321");
    assert!(registered.body["complainant"]["id_number"].is_null());
    let before = count(&app).await;
    // The hotline cannot register an offline complaint; the office cannot pose as the hotline.
    app.post(
        COMPLAINTS,
        &c.hotline,
        json!({"source": "letter", "region_id": c.region,
               "complainant": {"name": "赵六", "phone": "0591-87654321"}, "content": "x"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(COMPLAINTS, &c.office, hotline_complaint(&c, "12345-0009"))
        .await
        .assert_problem(403, "forbidden");
    // Bad input names its fields and changes nothing.
    let bad = app
        .post(
            COMPLAINTS,
            &c.hotline,
            json!({"source": "hotline", "case_id": c.case_id,
                   "complainant": {"name": " ", "phone": "12ab", "id_number": "110105194912310020"},
                   "content": ""}),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "complainant.name",
        "complainant.phone",
        "content",
        "source_ref",
        "complainant.id_number",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    let nowhere = app
        .post(
            COMPLAINTS,
            &c.office,
            json!({"source": "phone", "complainant": {"name": "赵六", "phone": "13800138000"},
                   "content": "x"}),
        )
        .await;
    nowhere.assert_problem(422, "validation_failed");
    assert_eq!(nowhere.body["errors"][0]["field"], "region_id");
    let no_case = app
        .post(
            COMPLAINTS,
            &c.office,
            json!({"source": "phone", "case_id": 999_999,
                   "complainant": {"name": "赵六", "phone": "13800138000"}, "content": "x"}),
        )
        .await;
    no_case.assert_problem(422, "validation_failed");
    assert_eq!(no_case.body["errors"][0]["field"], "case_id");
    let id = registered.body["id"].as_i64().unwrap();
    let empty = app
        .post(
            &format!("{COMPLAINTS}/{id}/investigate"),
            &c.office,
            json!({"text": ""}),
        )
        .await;
    empty.assert_problem(422, "validation_failed");
    assert_eq!(empty.body["errors"][0]["field"], "text");
    assert_eq!(count(&app).await, before);
    let still = app.get(&format!("{COMPLAINTS}/{id}"), &c.office).await;
    assert_eq!(still.body["status"], "accept");
    assert_eq!(still.body["steps"].as_array().unwrap().len(), 1);
    // The comparisons count the county's complaint.
    let stamp = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let now = app.clock.now();
    let compared = app
        .get(
            &format!(
                "/api/v1/supervision/comparison?by=region&from={}&to={}",
                stamp(now - DAY_MS),
                stamp(now + DAY_MS)
            ),
            &c.office,
        )
        .await;
    assert_eq!(compared.status, 200, "{:#}", compared.body);
    assert_eq!(compared.body[0]["name"], "甲区");
    assert_eq!(compared.body[0]["complaints"], 1);
}
on_each_backend!(
    offline_complaints_are_registered_by_the_office_and_bad_input_is_refused,
    offline_and_bad_input
);

async fn scope(app: TestApp) {
    let c = county(&app).await;
    let a = app
        .post(COMPLAINTS, &c.hotline, hotline_complaint(&c, "12345-0002"))
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let id = a.body["id"].as_i64().unwrap();
    // The other county's office sees nothing of it and cannot act on it.
    app.get(&format!("{COMPLAINTS}/{id}"), &c.office_b)
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("{COMPLAINTS}/{id}/investigate"),
        &c.office_b,
        json!({"text": "越权"}),
    )
    .await
    .assert_problem(404, "not_found");
    let theirs = app.get(COMPLAINTS, &c.office_b).await;
    assert_eq!(theirs.status, 200, "{:#}", theirs.body);
    assert_eq!(theirs.body["items"], json!([]));
    let form = app
        .get(&format!("{COMPLAINTS}/{id}/print/accept"), &c.office_b)
        .await;
    form.assert_problem(404, "not_found");
    // The county's hotline key cannot file complaints in the other county.
    app.post(
        COMPLAINTS,
        &c.hotline,
        json!({"source": "hotline", "source_ref": "12345-0003", "region_id": c.region_b,
               "complainant": {"name": "王五", "phone": "13800138000"}, "content": "x"}),
    )
    .await
    .assert_problem(403, "forbidden");
    // The window staff reads the complaints of its county; the hotline key reads none.
    let mine = app.get(COMPLAINTS, &c.staff).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    app.get(COMPLAINTS, &c.hotline)
        .await
        .assert_problem(403, "forbidden");
}
on_each_backend!(complaints_of_another_county_are_refused, scope);

fn today(app: &TestApp) -> NaiveDate {
    let tz = FixedOffset::east_opt(8 * 3600).unwrap();
    chrono::DateTime::from_timestamp_millis(app.clock.now())
        .unwrap()
        .with_timezone(&tz)
        .date_naive()
}

/// Moves the clock to the day `n` working days after today (same time of day).
pub(crate) fn move_working_days(app: &TestApp, n: u32) {
    let cal = Calendar::bundled().unwrap();
    let start = today(app);
    let target = cal.add_working_days(start, n);
    app.clock.advance((target - start).num_days() * DAY_MS);
}

/// Waits (up to 10 s) for the open workflow cards of `subject` that `who` sees to number `n`.
pub(crate) async fn wait_for_cards(
    app: &TestApp,
    who: &str,
    subject: &str,
    n: usize,
) -> Vec<Value> {
    for _ in 0..200 {
        let a = app
            .get(
                &format!("/api/v1/supervision/workflow-cards?subject={subject}&status=open"),
                who,
            )
            .await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        let items = a.body["items"].as_array().unwrap().clone();
        if items.len() == n {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{n} open {subject} cards never showed");
}

async fn late_step(backend: Backend) {
    let db = TestDb::new(backend);
    let config = test_config(&db);
    let app = TestApp::spawn_on(db, config, supervision::jobs()).await;
    let c = county(&app).await;
    let a = app
        .post(COMPLAINTS, &c.hotline, hotline_complaint(&c, "12345-0004"))
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let id = a.body["id"].as_i64().unwrap();
    // Five working days for the investigation: on the fifth it is not late yet.
    move_working_days(&app, 5);
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let office = app.login("office_a", "office_a-password").await;
    wait_for_cards(&app, &office, "complaint", 0).await;
    move_working_days(&app, 1);
    // A week on, the tokens of the morning have expired.
    let c = County {
        office: app.login("office_a", "office_a-password").await,
        office_b: app.login("office_b", "office_b-password").await,
        ..c
    };
    let cards = wait_for_cards(&app, &c.office, "complaint", 1).await;
    assert_eq!(cards[0]["subject_id"], id);
    assert_eq!(cards[0]["step"], "investigate");
    assert_eq!(cards[0]["severity"], "red");
    let late = app.get(&format!("{COMPLAINTS}/{id}"), &c.office).await;
    assert_eq!(late.body["overdue"], true);
    let overdue = app
        .get(&format!("{COMPLAINTS}?overdue=true"), &c.office)
        .await;
    assert_eq!(overdue.body["items"][0]["id"], id);
    // The other county sees no card.
    wait_for_cards(&app, &c.office_b, "complaint", 0).await;
    // Done late: recorded as late, and the card closes.
    let done = step(
        &app,
        &c.office,
        id,
        "investigate",
        json!({"text": "情况属实"}),
    )
    .await;
    assert_eq!(done["steps"][1]["late"], true);
    assert_eq!(done["overdue"], false);
    assert_eq!(done["cards"][0]["status"], "closed");
    wait_for_cards(&app, &c.office, "complaint", 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_complaint_step_raises_a_red_card_that_closes_when_done() {
    for backend in backends() {
        late_step(backend).await;
    }
}

async fn configured_limit(backend: Backend) {
    let db = TestDb::new(backend);
    let mut config = test_config(&db);
    config.supervision.complaint_limits.investigate = 1;
    let app = TestApp::spawn_on(db, config, supervision::jobs()).await;
    let c = county(&app).await;
    let a = app
        .post(COMPLAINTS, &c.hotline, hotline_complaint(&c, "12345-0011"))
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let id = a.body["id"].as_i64().unwrap();
    // One working day for the investigation, as configured: on that day it is not late yet.
    move_working_days(&app, 1);
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let office = app.login("office_a", "office_a-password").await;
    wait_for_cards(&app, &office, "complaint", 0).await;
    move_working_days(&app, 1);
    let office = app.login("office_a", "office_a-password").await;
    let cards = wait_for_cards(&app, &office, "complaint", 1).await;
    assert_eq!(cards[0]["subject_id"], id);
    assert_eq!(cards[0]["step"], "investigate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complaint_step_limits_are_configured() {
    for backend in backends() {
        configured_limit(backend).await;
    }
}

async fn card_actions(backend: Backend) {
    let db = TestDb::new(backend);
    let config = test_config(&db);
    let app = TestApp::spawn_on(db, config, supervision::jobs()).await;
    let c = county(&app).await;
    let a = app
        .post(COMPLAINTS, &c.hotline, hotline_complaint(&c, "12345-0012"))
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let id = a.body["id"].as_i64().unwrap();
    move_working_days(&app, 6);
    let office = app.login("office_a", "office_a-password").await;
    let office_b = app.login("office_b", "office_b-password").await;
    let card = wait_for_cards(&app, &office, "complaint", 1).await[0].clone();
    assert_eq!(card["allowed_actions"], json!(["acknowledge", "dismiss"]));
    let url = format!("/api/v1/supervision/workflow-cards/{}", card["id"]);

    // Another county's office does not see it.
    app.get(&url, &office_b)
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("{url}/actions"),
        &office_b,
        json!({"action": "acknowledge"}),
    )
    .await
    .assert_problem(404, "not_found");

    let acked = app
        .post(
            &format!("{url}/actions"),
            &office,
            json!({"action": "acknowledge", "note": "已电话催办"}),
        )
        .await;
    assert_eq!(acked.status, 200, "{:#}", acked.body);
    assert_eq!(acked.body["status"], "acknowledged");
    assert_eq!(acked.body["allowed_actions"], json!(["dismiss"]));
    assert_eq!(acked.body["notes"][0]["action"], "acknowledge");
    assert_eq!(acked.body["notes"][0]["note"], "已电话催办");
    app.post(
        &format!("{url}/actions"),
        &office,
        json!({"action": "acknowledge"}),
    )
    .await
    .assert_problem(409, "conflict");

    // A silence needs a reason and an expiry within 90 days.
    let until = chrono::DateTime::from_timestamp_millis(app.clock.now() + 3 * DAY_MS)
        .unwrap()
        .to_rfc3339();
    let no_reason = app
        .post(
            &format!("{url}/silence"),
            &office,
            json!({"reason": " ", "until": until}),
        )
        .await;
    no_reason.assert_problem(422, "validation_failed");
    assert_eq!(no_reason.body["errors"][0]["field"], "reason");
    let silenced = app
        .post(
            &format!("{url}/silence"),
            &office,
            json!({"reason": "调查组外出核实", "until": until}),
        )
        .await;
    assert_eq!(silenced.status, 200, "{:#}", silenced.body);
    assert!(silenced.body["silenced_until"].is_string());
    let noted = app
        .post(
            &format!("{url}/notes"),
            &office,
            json!({"note": "投诉人同意延期"}),
        )
        .await;
    assert_eq!(noted.status, 200, "{:#}", noted.body);
    assert_eq!(noted.body["status"], "acknowledged");

    // Dismissing needs its reason; a dismissed card is finished.
    app.post(
        &format!("{url}/actions"),
        &office,
        json!({"action": "dismiss"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let dismissed = app
        .post(
            &format!("{url}/actions"),
            &office,
            json!({"action": "dismiss", "note": "延期经分管领导批准"}),
        )
        .await;
    assert_eq!(dismissed.status, 200, "{:#}", dismissed.body);
    assert_eq!(dismissed.body["status"], "dismissed");
    assert!(dismissed.body["closed_at"].is_string());
    assert_eq!(dismissed.body["allowed_actions"], json!([]));
    let actions: Vec<&str> = dismissed.body["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["acknowledge", "silence", "note", "dismiss"]);
    wait_for_cards(&app, &office, "complaint", 0).await;
    let finished = app
        .get(
            "/api/v1/supervision/workflow-cards?subject=complaint&status=dismissed",
            &office,
        )
        .await;
    assert_eq!(finished.body["items"][0]["id"], card["id"]);

    // Doing the step leaves the dismissed card as it is, and no new card opens.
    step(
        &app,
        &office,
        id,
        "investigate",
        json!({"text": "情况属实"}),
    )
    .await;
    let after = app.get(&url, &office).await;
    assert_eq!(after.body["status"], "dismissed");

    // Each action is an audited event.
    let admin = app.login("admin", ADMIN_PASSWORD).await;
    let events = app.get("/api/v1/events?after=0&limit=500", &admin).await;
    let kinds: Vec<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "workflow_card")
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "workflow_card.opened",
            "workflow_card.acknowledged",
            "workflow_card.silenced",
            "workflow_card.noted",
            "workflow_card.dismissed"
        ]
    );
    let verify = app.get("/api/v1/audit/verify", &admin).await;
    assert!(verify.body["first_broken"].is_null(), "{:#}", verify.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_acknowledges_silences_notes_and_dismisses_workflow_cards() {
    for backend in backends() {
        card_actions(backend).await;
    }
}
