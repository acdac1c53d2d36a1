//! The generic webhook: the event as logged (personal data in it is already masked), with its
//! idempotency key. Acknowledged by any 2xx answer that is empty or JSON; a JSON answer's
//! `receipt_id` is kept.
//!
//! ```json
//! {"idempotency_key": "yiwang:NAME:42",
//!  "event": {"id": 42, "at": "2026-12-01T08:00:00Z", "kind": "case.accepted",
//!            "entity": "case", "entity_id": 7, "region_id": 3, "payload": {…}}}
//! ```

use serde_json::{Value, json};

use super::super::deliveries::EventRow;
use super::{excerpt, payload};
use crate::wire::time;

pub(crate) fn body(event: &EventRow, key: &str) -> Value {
    json!({
        "idempotency_key": key,
        "event": {
            "id": event.id, "at": time(event.at), "kind": event.kind, "entity": event.entity,
            "entity_id": event.entity_id, "region_id": event.region_id,
            "payload": payload(event),
        },
    })
}

pub(crate) fn accept(body: &str) -> Result<Option<String>, String> {
    if body.trim().is_empty() {
        return Ok(None);
    }
    let v: Value = serde_json::from_str(body)
        .map_err(|_| format!("the answer is not JSON: {}", excerpt(body)))?;
    Ok(v.get("receipt_id")
        .and_then(Value::as_str)
        .map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_or_json_answers_acknowledge() {
        assert_eq!(accept(""), Ok(None));
        assert_eq!(accept(r#"{"ok":true}"#), Ok(None));
        assert_eq!(accept(r#"{"receipt_id":"r-1"}"#), Ok(Some("r-1".into())));
    }

    #[test]
    fn garbage_does_not_acknowledge() {
        assert!(accept("<html>502 Bad Gateway</html>").is_err());
    }
}
