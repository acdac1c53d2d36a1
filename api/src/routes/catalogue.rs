//! The service-item catalogue: item versions, changes, old codes, exchange, figures.

use actix_web::{HttpResponse, get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::ids::{ItemId, RegionId};
use yiwang_core::service::Services;
use yiwang_core::wire::Page;
use yiwang_core::wire::catalogue::{
    CatalogueExport, CatalogueFigures, CheckReport, DraftSpec, ExportQuery, ImportQuery,
    ImportReport, Item, ItemChange, ItemQuery, NewItem, NewOldCodeMapping, OldCodeMapping,
    OldCodeQuery,
};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_items)
        .service(create_item)
        .service(get_item)
        .service(update_item)
        .service(check_item)
        .service(publish_item)
        .service(retire_item)
        .service(change_items)
        .service(list_old_codes)
        .service(map_old_code)
        .service(export_catalogue)
        .service(import_catalogue)
        .service(catalogue_figures);
}

/// Item versions within the caller's scope, filtered by region, department, type, status,
/// item code, old-system code or text in the name or code.
#[utoipa::path(tag = "catalogue", params(ItemQuery), responses(
    (status = 200, body = Page<Item>), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/catalogue/items")]
pub async fn list_items(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<ItemQuery>,
) -> ApiResult<web::Json<Page<Item>>> {
    Ok(web::Json(
        services.list_items(&auth, query.into_inner()).await?,
    ))
}

/// Drafts a new item (version 1).
#[utoipa::path(tag = "catalogue", request_body = NewItem, responses(
    (status = 201, body = Item), (status = 403, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/catalogue/items")]
pub async fn create_item(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewItem>,
) -> ApiResult<HttpResponse> {
    let item = services.create_item(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(item))
}

/// One item version.
#[utoipa::path(tag = "catalogue", params(("id" = i64, Path)), responses(
    (status = 200, body = Item), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/catalogue/items/{id}")]
pub async fn get_item(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Item>> {
    Ok(web::Json(
        services.get_item(&auth, ItemId(path.into_inner())).await?,
    ))
}

/// Replaces a draft's content; a published version answers 409 (draft a change instead).
#[utoipa::path(tag = "catalogue", params(("id" = i64, Path)), request_body = DraftSpec,
    responses((status = 200, body = Item), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/catalogue/items/{id}")]
pub async fn update_item(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<DraftSpec>,
) -> ApiResult<web::Json<Item>> {
    Ok(web::Json(
        services
            .update_draft(&auth, ItemId(path.into_inner()), body.into_inner())
            .await?,
    ))
}

/// Runs the publishing checks (quality check, three levels four sames) without publishing.
#[utoipa::path(tag = "catalogue", params(("id" = i64, Path)), responses(
    (status = 200, body = CheckReport), (status = 404, body = Problem)), security(("bearer" = [])))]
#[post("/catalogue/items/{id}/check")]
pub async fn check_item(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<CheckReport>> {
    Ok(web::Json(
        services
            .check_item(&auth, ItemId(path.into_inner()))
            .await?,
    ))
}

/// Publishes a draft; 422 lists every failed check. Retires the version it supersedes.
#[utoipa::path(tag = "catalogue", params(("id" = i64, Path)), responses(
    (status = 200, body = Item), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/catalogue/items/{id}/publish")]
pub async fn publish_item(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Item>> {
    Ok(web::Json(
        services
            .publish_item(&auth, ItemId(path.into_inner()))
            .await?,
    ))
}

/// Retires a published version.
#[utoipa::path(tag = "catalogue", params(("id" = i64, Path)), responses(
    (status = 200, body = Item), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
#[post("/catalogue/items/{id}/retire")]
pub async fn retire_item(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Item>> {
    Ok(web::Json(
        services
            .retire_item(&auth, ItemId(path.into_inner()))
            .await?,
    ))
}

/// A typed change (change, split, merge, suspend, cancel): drafts new versions with lineage.
#[utoipa::path(tag = "catalogue", request_body = ItemChange, responses(
    (status = 201, body = [Item]), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/catalogue/changes")]
pub async fn change_items(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<ItemChange>,
) -> ApiResult<HttpResponse> {
    let items = services.change_items(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(items))
}

/// The old-system code mapping, by old code or by item code.
#[utoipa::path(tag = "catalogue", params(OldCodeQuery), responses(
    (status = 200, body = Page<OldCodeMapping>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/catalogue/old-codes")]
pub async fn list_old_codes(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<OldCodeQuery>,
) -> ApiResult<web::Json<Page<OldCodeMapping>>> {
    Ok(web::Json(
        services.list_old_codes(&auth, query.into_inner()).await?,
    ))
}

/// Maps an old-system code to an item code of a region.
#[utoipa::path(tag = "catalogue", request_body = NewOldCodeMapping, responses(
    (status = 201, body = OldCodeMapping), (status = 403, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/catalogue/old-codes")]
pub async fn map_old_code(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewOldCodeMapping>,
) -> ApiResult<HttpResponse> {
    let m = services.map_old_code(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(m))
}

/// A region's published items in the exchange format (docs/catalogue.md).
#[utoipa::path(tag = "catalogue", params(ExportQuery), responses(
    (status = 200, body = CatalogueExport), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/catalogue/export")]
pub async fn export_catalogue(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<ExportQuery>,
) -> ApiResult<web::Json<CatalogueExport>> {
    Ok(web::Json(
        services
            .export_catalogue(&auth, RegionId(query.region_id))
            .await?,
    ))
}

/// Loads an exchange document into a region as drafts: all items or none.
#[utoipa::path(tag = "catalogue", params(ImportQuery), request_body = CatalogueExport,
    responses((status = 201, body = ImportReport), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/catalogue/import")]
pub async fn import_catalogue(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<ImportQuery>,
    body: web::Json<CatalogueExport>,
) -> ApiResult<HttpResponse> {
    let report = services
        .import_catalogue(&auth, RegionId(query.region_id), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(report))
}

/// Per region: published items and the share that can be applied for online.
#[utoipa::path(tag = "catalogue", responses(
    (status = 200, body = CatalogueFigures), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/catalogue/figures")]
pub async fn catalogue_figures(
    services: web::Data<Services>,
    auth: Authenticated,
) -> ApiResult<web::Json<CatalogueFigures>> {
    Ok(web::Json(services.catalogue_figures(&auth).await?))
}
