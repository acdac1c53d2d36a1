//! The data-sharing catalogue: a department's data set, another department's request,
//! the provider's approval or refusal, uses recorded only under an agreement in force, expiry;
//! bad input; who sees and decides what.

use serde_json::{Value, json};
use yiwang_tests::{TestApp, on_each_backend};

const SETS: &str = "/api/v1/data-sets";
const REQUESTS: &str = "/api/v1/data-share-requests";
const DAY_MS: i64 = 86_400_000;

struct Departments {
    scj: i64,
    gaj: i64,
    tax: i64,
    scj_admin: String,
    gaj_admin: String,
    tax_admin: String,
    office: String,
}

async fn department(app: &TestApp, region: i64, code: &str, name: &str) -> i64 {
    let d = app
        .post(
            "/api/v1/departments",
            &app.admin_token,
            json!({"region_id": region, "code": code, "name": name}),
        )
        .await;
    assert_eq!(d.status, 201, "{:#}", d.body);
    d.body["id"].as_i64().unwrap()
}

async fn departments(app: &TestApp) -> Departments {
    let root = app.root_id().await;
    let region = app.region("990102", "甲区", "county", root).await;
    let region_b = app.region("990121", "乙县", "county", root).await;
    let scj = department(app, region, "SCJ", "市场监督管理局").await;
    let gaj = department(app, region, "GAJ", "公安局").await;
    let tax = department(app, region_b, "SWJ", "税务局").await;
    let admin = |name: &'static str, region: i64, d: i64| async move {
        app.user_with_role(name, region, Some(d), "data_admin", ("department", Some(d)))
            .await
            .1
    };
    let scj_admin = admin("scj_data", region, scj).await;
    let gaj_admin = admin("gaj_data", region, gaj).await;
    let tax_admin = admin("tax_data", region_b, tax).await;
    let (_, office) = app
        .user_with_role(
            "office_a",
            region,
            None,
            "supervisor",
            ("region", Some(region)),
        )
        .await;
    Departments {
        scj,
        gaj,
        tax,
        scj_admin,
        gaj_admin,
        tax_admin,
        office,
    }
}

fn licenses(d: &Departments) -> Value {
    json!({
        "code": "SCJ-FOOD-LICENSES", "name": "食品经营许可证信息", "department_id": d.scj,
        "description": "全市有效的食品经营许可证",
        "fields": [{"name": "license_no", "label": "许可证编号"},
                   {"name": "holder_name", "label": "经营者名称"},
                   {"name": "legal_id_number", "label": "法定代表人身份证号", "personal": true}],
        "update_frequency": "daily", "form": "api"
    })
}

async fn set_count(app: &TestApp, who: &str) -> usize {
    let a = app.get(SETS, who).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body["items"].as_array().unwrap().len()
}

fn today_plus(app: &TestApp, days: i64) -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    chrono::DateTime::from_timestamp_millis(app.clock.now() + days * DAY_MS)
        .unwrap()
        .with_timezone(&tz)
        .date_naive()
        .to_string()
}

async fn flow(app: TestApp) {
    let d = departments(&app).await;
    // Bad data sets change nothing; another department cannot add one for the SCJ.
    let mut bad = licenses(&d);
    bad["fields"] = json!([]);
    app.post(SETS, &d.scj_admin, bad)
        .await
        .assert_problem(422, "validation_failed");
    let mut bad = licenses(&d);
    bad["fields"][1]["name"] = json!("license_no");
    bad["code"] = json!("bad code!");
    app.post(SETS, &d.scj_admin, bad)
        .await
        .assert_problem(422, "validation_failed");
    app.post(SETS, &d.gaj_admin, licenses(&d))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(set_count(&app, &d.office).await, 0);
    let s = app.post(SETS, &d.scj_admin, licenses(&d)).await;
    assert_eq!(s.status, 201, "{:#}", s.body);
    let set = s.body["id"].as_i64().unwrap();
    assert_eq!(s.body["form"], "api");
    assert_eq!(s.body["fields"][2]["personal"], true);
    app.post(SETS, &d.scj_admin, licenses(&d))
        .await
        .assert_problem(409, "conflict");
    assert_eq!(set_count(&app, &d.gaj_admin).await, 1);

    // The police ask; bad requests are refused.
    let ask = format!("{SETS}/{set}/requests");
    app.post(
        &ask,
        &d.gaj_admin,
        json!({"department_id": d.gaj, "purpose": "核查", "fields": ["nope"]}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(
        &ask,
        &d.gaj_admin,
        json!({"department_id": d.scj, "purpose": "代申请"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        &ask,
        &d.scj_admin,
        json!({"department_id": d.scj, "purpose": "自用"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let r = app
        .post(
            &ask,
            &d.gaj_admin,
            json!({"department_id": d.gaj, "purpose": "治安检查时核验食品经营资格",
                                         "fields": ["license_no", "holder_name"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["in_force"], false);
    let request = r.body["id"].as_i64().unwrap();
    app.post(
        &ask,
        &d.gaj_admin,
        json!({"department_id": d.gaj, "purpose": "再次"}),
    )
    .await
    .assert_problem(409, "conflict");

    // No use before approval; only the provider decides.
    let uses = format!("{REQUESTS}/{request}/uses");
    app.post(
        &uses,
        &d.gaj_admin,
        json!({"purpose": "案件 1", "records": 3}),
    )
    .await
    .assert_problem(409, "conflict");
    let approve = format!("{REQUESTS}/{request}/approve");
    let approval = json!({"agreement_no": "GX-2026-001", "valid_until": today_plus(&app, 30)});
    app.post(&approve, &d.gaj_admin, approval.clone())
        .await
        .assert_problem(403, "forbidden");
    app.post(&approve, &d.tax_admin, approval.clone())
        .await
        .assert_problem(404, "not_found");
    app.post(
        &approve,
        &d.scj_admin,
        json!({"agreement_no": "GX-2026-001", "valid_until": "2000-01-01"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let a = app.post(&approve, &d.scj_admin, approval.clone()).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert_eq!(a.body["status"], "approved");
    assert_eq!(a.body["in_force"], true);
    assert_eq!(a.body["decided_by"], "scj_data");
    app.post(&approve, &d.scj_admin, approval)
        .await
        .assert_problem(409, "conflict");
    let s = app.get(&format!("{SETS}/{set}"), &d.tax_admin).await;
    assert_eq!(s.body["users"][0]["department_id"], d.gaj);
    assert_eq!(s.body["users"][0]["agreement_no"], "GX-2026-001");

    // Uses are recorded and readable by both sides, not by a third department.
    app.post(&uses, &d.gaj_admin, json!({"purpose": "", "records": 3}))
        .await
        .assert_problem(422, "validation_failed");
    app.post(&uses, &d.scj_admin, json!({"purpose": "x", "records": 1}))
        .await
        .assert_problem(403, "forbidden");
    let u = app
        .post(
            &uses,
            &d.gaj_admin,
            json!({"purpose": "治安检查 2026-001", "records": 3}),
        )
        .await;
    assert_eq!(u.status, 201, "{:#}", u.body);
    for who in [&d.scj_admin, &d.gaj_admin] {
        let l = app.get(&uses, who).await;
        assert_eq!(l.status, 200, "{:#}", l.body);
        assert_eq!(l.body.as_array().unwrap().len(), 1);
        assert_eq!(l.body[0]["used_by"], "gaj_data");
    }
    app.get(&uses, &d.tax_admin)
        .await
        .assert_problem(404, "not_found");
    let theirs = app.get(REQUESTS, &d.tax_admin).await;
    assert_eq!(theirs.body["items"].as_array().unwrap().len(), 0);
    let mine = app
        .get(&format!("{REQUESTS}?status=approved"), &d.scj_admin)
        .await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    app.get(REQUESTS, &d.office)
        .await
        .assert_problem(403, "forbidden");

    // A refusal: no use.
    let t = app
        .post(
            &ask,
            &d.tax_admin,
            json!({"department_id": d.tax, "purpose": "税源比对"}),
        )
        .await;
    assert_eq!(t.status, 201, "{:#}", t.body);
    let refused = t.body["id"].as_i64().unwrap();
    let f = app
        .post(
            &format!("{REQUESTS}/{refused}/refuse"),
            &d.scj_admin,
            json!({"note": "用途与许可数据无关"}),
        )
        .await;
    assert_eq!(f.status, 200, "{:#}", f.body);
    assert_eq!(f.body["status"], "refused");
    app.post(
        &format!("{REQUESTS}/{refused}/uses"),
        &d.tax_admin,
        json!({"purpose": "x", "records": 1}),
    )
    .await
    .assert_problem(409, "conflict");

    // The agreement ends: no more use.
    app.clock.advance(32 * DAY_MS);
    let gaj = app.login("gaj_data", "gaj_data-password").await;
    let r = app.get(&format!("{REQUESTS}/{request}"), &gaj).await;
    assert_eq!(r.body["in_force"], false);
    app.post(&uses, &gaj, json!({"purpose": "过期后", "records": 1}))
        .await
        .assert_problem(409, "conflict");
    let l = app.get(&uses, &gaj).await;
    assert_eq!(l.body.as_array().unwrap().len(), 1);

    // Asked again and approved, then revoked early by the provider: no more use.
    let scj = app.login("scj_data", "scj_data-password").await;
    let again = app
        .post(
            &ask,
            &gaj,
            json!({"department_id": d.gaj, "purpose": "续签"}),
        )
        .await;
    assert_eq!(again.status, 201, "{:#}", again.body);
    let renewed = again.body["id"].as_i64().unwrap();
    let approval = json!({"agreement_no": "GX-2027-001", "valid_until": today_plus(&app, 30)});
    let a = app
        .post(&format!("{REQUESTS}/{renewed}/approve"), &scj, approval)
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let renewed_uses = format!("{REQUESTS}/{renewed}/uses");
    let u = app
        .post(
            &renewed_uses,
            &gaj,
            json!({"purpose": "续签后", "records": 2}),
        )
        .await;
    assert_eq!(u.status, 201, "{:#}", u.body);
    let revoke = format!("{REQUESTS}/{renewed}/revoke");
    app.post(&revoke, &gaj, json!({"note": "x"}))
        .await
        .assert_problem(403, "forbidden");
    let r = app
        .post(&revoke, &scj, json!({"note": "发现超范围使用"}))
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["status"], "revoked");
    assert_eq!(r.body["in_force"], false);
    assert_eq!(r.body["agreement_no"], "GX-2027-001");
    app.post(&revoke, &scj, json!({"note": "again"}))
        .await
        .assert_problem(409, "conflict");
    app.post(
        &renewed_uses,
        &gaj,
        json!({"purpose": "撤销后", "records": 1}),
    )
    .await
    .assert_problem(409, "conflict");
    let s = app.get(&format!("{SETS}/{set}"), &gaj).await;
    assert_eq!(s.body["users"].as_array().unwrap().len(), 0);
}
on_each_backend!(data_is_used_only_under_an_approved_agreement_in_force, flow);

fn change(fields: Value, note: &str) -> Value {
    json!({
        "name": "食品经营许可证信息", "description": "全市有效的食品经营许可证（含经营范围）",
        "fields": fields, "update_frequency": "realtime", "form": "api", "note": note
    })
}

async fn versions_and_withdrawal(app: TestApp) {
    let d = departments(&app).await;
    let s = app.post(SETS, &d.scj_admin, licenses(&d)).await;
    assert_eq!(s.status, 201, "{:#}", s.body);
    assert_eq!(s.body["version"], 1);
    let set = s.body["id"].as_i64().unwrap();
    let url = format!("{SETS}/{set}");
    let fields = licenses(&d)["fields"].clone();

    // The police hold an agreement on two fields, the tax office asks for all of them.
    let r = app
        .post(
            &format!("{url}/requests"),
            &d.gaj_admin,
            json!({"department_id": d.gaj, "purpose": "核验食品经营资格",
                   "fields": ["license_no", "holder_name"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let agreement = r.body["id"].as_i64().unwrap();
    let a = app
        .post(
            &format!("{REQUESTS}/{agreement}/approve"),
            &d.scj_admin,
            json!({"agreement_no": "GX-2026-002", "valid_until": today_plus(&app, 30)}),
        )
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let p = app
        .post(
            &format!("{url}/requests"),
            &d.tax_admin,
            json!({"department_id": d.tax, "purpose": "税源核查"}),
        )
        .await;
    assert_eq!(p.status, 201, "{:#}", p.body);
    let pending = p.body["id"].as_i64().unwrap();

    // Edits: only the provider, checked like a new set, and never dropping a granted field.
    let mut more = fields.clone();
    more.as_array_mut()
        .unwrap()
        .push(json!({"name": "business_scope", "label": "经营范围"}));
    app.call(
        reqwest::Method::PUT,
        &url,
        Some(&d.gaj_admin),
        Some(change(more.clone(), "新增经营范围")),
    )
    .await
    .assert_problem(403, "forbidden");
    app.call(
        reqwest::Method::PUT,
        &url,
        Some(&d.scj_admin),
        Some(change(json!([]), "清空")),
    )
    .await
    .assert_problem(422, "validation_failed");
    let dropped = app
        .call(
            reqwest::Method::PUT,
            &url,
            Some(&d.scj_admin),
            Some(change(json!([fields[0].clone()]), "精简字段")),
        )
        .await;
    dropped.assert_problem(409, "conflict");
    assert!(
        dropped.body["detail"]
            .as_str()
            .unwrap()
            .contains(&agreement.to_string()),
        "{:#}",
        dropped.body
    );
    let u = app
        .call(
            reqwest::Method::PUT,
            &url,
            Some(&d.scj_admin),
            Some(change(more, "新增经营范围")),
        )
        .await;
    assert_eq!(u.status, 200, "{:#}", u.body);
    assert_eq!(u.body["version"], 2);
    assert_eq!(u.body["update_frequency"], "realtime");
    assert_eq!(u.body["fields"].as_array().unwrap().len(), 4);
    assert_eq!(u.body["code"], "SCJ-FOOD-LICENSES");
    let v = app.get(&format!("{url}/versions"), &d.tax_admin).await;
    assert_eq!(v.status, 200, "{:#}", v.body);
    let versions = v.body.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["update_frequency"], "daily");
    assert_eq!(versions[0]["fields"].as_array().unwrap().len(), 3);
    assert_eq!(versions[1]["note"], "新增经营范围");
    assert_eq!(versions[1]["actor"], "scj_data");

    // Withdrawal ends the agreement and the pending request, and refuses what follows.
    app.post(
        &format!("{url}/withdraw"),
        &d.gaj_admin,
        json!({"reason": "x"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        &format!("{url}/withdraw"),
        &d.scj_admin,
        json!({"reason": ""}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let w = app
        .post(
            &format!("{url}/withdraw"),
            &d.scj_admin,
            json!({"reason": "并入市场主体信息数据集"}),
        )
        .await;
    assert_eq!(w.status, 200, "{:#}", w.body);
    assert_eq!(w.body["withdraw_reason"], "并入市场主体信息数据集");
    assert!(w.body["withdrawn_at"].is_string());
    assert_eq!(w.body["users"].as_array().unwrap().len(), 0);
    let held = app
        .get(&format!("{REQUESTS}/{agreement}"), &d.gaj_admin)
        .await;
    assert_eq!(held.body["status"], "revoked");
    assert_eq!(held.body["in_force"], false);
    assert_eq!(held.body["agreement_no"], "GX-2026-002");
    assert!(
        held.body["decision_note"]
            .as_str()
            .unwrap()
            .contains("并入市场主体信息数据集")
    );
    let asked = app
        .get(&format!("{REQUESTS}/{pending}"), &d.tax_admin)
        .await;
    assert_eq!(asked.body["status"], "refused");
    app.post(
        &format!("{REQUESTS}/{agreement}/uses"),
        &d.gaj_admin,
        json!({"purpose": "案件 2", "records": 1}),
    )
    .await
    .assert_problem(409, "conflict");
    app.post(
        &format!("{url}/requests"),
        &d.gaj_admin,
        json!({"department_id": d.gaj, "purpose": "再次申请"}),
    )
    .await
    .assert_problem(409, "conflict");
    app.call(
        reqwest::Method::PUT,
        &url,
        Some(&d.scj_admin),
        Some(change(fields, "恢复")),
    )
    .await
    .assert_problem(409, "conflict");
    app.post(
        &format!("{url}/withdraw"),
        &d.scj_admin,
        json!({"reason": "again"}),
    )
    .await
    .assert_problem(409, "conflict");
    // Still in the catalogue, marked; the offered list leaves it out.
    let offered = app
        .get(&format!("{SETS}?withdrawn=false"), &d.tax_admin)
        .await;
    assert_eq!(offered.body["items"].as_array().unwrap().len(), 0);
    let gone = app
        .get(&format!("{SETS}?withdrawn=true"), &d.tax_admin)
        .await;
    assert_eq!(gone.body["items"][0]["id"], set);
    let events = app.get("/api/v1/events?limit=500", &app.admin_token).await;
    let text = events.body.to_string();
    for kind in [
        "data_set.updated",
        "data_set.withdrawn",
        "data_share.revoked",
    ] {
        assert!(text.contains(kind), "{kind}: {:#}", events.body);
    }
}
on_each_backend!(
    a_data_set_is_versioned_and_its_withdrawal_ends_its_agreements,
    versions_and_withdrawal
);
