//! The working-day calendar: the years in use, and loading a year's holiday arrangement.

use actix_web::{get, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::calendar::YearFile;
use yiwang_core::service::Services;
use yiwang_core::wire::calendar::{CalendarDeadline, CalendarYear, DeadlineQuery};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(deadline)
        .service(list_years)
        .service(get_year)
        .service(load_year);
}

/// Where a limit of working days ends (the day it starts does not count), on the calendar in
/// use: what a front-end shows as "done by".
#[utoipa::path(tag = "calendar", params(DeadlineQuery), responses(
    (status = 200, body = CalendarDeadline), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[get("/calendar/deadline")]
pub async fn deadline(
    services: web::Data<Services>,
    _auth: Authenticated,
    query: web::Query<DeadlineQuery>,
) -> ApiResult<web::Json<CalendarDeadline>> {
    Ok(web::Json(services.calendar_deadline(&query)?))
}

/// The years of the calendar in use, shipped or loaded; any signed-in user may read them.
#[utoipa::path(tag = "calendar", responses((status = 200, body = [CalendarYear])),
    security(("bearer" = [])))]
#[get("/calendar/years")]
pub async fn list_years(
    services: web::Data<Services>,
    _auth: Authenticated,
) -> ApiResult<web::Json<Vec<CalendarYear>>> {
    Ok(web::Json(services.calendar_years().await?))
}

/// One year's holidays and make-up working days, as in use.
#[utoipa::path(tag = "calendar", params(("year" = i32, Path)), responses(
    (status = 200, body = YearFile), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/calendar/years/{year}")]
pub async fn get_year(
    services: web::Data<Services>,
    _auth: Authenticated,
    path: web::Path<i32>,
) -> ApiResult<web::Json<YearFile>> {
    Ok(web::Json(services.calendar_year(path.into_inner()).await?))
}

/// Loads (or replaces) a year's arrangement, e.g. next year's once the State Council publishes
/// it. The whole calendar is checked first; a file that does not fit changes nothing.
#[utoipa::path(tag = "calendar", params(("year" = i32, Path)), request_body = YearFile, responses(
    (status = 200, body = CalendarYear), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/calendar/years/{year}")]
pub async fn load_year(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i32>,
    body: web::Json<YearFile>,
) -> ApiResult<web::Json<CalendarYear>> {
    Ok(web::Json(
        services
            .load_calendar_year(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}
