//! Which fields each department publishes (R-2.2.1.6 "report contents customisable per
//! department"): a selection from a fixed list, managed through the API with audit. A
//! department that chose nothing publishes every field; `case_no` is always sent, as the key
//! the platform files the decision under.

use std::collections::BTreeSet;

use diesel::prelude::*;
use serde_json::json;

use crate::domain::access::{Caller, Permission, Target};
use crate::domain::ids::DepartmentId;
use crate::error::{Error, FieldError};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{departments, publicity_fields, regions};
use crate::wire::publicity::{FieldSelection, NewFieldSelection, PublicityField};
use crate::wire::time;

/// The report's key, always sent.
pub(crate) const CASE_NO: &str = "case_no";

/// Every field there is: (name, Chinese label, English label).
pub(crate) const FIELDS: &[(&str, &str, &str)] = &[
    (CASE_NO, "办件编号", "case number"),
    ("item_code", "事项编码", "item code"),
    ("item_name", "许可事项名称", "licensed item"),
    ("decision", "许可决定", "decision"),
    ("decided_at", "许可决定日期", "decision date"),
    ("applicant_kind", "行政相对人类别", "applicant kind"),
    ("applicant_name", "行政相对人名称", "applicant name"),
    (
        "applicant_id",
        "行政相对人证件号码",
        "applicant ID (masked)",
    ),
    ("license_no", "许可证书编号", "license number"),
    ("license_valid_from", "有效期自", "valid from"),
    ("license_valid_to", "有效期至", "valid to"),
    ("department_name", "许可机关", "licensing authority"),
    ("region_code", "行政区划代码", "region code"),
    ("legal_basis", "许可依据", "legal basis"),
];

fn available() -> Vec<PublicityField> {
    FIELDS
        .iter()
        .map(|(name, zh, en)| PublicityField {
            name: (*name).into(),
            label_zh: (*zh).into(),
            label_en: (*en).into(),
        })
        .collect()
}

/// The department's stored selection: (fields, updated_at, updated_by).
type Stored = (String, i64, String);

fn stored(conn: &mut DbConn, department_id: i64) -> Result<Option<Stored>, Error> {
    Ok(publicity_fields::table
        .find(department_id)
        .select((
            publicity_fields::fields,
            publicity_fields::updated_at,
            publicity_fields::updated_by,
        ))
        .get_result(conn)
        .optional()?)
}

fn parse(fields: &str) -> Result<Vec<String>, Error> {
    serde_json::from_str(fields).map_err(|e| Error::Internal(format!("publicity fields: {e}")))
}

/// The fields a department publishes, `case_no` first.
pub(crate) fn selected(conn: &mut DbConn, department_id: i64) -> Result<Vec<String>, Error> {
    Ok(match stored(conn, department_id)? {
        None => FIELDS.iter().map(|(n, _, _)| (*n).to_owned()).collect(),
        Some((fields, _, _)) => {
            let mut out = vec![CASE_NO.to_owned()];
            out.extend(parse(&fields)?.into_iter().filter(|f| f != CASE_NO));
            out
        }
    })
}

fn selection(conn: &mut DbConn, department_id: i64) -> Result<FieldSelection, Error> {
    let s = stored(conn, department_id)?;
    Ok(FieldSelection {
        department_id,
        fields: selected(conn, department_id)?,
        custom: s.is_some(),
        updated_at: s.as_ref().map(|(_, at, _)| time(*at)),
        updated_by: s.map(|(_, _, by)| by),
        available: available(),
    })
}

/// The department's region path, or not-found.
fn department_path(conn: &mut DbConn, department_id: i64) -> Result<String, Error> {
    departments::table
        .inner_join(regions::table)
        .filter(departments::id.eq(department_id))
        .select(regions::path)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("department", department_id))
}

fn check(
    conn: &mut DbConn,
    caller: &Caller,
    perm: Permission,
    department_id: i64,
) -> Result<(), Error> {
    let path = department_path(conn, department_id)?;
    let target = Target {
        region_path: Some(&path),
        department_id: Some(DepartmentId(department_id)),
        owner_id: None,
    };
    caller.check(
        perm,
        Permission::CatalogueRead,
        &target,
        "department",
        department_id,
    )
}

/// Every unknown or repeated name in a selection.
fn invalid(fields: &[String]) -> Vec<FieldError> {
    let known: BTreeSet<&str> = FIELDS.iter().map(|(n, _, _)| *n).collect();
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if !known.contains(f.as_str()) {
            errors.push(FieldError::new(format!("fields[{i}]"), "no such field"));
        } else if !seen.insert(f.as_str()) {
            errors.push(FieldError::new(format!("fields[{i}]"), "named twice"));
        }
    }
    errors
}

impl Services {
    /// A department's selection (`catalogue.read` over it).
    pub async fn publicity_fields(
        &self,
        caller: &Caller,
        department_id: i64,
    ) -> Result<FieldSelection, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                check(conn, &caller, Permission::CatalogueRead, department_id)?;
                selection(conn, department_id)
            })
            .await
    }

    /// Sets which fields a department publishes (`publicity.manage` over it); audited.
    pub async fn set_publicity_fields(
        &self,
        caller: &Caller,
        department_id: i64,
        new: NewFieldSelection,
    ) -> Result<FieldSelection, Error> {
        let errors = invalid(&new.fields);
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                check(conn, &caller, Permission::PublicityManage, department_id)?;
                let before = selection(conn, department_id)?;
                let fields = serde_json::to_string(&new.fields)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                let n = diesel::update(publicity_fields::table.find(department_id))
                    .set((
                        publicity_fields::fields.eq(&fields),
                        publicity_fields::updated_at.eq(now),
                        publicity_fields::updated_by.eq(&caller.username),
                    ))
                    .execute(conn)?;
                if n == 0 {
                    diesel::insert_into(publicity_fields::table)
                        .values((
                            publicity_fields::department_id.eq(department_id),
                            publicity_fields::fields.eq(&fields),
                            publicity_fields::updated_at.eq(now),
                            publicity_fields::updated_by.eq(&caller.username),
                        ))
                        .execute(conn)?;
                }
                let after = selection(conn, department_id)?;
                let region_id: i64 = departments::table
                    .find(department_id)
                    .select(departments::region_id)
                    .get_result(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(region_id),
                        department_id: Some(department_id),
                        before: Some(json!({"fields": before.fields, "custom": before.custom})),
                        after: Some(json!({"fields": after.fields})),
                        payload: json!({"fields": after.fields}),
                        ..Change::new(
                            "publicity.fields",
                            "publicity.fields_set",
                            "department",
                            department_id,
                        )
                    },
                )?;
                Ok(after)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_names_known_fields_once() {
        assert!(invalid(&["item_name".into(), "decided_at".into()]).is_empty());
        let e = invalid(&["item_name".into(), "id_number".into(), "item_name".into()]);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].field, "fields[1]");
        assert_eq!(e[1].reason, "named twice");
    }
}
