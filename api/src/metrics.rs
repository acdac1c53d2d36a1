//! Prometheus metrics: one process-wide recorder, per-request figures recorded by a middleware,
//! and gauges of the store, the writer, the event log and the jobs refreshed at each scrape.

use std::sync::OnceLock;
use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
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

/// Middleware: counts requests and records their latency by route pattern.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let res = next.call(req).await?;
    let status = res.status().as_u16().to_string();
    metrics::counter!("yiwang_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("yiwang_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
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
