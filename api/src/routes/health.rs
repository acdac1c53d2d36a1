//! Probes and metrics: `/healthz` (alive), `/readyz` (database and migrations), `/metrics`.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use yiwang_core::service::Services;
use yiwang_core::store::migrate;

use crate::startup::{Jobs, OpenApiJson};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    pub database: bool,
    pub migrations_current: bool,
    pub backend: &'static str,
    pub event_log_head: i64,
    pub leader: bool,
    pub detail: Option<String>,
}

/// The process is alive.
#[utoipa::path(tag = "health", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// The database answers and its migrations are current; 503 otherwise.
#[utoipa::path(tag = "health", responses((status = 200, body = Ready), (status = 503, body = Ready)))]
#[get("/readyz")]
pub async fn readyz(services: web::Data<Services>, jobs: web::Data<Jobs>) -> HttpResponse {
    let check = services.store.read(migrate::is_current).await;
    let (database, migrations_current, detail) = match check {
        Ok(current) => (true, current, None),
        Err(e) => (false, false, Some(e.to_string())),
    };
    let ready = database && migrations_current;
    let body = Ready {
        status: if ready { "ready" } else { "not_ready" },
        database,
        migrations_current,
        backend: if services.store.is_sqlite() {
            "sqlite"
        } else {
            "postgres"
        },
        event_log_head: services.events.head(),
        leader: jobs.is_leader(),
        detail,
    };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text: requests, latencies, the database pool, the writer, the event log, jobs.
#[utoipa::path(tag = "health", responses((status = 200, content_type = "text/plain", body = String)))]
#[get("/metrics")]
pub async fn metrics(services: web::Data<Services>, jobs: web::Data<Jobs>) -> HttpResponse {
    crate::metrics::refresh(&services, &jobs.states(), jobs.is_leader());
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(crate::metrics::handle().render())
}

/// This document.
#[utoipa::path(tag = "health", responses((status = 200, content_type = "application/json", body = Object)))]
#[get("/openapi.json")]
pub async fn openapi(doc: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}
