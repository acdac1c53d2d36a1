//! What a fresh database needs before anyone can log in: the built-in roles and the root region.

use diesel::prelude::*;
use serde_json::json;

use crate::domain::access::Permission;
use crate::domain::org::RegionLevel;
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::insert_region;
use crate::service::users::{insert_role, set_role_permissions};
use crate::store::schema::{regions, role_permissions, roles};
use crate::wire::org::{NewRegion, Region};

/// The built-in roles: name, Chinese title, permissions.
pub fn builtin_roles() -> Vec<(&'static str, &'static str, Vec<Permission>)> {
    use Permission::*;
    vec![
        ("admin", "系统管理员", Permission::ALL.to_vec()),
        (
            "operator",
            "运维监控中心",
            vec![
                OrgRead,
                UserRead,
                EventRead,
                CatalogueRead,
                QueueRead,
                DeviceRead,
                DeviceManage,
                DeviceCommand,
                IntegrationRead,
            ],
        ),
        (
            "supervisor",
            "督察处",
            vec![
                OrgRead,
                UserRead,
                EventRead,
                AuditRead,
                CatalogueRead,
                CaseRead,
                SupervisionRead,
                SupervisionManage,
                SupervisionRule,
                QueueRead,
                DeviceRead,
                IntermediaryRead,
                DataRead,
                CockpitRead,
            ],
        ),
        (
            "window_staff",
            "窗口人员",
            vec![
                OrgRead,
                EventRead,
                CatalogueRead,
                CaseRead,
                CaseHandle,
                SupervisionReply,
                QueueRead,
                QueueTake,
                QueueServe,
                DeviceRead,
                DeviceCommand,
                IntermediaryRead,
                IntermediaryMarket,
            ],
        ),
        (
            "auditor",
            "审计员",
            vec![
                OrgRead,
                UserRead,
                EventRead,
                AuditRead,
                CatalogueRead,
                CaseRead,
                SupervisionRead,
            ],
        ),
        (
            "catalogue_admin",
            "事项管理员",
            vec![OrgRead, EventRead, CatalogueRead, CatalogueManage],
        ),
        (
            "integration",
            "接口对接系统",
            vec![
                EventRead,
                CatalogueRead,
                QueueRead,
                QueueTake,
                EvaluationSubmit,
                ComplaintSubmit,
                IntegrationCallback,
            ],
        ),
        (
            "device",
            "大厅设备",
            vec![
                OrgRead,
                QueueRead,
                QueueTake,
                DeviceConnect,
                EvaluationSubmit,
            ],
        ),
        (
            "leader",
            "分管领导",
            vec![
                OrgRead,
                EventRead,
                CaseRead,
                SupervisionRead,
                SupervisionDecide,
                CockpitRead,
            ],
        ),
        (
            "intermediary_admin",
            "中介服务管理",
            vec![
                OrgRead,
                EventRead,
                CatalogueRead,
                IntermediaryRead,
                IntermediaryManage,
                IntermediaryMarket,
            ],
        ),
        (
            "intermediary_agency",
            "中介机构人员",
            vec![IntermediaryAgency],
        ),
        (
            "data_admin",
            "部门数据共享管理员",
            vec![OrgRead, EventRead, DataRead, DataManage, DataUse],
        ),
        ("portal", "政务服务门户", vec![CatalogueRead, PortalAct]),
    ]
}

/// Creates missing built-in roles and brings their permissions up to date. Idempotent.
pub async fn ensure_builtin_roles(services: &Services) -> Result<(), Error> {
    let now = services.clock.now();
    services
        .store
        .write(move |conn| {
            for (name, title, perms) in builtin_roles() {
                let existing: Option<i64> = roles::table
                    .filter(roles::name.eq(name))
                    .select(roles::id)
                    .get_result(conn)
                    .optional()?;
                match existing {
                    None => {
                        insert_role(
                            conn,
                            now,
                            &Actor::system(),
                            &crate::wire::org::NewRole {
                                name: name.into(),
                                title: title.into(),
                                permissions: perms,
                            },
                            true,
                        )?;
                    }
                    Some(id) => {
                        let mut have: Vec<String> = role_permissions::table
                            .filter(role_permissions::role_id.eq(id))
                            .select(role_permissions::permission)
                            .load(conn)?;
                        have.sort();
                        let mut want: Vec<String> =
                            perms.iter().map(|p| p.as_str().to_owned()).collect();
                        want.sort();
                        if have != want {
                            set_role_permissions(conn, id, &perms)?;
                            audit::record(
                                conn,
                                now,
                                &Actor::system(),
                                Change {
                                    before: Some(json!(have)),
                                    after: Some(json!(want)),
                                    payload: json!({"role": name}),
                                    ..Change::new("role.update", "role.updated", "role", id)
                                },
                            )?;
                        }
                    }
                }
            }
            Ok(())
        })
        .await
}

/// The root region, created from configuration when the database has none.
pub async fn ensure_root_region(
    services: &Services,
    code: &str,
    name: &str,
    level: RegionLevel,
) -> Result<Region, Error> {
    let now = services.clock.now();
    let new = NewRegion {
        code: code.to_owned(),
        name: name.to_owned(),
        level,
        parent_id: None,
    };
    services
        .store
        .write(move |conn| {
            let root: Option<i64> = regions::table
                .filter(regions::parent_id.is_null())
                .select(regions::id)
                .get_result(conn)
                .optional()?;
            match root {
                Some(id) => {
                    let row: crate::service::org::RegionRow =
                        regions::table.find(id).get_result(conn)?;
                    Ok(row.wire())
                }
                None => insert_region(conn, now, &Actor::system(), &new),
            }
        })
        .await
}
