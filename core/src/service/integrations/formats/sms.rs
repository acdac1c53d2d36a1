//! A generic HTTP SMS gateway. Two messages go through it:
//!
//! - the rating request (短信评议, R-2.2.1.3): when a case concludes (`case.approved`,
//!   `case.denied`) and the applicant gave a mobile phone, the text made from the connector's
//!   `template`:
//!
//! ```json
//! {"message_id": "yiwang:sms:42", "phone": "13800138000",
//!  "text": "【一网通办】您办理的食品经营许可（办件号350102-20261201-000001）已办结…"}
//! ```
//!   The citizen's reply comes back as an inbound message whose `reference` is `message_id`,
//!   and becomes the case's evaluation. A case without a phone owes the gateway nothing.
//! - a card's notice (`notice.card`, `notify.cards`) to the staff member handling the case, at
//!   the phone of their user; a handler without one owes the gateway nothing.
//!
//! The answer must be 2xx, empty or JSON (a `receipt_id` is kept).

use diesel::prelude::*;
use serde_json::{Value, json};

use super::super::config::ConnectorConfig;
use super::super::deliveries::EventRow;
use crate::crypto::Vault;
use crate::error::Error;
use crate::service::cases::CaseRow;
use crate::store::DbConn;
use crate::store::schema::{cases, users};

/// The rating request when the connector configures none.
pub const DEFAULT_TEMPLATE: &str = "【一网通办】您办理的{item_name}（办件号{case_no}）{result}。\
请回复数字评价本次服务：5非常满意，4满意，3基本满意，2不满意，1非常不满意。";

/// The template with its placeholders filled in.
pub(crate) fn fill(template: &str, case_no: &str, item_name: &str, result: &str) -> String {
    template
        .replace("{case_no}", case_no)
        .replace("{item_name}", item_name)
        .replace("{result}", result)
}

pub(crate) fn body(
    conn: &mut DbConn,
    vault: &Vault,
    cfg: &ConnectorConfig,
    event: &EventRow,
    key: &str,
) -> Result<Option<Value>, Error> {
    if event.kind == "notice.card" {
        return card_notice(conn, vault, event, key);
    }
    if event.entity != "case" {
        return Ok(None);
    }
    let Some(case) = cases::table
        .find(event.entity_id)
        .select(CaseRow::as_select())
        .get_result::<CaseRow>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let d = case.details()?;
    let Some(sealed) = &d.phone_sealed else {
        return Ok(None);
    };
    let result = if event.kind == "case.denied" {
        "已办结（不予许可）"
    } else {
        "已办结"
    };
    let template = cfg.template.as_deref().unwrap_or(DEFAULT_TEMPLATE);
    Ok(Some(json!({
        "message_id": key,
        "phone": vault.open(sealed)?,
        "text": fill(template, &case.case_no, &d.item_name, result),
    })))
}

/// A card's notice to its handler: the text the event carries, to the handler's phone.
fn card_notice(
    conn: &mut DbConn,
    vault: &Vault,
    event: &EventRow,
    key: &str,
) -> Result<Option<Value>, Error> {
    let p = super::payload(event);
    let (Some(user_id), Some(text)) = (
        p.pointer("/handler/user_id").and_then(Value::as_i64),
        p.get("sms").and_then(Value::as_str),
    ) else {
        return Ok(None);
    };
    let sealed: Option<String> = users::table
        .find(user_id)
        .filter(users::active.eq(true))
        .select(users::phone_enc)
        .get_result::<Option<String>>(conn)
        .optional()?
        .flatten();
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    Ok(Some(json!({
        "message_id": key,
        "phone": vault.open(&sealed)?,
        "text": text,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_names_the_case_and_asks_for_a_digit() {
        let t = fill(
            DEFAULT_TEMPLATE,
            "350102-20261201-000001",
            "食品经营许可",
            "已办结",
        );
        assert!(t.starts_with(
            "【一网通办】您办理的食品经营许可（办件号350102-20261201-000001）已办结。"
        ));
        assert!(t.contains("5非常满意"));
        let en = fill(
            "Case {case_no} ({item_name}) {result}. Reply 1-5.",
            "A-1",
            "Food",
            "done",
        );
        assert_eq!(en, "Case A-1 (Food) done. Reply 1-5.");
    }
}
