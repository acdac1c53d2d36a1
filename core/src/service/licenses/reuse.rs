//! Which materials of an application an applicant's valid licenses, or the materials of their
//! earlier accepted cases, cover; recorded as reuses when the case is filed.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use super::{origin_of, register};
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::case::CaseId;
use crate::domain::catalogue::ItemContent;
use crate::domain::identity::{CreditCode, IdNumber};
use crate::domain::ids::DepartmentId;
use crate::domain::license::{
    Cover, EarlierMaterial, HeldLicense, LicenseSource, TrustLevel, coverage,
};
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::case_hooks::When;
use crate::service::cases::{CaseRow, SealedApplicant, case_in_scope, local_date};
use crate::service::catalogue::ItemRow;
use crate::service::license_library::recorded_licenses;
use crate::store::DbConn;
use crate::store::schema::{cases, catalogue_items, licenses, material_reuses, regions};
use crate::wire::licenses::{CoverView, CoverageRequest, MaterialCoverage, MaterialReuse};
use crate::wire::regulation::LibraryLicense;
use crate::wire::time;

/// The canonical form of an applicant's number: an ID number or a credit code.
pub(super) fn holder_number(input: &str) -> Result<String, Error> {
    IdNumber::parse(input)
        .map(|n| n.as_str().to_owned())
        .or_else(|_| CreditCode::parse(input).map(|c| c.as_str().to_owned()))
        .map_err(|e| Error::invalid("id_number", e.to_string()))
}

/// The holder's licenses valid on `today`, and the materials of their accepted cases other than
/// `except`.
fn holdings(
    conn: &mut DbConn,
    blind: &str,
    today: NaiveDate,
    except: i64,
) -> Result<(Vec<HeldLicense>, Vec<EarlierMaterial>), Error> {
    let day = today.to_string();
    let held: Vec<(i64, String, String)> = licenses::table
        .filter(licenses::holder_blind.eq(blind))
        .filter(licenses::status.eq("valid"))
        .filter(licenses::valid_from.le(&day))
        .filter(licenses::valid_to.ge(&day))
        .select((licenses::id, licenses::kind, licenses::trust_level))
        .load(conn)?;
    let held = held
        .into_iter()
        .map(|(id, kind, level)| HeldLicense {
            id,
            kind,
            trust_level: TrustLevel::parse(&level).unwrap_or(TrustLevel::D),
        })
        .collect();
    let earlier: Vec<CaseRow> = cases::table
        .filter(cases::id_blind.eq(blind))
        .filter(cases::accepted_at.is_not_null())
        .filter(cases::id.ne(except))
        .select(CaseRow::as_select())
        .load(conn)?;
    let mut materials = Vec::new();
    for row in &earlier {
        for name in row.details()?.materials {
            materials.push(EarlierMaterial {
                case_id: row.id,
                name,
            });
        }
    }
    Ok((held, materials))
}

/// The most trusted library license valid `today` of a kind in `kinds`.
fn best_library<'a>(
    found: &'a [LibraryLicense],
    kinds: &[String],
    today: NaiveDate,
) -> Option<&'a LibraryLicense> {
    found
        .iter()
        .filter(|l| kinds.contains(&l.kind) && l.valid_from <= today && today <= l.valid_to)
        .min_by_key(|l| l.trust_level)
}

/// How a library license that the platform does not hold yet is shown.
fn library_view(l: &LibraryLicense) -> CoverView {
    CoverView {
        source: "library".into(),
        license_id: None,
        license_no: Some(l.license_no.clone()),
        kind: Some(l.kind.clone()),
        trust_level: Some(l.trust_level),
        license_source: Some(LicenseSource::Library),
        issuer: l.issuer.clone(),
        case_id: None,
        case_no: None,
    }
}

/// How a cover is shown: the license's number and kind, or the earlier case's number.
fn cover_view(conn: &mut DbConn, cover: &Cover) -> Result<CoverView, Error> {
    Ok(match cover {
        Cover::License { id, trust_level } => {
            let (no, kind): (String, String) = licenses::table
                .find(id)
                .select((licenses::license_no, licenses::kind))
                .get_result(conn)?;
            let (source, issuer) = origin_of(conn, *id)?;
            CoverView {
                source: "license".into(),
                license_id: Some(*id),
                license_no: Some(no),
                kind: Some(kind),
                trust_level: Some(*trust_level),
                license_source: Some(source),
                issuer,
                case_id: None,
                case_no: None,
            }
        }
        Cover::EarlierCase { case_id } => {
            let no: String = cases::table
                .find(case_id)
                .select(cases::case_no)
                .get_result(conn)?;
            CoverView {
                source: "earlier_case".into(),
                license_id: None,
                license_no: None,
                kind: None,
                trust_level: None,
                license_source: None,
                issuer: None,
                case_id: Some(CaseId(*case_id)),
                case_no: Some(no),
            }
        }
    })
}

/// Records, for a case just filed, each material of its item that the applicant did not hand
/// in and that a valid license or an earlier case's material covers: the material is reused.
/// What the platform does not hold may be in the library's answer recorded for the applicant
/// (the coverage check before filing asked it): such a license is registered here first, so
/// that the reuse names it.
pub(crate) fn record_reuses(
    conn: &mut DbConn,
    caller: &Caller,
    row: &CaseRow,
    content: &ItemContent,
    handed_in: &[String],
    applicant: &SealedApplicant,
    (now, tz): When,
) -> Result<(), Error> {
    if content.materials.is_empty() {
        return Ok(());
    }
    let today = local_date(now, tz);
    let actor = Actor::of(caller);
    let (held, earlier) = holdings(conn, &applicant.blind, today, row.id)?;
    let covers = coverage(&content.materials, &held, &earlier);
    let mut library: Option<Vec<LibraryLicense>> = None;
    let mut reused = Vec::new();
    for (material, cover) in content.materials.iter().zip(covers) {
        if handed_in.iter().any(|h| h.trim() == material.name) {
            continue;
        }
        let cover = match cover {
            Some(cover) => cover,
            None if !material.substitute_licenses.is_empty() => {
                if library.is_none() {
                    library = Some(recorded_licenses(
                        conn,
                        &applicant.blind,
                        applicant.library_since,
                    )?);
                }
                let found = library.as_deref().unwrap_or_default();
                let Some(best) = best_library(found, &material.substitute_licenses, today) else {
                    continue;
                };
                let Some(id) = register::from_library(conn, &actor, row, applicant, best, now)?
                else {
                    continue;
                };
                Cover::License {
                    id,
                    trust_level: best.trust_level,
                }
            }
            None => continue,
        };
        let (license_id, source_case_id, level) = match cover {
            Cover::License { id, trust_level } => (Some(id), None, Some(trust_level.as_str())),
            Cover::EarlierCase { case_id } => (None, Some(case_id), None),
        };
        diesel::insert_into(material_reuses::table)
            .values((
                material_reuses::case_id.eq(row.id),
                material_reuses::material.eq(&material.name),
                material_reuses::license_id.eq(license_id),
                material_reuses::source_case_id.eq(source_case_id),
                material_reuses::trust_level.eq(level),
                material_reuses::at.eq(now),
            ))
            .execute(conn)?;
        reused.push(json!({
            "material": material.name, "license_id": license_id,
            "source_case_id": source_case_id, "trust_level": level,
        }));
    }
    if reused.is_empty() {
        return Ok(());
    }
    audit::record(
        conn,
        now,
        &actor,
        Change {
            region_id: Some(row.region_id),
            department_id: Some(row.department_id),
            payload: json!({"case_no": row.case_no, "reused": reused}),
            ..Change::new(
                "case.reuse_materials",
                "case.materials_reused",
                "case",
                row.id,
            )
        },
    )?;
    Ok(())
}

impl Services {
    /// Which materials of a published item an applicant's valid licenses or earlier materials
    /// cover, before applying. Needs `case.handle` over the item.
    pub async fn material_coverage(
        &self,
        caller: &Caller,
        request: CoverageRequest,
    ) -> Result<Vec<MaterialCoverage>, Error> {
        let number = holder_number(&request.id_number)?;
        let blind = self.vault.blind_index(&number);
        let masked = crate::crypto::mask(&number, 6, 4);
        let c = caller.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let local = self
            .store
            .read(move |conn| {
                let item_id = request.item_id.0;
                let (item, path): (ItemRow, String) = catalogue_items::table
                    .inner_join(regions::table)
                    .filter(catalogue_items::id.eq(item_id))
                    .select((ItemRow::as_select(), regions::path))
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::invalid("item_id", "no such item"))?;
                let target = Target {
                    region_path: Some(&path),
                    department_id: Some(DepartmentId(item.department_id)),
                    owner_id: None,
                };
                if !c.may(Permission::CaseHandle, &target) {
                    return Err(Error::forbidden(
                        "checking an application's materials needs case.handle over the item",
                    ));
                }
                let content = item.content()?;
                let (held, earlier) = holdings(conn, &blind, local_date(now, tz), 0)?;
                let covers = coverage(&content.materials, &held, &earlier);
                content
                    .materials
                    .iter()
                    .zip(covers)
                    .map(|(m, cover)| {
                        Ok((
                            MaterialCoverage {
                                material: m.name.clone(),
                                required: m.required,
                                covered_by: cover.map(|c| cover_view(conn, &c)).transpose()?,
                                library: None,
                            },
                            m.substitute_licenses.clone(),
                        ))
                    })
                    .collect::<Result<Vec<_>, Error>>()
            })
            .await?;
        // What the platform does not hold may be in the provincial library.
        let wanted = local
            .iter()
            .any(|(m, kinds)| m.covered_by.is_none() && !kinds.is_empty());
        if !wanted {
            return Ok(local.into_iter().map(|(m, _)| m).collect());
        }
        let found = self.lookup_holder(Some(caller), &number, &masked).await?;
        let today = local_date(now, tz);
        Ok(local
            .into_iter()
            .map(|(mut m, kinds)| {
                if m.covered_by.is_some() || kinds.is_empty() {
                    return m;
                }
                m.covered_by = best_library(&found.licenses, &kinds, today).map(library_view);
                m.library = Some(found.outcome.clone());
                m
            })
            .collect())
    }

    /// The materials a case reused instead of having them handed in, in the order recorded.
    pub async fn case_reuses(
        &self,
        caller: &Caller,
        id: CaseId,
    ) -> Result<Vec<MaterialReuse>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                case_in_scope(conn, &caller, Permission::CaseRead, id)?;
                type ReuseRow = (i64, String, Option<i64>, Option<i64>, Option<String>, i64);
                let rows: Vec<ReuseRow> = material_reuses::table
                    .filter(material_reuses::case_id.eq(id.0))
                    .order(material_reuses::id.asc())
                    .select((
                        material_reuses::id,
                        material_reuses::material,
                        material_reuses::license_id,
                        material_reuses::source_case_id,
                        material_reuses::trust_level,
                        material_reuses::at,
                    ))
                    .load(conn)?;
                rows.into_iter()
                    .map(|(reuse_id, material, license, source, level, at)| {
                        let cover = match (license, source) {
                            (Some(id), _) => Cover::License {
                                id,
                                trust_level: level
                                    .as_deref()
                                    .and_then(TrustLevel::parse)
                                    .unwrap_or(TrustLevel::D),
                            },
                            (None, Some(case_id)) => Cover::EarlierCase { case_id },
                            (None, None) => {
                                return Err(Error::Internal(format!(
                                    "material reuse {reuse_id} names no source"
                                )));
                            }
                        };
                        Ok(MaterialReuse {
                            id: reuse_id,
                            case_id: id,
                            material,
                            covered_by: cover_view(conn, &cover)?,
                            at: time(at),
                        })
                    })
                    .collect()
            })
            .await
    }
}
