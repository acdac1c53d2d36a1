//! Courier logistics on the wire: the pickup an applicant asks for, a case's courier
//! orders with their status updates (tracking), and the daily logistics figures reported to
//! the province. Addresses and phone numbers only leave the server masked.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::case::CaseId;
use crate::domain::courier::{CourierLeg, CourierStatus};

/// The applicant wants the materials picked up by courier (online applications); the courier
/// calls the applicant's phone, so `applicant.phone` is required with it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickupRequest {
    /// Where the courier collects the materials; stored sealed, answered masked.
    pub address: String,
}

/// One status report of the courier, as kept on the order.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CourierUpdateView {
    pub status: CourierStatus,
    /// The status in Chinese, for the applicant.
    pub status_zh: String,
    /// When it happened, as the courier says.
    pub at: DateTime<Utc>,
    pub note: String,
    pub received_at: DateTime<Utc>,
}

/// One courier order of a case: the pickup of the materials or the delivery of the result.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CourierOrderView {
    pub leg: CourierLeg,
    pub status: CourierStatus,
    pub status_zh: String,
    /// The envelope's serial number (信封流水号), for results.
    pub envelope_no: Option<String>,
    pub company: String,
    /// The courier's waybill, once assigned.
    pub waybill_no: Option<String>,
    /// The address, masked.
    pub address: String,
    pub ordered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Every report of the courier, oldest first.
    pub updates: Vec<CourierUpdateView>,
}

/// A case's courier orders, for the window and the applicant.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CourierTracking {
    pub case_id: CaseId,
    pub case_no: String,
    pub orders: Vec<CourierOrderView>,
}

/// One region's courier figures for a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegionLogistics {
    pub region_code: String,
    pub region_name: String,
    /// `city`, `county` …
    pub level: String,
    /// Pickups ordered that day.
    pub pickup_orders: i64,
    /// Results sent that day.
    pub result_orders: i64,
    /// Orders signed for that day.
    pub delivered: i64,
    /// Orders that failed or came back that day.
    pub failed: i64,
}

/// The city's and counties' courier figures of one local day (R-2.2.4.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LogisticsReport {
    pub day: NaiveDate,
    pub regions: Vec<RegionLogistics>,
}
