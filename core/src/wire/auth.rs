//! Login, the caller's own view, and tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::access::{Permission, ScopeKind};
use crate::domain::ids::{TokenId, UserId};
use crate::domain::org::TokenKind;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer TOKEN`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: Me,
}

/// One role the caller holds, and where.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeldRole {
    pub role: String,
    pub scope_kind: ScopeKind,
    pub scope_id: Option<i64>,
}

/// The caller: who they are and what they may do.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Me {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<HeldRole>,
    pub permissions: Vec<Permission>,
    /// Codes of the modules (menus) granted to the caller or their roles.
    pub modules: Vec<String>,
}

/// A request for a long-lived token: an integration's API key or a device's token.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub kind: TokenKind,
    /// The user the token acts as (a service account for integrations and devices).
    pub user_id: UserId,
    pub name: String,
    /// Days until it expires; absent means it lives until revoked.
    pub ttl_days: Option<u32>,
}

/// A token as listed: never the secret itself.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: TokenId,
    pub kind: TokenKind,
    pub user_id: UserId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token just issued: the secret is shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuedToken {
    pub token: String,
    pub info: TokenInfo,
}
