//! A hall's queue settings, the items each window serves, and window duty (staff signing in
//! and out).

use diesel::prelude::*;
use serde_json::json;

use super::issue::check_item;
use super::{WindowLoc, hall_in_scope, load_settings, on_duty, window_in_scope};
use crate::domain::access::{Caller, Permission};
use crate::domain::ids::{AreaId, HallId, UserId, WindowId};
use crate::domain::queue::TicketStatus;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{
    queue_settings, queue_tickets, queue_window_items, queue_window_sessions, users, windows,
};
use crate::wire::queue::{QueueSettings, WindowDuty, WindowEvent, WindowItems};
use crate::wire::time;

fn validate(s: &QueueSettings) -> Result<(), Error> {
    let mut v = Validator::new();
    v.check(
        (1..=10).contains(&s.max_misses),
        "max_misses",
        "must be 1 to 10",
    )
    .check(
        (0..=240).contains(&s.appointment_boost_minutes),
        "appointment_boost_minutes",
        "must be 0 to 240",
    )
    .check(
        (1..=240).contains(&s.default_service_minutes),
        "default_service_minutes",
        "must be 1 to 240",
    )
    .check(
        s.priority_classes.len() <= 10,
        "priority_classes",
        "at most 10 classes",
    );
    for (i, c) in s.priority_classes.iter().enumerate() {
        v.text(&c.name, &format!("priority_classes[{i}].name"), 32)
            .text(&c.label, &format!("priority_classes[{i}].label"), 32)
            .check(
                (1..=240).contains(&c.boost_minutes),
                &format!("priority_classes[{i}].boost_minutes"),
                "must be 1 to 240",
            );
        if s.priority_classes[..i].iter().any(|o| o.name == c.name) {
            v.push(&format!("priority_classes[{i}].name"), "names must differ");
        }
    }
    v.finish()
}

fn duty_of(conn: &mut DbConn, w: &WindowLoc) -> Result<WindowDuty, Error> {
    let on = on_duty(conn, w.id)?;
    let username = match on {
        Some((_, user, _)) => Some(
            users::table
                .find(user)
                .select(users::username)
                .get_result::<String>(conn)?,
        ),
        None => None,
    };
    Ok(WindowDuty {
        window_id: WindowId(w.id),
        window_number: w.number.clone(),
        hall_id: HallId(w.hall_id),
        area_id: w.area_id.map(AreaId),
        user_id: on.map(|(_, u, _)| UserId(u)),
        username,
        signed_in_at: on.map(|(_, _, at)| time(at)),
    })
}

fn window_event(w: &WindowLoc, caller: &Caller) -> Result<serde_json::Value, Error> {
    serde_json::to_value(WindowEvent {
        window_id: WindowId(w.id),
        window_number: w.number.clone(),
        hall_id: HallId(w.hall_id),
        area_id: w.area_id.map(AreaId),
        user_id: caller.user_id,
        username: caller.username.clone(),
    })
    .map_err(|e| Error::Internal(format!("window event: {e}")))
}

impl Services {
    /// The hall's queue settings (the defaults until someone sets them).
    pub async fn queue_settings(
        &self,
        caller: &Caller,
        hall: HallId,
    ) -> Result<QueueSettings, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let h = hall_in_scope(conn, &caller, Permission::QueueRead, hall)?;
                load_settings(conn, h.id)
            })
            .await
    }

    /// Replaces the hall's queue settings.
    pub async fn set_queue_settings(
        &self,
        caller: &Caller,
        hall: HallId,
        new: QueueSettings,
    ) -> Result<QueueSettings, Error> {
        validate(&new)?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                audit::lock_chain(conn)?;
                let h = hall_in_scope(conn, &caller, Permission::QueueManage, hall)?;
                let before = load_settings(conn, h.id)?;
                let classes = serde_json::to_string(&new.priority_classes)
                    .map_err(|e| Error::Internal(format!("priority classes: {e}")))?;
                diesel::delete(queue_settings::table.find(h.id)).execute(conn)?;
                diesel::insert_into(queue_settings::table)
                    .values((
                        queue_settings::hall_id.eq(h.id),
                        queue_settings::clear_at_night.eq(new.clear_at_night),
                        queue_settings::max_misses.eq(new.max_misses),
                        queue_settings::appointment_boost_min.eq(new.appointment_boost_minutes),
                        queue_settings::priority_classes.eq(classes),
                        queue_settings::default_service_min.eq(new.default_service_minutes),
                        queue_settings::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                let after = json!(new);
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(h.region_id),
                        before: Some(json!(before)),
                        after: Some(after.clone()),
                        payload: json!({"hall_id": h.id, "settings": after}),
                        ..Change::new(
                            "queue.settings.update",
                            "queue.settings_updated",
                            "hall",
                            h.id,
                        )
                    },
                )?;
                Ok(new)
            })
            .await
    }

    /// The items (or item groups) a window serves; empty means every item of its area.
    pub async fn window_items(
        &self,
        caller: &Caller,
        window: WindowId,
    ) -> Result<WindowItems, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let w = window_in_scope(conn, &caller, Permission::QueueRead, window)?;
                let item_codes: Vec<String> = queue_window_items::table
                    .filter(queue_window_items::window_id.eq(w.id))
                    .order(queue_window_items::item_code.asc())
                    .select(queue_window_items::item_code)
                    .load(conn)?;
                Ok(WindowItems { item_codes })
            })
            .await
    }

    /// Replaces the items (codes of catalogue items, or of main items for their groups) a
    /// window serves.
    pub async fn set_window_items(
        &self,
        caller: &Caller,
        window: WindowId,
        new: WindowItems,
    ) -> Result<WindowItems, Error> {
        let mut v = Validator::new();
        v.check(
            new.item_codes.len() <= 200,
            "item_codes",
            "at most 200 items",
        );
        for (i, c) in new.item_codes.iter().enumerate() {
            v.text(c, &format!("item_codes[{i}]"), 64);
        }
        v.finish()?;
        let mut codes: Vec<String> = new.item_codes.iter().map(|c| c.trim().to_owned()).collect();
        codes.sort();
        codes.dedup();
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                audit::lock_chain(conn)?;
                let w = window_in_scope(conn, &caller, Permission::QueueManage, window)?;
                for (i, code) in codes.iter().enumerate() {
                    check_item(conn, code, &format!("item_codes[{i}]"))?;
                }
                diesel::delete(
                    queue_window_items::table.filter(queue_window_items::window_id.eq(w.id)),
                )
                .execute(conn)?;
                for code in &codes {
                    diesel::insert_into(queue_window_items::table)
                        .values((
                            queue_window_items::window_id.eq(w.id),
                            queue_window_items::item_code.eq(code),
                        ))
                        .execute(conn)?;
                }
                let after = json!({"item_codes": codes});
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(w.region_id),
                        department_id: w.department_id,
                        after: Some(after.clone()),
                        payload: json!({"window_id": w.id, "window_number": w.number, "hall_id": w.hall_id, "item_codes": codes}),
                        ..Change::new("window.items.update", "window.items_updated", "window", w.id)
                    },
                )?;
                Ok(WindowItems { item_codes: codes })
            })
            .await
    }

    /// Who is on duty at each window of a hall.
    pub async fn window_duty(
        &self,
        caller: &Caller,
        hall: HallId,
    ) -> Result<Vec<WindowDuty>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let h = hall_in_scope(conn, &caller, Permission::QueueRead, hall)?;
                let ids: Vec<i64> = windows::table
                    .filter(windows::hall_id.eq(h.id))
                    .order(windows::id.asc())
                    .select(windows::id)
                    .load(conn)?;
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    if let Some(w) = super::window_loc(conn, id)? {
                        out.push(duty_of(conn, &w)?);
                    }
                }
                Ok(out)
            })
            .await
    }

    /// The caller signs in at a window (staff on duty). 409 when someone is signed in there,
    /// or the caller is signed in at another window.
    pub async fn sign_in_window(
        &self,
        caller: &Caller,
        window: WindowId,
    ) -> Result<WindowDuty, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                // Serialises duty changes across nodes: one staff member per window.
                audit::lock_chain(conn)?;
                let w = window_in_scope(conn, &caller, Permission::QueueServe, window)?;
                if let Some((_, user, _)) = on_duty(conn, w.id)? {
                    return Err(Error::conflict(if user == caller.user_id.0 {
                        format!("you are already signed in at window {}", w.number)
                    } else {
                        format!("window {} is signed in by another staff member", w.number)
                    }));
                }
                let elsewhere: Option<i64> = queue_window_sessions::table
                    .filter(queue_window_sessions::user_id.eq(caller.user_id.0))
                    .filter(queue_window_sessions::signed_out_at.is_null())
                    .select(queue_window_sessions::window_id)
                    .get_result(conn)
                    .optional()?;
                if let Some(other) = elsewhere {
                    return Err(Error::conflict(format!(
                        "you are signed in at window {}; sign out there first",
                        super::window_number(conn, other)?
                    )));
                }
                let id: i64 = diesel::insert_into(queue_window_sessions::table)
                    .values((
                        queue_window_sessions::window_id.eq(w.id),
                        queue_window_sessions::hall_id.eq(w.hall_id),
                        queue_window_sessions::user_id.eq(caller.user_id.0),
                        queue_window_sessions::signed_in_at.eq(now),
                    ))
                    .returning(queue_window_sessions::id)
                    .get_result(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(w.region_id),
                        department_id: w.department_id,
                        after: Some(json!({"session": id, "user_id": caller.user_id})),
                        payload: window_event(&w, &caller)?,
                        ..Change::new("window.sign_in", "window.signed_in", "window", w.id)
                    },
                )?;
                duty_of(conn, &w)
            })
            .await
    }

    /// The caller signs out of the window. 409 when they are not signed in there, or a ticket
    /// is still called or in service at it.
    pub async fn sign_out_window(
        &self,
        caller: &Caller,
        window: WindowId,
    ) -> Result<WindowDuty, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                // Serialises duty changes across nodes: one staff member per window.
                audit::lock_chain(conn)?;
                let w = window_in_scope(conn, &caller, Permission::QueueServe, window)?;
                let session = match on_duty(conn, w.id)? {
                    Some((session, user, _)) if user == caller.user_id.0 => session,
                    _ => {
                        return Err(Error::conflict(format!(
                            "you are not signed in at window {}",
                            w.number
                        )));
                    }
                };
                let open: Option<String> = queue_tickets::table
                    .filter(queue_tickets::window_id.eq(w.id))
                    .filter(queue_tickets::status.eq_any([
                        TicketStatus::Called.as_str(),
                        TicketStatus::Serving.as_str(),
                    ]))
                    .select(queue_tickets::number)
                    .get_result(conn)
                    .optional()?;
                if let Some(number) = open {
                    return Err(Error::conflict(format!(
                        "ticket {number} is still at window {}; finish, skip or transfer it first",
                        w.number
                    )));
                }
                diesel::update(queue_window_sessions::table.find(session))
                    .set(queue_window_sessions::signed_out_at.eq(now))
                    .execute(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(w.region_id),
                        department_id: w.department_id,
                        before: Some(json!({"session": session, "user_id": caller.user_id})),
                        payload: window_event(&w, &caller)?,
                        ..Change::new("window.sign_out", "window.signed_out", "window", w.id)
                    },
                )?;
                duty_of(conn, &w)
            })
            .await
    }
}
