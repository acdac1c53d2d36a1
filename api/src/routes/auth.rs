//! Login, logout, the caller's own profile, and long-lived tokens.

use actix_web::{HttpResponse, delete, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::ids::{TokenId, UserId};
use yiwang_core::service::Services;
use yiwang_core::wire::auth::{IssuedToken, LoginRequest, LoginResponse, Me, NewToken, TokenInfo};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(logout)
        .service(me)
        .service(issue_token)
        .service(list_tokens)
        .service(revoke_token);
}

/// Logs in with username and password; answers a bearer token.
///
/// Failed attempts slow the next answer; after too many the account is locked for a while (429).
#[utoipa::path(tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = LoginResponse),
    (status = 401, body = Problem), (status = 429, body = Problem)))]
#[post("/auth/login")]
pub async fn login(
    services: web::Data<Services>,
    body: web::Json<LoginRequest>,
) -> ApiResult<web::Json<LoginResponse>> {
    Ok(web::Json(
        services.login(&body.username, &body.password).await?,
    ))
}

/// Ends the session: its token is revoked.
#[utoipa::path(tag = "auth", responses((status = 204), (status = 401, body = Problem)),
    security(("bearer" = [])))]
#[post("/auth/logout")]
pub async fn logout(services: web::Data<Services>, auth: Authenticated) -> ApiResult<HttpResponse> {
    if let Some(token) = &auth.token {
        services.logout(&auth, token).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Who the caller is, their roles, permissions and modules.
#[utoipa::path(tag = "auth", responses((status = 200, body = Me), (status = 401, body = Problem)),
    security(("bearer" = [])))]
#[get("/auth/me")]
pub async fn me(services: web::Data<Services>, auth: Authenticated) -> ApiResult<web::Json<Me>> {
    Ok(web::Json(services.me(&auth).await?))
}

/// Issues an API key (integrations) or a device token; the secret is shown only in this answer.
#[utoipa::path(tag = "auth", request_body = NewToken, responses(
    (status = 201, body = IssuedToken), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/tokens")]
pub async fn issue_token(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewToken>,
) -> ApiResult<HttpResponse> {
    let issued = services.issue_token(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(issued))
}

/// A user's tokens (never their secrets).
#[utoipa::path(tag = "auth", params(("id" = i64, Path)), responses(
    (status = 200, body = [TokenInfo]), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/users/{id}/tokens")]
pub async fn list_tokens(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<TokenInfo>>> {
    Ok(web::Json(
        services
            .list_tokens(&auth, UserId(path.into_inner()))
            .await?,
    ))
}

/// Revokes a token at once.
#[utoipa::path(tag = "auth", params(("id" = i64, Path)), responses(
    (status = 200, body = TokenInfo), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
#[delete("/tokens/{id}")]
pub async fn revoke_token(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<TokenInfo>> {
    Ok(web::Json(
        services
            .revoke_token(&auth, TokenId(path.into_inner()))
            .await?,
    ))
}
