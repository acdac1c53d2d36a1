//! Combined cases (联办, parallel approval, R-2.2.5) and single-window routing (一窗受理,
//! where a case came in, which results wait at an output window, and the record of
//! each result's hand-over there.

use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::case::CaseId;
use yiwang_core::domain::ids::WindowId;
use yiwang_core::service::Services;
use yiwang_core::wire::combined::{CombinedCase, NewCombinedCase};
use yiwang_core::wire::licenses::{CaseRouting, NewHandover, ResultHandover, WindowResult};
use yiwang_core::wire::{Page, PageQuery};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(submit_combined_case)
        .service(list_combined_cases)
        .service(get_combined_case)
        .service(case_routing)
        .service(window_results)
        .service(hand_over_result)
        .service(result_handover)
        .service(print_result_handover);
}

/// Applies for several items at once: a sub-case per item, running in parallel.
#[utoipa::path(tag = "combined cases", request_body = NewCombinedCase, responses(
    (status = 201, body = CombinedCase), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/combined-cases")]
pub async fn submit_combined_case(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewCombinedCase>,
) -> ApiResult<HttpResponse> {
    let combined = services
        .submit_combined_case(&auth, body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(combined))
}

/// Combined cases of the regions within the caller's scope.
#[utoipa::path(tag = "combined cases", params(PageQuery), responses(
    (status = 200, body = Page<CombinedCase>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/combined-cases")]
pub async fn list_combined_cases(
    services: web::Data<Services>,
    auth: Authenticated,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<CombinedCase>>> {
    Ok(web::Json(
        services
            .list_combined_cases(&auth, page.into_inner())
            .await?,
    ))
}

/// A combined case with its sub-cases' states.
#[utoipa::path(tag = "combined cases", params(("id" = i64, Path)), responses(
    (status = 200, body = CombinedCase), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/combined-cases/{id}")]
pub async fn get_combined_case(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<CombinedCase>> {
    Ok(web::Json(
        services.get_combined_case(&auth, path.into_inner()).await?,
    ))
}

/// Where a case was taken in, its back office, and the window its result goes to.
#[utoipa::path(tag = "combined cases", params(("id" = i64, Path)), responses(
    (status = 200, body = CaseRouting), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/cases/{id}/routing")]
pub async fn case_routing(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<CaseRouting>> {
    Ok(web::Json(
        services
            .case_routing(&auth, CaseId(path.into_inner()))
            .await?,
    ))
}

/// Results of closed cases waiting at an output window.
#[utoipa::path(tag = "combined cases", params(("id" = i64, Path), PageQuery), responses(
    (status = 200, body = Page<WindowResult>), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/windows/{id}/results")]
pub async fn window_results(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<WindowResult>>> {
    Ok(web::Json(
        services
            .window_results(&auth, WindowId(path.into_inner()), page.into_inner())
            .await?,
    ))
}

/// Records the hand-over of a case's result at its output window: in person, to a proxy (with
/// the proxy's ID number, shown masked) or to the courier.
#[utoipa::path(tag = "combined cases", params(("id" = i64, Path)), request_body = NewHandover,
    responses((status = 201, body = ResultHandover), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/handover")]
pub async fn hand_over_result(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewHandover>,
) -> ApiResult<HttpResponse> {
    let record = services
        .hand_over_result(&auth, CaseId(path.into_inner()), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(record))
}

/// Who handed the case's result to whom, when and how.
#[utoipa::path(tag = "combined cases", params(("id" = i64, Path)), responses(
    (status = 200, body = ResultHandover), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/cases/{id}/handover")]
pub async fn result_handover(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<ResultHandover>> {
    Ok(web::Json(
        services
            .result_handover(&auth, CaseId(path.into_inner()))
            .await?,
    ))
}

/// The hand-over record as an A4 form (HTML, Chinese first, print CSS, signature lines).
#[utoipa::path(tag = "combined cases", params(("id" = i64, Path)), responses(
    (status = 200, body = String, content_type = "text/html"), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/cases/{id}/handover/print")]
pub async fn print_result_handover(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let page = services
        .print_result_handover(&auth, CaseId(path.into_inner()))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page))
}
