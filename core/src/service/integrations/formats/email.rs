//! Email notices (lettre over SMTP, `notify.smtp`): the `notice.queued` events become messages.
//! The event carries the recipients, subject and text; the delivery's idempotency key is the
//! message's `Message-ID`, so a mail system can drop a repeat. The relay accepting the message
//! (250 after DATA) is the acknowledgement.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::super::deliveries::EventRow;
use super::payload;
use crate::config::SmtpConfig;

/// The message of a notice event; `None` for an event that is not one.
pub(crate) fn body(event: &EventRow) -> Option<Value> {
    let p = payload(event);
    let to: Vec<String> = p
        .get("to")?
        .as_array()?
        .iter()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    Some(json!({
        "to": to,
        "subject": p.get("subject")?.as_str()?,
        "body": p.get("body")?.as_str()?,
    }))
}

/// Sends one message through the relay; `Err` says why not.
pub(crate) async fn send(smtp: &SmtpConfig, key: &str, body: &Value) -> Result<(), String> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default();
    let from: Mailbox = smtp.from.parse().map_err(|e| format!("from: {e}"))?;
    let mut message = Message::builder()
        .from(from)
        .subject(text("subject"))
        .message_id(Some(format!("<{}@yiwang>", key.replace(':', "."))));
    for r in body
        .get("to")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        message = message.to(r.parse().map_err(|e| format!("{r}: {e}"))?);
    }
    let message = message
        .header(ContentType::TEXT_PLAIN)
        .header(ContentTransferEncoding::QuotedPrintable)
        .body(text("body").to_owned())
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
        .map_err(|e| format!("SMTP: {e}"))
}
