//! The device registry: register (with the device's own principal and token), read, list,
//! enable, disable, retire, and a new token.

use diesel::prelude::*;
use serde_json::json;

use crate::domain::access::{Caller, Permission, ScopeKind, Target};
use crate::domain::ids::{DeviceId, UserId};
use crate::domain::org::TokenKind;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::ScopeSql;
use crate::service::tokens::insert_token;
use crate::service::users::role_by_name;
use crate::store::DbConn;
use crate::store::schema::{devices, halls, regions, user_roles, users, windows};
use crate::wire::auth::NewToken;
use crate::wire::devices::{
    Device, DeviceDetail, DeviceQuery, DeviceStatus, NewDevice, RegisteredDevice, WindowRule,
};
use crate::wire::{Page, page_of};

use super::hot::Place;
use super::{DeviceRow, device_with_place, live_of, pending_rows, with_live};

/// A password hash no password matches: device principals never log in.
const NO_PASSWORD: &str = "!device";

fn validate(new: &NewDevice) -> Result<(), Error> {
    Validator::new()
        .text(&new.name, "name", 100)
        .check(
            new.heartbeat_interval_ms
                .is_none_or(|i| (1_000..=300_000).contains(&i)),
            "heartbeat_interval_ms",
            "must be between 1000 and 300000",
        )
        .check(
            match new.kind.window_rule() {
                WindowRule::Required => new.window_id.is_some(),
                WindowRule::Forbidden => new.window_id.is_none(),
                WindowRule::Optional => true,
            },
            "window_id",
            "window LEDs and tablets need a window; hall boards and kiosks have none",
        )
        .finish()
}

/// Registers the device, its principal (a user holding `device` over the hall's region) and
/// its token, in the caller's transaction.
fn insert_device(
    conn: &mut DbConn,
    now: i64,
    caller: &Caller,
    new: &NewDevice,
) -> Result<(DeviceRow, Place, String), Error> {
    let (region_id, path): (i64, String) = halls::table
        .inner_join(regions::table)
        .filter(halls::id.eq(new.hall_id.0))
        .select((halls::region_id, regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::invalid("hall_id", "no such hall"))?;
    let mut department = None;
    if let Some(w) = new.window_id {
        let (hall, dep): (i64, Option<i64>) = windows::table
            .find(w.0)
            .select((windows::hall_id, windows::department_id))
            .get_result(conn)
            .optional()?
            .ok_or_else(|| Error::invalid("window_id", "no such window"))?;
        if hall != new.hall_id.0 {
            return Err(Error::invalid("window_id", "the window is in another hall"));
        }
        department = dep;
    }
    let target = Target {
        region_path: Some(&path),
        ..Default::default()
    };
    caller.check(
        Permission::DeviceManage,
        Permission::OrgRead,
        &target,
        "hall",
        new.hall_id,
    )?;
    let actor = Actor::of(caller);
    let (tmp, _) = crate::crypto::new_token();
    let user_id: i64 = diesel::insert_into(users::table)
        .values((
            users::username.eq(format!("device-new-{}", &tmp[3..19])),
            users::display_name.eq(new.name.trim()),
            users::password_hash.eq(NO_PASSWORD),
            users::region_id.eq(region_id),
            users::active.eq(true),
            users::failed_logins.eq(0),
            users::created_at.eq(now),
        ))
        .returning(users::id)
        .get_result(conn)?;
    let (role, _) = role_by_name(conn, "device")?;
    diesel::insert_into(user_roles::table)
        .values((
            user_roles::user_id.eq(user_id),
            user_roles::role_id.eq(role),
            user_roles::scope_kind.eq(ScopeKind::Region.as_str()),
            user_roles::scope_id.eq(Some(region_id)),
            user_roles::created_at.eq(now),
        ))
        .execute(conn)?;
    let interval = i64::from(new.heartbeat_interval_ms.unwrap_or(10_000));
    let id: i64 = diesel::insert_into(devices::table)
        .values((
            devices::hall_id.eq(new.hall_id.0),
            devices::window_id.eq(new.window_id.map(|w| w.0)),
            devices::user_id.eq(user_id),
            devices::kind.eq(new.kind.as_str()),
            devices::name.eq(new.name.trim()),
            devices::status.eq(DeviceStatus::Enabled.as_str()),
            devices::online.eq(false),
            devices::heartbeat_interval_ms.eq(interval),
            devices::capabilities.eq("[]"),
            devices::display_state.eq("{}"),
            devices::created_at.eq(now),
            devices::updated_at.eq(now),
        ))
        .returning(devices::id)
        .get_result(conn)?;
    let username = format!("device-{id}");
    diesel::update(users::table.find(user_id))
        .set(users::username.eq(&username))
        .execute(conn)?;
    let user_after = json!({"username": username, "role": "device", "device_id": id});
    audit::record(
        conn,
        now,
        &actor,
        Change {
            region_id: Some(region_id),
            owner_id: Some(user_id),
            after: Some(user_after.clone()),
            payload: user_after,
            ..Change::new("user.create", "user.created", "user", user_id)
        },
    )?;
    let issued = insert_token(
        conn,
        now,
        &actor,
        &NewToken {
            kind: TokenKind::Device,
            user_id: UserId(user_id),
            name: new.name.trim().to_owned(),
            ttl_days: None,
        },
    )?;
    let row: DeviceRow = devices::table
        .find(id)
        .select(DeviceRow::as_select())
        .get_result(conn)?;
    let after = json!(row.wire());
    audit::record(
        conn,
        now,
        &actor,
        Change {
            region_id: Some(region_id),
            department_id: department,
            after: Some(after.clone()),
            payload: after,
            ..Change::new("device.register", "device.registered", "device", id)
        },
    )?;
    let place = Place {
        hall_id: row.hall_id,
        window_id: row.window_id,
        region_id,
        region_path: path,
        department_id: department,
        user_id,
        kind: row.kind(),
        name: row.name.clone(),
    };
    Ok((row, place, issued.token))
}

/// The device for `caller` under `perm`: not found when outside their read scope.
pub(crate) fn device_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    perm: Permission,
    id: DeviceId,
) -> Result<(DeviceRow, Place), Error> {
    let (row, place) =
        device_with_place(conn, id.0)?.ok_or_else(|| Error::not_found("device", id))?;
    caller.check(perm, Permission::DeviceRead, &place.target(), "device", id)?;
    Ok((row, place))
}

impl Services {
    /// Registers a device in a hall; the answer carries its token, shown once.
    pub async fn register_device(
        &self,
        caller: &Caller,
        new: NewDevice,
    ) -> Result<RegisteredDevice, Error> {
        validate(&new)?;
        let c = caller.clone();
        let now = self.clock.now();
        let (row, place, token) = self
            .store
            .write(move |conn| insert_device(conn, now, &c, &new))
            .await?;
        let live = live_of(&row, place, Vec::new(), now);
        let device = with_live(row.wire(), &live);
        self.devices.insert(row.id, live);
        Ok(RegisteredDevice { device, token })
    }

    /// One device with its pending commands and the state it should show.
    pub async fn get_device(&self, caller: &Caller, id: DeviceId) -> Result<DeviceDetail, Error> {
        let c = caller.clone();
        let (row, _) = self
            .store
            .read(move |conn| device_in_scope(conn, &c, Permission::DeviceRead, id))
            .await?;
        match self.devices.slot(id.0) {
            Some(slot) => {
                let live = slot.lock();
                Ok(DeviceDetail {
                    device: with_live(row.wire(), &live),
                    pending: live.pending.iter().map(|p| p.cmd.clone()).collect(),
                    state: live.display.clone(),
                })
            }
            None => Ok(DeviceDetail {
                state: row.display(),
                device: row.wire(),
                pending: Vec::new(),
            }),
        }
    }

    /// Devices in the caller's scope, by hall, kind and status, with their liveness.
    pub async fn list_devices(
        &self,
        caller: &Caller,
        q: DeviceQuery,
    ) -> Result<Page<Device>, Error> {
        let kind = match q.kind.as_deref() {
            Some(k) => Some(
                crate::wire::devices::DeviceKind::parse(k)
                    .ok_or_else(|| Error::invalid("kind", "unknown device kind"))?
                    .as_str(),
            ),
            None => None,
        };
        let c = caller.clone();
        let limit = i64::from(q.limit.unwrap_or(100).clamp(1, 1_000));
        let rows = self
            .store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &c, Permission::DeviceRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("listing devices needs device.read"));
                }
                let mut query = devices::table
                    .inner_join(halls::table)
                    .filter(devices::id.gt(q.after.unwrap_or(0)))
                    .order(devices::id.asc())
                    .limit(limit + 1)
                    .select(DeviceRow::as_select())
                    .into_boxed();
                if !scope.global {
                    // Department-scoped staff see the devices at their department's windows.
                    let their_windows = windows::table
                        .filter(windows::department_id.eq_any(scope.department_ids.clone()))
                        .select(windows::id.nullable());
                    query = query.filter(
                        halls::region_id
                            .eq_any(scope.region_ids.clone())
                            .or(devices::window_id.eq_any(their_windows)),
                    );
                }
                if let Some(h) = q.hall_id {
                    query = query.filter(devices::hall_id.eq(h));
                }
                if let Some(k) = kind {
                    query = query.filter(devices::kind.eq(k));
                }
                if let Some(s) = q.status {
                    query = query.filter(devices::status.eq(s.as_str()));
                }
                Ok(query.load::<DeviceRow>(conn)?)
            })
            .await?;
        let items: Vec<Device> = rows
            .iter()
            .map(|r| match self.devices.slot(r.id) {
                Some(slot) => with_live(r.wire(), &slot.lock()),
                None => r.wire(),
            })
            .collect();
        Ok(page_of(items, limit, |d| d.id.0))
    }

    /// The hot state of a device this node did not know yet (registered on another node).
    pub(crate) async fn load_device_slot(
        &self,
        id: i64,
    ) -> Result<Option<std::sync::Arc<super::hot::Slot>>, Error> {
        let now = self.clock.now();
        let found = self
            .store
            .read(move |conn| {
                let Some((row, place)) = device_with_place(conn, id)? else {
                    return Ok(None);
                };
                if row.status() == DeviceStatus::Retired {
                    return Ok(None);
                }
                let pending = pending_rows(conn, &[row.id])?
                    .remove(&row.id)
                    .unwrap_or_default();
                Ok(Some(live_of(&row, place, pending, now)))
            })
            .await?;
        Ok(found.map(|live| self.devices.insert(id, live)))
    }
}
