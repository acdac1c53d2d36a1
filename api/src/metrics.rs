//! Prometheus metrics: one process-wide recorder (per-request figures come from `observe`),
//! and gauges of the store, the writer, the event log and the jobs refreshed at each scrape.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use yiwang_core::service::Services;
use yiwang_core::service::jobs::JobState;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder (installed on first use; several apps in one test process share it).
pub fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets(&[
                0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                2.5,
            ]);
            let recorder = match builder {
                Ok(b) => b.build_recorder(),
                Err(_) => PrometheusBuilder::new().build_recorder(),
            };
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed");
            }
            handle
        })
        .clone()
}

/// Refreshes the gauges that are cheaper to read at scrape time than to keep up to date.
pub fn refresh(services: &Services, jobs: &[JobState], leader: bool) {
    let (conns, idle) = services.store.pool_state();
    metrics::gauge!("yiwang_db_pool_connections").set(f64::from(conns));
    metrics::gauge!("yiwang_db_pool_idle").set(f64::from(idle));
    metrics::gauge!("yiwang_event_log_head").set(services.events.head() as f64);
    metrics::gauge!("yiwang_node_leader").set(if leader { 1.0 } else { 0.0 });
    let w = services.store.writer_stats();
    metrics::gauge!("yiwang_writer_commits").set(w.commits as f64);
    metrics::gauge!("yiwang_writer_commands").set(w.commands as f64);
    metrics::gauge!("yiwang_writer_failed_commands").set(w.failed_commands as f64);
    metrics::gauge!("yiwang_wal_frames_unchecked").set(w.wal_frames as f64);
    for j in jobs {
        let name = j.name.clone();
        metrics::gauge!("yiwang_job_runs", "job" => name.clone()).set(j.runs as f64);
        metrics::gauge!("yiwang_job_failures", "job" => name).set(j.failures as f64);
    }
}
