//! The approval practice on a case's open steps: who the caller acts as (themselves, or someone
//! whose delegation covers this step now), who may be named as signer or handler (a user who
//! may handle the case), and the step-level changes (approve, countersign, add a signer,
//! transfer).

use diesel::prelude::*;

use super::Located;
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::case_step::{OpenStep, Person, SignMode, StepError};
use crate::domain::catalogue::WorkflowStep;
use crate::error::Error;
use crate::service::audit::Actor;
use crate::service::auth::load_caller;
use crate::service::users::UserRow;
use crate::store::DbConn;
use crate::store::schema::{case_delegations, roles, user_roles, users};

/// Someone the caller may act as, the one step a step delegation is limited to, and the roles
/// they hold (a step nobody was named on is for the holders of its workflow role).
pub(super) struct Principal {
    pub person: Person,
    pub step: Option<u32>,
    pub roles: Vec<String>,
}

/// For each workflow step, the role that does it when the platform defines a role of that
/// name; a role the organisation has not set up binds nobody (anyone who may handle the case).
pub(super) type StepRoles = Vec<Option<String>>;

/// The workflow's roles that exist as platform roles, by step index.
pub(super) fn step_roles(conn: &mut DbConn, workflow: &[WorkflowStep]) -> Result<StepRoles, Error> {
    let names: Vec<&str> = workflow.iter().map(|s| s.role.as_str()).collect();
    let defined: Vec<String> = roles::table
        .filter(roles::name.eq_any(&names))
        .select(roles::name)
        .load(conn)?;
    Ok(workflow
        .iter()
        .map(|s| defined.contains(&s.role).then(|| s.role.clone()))
        .collect())
}

/// The role an open step asks of whoever acts on it: only while nobody is named on it.
fn wanted<'a>(roles: &'a StepRoles, step: &OpenStep) -> Option<&'a str> {
    let free = step.handler.is_none() && step.signers.is_empty();
    if !free {
        return None;
    }
    roles.get(step.index as usize).and_then(|r| r.as_deref())
}

impl Principal {
    fn covers(&self, index: u32) -> bool {
        self.step.is_none_or(|s| s == index)
    }
}

/// A delegation as read: delegator, case, step, start, end.
type DelegationRow = (i64, Option<i64>, Option<i64>, i64, Option<i64>);

/// The caller first, then everyone whose live delegation to the caller covers now (a period)
/// or a step of this case.
pub(super) fn principals(
    conn: &mut DbConn,
    caller: &Caller,
    case_id: i64,
    now: Millis,
) -> Result<Vec<Principal>, Error> {
    let mut all = vec![Principal {
        person: Person {
            user_id: caller.user_id.0,
            name: caller.username.clone(),
        },
        step: None,
        roles: caller.grants.iter().map(|g| g.role.clone()).collect(),
    }];
    let rows: Vec<DelegationRow> = case_delegations::table
        .filter(case_delegations::delegate_id.eq(caller.user_id.0))
        .filter(case_delegations::revoked_at.is_null())
        .select((
            case_delegations::delegator_id,
            case_delegations::case_id,
            case_delegations::step_index,
            case_delegations::starts_at,
            case_delegations::ends_at,
        ))
        .load(conn)?;
    for (delegator, case, step, starts, ends) in rows {
        let live = match case {
            Some(c) => c == case_id,
            None => starts <= now && ends.is_none_or(|e| now < e),
        };
        if !live {
            continue;
        }
        let name: String = users::table
            .find(delegator)
            .select(users::username)
            .get_result(conn)?;
        let roles: Vec<String> = user_roles::table
            .inner_join(roles::table)
            .filter(user_roles::user_id.eq(delegator))
            .select(roles::name)
            .load(conn)?;
        all.push(Principal {
            person: Person {
                user_id: delegator,
                name,
            },
            step: step.and_then(|s| u32::try_from(s).ok()),
            roles,
        });
    }
    Ok(all)
}

/// The first principal for whom `may` holds on `step` and who holds the role it asks for.
fn acting_as<'a>(
    principals: &'a [Principal],
    step: &OpenStep,
    roles: &StepRoles,
    may: impl Fn(&OpenStep, i64) -> bool,
) -> Option<&'a Person> {
    let want = wanted(roles, step);
    principals
        .iter()
        .filter(|p| p.covers(step.index))
        .filter(|p| want.is_none_or(|r| p.roles.iter().any(|h| h == r)))
        .map(|p| &p.person)
        .find(|p| may(step, p.user_id))
}

/// Why nobody the caller may act as may act on `step`.
fn not_allowed(step: &OpenStep, roles: &StepRoles) -> Error {
    match wanted(roles, step) {
        Some(role) => Error::forbidden(format!(
            "step {} is done by the role {role}, which neither you nor anyone you act for holds",
            step.index
        )),
        None => refused(not_yours(step)),
    }
}

/// The actor recorded: the caller, "acting for" the principal when that is someone else.
pub(super) fn actor_for(caller: &Caller, principal: &Person) -> Actor {
    let mut actor = Actor::of(caller);
    if principal.user_id != caller.user_id.0 {
        actor.label = format!("{} 代 {}", caller.username, principal.name);
    }
    actor
}

fn refused(e: StepError) -> Error {
    match e {
        StepError::NotYours { .. } => Error::forbidden(e.to_string()),
        StepError::AlreadySigned { .. } => Error::conflict(e.to_string()),
        StepError::AlreadyNamed { .. } => Error::invalid("user_id", e.to_string()),
    }
}

/// The open step named (or the only one); 422 on `field` otherwise.
fn pick(open: &[OpenStep], step: Option<u32>, field: &str) -> Result<usize, Error> {
    let indexes: Vec<String> = open.iter().map(|s| s.index.to_string()).collect();
    match step {
        Some(i) => open.iter().position(|s| s.index == i).ok_or_else(|| {
            Error::invalid(
                field,
                format!("step {i} is not open; open: [{}]", indexes.join(", ")),
            )
        }),
        None if open.len() == 1 => Ok(0),
        None => Err(Error::invalid(
            field,
            format!(
                "several steps are open; name one of [{}]",
                indexes.join(", ")
            ),
        )),
    }
}

/// What an approval did.
pub(super) struct Approval {
    pub actor: Actor,
    pub index: u32,
    /// The step is complete (and no longer open).
    pub step_done: bool,
}

/// Approves an open step as the caller or someone they act for; a completed step closes.
pub(super) fn approve(
    (principals, roles): (&[Principal], &StepRoles),
    caller: &Caller,
    open: &mut Vec<OpenStep>,
    step: Option<u32>,
    now: Millis,
) -> Result<Approval, Error> {
    let i = pick(open, step, "step")?;
    let who = acting_as(principals, &open[i], roles, OpenStep::may_approve)
        .cloned()
        .ok_or_else(|| not_allowed(&open[i], roles))?;
    let step_done = open[i].approve(who.user_id, now).map_err(refused)?;
    let index = open[i].index;
    if step_done {
        open.remove(i);
    }
    Ok(Approval {
        actor: actor_for(caller, &who),
        index,
        step_done,
    })
}

fn not_yours(step: &OpenStep) -> StepError {
    StepError::NotYours {
        index: step.index,
        waiting_for: step.waiting_for().into_iter().map(str::to_owned).collect(),
    }
}

/// The actor of a return or a denial: someone the stage waits for or who directs one of its
/// steps (anyone who may handle the case while its steps are nobody's).
pub(super) fn stage_actor(
    (principals, roles): (&[Principal], &StepRoles),
    caller: &Caller,
    open: &[OpenStep],
) -> Result<Actor, Error> {
    if open.is_empty() {
        return Ok(Actor::of(caller));
    }
    open.iter()
        .find_map(|s| {
            acting_as(principals, s, roles, |s, u| {
                s.may_approve(u) || s.may_direct(u)
            })
        })
        .map(|who| actor_for(caller, who))
        .ok_or_else(|| {
            let names: Vec<String> = open
                .iter()
                .flat_map(|s| s.waiting_for())
                .map(str::to_owned)
                .collect();
            Error::forbidden(format!("the open steps wait for {}", names.join("、")))
        })
}

/// A user who may be named on the case's steps: active and holding `case.handle` over it.
pub(super) fn handler(
    conn: &mut DbConn,
    located: &Located,
    user_id: i64,
    field: &str,
) -> Result<Person, Error> {
    let user: UserRow = users::table
        .find(user_id)
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?
        .filter(|u| u.active)
        .ok_or_else(|| Error::invalid(field, format!("no active user {user_id}")))?;
    let named = load_caller(conn, &user)?;
    if !named.may(Permission::CaseHandle, &located.target()) {
        return Err(Error::invalid(
            field,
            format!(
                "{} cannot handle this case (needs case.handle over its region or department)",
                user.username
            ),
        ));
    }
    Ok(Person {
        user_id,
        name: user.username,
    })
}

/// A step-level change by the caller (or someone they act for), on the open step `step`.
pub(super) enum StepChange {
    Countersign(SignMode, Vec<Person>),
    AddSigner(Person),
    Transfer(Person),
}

/// Applies a step-level change; the actor recorded.
pub(super) fn change(
    (principals, roles): (&[Principal], &StepRoles),
    caller: &Caller,
    open: &mut [OpenStep],
    step: u32,
    change: StepChange,
) -> Result<Actor, Error> {
    let i = pick(open, Some(step), "step")?;
    let s = &mut open[i];
    // A pending signer may transfer their own signature; otherwise the step's director acts.
    let found = match &change {
        StepChange::Transfer(_) => acting_as(principals, s, roles, |s, u| {
            s.may_direct(u) || s.signers.iter().any(|g| g.user_id == u)
        }),
        _ => acting_as(principals, s, roles, OpenStep::may_direct),
    }
    .cloned();
    let who = match found {
        Some(who) => who,
        None if wanted(roles, s).is_some() => return Err(not_allowed(s, roles)),
        // The step's own rules refuse the caller below, naming who it waits for.
        None => Person {
            user_id: caller.user_id.0,
            name: caller.username.clone(),
        },
    };
    match change {
        StepChange::Countersign(mode, signers) => s.countersign(who.user_id, mode, signers),
        StepChange::AddSigner(p) => s.add_signer(who.user_id, p),
        StepChange::Transfer(p) => s.transfer(who.user_id, p),
    }
    .map_err(refused)?;
    Ok(actor_for(caller, &who))
}
