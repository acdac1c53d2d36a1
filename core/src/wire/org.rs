//! Organisation and access: regions, departments, halls, windows, users, roles, modules.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::access::{Permission, ScopeKind};
use crate::domain::ids::{
    AreaId, DepartmentId, HallId, ModuleId, RegionId, RoleId, UserId, WindowId,
};
use crate::domain::org::RegionLevel;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Region {
    pub id: RegionId,
    /// The national administrative division code (e.g. 350100).
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    pub parent_id: Option<RegionId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegion {
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    /// Absent only for the root region (the city, or the province above it).
    pub parent_id: Option<RegionId>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Department {
    pub id: DepartmentId,
    pub region_id: RegionId,
    pub code: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDepartment {
    pub region_id: RegionId,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Hall {
    pub id: HallId,
    pub region_id: RegionId,
    pub name: String,
    pub address: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHall {
    pub region_id: RegionId,
    pub name: String,
    pub address: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Area {
    pub id: AreaId,
    pub hall_id: HallId,
    /// Ticket prefix, e.g. `A` for tickets A001…
    pub prefix: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArea {
    pub prefix: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Window {
    pub id: WindowId,
    pub hall_id: HallId,
    pub area_id: Option<AreaId>,
    pub department_id: Option<DepartmentId>,
    /// The number shown over the counter, e.g. `12`.
    pub number: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWindow {
    pub area_id: Option<AreaId>,
    pub department_id: Option<DepartmentId>,
    pub number: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub region_id: RegionId,
    pub department_id: Option<DepartmentId>,
    /// Masked (`138****8000`); the number itself is stored encrypted.
    pub phone: Option<String>,
    pub active: bool,
    pub locked: bool,
    pub roles: Vec<UserRole>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub region_id: RegionId,
    pub department_id: Option<DepartmentId>,
    pub phone: Option<String>,
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub active: Option<bool>,
    pub password: Option<String>,
    /// Clears a lockout after failed logins.
    pub unlock: Option<bool>,
}

/// A role held by a user with a data scope.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserRole {
    pub id: i64,
    pub role: String,
    pub scope_kind: ScopeKind,
    /// The region or department id for those scope kinds.
    pub scope_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRole {
    pub role: String,
    pub scope_kind: ScopeKind,
    pub scope_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Role {
    pub id: RoleId,
    pub name: String,
    pub title: String,
    pub builtin: bool,
    pub permissions: Vec<Permission>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    pub name: String,
    pub title: String,
    pub permissions: Vec<Permission>,
}

/// A module (a menu of the back office) registered at run time (R-2.2.6.3).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Module {
    pub id: ModuleId,
    pub code: String,
    pub name: String,
    pub description: String,
    pub grants: Vec<ModuleGrant>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewModule {
    pub code: String,
    pub name: String,
    pub description: String,
}

/// A module granted to a role or to one user (exactly one of the two).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ModuleGrant {
    pub id: i64,
    pub role: Option<String>,
    pub user_id: Option<UserId>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewModuleGrant {
    pub role: Option<String>,
    pub user_id: Option<UserId>,
}
