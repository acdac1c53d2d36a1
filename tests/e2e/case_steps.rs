//! Case steps (R-2.2.1.1): parallel groups open together; countersign by all and by any one,
//! adding a signer, transfer and delegation with their checks; a returned step re-arms its
//! clock; the fee charged at approval, paid or waived; delivery by window pickup or courier;
//! rating a delivered case; scope between counties.

use chrono::{FixedOffset, NaiveDate};
use serde_json::{Value, json};
use yiwang_core::domain::calendar::Calendar;
use yiwang_tests::{TestApp, id_number, on_each_backend};

const CASES: &str = "/api/v1/cases";
const DAY_MS: i64 = 86_400_000;

/// County A with a department and window staff (`a`) plus colleagues `x`, `y`, `z`; county B
/// with its own staff (`b`).
struct County {
    region: i64,
    dep: i64,
    a: String,
    x: (i64, String),
    y: (i64, String),
    z: (i64, String),
    b: (i64, String),
}

fn today(app: &TestApp) -> NaiveDate {
    let tz = FixedOffset::east_opt(8 * 3600).unwrap();
    chrono::DateTime::from_timestamp_millis(app.clock.now())
        .unwrap()
        .with_timezone(&tz)
        .date_naive()
}

async fn county(app: &TestApp) -> County {
    let root = app.root_id().await;
    let a = app.region("990102", "甲区", "county", root).await;
    let b = app.region("990121", "乙县", "county", root).await;
    let d = app
        .post(
            "/api/v1/departments",
            &app.admin_token,
            json!({"region_id": a, "code": "SCJ", "name": "市场监督管理局"}),
        )
        .await;
    assert_eq!(d.status, 201, "{:#}", d.body);
    let staff = |name: &'static str, region: i64| async move {
        app.user_with_role(name, region, None, "window_staff", ("region", Some(region)))
            .await
    };
    County {
        region: a,
        dep: d.body["id"].as_i64().unwrap(),
        a: staff("staff_a", a).await.1,
        x: staff("xu", a).await,
        y: staff("yang", a).await,
        z: staff("zhao", a).await,
        b: staff("staff_b", b).await,
    }
}

/// Publishes an item with `workflow` and `fee`, delivered at the window or by courier.
async fn item(app: &TestApp, c: &County, code: &str, workflow: Value, fee: Value) -> i64 {
    let content = json!({
        "item_code": code, "name": "建设工程消防验收", "item_type": "licensing",
        "legal_basis": "《中华人民共和国消防法》第十三条",
        "legal_limit_days": 20, "promised_limit_days": 15,
        "fee": fee,
        "materials": [{"name": "竣工验收报告", "required": true}],
        "workflow": workflow,
        "online": true, "delivery_modes": ["window", "courier"]
    });
    app.published_item(c.region, c.dep, content).await
}

/// Review, two opinions in parallel (group 1), decision.
fn parallel_workflow() -> Value {
    json!([
        {"name": "受理审查", "role": "reviewer", "limit_days": 2},
        {"name": "消防意见", "role": "fire", "limit_days": 3, "parallel_group": 1},
        {"name": "规划意见", "role": "planning", "limit_days": 4, "parallel_group": 1},
        {"name": "决定", "role": "approver", "limit_days": 2}
    ])
}

fn one_step() -> Value {
    json!([{"name": "审批", "role": "approver", "limit_days": 3}])
}

async fn submit(app: &TestApp, tok: &str, item: i64, quantity: Option<u64>) -> i64 {
    let a = app
        .post(
            CASES,
            tok,
            json!({
                "item_id": item, "channel": "window",
                "applicant": {"kind": "person", "name": "张三", "id_number": id_number("11010519491231002")},
                "materials": ["竣工验收报告"], "declared_quantity": quantity
            }),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.body["id"].as_i64().unwrap()
}

async fn act(app: &TestApp, tok: &str, id: i64, action: &str, body: Value) -> Value {
    let a = app.post(&format!("{CASES}/{id}/{action}"), tok, body).await;
    assert_eq!(a.status, 200, "{action}: {:#}", a.body);
    a.body
}

fn open_indexes(case: &Value) -> Vec<i64> {
    case["open_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["index"].as_i64().unwrap())
        .collect()
}

async fn case_events(app: &TestApp, tok: &str, id: i64) -> Vec<String> {
    let events = app.get("/api/v1/events?after=0&limit=500", tok).await;
    assert_eq!(events.status, 200, "{:#}", events.body);
    events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "case" && e["entity_id"] == id)
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn history(app: &TestApp, tok: &str, id: i64) -> Vec<Value> {
    let h = app.get(&format!("{CASES}/{id}/history"), tok).await;
    assert_eq!(h.status, 200, "{:#}", h.body);
    h.body.as_array().unwrap().clone()
}

async fn a_parallel_group_opens_together_and_the_case_moves_on_when_all_are_approved(app: TestApp) {
    let c = county(&app).await;
    let item = item(
        &app,
        &c,
        "PAR-001",
        parallel_workflow(),
        json!({"kind": "none"}),
    )
    .await;
    let id = submit(&app, &c.a, item, None).await;
    let accepted = act(&app, &c.a, id, "accept", json!({})).await;
    assert_eq!(open_indexes(&accepted), [0]);
    let opened = act(&app, &c.a, id, "steps/current/approve", json!({})).await;
    assert_eq!(opened["status"], "in_review");
    assert_eq!(open_indexes(&opened), [1, 2]);
    let cal = Calendar::bundled().unwrap();
    for (step, days) in [(0, 3), (1, 4)] {
        let s = &opened["open_steps"][step];
        assert_eq!(s["clock"]["limit_days"], days);
        assert_eq!(
            s["clock"]["deadline"]["date"].as_str().unwrap(),
            cal.add_working_days(today(&app), days).to_string()
        );
    }
    // With two steps open, the approval must name one.
    let which = app
        .post(
            &format!("{CASES}/{id}/steps/current/approve"),
            &c.a,
            json!({}),
        )
        .await;
    which.assert_problem(422, "validation_failed");
    assert_eq!(which.body["errors"][0]["field"], "step");
    // Each step gets its own handler; someone else cannot approve it.
    let to_x = act(
        &app,
        &c.a,
        id,
        "steps/1/transfer",
        json!({"user_id": c.x.0, "reason": "消防专业审查"}),
    )
    .await;
    assert_eq!(to_x["open_steps"][0]["handler"]["name"], "xu");
    act(
        &app,
        &c.a,
        id,
        "steps/2/transfer",
        json!({"user_id": c.y.0, "reason": "规划专业审查"}),
    )
    .await;
    let not_hers = app
        .post(
            &format!("{CASES}/{id}/steps/current/approve"),
            &c.a,
            json!({"step": 1}),
        )
        .await;
    not_hers.assert_problem(403, "forbidden");
    let first = act(
        &app,
        &c.x.1,
        id,
        "steps/current/approve",
        json!({"step": 1, "opinion": "消防设计符合要求"}),
    )
    .await;
    assert_eq!(first["status"], "in_review");
    assert_eq!(open_indexes(&first), [2]);
    let second = act(
        &app,
        &c.y.1,
        id,
        "steps/current/approve",
        json!({"opinion": "符合规划"}),
    )
    .await;
    assert_eq!(open_indexes(&second), [3]);
    assert_eq!(second["current_step"]["name"], "决定");
    let done = act(&app, &c.a, id, "steps/current/approve", json!({})).await;
    assert_eq!(done["status"], "approved");
    assert_eq!(done["open_steps"], json!([]));
    assert_eq!(
        case_events(&app, &c.a, id).await,
        [
            "case.submitted",
            "case.accepted",
            "case.step_approved",
            "case.step_transferred",
            "case.step_transferred",
            "case.step_approved",
            "case.step_approved",
            "case.approved",
            // A licensing decision owes its double publicity report (双公示).
            "publicity.opened"
        ]
    );
    let rows = history(&app, &c.a, id).await;
    assert_eq!(rows[3]["action"], "transfer");
    assert_eq!(rows[3]["step"], 1);
    assert_eq!(rows[3]["opinion"], "→ xu: 消防专业审查");
    assert_eq!(rows[5]["actor"], "xu");
    assert_eq!(rows[5]["step"], 1);
    assert_eq!(rows[5]["opinion"], "消防设计符合要求");
}
on_each_backend!(
    a_parallel_group_opens_together,
    a_parallel_group_opens_together_and_the_case_moves_on_when_all_are_approved
);

async fn a_return_from_a_parallel_step_reopens_the_earlier_stage_with_fresh_clocks(app: TestApp) {
    let c = county(&app).await;
    let item = item(
        &app,
        &c,
        "PAR-002",
        parallel_workflow(),
        json!({"kind": "none"}),
    )
    .await;
    let id = submit(&app, &c.a, item, None).await;
    act(&app, &c.a, id, "accept", json!({})).await;
    act(&app, &c.a, id, "steps/current/approve", json!({})).await;
    act(&app, &c.a, id, "steps/current/approve", json!({"step": 2})).await;
    app.clock.advance(3 * DAY_MS);
    let tok = app.login("staff_a", "staff_a-password").await;
    let into_group = app
        .post(
            &format!("{CASES}/{id}/steps/current/return"),
            &tok,
            json!({"to_step": 2, "reason": "重新审查"}),
        )
        .await;
    into_group.assert_problem(422, "validation_failed");
    assert_eq!(into_group.body["errors"][0]["field"], "to_step");
    let back = act(
        &app,
        &tok,
        id,
        "steps/current/return",
        json!({"to_step": 0, "reason": "材料与现场不符"}),
    )
    .await;
    assert_eq!(open_indexes(&back), [0]);
    let started: chrono::DateTime<chrono::Utc> = back["open_steps"][0]["started_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(started.timestamp_millis(), app.clock.now());
    let cal = Calendar::bundled().unwrap();
    assert_eq!(
        back["open_steps"][0]["clock"]["deadline"]["date"]
            .as_str()
            .unwrap(),
        cal.add_working_days(today(&app), 2).to_string()
    );
    assert_eq!(back["open_steps"][0]["clock"]["elapsed_working_days"], 0);
    // Approving it again opens the whole group again, both steps unsigned.
    let again = act(&app, &tok, id, "steps/current/approve", json!({})).await;
    assert_eq!(open_indexes(&again), [1, 2]);
    let events = case_events(&app, &tok, id).await;
    assert_eq!(events.last().unwrap(), "case.step_approved");
    assert!(events.contains(&"case.returned".to_owned()));
}
on_each_backend!(
    a_return_from_a_parallel_step_rearms_the_earlier_stage,
    a_return_from_a_parallel_step_reopens_the_earlier_stage_with_fresh_clocks
);

async fn countersign_by_all_by_any_and_an_added_signer_each_leave_history_and_events(app: TestApp) {
    let c = county(&app).await;
    let workflow = json!([
        {"name": "会审", "role": "reviewer", "limit_days": 3},
        {"name": "核准", "role": "approver", "limit_days": 2}
    ]);
    let item = item(&app, &c, "SIGN-001", workflow, json!({"kind": "none"})).await;
    let id = submit(&app, &c.a, item, None).await;
    act(&app, &c.a, id, "accept", json!({})).await;
    // A signer from another county cannot be named: the field says which one.
    let outsider = app
        .post(
            &format!("{CASES}/{id}/steps/0/countersign"),
            &c.a,
            json!({"mode": "all", "signers": [c.x.0, c.b.0]}),
        )
        .await;
    outsider.assert_problem(422, "validation_failed");
    assert_eq!(outsider.body["errors"][0]["field"], "signers[1]");
    let empty = app
        .post(
            &format!("{CASES}/{id}/steps/0/countersign"),
            &c.a,
            json!({"mode": "all", "signers": []}),
        )
        .await;
    empty.assert_problem(422, "validation_failed");
    assert_eq!(empty.body["errors"][0]["field"], "signers");
    let set = act(
        &app,
        &c.a,
        id,
        "steps/0/countersign",
        json!({"mode": "all", "signers": [c.x.0, c.y.0], "note": "联合会审"}),
    )
    .await;
    assert_eq!(set["open_steps"][0]["mode"], "all");
    assert_eq!(set["open_steps"][0]["waiting_for"], json!(["xu", "yang"]));
    // Staff A is not a signer.
    app.post(
        &format!("{CASES}/{id}/steps/current/approve"),
        &c.a,
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    let signed = act(
        &app,
        &c.x.1,
        id,
        "steps/current/approve",
        json!({"opinion": "同意"}),
    )
    .await;
    assert_eq!(open_indexes(&signed), [0]);
    assert_eq!(signed["open_steps"][0]["waiting_for"], json!(["yang"]));
    // 加签 by a signer; the signers can no longer be replaced.
    let added = act(
        &app,
        &c.x.1,
        id,
        "steps/0/signers",
        json!({"user_id": c.z.0, "reason": "涉及消防"}),
    )
    .await;
    assert_eq!(added["open_steps"][0]["signers"][2]["added"], true);
    let replace = app
        .post(
            &format!("{CASES}/{id}/steps/0/countersign"),
            &c.x.1,
            json!({"mode": "any", "signers": [c.y.0]}),
        )
        .await;
    replace.assert_problem(409, "conflict");
    act(&app, &c.y.1, id, "steps/current/approve", json!({})).await;
    let moved = act(&app, &c.z.1, id, "steps/current/approve", json!({})).await;
    assert_eq!(open_indexes(&moved), [1]);
    // 或签: the first approval completes the step.
    act(
        &app,
        &c.a,
        id,
        "steps/1/countersign",
        json!({"mode": "any", "signers": [c.x.0, c.y.0]}),
    )
    .await;
    let done = act(&app, &c.y.1, id, "steps/current/approve", json!({})).await;
    assert_eq!(done["status"], "approved");
    let events = case_events(&app, &c.a, id).await;
    assert_eq!(
        events[2..],
        [
            "case.step_countersigned",
            "case.step_signed",
            "case.signer_added",
            "case.step_signed",
            "case.step_approved",
            "case.step_countersigned",
            "case.approved",
            "publicity.opened"
        ]
    );
    let rows = history(&app, &c.a, id).await;
    assert_eq!(rows[2]["opinion"], "会签: xu、yang; 联合会审");
    assert_eq!(rows[4]["opinion"], "→ zhao: 涉及消防");
    assert_eq!(rows[4]["actor"], "xu");
    let audit = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"case.countersign"), "{actions:?}");
    assert!(actions.contains(&"case.add_signer"), "{actions:?}");
}
on_each_backend!(
    countersign_by_all_by_any_and_added_signers,
    countersign_by_all_by_any_and_an_added_signer_each_leave_history_and_events
);

async fn a_delegate_acts_for_the_handler_for_a_period_or_a_step_until_revoked(app: TestApp) {
    let c = county(&app).await;
    let item = item(
        &app,
        &c,
        "DEL-001",
        parallel_workflow(),
        json!({"kind": "none"}),
    )
    .await;
    let id = submit(&app, &c.a, item, None).await;
    act(&app, &c.a, id, "accept", json!({})).await;
    act(
        &app,
        &c.a,
        id,
        "steps/0/transfer",
        json!({"user_id": c.x.0, "reason": "承办"}),
    )
    .await;
    app.post(
        &format!("{CASES}/{id}/steps/current/approve"),
        &c.z.1,
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    // Bad spans are refused on their fields.
    let now = chrono::DateTime::from_timestamp_millis(app.clock.now()).unwrap();
    let backwards = app
        .post(
            "/api/v1/case-delegations",
            &c.x.1,
            json!({"delegate_id": c.z.0, "reason": "休假",
                   "starts_at": now, "ends_at": now - chrono::Duration::days(1)}),
        )
        .await;
    backwards.assert_problem(422, "validation_failed");
    assert_eq!(backwards.body["errors"][0]["field"], "ends_at");
    let neither = app
        .post(
            "/api/v1/case-delegations",
            &c.x.1,
            json!({"delegate_id": c.z.0, "reason": "休假"}),
        )
        .await;
    neither.assert_problem(422, "validation_failed");
    let period = app
        .post(
            "/api/v1/case-delegations",
            &c.x.1,
            json!({"delegate_id": c.z.0, "reason": "休假",
                   "starts_at": now, "ends_at": now + chrono::Duration::days(7)}),
        )
        .await;
    assert_eq!(period.status, 201, "{:#}", period.body);
    let delegation = period.body["id"].as_i64().unwrap();
    let list = app.get("/api/v1/case-delegations", &c.z.1).await;
    assert_eq!(list.body[0]["delegator"]["name"], "xu");
    let by_z = act(
        &app,
        &c.z.1,
        id,
        "steps/current/approve",
        json!({"opinion": "代为审查"}),
    )
    .await;
    assert_eq!(open_indexes(&by_z), [1, 2]);
    let rows = history(&app, &c.a, id).await;
    assert_eq!(rows.last().unwrap()["actor"], "zhao 代 xu");
    // Revoked: the delegate acts for nobody.
    let revoked = app
        .post(
            &format!("/api/v1/case-delegations/{delegation}/revoke"),
            &c.x.1,
            json!({}),
        )
        .await;
    assert_eq!(revoked.status, 200, "{:#}", revoked.body);
    assert!(revoked.body["revoked_at"].is_string());
    app.post(
        &format!("/api/v1/case-delegations/{delegation}/revoke"),
        &c.z.1,
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    // For one step: Y hands step 2 to herself, then delegates that step alone to Z.
    act(
        &app,
        &c.a,
        id,
        "steps/2/transfer",
        json!({"user_id": c.y.0, "reason": "承办"}),
    )
    .await;
    let not_open = app
        .post(
            "/api/v1/case-delegations",
            &c.y.1,
            json!({"delegate_id": c.z.0, "reason": "出差", "case_id": id, "step": 3}),
        )
        .await;
    not_open.assert_problem(409, "conflict");
    let outsider = app
        .post(
            "/api/v1/case-delegations",
            &c.y.1,
            json!({"delegate_id": c.b.0, "reason": "出差", "case_id": id, "step": 2}),
        )
        .await;
    outsider.assert_problem(422, "validation_failed");
    assert_eq!(outsider.body["errors"][0]["field"], "delegate_id");
    let step = app
        .post(
            "/api/v1/case-delegations",
            &c.y.1,
            json!({"delegate_id": c.z.0, "reason": "出差", "case_id": id, "step": 2}),
        )
        .await;
    assert_eq!(step.status, 201, "{:#}", step.body);
    let approved = act(
        &app,
        &c.z.1,
        id,
        "steps/current/approve",
        json!({"step": 2}),
    )
    .await;
    assert_eq!(open_indexes(&approved), [1]);
    let rows = history(&app, &c.a, id).await;
    let last = rows.last().unwrap();
    assert_eq!(last["actor"], "zhao 代 yang");
    assert_eq!(last["step"], 2);
    assert!(rows.iter().any(|r| r["action"] == "delegate"));
    let events = case_events(&app, &c.a, id).await;
    assert!(events.contains(&"case.step_delegated".to_owned()));
}
on_each_backend!(
    a_delegate_acts_for_the_handler,
    a_delegate_acts_for_the_handler_for_a_period_or_a_step_until_revoked
);

/// Takes an accepted one-step case through approval.
async fn approved(app: &TestApp, c: &County, item: i64, quantity: Option<u64>) -> (i64, Value) {
    let id = submit(app, &c.a, item, quantity).await;
    act(app, &c.a, id, "accept", json!({})).await;
    let done = act(app, &c.a, id, "steps/current/approve", json!({})).await;
    assert_eq!(done["status"], "approved");
    (id, done)
}

async fn an_approval_charges_the_fee_which_is_paid_or_waived_before_delivery(app: TestApp) {
    let c = county(&app).await;
    let fixed = item(
        &app,
        &c,
        "FEE-001",
        one_step(),
        json!({"kind": "fixed", "amount_fen": 5000}),
    )
    .await;
    let (id, done) = approved(&app, &c, fixed, None).await;
    assert_eq!(done["fee"]["state"], "due");
    assert_eq!(done["fee"]["amount_fen"], 5000);
    assert_eq!(done["allowed_actions"], json!(["pay_fee", "waive_fee"]));
    let early = app
        .post(&format!("{CASES}/{id}/delivery/ready"), &c.a, json!({}))
        .await;
    early.assert_problem(409, "conflict");
    assert_eq!(early.body["allowed"], json!(["pay_fee", "waive_fee"]));
    let wrong = app
        .post(
            &format!("{CASES}/{id}/fee/pay"),
            &c.a,
            json!({"amount_fen": 4000, "payment_ref": "FS2026120100001"}),
        )
        .await;
    wrong.assert_problem(422, "validation_failed");
    assert_eq!(wrong.body["errors"][0]["field"], "amount_fen");
    let negative = app
        .post(
            &format!("{CASES}/{id}/fee/pay"),
            &c.a,
            json!({"amount_fen": -1, "payment_ref": " "}),
        )
        .await;
    negative.assert_problem(422, "validation_failed");
    assert_eq!(negative.body["errors"].as_array().unwrap().len(), 2);
    let still = app.get(&format!("{CASES}/{id}"), &c.a).await;
    assert_eq!(still.body["fee"]["state"], "due");
    let paid = act(
        &app,
        &c.a,
        id,
        "fee/pay",
        json!({"amount_fen": 5000, "payment_ref": "FS2026120100001"}),
    )
    .await;
    assert_eq!(paid["fee"]["state"], "paid");
    assert_eq!(paid["fee"]["payment_ref"], "FS2026120100001");
    assert_eq!(
        paid["allowed_actions"],
        json!(["ready_for_pickup", "send_by_courier"])
    );
    app.post(
        &format!("{CASES}/{id}/fee/pay"),
        &c.a,
        json!({"amount_fen": 5000, "payment_ref": "again"}),
    )
    .await
    .assert_problem(409, "conflict");
    let rows = history(&app, &c.a, id).await;
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["submit", "accept", "approve", "charge_fee", "pay_fee"]
    );
    assert_eq!(rows[3]["opinion"], "应收 50.00 元");
    assert_eq!(
        case_events(&app, &c.a, id).await[2..],
        [
            "case.approved",
            "case.fee_charged",
            "publicity.opened",
            "case.fee_paid"
        ]
    );

    // A formula counts the declared quantity within its bounds, and needs the quantity.
    let formula = item(
        &app,
        &c,
        "FEE-002",
        one_step(),
        json!({"kind": "formula", "unit": "平方米", "per_unit_fen": 50,
               "min_fen": 1000, "max_fen": 5000}),
    )
    .await;
    let missing = app
        .post(
            CASES,
            &c.a,
            json!({"item_id": formula, "channel": "online",
                   "applicant": {"kind": "person", "name": "张三",
                                 "id_number": id_number("11010519491231002")}}),
        )
        .await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.body["errors"][0]["field"], "declared_quantity");
    let (_, capped) = approved(&app, &c, formula, Some(120)).await;
    assert_eq!(capped["fee"]["amount_fen"], 5000);
    assert_eq!(capped["fee"]["quantity"], 120);
    let (small_id, small) = approved(&app, &c, formula, Some(30)).await;
    assert_eq!(small["fee"]["amount_fen"], 1500);
    let waived = act(
        &app,
        &c.a,
        small_id,
        "fee/waive",
        json!({"reason": "小微企业减免"}),
    )
    .await;
    assert_eq!(waived["fee"]["state"], "waived");
    assert_eq!(waived["fee"]["waive_reason"], "小微企业减免");
    // A free item charges nothing and may be delivered at once.
    let free = item(&app, &c, "FEE-003", one_step(), json!({"kind": "none"})).await;
    let (_, none) = approved(&app, &c, free, None).await;
    assert!(none["fee"].is_null());
    assert_eq!(
        none["allowed_actions"],
        json!(["ready_for_pickup", "send_by_courier"])
    );
}
on_each_backend!(
    an_approval_charges_the_fee,
    an_approval_charges_the_fee_which_is_paid_or_waived_before_delivery
);

async fn a_concluded_case_is_delivered_by_pickup_or_courier_and_then_rated(app: TestApp) {
    let c = county(&app).await;
    let free = item(&app, &c, "DLV-001", one_step(), json!({"kind": "none"})).await;
    let (id, _) = approved(&app, &c, free, None).await;
    let ready = act(&app, &c.a, id, "delivery/ready", json!({})).await;
    assert_eq!(ready["delivery"]["state"], "ready_for_pickup");
    assert_eq!(ready["allowed_actions"], json!(["pick_up"]));
    app.post(
        &format!("{CASES}/{id}/delivery/pickup"),
        &c.a,
        json!({"picked_up_by": ""}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let picked = act(
        &app,
        &c.a,
        id,
        "delivery/pickup",
        json!({"picked_up_by": "张三"}),
    )
    .await;
    assert_eq!(picked["delivery"]["state"], "delivered");
    assert_eq!(picked["delivery"]["picked_up_by"], "张三");
    assert!(picked["delivery"]["delivered_at"].is_string());
    assert_eq!(picked["allowed_actions"], json!([]));
    app.post(
        &format!("{CASES}/{id}/delivery/courier"),
        &c.a,
        json!({"courier_company": "EMS", "waybill_no": "1234567890", "address": "某地"}),
    )
    .await
    .assert_problem(409, "conflict");
    // The delivered case can be rated.
    let (_, tablet) = app
        .user_with_role(
            "tablet_1",
            c.region,
            None,
            "device",
            ("region", Some(c.region)),
        )
        .await;
    let rated = app
        .post(
            "/api/v1/evaluations",
            &tablet,
            json!({"source": "tablet", "source_message_id": "m-1", "rating": 5, "case_id": id}),
        )
        .await;
    assert_eq!(rated.status, 201, "{:#}", rated.body);

    // By courier: the address is stored sealed and shown masked everywhere.
    let (sent_id, _) = approved(&app, &c, free, None).await;
    let address = "北京市东城区景山前街4号故宫博物院";
    let bad = app
        .post(
            &format!("{CASES}/{sent_id}/delivery/courier"),
            &c.a,
            json!({"courier_company": "EMS", "waybill_no": "12#", "address": address}),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "waybill_no");
    let sent = act(
        &app,
        &c.a,
        sent_id,
        "delivery/courier",
        json!({"courier_company": "EMS", "waybill_no": "EA123456789CN", "address": address}),
    )
    .await;
    assert_eq!(sent["delivery"]["state"], "delivered");
    assert_eq!(sent["delivery"]["mode"], "courier");
    assert_eq!(sent["delivery"]["waybill_no"], "EA123456789CN");
    let shown = sent["delivery"]["address"].as_str().unwrap();
    assert!(
        shown.starts_with("北京市东城") && shown.contains('*'),
        "{shown}"
    );
    assert!(!sent.to_string().contains("故宫"));
    let audit = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    assert!(!audit.body.to_string().contains("故宫"));
    let events = app
        .get("/api/v1/events?after=0&limit=500", &app.admin_token)
        .await;
    assert!(!events.body.to_string().contains("故宫"));
    // An item delivered only at the window refuses a courier.
    let content = json!({
        "item_code": "DLV-002", "name": "窗口领取事项", "item_type": "licensing",
        "legal_basis": "依据", "legal_limit_days": 20, "promised_limit_days": 15,
        "fee": {"kind": "none"}, "workflow": one_step(),
        "online": false, "delivery_modes": ["window"]
    });
    let window_only = app.published_item(c.region, c.dep, content).await;
    let (w_id, _) = approved(&app, &c, window_only, None).await;
    let refused = app
        .post(
            &format!("{CASES}/{w_id}/delivery/courier"),
            &c.a,
            json!({"courier_company": "EMS", "waybill_no": "EA123456789CN", "address": address}),
        )
        .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["field"], "mode");
    // Nothing is delivered before a conclusion.
    let open = submit(&app, &c.a, free, None).await;
    let early = app
        .post(&format!("{CASES}/{open}/delivery/ready"), &c.a, json!({}))
        .await;
    early.assert_problem(409, "conflict");
    assert_eq!(
        early.body["allowed"],
        json!([
            "accept",
            "reject_at_intake",
            "request_supplement",
            "terminate"
        ])
    );
}
on_each_backend!(
    a_concluded_case_is_delivered_and_rated,
    a_concluded_case_is_delivered_by_pickup_or_courier_and_then_rated
);

async fn a_user_of_another_county_can_neither_direct_steps_nor_settle_fees_nor_deliver(
    app: TestApp,
) {
    let c = county(&app).await;
    let fixed = item(
        &app,
        &c,
        "SCOPE-001",
        one_step(),
        json!({"kind": "fixed", "amount_fen": 100}),
    )
    .await;
    let open = submit(&app, &c.a, fixed, None).await;
    act(&app, &c.a, open, "accept", json!({})).await;
    let b = &c.b.1;
    for (path, body) in [
        (
            "steps/0/countersign",
            json!({"mode": "all", "signers": [c.b.0]}),
        ),
        (
            "steps/0/signers",
            json!({"user_id": c.b.0, "reason": "加签"}),
        ),
        (
            "steps/0/transfer",
            json!({"user_id": c.b.0, "reason": "转办"}),
        ),
        ("steps/current/approve", json!({})),
    ] {
        app.post(&format!("{CASES}/{open}/{path}"), b, body)
            .await
            .assert_problem(404, "not_found");
    }
    app.post(
        "/api/v1/case-delegations",
        b,
        json!({"delegate_id": c.x.0, "reason": "越权", "case_id": open, "step": 0}),
    )
    .await
    .assert_problem(404, "not_found");
    let (done, _) = approved(&app, &c, fixed, None).await;
    for (path, body) in [
        ("fee/pay", json!({"amount_fen": 100, "payment_ref": "X1"})),
        ("fee/waive", json!({"reason": "越权"})),
        ("delivery/ready", json!({})),
    ] {
        app.post(&format!("{CASES}/{done}/{path}"), b, body)
            .await
            .assert_problem(404, "not_found");
    }
    let untouched = app.get(&format!("{CASES}/{done}"), &c.a).await;
    assert_eq!(untouched.body["fee"]["state"], "due");
    let opened = app.get(&format!("{CASES}/{open}"), &c.a).await;
    assert_eq!(opened.body["open_steps"][0]["handler"], Value::Null);
    assert_eq!(opened.body["open_steps"][0]["signers"], json!([]));
}
on_each_backend!(
    another_county_cannot_touch_steps_fees_or_delivery,
    a_user_of_another_county_can_neither_direct_steps_nor_settle_fees_nor_deliver
);

/// A step nobody was named on is done by the holders of its workflow role, once the platform
/// defines that role; a role it does not define binds nobody; naming a handler lets that
/// person act whatever their roles.
async fn a_free_step_is_done_by_the_holders_of_its_role(app: TestApp) {
    let c = county(&app).await;
    let workflow = json!([
        {"name": "审查", "role": "fire_reviewer", "limit_days": 2},
        {"name": "决定", "role": "undefined_approver", "limit_days": 2}
    ]);
    let item = item(
        &app,
        &c,
        "11350100MB0009-001",
        workflow,
        json!({"kind": "none"}),
    )
    .await;
    let role = app
        .post(
            "/api/v1/roles",
            &app.admin_token,
            json!({"name": "fire_reviewer", "title": "消防审查员",
                   "permissions": ["case.read", "case.handle", "org.read"]}),
        )
        .await;
    assert_eq!(role.status, 201, "{:#}", role.body);
    let (_, reviewer) = app
        .user_with_role(
            "fire_xu",
            c.region,
            None,
            "fire_reviewer",
            ("region", Some(c.region)),
        )
        .await;

    let id = submit(&app, &c.a, item, None).await;
    act(&app, &c.a, id, "accept", json!({})).await;
    let approve = json!({"opinion": "同意"});
    let path = format!("{CASES}/{id}/steps/current/approve");
    let refused = app.post(&path, &c.a, approve.clone()).await;
    refused.assert_problem(403, "forbidden");
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("fire_reviewer"),
        "{:#}",
        refused.body
    );
    let ret = app
        .post(
            &format!("{CASES}/{id}/steps/current/return"),
            &c.a,
            json!({"to_step": 0, "reason": "退回"}),
        )
        .await;
    assert_eq!(
        ret.status, 403,
        "a return needs the stage's role too: {:#}",
        ret.body
    );
    let case = app.get(&format!("{CASES}/{id}"), &c.a).await;
    assert_eq!(case.body["status"], "in_review");
    assert_eq!(open_indexes(&case.body), vec![0], "nothing moved");

    // The role's holder approves; the next step's role is not defined here: any handler may.
    let after = act(
        &app,
        &reviewer,
        id,
        "steps/current/approve",
        approve.clone(),
    )
    .await;
    assert_eq!(open_indexes(&after), vec![1]);
    let done = act(&app, &c.a, id, "steps/current/approve", approve.clone()).await;
    assert_eq!(done["status"], "approved");

    // A handler named by the role's holder acts without the role.
    let id = submit(&app, &c.a, item, None).await;
    act(&app, &c.a, id, "accept", json!({})).await;
    let (x_id, x_tok) = &c.x;
    act(
        &app,
        &reviewer,
        id,
        "steps/0/transfer",
        json!({"user_id": x_id, "reason": "请徐同志办理"}),
    )
    .await;
    let moved = act(&app, x_tok, id, "steps/current/approve", approve).await;
    assert_eq!(open_indexes(&moved), vec![1]);
}
on_each_backend!(
    a_free_step_is_done_by_the_holders_of_its_role_on_each_backend,
    a_free_step_is_done_by_the_holders_of_its_role
);
