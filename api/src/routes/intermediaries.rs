//! Intermediaries (涉审中介, R-3.3): the registry of agencies with their history and credit,
//! and the market's service projects from posting to evaluation.

use actix_web::{HttpResponse, delete, get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::intermediary::AgencyAction;
use yiwang_core::service::Services;
use yiwang_core::wire::Page;
use yiwang_core::wire::intermediaries::{
    AgencyChange, AgencyHistoryEntry, AgencyLogin, ContractTerms, CreditRecord, Delivery,
    Intermediary, IntermediaryProfile, IntermediaryQuery, NewAgencyLogin, NewBid, NewCreditRecord,
    NewIntermediary, NewProject, Project, ProjectCancellation, ProjectEvaluation, ProjectQuery,
    SelectAgency,
};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register_intermediary)
        .service(list_intermediaries)
        .service(get_intermediary)
        .service(update_intermediary)
        .service(intermediary_history)
        .service(add_credit_record)
        .service(list_credit_records)
        .service(bind_agency_login)
        .service(unbind_agency_login)
        .service(agency_logins)
        .service(change_intermediary)
        .service(post_project)
        .service(list_projects)
        .service(get_project)
        .service(bid_on_project)
        .service(select_agency)
        .service(contract_project)
        .service(deliver_project)
        .service(evaluate_project)
        .service(cancel_project);
}

/// Admits an agency to the registry (`intermediary.manage` over its region); its credit code is
/// checked and unique (409 when registered already).
#[utoipa::path(tag = "intermediaries", request_body = NewIntermediary, responses(
    (status = 201, body = Intermediary), (status = 403, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/intermediaries")]
pub async fn register_intermediary(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewIntermediary>,
) -> ApiResult<HttpResponse> {
    let agency = services
        .register_intermediary(&auth, body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(agency))
}

/// The registry (public to holders of `intermediary.read`), with credit scores.
#[utoipa::path(tag = "intermediaries", params(IntermediaryQuery), responses(
    (status = 200, body = Page<Intermediary>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/intermediaries")]
pub async fn list_intermediaries(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<IntermediaryQuery>,
) -> ApiResult<web::Json<Page<Intermediary>>> {
    Ok(web::Json(
        services
            .list_intermediaries(&auth, query.into_inner())
            .await?,
    ))
}

/// One agency with its credit score and what it is made of.
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)), responses(
    (status = 200, body = Intermediary), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/intermediaries/{id}")]
pub async fn get_intermediary(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Intermediary>> {
    Ok(web::Json(
        services.get_intermediary(&auth, path.into_inner()).await?,
    ))
}

/// Replaces an agency's profile (a renewed qualification, items, fees, staff); credit code and
/// region stay.
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)),
    request_body = IntermediaryProfile, responses((status = 200, body = Intermediary),
    (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/intermediaries/{id}")]
pub async fn update_intermediary(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<IntermediaryProfile>,
) -> ApiResult<web::Json<Intermediary>> {
    Ok(web::Json(
        services
            .update_intermediary(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// An agency's admission, suspensions, reinstatements and removal, oldest first.
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<AgencyHistoryEntry>), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/intermediaries/{id}/history")]
pub async fn intermediary_history(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<AgencyHistoryEntry>>> {
    Ok(web::Json(
        services
            .intermediary_history(&auth, path.into_inner())
            .await?,
    ))
}

/// Records a regulator assessment, a government credit record or an upheld complaint.
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)),
    request_body = NewCreditRecord, responses((status = 201, body = CreditRecord),
    (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/intermediaries/{id}/credit-records")]
pub async fn add_credit_record(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewCreditRecord>,
) -> ApiResult<HttpResponse> {
    let record = services
        .add_credit_record(&auth, path.into_inner(), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(record))
}

/// An agency's credit records, oldest first.
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<CreditRecord>), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/intermediaries/{id}/credit-records")]
pub async fn list_credit_records(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<CreditRecord>>> {
    Ok(web::Json(
        services.credit_records(&auth, path.into_inner()).await?,
    ))
}

/// Binds a user to the agency: holding the `intermediary_agency` role, they act for it under
/// `/agency`. A user serves one agency (409 when bound already).
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)),
    request_body = NewAgencyLogin, responses((status = 201, body = AgencyLogin),
    (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/intermediaries/{id}/logins")]
pub async fn bind_agency_login(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewAgencyLogin>,
) -> ApiResult<HttpResponse> {
    let login = services
        .bind_agency_login(&auth, path.into_inner(), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(login))
}

/// Unbinds a user from the agency: from their next request on they no longer act for it.
/// 404 when the user is not bound to this agency.
#[utoipa::path(tag = "intermediaries",
    params(("id" = i64, Path), ("user_id" = i64, Path)), responses((status = 204),
    (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
#[delete("/intermediaries/{id}/logins/{user_id}")]
pub async fn unbind_agency_login(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, user_id) = path.into_inner();
    services.unbind_agency_login(&auth, id, user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The users bound to the agency.
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<AgencyLogin>), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/intermediaries/{id}/logins")]
pub async fn agency_logins(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<AgencyLogin>>> {
    Ok(web::Json(
        services.agency_logins(&auth, path.into_inner()).await?,
    ))
}

/// `suspend`, `admit` (reinstate a suspended agency) or `remove` an agency, with the reason.
#[utoipa::path(tag = "intermediaries",
    params(("id" = i64, Path), ("action" = AgencyAction, Path)), request_body = AgencyChange,
    responses((status = 200, body = Intermediary), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/intermediaries/{id}/{action}")]
pub async fn change_intermediary(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<(i64, AgencyAction)>,
    body: web::Json<AgencyChange>,
) -> ApiResult<web::Json<Intermediary>> {
    let (id, action) = path.into_inner();
    Ok(web::Json(
        services
            .change_intermediary(&auth, id, action, body.into_inner())
            .await?,
    ))
}

/// Posts a service project (`intermediary.market` over the case's or the named place).
#[utoipa::path(tag = "intermediaries", request_body = NewProject, responses(
    (status = 201, body = Project), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/intermediary-projects")]
pub async fn post_project(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewProject>,
) -> ApiResult<HttpResponse> {
    let project = services.post_project(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(project))
}

/// Projects in the caller's `intermediary.read` scope; `overdue=true` lists the contracted
/// ones past their service time limit.
#[utoipa::path(tag = "intermediaries", params(ProjectQuery), responses(
    (status = 200, body = Page<Project>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/intermediary-projects")]
pub async fn list_projects(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<ProjectQuery>,
) -> ApiResult<web::Json<Page<Project>>> {
    Ok(web::Json(
        services.list_projects(&auth, query.into_inner()).await?,
    ))
}

/// One project with its bids, its draw (seed, candidates, recomputed) and its clock.
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)), responses(
    (status = 200, body = Project), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/intermediary-projects/{id}")]
pub async fn get_project(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Project>> {
    Ok(web::Json(
        services.get_project(&auth, path.into_inner()).await?,
    ))
}

/// An agency's bid on an open lowest-price project, before the bid deadline.
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)), request_body = NewBid,
    responses((status = 200, body = Project), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/intermediary-projects/{id}/bids")]
pub async fn bid_on_project(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewBid>,
) -> ApiResult<web::Json<Project>> {
    Ok(web::Json(
        services
            .bid_on_project(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Selects the agency by the project's method: direct (named), draw (seeded, recorded) or
/// lowest price (after the bid deadline). An unqualified agency: 409.
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)), request_body = SelectAgency,
    responses((status = 200, body = Project), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/intermediary-projects/{id}/select")]
pub async fn select_agency(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<SelectAgency>,
) -> ApiResult<web::Json<Project>> {
    Ok(web::Json(
        services
            .select_agency(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The contract: price and service time limit in working days.
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)), request_body = ContractTerms,
    responses((status = 200, body = Project), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/intermediary-projects/{id}/contract")]
pub async fn contract_project(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ContractTerms>,
) -> ApiResult<web::Json<Project>> {
    Ok(web::Json(
        services
            .contract_project(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The result delivered; with a case, it becomes one of the case's materials.
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)), request_body = Delivery,
    responses((status = 200, body = Project), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/intermediary-projects/{id}/deliver")]
pub async fn deliver_project(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<Delivery>,
) -> ApiResult<web::Json<Project>> {
    Ok(web::Json(
        services
            .deliver_project(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The poster's evaluation (1 to 5) of a delivered project.
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)),
    request_body = ProjectEvaluation, responses((status = 200, body = Project),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/intermediary-projects/{id}/evaluate")]
pub async fn evaluate_project(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ProjectEvaluation>,
) -> ApiResult<web::Json<Project>> {
    Ok(web::Json(
        services
            .evaluate_project(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Cancels a project before its delivery, with the reason (the poster, or `intermediary.market`
/// over its place). A cancelled project takes no further step.
#[utoipa::path(tag = "intermediaries", params(("id" = i64, Path)),
    request_body = ProjectCancellation, responses((status = 200, body = Project),
    (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/intermediary-projects/{id}/cancel")]
pub async fn cancel_project(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ProjectCancellation>,
) -> ApiResult<web::Json<Project>> {
    Ok(web::Json(
        services
            .cancel_project(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}
