//! Complaints (投诉, R-2.6.2) as a workflow: where a complaint comes from, the steps it goes
//! through (acceptance, investigation, the window staff's signature, the leader's instruction,
//! publication of the result), who does each step and how many working days each may take.

use serde::{Deserialize, Serialize};

use crate::domain::access::Permission;

/// Where a complaint came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintSource {
    /// The government-services portal (online).
    Portal,
    /// The mobile app (online).
    App,
    /// The city's 12345 hotline, through its API key (online).
    Hotline,
    /// A phone call to the office (offline).
    Phone,
    /// E-mail to the office (offline).
    Mail,
    /// A letter (offline).
    Letter,
    /// In person at the office (offline).
    InPerson,
}

impl ComplaintSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintSource::Portal => "portal",
            ComplaintSource::App => "app",
            ComplaintSource::Hotline => "hotline",
            ComplaintSource::Phone => "phone",
            ComplaintSource::Mail => "mail",
            ComplaintSource::Letter => "letter",
            ComplaintSource::InPerson => "in_person",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "portal" => ComplaintSource::Portal,
            "app" => ComplaintSource::App,
            "hotline" => ComplaintSource::Hotline,
            "phone" => ComplaintSource::Phone,
            "mail" => ComplaintSource::Mail,
            "letter" => ComplaintSource::Letter,
            "in_person" => ComplaintSource::InPerson,
            _ => return None,
        })
    }

    /// Online complaints arrive through the API and are accepted on arrival; offline ones are
    /// registered (and so accepted) by the office.
    pub fn is_online(self) -> bool {
        matches!(
            self,
            ComplaintSource::Portal | ComplaintSource::App | ComplaintSource::Hotline
        )
    }

    /// Who may bring a complaint of this source in: an integration for online sources, the
    /// office for offline ones.
    pub fn permission(self) -> Permission {
        if self.is_online() {
            Permission::ComplaintSubmit
        } else {
            Permission::SupervisionManage
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ComplaintSource::Portal => "政务服务网",
            ComplaintSource::App => "移动端",
            ComplaintSource::Hotline => "12345热线",
            ComplaintSource::Phone => "电话",
            ComplaintSource::Mail => "电子邮件",
            ComplaintSource::Letter => "信函",
            ComplaintSource::InPerson => "来访",
        }
    }
}

/// Working days each complaint step may take once the step before it is done, configured as
/// `[supervision.complaint_limits]` (defaults: 5, 2, 2, 3). A step past its limit gets a red
/// workflow card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComplaintLimits {
    pub investigate: u32,
    pub sign: u32,
    pub instruct: u32,
    pub publish: u32,
}

impl Default for ComplaintLimits {
    fn default() -> Self {
        ComplaintLimits {
            investigate: 5,
            sign: 2,
            instruct: 2,
            publish: 3,
        }
    }
}

impl ComplaintLimits {
    /// The step's limit (acceptance has none: it is the start). A limit configured as 0 counts
    /// as 1: a step is never late the moment it becomes due.
    pub fn days(&self, step: ComplaintStep) -> u32 {
        let days = match step {
            ComplaintStep::Accept => return 0,
            ComplaintStep::Investigate => self.investigate,
            ComplaintStep::Sign => self.sign,
            ComplaintStep::Instruct => self.instruct,
            ComplaintStep::Publish => self.publish,
        };
        days.max(1)
    }
}

/// A step of the complaint workflow, in order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStep {
    /// Accepted: on arrival (online) or registered by the office (offline).
    Accept,
    /// The office's investigation: findings and who is responsible.
    Investigate,
    /// The window staff's signature under the findings, with their statement.
    Sign,
    /// The leader's instruction on how to settle it.
    Instruct,
    /// The result published as a notice.
    Publish,
}

impl ComplaintStep {
    pub const ALL: [ComplaintStep; 5] = [
        ComplaintStep::Accept,
        ComplaintStep::Investigate,
        ComplaintStep::Sign,
        ComplaintStep::Instruct,
        ComplaintStep::Publish,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStep::Accept => "accept",
            ComplaintStep::Investigate => "investigate",
            ComplaintStep::Sign => "sign",
            ComplaintStep::Instruct => "instruct",
            ComplaintStep::Publish => "publish",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The step after this one; `None` after publication.
    pub fn next(self) -> Option<ComplaintStep> {
        match self {
            ComplaintStep::Accept => Some(ComplaintStep::Investigate),
            ComplaintStep::Investigate => Some(ComplaintStep::Sign),
            ComplaintStep::Sign => Some(ComplaintStep::Instruct),
            ComplaintStep::Instruct => Some(ComplaintStep::Publish),
            ComplaintStep::Publish => None,
        }
    }

    /// The permission of the step's actor: the office investigates and publishes, the window
    /// staff signs, the leader instructs.
    pub fn permission(self) -> Permission {
        match self {
            ComplaintStep::Accept | ComplaintStep::Investigate | ComplaintStep::Publish => {
                Permission::SupervisionManage
            }
            ComplaintStep::Sign => Permission::SupervisionReply,
            ComplaintStep::Instruct => Permission::SupervisionDecide,
        }
    }

    /// The step's name, Chinese.
    pub fn label_zh(self) -> &'static str {
        match self {
            ComplaintStep::Accept => "受理",
            ComplaintStep::Investigate => "调查核实",
            ComplaintStep::Sign => "窗口人员签字",
            ComplaintStep::Instruct => "领导批示",
            ComplaintStep::Publish => "结果公示",
        }
    }

    /// The title of the step's printable form: Chinese, then English.
    pub fn form_title(self) -> (&'static str, &'static str) {
        match self {
            ComplaintStep::Accept => ("投诉受理登记表", "Complaint registration form"),
            ComplaintStep::Investigate => ("投诉调查核实表", "Complaint investigation form"),
            ComplaintStep::Sign => ("窗口人员签字确认书", "Window staff's signed statement"),
            ComplaintStep::Instruct => ("投诉处理领导批示单", "Leader's instruction"),
            ComplaintStep::Publish => ("投诉处理结果公告", "Notice of the complaint's result"),
        }
    }

    /// The form field the step's text fills, Chinese.
    pub fn text_label_zh(self) -> &'static str {
        match self {
            ComplaintStep::Accept => "投诉内容",
            ComplaintStep::Investigate => "调查核实情况",
            ComplaintStep::Sign => "窗口人员意见",
            ComplaintStep::Instruct => "领导批示",
            ComplaintStep::Publish => "处理结果",
        }
    }
}

/// Why a step cannot be done now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepRefused {
    #[error("the complaint is closed: its result is published")]
    Finished,
    #[error("the complaint waits for {expected}, not {asked}")]
    OutOfOrder {
        expected: &'static str,
        asked: &'static str,
    },
}

/// Checks that `asked` is the step due after `done` (the last step done).
pub fn check_step(done: ComplaintStep, asked: ComplaintStep) -> Result<(), StepRefused> {
    match done.next() {
        None => Err(StepRefused::Finished),
        Some(expected) if expected == asked => Ok(()),
        Some(expected) => Err(StepRefused::OutOfOrder {
            expected: expected.as_str(),
            asked: asked.as_str(),
        }),
    }
}

/// A complainant's phone: a mobile or a landline, digits with an optional dash or a leading
/// `+`, 7 to 20 characters.
pub fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (7..=20).contains(&phone.chars().count())
        && digits >= 7
        && phone
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || c == '-' || (c == '+' && i == 0))
}

/// A name as a public notice shows it: the family name, stars for the rest.
pub fn masked_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first)
            .chain(chars.map(|_| '*'))
            .collect::<String>(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_go_in_order_and_end_with_publication() {
        assert_eq!(
            check_step(ComplaintStep::Accept, ComplaintStep::Investigate),
            Ok(())
        );
        assert_eq!(
            check_step(ComplaintStep::Instruct, ComplaintStep::Publish),
            Ok(())
        );
        assert_eq!(
            check_step(ComplaintStep::Accept, ComplaintStep::Sign),
            Err(StepRefused::OutOfOrder {
                expected: "investigate",
                asked: "sign"
            })
        );
        assert_eq!(
            check_step(ComplaintStep::Publish, ComplaintStep::Publish),
            Err(StepRefused::Finished)
        );
    }

    #[test]
    fn each_step_has_its_actor() {
        assert_eq!(
            ComplaintStep::Investigate.permission(),
            Permission::SupervisionManage
        );
        assert_eq!(
            ComplaintStep::Sign.permission(),
            Permission::SupervisionReply
        );
        assert_eq!(
            ComplaintStep::Instruct.permission(),
            Permission::SupervisionDecide
        );
        assert_eq!(
            ComplaintStep::Publish.permission(),
            Permission::SupervisionManage
        );
    }

    #[test]
    fn online_sources_are_submitted_and_offline_ones_registered() {
        for s in [
            ComplaintSource::Portal,
            ComplaintSource::App,
            ComplaintSource::Hotline,
        ] {
            assert!(s.is_online());
            assert_eq!(s.permission(), Permission::ComplaintSubmit);
        }
        for s in [
            ComplaintSource::Phone,
            ComplaintSource::Mail,
            ComplaintSource::Letter,
            ComplaintSource::InPerson,
        ] {
            assert!(!s.is_online());
            assert_eq!(s.permission(), Permission::SupervisionManage);
            assert_eq!(ComplaintSource::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn phones_are_mobiles_or_landlines() {
        assert!(valid_phone("13800138000"));
        assert!(valid_phone("0591-87654321"));
        assert!(valid_phone("+8613800138000"));
        assert!(!valid_phone("12345"));
        assert!(!valid_phone("138-0013-800a"));
        assert!(!valid_phone("0591+87654321"));
    }

    #[test]
    fn notices_show_the_family_name_only() {
        assert_eq!(masked_name("张三丰"), "张**");
        assert_eq!(masked_name(" 李 "), "李");
        assert_eq!(masked_name(""), "");
    }
}
