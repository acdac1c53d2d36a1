//! Appointments: slots, booking, cancelling, check-in; the front desk; the
//! queue's analytics.

use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::ids::HallId;
use yiwang_core::service::Services;
use yiwang_core::wire::queue::{
    AnalyticsQuery, Appointment, CheckIn, Enquiry, NewAppointment, NewEnquiry, NewSlot,
    QueueAnalytics, Slot, SlotQuery, Ticket,
};
use yiwang_core::wire::{Page, PageQuery};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_slot)
        .service(list_slots)
        .service(book_appointment)
        .service(get_appointment)
        .service(cancel_appointment)
        .service(check_in_appointment)
        .service(record_enquiry)
        .service(list_enquiries)
        .service(queue_analytics);
}

/// Opens a bookable slot in an area (and for an item) with a capacity.
#[utoipa::path(tag = "appointments", params(("id" = i64, Path)), request_body = NewSlot,
    responses((status = 201, body = Slot), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/halls/{id}/slots")]
pub async fn create_slot(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewSlot>,
) -> ApiResult<HttpResponse> {
    let s = services
        .create_slot(&auth, HallId(path.into_inner()), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(s))
}

/// The hall's slots starting in `[from, to)` (default: from now), with places booked.
#[utoipa::path(tag = "appointments", params(("id" = i64, Path), SlotQuery), responses(
    (status = 200, body = [Slot]), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/halls/{id}/slots")]
pub async fn list_slots(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    query: web::Query<SlotQuery>,
) -> ApiResult<web::Json<Vec<Slot>>> {
    Ok(web::Json(
        services
            .list_slots(&auth, HallId(path.into_inner()), query.into_inner())
            .await?,
    ))
}

/// Books a place in a slot (409 when full or over). The ID number is answered masked.
#[utoipa::path(tag = "appointments", params(("id" = i64, Path)), request_body = NewAppointment,
    responses((status = 201, body = Appointment), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/slots/{id}/appointments")]
pub async fn book_appointment(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewAppointment>,
) -> ApiResult<HttpResponse> {
    let a = services
        .book_appointment(&auth, path.into_inner(), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(a))
}

#[utoipa::path(tag = "appointments", params(("id" = i64, Path)), responses(
    (status = 200, body = Appointment), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/appointments/{id}")]
pub async fn get_appointment(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Appointment>> {
    Ok(web::Json(
        services.get_appointment(&auth, path.into_inner()).await?,
    ))
}

/// Cancels a booking; its place is free again.
#[utoipa::path(tag = "appointments", params(("id" = i64, Path)), responses(
    (status = 200, body = Appointment), (status = 404, body = Problem),
    (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/appointments/{id}/cancel")]
pub async fn cancel_appointment(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Appointment>> {
    Ok(web::Json(
        services
            .cancel_appointment(&auth, path.into_inner())
            .await?,
    ))
}

/// Checks a booking in (the ID number must match) and issues its ticket, ahead by the hall's
/// appointment head start.
#[utoipa::path(tag = "appointments", params(("id" = i64, Path)), request_body = CheckIn,
    responses((status = 201, body = Ticket), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/appointments/{id}/check-in")]
pub async fn check_in_appointment(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<CheckIn>,
) -> ApiResult<HttpResponse> {
    let t = services
        .check_in_appointment(&auth, path.into_inner(), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(t))
}

/// Records a front-desk enquiry (服务台): item asked about, answer, referral, ticket, wait.
#[utoipa::path(tag = "desk", params(("id" = i64, Path)), request_body = NewEnquiry, responses(
    (status = 201, body = Enquiry), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/halls/{id}/desk/enquiries")]
pub async fn record_enquiry(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewEnquiry>,
) -> ApiResult<HttpResponse> {
    let e = services
        .record_enquiry(&auth, HallId(path.into_inner()), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(e))
}

/// The hall's front-desk enquiries, oldest first.
#[utoipa::path(tag = "desk", params(("id" = i64, Path), PageQuery), responses(
    (status = 200, body = Page<Enquiry>), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/halls/{id}/desk/enquiries")]
pub async fn list_enquiries(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<Enquiry>>> {
    Ok(web::Json(
        services
            .list_enquiries(&auth, HallId(path.into_inner()), page.into_inner())
            .await?,
    ))
}

/// The queue's figures for local days `from`–`to`: wait and service distributions, void
/// rate, busy hours, hot items, age structure, repeat visits; per day, area and window.
#[utoipa::path(tag = "queue", params(("id" = i64, Path), AnalyticsQuery), responses(
    (status = 200, body = QueueAnalytics), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/halls/{id}/queue/analytics")]
pub async fn queue_analytics(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    query: web::Query<AnalyticsQuery>,
) -> ApiResult<web::Json<QueueAnalytics>> {
    Ok(web::Json(
        services
            .queue_analytics(&auth, HallId(path.into_inner()), query.into_inner())
            .await?,
    ))
}
