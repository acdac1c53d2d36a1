//! The audit chain: intact after writes, and a tampered or removed row is named.

use diesel::prelude::*;
use serde_json::json;
use yiwang_core::service::audit;
use yiwang_core::store::schema::{audit_log, events};
use yiwang_tests::{TestApp, on_each_backend};

async fn every_change_leaves_a_verifiable_chained_entry(app: TestApp) {
    let root = app.root_id().await;
    let before = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    let n_before = before.body["items"].as_array().unwrap().len();
    app.region("990102", "甲区", "county", root).await;
    let after = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    let items = after.body["items"].as_array().unwrap();
    assert_eq!(items.len(), n_before + 1);
    let last = items.last().unwrap();
    assert_eq!(last["action"], "region.create");
    assert_eq!(last["actor"], "admin");
    assert_eq!(last["after"]["name"], "甲区");

    let v = app.get("/api/v1/audit/verify", &app.admin_token).await;
    assert_eq!(v.status, 200);
    assert_eq!(v.body["first_broken"], json!(null));
    assert!(v.body["entries_checked"].as_u64().unwrap() >= 1);
}
on_each_backend!(
    audit_entries_chain,
    every_change_leaves_a_verifiable_chained_entry
);

async fn many_entries_appended_at_once_chain_like_single_ones(app: TestApp) {
    // Full statements and every smaller shape, then an ordinary write after them.
    let entries: Vec<audit::Entry> = (0..1_151)
        .map(|i| audit::Entry {
            action: "test.batch",
            event: "test.batched",
            entity: "test",
            entity_id: i,
            region_id: Some(i % 3),
            department_id: (i % 2 == 0).then_some(i),
            owner_id: None,
            before: (i % 5 == 0).then(|| json!({"n": i - 1}).to_string()),
            after: Some(json!({"n": i}).to_string()),
            payload: json!({"n": i}).to_string(),
        })
        .collect();
    let at = app.clock.now();
    app.services
        .store
        .write(move |conn| audit::record_all(conn, at, &audit::Actor::system(), entries))
        .await
        .unwrap();
    let root = app.root_id().await;
    app.region("990102", "甲区", "county", root).await;
    let mut conn = app.services.store.blocking_conn().unwrap();
    let v = audit::verify(&mut conn).unwrap();
    assert_eq!(v.first_broken, None, "{v:?}");
    let batched: Vec<(i64, Option<i64>, String)> = events::table
        .filter(events::kind.eq("test.batched"))
        .order(events::id.asc())
        .select((events::entity_id, events::department_id, events::payload))
        .load(&mut *conn)
        .unwrap();
    assert_eq!(batched.len(), 1_151);
    for (i, (id, department, payload)) in (0..).zip(&batched) {
        assert_eq!(*id, i, "events in the entries' order");
        assert_eq!(*department, (i % 2 == 0).then_some(i));
        assert_eq!(payload, &json!({"n": i}).to_string());
    }
    let befores: Vec<Option<String>> = audit_log::table
        .filter(audit_log::action.eq("test.batch"))
        .order(audit_log::id.asc())
        .select(audit_log::before_json)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(befores.len(), 1_151);
    assert_eq!(befores[5].as_deref(), Some(r#"{"n":4}"#));
    assert_eq!(befores[6], None);
}
on_each_backend!(
    entries_appended_at_once,
    many_entries_appended_at_once_chain_like_single_ones
);

async fn a_tampered_entry_is_named(app: TestApp) {
    let root = app.root_id().await;
    app.region("990102", "甲区", "county", root).await;
    app.region("990121", "乙县", "county", root).await;
    let items = app
        .get("/api/v1/audit?limit=500", &app.admin_token)
        .await
        .body["items"]
        .clone();
    let victim = items.as_array().unwrap()[2]["id"].as_i64().unwrap();
    let mut conn = app.services.store.blocking_conn().unwrap();
    diesel::sql_query(format!(
        "UPDATE audit_log SET actor = 'nobody' WHERE id = {victim}"
    ))
    .execute(&mut *conn)
    .unwrap();
    let v = app.get("/api/v1/audit/verify", &app.admin_token).await;
    assert_eq!(v.body["first_broken"], json!(victim), "{:#}", v.body);
    assert!(v.body["reason"].as_str().unwrap().contains("edited"));

    let direct = audit::verify(&mut conn).unwrap();
    assert_eq!(direct.first_broken, Some(victim));
}
on_each_backend!(tampered_entry, a_tampered_entry_is_named);

async fn a_removed_entry_breaks_the_link_of_the_next(app: TestApp) {
    let root = app.root_id().await;
    app.region("990102", "甲区", "county", root).await;
    app.region("990121", "乙县", "county", root).await;
    let items = app
        .get("/api/v1/audit?limit=500", &app.admin_token)
        .await
        .body["items"]
        .clone();
    let items = items.as_array().unwrap();
    let removed = items[items.len() - 2]["id"].as_i64().unwrap();
    let next = items[items.len() - 1]["id"].as_i64().unwrap();
    let mut conn = app.services.store.blocking_conn().unwrap();
    diesel::sql_query(format!("DELETE FROM audit_log WHERE id = {removed}"))
        .execute(&mut *conn)
        .unwrap();
    let v = audit::verify(&mut conn).unwrap();
    assert_eq!(v.first_broken, Some(next));
    assert!(v.reason.unwrap().contains("link"));
}
on_each_backend!(removed_entry, a_removed_entry_breaks_the_link_of_the_next);

async fn personal_data_is_sealed_at_rest_and_masked_in_answers(app: TestApp) {
    let root = app.root_id().await;
    let a = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({
            "username": "phoned", "display_name": "x", "password": "long-enough-pw",
            "region_id": root, "phone": "13800138000"}),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    assert_eq!(a.body["phone"], "138****8000");
    let id = a.body["id"].as_i64().unwrap();
    let mut conn = app.services.store.blocking_conn().unwrap();
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        phone_enc: Option<String>,
    }
    let row: Row = diesel::sql_query(format!("SELECT phone_enc FROM users WHERE id = {id}"))
        .get_result(&mut *conn)
        .unwrap();
    let stored = row.phone_enc.unwrap();
    assert!(!stored.contains("13800138000"));
    assert!(!stored.contains("8000"));
    let audit = app.get("/api/v1/audit?limit=500", &app.admin_token).await;
    assert!(!audit.body.to_string().contains("13800138000"));
    let events = app.get("/api/v1/events?limit=500", &app.admin_token).await;
    assert!(!events.body.to_string().contains("13800138000"));
}
on_each_backend!(
    personal_data_sealed,
    personal_data_is_sealed_at_rest_and_masked_in_answers
);

/// Two nodes on one PostgreSQL append to one chain: each node's writer first tries the head it
/// left itself, which the other node's appends make stale. Writes alternate between the nodes,
/// one at a time and then all at once; every entry lands once and the chain holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_append_to_one_chain() {
    let Some((one, two)) = TestApp::two_nodes_on_postgres().await else {
        return;
    };
    let root = one.root_id().await;
    let count = |app: &TestApp| {
        let store = app.services.store.clone();
        async move {
            store
                .read(|conn| Ok(audit_log::table.count().get_result::<i64>(conn)?))
                .await
                .unwrap()
        }
    };
    let before = count(&one).await;
    for i in 0..6 {
        let app = if i % 2 == 0 { &one } else { &two };
        app.region(&format!("8807{i:02}"), &format!("区{i}"), "county", root)
            .await;
    }
    let together = (6..40).map(|i| {
        let app = if i % 2 == 0 { &one } else { &two };
        async move {
            app.region(&format!("8807{i:02}"), &format!("区{i}"), "county", root)
                .await
        }
    });
    futures_util::future::join_all(together).await;
    assert_eq!(count(&two).await, before + 40, "one entry per region");
    for app in [&one, &two] {
        let v = app.get("/api/v1/audit/verify", &app.admin_token).await;
        assert_eq!(v.status, 200, "{:#}", v.body);
        assert_eq!(
            v.body["first_broken"],
            serde_json::Value::Null,
            "{:#}",
            v.body
        );
    }
    drop(two);
}
