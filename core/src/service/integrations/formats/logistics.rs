//! The daily courier figures to the province (R-2.2.4.3), from each `logistics.reported` event:
//!
//! ```json
//! {"sys_code": "350100-YW", "report_id": "yiwang:province-logistics:42",
//!  "day": "2026-12-01",
//!  "regions": [{"region_code": "350102", "region_name": "鼓楼区", "level": "county",
//!               "pickup_orders": 3, "result_orders": 12, "delivered": 10, "failed": 1}]}
//! ```
//! Figures only, no person. Acknowledged like case reports: 2xx JSON with a `receipt_id`.

use serde_json::{Value, json};

use super::super::config::ConnectorConfig;
use super::super::deliveries::EventRow;
use super::payload;

pub(crate) fn body(cfg: &ConnectorConfig, event: &EventRow, key: &str) -> Option<Value> {
    if event.entity != "logistics_report" {
        return None;
    }
    let p = payload(event);
    Some(json!({
        "sys_code": cfg.system_code,
        "report_id": key,
        "day": p.get("day")?,
        "regions": p.get("regions")?,
    }))
}
