//! Historical import (R-2.2.1.2 back-fill): past cases filed at their original times with their
//! histories replayed through the live checks; refused cases reported with the entry at fault
//! while the rest load; a second import of the same file skips what is in; scope and permission.

use serde_json::{Value, json};
use yiwang_tests::{TestApp, id_number, on_each_backend};

const IMPORT: &str = "/api/v1/cases/import";

/// County A's item with a review and a decision step; county B.
async fn setup(app: &TestApp) -> (i64, i64, i64) {
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
    let item = app
        .published_item(a, d.body["id"].as_i64().unwrap(), content)
        .await;
    (item, a, b)
}

fn application(item: i64, name: &str, number: &str) -> Value {
    json!({
        "item_id": item, "channel": "window",
        "applicant": {"kind": "person", "name": name, "id_number": number},
        "materials": ["营业执照"]
    })
}

fn batch(item: i64) -> Value {
    json!({
        "source": "旧审批系统",
        "cases": [
            {
                "legacy_no": "FZ-2025-000123",
                "submitted_at": "2025-09-01T09:00:00+08:00",
                "application": application(item, "张三", &id_number("11010519491231002")),
                "history": [
                    {"at": "2025-09-01T10:00:00+08:00", "actor": "李受理", "action": "accept"},
                    {"at": "2025-09-03T15:00:00+08:00", "actor": "王审查", "action": "approve", "opinion": "材料齐全"},
                    {"at": "2025-09-04T11:00:00+08:00", "actor": "赵局长", "action": "approve", "opinion": "同意"},
                    {"at": "2025-09-05T09:30:00+08:00", "actor": "李受理", "action": "ready_for_pickup"},
                    {"at": "2025-09-08T16:00:00+08:00", "actor": "李受理", "action": "pick_up", "picked_up_by": "张三"}
                ]
            },
            {
                "legacy_no": "FZ-2025-000124",
                "submitted_at": "2025-09-02T09:00:00+08:00",
                "application": application(item, "李四", &id_number("11010519800101003")),
                "history": [
                    {"at": "2025-09-02T10:00:00+08:00", "actor": "李受理", "action": "accept"},
                    {"at": "2025-09-01T10:00:00+08:00", "actor": "王审查", "action": "approve", "opinion": "同意"}
                ]
            },
            {
                "legacy_no": "FZ-2025-000125",
                "submitted_at": "2025-09-02T09:00:00+08:00",
                "application": application(item, "王五", &id_number("11010519800101011")),
                "history": [
                    {"at": "2025-09-02T10:00:00+08:00", "actor": "王审查", "action": "approve", "opinion": "同意"}
                ]
            },
            {
                "legacy_no": "FZ-2025-000126",
                "submitted_at": "2025-09-02T09:00:00+08:00",
                "application": application(item, "赵六", "110105198001010000"),
                "history": []
            }
        ]
    })
}

fn fields(case: &Value) -> Vec<String> {
    case["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn past_cases_load_with_their_history_and_bad_ones_are_refused_alone(app: TestApp) {
    let (item, _, _) = setup(&app).await;
    let first = app.post(IMPORT, &app.admin_token, batch(item)).await;
    assert_eq!(first.status, 200, "{:#}", first.body);
    assert_eq!(first.body["imported"], 1, "{:#}", first.body);
    assert_eq!(first.body["refused"], 3, "{:#}", first.body);
    let cases = first.body["cases"].as_array().unwrap();

    let done = &cases[0];
    assert_eq!(done["outcome"], "imported");
    assert_eq!(done["status"], "approved", "{done:#}");
    assert!(
        done["case_no"].as_str().unwrap().contains("-20250901-"),
        "numbered on its original day: {done:#}"
    );
    let id = done["case_id"].as_i64().unwrap();
    let case = app
        .get(&format!("/api/v1/cases/{id}"), &app.admin_token)
        .await;
    assert_eq!(case.status, 200, "{:#}", case.body);
    assert_eq!(case.body["applicant"]["id_number"], "110105********002X");
    assert_eq!(case.body["submitted_at"], "2025-09-01T01:00:00Z");
    let history = app
        .get(&format!("/api/v1/cases/{id}/history"), &app.admin_token)
        .await;
    let entries = history.body.as_array().unwrap();
    let seen: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["at"].as_str().unwrap(),
                e["actor"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("submit", "2025-09-01T01:00:00Z", "admin"),
            ("accept", "2025-09-01T02:00:00Z", "李受理（旧审批系统）"),
            ("approve", "2025-09-03T07:00:00Z", "王审查（旧审批系统）"),
            ("approve", "2025-09-04T03:00:00Z", "赵局长（旧审批系统）"),
            (
                "ready_for_pickup",
                "2025-09-05T01:30:00Z",
                "李受理（旧审批系统）"
            ),
            ("pick_up", "2025-09-08T08:00:00Z", "李受理（旧审批系统）"),
        ]
    );
    assert_eq!(entries[3]["opinion"], "同意");

    assert_eq!(cases[1]["outcome"], "refused");
    assert_eq!(fields(&cases[1]), vec!["history[1].at"], "{:#}", cases[1]);
    assert_eq!(cases[2]["outcome"], "refused");
    assert_eq!(
        fields(&cases[2]),
        vec!["history[0].action"],
        "approving a case not accepted is refused like a live one: {:#}",
        cases[2]
    );
    assert_eq!(cases[3]["outcome"], "refused");
    assert!(
        fields(&cases[3]).iter().any(|f| f.starts_with("applicant")),
        "a bad check digit: {:#}",
        cases[3]
    );
    let listed = app.get("/api/v1/cases?limit=100", &app.admin_token).await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        1,
        "a refused case leaves nothing behind"
    );

    let again = app.post(IMPORT, &app.admin_token, batch(item)).await;
    assert_eq!(again.status, 200, "{:#}", again.body);
    assert_eq!(again.body["imported"], 0);
    assert_eq!(again.body["existing"], 1);
    assert_eq!(again.body["cases"][0]["case_id"], id);
    let listed = app.get("/api/v1/cases?limit=100", &app.admin_token).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let audit = app.get("/api/v1/audit/verify", &app.admin_token).await;
    assert_eq!(audit.status, 200, "{:#}", audit.body);
}
on_each_backend!(
    past_cases_load_with_their_history_and_bad_ones_are_refused_alone_on_each_backend,
    past_cases_load_with_their_history_and_bad_ones_are_refused_alone
);

async fn importing_needs_the_permission_and_the_scope_of_each_case(app: TestApp) {
    let (item, a, b) = setup(&app).await;
    let (_, staff) = app
        .user_with_role("import_staff", a, None, "window_staff", ("region", Some(a)))
        .await;
    let denied = app.post(IMPORT, &staff, batch(item)).await;
    denied.assert_problem(403, "forbidden");
    let (_, admin_b) = app
        .user_with_role("admin_b", b, None, "admin", ("region", Some(b)))
        .await;
    let outside = app.post(IMPORT, &admin_b, batch(item)).await;
    assert_eq!(outside.status, 200, "{:#}", outside.body);
    assert_eq!(outside.body["imported"], 0);
    assert!(
        outside.body["cases"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("case.handle"),
        "county A's item is outside county B's scope: {:#}",
        outside.body
    );
    let mut twice = batch(item);
    twice["cases"][1]["legacy_no"] = json!("FZ-2025-000123");
    let dup = app.post(IMPORT, &app.admin_token, twice).await;
    dup.assert_problem(422, "validation_failed");
    let empty = app
        .post(
            IMPORT,
            &app.admin_token,
            json!({"source": "旧审批系统", "cases": []}),
        )
        .await;
    empty.assert_problem(422, "validation_failed");
    let listed = app.get("/api/v1/cases?limit=100", &app.admin_token).await;
    assert!(listed.body["items"].as_array().unwrap().is_empty());
}
on_each_backend!(
    importing_needs_the_permission_and_the_scope_of_each_case_on_each_backend,
    importing_needs_the_permission_and_the_scope_of_each_case
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_command_loads_a_file_and_fails_naming_the_refused_cases() {
    let db = yiwang_tests::TestDb::new(yiwang_tests::Backend::Sqlite);
    let config = yiwang_tests::test_config(&db);
    let file = db.dir.path().join("past-cases.json");
    let app = TestApp::spawn_on(db, config.clone(), Vec::new()).await;
    let (item, _, _) = setup(&app).await;
    std::fs::write(&file, batch(item).to_string()).unwrap();
    let command = || yiwang::cli::CasesCommand::Import {
        file: file.clone(),
        user: "admin".into(),
    };
    let err = yiwang::cmd::cases::cases(config.clone(), command())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("3 cases were refused"), "{err}");
    let listed = app.get("/api/v1/cases?limit=100", &app.admin_token).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    let mut good = batch(item);
    good["cases"].as_array_mut().unwrap().truncate(1);
    std::fs::write(&file, good.to_string()).unwrap();
    yiwang::cmd::cases::cases(config, command())
        .await
        .expect("only the case already in: nothing refused");
    let listed = app.get("/api/v1/cases?limit=100", &app.admin_token).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
}
