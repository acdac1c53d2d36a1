//! The facts of the content, fee and integrity-risk indicators (issue #5): a required material
//! never handed in, a fee charged under a fee standard the catalogue no longer publishes, a
//! waived fee, and a risk-point step of a case with complaints and confirmed cards. Each is a
//! card of a built-in rule, judged when the case's (or its complaint's, or its card's) events
//! arrive, with the facts that made it; the dry run sees the same facts. The people who acted
//! on a case bring theirs: flagged as a risk person, complaints naming them, real anomalies.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use yiwang_core::service::supervision;
use yiwang_tests::{Backend, TestApp, TestDb, backends, id_number, test_config};

const ANOMALIES: &str = "/api/v1/supervision/anomalies";

async fn spawn(backend: Backend) -> TestApp {
    let db = TestDb::new(backend);
    let config = test_config(&db);
    TestApp::spawn_on(db, config, supervision::jobs()).await
}

struct County {
    region: i64,
    item: i64,
    content: Value,
    staff_id: i64,
    staff: String,
    office: String,
}

/// A county with an item charging 100 yuan, asking for two materials, whose first step is an
/// integrity-risk point.
async fn county(app: &TestApp) -> County {
    let root = app.root_id().await;
    let a = app.region("990103", "丙区", "county", root).await;
    let d = app
        .post(
            "/api/v1/departments",
            &app.admin_token,
            json!({"region_id": a, "code": "ZJJ", "name": "住房和城乡建设局"}),
        )
        .await;
    assert_eq!(d.status, 201, "{:#}", d.body);
    let dep = d.body["id"].as_i64().unwrap();
    let content = json!({
        "item_code": "11350100MB0002-001", "name": "建筑工程施工许可", "item_type": "licensing",
        "legal_basis": "《中华人民共和国建筑法》第七条",
        "legal_limit_days": 20, "promised_limit_days": 10,
        "fee": {"kind": "fixed", "amount_fen": 10000},
        "materials": [{"name": "营业执照", "required": true},
                      {"name": "施工合同", "required": true}],
        "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 5, "risk_point": true},
                     {"name": "决定", "role": "reviewer", "limit_days": 5}],
        "online": true, "delivery_modes": ["window"]
    });
    let item = app.published_item(a, dep, content.clone()).await;
    let (staff_id, staff) = app
        .user_with_role("staff_c", a, None, "window_staff", ("region", Some(a)))
        .await;
    let (_, office) = app
        .user_with_role("office_c", a, None, "supervisor", ("region", Some(a)))
        .await;
    County {
        region: a,
        item,
        content,
        staff_id,
        staff,
        office,
    }
}

async fn accepted(app: &TestApp, c: &County, body17: &str, materials: Value) -> i64 {
    accepted_by(app, c, &c.staff, body17, materials).await
}

/// A case submitted and accepted by the window staff member `staff`.
async fn accepted_by(
    app: &TestApp,
    c: &County,
    staff: &str,
    body17: &str,
    materials: Value,
) -> i64 {
    let a = app
        .post(
            "/api/v1/cases",
            staff,
            json!({
                "item_id": c.item, "channel": "window",
                "applicant": {"kind": "person", "name": "李四", "id_number": id_number(body17)},
                "materials": materials
            }),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let id = a.body["id"].as_i64().unwrap();
    act(app, staff, id, "accept", json!({})).await;
    id
}

async fn act(app: &TestApp, tok: &str, id: i64, action: &str, body: Value) {
    let a = app
        .post(&format!("/api/v1/cases/{id}/{action}"), tok, body)
        .await;
    assert_eq!(a.status, 200, "{action}: {:#}", a.body);
}

async fn approve(app: &TestApp, c: &County, id: i64) {
    act(
        app,
        &c.staff,
        id,
        "steps/current/approve",
        json!({"opinion": "同意"}),
    )
    .await;
}

async fn cards(app: &TestApp, who: &str, case: i64) -> Vec<Value> {
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

async fn complain(app: &TestApp, c: &County, case: i64, content: &str) {
    complain_of(app, c, case, None, content).await;
}

/// A phone complaint about `case`, naming the staff member `staff` when given.
async fn complain_of(app: &TestApp, c: &County, case: i64, staff: Option<i64>, content: &str) {
    let r = app
        .post(
            "/api/v1/complaints",
            &c.office,
            json!({"source": "phone", "case_id": case, "staff_id": staff,
                   "complainant": {"name": "王五", "phone": "13800138000"},
                   "content": content}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
}

/// The office confirms a card as a real anomaly.
async fn confirm(app: &TestApp, c: &County, card: &Value) {
    let confirmed = app
        .post(
            &format!("{ANOMALIES}/{}/actions", card["id"]),
            &c.office,
            json!({"action": "confirm", "note": "受理时未收施工合同"}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{:#}", confirmed.body);
}

async fn dry_run(app: &TestApp, c: &County, condition: &str) -> Value {
    let r = app
        .post(
            "/api/v1/supervision/dry-run",
            &c.office,
            json!({"condition": condition, "include_closed": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    r.body
}

async fn content_and_integrity(app: TestApp) {
    let c = county(&app).await;
    // 施工合同 is never handed in; 身份证复印件 is not a material of the item.
    let id = accepted(
        &app,
        &c,
        "11010519491231002",
        json!(["营业执照", "身份证复印件"]),
    )
    .await;
    let absent = wait_for(&app, &c.office, id, "content-absent-materials", "open").await;
    assert_eq!(absent["kind"], "content");
    assert_eq!(absent["severity"], "yellow");
    assert_eq!(absent["facts"]["materials.absent"], 1.0);
    let unlisted = dry_run(&app, &c, "materials.unlisted > 0").await;
    assert_eq!(unlisted["flagged"], 1, "{unlisted:#}");
    assert_eq!(unlisted["hits"][0]["case_id"], id);
    assert_eq!(unlisted["hits"][0]["facts"]["materials.unlisted"], 1.0);
    // Another case lacks the same material until it is asked for and handed in.
    let later = accepted(&app, &c, "11010519491231003", json!(["营业执照"])).await;
    wait_for(&app, &c.office, later, "content-absent-materials", "open").await;

    // A complaint about the case at its risk-point step: a step card of the integrity indicator.
    assert!(
        cards(&app, &c.office, id)
            .await
            .iter()
            .all(|x| x["kind"] != "integrity_risk")
    );
    complain(&app, &c, id, "审查环节吃拿卡要").await;
    let risk = wait_for(&app, &c.office, id, "integrity-risk-point", "open").await;
    assert_eq!(risk["kind"], "integrity_risk");
    assert_eq!(risk["step"], 0);
    assert_eq!(risk["facts"]["step.risk_point"], true);
    assert_eq!(risk["facts"]["case.complaints"], 1.0);
    complain(&app, &c, id, "再次反映审查环节问题").await;
    let repeated = wait_for(&app, &c.office, id, "integrity-repeated-complaints", "open").await;
    assert_eq!(repeated["severity"], "red");
    assert_eq!(repeated["facts"]["case.complaints"], 2.0);

    // The office confirms the missing material: the case counts one real anomaly.
    confirm(&app, &c, &absent).await;
    let counted = dry_run(&app, &c, "case.anomalies >= 1").await;
    assert_eq!(counted["flagged"], 1, "{counted:#}");
    assert_eq!(counted["hits"][0]["case_id"], id);

    // Past the risk-point step its yellow card closes by itself.
    approve(&app, &c, id).await;
    wait_for(&app, &c.office, id, "integrity-risk-point", "closed").await;
    // The supplement brings the missing material: its card closes by itself.
    act(
        &app,
        &c.staff,
        later,
        "supplement/request",
        json!({"missing": ["施工合同"]}),
    )
    .await;
    act(&app, &c.staff, later, "supplement/receive", json!({})).await;
    let closed = wait_for(&app, &c.office, later, "content-absent-materials", "closed").await;
    assert!(closed["closed_at"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absent_materials_and_complaints_at_a_risk_point_get_cards() {
    for backend in backends() {
        content_and_integrity(spawn(backend).await).await;
    }
}

/// A county's item charging 100 yuan; one case approved under it (`fair`) and one whose fee is
/// abolished by a new version of the item before its last approval (`late`).
async fn fee_abolished_before_approval(app: &TestApp) -> (County, i64, i64) {
    let c = county(app).await;
    let materials = json!(["营业执照", "施工合同"]);
    // Charged under the standard in force: no fee card.
    let fair = accepted(app, &c, "11010519491231002", materials.clone()).await;
    approve(app, &c, fair).await;
    approve(app, &c, fair).await;
    let late = accepted(app, &c, "11010519491231003", materials).await;
    approve(app, &c, late).await;

    // A minute later the fee is abolished by a new version of the item.
    app.clock.advance(60_000);
    let mut free = c.content.clone();
    free["fee"] = json!({"kind": "none"});
    let v2 = app
        .post(
            "/api/v1/catalogue/changes",
            &app.admin_token,
            json!({"kind": "change", "sources": [c.item], "items": [{"content": free}]}),
        )
        .await;
    assert_eq!(v2.status, 201, "{:#}", v2.body);
    let v2 = v2.body[0]["id"].as_i64().unwrap();
    let p = app
        .post(
            &format!("/api/v1/catalogue/items/{v2}/publish"),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(p.status, 200, "{:#}", p.body);
    approve(app, &c, late).await;
    (c, fair, late)
}

async fn fees(app: TestApp) {
    // The case applied for under the old version is still charged 100 yuan: a red fee card.
    let (c, fair, late) = fee_abolished_before_approval(&app).await;
    let mismatch = wait_for(&app, &c.office, late, "fee-mismatch", "open").await;
    assert_eq!(mismatch["kind"], "fee");
    assert_eq!(mismatch["severity"], "red");
    assert_eq!(mismatch["facts"]["fee.mismatch"], true);

    // Waiving the fee is a discretionary act the office reviews.
    act(
        &app,
        &c.staff,
        late,
        "fee/waive",
        json!({"reason": "收费标准已取消"}),
    )
    .await;
    let waived = wait_for(&app, &c.office, late, "fee-waived", "open").await;
    assert_eq!(waived["severity"], "yellow");
    assert_eq!(waived["facts"]["fee.waived"], true);
    assert!(
        cards(&app, &c.office, fair)
            .await
            .iter()
            .all(|x| x["kind"] != "fee")
    );
    let dry = dry_run(&app, &c, "fee.mismatch or fee.waived").await;
    assert_eq!(dry["flagged"], 1, "{dry:#}");
    assert_eq!(dry["hits"][0]["case_id"], late);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fee_charged_against_the_catalogue_or_waived_gets_a_card() {
    for backend in backends() {
        fees(spawn(backend).await).await;
    }
}

/// A case concluded while no engine listened (a node without the job, before a leader took
/// over) gets its conclusion's card when the next engine starts: it reads the event log from
/// where the last one stopped.
async fn concluded_unheard(backend: Backend) {
    let db = TestDb::new(backend);
    let config = test_config(&db);
    let app = TestApp::spawn_on(db, config.clone(), Vec::new()).await;
    let (_, _, late) = fee_abolished_before_approval(&app).await;
    assert!(cards(&app, &app.admin_token, late).await.is_empty());
    let db = app.stop().await;
    let app = TestApp::spawn_on(db, config, supervision::jobs()).await;
    let card = wait_for(&app, &app.admin_token, late, "fee-mismatch", "open").await;
    assert_eq!(card["facts"]["fee.mismatch"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_concluded_while_no_engine_ran_is_judged_at_the_next_start() {
    for backend in backends() {
        concluded_unheard(backend).await;
    }
}

async fn risk_people(app: TestApp) {
    let c = county(&app).await;
    let root = app.root_id().await;
    let other = app.region("990104", "丁区", "county", root).await;
    let (_, office_d) = app
        .user_with_role(
            "office_d",
            other,
            None,
            "supervisor",
            ("region", Some(other)),
        )
        .await;
    let staff = c.staff_id;
    let handled = accepted(
        &app,
        &c,
        "11010519491231002",
        json!(["营业执照", "施工合同"]),
    )
    .await;
    let flag = |tok: &str, user: i64, reason: &str| {
        let (app, tok) = (&app, tok.to_owned());
        let body = json!({"reason": reason});
        async move {
            app.call(
                Method::PUT,
                &format!("/api/v1/supervision/risk-people/{user}"),
                Some(&tok),
                Some(body),
            )
            .await
        }
    };
    // Refused, nothing flagged: no reason, someone outside the office's scope, nobody.
    flag(&c.office, staff, " ")
        .await
        .assert_problem(422, "validation_failed");
    flag(&office_d, staff, "越权")
        .await
        .assert_problem(404, "not_found");
    flag(&c.office, 999_999, "查无此人")
        .await
        .assert_problem(404, "not_found");
    // Window staff do not read supervision: to them nobody is there to flag.
    flag(&c.staff, staff, "自查")
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        app.get("/api/v1/supervision/risk-people", &c.office)
            .await
            .body,
        json!([])
    );

    // Flagged: the open case they handled gets the integrity indicator's yellow card.
    let flagged = flag(&c.office, staff, "多次被举报吃拿卡要").await;
    assert_eq!(flagged.status, 200, "{:#}", flagged.body);
    assert_eq!(flagged.body["user_id"], staff);
    assert_eq!(flagged.body["reason"], "多次被举报吃拿卡要");
    let card = wait_for(&app, &c.office, handled, "integrity-risk-person", "open").await;
    assert_eq!(card["kind"], "integrity_risk");
    assert_eq!(card["step"], -1);
    assert_eq!(card["facts"]["person.risk_point"], true);
    // So does a case they take on afterwards.
    let later = accepted(
        &app,
        &c,
        "11010519491231003",
        json!(["营业执照", "施工合同"]),
    )
    .await;
    wait_for(&app, &c.office, later, "integrity-risk-person", "open").await;
    let listed = app.get("/api/v1/supervision/risk-people", &c.office).await;
    assert_eq!(listed.status, 200, "{:#}", listed.body);
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(listed.body[0]["display_name"], "staff_c");
    assert_eq!(
        app.get("/api/v1/supervision/risk-people", &office_d)
            .await
            .body,
        json!([])
    );

    // Lifted: the yellow cards close by themselves; lifting twice finds nothing.
    let path = format!("/api/v1/supervision/risk-people/{staff}");
    app.delete(&path, &office_d)
        .await
        .assert_problem(404, "not_found");
    let lifted = app.delete(&path, &c.office).await;
    assert_eq!(lifted.status, 204, "{:#}", lifted.body);
    wait_for(&app, &c.office, handled, "integrity-risk-person", "closed").await;
    wait_for(&app, &c.office, later, "integrity-risk-person", "closed").await;
    app.delete(&path, &c.office)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_handled_by_a_flagged_risk_person_get_cards_until_the_flag_is_lifted() {
    for backend in backends() {
        risk_people(spawn(backend).await).await;
    }
}

/// The case ids a dry run of `condition` flags, sorted.
async fn flagged_cases(app: &TestApp, c: &County, condition: &str) -> Vec<i64> {
    let run = dry_run(app, c, condition).await;
    let mut ids: Vec<i64> = run["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["case_id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

async fn person_standing(app: TestApp) {
    let c = county(&app).await;
    let (_, e_token) = app
        .user_with_role(
            "staff_e",
            c.region,
            None,
            "window_staff",
            ("region", Some(c.region)),
        )
        .await;
    let staff_c = c.staff_id;
    let both = json!(["营业执照", "施工合同"]);
    // Two cases of staff_c, two of staff_e; staff_e's first lacks a required material.
    let a = accepted(&app, &c, "11010519491231002", both.clone()).await;
    let b = accepted(&app, &c, "11010519491231003", both.clone()).await;
    let x = accepted_by(&app, &c, &e_token, "11010519491231004", json!(["营业执照"])).await;
    let y = accepted_by(&app, &c, &e_token, "11010519491231005", both).await;
    for (code, condition) in [
        ("person-complained", "open and person.complaints >= 2"),
        ("person-anomalous", "open and person.anomalies >= 1"),
    ] {
        let r = app
            .post(
                "/api/v1/supervision/rules",
                &c.office,
                json!({"code": code, "name": code, "kind": "integrity_risk",
                       "severity": "yellow", "condition": condition}),
            )
            .await;
        assert_eq!(r.status, 201, "{:#}", r.body);
    }
    assert!(
        flagged_cases(&app, &c, "person.complaints > 0 or person.anomalies > 0")
            .await
            .is_empty()
    );

    // Complaints naming staff_c count on every case staff_c acted on, not on staff_e's.
    complain_of(&app, &c, a, Some(staff_c), "窗口人员态度恶劣").await;
    assert_eq!(
        flagged_cases(&app, &c, "person.complaints == 1").await,
        vec![a, b]
    );
    complain_of(&app, &c, a, Some(staff_c), "再次反映窗口人员问题").await;
    // The second complaint is about case a; case b gets its card from the engine all the same.
    let card = wait_for(&app, &c.office, b, "person-complained", "open").await;
    assert_eq!(card["facts"]["person.complaints"], 2.0);
    wait_for(&app, &c.office, a, "person-complained", "open").await;
    for case in [x, y] {
        assert!(
            cards(&app, &c.office, case)
                .await
                .iter()
                .all(|k| k["rule_code"] != "person-complained")
        );
    }

    // A card confirmed on staff_e's case x: every open case of staff_e counts it.
    let absent = wait_for(&app, &c.office, x, "content-absent-materials", "open").await;
    confirm(&app, &c, &absent).await;
    let card = wait_for(&app, &c.office, y, "person-anomalous", "open").await;
    assert_eq!(card["facts"]["person.anomalies"], 1.0);
    assert_eq!(
        flagged_cases(&app, &c, "person.anomalies >= 1").await,
        vec![x, y]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complaints_and_real_anomalies_of_a_person_count_on_every_case_they_handle() {
    for backend in backends() {
        person_standing(spawn(backend).await).await;
    }
}
