//! Combined cases (联办, R-2.2.5): one application for several items of several departments,
//! a sub-case per item running at once, and how the sub-cases' ends make the whole's. No IO.

use serde::{Deserialize, Serialize};

use crate::domain::case::CaseStatus;

/// What a denied sub-case does to the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DenialRule {
    /// Any denial denies the whole: the other open sub-cases are terminated.
    DenyAll,
    /// The other sub-cases go on; the result lists each one's.
    ContinueOthers,
}

impl DenialRule {
    pub fn as_str(self) -> &'static str {
        match self {
            DenialRule::DenyAll => "deny_all",
            DenialRule::ContinueOthers => "continue_others",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "deny_all" => Some(DenialRule::DenyAll),
            "continue_others" => Some(DenialRule::ContinueOthers),
            _ => None,
        }
    }
}

/// Where a combined case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CombinedStatus {
    /// Some sub-case is still open.
    InProgress,
    /// Every sub-case was approved.
    Approved,
    /// Some sub-cases were approved and some not (only under `continue_others`).
    PartlyApproved,
    /// Denied as a whole: a denial under `deny_all`, or no sub-case approved.
    Denied,
}

impl CombinedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CombinedStatus::InProgress => "in_progress",
            CombinedStatus::Approved => "approved",
            CombinedStatus::PartlyApproved => "partly_approved",
            CombinedStatus::Denied => "denied",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "in_progress" => CombinedStatus::InProgress,
            "approved" => CombinedStatus::Approved,
            "partly_approved" => CombinedStatus::PartlyApproved,
            "denied" => CombinedStatus::Denied,
            _ => return None,
        })
    }
}

/// What the combined case becomes from its sub-cases' statuses, and whether the open ones must
/// be terminated (a denial under `deny_all`).
pub fn outcome(rule: DenialRule, parts: &[CaseStatus]) -> (CombinedStatus, bool) {
    let denied = parts.contains(&CaseStatus::Denied);
    if rule == DenialRule::DenyAll && denied {
        let open = parts.iter().any(|s| s.is_open());
        return (CombinedStatus::Denied, open);
    }
    if parts.iter().any(|s| s.is_open()) {
        return (CombinedStatus::InProgress, false);
    }
    let approved = parts.iter().filter(|s| **s == CaseStatus::Approved).count();
    let status = if approved == parts.len() {
        CombinedStatus::Approved
    } else if approved == 0 {
        CombinedStatus::Denied
    } else {
        CombinedStatus::PartlyApproved
    };
    (status, false)
}

/// The tree path of the lowest region that holds every region of `paths` (`/1/5/` for
/// `/1/5/9/` and `/1/5/`): a combined case whose items are implemented in several regions, such
/// as a city department's and a district department's, belongs to the region above them all.
/// None without paths, or when they share no region.
pub fn common_region_path<'a>(paths: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut common: Option<Vec<&str>> = None;
    for path in paths {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        common = Some(match common {
            None => segments,
            Some(c) => c
                .iter()
                .zip(&segments)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    common
        .filter(|c| !c.is_empty())
        .map(|c| format!("/{}/", c.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus::*;

    #[test]
    fn a_combined_case_belongs_to_the_lowest_region_holding_all_its_items() {
        assert_eq!(common_region_path(["/1/5/"]), Some("/1/5/".into()));
        assert_eq!(
            common_region_path(["/1/5/", "/1/5/9/"]),
            Some("/1/5/".into())
        );
        assert_eq!(
            common_region_path(["/1/5/9/", "/1/5/12/"]),
            Some("/1/5/".into())
        );
        // Segments compare whole: region 5 does not hold region 55.
        assert_eq!(common_region_path(["/1/5/", "/1/55/"]), Some("/1/".into()));
        assert_eq!(common_region_path(["/1/", "/2/"]), None);
        assert_eq!(common_region_path([]), None);
    }

    #[test]
    fn a_combined_case_stays_in_progress_while_a_sub_case_is_open() {
        for rule in [DenialRule::DenyAll, DenialRule::ContinueOthers] {
            assert_eq!(
                outcome(rule, &[Approved, InReview]),
                (CombinedStatus::InProgress, false)
            );
        }
    }

    #[test]
    fn it_is_approved_when_every_sub_case_is() {
        assert_eq!(
            outcome(DenialRule::DenyAll, &[Approved, Approved, Approved]),
            (CombinedStatus::Approved, false)
        );
    }

    #[test]
    fn under_deny_all_one_denial_denies_the_whole_and_ends_the_open_rest() {
        assert_eq!(
            outcome(DenialRule::DenyAll, &[Denied, InReview, Submitted]),
            (CombinedStatus::Denied, true)
        );
        assert_eq!(
            outcome(DenialRule::DenyAll, &[Approved, Denied]),
            (CombinedStatus::Denied, false)
        );
    }

    #[test]
    fn under_continue_others_the_rest_go_on_and_a_mix_is_partly_approved() {
        assert_eq!(
            outcome(DenialRule::ContinueOthers, &[Denied, InReview]),
            (CombinedStatus::InProgress, false)
        );
        assert_eq!(
            outcome(DenialRule::ContinueOthers, &[Denied, Approved]),
            (CombinedStatus::PartlyApproved, false)
        );
        assert_eq!(
            outcome(DenialRule::ContinueOthers, &[Denied, Terminated]),
            (CombinedStatus::Denied, false)
        );
    }

    #[test]
    fn rule_and_status_names_round_trip() {
        for r in [DenialRule::DenyAll, DenialRule::ContinueOthers] {
            assert_eq!(DenialRule::parse(r.as_str()), Some(r));
        }
        for s in [
            CombinedStatus::InProgress,
            CombinedStatus::Approved,
            CombinedStatus::PartlyApproved,
            CombinedStatus::Denied,
        ] {
            assert_eq!(CombinedStatus::parse(s.as_str()), Some(s));
        }
    }
}
