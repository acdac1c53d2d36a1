//! The applicant's cases: applying online with upload metadata, the list and one case with
//! the history meant for them, courier tracking, payment status, rating and complaining.
//! A case is the applicant's when its applicant number's blind index is theirs; anything
//! else answers 404, like a case that does not exist.

use diesel::prelude::*;
use serde_json::json;

use super::{ApplicantIdentity, Portal};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::case::CaseId;
use crate::domain::case::CaseStatus;
use crate::domain::catalogue::{ChangeKind, ItemStatus};
use crate::domain::ids::DepartmentId;
use crate::domain::portal::{status_title, told_of};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::{CaseRow, Filing, calendar, case_in_scope, file_case, wire_case};
use crate::service::integrations::courier::case_orders;
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{case_history, cases, catalogue_items, portal_materials, regions};
use crate::wire::cases::{ApplicantInput, Case, Channel, NewCase};
use crate::wire::complaints::{Complainant, NewComplaint};
use crate::wire::portal::{
    ComplaintReceipt, CourierTracking, EvaluationReceipt, MyCasesQuery, NewApplication,
    NewPortalComplaint, NewPortalEvaluation, PaymentStatus, PortalCase, PortalCaseDetail,
    PortalHistoryEntry, PortalStep, PortalVia, StoredMaterial, UploadedMaterial,
};
use crate::wire::supervision::{EvaluationSource, NewEvaluation};
use crate::wire::{Page, PageQuery, page_of, time};

/// Most files named in one application.
const MAX_UPLOADS: usize = 50;
/// Largest file the metadata may describe: 2 GiB.
const MAX_FILE_BYTES: u64 = 2 << 30;

fn check_uploads(v: &mut Validator, uploads: &[UploadedMaterial]) {
    v.check(
        uploads.len() <= MAX_UPLOADS,
        "materials",
        "at most 50 files",
    );
    for (i, m) in uploads.iter().enumerate() {
        let f = |name: &str| format!("materials[{i}].{name}");
        v.text(&m.name, &f("name"), 200);
        v.check(
            (1..=MAX_FILE_BYTES).contains(&m.size_bytes),
            &f("size_bytes"),
            "1 byte to 2 GiB",
        );
        let hash = m.sha256.trim();
        v.check(
            hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            &f("sha256"),
            "64 hex digits",
        );
        let ct = m.content_type.trim();
        v.check(
            ct.len() <= 100
                && ct
                    .split_once('/')
                    .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
                && ct.bytes().all(|b| b.is_ascii_graphic()),
            &f("content_type"),
            "a media type such as application/pdf",
        );
        v.text(&m.storage_ref, &f("storage_ref"), 500);
    }
}

/// The case if it is the applicant's and within the acting caller's scope; 404 otherwise.
fn own_case(
    conn: &mut DbConn,
    acting: &Caller,
    who: &ApplicantIdentity,
    id: CaseId,
) -> Result<CaseRow, Error> {
    let blind: Option<String> = cases::table
        .find(id.0)
        .select(cases::id_blind)
        .get_result(conn)
        .optional()?;
    if blind.as_deref() != Some(who.blind.as_str()) {
        return Err(Error::not_found("case", id));
    }
    Ok(case_in_scope(conn, acting, Permission::CaseRead, id)?.row)
}

/// The applicant's view of a case: no handlers, signers or allowed staff actions.
fn portal_case(c: Case) -> PortalCase {
    let (title, title_en) = status_title(c.status);
    PortalCase {
        id: c.id,
        case_no: c.case_no,
        item_id: c.item_id,
        item_code: c.item_code,
        item_name: c.item_name,
        region_id: c.region_id,
        department_id: c.department_id,
        status: c.status,
        status_title: title.into(),
        status_title_en: title_en.into(),
        channel: c.channel,
        applicant: c.applicant,
        materials: c.materials,
        missing_materials: c.missing_materials,
        submitted_at: c.submitted_at,
        accepted_at: c.accepted_at,
        concluded_at: c.concluded_at,
        current_steps: c
            .open_steps
            .into_iter()
            .map(|s| PortalStep {
                name: s.name,
                started_at: s.started_at,
                clock: s.clock,
            })
            .collect(),
        legal_clock: c.legal_clock,
        promised_clock: c.promised_clock,
    }
}

fn uploads(conn: &mut DbConn, case: i64) -> Result<Vec<StoredMaterial>, Error> {
    type Row = (String, i64, String, String, String, i64);
    let rows: Vec<Row> = portal_materials::table
        .filter(portal_materials::case_id.eq(case))
        .order(portal_materials::id.asc())
        .select((
            portal_materials::name,
            portal_materials::size_bytes,
            portal_materials::sha256,
            portal_materials::content_type,
            portal_materials::storage_ref,
            portal_materials::uploaded_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(name, size, sha256, content_type, storage_ref, at)| StoredMaterial {
                name,
                size_bytes: u64::try_from(size).unwrap_or(0),
                sha256,
                content_type,
                storage_ref,
                uploaded_at: time(at),
            },
        )
        .collect())
}

/// The changes of a case its applicant is told about, with only the notes meant for them.
fn history(conn: &mut DbConn, row: &CaseRow) -> Result<Vec<PortalHistoryEntry>, Error> {
    let steps = row.details()?.workflow;
    let rows: Vec<(i64, String, String, i64, Option<String>)> = case_history::table
        .filter(case_history::case_id.eq(row.id))
        .order(case_history::id.asc())
        .select((
            case_history::at,
            case_history::action,
            case_history::status,
            case_history::step_index,
            case_history::opinion,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(at, action, status, step, opinion)| {
            let status = CaseStatus::parse(&status)?;
            let told = told_of(&action, status)?;
            let step = told
                .with_step
                .then(|| usize::try_from(step).ok().and_then(|i| steps.get(i)))
                .flatten()
                .map(|s| s.name.clone());
            Some(PortalHistoryEntry {
                at: time(at),
                action,
                title: told.title.into(),
                title_en: told.title_en.into(),
                status,
                step,
                note: if told.with_note { opinion } else { None },
            })
        })
        .collect())
}

impl Services {
    /// Applies online for a published item in the applicant's name: the case is filed by the
    /// case service and its uploads' metadata stored with it, in one transaction.
    pub async fn portal_apply(
        &self,
        portal: &Portal,
        application: NewApplication,
    ) -> Result<PortalCaseDetail, Error> {
        let (acting, who) = portal.acting()?;
        let mut v = Validator::new();
        check_uploads(&mut v, &application.materials);
        v.finish()?;
        let new = NewCase {
            item_id: application.item_id,
            channel: Channel::Online,
            applicant: ApplicantInput {
                kind: who.kind,
                name: who.name.clone(),
                id_number: who.number.clone(),
                phone: application.phone.clone(),
            },
            materials: application
                .materials
                .iter()
                .map(|m| m.name.trim().to_owned())
                .collect(),
            declared_quantity: application.declared_quantity,
            intake_window_id: None,
            output_window_id: None,
            courier_pickup: application.courier_pickup.clone(),
        };
        let sealed = self.sealed_applicant(&new)?;
        calendar()?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let uploads_in = application.materials;
        self.store
            .write(move |conn| {
                check_online(conn, &acting, &new)?;
                let row = file_case(conn, &acting, &new, &sealed, (now, tz), Filing::Live)?;
                record_uploads(conn, now, &acting, &row, &uploads_in)?;
                Ok(PortalCaseDetail {
                    case: portal_case(wire_case(&row, now, tz)?),
                    uploads: uploads(conn, row.id)?,
                    history: history(conn, &row)?,
                })
            })
            .await
    }

    /// The applicant's own cases within the agent's scope, oldest first.
    pub async fn portal_my_cases(
        &self,
        portal: &Portal,
        query: MyCasesQuery,
    ) -> Result<Page<PortalCase>, Error> {
        let (acting, who) = portal.acting()?;
        let blind = who.blind.clone();
        calendar()?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &acting, Permission::CaseRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("the agent holds portal.act nowhere"));
                }
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = cases::table
                    .filter(cases::id_blind.eq(blind))
                    .filter(cases::id.gt(page.after()))
                    .order(cases::id.asc())
                    .limit(limit + 1)
                    .select(CaseRow::as_select())
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        cases::region_id
                            .eq_any(scope.region_ids)
                            .or(cases::department_id.eq_any(scope.department_ids)),
                    );
                }
                if let Some(s) = query.status {
                    q = q.filter(cases::status.eq(s.as_str()));
                }
                let rows: Vec<CaseRow> = q.load(conn)?;
                let items = rows
                    .iter()
                    .map(|r| wire_case(r, now, tz).map(portal_case))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(page_of(items, limit, |c| c.id.0))
            })
            .await
    }

    /// One of the applicant's cases: status, clocks, uploads and the history meant for them.
    pub async fn portal_case(
        &self,
        portal: &Portal,
        id: CaseId,
    ) -> Result<PortalCaseDetail, Error> {
        let (acting, who) = portal.acting()?;
        let who = who.clone();
        calendar()?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .read(move |conn| {
                let row = own_case(conn, &acting, &who, id)?;
                Ok(PortalCaseDetail {
                    case: portal_case(wire_case(&row, now, tz)?),
                    uploads: uploads(conn, row.id)?,
                    history: history(conn, &row)?,
                })
            })
            .await
    }

    /// Where the result of one of the applicant's cases is: what the case holds about its
    /// delivery now.
    pub async fn portal_delivery(
        &self,
        portal: &Portal,
        id: CaseId,
    ) -> Result<CourierTracking, Error> {
        let (acting, who) = portal.acting()?;
        let who = who.clone();
        calendar()?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .read(move |conn| {
                let row = own_case(conn, &acting, &who, id)?;
                let modes_offered = row.details()?.delivery_modes;
                let c = wire_case(&row, now, tz)?;
                let d = c.delivery;
                Ok(CourierTracking {
                    case_id: c.id,
                    case_no: c.case_no,
                    modes_offered,
                    state: d
                        .as_ref()
                        .map_or(crate::domain::case::DeliveryState::Pending, |d| d.state),
                    mode: d.as_ref().and_then(|d| d.mode.clone()),
                    courier_company: d.as_ref().and_then(|d| d.courier_company.clone()),
                    waybill_no: d.as_ref().and_then(|d| d.waybill_no.clone()),
                    address: d.as_ref().and_then(|d| d.address.clone()),
                    ready_at: d.as_ref().and_then(|d| d.ready_at),
                    delivered_at: d.as_ref().and_then(|d| d.delivered_at),
                    orders: case_orders(conn, CaseId(row.id))?,
                })
            })
            .await
    }

    /// What one of the applicant's cases costs and whether it is paid.
    pub async fn portal_payment(
        &self,
        portal: &Portal,
        id: CaseId,
    ) -> Result<PaymentStatus, Error> {
        let (acting, who) = portal.acting()?;
        let who = who.clone();
        calendar()?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .read(move |conn| {
                let row = own_case(conn, &acting, &who, id)?;
                let fee_rule = row.details()?.fee_rule;
                let c = wire_case(&row, now, tz)?;
                let f = c.fee;
                Ok(PaymentStatus {
                    case_id: c.id,
                    case_no: c.case_no,
                    state: f
                        .as_ref()
                        .map_or(crate::domain::case::FeeState::None, |f| f.state),
                    fee_rule,
                    amount_fen: f.as_ref().map(|f| f.amount_fen),
                    quantity: f.as_ref().and_then(|f| f.quantity),
                    unit: f.as_ref().and_then(|f| f.unit.clone()),
                    charged_at: f.as_ref().map(|f| f.charged_at),
                    settled_at: f.as_ref().and_then(|f| f.settled_at),
                    payment_ref: f.as_ref().and_then(|f| f.payment_ref.clone()),
                })
            })
            .await
    }

    /// Rates one of the applicant's closed cases, once (a repeat answers the first rating,
    /// `false`); through the evaluation service, as an online rating.
    pub async fn portal_evaluate(
        &self,
        portal: &Portal,
        id: CaseId,
        rating: NewPortalEvaluation,
    ) -> Result<(EvaluationReceipt, bool), Error> {
        let (acting, who) = portal.acting()?;
        let (reader, owner) = (acting.clone(), who.clone());
        let open = self
            .store
            .read(move |conn| Ok(own_case(conn, &reader, &owner, id)?.status().is_open()))
            .await?;
        if open {
            return Err(Error::conflict(
                "a case is rated once it is closed (办结后评价)",
            ));
        }
        let (e, new) = self
            .submit_evaluation(
                &acting,
                NewEvaluation {
                    source: EvaluationSource::Online,
                    source_message_id: format!("portal-case-{}", id.0),
                    rating: rating.rating,
                    comment: rating.comment,
                    case_id: Some(id.0),
                    ticket_id: None,
                    window_id: None,
                    staff_id: None,
                },
            )
            .await?;
        Ok((
            EvaluationReceipt {
                id: e.id,
                case_id: id,
                rating: e.rating,
                comment: e.comment,
                follow_up_opened: e.follow_up.is_some(),
                created_at: e.created_at,
            },
            new,
        ))
    }

    /// A complaint by the applicant, through the complaint service; a repeated `request_id`
    /// answers the first (`false`).
    pub async fn portal_complain(
        &self,
        portal: &Portal,
        complaint: NewPortalComplaint,
    ) -> Result<(ComplaintReceipt, bool), Error> {
        let (acting, who) = portal.acting()?;
        let mut v = Validator::new();
        v.text(&complaint.request_id, "request_id", 64);
        v.finish()?;
        if let Some(case) = complaint.case_id {
            let (reader, owner) = (acting.clone(), who.clone());
            self.store
                .read(move |conn| own_case(conn, &reader, &owner, case).map(|_| ()))
                .await
                .map_err(|e| match e {
                    Error::NotFound { .. } => Error::invalid("case_id", "not one of your cases"),
                    other => other,
                })?;
        }
        let source = match complaint.via {
            PortalVia::Portal => crate::domain::supervision::complaints::ComplaintSource::Portal,
            PortalVia::App => crate::domain::supervision::complaints::ComplaintSource::App,
        };
        let id_number = match who.kind {
            crate::wire::cases::ApplicantKind::Person => Some(who.number.clone()),
            crate::wire::cases::ApplicantKind::Organisation => None,
        };
        let (c, new) = self
            .submit_complaint(
                &acting,
                NewComplaint {
                    source,
                    // The reference is the agent's and the applicant's, so that two applicants
                    // reusing a request id never meet.
                    source_ref: Some(format!(
                        "{}:{}:{}",
                        portal.agent.user_id.0,
                        &who.blind[..16.min(who.blind.len())],
                        complaint.request_id.trim()
                    )),
                    case_id: complaint.case_id.map(|c| c.0),
                    window_id: complaint.window_id,
                    region_id: complaint.region_id,
                    department_id: None,
                    staff_id: None,
                    complainant: Complainant {
                        name: who.name.clone(),
                        phone: complaint.phone,
                        id_number,
                    },
                    content: complaint.content,
                },
            )
            .await?;
        Ok((
            ComplaintReceipt {
                id: c.id,
                complaint_no: c.complaint_no,
                case_id: c.case_id,
                status: c.status,
                next_step: c.next_step,
                step_due_at: c.step_due_at,
                created_at: c.created_at,
            },
            new,
        ))
    }
}

/// An online application needs an item on offer online within the agent's scope; anything
/// else is answered as if the item did not exist, or could not be applied for online.
fn check_online(conn: &mut DbConn, acting: &Caller, new: &NewCase) -> Result<(), Error> {
    let found: Option<(bool, String, String, i64, String)> = catalogue_items::table
        .inner_join(regions::table)
        .filter(catalogue_items::id.eq(new.item_id.0))
        .select((
            catalogue_items::online,
            catalogue_items::status,
            catalogue_items::change_kind,
            catalogue_items::department_id,
            regions::path,
        ))
        .get_result(conn)
        .optional()?;
    let Some((online, status, kind, department, path)) = found else {
        return Err(Error::invalid("item_id", "no such item"));
    };
    let target = Target {
        region_path: Some(&path),
        department_id: Some(DepartmentId(department)),
        owner_id: None,
    };
    if !acting.may(Permission::CaseHandle, &target) {
        return Err(Error::invalid("item_id", "no such item"));
    }
    if status != ItemStatus::Published.as_str() || kind == ChangeKind::Suspend.as_str() {
        return Err(Error::invalid("item_id", "the item is not on offer"));
    }
    if !online {
        return Err(Error::invalid(
            "item_id",
            "the item cannot be applied for online: see its guide for where to go",
        ));
    }
    Ok(())
}

/// Stores the uploads' metadata with the case and records them in the audit trail (names,
/// sizes and hashes: what lets staff check a file against the application later).
fn record_uploads(
    conn: &mut DbConn,
    now: Millis,
    acting: &Caller,
    row: &CaseRow,
    uploads: &[UploadedMaterial],
) -> Result<(), Error> {
    if uploads.is_empty() {
        return Ok(());
    }
    for m in uploads {
        diesel::insert_into(portal_materials::table)
            .values((
                portal_materials::case_id.eq(row.id),
                portal_materials::name.eq(m.name.trim()),
                portal_materials::size_bytes.eq(i64::try_from(m.size_bytes).unwrap_or(i64::MAX)),
                portal_materials::sha256.eq(m.sha256.trim().to_ascii_lowercase()),
                portal_materials::content_type.eq(m.content_type.trim()),
                portal_materials::storage_ref.eq(m.storage_ref.trim()),
                portal_materials::uploaded_at.eq(now),
            ))
            .execute(conn)?;
    }
    let listed: Vec<_> = uploads
        .iter()
        .map(|m| {
            json!({
                "name": m.name.trim(), "size_bytes": m.size_bytes,
                "sha256": m.sha256.trim().to_ascii_lowercase(),
                "content_type": m.content_type.trim(),
            })
        })
        .collect();
    let payload = json!({"case_no": row.case_no, "materials": listed});
    audit::record(
        conn,
        now,
        &Actor::of(acting),
        Change {
            region_id: Some(row.region_id),
            department_id: Some(row.department_id),
            after: Some(payload.clone()),
            payload,
            ..Change::new(
                "portal.materials",
                "portal.materials_registered",
                "case",
                row.id,
            )
        },
    )?;
    Ok(())
}
