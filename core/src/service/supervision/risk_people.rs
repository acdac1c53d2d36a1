//! Integrity-risk people (廉政风险点人员): staff the supervision office flags, with a reason.
//! Every case a flagged person acted on has the fact `person.risk_point` (and the built-in rule
//! `integrity-risk-person` gives its open cases a yellow card); flagging and lifting are audited
//! events on which the engine judges that person's open cases again.

use diesel::prelude::*;
use serde_json::json;

use crate::domain::access::{Caller, Permission};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::ScopeSql;
use crate::service::users::{UserRow, user_target, user_with_path};
use crate::store::DbConn;
use crate::store::schema::{risk_people, users};
use crate::wire::supervision::{RiskPerson, RiskPersonReason};
use crate::wire::time;

/// Longest reason.
const MAX_REASON: usize = 500;

type Row = (
    i64,
    String,
    String,
    i64,
    Option<i64>,
    String,
    i64,
    Option<i64>,
);

fn wire(r: Row) -> RiskPerson {
    RiskPerson {
        user_id: r.0,
        username: r.1,
        display_name: r.2,
        region_id: r.3,
        department_id: r.4,
        reason: r.5,
        flagged_at: time(r.6),
        flagged_by: r.7,
    }
}

/// The user, checked: outside the caller's supervision read scope it does not exist; inside
/// it, flagging needs `supervision.manage`.
fn checked_user(conn: &mut DbConn, caller: &Caller, user_id: i64) -> Result<UserRow, Error> {
    let (user, path) =
        user_with_path(conn, user_id)?.ok_or_else(|| Error::not_found("user", user_id))?;
    caller.check(
        Permission::SupervisionManage,
        Permission::SupervisionRead,
        &user_target(&user, &path),
        "user",
        user_id,
    )?;
    Ok(user)
}

/// The reason the person is flagged for, if they are.
fn current_reason(conn: &mut DbConn, user_id: i64) -> Result<Option<String>, Error> {
    Ok(risk_people::table
        .find(user_id)
        .select(risk_people::reason)
        .get_result(conn)
        .optional()?)
}

impl Services {
    /// The flagged people in the caller's `supervision.read` scope.
    pub async fn list_risk_people(&self, caller: &Caller) -> Result<Vec<RiskPerson>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::SupervisionRead)?;
                let mut q = risk_people::table
                    .inner_join(users::table)
                    .order(users::id.asc())
                    .select((
                        users::id,
                        users::username,
                        users::display_name,
                        users::region_id,
                        users::department_id,
                        risk_people::reason,
                        risk_people::flagged_at,
                        risk_people::flagged_by,
                    ))
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        users::region_id
                            .eq_any(scope.region_ids)
                            .or(users::department_id.eq_any(scope.department_ids)),
                    );
                }
                Ok(q.load::<Row>(conn)?.into_iter().map(wire).collect())
            })
            .await
    }

    /// Flags a staff member (or changes the reason of a flag), `supervision.manage` over them.
    pub async fn flag_risk_person(
        &self,
        caller: &Caller,
        user_id: i64,
        req: RiskPersonReason,
    ) -> Result<RiskPerson, Error> {
        let mut v = Validator::new();
        v.text(&req.reason, "reason", MAX_REASON);
        v.finish()?;
        let reason = req.reason.trim().to_owned();
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let user = checked_user(conn, &caller, user_id)?;
                let before = current_reason(conn, user_id)?;
                diesel::delete(risk_people::table.find(user_id)).execute(conn)?;
                diesel::insert_into(risk_people::table)
                    .values((
                        risk_people::user_id.eq(user_id),
                        risk_people::reason.eq(&reason),
                        risk_people::flagged_by.eq(caller.user_id.0),
                        risk_people::flagged_at.eq(now),
                    ))
                    .execute(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(user.region_id),
                        department_id: user.department_id,
                        before: before.map(|r| json!({"reason": r})),
                        after: Some(json!({"reason": reason})),
                        payload: json!({"user_id": user_id, "reason": reason}),
                        ..Change::new(
                            "risk_person.flag",
                            "risk_person.flagged",
                            "risk_person",
                            user_id,
                        )
                    },
                )?;
                Ok(RiskPerson {
                    user_id,
                    username: user.username,
                    display_name: user.display_name,
                    region_id: user.region_id,
                    department_id: user.department_id,
                    reason,
                    flagged_at: time(now),
                    flagged_by: Some(caller.user_id.0),
                })
            })
            .await
    }

    /// Lifts a flag, `supervision.manage` over the person.
    pub async fn clear_risk_person(&self, caller: &Caller, user_id: i64) -> Result<(), Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let user = checked_user(conn, &caller, user_id)?;
                let reason = current_reason(conn, user_id)?
                    .ok_or_else(|| Error::not_found("risk_person", user_id))?;
                diesel::delete(risk_people::table.find(user_id)).execute(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(user.region_id),
                        department_id: user.department_id,
                        before: Some(json!({"reason": reason})),
                        payload: json!({"user_id": user_id}),
                        ..Change::new(
                            "risk_person.clear",
                            "risk_person.cleared",
                            "risk_person",
                            user_id,
                        )
                    },
                )?;
                Ok(())
            })
            .await
    }
}
