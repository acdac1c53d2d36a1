//! Regions, departments, halls, hall areas and windows.

use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::ids::{DepartmentId, HallId, RegionId};
use yiwang_core::service::Services;
use yiwang_core::wire::org::{
    Area, Department, Hall, NewArea, NewDepartment, NewHall, NewRegion, NewWindow, Region, Window,
};
use yiwang_core::wire::{Page, PageQuery};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_regions)
        .service(create_region)
        .service(get_region)
        .service(list_departments)
        .service(create_department)
        .service(get_department)
        .service(list_halls)
        .service(create_hall)
        .service(get_hall)
        .service(list_areas)
        .service(create_area)
        .service(list_windows)
        .service(create_window);
}

/// Regions within the caller's scope.
#[utoipa::path(tag = "org", params(PageQuery), responses((status = 200, body = Page<Region>)),
    security(("bearer" = [])))]
#[get("/regions")]
pub async fn list_regions(
    services: web::Data<Services>,
    auth: Authenticated,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<Region>>> {
    Ok(web::Json(
        services.list_regions(&auth, page.into_inner()).await?,
    ))
}

/// Adds a region below one the caller manages.
#[utoipa::path(tag = "org", request_body = NewRegion, responses(
    (status = 201, body = Region), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/regions")]
pub async fn create_region(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewRegion>,
) -> ApiResult<HttpResponse> {
    let r = services.create_region(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(r))
}

#[utoipa::path(tag = "org", params(("id" = i64, Path)), responses(
    (status = 200, body = Region), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/regions/{id}")]
pub async fn get_region(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Region>> {
    Ok(web::Json(
        services
            .get_region(&auth, RegionId(path.into_inner()))
            .await?,
    ))
}

#[utoipa::path(tag = "org", params(PageQuery), responses((status = 200, body = Page<Department>)),
    security(("bearer" = [])))]
#[get("/departments")]
pub async fn list_departments(
    services: web::Data<Services>,
    auth: Authenticated,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<Department>>> {
    Ok(web::Json(
        services.list_departments(&auth, page.into_inner()).await?,
    ))
}

#[utoipa::path(tag = "org", request_body = NewDepartment, responses(
    (status = 201, body = Department), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/departments")]
pub async fn create_department(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewDepartment>,
) -> ApiResult<HttpResponse> {
    let d = services.create_department(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(d))
}

#[utoipa::path(tag = "org", params(("id" = i64, Path)), responses(
    (status = 200, body = Department), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/departments/{id}")]
pub async fn get_department(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Department>> {
    Ok(web::Json(
        services
            .get_department(&auth, DepartmentId(path.into_inner()))
            .await?,
    ))
}

#[utoipa::path(tag = "org", params(PageQuery), responses((status = 200, body = Page<Hall>)),
    security(("bearer" = [])))]
#[get("/halls")]
pub async fn list_halls(
    services: web::Data<Services>,
    auth: Authenticated,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<Hall>>> {
    Ok(web::Json(
        services.list_halls(&auth, page.into_inner()).await?,
    ))
}

#[utoipa::path(tag = "org", request_body = NewHall, responses(
    (status = 201, body = Hall), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/halls")]
pub async fn create_hall(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewHall>,
) -> ApiResult<HttpResponse> {
    let h = services.create_hall(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(h))
}

#[utoipa::path(tag = "org", params(("id" = i64, Path)), responses(
    (status = 200, body = Hall), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/halls/{id}")]
pub async fn get_hall(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Hall>> {
    Ok(web::Json(
        services.get_hall(&auth, HallId(path.into_inner())).await?,
    ))
}

#[utoipa::path(tag = "org", params(("id" = i64, Path)), responses(
    (status = 200, body = [Area]), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/halls/{id}/areas")]
pub async fn list_areas(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<Area>>> {
    Ok(web::Json(
        services
            .list_areas(&auth, HallId(path.into_inner()))
            .await?,
    ))
}

#[utoipa::path(tag = "org", params(("id" = i64, Path)), request_body = NewArea, responses(
    (status = 201, body = Area), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/halls/{id}/areas")]
pub async fn create_area(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewArea>,
) -> ApiResult<HttpResponse> {
    let a = services
        .create_area(&auth, HallId(path.into_inner()), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(a))
}

#[utoipa::path(tag = "org", params(("id" = i64, Path)), responses(
    (status = 200, body = [Window]), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/halls/{id}/windows")]
pub async fn list_windows(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<Window>>> {
    Ok(web::Json(
        services
            .list_windows(&auth, HallId(path.into_inner()))
            .await?,
    ))
}

#[utoipa::path(tag = "org", params(("id" = i64, Path)), request_body = NewWindow, responses(
    (status = 201, body = Window), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/halls/{id}/windows")]
pub async fn create_window(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewWindow>,
) -> ApiResult<HttpResponse> {
    let w = services
        .create_window(&auth, HallId(path.into_inner()), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(w))
}
