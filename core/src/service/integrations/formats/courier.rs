//! Courier orders (EMS, R-2.2.4): each `courier.ordered` event sends the order as it stands.
//!
//! ```json
//! {"order_id": "yiwang:ems:42", "sys_code": "350100-YW", "leg": "result",
//!  "case_no": "350102-20261201-000001", "envelope_no": "XF20261201001", "waybill_no": null,
//!  "company": "EMS", "region_code": "350102", "department": "市场监督管理局",
//!  "person": {"name": "张三", "phone": "13800138000", "address": "福建省福州市…",
//!             "id_number": "110105********0021"}}
//! ```
//! `person` is the sender of a `pickup` (the courier collects the materials there and brings
//! them to `department`) and the recipient of a `result`. The courier needs the name, phone and
//! address in full to collect and hand over; the ID number is only for checking the person at
//! the door, so it goes masked. The answer must be 2xx JSON; a `waybill_no` in it is kept as
//! the receipt (the waybill itself comes back with the courier's reports).

use diesel::prelude::*;
use serde_json::{Value, json};

use super::super::config::ConnectorConfig;
use super::super::courier::OrderRow;
use super::super::deliveries::EventRow;
use super::excerpt;
use crate::crypto::Vault;
use crate::error::Error;
use crate::service::cases::CaseRow;
use crate::store::DbConn;
use crate::store::schema::{cases, courier_orders, departments, regions};

pub(crate) fn body(
    conn: &mut DbConn,
    vault: &Vault,
    cfg: &ConnectorConfig,
    event: &EventRow,
    key: &str,
) -> Result<Option<Value>, Error> {
    if event.entity != "courier_order" {
        return Ok(None);
    }
    let Some(order) = courier_orders::table
        .find(event.entity_id)
        .select(OrderRow::as_select())
        .get_result::<OrderRow>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let (case, region_code, department): (CaseRow, String, String) = cases::table
        .inner_join(regions::table)
        .inner_join(departments::table.on(departments::id.eq(cases::department_id)))
        .filter(cases::id.eq(order.case_id))
        .select((CaseRow::as_select(), regions::code, departments::name))
        .get_result(conn)?;
    let d = case.details()?;
    let phone = match &d.phone_sealed {
        Some(s) => Some(vault.open(s)?),
        None => None,
    };
    Ok(Some(json!({
        "order_id": key,
        "sys_code": cfg.system_code,
        "leg": order.leg,
        "case_no": case.case_no,
        "envelope_no": order.envelope_no,
        "waybill_no": order.waybill_no,
        "company": order.company,
        "region_code": region_code,
        "department": department,
        "person": {
            "name": d.applicant_name, "phone": phone,
            "address": vault.open(&order.address_sealed)?, "id_number": d.id_masked,
        },
    })))
}

pub(crate) fn accept(body: &str) -> Result<Option<String>, String> {
    let v: Value = serde_json::from_str(body)
        .map_err(|_| format!("the answer is not JSON: {}", excerpt(body)))?;
    Ok(v.get("waybill_no")
        .or_else(|| v.get("receipt_id"))
        .and_then(Value::as_str)
        .map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_answer_acknowledges_an_order() {
        assert_eq!(
            accept(r#"{"waybill_no":"1100123456789"}"#),
            Ok(Some("1100123456789".into()))
        );
        assert_eq!(accept(r#"{"code":0}"#), Ok(None));
        assert!(accept("").is_err());
        assert!(accept("<html>").is_err());
    }
}
