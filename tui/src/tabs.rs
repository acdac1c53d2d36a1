//! The console's views, in their fixed order, and which roles are granted which.

use yiwang_core::wire::auth::Me;

use crate::i18n::Msg;

/// One view (tab). The discriminant + 1 is its number key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Queues,
    Alerts,
    Cases,
    Devices,
    Health,
    Cockpit,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Overview,
        Tab::Queues,
        Tab::Alerts,
        Tab::Cases,
        Tab::Devices,
        Tab::Health,
        Tab::Cockpit,
    ];

    /// Its number key, 1–7.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    pub fn title(self) -> Msg {
        match self {
            Tab::Overview => Msg::TabOverview,
            Tab::Queues => Msg::TabQueues,
            Tab::Alerts => Msg::TabAlerts,
            Tab::Cases => Msg::TabCases,
            Tab::Devices => Msg::TabDevices,
            Tab::Health => Msg::TabHealth,
            Tab::Cockpit => Msg::TabCockpit,
        }
    }

    /// The Overview and Health views each built-in role is granted (the others follow
    /// permissions). Roles not listed (custom ones, integrations) get the Overview when they may
    /// read events.
    fn for_role(role: &str) -> &'static [Tab] {
        use Tab::*;
        match role {
            "admin" => &Tab::ALL,
            "operator" => &[Overview, Health],
            "supervisor" => &[Overview],
            "auditor" => &[Overview, Health],
            _ => &[],
        }
    }
}

/// The permission that opens the Queues view (whatever the role).
pub const QUEUE_READ: &str = "queue.read";
/// Opens the Alerts view.
pub const SUPERVISION_READ: &str = "supervision.read";
/// Offers the Alerts view's actions (in act mode).
pub const SUPERVISION_MANAGE: &str = "supervision.manage";
/// Lets the console read region and department names (shown instead of ids).
pub const ORG_READ: &str = "org.read";
/// Opens the Cases view.
pub const CASE_READ: &str = "case.read";
/// Opens the Devices view.
pub const DEVICE_READ: &str = "device.read";
/// Offers sending commands to devices (in act mode).
pub const DEVICE_COMMAND: &str = "device.command";
/// Opens the Cockpit view.
pub const COCKPIT_READ: &str = "cockpit.read";

impl Tab {
    /// The permission that opens a view whatever the role, for the views of records.
    fn permission(self) -> Option<&'static str> {
        match self {
            Tab::Queues => Some(QUEUE_READ),
            Tab::Alerts => Some(SUPERVISION_READ),
            Tab::Cases => Some(CASE_READ),
            Tab::Devices => Some(DEVICE_READ),
            Tab::Cockpit => Some(COCKPIT_READ),
            Tab::Overview | Tab::Health => None,
        }
    }
}

/// The views a caller is granted, in tab order. The views of records (Queues, Alerts, Cases,
/// Devices) and the Cockpit follow the read permission the server reports in `/auth/me` (so custom roles get
/// them too, and nobody sees a view whose data the server would refuse); the others follow the
/// role table.
pub fn visible(me: &Me) -> Vec<Tab> {
    let holds = |perm: &str| me.permissions.iter().any(|p| p.as_str() == perm);
    let reads_events = holds("event.read");
    Tab::ALL
        .into_iter()
        .filter(|t| {
            if let Some(perm) = t.permission() {
                return holds(perm);
            }
            me.roles.iter().any(|r| Tab::for_role(&r.role).contains(t))
                || (*t == Tab::Overview && reads_events)
        })
        .collect()
}
