//! Users, the roles they hold with their scopes, and role definitions.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::ids::UserId;
use yiwang_core::service::Services;
use yiwang_core::wire::org::{NewRole, NewUser, NewUserRole, Role, User, UserChanges, UserRole};
use yiwang_core::wire::{Page, PageQuery};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user)
        .service(grant_role)
        .service(revoke_role)
        .service(list_roles)
        .service(create_role);
}

/// Users within the caller's scope.
#[utoipa::path(tag = "users", params(PageQuery), responses((status = 200, body = Page<User>)),
    security(("bearer" = [])))]
#[get("/users")]
pub async fn list_users(
    services: web::Data<Services>,
    auth: Authenticated,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<User>>> {
    Ok(web::Json(
        services.list_users(&auth, page.into_inner()).await?,
    ))
}

/// Creates a user in a region (and department) the caller manages.
#[utoipa::path(tag = "users", request_body = NewUser, responses(
    (status = 201, body = User), (status = 403, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/users")]
pub async fn create_user(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewUser>,
) -> ApiResult<HttpResponse> {
    let u = services.create_user(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(u))
}

/// One user; 404 also when the user is outside the caller's scope.
#[utoipa::path(tag = "users", params(("id" = i64, Path)), responses(
    (status = 200, body = User), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/users/{id}")]
pub async fn get_user(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<User>> {
    Ok(web::Json(
        services.get_user(&auth, UserId(path.into_inner())).await?,
    ))
}

/// Changes a user's name, state or password, or lifts a lock-out.
#[utoipa::path(tag = "users", params(("id" = i64, Path)), request_body = UserChanges, responses(
    (status = 200, body = User), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[patch("/users/{id}")]
pub async fn update_user(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<UserChanges>,
) -> ApiResult<web::Json<User>> {
    Ok(web::Json(
        services
            .update_user(&auth, UserId(path.into_inner()), body.into_inner())
            .await?,
    ))
}

/// Gives a user a role with a data scope.
#[utoipa::path(tag = "users", params(("id" = i64, Path)), request_body = NewUserRole, responses(
    (status = 201, body = UserRole), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/users/{id}/roles")]
pub async fn grant_role(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewUserRole>,
) -> ApiResult<HttpResponse> {
    let g = services
        .grant_role(&auth, UserId(path.into_inner()), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(g))
}

/// Takes a held role away.
#[utoipa::path(tag = "users", params(("id" = i64, Path), ("grant_id" = i64, Path)), responses(
    (status = 204), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[delete("/users/{id}/roles/{grant_id}")]
pub async fn revoke_role(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (user, grant) = path.into_inner();
    services.revoke_role(&auth, UserId(user), grant).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every role with its permissions.
#[utoipa::path(tag = "users", responses((status = 200, body = [Role]), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/roles")]
pub async fn list_roles(
    services: web::Data<Services>,
    auth: Authenticated,
) -> ApiResult<web::Json<Vec<Role>>> {
    Ok(web::Json(services.list_roles(&auth).await?))
}

/// Defines a role from permissions the caller holds.
#[utoipa::path(tag = "users", request_body = NewRole, responses(
    (status = 201, body = Role), (status = 403, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/roles")]
pub async fn create_role(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewRole>,
) -> ApiResult<HttpResponse> {
    let r = services.create_role(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(r))
}
