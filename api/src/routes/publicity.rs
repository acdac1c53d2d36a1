//! Double publicity (双公示, R-2.2.1.6): each department's published fields, a case's report
//! to the credit platform, and the platform's validation results posted back.

use actix_web::{HttpResponse, get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::case::CaseId;
use yiwang_core::service::Services;
use yiwang_core::wire::integrations::InboundAnswer;
use yiwang_core::wire::publicity::{
    FieldSelection, NewFieldSelection, PublicityReport, PublicityResult,
};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_publicity_fields)
        .service(set_publicity_fields)
        .service(get_case_publicity)
        .service(post_publicity_result);
}

/// The fields a department publishes, and every field there is (`catalogue.read`).
#[utoipa::path(tag = "publicity", params(("department_id" = i64, Path)), responses(
    (status = 200, body = FieldSelection), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/publicity/fields/{department_id}")]
pub async fn get_publicity_fields(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<FieldSelection>> {
    Ok(web::Json(
        services.publicity_fields(&auth, path.into_inner()).await?,
    ))
}

/// Sets the fields a department publishes (`publicity.manage` over it); audited.
#[utoipa::path(tag = "publicity", params(("department_id" = i64, Path)),
    request_body = NewFieldSelection, responses((status = 200, body = FieldSelection),
    (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/publicity/fields/{department_id}")]
pub async fn set_publicity_fields(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewFieldSelection>,
) -> ApiResult<web::Json<FieldSelection>> {
    Ok(web::Json(
        services
            .set_publicity_fields(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// A case's report to the credit platform: deadline, acknowledgement, validation, red card.
#[utoipa::path(tag = "publicity", params(("id" = i64, Path)), responses(
    (status = 200, body = PublicityReport), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/cases/{id}/publicity")]
pub async fn get_case_publicity(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<PublicityReport>> {
    Ok(web::Json(
        services
            .case_publicity(&auth, CaseId(path.into_inner()))
            .await?,
    ))
}

/// The credit platform's validation of a report, with the platform's API key; 201 when new,
/// 200 with the same answer for a repeated `message_id`.
#[utoipa::path(tag = "integrations", params(("name" = String, Path)),
    request_body = PublicityResult, responses((status = 201, body = InboundAnswer),
    (status = 200, body = InboundAnswer), (status = 401, body = Problem),
    (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/connectors/{name}/publicity-results")]
pub async fn post_publicity_result(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<String>,
    body: web::Json<PublicityResult>,
) -> ApiResult<HttpResponse> {
    let (answer, new) = services
        .receive_publicity_result(&auth, &path, body.into_inner())
        .await?;
    Ok(if new {
        HttpResponse::Created().json(answer)
    } else {
        HttpResponse::Ok().json(answer)
    })
}
