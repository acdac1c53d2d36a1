//! Id newtypes, so a user id is never passed where a region id is meant.

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[doc = concat!("The database id of a ", stringify!($name), ".")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    RegionId,
    DepartmentId,
    HallId,
    AreaId,
    WindowId,
    UserId,
    RoleId,
    ModuleId,
    TokenId,
    EventId,
    ItemId
);

// Hall devices (issue 4): a device, and a command queued for one.
id_type!(DeviceId, CommandId);
