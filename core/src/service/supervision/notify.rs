//! Notices by email (lettre over SMTP): a new supervision order to the window head and the
//! office, escalations to the office. Off unless `notify.smtp.enabled`.
//!
//! A notice is sent after its change committed, while the request waits (bounded by the
//! relay's timeout); a failure is logged and counted, and never undoes the change.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::SmtpConfig;
use crate::error::Error;

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

/// Sends one plain-text message to `to` and the office; logs and counts a failure.
pub(crate) async fn send(smtp: &SmtpConfig, to: &[String], subject: &str, body: String) {
    if !smtp.enabled {
        return;
    }
    let recipients: Vec<&String> = to.iter().chain(&smtp.office).collect();
    if recipients.is_empty() {
        return;
    }
    match deliver(smtp, &recipients, subject, body).await {
        Ok(()) => metrics::counter!("yiwang_notices_sent_total").increment(1),
        Err(e) => {
            metrics::counter!("yiwang_notices_failed_total").increment(1);
            tracing::warn!(error = %e, subject, "a notice could not be sent");
        }
    }
}

async fn deliver(
    smtp: &SmtpConfig,
    recipients: &[&String],
    subject: &str,
    body: String,
) -> Result<(), String> {
    let from: Mailbox = smtp.from.parse().map_err(|e| format!("from: {e}"))?;
    let mut message = Message::builder().from(from).subject(subject);
    for r in recipients {
        message = message.to(r.parse().map_err(|e| format!("{r}: {e}"))?);
    }
    let message = message
        .header(ContentType::TEXT_PLAIN)
        .header(ContentTransferEncoding::QuotedPrintable)
        .body(body)
        .map_err(|e| e.to_string())?;
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .timeout(Some(Duration::from_millis(smtp.timeout_ms)));
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        transport = transport.credentials(Credentials::new(
            user.clone(),
            password.0.expose_secret().to_owned(),
        ));
    }
    transport
        .build()
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}
