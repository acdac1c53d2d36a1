//! What a case command says, checked before any transaction: the actions' inputs and the
//! applicant's number.

use crate::domain::calendar::SuspensionReason;
use crate::domain::case::CaseAction;
use crate::domain::case_step::SignMode;
use crate::domain::identity::{CreditCode, IdNumber, IdentityError, PhoneNumber};
use crate::error::{Error, Validator};
use crate::wire::cases::ApplicantKind;

/// Longest accepted free texts (names, reasons, opinions).
const MAX_TEXT: usize = 2_000;
/// Most materials named in one request.
const MAX_MATERIALS: usize = 200;

/// One action on a case, with what it needs. As JSON (a historical import's history) it is
/// tagged by `action`: `{"action": "approve", "opinion": "同意"}`.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
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
        /// Which open step; needed when a parallel group has several open.
        step: Option<u32>,
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
    Countersign {
        step: u32,
        mode: SignMode,
        signers: Vec<i64>,
        note: String,
    },
    AddSigner {
        step: u32,
        user_id: i64,
        reason: String,
    },
    Transfer {
        step: u32,
        user_id: i64,
        reason: String,
    },
    PayFee {
        amount_fen: i64,
        payment_ref: String,
    },
    WaiveFee {
        reason: String,
    },
    ReadyForPickup,
    PickUp {
        picked_up_by: String,
    },
    SendByCourier {
        courier_company: String,
        #[serde(default)]
        waybill_no: String,
        #[serde(default)]
        envelope_no: String,
        address: String,
    },
}

/// Most signers named on one step.
const MAX_SIGNERS: usize = 20;

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
            CaseCommand::Countersign { .. } => CaseAction::Countersign,
            CaseCommand::AddSigner { .. } => CaseAction::AddSigner,
            CaseCommand::Transfer { .. } => CaseAction::Transfer,
            CaseCommand::PayFee { .. } => CaseAction::PayFee,
            CaseCommand::WaiveFee { .. } => CaseAction::WaiveFee,
            CaseCommand::ReadyForPickup => CaseAction::ReadyForPickup,
            CaseCommand::PickUp { .. } => CaseAction::PickUp,
            CaseCommand::SendByCourier { .. } => CaseAction::SendByCourier,
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
            CaseCommand::Accept
            | CaseCommand::ReceiveSupplement
            | CaseCommand::Resume
            | CaseCommand::ReadyForPickup => None,
            CaseCommand::RejectAtIntake { reason: r }
            | CaseCommand::Deny { reason: r }
            | CaseCommand::Terminate { reason: r }
            | CaseCommand::Return { reason: r, .. }
            | CaseCommand::AddSigner { reason: r, .. }
            | CaseCommand::Transfer { reason: r, .. }
            | CaseCommand::WaiveFee { reason: r } => reason(&mut v, r, "reason"),
            CaseCommand::Countersign { signers, note, .. } => {
                v.check(!signers.is_empty(), "signers", "name at least one signer");
                v.check(
                    signers.len() <= MAX_SIGNERS,
                    "signers",
                    "at most 20 signers",
                );
                optional_text(&mut v, note, "note");
                Some(note.trim().to_owned()).filter(|n| !n.is_empty())
            }
            CaseCommand::PayFee {
                amount_fen,
                payment_ref,
            } => {
                v.check(
                    *amount_fen > 0,
                    "amount_fen",
                    "must be a positive amount in fen",
                );
                v.text(payment_ref, "payment_ref", 64);
                Some(payment_ref.trim().to_owned())
            }
            CaseCommand::PickUp { picked_up_by } => {
                v.text(picked_up_by, "picked_up_by", 100);
                Some(picked_up_by.trim().to_owned())
            }
            CaseCommand::SendByCourier {
                courier_company,
                waybill_no,
                envelope_no,
                address,
            } => {
                v.text(courier_company, "courier_company", 100);
                let w = waybill_no.trim();
                // Empty: the courier assigns the waybill and reports it back.
                v.check(
                    w.is_empty() || serial_no(w),
                    "waybill_no",
                    "must be 6–40 letters, digits or '-'",
                );
                let e = envelope_no.trim();
                v.check(
                    e.is_empty() || serial_no(e),
                    "envelope_no",
                    "must be 6–40 letters, digits or '-'",
                );
                v.text(address, "address", 200);
                Some(format!("{} {w}", courier_company.trim()).trim().to_owned())
            }
            CaseCommand::Approve { opinion, .. } => {
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

/// A waybill or envelope number: 6–40 letters, digits or '-'.
pub(crate) fn serial_no(s: &str) -> bool {
    (6..=40).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
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

/// An address as shown: its first few characters (province, city), the rest hidden.
pub(super) fn mask_address(address: &str) -> String {
    let chars: Vec<char> = address.trim().chars().collect();
    let shown = (chars.len() / 3).min(6);
    let head: String = chars[..shown].iter().collect();
    format!("{head}{}", "*".repeat(chars.len() - shown))
}

/// A mobile number as people type it: spaces, dashes and a leading +86 are dropped first.
pub(crate) fn phone_number(input: &str) -> Result<PhoneNumber, IdentityError> {
    let digits: String = input
        .trim()
        .trim_start_matches("+86")
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    PhoneNumber::parse(&digits)
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
