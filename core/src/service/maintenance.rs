//! The platform's own periodic jobs: checking the audit chain and purging dead tokens.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;

use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::jobs::JobSpec;
use crate::store::schema::tokens;

/// Tokens expired or revoked longer ago than this are deleted.
const KEEP_DEAD_TOKENS_MS: i64 = 30 * 86_400_000;

/// The jobs every node declares (the runner runs them on the leader only).
pub fn jobs() -> Vec<JobSpec> {
    let mut jobs = vec![
        JobSpec::new("audit-verify", Duration::from_secs(600), verify_audit_chain),
        JobSpec::new("token-purge", Duration::from_secs(3_600), purge_dead_tokens),
    ];
    jobs.extend(crate::service::supervision::jobs());
    jobs.extend(crate::service::queue::jobs());
    jobs.extend(crate::service::cockpit::jobs());
    jobs.extend(crate::service::integrations::logistics::jobs());
    jobs.extend(crate::service::regulators::jobs());
    jobs.extend(crate::service::publicity::jobs());
    jobs
}

/// Re-checks the whole audit chain; a broken chain is logged as an error and shown in metrics.
pub async fn verify_audit_chain(services: Services) -> Result<String, Error> {
    let v = services.store.read_heavy(audit::verify).await?;
    let ok = v.first_broken.is_none();
    metrics::gauge!("yiwang_audit_chain_ok").set(if ok { 1.0 } else { 0.0 });
    if ok {
        Ok(format!("{} entries verified", v.entries_checked))
    } else {
        tracing::error!(first_broken = ?v.first_broken, reason = ?v.reason, "the audit chain is broken");
        Err(Error::Internal(format!(
            "audit chain broken at entry {:?}",
            v.first_broken
        )))
    }
}

/// Deletes tokens that expired or were revoked more than 30 days ago, in one audited change.
pub async fn purge_dead_tokens(services: Services) -> Result<String, Error> {
    let now = services.clock.now();
    let cutoff = now - KEEP_DEAD_TOKENS_MS;
    let n = services
        .store
        .write(move |conn| {
            let dead = tokens::table.filter(
                tokens::expires_at
                    .lt(cutoff)
                    .or(tokens::revoked_at.lt(cutoff)),
            );
            let n = diesel::delete(dead).execute(conn)?;
            if n > 0 {
                let after = json!({"deleted": n, "before": crate::wire::time(cutoff)});
                audit::record(
                    conn,
                    now,
                    &Actor::system(),
                    Change {
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("token.purge", "token.purged", "token", 0)
                    },
                )?;
            }
            Ok(n)
        })
        .await?;
    Ok(format!("{n} dead tokens deleted"))
}
