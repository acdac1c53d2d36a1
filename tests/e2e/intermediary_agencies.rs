//! An agency's own staff in the intermediary market (issue #8): bound to their agency by the
//! registry's keeper, they see the projects open to it and its own, bid, accept the contract,
//! deliver into the case and see their evaluation and credit, and never another agency's data.
//! And the poster's cancellation of a project before delivery.

use serde_json::{Value, json};
use yiwang_tests::{TestApp, on_each_backend};

use crate::intermediaries::{
    AGENCIES, HOUR_MS, PROJECTS, act, agency, market, post_project, register,
};

const AGENCY: &str = "/api/v1/agency";

async fn agent(app: &TestApp, username: &str, region: i64) -> (i64, String) {
    app.user_with_role(username, region, None, "intermediary_agency", ("own", None))
        .await
}

fn bid_agencies(p: &Value) -> Vec<i64> {
    p["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["intermediary_id"].as_i64().unwrap())
        .collect()
}

fn detail(v: &yiwang_tests::Answer) -> String {
    v.body["detail"].as_str().unwrap_or_default().to_owned()
}

async fn agency_logins(app: TestApp) {
    let m = market(&app).await;
    let root = app.root_id().await;
    let a = register(
        &app,
        &m.bureau,
        agency("91350100MA2XY00017", "甲勘察院", root, "2099-12-31"),
    )
    .await;
    let b = register(
        &app,
        &m.bureau,
        agency("91350100MA2XY0002A", "乙勘察院", root, "2099-12-31"),
    )
    .await;
    let (agent_a, token_a) = agent(&app, "agent_a", root).await;
    let (agent_b, token_b) = agent(&app, "agent_b", root).await;

    // Unbound, the role alone shows nothing.
    app.get(AGENCY, &token_a)
        .await
        .assert_problem(403, "forbidden");
    // Binding is the registry keeper's: the county bureau does not keep a city agency, window
    // staff keep nothing; a missing user is refused; a user serves one agency.
    let logins = format!("{AGENCIES}/{a}/logins");
    app.post(&logins, &m.county_bureau, json!({"user_id": agent_a}))
        .await
        .assert_problem(403, "forbidden");
    app.post(&logins, &m.staff, json!({"user_id": agent_a}))
        .await
        .assert_problem(403, "forbidden");
    app.post(&logins, &m.bureau, json!({"user_id": 999_999}))
        .await
        .assert_problem(422, "validation_failed");
    // Who selects agencies does not act for one.
    let (clerk, _) = app
        .user_with_role("clerk", root, None, "window_staff", ("region", Some(root)))
        .await;
    app.post(&logins, &m.bureau, json!({"user_id": clerk}))
        .await
        .assert_problem(409, "conflict");
    let bound = app
        .post(&logins, &m.bureau, json!({"user_id": agent_a}))
        .await;
    assert_eq!(bound.status, 201, "{:#}", bound.body);
    assert_eq!(bound.body["username"], "agent_a");
    app.post(&logins, &m.bureau, json!({"user_id": agent_a}))
        .await
        .assert_problem(409, "conflict");
    let bound_b = app
        .post(
            &format!("{AGENCIES}/{b}/logins"),
            &m.bureau,
            json!({"user_id": agent_b}),
        )
        .await;
    assert_eq!(bound_b.status, 201, "{:#}", bound_b.body);
    let listed = app.get(&logins, &m.bureau).await;
    assert_eq!(listed.status, 200, "{:#}", listed.body);
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(listed.body[0]["user_id"], agent_a);

    // The agency's staff do not read the market as the government does.
    app.get(PROJECTS, &token_a)
        .await
        .assert_problem(403, "forbidden");
    app.get(AGENCIES, &token_a)
        .await
        .assert_problem(403, "forbidden");
    let me = app.get(AGENCY, &token_a).await;
    assert_eq!(me.status, 200, "{:#}", me.body);
    assert_eq!(me.body["id"], a);

    // A lowest-price project is open to both; each sees its own bid only.
    let id = post_project(&app, &m, "lowest_price").await;
    let open = app.get(&format!("{AGENCY}/projects"), &token_a).await;
    assert_eq!(open.status, 200, "{:#}", open.body);
    assert_eq!(open.body["items"][0]["id"], id);
    let bid = format!("{AGENCY}/projects/{id}/bids");
    app.post(&bid, &token_a, json!({"price_fen": 20_000_000}))
        .await
        .assert_problem(422, "validation_failed");
    let p = act(&app, &token_a, &bid, json!({"price_fen": 4_000_000})).await;
    assert_eq!(bid_agencies(&p), [a]);
    let p = act(&app, &token_b, &bid, json!({"price_fen": 5_000_000})).await;
    assert_eq!(bid_agencies(&p), [b]);
    app.post(&bid, &token_a, json!({"price_fen": 3_000_000}))
        .await
        .assert_problem(409, "conflict");
    let seen = app.get(&format!("{AGENCY}/projects/{id}"), &token_a).await;
    assert_eq!(bid_agencies(&seen.body), [a]);
    let all = app.get(&format!("{PROJECTS}/{id}"), &m.staff).await;
    assert_eq!(bid_agencies(&all.body), [a, b]);
    let audit = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    let entry = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "intermediary_project.bid" && e["actor"] == "agent_a")
        .cloned();
    assert!(entry.is_some(), "{:#}", audit.body);

    // The cheapest bid wins; the loser no longer sees the project.
    app.clock.advance(2 * HOUR_MS);
    let p = act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{id}/select"),
        json!({}),
    )
    .await;
    assert_eq!(p["intermediary_id"], a);
    app.get(&format!("{AGENCY}/projects/{id}"), &token_b)
        .await
        .assert_problem(404, "not_found");
    let theirs = app.get(&format!("{AGENCY}/projects"), &token_b).await;
    assert_eq!(theirs.body["items"].as_array().unwrap().len(), 0);

    // Accept only a signed contract, deliver only an accepted one, and only the winner.
    let accept = format!("{AGENCY}/projects/{id}/accept");
    let deliver = format!("{AGENCY}/projects/{id}/deliver");
    let early = app.post(&accept, &token_a, json!({})).await;
    early.assert_problem(409, "conflict");
    assert!(
        detail(&early).contains("allowed now: contract, cancel"),
        "{:#}",
        early.body
    );
    act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{id}/contract"),
        json!({"service_days": 5}),
    )
    .await;
    app.post(&deliver, &token_a, json!({"material": "岩土工程勘察报告"}))
        .await
        .assert_problem(409, "conflict");
    app.post(&accept, &token_b, json!({}))
        .await
        .assert_problem(404, "not_found");
    let p = act(&app, &token_a, &accept, json!({})).await;
    assert!(p["accepted_at"].is_string(), "{p:#}");
    app.post(&accept, &token_a, json!({}))
        .await
        .assert_problem(409, "conflict");
    let p = act(
        &app,
        &token_a,
        &deliver,
        json!({"material": "岩土工程勘察报告", "note": "报告已盖章"}),
    )
    .await;
    assert_eq!(p["status"], "delivered");
    let case = app
        .get(&format!("/api/v1/cases/{}", m.case_id), &m.staff)
        .await;
    let materials = case.body["materials"].as_array().unwrap();
    assert!(
        materials.iter().any(|x| x == "岩土工程勘察报告"),
        "{materials:?}"
    );

    // The poster's evaluation and the credit it makes are the agency's to see.
    act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{id}/evaluate"),
        json!({"score": 4, "comment": "报告规范"}),
    )
    .await;
    let mine = app
        .get(&format!("{AGENCY}/projects?status=evaluated"), &token_a)
        .await;
    assert_eq!(mine.body["items"][0]["evaluation_score"], 4);
    assert_eq!(mine.body["items"][0]["evaluation_comment"], "报告规范");
    let me = app.get(AGENCY, &token_a).await;
    assert_eq!(me.body["credit"]["public_rating"], 4.0);
    let other = app.get(AGENCY, &token_b).await;
    assert_eq!(other.body["id"], b);
    assert!(other.body["credit"]["public_rating"].is_null());

    // Unbinding is the registry keeper's too, and takes effect at the login's next request;
    // the user may then be bound again, to another agency.
    let unbind = format!("{logins}/{agent_a}");
    app.delete(&unbind, &m.county_bureau)
        .await
        .assert_problem(403, "forbidden");
    app.delete(&format!("{AGENCIES}/{b}/logins/{agent_a}"), &m.bureau)
        .await
        .assert_problem(404, "not_found");
    let gone = app.delete(&unbind, &m.bureau).await;
    assert_eq!(gone.status, 204, "{:#}", gone.body);
    app.get(AGENCY, &token_a)
        .await
        .assert_problem(403, "forbidden");
    app.delete(&unbind, &m.bureau)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        app.get(&logins, &m.bureau)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let rebound = app
        .post(
            &format!("{AGENCIES}/{b}/logins"),
            &m.bureau,
            json!({"user_id": agent_a}),
        )
        .await;
    assert_eq!(rebound.status, 201, "{:#}", rebound.body);
    let audit = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    assert!(
        audit.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "intermediary.unbind_login" && e["entity_id"] == a),
        "the unbinding is audited"
    );
}
on_each_backend!(
    an_agency_login_bids_accepts_delivers_and_sees_only_its_own,
    agency_logins
);

async fn cancellation(app: TestApp) {
    let m = market(&app).await;
    let root = app.root_id().await;
    let good = register(
        &app,
        &m.bureau,
        agency("91350100MA2XY00017", "甲勘察院", root, "2099-12-31"),
    )
    .await;
    let id = post_project(&app, &m, "direct").await;
    act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{id}/select"),
        json!({"intermediary_id": good}),
    )
    .await;
    act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{id}/contract"),
        json!({"price_fen": 3_000_000, "service_days": 5}),
    )
    .await;
    let cancel = format!("{PROJECTS}/{id}/cancel");
    app.post(&cancel, &m.staff_b, json!({"reason": "x"}))
        .await
        .assert_problem(404, "not_found");
    app.post(&cancel, &m.staff, json!({"reason": "  "}))
        .await
        .assert_problem(422, "validation_failed");
    let p = act(&app, &m.staff, &cancel, json!({"reason": "申请人撤回申请"})).await;
    assert_eq!(p["status"], "cancelled");
    assert_eq!(p["cancel_reason"], "申请人撤回申请");
    assert!(p["cancelled_at"].is_string(), "{p:#}");
    for (step, body) in [
        ("deliver", json!({"material": "岩土工程勘察报告"})),
        ("select", json!({"intermediary_id": good})),
        ("cancel", json!({"reason": "again"})),
        ("evaluate", json!({"score": 5})),
    ] {
        let r = app
            .post(&format!("{PROJECTS}/{id}/{step}"), &m.staff, body)
            .await;
        r.assert_problem(409, "conflict");
        assert!(
            detail(&r).contains("nothing more can be done"),
            "{step}: {:#}",
            r.body
        );
    }
    // The case did not get the material.
    let case = app
        .get(&format!("/api/v1/cases/{}", m.case_id), &m.staff)
        .await;
    assert!(
        !case.body["materials"]
            .to_string()
            .contains("岩土工程勘察报告")
    );

    // An open lowest-price project cancelled takes no bid.
    let open = post_project(&app, &m, "lowest_price").await;
    act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{open}/cancel"),
        json!({"reason": "项目取消"}),
    )
    .await;
    app.post(
        &format!("{PROJECTS}/{open}/bids"),
        &m.staff,
        json!({"intermediary_id": good, "price_fen": 1_000_000}),
    )
    .await
    .assert_problem(409, "conflict");
    let cancelled = app
        .get(&format!("{PROJECTS}?status=cancelled"), &m.staff)
        .await;
    assert_eq!(cancelled.body["items"].as_array().unwrap().len(), 2);

    // A delivered project is past cancelling.
    let done = post_project(&app, &m, "direct").await;
    act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{done}/select"),
        json!({"intermediary_id": good}),
    )
    .await;
    act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{done}/contract"),
        json!({"price_fen": 3_000_000, "service_days": 5}),
    )
    .await;
    act(
        &app,
        &m.staff,
        &format!("{PROJECTS}/{done}/deliver"),
        json!({"material": "岩土工程勘察报告"}),
    )
    .await;
    let r = app
        .post(
            &format!("{PROJECTS}/{done}/cancel"),
            &m.staff,
            json!({"reason": "x"}),
        )
        .await;
    r.assert_problem(409, "conflict");
    assert!(detail(&r).contains("allowed now: evaluate"), "{:#}", r.body);

    let events = app.get("/api/v1/events?limit=500", &app.admin_token).await;
    assert!(
        events
            .body
            .to_string()
            .contains("intermediary_project.cancelled"),
        "{:#}",
        events.body
    );
    let audit = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    assert!(
        audit.body.to_string().contains("申请人撤回申请"),
        "{:#}",
        audit.body
    );
}
on_each_backend!(a_cancelled_project_takes_no_further_step, cancellation);
