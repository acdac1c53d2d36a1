//! A device's life after registration: enabled, disabled, retired (token revoked, waiting
//! commands expired), and a new token.

use diesel::prelude::*;
use serde_json::json;

use crate::domain::access::{Caller, Permission};
use crate::domain::ids::{DeviceId, UserId};
use crate::domain::org::TokenKind;
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::tokens::insert_token;
use crate::store::schema::{device_commands, devices, tokens, users};
use crate::wire::auth::NewToken;
use crate::wire::devices::{Device, DeviceStatus, RegisteredDevice};

use super::registry::device_in_scope;
use super::with_live;

impl Services {
    /// Moves a device to `to`: enabled ↔ disabled, or retired for good (its token revoked, its
    /// waiting commands expired).
    pub async fn set_device_status(
        &self,
        caller: &Caller,
        id: DeviceId,
        to: DeviceStatus,
    ) -> Result<Device, Error> {
        let c = caller.clone();
        let now = self.clock.now();
        let (row, user) = self
            .store
            .write(move |conn| {
                let (row, place) = device_in_scope(conn, &c, Permission::DeviceManage, id)?;
                let from = row.status();
                let allowed = match to {
                    DeviceStatus::Enabled => from == DeviceStatus::Disabled,
                    DeviceStatus::Disabled => from == DeviceStatus::Enabled,
                    DeviceStatus::Retired => from != DeviceStatus::Retired,
                };
                if !allowed {
                    return Err(Error::conflict(format!(
                        "the device is {}; it cannot become {}",
                        from.as_str(),
                        to.as_str()
                    )));
                }
                diesel::update(devices::table.find(row.id))
                    .set((devices::status.eq(to.as_str()), devices::updated_at.eq(now)))
                    .execute(conn)?;
                if to == DeviceStatus::Retired {
                    diesel::update(
                        tokens::table
                            .filter(tokens::user_id.eq(row.user_id))
                            .filter(tokens::revoked_at.is_null()),
                    )
                    .set(tokens::revoked_at.eq(Some(now)))
                    .execute(conn)?;
                    diesel::update(users::table.find(row.user_id))
                        .set(users::active.eq(false))
                        .execute(conn)?;
                    diesel::update(
                        device_commands::table
                            .filter(device_commands::device_id.eq(row.id))
                            .filter(device_commands::status.eq_any(["queued", "delivered"])),
                    )
                    .set(device_commands::status.eq("expired"))
                    .execute(conn)?;
                }
                let (action, event) = match to {
                    DeviceStatus::Enabled => ("device.enable", "device.enabled"),
                    DeviceStatus::Disabled => ("device.disable", "device.disabled"),
                    DeviceStatus::Retired => ("device.retire", "device.retired"),
                };
                let mut after_row = row.clone();
                after_row.status = to.as_str().to_owned();
                let after = json!(after_row.wire());
                audit::record(
                    conn,
                    now,
                    &Actor::of(&c),
                    Change {
                        region_id: Some(place.region_id),
                        department_id: place.department_id,
                        before: Some(json!(row.wire())),
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new(action, event, "device", row.id)
                    },
                )?;
                Ok((after_row, row.user_id))
            })
            .await?;
        let mut device = row.wire();
        if to == DeviceStatus::Retired {
            self.devices.remove(id.0);
            self.auth.forget_user(UserId(user));
        } else if let Some(slot) = self.devices.slot(id.0) {
            let mut live = slot.lock();
            live.status = to;
            device = with_live(device, &live);
            drop(live);
            slot.notify.notify_waiters();
        }
        Ok(device)
    }

    /// Revokes the device's tokens and issues a new one, shown once.
    pub async fn renew_device_token(
        &self,
        caller: &Caller,
        id: DeviceId,
    ) -> Result<RegisteredDevice, Error> {
        let c = caller.clone();
        let now = self.clock.now();
        let (row, token) = self
            .store
            .write(move |conn| {
                let (row, _) = device_in_scope(conn, &c, Permission::DeviceManage, id)?;
                if row.status() == DeviceStatus::Retired {
                    return Err(Error::conflict("a retired device gets no token"));
                }
                let old: Vec<i64> = tokens::table
                    .filter(tokens::user_id.eq(row.user_id))
                    .filter(tokens::revoked_at.is_null())
                    .select(tokens::id)
                    .load(conn)?;
                diesel::update(tokens::table.filter(tokens::id.eq_any(&old)))
                    .set(tokens::revoked_at.eq(Some(now)))
                    .execute(conn)?;
                let actor = Actor::of(&c);
                let region: i64 = users::table
                    .find(row.user_id)
                    .select(users::region_id)
                    .get_result(conn)?;
                for t in &old {
                    let after = json!({"token_id": t, "device_id": row.id});
                    audit::record(
                        conn,
                        now,
                        &actor,
                        Change {
                            region_id: Some(region),
                            owner_id: Some(row.user_id),
                            after: Some(after.clone()),
                            payload: after,
                            ..Change::new("token.revoke", "token.revoked", "token", *t)
                        },
                    )?;
                }
                let issued = insert_token(
                    conn,
                    now,
                    &actor,
                    &NewToken {
                        kind: TokenKind::Device,
                        user_id: UserId(row.user_id),
                        name: row.name.clone(),
                        ttl_days: None,
                    },
                )?;
                Ok((row, issued.token))
            })
            .await?;
        self.auth.forget_user(UserId(row.user_id));
        let device = match self.devices.slot(row.id) {
            Some(slot) => with_live(row.wire(), &slot.lock()),
            None => row.wire(),
        };
        Ok(RegisteredDevice { device, token })
    }
}
