//! The intermediary agency's own staff (`intermediary.agency`, bound to their agency): its
//! profile and credit score, the projects open to it and its own, bids, accepting the contract
//! and delivering the result. Other agencies' data never shows.

use actix_web::{get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::service::Services;
use yiwang_core::wire::Page;
use yiwang_core::wire::intermediaries::{
    AgencyBid, AgencyProjectQuery, Delivery, Intermediary, Project,
};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(my_agency)
        .service(agency_projects)
        .service(agency_project)
        .service(agency_bid)
        .service(agency_accept)
        .service(agency_deliver);
}

/// The caller's agency with its credit score (evaluations, breaches, complaints).
#[utoipa::path(tag = "agency", responses((status = 200, body = Intermediary),
    (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/agency")]
pub async fn my_agency(
    services: web::Data<Services>,
    auth: Authenticated,
) -> ApiResult<web::Json<Intermediary>> {
    Ok(web::Json(services.my_agency(&auth).await?))
}

/// The projects open to the agency (its service types and items) and those it was selected
/// for, with its own bids only and its evaluations.
#[utoipa::path(tag = "agency", params(AgencyProjectQuery), responses(
    (status = 200, body = Page<Project>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/agency/projects")]
pub async fn agency_projects(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<AgencyProjectQuery>,
) -> ApiResult<web::Json<Page<Project>>> {
    Ok(web::Json(
        services.agency_projects(&auth, query.into_inner()).await?,
    ))
}

/// One project the agency sees; others are 404.
#[utoipa::path(tag = "agency", params(("id" = i64, Path)), responses(
    (status = 200, body = Project), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/agency/projects/{id}")]
pub async fn agency_project(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Project>> {
    Ok(web::Json(
        services.agency_project(&auth, path.into_inner()).await?,
    ))
}

/// The agency's bid on an open lowest-price project, before the deadline, within the budget.
#[utoipa::path(tag = "agency", params(("id" = i64, Path)), request_body = AgencyBid,
    responses((status = 200, body = Project), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/agency/projects/{id}/bids")]
pub async fn agency_bid(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<AgencyBid>,
) -> ApiResult<web::Json<Project>> {
    Ok(web::Json(
        services
            .agency_bid(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The selected agency accepts the contract the poster signed.
#[utoipa::path(tag = "agency", params(("id" = i64, Path)), responses(
    (status = 200, body = Project), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/agency/projects/{id}/accept")]
pub async fn agency_accept(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Project>> {
    Ok(web::Json(
        services.agency_accept(&auth, path.into_inner()).await?,
    ))
}

/// The selected agency delivers its result (into the case, when there is one) after
/// accepting the contract.
#[utoipa::path(tag = "agency", params(("id" = i64, Path)), request_body = Delivery,
    responses((status = 200, body = Project), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/agency/projects/{id}/deliver")]
pub async fn agency_deliver(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<Delivery>,
) -> ApiResult<web::Json<Project>> {
    Ok(web::Json(
        services
            .agency_deliver(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}
