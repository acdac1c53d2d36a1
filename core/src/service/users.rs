//! Users, roles and the roles users hold with their data scopes.

use diesel::prelude::*;
use serde_json::json;

use crate::crypto::mask;
use crate::domain::access::{Caller, Permission, ScopeKind, Target};
use crate::domain::ids::{DepartmentId, RegionId, RoleId, UserId};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::{ScopeSql, region_path_of};
use crate::store::DbConn;
use crate::store::kept::Keep;
use crate::store::schema::{departments, regions, role_permissions, roles, user_roles, users};
use crate::wire::org::{NewRole, NewUser, NewUserRole, Role, User, UserChanges, UserRole};
use crate::wire::{Page, PageQuery, page_of, time};

#[derive(Queryable, Selectable, Clone)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub region_id: i64,
    pub department_id: Option<i64>,
    pub phone_enc: Option<String>,
    pub active: bool,
    pub failed_logins: i32,
    pub locked_until: Option<i64>,
    pub created_at: i64,
}

/// A user row with its region's path: enough to check access to it.
pub(crate) fn user_with_path(
    conn: &mut DbConn,
    id: i64,
) -> Result<Option<(UserRow, String)>, Error> {
    Ok(crate::on_backend!(conn, |c| users::table
        .inner_join(regions::table)
        .filter(users::id.eq(id))
        .select((UserRow::as_select(), regions::path))
        .get_result(c)
        .optional())?)
}

/// A user with their region's path and the roles they hold, in one statement: a read of a user
/// is one round trip instead of two.
fn user_with_roles(
    conn: &mut DbConn,
    id: i64,
) -> Result<Option<(UserRow, String, Vec<UserRole>)>, Error> {
    type Held = (i64, String, String, Option<i64>);
    let rows: Vec<(UserRow, String, Option<Held>)> = crate::on_backend!(conn, |c| users::table
        .inner_join(regions::table)
        .left_join(user_roles::table.inner_join(roles::table))
        .filter(users::id.eq(id))
        .order(user_roles::id.asc())
        .select((
            UserRow::as_select(),
            regions::path,
            (
                user_roles::id,
                roles::name,
                user_roles::scope_kind,
                user_roles::scope_id,
            )
                .nullable(),
        ))
        .load(c))?;
    let mut rows = rows.into_iter();
    let Some((user, path, first)) = rows.next() else {
        return Ok(None);
    };
    let roles = first
        .into_iter()
        .chain(rows.filter_map(|(_, _, held)| held))
        .map(|(id, role, kind, scope_id)| held_role(id, role, &kind, scope_id))
        .collect();
    Ok(Some((user, path, roles)))
}

pub(crate) fn user_target<'a>(u: &UserRow, path: &'a str) -> Target<'a> {
    Target {
        region_path: Some(path),
        department_id: u.department_id.map(DepartmentId),
        owner_id: Some(UserId(u.id)),
    }
}

fn held_roles(conn: &mut DbConn, user_ids: &[i64]) -> Result<Vec<(i64, UserRole)>, Error> {
    let columns = (
        user_roles::user_id,
        user_roles::id,
        roles::name,
        user_roles::scope_kind,
        user_roles::scope_id,
    );
    let rows: Vec<(i64, i64, String, String, Option<i64>)> = user_roles::table
        .inner_join(roles::table)
        .filter(user_roles::user_id.eq_any(user_ids))
        .order(user_roles::id.asc())
        .select(columns)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(uid, id, role, kind, scope_id)| (uid, held_role(id, role, &kind, scope_id)))
        .collect())
}

/// A role grant as read: its scope kind parsed (an unknown kind reads as the narrowest).
fn held_role(id: i64, role: String, kind: &str, scope_id: Option<i64>) -> UserRole {
    UserRole {
        id,
        role,
        scope_kind: ScopeKind::parse(kind).unwrap_or(ScopeKind::Own),
        scope_id,
    }
}

impl Services {
    fn user_wire(&self, u: &UserRow, roles: Vec<UserRole>, now: i64) -> User {
        User {
            id: UserId(u.id),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            region_id: RegionId(u.region_id),
            department_id: u.department_id.map(DepartmentId),
            phone: u
                .phone_enc
                .as_deref()
                .and_then(|p| self.vault.open(p).ok())
                .map(|p| mask(&p, 3, 4)),
            active: u.active,
            locked: u.locked_until.is_some_and(|t| t > now),
            roles,
            created_at: time(u.created_at),
        }
    }

    pub async fn create_user(&self, caller: &Caller, new: NewUser) -> Result<User, Error> {
        self.create_user_as(Actor::of(caller), Some(caller.clone()), new)
            .await
    }

    /// Creates a user; with `caller` absent (the `yiwang user add` command run by the
    /// operator on the server) no permission is checked.
    pub async fn create_user_as(
        &self,
        actor: Actor,
        caller: Option<Caller>,
        new: NewUser,
    ) -> Result<User, Error> {
        let mut v = Validator::new();
        v.text(&new.username, "username", 64)
            .check(
                new.username
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
                "username",
                "may hold only letters, digits, '.', '_' and '-'",
            )
            .text(&new.display_name, "display_name", 64)
            .check(
                new.password.chars().count() >= 8,
                "password",
                "must be at least 8 characters",
            )
            .check(new.password.len() <= 1024, "password", "is too long");
        let phone = match new.phone.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => {
                let ok =
                    p.len() == 11 && p.starts_with('1') && p.chars().all(|c| c.is_ascii_digit());
                v.check(ok, "phone", "must be an 11-digit mobile number");
                Some(p.to_owned())
            }
            _ => None,
        };
        v.finish()?;
        let phone_enc = phone.map(|p| self.vault.seal(&p)).transpose()?;
        let passwords = self.passwords.clone();
        let password = new.password.clone();
        let hash = tokio::task::spawn_blocking(move || passwords.hash(&password))
            .await
            .map_err(|e| Error::Internal(format!("hashing task: {e}")))??;
        let now = self.clock.now();
        let this = self.clone();
        self.store
            .write(move |conn| {
                let path = region_path_of(conn, new.region_id.0)
                    .map_err(|_| Error::invalid("region_id", "no such region"))?;
                if let Some(dep) = new.department_id {
                    let dep_region: Option<i64> = departments::table
                        .find(dep.0)
                        .select(departments::region_id)
                        .get_result(conn)
                        .optional()?;
                    if dep_region.is_none() {
                        return Err(Error::invalid("department_id", "no such department"));
                    }
                }
                if let Some(c) = &caller {
                    let target = Target {
                        region_path: Some(&path),
                        department_id: new.department_id,
                        owner_id: None,
                    };
                    if !c.may(Permission::UserManage, &target) {
                        return Err(Error::forbidden(
                            "creating a user needs user.manage over their region or department",
                        ));
                    }
                }
                let id: i64 = diesel::insert_into(users::table)
                    .values((
                        users::username.eq(new.username.trim()),
                        users::display_name.eq(new.display_name.trim()),
                        users::password_hash.eq(&hash),
                        users::region_id.eq(new.region_id.0),
                        users::department_id.eq(new.department_id.map(|d| d.0)),
                        users::phone_enc.eq(&phone_enc),
                        users::active.eq(true),
                        users::failed_logins.eq(0),
                        users::created_at.eq(now),
                    ))
                    .returning(users::id)
                    .get_result(conn)?;
                let row: UserRow = users::table
                    .find(id)
                    .select(UserRow::as_select())
                    .get_result(conn)?;
                let user = this.user_wire(&row, Vec::new(), now);
                let after = json!(user);
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        region_id: Some(row.region_id),
                        department_id: row.department_id,
                        owner_id: Some(row.id),
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("user.create", "user.created", "user", row.id)
                    },
                )?;
                Ok(user)
            })
            .await
    }

    pub async fn get_user(&self, caller: &Caller, id: UserId) -> Result<User, Error> {
        let caller = caller.clone();
        let this = self.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let (u, path, roles) =
                    user_with_roles(conn, id.0)?.ok_or_else(|| Error::not_found("user", id))?;
                if !caller.may(Permission::UserRead, &user_target(&u, &path)) {
                    return Err(Error::not_found("user", id));
                }
                Ok(this.user_wire(&u, roles, now))
            })
            .await
    }

    pub async fn list_users(&self, caller: &Caller, page: PageQuery) -> Result<Page<User>, Error> {
        let caller = caller.clone();
        let this = self.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::UserRead)?;
                let limit = page.limit();
                let mut q = users::table
                    .filter(users::id.gt(page.after()))
                    .order(users::id.asc())
                    .limit(limit + 1)
                    .select(UserRow::as_select())
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        users::region_id
                            .eq_any(scope.region_ids)
                            .or(users::department_id.eq_any(scope.department_ids))
                            .or(users::id.eq(scope.owner.unwrap_or(-1))),
                    );
                }
                let rows: Vec<UserRow> = q.load(conn)?;
                let ids: Vec<i64> = rows.iter().map(|u| u.id).collect();
                let mut held = held_roles(conn, &ids)?;
                let users = rows
                    .iter()
                    .map(|u| {
                        let mine = held
                            .iter()
                            .filter(|(uid, _)| *uid == u.id)
                            .map(|(_, r)| r.clone())
                            .collect();
                        this.user_wire(u, mine, now)
                    })
                    .collect();
                held.clear();
                Ok(page_of(users, limit, |u: &User| u.id.0))
            })
            .await
    }

    pub async fn update_user(
        &self,
        caller: &Caller,
        id: UserId,
        changes: UserChanges,
    ) -> Result<User, Error> {
        let mut v = Validator::new();
        if let Some(n) = &changes.display_name {
            v.text(n, "display_name", 64);
        }
        if let Some(p) = &changes.password {
            v.check(
                p.chars().count() >= 8,
                "password",
                "must be at least 8 characters",
            )
            .check(p.len() <= 1024, "password", "is too long");
        }
        v.finish()?;
        let hash = match changes.password.clone() {
            Some(p) => {
                let passwords = self.passwords.clone();
                Some(
                    tokio::task::spawn_blocking(move || passwords.hash(&p))
                        .await
                        .map_err(|e| Error::Internal(format!("hashing task: {e}")))??,
                )
            }
            None => None,
        };
        let caller = caller.clone();
        let this = self.clone();
        let now = self.clock.now();
        let user = self
            .store
            .write(move |conn| {
                this.apply_user_changes(conn, now, &caller, id, &changes, hash.as_deref())
            })
            .await?;
        self.auth.forget_user(user.id);
        Ok(user)
    }

    /// The state change of [`Services::update_user`], inside the caller's transaction.
    fn apply_user_changes(
        &self,
        conn: &mut DbConn,
        now: i64,
        caller: &Caller,
        id: UserId,
        changes: &UserChanges,
        hash: Option<&str>,
    ) -> Result<User, Error> {
        let (u, path, roles) =
            user_with_roles(conn, id.0)?.ok_or_else(|| Error::not_found("user", id))?;
        let target = user_target(&u, &path);
        let own_password_only =
            u.id == caller.user_id.0 && changes.active.is_none() && changes.unlock.is_none();
        if !own_password_only {
            caller.check(
                Permission::UserManage,
                Permission::UserRead,
                &target,
                "user",
                id,
            )?;
        }
        let before = json!(self.user_wire(&u, Vec::new(), now));
        let display_name = changes
            .display_name
            .as_deref()
            .map(str::trim)
            .unwrap_or(&u.display_name)
            .to_owned();
        let active = changes.active.unwrap_or(u.active);
        let (failed, locked) = if changes.unlock == Some(true) {
            (0, None)
        } else {
            (u.failed_logins, u.locked_until)
        };
        let row = UserRow {
            display_name,
            active,
            password_hash: hash.map_or_else(|| u.password_hash.clone(), str::to_owned),
            failed_logins: failed,
            locked_until: locked,
            ..u.clone()
        };
        diesel::update(users::table.find(u.id))
            .set((
                users::display_name.eq(&row.display_name),
                users::active.eq(row.active),
                users::password_hash.eq(&row.password_hash),
                users::failed_logins.eq(row.failed_logins),
                users::locked_until.eq(row.locked_until),
            ))
            .returning(users::id)
            .kept()
            .execute(conn)?;
        // A change of the user leaves their roles as read.
        let user = self.user_wire(&row, roles, now);
        let mut after = json!(user);
        if hash.is_some() {
            after["password_changed"] = json!(true);
        }
        audit::record(
            conn,
            now,
            &Actor::of(caller),
            Change {
                region_id: Some(row.region_id),
                department_id: row.department_id,
                owner_id: Some(row.id),
                before: Some(before),
                after: Some(after.clone()),
                payload: after,
                ..Change::new("user.update", "user.updated", "user", row.id)
            },
        )?;
        Ok(user)
    }

    /// The same change as [`Services::update_user`], committed alone on `conn`: the one-by-one
    /// baseline that `yiwang loadgen commits` measures the group-committing writer against.
    pub fn update_user_unbatched(
        &self,
        conn: &mut DbConn,
        caller: &Caller,
        id: UserId,
        changes: &UserChanges,
    ) -> Result<User, Error> {
        let now = self.clock.now();
        diesel::Connection::transaction(conn, |conn| {
            self.apply_user_changes(conn, now, caller, id, changes, None)
        })
    }

    /// Gives a user a role with a scope. The granter must hold every permission of the role
    /// over that scope: nobody hands out more than they have.
    pub async fn grant_role(
        &self,
        caller: &Caller,
        user: UserId,
        grant: NewUserRole,
    ) -> Result<UserRole, Error> {
        self.grant_role_as(Actor::of(caller), Some(caller.clone()), user, grant)
            .await
    }

    pub async fn grant_role_as(
        &self,
        actor: Actor,
        caller: Option<Caller>,
        user: UserId,
        grant: NewUserRole,
    ) -> Result<UserRole, Error> {
        let now = self.clock.now();
        let granted = self
            .store
            .write(move |conn| {
                let (u, upath) =
                    user_with_path(conn, user.0)?.ok_or_else(|| Error::not_found("user", user))?;
                let (role_id, perms) = role_by_name(conn, &grant.role)?;
                let scope_path: Option<String>;
                let scope_dep: Option<DepartmentId>;
                match (grant.scope_kind, grant.scope_id) {
                    (ScopeKind::Region, Some(r)) => {
                        scope_path = Some(
                            region_path_of(conn, r)
                                .map_err(|_| Error::invalid("scope_id", "no such region"))?,
                        );
                        scope_dep = None;
                    }
                    (ScopeKind::Department, Some(d)) => {
                        let r: i64 = departments::table
                            .find(d)
                            .select(departments::region_id)
                            .get_result(conn)
                            .optional()?
                            .ok_or_else(|| Error::invalid("scope_id", "no such department"))?;
                        scope_path = Some(region_path_of(conn, r)?);
                        scope_dep = Some(DepartmentId(d));
                    }
                    (ScopeKind::Own, None) => {
                        scope_path = None;
                        scope_dep = None;
                    }
                    (ScopeKind::Own, Some(_)) => {
                        return Err(Error::invalid("scope_id", "must be absent for scope 'own'"));
                    }
                    (_, None) => {
                        return Err(Error::invalid(
                            "scope_id",
                            "names the region or department of the scope",
                        ));
                    }
                }
                if let Some(c) = &caller {
                    if !c.may(Permission::UserManage, &user_target(&u, &upath)) {
                        return Err(Error::forbidden(
                            "granting roles needs user.manage over the user",
                        ));
                    }
                    let scope_target = Target {
                        region_path: scope_path.as_deref().or(Some(&upath)),
                        department_id: scope_dep,
                        owner_id: None,
                    };
                    if let Some(p) = perms.iter().find(|p| !c.may(**p, &scope_target)) {
                        return Err(Error::forbidden(format!(
                            "you cannot grant {} over that scope: you do not hold it there",
                            p.as_str()
                        )));
                    }
                }
                let id: i64 = diesel::insert_into(user_roles::table)
                    .values((
                        user_roles::user_id.eq(u.id),
                        user_roles::role_id.eq(role_id),
                        user_roles::scope_kind.eq(grant.scope_kind.as_str()),
                        user_roles::scope_id.eq(grant.scope_id),
                        user_roles::created_at.eq(now),
                    ))
                    .returning(user_roles::id)
                    .get_result(conn)?;
                let held = UserRole {
                    id,
                    role: grant.role.clone(),
                    scope_kind: grant.scope_kind,
                    scope_id: grant.scope_id,
                };
                let after = json!({"user_id": u.id, "grant": held});
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        region_id: Some(u.region_id),
                        department_id: u.department_id,
                        owner_id: Some(u.id),
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("user.grant_role", "user.role_granted", "user", u.id)
                    },
                )?;
                Ok(held)
            })
            .await?;
        self.auth.forget_user(user);
        Ok(granted)
    }

    pub async fn revoke_role(
        &self,
        caller: &Caller,
        user: UserId,
        grant_id: i64,
    ) -> Result<(), Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (u, upath) =
                    user_with_path(conn, user.0)?.ok_or_else(|| Error::not_found("user", user))?;
                if !caller.may(Permission::UserManage, &user_target(&u, &upath)) {
                    return Err(Error::forbidden(
                        "revoking roles needs user.manage over the user",
                    ));
                }
                let n = diesel::delete(
                    user_roles::table
                        .filter(user_roles::id.eq(grant_id))
                        .filter(user_roles::user_id.eq(u.id)),
                )
                .execute(conn)?;
                if n == 0 {
                    return Err(Error::not_found("role grant", grant_id));
                }
                let before = json!({"user_id": u.id, "grant_id": grant_id});
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(u.region_id),
                        department_id: u.department_id,
                        owner_id: Some(u.id),
                        before: Some(before.clone()),
                        payload: before,
                        ..Change::new("user.revoke_role", "user.role_revoked", "user", u.id)
                    },
                )?;
                Ok(())
            })
            .await?;
        self.auth.forget_user(user);
        Ok(())
    }

    pub async fn list_roles(&self, caller: &Caller) -> Result<Vec<Role>, Error> {
        if !caller.has(Permission::UserRead) && !caller.has(Permission::RoleManage) {
            return Err(Error::forbidden(
                "listing roles needs user.read or role.manage",
            ));
        }
        self.store.read(load_roles).await
    }

    pub async fn create_role(&self, caller: &Caller, new: NewRole) -> Result<Role, Error> {
        Validator::new()
            .text(&new.name, "name", 40)
            .check(
                new.name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "name",
                "must be lowercase letters and '_'",
            )
            .text(&new.title, "title", 64)
            .check(
                !new.permissions.is_empty(),
                "permissions",
                "must not be empty",
            )
            .finish()?;
        if !caller.has(Permission::RoleManage) {
            return Err(Error::forbidden("creating roles needs role.manage"));
        }
        if let Some(p) = new.permissions.iter().find(|p| !caller.has(**p)) {
            return Err(Error::forbidden(format!(
                "you cannot put {} in a role: you do not hold it",
                p.as_str()
            )));
        }
        let actor = Actor::of(caller);
        let now = self.clock.now();
        self.store
            .write(move |conn| insert_role(conn, now, &actor, &new, false))
            .await
    }
}

/// A role's id and permissions by name.
pub(crate) fn role_by_name(conn: &mut DbConn, name: &str) -> Result<(i64, Vec<Permission>), Error> {
    let id: i64 = roles::table
        .filter(roles::name.eq(name))
        .select(roles::id)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::invalid("role", format!("no role named '{name}'")))?;
    let perms: Vec<String> = role_permissions::table
        .filter(role_permissions::role_id.eq(id))
        .select(role_permissions::permission)
        .load(conn)?;
    Ok((
        id,
        perms.iter().filter_map(|p| Permission::parse(p)).collect(),
    ))
}

pub(crate) fn insert_role(
    conn: &mut DbConn,
    now: i64,
    actor: &Actor,
    new: &NewRole,
    builtin: bool,
) -> Result<Role, Error> {
    let id: i64 = diesel::insert_into(roles::table)
        .values((
            roles::name.eq(&new.name),
            roles::title.eq(&new.title),
            roles::builtin.eq(builtin),
            roles::created_at.eq(now),
        ))
        .returning(roles::id)
        .get_result(conn)?;
    set_role_permissions(conn, id, &new.permissions)?;
    let role = Role {
        id: RoleId(id),
        name: new.name.clone(),
        title: new.title.clone(),
        builtin,
        permissions: new.permissions.clone(),
    };
    let after = json!(role);
    audit::record(
        conn,
        now,
        actor,
        Change {
            after: Some(after.clone()),
            payload: after,
            ..Change::new("role.create", "role.created", "role", id)
        },
    )?;
    Ok(role)
}

pub(crate) fn set_role_permissions(
    conn: &mut DbConn,
    role_id: i64,
    perms: &[Permission],
) -> Result<(), Error> {
    diesel::delete(role_permissions::table.filter(role_permissions::role_id.eq(role_id)))
        .execute(conn)?;
    let mut names: Vec<&str> = perms.iter().map(|p| p.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for p in names {
        diesel::insert_into(role_permissions::table)
            .values((
                role_permissions::role_id.eq(role_id),
                role_permissions::permission.eq(p),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub(crate) fn load_roles(conn: &mut DbConn) -> Result<Vec<Role>, Error> {
    let rows: Vec<(i64, String, String, bool)> = roles::table
        .order(roles::id.asc())
        .select((roles::id, roles::name, roles::title, roles::builtin))
        .load(conn)?;
    let perms: Vec<(i64, String)> = role_permissions::table
        .select((role_permissions::role_id, role_permissions::permission))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, title, builtin)| Role {
            id: RoleId(id),
            name,
            title,
            builtin,
            permissions: perms
                .iter()
                .filter(|(r, _)| *r == id)
                .filter_map(|(_, p)| Permission::parse(p))
                .collect(),
        })
        .collect())
}

impl Services {
    /// Every role, without a permission check: for the operator's own commands.
    pub async fn list_roles_unchecked(&self) -> Result<Vec<Role>, Error> {
        self.store.read(load_roles).await
    }
}
