//! What an applicant is told about their case: the status and each change in plain words,
//! and which changes (and notes) are for the applicant at all.
//!
//! Internal steps of the handling (countersigning, adding a signer, handing a step to a
//! colleague) and the staff's opinions on approvals and returns stay inside; refusals,
//! supplement requests and payments are told with their text, since the applicant must act on
//! them or has a right to the reason.

use crate::domain::case::CaseStatus;

/// The status in Chinese and English.
pub fn status_title(status: CaseStatus) -> (&'static str, &'static str) {
    match status {
        CaseStatus::Submitted => ("已申报，待受理", "Submitted, awaiting intake"),
        CaseStatus::SupplementRequested => ("待补正材料", "Supplement requested"),
        CaseStatus::InReview => ("审查中", "In review"),
        CaseStatus::Suspended => ("特别程序中（暂停计时）", "Suspended (special procedure)"),
        CaseStatus::Approved => ("已办结（准予）", "Concluded: approved"),
        CaseStatus::Denied => ("已办结（不予）", "Concluded: denied"),
        CaseStatus::RejectedAtIntake => ("不予受理", "Not accepted"),
        CaseStatus::Terminated => ("已终止", "Terminated"),
    }
}

/// How an entry of a case's history is shown to its applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Told {
    pub title: &'static str,
    pub title_en: &'static str,
    /// Whether the step's name is shown.
    pub with_step: bool,
    /// Whether the entry's note (reason, materials, payment) is shown.
    pub with_note: bool,
}

const fn told(title: &'static str, title_en: &'static str, with_note: bool) -> Option<Told> {
    Some(Told {
        title,
        title_en,
        with_step: false,
        with_note,
    })
}

/// How the applicant is told about `action` (which left the case `status`); `None`: not at
/// all. Unknown actions are not told, so a new internal action never leaks by default.
pub fn told_of(action: &str, status: CaseStatus) -> Option<Told> {
    match action {
        "submit" => told("提交申请", "Application submitted", false),
        "accept" => told("已受理", "Accepted", false),
        "reject_at_intake" => told("不予受理", "Not accepted", true),
        "request_supplement" => told("请补正材料", "Supplement requested", true),
        "receive_supplement" => told("补正材料已收到", "Supplement received", false),
        "approve" if status == CaseStatus::Approved => told("准予许可，已办结", "Approved", false),
        "approve" => Some(Told {
            title: "环节办理完成",
            title_en: "Step completed",
            with_step: true,
            with_note: false,
        }),
        "return" => told("退回重新审查", "Returned for another review", false),
        "deny" => told("不予许可，已办结", "Denied", true),
        "suspend" => told("暂停计时（特别程序）", "Clock suspended", false),
        "resume" => told("恢复计时", "Clock resumed", false),
        "terminate" => told("办件终止", "Terminated", true),
        "pay_fee" => told("已缴费", "Fee paid", true),
        "waive_fee" => told("费用已减免", "Fee waived", false),
        "ready_for_pickup" => told("结果待领取", "Result ready for pickup", false),
        "pick_up" => told("结果已领取", "Result picked up", false),
        "send_by_courier" => told("结果已寄出", "Result sent by courier", false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_handling_is_not_told_to_the_applicant() {
        for action in ["countersign", "add_signer", "transfer", "something_new"] {
            assert_eq!(told_of(action, CaseStatus::InReview), None, "{action}");
        }
    }

    #[test]
    fn refusals_carry_their_reason_and_approvals_do_not_carry_opinions() {
        assert!(told_of("deny", CaseStatus::Denied).is_some_and(|t| t.with_note));
        assert!(
            told_of("reject_at_intake", CaseStatus::RejectedAtIntake).is_some_and(|t| t.with_note)
        );
        let step = told_of("approve", CaseStatus::InReview);
        assert!(step.is_some_and(|t| t.with_step && !t.with_note));
        let last = told_of("approve", CaseStatus::Approved);
        assert!(last.is_some_and(|t| !t.with_step && !t.with_note));
        assert!(told_of("return", CaseStatus::InReview).is_some_and(|t| !t.with_note));
    }

    #[test]
    fn every_status_has_a_chinese_and_an_english_title() {
        for s in [
            CaseStatus::Submitted,
            CaseStatus::SupplementRequested,
            CaseStatus::InReview,
            CaseStatus::Suspended,
            CaseStatus::Approved,
            CaseStatus::Denied,
            CaseStatus::RejectedAtIntake,
            CaseStatus::Terminated,
        ] {
            let (zh, en) = status_title(s);
            assert!(!zh.is_ascii() && en.is_ascii());
        }
    }
}
