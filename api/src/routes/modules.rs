//! Modules (menus) registered at run time and their grants.

use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::ids::ModuleId;
use yiwang_core::service::Services;
use yiwang_core::wire::org::{Module, NewModule, NewModuleGrant};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_modules)
        .service(create_module)
        .service(grant_module);
}

#[utoipa::path(tag = "modules", responses((status = 200, body = [Module]), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/modules")]
pub async fn list_modules(
    services: web::Data<Services>,
    auth: Authenticated,
) -> ApiResult<web::Json<Vec<Module>>> {
    Ok(web::Json(services.list_modules(&auth).await?))
}

/// Registers a module.
#[utoipa::path(tag = "modules", request_body = NewModule, responses(
    (status = 201, body = Module), (status = 403, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/modules")]
pub async fn create_module(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewModule>,
) -> ApiResult<HttpResponse> {
    let m = services.create_module(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(m))
}

/// Grants a module to a role or one user.
#[utoipa::path(tag = "modules", params(("id" = i64, Path)), request_body = NewModuleGrant, responses(
    (status = 201, body = Module), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/modules/{id}/grants")]
pub async fn grant_module(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewModuleGrant>,
) -> ApiResult<HttpResponse> {
    let m = services
        .grant_module(&auth, ModuleId(path.into_inner()), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(m))
}
