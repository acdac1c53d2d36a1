//! Historical import (R-2.2.1.2 back-fill): past cases from an old system, each filed at its
//! original time and its history replayed through the same checks as a live case (the state
//! machine, the caller's scope, the inputs), in one transaction per case. A case that breaks a
//! rule is refused alone and the rest load; importing the same file again skips what is in.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::commands::{Acting, Filing, act, file_case};
use super::input::{CaseCommand, mask_address};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::case::{CaseAction, CaseId};
use crate::error::{Error, ErrorKind, FieldError, Validator};
use crate::service::Services;
use crate::store::schema::{case_imports, cases};
use crate::wire::cases::NewCase;

/// Most cases in one request; a file of any size goes through `yiwang cases import`.
pub const MAX_BATCH: usize = 1_000;
/// Cases replayed at once: enough to fill the writer's groups.
const IN_FLIGHT: usize = 64;
/// Nothing older is accepted (2000-01-01T00:00:00Z): a guard against unit mistakes.
const EARLIEST: Millis = 946_684_800_000;

/// A batch of past cases from one old system.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CaseImport {
    /// The old system's name; with a case's `legacy_no` it identifies the case, so a file
    /// imported again skips the cases already in.
    pub source: String,
    pub cases: Vec<ImportedCase>,
}

/// One past case: the application as filed, when, and what happened to it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ImportedCase {
    /// The case's number in the old system.
    pub legacy_no: String,
    pub submitted_at: DateTime<Utc>,
    pub application: NewCase,
    /// The case's actions in order, each at its original time.
    #[serde(default)]
    pub history: Vec<ImportedAction>,
}

/// One action of a past case: who in the old system did it, when, and the action as the live
/// API takes it (`{"action": "approve", "opinion": "同意"}`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ImportedAction {
    pub at: DateTime<Utc>,
    /// The person's name in the old system (kept in the case's history).
    pub actor: String,
    #[serde(flatten)]
    pub command: CaseCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    Imported,
    /// Imported before (same source and legacy number): left as it is.
    Existing,
    /// Broke a rule; nothing of it was stored.
    Refused,
}

/// What became of one case of the batch.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportedCaseResult {
    pub legacy_no: String,
    pub outcome: ImportOutcome,
    pub case_id: Option<CaseId>,
    pub case_no: Option<String>,
    /// The case's status after its history.
    pub status: Option<String>,
    /// Why it was refused.
    pub problem: Option<String>,
    /// The fields at fault, as paths into the case (`history[2].opinion`).
    pub errors: Vec<FieldError>,
}

/// The batch's outcome, case by case in the order given.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseImportResult {
    pub imported: usize,
    pub existing: usize,
    pub refused: usize,
    pub cases: Vec<ImportedCaseResult>,
}

/// Actions whose people must be users of this platform: an old system's history cannot name
/// them, so they are refused rather than replayed with someone else's identity.
fn names_platform_users(command: &CaseCommand) -> bool {
    matches!(
        command.action(),
        CaseAction::Countersign | CaseAction::AddSigner | CaseAction::Transfer
    )
}

/// The checks that need no storage: texts, times in order, actions that can be replayed.
/// Answers each action's opinion as its input left it (what the history keeps).
fn check_shape(case: &ImportedCase, now: Millis) -> Result<Vec<Option<String>>, Error> {
    let mut v = Validator::new();
    v.text(&case.legacy_no, "legacy_no", 64);
    let submitted = case.submitted_at.timestamp_millis();
    v.check(
        (EARLIEST..=now).contains(&submitted),
        "submitted_at",
        "between 2000-01-01 and now",
    );
    let mut last = submitted;
    let mut opinions = Vec::with_capacity(case.history.len());
    for (i, a) in case.history.iter().enumerate() {
        let at = a.at.timestamp_millis();
        v.text(&a.actor, &format!("history[{i}].actor"), 64);
        v.check(
            at >= last && at <= now,
            &format!("history[{i}].at"),
            "not before the step before it (or the submission), and not after now",
        );
        last = last.max(at);
        v.check(
            !names_platform_users(&a.command),
            &format!("history[{i}].action"),
            "countersign, add_signer and transfer name platform users; import the approvals instead",
        );
        match a.command.validate() {
            Ok(opinion) => opinions.push(opinion),
            Err(Error::Validation(errors)) => {
                for e in errors {
                    v.push(&format!("history[{i}].{}", e.field), e.reason);
                }
            }
            Err(e) => return Err(e),
        }
    }
    v.finish()?;
    Ok(opinions)
}

fn refused(legacy_no: String, e: &Error) -> ImportedCaseResult {
    let errors = match e {
        Error::Validation(errors) => errors.clone(),
        _ => Vec::new(),
    };
    // A fault of the server says so without its cause, like any answer (the log has it).
    let problem = match e.kind() {
        ErrorKind::Internal | ErrorKind::Unavailable => {
            tracing::error!(error = %e, legacy_no, "importing a past case failed");
            "the server could not store this case; import it again later".to_owned()
        }
        _ => e.to_string(),
    };
    ImportedCaseResult {
        legacy_no,
        outcome: ImportOutcome::Refused,
        case_id: None,
        case_no: None,
        status: None,
        problem: Some(problem),
        errors,
    }
}

impl Services {
    /// Imports a batch of past cases (at most [`MAX_BATCH`]); `case.import` and `case.handle`
    /// over each case's item are needed.
    pub async fn import_cases(
        &self,
        caller: &Caller,
        batch: CaseImport,
    ) -> Result<CaseImportResult, Error> {
        if !caller.has(Permission::CaseImport) {
            return Err(Error::forbidden("importing past cases needs case.import"));
        }
        let mut v = Validator::new();
        v.text(&batch.source, "source", 64);
        v.check(
            (1..=MAX_BATCH).contains(&batch.cases.len()),
            "cases",
            "1 to 1000 cases a request",
        );
        let mut seen = std::collections::HashSet::new();
        for (i, c) in batch.cases.iter().enumerate() {
            v.check(
                seen.insert(c.legacy_no.trim()),
                &format!("cases[{i}].legacy_no"),
                "given twice in this batch",
            );
        }
        v.finish()?;
        let source = batch.source.trim().to_owned();
        let results: Vec<ImportedCaseResult> = futures_util::stream::iter(batch.cases)
            .map(|case| self.import_case(caller, &source, case))
            .buffered(IN_FLIGHT)
            .collect()
            .await;
        let count = |o| results.iter().filter(|r| r.outcome == o).count();
        Ok(CaseImportResult {
            imported: count(ImportOutcome::Imported),
            existing: count(ImportOutcome::Existing),
            refused: count(ImportOutcome::Refused),
            cases: results,
        })
    }

    /// One past case in one transaction: filed at its time, its history replayed, recorded
    /// under its legacy number.
    async fn import_case(
        &self,
        caller: &Caller,
        source: &str,
        case: ImportedCase,
    ) -> ImportedCaseResult {
        let legacy_no = case.legacy_no.trim().to_owned();
        let now = self.clock.now();
        let prepared = check_shape(&case, now).and_then(|opinions| {
            let tz = self.config.time_zone()?;
            Ok((opinions, tz, self.sealed_applicant(&case.application)?))
        });
        let (opinions, tz, applicant) = match prepared {
            Ok(p) => p,
            Err(e) => return refused(legacy_no, &e),
        };
        let mut steps = Vec::with_capacity(case.history.len());
        for (a, opinion) in case.history.into_iter().zip(opinions) {
            let address = match &a.command {
                CaseCommand::SendByCourier { address, .. } => {
                    match self.vault.seal(address.trim()) {
                        Ok(sealed) => Some((sealed, mask_address(address))),
                        Err(e) => return refused(legacy_no, &e),
                    }
                }
                _ => None,
            };
            steps.push((a, opinion, address));
        }
        let caller = caller.clone();
        let (source, key) = (source.to_owned(), legacy_no.clone());
        let outcome = self
            .store
            .write(move |conn| {
                let known: Option<(i64, String, String)> = case_imports::table
                    .inner_join(cases::table)
                    .filter(case_imports::source.eq(&source))
                    .filter(case_imports::legacy_no.eq(&key))
                    .select((cases::id, cases::case_no, cases::status))
                    .get_result(conn)
                    .optional()?;
                if let Some(known) = known {
                    return Ok((ImportOutcome::Existing, known));
                }
                let submitted = case.submitted_at.timestamp_millis();
                let mut row = file_case(
                    conn,
                    &caller,
                    &case.application,
                    &applicant,
                    (submitted, tz),
                    Filing::Historical,
                )?;
                for (i, (a, opinion, address)) in steps.into_iter().enumerate() {
                    let acting = Acting {
                        opinion,
                        address,
                        now: a.at.timestamp_millis(),
                        tz,
                        label: Some(format!("{}（{source}）", a.actor.trim())),
                    };
                    row = act(conn, &caller, CaseId(row.id), &a.command, acting)
                        .map_err(|e| at_step(i, e))?;
                }
                diesel::insert_into(case_imports::table)
                    .values((
                        case_imports::source.eq(&source),
                        case_imports::legacy_no.eq(&key),
                        case_imports::case_id.eq(row.id),
                        case_imports::imported_at.eq(now),
                    ))
                    .execute(conn)?;
                Ok((ImportOutcome::Imported, (row.id, row.case_no, row.status)))
            })
            .await;
        match outcome {
            Ok((outcome, (id, case_no, status))) => ImportedCaseResult {
                legacy_no,
                outcome,
                case_id: Some(CaseId(id)),
                case_no: Some(case_no),
                status: Some(status),
                problem: None,
                errors: Vec::new(),
            },
            Err(e) => refused(legacy_no, &e),
        }
    }
}

/// An action's refusal, naming the history entry it came from.
fn at_step(i: usize, e: Error) -> Error {
    match e {
        Error::Validation(errors) => Error::Validation(
            errors
                .into_iter()
                .map(|f| FieldError::new(format!("history[{i}].{}", f.field), f.reason))
                .collect(),
        ),
        Error::Conflict { message, .. } => Error::invalid(format!("history[{i}].action"), message),
        other => other,
    }
}
