//! The bimonthly performance review (双月考评, R-2.6.3) of red-flag windows (红旗窗口) and
//! service stars (服务明星) as a workflow: notice → window applications → the office's
//! aggregation → scoring by each division → proposed list → the leader's opinion → publicity
//! list → announcement. Which step may follow which, and who does it.

use serde::{Deserialize, Serialize};

use crate::domain::access::Permission;

/// The award applied for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Award {
    /// 红旗窗口: a window.
    RedFlagWindow,
    /// 服务明星: a staff member.
    ServiceStar,
}

impl Award {
    pub fn as_str(self) -> &'static str {
        match self {
            Award::RedFlagWindow => "red_flag_window",
            Award::ServiceStar => "service_star",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "red_flag_window" => Some(Award::RedFlagWindow),
            "service_star" => Some(Award::ServiceStar),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Award::RedFlagWindow => "红旗窗口",
            Award::ServiceStar => "服务明星",
        }
    }
}

/// Where a review stands: the last step done.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStage {
    /// The notice is out; windows apply.
    Notice,
    /// The office aggregated the applications with the period's figures; divisions score.
    Aggregated,
    /// The office proposed its list.
    Proposed,
    /// The leader gave an opinion on the list.
    Opinion,
    /// The list is publicised.
    Publicity,
    /// The result is announced.
    Announced,
}

impl ReviewStage {
    pub const ALL: [ReviewStage; 6] = [
        ReviewStage::Notice,
        ReviewStage::Aggregated,
        ReviewStage::Proposed,
        ReviewStage::Opinion,
        ReviewStage::Publicity,
        ReviewStage::Announced,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStage::Notice => "notice",
            ReviewStage::Aggregated => "aggregated",
            ReviewStage::Proposed => "proposed",
            ReviewStage::Opinion => "opinion",
            ReviewStage::Publicity => "publicity",
            ReviewStage::Announced => "announced",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ReviewStage::Notice => "通知申报",
            ReviewStage::Aggregated => "汇总评分",
            ReviewStage::Proposed => "拟定名单",
            ReviewStage::Opinion => "领导审定",
            ReviewStage::Publicity => "公示",
            ReviewStage::Announced => "已公布",
        }
    }
}

/// A step of the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    Apply,
    Aggregate,
    Score,
    Propose,
    Opinion,
    Publicize,
    Announce,
}

impl ReviewAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewAction::Apply => "apply",
            ReviewAction::Aggregate => "aggregate",
            ReviewAction::Score => "score",
            ReviewAction::Propose => "propose",
            ReviewAction::Opinion => "opinion",
            ReviewAction::Publicize => "publicize",
            ReviewAction::Announce => "announce",
        }
    }

    /// The event the step leaves.
    pub fn event(self) -> &'static str {
        match self {
            ReviewAction::Apply => "performance_review.applied",
            ReviewAction::Aggregate => "performance_review.aggregated",
            ReviewAction::Score => "performance_review.scored",
            ReviewAction::Propose => "performance_review.proposed",
            ReviewAction::Opinion => "performance_review.opinion_given",
            ReviewAction::Publicize => "performance_review.publicized",
            ReviewAction::Announce => "performance_review.announced",
        }
    }

    /// Who does it: windows apply, divisions score (the office's people of each department),
    /// the leader gives the opinion, the office does the rest.
    pub fn permission(self) -> Permission {
        match self {
            ReviewAction::Apply => Permission::SupervisionReply,
            ReviewAction::Opinion => Permission::SupervisionDecide,
            _ => Permission::SupervisionManage,
        }
    }

    /// The stage the step needs, and the stage it leaves.
    pub fn stages(self) -> (ReviewStage, ReviewStage) {
        use ReviewStage::*;
        match self {
            ReviewAction::Apply => (Notice, Notice),
            ReviewAction::Aggregate => (Notice, Aggregated),
            ReviewAction::Score => (Aggregated, Aggregated),
            ReviewAction::Propose => (Aggregated, Proposed),
            ReviewAction::Opinion => (Proposed, Opinion),
            ReviewAction::Publicize => (Opinion, Publicity),
            ReviewAction::Announce => (Publicity, Announced),
        }
    }
}

/// The stage after `action` in `stage`, or why not.
pub fn advance(stage: ReviewStage, action: ReviewAction) -> Result<ReviewStage, String> {
    let (needs, leaves) = action.stages();
    if stage == needs {
        Ok(leaves)
    } else {
        Err(format!(
            "{} needs the review at {}, it is at {}",
            action.as_str(),
            needs.as_str(),
            stage.as_str()
        ))
    }
}

/// The printable forms of a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewForm {
    /// 考评通知.
    Notice,
    /// 考评汇总评分表: the applications with their figures and scores.
    Scoresheet,
    /// 拟表彰名单(领导审定).
    Proposed,
    /// 公示名单.
    Publicity,
    /// 考评结果通报.
    Announcement,
}

impl ReviewForm {
    /// Chinese title, then English.
    pub fn title(self) -> (&'static str, &'static str) {
        match self {
            ReviewForm::Notice => ("双月考评通知", "Notice of the bimonthly review"),
            ReviewForm::Scoresheet => ("双月考评汇总评分表", "Aggregation and score sheet"),
            ReviewForm::Proposed => ("拟表彰名单审定表", "Proposed list for the leader"),
            ReviewForm::Publicity => ("双月考评公示名单", "Publicity list"),
            ReviewForm::Announcement => ("双月考评结果通报", "Announcement of the result"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_review_walks_its_stages_in_order() {
        let mut stage = ReviewStage::Notice;
        for action in [
            ReviewAction::Apply,
            ReviewAction::Aggregate,
            ReviewAction::Score,
            ReviewAction::Propose,
            ReviewAction::Opinion,
            ReviewAction::Publicize,
            ReviewAction::Announce,
        ] {
            stage = advance(stage, action).unwrap();
        }
        assert_eq!(stage, ReviewStage::Announced);
    }

    #[test]
    fn steps_out_of_order_are_refused_with_the_stage_needed() {
        assert_eq!(
            advance(ReviewStage::Aggregated, ReviewAction::Apply).unwrap_err(),
            "apply needs the review at notice, it is at aggregated"
        );
        assert!(advance(ReviewStage::Notice, ReviewAction::Propose).is_err());
        assert!(advance(ReviewStage::Announced, ReviewAction::Announce).is_err());
    }

    #[test]
    fn the_leader_gives_the_opinion_and_windows_apply() {
        assert_eq!(
            ReviewAction::Opinion.permission(),
            Permission::SupervisionDecide
        );
        assert_eq!(
            ReviewAction::Apply.permission(),
            Permission::SupervisionReply
        );
        assert_eq!(
            ReviewAction::Score.permission(),
            Permission::SupervisionManage
        );
    }
}
