//! Modules: the back office's menus, registered at run time and granted to roles or single
//! users (R-2.2.6.3).

use diesel::prelude::*;
use serde_json::json;

use crate::domain::access::{Caller, Permission};
use crate::domain::ids::{ModuleId, UserId};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::users::{role_by_name, user_target, user_with_path};
use crate::store::DbConn;
use crate::store::schema::{module_grants, modules, roles};
use crate::wire::org::{Module, ModuleGrant, NewModule, NewModuleGrant};

fn load_modules(conn: &mut DbConn, only: Option<i64>) -> Result<Vec<Module>, Error> {
    let mut q = modules::table
        .order(modules::id.asc())
        .select((
            modules::id,
            modules::code,
            modules::name,
            modules::description,
        ))
        .into_boxed();
    if let Some(id) = only {
        q = q.filter(modules::id.eq(id));
    }
    let rows: Vec<(i64, String, String, String)> = q.load(conn)?;
    let grants: Vec<(i64, i64, Option<String>, Option<i64>)> = module_grants::table
        .left_join(roles::table.on(module_grants::role_id.eq(roles::id.nullable())))
        .order(module_grants::id.asc())
        .select((
            module_grants::id,
            module_grants::module_id,
            roles::name.nullable(),
            module_grants::user_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, code, name, description)| Module {
            id: ModuleId(id),
            code,
            name,
            description,
            grants: grants
                .iter()
                .filter(|g| g.1 == id)
                .map(|(gid, _, role, user)| ModuleGrant {
                    id: *gid,
                    role: role.clone(),
                    user_id: user.map(UserId),
                })
                .collect(),
        })
        .collect())
}

impl Services {
    pub async fn create_module(&self, caller: &Caller, new: NewModule) -> Result<Module, Error> {
        Validator::new()
            .text(&new.code, "code", 64)
            .check(
                new.code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)),
                "code",
                "must be lowercase letters, digits, '.', '_' or '-'",
            )
            .text(&new.name, "name", 64)
            .check(
                new.description.chars().count() <= 500,
                "description",
                "is too long",
            )
            .finish()?;
        if !caller.has(Permission::ModuleManage) {
            return Err(Error::forbidden("registering modules needs module.manage"));
        }
        let actor = Actor::of(caller);
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let id: i64 = diesel::insert_into(modules::table)
                    .values((
                        modules::code.eq(&new.code),
                        modules::name.eq(new.name.trim()),
                        modules::description.eq(new.description.trim()),
                        modules::created_at.eq(now),
                    ))
                    .returning(modules::id)
                    .get_result(conn)?;
                let after = json!(new);
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("module.create", "module.created", "module", id)
                    },
                )?;
                load_modules(conn, Some(id))?
                    .pop()
                    .ok_or_else(|| Error::Internal("module vanished".into()))
            })
            .await
    }

    pub async fn list_modules(&self, caller: &Caller) -> Result<Vec<Module>, Error> {
        if !caller.has(Permission::ModuleManage) {
            return Err(Error::forbidden(
                "listing every module needs module.manage; see /auth/me for yours",
            ));
        }
        self.store.read(|conn| load_modules(conn, None)).await
    }

    /// Grants a module to a role or to one user.
    pub async fn grant_module(
        &self,
        caller: &Caller,
        module: ModuleId,
        grant: NewModuleGrant,
    ) -> Result<Module, Error> {
        if grant.role.is_some() == grant.user_id.is_some() {
            return Err(Error::invalid(
                "role",
                "name exactly one of role and user_id",
            ));
        }
        if !caller.has(Permission::ModuleManage) {
            return Err(Error::forbidden("granting modules needs module.manage"));
        }
        let caller = caller.clone();
        let now = self.clock.now();
        let user = grant.user_id;
        let out = self
            .store
            .write(move |conn| {
                let exists: i64 = modules::table
                    .filter(modules::id.eq(module.0))
                    .count()
                    .get_result(conn)?;
                if exists == 0 {
                    return Err(Error::not_found("module", module));
                }
                let role_id = match &grant.role {
                    Some(r) => Some(role_by_name(conn, r)?.0),
                    None => None,
                };
                let mut region = None;
                if let Some(u) = grant.user_id {
                    let (row, path) = user_with_path(conn, u.0)?
                        .ok_or_else(|| Error::invalid("user_id", "no such user"))?;
                    if !caller.may(Permission::UserManage, &user_target(&row, &path)) {
                        return Err(Error::forbidden(
                            "granting to a user needs user.manage over them",
                        ));
                    }
                    region = Some(row.region_id);
                }
                let id: i64 = diesel::insert_into(module_grants::table)
                    .values((
                        module_grants::module_id.eq(module.0),
                        module_grants::role_id.eq(role_id),
                        module_grants::user_id.eq(grant.user_id.map(|u| u.0)),
                        module_grants::created_at.eq(now),
                    ))
                    .returning(module_grants::id)
                    .get_result(conn)?;
                let after = json!({"grant_id": id, "role": grant.role, "user_id": grant.user_id});
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: region,
                        owner_id: grant.user_id.map(|u| u.0),
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("module.grant", "module.granted", "module", module.0)
                    },
                )?;
                load_modules(conn, Some(module.0))?
                    .pop()
                    .ok_or_else(|| Error::Internal("module vanished".into()))
            })
            .await?;
        if let Some(u) = user {
            self.auth.forget_user(u);
        }
        Ok(out)
    }
}
