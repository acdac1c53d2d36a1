//! Bad input gets a clear 4xx problem+json and changes nothing.

use reqwest::Method;
use serde_json::{Value, json};
use yiwang_tests::{TestApp, id_number, on_each_backend};

enum Body {
    None,
    Json(Value),
    Raw(&'static str, String),
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Body,
) -> (u16, Value, String) {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req = match body {
        Body::None => req,
        Body::Json(v) => req.json(&v),
        Body::Raw(ct, s) => req.header("content-type", ct).body(s),
    };
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        ct,
    )
}

fn last_event_id(app: &TestApp) -> Option<i64> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Max {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        id: Option<i64>,
    }
    let mut conn = app.services.store.blocking_conn().unwrap();
    diesel::sql_query("SELECT MAX(id) AS id FROM events")
        .get_result::<Max>(&mut *conn)
        .unwrap()
        .id
}

/// What is sent, what must come back: (what, method, path, token, body, status, code).
type Case<'a> = (&'a str, Method, String, Option<&'a str>, Body, u16, &'a str);

async fn every_malformed_request_gets_its_4xx_and_changes_nothing(app: TestApp) {
    let root = app.root_id().await;
    let tok = app.admin_token.clone();
    let head_before = last_event_id(&app);
    let big = format!(
        "{{\"code\":\"1\",\"name\":\"{}\",\"level\":\"county\",\"parent_id\":{root}}}",
        "x".repeat(300_000)
    );
    let cases: Vec<Case> = vec![
        (
            "no token",
            Method::GET,
            "/api/v1/users".into(),
            None,
            Body::None,
            401,
            "unauthorized",
        ),
        (
            "unknown token",
            Method::GET,
            "/api/v1/users".into(),
            Some("yw_nope"),
            Body::None,
            401,
            "unauthorized",
        ),
        (
            "broken json",
            Method::POST,
            "/api/v1/regions".into(),
            Some(&tok),
            Body::Raw("application/json", "{\"code\":".into()),
            400,
            "malformed_request",
        ),
        (
            "wrong type",
            Method::POST,
            "/api/v1/regions".into(),
            Some(&tok),
            Body::Json(json!({"code": 1, "name": "x", "level": "county", "parent_id": root})),
            400,
            "malformed_request",
        ),
        (
            "unknown field",
            Method::POST,
            "/api/v1/regions".into(),
            Some(&tok),
            Body::Json(
                json!({"code": "1", "name": "x", "level": "county", "parent_id": root, "mayor": "x"}),
            ),
            400,
            "malformed_request",
        ),
        (
            "unknown enum value",
            Method::POST,
            "/api/v1/regions".into(),
            Some(&tok),
            Body::Json(json!({"code": "1", "name": "x", "level": "village", "parent_id": root})),
            400,
            "malformed_request",
        ),
        (
            "missing field",
            Method::POST,
            "/api/v1/regions".into(),
            Some(&tok),
            Body::Json(json!({"code": "1", "level": "county", "parent_id": root})),
            400,
            "malformed_request",
        ),
        (
            "not json",
            Method::POST,
            "/api/v1/regions".into(),
            Some(&tok),
            Body::Raw("text/plain", "hello".into()),
            415,
            "unsupported_media_type",
        ),
        (
            "too large",
            Method::POST,
            "/api/v1/regions".into(),
            Some(&tok),
            Body::Raw("application/json", big),
            413,
            "payload_too_large",
        ),
        (
            "bad path id",
            Method::GET,
            "/api/v1/users/abc".into(),
            Some(&tok),
            Body::None,
            400,
            "malformed_request",
        ),
        (
            "bad query",
            Method::GET,
            "/api/v1/events?after=soon".into(),
            Some(&tok),
            Body::None,
            400,
            "malformed_request",
        ),
        (
            "unknown query key",
            Method::GET,
            "/api/v1/events?afterr=1".into(),
            Some(&tok),
            Body::None,
            400,
            "malformed_request",
        ),
        (
            "unknown route",
            Method::GET,
            "/api/v1/nowhere".into(),
            Some(&tok),
            Body::None,
            404,
            "not_found",
        ),
        (
            "missing record",
            Method::GET,
            "/api/v1/users/999999".into(),
            Some(&tok),
            Body::None,
            404,
            "not_found",
        ),
        (
            "empty name",
            Method::POST,
            "/api/v1/regions".into(),
            Some(&tok),
            Body::Json(
                json!({"code": "990102", "name": " ", "level": "county", "parent_id": root}),
            ),
            422,
            "validation_failed",
        ),
        (
            "wrong level",
            Method::POST,
            "/api/v1/regions".into(),
            Some(&tok),
            Body::Json(
                json!({"code": "990102", "name": "甲区", "level": "town", "parent_id": root}),
            ),
            422,
            "validation_failed",
        ),
        (
            "second root",
            Method::POST,
            "/api/v1/regions".into(),
            Some(&tok),
            Body::Json(
                json!({"code": "990200", "name": "乙市", "level": "city", "parent_id": null}),
            ),
            403,
            "forbidden",
        ),
        (
            "no such parent",
            Method::POST,
            "/api/v1/regions".into(),
            Some(&tok),
            Body::Json(
                json!({"code": "990102", "name": "甲区", "level": "county", "parent_id": 424242}),
            ),
            422,
            "validation_failed",
        ),
        (
            "short password",
            Method::POST,
            "/api/v1/users".into(),
            Some(&tok),
            Body::Json(
                json!({"username": "u1", "display_name": "u", "password": "short", "region_id": root}),
            ),
            422,
            "validation_failed",
        ),
        (
            "bad username",
            Method::POST,
            "/api/v1/users".into(),
            Some(&tok),
            Body::Json(
                json!({"username": "a b", "display_name": "u", "password": "long-enough", "region_id": root}),
            ),
            422,
            "validation_failed",
        ),
        (
            "bad phone",
            Method::POST,
            "/api/v1/users".into(),
            Some(&tok),
            Body::Json(
                json!({"username": "u2", "display_name": "u", "password": "long-enough", "region_id": root, "phone": "12345"}),
            ),
            422,
            "validation_failed",
        ),
        (
            "duplicate username",
            Method::POST,
            "/api/v1/users".into(),
            Some(&tok),
            Body::Json(
                json!({"username": "admin", "display_name": "u", "password": "long-enough", "region_id": root}),
            ),
            409,
            "conflict",
        ),
        (
            "unknown role",
            Method::POST,
            "/api/v1/users/1/roles".into(),
            Some(&tok),
            Body::Json(json!({"role": "king", "scope_kind": "own", "scope_id": null})),
            422,
            "validation_failed",
        ),
        (
            "scope id for own",
            Method::POST,
            "/api/v1/users/1/roles".into(),
            Some(&tok),
            Body::Json(json!({"role": "operator", "scope_kind": "own", "scope_id": 1})),
            422,
            "validation_failed",
        ),
        (
            "session token kind",
            Method::POST,
            "/api/v1/tokens".into(),
            Some(&tok),
            Body::Json(json!({"kind": "session", "user_id": 1, "name": "x"})),
            422,
            "validation_failed",
        ),
        (
            "bad area prefix",
            Method::POST,
            "/api/v1/halls/999/areas".into(),
            Some(&tok),
            Body::Json(json!({"prefix": "a1", "name": "x"})),
            422,
            "validation_failed",
        ),
        (
            "device protocol without a token",
            Method::POST,
            "/api/v1/device/heartbeat".into(),
            None,
            Body::Json(json!({})),
            401,
            "unauthorized",
        ),
        (
            "device protocol with a person's token",
            Method::POST,
            "/api/v1/device/heartbeat".into(),
            Some(&tok),
            Body::Json(json!({})),
            403,
            "forbidden",
        ),
        (
            "unknown device kind",
            Method::POST,
            "/api/v1/devices".into(),
            Some(&tok),
            Body::Json(json!({"hall_id": 1, "kind": "led", "name": "x"})),
            400,
            "malformed_request",
        ),
        (
            "unknown command kind",
            Method::POST,
            "/api/v1/devices/1/commands".into(),
            Some(&tok),
            Body::Json(json!({"command": {"kind": "dance"}})),
            400,
            "malformed_request",
        ),
        (
            "long-poll wait not a number",
            Method::GET,
            "/api/v1/device/commands?wait_ms=soon".into(),
            Some(&tok),
            Body::None,
            400,
            "malformed_request",
        ),
        (
            "unknown device",
            Method::GET,
            "/api/v1/devices/999999".into(),
            Some(&tok),
            Body::None,
            404,
            "not_found",
        ),
        (
            "command to an unknown device",
            Method::POST,
            "/api/v1/devices/999999/commands".into(),
            Some(&tok),
            Body::Json(json!({"command": {"kind": "reboot"}})),
            404,
            "not_found",
        ),
        (
            "empty login",
            Method::POST,
            "/api/v1/auth/login".into(),
            None,
            Body::Json(json!({"username": "", "password": ""})),
            401,
            "unauthorized",
        ),
        (
            "login extra field",
            Method::POST,
            "/api/v1/auth/login".into(),
            None,
            Body::Json(json!({"username": "admin", "password": "x", "otp": 1})),
            400,
            "malformed_request",
        ),
        (
            "rule that does not parse",
            Method::POST,
            "/api/v1/supervision/rules".into(),
            Some(&tok),
            Body::Json(
                json!({"code": "r", "name": "r", "kind": "process", "severity": "red",
                              "condition": "case.used >"}),
            ),
            422,
            "validation_failed",
        ),
        (
            "rule with a number for a condition",
            Method::POST,
            "/api/v1/supervision/rules".into(),
            Some(&tok),
            Body::Json(
                json!({"code": "r", "name": "r", "kind": "process", "severity": "red",
                              "condition": "case.elapsed * 2"}),
            ),
            422,
            "validation_failed",
        ),
        (
            "rule of an unknown kind",
            Method::POST,
            "/api/v1/supervision/rules".into(),
            Some(&tok),
            Body::Json(
                json!({"code": "r", "name": "r", "kind": "speed", "severity": "red",
                              "condition": "open"}),
            ),
            400,
            "malformed_request",
        ),
        (
            "dry run of a text condition",
            Method::POST,
            "/api/v1/supervision/dry-run".into(),
            Some(&tok),
            Body::Json(json!({"condition": "status"})),
            422,
            "validation_failed",
        ),
        (
            "anomaly action that is not one",
            Method::POST,
            "/api/v1/supervision/anomalies/1/actions".into(),
            Some(&tok),
            Body::Json(json!({"action": "explode"})),
            400,
            "malformed_request",
        ),
        (
            "empty bulk action",
            Method::POST,
            "/api/v1/supervision/anomalies/bulk".into(),
            Some(&tok),
            Body::Json(json!({"ids": [], "action": "dismiss"})),
            422,
            "validation_failed",
        ),
        (
            "silence without a reason",
            Method::POST,
            "/api/v1/supervision/anomalies/1/silence".into(),
            Some(&tok),
            Body::Json(json!({"reason": " ", "until": "2000-01-01T00:00:00Z"})),
            422,
            "validation_failed",
        ),
        (
            "rating out of range",
            Method::POST,
            "/api/v1/evaluations".into(),
            Some(&tok),
            Body::Json(
                json!({"source": "sms", "source_message_id": "x", "rating": 9,
                              "window_id": 1}),
            ),
            422,
            "validation_failed",
        ),
        (
            "rating from an unknown source",
            Method::POST,
            "/api/v1/evaluations".into(),
            Some(&tok),
            Body::Json(json!({"source": "fax", "source_message_id": "x", "rating": 3})),
            400,
            "malformed_request",
        ),
        (
            "comparison without a period",
            Method::GET,
            "/api/v1/supervision/comparison?by=region".into(),
            Some(&tok),
            Body::None,
            400,
            "malformed_request",
        ),
        (
            "order naming neither anomaly nor case",
            Method::POST,
            "/api/v1/supervision/orders".into(),
            Some(&tok),
            Body::Json(json!({"addressee": "李四", "content": "请说明"})),
            422,
            "validation_failed",
        ),
        (
            "anomaly filter of an unknown severity",
            Method::GET,
            "/api/v1/supervision/anomalies?severity=purple".into(),
            Some(&tok),
            Body::None,
            400,
            "malformed_request",
        ),
    ];
    for (what, method, path, token, body, status, code) in cases {
        let (got, problem, ct) = send(&app, method, &path, token, body).await;
        assert_eq!(got, status, "{what}: {problem:#}");
        assert_eq!(problem["code"], code, "{what}: {problem:#}");
        assert_eq!(ct, "application/problem+json", "{what}");
        assert!(
            problem["title"].is_string() && problem["detail"].is_string(),
            "{what}: {problem:#}"
        );
    }
    // The failed requests wrote nothing: no event (and so no change) after them.
    assert_eq!(last_event_id(&app), head_before);
}
on_each_backend!(
    malformed_requests,
    every_malformed_request_gets_its_4xx_and_changes_nothing
);

async fn validation_problems_name_every_field(app: TestApp) {
    let root = app.root_id().await;
    let a = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({"username": "", "display_name": "", "password": "x", "region_id": root}),
        )
        .await;
    a.assert_problem(422, "validation_failed");
    let fields: Vec<&str> = a.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["username", "display_name", "password"]);
    assert_eq!(a.body["title"], "请求数据不合法");
    assert_eq!(a.body["title_en"], "Invalid request data");
    assert!(a.headers.get("x-request-id").is_some());
}
on_each_backend!(validation_fields, validation_problems_name_every_field);

async fn queue_refusals_are_clear_and_change_nothing(app: TestApp) {
    let h = crate::queue::hall_in(&app, "990102", "a", 2).await;
    let (s0, s1) = (h.staff[0].clone(), h.staff[1].clone());
    let (w1, w2, w3) = (h.windows[0], h.windows[1], h.windows[2]);
    let waiting = crate::queue::take(&app, &h, h.area_a, json!({})).await;
    let done = crate::queue::take(&app, &h, h.area_a, json!({})).await;
    crate::queue::sign_in(&app, &s0, w1).await;
    crate::queue::sign_in(&app, &s1, w3).await;
    // Tickets are called oldest first: `waiting` is called and finished, `done` stays waiting.
    let called = app
        .post(&format!("/api/v1/windows/{w1}/call-next"), &s0, json!({}))
        .await;
    assert_eq!(called.body["id"], waiting["id"]);
    for a in ["serve", "finish"] {
        let r = app
            .post(
                &format!("/api/v1/tickets/{}/{a}", waiting["id"]),
                &s0,
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{:#}", r.body);
    }
    let (finished, open) = (
        waiting["id"].as_i64().unwrap(),
        done["id"].as_i64().unwrap(),
    );
    let slot = app
        .post(
            &format!("/api/v1/halls/{}/slots", h.hall),
            &app.admin_token,
            json!({"area_id": h.area_a, "starts_at": "2099-01-01T01:00:00Z",
                   "ends_at": "2099-01-01T02:00:00Z", "capacity": 1}),
        )
        .await;
    assert_eq!(slot.status, 201, "{:#}", slot.body);
    let slot = slot.body["id"].as_i64().unwrap();
    let booked = app
        .post(
            &format!("/api/v1/slots/{slot}/appointments"),
            &h.kiosk,
            json!({"applicant_name": "张三", "id_number": id_number("11010519491231002"),
                   "channel": "app"}),
        )
        .await;
    assert_eq!(booked.status, 201, "{:#}", booked.body);
    let head_before = last_event_id(&app);
    let hall = h.hall;
    let admin = app.admin_token.clone();
    let cases: Vec<Case> = vec![
        (
            "unknown hall",
            Method::POST,
            "/api/v1/halls/999999/tickets".into(),
            Some(h.kiosk.as_str()),
            Body::Json(json!({"area_id": h.area_a, "channel": "kiosk"})),
            404,
            "not_found",
        ),
        (
            "unknown area",
            Method::POST,
            format!("/api/v1/halls/{hall}/tickets"),
            Some(h.kiosk.as_str()),
            Body::Json(json!({"area_id": 999999, "channel": "kiosk"})),
            422,
            "validation_failed",
        ),
        (
            "appointment channel",
            Method::POST,
            format!("/api/v1/halls/{hall}/tickets"),
            Some(h.kiosk.as_str()),
            Body::Json(json!({"area_id": h.area_a, "channel": "appointment"})),
            422,
            "validation_failed",
        ),
        (
            "bad id number",
            Method::POST,
            format!("/api/v1/halls/{hall}/tickets"),
            Some(h.kiosk.as_str()),
            Body::Json(
                json!({"area_id": h.area_a, "channel": "kiosk", "id_number": "11010519491231002A"}),
            ),
            422,
            "validation_failed",
        ),
        (
            "unknown window",
            Method::POST,
            "/api/v1/windows/999999/call-next".into(),
            Some(s0.as_str()),
            Body::None,
            404,
            "not_found",
        ),
        (
            "unknown ticket",
            Method::POST,
            "/api/v1/tickets/999999/serve".into(),
            Some(s0.as_str()),
            Body::None,
            404,
            "not_found",
        ),
        (
            "call where not signed in",
            Method::POST,
            format!("/api/v1/windows/{w2}/call-next"),
            Some(s0.as_str()),
            Body::None,
            409,
            "conflict",
        ),
        (
            "call on an empty queue",
            Method::POST,
            format!("/api/v1/windows/{w3}/call-next"),
            Some(s1.as_str()),
            Body::None,
            409,
            "conflict",
        ),
        (
            "action by staff not signed in at its window",
            Method::POST,
            format!("/api/v1/tickets/{finished}/finish"),
            Some(s1.as_str()),
            Body::Json(json!({})),
            409,
            "conflict",
        ),
        (
            "action on a waiting ticket",
            Method::POST,
            format!("/api/v1/tickets/{open}/serve"),
            Some(s0.as_str()),
            Body::None,
            409,
            "conflict",
        ),
        (
            "double finish",
            Method::POST,
            format!("/api/v1/tickets/{finished}/finish"),
            Some(s0.as_str()),
            Body::Json(json!({})),
            409,
            "conflict",
        ),
        (
            "full slot",
            Method::POST,
            format!("/api/v1/slots/{slot}/appointments"),
            Some(h.kiosk.as_str()),
            Body::Json(json!({"applicant_name": "李四",
             "id_number": id_number("11010519800101003"), "channel": "app"})),
            409,
            "conflict",
        ),
        (
            "unknown slot",
            Method::POST,
            "/api/v1/slots/999999/appointments".into(),
            Some(h.kiosk.as_str()),
            Body::Json(json!({"applicant_name": "李四",
             "id_number": id_number("11010519800101003"), "channel": "app"})),
            404,
            "not_found",
        ),
        (
            "bad settings",
            Method::PUT,
            format!("/api/v1/halls/{hall}/queue/settings"),
            Some(admin.as_str()),
            Body::Json(
                json!({"clear_at_night": true, "max_misses": 0, "appointment_boost_minutes": 30,
             "default_service_minutes": 10, "priority_classes": []}),
            ),
            422,
            "validation_failed",
        ),
        (
            "unknown item for a window",
            Method::PUT,
            format!("/api/v1/windows/{w1}/items"),
            Some(admin.as_str()),
            Body::Json(json!({"item_codes": ["nope"]})),
            422,
            "validation_failed",
        ),
        (
            "sign out where not signed in",
            Method::POST,
            format!("/api/v1/windows/{w2}/sign-out"),
            Some(s0.as_str()),
            Body::None,
            409,
            "conflict",
        ),
        (
            "slot ending before it starts",
            Method::POST,
            format!("/api/v1/halls/{hall}/slots"),
            Some(admin.as_str()),
            Body::Json(
                json!({"area_id": h.area_a, "starts_at": "2099-01-01T02:00:00Z",
             "ends_at": "2099-01-01T01:00:00Z", "capacity": 1}),
            ),
            422,
            "validation_failed",
        ),
    ];
    for (what, method, path, token, body, status, code) in cases {
        let (got, problem, ct) = send(&app, method, &path, token, body).await;
        assert_eq!(got, status, "{what}: {problem:#}");
        assert_eq!(problem["code"], code, "{what}: {problem:#}");
        assert_eq!(ct, "application/problem+json", "{what}");
        assert!(problem["detail"].is_string(), "{what}: {problem:#}");
    }
    assert_eq!(last_event_id(&app), head_before);
    let still = app.get(&format!("/api/v1/tickets/{open}"), &s0).await;
    assert_eq!(still.body["status"], "waiting");
    let f = app.get(&format!("/api/v1/tickets/{finished}"), &s0).await;
    assert_eq!(f.body["status"], "finished");
}
on_each_backend!(queue_refusals, queue_refusals_are_clear_and_change_nothing);
