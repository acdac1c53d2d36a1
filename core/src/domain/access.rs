//! Permissions, data scopes and the check "may this caller do that to this record".
//!
//! A role grants permissions; a user holds a role *with a scope*: a region subtree, one
//! department, or their own records. A caller may act on a record when one of their grants has
//! the permission and its scope covers the record.

use serde::{Deserialize, Serialize};

use crate::domain::ids::{DepartmentId, RegionId, UserId};

macro_rules! permissions {
    ($($variant:ident => $name:literal, $zh:literal;)*) => {
        /// Everything a role can grant. Stored by name, so adding one needs no migration.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum Permission {
            $(#[serde(rename = $name)] $variant,)*
        }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Permission::$variant => $name,)* }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($name => Some(Permission::$variant),)* _ => None }
            }

            /// Chinese description, for the admin views.
            pub fn label_zh(self) -> &'static str {
                match self { $(Permission::$variant => $zh,)* }
            }
        }
    };
}

permissions! {
    OrgRead => "org.read", "查看组织机构";
    OrgManage => "org.manage", "管理组织机构";
    UserRead => "user.read", "查看用户";
    UserManage => "user.manage", "管理用户";
    RoleManage => "role.manage", "管理角色";
    ModuleManage => "module.manage", "管理功能模块";
    TokenManage => "token.manage", "管理接口密钥与设备令牌";
    AuditRead => "audit.read", "查看审计日志";
    EventRead => "event.read", "查看事件流";
    CatalogueRead => "catalogue.read", "查看事项库";
    CatalogueManage => "catalogue.manage", "管理事项库";
    CaseRead => "case.read", "查看办件";
    CaseHandle => "case.handle", "办理办件";
    SupervisionRead => "supervision.read", "查看督查信息";
    SupervisionManage => "supervision.manage", "督查督办";
    SupervisionRule => "supervision.rule", "管理监察规则";
    SupervisionReply => "supervision.reply", "回复督办单";
    EvaluationSubmit => "evaluation.submit", "提交好差评";
    QueueRead => "queue.read", "查看排队叫号";
    QueueTake => "queue.take", "取号与预约";
    QueueServe => "queue.serve", "窗口叫号服务";
    QueueManage => "queue.manage", "管理排队叫号";
    DeviceRead => "device.read", "查看大厅设备";
    DeviceManage => "device.manage", "管理大厅设备";
    DeviceCommand => "device.command", "向大厅设备下发指令";
    DeviceConnect => "device.connect", "以设备身份接入";
    ComplaintSubmit => "complaint.submit", "提交投诉";
    SupervisionDecide => "supervision.decide", "领导批示与审定";
    CalendarManage => "calendar.manage", "管理工作日历";
    CaseImport => "case.import", "导入历史办件";
    IntegrationRead => "integration.read", "查看接口对接状态";
    IntegrationManage => "integration.manage", "管理接口对接(暂停、恢复、重发)";
    IntegrationCallback => "integration.callback", "以对接系统身份回调";
    IntermediaryRead => "intermediary.read", "查看中介机构与中介服务项目";
    IntermediaryManage => "intermediary.manage", "管理中介机构库";
    IntermediaryMarket => "intermediary.market", "发布与办理中介服务项目";
    IntermediaryAgency => "intermediary.agency", "以中介机构身份参与中介超市";
    DataRead => "data.read", "查看信息资源共享目录";
    DataManage => "data.manage", "管理共享数据与审批使用申请";
    DataUse => "data.use", "申请与使用共享数据";
    CockpitRead => "cockpit.read", "查看领导驾驶舱";
    PortalAct => "portal.act", "代申请人使用门户接口";
    RegulatorManage => "regulator.manage", "管理审管互动(监管部门与推送规则)";
    PunishmentRead => "punishment.read", "查看惩戒名单";
    PunishmentManage => "punishment.manage", "管理惩戒名单(列入、移出)";
    PublicityManage => "publicity.manage", "管理双公示报送内容";
}

/// The kind of data scope a role is held with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    Region,
    Department,
    Own,
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Region => "region",
            ScopeKind::Department => "department",
            ScopeKind::Own => "own",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "region" => ScopeKind::Region,
            "department" => ScopeKind::Department,
            "own" => ScopeKind::Own,
            _ => return None,
        })
    }
}

/// A scope resolved for checking: region scopes carry the region's tree path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The region and everything below it; `path` is the region's materialised path.
    Region {
        id: RegionId,
        path: String,
    },
    Department(DepartmentId),
    Own,
}

/// The owner and place of a record, as far as access checks care.
#[derive(Debug, Clone, Default)]
pub struct Target<'a> {
    pub region_path: Option<&'a str>,
    pub department_id: Option<DepartmentId>,
    pub owner_id: Option<UserId>,
}

/// One role held with one scope.
#[derive(Debug, Clone)]
pub struct Grant {
    pub role: String,
    pub permissions: Vec<Permission>,
    pub scope: Scope,
}

/// Who is asking: resolved from a token for every request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub username: String,
    pub grants: Vec<Grant>,
}

/// The rows a caller may see for one permission, for list queries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeFilter {
    /// Region paths whose subtrees are visible.
    pub region_paths: Vec<String>,
    pub department_ids: Vec<DepartmentId>,
    /// The caller's own records are visible.
    pub owner: Option<UserId>,
}

impl ScopeFilter {
    pub fn is_empty(&self) -> bool {
        self.region_paths.is_empty() && self.department_ids.is_empty() && self.owner.is_none()
    }

    /// Region-scoped records visible to this filter, for rows that carry only a region.
    pub fn covers_region(&self, path: &str) -> bool {
        self.region_paths
            .iter()
            .any(|p| path.starts_with(p.as_str()))
    }
}

impl Caller {
    /// Whether any grant holds `perm`, whatever its scope.
    pub fn has(&self, perm: Permission) -> bool {
        self.grants.iter().any(|g| g.permissions.contains(&perm))
    }

    /// Whether the caller may use `perm` on the record described by `target`.
    pub fn may(&self, perm: Permission, target: &Target<'_>) -> bool {
        self.grants
            .iter()
            .filter(|g| g.permissions.contains(&perm))
            .any(|g| match &g.scope {
                Scope::Region { path, .. } => target
                    .region_path
                    .is_some_and(|p| p.starts_with(path.as_str())),
                Scope::Department(d) => target.department_id == Some(*d),
                Scope::Own => target.owner_id == Some(self.user_id),
            })
    }

    /// Whether the caller may use `perm` on a record: yes; forbidden when they may at least
    /// `read` it; otherwise not found, so that a record outside their scope does not show.
    pub fn check(
        &self,
        perm: Permission,
        read: Permission,
        target: &Target<'_>,
        entity: &'static str,
        id: impl ToString,
    ) -> Result<(), crate::error::Error> {
        if self.may(perm, target) {
            Ok(())
        } else if self.may(read, target) {
            Err(crate::error::Error::forbidden(format!(
                "this needs {} over the {entity}'s region or department",
                perm.as_str()
            )))
        } else {
            Err(crate::error::Error::not_found(entity, id))
        }
    }

    /// The scope filter for list queries under `perm`; empty when the caller lacks it.
    pub fn filter(&self, perm: Permission) -> ScopeFilter {
        let mut f = ScopeFilter::default();
        for g in self.grants.iter().filter(|g| g.permissions.contains(&perm)) {
            match &g.scope {
                Scope::Region { path, .. } => f.region_paths.push(path.clone()),
                Scope::Department(d) => f.department_ids.push(*d),
                Scope::Own => f.owner = Some(self.user_id),
            }
        }
        f
    }

    /// Every permission the caller holds in some scope, sorted, for `GET /auth/me`.
    pub fn permissions(&self) -> Vec<Permission> {
        let mut all: Vec<Permission> = self
            .grants
            .iter()
            .flat_map(|g| g.permissions.iter().copied())
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// A region's materialised path: its ancestors' ids and its own, e.g. `/1/4/9/`.
pub fn region_path(parent_path: Option<&str>, id: RegionId) -> String {
    format!("{}{}/", parent_path.unwrap_or("/"), id.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(scope: Scope, perms: &[Permission]) -> Caller {
        Caller {
            user_id: UserId(7),
            username: "u".into(),
            grants: vec![Grant {
                role: "r".into(),
                permissions: perms.to_vec(),
                scope,
            }],
        }
    }

    #[test]
    fn region_scope_covers_its_subtree_but_not_its_siblings() {
        let c = caller(
            Scope::Region {
                id: RegionId(2),
                path: "/1/2/".into(),
            },
            &[Permission::OrgRead],
        );
        let inside = Target {
            region_path: Some("/1/2/5/"),
            ..Default::default()
        };
        let sibling = Target {
            region_path: Some("/1/3/"),
            ..Default::default()
        };
        let prefix_trap = Target {
            region_path: Some("/1/22/"),
            ..Default::default()
        };
        assert!(c.may(Permission::OrgRead, &inside));
        assert!(!c.may(Permission::OrgRead, &sibling));
        assert!(!c.may(Permission::OrgRead, &prefix_trap));
        assert!(!c.may(Permission::OrgManage, &inside));
    }

    #[test]
    fn own_scope_covers_only_own_records() {
        let c = caller(Scope::Own, &[Permission::UserRead]);
        let mine = Target {
            owner_id: Some(UserId(7)),
            ..Default::default()
        };
        let theirs = Target {
            owner_id: Some(UserId(8)),
            ..Default::default()
        };
        assert!(c.may(Permission::UserRead, &mine));
        assert!(!c.may(Permission::UserRead, &theirs));
    }

    #[test]
    fn department_scope_covers_only_that_department() {
        let c = caller(Scope::Department(DepartmentId(3)), &[Permission::UserRead]);
        let t = |d| Target {
            department_id: Some(DepartmentId(d)),
            region_path: Some("/1/"),
            ..Default::default()
        };
        assert!(c.may(Permission::UserRead, &t(3)));
        assert!(!c.may(Permission::UserRead, &t(4)));
    }

    #[test]
    fn permission_names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(*p));
        }
        assert_eq!(Permission::parse("nope"), None);
    }

    #[test]
    fn region_paths_nest() {
        let city = region_path(None, RegionId(1));
        assert_eq!(city, "/1/");
        assert_eq!(region_path(Some(&city), RegionId(4)), "/1/4/");
    }
}
