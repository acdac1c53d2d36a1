//! Cases (R-2.2.1.1): intake, workflow steps and conclusion with history; rejection at intake;
//! a supplement stopping the clock; illegal transitions; bad ID numbers; scope between
//! counties; one-number lookup with masked answers.

use chrono::{Days, FixedOffset, NaiveDate};
use serde_json::{Value, json};
use yiwang_core::domain::calendar::Calendar;
use yiwang_tests::{TestApp, id_number, on_each_backend};

const CASES: &str = "/api/v1/cases";
const DAY_MS: i64 = 86_400_000;

/// Two counties with a department each, an item published in county A, window staff in each.
struct Hall {
    item: i64,
    tok_a: String,
    tok_b: String,
}

async fn hall(app: &TestApp) -> Hall {
    let root = app.root_id().await;
    let a = app.region("990102", "甲区", "county", root).await;
    let b = app.region("990121", "乙县", "county", root).await;
    let dep = |region: i64| async move {
        let d = app
            .post(
                "/api/v1/departments",
                &app.admin_token,
                json!({"region_id": region, "code": "SCJ", "name": "市场监督管理局"}),
            )
            .await;
        assert_eq!(d.status, 201, "{:#}", d.body);
        d.body["id"].as_i64().unwrap()
    };
    let (dep_a, _dep_b) = (dep(a).await, dep(b).await);
    let content = json!({
        "item_code": "11350100MB0001-001", "name": "食品经营许可", "item_type": "licensing",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "legal_limit_days": 20, "promised_limit_days": 10,
        "fee": {"kind": "none"},
        "materials": [{"name": "营业执照", "required": true}],
        "workflow": [
            {"name": "审查", "role": "reviewer", "limit_days": 3},
            {"name": "决定", "role": "approver", "limit_days": 2}
        ],
        "online": true, "delivery_modes": ["window"]
    });
    let item = app.published_item(a, dep_a, content).await;
    let (_, tok_a) = app
        .user_with_role("staff_a", a, None, "window_staff", ("region", Some(a)))
        .await;
    let (_, tok_b) = app
        .user_with_role("staff_b", b, None, "window_staff", ("region", Some(b)))
        .await;
    Hall { item, tok_a, tok_b }
}

async fn submit(app: &TestApp, h: &Hall, number: &str) -> Value {
    let a = app
        .post(
            CASES,
            &h.tok_a,
            json!({
                "item_id": h.item, "channel": "window",
                "applicant": {"kind": "person", "name": "张三", "id_number": number},
                "materials": ["营业执照"]
            }),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    assert_eq!(a.body["status"], "submitted");
    a.body
}

async fn act(app: &TestApp, tok: &str, id: i64, action: &str, body: Value) -> Value {
    let a = app.post(&format!("{CASES}/{id}/{action}"), tok, body).await;
    assert_eq!(a.status, 200, "{action}: {:#}", a.body);
    a.body
}

/// The region of a case, as staff A sees it.
async fn case_region(app: &TestApp, h: &Hall, id: i64) -> i64 {
    let c = app.get(&format!("{CASES}/{id}"), &h.tok_a).await;
    c.body["region_id"].as_i64().unwrap()
}

/// Tokens expire: after moving the clock by days, staff A logs in again.
async fn relogin(app: &TestApp) -> String {
    app.login("staff_a", "staff_a-password").await
}

fn date_of(v: &Value) -> NaiveDate {
    v.as_str().unwrap().parse().unwrap()
}

fn today(app: &TestApp) -> NaiveDate {
    let tz = FixedOffset::east_opt(8 * 3600).unwrap();
    chrono::DateTime::from_timestamp_millis(app.clock.now())
        .unwrap()
        .with_timezone(&tz)
        .date_naive()
}

async fn a_case_goes_through_intake_two_steps_and_approval_with_its_history(app: TestApp) {
    let h = hall(&app).await;
    let number = id_number("11010519491231002");
    let c = submit(&app, &h, &number).await;
    let id = c["id"].as_i64().unwrap();
    let day = today(&app).format("%Y%m%d").to_string();
    assert_eq!(c["case_no"], format!("990102-{day}-000001"));
    assert_eq!(c["item_id"], h.item);
    assert!(c["legal_clock"].is_null());
    let second = submit(&app, &h, &number).await;
    assert_eq!(second["case_no"], format!("990102-{day}-000002"));

    let accepted = act(&app, &h.tok_a, id, "accept", json!({})).await;
    assert_eq!(accepted["status"], "in_review");
    assert_eq!(accepted["current_step"]["name"], "审查");
    assert_eq!(accepted["legal_clock"]["limit_days"], 20);
    assert_eq!(accepted["promised_clock"]["limit_days"], 10);
    let cal = Calendar::bundled().unwrap();
    assert_eq!(
        date_of(&accepted["legal_clock"]["deadline"]["date"]),
        cal.add_working_days(today(&app), 20)
    );
    assert_eq!(
        date_of(&accepted["current_step"]["clock"]["deadline"]["date"]),
        cal.add_working_days(today(&app), 3)
    );

    let first = act(
        &app,
        &h.tok_a,
        id,
        "steps/current/approve",
        json!({"opinion": "材料齐全，符合条件"}),
    )
    .await;
    assert_eq!(first["status"], "in_review");
    assert_eq!(first["current_step"]["index"], 1);
    assert_eq!(first["current_step"]["name"], "决定");
    let done = act(
        &app,
        &h.tok_a,
        id,
        "steps/current/approve",
        json!({"opinion": "准予许可"}),
    )
    .await;
    assert_eq!(done["status"], "approved");
    // A free item's approved case goes on to delivery.
    assert_eq!(
        done["allowed_actions"],
        json!(["ready_for_pickup", "send_by_courier"])
    );
    assert!(done["concluded_at"].is_string());

    let history = app.get(&format!("{CASES}/{id}/history"), &h.tok_a).await;
    assert_eq!(history.status, 200, "{:#}", history.body);
    let rows = history.body.as_array().unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["submit", "accept", "approve", "approve"]);
    let statuses: Vec<&str> = rows.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        ["submitted", "in_review", "in_review", "approved"]
    );
    assert_eq!(rows[2]["opinion"], "材料齐全，符合条件");
    assert_eq!(rows[3]["opinion"], "准予许可");
    assert!(rows.iter().all(|r| r["actor"] == "staff_a"));

    let events = app
        .get("/api/v1/events?after=0&limit=500", &app.admin_token)
        .await;
    let kinds: Vec<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "case" && e["entity_id"] == id)
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "case.submitted",
            "case.accepted",
            "case.step_approved",
            "case.approved",
            // A licensing decision owes its double publicity report (双公示).
            "publicity.opened"
        ]
    );
    assert!(!events.body.to_string().contains(&number));
}
on_each_backend!(
    a_case_goes_through_intake_two_steps_and_approval,
    a_case_goes_through_intake_two_steps_and_approval_with_its_history
);

async fn a_case_rejected_at_intake_keeps_its_reason_and_allows_nothing_more(app: TestApp) {
    let h = hall(&app).await;
    let c = submit(&app, &h, &id_number("11010519491231002")).await;
    let id = c["id"].as_i64().unwrap();
    let no_reason = app
        .post(
            &format!("{CASES}/{id}/reject"),
            &h.tok_a,
            json!({"reason": " "}),
        )
        .await;
    no_reason.assert_problem(422, "validation_failed");
    assert_eq!(no_reason.body["errors"][0]["field"], "reason");
    let r = act(
        &app,
        &h.tok_a,
        id,
        "reject",
        json!({"reason": "不属于本部门职权范围"}),
    )
    .await;
    assert_eq!(r["status"], "rejected_at_intake");
    let again = app
        .post(&format!("{CASES}/{id}/accept"), &h.tok_a, json!({}))
        .await;
    again.assert_problem(409, "conflict");
    // A closed case allows nothing, so the problem names no action.
    assert_eq!(again.body["allowed"].as_array().map_or(0, Vec::len), 0);
    let history = app.get(&format!("{CASES}/{id}/history"), &h.tok_a).await;
    assert_eq!(history.body[1]["opinion"], "不属于本部门职权范围");
}
on_each_backend!(
    rejection_at_intake_needs_a_reason,
    a_case_rejected_at_intake_keeps_its_reason_and_allows_nothing_more
);

async fn a_supplement_request_stops_the_clock_for_the_working_days_it_lasts(app: TestApp) {
    let h = hall(&app).await;
    let c = submit(&app, &h, &id_number("11010519491231002")).await;
    let id = c["id"].as_i64().unwrap();
    let accepted = act(&app, &h.tok_a, id, "accept", json!({})).await;
    let accepted_on = today(&app);
    let before = date_of(&accepted["legal_clock"]["deadline"]["date"]);
    let asked = act(
        &app,
        &h.tok_a,
        id,
        "supplement/request",
        json!({"missing": ["场所平面图"]}),
    )
    .await;
    assert_eq!(asked["status"], "supplement_requested");
    assert_eq!(asked["missing_materials"], json!(["场所平面图"]));
    assert_eq!(asked["legal_clock"]["deadline"]["state"], "suspended");
    app.clock.advance(7 * DAY_MS);
    let tok = relogin(&app).await;
    let waiting = app.get(&format!("{CASES}/{id}"), &tok).await;
    assert_eq!(waiting.status, 200, "{:#}", waiting.body);
    assert_eq!(waiting.body["legal_clock"]["elapsed_working_days"], 0);
    let back = act(&app, &tok, id, "supplement/receive", json!({})).await;
    assert_eq!(back["status"], "in_review");
    assert_eq!(back["missing_materials"], json!([]));
    let received_on = today(&app);
    let cal = Calendar::bundled().unwrap();
    // Days in (accepted, received) did not count; the day the materials arrived does.
    let stopped = cal.working_days_between(accepted_on, received_on - Days::new(1));
    assert!(stopped >= 4, "a week holds working days: {stopped}");
    let after = date_of(&back["legal_clock"]["deadline"]["date"]);
    assert_eq!(
        after,
        cal.add_working_days(before, u32::try_from(stopped).unwrap())
    );
    let to = back["suspensions"][0]["to"].as_str().unwrap();
    assert_eq!(to, received_on.to_string());
}
on_each_backend!(
    a_supplement_request_stops_the_clock,
    a_supplement_request_stops_the_clock_for_the_working_days_it_lasts
);

async fn an_illegal_transition_answers_409_naming_the_allowed_actions(app: TestApp) {
    let h = hall(&app).await;
    let c = submit(&app, &h, &id_number("11010519491231002")).await;
    let id = c["id"].as_i64().unwrap();
    let a = app
        .post(
            &format!("{CASES}/{id}/steps/current/approve"),
            &h.tok_a,
            json!({"opinion": "同意"}),
        )
        .await;
    a.assert_problem(409, "conflict");
    assert_eq!(
        a.body["allowed"],
        json!([
            "accept",
            "reject_at_intake",
            "request_supplement",
            "terminate"
        ])
    );
    let resume = app
        .post(&format!("{CASES}/{id}/resume"), &h.tok_a, json!({}))
        .await;
    resume.assert_problem(409, "conflict");
}
on_each_backend!(
    an_illegal_transition_is_a_conflict,
    an_illegal_transition_answers_409_naming_the_allowed_actions
);

async fn an_id_number_with_a_bad_check_digit_is_refused_on_its_field(app: TestApp) {
    let h = hall(&app).await;
    let good = id_number("11010519491231002");
    let wrong = if good.ends_with('1') { '2' } else { '1' };
    let bad = format!("{}{wrong}", &good[..17]);
    let a = app
        .post(
            CASES,
            &h.tok_a,
            json!({
                "item_id": h.item, "channel": "online",
                "applicant": {"kind": "person", "name": "张三", "id_number": bad},
            }),
        )
        .await;
    a.assert_problem(422, "validation_failed");
    assert_eq!(a.body["errors"][0]["field"], "applicant.id_number");
}
on_each_backend!(
    a_bad_id_number_check_digit_is_refused,
    an_id_number_with_a_bad_check_digit_is_refused_on_its_field
);

async fn a_county_b_user_can_neither_read_nor_act_on_county_a_cases(app: TestApp) {
    let h = hall(&app).await;
    let c = submit(&app, &h, &id_number("11010519491231002")).await;
    let id = c["id"].as_i64().unwrap();
    app.get(&format!("{CASES}/{id}"), &h.tok_b)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("{CASES}/{id}/history"), &h.tok_b)
        .await
        .assert_problem(404, "not_found");
    app.post(&format!("{CASES}/{id}/accept"), &h.tok_b, json!({}))
        .await
        .assert_problem(404, "not_found");
    let list = app.get(CASES, &h.tok_b).await;
    assert_eq!(list.status, 200, "{:#}", list.body);
    assert_eq!(list.body["items"], json!([]));
    let taken = app
        .post(
            CASES,
            &h.tok_b,
            json!({
                "item_id": h.item, "channel": "window",
                "applicant": {"kind": "person", "name": "李四", "id_number": id_number("11010519491231002")},
            }),
        )
        .await;
    taken.assert_problem(403, "forbidden");
    // A supervisor of county A reads the case but may not act on it.
    let a_id = case_region(&app, &h, id).await;
    let (_, sup) = app
        .user_with_role("sup_a", a_id, None, "supervisor", ("region", Some(a_id)))
        .await;
    let read = app.get(&format!("{CASES}/{id}"), &sup).await;
    assert_eq!(read.status, 200, "{:#}", read.body);
    app.post(&format!("{CASES}/{id}/accept"), &sup, json!({}))
        .await
        .assert_problem(403, "forbidden");
    let still = app.get(&format!("{CASES}/{id}"), &h.tok_a).await;
    assert_eq!(still.body["status"], "submitted");
}
on_each_backend!(
    a_county_b_user_cannot_touch_county_a_cases,
    a_county_b_user_can_neither_read_nor_act_on_county_a_cases
);

async fn one_number_finds_a_citizens_cases_and_answers_show_it_masked(app: TestApp) {
    let h = hall(&app).await;
    let citizen = id_number("11010519491231002");
    let other = id_number("44030419900101123");
    let first = submit(&app, &h, &citizen).await;
    submit(&app, &h, &other).await;
    let second = submit(&app, &h, &citizen).await;
    let found = app
        .get(&format!("{CASES}?id_number={citizen}"), &h.tok_a)
        .await;
    assert_eq!(found.status, 200, "{:#}", found.body);
    let ids: Vec<&Value> = found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&first["id"], &second["id"]]);
    let masked = found.body["items"][0]["applicant"]["id_number"]
        .as_str()
        .unwrap();
    assert_eq!(
        masked,
        format!("{}********{}", &citizen[..6], &citizen[14..])
    );
    assert!(!found.body.to_string().contains(&citizen));
    let audit = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    assert!(!audit.body.to_string().contains(&citizen));
    let bad = app.get(&format!("{CASES}?id_number=12345"), &h.tok_a).await;
    bad.assert_problem(422, "validation_failed");
}
on_each_backend!(
    one_number_finds_a_citizens_cases,
    one_number_finds_a_citizens_cases_and_answers_show_it_masked
);

async fn a_return_rearms_the_earlier_step_and_a_suspension_stops_the_clock(app: TestApp) {
    let h = hall(&app).await;
    let c = submit(&app, &h, &id_number("11010519491231002")).await;
    let id = c["id"].as_i64().unwrap();
    act(&app, &h.tok_a, id, "accept", json!({})).await;
    act(&app, &h.tok_a, id, "steps/current/approve", json!({})).await;
    let later = app
        .post(
            &format!("{CASES}/{id}/steps/current/return"),
            &h.tok_a,
            json!({"to_step": 1, "reason": "重新审查"}),
        )
        .await;
    later.assert_problem(422, "validation_failed");
    assert_eq!(later.body["errors"][0]["field"], "to_step");
    app.clock.advance(3 * DAY_MS);
    let tok = relogin(&app).await;
    let back = act(
        &app,
        &tok,
        id,
        "steps/current/return",
        json!({"to_step": 0, "reason": "现场核查材料不全"}),
    )
    .await;
    assert_eq!(back["current_step"]["index"], 0);
    let started = back["current_step"]["started_at"].as_str().unwrap();
    let started: chrono::DateTime<chrono::Utc> = started.parse().unwrap();
    assert_eq!(started.timestamp_millis(), app.clock.now());
    let cal = Calendar::bundled().unwrap();
    assert_eq!(
        date_of(&back["current_step"]["clock"]["deadline"]["date"]),
        cal.add_working_days(today(&app), 3)
    );

    let not_legal = app
        .post(
            &format!("{CASES}/{id}/suspend"),
            &tok,
            json!({"reason": "supplement"}),
        )
        .await;
    not_legal.assert_problem(422, "validation_failed");
    let stopped = act(
        &app,
        &tok,
        id,
        "suspend",
        json!({"reason": "expert_review", "note": "组织专家评审"}),
    )
    .await;
    assert_eq!(stopped["status"], "suspended");
    assert_eq!(stopped["legal_clock"]["deadline"]["state"], "suspended");
    assert_eq!(stopped["allowed_actions"], json!(["resume", "terminate"]));
    let resumed = act(&app, &tok, id, "resume", json!({})).await;
    assert_eq!(resumed["status"], "in_review");
    assert_eq!(resumed["legal_clock"]["deadline"]["state"], "due");
    let ended = act(
        &app,
        &tok,
        id,
        "terminate",
        json!({"reason": "申请人撤回申请"}),
    )
    .await;
    assert_eq!(ended["status"], "terminated");
    let history = app.get(&format!("{CASES}/{id}/history"), &tok).await;
    let actions: Vec<&str> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "submit",
            "accept",
            "approve",
            "return",
            "suspend",
            "resume",
            "terminate"
        ]
    );
    assert_eq!(history.body[4]["opinion"], "expert_review: 组织专家评审");
}
on_each_backend!(
    a_return_rearms_the_earlier_step_and_suspension_stops_the_clock,
    a_return_rearms_the_earlier_step_and_a_suspension_stops_the_clock
);

async fn the_case_list_shows_only_open_or_only_closed_cases_on_request(app: TestApp) {
    let h = hall(&app).await;
    let ids: Vec<i64> = {
        let mut v = Vec::new();
        for n in [
            "11010519491231002",
            "44030419900101123",
            "11010519491231002",
        ] {
            v.push(
                submit(&app, &h, &id_number(n)).await["id"]
                    .as_i64()
                    .unwrap(),
            );
        }
        v
    };
    act(
        &app,
        &h.tok_a,
        ids[1],
        "reject",
        json!({"reason": "不属于本部门职权范围"}),
    )
    .await;
    let listed = |query: &'static str| {
        let app = &app;
        let tok = h.tok_a.clone();
        async move {
            let page = app.get(&format!("{CASES}?{query}"), &tok).await;
            assert_eq!(page.status, 200, "{:#}", page.body);
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("open=true").await, [ids[0], ids[2]]);
    assert_eq!(listed("open=false").await, [ids[1]]);
    assert_eq!(listed("").await, ids);
    // Paged: the cursor carries on past the first open case.
    assert_eq!(listed("open=true&limit=1").await, [ids[0]]);
    let after = format!("open=true&after={}", ids[0]);
    let page = app.get(&format!("{CASES}?{after}"), &h.tok_a).await;
    assert_eq!(page.body["items"][0]["id"].as_i64(), Some(ids[2]));
    let bad = app.get(&format!("{CASES}?open=maybe"), &h.tok_a).await;
    bad.assert_problem(400, "malformed_request");
}
on_each_backend!(
    the_case_list_filters_open_cases,
    the_case_list_shows_only_open_or_only_closed_cases_on_request
);
