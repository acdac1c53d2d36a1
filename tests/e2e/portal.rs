//! The portal-facing API: catalogue views with caching headers, online applications
//! with upload metadata, the applicant's own cases (isolation between two applicants), their
//! history without internal opinions, courier tracking, payment status, rating, complaints,
//! appointments and remote tickets; the applicant identity believed only from the identity
//! proxy (address and secret) or the portal server's key.

use reqwest::Method;
use serde_json::{Value, json};
use yiwang_core::config::{Config, Secret};
use yiwang_tests::{Answer, TestApp};

use crate::queue::created;
use yiwang_tests::id_number;

pub(crate) const SECRET: &str = "proxy-secret";
const ITEM: &str = "11350100MB0001-001";
const ORG: &str = "91350100MA2XY00017";

/// Runs a test body once per backend, with the identity proxy configured.
macro_rules! on_each_backend_with_proxy {
    ($name:ident, $body:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for backend in yiwang_tests::backends() {
                let app =
                    yiwang_tests::TestApp::spawn_with(backend, crate::portal::with_proxy).await;
                $body(app).await;
            }
        }
    };
}
pub(crate) use on_each_backend_with_proxy;

pub(crate) fn with_proxy(c: &mut Config) {
    c.auth.trusted_header.enabled = true;
    c.auth.trusted_header.secret = Some(Secret(SECRET.to_owned().into()));
}

/// An applicant as the identity proxy names them.
#[derive(Clone)]
pub(crate) struct Who {
    pub(crate) number: String,
    pub(crate) name: &'static str,
    pub(crate) kind: Option<&'static str>,
}

pub(crate) fn zhang() -> Who {
    Who {
        number: id_number("11010519491231002"),
        name: "张三",
        kind: None,
    }
}

pub(crate) fn li() -> Who {
    Who {
        number: id_number("11010519800101003"),
        name: "李四",
        kind: Some("person"),
    }
}

pub(crate) fn org() -> Who {
    Who {
        number: ORG.into(),
        name: "福州某某食品有限公司",
        kind: Some("organisation"),
    }
}

/// UTF-8 percent-encoded, as the proxy sends names.
pub(crate) fn pct(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

pub(crate) async fn answer(r: reqwest::RequestBuilder) -> Answer {
    let res = r.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        headers,
        body,
    }
}

pub(crate) fn named(mut r: reqwest::RequestBuilder, who: &Who) -> reqwest::RequestBuilder {
    r = r
        .header("X-Yiwang-Applicant-Id", &who.number)
        .header("X-Yiwang-Applicant-Name", pct(who.name));
    if let Some(k) = who.kind {
        r = r.header("X-Yiwang-Applicant-Kind", k);
    }
    r
}

/// A request through the identity proxy (its secret, from its address) for `who`.
pub(crate) async fn proxy(
    app: &TestApp,
    method: Method,
    path: &str,
    who: &Who,
    body: Option<Value>,
) -> Answer {
    let mut r = named(app.client.request(method, app.url(path)), who)
        .header("X-Yiwang-Proxy-Secret", SECRET);
    if let Some(b) = body {
        r = r.json(&b);
    }
    answer(r).await
}

pub(crate) async fn get_as(app: &TestApp, path: &str, who: &Who) -> Answer {
    proxy(app, Method::GET, path, who, None).await
}

pub(crate) async fn post_as(app: &TestApp, path: &str, who: &Who, body: Value) -> Answer {
    proxy(app, Method::POST, path, who, Some(body)).await
}

/// A county with a department, an online item with a fixed fee (theme 企业开办), an offline
/// item, a draft; a hall whose window 1 serves the online item; window staff; the portal's
/// agent account (`portal`, the portal role over the city) and its token.
pub(crate) struct City {
    pub(crate) county: i64,
    pub(crate) dep: i64,
    pub(crate) item: i64,
    pub(crate) offline: i64,
    pub(crate) draft: i64,
    pub(crate) hall: i64,
    pub(crate) area: i64,
    pub(crate) window: i64,
    pub(crate) staff: String,
    pub(crate) agent: String,
}

fn content(code: &str, name: &str, online: bool, theme: &str) -> Value {
    json!({
        "item_code": code, "name": name, "item_type": "licensing",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "legal_limit_days": 20, "promised_limit_days": 10,
        "fee": {"kind": "fixed", "amount_fen": 5000},
        "materials": [{"name": "营业执照", "required": true}],
        "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 3}],
        "online": online, "delivery_modes": ["window", "courier"],
        "extensions": {"theme": theme, "window_hint": "综合窗口"}
    })
}

pub(crate) async fn city(app: &TestApp) -> City {
    let root = app.root_id().await;
    let county = app.region("990102", "甲区", "county", root).await;
    let tok = &app.admin_token;
    let dep = created(
        &app.post(
            "/api/v1/departments",
            tok,
            json!({"region_id": county, "code": "SCJ", "name": "市场监督管理局"}),
        )
        .await,
    );
    let item = app
        .published_item(county, dep, content(ITEM, "食品经营许可", true, "企业开办"))
        .await;
    let offline = app
        .published_item(
            county,
            dep,
            content("11350100MB0001-002", "特种设备许可", false, "生产经营"),
        )
        .await;
    let d = app
        .post(
            "/api/v1/catalogue/items",
            tok,
            json!({"region_id": county, "department_id": dep,
                   "content": content("11350100MB0001-003", "草稿事项", true, "企业开办")}),
        )
        .await;
    let draft = created(&d);
    let hall = created(
        &app.post(
            "/api/v1/halls",
            tok,
            json!({"region_id": county, "name": "甲区政务服务中心", "address": "人民路1号"}),
        )
        .await,
    );
    let area = created(
        &app.post(
            &format!("/api/v1/halls/{hall}/areas"),
            tok,
            json!({"prefix": "A", "name": "综合受理区"}),
        )
        .await,
    );
    let window = created(
        &app.post(
            &format!("/api/v1/halls/{hall}/windows"),
            tok,
            json!({"area_id": area, "number": "1", "name": "1号窗口"}),
        )
        .await,
    );
    let w = app
        .call(
            Method::PUT,
            &format!("/api/v1/windows/{window}/items"),
            Some(tok),
            Some(json!({"item_codes": [ITEM]})),
        )
        .await;
    assert_eq!(w.status, 200, "{:#}", w.body);
    let (_, staff) = app
        .user_with_role(
            "staff",
            county,
            None,
            "window_staff",
            ("region", Some(county)),
        )
        .await;
    let (_, agent) = app
        .user_with_role("portal", root, None, "portal", ("region", Some(root)))
        .await;
    City {
        county,
        dep,
        item,
        offline,
        draft,
        hall,
        area,
        window,
        staff,
        agent,
    }
}

fn upload(name: &str) -> Value {
    json!({
        "name": name, "size_bytes": 204_800,
        "sha256": "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
        "content_type": "application/pdf", "storage_ref": format!("oss://portal/{name}.pdf"),
    })
}

pub(crate) async fn apply(app: &TestApp, c: &City, who: &Who) -> Value {
    let a = post_as(
        app,
        "/api/v1/portal/applications",
        who,
        json!({"item_id": c.item, "materials": [upload("营业执照")]}),
    )
    .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.body
}

async fn staff_act(app: &TestApp, c: &City, id: i64, action: &str, body: Value) -> Value {
    let a = app
        .post(&format!("/api/v1/cases/{id}/{action}"), &c.staff, body)
        .await;
    assert_eq!(a.status, 200, "{action}: {:#}", a.body);
    a.body
}

async fn the_storefront_counters_and_guides_show_items_on_offer_with_caching(app: TestApp) {
    let c = city(&app).await;
    let front = app.get("/api/v1/portal/storefront", &c.agent).await;
    assert_eq!(front.status, 200, "{:#}", front.body);
    let names: Vec<&str> = front.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["食品经营许可", "特种设备许可"], "no draft on offer");
    assert_eq!(front.body["items"][0]["department_name"], "市场监督管理局");
    assert_eq!(front.body["items"][0]["region_name"], "甲区");
    assert_eq!(front.body["items"][0]["theme"], "企业开办");
    assert_eq!(front.body["items"][0]["fee"]["amount_fen"], 5000);
    assert_eq!(
        front.headers["cache-control"].to_str().unwrap(),
        "private, max-age=60"
    );
    let etag = front.headers["etag"].to_str().unwrap().to_owned();
    let again = answer(
        app.client
            .get(app.url("/api/v1/portal/storefront"))
            .bearer_auth(&c.agent)
            .header("If-None-Match", &etag),
    )
    .await;
    assert_eq!(again.status, 304);
    assert_eq!(again.body, Value::Null);
    // HEAD answers as GET without the body: the same tag, and 304 while it holds.
    let head = answer(
        app.client
            .head(app.url("/api/v1/portal/storefront"))
            .bearer_auth(&c.agent),
    )
    .await;
    assert_eq!(head.status, 200);
    assert_eq!(head.headers["etag"].to_str().unwrap(), etag);
    assert_eq!(head.body, Value::Null);
    let head_again = answer(
        app.client
            .head(app.url("/api/v1/portal/storefront"))
            .bearer_auth(&c.agent)
            .header("If-None-Match", &etag),
    )
    .await;
    assert_eq!(head_again.status, 304);

    let by_theme = app
        .get(
            &format!("/api/v1/portal/storefront?theme={}", pct("企业开办")),
            &c.agent,
        )
        .await;
    assert_eq!(by_theme.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_theme.body["items"][0]["id"], c.item);
    let online = app
        .get("/api/v1/portal/storefront?online=false", &c.agent)
        .await;
    assert_eq!(online.body["items"][0]["id"], c.offline);
    let text = app
        .get(
            &format!("/api/v1/portal/storefront?q={}", pct("特种")),
            &c.agent,
        )
        .await;
    assert_eq!(text.body["items"].as_array().unwrap().len(), 1);
    let paged = app.get("/api/v1/portal/storefront?limit=1", &c.agent).await;
    assert_eq!(paged.body["next_after"], c.item);
    let elsewhere = app
        .get(
            &format!("/api/v1/portal/storefront?department_id={}", c.dep + 999),
            &c.agent,
        )
        .await;
    assert_eq!(elsewhere.body["items"], json!([]));

    let guide = app
        .get(&format!("/api/v1/portal/items/{}/guide", c.item), &c.agent)
        .await;
    assert_eq!(guide.status, 200, "{:#}", guide.body);
    assert_eq!(guide.body["item"]["promised_limit_days"], 10);
    assert_eq!(guide.body["materials"][0]["name"], "营业执照");
    assert_eq!(guide.body["steps"], json!(["审查"]));
    assert_eq!(guide.body["extensions"]["window_hint"], "综合窗口");
    assert_eq!(guide.body["where_to_go"][0]["hall_id"], c.hall);
    assert_eq!(guide.body["where_to_go"][0]["address"], "人民路1号");
    assert_eq!(
        guide.body["where_to_go"][0]["windows"][0]["window_id"],
        c.window
    );
    assert_eq!(
        guide.body["where_to_go"][0]["windows"][0]["area_name"],
        "综合受理区"
    );
    assert!(guide.headers.contains_key("etag"));
    let offline = app
        .get(
            &format!("/api/v1/portal/items/{}/guide", c.offline),
            &c.agent,
        )
        .await;
    assert_eq!(offline.body["where_to_go"], json!([]));
    app.get(&format!("/api/v1/portal/items/{}/guide", c.draft), &c.agent)
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/portal/items/999999/guide", &c.agent)
        .await
        .assert_problem(404, "not_found");

    let counters = app.get("/api/v1/portal/counters", &c.agent).await;
    assert_eq!(counters.status, 200, "{:#}", counters.body);
    assert_eq!(counters.body["items"][0]["department_id"], c.dep);
    assert_eq!(counters.body["items"][0]["items"], 2);
    let items = app
        .get(
            &format!("/api/v1/portal/counters/{}/items", c.dep),
            &c.agent,
        )
        .await;
    assert_eq!(items.body["items"].as_array().unwrap().len(), 2);
    app.get("/api/v1/portal/counters/999999/items", &c.agent)
        .await
        .assert_problem(404, "not_found");

    // Staff read the views within their catalogue scope; an applicant through the proxy too.
    let staff = app.get("/api/v1/portal/storefront", &c.staff).await;
    assert_eq!(staff.body["items"].as_array().unwrap().len(), 2);
    let via_proxy = get_as(&app, "/api/v1/portal/storefront", &zhang()).await;
    assert_eq!(via_proxy.body["items"].as_array().unwrap().len(), 2);

    // Without either permission, and without any caller: refused.
    let (_, leader) = app
        .user_with_role(
            "leader",
            c.county,
            None,
            "leader",
            ("region", Some(c.county)),
        )
        .await;
    app.get("/api/v1/portal/storefront", &leader)
        .await
        .assert_problem(403, "forbidden");
    let anonymous = answer(app.client.get(app.url("/api/v1/portal/storefront"))).await;
    anonymous.assert_problem(401, "unauthorized");
    // Bad filters.
    app.get("/api/v1/portal/storefront?limit=many", &c.agent)
        .await
        .assert_problem(400, "malformed_request");
    app.get("/api/v1/portal/storefront?colour=red", &c.agent)
        .await
        .assert_problem(400, "malformed_request");
    let long = "长".repeat(101);
    app.get(
        &format!("/api/v1/portal/storefront?q={}", pct(&long)),
        &c.agent,
    )
    .await
    .assert_problem(422, "validation_failed");
}
on_each_backend_with_proxy!(
    portal_catalogue_views,
    the_storefront_counters_and_guides_show_items_on_offer_with_caching
);

async fn applicants_apply_online_and_see_only_their_own_cases(app: TestApp) {
    let c = city(&app).await;
    let (zhang, li) = (zhang(), li());
    let me = get_as(&app, "/api/v1/portal/me", &zhang).await;
    assert_eq!(me.status, 200, "{:#}", me.body);
    assert_eq!(me.body["name"], "张三");
    assert_eq!(me.body["kind"], "person");
    assert!(!me.body.to_string().contains(&zhang.number));

    let mine = apply(&app, &c, &zhang).await;
    let id = mine["case"]["id"].as_i64().unwrap();
    assert_eq!(mine["case"]["channel"], "online");
    assert_eq!(mine["case"]["status"], "submitted");
    assert_eq!(mine["case"]["status_title"], "已申报，待受理");
    assert_eq!(mine["case"]["materials"], json!(["营业执照"]));
    assert_eq!(mine["uploads"][0]["size_bytes"], 204_800);
    assert_eq!(
        mine["uploads"][0]["sha256"],
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    );
    assert_eq!(
        mine["uploads"][0]["storage_ref"],
        "oss://portal/营业执照.pdf"
    );
    assert_eq!(mine["history"][0]["title"], "提交申请");
    assert!(!mine.to_string().contains(&zhang.number));
    let theirs = apply(&app, &c, &li).await;
    let other = theirs["case"]["id"].as_i64().unwrap();
    // Staff see the online case with the applicant the identity named.
    let staff_view = app.get(&format!("/api/v1/cases/{id}"), &c.staff).await;
    assert_eq!(staff_view.body["applicant"]["name"], "张三");
    assert_eq!(staff_view.body["channel"], "online");

    let list = get_as(&app, "/api/v1/portal/cases", &zhang).await;
    let ids: Vec<i64> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [id]);
    assert_eq!(list.headers["cache-control"].to_str().unwrap(), "no-store");
    for path in ["", "/delivery", "/payment"] {
        get_as(&app, &format!("/api/v1/portal/cases/{other}{path}"), &zhang)
            .await
            .assert_problem(404, "not_found");
    }
    post_as(
        &app,
        &format!("/api/v1/portal/cases/{other}/evaluation"),
        &zhang,
        json!({"rating": 1}),
    )
    .await
    .assert_problem(404, "not_found");

    // Through the workflow: the history tells the applicant what they need, not the staff's
    // opinions; the fee and the delivery follow.
    staff_act(&app, &c, id, "accept", json!({})).await;
    let early = post_as(
        &app,
        &format!("/api/v1/portal/cases/{id}/evaluation"),
        &zhang,
        json!({"rating": 5}),
    )
    .await;
    early.assert_problem(409, "conflict");
    staff_act(
        &app,
        &c,
        id,
        "steps/current/approve",
        json!({"opinion": "内部意见：材料齐全，同意"}),
    )
    .await;
    let pay = get_as(&app, &format!("/api/v1/portal/cases/{id}/payment"), &zhang).await;
    assert_eq!(pay.status, 200, "{:#}", pay.body);
    assert_eq!(pay.body["state"], "due");
    assert_eq!(pay.body["amount_fen"], 5000);
    assert_eq!(pay.body["fee_rule"]["kind"], "fixed");
    staff_act(
        &app,
        &c,
        id,
        "fee/pay",
        json!({"amount_fen": 5000, "payment_ref": "FS2026120100001"}),
    )
    .await;
    let paid = get_as(&app, &format!("/api/v1/portal/cases/{id}/payment"), &zhang).await;
    assert_eq!(paid.body["state"], "paid");
    assert_eq!(paid.body["payment_ref"], "FS2026120100001");
    let before = get_as(&app, &format!("/api/v1/portal/cases/{id}/delivery"), &zhang).await;
    assert_eq!(before.body["state"], "pending");
    assert_eq!(before.body["modes_offered"], json!(["window", "courier"]));
    staff_act(
        &app,
        &c,
        id,
        "delivery/courier",
        json!({"courier_company": "EMS", "waybill_no": "1100223344556", "address": "福建省福州市鼓楼区某某路88号"}),
    )
    .await;
    let sent = get_as(&app, &format!("/api/v1/portal/cases/{id}/delivery"), &zhang).await;
    assert_eq!(sent.body["state"], "delivered");
    assert_eq!(sent.body["mode"], "courier");
    assert_eq!(sent.body["waybill_no"], "1100223344556");
    assert!(!sent.body.to_string().contains("某某路88号"));
    // The courier order the window placed, from the courier module, masked.
    let order = &sent.body["orders"][0];
    assert_eq!(
        sent.body["orders"].as_array().unwrap().len(),
        1,
        "{:#}",
        sent.body
    );
    assert_eq!(order["leg"], "result");
    assert_eq!(order["company"], "EMS");
    assert_eq!(order["waybill_no"], "1100223344556");
    assert_eq!(order["status"], "ordered");
    assert_eq!(order["status_zh"], "已下单");
    assert!(
        order["address"].as_str().unwrap().contains('*'),
        "{order:#}"
    );

    let detail = get_as(&app, &format!("/api/v1/portal/cases/{id}"), &zhang).await;
    assert_eq!(detail.status, 200, "{:#}", detail.body);
    assert_eq!(detail.body["case"]["status"], "approved");
    let actions: Vec<&str> = detail.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["submit", "accept", "approve", "pay_fee", "send_by_courier"]
    );
    assert_eq!(detail.body["history"][2]["title"], "准予许可，已办结");
    assert_eq!(
        detail.body["history"][3]["note"],
        "50.00 元, FS2026120100001"
    );
    assert!(!detail.body.to_string().contains("内部意见"));
    assert!(!detail.body.to_string().contains("\"staff\""));

    // Rating the closed case: once; a repeat answers the first.
    let rated = post_as(
        &app,
        &format!("/api/v1/portal/cases/{id}/evaluation"),
        &zhang,
        json!({"rating": 5, "comment": "办事很快"}),
    )
    .await;
    assert_eq!(rated.status, 201, "{:#}", rated.body);
    assert_eq!(rated.body["follow_up_opened"], false);
    let twice = post_as(
        &app,
        &format!("/api/v1/portal/cases/{id}/evaluation"),
        &zhang,
        json!({"rating": 1}),
    )
    .await;
    assert_eq!(twice.status, 200);
    assert_eq!(twice.body["id"], rated.body["id"]);
    assert_eq!(twice.body["rating"], 5);
    post_as(
        &app,
        &format!("/api/v1/portal/cases/{id}/evaluation"),
        &zhang,
        json!({"rating": 9}),
    )
    .await
    .assert_problem(422, "validation_failed");
}
on_each_backend_with_proxy!(
    portal_own_cases,
    applicants_apply_online_and_see_only_their_own_cases
);

async fn complaints_name_only_ones_own_case_and_bad_input_changes_nothing(app: TestApp) {
    let c = city(&app).await;
    let (zhang, li) = (zhang(), li());
    let mine = apply(&app, &c, &zhang).await["case"]["id"]
        .as_i64()
        .unwrap();
    let complaint = json!({
        "request_id": "req-1", "case_id": mine, "phone": "13800138000",
        "content": "网上申报后三天无人联系",
    });
    let filed = post_as(&app, "/api/v1/portal/complaints", &zhang, complaint.clone()).await;
    assert_eq!(filed.status, 201, "{:#}", filed.body);
    assert_eq!(filed.body["case_id"], mine);
    assert_eq!(filed.body["status"], "accept");
    assert!(
        filed.body["complaint_no"]
            .as_str()
            .unwrap()
            .starts_with("TS-")
    );
    let repeat = post_as(&app, "/api/v1/portal/complaints", &zhang, complaint.clone()).await;
    assert_eq!(repeat.status, 200);
    assert_eq!(repeat.body["id"], filed.body["id"]);
    // The same request id from another applicant is another complaint, about their own case.
    let not_theirs = post_as(&app, "/api/v1/portal/complaints", &li, complaint).await;
    not_theirs.assert_problem(422, "validation_failed");
    assert_eq!(not_theirs.body["errors"][0]["field"], "case_id");
    let about_window = post_as(
        &app,
        "/api/v1/portal/complaints",
        &li,
        json!({"request_id": "req-1", "window_id": c.window, "phone": "0591-87654321",
               "content": "窗口人员态度差", "via": "app"}),
    )
    .await;
    assert_eq!(about_window.status, 201, "{:#}", about_window.body);
    assert_ne!(about_window.body["id"], filed.body["id"]);
    // The office sees the complaint with the complainant masked.
    let office = app
        .get(
            &format!("/api/v1/complaints/{}", filed.body["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(office.body["source"], "portal");
    assert_eq!(office.body["complainant"]["name"], "张三");
    assert!(!office.body.to_string().contains(&zhang.number));
    assert!(!office.body.to_string().contains("13800138000"));

    let bad_phone = post_as(
        &app,
        "/api/v1/portal/complaints",
        &zhang,
        json!({"request_id": "req-2", "region_id": c.county, "phone": "call me",
               "content": "x"}),
    )
    .await;
    bad_phone.assert_problem(422, "validation_failed");
    post_as(
        &app,
        "/api/v1/portal/complaints",
        &zhang,
        json!({"request_id": "req-3", "phone": "13800138000", "content": "x",
               "applicant": {"name": "someone else"}}),
    )
    .await
    .assert_problem(400, "malformed_request");

    // Bad applications: nothing is filed.
    let bad_hash = post_as(
        &app,
        "/api/v1/portal/applications",
        &zhang,
        json!({"item_id": c.item, "materials": [{
            "name": "营业执照", "size_bytes": 0, "sha256": "abc",
            "content_type": "pdf", "storage_ref": "oss://x"}]}),
    )
    .await;
    bad_hash.assert_problem(422, "validation_failed");
    let fields: Vec<&str> = bad_hash.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "materials[0].size_bytes",
            "materials[0].sha256",
            "materials[0].content_type"
        ]
    );
    let offline = post_as(
        &app,
        "/api/v1/portal/applications",
        &zhang,
        json!({"item_id": c.offline}),
    )
    .await;
    offline.assert_problem(422, "validation_failed");
    assert_eq!(offline.body["errors"][0]["field"], "item_id");
    post_as(
        &app,
        "/api/v1/portal/applications",
        &zhang,
        json!({"item_id": c.draft}),
    )
    .await
    .assert_problem(422, "validation_failed");
    // The applicant comes from the identity, never from the body.
    post_as(
        &app,
        "/api/v1/portal/applications",
        &zhang,
        json!({"item_id": c.item, "applicant": {"kind": "person", "name": "李四",
               "id_number": li.number.clone()}}),
    )
    .await
    .assert_problem(400, "malformed_request");
    let list = get_as(&app, "/api/v1/portal/cases", &zhang).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);

    // An organisation applies in its own name and sees only its case.
    let o = org();
    let theirs = apply(&app, &c, &o).await;
    assert_eq!(theirs["case"]["applicant"]["kind"], "organisation");
    let seen = get_as(&app, "/api/v1/portal/cases", &o).await;
    assert_eq!(seen.body["items"].as_array().unwrap().len(), 1);
    get_as(&app, &format!("/api/v1/portal/cases/{mine}"), &o)
        .await
        .assert_problem(404, "not_found");
}
on_each_backend_with_proxy!(
    portal_complaints_and_bad_input,
    complaints_name_only_ones_own_case_and_bad_input_changes_nothing
);
