//! E-licenses: an approved case issues its license with the conclusion; an
//! applicant's valid licenses and earlier materials cover a new application's materials, and
//! each reuse is recorded; revocation; the print queue and the printable certificate; scope.

use chrono::{Datelike, FixedOffset, NaiveDate};
use serde_json::{Value, json};
use yiwang_tests::{TestApp, id_number, on_each_backend};

fn today(app: &TestApp) -> NaiveDate {
    let tz = FixedOffset::east_opt(8 * 3600).unwrap();
    chrono::DateTime::from_timestamp_millis(app.clock.now())
        .unwrap()
        .with_timezone(&tz)
        .date_naive()
}

/// County A with a market-regulation department issuing two kinds of license, staff of county
/// A and county B.
struct Registry {
    county_a: i64,
    /// 甲区市场监督管理局.
    department: i64,
    /// 营业执照核发: issues the 营业执照; needs 身份证明 and 场所平面图.
    business: i64,
    /// 食品经营许可: its 营业执照 may be a license; needs 场所平面图 too.
    food: i64,
    tok_a: String,
    tok_b: String,
}

fn item(code: &str, name: &str, materials: Value, extensions: Value) -> Value {
    json!({
        "item_code": code, "name": name, "item_type": "licensing",
        "legal_basis": "《中华人民共和国行政许可法》",
        "legal_limit_days": 20, "promised_limit_days": 10,
        "fee": {"kind": "none"},
        "materials": materials,
        "workflow": [{"name": "审批", "role": "approver", "limit_days": 5}],
        "online": true, "delivery_modes": ["window"], "extensions": extensions
    })
}

async fn registry(app: &TestApp) -> Registry {
    let root = app.root_id().await;
    let a = app.region("990102", "甲区", "county", root).await;
    let b = app.region("990121", "乙县", "county", root).await;
    let d = app
        .post(
            "/api/v1/departments",
            &app.admin_token,
            json!({"region_id": a, "code": "SCJ", "name": "甲区市场监督管理局"}),
        )
        .await;
    assert_eq!(d.status, 201, "{:#}", d.body);
    let dep = d.body["id"].as_i64().unwrap();
    let business = app
        .published_item(
            a,
            dep,
            item(
                "LIC-001",
                "营业执照核发",
                json!([
                    {"name": "身份证明", "required": true},
                    {"name": "场所平面图", "required": true}
                ]),
                json!({"license_kind": "营业执照", "license_valid_years": "5"}),
            ),
        )
        .await;
    let food = app
        .published_item(
            a,
            dep,
            item(
                "LIC-002",
                "食品经营许可",
                json!([
                    {"name": "营业执照", "required": true, "substitute_licenses": ["营业执照"]},
                    {"name": "场所平面图", "required": true},
                    {"name": "健康证明", "required": true}
                ]),
                json!({"license_kind": "食品经营许可证"}),
            ),
        )
        .await;
    let (_, tok_a) = app
        .user_with_role("lic_a", a, None, "window_staff", ("region", Some(a)))
        .await;
    let (_, tok_b) = app
        .user_with_role("lic_b", b, None, "window_staff", ("region", Some(b)))
        .await;
    Registry {
        county_a: a,
        department: dep,
        business,
        food,
        tok_a,
        tok_b,
    }
}

async fn ok(app: &TestApp, tok: &str, path: &str, body: Value) -> Value {
    let a = app.post(path, tok, body).await;
    assert!(a.status.is_success(), "{path}: {:#}", a.body);
    a.body
}

/// Files a case for `item` and takes it through intake and its one step; the case.
async fn approved_case(
    app: &TestApp,
    tok: &str,
    item: i64,
    number: &str,
    materials: Value,
) -> Value {
    let c = ok(
        app,
        tok,
        "/api/v1/cases",
        json!({
            "item_id": item, "channel": "window",
            "applicant": {"kind": "person", "name": "张三", "id_number": number},
            "materials": materials
        }),
    )
    .await;
    let id = c["id"].as_i64().unwrap();
    ok(app, tok, &format!("/api/v1/cases/{id}/accept"), json!({})).await;
    let done = ok(
        app,
        tok,
        &format!("/api/v1/cases/{id}/steps/current/approve"),
        json!({"opinion": "准予许可"}),
    )
    .await;
    assert_eq!(done["status"], "approved");
    done
}

async fn the_license_is_issued_with_the_approval_and_a_denial_issues_none(app: TestApp) {
    let r = registry(&app).await;
    let number = id_number("11010519491231002");
    let case = approved_case(
        &app,
        &r.tok_a,
        r.business,
        &number,
        json!(["身份证明", "场所平面图"]),
    )
    .await;
    let list = app.get("/api/v1/licenses", &r.tok_a).await;
    assert_eq!(list.status, 200, "{:#}", list.body);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let lic = &items[0];
    assert_eq!(
        lic["license_no"],
        format!("DZZZ-{}", case["case_no"].as_str().unwrap())
    );
    assert_eq!(lic["kind"], "营业执照");
    assert_eq!(lic["case_id"], case["id"]);
    assert_eq!(lic["trust_level"], "A");
    assert_eq!(lic["status"], "valid");
    assert_eq!(lic["valid_today"], true);
    assert_eq!(lic["holder"]["name"], "张三");
    assert_eq!(
        lic["holder"]["id_number"],
        format!("{}********{}", &number[..6], &number[14..])
    );
    let from = today(&app);
    assert_eq!(lic["valid_from"], from.to_string());
    let to = from.with_year(from.year() + 5).unwrap().pred_opt().unwrap();
    assert_eq!(lic["valid_to"], to.to_string());
    let one = app
        .get(&format!("/api/v1/licenses/{}", lic["id"]), &r.tok_a)
        .await;
    assert_eq!(one.status, 200, "{:#}", one.body);
    assert_eq!(one.body["license_no"], lic["license_no"]);

    // The license's event follows the approval's, from the same transaction.
    let events = app
        .get("/api/v1/events?after=0&limit=500", &app.admin_token)
        .await;
    let kinds: Vec<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .filter(|k| k.starts_with("case.approved") || k.starts_with("license."))
        .collect();
    assert_eq!(kinds, ["case.approved", "license.issued"]);
    assert!(!events.body.to_string().contains(&number));
    let audit = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    assert!(!audit.body.to_string().contains(&number));

    let denied = ok(
        &app,
        &r.tok_a,
        "/api/v1/cases",
        json!({
            "item_id": r.business, "channel": "online",
            "applicant": {"kind": "person", "name": "张三", "id_number": number},
        }),
    )
    .await;
    let id = denied["id"].as_i64().unwrap();
    ok(
        &app,
        &r.tok_a,
        &format!("/api/v1/cases/{id}/accept"),
        json!({}),
    )
    .await;
    ok(
        &app,
        &r.tok_a,
        &format!("/api/v1/cases/{id}/deny"),
        json!({"reason": "经营场所不符合要求"}),
    )
    .await;
    let after = app.get("/api/v1/licenses", &r.tok_a).await;
    assert_eq!(after.body["items"].as_array().unwrap().len(), 1);
}
on_each_backend!(
    an_approved_case_issues_its_license,
    the_license_is_issued_with_the_approval_and_a_denial_issues_none
);

async fn valid_licenses_and_earlier_materials_cover_a_new_application_and_each_reuse_is_recorded(
    app: TestApp,
) {
    let r = registry(&app).await;
    let number = id_number("11010519491231002");
    let first = approved_case(
        &app,
        &r.tok_a,
        r.business,
        &number,
        json!(["身份证明", "场所平面图"]),
    )
    .await;

    let found = ok(
        &app,
        &r.tok_a,
        "/api/v1/licenses/lookup",
        json!({"id_number": number}),
    )
    .await;
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["kind"], "营业执照");
    let license_id = found[0]["id"].clone();

    let coverage = ok(
        &app,
        &r.tok_a,
        "/api/v1/licenses/coverage",
        json!({"item_id": r.food, "id_number": number}),
    )
    .await;
    assert_eq!(coverage[0]["material"], "营业执照");
    assert_eq!(coverage[0]["covered_by"]["source"], "license");
    assert_eq!(coverage[0]["covered_by"]["license_id"], license_id);
    assert_eq!(coverage[0]["covered_by"]["trust_level"], "A");
    assert_eq!(coverage[1]["material"], "场所平面图");
    assert_eq!(coverage[1]["covered_by"]["source"], "earlier_case");
    assert_eq!(coverage[1]["covered_by"]["case_no"], first["case_no"]);
    assert!(coverage[2]["covered_by"].is_null());

    // The applicant hands in only the health certificate: the other two are reused.
    let second = ok(
        &app,
        &r.tok_a,
        "/api/v1/cases",
        json!({
            "item_id": r.food, "channel": "window",
            "applicant": {"kind": "person", "name": "张三", "id_number": number},
            "materials": ["健康证明"]
        }),
    )
    .await;
    let reuses = app
        .get(&format!("/api/v1/cases/{}/reuses", second["id"]), &r.tok_a)
        .await;
    assert_eq!(reuses.status, 200, "{:#}", reuses.body);
    let rows = reuses.body.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{:#}", reuses.body);
    assert_eq!(rows[0]["material"], "营业执照");
    assert_eq!(rows[0]["covered_by"]["license_id"], license_id);
    assert_eq!(rows[0]["covered_by"]["trust_level"], "A");
    assert!(rows[0]["at"].is_string());
    assert_eq!(rows[1]["material"], "场所平面图");
    assert_eq!(rows[1]["covered_by"]["case_id"], first["id"]);

    // Another applicant's licenses cover nothing.
    let stranger = ok(
        &app,
        &r.tok_a,
        "/api/v1/licenses/coverage",
        json!({"item_id": r.food, "id_number": id_number("44030419900101123")}),
    )
    .await;
    assert!(
        stranger
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["covered_by"].is_null())
    );

    // A revoked license covers nothing more.
    let no_reason = app
        .post(
            &format!("/api/v1/licenses/{license_id}/revoke"),
            &r.tok_a,
            json!({"reason": ""}),
        )
        .await;
    no_reason.assert_problem(422, "validation_failed");
    assert_eq!(no_reason.body["errors"][0]["field"], "reason");
    let revoked = ok(
        &app,
        &r.tok_a,
        &format!("/api/v1/licenses/{license_id}/revoke"),
        json!({"reason": "申请人申请注销"}),
    )
    .await;
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["valid_today"], false);
    app.post(
        &format!("/api/v1/licenses/{license_id}/revoke"),
        &r.tok_a,
        json!({"reason": "再次"}),
    )
    .await
    .assert_problem(409, "conflict");
    let none = ok(
        &app,
        &r.tok_a,
        "/api/v1/licenses/lookup",
        json!({"id_number": number}),
    )
    .await;
    assert_eq!(none, json!([]));
    let coverage = ok(
        &app,
        &r.tok_a,
        "/api/v1/licenses/coverage",
        json!({"item_id": r.food, "id_number": number}),
    )
    .await;
    assert!(coverage[0]["covered_by"].is_null());

    app.post(
        "/api/v1/licenses/lookup",
        &r.tok_a,
        json!({"id_number": "12345"}),
    )
    .await
    .assert_problem(422, "validation_failed");
}
on_each_backend!(
    licenses_and_earlier_materials_are_reused,
    valid_licenses_and_earlier_materials_cover_a_new_application_and_each_reuse_is_recorded
);

async fn a_certificate_is_queued_printed_and_handed_out_and_prints_on_a4(app: TestApp) {
    let r = registry(&app).await;
    let number = id_number("11010519491231002");
    approved_case(&app, &r.tok_a, r.business, &number, json!(["身份证明"])).await;
    let list = app.get("/api/v1/licenses", &r.tok_a).await;
    let lic = list.body["items"][0].clone();
    let id = lic["id"].as_i64().unwrap();

    let job = ok(
        &app,
        &r.tok_a,
        &format!("/api/v1/licenses/{id}/prints"),
        json!({}),
    )
    .await;
    assert_eq!(job["status"], "queued");
    assert_eq!(job["queued_by"], "lic_a");
    assert_eq!(job["license_no"], lic["license_no"]);
    let job_id = job["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/licenses/{id}/prints"),
        &r.tok_a,
        json!({}),
    )
    .await
    .assert_problem(409, "conflict");
    let early = app
        .post(
            &format!("/api/v1/license-prints/{job_id}/handed-out"),
            &r.tok_a,
            json!({"received_by": "张三"}),
        )
        .await;
    early.assert_problem(409, "conflict");
    assert_eq!(early.body["allowed"], json!(["printed"]));
    let queued = app
        .get("/api/v1/license-prints?status=queued", &r.tok_a)
        .await;
    assert_eq!(queued.body["items"][0]["id"], job_id);

    let printed = ok(
        &app,
        &r.tok_a,
        &format!("/api/v1/license-prints/{job_id}/printed"),
        json!({}),
    )
    .await;
    assert_eq!(printed["status"], "printed");
    assert_eq!(printed["printed_by"], "lic_a");
    let nobody = app
        .post(
            &format!("/api/v1/license-prints/{job_id}/handed-out"),
            &r.tok_a,
            json!({"received_by": " "}),
        )
        .await;
    nobody.assert_problem(422, "validation_failed");
    assert_eq!(nobody.body["errors"][0]["field"], "received_by");
    let out = ok(
        &app,
        &r.tok_a,
        &format!("/api/v1/license-prints/{job_id}/handed-out"),
        json!({"received_by": "张三（本人）"}),
    )
    .await;
    assert_eq!(out["status"], "handed_out");
    assert_eq!(out["received_by"], "张三（本人）");
    assert_eq!(out["handed_out_by"], "lic_a");
    assert!(out["handed_out_at"].is_string());
    let done = app
        .get("/api/v1/license-prints?status=handed_out", &r.tok_a)
        .await;
    assert_eq!(done.body["items"].as_array().unwrap().len(), 1);

    let page = app
        .get(&format!("/api/v1/licenses/{id}/certificate"), &r.tok_a)
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.body.as_str().unwrap();
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(html.contains("size: A4"));
    assert!(html.contains("<h1>营业执照</h1>"));
    assert!(html.contains(lic["license_no"].as_str().unwrap()));
    assert!(html.contains("甲区市场监督管理局"));
    assert!(html.contains(lic["holder"]["id_number"].as_str().unwrap()));
    assert!(!html.contains(&number));
}
on_each_backend!(
    a_certificate_goes_through_the_print_queue,
    a_certificate_is_queued_printed_and_handed_out_and_prints_on_a4
);

async fn a_user_of_another_county_can_neither_see_nor_change_a_license(app: TestApp) {
    let r = registry(&app).await;
    let number = id_number("11010519491231002");
    approved_case(&app, &r.tok_a, r.business, &number, json!(["身份证明"])).await;
    let list = app.get("/api/v1/licenses", &r.tok_a).await;
    let id = list.body["items"][0]["id"].as_i64().unwrap();
    let job = ok(
        &app,
        &r.tok_a,
        &format!("/api/v1/licenses/{id}/prints"),
        json!({}),
    )
    .await;
    let job_id = job["id"].as_i64().unwrap();

    let b = &r.tok_b;
    app.get(&format!("/api/v1/licenses/{id}"), b)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/licenses/{id}/certificate"), b)
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("/api/v1/licenses/{id}/revoke"),
        b,
        json!({"reason": "越权"}),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(&format!("/api/v1/licenses/{id}/prints"), b, json!({}))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("/api/v1/license-prints/{job_id}/printed"),
        b,
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    let theirs = app.get("/api/v1/licenses", b).await;
    assert_eq!(theirs.body["items"], json!([]));
    let prints = app.get("/api/v1/license-prints", b).await;
    assert_eq!(prints.body["items"], json!([]));
    let lookup = ok(
        &app,
        b,
        "/api/v1/licenses/lookup",
        json!({"id_number": number}),
    )
    .await;
    assert_eq!(lookup, json!([]));
    app.post(
        "/api/v1/licenses/coverage",
        b,
        json!({"item_id": r.food, "id_number": number}),
    )
    .await
    .assert_problem(403, "forbidden");

    // A supervisor of county A reads the license but may not revoke it.
    let (_, sup) = app
        .user_with_role(
            "lic_sup",
            r.county_a,
            None,
            "supervisor",
            ("region", Some(r.county_a)),
        )
        .await;
    let read = app.get(&format!("/api/v1/licenses/{id}"), &sup).await;
    assert_eq!(read.status, 200, "{:#}", read.body);
    app.post(
        &format!("/api/v1/licenses/{id}/revoke"),
        &sup,
        json!({"reason": "越权"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let still = app.get(&format!("/api/v1/licenses/{id}"), &r.tok_a).await;
    assert_eq!(still.body["status"], "valid");
    let job = app.get("/api/v1/license-prints", &r.tok_a).await;
    assert_eq!(job.body["items"][0]["status"], "queued");
}
on_each_backend!(
    another_countys_user_cannot_touch_a_license,
    a_user_of_another_county_can_neither_see_nor_change_a_license
);

/// A license from elsewhere, as a window registers it.
fn external(r: &Registry, number: &str, no: &str, source: &str, level: &str) -> Value {
    json!({
        "source": source, "license_no": no, "kind": "营业执照", "issuer": "乙市市场监督管理局",
        "trust_level": level, "holder_name": "张三", "id_number": number,
        "valid_from": "2024-01-01", "valid_to": "2099-12-31", "department_id": r.department
    })
}

async fn a_license_from_elsewhere_is_registered_with_source_and_level_and_reused(app: TestApp) {
    let r = registry(&app).await;
    let number = id_number("11010519491231002");
    let url = "/api/v1/licenses/external";

    // Every problem at once, nothing stored.
    let mut bad = external(&r, "123", "", "paper_certificate", "A");
    bad["valid_to"] = json!("2023-12-31");
    let refused = app.post(url, &r.tok_a, bad).await;
    refused.assert_problem(422, "validation_failed");
    let mut fields: Vec<&str> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["id_number", "license_no", "trust_level", "valid_to"]
    );
    app.post(url, &r.tok_a, external(&r, &number, "X-1", "issued", "A"))
        .await
        .assert_problem(422, "validation_failed");
    app.post(url, &r.tok_a, external(&r, &number, "X-1", "library", "B"))
        .await
        .assert_problem(422, "validation_failed");
    // Another county's staff cannot register under this county's department.
    app.post(
        url,
        &r.tok_b,
        external(&r, &number, "X-1", "paper_certificate", "B"),
    )
    .await
    .assert_problem(403, "forbidden");

    let paper = app
        .post(
            url,
            &r.tok_a,
            external(&r, &number, "ZJ-2024-001", "paper_certificate", "B"),
        )
        .await;
    assert_eq!(paper.status, 201, "{:#}", paper.body);
    assert_eq!(paper.body["source"], "paper_certificate");
    assert_eq!(paper.body["trust_level"], "B");
    assert_eq!(paper.body["issuer"], "乙市市场监督管理局");
    assert!(paper.body["case_id"].is_null());
    assert_eq!(paper.body["valid_today"], true);
    assert_eq!(paper.body["region_id"], r.county_a);
    assert_eq!(
        paper.body["holder"]["id_number"],
        format!("{}********{}", &number[..6], &number[14..])
    );
    app.post(
        url,
        &r.tok_a,
        external(&r, &number, "ZJ-2024-001", "other_platform", "A"),
    )
    .await
    .assert_problem(409, "conflict");
    // The platform prints only what it issued.
    app.post(
        &format!("/api/v1/licenses/{}/prints", paper.body["id"]),
        &r.tok_a,
        json!({}),
    )
    .await
    .assert_problem(409, "conflict");

    let cov = ok(
        &app,
        &r.tok_a,
        "/api/v1/licenses/coverage",
        json!({"item_id": r.food, "id_number": number}),
    )
    .await;
    let by = &cov[0]["covered_by"];
    assert_eq!(by["source"], "license");
    assert_eq!(by["license_id"], paper.body["id"]);
    assert_eq!(by["license_source"], "paper_certificate");
    assert_eq!(by["trust_level"], "B");
    assert_eq!(by["issuer"], "乙市市场监督管理局");

    // A more trusted license from another platform takes precedence.
    let platform = ok(
        &app,
        &r.tok_a,
        url,
        external(&r, &number, "QT-2025-7", "other_platform", "A"),
    )
    .await;
    let filed = ok(
        &app,
        &r.tok_a,
        "/api/v1/cases",
        json!({
            "item_id": r.food, "channel": "window",
            "applicant": {"kind": "person", "name": "张三", "id_number": number},
            "materials": ["场所平面图", "健康证明"]
        }),
    )
    .await;
    let reuses = app
        .get(&format!("/api/v1/cases/{}/reuses", filed["id"]), &r.tok_a)
        .await;
    let rows = reuses.body.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{:#}", reuses.body);
    assert_eq!(rows[0]["material"], "营业执照");
    assert_eq!(rows[0]["covered_by"]["license_id"], platform["id"]);
    assert_eq!(rows[0]["covered_by"]["license_source"], "other_platform");
    assert_eq!(rows[0]["covered_by"]["trust_level"], "A");

    let only = app
        .get("/api/v1/licenses?source=paper_certificate", &r.tok_a)
        .await;
    assert_eq!(only.body["items"].as_array().unwrap().len(), 1);
    let events = app
        .get("/api/v1/events?after=0&limit=500", &app.admin_token)
        .await;
    let registered = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "license.registered")
        .count();
    assert_eq!(registered, 2);
    assert!(!events.body.to_string().contains(&number));
    let audit = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    assert!(!audit.body.to_string().contains(&number));
}
on_each_backend!(
    licenses_from_elsewhere_are_registered_and_reused,
    a_license_from_elsewhere_is_registered_with_source_and_level_and_reused
);
