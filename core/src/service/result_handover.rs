//! The output window's hand-over record (出件登记, R-2.2.2): a case taken in at a window has
//! its result come back to one output window, where staff hand it to the applicant in person,
//! to a proxy (whose ID number is checked, sealed and kept masked) or to the courier. The record
//! says who handed what to whom, when and how, and prints as a form for signatures.

use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::case::{CaseId, CaseStatus};
use crate::domain::identity::IdNumber;
use crate::domain::ids::{HallId, WindowId};
use crate::domain::supervision::complaints::masked_name;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::{Acting, CaseCommand, CaseRow, act, case_in_scope};
use crate::service::single_window::hall_target;
use crate::service::supervision::print::{esc, office_form_page};
use crate::store::DbConn;
use crate::store::schema::{case_windows, halls, regions, result_handovers, windows};
use crate::wire::licenses::{HandoverMethod, NewHandover, ResultHandover};
use crate::wire::time;

/// Longest recipient name and waybill number.
const MAX_NAME: usize = 100;
const MAX_WAYBILL: usize = 50;

#[derive(Queryable, Selectable)]
#[diesel(table_name = result_handovers)]
struct HandoverRow {
    case_id: i64,
    window_id: i64,
    method: String,
    recipient_name: String,
    proxy_id_masked: Option<String>,
    waybill_no: Option<String>,
    handed_by: String,
    handed_at: i64,
}

impl HandoverRow {
    fn method(&self) -> HandoverMethod {
        HandoverMethod::parse(&self.method).unwrap_or(HandoverMethod::InPerson)
    }

    fn wire(self, case_no: String, hall_id: i64) -> ResultHandover {
        ResultHandover {
            case_id: CaseId(self.case_id),
            case_no,
            hall_id: HallId(hall_id),
            window_id: WindowId(self.window_id),
            method: self.method(),
            recipient_name: self.recipient_name,
            proxy_id_number: self.proxy_id_masked,
            waybill_no: self.waybill_no,
            handed_by: self.handed_by,
            handed_at: time(self.handed_at),
        }
    }
}

/// Where a routed case's result goes: the output window, its hall, and when the result reached
/// it.
struct Output {
    window_id: i64,
    hall_id: i64,
    result_ready_at: Option<Millis>,
    hall_path: String,
}

/// The readable case and its output window; 404 when the case is not readable or was not
/// taken in at a window.
fn output_of(conn: &mut DbConn, caller: &Caller, id: CaseId) -> Result<(CaseRow, Output), Error> {
    let located = case_in_scope(conn, caller, Permission::CaseRead, id)?;
    let (window_id, hall_id, result_ready_at, hall_path): (i64, i64, Option<i64>, String) =
        case_windows::table
            .inner_join(halls::table.on(halls::id.eq(case_windows::hall_id)))
            .inner_join(regions::table.on(regions::id.eq(halls::region_id)))
            .filter(case_windows::case_id.eq(id.0))
            .select((
                case_windows::output_window_id,
                case_windows::hall_id,
                case_windows::result_ready_at,
                regions::path,
            ))
            .get_result(conn)
            .optional()?
            .ok_or_else(|| Error::not_found("case routing", id))?;
    Ok((
        located.row,
        Output {
            window_id,
            hall_id,
            result_ready_at,
            hall_path,
        },
    ))
}

/// The hand-over's input checked, and a proxy's number parsed.
fn checked(new: &NewHandover) -> Result<Option<IdNumber>, Error> {
    let mut v = Validator::new();
    v.text(&new.recipient_name, "recipient_name", MAX_NAME);
    let proxy = new.proxy_id_number.as_deref().map(str::trim);
    let mut number = None;
    match (new.method, proxy) {
        (HandoverMethod::Proxy, None | Some("")) => {
            v.push(
                "proxy_id_number",
                "a proxy shows their own ID card: give its number",
            );
        }
        (HandoverMethod::Proxy, Some(p)) => match IdNumber::parse(p) {
            Ok(n) => number = Some(n),
            Err(e) => {
                v.push("proxy_id_number", e.to_string());
            }
        },
        (_, Some(_)) => {
            v.push("proxy_id_number", "only for a hand-over to a proxy");
        }
        (_, None) => {}
    }
    let waybill = new.waybill_no.as_deref().map(str::trim);
    match (new.method, waybill) {
        (HandoverMethod::Courier, Some(w)) => {
            v.text(w, "waybill_no", MAX_WAYBILL);
        }
        (HandoverMethod::Courier, None) => {
            v.push(
                "waybill_no",
                "the envelope handed to the courier has a waybill",
            );
        }
        (_, Some(_)) => {
            v.push("waybill_no", "only for a hand-over to the courier");
        }
        (_, None) => {}
    }
    v.finish()?;
    Ok(number)
}

/// How a closed case ended, as the record prints it.
fn result_zh(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Approved => "准予办理",
        CaseStatus::Denied => "不予办理",
        CaseStatus::RejectedAtIntake => "不予受理",
        CaseStatus::Terminated => "终止办理",
        _ => "办理中",
    }
}

impl Services {
    /// Records the hand-over of a case's result at its output window. Needs `case.handle` over
    /// the window's hall; the result must have reached the window and not been handed over. A
    /// decision handed over in person or to a proxy is the case's pick-up (`pick_up`, after
    /// `ready_for_pickup` if nobody marked it, in the same transaction); one handed to the
    /// courier follows the case's dispatch by courier; a refusal at intake or a termination
    /// has no delivery of its own and is only recorded.
    pub async fn hand_over_result(
        &self,
        caller: &Caller,
        id: CaseId,
        new: NewHandover,
    ) -> Result<ResultHandover, Error> {
        let proxy = checked(&new)?;
        let proxy = match proxy {
            Some(n) => Some((self.vault.seal(n.as_str())?, n.masked())),
            None => None,
        };
        let caller = caller.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .write(move |conn| {
                let (row, output) = output_of(conn, &caller, id)?;
                if !caller.may(Permission::CaseHandle, &hall_target(&output.hall_path)) {
                    return Err(Error::forbidden(
                        "handing results over needs case.handle over the output window's hall",
                    ));
                }
                if output.result_ready_at.is_none() {
                    return Err(Error::conflict(
                        "the result has not reached the output window: the case is still open",
                    ));
                }
                let done: i64 = result_handovers::table
                    .filter(result_handovers::case_id.eq(id.0))
                    .count()
                    .get_result(conn)?;
                if done > 0 {
                    return Err(Error::conflict("the result was already handed over"));
                }
                let recipient = new.recipient_name.trim().to_owned();
                let waybill = new.waybill_no.as_deref().map(str::trim);
                let delivery = row.details()?.delivery.unwrap_or_default();
                if new.method == HandoverMethod::Courier {
                    if delivery.mode.as_deref() != Some("courier") {
                        return Err(Error::conflict(
                            "the case does not go out by courier: send it by courier first \
                             (delivery/courier), or hand it over in person or to a proxy",
                        ));
                    }
                } else if matches!(row.status(), CaseStatus::Approved | CaseStatus::Denied) {
                    // A decision is picked up: marked ready here if nobody did, then taken.
                    let acting = |opinion: Option<String>| Acting {
                        opinion,
                        address: None,
                        now,
                        tz,
                        label: None,
                    };
                    if delivery.ready_at.is_none() && delivery.delivered_at.is_none() {
                        act(
                            conn,
                            &caller,
                            id,
                            &CaseCommand::ReadyForPickup,
                            acting(None),
                        )?;
                    }
                    let pick_up = CaseCommand::PickUp {
                        picked_up_by: recipient.clone(),
                    };
                    act(conn, &caller, id, &pick_up, acting(Some(recipient.clone())))?;
                }
                let actor = Actor::of(&caller);
                let (sealed, masked) = proxy
                    .as_ref()
                    .map(|(s, m)| (s.as_str(), m.as_str()))
                    .unzip();
                diesel::insert_into(result_handovers::table)
                    .values((
                        result_handovers::case_id.eq(id.0),
                        result_handovers::window_id.eq(output.window_id),
                        result_handovers::method.eq(new.method.as_str()),
                        result_handovers::recipient_name.eq(&recipient),
                        result_handovers::proxy_id_sealed.eq(sealed),
                        result_handovers::proxy_id_masked.eq(masked),
                        result_handovers::waybill_no.eq(waybill),
                        result_handovers::handed_by_id.eq(actor.id.map(|u| u.0)),
                        result_handovers::handed_by.eq(&actor.label),
                        result_handovers::handed_at.eq(now),
                    ))
                    .execute(conn)?;
                let payload = json!({
                    "case_no": row.case_no, "window_id": output.window_id,
                    "method": new.method.as_str(), "recipient": masked_name(&recipient),
                    "proxy_id_number": masked, "waybill_no": waybill,
                });
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        region_id: Some(row.region_id),
                        department_id: Some(row.department_id),
                        after: Some(payload.clone()),
                        payload,
                        ..Change::new(
                            "case.hand_over_result",
                            "case.result_handed_over",
                            "case",
                            id.0,
                        )
                    },
                )?;
                handover(conn, id, row.case_no, output.hall_id)
            })
            .await
    }

    /// The hand-over record of a case's result; 404 until it was handed over.
    pub async fn result_handover(
        &self,
        caller: &Caller,
        id: CaseId,
    ) -> Result<ResultHandover, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let (row, output) = output_of(conn, &caller, id)?;
                handover(conn, id, row.case_no, output.hall_id)
            })
            .await
    }

    /// The hand-over record as an A4 form for the window's file, signed by the staff member
    /// and the recipient.
    pub async fn print_result_handover(
        &self,
        caller: &Caller,
        id: CaseId,
    ) -> Result<String, Error> {
        let caller = caller.clone();
        let tz = self.config.time_zone()?;
        self.store
            .read(move |conn| {
                let (row, output) = output_of(conn, &caller, id)?;
                let h = handover(conn, id, row.case_no.clone(), output.hall_id)?;
                let (hall, window_no, window_name): (String, String, String) = windows::table
                    .inner_join(halls::table)
                    .filter(windows::id.eq(output.window_id))
                    .select((halls::name, windows::number, windows::name))
                    .get_result(conn)?;
                let d = row.details()?;
                let at = h.handed_at.with_timezone(&tz).format("%Y年%m月%d日 %H:%M");
                let rows = [
                    ("办件编号 Case No.", esc(&row.case_no)),
                    ("事项名称 Item", esc(&d.item_name)),
                    (
                        "申请人 Applicant",
                        format!("{} {}", esc(&d.applicant_name), esc(&d.id_masked)),
                    ),
                    ("办理结果 Result", result_zh(row.status()).to_owned()),
                    (
                        "出件窗口 Output window",
                        format!("{} {}", esc(&window_no), esc(&window_name)),
                    ),
                    ("交付方式 Method", h.method.label_zh().to_owned()),
                    ("领取人 Received by", esc(&h.recipient_name)),
                    (
                        "代领人身份证号 Proxy ID No.",
                        esc(h.proxy_id_number.as_deref().unwrap_or("—")),
                    ),
                    (
                        "快递单号 Waybill No.",
                        esc(h.waybill_no.as_deref().unwrap_or("—")),
                    ),
                    ("交付人 Handed over by", esc(&h.handed_by)),
                    ("交付时间 Handed over at", at.to_string()),
                ];
                Ok(office_form_page(
                    &hall,
                    ("办件结果交付登记表", "Result hand-over record"),
                    &row.case_no,
                    &rows,
                    &["窗口工作人员", "领取人"],
                ))
            })
            .await
    }
}

/// The stored hand-over of a case, or 404.
fn handover(
    conn: &mut DbConn,
    id: CaseId,
    case_no: String,
    hall_id: i64,
) -> Result<ResultHandover, Error> {
    let row: HandoverRow = result_handovers::table
        .find(id.0)
        .select(HandoverRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("result hand-over", id))?;
    Ok(row.wire(case_no, hall_id))
}
