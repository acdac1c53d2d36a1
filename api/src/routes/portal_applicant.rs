//! The applicant's own records on the portal (tag `portal`): who they are, applying online,
//! their cases with status, history, courier tracking and payment, rating and complaining,
//! appointments and remote tickets. Answers hold personal data: `Cache-Control: no-store`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::case::CaseId;
use yiwang_core::domain::ids::HallId;
use yiwang_core::service::Services;
use yiwang_core::wire::Page;
use yiwang_core::wire::cases::Applicant;
use yiwang_core::wire::portal::{
    ComplaintReceipt, CourierTracking, EvaluationReceipt, MyCasesQuery, NewApplication,
    NewPortalAppointment, NewPortalComplaint, NewPortalEvaluation, NewPortalTicket, PaymentStatus,
    PortalCase, PortalCaseDetail, QueuePosition,
};
use yiwang_core::wire::queue::{Appointment, Slot, SlotQuery};

use crate::applicant::PortalCaller;
use crate::error::{ApiResult, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me)
        .service(apply)
        .service(my_cases)
        .service(my_case)
        .service(case_delivery)
        .service(case_payment)
        .service(evaluate_case)
        .service(complain)
        .service(hall_slots)
        .service(book)
        .service(my_appointments)
        .service(cancel_appointment)
        .service(take_ticket)
        .service(ticket_position);
}

fn private<T: Serialize>(mut res: actix_web::HttpResponseBuilder, body: &T) -> HttpResponse {
    res.insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

fn ok<T: Serialize>(body: &T) -> HttpResponse {
    private(HttpResponse::Ok(), body)
}

/// 201 for something new, 200 for a repeat answered with the first.
fn created_or_ok<T: Serialize>(created: bool, body: &T) -> HttpResponse {
    if created {
        private(HttpResponse::Created(), body)
    } else {
        ok(body)
    }
}

/// The applicant the request is for (number masked).
#[utoipa::path(tag = "portal", responses((status = 200, body = Applicant),
    (status = 401, body = Problem), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/portal/me")]
pub async fn me(portal: PortalCaller) -> ApiResult<HttpResponse> {
    Ok(ok(&portal.applicant()?))
}

/// Applies online (网上申报) in the applicant's name, with the uploaded files' metadata.
#[utoipa::path(tag = "portal", request_body = NewApplication, responses(
    (status = 201, body = PortalCaseDetail), (status = 400, body = Problem),
    (status = 401, body = Problem), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/portal/applications")]
pub async fn apply(
    services: web::Data<Services>,
    portal: PortalCaller,
    body: web::Json<NewApplication>,
) -> ApiResult<HttpResponse> {
    let case = services.portal_apply(&portal, body.into_inner()).await?;
    Ok(created_or_ok(true, &case))
}

/// The applicant's own cases, oldest first.
#[utoipa::path(tag = "portal", params(MyCasesQuery), responses(
    (status = 200, body = Page<PortalCase>), (status = 401, body = Problem)),
    security(("bearer" = [])))]
#[get("/portal/cases")]
pub async fn my_cases(
    services: web::Data<Services>,
    portal: PortalCaller,
    query: web::Query<MyCasesQuery>,
) -> ApiResult<HttpResponse> {
    Ok(ok(&services
        .portal_my_cases(&portal, query.into_inner())
        .await?))
}

/// One of the applicant's cases: status, clocks, uploads and the history meant for them.
#[utoipa::path(tag = "portal", params(("id" = i64, Path)), responses(
    (status = 200, body = PortalCaseDetail), (status = 401, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/portal/cases/{id}")]
pub async fn my_case(
    services: web::Data<Services>,
    portal: PortalCaller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    Ok(ok(&services
        .portal_case(&portal, CaseId(path.into_inner()))
        .await?))
}

/// Courier tracking (物流): what the case holds about the delivery of its result.
#[utoipa::path(tag = "portal", params(("id" = i64, Path)), responses(
    (status = 200, body = CourierTracking), (status = 401, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/portal/cases/{id}/delivery")]
pub async fn case_delivery(
    services: web::Data<Services>,
    portal: PortalCaller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    Ok(ok(&services
        .portal_delivery(&portal, CaseId(path.into_inner()))
        .await?))
}

/// Payment status (缴费): the fee charged and whether it is paid.
#[utoipa::path(tag = "portal", params(("id" = i64, Path)), responses(
    (status = 200, body = PaymentStatus), (status = 401, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/portal/cases/{id}/payment")]
pub async fn case_payment(
    services: web::Data<Services>,
    portal: PortalCaller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    Ok(ok(&services
        .portal_payment(&portal, CaseId(path.into_inner()))
        .await?))
}

/// Rates one of the applicant's closed cases (好差评), once: a repeat answers 200 with the
/// first rating.
#[utoipa::path(tag = "portal", params(("id" = i64, Path)), request_body = NewPortalEvaluation,
    responses((status = 201, body = EvaluationReceipt), (status = 200, body = EvaluationReceipt),
    (status = 401, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/portal/cases/{id}/evaluation")]
pub async fn evaluate_case(
    services: web::Data<Services>,
    portal: PortalCaller,
    path: web::Path<i64>,
    body: web::Json<NewPortalEvaluation>,
) -> ApiResult<HttpResponse> {
    let (receipt, created) = services
        .portal_evaluate(&portal, CaseId(path.into_inner()), body.into_inner())
        .await?;
    Ok(created_or_ok(created, &receipt))
}

/// A complaint (投诉) about one's case, a window or a region; a repeated `request_id` answers
/// 200 with the first.
#[utoipa::path(tag = "portal", request_body = NewPortalComplaint, responses(
    (status = 201, body = ComplaintReceipt), (status = 200, body = ComplaintReceipt),
    (status = 401, body = Problem), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/portal/complaints")]
pub async fn complain(
    services: web::Data<Services>,
    portal: PortalCaller,
    body: web::Json<NewPortalComplaint>,
) -> ApiResult<HttpResponse> {
    let (receipt, created) = services.portal_complain(&portal, body.into_inner()).await?;
    Ok(created_or_ok(created, &receipt))
}

/// A hall's bookable slots.
#[utoipa::path(tag = "portal", params(("id" = i64, Path), SlotQuery), responses(
    (status = 200, body = [Slot]), (status = 401, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/portal/halls/{id}/slots")]
pub async fn hall_slots(
    services: web::Data<Services>,
    portal: PortalCaller,
    path: web::Path<i64>,
    query: web::Query<SlotQuery>,
) -> ApiResult<HttpResponse> {
    Ok(ok(&services
        .portal_slots(&portal, HallId(path.into_inner()), query.into_inner())
        .await?))
}

/// Books an appointment (预约) in the applicant's name (409 when full, over or booked twice).
#[utoipa::path(tag = "portal", request_body = NewPortalAppointment, responses(
    (status = 201, body = Appointment), (status = 401, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/portal/appointments")]
pub async fn book(
    services: web::Data<Services>,
    portal: PortalCaller,
    body: web::Json<NewPortalAppointment>,
) -> ApiResult<HttpResponse> {
    let a = services.portal_book(&portal, body.into_inner()).await?;
    Ok(created_or_ok(true, &a))
}

/// The applicant's appointments, newest first.
#[utoipa::path(tag = "portal", responses((status = 200, body = [Appointment]),
    (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/portal/appointments")]
pub async fn my_appointments(
    services: web::Data<Services>,
    portal: PortalCaller,
) -> ApiResult<HttpResponse> {
    Ok(ok(&services.portal_my_appointments(&portal).await?))
}

/// Cancels one of the applicant's appointments.
#[utoipa::path(tag = "portal", params(("id" = i64, Path)), responses(
    (status = 200, body = Appointment), (status = 401, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/portal/appointments/{id}/cancel")]
pub async fn cancel_appointment(
    services: web::Data<Services>,
    portal: PortalCaller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    Ok(ok(&services
        .portal_cancel_appointment(&portal, path.into_inner())
        .await?))
}

/// Takes a ticket remotely (远程取号) and answers its place in the queue.
#[utoipa::path(tag = "portal", request_body = NewPortalTicket, responses(
    (status = 201, body = QueuePosition), (status = 401, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/portal/tickets")]
pub async fn take_ticket(
    services: web::Data<Services>,
    portal: PortalCaller,
    body: web::Json<NewPortalTicket>,
) -> ApiResult<HttpResponse> {
    let p = services
        .portal_take_ticket(&portal, body.into_inner())
        .await?;
    Ok(created_or_ok(true, &p))
}

/// One of the applicant's tickets: how many are ahead and the estimated wait.
#[utoipa::path(tag = "portal", params(("id" = i64, Path)), responses(
    (status = 200, body = QueuePosition), (status = 401, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/portal/tickets/{id}/position")]
pub async fn ticket_position(
    services: web::Data<Services>,
    portal: PortalCaller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    Ok(ok(&services
        .portal_ticket_position(&portal, path.into_inner())
        .await?))
}
