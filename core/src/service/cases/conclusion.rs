//! The conclusion of a case (办结): [`conclude_case`] is the one place a case that became
//! approved or denied gets what follows a conclusion. Today that is the fee an approval charges;
//! whatever else a conclusion sets off (an e-license issued, a combined case's part closed)
//! belongs here too, in the same transaction.

use diesel::prelude::*;

use super::commands::record_change;
use super::{CaseFee, CaseRow, Details, details_json};
use crate::clock::Millis;
use crate::domain::case::{CaseStatus, FeeState};
use crate::domain::catalogue::FeeRule;
use crate::error::Error;
use crate::service::audit::Actor;
use crate::store::DbConn;
use crate::store::schema::cases;

/// An amount in fen as yuan with two decimals.
pub(super) fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, (fen % 100).abs())
}

/// The fee an approved case owes under its version's rule and the declared quantity; none
/// when the item is free or the rule charges nothing.
fn charged_fee(d: &Details, now: Millis) -> Option<CaseFee> {
    let rule = d.fee_rule.as_ref()?;
    let (quantity, unit) = match rule {
        FeeRule::None => return None,
        FeeRule::Fixed { .. } => (None, None),
        FeeRule::Formula { unit, .. } => (d.declared_quantity, Some(unit.clone())),
    };
    let amount_fen = rule.amount(quantity.unwrap_or(0));
    (amount_fen > 0).then_some(CaseFee {
        state: FeeState::Due,
        amount_fen,
        quantity,
        unit,
        charged_at: now,
        payment_ref: None,
        waive_reason: None,
        settled_at: None,
    })
}

/// Everything that follows a case's conclusion, in its transaction: called once, right after
/// the change that made the case approved or denied was stored and recorded. An approval whose
/// item charges a fee gets the fee (due until paid or waived), with its own history row,
/// audit entry and `case.fee_charged` event.
pub(super) fn conclude_case(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    row: &mut CaseRow,
) -> Result<(), Error> {
    let status = row.status();
    if status != CaseStatus::Approved {
        return Ok(());
    }
    let mut d = row.details()?;
    let Some(fee) = charged_fee(&d, now) else {
        return Ok(());
    };
    let opinion = match (&fee.quantity, &fee.unit) {
        (Some(q), Some(u)) => format!("应收 {} 元（{q} {u}）", yuan(fee.amount_fen)),
        _ => format!("应收 {} 元", yuan(fee.amount_fen)),
    };
    d.fee = Some(fee);
    row.details = details_json(&d)?;
    diesel::update(cases::table.find(row.id))
        .set(cases::details.eq(&row.details))
        .execute(conn)?;
    record_change(
        conn,
        now,
        actor,
        row,
        status,
        "charge_fee",
        "fee_charged",
        row.step_index,
        Some(&opinion),
    )
}
