//! Reading and changing a user: the answer carries the roles they hold.

use reqwest::Method;
use serde_json::json;
use yiwang_tests::{TestApp, on_each_backend};

async fn a_user_is_answered_with_the_roles_they_hold(app: TestApp) {
    let root = app.root_id().await;
    let created = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({"username": "roleless", "display_name": "无角色", "password": "long-enough-pw",
                   "region_id": root, "phone": "13800138000"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/users/{id}");

    let none = app.get(&path, &app.admin_token).await;
    assert_eq!(none.status, 200, "{:#}", none.body);
    assert_eq!(
        none.body["roles"],
        json!([]),
        "a user without roles is still found"
    );
    assert_eq!(none.body["phone"], "138****8000");

    for (role, kind, scope) in [("operator", "own", None), ("auditor", "region", Some(root))] {
        let g = app
            .post(
                &format!("{path}/roles"),
                &app.admin_token,
                json!({"role": role, "scope_kind": kind, "scope_id": scope}),
            )
            .await;
        assert_eq!(g.status, 201, "{:#}", g.body);
    }
    let two = app.get(&path, &app.admin_token).await;
    assert_eq!(two.status, 200);
    let held: Vec<(String, String)> = two.body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["role"].as_str().unwrap().to_owned(),
                r["scope_kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        held,
        [
            ("operator".to_owned(), "own".to_owned()),
            ("auditor".to_owned(), "region".to_owned())
        ],
        "in the order granted"
    );
    assert_eq!(two.body["roles"][1]["scope_id"], root);

    let changed = app
        .call(
            Method::PATCH,
            &path,
            Some(&app.admin_token),
            Some(json!({"display_name": "两个角色"})),
        )
        .await;
    assert_eq!(changed.status, 200, "{:#}", changed.body);
    assert_eq!(changed.body["display_name"], "两个角色");
    assert_eq!(changed.body["roles"], two.body["roles"]);

    app.get("/api/v1/users/999999", &app.admin_token)
        .await
        .assert_problem(404, "not_found");
}
on_each_backend!(
    user_roles_in_answers,
    a_user_is_answered_with_the_roles_they_hold
);
