//! The service-item catalogue: lifecycle, three levels four sames, old codes,
//! import/export between counties, online-share figures, scope, bad input.

use reqwest::Method;
use serde_json::{Value, json};
use yiwang_tests::{Answer, TestApp, on_each_backend};

const ITEMS: &str = "/api/v1/catalogue/items";

/// A city, two counties, one market-regulation department in each, a catalogue manager per
/// county (county-wide scope).
struct City {
    root: i64,
    a: i64,
    b: i64,
    dep_root: i64,
    dep_a: i64,
    dep_b: i64,
    tok_a: String,
    tok_b: String,
}

async fn city(app: &TestApp) -> City {
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
    let (dep_root, dep_a, dep_b) = (dep(root).await, dep(a).await, dep(b).await);
    let (_, tok_a) = app
        .user_with_role("cat_a", a, None, "catalogue_admin", ("region", Some(a)))
        .await;
    let (_, tok_b) = app
        .user_with_role("cat_b", b, None, "catalogue_admin", ("region", Some(b)))
        .await;
    City {
        root,
        a,
        b,
        dep_root,
        dep_a,
        dep_b,
        tok_a,
        tok_b,
    }
}

/// A complete item that passes the quality check.
fn content(code: &str, name: &str, online: bool) -> Value {
    json!({
        "item_code": code, "name": name, "item_type": "licensing",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "legal_limit_days": 20, "promised_limit_days": 10,
        "fee": {"kind": "formula", "unit": "平方米", "per_unit_fen": 150, "min_fen": 500, "max_fen": 10000},
        "materials": [{"name": "营业执照", "required": true, "substitute_licenses": ["business_license"]}],
        "workflow": [
            {"name": "受理", "role": "window_staff", "limit_days": 1},
            {"name": "现场核查", "role": "inspector", "limit_days": 5, "parallel_group": 1},
            {"name": "消防审查", "role": "fire", "limit_days": 7, "parallel_group": 1},
            {"name": "审批", "role": "approver", "limit_days": 3}
        ],
        "online": online, "delivery_modes": ["window", "electronic"],
        "extensions": {"window": "3号窗口"}
    })
}

async fn draft(app: &TestApp, tok: &str, region: i64, dep: i64, content: Value) -> Value {
    let a = app
        .post(
            ITEMS,
            tok,
            json!({"region_id": region, "department_id": dep, "content": content}),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    assert_eq!(a.body["status"], "draft");
    a.body
}

async fn publish(app: &TestApp, tok: &str, id: i64) -> Value {
    let a = app
        .post(&format!("{ITEMS}/{id}/publish"), tok, json!({}))
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert_eq!(a.body["status"], "published");
    a.body
}

async fn put(app: &TestApp, path: &str, tok: &str, body: Value) -> Answer {
    app.call(Method::PUT, path, Some(tok), Some(body)).await
}

fn fields(a: &Answer) -> Vec<String> {
    a.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

/// Event kinds in the log, oldest first.
async fn event_kinds(app: &TestApp) -> Vec<String> {
    let e = app
        .get("/api/v1/events?after=0&limit=500", &app.admin_token)
        .await;
    e.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_draft_is_checked_published_changed_by_a_new_version_and_retired(app: TestApp) {
    let c = city(&app).await;
    let mut incomplete = content("11350100MB0001-001", "", true);
    incomplete["promised_limit_days"] = json!(30);
    incomplete["workflow"] = json!([]);
    incomplete["fee"]["min_fen"] = json!(20000);
    incomplete["materials"][0]["name"] = json!(" ");
    let item = draft(&app, &c.tok_a, c.a, c.dep_a, incomplete).await;
    let id = item["id"].as_i64().unwrap();
    assert_eq!(item["version"], 1);
    assert_eq!(item["change_kind"], "new");
    assert_eq!(item["level"], "county");

    let expected = [
        "content.name",
        "content.promised_limit_days",
        "content.fee.max_fen",
        "content.materials[0].name",
        "content.workflow",
    ];
    let check = app
        .post(&format!("{ITEMS}/{id}/check"), &c.tok_a, json!({}))
        .await;
    assert_eq!(check.status, 200, "{:#}", check.body);
    assert_eq!(check.body["passed"], false);
    let failed: Vec<&str> = check.body["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(failed, expected);
    let refused = app
        .post(&format!("{ITEMS}/{id}/publish"), &c.tok_a, json!({}))
        .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(fields(&refused), expected);
    assert_eq!(
        app.get(&format!("{ITEMS}/{id}"), &c.tok_a).await.body["status"],
        "draft"
    );

    let fixed = put(
        &app,
        &format!("{ITEMS}/{id}"),
        &c.tok_a,
        json!({"content": content("11350100MB0001-001", "食品经营许可", true)}),
    )
    .await;
    assert_eq!(fixed.status, 200, "{:#}", fixed.body);
    let check = app
        .post(&format!("{ITEMS}/{id}/check"), &c.tok_a, json!({}))
        .await;
    assert_eq!(check.body["passed"], true, "{:#}", check.body);
    let v1 = publish(&app, &c.tok_a, id).await;
    assert!(v1["published_at"].is_string());

    // A published version never changes: editing it is refused, a change drafts version 2.
    let mut edited = content("11350100MB0001-001", "食品经营许可", true);
    edited["promised_limit_days"] = json!(5);
    put(
        &app,
        &format!("{ITEMS}/{id}"),
        &c.tok_a,
        json!({"content": edited.clone()}),
    )
    .await
    .assert_problem(409, "conflict");
    let v2 = app
        .post(
            "/api/v1/catalogue/changes",
            &c.tok_a,
            json!({"kind": "change", "sources": [id], "items": [{"content": edited}]}),
        )
        .await;
    assert_eq!(v2.status, 201, "{:#}", v2.body);
    let v2 = &v2.body[0];
    let id2 = v2["id"].as_i64().unwrap();
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["change_kind"], "change");
    assert_eq!(v2["lineage"], json!([id]));
    let still = app.get(&format!("{ITEMS}/{id}"), &c.tok_a).await.body;
    assert_eq!(still["content"], v1["content"]);
    assert_eq!(still["status"], "published");

    publish(&app, &c.tok_a, id2).await;
    let old = app.get(&format!("{ITEMS}/{id}"), &c.tok_a).await.body;
    assert_eq!(old["status"], "retired", "publishing v2 supersedes v1");
    assert_eq!(old["content"]["promised_limit_days"], 10);

    let retired = app
        .post(&format!("{ITEMS}/{id2}/retire"), &c.tok_a, json!({}))
        .await;
    assert_eq!(retired.status, 200, "{:#}", retired.body);
    assert_eq!(retired.body["status"], "retired");
    app.post(&format!("{ITEMS}/{id2}/retire"), &c.tok_a, json!({}))
        .await
        .assert_problem(409, "conflict");
    app.post(&format!("{ITEMS}/{id2}/publish"), &c.tok_a, json!({}))
        .await
        .assert_problem(409, "conflict");

    let versions = app
        .get(&format!("{ITEMS}?item_code=11350100MB0001-001"), &c.tok_a)
        .await;
    assert_eq!(ids(&versions.body), vec![id, id2], "every version is kept");

    let kinds = event_kinds(&app).await;
    for k in [
        "item.drafted",
        "item.updated",
        "item.published",
        "item.retired",
    ] {
        assert!(kinds.iter().any(|e| e == k), "{k} missing from {kinds:?}");
    }
    let v = app.get("/api/v1/audit/verify", &app.admin_token).await;
    assert_eq!(v.body["first_broken"], Value::Null, "{:#}", v.body);
}
on_each_backend!(
    item_lifecycle,
    a_draft_is_checked_published_changed_by_a_new_version_and_retired
);

async fn a_county_version_must_keep_the_city_items_four_sames(app: TestApp) {
    let c = city(&app).await;
    let code = "11350100MB0002-001";
    let city_item = draft(
        &app,
        &app.admin_token,
        c.root,
        c.dep_root,
        content(code, "食品经营许可", true),
    )
    .await;
    publish(&app, &app.admin_token, city_item["id"].as_i64().unwrap()).await;

    for (field, value, named) in [
        ("name", json!("食品经营许可（甲区）"), "content.name"),
        ("item_type", json!("confirmation"), "content.item_type"),
        ("legal_basis", json!("甲区规定"), "content.legal_basis"),
    ] {
        let mut local = content(code, "食品经营许可", true);
        local[field] = value;
        let a = app
            .post(
                ITEMS,
                &c.tok_a,
                json!({"region_id": c.a, "department_id": c.dep_a, "content": local}),
            )
            .await;
        a.assert_problem(422, "validation_failed");
        assert_eq!(fields(&a), vec![named], "{:#}", a.body);
        assert!(
            a.body["errors"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("测试市")
        );
    }
    // Local details may differ: promised limit, extension fields.
    let mut local = content(code, "食品经营许可", true);
    local["promised_limit_days"] = json!(3);
    local["extensions"] = json!({"window": "甲区中心1号窗口"});
    let ok = draft(&app, &c.tok_a, c.a, c.dep_a, local).await;
    let id = ok["id"].as_i64().unwrap();
    // Editing the draft so that it breaks the rule is refused too.
    let mut broken = content(code, "别的名字", true);
    broken["promised_limit_days"] = json!(3);
    let a = put(
        &app,
        &format!("{ITEMS}/{id}"),
        &c.tok_a,
        json!({"content": broken}),
    )
    .await;
    a.assert_problem(422, "validation_failed");
    assert_eq!(fields(&a), vec!["content.name"]);
    publish(&app, &c.tok_a, id).await;
}
on_each_backend!(
    three_levels_four_sames,
    a_county_version_must_keep_the_city_items_four_sames
);

async fn old_system_codes_map_to_items_both_ways(app: TestApp) {
    let c = city(&app).await;
    let code = "11350100MB0003-001";
    let item = draft(
        &app,
        &c.tok_a,
        c.a,
        c.dep_a,
        content(code, "餐饮服务许可", true),
    )
    .await;
    let id = item["id"].as_i64().unwrap();
    let m = app
        .post(
            "/api/v1/catalogue/old-codes",
            &c.tok_a,
            json!({"old_code": "XK-2009-017", "old_name": "餐饮服务许可证核发", "item_code": code, "region_id": c.a}),
        )
        .await;
    assert_eq!(m.status, 201, "{:#}", m.body);
    app.post(
        "/api/v1/catalogue/old-codes",
        &c.tok_a,
        json!({"old_code": "XK-2009-017", "item_code": code, "region_id": c.a}),
    )
    .await
    .assert_problem(409, "conflict");
    app.post(
        "/api/v1/catalogue/old-codes",
        &c.tok_a,
        json!({"old_code": "XK-1", "item_code": "NO-SUCH-ITEM", "region_id": c.a}),
    )
    .await
    .assert_problem(422, "validation_failed");

    let by_old = app
        .get(&format!("{ITEMS}?old_code=XK-2009-017"), &c.tok_a)
        .await;
    assert_eq!(ids(&by_old.body), vec![id]);
    assert!(
        ids(&app
            .get(&format!("{ITEMS}?old_code=XK-0"), &c.tok_a)
            .await
            .body)
        .is_empty()
    );
    let one = app.get(&format!("{ITEMS}/{id}"), &c.tok_a).await;
    assert_eq!(one.body["old_codes"], json!(["XK-2009-017"]));
    let table = app
        .get(
            &format!("/api/v1/catalogue/old-codes?item_code={code}"),
            &c.tok_a,
        )
        .await;
    assert_eq!(table.body["items"][0]["old_code"], "XK-2009-017");
    let table = app
        .get("/api/v1/catalogue/old-codes?old_code=XK-2009-017", &c.tok_a)
        .await;
    assert_eq!(table.body["items"][0]["item_code"], code);
    // County B sees none of county A's mapping.
    let other = app
        .get("/api/v1/catalogue/old-codes?old_code=XK-2009-017", &c.tok_b)
        .await;
    assert!(other.body["items"].as_array().unwrap().is_empty());
}
on_each_backend!(old_codes, old_system_codes_map_to_items_both_ways);

/// The exported items without what differs between regions (nothing should).
fn comparable(export: &Value) -> Value {
    let mut items = export["items"].clone();
    for i in items.as_array_mut().unwrap() {
        i.as_object_mut().unwrap().remove("version");
    }
    items
}

async fn a_countys_catalogue_exports_and_imports_into_another_county(app: TestApp) {
    let c = city(&app).await;
    let one = draft(
        &app,
        &c.tok_a,
        c.a,
        c.dep_a,
        content("11350100MB0004-001", "食品经营许可", true),
    )
    .await;
    let mut fixed = content("11350100MB0004-002", "公共场所卫生许可", false);
    fixed["fee"] = json!({"kind": "fixed", "amount_fen": 2000});
    fixed["item_type"] = json!("confirmation");
    let two = draft(&app, &c.tok_a, c.a, c.dep_a, fixed).await;
    for item in [&one, &two] {
        publish(&app, &c.tok_a, item["id"].as_i64().unwrap()).await;
    }
    app.post(
        "/api/v1/catalogue/old-codes",
        &c.tok_a,
        json!({"old_code": "OLD-7", "item_code": "11350100MB0004-001", "region_id": c.a}),
    )
    .await;
    // A draft is not exported.
    draft(
        &app,
        &c.tok_a,
        c.a,
        c.dep_a,
        content("11350100MB0004-003", "草稿", true),
    )
    .await;

    let export_a = app
        .get(
            &format!("/api/v1/catalogue/export?region_id={}", c.a),
            &c.tok_a,
        )
        .await;
    assert_eq!(export_a.status, 200, "{:#}", export_a.body);
    assert_eq!(export_a.body["format"], "yiwang.catalogue");
    assert_eq!(export_a.body["items"].as_array().unwrap().len(), 2);

    // County B cannot import into A; a document with a bad item writes nothing.
    let before_b = app
        .get(&format!("{ITEMS}?region_id={}", c.b), &app.admin_token)
        .await;
    app.post(
        &format!("/api/v1/catalogue/import?region_id={}", c.a),
        &c.tok_b,
        export_a.body.clone(),
    )
    .await
    .assert_problem(403, "forbidden");
    let mut bad = export_a.body.clone();
    bad["items"][1]["department_code"] = json!("NOPE");
    let refused = app
        .post(
            &format!("/api/v1/catalogue/import?region_id={}", c.b),
            &c.tok_b,
            bad,
        )
        .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(fields(&refused), vec!["items[1].department_code"]);
    let after_b = app
        .get(&format!("{ITEMS}?region_id={}", c.b), &app.admin_token)
        .await;
    assert_eq!(
        ids(&before_b.body),
        ids(&after_b.body),
        "nothing half-written"
    );

    let imported = app
        .post(
            &format!("/api/v1/catalogue/import?region_id={}", c.b),
            &c.tok_b,
            export_a.body.clone(),
        )
        .await;
    assert_eq!(imported.status, 201, "{:#}", imported.body);
    let drafts = imported.body["drafts"].as_array().unwrap().clone();
    assert_eq!(drafts.len(), 2);
    for d in &drafts {
        let item = app.get(&format!("{ITEMS}/{d}"), &c.tok_b).await.body;
        assert_eq!(item["status"], "draft");
        assert_eq!(item["region_id"], c.b);
        assert_eq!(item["department_id"], c.dep_b);
        publish(&app, &c.tok_b, d.as_i64().unwrap()).await;
    }
    let export_b = app
        .get(
            &format!("/api/v1/catalogue/export?region_id={}", c.b),
            &c.tok_b,
        )
        .await;
    assert_eq!(export_b.body["region_code"], "990121");
    assert_eq!(comparable(&export_a.body), comparable(&export_b.body));
}
on_each_backend!(
    import_export_round_trip,
    a_countys_catalogue_exports_and_imports_into_another_county
);

async fn figures_give_each_regions_share_of_items_online(app: TestApp) {
    let c = city(&app).await;
    for (tok, region, dep, code, online) in [
        (&c.tok_a, c.a, c.dep_a, "F-1", true),
        (&c.tok_a, c.a, c.dep_a, "F-2", false),
        (&c.tok_b, c.b, c.dep_b, "F-3", true),
    ] {
        let d = draft(&app, tok, region, dep, content(code, "许可", online)).await;
        publish(&app, tok, d["id"].as_i64().unwrap()).await;
    }
    draft(&app, &c.tok_b, c.b, c.dep_b, content("F-4", "草稿", false)).await;
    let f = app.get("/api/v1/catalogue/figures", &app.admin_token).await;
    assert_eq!(f.status, 200, "{:#}", f.body);
    assert_eq!(
        f.body["regions"],
        json!([
            {"region_id": c.a, "region_code": "990102", "region_name": "甲区", "published": 2, "online": 1, "online_share": 0.5},
            {"region_id": c.b, "region_code": "990121", "region_name": "乙县", "published": 1, "online": 1, "online_share": 1.0},
        ])
    );
    let only_a = app.get("/api/v1/catalogue/figures", &c.tok_a).await;
    assert_eq!(only_a.body["regions"].as_array().unwrap().len(), 1);
    assert_eq!(only_a.body["regions"][0]["region_id"], c.a);
}
on_each_backend!(
    online_share_figures,
    figures_give_each_regions_share_of_items_online
);

async fn county_a_neither_reads_nor_changes_county_bs_items(app: TestApp) {
    let c = city(&app).await;
    let mine = draft(
        &app,
        &c.tok_a,
        c.a,
        c.dep_a,
        content("S-1", "甲的事项", true),
    )
    .await;
    let theirs = draft(
        &app,
        &c.tok_b,
        c.b,
        c.dep_b,
        content("S-2", "乙的事项", true),
    )
    .await;
    let b_id = theirs["id"].as_i64().unwrap();
    publish(&app, &c.tok_b, b_id).await;

    app.get(&format!("{ITEMS}/{b_id}"), &c.tok_a)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        ids(&app.get(ITEMS, &c.tok_a).await.body),
        vec![mine["id"].as_i64().unwrap()]
    );
    assert!(
        ids(&app
            .get(&format!("{ITEMS}?region_id={}", c.b), &c.tok_a)
            .await
            .body)
        .is_empty()
    );
    for path in ["check", "publish", "retire"] {
        app.post(&format!("{ITEMS}/{b_id}/{path}"), &c.tok_a, json!({}))
            .await
            .assert_problem(404, "not_found");
    }
    put(
        &app,
        &format!("{ITEMS}/{b_id}"),
        &c.tok_a,
        json!({"content": content("S-2", "x", true)}),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        "/api/v1/catalogue/changes",
        &c.tok_a,
        json!({"kind": "suspend", "sources": [b_id]}),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        ITEMS,
        &c.tok_a,
        json!({"region_id": c.b, "department_id": c.dep_b, "content": content("S-3", "x", true)}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.get(
        &format!("/api/v1/catalogue/export?region_id={}", c.b),
        &c.tok_a,
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        "/api/v1/catalogue/old-codes",
        &c.tok_a,
        json!({"old_code": "X", "item_code": "S-2", "region_id": c.b}),
    )
    .await
    .assert_problem(403, "forbidden");
    let still = app.get(&format!("{ITEMS}/{b_id}"), &c.tok_b).await;
    assert_eq!(still.body["status"], "published");

    // A window clerk of B's department reads B's items but changes none.
    let (_, clerk) = app
        .user_with_role(
            "b_clerk",
            c.b,
            Some(c.dep_b),
            "window_staff",
            ("department", Some(c.dep_b)),
        )
        .await;
    assert_eq!(
        app.get(&format!("{ITEMS}/{b_id}"), &clerk).await.status,
        200
    );
    app.post(&format!("{ITEMS}/{b_id}/retire"), &clerk, json!({}))
        .await
        .assert_problem(403, "forbidden");
}
on_each_backend!(
    catalogue_scope,
    county_a_neither_reads_nor_changes_county_bs_items
);

async fn bad_catalogue_requests_get_their_4xx_and_change_nothing(app: TestApp) {
    let c = city(&app).await;
    let item = draft(&app, &c.tok_a, c.a, c.dep_a, content("B-1", "事项", true)).await;
    let id = item["id"].as_i64().unwrap();
    let tok = c.tok_a.clone();
    let events_before = event_kinds(&app).await.len();
    let with = |k: &str, v: Value| {
        let mut body = content("B-2", "事项", true);
        body[k] = v;
        json!({"region_id": c.a, "department_id": c.dep_a, "content": body})
    };
    let cases: Vec<(&str, Method, String, Value, u16, &str)> = vec![
        (
            "unknown item type",
            Method::POST,
            ITEMS.into(),
            with("item_type", json!("permit")),
            400,
            "malformed_request",
        ),
        (
            "negative limit",
            Method::POST,
            ITEMS.into(),
            with("legal_limit_days", json!(-1)),
            400,
            "malformed_request",
        ),
        (
            "unknown fee kind",
            Method::POST,
            ITEMS.into(),
            with("fee", json!({"kind": "tip"})),
            400,
            "malformed_request",
        ),
        (
            "unknown delivery mode",
            Method::POST,
            ITEMS.into(),
            with("delivery_modes", json!(["drone"])),
            400,
            "malformed_request",
        ),
        (
            "unknown field",
            Method::POST,
            ITEMS.into(),
            with("colour", json!("red")),
            400,
            "malformed_request",
        ),
        (
            "bad item code",
            Method::POST,
            ITEMS.into(),
            with("item_code", json!("有 空格")),
            422,
            "validation_failed",
        ),
        (
            "negative fee",
            Method::POST,
            ITEMS.into(),
            with("fee", json!({"kind": "fixed", "amount_fen": -1})),
            422,
            "validation_failed",
        ),
        (
            "no such region",
            Method::POST,
            ITEMS.into(),
            json!({"region_id": 999999, "department_id": c.dep_a, "content": content("B-3", "x", true)}),
            422,
            "validation_failed",
        ),
        (
            "department of another region",
            Method::POST,
            ITEMS.into(),
            json!({"region_id": c.a, "department_id": c.dep_root, "content": content("B-3", "x", true)}),
            422,
            "validation_failed",
        ),
        (
            "code already drafted",
            Method::POST,
            ITEMS.into(),
            json!({"region_id": c.a, "department_id": c.dep_a, "content": content("B-1", "x", true)}),
            409,
            "conflict",
        ),
        (
            "new via changes",
            Method::POST,
            "/api/v1/catalogue/changes".into(),
            json!({"kind": "new", "sources": [], "items": []}),
            422,
            "validation_failed",
        ),
        (
            "split into one",
            Method::POST,
            "/api/v1/catalogue/changes".into(),
            json!({"kind": "split", "sources": [id], "items": [{"content": content("B-4", "x", true)}]}),
            422,
            "validation_failed",
        ),
        (
            "change of a draft",
            Method::POST,
            "/api/v1/catalogue/changes".into(),
            json!({"kind": "suspend", "sources": [id]}),
            409,
            "conflict",
        ),
        (
            "draft changes its code",
            Method::PUT,
            format!("{ITEMS}/{id}"),
            json!({"content": content("B-9", "x", true)}),
            422,
            "validation_failed",
        ),
        (
            "retire a draft",
            Method::POST,
            format!("{ITEMS}/{id}/retire"),
            json!({}),
            409,
            "conflict",
        ),
        (
            "missing item",
            Method::GET,
            format!("{ITEMS}/999999"),
            Value::Null,
            404,
            "not_found",
        ),
        (
            "unknown list filter",
            Method::GET,
            format!("{ITEMS}?colour=red"),
            Value::Null,
            400,
            "malformed_request",
        ),
        (
            "bad status filter",
            Method::GET,
            format!("{ITEMS}?status=gone"),
            Value::Null,
            400,
            "malformed_request",
        ),
        (
            "export without region",
            Method::GET,
            "/api/v1/catalogue/export".into(),
            Value::Null,
            400,
            "malformed_request",
        ),
        (
            "import of another format",
            Method::POST,
            format!("/api/v1/catalogue/import?region_id={}", c.a),
            json!({"format": "csv", "format_version": 1, "region_code": "1", "exported_at": "2026-01-01T00:00:00Z", "items": []}),
            422,
            "validation_failed",
        ),
        (
            "import without items key",
            Method::POST,
            format!("/api/v1/catalogue/import?region_id={}", c.a),
            json!({"format": "yiwang.catalogue"}),
            400,
            "malformed_request",
        ),
        (
            "empty old code",
            Method::POST,
            "/api/v1/catalogue/old-codes".into(),
            json!({"old_code": " ", "item_code": "B-1", "region_id": c.a}),
            422,
            "validation_failed",
        ),
    ];
    for (what, method, path, body, status, code) in cases {
        let body = (!body.is_null()).then_some(body);
        let a = app.call(method, &path, Some(&tok), body).await;
        assert_eq!(a.status.as_u16(), status, "{what}: {:#}", a.body);
        assert_eq!(a.body["code"], code, "{what}: {:#}", a.body);
        assert_eq!(
            a.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{what}"
        );
    }
    assert_eq!(
        event_kinds(&app).await.len(),
        events_before,
        "nothing changed"
    );
    let all = app.get(ITEMS, &app.admin_token).await;
    assert_eq!(ids(&all.body), vec![id]);
}
on_each_backend!(
    catalogue_bad_input,
    bad_catalogue_requests_get_their_4xx_and_change_nothing
);

async fn split_merge_suspend_and_cancel_draft_versions_with_lineage(app: TestApp) {
    let c = city(&app).await;
    let t = &c.tok_a;
    let src = draft(&app, t, c.a, c.dep_a, content("L-1", "建设工程许可", true)).await;
    let src_id = src["id"].as_i64().unwrap();
    publish(&app, t, src_id).await;
    let split = app
        .post(
            "/api/v1/catalogue/changes",
            t,
            json!({"kind": "split", "sources": [src_id], "items": [
                {"content": content("L-2", "建设工程规划许可", true)},
                {"content": content("L-3", "建设工程施工许可", false)}]}),
        )
        .await;
    assert_eq!(split.status, 201, "{:#}", split.body);
    let parts: Vec<i64> = split
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    for (i, p) in parts.iter().enumerate() {
        assert_eq!(split.body[i]["lineage"], json!([src_id]));
        assert_eq!(split.body[i]["change_kind"], "split");
        publish(&app, t, *p).await;
    }
    assert_eq!(
        app.get(&format!("{ITEMS}/{src_id}"), t).await.body["status"],
        "retired"
    );

    let merged = app
        .post(
            "/api/v1/catalogue/changes",
            t,
            json!({"kind": "merge", "sources": parts, "items": [{"content": content("L-4", "建设工程许可（合并）", true)}]}),
        )
        .await;
    assert_eq!(merged.status, 201, "{:#}", merged.body);
    assert_eq!(merged.body[0]["lineage"], json!(parts));
    let merged_id = merged.body[0]["id"].as_i64().unwrap();
    publish(&app, t, merged_id).await;
    for p in &parts {
        assert_eq!(
            app.get(&format!("{ITEMS}/{p}"), t).await.body["status"],
            "retired"
        );
    }

    let suspended = app
        .post(
            "/api/v1/catalogue/changes",
            t,
            json!({"kind": "suspend", "sources": [merged_id]}),
        )
        .await;
    assert_eq!(suspended.status, 201, "{:#}", suspended.body);
    assert_eq!(suspended.body[0]["version"], 2);
    assert_eq!(suspended.body[0]["content"]["name"], "建设工程许可（合并）");
    let suspended_id = suspended.body[0]["id"].as_i64().unwrap();
    publish(&app, t, suspended_id).await;
    let f = app.get("/api/v1/catalogue/figures", t).await;
    assert_eq!(
        f.body["regions"],
        json!([]),
        "a suspended item is not counted"
    );

    let cancel = app
        .post(
            "/api/v1/catalogue/changes",
            t,
            json!({"kind": "cancel", "sources": [suspended_id]}),
        )
        .await;
    assert_eq!(cancel.status, 201, "{:#}", cancel.body);
    let cancel_id = cancel.body[0]["id"].as_i64().unwrap();
    let done = app
        .post(&format!("{ITEMS}/{cancel_id}/publish"), t, json!({}))
        .await;
    assert_eq!(done.status, 200, "{:#}", done.body);
    assert_eq!(
        done.body["status"], "retired",
        "a cancellation ends the item"
    );
    let live = app.get(&format!("{ITEMS}?status=published"), t).await;
    assert!(ids(&live.body).is_empty(), "{:#}", live.body);
}
on_each_backend!(
    typed_changes,
    split_merge_suspend_and_cancel_draft_versions_with_lineage
);
