//! Complaints (投诉, R-2.6.2): taken online or registered offline, then investigated, signed by
//! the window staff, instructed by the leader and published; printable forms; workflow cards.

use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::supervision::complaints::ComplaintStep;
use yiwang_core::service::Services;
use yiwang_core::wire::Page;
use yiwang_core::wire::complaints::{
    Complaint, ComplaintQuery, ComplaintStepInput, NewComplaint, WorkflowCard,
    WorkflowCardActionRequest, WorkflowCardDetail, WorkflowCardQuery,
};
use yiwang_core::wire::supervision::{NewNote, SilenceRequest};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(submit_complaint)
        .service(list_complaints)
        .service(get_complaint)
        .service(complaint_step)
        .service(print_complaint)
        .service(list_workflow_cards)
        .service(get_workflow_card)
        .service(act_on_workflow_card)
        .service(silence_workflow_card)
        .service(note_workflow_card);
}

/// Takes an online complaint (portal, app, 12345 hotline: `complaint.submit`, idempotent by
/// `source_ref`: 200 with the first) or registers an offline one (the office); accepted at once.
#[utoipa::path(tag = "complaints", request_body = NewComplaint, responses(
    (status = 201, body = Complaint), (status = 200, body = Complaint),
    (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/complaints")]
pub async fn submit_complaint(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewComplaint>,
) -> ApiResult<HttpResponse> {
    let (complaint, created) = services.submit_complaint(&auth, body.into_inner()).await?;
    Ok(if created {
        HttpResponse::Created().json(complaint)
    } else {
        HttpResponse::Ok().json(complaint)
    })
}

/// Complaints the caller may read: the office's, or those about the caller's windows.
#[utoipa::path(tag = "complaints", params(ComplaintQuery), responses(
    (status = 200, body = Page<Complaint>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/complaints")]
pub async fn list_complaints(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<ComplaintQuery>,
) -> ApiResult<web::Json<Page<Complaint>>> {
    Ok(web::Json(
        services.list_complaints(&auth, query.into_inner()).await?,
    ))
}

/// One complaint with its steps and cards (the complainant's phone and ID number masked).
#[utoipa::path(tag = "complaints", params(("id" = i64, Path)), responses(
    (status = 200, body = Complaint), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/complaints/{id}")]
pub async fn get_complaint(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Complaint>> {
    Ok(web::Json(
        services.get_complaint(&auth, path.into_inner()).await?,
    ))
}

/// Does the complaint's next step: `investigate` (the office), `sign` (the window staff),
/// `instruct` (the leader), `publish` (the office). Out of order: 409.
#[utoipa::path(tag = "complaints", params(("id" = i64, Path), ("step" = ComplaintStep, Path)),
    request_body = ComplaintStepInput, responses((status = 200, body = Complaint),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/complaints/{id}/{step}")]
pub async fn complaint_step(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<(i64, ComplaintStep)>,
    body: web::Json<ComplaintStepInput>,
) -> ApiResult<web::Json<Complaint>> {
    let (id, step) = path.into_inner();
    Ok(web::Json(
        services
            .complaint_step(&auth, id, step, body.into_inner())
            .await?,
    ))
}

/// A step's form as an A4 HTML page (print CSS, Chinese, bureau header, signature lines); the
/// `publish` form is the public notice, with the complainant's name masked.
#[utoipa::path(tag = "complaints", params(("id" = i64, Path), ("step" = ComplaintStep, Path)),
    responses((status = 200, body = String, content_type = "text/html"),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/complaints/{id}/print/{step}")]
pub async fn print_complaint(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<(i64, ComplaintStep)>,
) -> ApiResult<HttpResponse> {
    let (id, step) = path.into_inner();
    let page = services.print_complaint(&auth, id, step).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page))
}

/// Red cards of workflow steps past their time limit (complaint steps, bad reviews'
/// rectification), in the caller's supervision.read scope.
#[utoipa::path(tag = "complaints", params(WorkflowCardQuery), responses(
    (status = 200, body = Page<WorkflowCard>), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/supervision/workflow-cards")]
pub async fn list_workflow_cards(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<WorkflowCardQuery>,
) -> ApiResult<web::Json<Page<WorkflowCard>>> {
    Ok(web::Json(
        services
            .list_workflow_cards(&auth, query.into_inner())
            .await?,
    ))
}

/// One workflow card with the office's notes on it.
#[utoipa::path(tag = "complaints", params(("id" = i64, Path)), responses(
    (status = 200, body = WorkflowCardDetail), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/supervision/workflow-cards/{id}")]
pub async fn get_workflow_card(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<WorkflowCardDetail>> {
    Ok(web::Json(
        services.get_workflow_card(&auth, path.into_inner()).await?,
    ))
}

/// Acknowledges or dismisses a workflow card (the office; a note is required to dismiss).
#[utoipa::path(tag = "complaints", params(("id" = i64, Path)),
    request_body = WorkflowCardActionRequest, responses(
    (status = 200, body = WorkflowCardDetail), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/supervision/workflow-cards/{id}/actions")]
pub async fn act_on_workflow_card(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<WorkflowCardActionRequest>,
) -> ApiResult<web::Json<WorkflowCardDetail>> {
    Ok(web::Json(
        services
            .act_on_workflow_card(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Silences a live workflow card's notices until a time, with a reason.
#[utoipa::path(tag = "complaints", params(("id" = i64, Path)), request_body = SilenceRequest,
    responses((status = 200, body = WorkflowCardDetail), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/supervision/workflow-cards/{id}/silence")]
pub async fn silence_workflow_card(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<SilenceRequest>,
) -> ApiResult<web::Json<WorkflowCardDetail>> {
    Ok(web::Json(
        services
            .silence_workflow_card(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Adds a note to a workflow card without changing its status.
#[utoipa::path(tag = "complaints", params(("id" = i64, Path)), request_body = NewNote,
    responses((status = 200, body = WorkflowCardDetail), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/supervision/workflow-cards/{id}/notes")]
pub async fn note_workflow_card(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewNote>,
) -> ApiResult<web::Json<WorkflowCardDetail>> {
    Ok(web::Json(
        services
            .note_workflow_card(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}
