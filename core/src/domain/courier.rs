//! Courier logistics (物流配送, R-2.2.4) without IO: the two legs an order can be for, the
//! statuses a courier reports.

use serde::{Deserialize, Serialize};

/// What a courier order carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CourierLeg {
    /// The applicant's materials, picked up at their address for an online application.
    Pickup,
    /// The result of a concluded case, sent to the applicant.
    Result,
}

impl CourierLeg {
    pub fn as_str(self) -> &'static str {
        match self {
            CourierLeg::Pickup => "pickup",
            CourierLeg::Result => "result",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pickup" => CourierLeg::Pickup,
            "result" => CourierLeg::Result,
            _ => return None,
        })
    }
}

/// Where a courier order stands: `ordered` by yiwang, then as the courier reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CourierStatus {
    /// Sent (or owed) to the courier; no answer yet.
    Ordered,
    /// The courier took the order and assigned a waybill (已接单).
    Accepted,
    /// Collected from the sender (已揽收).
    Collected,
    InTransit,
    /// With the courier on the last mile (派送中).
    OutForDelivery,
    /// Signed for by the recipient (已签收).
    Delivered,
    /// Could not be delivered (拒收、地址错误 …); the courier says why.
    Failed,
    /// Sent back to the sender (已退回).
    Returned,
}

impl CourierStatus {
    pub const REPORTED: &'static [CourierStatus] = &[
        CourierStatus::Accepted,
        CourierStatus::Collected,
        CourierStatus::InTransit,
        CourierStatus::OutForDelivery,
        CourierStatus::Delivered,
        CourierStatus::Failed,
        CourierStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CourierStatus::Ordered => "ordered",
            CourierStatus::Accepted => "accepted",
            CourierStatus::Collected => "collected",
            CourierStatus::InTransit => "in_transit",
            CourierStatus::OutForDelivery => "out_for_delivery",
            CourierStatus::Delivered => "delivered",
            CourierStatus::Failed => "failed",
            CourierStatus::Returned => "returned",
        }
    }

    /// A status the courier may report (not `ordered`, which only yiwang sets).
    pub fn parse_reported(s: &str) -> Option<Self> {
        Self::REPORTED.iter().copied().find(|c| c.as_str() == s)
    }

    pub fn parse(s: &str) -> Option<Self> {
        if s == "ordered" {
            return Some(CourierStatus::Ordered);
        }
        Self::parse_reported(s)
    }

    /// Chinese label, for the applicant's tracking view.
    pub fn label_zh(self) -> &'static str {
        match self {
            CourierStatus::Ordered => "已下单",
            CourierStatus::Accepted => "已接单",
            CourierStatus::Collected => "已揽收",
            CourierStatus::InTransit => "运输中",
            CourierStatus::OutForDelivery => "派送中",
            CourierStatus::Delivered => "已签收",
            CourierStatus::Failed => "投递失败",
            CourierStatus::Returned => "已退回",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_courier_reports_every_status_but_ordered() {
        for s in CourierStatus::REPORTED {
            assert_eq!(CourierStatus::parse_reported(s.as_str()), Some(*s));
        }
        assert_eq!(CourierStatus::parse_reported("ordered"), None);
        assert_eq!(
            CourierStatus::parse("ordered"),
            Some(CourierStatus::Ordered)
        );
        assert_eq!(CourierStatus::parse_reported("lost"), None);
    }
}
