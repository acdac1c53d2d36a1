//! The hall queue (R-2.2.1.4, R-2.5): settings, window items and duty, tickets, the window's
//! actions and the live state.

use actix_web::{HttpResponse, get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::ids::{HallId, WindowId};
use yiwang_core::service::Services;
use yiwang_core::service::queue::TicketCommand;
use yiwang_core::wire::Page;
use yiwang_core::wire::queue::{
    FinishRequest, NewTicket, QueueSettings, QueueState, Ticket, TicketQuery, TransferRequest,
    VisitInterval, WindowDuty, WindowItems,
};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_queue_settings)
        .service(put_queue_settings)
        .service(get_window_items)
        .service(put_window_items)
        .service(list_window_duty)
        .service(sign_in_window)
        .service(sign_out_window)
        .service(take_ticket)
        .service(list_tickets)
        .service(get_ticket)
        .service(ticket_intervals)
        .service(call_next)
        .service(recall_ticket)
        .service(skip_ticket)
        .service(serve_ticket)
        .service(transfer_ticket)
        .service(finish_ticket)
        .service(get_queue_state);
}

/// The hall's queue settings (defaults until set).
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), responses(
    (status = 200, body = QueueSettings), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/halls/{id}/queue/settings")]
pub async fn get_queue_settings(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<QueueSettings>> {
    Ok(web::Json(
        services
            .queue_settings(&auth, HallId(path.into_inner()))
            .await?,
    ))
}

/// Replaces the hall's queue settings: night clearing, misses before void, priority classes.
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), request_body = QueueSettings, responses(
    (status = 200, body = QueueSettings), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/halls/{id}/queue/settings")]
pub async fn put_queue_settings(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<QueueSettings>,
) -> ApiResult<web::Json<QueueSettings>> {
    Ok(web::Json(
        services
            .set_queue_settings(&auth, HallId(path.into_inner()), body.into_inner())
            .await?,
    ))
}

/// The items (or item groups) a window serves; empty: every item of its area.
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), responses(
    (status = 200, body = WindowItems), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/windows/{id}/items")]
pub async fn get_window_items(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<WindowItems>> {
    Ok(web::Json(
        services
            .window_items(&auth, WindowId(path.into_inner()))
            .await?,
    ))
}

/// Replaces the items (item codes, or main-item codes for their groups) a window serves.
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), request_body = WindowItems, responses(
    (status = 200, body = WindowItems), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/windows/{id}/items")]
pub async fn put_window_items(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<WindowItems>,
) -> ApiResult<web::Json<WindowItems>> {
    Ok(web::Json(
        services
            .set_window_items(&auth, WindowId(path.into_inner()), body.into_inner())
            .await?,
    ))
}

/// Who is on duty at each window of the hall.
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), responses(
    (status = 200, body = [WindowDuty]), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/halls/{id}/duty")]
pub async fn list_window_duty(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<WindowDuty>>> {
    Ok(web::Json(
        services
            .window_duty(&auth, HallId(path.into_inner()))
            .await?,
    ))
}

/// The caller signs in at the window (staff on duty).
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), responses(
    (status = 200, body = WindowDuty), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/windows/{id}/sign-in")]
pub async fn sign_in_window(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<WindowDuty>> {
    Ok(web::Json(
        services
            .sign_in_window(&auth, WindowId(path.into_inner()))
            .await?,
    ))
}

/// The caller signs out of the window (no ticket may be left called or in service there).
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), responses(
    (status = 200, body = WindowDuty), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/windows/{id}/sign-out")]
pub async fn sign_out_window(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<WindowDuty>> {
    Ok(web::Json(
        services
            .sign_out_window(&auth, WindowId(path.into_inner()))
            .await?,
    ))
}

/// Takes a ticket in an area of the hall (kiosk, WeChat/app through the API, front desk).
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), request_body = NewTicket, responses(
    (status = 201, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/halls/{id}/tickets")]
pub async fn take_ticket(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewTicket>,
) -> ApiResult<HttpResponse> {
    let t = services
        .take_ticket(&auth, HallId(path.into_inner()), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(t))
}

/// The hall's tickets, oldest first, by status and area.
#[utoipa::path(tag = "queue", params(("id" = i64, Path), TicketQuery), responses(
    (status = 200, body = Page<Ticket>), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/halls/{id}/tickets")]
pub async fn list_tickets(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    query: web::Query<TicketQuery>,
) -> ApiResult<web::Json<Page<Ticket>>> {
    Ok(web::Json(
        services
            .list_tickets(&auth, HallId(path.into_inner()), query.into_inner())
            .await?,
    ))
}

/// One ticket with its times in each state so far.
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), responses(
    (status = 200, body = Ticket), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/tickets/{id}")]
pub async fn get_ticket(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Ticket>> {
    Ok(web::Json(
        services.get_ticket(&auth, path.into_inner()).await?,
    ))
}

/// The ticket's visit as intervals: waiting, called, serving, waiting again …
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), responses(
    (status = 200, body = [VisitInterval]), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/tickets/{id}/intervals")]
pub async fn ticket_intervals(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<VisitInterval>>> {
    Ok(web::Json(
        services.ticket_intervals(&auth, path.into_inner()).await?,
    ))
}

/// Calls the next ticket this window may serve. 409 when the caller is not signed in here,
/// the window still has a ticket, or nothing waits.
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), responses(
    (status = 200, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/windows/{id}/call-next")]
pub async fn call_next(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Ticket>> {
    Ok(web::Json(
        services
            .call_next(&auth, WindowId(path.into_inner()))
            .await?,
    ))
}

/// Calls the ticket again (on the screens), still waiting for the visitor.
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), responses(
    (status = 200, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/tickets/{id}/recall")]
pub async fn recall_ticket(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Ticket>> {
    act(&services, &auth, path, TicketCommand::Recall).await
}

/// The visitor did not come (过号): back in the queue, or void after the hall's misses.
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), responses(
    (status = 200, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/tickets/{id}/skip")]
pub async fn skip_ticket(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Ticket>> {
    act(&services, &auth, path, TicketCommand::Skip).await
}

/// The visitor arrived: service starts.
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), responses(
    (status = 200, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/tickets/{id}/serve")]
pub async fn serve_ticket(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Ticket>> {
    act(&services, &auth, path, TicketCommand::Serve).await
}

/// Sends the ticket to another window, or to an area's queue; it keeps its place.
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), request_body = TransferRequest,
    responses((status = 200, body = Ticket), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/tickets/{id}/transfer")]
pub async fn transfer_ticket(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<TransferRequest>,
) -> ApiResult<web::Json<Ticket>> {
    act(
        &services,
        &auth,
        path,
        TicketCommand::Transfer(body.into_inner()),
    )
    .await
}

/// Service finished, linked to the case it produced, if any.
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), request_body = FinishRequest,
    responses((status = 200, body = Ticket), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/tickets/{id}/finish")]
pub async fn finish_ticket(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<FinishRequest>,
) -> ApiResult<web::Json<Ticket>> {
    act(
        &services,
        &auth,
        path,
        TicketCommand::Finish(body.into_inner()),
    )
    .await
}

/// The live queue: per area waiting count and estimated wait, per window staff and ticket.
#[utoipa::path(tag = "queue", params(("id" = i64, Path)), responses(
    (status = 200, body = QueueState), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/halls/{id}/queue")]
pub async fn get_queue_state(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<QueueState>> {
    Ok(web::Json(
        services
            .queue_state(&auth, HallId(path.into_inner()))
            .await?,
    ))
}

/// Runs one window action on a ticket: the shared tail of the action endpoints.
async fn act(
    services: &Services,
    auth: &Authenticated,
    path: web::Path<i64>,
    command: TicketCommand,
) -> ApiResult<web::Json<Ticket>> {
    Ok(web::Json(
        services
            .act_on_ticket(auth, path.into_inner(), command)
            .await?,
    ))
}
