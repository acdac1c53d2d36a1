//! The background job runner: leader-only, takes over when the leader dies, stops cleanly.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use yiwang_core::service::jobs::JobSpec;
use yiwang_tests::{Backend, TestApp, TestDb, pg_server, test_config};

fn counting_job(counter: Arc<AtomicU32>) -> JobSpec {
    JobSpec::new("count", Duration::from_millis(50), move |_| {
        let c = counter.clone();
        async move {
            c.fetch_add(1, Ordering::SeqCst);
            Ok("counted".to_owned())
        }
    })
}

async fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !f() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_run_on_a_single_node_and_stop_on_shutdown() {
    let db = TestDb::new(Backend::Sqlite);
    let config = test_config(&db);
    let counter = Arc::new(AtomicU32::new(0));
    let app = TestApp::spawn_on(db, config, vec![counting_job(counter.clone())]).await;
    wait_for("three runs", || counter.load(Ordering::SeqCst) >= 3).await;
    let m = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.contains("yiwang_job_runs{job=\"count\"}"),
        "job state in /metrics"
    );
    app.stop().await;
    let after_stop = counter.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        counter.load(Ordering::SeqCst),
        after_stop,
        "no run after shutdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_one_node_leads_and_another_takes_over() {
    if pg_server().is_none() {
        eprintln!("YIWANG_TEST_POSTGRES not set: the multi-node leader test runs in .ci/run");
        return;
    }
    let db = TestDb::new(Backend::Postgres);
    let config = test_config(&db);
    let url = db.url.clone();
    let (c1, c2) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    let first = TestApp::spawn_on(db, config.clone(), vec![counting_job(c1.clone())]).await;
    wait_for("the first node to lead", || c1.load(Ordering::SeqCst) >= 2).await;
    let mut second_cfg = config;
    second_cfg.database_url = Some(url);
    let second = TestApp::spawn_on(
        TestDb::new(Backend::Sqlite),
        second_cfg,
        vec![counting_job(c2.clone())],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(c2.load(Ordering::SeqCst), 0, "a follower runs no jobs");
    let ready: serde_json::Value = second
        .client
        .get(second.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["leader"], false);
    let db = first.stop().await;
    wait_for("the second node to take over", || {
        c2.load(Ordering::SeqCst) >= 2
    })
    .await;
    second.stop().await;
    drop(db);
}
