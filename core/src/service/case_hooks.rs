//! What other parts of the platform do when a case is filed or closes, inside the case's own
//! transaction: single-window routing and material reuse at filing; the license, the result at
//! the output window and the combined case's progress at the close.

use crate::clock::Millis;
use crate::domain::access::Caller;
use crate::domain::case::CaseStatus;
use crate::domain::catalogue::ItemContent;
use crate::error::Error;
use crate::service::audit::Actor;
use crate::service::cases::{CaseRow, SealedApplicant};
use crate::service::{combined, licenses, publicity, punishment, single_window};
use crate::store::DbConn;
use crate::wire::cases::NewCase;

/// The moment of a change and the platform's zone, for the days it counts.
pub(crate) type When = (Millis, chrono_tz::Tz);

/// A case was just filed (`row`, from `new`, for the item version `content`).
pub(crate) fn filed(
    conn: &mut DbConn,
    caller: &Caller,
    row: &CaseRow,
    new: &NewCase,
    content: &ItemContent,
    applicant: &SealedApplicant,
    when: When,
) -> Result<(), Error> {
    single_window::route(conn, caller, row, new)?;
    if let Some(flag) = &row.details()?.joint_punishment {
        punishment::record_flag(conn, when.0, &Actor::of(caller), row, flag)?;
    }
    licenses::record_reuses(conn, caller, row, content, &new.materials, applicant, when)
}

/// A case just changed from `before` to `row`'s status; acts when that closed it.
pub(crate) fn changed(
    conn: &mut DbConn,
    actor: &Actor,
    row: &CaseRow,
    before: CaseStatus,
    when: When,
) -> Result<(), Error> {
    if !before.is_open() || row.status().is_open() {
        return Ok(());
    }
    if row.status() == CaseStatus::Approved {
        licenses::issue(conn, actor, row, when)?;
        publicity::concluded(conn, actor, row, when)?;
    }
    single_window::result_ready(conn, row.id, when.0)?;
    combined::sub_case_closed(conn, actor, row, when)
}
