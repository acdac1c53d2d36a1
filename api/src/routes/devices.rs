//! Hall devices: the registry and commands for people (`/devices…`), and the device protocol for
//! the devices themselves (`/device/…`, with a device token; see `docs/devices.md`).

use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::ids::{CommandId, DeviceId};
use yiwang_core::service::Services;
use yiwang_core::wire::devices::{
    Ack, CommandBatch, Device, DeviceCommand, DeviceDetail, DeviceQuery, DeviceStatus, Heartbeat,
    HeartbeatAck, Hello, NewCommand, NewDevice, PollQuery, RegisteredDevice, Report, ReportQuery,
    StoredReport, Welcome,
};
use yiwang_core::wire::{Page, PageQuery};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_devices)
        .service(register_device)
        .service(list_device_reports)
        .service(get_device)
        .service(enable_device)
        .service(disable_device)
        .service(retire_device)
        .service(renew_device_token)
        .service(send_command)
        .service(list_device_commands)
        .service(device_hello)
        .service(device_heartbeat)
        .service(poll_commands)
        .service(ack_command)
        .service(device_report);
}

/// Devices in the caller's scope, by hall, kind and status, with liveness and pending commands.
#[utoipa::path(tag = "devices", params(DeviceQuery), responses(
    (status = 200, body = Page<Device>), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/devices")]
pub async fn list_devices(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<DeviceQuery>,
) -> ApiResult<web::Json<Page<Device>>> {
    Ok(web::Json(
        services.list_devices(&auth, query.into_inner()).await?,
    ))
}

/// Registers a device in a hall; the answer carries its token, shown only this once.
#[utoipa::path(tag = "devices", request_body = NewDevice, responses(
    (status = 201, body = RegisteredDevice), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/devices")]
pub async fn register_device(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewDevice>,
) -> ApiResult<HttpResponse> {
    let d = services.register_device(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(d))
}

/// What devices reported (tickets taken, ratings, confirmations, faults), by hall, device or case.
#[utoipa::path(tag = "devices", params(ReportQuery), responses(
    (status = 200, body = Page<StoredReport>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/devices/reports")]
pub async fn list_device_reports(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<ReportQuery>,
) -> ApiResult<web::Json<Page<StoredReport>>> {
    Ok(web::Json(
        services
            .list_device_reports(&auth, query.into_inner())
            .await?,
    ))
}

/// One device with its pending commands and what it should show now.
#[utoipa::path(tag = "devices", params(("id" = i64, Path)), responses(
    (status = 200, body = DeviceDetail), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/devices/{id}")]
pub async fn get_device(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<DeviceDetail>> {
    Ok(web::Json(
        services
            .get_device(&auth, DeviceId(path.into_inner()))
            .await?,
    ))
}

async fn set_status(
    services: &Services,
    auth: &Authenticated,
    id: i64,
    to: DeviceStatus,
) -> ApiResult<web::Json<Device>> {
    Ok(web::Json(
        services.set_device_status(auth, DeviceId(id), to).await?,
    ))
}

/// Puts a disabled device back in service.
#[utoipa::path(tag = "devices", params(("id" = i64, Path)), responses(
    (status = 200, body = Device), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
#[post("/devices/{id}/enable")]
pub async fn enable_device(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Device>> {
    set_status(&services, &auth, path.into_inner(), DeviceStatus::Enabled).await
}

/// Takes a device out of service: its protocol calls are refused until it is enabled again.
#[utoipa::path(tag = "devices", params(("id" = i64, Path)), responses(
    (status = 200, body = Device), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
#[post("/devices/{id}/disable")]
pub async fn disable_device(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Device>> {
    set_status(&services, &auth, path.into_inner(), DeviceStatus::Disabled).await
}

/// Retires a device for good: its token is revoked and its waiting commands expire.
#[utoipa::path(tag = "devices", params(("id" = i64, Path)), responses(
    (status = 200, body = Device), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
#[post("/devices/{id}/retire")]
pub async fn retire_device(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Device>> {
    set_status(&services, &auth, path.into_inner(), DeviceStatus::Retired).await
}

/// Revokes the device's token and issues a new one (shown once).
#[utoipa::path(tag = "devices", params(("id" = i64, Path)), responses(
    (status = 200, body = RegisteredDevice), (status = 404, body = Problem),
    (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/devices/{id}/token")]
pub async fn renew_device_token(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<RegisteredDevice>> {
    Ok(web::Json(
        services
            .renew_device_token(&auth, DeviceId(path.into_inner()))
            .await?,
    ))
}

/// Queues a command for a device; its long-poll returns it at once.
#[utoipa::path(tag = "devices", params(("id" = i64, Path)), request_body = NewCommand, responses(
    (status = 201, body = DeviceCommand), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/devices/{id}/commands")]
pub async fn send_command(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<NewCommand>,
) -> ApiResult<HttpResponse> {
    let c = services
        .send_command(&auth, DeviceId(path.into_inner()), body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(c))
}

/// A device's commands, oldest first, with their status (queued, delivered, acked, expired).
#[utoipa::path(tag = "devices", params(("id" = i64, Path), PageQuery), responses(
    (status = 200, body = Page<DeviceCommand>), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/devices/{id}/commands")]
pub async fn list_device_commands(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<DeviceCommand>>> {
    Ok(web::Json(
        services
            .list_device_commands(&auth, DeviceId(path.into_inner()), page.into_inner())
            .await?,
    ))
}

/// Device protocol: (re)connect; answers the full state to show and every unacknowledged command.
#[utoipa::path(tag = "device protocol", request_body = Hello, responses(
    (status = 200, body = Welcome), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[post("/device/hello")]
pub async fn device_hello(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<Hello>,
) -> ApiResult<web::Json<Welcome>> {
    let slot = services.device_slot(&auth).await?;
    Ok(web::Json(
        services.device_hello(&slot, body.into_inner()).await?,
    ))
}

/// Device protocol: a heartbeat with health figures (kept in memory, never written per beat).
#[utoipa::path(tag = "device protocol", request_body = Heartbeat, responses(
    (status = 200, body = HeartbeatAck), (status = 401, body = Problem),
    (status = 403, body = Problem)), security(("bearer" = [])))]
#[post("/device/heartbeat")]
pub async fn device_heartbeat(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<Heartbeat>,
) -> ApiResult<web::Json<HeartbeatAck>> {
    let slot = services.device_slot(&auth).await?;
    Ok(web::Json(
        services.device_heartbeat(&slot, body.into_inner()),
    ))
}

/// Device protocol: long-poll for commands (`wait_ms` up to 30,000); answers as soon as one is
/// queued.
#[utoipa::path(tag = "device protocol", params(PollQuery), responses(
    (status = 200, body = CommandBatch), (status = 401, body = Problem),
    (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/device/commands")]
pub async fn poll_commands(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<PollQuery>,
) -> ApiResult<web::Json<CommandBatch>> {
    let slot = services.device_slot(&auth).await?;
    let wait = query.wait_ms.unwrap_or(25_000);
    Ok(web::Json(services.poll_commands(&slot, wait).await?))
}

/// Device protocol: acknowledges a command it was handed; again answers the same.
#[utoipa::path(tag = "device protocol", params(("id" = i64, Path)), request_body = Ack, responses(
    (status = 200, body = DeviceCommand), (status = 404, body = Problem),
    (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/device/commands/{id}/ack")]
pub async fn ack_command(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<Ack>,
) -> ApiResult<web::Json<DeviceCommand>> {
    let slot = services.device_slot(&auth).await?;
    Ok(web::Json(
        services
            .ack_command(&slot, CommandId(path.into_inner()), body.into_inner())
            .await?,
    ))
}

/// Device protocol: reports what happened on the device; a retry with the same `report_id`
/// answers 200 with the stored report instead of 201.
#[utoipa::path(tag = "device protocol", request_body = Report, responses(
    (status = 201, body = StoredReport), (status = 200, body = StoredReport),
    (status = 403, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/device/reports")]
pub async fn device_report(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<Report>,
) -> ApiResult<HttpResponse> {
    let slot = services.device_slot(&auth).await?;
    let r = services.device_report(&slot, body.into_inner()).await?;
    Ok(if r.duplicate {
        HttpResponse::Ok().json(r)
    } else {
        HttpResponse::Created().json(r)
    })
}
