//! Probes, metrics and the OpenAPI document.

use yiwang_tests::{TestApp, on_each_backend};

async fn probes_answer_and_metrics_carry_the_platform_figures(app: TestApp) {
    let h = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(h.status(), 200);
    let r: serde_json::Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], "ready", "{r:#}");
    assert_eq!(r["migrations_current"], true);
    assert_eq!(r["leader"], true);
    app.get("/api/v1/auth/me", &app.admin_token).await;
    let m = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "yiwang_http_requests_total",
        "yiwang_http_request_duration_seconds_bucket",
        "yiwang_db_pool_connections",
        "yiwang_event_log_head",
        "yiwang_node_leader",
    ] {
        assert!(m.contains(name), "{name} missing from /metrics");
    }
    assert!(
        m.contains("route=\"/api/v1/auth/me\""),
        "requests are labelled by route pattern"
    );
}
on_each_backend!(
    probes_and_metrics,
    probes_answer_and_metrics_carry_the_platform_figures
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_covers_every_route() {
    let app = TestApp::spawn(yiwang_tests::Backend::Sqlite).await;
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/me", "get"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens/{id}", "delete"),
        ("/api/v1/users/{id}/tokens", "get"),
        ("/api/v1/regions", "get"),
        ("/api/v1/regions", "post"),
        ("/api/v1/regions/{id}", "get"),
        ("/api/v1/departments", "get"),
        ("/api/v1/departments", "post"),
        ("/api/v1/departments/{id}", "get"),
        ("/api/v1/halls", "get"),
        ("/api/v1/halls", "post"),
        ("/api/v1/halls/{id}", "get"),
        ("/api/v1/halls/{id}/areas", "get"),
        ("/api/v1/halls/{id}/areas", "post"),
        ("/api/v1/halls/{id}/windows", "get"),
        ("/api/v1/halls/{id}/windows", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users/{id}", "get"),
        ("/api/v1/users/{id}", "patch"),
        ("/api/v1/users/{id}/roles", "post"),
        ("/api/v1/users/{id}/roles/{grant_id}", "delete"),
        ("/api/v1/roles", "get"),
        ("/api/v1/roles", "post"),
        ("/api/v1/modules", "get"),
        ("/api/v1/modules", "post"),
        ("/api/v1/modules/{id}/grants", "post"),
        ("/api/v1/events", "get"),
        ("/api/v1/events/stream", "get"),
        ("/api/v1/audit", "get"),
        ("/api/v1/audit/verify", "get"),
        ("/api/v1/catalogue/items", "get"),
        ("/api/v1/catalogue/items", "post"),
        ("/api/v1/catalogue/items/{id}", "get"),
        ("/api/v1/catalogue/items/{id}", "put"),
        ("/api/v1/catalogue/items/{id}/check", "post"),
        ("/api/v1/catalogue/items/{id}/publish", "post"),
        ("/api/v1/catalogue/items/{id}/retire", "post"),
        ("/api/v1/catalogue/changes", "post"),
        ("/api/v1/catalogue/old-codes", "get"),
        ("/api/v1/catalogue/old-codes", "post"),
        ("/api/v1/catalogue/export", "get"),
        ("/api/v1/catalogue/import", "post"),
        ("/api/v1/catalogue/figures", "get"),
        ("/api/v1/cases", "get"),
        ("/api/v1/cases", "post"),
        ("/api/v1/cases/{id}", "get"),
        ("/api/v1/cases/{id}/history", "get"),
        ("/api/v1/cases/{id}/accept", "post"),
        ("/api/v1/cases/{id}/reject", "post"),
        ("/api/v1/cases/{id}/supplement/request", "post"),
        ("/api/v1/cases/{id}/supplement/receive", "post"),
        ("/api/v1/cases/{id}/steps/current/approve", "post"),
        ("/api/v1/cases/{id}/steps/current/return", "post"),
        ("/api/v1/cases/{id}/deny", "post"),
        ("/api/v1/cases/{id}/suspend", "post"),
        ("/api/v1/cases/{id}/resume", "post"),
        ("/api/v1/cases/{id}/terminate", "post"),
        ("/api/v1/supervision/rules", "get"),
        ("/api/v1/supervision/rules", "post"),
        ("/api/v1/supervision/rules/{id}", "get"),
        ("/api/v1/supervision/rules/{id}", "put"),
        ("/api/v1/supervision/rules/{id}/versions", "get"),
        ("/api/v1/supervision/indicators", "get"),
        ("/api/v1/supervision/dry-run", "post"),
        ("/api/v1/supervision/scan", "post"),
        ("/api/v1/supervision/anomalies", "get"),
        ("/api/v1/supervision/anomalies/bulk", "post"),
        ("/api/v1/supervision/anomalies/{id}", "get"),
        ("/api/v1/supervision/anomalies/{id}/actions", "post"),
        ("/api/v1/supervision/anomalies/{id}/silence", "post"),
        ("/api/v1/supervision/risk-people", "get"),
        ("/api/v1/supervision/risk-people/{user_id}", "put"),
        ("/api/v1/supervision/risk-people/{user_id}", "delete"),
        ("/api/v1/supervision/anomalies/{id}/notes", "post"),
        ("/api/v1/supervision/orders", "get"),
        ("/api/v1/supervision/orders", "post"),
        ("/api/v1/supervision/orders/{id}", "get"),
        ("/api/v1/supervision/orders/{id}/reply", "post"),
        ("/api/v1/supervision/orders/{id}/close", "post"),
        ("/api/v1/supervision/orders/{id}/print", "get"),
        ("/api/v1/evaluations", "post"),
        ("/api/v1/evaluations/summary", "get"),
        ("/api/v1/supervision/comparison", "get"),
        ("/api/v1/complaints", "post"),
        ("/api/v1/complaints", "get"),
        ("/api/v1/complaints/{id}", "get"),
        ("/api/v1/complaints/{id}/{step}", "post"),
        ("/api/v1/complaints/{id}/print/{step}", "get"),
        ("/api/v1/supervision/workflow-cards", "get"),
        ("/api/v1/supervision/workflow-cards/{id}", "get"),
        ("/api/v1/supervision/workflow-cards/{id}/actions", "post"),
        ("/api/v1/supervision/workflow-cards/{id}/silence", "post"),
        ("/api/v1/supervision/workflow-cards/{id}/notes", "post"),
        ("/api/v1/evaluations/{id}", "get"),
        ("/api/v1/evaluations/{id}/visits", "post"),
        ("/api/v1/evaluations/{id}/rectify", "post"),
        ("/api/v1/evaluations/{id}/appeal", "post"),
        ("/api/v1/evaluations/{id}/appeal/decision", "post"),
        ("/api/v1/performance-reviews", "post"),
        ("/api/v1/performance-reviews", "get"),
        ("/api/v1/performance-reviews/{id}", "get"),
        ("/api/v1/performance-reviews/{id}/applications", "post"),
        ("/api/v1/performance-reviews/{id}/aggregate", "post"),
        ("/api/v1/performance-reviews/{id}/scores", "post"),
        ("/api/v1/performance-reviews/{id}/propose", "post"),
        ("/api/v1/performance-reviews/{id}/opinion", "post"),
        ("/api/v1/performance-reviews/{id}/publicize", "post"),
        ("/api/v1/performance-reviews/{id}/announce", "post"),
        ("/api/v1/performance-reviews/{id}/print/{form}", "get"),
        ("/api/v1/halls/{id}/queue/settings", "get"),
        ("/api/v1/halls/{id}/queue/settings", "put"),
        ("/api/v1/windows/{id}/items", "get"),
        ("/api/v1/windows/{id}/items", "put"),
        ("/api/v1/halls/{id}/duty", "get"),
        ("/api/v1/windows/{id}/sign-in", "post"),
        ("/api/v1/windows/{id}/sign-out", "post"),
        ("/api/v1/halls/{id}/tickets", "post"),
        ("/api/v1/halls/{id}/tickets", "get"),
        ("/api/v1/tickets/{id}", "get"),
        ("/api/v1/tickets/{id}/intervals", "get"),
        ("/api/v1/windows/{id}/call-next", "post"),
        ("/api/v1/tickets/{id}/recall", "post"),
        ("/api/v1/tickets/{id}/skip", "post"),
        ("/api/v1/tickets/{id}/serve", "post"),
        ("/api/v1/tickets/{id}/transfer", "post"),
        ("/api/v1/tickets/{id}/finish", "post"),
        ("/api/v1/halls/{id}/queue", "get"),
        ("/api/v1/halls/{id}/queue/analytics", "get"),
        ("/api/v1/halls/{id}/slots", "post"),
        ("/api/v1/halls/{id}/slots", "get"),
        ("/api/v1/slots/{id}/appointments", "post"),
        ("/api/v1/appointments/{id}", "get"),
        ("/api/v1/appointments/{id}/cancel", "post"),
        ("/api/v1/appointments/{id}/check-in", "post"),
        ("/api/v1/halls/{id}/desk/enquiries", "post"),
        ("/api/v1/halls/{id}/desk/enquiries", "get"),
        ("/api/v1/devices", "get"),
        ("/api/v1/devices", "post"),
        ("/api/v1/devices/reports", "get"),
        ("/api/v1/devices/{id}", "get"),
        ("/api/v1/devices/{id}/enable", "post"),
        ("/api/v1/devices/{id}/disable", "post"),
        ("/api/v1/devices/{id}/retire", "post"),
        ("/api/v1/devices/{id}/token", "post"),
        ("/api/v1/devices/{id}/commands", "post"),
        ("/api/v1/devices/{id}/commands", "get"),
        ("/api/v1/device/hello", "post"),
        ("/api/v1/device/heartbeat", "post"),
        ("/api/v1/device/commands", "get"),
        ("/api/v1/device/commands/{id}/ack", "post"),
        ("/api/v1/device/reports", "post"),
        ("/api/v1/licenses", "get"),
        ("/api/v1/licenses/lookup", "post"),
        ("/api/v1/licenses/coverage", "post"),
        ("/api/v1/licenses/external", "post"),
        ("/api/v1/licenses/{id}", "get"),
        ("/api/v1/licenses/{id}/revoke", "post"),
        ("/api/v1/licenses/{id}/certificate", "get"),
        ("/api/v1/licenses/{id}/prints", "post"),
        ("/api/v1/license-prints", "get"),
        ("/api/v1/license-prints/{id}/printed", "post"),
        ("/api/v1/license-prints/{id}/handed-out", "post"),
        ("/api/v1/cases/{id}/reuses", "get"),
        ("/api/v1/combined-cases", "post"),
        ("/api/v1/combined-cases", "get"),
        ("/api/v1/combined-cases/{id}", "get"),
        ("/api/v1/cases/{id}/routing", "get"),
        ("/api/v1/windows/{id}/results", "get"),
        ("/api/v1/cases/{id}/handover", "post"),
        ("/api/v1/cases/{id}/handover", "get"),
        ("/api/v1/cases/{id}/handover/print", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/api/v1/cases/{id}/steps/{step}/countersign", "post"),
        ("/api/v1/cases/{id}/steps/{step}/signers", "post"),
        ("/api/v1/cases/{id}/steps/{step}/transfer", "post"),
        ("/api/v1/cases/{id}/fee/pay", "post"),
        ("/api/v1/cases/{id}/fee/waive", "post"),
        ("/api/v1/cases/{id}/delivery/ready", "post"),
        ("/api/v1/cases/{id}/delivery/pickup", "post"),
        ("/api/v1/cases/{id}/delivery/courier", "post"),
        ("/api/v1/case-delegations", "post"),
        ("/api/v1/case-delegations", "get"),
        ("/api/v1/case-delegations/{id}/revoke", "post"),
        ("/api/v1/calendar/years", "get"),
        ("/api/v1/calendar/years/{year}", "get"),
        ("/api/v1/calendar/years/{year}", "put"),
        ("/api/v1/calendar/deadline", "get"),
        ("/api/v1/cases/import", "post"),
        ("/api/v1/connectors", "get"),
        ("/api/v1/connectors/{name}", "get"),
        ("/api/v1/connectors/{name}/parked", "get"),
        ("/api/v1/connectors/{name}/replay", "post"),
        ("/api/v1/connectors/{name}/pause", "post"),
        ("/api/v1/connectors/{name}/resume", "post"),
        ("/api/v1/connectors/{name}/reconciliation", "get"),
        ("/api/v1/connectors/{name}/inbound", "post"),
        ("/api/v1/intermediaries", "post"),
        ("/api/v1/intermediaries", "get"),
        ("/api/v1/intermediaries/{id}", "get"),
        ("/api/v1/intermediaries/{id}", "put"),
        ("/api/v1/intermediaries/{id}/history", "get"),
        ("/api/v1/intermediaries/{id}/credit-records", "post"),
        ("/api/v1/intermediaries/{id}/credit-records", "get"),
        ("/api/v1/intermediaries/{id}/logins", "post"),
        ("/api/v1/intermediaries/{id}/logins", "get"),
        ("/api/v1/intermediaries/{id}/logins/{user_id}", "delete"),
        ("/api/v1/intermediaries/{id}/{action}", "post"),
        ("/api/v1/intermediary-projects", "post"),
        ("/api/v1/intermediary-projects", "get"),
        ("/api/v1/intermediary-projects/{id}", "get"),
        ("/api/v1/intermediary-projects/{id}/bids", "post"),
        ("/api/v1/intermediary-projects/{id}/select", "post"),
        ("/api/v1/intermediary-projects/{id}/contract", "post"),
        ("/api/v1/intermediary-projects/{id}/deliver", "post"),
        ("/api/v1/intermediary-projects/{id}/evaluate", "post"),
        ("/api/v1/intermediary-projects/{id}/cancel", "post"),
        ("/api/v1/agency", "get"),
        ("/api/v1/agency/projects", "get"),
        ("/api/v1/agency/projects/{id}", "get"),
        ("/api/v1/agency/projects/{id}/bids", "post"),
        ("/api/v1/agency/projects/{id}/accept", "post"),
        ("/api/v1/agency/projects/{id}/deliver", "post"),
        ("/api/v1/data-sets", "post"),
        ("/api/v1/data-sets", "get"),
        ("/api/v1/data-sets/{id}", "get"),
        ("/api/v1/data-sets/{id}", "put"),
        ("/api/v1/data-sets/{id}/withdraw", "post"),
        ("/api/v1/data-sets/{id}/versions", "get"),
        ("/api/v1/data-sets/{id}/requests", "post"),
        ("/api/v1/data-share-requests", "get"),
        ("/api/v1/data-share-requests/{id}", "get"),
        ("/api/v1/data-share-requests/{id}/approve", "post"),
        ("/api/v1/data-share-requests/{id}/refuse", "post"),
        ("/api/v1/data-share-requests/{id}/revoke", "post"),
        ("/api/v1/data-share-requests/{id}/uses", "post"),
        ("/api/v1/data-share-requests/{id}/uses", "get"),
        ("/api/v1/cockpit/summary", "get"),
        ("/api/v1/cockpit/regions", "get"),
        ("/api/v1/cockpit/departments", "get"),
        ("/api/v1/cockpit/trend", "get"),
        ("/api/v1/cockpit/items", "get"),
        ("/api/v1/cockpit/export", "get"),
        ("/api/v1/portal/storefront", "get"),
        ("/api/v1/portal/counters", "get"),
        ("/api/v1/portal/counters/{id}/items", "get"),
        ("/api/v1/portal/items/{id}/guide", "get"),
        ("/api/v1/portal/me", "get"),
        ("/api/v1/portal/applications", "post"),
        ("/api/v1/portal/cases", "get"),
        ("/api/v1/portal/cases/{id}", "get"),
        ("/api/v1/portal/cases/{id}/delivery", "get"),
        ("/api/v1/portal/cases/{id}/payment", "get"),
        ("/api/v1/portal/cases/{id}/evaluation", "post"),
        ("/api/v1/portal/complaints", "post"),
        ("/api/v1/portal/halls/{id}/slots", "get"),
        ("/api/v1/portal/appointments", "post"),
        ("/api/v1/portal/appointments", "get"),
        ("/api/v1/portal/appointments/{id}/cancel", "post"),
        ("/api/v1/portal/tickets", "post"),
        ("/api/v1/portal/tickets/{id}/position", "get"),
        ("/api/v1/regulators", "get"),
        ("/api/v1/regulators", "post"),
        ("/api/v1/regulators/{id}", "get"),
        ("/api/v1/regulators/{id}", "put"),
        ("/api/v1/punishments", "get"),
        ("/api/v1/punishments", "post"),
        ("/api/v1/punishments/check", "post"),
        ("/api/v1/punishments/{id}", "get"),
        ("/api/v1/punishments/{id}/lift", "post"),
        ("/api/v1/licenses/library-lookup", "post"),
        ("/api/v1/cases/{id}/courier", "get"),
        ("/api/v1/connectors/{name}/catalogue-changes", "post"),
        ("/api/v1/catalogue/sync-conflicts", "get"),
        ("/api/v1/catalogue/sync-conflicts/{id}/resolve", "post"),
        ("/api/v1/publicity/fields/{department_id}", "get"),
        ("/api/v1/publicity/fields/{department_id}", "put"),
        ("/api/v1/cases/{id}/publicity", "get"),
        ("/api/v1/connectors/{name}/publicity-results", "post"),
    ];
    for (path, method) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented,
        expected.len(),
        "a documented route is missing from this test's list"
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_answers_as_get_without_the_body() {
    let app = TestApp::spawn(yiwang_tests::Backend::Sqlite).await;
    let got = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(got.status(), 200);
    let length = got.bytes().await.unwrap().len();
    assert!(length > 0);
    let head = app.client.head(app.url("/readyz")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"].to_str().unwrap(),
        length.to_string(),
        "the length the body would have"
    );
    assert!(head.bytes().await.unwrap().is_empty());
    // Access is checked as for GET; a resource with no GET has nothing to answer HEAD with.
    let me = app.url("/api/v1/auth/me");
    let unknown = app.client.head(&me).send().await.unwrap();
    assert_eq!(unknown.status(), 401);
    let known = app
        .client
        .head(&me)
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(known.status(), 200);
    let login = app
        .client
        .head(app.url("/api/v1/auth/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 404);
}
