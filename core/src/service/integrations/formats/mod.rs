//! The wire formats, one module each: what a delivery's body is, and which answer of the peer
//! counts as an acknowledgement (anything else is retried and finally parked).

pub mod catalogue;
pub mod courier;
pub mod email;
pub mod hotline;
pub mod license_library;
pub mod logistics;
pub mod province;
pub mod publicity;
pub mod regulator;
pub mod sms;
pub mod webhook;

use serde_json::Value;

use super::config::{ConnectorConfig, Format};
use super::deliveries::EventRow;
use crate::crypto::Vault;
use crate::error::Error;
use crate::store::DbConn;

/// The body of one delivery; `None` when the event turns out to owe the peer nothing (it is
/// then marked delivered without a request).
pub(crate) fn body(
    conn: &mut DbConn,
    vault: &Vault,
    (name, cfg): (&str, &ConnectorConfig),
    event: &EventRow,
    key: &str,
) -> Result<Option<Value>, Error> {
    match cfg.format {
        Format::Webhook => Ok(Some(webhook::body(event, key))),
        Format::ProvinceCases => province::body(conn, cfg, event, key),
        Format::Email => Ok(email::body(event)),
        Format::Courier => courier::body(conn, vault, cfg, event, key),
        Format::Sms => sms::body(conn, vault, cfg, event, key),
        Format::Hotline => hotline::body(conn, cfg, event, key),
        Format::ProvinceLogistics => Ok(logistics::body(cfg, event, key)),
        Format::Regulator => regulator::body(conn, name, event, key),
        Format::LicenseLibrary => license_library::body(conn, vault, cfg, event, key),
        Format::ProvinceCatalogue => catalogue::body(conn, cfg, event, key),
        Format::CreditPublicity => publicity::body(conn, cfg, event, key),
    }
}

/// Whether the peer's answer acknowledges the delivery: `Ok` with its receipt id, when it gave
/// one, or `Err` with what was wrong.
pub(crate) fn accept(format: Format, status: u16, body: &str) -> Result<Option<String>, String> {
    if !(200..300).contains(&status) {
        return Err(format!("HTTP {status}: {}", excerpt(body)));
    }
    match format {
        Format::Webhook | Format::Sms | Format::Hotline => webhook::accept(body),
        // Regulators and the library acknowledge with their receipt, as the province does; a
        // regulator's receipt also marks a push that waits for feedback.
        Format::ProvinceCases
        | Format::ProvinceLogistics
        | Format::Regulator
        | Format::LicenseLibrary => province::accept(body),
        Format::Courier => courier::accept(body),
        // Mail is acknowledged by the relay's 250, not by an HTTP answer.
        Format::Email => Ok(None),
        Format::ProvinceCatalogue | Format::CreditPublicity => province::accept(body),
    }
}

/// What an acknowledged delivery settles beyond the outbox, in the transaction that records
/// it: the province has now seen that item version; the credit platform has the decision.
pub(crate) fn delivered(
    conn: &mut DbConn,
    connector: &str,
    format: Format,
    event_id: i64,
    receipt: Option<&str>,
    now: i64,
) -> Result<(), Error> {
    match format {
        Format::ProvinceCatalogue => catalogue::delivered(conn, connector, event_id, now),
        Format::CreditPublicity => publicity::delivered(conn, event_id, receipt, now),
        Format::Webhook
        | Format::ProvinceCases
        | Format::Email
        | Format::Courier
        | Format::Sms
        | Format::Hotline
        | Format::ProvinceLogistics
        | Format::Regulator
        | Format::LicenseLibrary => Ok(()),
    }
}

/// The start of a peer's answer, for the error shown with a parked delivery.
pub(crate) fn excerpt(body: &str) -> String {
    let mut s: String = body.chars().take(200).collect();
    if body.chars().nth(200).is_some() {
        s.push('…');
    }
    s
}

/// The JSON of an event's payload column (stored by the writer, so valid; `null` if not).
pub(crate) fn payload(event: &EventRow) -> Value {
    serde_json::from_str(&event.payload).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_success_status_is_a_failure_whatever_the_body() {
        let e = accept(Format::Webhook, 503, "busy").unwrap_err();
        assert!(e.starts_with("HTTP 503"), "{e}");
        assert!(accept(Format::ProvinceCases, 404, r#"{"receipt_id":"R1"}"#).is_err());
    }

    #[test]
    fn long_answers_are_cut_in_errors() {
        let long = "错".repeat(500);
        assert_eq!(excerpt(&long).chars().count(), 201);
    }
}
