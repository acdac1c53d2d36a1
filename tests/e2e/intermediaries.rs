//! Intermediaries: the registry with its history, the market's three selections (a
//! suspended or expired agency never selected; the draw recomputable from its recorded seed),
//! contract and service time limit, the result delivered into the applicant's case, the
//! evaluation and the credit score; bad input; scope between counties.

use reqwest::Method;
use serde_json::{Value, json};
use yiwang_core::domain::intermediary::draw;
use yiwang_core::service::supervision;
use yiwang_tests::{Backend, TestApp, TestDb, backends, on_each_backend, test_config};

use crate::complaints::{move_working_days, wait_for_cards};
use yiwang_tests::id_number;

pub(crate) const AGENCIES: &str = "/api/v1/intermediaries";
pub(crate) const PROJECTS: &str = "/api/v1/intermediary-projects";
const ITEM: &str = "11350100MB0001-002";
pub(crate) const HOUR_MS: i64 = 3_600_000;

pub(crate) struct Market {
    pub region: i64,
    pub region_b: i64,
    pub case_id: i64,
    pub bureau: String,
    pub county_bureau: String,
    pub staff: String,
    pub staff_b: String,
    pub operator: String,
}

pub(crate) async fn market(app: &TestApp) -> Market {
    let root = app.root_id().await;
    let region = app.region("990102", "甲区", "county", root).await;
    let region_b = app.region("990121", "乙县", "county", root).await;
    let d = app
        .post(
            "/api/v1/departments",
            &app.admin_token,
            json!({"region_id": region, "code": "ZJJ", "name": "住房和城乡建设局"}),
        )
        .await;
    assert_eq!(d.status, 201, "{:#}", d.body);
    let department = d.body["id"].as_i64().unwrap();
    let content = json!({
        "item_code": ITEM, "name": "建设工程规划许可", "item_type": "licensing",
        "legal_basis": "《中华人民共和国城乡规划法》第四十条",
        "legal_limit_days": 20, "promised_limit_days": 10,
        "fee": {"kind": "none"},
        "materials": [{"name": "建设工程设计方案", "required": true},
                      {"name": "岩土工程勘察报告", "required": true}],
        "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 20}],
        "online": true, "delivery_modes": ["window"]
    });
    let item = app.published_item(region, department, content).await;
    let (_, bureau) = app
        .user_with_role(
            "bureau",
            root,
            None,
            "intermediary_admin",
            ("region", Some(root)),
        )
        .await;
    let (_, county_bureau) = app
        .user_with_role(
            "county_bureau",
            region,
            None,
            "intermediary_admin",
            ("region", Some(region)),
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
    let (_, staff_b) = app
        .user_with_role(
            "staff_b",
            region_b,
            None,
            "window_staff",
            ("region", Some(region_b)),
        )
        .await;
    let (_, operator) = app
        .user_with_role(
            "operator_a",
            region,
            None,
            "operator",
            ("region", Some(region)),
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
                "materials": ["建设工程设计方案"]
            }),
        )
        .await;
    assert_eq!(c.status, 201, "{:#}", c.body);
    Market {
        region,
        region_b,
        case_id: c.body["id"].as_i64().unwrap(),
        bureau,
        county_bureau,
        staff,
        staff_b,
        operator,
    }
}

pub(crate) fn agency(code: &str, name: &str, region: i64, valid_to: &str) -> Value {
    json!({
        "credit_code": code, "name": name, "region_id": region,
        "service_types": ["survey"], "items": [ITEM],
        "qualifications": [{"service_type": "survey", "name": "工程勘察综合甲级",
                            "certificate_no": "B135000001", "valid_from": "2020-01-01",
                            "valid_to": valid_to}],
        "fee_min_fen": 1_000_000, "fee_max_fen": 50_000_000,
        "staff": [{"name": "李工", "title": "注册岩土工程师"}]
    })
}

pub(crate) async fn register(app: &TestApp, who: &str, body: Value) -> i64 {
    let a = app.post(AGENCIES, who, body).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    assert_eq!(a.body["status"], "admitted");
    a.body["id"].as_i64().unwrap()
}

pub(crate) async fn act(app: &TestApp, who: &str, path: &str, body: Value) -> Value {
    let a = app.post(path, who, body).await;
    assert_eq!(a.status, 200, "{path}: {:#}", a.body);
    a.body
}

async fn agency_count(app: &TestApp, who: &str) -> usize {
    let a = app.get(AGENCIES, who).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["items"].as_array().unwrap().len()
}

pub(crate) fn project(m: &Market, app: &TestApp, selection: &str) -> Value {
    json!({
        "title": "建设项目岩土工程勘察", "service_type": "survey", "item_code": ITEM,
        "case_id": m.case_id, "budget_fen": 10_000_000,
        "bid_deadline": chrono::DateTime::from_timestamp_millis(app.clock.now() + HOUR_MS)
            .unwrap(),
        "selection": selection
    })
}

pub(crate) async fn post_project(app: &TestApp, m: &Market, selection: &str) -> i64 {
    let a = app
        .post(PROJECTS, &m.staff, project(m, app, selection))
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    assert_eq!(a.body["status"], "open");
    assert!(a.body["project_no"].as_str().unwrap().starts_with("ZJ-"));
    a.body["id"].as_i64().unwrap()
}

async fn workflow(app: TestApp) {
    let m = market(&app).await;
    let root = app.root_id().await;
    let good = register(
        &app,
        &m.bureau,
        agency("91350100MA2XY00017", "甲勘察院", root, "2099-12-31"),
    )
    .await;
    let expired = register(
        &app,
        &m.bureau,
        agency("91350100MA2XY0002A", "乙勘察院", root, "2020-12-31"),
    )
    .await;
    let suspended = register(
        &app,
        &m.bureau,
        agency("91350100MA2XY0003D", "丙勘察院", root, "2099-12-31"),
    )
    .await;
    let other = register(
        &app,
        &m.bureau,
        agency("91350100MA2XY0004G", "丁勘察院", m.region, "2099-12-31"),
    )
    .await;

    // Suspension, reinstatement and a second suspension, each in the history.
    let s = act(
        &app,
        &m.bureau,
        &format!("{AGENCIES}/{suspended}/suspend"),
        json!({"reason": "勘察报告弄虚作假，立案调查"}),
    )
    .await;
    assert_eq!(s["status"], "suspended");
    app.post(
        &format!("{AGENCIES}/{suspended}/suspend"),
        &m.bureau,
        json!({"reason": "again"}),
    )
    .await
    .assert_problem(409, "conflict");
    act(
        &app,
        &m.bureau,
        &format!("{AGENCIES}/{suspended}/admit"),
        json!({"reason": "调查结束"}),
    )
    .await;
    act(
        &app,
        &m.bureau,
        &format!("{AGENCIES}/{suspended}/suspend"),
        json!({"reason": "再次违规"}),
    )
    .await;
    let h = app
        .get(&format!("{AGENCIES}/{suspended}/history"), &m.staff)
        .await;
    assert_eq!(h.status, 200, "{:#}", h.body);
    let actions: Vec<&str> = h
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["register", "suspend", "admit", "suspend"]);
    assert_eq!(h.body[1]["reason"], "勘察报告弄虚作假，立案调查");
    assert_eq!(h.body[1]["actor"], "bureau");
    let qualified = app
        .get(
            &format!("{AGENCIES}?status=admitted&service_type=survey&item_code={ITEM}"),
            &m.staff,
        )
        .await;
    assert_eq!(qualified.body["items"].as_array().unwrap().len(), 3);

    // Direct choice: the expired and the suspended agency are refused, nothing changes.
    let direct = post_project(&app, &m, "direct").await;
    for refused in [expired, suspended] {
        app.post(
            &format!("{PROJECTS}/{direct}/select"),
            &m.staff,
            json!({"intermediary_id": refused}),
        )
        .await
        .assert_problem(409, "conflict");
    }
    let p = app.get(&format!("{PROJECTS}/{direct}"), &m.staff).await;
    assert_eq!(p.body["status"], "open");

    // A renewed qualification makes the expired agency selectable again; a bad profile is
    // refused and changes nothing.
    let mut renewed = agency("91350100MA2XY0002A", "乙勘察院", root, "2030-12-31");
    let profile = renewed.as_object_mut().unwrap();
    profile.remove("credit_code");
    profile.remove("region_id");
    let profile = Value::Object(profile.clone());
    let mut bad = profile.clone();
    bad["qualifications"][0]["valid_from"] = json!("2031-01-01");
    let update = format!("{AGENCIES}/{expired}");
    app.call(Method::PUT, &update, Some(&m.bureau), Some(bad))
        .await
        .assert_problem(422, "validation_failed");
    app.call(Method::PUT, &update, Some(&m.staff), Some(profile.clone()))
        .await
        .assert_problem(403, "forbidden");
    let u = app
        .call(Method::PUT, &update, Some(&m.bureau), Some(profile))
        .await;
    assert_eq!(u.status, 200, "{:#}", u.body);
    assert_eq!(u.body["qualifications"][0]["valid_to"], "2030-12-31");
    let h = app
        .get(&format!("{AGENCIES}/{expired}/history"), &m.staff)
        .await;
    assert_eq!(h.body[1]["action"], "update");
    let renewed_project = post_project(&app, &m, "direct").await;
    let p = act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{renewed_project}/select"),
        json!({"intermediary_id": expired}),
    )
    .await;
    assert_eq!(p["intermediary_id"], expired);
    let p = act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{direct}/select"),
        json!({"intermediary_id": good}),
    )
    .await;
    assert_eq!(p["status"], "selected");
    assert_eq!(p["intermediary_id"], good);
    app.post(
        &format!("{PROJECTS}/{direct}/deliver"),
        &m.staff,
        json!({"material": "报告"}),
    )
    .await
    .assert_problem(409, "conflict");
    app.post(
        &format!("{PROJECTS}/{direct}/contract"),
        &m.staff,
        json!({"service_days": 5}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let p = act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{direct}/contract"),
        json!({"price_fen": 3_000_000, "service_days": 5}),
    )
    .await;
    assert_eq!(p["status"], "contracted");
    assert_eq!(p["service_days"], 5);
    assert_eq!(p["overdue"], false);
    assert!(p["due_at"].as_str().is_some());
    let p = act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{direct}/deliver"),
        json!({"material": "岩土工程勘察报告", "note": "报告已盖章"}),
    )
    .await;
    assert_eq!(p["status"], "delivered");
    assert_eq!(p["late"], false);
    // The result is now one of the case's materials, in its history.
    let case = app
        .get(&format!("/api/v1/cases/{}", m.case_id), &m.staff)
        .await;
    assert_eq!(case.status, 200, "{:#}", case.body);
    let materials = case.body["materials"].as_array().unwrap();
    assert!(
        materials.iter().any(|x| x == "岩土工程勘察报告"),
        "{materials:?}"
    );
    let history = app
        .get(&format!("/api/v1/cases/{}/history", m.case_id), &m.staff)
        .await;
    assert!(
        history.body.to_string().contains("add_intermediary_result"),
        "{:#}",
        history.body
    );
    app.post(
        &format!("{PROJECTS}/{direct}/evaluate"),
        &m.staff,
        json!({"score": 6}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let p = act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{direct}/evaluate"),
        json!({"score": 3, "comment": "报告质量一般"}),
    )
    .await;
    assert_eq!(p["status"], "evaluated");

    // A draw among the qualified agencies only, recomputable from its recorded seed.
    let drawn = post_project(&app, &m, "draw").await;
    app.post(
        &format!("{PROJECTS}/{drawn}/select"),
        &m.staff,
        json!({"intermediary_id": good}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let p = act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{drawn}/select"),
        json!({}),
    )
    .await;
    let d = &p["draw"];
    let candidates: Vec<i64> = d["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_i64().unwrap())
        .collect();
    assert_eq!(candidates, [good, expired, other]);
    let seed: u64 = d["seed"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        draw(seed, &candidates),
        Some(p["intermediary_id"].as_i64().unwrap())
    );
    assert_eq!(d["verified"], true);
    let audit = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    let entry = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "intermediary_project.select" && e["entity_id"] == drawn)
        .unwrap()
        .clone();
    assert_eq!(entry["after"]["draw_seed"], d["seed"]);
    assert_eq!(
        entry["after"]["draw_candidates"],
        json!(serde_json::to_string(&candidates).unwrap())
    );

    // Lowest price: bids within the budget from qualified agencies; the cheapest bidder is
    // suspended before the deadline, so the next one wins.
    let lowest = post_project(&app, &m, "lowest_price").await;
    let bids = format!("{PROJECTS}/{lowest}/bids");
    app.post(
        &bids,
        &m.staff,
        json!({"intermediary_id": good, "price_fen": 20_000_000}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(
        &bids,
        &m.staff,
        json!({"intermediary_id": suspended, "price_fen": 1_000_000}),
    )
    .await
    .assert_problem(409, "conflict");
    act(
        &app,
        &m.staff,
        &bids,
        json!({"intermediary_id": good, "price_fen": 8_000_000}),
    )
    .await;
    act(
        &app,
        &m.staff,
        &bids,
        json!({"intermediary_id": other, "price_fen": 6_000_000}),
    )
    .await;
    app.post(
        &bids,
        &m.staff,
        json!({"intermediary_id": other, "price_fen": 5_000_000}),
    )
    .await
    .assert_problem(409, "conflict");
    app.post(&format!("{PROJECTS}/{lowest}/select"), &m.staff, json!({}))
        .await
        .assert_problem(409, "conflict");
    act(
        &app,
        &m.bureau,
        &format!("{AGENCIES}/{other}/suspend"),
        json!({"reason": "超时未交付"}),
    )
    .await;
    app.clock.advance(2 * HOUR_MS);
    let p = act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{lowest}/select"),
        json!({}),
    )
    .await;
    assert_eq!(p["intermediary_id"], good);
    assert_eq!(p["price_fen"], 8_000_000);
    let p = act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{lowest}/contract"),
        json!({"service_days": 1}),
    )
    .await;
    assert_eq!(p["price_fen"], 8_000_000);

    // One working day for the service: two working days on, it is overdue.
    move_working_days(&app, 2);
    let staff = app.login("staff_a", "staff_a-password").await;
    let bureau = app.login("bureau", "bureau-password").await;
    let overdue = app.get(&format!("{PROJECTS}?overdue=true"), &staff).await;
    assert_eq!(overdue.status, 200, "{:#}", overdue.body);
    let ids: Vec<i64> = overdue.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [lowest]);
    assert_eq!(overdue.body["items"][0]["overdue"], true);

    // Credit: regulator 80, credit record 100, public rating 3 (50), one breach, one complaint.
    for record in [
        json!({"kind": "assessment", "score": 80, "note": "年度考核"}),
        json!({"kind": "credit_record", "score": 100, "note": "无不良记录"}),
        json!({"kind": "complaint", "note": "投诉属实：报告延期"}),
    ] {
        let a = app
            .post(
                &format!("{AGENCIES}/{good}/credit-records"),
                &bureau,
                record,
            )
            .await;
        assert_eq!(a.status, 201, "{:#}", a.body);
    }
    app.post(
        &format!("{AGENCIES}/{good}/credit-records"),
        &bureau,
        json!({"kind": "assessment", "score": 101, "note": "x"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let a = app.get(&format!("{AGENCIES}/{good}"), &staff).await;
    let credit = &a.body["credit"];
    assert_eq!(credit["breaches"], 1);
    assert_eq!(credit["complaints"], 1);
    assert_eq!(credit["public_rating"], 3.0);
    // 0.7·80 + 0.1·100 + 0.2·50 − 5 − 3 = 68
    assert_eq!(credit["score"], 68.0);
    let p = act(
        &app,
        &staff,
        &format!("{PROJECTS}/{lowest}/deliver"),
        json!({"material": "岩土工程勘察报告（补充）"}),
    )
    .await;
    assert_eq!(p["late"], true);
    assert_eq!(p["overdue"], false);
}
on_each_backend!(
    the_market_selects_only_qualified_agencies_and_delivers_into_the_case,
    workflow
);

async fn bad_input(app: TestApp) {
    let m = market(&app).await;
    let root = app.root_id().await;
    let before = agency_count(&app, &m.bureau).await;
    let mut bad_code = agency("91350100MA2XY00018", "甲勘察院", root, "2099-12-31");
    app.post(AGENCIES, &m.bureau, bad_code.clone())
        .await
        .assert_problem(422, "validation_failed");
    bad_code["credit_code"] = json!("91350100MA2XY00017");
    bad_code["qualifications"][0]["service_type"] = json!("eia");
    app.post(AGENCIES, &m.bureau, bad_code.clone())
        .await
        .assert_problem(422, "validation_failed");
    bad_code["qualifications"][0]["service_type"] = json!("survey");
    bad_code["fee_max_fen"] = json!(1);
    app.post(AGENCIES, &m.bureau, bad_code)
        .await
        .assert_problem(422, "validation_failed");
    app.post(AGENCIES, &m.bureau, json!({"credit_code": "x"}))
        .await
        .assert_problem(400, "malformed_request");
    assert_eq!(agency_count(&app, &m.bureau).await, before);
    register(
        &app,
        &m.bureau,
        agency("91350100MA2XY00017", "甲勘察院", root, "2099-12-31"),
    )
    .await;
    app.post(
        AGENCIES,
        &m.bureau,
        agency("91350100MA2XY00017", "重复", root, "2099-12-31"),
    )
    .await
    .assert_problem(409, "conflict");
    app.post(
        &format!("{AGENCIES}/999999/suspend"),
        &m.bureau,
        json!({"reason": "x"}),
    )
    .await
    .assert_problem(404, "not_found");

    let mut p = project(&m, &app, "direct");
    p["item_code"] = json!("NO-SUCH-ITEM");
    app.post(PROJECTS, &m.staff, p)
        .await
        .assert_problem(422, "validation_failed");
    let mut p = project(&m, &app, "direct");
    p["budget_fen"] = json!(0);
    p["bid_deadline"] = json!("2000-01-01T00:00:00Z");
    app.post(PROJECTS, &m.staff, p)
        .await
        .assert_problem(422, "validation_failed");
    let mut p = project(&m, &app, "direct");
    p["case_id"] = json!(999_999);
    app.post(PROJECTS, &m.staff, p)
        .await
        .assert_problem(422, "validation_failed");
    let list = app.get(PROJECTS, &m.staff).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
}
on_each_backend!(
    bad_agencies_and_projects_are_refused_and_change_nothing,
    bad_input
);

async fn scope(app: TestApp) {
    let m = market(&app).await;
    let root = app.root_id().await;
    let city = register(
        &app,
        &m.bureau,
        agency("91350100MA2XY00017", "甲勘察院", root, "2099-12-31"),
    )
    .await;
    // A county's bureau keeps its county's agencies, not the city's.
    register(
        &app,
        &m.county_bureau,
        agency("91350100MA2XY0002A", "乙勘察院", m.region, "2099-12-31"),
    )
    .await;
    app.post(
        AGENCIES,
        &m.county_bureau,
        agency("91350100MA2XY0003D", "丙", m.region_b, "2099-12-31"),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        &format!("{AGENCIES}/{city}/suspend"),
        &m.county_bureau,
        json!({"reason": "x"}),
    )
    .await
    .assert_problem(403, "forbidden");
    // Window staff read the registry but do not keep it; the operator does not read it.
    app.post(
        &format!("{AGENCIES}/{city}/suspend"),
        &m.staff,
        json!({"reason": "x"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.get(AGENCIES, &m.operator)
        .await
        .assert_problem(403, "forbidden");
    // Projects belong to their county.
    let id = post_project(&app, &m, "direct").await;
    app.get(&format!("{PROJECTS}/{id}"), &m.staff_b)
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("{PROJECTS}/{id}/select"),
        &m.staff_b,
        json!({"intermediary_id": city}),
    )
    .await
    .assert_problem(404, "not_found");
    let theirs = app.get(PROJECTS, &m.staff_b).await;
    assert_eq!(theirs.body["items"].as_array().unwrap().len(), 0);
    let mut p = project(&m, &app, "direct");
    p["case_id"] = Value::Null;
    p["region_id"] = json!(m.region);
    app.post(PROJECTS, &m.staff_b, p)
        .await
        .assert_problem(403, "forbidden");
    let ours = app.get(PROJECTS, &m.staff).await;
    assert_eq!(ours.body["items"].as_array().unwrap().len(), 1);
}
on_each_backend!(agencies_and_projects_stay_in_their_scope, scope);

async fn late_service(backend: Backend) {
    let db = TestDb::new(backend);
    let config = test_config(&db);
    let app = TestApp::spawn_on(db, config, supervision::jobs()).await;
    let m = market(&app).await;
    let root = app.root_id().await;
    let (_, _) = app
        .user_with_role(
            "office_a",
            m.region,
            None,
            "supervisor",
            ("region", Some(m.region)),
        )
        .await;
    let good = register(
        &app,
        &m.bureau,
        agency("91350100MA2XY00017", "甲勘察院", root, "2099-12-31"),
    )
    .await;
    let id = post_project(&app, &m, "direct").await;
    act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{id}/select"),
        json!({"intermediary_id": good}),
    )
    .await;
    act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{id}/contract"),
        json!({"price_fen": 3_000_000, "service_days": 1}),
    )
    .await;
    move_working_days(&app, 2);
    let office = app.login("office_a", "office_a-password").await;
    let cards = wait_for_cards(&app, &office, "intermediary_project", 1).await;
    assert_eq!(cards[0]["subject_id"], id);
    assert_eq!(cards[0]["step"], "deliver");
    assert_eq!(cards[0]["severity"], "red");
    let staff = app.login("staff_a", "staff_a-password").await;
    let p = act(
        &app,
        &staff,
        &format!("{PROJECTS}/{id}/deliver"),
        json!({"material": "岩土工程勘察报告"}),
    )
    .await;
    assert_eq!(p["late"], true);
    wait_for_cards(&app, &office, "intermediary_project", 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_service_raises_a_red_card_that_closes_on_delivery() {
    for backend in backends() {
        late_service(backend).await;
    }
}
