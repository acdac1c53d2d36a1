//! What a case command says, checked before any transaction: the actions' inputs and the
//! applicant's number.

use crate::domain::calendar::SuspensionReason;
use crate::domain::case::CaseAction;
use crate::domain::identity::{CreditCode, IdNumber};
use crate::error::{Error, Validator};
use crate::wire::cases::ApplicantKind;

/// Longest accepted free texts (names, reasons, opinions).
const MAX_TEXT: usize = 2_000;
/// Most materials named in one request.
const MAX_MATERIALS: usize = 200;

/// One action on a case, with what it needs.
#[derive(Debug, Clone)]
pub enum CaseCommand {
    Accept,
    RejectAtIntake {
        reason: String,
    },
    RequestSupplement {
        missing: Vec<String>,
    },
    ReceiveSupplement,
    Approve {
        opinion: String,
    },
    Return {
        to_step: u32,
        reason: String,
    },
    Deny {
        reason: String,
    },
    Suspend {
        reason: SuspensionReason,
        note: String,
    },
    Resume,
    Terminate {
        reason: String,
    },
}

impl CaseCommand {
    pub(super) fn action(&self) -> CaseAction {
        match self {
            CaseCommand::Accept => CaseAction::Accept,
            CaseCommand::RejectAtIntake { .. } => CaseAction::RejectAtIntake,
            CaseCommand::RequestSupplement { .. } => CaseAction::RequestSupplement,
            CaseCommand::ReceiveSupplement => CaseAction::ReceiveSupplement,
            CaseCommand::Approve { .. } => CaseAction::Approve,
            CaseCommand::Return { .. } => CaseAction::Return,
            CaseCommand::Deny { .. } => CaseAction::Deny,
            CaseCommand::Suspend { .. } => CaseAction::Suspend,
            CaseCommand::Resume => CaseAction::Resume,
            CaseCommand::Terminate { .. } => CaseAction::Terminate,
        }
    }

    /// Checks the input; the opinion kept in the history.
    pub(super) fn validate(&self) -> Result<Option<String>, Error> {
        let mut v = Validator::new();
        let reason = |v: &mut Validator, text: &str, field: &str| {
            v.text(text, field, MAX_TEXT);
            Some(text.trim().to_owned())
        };
        let opinion = match self {
            CaseCommand::Accept | CaseCommand::ReceiveSupplement | CaseCommand::Resume => None,
            CaseCommand::RejectAtIntake { reason: r }
            | CaseCommand::Deny { reason: r }
            | CaseCommand::Terminate { reason: r }
            | CaseCommand::Return { reason: r, .. } => reason(&mut v, r, "reason"),
            CaseCommand::Approve { opinion } => {
                optional_text(&mut v, opinion, "opinion");
                Some(opinion.trim().to_owned()).filter(|o| !o.is_empty())
            }
            CaseCommand::RequestSupplement { missing } => {
                check_names(&mut v, missing, "missing");
                v.check(!missing.is_empty(), "missing", "name the missing materials");
                Some(missing.join("、"))
            }
            CaseCommand::Suspend { reason, note } => {
                v.check(
                    matches!(
                        reason,
                        SuspensionReason::Hearing
                            | SuspensionReason::Testing
                            | SuspensionReason::Appraisal
                            | SuspensionReason::ExpertReview
                    ),
                    "reason",
                    "hearing, testing, appraisal or expert_review",
                );
                optional_text(&mut v, note, "note");
                let name = serde_json::to_value(reason)
                    .ok()
                    .and_then(|r| r.as_str().map(str::to_owned))
                    .unwrap_or_default();
                Some(if note.trim().is_empty() {
                    name
                } else {
                    format!("{name}: {}", note.trim())
                })
            }
        };
        v.finish()?;
        Ok(opinion)
    }
}

pub(super) fn check_names(v: &mut Validator, names: &[String], field: &str) {
    v.check(names.len() <= MAX_MATERIALS, field, "too many materials");
    for (i, name) in names.iter().enumerate() {
        v.text(name, &format!("{field}[{i}]"), 200);
    }
}

fn optional_text(v: &mut Validator, text: &str, field: &str) {
    v.check(
        text.chars().count() <= MAX_TEXT,
        field,
        "must be at most 2000 characters",
    );
}

/// The applicant's number: parsed (with its check character), sealed, indexed and masked.
pub(super) fn applicant_number(
    kind: ApplicantKind,
    input: &str,
) -> Result<(String, String), Error> {
    let field = "applicant.id_number";
    match kind {
        ApplicantKind::Person => IdNumber::parse(input)
            .map(|n| (n.as_str().to_owned(), n.masked()))
            .map_err(|e| Error::invalid(field, e.to_string())),
        ApplicantKind::Organisation => CreditCode::parse(input)
            .map(|n| (n.as_str().to_owned(), n.masked()))
            .map_err(|e| Error::invalid(field, e.to_string())),
    }
}
