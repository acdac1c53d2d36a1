//! The follow-up of a bad review (差评整改): the rating with its follow-up, return visits, the
//! rectification, the one appeal and the office's decision.

use actix_web::{get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::service::Services;
use yiwang_core::wire::follow_up::{
    AppealDecision, EvaluationDetail, NewAppeal, NewRectification, NewReturnVisit,
};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_evaluation)
        .service(record_return_visit)
        .service(rectify_evaluation)
        .service(appeal_evaluation)
        .service(decide_appeal);
}

/// One rating with its follow-up: return visits, appeal, cards, and whether it counts.
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), responses(
    (status = 200, body = EvaluationDetail), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/evaluations/{id}")]
pub async fn get_evaluation(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<EvaluationDetail>> {
    Ok(web::Json(
        services.get_evaluation(&auth, path.into_inner()).await?,
    ))
}

/// Records a return visit of a bad review: who, when, with what result (the office).
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), request_body = NewReturnVisit,
    responses((status = 200, body = EvaluationDetail), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/evaluations/{id}/visits")]
pub async fn record_return_visit(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewReturnVisit>,
) -> ApiResult<web::Json<EvaluationDetail>> {
    Ok(web::Json(
        services
            .record_return_visit(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Reports a bad review rectified (the evaluated window or the office); its card closes.
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), request_body = NewRectification,
    responses((status = 200, body = EvaluationDetail), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/evaluations/{id}/rectify")]
pub async fn rectify_evaluation(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewRectification>,
) -> ApiResult<web::Json<EvaluationDetail>> {
    Ok(web::Json(
        services
            .rectify_evaluation(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The evaluated party's appeal of a bad review, once, with evidence (a second one: 409).
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), request_body = NewAppeal,
    responses((status = 200, body = EvaluationDetail), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/evaluations/{id}/appeal")]
pub async fn appeal_evaluation(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewAppeal>,
) -> ApiResult<web::Json<EvaluationDetail>> {
    Ok(web::Json(
        services
            .appeal_evaluation(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The office upholds (the rating stops counting) or rejects an appeal.
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), request_body = AppealDecision,
    responses((status = 200, body = EvaluationDetail), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/evaluations/{id}/appeal/decision")]
pub async fn decide_appeal(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<AppealDecision>,
) -> ApiResult<web::Json<EvaluationDetail>> {
    Ok(web::Json(
        services
            .decide_appeal(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}
