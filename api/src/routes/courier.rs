//! Courier tracking: a case's courier orders with every report of the courier, for
//! the window and for the applicant's portal. See `docs/courier.md`.

use actix_web::{get, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::case::CaseId;
use yiwang_core::service::Services;
use yiwang_core::wire::courier::CourierTracking;

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(track_courier);
}

/// The case's pickup and result orders, their waybills and status reports (`case.read` over
/// the case; outside the caller's scope the case does not exist).
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), responses(
    (status = 200, body = CourierTracking), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/cases/{id}/courier")]
pub async fn track_courier(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<CourierTracking>> {
    Ok(web::Json(
        services
            .courier_tracking(&auth, CaseId(path.into_inner()))
            .await?,
    ))
}
