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

    /// Views each built-in role is granted. Roles not listed (custom ones, integrations) get
    /// the Overview when they may read events, and nothing else.
    fn for_role(role: &str) -> &'static [Tab] {
        use Tab::*;
        match role {
            "admin" => &Tab::ALL,
            "operator" => &[Overview, Queues, Alerts, Devices, Health],
            "supervisor" => &[Overview, Alerts, Cases, Cockpit],
            "auditor" => &[Overview, Cases, Health],
            "window_staff" => &[Queues, Cases],
            _ => &[],
        }
    }
}

/// The permission that opens the Queues view (whatever the role).
pub const QUEUE_READ: &str = "queue.read";

/// The views a caller is granted, in tab order. Queues follows the `queue.read` permission the
/// server reports in `/auth/me` (so custom roles get it too); the others follow the role table.
pub fn visible(me: &Me) -> Vec<Tab> {
    let holds = |perm: &str| me.permissions.iter().any(|p| p.as_str() == perm);
    let reads_events = holds("event.read");
    let reads_queues = holds(QUEUE_READ);
    Tab::ALL
        .into_iter()
        .filter(|t| {
            if *t == Tab::Queues {
                return reads_queues;
            }
            me.roles.iter().any(|r| Tab::for_role(&r.role).contains(t))
                || (*t == Tab::Overview && reads_events)
        })
        .collect()
}
