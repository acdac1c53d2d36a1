//! The portal, continued: appointments and remote tickets with the live queue position,
//! each applicant's own only; and who may name an applicant — the identity proxy from its
//! address with its secret, or the portal server with a `portal.act` key — and nobody else.

use reqwest::Method;
use serde_json::json;
use yiwang_core::config::Secret;
use yiwang_tests::TestApp;

use crate::portal::{
    City, SECRET, Who, answer, apply, city, get_as, li, named, on_each_backend_with_proxy, org,
    post_as, proxy, zhang,
};

const MINUTE: i64 = 60_000;

fn at(app: &TestApp, offset_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(app.clock.now() + offset_ms)
        .unwrap()
        .to_rfc3339()
}

/// Takes a ticket remotely for the online item.
async fn take(app: &TestApp, c: &City, who: &Who, request: &str) -> yiwang_tests::Answer {
    let body = json!({"hall_id": c.hall, "area_id": c.area,
                      "item_code": "11350100MB0001-001", "request_id": request});
    post_as(app, "/api/v1/portal/tickets", who, body).await
}

async fn applicants_book_cancel_and_follow_only_their_own_tickets(app: TestApp) {
    let c = city(&app).await;
    let (zhang, li) = (zhang(), li());
    let slot = app
        .post(
            &format!("/api/v1/halls/{}/slots", c.hall),
            &app.admin_token,
            json!({"area_id": c.area, "item_code": "11350100MB0001-001",
                   "starts_at": at(&app, 60 * MINUTE), "ends_at": at(&app, 90 * MINUTE),
                   "capacity": 2}),
        )
        .await;
    assert_eq!(slot.status, 201, "{:#}", slot.body);
    let slot = slot.body["id"].as_i64().unwrap();
    let slots = get_as(
        &app,
        &format!("/api/v1/portal/halls/{}/slots", c.hall),
        &zhang,
    )
    .await;
    assert_eq!(slots.status, 200, "{:#}", slots.body);
    assert_eq!(slots.body[0]["id"], slot);

    let booked = post_as(
        &app,
        "/api/v1/portal/appointments",
        &zhang,
        json!({"slot_id": slot, "channel": "wechat"}),
    )
    .await;
    assert_eq!(booked.status, 201, "{:#}", booked.body);
    assert_eq!(booked.body["applicant_name"], "张三");
    assert!(!booked.body.to_string().contains(&zhang.number));
    let appt = booked.body["id"].as_i64().unwrap();
    post_as(
        &app,
        "/api/v1/portal/appointments",
        &zhang,
        json!({"slot_id": slot, "channel": "wechat"}),
    )
    .await
    .assert_problem(409, "conflict");
    let theirs = get_as(&app, "/api/v1/portal/appointments", &li).await;
    assert_eq!(theirs.body, json!([]));
    post_as(
        &app,
        &format!("/api/v1/portal/appointments/{appt}/cancel"),
        &li,
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    let mine = get_as(&app, "/api/v1/portal/appointments", &zhang).await;
    assert_eq!(mine.body[0]["id"], appt);
    let cancelled = post_as(
        &app,
        &format!("/api/v1/portal/appointments/{appt}/cancel"),
        &zhang,
        json!({}),
    )
    .await;
    assert_eq!(cancelled.status, 200, "{:#}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    post_as(
        &app,
        "/api/v1/portal/appointments",
        &zhang,
        json!({"slot_id": slot, "channel": "fax"}),
    )
    .await
    .assert_problem(400, "malformed_request");
    post_as(
        &app,
        "/api/v1/portal/appointments",
        &zhang,
        json!({"slot_id": 999_999, "channel": "app"}),
    )
    .await
    .assert_problem(404, "not_found");
    // An organisation does not queue: a person comes to the hall.
    post_as(
        &app,
        "/api/v1/portal/appointments",
        &org(),
        json!({"slot_id": slot, "channel": "web"}),
    )
    .await
    .assert_problem(422, "validation_failed");

    // Remote tickets: a place in the queue, how many are ahead, where to go once called.
    let first = take(&app, &c, &zhang, "t-1").await;
    assert_eq!(first.status, 201, "{:#}", first.body);
    assert_eq!(first.body["number"], "A001");
    assert_eq!(first.body["ahead"], 0);
    let again = take(&app, &c, &zhang, "t-1").await;
    assert_eq!(again.body["ticket_id"], first.body["ticket_id"]);
    let second = take(&app, &c, &li, "t-1").await;
    assert_eq!(second.status, 201, "{:#}", second.body);
    assert_ne!(second.body["ticket_id"], first.body["ticket_id"]);
    assert_eq!(second.body["ahead"], 1);
    assert!(second.body["estimated_wait_ms"].as_i64().unwrap() > 0);
    let zhang_ticket = first.body["ticket_id"].as_i64().unwrap();
    get_as(
        &app,
        &format!("/api/v1/portal/tickets/{zhang_ticket}/position"),
        &li,
    )
    .await
    .assert_problem(404, "not_found");
    let sign = app
        .post(
            &format!("/api/v1/windows/{}/sign-in", c.window),
            &c.staff,
            json!({}),
        )
        .await;
    assert_eq!(sign.status, 200, "{:#}", sign.body);
    let called = app
        .post(
            &format!("/api/v1/windows/{}/call-next", c.window),
            &c.staff,
            json!({}),
        )
        .await;
    assert_eq!(called.status, 200, "{:#}", called.body);
    let now_mine = get_as(
        &app,
        &format!("/api/v1/portal/tickets/{zhang_ticket}/position"),
        &zhang,
    )
    .await;
    assert_eq!(now_mine.body["status"], "called");
    assert_eq!(now_mine.body["window_number"], "1");
    let now_theirs = get_as(
        &app,
        &format!(
            "/api/v1/portal/tickets/{}/position",
            second.body["ticket_id"]
        ),
        &li,
    )
    .await;
    assert_eq!(now_theirs.body["ahead"], 0);
    assert_eq!(now_theirs.body["windows_on_duty"], 1);
    let bad_area = post_as(
        &app,
        "/api/v1/portal/tickets",
        &zhang,
        json!({"hall_id": c.hall, "area_id": 999_999}),
    )
    .await;
    assert!(bad_area.status.is_client_error(), "{:#}", bad_area.body);
    post_as(
        &app,
        "/api/v1/portal/tickets",
        &zhang,
        json!({"hall_id": c.hall, "area_id": c.area, "request_id": "x".repeat(41)}),
    )
    .await
    .assert_problem(422, "validation_failed");
}
on_each_backend_with_proxy!(
    portal_queue,
    applicants_book_cancel_and_follow_only_their_own_tickets
);

async fn only_the_proxy_or_a_portal_key_may_name_an_applicant(app: TestApp) {
    let c = city(&app).await;
    let zhang = zhang();
    let id = apply(&app, &c, &zhang).await["case"]["id"]
        .as_i64()
        .unwrap();
    let path = "/api/v1/portal/cases";
    // No secret, or a wrong one: refused.
    answer(named(app.client.get(app.url(path)), &zhang))
        .await
        .assert_problem(401, "unauthorized");
    answer(named(app.client.get(app.url(path)), &zhang).header("X-Yiwang-Proxy-Secret", "guess"))
        .await
        .assert_problem(401, "unauthorized");
    // The portal server's key (portal.act) may name the applicant; it sees the same cases.
    let by_key = answer(named(app.client.get(app.url(path)), &zhang).bearer_auth(&c.agent)).await;
    assert_eq!(by_key.status, 200, "{:#}", by_key.body);
    assert_eq!(by_key.body["items"][0]["id"], id);
    // A staff token may not.
    answer(named(app.client.get(app.url(path)), &zhang).bearer_auth(&c.staff))
        .await
        .assert_problem(403, "forbidden");
    // The applicant's own views need an applicant.
    app.get(path, &c.agent)
        .await
        .assert_problem(401, "unauthorized");
    // A number that is not one, or no name: refused.
    let mut forged_number = zhang.number.clone();
    let last = if forged_number.ends_with('0') {
        '1'
    } else {
        '0'
    };
    forged_number.pop();
    forged_number.push(last);
    let forged = Who {
        number: forged_number,
        name: "张三",
        kind: Some("person"),
    };
    get_as(&app, path, &forged)
        .await
        .assert_problem(401, "unauthorized");
    answer(
        app.client
            .get(app.url(path))
            .header("X-Yiwang-Proxy-Secret", SECRET)
            .header("X-Yiwang-Applicant-Id", &zhang.number),
    )
    .await
    .assert_problem(401, "unauthorized");
    let wrong_kind = Who {
        kind: Some("organisation"),
        ..zhang.clone()
    };
    get_as(&app, path, &wrong_kind)
        .await
        .assert_problem(401, "unauthorized");
    // A write through the proxy without its secret changes nothing.
    let attempt = answer(
        named(
            app.client.post(app.url("/api/v1/portal/applications")),
            &li(),
        )
        .json(&json!({"item_id": c.item})),
    )
    .await;
    attempt.assert_problem(401, "unauthorized");
    let li_cases = get_as(&app, path, &li()).await;
    assert_eq!(li_cases.body["items"], json!([]));
    let ok = proxy(&app, Method::GET, path, &zhang, None).await;
    assert_eq!(ok.body["items"][0]["id"], id);
}
on_each_backend_with_proxy!(
    portal_identity,
    only_the_proxy_or_a_portal_key_may_name_an_applicant
);

/// The proxy's secret is not enough from another address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applicant_headers_from_an_untrusted_address_are_refused() {
    for backend in yiwang_tests::backends() {
        let app = TestApp::spawn_with(backend, |c| {
            c.auth.trusted_header.enabled = true;
            c.auth.trusted_header.secret = Some(Secret(SECRET.to_owned().into()));
            c.auth.trusted_header.trusted_proxies = vec![std::net::IpAddr::from([10, 0, 0, 7])];
        })
        .await;
        let c = city(&app).await;
        let a = post_as(
            &app,
            "/api/v1/portal/applications",
            &zhang(),
            json!({"item_id": c.item}),
        )
        .await;
        a.assert_problem(401, "unauthorized");
        let cases = app
            .get(
                &format!("/api/v1/cases?item_code={}", "11350100MB0001-001"),
                &app.admin_token,
            )
            .await;
        assert_eq!(cases.body["items"], json!([]), "nothing was filed");
    }
}

/// With single sign-on off, applicant headers without the portal's key are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applicant_headers_are_refused_when_single_sign_on_is_off() {
    let app = TestApp::spawn(yiwang_tests::Backend::Sqlite).await;
    let c = city(&app).await;
    get_as(&app, "/api/v1/portal/cases", &zhang())
        .await
        .assert_problem(401, "unauthorized");
    let by_key =
        answer(named(app.client.get(app.url("/api/v1/portal/me")), &zhang()).bearer_auth(&c.agent))
            .await;
    assert_eq!(by_key.status, 200, "{:#}", by_key.body);
}
