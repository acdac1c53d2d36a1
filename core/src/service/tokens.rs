//! Long-lived tokens: API keys for integrations and tokens for hall devices. They use the same
//! mechanism as login sessions (opaque, stored as hashes, expiry, revocation).

use diesel::prelude::*;
use serde_json::json;

use crate::crypto::new_token;
use crate::domain::access::{Caller, Permission};
use crate::domain::ids::{TokenId, UserId};
use crate::domain::org::TokenKind;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::users::{user_target, user_with_path};
use crate::store::DbConn;
use crate::store::schema::tokens;
use crate::wire::auth::{IssuedToken, NewToken, TokenInfo};
use crate::wire::time;

#[derive(Queryable, Selectable)]
#[diesel(table_name = tokens)]
struct TokenRow {
    id: i64,
    kind: String,
    user_id: i64,
    name: String,
    created_at: i64,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TokenRow {
    fn wire(&self) -> TokenInfo {
        TokenInfo {
            id: TokenId(self.id),
            kind: TokenKind::parse(&self.kind).unwrap_or(TokenKind::ApiKey),
            user_id: UserId(self.user_id),
            name: self.name.clone(),
            created_at: time(self.created_at),
            expires_at: self.expires_at.map(time),
            revoked_at: self.revoked_at.map(time),
        }
    }
}

/// Inserts a token for `user`; the permission check is the caller's.
pub(crate) fn insert_token(
    conn: &mut DbConn,
    now: i64,
    actor: &Actor,
    new: &NewToken,
) -> Result<IssuedToken, Error> {
    let (user, _) = user_with_path(conn, new.user_id.0)?
        .ok_or_else(|| Error::invalid("user_id", "no such user"))?;
    let (token, hash) = new_token();
    let expires_at = new.ttl_days.map(|d| now + i64::from(d) * 86_400_000);
    let id: i64 = diesel::insert_into(tokens::table)
        .values((
            tokens::kind.eq(new.kind.as_str()),
            tokens::token_hash.eq(&hash),
            tokens::user_id.eq(user.id),
            tokens::name.eq(new.name.trim()),
            tokens::created_at.eq(now),
            tokens::expires_at.eq(expires_at),
        ))
        .returning(tokens::id)
        .get_result(conn)?;
    let row: TokenRow = tokens::table
        .find(id)
        .select(TokenRow::as_select())
        .get_result(conn)?;
    let info = row.wire();
    let after = json!(info);
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(user.region_id),
            department_id: user.department_id,
            owner_id: Some(user.id),
            after: Some(after.clone()),
            payload: after,
            ..Change::new("token.issue", "token.issued", "token", row.id)
        },
    )?;
    Ok(IssuedToken { token, info })
}

fn validate(new: &NewToken) -> Result<(), Error> {
    Validator::new()
        .text(&new.name, "name", 100)
        .check(
            new.kind != TokenKind::Session,
            "kind",
            "sessions are opened by logging in; issue api_key or device",
        )
        .check(
            new.ttl_days.is_none_or(|d| (1..=3650).contains(&d)),
            "ttl_days",
            "must be between 1 and 3650",
        )
        .finish()
}

impl Services {
    pub async fn issue_token(&self, caller: &Caller, new: NewToken) -> Result<IssuedToken, Error> {
        validate(&new)?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (u, path) = user_with_path(conn, new.user_id.0)?
                    .ok_or_else(|| Error::invalid("user_id", "no such user"))?;
                if !caller.may(Permission::TokenManage, &user_target(&u, &path)) {
                    return Err(Error::forbidden(
                        "issuing tokens needs token.manage over the user",
                    ));
                }
                insert_token(conn, now, &Actor::of(&caller), &new)
            })
            .await
    }

    /// Issues a token without a caller: for `yiwang token issue` run by the operator.
    pub async fn issue_token_as_operator(&self, new: NewToken) -> Result<IssuedToken, Error> {
        validate(&new)?;
        let now = self.clock.now();
        self.store
            .write(move |conn| insert_token(conn, now, &Actor::system(), &new))
            .await
    }

    /// Tokens of one user: their own, or any user within the caller's token.manage scope.
    pub async fn list_tokens(
        &self,
        caller: &Caller,
        user: UserId,
    ) -> Result<Vec<TokenInfo>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let (u, path) =
                    user_with_path(conn, user.0)?.ok_or_else(|| Error::not_found("user", user))?;
                let own = u.id == caller.user_id.0;
                if !own && !caller.may(Permission::TokenManage, &user_target(&u, &path)) {
                    return Err(Error::not_found("user", user));
                }
                let rows: Vec<TokenRow> = tokens::table
                    .filter(tokens::user_id.eq(u.id))
                    .order(tokens::id.asc())
                    .select(TokenRow::as_select())
                    .load(conn)?;
                Ok(rows.iter().map(TokenRow::wire).collect())
            })
            .await
    }

    pub async fn revoke_token(&self, caller: &Caller, id: TokenId) -> Result<TokenInfo, Error> {
        let c = caller.clone();
        let now = self.clock.now();
        let info = self
            .store
            .write(move |conn| {
                let row: TokenRow = tokens::table
                    .find(id.0)
                    .select(TokenRow::as_select())
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::not_found("token", id))?;
                let (u, path) = user_with_path(conn, row.user_id)?
                    .ok_or_else(|| Error::not_found("token", id))?;
                let own = u.id == c.user_id.0;
                if !own && !c.may(Permission::TokenManage, &user_target(&u, &path)) {
                    return Err(Error::not_found("token", id));
                }
                if row.revoked_at.is_some() {
                    return Err(Error::conflict("the token is already revoked"));
                }
                diesel::update(tokens::table.find(row.id))
                    .set(tokens::revoked_at.eq(Some(now)))
                    .execute(conn)?;
                let mut info = row.wire();
                info.revoked_at = Some(time(now));
                let after = json!(info);
                audit::record(
                    conn,
                    now,
                    &Actor::of(&c),
                    Change {
                        region_id: Some(u.region_id),
                        owner_id: Some(u.id),
                        before: Some(json!(row.wire())),
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("token.revoke", "token.revoked", "token", row.id)
                    },
                )?;
                Ok(info)
            })
            .await?;
        self.auth.forget_user(info.user_id);
        Ok(info)
    }
}
