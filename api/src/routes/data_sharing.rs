//! The data-sharing catalogue (信息资源共享目录, R-3.5): data sets, requests for access with the
//! provider's decision, and the record of each use.

use actix_web::{HttpResponse, get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::service::Services;
use yiwang_core::wire::Page;
use yiwang_core::wire::data_sharing::{
    DataSet, DataSetChange, DataSetQuery, DataSetVersion, DataSetWithdrawal, DataUse, NewDataSet,
    NewDataUse, NewShareRequest, ShareApproval, ShareRefusal, ShareRequest, ShareRequestQuery,
};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_data_set)
        .service(list_data_sets)
        .service(get_data_set)
        .service(update_data_set)
        .service(withdraw_data_set)
        .service(data_set_versions)
        .service(request_data)
        .service(list_data_requests)
        .service(get_data_request)
        .service(approve_data_request)
        .service(refuse_data_request)
        .service(revoke_data_request)
        .service(record_data_use)
        .service(list_data_uses);
}

/// Adds a data set (`data.manage` over the providing department); the code is unique (409).
#[utoipa::path(tag = "data-sharing", request_body = NewDataSet, responses(
    (status = 201, body = DataSet), (status = 403, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/data-sets")]
pub async fn create_data_set(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewDataSet>,
) -> ApiResult<HttpResponse> {
    let set = services.create_data_set(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(set))
}

/// The catalogue, with the departments that may use each data set now.
#[utoipa::path(tag = "data-sharing", params(DataSetQuery), responses(
    (status = 200, body = Page<DataSet>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/data-sets")]
pub async fn list_data_sets(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<DataSetQuery>,
) -> ApiResult<web::Json<Page<DataSet>>> {
    Ok(web::Json(
        services.list_data_sets(&auth, query.into_inner()).await?,
    ))
}

/// One data set.
#[utoipa::path(tag = "data-sharing", params(("id" = i64, Path)), responses(
    (status = 200, body = DataSet), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/data-sets/{id}")]
pub async fn get_data_set(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<DataSet>> {
    Ok(web::Json(
        services.get_data_set(&auth, path.into_inner()).await?,
    ))
}

/// A department asks to use a data set (`data.use` over the requesting department).
#[utoipa::path(tag = "data-sharing", params(("id" = i64, Path)),
    request_body = NewShareRequest, responses((status = 201, body = ShareRequest),
    (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/data-sets/{id}/requests")]
pub async fn request_data(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewShareRequest>,
) -> ApiResult<HttpResponse> {
    let request = services
        .request_data(&auth, path.into_inner(), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(request))
}

/// Requests to the caller's department's data sets or by the caller's department.
#[utoipa::path(tag = "data-sharing", params(ShareRequestQuery), responses(
    (status = 200, body = Page<ShareRequest>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/data-share-requests")]
pub async fn list_data_requests(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<ShareRequestQuery>,
) -> ApiResult<web::Json<Page<ShareRequest>>> {
    Ok(web::Json(
        services
            .list_data_requests(&auth, query.into_inner())
            .await?,
    ))
}

/// One request and its decision.
#[utoipa::path(tag = "data-sharing", params(("id" = i64, Path)), responses(
    (status = 200, body = ShareRequest), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/data-share-requests/{id}")]
pub async fn get_data_request(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<ShareRequest>> {
    Ok(web::Json(
        services.get_data_request(&auth, path.into_inner()).await?,
    ))
}

/// The provider approves: a sharing agreement until the end of `valid_until`.
#[utoipa::path(tag = "data-sharing", params(("id" = i64, Path)), request_body = ShareApproval,
    responses((status = 200, body = ShareRequest), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/data-share-requests/{id}/approve")]
pub async fn approve_data_request(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ShareApproval>,
) -> ApiResult<web::Json<ShareRequest>> {
    Ok(web::Json(
        services
            .approve_data_request(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The provider refuses, saying why.
#[utoipa::path(tag = "data-sharing", params(("id" = i64, Path)), request_body = ShareRefusal,
    responses((status = 200, body = ShareRequest), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/data-share-requests/{id}/refuse")]
pub async fn refuse_data_request(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ShareRefusal>,
) -> ApiResult<web::Json<ShareRequest>> {
    Ok(web::Json(
        services
            .refuse_data_request(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The provider ends an approved agreement early, saying why (`{"note": …}`).
#[utoipa::path(tag = "data-sharing", params(("id" = i64, Path)), request_body = ShareRefusal,
    responses((status = 200, body = ShareRequest), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/data-share-requests/{id}/revoke")]
pub async fn revoke_data_request(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ShareRefusal>,
) -> ApiResult<web::Json<ShareRequest>> {
    Ok(web::Json(
        services
            .revoke_data_request(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Records a use by the requesting department; 409 without an agreement in force.
#[utoipa::path(tag = "data-sharing", params(("id" = i64, Path)), request_body = NewDataUse,
    responses((status = 201, body = DataUse), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/data-share-requests/{id}/uses")]
pub async fn record_data_use(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewDataUse>,
) -> ApiResult<HttpResponse> {
    let used = services
        .record_data_use(&auth, path.into_inner(), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(used))
}

/// The uses under a request (the audit of use), for provider and requester.
#[utoipa::path(tag = "data-sharing", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<DataUse>), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/data-share-requests/{id}/uses")]
pub async fn list_data_uses(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<DataUse>>> {
    Ok(web::Json(
        services.list_data_uses(&auth, path.into_inner()).await?,
    ))
}

/// Publishes a new version of a data set (its code and department stay); the old versions are
/// kept. Dropping a field a pending request or an agreement in force names: 409.
#[utoipa::path(tag = "data-sharing", params(("id" = i64, Path)), request_body = DataSetChange,
    responses((status = 200, body = DataSet), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/data-sets/{id}")]
pub async fn update_data_set(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<DataSetChange>,
) -> ApiResult<web::Json<DataSet>> {
    Ok(web::Json(
        services
            .update_data_set(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Withdraws a data set: its agreements are revoked, its pending requests refused, and it
/// takes no request from then on.
#[utoipa::path(tag = "data-sharing", params(("id" = i64, Path)),
    request_body = DataSetWithdrawal, responses((status = 200, body = DataSet),
    (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/data-sets/{id}/withdraw")]
pub async fn withdraw_data_set(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<DataSetWithdrawal>,
) -> ApiResult<web::Json<DataSet>> {
    Ok(web::Json(
        services
            .withdraw_data_set(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// A data set's versions, oldest first; the last is the current one.
#[utoipa::path(tag = "data-sharing", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<DataSetVersion>), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/data-sets/{id}/versions")]
pub async fn data_set_versions(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<DataSetVersion>>> {
    Ok(web::Json(
        services.data_set_versions(&auth, path.into_inner()).await?,
    ))
}
