//! The demo hall's queue: three catalogue items (one per area), which items each window
//! serves, the hall's queue settings and a few appointment slots for the coming hours. The
//! simulated traffic comes from the device simulator.

use anyhow::Context;
use serde_json::json;
use yiwang_core::domain::access::Caller;
use yiwang_core::domain::catalogue::ItemContent;
use yiwang_core::domain::ids::DepartmentId;
use yiwang_core::domain::queue::item_group;
use yiwang_core::service::Services;
use yiwang_core::wire::catalogue::NewItem;
use yiwang_core::wire::org::{Area, Hall, Window};
use yiwang_core::wire::queue::{NewSlot, PriorityClass, QueueSettings, WindowItems};

/// Per area (in order): an item code, its name and the index of its department.
const ITEMS: &[(&str, &str, usize)] = &[
    ("11350100MB0001-001", "食品经营许可", 1),
    ("11350100MB0002-001", "不动产转移登记", 0),
    ("11350100MB0003-001", "社会保险登记", 2),
];

fn content(code: &str, name: &str) -> anyhow::Result<ItemContent> {
    serde_json::from_value(json!({
        "item_code": code, "name": name, "item_type": "licensing",
        "legal_basis": "《中华人民共和国行政许可法》", "legal_limit_days": 20,
        "promised_limit_days": 10, "fee": {"kind": "none"},
        "materials": [{"name": "申请书", "required": true}],
        "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 3}],
        "online": true, "delivery_modes": ["window"]
    }))
    .context("the demo item's content")
}

/// Seeds the queue of the demo hall; `windows` are in area order, four per area.
pub async fn seed_queue(
    services: &Services,
    admin: &Caller,
    hall: &Hall,
    areas: &[Area],
    windows: &[Window],
    departments: &[DepartmentId],
) -> anyhow::Result<()> {
    for (i, (code, name, dep)) in ITEMS.iter().enumerate() {
        let department = *departments.get(*dep).context("a demo department")?;
        let item = services
            .create_item(
                admin,
                NewItem {
                    region_id: hall.region_id,
                    department_id: department,
                    content: content(code, name)?,
                },
            )
            .await?;
        services.publish_item(admin, item.id).await?;
        // The first two windows of each area serve its item's group; the others every item.
        let area = areas.get(i).context("a demo area")?;
        for w in windows
            .iter()
            .filter(|w| w.area_id == Some(area.id))
            .take(2)
        {
            services
                .set_window_items(
                    admin,
                    w.id,
                    WindowItems {
                        item_codes: vec![item_group(code).to_owned()],
                    },
                )
                .await?;
        }
    }
    services
        .set_queue_settings(
            admin,
            hall.id,
            QueueSettings {
                clear_at_night: true,
                max_misses: 3,
                appointment_boost_minutes: 30,
                priority_classes: vec![
                    PriorityClass {
                        name: "elderly".into(),
                        label: "老年人".into(),
                        boost_minutes: 15,
                    },
                    PriorityClass {
                        name: "disabled".into(),
                        label: "残障人士".into(),
                        boost_minutes: 20,
                    },
                ],
                default_service_minutes: 8,
            },
        )
        .await?;
    // Half-hour slots for the next four hours in the first two areas.
    let now = services.clock.now();
    let start = now - now % 1_800_000 + 1_800_000;
    for (i, area) in areas.iter().take(2).enumerate() {
        for k in 0..8 {
            let from = start + k * 1_800_000;
            services
                .create_slot(
                    admin,
                    hall.id,
                    NewSlot {
                        area_id: area.id,
                        item_code: ITEMS.get(i).map(|(code, _, _)| (*code).to_owned()),
                        starts_at: yiwang_core::wire::time(from),
                        ends_at: yiwang_core::wire::time(from + 1_800_000),
                        capacity: 6,
                    },
                )
                .await?;
        }
    }
    Ok(())
}
