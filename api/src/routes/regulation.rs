//! Review–supervision interaction (审管互动, R-2.3): the regulators with their item mapping and
//! field filter; the punishment list (惩戒名单: add, lift, query); the provincial e-license
//! library's lookup (R-2.2.3.2).

use actix_web::{HttpResponse, get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::service::Services;
use yiwang_core::wire::Page;
use yiwang_core::wire::cases::Reason;
use yiwang_core::wire::licenses::HolderLookup;
use yiwang_core::wire::regulation::{
    LibraryLookup, NewPunishment, NewRegulator, NumberCheck, Punishment, PunishmentCheck,
    PunishmentQuery, Regulator,
};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_regulators)
        .service(create_regulator)
        .service(get_regulator)
        .service(update_regulator)
        .service(list_punishments)
        .service(add_punishment)
        .service(check_punishment)
        .service(get_punishment)
        .service(lift_punishment)
        .service(library_lookup);
}

/// Regulators in the caller's scope (`regulator.manage` or `supervision.read`).
#[utoipa::path(tag = "regulation", responses(
    (status = 200, body = Vec<Regulator>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/regulators")]
pub async fn list_regulators(
    services: web::Data<Services>,
    auth: Authenticated,
) -> ApiResult<web::Json<Vec<Regulator>>> {
    Ok(web::Json(services.list_regulators(&auth).await?))
}

/// Sets up a regulator for a configured `regulator` connector: its items and fields.
#[utoipa::path(tag = "regulation", request_body = NewRegulator, responses(
    (status = 201, body = Regulator), (status = 403, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/regulators")]
pub async fn create_regulator(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewRegulator>,
) -> ApiResult<HttpResponse> {
    let r = services.create_regulator(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(r))
}

/// One regulator.
#[utoipa::path(tag = "regulation", params(("id" = i64, Path)), responses(
    (status = 200, body = Regulator), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/regulators/{id}")]
pub async fn get_regulator(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Regulator>> {
    Ok(web::Json(
        services.get_regulator(&auth, path.into_inner()).await?,
    ))
}

/// Replaces a regulator's settings (items, fields, feedback days, active).
#[utoipa::path(tag = "regulation", params(("id" = i64, Path)), request_body = NewRegulator,
    responses((status = 200, body = Regulator), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/regulators/{id}")]
pub async fn update_regulator(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewRegulator>,
) -> ApiResult<web::Json<Regulator>> {
    Ok(web::Json(
        services
            .update_regulator(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The punishment list within the caller's `punishment.read` scope; numbers masked.
#[utoipa::path(tag = "regulation", params(PunishmentQuery), responses(
    (status = 200, body = Page<Punishment>), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/punishments")]
pub async fn list_punishments(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<PunishmentQuery>,
) -> ApiResult<web::Json<Page<Punishment>>> {
    Ok(web::Json(
        services.list_punishments(&auth, query.into_inner()).await?,
    ))
}

/// Lists a person or an organisation (`punishment.manage` over the region).
#[utoipa::path(tag = "regulation", request_body = NewPunishment, responses(
    (status = 201, body = Punishment), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/punishments")]
pub async fn add_punishment(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewPunishment>,
) -> ApiResult<HttpResponse> {
    let p = services.add_punishment(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(p))
}

/// Whether a number is on the list now (the number in the body, not the URL).
#[utoipa::path(tag = "regulation", request_body = NumberCheck, responses(
    (status = 200, body = PunishmentCheck), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/punishments/check")]
pub async fn check_punishment(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NumberCheck>,
) -> ApiResult<web::Json<PunishmentCheck>> {
    Ok(web::Json(
        services.check_punishment(&auth, body.into_inner()).await?,
    ))
}

/// One entry of the list.
#[utoipa::path(tag = "regulation", params(("id" = i64, Path)), responses(
    (status = 200, body = Punishment), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/punishments/{id}")]
pub async fn get_punishment(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Punishment>> {
    Ok(web::Json(
        services.get_punishment(&auth, path.into_inner()).await?,
    ))
}

/// Lifts an entry with a reason; lifting twice is 409.
#[utoipa::path(tag = "regulation", params(("id" = i64, Path)), request_body = Reason, responses(
    (status = 200, body = Punishment), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/punishments/{id}/lift")]
pub async fn lift_punishment(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<Reason>,
) -> ApiResult<web::Json<Punishment>> {
    Ok(web::Json(
        services
            .lift_punishment(&auth, path.into_inner(), body.into_inner().reason)
            .await?,
    ))
}

/// A holder's licenses in the provincial e-license library (`unreachable` when it is down).
#[utoipa::path(tag = "regulation", request_body = HolderLookup, responses(
    (status = 200, body = LibraryLookup), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/licenses/library-lookup")]
pub async fn library_lookup(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<HolderLookup>,
) -> ApiResult<web::Json<LibraryLookup>> {
    Ok(web::Json(
        services.library_lookup(&auth, &body.id_number).await?,
    ))
}
