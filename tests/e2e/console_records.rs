//! The two small API additions the console's Alerts and Cases views need: a note on a card
//! without changing its status (`POST /supervision/anomalies/{id}/notes`) and the case search by
//! number (`GET /cases?case_no=`), with bad input, permission and scope between counties.

use std::time::Duration;

use serde_json::{Value, json};
use yiwang_core::service::supervision;
use yiwang_tests::{Backend, TestApp, TestDb, backends, id_number, test_config};

const ANOMALIES: &str = "/api/v1/supervision/anomalies";

/// Two counties; in A an item, window staff, the office and an auditor; in B its office. A rule
/// flags every submitted case, and one case is submitted in A: its card (as A's office sees
/// it), the case number, and the tokens.
struct Setting {
    card: Value,
    case_no: String,
    office: String,
    auditor: String,
    office_b: String,
}

async fn setting(app: &TestApp) -> Setting {
    let root = app.root_id().await;
    let a = app.region("990131", "丙区", "county", root).await;
    let b = app.region("990132", "丁县", "county", root).await;
    let d = app
        .post(
            "/api/v1/departments",
            &app.admin_token,
            json!({"region_id": a, "code": "SCJ", "name": "市场监督管理局"}),
        )
        .await;
    assert_eq!(d.status, 201, "{:#}", d.body);
    let dep = d.body["id"].as_i64().unwrap();
    let item = app
        .published_item(
            a,
            dep,
            json!({
                "item_code": "11350100MB0001-002", "name": "食品经营许可", "item_type": "licensing",
                "legal_basis": "《中华人民共和国食品安全法》第三十五条",
                "legal_limit_days": 20, "promised_limit_days": 5, "fee": {"kind": "none"},
                "materials": [{"name": "营业执照", "required": true}],
                "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 20}],
                "online": true, "delivery_modes": ["window"]
            }),
        )
        .await;
    let (_, staff) = app
        .user_with_role("staff_c", a, None, "window_staff", ("region", Some(a)))
        .await;
    let (_, office) = app
        .user_with_role("office_c", a, None, "supervisor", ("region", Some(a)))
        .await;
    let (_, auditor) = app
        .user_with_role("auditor_c", a, None, "auditor", ("region", Some(a)))
        .await;
    let (_, office_b) = app
        .user_with_role("office_d", b, None, "supervisor", ("region", Some(b)))
        .await;
    let rule = app
        .post(
            "/api/v1/supervision/rules",
            &office,
            json!({"code": "console-submitted", "name": "已申请未受理", "kind": "process",
                   "severity": "red", "condition": "status == 'submitted'"}),
        )
        .await;
    assert_eq!(rule.status, 201, "{:#}", rule.body);
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
    let case_no = c.body["case_no"].as_str().unwrap().to_owned();
    let case = c.body["id"].as_i64().unwrap();
    for _ in 0..100 {
        let list = app
            .get(&format!("{ANOMALIES}?case_id={case}"), &office)
            .await;
        if let Some(card) = list.body["items"].as_array().and_then(|i| i.first()) {
            return Setting {
                card: card.clone(),
                case_no,
                office,
                auditor,
                office_b,
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the rule flagged no card on case {case}");
}

async fn notes_of(app: &TestApp, who: &str, id: i64) -> Vec<Value> {
    let d = app.get(&format!("{ANOMALIES}/{id}"), who).await;
    assert_eq!(d.status, 200, "{:#}", d.body);
    d.body["notes"].as_array().unwrap().clone()
}

async fn notes_and_case_numbers(backend: Backend) {
    let db = TestDb::new(backend);
    let config = test_config(&db);
    let app = TestApp::spawn_on(db, config, supervision::jobs()).await;
    let s = setting(&app).await;
    let id = s.card["id"].as_i64().unwrap();
    let path = format!("{ANOMALIES}/{id}/notes");
    let before = notes_of(&app, &s.office, id).await.len();

    let empty = app.post(&path, &s.office, json!({"note": "  "})).await;
    empty.assert_problem(422, "validation_failed");
    assert_eq!(empty.body["errors"][0]["field"], "note", "{:#}", empty.body);
    let unknown = app
        .post(&path, &s.office, json!({"note": "x", "status": "closed"}))
        .await;
    unknown.assert_problem(400, "malformed_request");
    app.post(&path, &s.auditor, json!({"note": "只读"}))
        .await
        .assert_problem(403, "forbidden");
    app.post(&path, &s.office_b, json!({"note": "外县"}))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        notes_of(&app, &s.office, id).await.len(),
        before,
        "refused notes change nothing"
    );

    let ok = app
        .post(&path, &s.office, json!({"note": "已电话联系窗口负责人"}))
        .await;
    assert_eq!(ok.status, 200, "{:#}", ok.body);
    assert_eq!(ok.body["status"], "open", "a note does not move the card");
    let notes = notes_of(&app, &s.office, id).await;
    assert_eq!(notes.len(), before + 1);
    let last = notes.last().unwrap();
    assert_eq!(last["action"], "note");
    assert_eq!(last["note"], "已电话联系窗口负责人");
    assert_eq!(last["actor"], "office_c");
    let events = app
        .get("/api/v1/events?after=0&limit=500", &app.admin_token)
        .await;
    let noted = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "anomaly.noted" && e["entity_id"] == id);
    assert!(noted, "the note is an event");
    let verify = app.get("/api/v1/audit/verify", &app.admin_token).await;
    assert!(verify.body["first_broken"].is_null(), "{:#}", verify.body);

    // Cases by number: the one case, within the caller's scope only.
    let q = |no: &str| format!("/api/v1/cases?case_no={no}");
    let found = app.get(&q(&s.case_no), &s.office).await;
    assert_eq!(found.status, 200, "{:#}", found.body);
    let items = found.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["case_no"], s.case_no.as_str());
    assert!(
        items[0]["applicant"]["id_number"]
            .as_str()
            .unwrap()
            .contains("********"),
        "the applicant's number is masked"
    );
    let none = app.get(&q("990131-20000101-000001"), &s.office).await;
    assert!(none.body["items"].as_array().unwrap().is_empty());
    let elsewhere = app.get(&q(&s.case_no), &s.office_b).await;
    assert_eq!(elsewhere.status, 200, "{:#}", elsewhere.body);
    assert!(elsewhere.body["items"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_on_a_card_and_a_case_found_by_number() {
    for backend in backends() {
        notes_and_case_numbers(backend).await;
    }
}
