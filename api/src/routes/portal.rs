//! The portal-facing section (R-2.4, tag `portal`): the catalogue views here, the applicant's
//! own records in [`super::portal_applicant`]. Catalogue answers carry `Cache-Control` and a
//! weak `ETag`; a matching `If-None-Match` answers 304 with no body.

use std::hash::{DefaultHasher, Hash, Hasher};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::openapi::OpenApi;
use utoipa::openapi::tag::TagBuilder;
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::ids::{DepartmentId, ItemId};
use yiwang_core::error::Error;
use yiwang_core::service::Services;
use yiwang_core::wire::portal::{Counter, ItemCard, ItemGuide, StorefrontQuery};
use yiwang_core::wire::{Page, PageQuery};

use crate::applicant::PortalCaller;
use crate::error::{ApiResult, Problem};

/// How long a portal may reuse a catalogue answer without asking again.
const CATALOGUE_CACHE: &str = "private, max-age=60";

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(storefront)
        .service(counters)
        .service(counter_items)
        .service(item_guide)
        .configure(super::portal_applicant::configure);
}

/// Adds the section's description to the OpenAPI document.
pub fn describe(doc: &mut OpenApi) {
    let tag = TagBuilder::new()
        .name("portal")
        .description(Some(
            "网上办事（门户、微信公众号、App）: what the provincial portal, the WeChat account and \
             the app need. Catalogue views (the city storefront, department counters 专柜, item \
             guides) are read by the portal server with its API key (`portal.act`) or by staff \
             (`catalogue.read`), and are cacheable (`Cache-Control`, `ETag`). Everything else \
             is the applicant's own: the applicant is a person or an organisation verified by \
             the province's unified identity and named in headers (`X-Yiwang-Applicant-Id`, \
             `X-Yiwang-Applicant-Name` percent-encoded, `X-Yiwang-Applicant-Kind`), either by \
             the identity proxy (trusted-header SSO: configured address plus shared secret) or \
             by the portal server with its API key; never in a body. Only the applicant's own \
             cases, bookings and tickets are shown; others answer 404. See docs/portal.md.",
        ))
        .build();
    doc.tags.get_or_insert_with(Vec::new).push(tag);
}

/// A JSON answer with caching headers, or 304 when the client holds the same version.
fn cached<T: Serialize>(req: &HttpRequest, body: &T) -> ApiResult<HttpResponse> {
    let bytes = serde_json::to_vec(body).map_err(|e| Error::Internal(format!("answer: {e}")))?;
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    let etag = format!("W/\"{:016x}\"", h.finish());
    let held = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut res = if held {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::CACHE_CONTROL, CATALOGUE_CACHE))
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, "Authorization"));
    Ok(if held {
        res.finish()
    } else {
        res.content_type("application/json").body(bytes)
    })
}

/// The city storefront (旗舰店): items on offer, by theme, department, region, type or text.
#[utoipa::path(tag = "portal", params(StorefrontQuery), responses(
    (status = 200, body = Page<ItemCard>), (status = 304), (status = 400, body = Problem),
    (status = 401, body = Problem), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/portal/storefront")]
pub async fn storefront(
    services: web::Data<Services>,
    portal: PortalCaller,
    query: web::Query<StorefrontQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let page = services
        .portal_storefront(&portal, query.into_inner())
        .await?;
    cached(&req, &page)
}

/// The department counters (专柜) with how many items each offers.
#[utoipa::path(tag = "portal", params(PageQuery), responses(
    (status = 200, body = Page<Counter>), (status = 304), (status = 401, body = Problem),
    (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/portal/counters")]
pub async fn counters(
    services: web::Data<Services>,
    portal: PortalCaller,
    page: web::Query<PageQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let page = services.portal_counters(&portal, page.into_inner()).await?;
    cached(&req, &page)
}

/// One department counter's items on offer.
#[utoipa::path(tag = "portal", params(("id" = i64, Path), PageQuery), responses(
    (status = 200, body = Page<ItemCard>), (status = 304), (status = 401, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/portal/counters/{id}/items")]
pub async fn counter_items(
    services: web::Data<Services>,
    portal: PortalCaller,
    path: web::Path<i64>,
    page: web::Query<PageQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let page = services
        .portal_counter_items(&portal, DepartmentId(path.into_inner()), page.into_inner())
        .await?;
    cached(&req, &page)
}

/// An item's guide (办事指南): materials, time limits, fees, steps and the halls and windows
/// serving it.
#[utoipa::path(tag = "portal", params(("id" = i64, Path)), responses(
    (status = 200, body = ItemGuide), (status = 304), (status = 401, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/portal/items/{id}/guide")]
pub async fn item_guide(
    services: web::Data<Services>,
    portal: PortalCaller,
    path: web::Path<i64>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let guide = services
        .portal_item_guide(&portal, ItemId(path.into_inner()))
        .await?;
    cached(&req, &guide)
}
