//! The provincial e-license library (电子证照库, R-2.2.3.2): each license issued here is pushed
//! as it is issued (`license.issued`), and again when revoked (`license.revoked`), as the
//! library's license record. The library indexes licenses by their holder, so the holder's
//! number goes in full (opened from the case's sealed applicant number) over the connector's
//! authenticated channel; it appears nowhere else.
//!
//! ```json
//! {"push_id": "yiwang:library:42", "sys_code": "350100-YW", "action": "issue",
//!  "license": {"license_no": "DZZZ-…", "kind": "营业执照", "trust_level": "A",
//!              "holder": {"name": "…", "number": "91350100M000100Y43"},
//!              "issuer_region_code": "350102", "case_no": "…",
//!              "valid_from": "2026-12-01", "valid_to": "2031-11-30", "status": "valid",
//!              "issued_at": "…", "revoked_at": null, "revoke_reason": null}}
//! ```
//! The answer must be 2xx JSON with a non-empty `receipt_id`.

use diesel::prelude::*;
use serde_json::{Value, json};

use super::super::config::ConnectorConfig;
use super::super::deliveries::EventRow;
use crate::crypto::Vault;
use crate::error::Error;
use crate::store::DbConn;
use crate::store::schema::{cases, licenses, regions};
use crate::wire::time;

type Record = (
    (String, String, String, String, String, String, String),
    (i64, Option<i64>, Option<String>),
    (String, String, String),
);

pub(crate) fn body(
    conn: &mut DbConn,
    vault: &Vault,
    cfg: &ConnectorConfig,
    event: &EventRow,
    key: &str,
) -> Result<Option<Value>, Error> {
    let action = match event.kind.as_str() {
        "license.issued" => "issue",
        "license.revoked" => "revoke",
        _ => return Ok(None),
    };
    let row: Option<Record> = licenses::table
        .inner_join(cases::table.on(cases::id.nullable().eq(licenses::case_id)))
        .inner_join(regions::table.on(regions::id.eq(licenses::region_id)))
        .filter(licenses::id.eq(event.entity_id))
        .select((
            (
                licenses::license_no,
                licenses::kind,
                licenses::trust_level,
                licenses::holder_name,
                licenses::valid_from,
                licenses::valid_to,
                licenses::status,
            ),
            (
                licenses::issued_at,
                licenses::revoked_at,
                licenses::revoke_reason,
            ),
            (cases::id_sealed, regions::code, cases::case_no),
        ))
        .get_result(conn)
        .optional()?;
    let Some((
        (no, kind, level, name, from, to, status),
        (issued, revoked, reason),
        (sealed, region, case_no),
    )) = row
    else {
        return Ok(None);
    };
    let number = vault.open(&sealed)?;
    Ok(Some(json!({
        "push_id": key,
        "sys_code": cfg.system_code,
        "action": action,
        "license": {
            "license_no": no, "kind": kind, "trust_level": level,
            "holder": {"name": name, "number": number},
            "issuer_region_code": region, "case_no": case_no,
            "valid_from": from, "valid_to": to, "status": status,
            "issued_at": time(issued), "revoked_at": revoked.map(time),
            "revoke_reason": reason,
        },
    })))
}
