//! Cases (办件, R-2.2.1.1): applying, the actions of a case's life, reads with both clocks.

use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::domain::case::CaseId;
use yiwang_core::service::Services;
use yiwang_core::service::cases::{CaseCommand, CaseImport, CaseImportResult};
use yiwang_core::wire::Page;
use yiwang_core::wire::cases::{
    Case, CaseHistoryEntry, CaseQuery, CountersignRequest, CourierRequest, Delegation, FeePayment,
    HandOverRequest, NewCase, NewDelegation, Opinion, PickUpRequest, Reason, ReturnRequest,
    SupplementRequest, SuspendRequest,
};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_cases)
        .service(import_cases)
        .service(submit_case)
        .service(get_case)
        .service(case_history)
        .service(accept_case)
        .service(reject_case)
        .service(request_supplement)
        .service(receive_supplement)
        .service(approve_step)
        .service(return_step)
        .service(deny_case)
        .service(suspend_case)
        .service(resume_case)
        .service(terminate_case)
        .service(countersign_step)
        .service(add_signer)
        .service(transfer_step)
        .service(pay_fee)
        .service(waive_fee)
        .service(ready_for_pickup)
        .service(pick_up)
        .service(send_by_courier)
        .service(delegate_case_work)
        .service(list_delegations)
        .service(revoke_delegation);
}

/// Loads past cases from an old system (historical back-fill, at most 1,000 a request): each
/// is filed at its original time and its history replayed through the live checks, in one
/// transaction per case; a refused case is reported with its reasons and the rest load, and a
/// case imported before (same `source` and `legacy_no`) is skipped.
#[utoipa::path(tag = "cases", request_body = CaseImport, responses(
    (status = 200, body = CaseImportResult), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/import")]
pub async fn import_cases(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<CaseImport>,
) -> ApiResult<web::Json<CaseImportResult>> {
    Ok(web::Json(
        services.import_cases(&auth, body.into_inner()).await?,
    ))
}

/// Cases within the caller's scope, filtered by status, item code, department or the
/// applicant's ID number (every answer shows it masked).
#[utoipa::path(tag = "cases", params(CaseQuery), responses(
    (status = 200, body = Page<Case>), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/cases")]
pub async fn list_cases(
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<CaseQuery>,
) -> ApiResult<web::Json<Page<Case>>> {
    Ok(web::Json(
        services.list_cases(&auth, query.into_inner()).await?,
    ))
}

/// Applies for a published item version; the case gets its number and starts `submitted`.
#[utoipa::path(tag = "cases", request_body = NewCase, responses(
    (status = 201, body = Case), (status = 403, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases")]
pub async fn submit_case(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewCase>,
) -> ApiResult<HttpResponse> {
    let case = services.submit_case(&auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(case))
}

/// One case with its legal, promised and current-step clocks.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), responses(
    (status = 200, body = Case), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/cases/{id}")]
pub async fn get_case(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Case>> {
    Ok(web::Json(
        services.get_case(&auth, CaseId(path.into_inner())).await?,
    ))
}

/// Every change of the case in order, with actor, time and opinion.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<CaseHistoryEntry>), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/cases/{id}/history")]
pub async fn case_history(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<CaseHistoryEntry>>> {
    Ok(web::Json(
        services
            .case_history(&auth, CaseId(path.into_inner()))
            .await?,
    ))
}

/// Accepts a submitted case (受理): its clocks start; the acceptance day does not count.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/accept")]
pub async fn accept_case(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Case>> {
    let command = CaseCommand::Accept;
    act(&services, &auth, path, command).await
}

/// Refuses a submitted case at intake (不予受理), with a reason.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), request_body = Reason, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/reject")]
pub async fn reject_case(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<Reason>,
) -> ApiResult<web::Json<Case>> {
    let body = body.into_inner();
    let command = CaseCommand::RejectAtIntake {
        reason: body.reason,
    };
    act(&services, &auth, path, command).await
}

/// Asks the applicant for missing materials (补正); the clock stops until they arrive.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), request_body = SupplementRequest, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/supplement/request")]
pub async fn request_supplement(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<SupplementRequest>,
) -> ApiResult<web::Json<Case>> {
    let body = body.into_inner();
    let command = CaseCommand::RequestSupplement {
        missing: body.missing,
    };
    act(&services, &auth, path, command).await
}

/// Records that the missing materials arrived; the clock runs again.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/supplement/receive")]
pub async fn receive_supplement(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Case>> {
    let command = CaseCommand::ReceiveSupplement;
    act(&services, &auth, path, command).await
}

/// Approves an open workflow step with an opinion (`step` names it when a parallel group has
/// several open; a signer's approval counts toward a countersigned step); the case moves on
/// when every step of the stage is approved, and the last stage concludes it approved.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), request_body = Opinion, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/steps/current/approve")]
pub async fn approve_step(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<Opinion>,
) -> ApiResult<web::Json<Case>> {
    let body = body.into_inner();
    let command = CaseCommand::Approve {
        opinion: body.opinion,
        step: body.step,
    };
    act(&services, &auth, path, command).await
}

/// Sends the case back to an earlier step, whose clock starts again.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), request_body = ReturnRequest, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/steps/current/return")]
pub async fn return_step(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ReturnRequest>,
) -> ApiResult<web::Json<Case>> {
    let body = body.into_inner();
    let command = CaseCommand::Return {
        to_step: body.to_step,
        reason: body.reason,
    };
    act(&services, &auth, path, command).await
}

/// Concludes the case denied (不予许可), with a reason.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), request_body = Reason, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/deny")]
pub async fn deny_case(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<Reason>,
) -> ApiResult<web::Json<Case>> {
    let body = body.into_inner();
    let command = CaseCommand::Deny {
        reason: body.reason,
    };
    act(&services, &auth, path, command).await
}

/// Stops the clock for a hearing, testing, appraisal or expert review.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), request_body = SuspendRequest, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/suspend")]
pub async fn suspend_case(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<SuspendRequest>,
) -> ApiResult<web::Json<Case>> {
    let body = body.into_inner();
    let command = CaseCommand::Suspend {
        reason: body.reason,
        note: body.note,
    };
    act(&services, &auth, path, command).await
}

/// Ends the suspension; the clock runs again.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/resume")]
pub async fn resume_case(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Case>> {
    let command = CaseCommand::Resume;
    act(&services, &auth, path, command).await
}

/// Ends an open case before its conclusion (终止), with a reason.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), request_body = Reason, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/terminate")]
pub async fn terminate_case(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<Reason>,
) -> ApiResult<web::Json<Case>> {
    let body = body.into_inner();
    let command = CaseCommand::Terminate {
        reason: body.reason,
    };
    act(&services, &auth, path, command).await
}

/// Names the signers of an open step: all must approve (会签) or any one (或签).
#[utoipa::path(tag = "cases", params(("id" = i64, Path), ("step" = u32, Path)),
    request_body = CountersignRequest, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/steps/{step}/countersign")]
pub async fn countersign_step(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<(i64, u32)>,
    body: web::Json<CountersignRequest>,
) -> ApiResult<web::Json<Case>> {
    let (id, step) = path.into_inner();
    let body = body.into_inner();
    let command = CaseCommand::Countersign {
        step,
        mode: body.mode,
        signers: body.signers,
        note: body.note,
    };
    run(&services, &auth, id, command).await
}

/// Adds a signer to an open step (加签).
#[utoipa::path(tag = "cases", params(("id" = i64, Path), ("step" = u32, Path)),
    request_body = HandOverRequest, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/steps/{step}/signers")]
pub async fn add_signer(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<(i64, u32)>,
    body: web::Json<HandOverRequest>,
) -> ApiResult<web::Json<Case>> {
    let (id, step) = path.into_inner();
    let body = body.into_inner();
    let command = CaseCommand::AddSigner {
        step,
        user_id: body.user_id,
        reason: body.reason,
    };
    run(&services, &auth, id, command).await
}

/// Hands an open step (or the caller's signature on it) to another handler (转办).
#[utoipa::path(tag = "cases", params(("id" = i64, Path), ("step" = u32, Path)),
    request_body = HandOverRequest, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/steps/{step}/transfer")]
pub async fn transfer_step(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<(i64, u32)>,
    body: web::Json<HandOverRequest>,
) -> ApiResult<web::Json<Case>> {
    let (id, step) = path.into_inner();
    let body = body.into_inner();
    let command = CaseCommand::Transfer {
        step,
        user_id: body.user_id,
        reason: body.reason,
    };
    run(&services, &auth, id, command).await
}

/// Records the payment of the fee charged at approval (the amount must match).
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), request_body = FeePayment, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/fee/pay")]
pub async fn pay_fee(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<FeePayment>,
) -> ApiResult<web::Json<Case>> {
    let body = body.into_inner();
    let command = CaseCommand::PayFee {
        amount_fen: body.amount_fen,
        payment_ref: body.payment_ref,
    };
    act(&services, &auth, path, command).await
}

/// Waives the fee charged at approval, with a reason.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), request_body = Reason, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/fee/waive")]
pub async fn waive_fee(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<Reason>,
) -> ApiResult<web::Json<Case>> {
    let command = CaseCommand::WaiveFee {
        reason: body.into_inner().reason,
    };
    act(&services, &auth, path, command).await
}

/// The concluded case's result waits at the window (待领取).
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/delivery/ready")]
pub async fn ready_for_pickup(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Case>> {
    act(&services, &auth, path, CaseCommand::ReadyForPickup).await
}

/// The result was picked up at the window: who, and now.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), request_body = PickUpRequest, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/delivery/pickup")]
pub async fn pick_up(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<PickUpRequest>,
) -> ApiResult<web::Json<Case>> {
    let command = CaseCommand::PickUp {
        picked_up_by: body.into_inner().picked_up_by,
    };
    act(&services, &auth, path, command).await
}

/// The result went out by courier: company, waybill number, address (shown masked).
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), request_body = CourierRequest, responses(
    (status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/cases/{id}/delivery/courier")]
pub async fn send_by_courier(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
    body: web::Json<CourierRequest>,
) -> ApiResult<web::Json<Case>> {
    let body = body.into_inner();
    let command = CaseCommand::SendByCourier {
        courier_company: body.courier_company,
        waybill_no: body.waybill_no,
        envelope_no: body.envelope_no,
        address: body.address,
    };
    act(&services, &auth, path, command).await
}

/// The caller lets a colleague act for them (委托): for a period, or one open step of a case.
#[utoipa::path(tag = "cases", request_body = NewDelegation, responses(
    (status = 201, body = Delegation), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/case-delegations")]
pub async fn delegate_case_work(
    services: web::Data<Services>,
    auth: Authenticated,
    body: web::Json<NewDelegation>,
) -> ApiResult<HttpResponse> {
    let made = services
        .delegate_case_work(&auth, body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(made))
}

/// The delegations the caller gave or received, newest first.
#[utoipa::path(tag = "cases", responses((status = 200, body = Vec<Delegation>)),
    security(("bearer" = [])))]
#[get("/case-delegations")]
pub async fn list_delegations(
    services: web::Data<Services>,
    auth: Authenticated,
) -> ApiResult<web::Json<Vec<Delegation>>> {
    Ok(web::Json(services.list_delegations(&auth).await?))
}

/// The delegator ends a delegation.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), responses(
    (status = 200, body = Delegation), (status = 404, body = Problem),
    (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/case-delegations/{id}/revoke")]
pub async fn revoke_delegation(
    services: web::Data<Services>,
    auth: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Delegation>> {
    Ok(web::Json(
        services.revoke_delegation(&auth, path.into_inner()).await?,
    ))
}

/// Runs one case action on case `id` for the caller.
async fn run(
    services: &Services,
    auth: &Authenticated,
    id: i64,
    command: CaseCommand,
) -> ApiResult<web::Json<Case>> {
    Ok(web::Json(
        services.act_on_case(auth, CaseId(id), command).await?,
    ))
}

/// Runs one case action for the caller: the shared tail of the action endpoints.
async fn act(
    services: &Services,
    auth: &Authenticated,
    path: web::Path<i64>,
    command: CaseCommand,
) -> ApiResult<web::Json<Case>> {
    run(services, auth, path.into_inner(), command).await
}
