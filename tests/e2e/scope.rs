//! Data scope: a user of county A never reads or changes county B's records.

use reqwest::Method;
use serde_json::{Value, json};
use yiwang_tests::{TestApp, on_each_backend};

struct Two {
    a: i64,
    b: i64,
    dep_a: i64,
    dep_b: i64,
    hall_b: i64,
    user_b: i64,
}

async fn two_counties(app: &TestApp) -> Two {
    let root = app.root_id().await;
    let a = app.region("990102", "甲区", "county", root).await;
    let b = app.region("990121", "乙县", "county", root).await;
    let dep = |region: i64, code: &'static str| async move {
        let d = app
            .post(
                "/api/v1/departments",
                &app.admin_token,
                json!({"region_id": region, "code": code, "name": "市场监督管理局"}),
            )
            .await;
        assert_eq!(d.status, 201, "{:#}", d.body);
        d.body["id"].as_i64().unwrap()
    };
    let dep_a = dep(a, "SCJ").await;
    let dep_b = dep(b, "SCJ").await;
    let hall = |region: i64| async move {
        let h = app
            .post(
                "/api/v1/halls",
                &app.admin_token,
                json!({"region_id": region, "name": "政务服务中心", "address": "人民路1号"}),
            )
            .await;
        assert_eq!(h.status, 201, "{:#}", h.body);
        h.body["id"].as_i64().unwrap()
    };
    hall(a).await;
    let hall_b = hall(b).await;
    let (user_b, _) = app
        .user_with_role(
            "b_staff",
            b,
            Some(dep_b),
            "window_staff",
            ("department", Some(dep_b)),
        )
        .await;
    Two {
        a,
        b,
        dep_a,
        dep_b,
        hall_b,
        user_b,
    }
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

async fn a_county_admin_sees_and_changes_only_their_county(app: TestApp) {
    let t = two_counties(&app).await;
    let (_, tok) = app
        .user_with_role("a_admin", t.a, None, "admin", ("region", Some(t.a)))
        .await;

    assert_eq!(
        app.get(&format!("/api/v1/regions/{}", t.a), &tok)
            .await
            .status,
        200
    );
    app.get(&format!("/api/v1/regions/{}", t.b), &tok)
        .await
        .assert_problem(404, "not_found");
    let regions = ids(&app.get("/api/v1/regions", &tok).await.body);
    assert_eq!(regions, vec![t.a]);

    app.get(&format!("/api/v1/departments/{}", t.dep_b), &tok)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        ids(&app.get("/api/v1/departments", &tok).await.body),
        vec![t.dep_a]
    );

    app.get(&format!("/api/v1/halls/{}", t.hall_b), &tok)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/halls/{}/windows", t.hall_b), &tok)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/halls/{}/areas", t.hall_b), &tok)
        .await
        .assert_problem(404, "not_found");
    let halls = app.get("/api/v1/halls", &tok).await;
    assert_eq!(halls.body["items"].as_array().unwrap().len(), 1);
    app.post(
        &format!("/api/v1/halls/{}/windows", t.hall_b),
        &tok,
        json!({"number": "9", "name": "x"}),
    )
    .await
    .assert_problem(404, "not_found");

    app.get(&format!("/api/v1/users/{}", t.user_b), &tok)
        .await
        .assert_problem(404, "not_found");
    let users = app.get("/api/v1/users", &tok).await;
    assert!(!ids(&users.body).contains(&t.user_b));
    app.get(&format!("/api/v1/users/{}/tokens", t.user_b), &tok)
        .await
        .assert_problem(404, "not_found");

    app.post("/api/v1/users", &tok, json!({"username": "intruder", "display_name": "x", "password": "long-enough-pw", "region_id": t.b}))
        .await
        .assert_problem(403, "forbidden");
    app.post(
        "/api/v1/departments",
        &tok,
        json!({"region_id": t.b, "code": "X", "name": "x"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        "/api/v1/regions",
        &tok,
        json!({"code": "990121001", "name": "x", "level": "town", "parent_id": t.b}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{}", t.user_b),
        Some(&tok),
        Some(json!({"active": false})),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        &format!("/api/v1/users/{}/roles", t.user_b),
        &tok,
        json!({"role": "operator", "scope_kind": "own", "scope_id": null}),
    )
    .await
    .assert_problem(403, "forbidden");

    // Nobody grants more than they hold: A's admin cannot hand out rights over B.
    let (mine, _) = app
        .user_with_role("a_clerk", t.a, None, "operator", ("region", Some(t.a)))
        .await;
    app.post(
        &format!("/api/v1/users/{mine}/roles"),
        &tok,
        json!({"role": "operator", "scope_kind": "region", "scope_id": t.b}),
    )
    .await
    .assert_problem(403, "forbidden");

    let events = app.get("/api/v1/events?limit=500", &tok).await;
    assert_eq!(events.status, 200);
    for e in events.body["items"].as_array().unwrap() {
        assert_ne!(e["region_id"].as_i64(), Some(t.b), "saw B's event {e}");
        assert_ne!(
            e["entity_id"].as_i64(),
            Some(t.user_b).filter(|_| e["entity"] == "user")
        );
    }
    let audit = app.get("/api/v1/audit?limit=500", &tok).await;
    assert_eq!(audit.status, 200);
    for e in audit.body["items"].as_array().unwrap() {
        assert_eq!(e["region_id"].as_i64(), Some(t.a), "saw audit entry {e}");
    }

    // The root admin still sees both.
    let all = ids(&app.get("/api/v1/regions", &app.admin_token).await.body);
    assert!(all.contains(&t.a) && all.contains(&t.b));
}
on_each_backend!(
    county_isolation,
    a_county_admin_sees_and_changes_only_their_county
);

async fn department_and_own_scopes_narrow_further(app: TestApp) {
    let t = two_counties(&app).await;
    let (_, dep_tok) = app
        .user_with_role(
            "dep_reader",
            t.b,
            Some(t.dep_b),
            "auditor",
            ("department", Some(t.dep_b)),
        )
        .await;
    // Department scope: users of that department, not the rest of the county.
    let users = ids(&app.get("/api/v1/users", &dep_tok).await.body);
    assert!(users.contains(&t.user_b));
    let (other, _) = app
        .user_with_role("b_other", t.b, None, "operator", ("own", None))
        .await;
    let users = ids(&app.get("/api/v1/users", &dep_tok).await.body);
    assert!(!users.contains(&other));

    // Own scope: only oneself.
    let (me, own_tok) = app
        .user_with_role("self_only", t.a, None, "auditor", ("own", None))
        .await;
    assert_eq!(
        ids(&app.get("/api/v1/users", &own_tok).await.body),
        vec![me]
    );
    assert_eq!(
        app.get(&format!("/api/v1/users/{me}"), &own_tok)
            .await
            .status,
        200
    );
    app.get(&format!("/api/v1/users/{}", t.user_b), &own_tok)
        .await
        .assert_problem(404, "not_found");
    // Without the permission at all: forbidden, not an empty list.
    let (_, staff) = app
        .user_with_role("plain", t.a, None, "device", ("region", Some(t.a)))
        .await;
    app.get("/api/v1/events", &staff)
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/modules", &staff)
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/roles", &staff)
        .await
        .assert_problem(403, "forbidden");
}
on_each_backend!(
    department_and_own_scopes,
    department_and_own_scopes_narrow_further
);

async fn modules_are_granted_to_roles_and_users(app: TestApp) {
    let root = app.root_id().await;
    let m = app
        .post(
            "/api/v1/modules",
            &app.admin_token,
            json!({"code": "supervision.alerts", "name": "预警处置", "description": "告警分拣"}),
        )
        .await;
    assert_eq!(m.status, 201, "{:#}", m.body);
    let mid = m.body["id"].as_i64().unwrap();
    let g = app
        .post(
            &format!("/api/v1/modules/{mid}/grants"),
            &app.admin_token,
            json!({"role": "supervisor"}),
        )
        .await;
    assert_eq!(g.status, 201, "{:#}", g.body);
    let (_, sup) = app
        .user_with_role("sup", root, None, "supervisor", ("region", Some(root)))
        .await;
    let me = app.get("/api/v1/auth/me", &sup).await;
    assert_eq!(me.body["modules"], json!(["supervision.alerts"]));
    let (uid, op) = app
        .user_with_role("op", root, None, "operator", ("region", Some(root)))
        .await;
    assert_eq!(
        app.get("/api/v1/auth/me", &op).await.body["modules"],
        json!([])
    );
    let g = app
        .post(
            &format!("/api/v1/modules/{mid}/grants"),
            &app.admin_token,
            json!({"user_id": uid}),
        )
        .await;
    assert_eq!(g.status, 201);
    assert_eq!(
        app.get("/api/v1/auth/me", &op).await.body["modules"],
        json!(["supervision.alerts"])
    );
    app.post(
        &format!("/api/v1/modules/{mid}/grants"),
        &app.admin_token,
        json!({"user_id": uid, "role": "operator"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(
        "/api/v1/modules",
        &op,
        json!({"code": "x", "name": "x", "description": ""}),
    )
    .await
    .assert_problem(403, "forbidden");
}
on_each_backend!(module_grants, modules_are_granted_to_roles_and_users);

async fn supervision_needs_its_permissions(app: TestApp) {
    let t = two_counties(&app).await;
    let (_, device) = app
        .user_with_role("kiosk", t.a, None, "device", ("region", Some(t.a)))
        .await;
    let (_, staff) = app
        .user_with_role("staff", t.a, None, "window_staff", ("region", Some(t.a)))
        .await;
    let (_, auditor) = app
        .user_with_role("aud", t.b, None, "auditor", ("region", Some(t.b)))
        .await;
    let rule = json!({"code": "r", "name": "r", "kind": "process", "severity": "red",
                      "condition": "terminated"});
    // Without supervision.read: no anomalies, rules or dry runs at all.
    for path in ["/api/v1/supervision/anomalies", "/api/v1/supervision/rules"] {
        app.get(path, &device)
            .await
            .assert_problem(403, "forbidden");
    }
    app.post(
        "/api/v1/supervision/dry-run",
        &device,
        json!({"condition": "open"}),
    )
    .await
    .assert_problem(403, "forbidden");
    // Window staff and auditors cannot write rules or re-scan; auditors read them.
    for tok in [&staff, &auditor] {
        app.post("/api/v1/supervision/rules", tok, rule.clone())
            .await
            .assert_problem(403, "forbidden");
        app.post("/api/v1/supervision/scan", tok, json!({}))
            .await
            .assert_problem(403, "forbidden");
    }
    let rules = app.get("/api/v1/supervision/rules", &auditor).await;
    assert_eq!(rules.status, 200, "{:#}", rules.body);
    assert!(!rules.body.as_array().unwrap().is_empty());
    let anomalies = app.get("/api/v1/supervision/anomalies", &auditor).await;
    assert_eq!(anomalies.status, 200, "{:#}", anomalies.body);
}
on_each_backend!(supervision_permissions, supervision_needs_its_permissions);
async fn window_staff_of_one_county_never_touch_another_countys_queue(app: TestApp) {
    let h = crate::queue::hall_in(&app, "990102", "a", 1).await;
    let t = crate::queue::take(&app, &h, h.area_a, json!({})).await;
    crate::queue::sign_in(&app, &h.staff[0], h.windows[0]).await;
    let root = app.root_id().await;
    let b = app.region("990121", "乙县", "county", root).await;
    let (_, staff_b) = app
        .user_with_role("b_staff", b, None, "window_staff", ("region", Some(b)))
        .await;
    let w = h.windows[0];
    for (method, path) in [
        (Method::POST, format!("/api/v1/windows/{w}/sign-in")),
        (Method::POST, format!("/api/v1/windows/{w}/call-next")),
        (Method::POST, format!("/api/v1/tickets/{}/recall", t["id"])),
        (Method::GET, format!("/api/v1/tickets/{}", t["id"])),
        (Method::GET, format!("/api/v1/halls/{}/queue", h.hall)),
        (Method::GET, format!("/api/v1/halls/{}/tickets", h.hall)),
        (
            Method::GET,
            format!("/api/v1/halls/{}/queue/settings", h.hall),
        ),
        (Method::POST, format!("/api/v1/halls/{}/tickets", h.hall)),
    ] {
        let body =
            (method == Method::POST).then(|| json!({"area_id": h.area_a, "channel": "kiosk"}));
        app.call(method.clone(), &path, Some(&staff_b), body)
            .await
            .assert_problem(404, "not_found");
    }
    // A kiosk of county A takes tickets there but cannot serve at a window.
    app.post(
        &format!("/api/v1/windows/{w}/call-next"),
        &h.kiosk,
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    // County B's staff see none of A's queue events.
    let events = app.get("/api/v1/events?limit=500", &staff_b).await;
    assert_eq!(events.status, 200);
    assert!(
        events.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["entity"] != "ticket" && e["entity"] != "window"),
        "{:#}",
        events.body
    );
}
on_each_backend!(
    queue_scope,
    window_staff_of_one_county_never_touch_another_countys_queue
);

async fn devices_follow_their_halls_scope(app: TestApp) {
    let t = two_counties(&app).await;
    let w = app
        .post(
            &format!("/api/v1/halls/{}/windows", t.hall_b),
            &app.admin_token,
            json!({"number": "1", "name": "1号窗口", "department_id": t.dep_b}),
        )
        .await;
    let window_b = w.body["id"].as_i64().unwrap();
    let reg = app
        .post(
            "/api/v1/devices",
            &app.admin_token,
            json!({"hall_id": t.hall_b, "window_id": window_b, "kind": "tablet", "name": "平板"}),
        )
        .await;
    assert_eq!(reg.status, 201, "{:#}", reg.body);
    let dev_b = reg.body["device"]["id"].as_i64().unwrap();
    let board = app
        .post(
            "/api/v1/devices",
            &app.admin_token,
            json!({"hall_id": t.hall_b, "kind": "led_board", "name": "综合屏"}),
        )
        .await;
    let board_b = board.body["device"]["id"].as_i64().unwrap();
    let reboot = json!({"command": {"kind": "reboot"}});

    // County A's operator: B's devices do not exist for them.
    let (_, op_a) = app
        .user_with_role("a_operator", t.a, None, "operator", ("region", Some(t.a)))
        .await;
    app.get(&format!("/api/v1/devices/{dev_b}"), &op_a)
        .await
        .assert_problem(404, "not_found");
    let listed = app.get("/api/v1/devices", &op_a).await;
    assert_eq!(listed.body["items"], json!([]), "{:#}", listed.body);
    for path in [
        format!("/api/v1/devices/{dev_b}/commands"),
        format!("/api/v1/devices/{dev_b}/disable"),
        format!("/api/v1/devices/{dev_b}/token"),
    ] {
        app.post(&path, &op_a, reboot.clone())
            .await
            .assert_problem(404, "not_found");
    }
    app.post(
        "/api/v1/devices",
        &op_a,
        json!({"hall_id": t.hall_b, "kind": "kiosk", "name": "x"}),
    )
    .await
    .assert_problem(404, "not_found");

    // County B's supervisor reads but may not command or manage.
    let (_, sup_b) = app
        .user_with_role(
            "b_supervisor",
            t.b,
            None,
            "supervisor",
            ("region", Some(t.b)),
        )
        .await;
    assert_eq!(
        app.get(&format!("/api/v1/devices/{dev_b}"), &sup_b)
            .await
            .status,
        200
    );
    app.post(
        &format!("/api/v1/devices/{dev_b}/commands"),
        &sup_b,
        reboot.clone(),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        &format!("/api/v1/devices/{dev_b}/retire"),
        &sup_b,
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");

    // Window staff of B's department reach their window's tablet, not the hall's board.
    let staff = app.login("b_staff", "b_staff-password").await;
    let sent = app
        .post(
            &format!("/api/v1/devices/{dev_b}/commands"),
            &staff,
            reboot.clone(),
        )
        .await;
    assert_eq!(sent.status, 201, "{:#}", sent.body);
    app.post(
        &format!("/api/v1/devices/{board_b}/commands"),
        &staff,
        reboot,
    )
    .await
    .assert_problem(404, "not_found");
    let mine = app.get("/api/v1/devices", &staff).await;
    let ids: Vec<i64> = mine.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![dev_b]);
}
on_each_backend!(device_scope, devices_follow_their_halls_scope);
