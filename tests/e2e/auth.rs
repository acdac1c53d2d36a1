//! Login, sessions, lock-out, token expiry and revocation, single sign-on.

use reqwest::Method;
use serde_json::json;
use yiwang_tests::{ADMIN_PASSWORD, Backend, TestApp, on_each_backend};

async fn login_answers_a_token_and_the_callers_profile(app: TestApp) {
    let a = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "admin", "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(a.status, 200);
    assert!(a.body["token"].as_str().unwrap().starts_with("yw_"));
    assert!(a.body["expires_at"].is_string());
    assert_eq!(a.body["user"]["username"], "admin");
    let perms = a.body["user"]["permissions"].as_array().unwrap();
    assert!(perms.iter().any(|p| p == "user.manage"));
    let me = app
        .get("/api/v1/auth/me", a.body["token"].as_str().unwrap())
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["roles"][0]["role"], "admin");
}
on_each_backend!(
    login_answers_a_token,
    login_answers_a_token_and_the_callers_profile
);

async fn wrong_passwords_and_unknown_users_get_the_same_401(app: TestApp) {
    let wrong = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "admin", "password": "nope-nope"})),
        )
        .await;
    wrong.assert_problem(401, "unauthorized");
    let unknown = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "ghost", "password": "nope-nope"})),
        )
        .await;
    unknown.assert_problem(401, "unauthorized");
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
}
on_each_backend!(
    wrong_credentials_401,
    wrong_passwords_and_unknown_users_get_the_same_401
);

async fn repeated_failures_lock_the_account_until_unlocked(app: TestApp) {
    let root = app.root_id().await;
    let (id, _) = app
        .user_with_role("clerk", root, None, "operator", ("region", Some(root)))
        .await;
    for _ in 0..5 {
        let a = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "clerk", "password": "wrong-password"})),
            )
            .await;
        a.assert_problem(401, "unauthorized");
    }
    let locked = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "clerk", "password": "clerk-password"})),
        )
        .await;
    locked.assert_problem(429, "too_many_requests");
    assert!(locked.headers.get("retry-after").is_some());
    let u = app
        .get(&format!("/api/v1/users/{id}"), &app.admin_token)
        .await;
    assert_eq!(u.body["locked"], true);
    let unlock = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&app.admin_token),
            Some(json!({"unlock": true})),
        )
        .await;
    assert_eq!(unlock.status, 200, "{:#}", unlock.body);
    app.login("clerk", "clerk-password").await;
}
on_each_backend!(
    lockout_after_failures,
    repeated_failures_lock_the_account_until_unlocked
);

async fn a_session_expires_with_the_clock(app: TestApp) {
    let token = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(app.get("/api/v1/auth/me", &token).await.status, 200);
    app.clock.advance(13 * 3_600_000);
    app.get("/api/v1/auth/me", &token)
        .await
        .assert_problem(401, "unauthorized");
}
on_each_backend!(session_expiry, a_session_expires_with_the_clock);

async fn logout_and_revocation_take_effect_at_once(app: TestApp) {
    let token = app.login("admin", ADMIN_PASSWORD).await;
    let out = app
        .call(Method::POST, "/api/v1/auth/logout", Some(&token), None)
        .await;
    assert_eq!(out.status, 204);
    app.get("/api/v1/auth/me", &token)
        .await
        .assert_problem(401, "unauthorized");

    let root = app.root_id().await;
    let (uid, _) = app
        .user_with_role("feed", root, None, "integration", ("region", Some(root)))
        .await;
    let issued = app
        .post(
            "/api/v1/tokens",
            &app.admin_token,
            json!({"kind": "api_key", "user_id": uid, "name": "12345 hotline"}),
        )
        .await;
    assert_eq!(issued.status, 201, "{:#}", issued.body);
    let key = issued.body["token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/events", &key).await.status, 200);
    let listed = app
        .get(&format!("/api/v1/users/{uid}/tokens"), &app.admin_token)
        .await;
    assert!(
        listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("token").is_none())
    );
    let tid = issued.body["info"]["id"].as_i64().unwrap();
    let revoked = app
        .call(
            Method::DELETE,
            &format!("/api/v1/tokens/{tid}"),
            Some(&app.admin_token),
            None,
        )
        .await;
    assert_eq!(revoked.status, 200);
    app.get("/api/v1/events", &key)
        .await
        .assert_problem(401, "unauthorized");
    let again = app
        .call(
            Method::DELETE,
            &format!("/api/v1/tokens/{tid}"),
            Some(&app.admin_token),
            None,
        )
        .await;
    again.assert_problem(409, "conflict");
}
on_each_backend!(
    logout_and_revocation,
    logout_and_revocation_take_effect_at_once
);

async fn a_disabled_user_loses_access(app: TestApp) {
    let root = app.root_id().await;
    let (id, token) = app
        .user_with_role("leaver", root, None, "operator", ("region", Some(root)))
        .await;
    let a = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&app.admin_token),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(a.status, 200);
    app.get("/api/v1/auth/me", &token)
        .await
        .assert_problem(401, "unauthorized");
}
on_each_backend!(disabled_user, a_disabled_user_loses_access);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trusted_header_sso_is_believed_only_from_the_proxy_with_its_secret() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.auth.trusted_header.enabled = true;
        c.auth.trusted_header.secret = Some(yiwang_core::config::Secret(
            "proxy-secret".to_owned().into(),
        ));
    })
    .await;
    let me = |secret: Option<&'static str>| {
        let mut r = app
            .client
            .get(app.url("/api/v1/auth/me"))
            .header("X-Yiwang-User", "admin");
        if let Some(s) = secret {
            r = r.header("X-Yiwang-Proxy-Secret", s);
        }
        r.send()
    };
    let ok = me(Some("proxy-secret")).await.unwrap();
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(body["username"], "admin");
    assert_eq!(me(Some("guess")).await.unwrap().status(), 401);
    assert_eq!(me(None).await.unwrap().status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sso_header_is_ignored_when_sso_is_off() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let r = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("X-Yiwang-User", "admin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
