//! Combined cases taken in at a single window: one application for items of
//! two departments runs a sub-case in each department's back office at once; the whole
//! concludes by its denial rule; results come back to one output window; bad input and scope.

use serde_json::{Value, json};
use yiwang_tests::{TestApp, id_number, on_each_backend};

const COMBINED: &str = "/api/v1/combined-cases";

/// County A's hall with a comprehensive intake window and an output window, two departments
/// each with an item and a back-office user, front-desk staff over the hall's county; county B
/// with its own hall and staff.
struct Hall {
    county_a: i64,
    food: i64,
    building: i64,
    food_dep: i64,
    building_dep: i64,
    intake: i64,
    output: i64,
    food_window: i64,
    other_hall_window: i64,
    desk: String,
    food_office: String,
    building_office: String,
    tok_b: String,
}

fn item(code: &str, name: &str) -> Value {
    json!({
        "item_code": code, "name": name, "item_type": "licensing",
        "legal_basis": "《中华人民共和国行政许可法》",
        "legal_limit_days": 20, "promised_limit_days": 10,
        "fee": {"kind": "none"},
        "materials": [{"name": "申请书", "required": true}],
        "workflow": [{"name": "审批", "role": "approver", "limit_days": 5}],
        "online": false, "delivery_modes": ["window"]
    })
}

async fn created(app: &TestApp, path: &str, body: Value) -> i64 {
    let a = app.post(path, &app.admin_token, body).await;
    assert_eq!(a.status, 201, "{path}: {:#}", a.body);
    a.body["id"].as_i64().unwrap()
}

async fn hall(app: &TestApp) -> Hall {
    let root = app.root_id().await;
    let a = app.region("990102", "甲区", "county", root).await;
    let b = app.region("990121", "乙县", "county", root).await;
    let dep = |code: &'static str, name: &'static str| {
        created(
            app,
            "/api/v1/departments",
            json!({"region_id": a, "code": code, "name": name}),
        )
    };
    let food_dep = dep("SCJ", "甲区市场监督管理局").await;
    let building_dep = dep("ZJJ", "甲区住房和城乡建设局").await;
    let food = app
        .published_item(a, food_dep, item("LB-001", "食品经营许可"))
        .await;
    let building = app
        .published_item(a, building_dep, item("LB-002", "建筑工程施工许可"))
        .await;
    let hall_a = created(
        app,
        "/api/v1/halls",
        json!({"region_id": a, "name": "甲区政务服务中心", "address": "人民路1号"}),
    )
    .await;
    let hall_b = created(
        app,
        "/api/v1/halls",
        json!({"region_id": b, "name": "乙县政务服务中心", "address": "建设路2号"}),
    )
    .await;
    let window = |hall: i64, number: &'static str, department: Option<i64>| async move {
        let path = format!("/api/v1/halls/{hall}/windows");
        let name = format!("{number}号窗口");
        created(
            app,
            &path,
            json!({"number": number, "name": name, "department_id": department}),
        )
        .await
    };
    let intake = window(hall_a, "1", None).await;
    let output = window(hall_a, "9", None).await;
    let food_window = window(hall_a, "5", Some(food_dep)).await;
    let other_hall_window = window(hall_b, "1", None).await;
    let (_, desk) = app
        .user_with_role("desk_a", a, None, "window_staff", ("region", Some(a)))
        .await;
    let (_, food_office) = app
        .user_with_role(
            "scj_office",
            a,
            Some(food_dep),
            "window_staff",
            ("department", Some(food_dep)),
        )
        .await;
    let (_, building_office) = app
        .user_with_role(
            "zjj_office",
            a,
            Some(building_dep),
            "window_staff",
            ("department", Some(building_dep)),
        )
        .await;
    let (_, tok_b) = app
        .user_with_role("desk_b", b, None, "window_staff", ("region", Some(b)))
        .await;
    Hall {
        county_a: a,
        food,
        building,
        food_dep,
        building_dep,
        intake,
        output,
        food_window,
        other_hall_window,
        desk,
        food_office,
        building_office,
        tok_b,
    }
}

fn application(h: &Hall, rule: &str) -> Value {
    json!({
        "channel": "window",
        "applicant": {"kind": "person", "name": "王五", "id_number": id_number("11010519491231002")},
        "items": [
            {"item_id": h.food, "materials": ["申请书"]},
            {"item_id": h.building, "materials": ["申请书"]}
        ],
        "denial_rule": rule,
        "intake_window_id": h.intake,
        "output_window_id": h.output
    })
}

async fn submit(app: &TestApp, h: &Hall, rule: &str) -> Value {
    let c = app.post(COMBINED, &h.desk, application(h, rule)).await;
    assert_eq!(c.status, 201, "{:#}", c.body);
    c.body
}

async fn act(app: &TestApp, tok: &str, case: &Value, action: &str, body: Value) -> Value {
    let a = app
        .post(
            &format!("/api/v1/cases/{}/{action}", case["case_id"]),
            tok,
            body,
        )
        .await;
    assert_eq!(a.status, 200, "{action}: {:#}", a.body);
    a.body
}

async fn combined(app: &TestApp, tok: &str, id: &Value) -> Value {
    let c = app.get(&format!("{COMBINED}/{id}"), tok).await;
    assert_eq!(c.status, 200, "{:#}", c.body);
    c.body
}

async fn sub_cases_run_in_each_back_office_at_once_and_the_whole_concludes_when_all_have(
    app: TestApp,
) {
    let h = hall(&app).await;
    let c = submit(&app, &h, "deny_all").await;
    assert_eq!(c["status"], "in_progress");
    assert_eq!(c["denial_rule"], "deny_all");
    assert_eq!(c["region_id"], h.county_a);
    let number = id_number("11010519491231002");
    assert_eq!(
        c["applicant_id_number"],
        format!("{}********{}", &number[..6], &number[14..])
    );
    assert!(!c.to_string().contains(&number));
    let subs = c["sub_cases"].as_array().unwrap();
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0]["department_id"], h.food_dep);
    assert_eq!(subs[1]["department_id"], h.building_dep);
    assert!(subs.iter().all(|s| s["status"] == "submitted"));
    assert_eq!(
        c["combined_no"],
        format!("L{}", subs[0]["case_no"].as_str().unwrap())
    );

    // Each back office sees its own sub-case only; the front desk sees both.
    let food_list = app.get("/api/v1/cases", &h.food_office).await;
    let ids: Vec<&Value> = food_list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&subs[0]["case_id"]]);
    let building_list = app.get("/api/v1/cases", &h.building_office).await;
    let ids: Vec<&Value> = building_list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&subs[1]["case_id"]]);
    let routing = app
        .get(
            &format!("/api/v1/cases/{}/routing", subs[1]["case_id"]),
            &h.building_office,
        )
        .await;
    assert_eq!(routing.status, 200, "{:#}", routing.body);
    assert_eq!(routing.body["intake_window_id"], h.intake);
    assert_eq!(routing.body["output_window_id"], h.output);
    assert_eq!(routing.body["department_id"], h.building_dep);
    assert!(routing.body["result_ready_at"].is_null());

    // Both run at once: the building office works while the food office has not started.
    act(&app, &h.building_office, &subs[1], "accept", json!({})).await;
    act(&app, &h.food_office, &subs[0], "accept", json!({})).await;
    act(
        &app,
        &h.building_office,
        &subs[1],
        "steps/current/approve",
        json!({}),
    )
    .await;
    let midway = combined(&app, &h.desk, &c["id"]).await;
    assert_eq!(midway["status"], "in_progress");
    assert_eq!(midway["sub_cases"][0]["status"], "in_review");
    assert_eq!(midway["sub_cases"][1]["status"], "approved");
    let waiting = app
        .get(&format!("/api/v1/windows/{}/results", h.output), &h.desk)
        .await;
    assert_eq!(waiting.body["items"].as_array().unwrap().len(), 1);
    act(
        &app,
        &h.food_office,
        &subs[0],
        "steps/current/approve",
        json!({}),
    )
    .await;

    let done = combined(&app, &h.food_office, &c["id"]).await;
    assert_eq!(done["status"], "approved");
    assert!(done["concluded_at"].is_string());
    let results = app
        .get(&format!("/api/v1/windows/{}/results", h.output), &h.desk)
        .await;
    assert_eq!(results.status, 200, "{:#}", results.body);
    let ready: Vec<&Value> = results.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["case_id"])
        .collect();
    assert_eq!(ready, [&subs[0]["case_id"], &subs[1]["case_id"]]);
    assert_eq!(results.body["items"][0]["applicant_name"], "王五");
    let licenses = app.get("/api/v1/licenses", &h.desk).await;
    assert_eq!(licenses.body["items"].as_array().unwrap().len(), 2);
    let listed = app.get(COMBINED, &h.desk).await;
    assert_eq!(listed.body["items"][0]["status"], "approved");
}
on_each_backend!(
    a_combined_case_runs_its_sub_cases_at_once,
    sub_cases_run_in_each_back_office_at_once_and_the_whole_concludes_when_all_have
);

async fn under_deny_all_one_denial_denies_the_whole_and_terminates_the_rest(app: TestApp) {
    let h = hall(&app).await;
    let c = submit(&app, &h, "deny_all").await;
    let subs = c["sub_cases"].as_array().unwrap();
    act(&app, &h.food_office, &subs[0], "accept", json!({})).await;
    act(&app, &h.building_office, &subs[1], "accept", json!({})).await;
    act(
        &app,
        &h.food_office,
        &subs[0],
        "deny",
        json!({"reason": "经营场所不符合要求"}),
    )
    .await;
    let done = combined(&app, &h.desk, &c["id"]).await;
    assert_eq!(done["status"], "denied");
    assert_eq!(done["sub_cases"][0]["status"], "denied");
    assert_eq!(done["sub_cases"][1]["status"], "terminated");
    let other = app
        .get(
            &format!("/api/v1/cases/{}", subs[1]["case_id"]),
            &h.building_office,
        )
        .await;
    assert_eq!(other.body["status"], "terminated");
    assert_eq!(other.body["allowed_actions"], json!([]));
    assert!(other.body["concluded_at"].is_string());
    let history = app
        .get(
            &format!("/api/v1/cases/{}/history", subs[1]["case_id"]),
            &h.building_office,
        )
        .await;
    let last = history.body.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "terminate");
    assert_eq!(
        last["opinion"],
        "联办事项中有事项不予许可，其余事项一并终止"
    );
    assert_eq!(last["actor"], "scj_office");
    let events = app
        .get("/api/v1/events?after=0&limit=500", &app.admin_token)
        .await;
    let kinds: Vec<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .filter(|k| {
            *k == "case.denied" || *k == "case.terminated" || k.starts_with("combined_case.")
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "combined_case.submitted",
            "case.denied",
            "case.terminated",
            "combined_case.concluded"
        ]
    );
    let results = app
        .get(&format!("/api/v1/windows/{}/results", h.output), &h.desk)
        .await;
    assert_eq!(results.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get("/api/v1/licenses", &h.desk).await.body["items"],
        json!([])
    );
}
on_each_backend!(
    deny_all_denies_the_whole,
    under_deny_all_one_denial_denies_the_whole_and_terminates_the_rest
);

async fn under_continue_others_the_rest_go_on_and_the_result_lists_each(app: TestApp) {
    let h = hall(&app).await;
    let c = submit(&app, &h, "continue_others").await;
    let subs = c["sub_cases"].as_array().unwrap();
    act(&app, &h.food_office, &subs[0], "accept", json!({})).await;
    act(
        &app,
        &h.food_office,
        &subs[0],
        "deny",
        json!({"reason": "经营场所不符合要求"}),
    )
    .await;
    let midway = combined(&app, &h.desk, &c["id"]).await;
    assert_eq!(midway["status"], "in_progress");
    assert_eq!(midway["sub_cases"][1]["status"], "submitted");
    act(&app, &h.building_office, &subs[1], "accept", json!({})).await;
    act(
        &app,
        &h.building_office,
        &subs[1],
        "steps/current/approve",
        json!({}),
    )
    .await;
    let done = combined(&app, &h.desk, &c["id"]).await;
    assert_eq!(done["status"], "partly_approved");
    let statuses: Vec<&str> = done["sub_cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["denied", "approved"]);
}
on_each_backend!(
    continue_others_lets_the_rest_go_on,
    under_continue_others_the_rest_go_on_and_the_result_lists_each
);

async fn bad_applications_name_their_field_and_create_nothing(app: TestApp) {
    let h = hall(&app).await;
    let mut one = application(&h, "deny_all");
    one["items"] = json!([{"item_id": h.food}]);
    let a = app.post(COMBINED, &h.desk, one).await;
    a.assert_problem(422, "validation_failed");
    assert_eq!(a.body["errors"][0]["field"], "items");

    let mut twice = application(&h, "deny_all");
    twice["items"] = json!([{"item_id": h.food}, {"item_id": h.food}]);
    let a = app.post(COMBINED, &h.desk, twice).await;
    a.assert_problem(422, "validation_failed");
    assert_eq!(a.body["errors"][0]["field"], "items[1].item_id");

    let mut bad_number = application(&h, "deny_all");
    bad_number["applicant"]["id_number"] = json!("110105194912310020");
    let a = app.post(COMBINED, &h.desk, bad_number).await;
    a.assert_problem(422, "validation_failed");
    assert_eq!(a.body["errors"][0]["field"], "applicant.id_number");

    let mut unknown = application(&h, "deny_all");
    unknown["items"][1]["item_id"] = json!(999_999);
    let a = app.post(COMBINED, &h.desk, unknown).await;
    a.assert_problem(422, "validation_failed");
    assert_eq!(a.body["errors"][0]["field"], "items[1].item_id");

    // A department's own window takes in only its own department's items.
    let mut own_window = application(&h, "deny_all");
    own_window["intake_window_id"] = json!(h.food_window);
    let a = app.post(COMBINED, &h.desk, own_window).await;
    a.assert_problem(422, "validation_failed");
    assert_eq!(a.body["errors"][0]["field"], "intake_window_id");

    let mut far_output = application(&h, "deny_all");
    far_output["output_window_id"] = json!(h.other_hall_window);
    let a = app.post(COMBINED, &h.desk, far_output).await;
    a.assert_problem(422, "validation_failed");
    assert_eq!(a.body["errors"][0]["field"], "output_window_id");

    let rule = app
        .post(COMBINED, &h.desk, application(&h, "majority"))
        .await;
    assert_eq!(rule.status, 400, "{:#}", rule.body);

    // The failed sub-cases were rolled back with their combined case.
    assert_eq!(
        app.get("/api/v1/cases", &h.desk).await.body["items"],
        json!([])
    );
    assert_eq!(app.get(COMBINED, &h.desk).await.body["items"], json!([]));
}
on_each_backend!(
    bad_combined_applications_are_refused,
    bad_applications_name_their_field_and_create_nothing
);

async fn a_user_of_another_county_can_neither_file_nor_read_a_combined_case(app: TestApp) {
    let h = hall(&app).await;
    let c = submit(&app, &h, "deny_all").await;
    app.get(&format!("{COMBINED}/{}", c["id"]), &h.tok_b)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(app.get(COMBINED, &h.tok_b).await.body["items"], json!([]));
    app.post(COMBINED, &h.tok_b, application(&h, "deny_all"))
        .await
        .assert_problem(403, "forbidden");
    let sub = &c["sub_cases"][0]["case_id"];
    app.get(&format!("/api/v1/cases/{sub}/routing"), &h.tok_b)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/windows/{}/results", h.output), &h.tok_b)
        .await
        .assert_problem(404, "not_found");
    // A back office sees the combined case through its own sub-case, but not the other's.
    let seen = combined(&app, &h.food_office, &c["id"]).await;
    assert_eq!(seen["sub_cases"].as_array().unwrap().len(), 2);
    app.get(
        &format!("/api/v1/cases/{}", c["sub_cases"][1]["case_id"]),
        &h.food_office,
    )
    .await
    .assert_problem(404, "not_found");
    // Taking in at county A's window needs case.handle over its hall.
    let single = app
        .post(
            "/api/v1/cases",
            &h.food_office,
            json!({
                "item_id": h.food, "channel": "window",
                "applicant": {"kind": "person", "name": "王五", "id_number": id_number("11010519491231002")},
                "intake_window_id": h.intake
            }),
        )
        .await;
    single.assert_problem(403, "forbidden");
    assert_eq!(
        app.get("/api/v1/cases", &h.food_office).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
on_each_backend!(
    another_countys_user_cannot_touch_a_combined_case,
    a_user_of_another_county_can_neither_file_nor_read_a_combined_case
);

async fn the_output_window_records_each_hand_over_and_prints_it(app: TestApp) {
    let h = hall(&app).await;
    let c = submit(&app, &h, "continue_others").await;
    let subs = c["sub_cases"].as_array().unwrap();
    let url = |i: usize| format!("/api/v1/cases/{}/handover", subs[i]["case_id"]);
    let proxy = id_number("11010519800101001");
    let by_proxy = json!({"method": "proxy", "recipient_name": "赵六", "proxy_id_number": proxy});

    // An open case's result has not reached the window yet.
    app.post(&url(0), &h.desk, by_proxy.clone())
        .await
        .assert_problem(409, "conflict");
    act(&app, &h.food_office, &subs[0], "accept", json!({})).await;
    act(
        &app,
        &h.food_office,
        &subs[0],
        "steps/current/approve",
        json!({}),
    )
    .await;

    // Every problem named, nothing recorded.
    let bad = app
        .post(
            &url(0),
            &h.desk,
            json!({"method": "proxy", "recipient_name": " ", "waybill_no": "EMS1"}),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let mut fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["proxy_id_number", "recipient_name", "waybill_no"]);
    let mut wrong_digit = by_proxy.clone();
    wrong_digit["proxy_id_number"] = json!("110105198001010010");
    let bad = app.post(&url(0), &h.desk, wrong_digit).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "proxy_id_number");
    // The back office reads the case but does not work the hall's output window.
    app.post(&url(0), &h.food_office, by_proxy.clone())
        .await
        .assert_problem(403, "forbidden");
    app.post(&url(0), &h.tok_b, by_proxy.clone())
        .await
        .assert_problem(404, "not_found");

    let masked = format!("{}********{}", &proxy[..6], &proxy[14..]);
    let done = app.post(&url(0), &h.desk, by_proxy.clone()).await;
    assert_eq!(done.status, 201, "{:#}", done.body);
    assert_eq!(done.body["method"], "proxy");
    assert_eq!(done.body["recipient_name"], "赵六");
    assert_eq!(done.body["proxy_id_number"], masked);
    assert_eq!(done.body["window_id"], h.output);
    assert_eq!(done.body["handed_by"], "desk_a");
    assert!(done.body["handed_at"].is_string());
    app.post(&url(0), &h.desk, by_proxy.clone())
        .await
        .assert_problem(409, "conflict");
    // The hand-over is the case's pick-up, in the same transaction.
    let history = app
        .get(
            &format!("/api/v1/cases/{}/history", subs[0]["case_id"]),
            &h.desk,
        )
        .await;
    let tail: Vec<(&str, &Value)> = history.body.as_array().unwrap()[..]
        .iter()
        .rev()
        .take(2)
        .map(|e| (e["action"].as_str().unwrap(), &e["opinion"]))
        .collect();
    assert_eq!(
        tail,
        [
            ("pick_up", &json!("赵六")),
            ("ready_for_pickup", &Value::Null)
        ]
    );
    let read = app.get(&url(0), &h.food_office).await;
    assert_eq!(read.status, 200, "{:#}", read.body);
    assert_eq!(read.body["proxy_id_number"], masked);
    app.get(&url(0), &h.tok_b)
        .await
        .assert_problem(404, "not_found");

    let page = app.get(&format!("{}/print", url(0)), &h.desk).await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.body.as_str().unwrap();
    assert!(html.contains("办件结果交付登记表"));
    assert!(html.contains("甲区政务服务中心"));
    assert!(html.contains("委托代领"));
    assert!(html.contains(&masked));
    assert!(html.contains(subs[0]["case_no"].as_str().unwrap()));
    assert!(!html.contains(&proxy));

    // Handed over, it no longer waits at the window; a denial is handed over too.
    act(&app, &h.building_office, &subs[1], "accept", json!({})).await;
    act(
        &app,
        &h.building_office,
        &subs[1],
        "deny",
        json!({"reason": "施工图未审查"}),
    )
    .await;
    let waiting = app
        .get(&format!("/api/v1/windows/{}/results", h.output), &h.desk)
        .await;
    let ids: Vec<&Value> = waiting.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["case_id"])
        .collect();
    assert_eq!(ids, [&subs[1]["case_id"]]);
    app.post(
        &url(1),
        &h.desk,
        json!({"method": "courier", "recipient_name": "邮政揽投员", "waybill_no": "EMS1"}),
    )
    .await
    .assert_problem(409, "conflict");
    let in_person = app
        .post(
            &url(1),
            &h.desk,
            json!({"method": "in_person", "recipient_name": "王五"}),
        )
        .await;
    assert_eq!(in_person.status, 201, "{:#}", in_person.body);
    assert!(in_person.body["proxy_id_number"].is_null());

    let events = app
        .get("/api/v1/events?after=0&limit=500", &app.admin_token)
        .await;
    let handed = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "case.result_handed_over")
        .count();
    assert_eq!(handed, 2);
    assert!(!events.body.to_string().contains(&proxy));
    let audit = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    assert!(!audit.body.to_string().contains(&proxy));
}
on_each_backend!(
    the_output_window_records_each_hand_over,
    the_output_window_records_each_hand_over_and_prints_it
);

/// A city department's item and a district department's item, a hall of the city with a
/// comprehensive window, and the staff of each level.
struct CityAndDistrict {
    city: i64,
    district: i64,
    city_item: i64,
    district_item: i64,
    window: i64,
    city_desk: String,
    city_office: String,
    district_office: String,
    district_desk: String,
    other_desk: String,
}

async fn city_and_district(app: &TestApp) -> CityAndDistrict {
    let city = app.root_id().await;
    let district = app.region("990102", "甲区", "county", city).await;
    let other = app.region("990121", "乙县", "county", city).await;
    let city_dep = created(
        app,
        "/api/v1/departments",
        json!({"region_id": city, "code": "SFGW", "name": "市发展和改革委员会"}),
    )
    .await;
    let district_dep = created(
        app,
        "/api/v1/departments",
        json!({"region_id": district, "code": "QZJJ", "name": "甲区住房和城乡建设局"}),
    )
    .await;
    let city_item = app
        .published_item(city, city_dep, item("LB-101", "企业投资项目核准"))
        .await;
    let district_item = app
        .published_item(district, district_dep, item("LB-102", "建筑工程施工许可"))
        .await;
    let hall = created(
        app,
        "/api/v1/halls",
        json!({"region_id": city, "name": "市民中心", "address": "市府大道1号"}),
    )
    .await;
    let window = created(
        app,
        &format!("/api/v1/halls/{hall}/windows"),
        json!({"number": "1", "name": "综合受理窗口", "department_id": null}),
    )
    .await;
    let user = |name: &'static str, region: i64, dep: Option<i64>, scope: (&'static str, i64)| {
        app.user_with_role(name, region, dep, "window_staff", (scope.0, Some(scope.1)))
    };
    let (_, city_desk) = user("city_desk", city, None, ("region", city)).await;
    let (_, city_office) = user(
        "city_office",
        city,
        Some(city_dep),
        ("department", city_dep),
    )
    .await;
    let (_, district_office) = user(
        "district_office",
        district,
        Some(district_dep),
        ("department", district_dep),
    )
    .await;
    let (_, district_desk) = user("district_desk", district, None, ("region", district)).await;
    let (_, other_desk) = user("other_desk", other, None, ("region", other)).await;
    CityAndDistrict {
        city,
        district,
        city_item,
        district_item,
        window,
        city_desk,
        city_office,
        district_office,
        district_desk,
        other_desk,
    }
}

fn listed(page: &Value) -> Vec<&Value> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect()
}

async fn departments_of_a_city_and_a_district_run_one_combined_case_each_seeing_its_own(
    app: TestApp,
) {
    let s = city_and_district(&app).await;
    let filed = app
        .post(
            COMBINED,
            &s.city_desk,
            json!({
                "channel": "window",
                "applicant": {"kind": "person", "name": "王五",
                              "id_number": id_number("11010519491231002")},
                "items": [{"item_id": s.city_item, "materials": ["申请书"]},
                          {"item_id": s.district_item, "materials": ["申请书"]}],
                "denial_rule": "deny_all",
                "intake_window_id": s.window
            }),
        )
        .await;
    assert_eq!(filed.status, 201, "{:#}", filed.body);
    let c = filed.body;
    // The whole belongs to the city, which holds both; each sub-case to its own region.
    assert_eq!(c["region_id"], s.city);
    let subs = c["sub_cases"].as_array().unwrap().clone();
    let case_of = |i: usize| format!("/api/v1/cases/{}", subs[i]["case_id"]);
    let city_case = app.get(&case_of(0), &s.city_office).await;
    assert_eq!(city_case.status, 200, "{:#}", city_case.body);
    assert_eq!(city_case.body["region_id"], s.city);
    let district_case = app.get(&case_of(1), &s.district_office).await;
    assert_eq!(district_case.status, 200, "{:#}", district_case.body);
    assert_eq!(district_case.body["region_id"], s.district);
    // Numbered in their own regions.
    assert!(!subs[0]["case_no"].as_str().unwrap().starts_with("990102-"));
    assert!(subs[1]["case_no"].as_str().unwrap().starts_with("990102-"));

    // Each department and the district's desk read the overview, and only their own sub-case.
    for (tok, own, other) in [
        (&s.city_office, 0, 1),
        (&s.district_office, 1, 0),
        (&s.district_desk, 1, 0),
    ] {
        let seen = combined(&app, tok, &c["id"]).await;
        assert_eq!(seen["sub_cases"].as_array().unwrap().len(), 2);
        assert_eq!(listed(&app.get(COMBINED, tok).await.body), [&c["id"]]);
        assert_eq!(app.get(&case_of(own), tok).await.status, 200);
        for tail in ["", "/history", "/reuses", "/routing"] {
            app.get(&format!("{}{tail}", case_of(other)), tok)
                .await
                .assert_problem(404, "not_found");
        }
    }
    app.get(&format!("{COMBINED}/{}", c["id"]), &s.other_desk)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        app.get(COMBINED, &s.other_desk).await.body["items"],
        json!([])
    );

    // A district denial ends the city's sub-case too, under deny_all.
    let sub = |i: usize| json!({"case_id": subs[i]["case_id"]});
    act(&app, &s.city_office, &sub(0), "accept", json!({})).await;
    act(&app, &s.district_office, &sub(1), "accept", json!({})).await;
    act(
        &app,
        &s.district_office,
        &sub(1),
        "deny",
        json!({"reason": "施工图未审查"}),
    )
    .await;
    let done = combined(&app, &s.city_office, &c["id"]).await;
    assert_eq!(done["status"], "denied");
    assert_eq!(done["sub_cases"][0]["status"], "terminated");
    let results = app
        .get(
            &format!("/api/v1/windows/{}/results", s.window),
            &s.city_desk,
        )
        .await;
    assert_eq!(results.body["items"].as_array().unwrap().len(), 2);
}
on_each_backend!(
    a_city_and_a_district_department_run_one_combined_case,
    departments_of_a_city_and_a_district_run_one_combined_case_each_seeing_its_own
);
