//! Provincial catalogue sync: the province's item changes posted back, and the sync
//! conflicts operators resolve. See `docs/integrations.md`.

use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::service::Services;
use yiwang_core::wire::Page;
use yiwang_core::wire::catalogue_sync::{
    ConflictQuery, ProvinceItemChange, Resolution, SyncConflict,
};
use yiwang_core::wire::integrations::InboundAnswer;

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(post_catalogue_change)
        .service(list_sync_conflicts)
        .service(resolve_sync_conflict);
}

/// A change of the province's catalogue, with the province's API key: stored before it is
/// acknowledged, then applied, rejected by the catalogue's checks, or kept as a conflict when
/// the item changed here since the last sync; 201 when new, 200 with the same answer for a
/// repeated `message_id`.
#[utoipa::path(tag = "integrations", params(("name" = String, Path)),
    request_body = ProvinceItemChange, responses((status = 201, body = InboundAnswer),
    (status = 200, body = InboundAnswer), (status = 401, body = Problem),
    (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/connectors/{name}/catalogue-changes")]
pub async fn post_catalogue_change(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<String>,
    body: web::Json<ProvinceItemChange>,
) -> ApiResult<HttpResponse> {
    let (answer, new) = services
        .receive_catalogue_change(&auth, &path, body.into_inner())
        .await?;
    Ok(if new {
        HttpResponse::Created().json(answer)
    } else {
        HttpResponse::Ok().json(answer)
    })
}

/// Sync conflicts in the caller's catalogue scope, oldest first (`?status=open` for those
/// waiting).
#[utoipa::path(tag = "catalogue", params(ConflictQuery), responses(
    (status = 200, body = Page<SyncConflict>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/catalogue/sync-conflicts")]
pub async fn list_sync_conflicts(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<ConflictQuery>,
) -> ApiResult<web::Json<Page<SyncConflict>>> {
    Ok(web::Json(
        services
            .list_sync_conflicts(&auth, query.into_inner())
            .await?,
    ))
}

/// Resolves an open conflict: take the province's change (a new version, published) or keep
/// ours (sent to the province again); `catalogue.manage` over the item.
#[utoipa::path(tag = "catalogue", params(("id" = i64, Path)), request_body = Resolution,
    responses((status = 200, body = SyncConflict), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/catalogue/sync-conflicts/{id}/resolve")]
pub async fn resolve_sync_conflict(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<Resolution>,
) -> ApiResult<web::Json<SyncConflict>> {
    Ok(web::Json(
        services
            .resolve_sync_conflict(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}
