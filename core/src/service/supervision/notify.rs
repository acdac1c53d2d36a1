//! Notices by email: a new supervision order to the window head and the office, escalations
//! and published complaint results to the office. Off unless `notify.smtp.enabled`.
//!
//! A notice is queued after its change committed, as an audit entry and a `notice.queued`
//! event carrying its recipients, subject and text; the outbox's `email` connector sends it over
//! SMTP with retries and parking like any delivery (`service::integrations::formats::email`),
//! so a relay that is down delays notices and never loses one, and no request waits on it.
//! Queueing failing is logged and counted, and never undoes the change.

use lettre::message::Mailbox;
use serde_json::json;

use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};

/// Checks email addresses given in a request.
pub(crate) fn check_addresses(addresses: &[String]) -> Result<(), Error> {
    for (i, a) in addresses.iter().enumerate() {
        a.parse::<Mailbox>()
            .map_err(|e| Error::invalid(format!("notify[{i}]"), e.to_string()))?;
    }
    if addresses.len() > 20 {
        return Err(Error::invalid("notify", "at most 20 addresses"));
    }
    Ok(())
}

/// Queues one plain-text message to `to` and the office for the outbox.
pub(crate) async fn send(services: &Services, to: &[String], subject: &str, body: String) {
    let smtp = &services.config.notify.smtp;
    if !smtp.enabled {
        return;
    }
    let recipients: Vec<String> = to.iter().chain(&smtp.office).cloned().collect();
    if recipients.is_empty() {
        return;
    }
    let now = services.clock.now();
    let payload = json!({"to": recipients, "subject": subject, "body": body});
    let queued = services
        .store
        .write(move |conn| {
            audit::record(
                conn,
                now,
                &Actor::system(),
                Change {
                    payload,
                    ..Change::new("notice.queue", "notice.queued", "notice", 0)
                },
            )
        })
        .await;
    match queued {
        Ok(_) => metrics::counter!("yiwang_notices_queued_total").increment(1),
        Err(e) => {
            metrics::counter!("yiwang_notices_failed_total").increment(1);
            tracing::warn!(error = %e, subject, "a notice could not be queued");
        }
    }
}
