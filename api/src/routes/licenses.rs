//! E-licenses (电子证照, R-2.2.3): the registry, an applicant's valid licenses, material coverage
//! and reuse, revocation, and paper-certificate production (制证, R-3.1).

use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::case::CaseId;
use yiwang_core::domain::license::PrintStatus;
use yiwang_core::service::Services;
use yiwang_core::wire::Page;
use yiwang_core::wire::cases::Reason;
use yiwang_core::wire::licenses::{
    CoverageRequest, ExternalLicense, HandOut, HolderLookup, License, LicenseQuery,
    MaterialCoverage, MaterialReuse, PrintJob, PrintQuery,
};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_licenses)
        .service(lookup_licenses)
        .service(material_coverage)
        .service(register_license)
        .service(get_license)
        .service(revoke_license)
        .service(license_certificate)
        .service(queue_print)
        .service(list_prints)
        .service(mark_printed)
        .service(hand_out)
        .service(case_reuses);
}

/// Licenses within the caller's scope, filtered by status or kind; holders masked.
#[utoipa::path(tag = "licenses", params(LicenseQuery), responses(
    (status = 200, body = Page<License>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/licenses")]
pub async fn list_licenses(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<LicenseQuery>,
) -> ApiResult<web::Json<Page<License>>> {
    Ok(web::Json(
        services.list_licenses(&auth, query.into_inner()).await?,
    ))
}

/// An applicant's licenses valid today, by ID number or credit code (one-number handling).
#[utoipa::path(tag = "licenses", request_body = HolderLookup, responses(
    (status = 200, body = Vec<License>), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/licenses/lookup")]
pub async fn lookup_licenses(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<HolderLookup>,
) -> ApiResult<web::Json<Vec<License>>> {
    Ok(web::Json(
        services.holder_licenses(&auth, &body.id_number).await?,
    ))
}

/// Which materials of an item the applicant's valid licenses or earlier materials cover.
#[utoipa::path(tag = "licenses", request_body = CoverageRequest, responses(
    (status = 200, body = Vec<MaterialCoverage>), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/licenses/coverage")]
pub async fn material_coverage(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<CoverageRequest>,
) -> ApiResult<web::Json<Vec<MaterialCoverage>>> {
    Ok(web::Json(
        services.material_coverage(&auth, body.into_inner()).await?,
    ))
}

/// Registers a license from elsewhere (another platform, or a paper certificate checked at the
/// window) with its source, issuer and trust level, so that it can stand in for materials.
#[utoipa::path(tag = "licenses", request_body = ExternalLicense, responses(
    (status = 201, body = License), (status = 403, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/licenses/external")]
pub async fn register_license(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<ExternalLicense>,
) -> ApiResult<HttpResponse> {
    let license = services.register_license(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(license))
}

/// One license, its holder masked.
#[utoipa::path(tag = "licenses", params(("id" = i64, Path)), responses(
    (status = 200, body = License), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/licenses/{id}")]
pub async fn get_license(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<License>> {
    Ok(web::Json(
        services.get_license(&auth, path.into_inner()).await?,
    ))
}

/// Revokes a license with a reason; it covers no material from then on.
#[utoipa::path(tag = "licenses", params(("id" = i64, Path)), request_body = Reason, responses(
    (status = 200, body = License), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/licenses/{id}/revoke")]
pub async fn revoke_license(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<Reason>,
) -> ApiResult<web::Json<License>> {
    let reason = body.into_inner().reason;
    Ok(web::Json(
        services
            .revoke_license(&auth, path.into_inner(), reason)
            .await?,
    ))
}

/// The printable A4 certificate (HTML, Chinese first, print CSS).
#[utoipa::path(tag = "licenses", params(("id" = i64, Path)), responses(
    (status = 200, content_type = "text/html", body = String), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/licenses/{id}/certificate")]
pub async fn license_certificate(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let html = services
        .license_certificate(&auth, path.into_inner())
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// Queues the license's paper certificate for printing.
#[utoipa::path(tag = "licenses", params(("id" = i64, Path)), responses(
    (status = 201, body = PrintJob), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/licenses/{id}/prints")]
pub async fn queue_print(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let job = services.queue_print(&auth, path.into_inner()).await?;
    Ok(HttpResponse::Created().json(job))
}

/// The print queue within the caller's scope, filtered by status.
#[utoipa::path(tag = "licenses", params(PrintQuery), responses(
    (status = 200, body = Page<PrintJob>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/license-prints")]
pub async fn list_prints(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<PrintQuery>,
) -> ApiResult<web::Json<Page<PrintJob>>> {
    Ok(web::Json(
        services.list_prints(&auth, query.into_inner()).await?,
    ))
}

/// Records that a queued certificate was printed.
#[utoipa::path(tag = "licenses", params(("id" = i64, Path)), responses(
    (status = 200, body = PrintJob), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/license-prints/{id}/printed")]
pub async fn mark_printed(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<PrintJob>> {
    Ok(web::Json(
        services
            .advance_print(&auth, path.into_inner(), PrintStatus::Printed, None)
            .await?,
    ))
}

/// Records that a printed certificate was handed out, and to whom.
#[utoipa::path(tag = "licenses", params(("id" = i64, Path)), request_body = HandOut, responses(
    (status = 200, body = PrintJob), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/license-prints/{id}/handed-out")]
pub async fn hand_out(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<HandOut>,
) -> ApiResult<web::Json<PrintJob>> {
    Ok(web::Json(
        services
            .advance_print(
                &auth,
                path.into_inner(),
                PrintStatus::HandedOut,
                Some(body.into_inner()),
            )
            .await?,
    ))
}

/// The materials a case reused (covered by a license or an earlier case) instead of receiving.
#[utoipa::path(tag = "licenses", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<MaterialReuse>), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/cases/{id}/reuses")]
pub async fn case_reuses(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<MaterialReuse>>> {
    Ok(web::Json(
        services
            .case_reuses(&auth, CaseId(path.into_inner()))
            .await?,
    ))
}
