//! The bimonthly performance review (双月考评, R-2.6.3): notice, applications, aggregation,
//! scoring, proposed list, the leader's opinion, publicity, announcement; printable forms.

use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::supervision::review::ReviewForm;
use yiwang_core::service::Services;
use yiwang_core::wire::PageQuery;
use yiwang_core::wire::review::{
    NewApplication, NewReview, NewScore, Proposal, Publicity, Review, ReviewText,
};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(open_review)
        .service(list_reviews)
        .service(get_review)
        .service(apply_for_award)
        .service(aggregate_review)
        .service(score_application)
        .service(propose_list)
        .service(give_review_opinion)
        .service(publicize_review)
        .service(announce_review)
        .service(print_review);
}

type Id = web::Path<i64>;

/// Opens a review with its notice (the office).
#[utoipa::path(tag = "performance review", request_body = NewReview, responses(
    (status = 201, body = Review), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/performance-reviews")]
pub async fn open_review(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewReview>,
) -> ApiResult<HttpResponse> {
    let review = services.open_review(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(review))
}

/// Reviews the caller may read, newest first (`after`: an id, for the next page).
#[utoipa::path(tag = "performance review", params(PageQuery), responses(
    (status = 200, body = Vec<Review>), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/performance-reviews")]
pub async fn list_reviews(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Vec<Review>>> {
    Ok(web::Json(
        services.list_reviews(&auth, query.into_inner()).await?,
    ))
}

/// One review with its applications, their pre-filled figures and the divisions' scores.
#[utoipa::path(tag = "performance review", params(("id" = i64, Path)), responses(
    (status = 200, body = Review), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/performance-reviews/{id}")]
pub async fn get_review(
    services: web::Data<Services>,
    auth: Authenticated,
    path: Id,
) -> ApiResult<web::Json<Review>> {
    Ok(web::Json(
        services.get_review(&auth, path.into_inner()).await?,
    ))
}

/// A window applies for a red-flag window or a service star (notice stage only).
#[utoipa::path(tag = "performance review", params(("id" = i64, Path)),
    request_body = NewApplication, responses((status = 200, body = Review),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/performance-reviews/{id}/applications")]
pub async fn apply_for_award(
    services: web::Data<Services>,
    auth: Authenticated,
    path: Id,
    body: web::Json<NewApplication>,
) -> ApiResult<web::Json<Review>> {
    Ok(web::Json(
        services
            .apply_for_award(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The office aggregates: every application's figures for the period, pre-filled.
#[utoipa::path(tag = "performance review", params(("id" = i64, Path)), responses(
    (status = 200, body = Review), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/performance-reviews/{id}/aggregate")]
pub async fn aggregate_review(
    services: web::Data<Services>,
    auth: Authenticated,
    path: Id,
) -> ApiResult<web::Json<Review>> {
    Ok(web::Json(
        services.aggregate_review(&auth, path.into_inner()).await?,
    ))
}

/// A division (the scorer's department) scores an application, 0 to 100.
#[utoipa::path(tag = "performance review", params(("id" = i64, Path)), request_body = NewScore,
    responses((status = 200, body = Review), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/performance-reviews/{id}/scores")]
pub async fn score_application(
    services: web::Data<Services>,
    auth: Authenticated,
    path: Id,
    body: web::Json<NewScore>,
) -> ApiResult<web::Json<Review>> {
    Ok(web::Json(
        services
            .score_application(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The office proposes its list of scored applications.
#[utoipa::path(tag = "performance review", params(("id" = i64, Path)), request_body = Proposal,
    responses((status = 200, body = Review), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/performance-reviews/{id}/propose")]
pub async fn propose_list(
    services: web::Data<Services>,
    auth: Authenticated,
    path: Id,
    body: web::Json<Proposal>,
) -> ApiResult<web::Json<Review>> {
    Ok(web::Json(
        services
            .propose_list(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The leader's opinion on the proposed list.
#[utoipa::path(tag = "performance review", params(("id" = i64, Path)), request_body = ReviewText,
    responses((status = 200, body = Review), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/performance-reviews/{id}/opinion")]
pub async fn give_review_opinion(
    services: web::Data<Services>,
    auth: Authenticated,
    path: Id,
    body: web::Json<ReviewText>,
) -> ApiResult<web::Json<Review>> {
    Ok(web::Json(
        services
            .give_review_opinion(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Publicises the list for 5 to 30 working days.
#[utoipa::path(tag = "performance review", params(("id" = i64, Path)), request_body = Publicity,
    responses((status = 200, body = Review), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/performance-reviews/{id}/publicize")]
pub async fn publicize_review(
    services: web::Data<Services>,
    auth: Authenticated,
    path: Id,
    body: web::Json<Publicity>,
) -> ApiResult<web::Json<Review>> {
    Ok(web::Json(
        services
            .publicize_review(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Announces the result once the publicity has ended.
#[utoipa::path(tag = "performance review", params(("id" = i64, Path)), request_body = ReviewText,
    responses((status = 200, body = Review), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/performance-reviews/{id}/announce")]
pub async fn announce_review(
    services: web::Data<Services>,
    auth: Authenticated,
    path: Id,
    body: web::Json<ReviewText>,
) -> ApiResult<web::Json<Review>> {
    Ok(web::Json(
        services
            .announce_review(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// A form of the review as an A4 HTML page: `notice`, `scoresheet`, `proposed`, `publicity`,
/// `announcement`.
#[utoipa::path(tag = "performance review", params(("id" = i64, Path), ("form" = ReviewForm, Path)),
    responses((status = 200, body = String, content_type = "text/html"),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/performance-reviews/{id}/print/{form}")]
pub async fn print_review(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<(i64, ReviewForm)>,
) -> ApiResult<HttpResponse> {
    let (id, form) = path.into_inner();
    let page = services.print_review(&auth, id, form).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page))
}
