//! The audit trail for auditors, and its verification.

use actix_web::{get, web};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::service::Services;
use yiwang_core::wire::events::{AuditEntry, AuditVerification};
use yiwang_core::wire::{Page, PageQuery};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit).service(verify_audit);
}

/// Audit entries, oldest first, within the caller's scope.
#[utoipa::path(tag = "audit", params(PageQuery), responses(
    (status = 200, body = Page<AuditEntry>), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/audit")]
pub async fn list_audit(
    services: web::Data<Services>,
    auth: Authenticated,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<AuditEntry>>> {
    Ok(web::Json(
        services.list_audit(&auth, page.into_inner()).await?,
    ))
}

/// Re-computes the whole hash chain and names the first broken entry.
#[utoipa::path(tag = "audit", responses(
    (status = 200, body = AuditVerification), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/audit/verify")]
pub async fn verify_audit(
    services: web::Data<Services>,
    auth: Authenticated,
) -> ApiResult<web::Json<AuditVerification>> {
    Ok(web::Json(services.verify_audit(&auth).await?))
}
