//! The leader cockpit (领导驾驶舱, R-3.4): figures over any period and region subtree, regions
//! and departments side by side, trends by day, week or month, top items, and exports.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::service::Services;
use yiwang_core::wire::cockpit::{
    CockpitComparison, CockpitExportQuery, CockpitItems, CockpitQuery, CockpitSummary, CockpitTrend,
};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(cockpit_summary)
        .service(cockpit_regions)
        .service(cockpit_departments)
        .service(cockpit_trend)
        .service(cockpit_items)
        .service(cockpit_export);
}

/// The period's figures over a region subtree: cases received and concluded, on-time rate,
/// online and courier shares, average handling days, satisfaction, cards, complaints, hall
/// visits and waits. From the rollups, which trail the event log by about a second.
#[utoipa::path(tag = "cockpit", params(CockpitQuery), responses(
    (status = 200, body = CockpitSummary), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/cockpit/summary")]
pub async fn cockpit_summary(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<CockpitQuery>,
) -> ApiResult<web::Json<CockpitSummary>> {
    Ok(web::Json(
        services.cockpit_summary(&auth, query.into_inner()).await?,
    ))
}

/// The region's children side by side (each with its subtree), and the region's own level.
#[utoipa::path(tag = "cockpit", params(CockpitQuery), responses(
    (status = 200, body = CockpitComparison), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/cockpit/regions")]
pub async fn cockpit_regions(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<CockpitQuery>,
) -> ApiResult<web::Json<CockpitComparison>> {
    Ok(web::Json(
        services.cockpit_regions(&auth, query.into_inner()).await?,
    ))
}

/// The departments of the region subtree side by side.
#[utoipa::path(tag = "cockpit", params(CockpitQuery), responses(
    (status = 200, body = CockpitComparison), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/cockpit/departments")]
pub async fn cockpit_departments(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<CockpitQuery>,
) -> ApiResult<web::Json<CockpitComparison>> {
    Ok(web::Json(
        services
            .cockpit_departments(&auth, query.into_inner())
            .await?,
    ))
}

/// The figures by day, ISO week or month (`granularity`), every period of the range.
#[utoipa::path(tag = "cockpit", params(CockpitQuery), responses(
    (status = 200, body = CockpitTrend), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/cockpit/trend")]
pub async fn cockpit_trend(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<CockpitQuery>,
) -> ApiResult<web::Json<CockpitTrend>> {
    Ok(web::Json(
        services.cockpit_trend(&auth, query.into_inner()).await?,
    ))
}

/// The items with the most cases received (`limit`, 10 unless given).
#[utoipa::path(tag = "cockpit", params(CockpitQuery), responses(
    (status = 200, body = CockpitItems), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/cockpit/items")]
pub async fn cockpit_items(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<CockpitQuery>,
) -> ApiResult<web::Json<CockpitItems>> {
    Ok(web::Json(
        services.cockpit_items(&auth, query.into_inner()).await?,
    ))
}

/// A view (`summary`, `regions`, `departments`, `trend`, `items`) as CSV or XLSX, with
/// Chinese column headers, as an attachment.
#[utoipa::path(tag = "cockpit", params(CockpitExportQuery), responses(
    (status = 200, body = Vec<u8>, content_type = "text/csv"),
    (status = 200, body = Vec<u8>,
     content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/cockpit/export")]
pub async fn cockpit_export(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<CockpitExportQuery>,
) -> ApiResult<HttpResponse> {
    let file = services.cockpit_export(&auth, query.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file.file_name)],
        })
        .body(file.bytes))
}
