//! Authentication: password login with throttling and lock-out, bearer tokens resolved to a
//! [`Caller`] (cached briefly), logout, and the trusted-header single sign-on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::config::AuthConfig;
use crate::crypto::{new_token, token_hash};
use crate::domain::access::{Caller, Grant, Permission, Scope, ScopeKind};
use crate::domain::ids::{DepartmentId, RegionId, UserId};
use crate::domain::org::TokenKind;
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::users::UserRow;
use crate::store::DbConn;
use crate::store::schema::{
    module_grants, modules, regions, role_permissions, roles, tokens, user_roles, users,
};
use crate::wire::auth::{HeldRole, LoginResponse, Me};
use crate::wire::time;

/// A PHC hash of a random password: verified against when the username is unknown, so that
/// answering takes as long as for a known one.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$J8Uu5nlZ4d1ZQ2iW0dC4n3D8m9bFwM1qJb1E0x7o7nE";

/// Resolved callers by token hash, and failures for unknown usernames.
#[derive(Clone)]
pub struct AuthState {
    cache: Arc<Mutex<HashMap<String, Cached>>>,
    unknown_failures: Arc<Mutex<HashMap<String, (u32, Instant)>>>,
    ttl: Duration,
}

#[derive(Clone)]
struct Cached {
    caller: Arc<Caller>,
    expires_at: Option<Millis>,
    cached: Instant,
}

impl AuthState {
    pub fn new(config: &AuthConfig) -> Self {
        AuthState {
            cache: Arc::default(),
            unknown_failures: Arc::default(),
            ttl: Duration::from_secs(config.cache_seconds),
        }
    }

    fn get(&self, hash: &str, now: Millis) -> Option<Arc<Caller>> {
        let cache = self.cache.lock().ok()?;
        let c = cache.get(hash)?;
        let fresh = c.cached.elapsed() < self.ttl && c.expires_at.is_none_or(|e| e > now);
        fresh.then(|| c.caller.clone())
    }

    fn put(&self, hash: String, caller: Arc<Caller>, expires_at: Option<Millis>) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() > 100_000 {
                cache.clear();
            }
            cache.insert(
                hash,
                Cached {
                    caller,
                    expires_at,
                    cached: Instant::now(),
                },
            );
        }
    }

    fn forget_token(&self, hash: &str) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(hash);
        }
    }

    /// Drops every cached session of a user whose roles, state or password changed.
    pub fn forget_user(&self, user: UserId) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|_, c| c.caller.user_id != user);
        }
    }

    /// Counts a failure for a username that does not exist; returns the delay to impose.
    fn unknown_failure(&self, username: &str) -> u32 {
        let Ok(mut map) = self.unknown_failures.lock() else {
            return 1;
        };
        if map.len() > 10_000 {
            map.retain(|_, (_, t)| t.elapsed() < Duration::from_secs(900));
        }
        let e = map
            .entry(username.to_owned())
            .or_insert((0, Instant::now()));
        if e.1.elapsed() > Duration::from_secs(900) {
            *e = (0, Instant::now());
        }
        e.0 += 1;
        e.0
    }
}

/// Failed attempts make the next answer slower: 250 ms per failure, at most 2 s.
async fn slow_down(failures: u32) {
    let ms = (u64::from(failures) * 250).min(2_000);
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

fn wrong_credentials() -> Error {
    Error::Unauthorized("wrong username or password".into())
}

/// Loads a user's grants with their scopes resolved.
pub(crate) fn load_caller(conn: &mut DbConn, user: &UserRow) -> Result<Caller, Error> {
    let held: Vec<(i64, String, String, Option<i64>)> = user_roles::table
        .inner_join(roles::table)
        .filter(user_roles::user_id.eq(user.id))
        .select((
            roles::id,
            roles::name,
            user_roles::scope_kind,
            user_roles::scope_id,
        ))
        .load(conn)?;
    let role_ids: Vec<i64> = held.iter().map(|h| h.0).collect();
    let perms: Vec<(i64, String)> = role_permissions::table
        .filter(role_permissions::role_id.eq_any(&role_ids))
        .select((role_permissions::role_id, role_permissions::permission))
        .load(conn)?;
    let mut grants = Vec::with_capacity(held.len());
    for (role_id, role, kind, scope_id) in held {
        let scope = match (ScopeKind::parse(&kind), scope_id) {
            (Some(ScopeKind::Region), Some(r)) => {
                let path: Option<String> = regions::table
                    .find(r)
                    .select(regions::path)
                    .get_result(conn)
                    .optional()?;
                match path {
                    Some(path) => Scope::Region {
                        id: RegionId(r),
                        path,
                    },
                    None => continue,
                }
            }
            (Some(ScopeKind::Department), Some(d)) => Scope::Department(DepartmentId(d)),
            (Some(ScopeKind::Own), _) => Scope::Own,
            _ => continue,
        };
        grants.push(Grant {
            role,
            permissions: perms
                .iter()
                .filter(|(r, _)| *r == role_id)
                .filter_map(|(_, p)| Permission::parse(p))
                .collect(),
            scope,
        });
    }
    Ok(Caller {
        user_id: UserId(user.id),
        username: user.username.clone(),
        grants,
    })
}

impl Services {
    /// Checks a password and opens a session.
    pub async fn login(&self, username: &str, password: &str) -> Result<LoginResponse, Error> {
        if username.is_empty() || username.len() > 64 || password.len() > 1024 {
            return Err(wrong_credentials());
        }
        let name = username.to_owned();
        let user = self
            .store
            .read(move |conn| {
                Ok(users::table
                    .filter(users::username.eq(&name))
                    .select(UserRow::as_select())
                    .get_result::<UserRow>(conn)
                    .optional()?)
            })
            .await?;
        let now = self.clock.now();
        let Some(user) = user else {
            let passwords = self.passwords.clone();
            let pw = password.to_owned();
            let _ = tokio::task::spawn_blocking(move || passwords.verify(&pw, DUMMY_HASH)).await;
            slow_down(self.auth.unknown_failure(username)).await;
            return Err(wrong_credentials());
        };
        if let Some(until) = user.locked_until.filter(|t| *t > now) {
            return Err(Error::TooManyRequests {
                message: "too many failed logins: the account is locked for a while".into(),
                retry_after_secs: u64::try_from((until - now) / 1000 + 1).unwrap_or(1),
            });
        }
        let passwords = self.passwords.clone();
        let (pw, phc) = (password.to_owned(), user.password_hash.clone());
        let ok = tokio::task::spawn_blocking(move || passwords.verify(&pw, &phc))
            .await
            .map_err(|e| Error::Internal(format!("verify task: {e}")))?;
        if !ok || !user.active {
            let failures = self.record_failed_login(&user).await?;
            slow_down(failures).await;
            return Err(wrong_credentials());
        }
        let ttl = self.config.auth.session_ttl_minutes * 60_000;
        let (token, hash) = new_token();
        let expires_at = now + ttl;
        let uid = user.id;
        let region = user.region_id;
        let username = user.username.clone();
        self.store
            .write(move |conn| {
                diesel::update(users::table.find(uid))
                    .set((
                        users::failed_logins.eq(0),
                        users::locked_until.eq(None::<i64>),
                    ))
                    .execute(conn)?;
                let tid: i64 = diesel::insert_into(tokens::table)
                    .values((
                        tokens::kind.eq(TokenKind::Session.as_str()),
                        tokens::token_hash.eq(&hash),
                        tokens::user_id.eq(uid),
                        tokens::name.eq("login"),
                        tokens::created_at.eq(now),
                        tokens::expires_at.eq(Some(expires_at)),
                    ))
                    .returning(tokens::id)
                    .get_result(conn)?;
                let after =
                    json!({"token_id": tid, "user_id": uid, "expires_at": time(expires_at)});
                audit::record(
                    conn,
                    now,
                    &Actor {
                        id: Some(UserId(uid)),
                        label: username,
                    },
                    Change {
                        region_id: Some(region),
                        owner_id: Some(uid),
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("auth.login", "session.started", "user", uid)
                    },
                )
            })
            .await?;
        let caller = self.resolve_token(&token).await?;
        Ok(LoginResponse {
            token,
            expires_at: time(expires_at),
            user: self.me(&caller).await?,
        })
    }

    /// Counts a failed login and locks the account past the limit; returns the failures so far.
    async fn record_failed_login(&self, user: &UserRow) -> Result<u32, Error> {
        let now = self.clock.now();
        let max = self.config.auth.max_failed_logins;
        let lock_ms = self.config.auth.lockout_minutes * 60_000;
        let (uid, region, username) = (user.id, user.region_id, user.username.clone());
        self.store
            .write(move |conn| {
                let failed: i32 = users::table
                    .find(uid)
                    .select(users::failed_logins)
                    .get_result(conn)?;
                let failed = failed + 1;
                let locked = (failed >= max).then_some(now + lock_ms);
                diesel::update(users::table.find(uid))
                    .set((
                        users::failed_logins.eq(if locked.is_some() { 0 } else { failed }),
                        users::locked_until.eq(locked),
                    ))
                    .execute(conn)?;
                let after = json!({"failed_logins": failed, "locked_until": locked.map(time)});
                let (action, event) = if locked.is_some() {
                    ("auth.lock", "user.locked")
                } else {
                    ("auth.login_failed", "user.login_failed")
                };
                audit::record(
                    conn,
                    now,
                    &Actor {
                        id: None,
                        label: username.clone(),
                    },
                    Change {
                        region_id: Some(region),
                        owner_id: Some(uid),
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new(action, event, "user", uid)
                    },
                )?;
                Ok(u32::try_from(failed).unwrap_or(u32::MAX))
            })
            .await
    }

    /// The caller a bearer token stands for; unknown, expired and revoked tokens are refused.
    pub async fn resolve_token(&self, token: &str) -> Result<Arc<Caller>, Error> {
        let hash = token_hash(token);
        let now = self.clock.now();
        if let Some(c) = self.auth.get(&hash, now) {
            return Ok(c);
        }
        let h = hash.clone();
        let (caller, expires_at) = self
            .store
            .read(move |conn| {
                let row: Option<(Option<i64>, Option<i64>, UserRow)> = tokens::table
                    .inner_join(users::table)
                    .filter(tokens::token_hash.eq(&h))
                    .select((tokens::expires_at, tokens::revoked_at, UserRow::as_select()))
                    .get_result(conn)
                    .optional()?;
                let Some((expires_at, revoked_at, user)) = row else {
                    return Err(Error::Unauthorized("unknown token".into()));
                };
                if revoked_at.is_some() {
                    return Err(Error::Unauthorized("the token was revoked".into()));
                }
                if expires_at.is_some_and(|e| e <= now) {
                    return Err(Error::Unauthorized("the token has expired".into()));
                }
                if !user.active {
                    return Err(Error::Unauthorized("the account is disabled".into()));
                }
                Ok((load_caller(conn, &user)?, expires_at))
            })
            .await?;
        let caller = Arc::new(caller);
        self.auth.put(hash, caller.clone(), expires_at);
        Ok(caller)
    }

    /// The caller named by a trusted reverse proxy (single sign-on); see `TrustedHeaderConfig`.
    pub async fn resolve_trusted_user(&self, username: &str) -> Result<Arc<Caller>, Error> {
        let key = format!("sso\u{1f}{username}");
        let now = self.clock.now();
        if let Some(c) = self.auth.get(&key, now) {
            return Ok(c);
        }
        let name = username.to_owned();
        let caller = self
            .store
            .read(move |conn| {
                let user: UserRow = users::table
                    .filter(users::username.eq(&name))
                    .select(UserRow::as_select())
                    .get_result(conn)
                    .optional()?
                    .filter(|u| u.active)
                    .ok_or_else(|| Error::Unauthorized("the proxy named an unknown user".into()))?;
                load_caller(conn, &user)
            })
            .await?;
        let caller = Arc::new(caller);
        self.auth.put(key, caller.clone(), None);
        Ok(caller)
    }

    /// Revokes the token of the current session.
    pub async fn logout(&self, caller: &Caller, token: &str) -> Result<(), Error> {
        let hash = token_hash(token);
        self.revoke_token_by_hash(caller, hash.clone()).await?;
        self.auth.forget_token(&hash);
        Ok(())
    }

    async fn revoke_token_by_hash(&self, caller: &Caller, hash: String) -> Result<(), Error> {
        let now = self.clock.now();
        let actor = Actor::of(caller);
        self.store
            .write(move |conn| {
                let (tid, uid, region): (i64, i64, i64) = tokens::table
                    .inner_join(users::table)
                    .filter(tokens::token_hash.eq(&hash))
                    .filter(tokens::revoked_at.is_null())
                    .select((tokens::id, tokens::user_id, users::region_id))
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::Unauthorized("unknown or revoked token".into()))?;
                diesel::update(tokens::table.find(tid))
                    .set(tokens::revoked_at.eq(Some(now)))
                    .execute(conn)?;
                let after = json!({"token_id": tid, "revoked_at": time(now)});
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        region_id: Some(region),
                        owner_id: Some(uid),
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("token.revoke", "token.revoked", "token", tid)
                    },
                )?;
                Ok(())
            })
            .await
    }

    /// The caller's profile, roles, permissions and granted modules.
    pub async fn me(&self, caller: &Caller) -> Result<Me, Error> {
        let uid = caller.user_id.0;
        let permissions = caller.permissions();
        self.store
            .read(move |conn| {
                let user: UserRow = users::table
                    .find(uid)
                    .select(UserRow::as_select())
                    .get_result(conn)?;
                let held: Vec<(i64, String, String, Option<i64>)> = user_roles::table
                    .inner_join(roles::table)
                    .filter(user_roles::user_id.eq(uid))
                    .select((
                        roles::id,
                        roles::name,
                        user_roles::scope_kind,
                        user_roles::scope_id,
                    ))
                    .load(conn)?;
                let role_ids: Vec<i64> = held.iter().map(|h| h.0).collect();
                let mut codes: Vec<String> = module_grants::table
                    .inner_join(modules::table)
                    .filter(
                        module_grants::user_id
                            .eq(uid)
                            .or(module_grants::role_id.eq_any(role_ids)),
                    )
                    .select(modules::code)
                    .load(conn)?;
                codes.sort();
                codes.dedup();
                Ok(Me {
                    id: UserId(uid),
                    username: user.username,
                    display_name: user.display_name,
                    roles: held
                        .into_iter()
                        .map(|(_, role, kind, scope_id)| HeldRole {
                            role,
                            scope_kind: ScopeKind::parse(&kind).unwrap_or(ScopeKind::Own),
                            scope_id,
                        })
                        .collect(),
                    permissions,
                    modules: codes,
                })
            })
            .await
    }
}

impl Services {
    /// The caller a user would be after logging in, for the operator's own tools (seeding,
    /// `yiwang` subcommands) that act with a user's rights without a password.
    pub async fn caller_of(&self, user: UserId) -> Result<Caller, Error> {
        self.store
            .read(move |conn| {
                let row: UserRow = users::table
                    .find(user.0)
                    .select(UserRow::as_select())
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::not_found("user", user))?;
                load_caller(conn, &row)
            })
            .await
    }

    /// A user's id by username.
    pub async fn user_id_by_name(&self, username: &str) -> Result<Option<UserId>, Error> {
        let name = username.to_owned();
        self.store
            .read(move |conn| {
                Ok(users::table
                    .filter(users::username.eq(&name))
                    .select(users::id)
                    .get_result::<i64>(conn)
                    .optional()?
                    .map(UserId))
            })
            .await
    }
}
