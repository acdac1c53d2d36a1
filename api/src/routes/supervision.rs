//! Online supervision (网上督查, R-2.6.1): rules and indicators, dry runs, re-scans, the anomaly
//! store and the office's actions on it, integrity-risk people.

use actix_web::{HttpResponse, delete, get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::service::Services;
use yiwang_core::wire::Page;
use yiwang_core::wire::supervision::{
    Anomaly, AnomalyActionRequest, AnomalyDetail, AnomalyQuery, BulkAnomalyAction, BulkResult,
    CloseOrder, ComparisonQuery, ComparisonRow, DryRun, DryRunResult, Evaluation, Indicator,
    NewEvaluation, NewNote, NewOrder, NewRule, OrderQuery, OrderReply, RiskPerson,
    RiskPersonReason, Rule, RuleInput, ScanReport, SilenceRequest, SummaryQuery, SummaryRow,
    SupervisionOrder,
};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_rules)
        .service(create_rule)
        .service(get_rule)
        .service(update_rule)
        .service(rule_versions)
        .service(list_indicators)
        .service(dry_run)
        .service(rescan)
        .service(list_anomalies)
        .service(act_on_anomalies)
        .service(get_anomaly)
        .service(act_on_anomaly)
        .service(silence_anomaly)
        .service(note_anomaly)
        .service(issue_order)
        .service(list_orders)
        .service(get_order)
        .service(reply_to_order)
        .service(close_order)
        .service(print_order)
        .service(submit_evaluation)
        .service(evaluation_summary)
        .service(compare)
        .service(list_risk_people)
        .service(flag_risk_person)
        .service(clear_risk_person);
}

/// The staff flagged as integrity-risk people (廉政风险点人员) in the caller's scope.
#[utoipa::path(tag = "supervision", responses(
    (status = 200, body = Vec<RiskPerson>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/supervision/risk-people")]
pub async fn list_risk_people(
    services: web::Data<Services>,
    auth: Authenticated,
) -> ApiResult<web::Json<Vec<RiskPerson>>> {
    Ok(web::Json(services.list_risk_people(&auth).await?))
}

/// Flags a staff member as an integrity-risk person, with the reason (or changes the reason).
#[utoipa::path(tag = "supervision", params(("user_id" = i64, Path)),
    request_body = RiskPersonReason, responses((status = 200, body = RiskPerson),
    (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/supervision/risk-people/{user_id}")]
pub async fn flag_risk_person(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<RiskPersonReason>,
) -> ApiResult<web::Json<RiskPerson>> {
    Ok(web::Json(
        services
            .flag_risk_person(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Lifts a flag.
#[utoipa::path(tag = "supervision", params(("user_id" = i64, Path)), responses(
    (status = 204), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[delete("/supervision/risk-people/{user_id}")]
pub async fn clear_risk_person(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    services.clear_risk_person(&auth, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every supervision rule at its current version.
#[utoipa::path(tag = "supervision", responses(
    (status = 200, body = Vec<Rule>), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/supervision/rules")]
pub async fn list_rules(
    services: web::Data<Services>,
    auth: Authenticated,
) -> ApiResult<web::Json<Vec<Rule>>> {
    Ok(web::Json(services.list_rules(&auth).await?))
}

/// Saves a rule; its condition is parsed and type-checked first (422 names the column and why).
#[utoipa::path(tag = "supervision", request_body = NewRule, responses(
    (status = 201, body = Rule), (status = 403, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/supervision/rules")]
pub async fn create_rule(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewRule>,
) -> ApiResult<HttpResponse> {
    let rule = services.create_rule(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(rule))
}

/// One rule.
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), responses(
    (status = 200, body = Rule), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/supervision/rules/{id}")]
pub async fn get_rule(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Rule>> {
    Ok(web::Json(
        services.get_rule(&auth, path.into_inner()).await?,
    ))
}

/// Saves a new version of a rule (also how a rule is enabled or disabled).
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), request_body = RuleInput,
    responses((status = 200, body = Rule), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/supervision/rules/{id}")]
pub async fn update_rule(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<RuleInput>,
) -> ApiResult<web::Json<Rule>> {
    Ok(web::Json(
        services
            .update_rule(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Every saved version of a rule, oldest first.
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Object>), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/supervision/rules/{id}/versions")]
pub async fn rule_versions(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<serde_json::Value>>> {
    Ok(web::Json(
        services.rule_versions(&auth, path.into_inner()).await?,
    ))
}

/// The five indicators with their rules.
#[utoipa::path(tag = "supervision", responses(
    (status = 200, body = Vec<Indicator>), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/supervision/indicators")]
pub async fn list_indicators(
    services: web::Data<Services>,
    auth: Authenticated,
) -> ApiResult<web::Json<Vec<Indicator>>> {
    Ok(web::Json(services.list_indicators(&auth).await?))
}

/// Evaluates a draft condition on the stored cases and lists what it would flag.
#[utoipa::path(tag = "supervision", request_body = DryRun, responses(
    (status = 200, body = DryRunResult), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/supervision/dry-run")]
pub async fn dry_run(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<DryRun>,
) -> ApiResult<web::Json<DryRunResult>> {
    Ok(web::Json(services.dry_run(&auth, body.into_inner()).await?))
}

/// Re-scans every open case against the enabled rules now.
#[utoipa::path(tag = "supervision", responses(
    (status = 200, body = ScanReport), (status = 403, body = Problem)), security(("bearer" = [])))]
#[post("/supervision/scan")]
pub async fn rescan(
    services: web::Data<Services>,
    auth: Authenticated,
) -> ApiResult<web::Json<ScanReport>> {
    Ok(web::Json(services.rescan(&auth).await?))
}

/// Anomalies (yellow and red cards) in the caller's scope, filtered.
#[utoipa::path(tag = "supervision", params(AnomalyQuery), responses(
    (status = 200, body = Page<Anomaly>), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/supervision/anomalies")]
pub async fn list_anomalies(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<AnomalyQuery>,
) -> ApiResult<web::Json<Page<Anomaly>>> {
    Ok(web::Json(
        services.list_anomalies(&auth, query.into_inner()).await?,
    ))
}

/// The same action on many anomalies; each refusal is listed with its reason.
#[utoipa::path(tag = "supervision", request_body = BulkAnomalyAction, responses(
    (status = 200, body = BulkResult), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/supervision/anomalies/bulk")]
pub async fn act_on_anomalies(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<BulkAnomalyAction>,
) -> ApiResult<web::Json<BulkResult>> {
    let b = body.into_inner();
    Ok(web::Json(
        services
            .act_on_anomalies(&auth, b.ids, b.action, &b.note)
            .await?,
    ))
}

/// One anomaly with its notes, its case's other cards and the case's history.
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), responses(
    (status = 200, body = AnomalyDetail), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/supervision/anomalies/{id}")]
pub async fn get_anomaly(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<AnomalyDetail>> {
    Ok(web::Json(
        services.get_anomaly(&auth, path.into_inner()).await?,
    ))
}

/// Acknowledges, confirms, dismisses or closes an anomaly, with a note.
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), request_body = AnomalyActionRequest,
    responses((status = 200, body = Anomaly), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/supervision/anomalies/{id}/actions")]
pub async fn act_on_anomaly(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<AnomalyActionRequest>,
) -> ApiResult<web::Json<Anomaly>> {
    let b = body.into_inner();
    Ok(web::Json(
        services
            .act_on_anomaly(&auth, path.into_inner(), b.action, &b.note)
            .await?,
    ))
}

/// Silences an anomaly's notices until a time, with a reason.
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), request_body = SilenceRequest,
    responses((status = 200, body = Anomaly), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/supervision/anomalies/{id}/silence")]
pub async fn silence_anomaly(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<SilenceRequest>,
) -> ApiResult<web::Json<Anomaly>> {
    Ok(web::Json(
        services
            .silence_anomaly(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Adds a note to an anomaly without changing its status.
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), request_body = NewNote,
    responses((status = 200, body = Anomaly), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/supervision/anomalies/{id}/notes")]
pub async fn note_anomaly(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewNote>,
) -> ApiResult<web::Json<Anomaly>> {
    Ok(web::Json(
        services
            .note_anomaly(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Issues a supervision order (督办单) from an anomaly or straight from a case.
#[utoipa::path(tag = "supervision", request_body = NewOrder, responses(
    (status = 201, body = SupervisionOrder), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/supervision/orders")]
pub async fn issue_order(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewOrder>,
) -> ApiResult<HttpResponse> {
    let order = services.issue_order(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(order))
}

/// Orders the caller may read: the office's, or those addressed to the caller's windows.
#[utoipa::path(tag = "supervision", params(OrderQuery), responses(
    (status = 200, body = Page<SupervisionOrder>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/supervision/orders")]
pub async fn list_orders(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<OrderQuery>,
) -> ApiResult<web::Json<Page<SupervisionOrder>>> {
    Ok(web::Json(
        services.list_orders(&auth, query.into_inner()).await?,
    ))
}

/// One supervision order.
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), responses(
    (status = 200, body = SupervisionOrder), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/supervision/orders/{id}")]
pub async fn get_order(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<SupervisionOrder>> {
    Ok(web::Json(
        services.get_order(&auth, path.into_inner()).await?,
    ))
}

/// The window head replies: cause, correction, and whether the anomaly is confirmed.
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), request_body = OrderReply,
    responses((status = 200, body = SupervisionOrder), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/supervision/orders/{id}/reply")]
pub async fn reply_to_order(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<OrderReply>,
) -> ApiResult<web::Json<SupervisionOrder>> {
    Ok(web::Json(
        services
            .reply_to_order(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The office closes an order, confirming or dismissing its anomaly.
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), request_body = CloseOrder,
    responses((status = 200, body = SupervisionOrder), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/supervision/orders/{id}/close")]
pub async fn close_order(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<CloseOrder>,
) -> ApiResult<web::Json<SupervisionOrder>> {
    Ok(web::Json(
        services
            .close_order(&auth, path.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The order as an A4 HTML page (print CSS, Chinese, bureau header, signature lines).
#[utoipa::path(tag = "supervision", params(("id" = i64, Path)), responses(
    (status = 200, body = String, content_type = "text/html"), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/supervision/orders/{id}/print")]
pub async fn print_order(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let page = services.print_order(&auth, path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page))
}

/// Takes a rating (好差评) from a tablet, an SMS reply or online; the same source message twice
/// is one rating (200 with the first, 201 when new). A rating of 1 or 2 opens a follow-up.
#[utoipa::path(tag = "supervision", request_body = NewEvaluation, responses(
    (status = 201, body = Evaluation), (status = 200, body = Evaluation),
    (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/evaluations")]
pub async fn submit_evaluation(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewEvaluation>,
) -> ApiResult<HttpResponse> {
    let (evaluation, created) = services.submit_evaluation(&auth, body.into_inner()).await?;
    Ok(if created {
        HttpResponse::Created().json(evaluation)
    } else {
        HttpResponse::Ok().json(evaluation)
    })
}

/// Ratings summed up per window, staff member, department or item.
#[utoipa::path(tag = "supervision", params(SummaryQuery), responses(
    (status = 200, body = Vec<SummaryRow>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/evaluations/summary")]
pub async fn evaluation_summary(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<SummaryQuery>,
) -> ApiResult<web::Json<Vec<SummaryRow>>> {
    Ok(web::Json(
        services
            .evaluation_summary(&auth, query.into_inner())
            .await?,
    ))
}

/// Regions or departments compared over a period: cases, on-time rate, handling days, cards
/// per 100 cases, satisfaction.
#[utoipa::path(tag = "supervision", params(ComparisonQuery), responses(
    (status = 200, body = Vec<ComparisonRow>), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/supervision/comparison")]
pub async fn compare(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<ComparisonQuery>,
) -> ApiResult<web::Json<Vec<ComparisonRow>>> {
    Ok(web::Json(
        services.compare(&auth, query.into_inner()).await?,
    ))
}
