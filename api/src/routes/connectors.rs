//! Integrations (issue 6): connectors' backlog and lag, parked deliveries, replay, pause and
//! resume, reconciliation; and the messages peers post back. See `docs/integrations.md`.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::service::Services;
use yiwang_core::service::audit::Actor;
use yiwang_core::wire::integrations::{
    ConnectorState, Delivery, InboundAnswer, InboundMessage, ReconcileQuery, Reconciliation,
    Replayed,
};
use yiwang_core::wire::{Page, PageQuery};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_connectors)
        .service(get_connector)
        .service(list_parked)
        .service(replay_parked)
        .service(pause_connector)
        .service(resume_connector)
        .service(reconcile_connector)
        .service(post_inbound);
}

/// Which parked deliveries to replay: one event's, or all when absent.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReplayQuery {
    pub event_id: Option<i64>,
}

/// Every connector with its backlog, parked count and lag (`integration.read`).
#[utoipa::path(tag = "integrations", responses(
    (status = 200, body = Vec<ConnectorState>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/connectors")]
pub async fn list_connectors(
    services: web::Data<Services>,
    auth: Authenticated,
) -> ApiResult<web::Json<Vec<ConnectorState>>> {
    Ok(web::Json(services.connectors(Some(&auth)).await?))
}

/// One connector.
#[utoipa::path(tag = "integrations", params(("name" = String, Path)), responses(
    (status = 200, body = ConnectorState), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/connectors/{name}")]
pub async fn get_connector(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<ConnectorState>> {
    Ok(web::Json(services.connector(Some(&auth), &path).await?))
}

/// Parked deliveries with their last errors, oldest event first (`after` = an event id).
#[utoipa::path(tag = "integrations", params(("name" = String, Path), PageQuery), responses(
    (status = 200, body = Page<Delivery>), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/connectors/{name}/parked")]
pub async fn list_parked(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<String>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<Delivery>>> {
    Ok(web::Json(
        services
            .parked_deliveries(Some(&auth), &path, page.into_inner())
            .await?,
    ))
}

/// Puts parked deliveries back in the backlog with fresh attempts: one (`?event_id=`) or all
/// (`integration.manage`).
#[utoipa::path(tag = "integrations", params(("name" = String, Path), ReplayQuery), responses(
    (status = 200, body = Replayed), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[post("/connectors/{name}/replay")]
pub async fn replay_parked(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<ReplayQuery>,
) -> ApiResult<web::Json<Replayed>> {
    Ok(web::Json(
        services
            .replay_parked(Actor::of(&auth), Some(&auth), &path, query.event_id)
            .await?,
    ))
}

/// Stops sending (events are still taken in) until resumed (`integration.manage`).
#[utoipa::path(tag = "integrations", params(("name" = String, Path)), responses(
    (status = 200, body = ConnectorState), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[post("/connectors/{name}/pause")]
pub async fn pause_connector(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<ConnectorState>> {
    Ok(web::Json(
        services
            .pause_connector(Actor::of(&auth), Some(&auth), &path, true)
            .await?,
    ))
}

/// Sends again after a pause (`integration.manage`).
#[utoipa::path(tag = "integrations", params(("name" = String, Path)), responses(
    (status = 200, body = ConnectorState), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[post("/connectors/{name}/resume")]
pub async fn resume_connector(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<ConnectorState>> {
    Ok(web::Json(
        services
            .pause_connector(Actor::of(&auth), Some(&auth), &path, false)
            .await?,
    ))
}

/// What was sent against what the peer acknowledged, for events logged in `[from, to)`
/// (default: the last 24 hours).
#[utoipa::path(tag = "integrations", params(("name" = String, Path), ReconcileQuery),
    responses((status = 200, body = Reconciliation), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/connectors/{name}/reconciliation")]
pub async fn reconcile_connector(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<ReconcileQuery>,
) -> ApiResult<web::Json<Reconciliation>> {
    Ok(web::Json(
        services
            .reconcile_connector(Some(&auth), &path, query.into_inner())
            .await?,
    ))
}

/// A peer's message (an SMS reply, a callback), with the peer's API key: stored before it is
/// acknowledged; 201 when new, 200 with the same answer for a repeated `message_id`.
#[utoipa::path(tag = "integrations", params(("name" = String, Path)),
    request_body = InboundMessage, responses((status = 201, body = InboundAnswer),
    (status = 200, body = InboundAnswer), (status = 401, body = Problem),
    (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/connectors/{name}/inbound")]
pub async fn post_inbound(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<String>,
    body: web::Json<InboundMessage>,
) -> ApiResult<HttpResponse> {
    let (answer, new) = services
        .receive_inbound(&auth, &path, body.into_inner())
        .await?;
    Ok(if new {
        HttpResponse::Created().json(answer)
    } else {
        HttpResponse::Ok().json(answer)
    })
}
