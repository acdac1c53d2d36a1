//! The data-sharing catalogue (信息资源共享目录, R-3.5): how a department shares a data set, and
//! when a sharing agreement allows a use. No IO here.

use serde::{Deserialize, Serialize};

use super::intermediary::names;

/// How a data set is handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataForm {
    /// An interface the user calls (接口).
    Api,
    /// Files exchanged (文件).
    File,
    /// Look-ups one record at a time (查询).
    Query,
}
names!(DataForm { Api => "api", File => "file", Query => "query" });

/// How often a data set is brought up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateFrequency {
    Realtime,
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
}
names!(UpdateFrequency {
    Realtime => "realtime", Daily => "daily", Weekly => "weekly", Monthly => "monthly",
    Quarterly => "quarterly", Yearly => "yearly",
});

/// Where a request for access stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShareStatus {
    Pending,
    /// Approved: a sharing agreement until its end date.
    Approved,
    Refused,
    /// Approved, then ended early by the provider.
    Revoked,
}
names!(ShareStatus {
    Pending => "pending", Approved => "approved", Refused => "refused", Revoked => "revoked",
});

/// Why a use of shared data is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UseRefused {
    #[error("the request has not been approved: there is no sharing agreement")]
    NotApproved,
    #[error("the sharing agreement has expired")]
    Expired,
    #[error("the sharing agreement has been revoked by the providing department")]
    Revoked,
}

/// Whether data may be used under a request at `now` (Unix ms): approved, and `now` before the
/// agreement's end.
pub fn check_use(
    status: ShareStatus,
    valid_until: Option<i64>,
    now: i64,
) -> Result<(), UseRefused> {
    match status {
        ShareStatus::Approved => {}
        ShareStatus::Revoked => return Err(UseRefused::Revoked),
        ShareStatus::Pending | ShareStatus::Refused => return Err(UseRefused::NotApproved),
    }
    match valid_until {
        Some(end) if now < end => Ok(()),
        _ => Err(UseRefused::Expired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_needs_an_approved_agreement_that_has_not_ended() {
        assert_eq!(check_use(ShareStatus::Approved, Some(100), 99), Ok(()));
        assert_eq!(
            check_use(ShareStatus::Approved, Some(100), 100),
            Err(UseRefused::Expired)
        );
        assert_eq!(
            check_use(ShareStatus::Pending, Some(100), 1),
            Err(UseRefused::NotApproved)
        );
        assert_eq!(
            check_use(ShareStatus::Refused, None, 1),
            Err(UseRefused::NotApproved)
        );
        assert_eq!(
            check_use(ShareStatus::Revoked, Some(100), 1),
            Err(UseRefused::Revoked)
        );
    }

    #[test]
    fn names_round_trip() {
        for f in [DataForm::Api, DataForm::File, DataForm::Query] {
            assert_eq!(DataForm::parse(f.as_str()), Some(f));
        }
        assert_eq!(
            UpdateFrequency::parse("monthly"),
            Some(UpdateFrequency::Monthly)
        );
        assert_eq!(ShareStatus::parse("nope"), None);
    }
}
