//! One open workflow step of a case and the approval practice on it (R-2.2.1.1): a handler
//! (承办人) it was handed to, and signers who approve all together (会签) or any one of them
//! (或签), signers added later (加签), transfer to another handler (转办). No IO; the service
//! checks who may be named and stores the result.

use serde::{Deserialize, Serialize};

use crate::clock::Millis;

/// How the signers of a step decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignMode {
    /// 会签: every signer must approve.
    #[default]
    All,
    /// 或签: the first signer's approval completes the step.
    Any,
}

/// A user named on a step, with the name shown in answers and history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Person {
    pub user_id: i64,
    pub name: String,
}

/// A signer of a step and whether they signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Signer {
    pub user_id: i64,
    pub name: String,
    /// Added to an open step (加签) rather than named when the signers were set.
    #[serde(default)]
    pub added: bool,
    /// When they approved (milliseconds); absent while they have not.
    pub signed_at: Option<Millis>,
}

/// A workflow step being worked on, with its own clock start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenStep {
    /// 0-based position in the item version's workflow.
    pub index: u32,
    /// When the step opened (or was opened again by a return): its clock starts here.
    pub started_at: Millis,
    /// Who the step was handed to; anyone who may handle the case while absent.
    pub handler: Option<Person>,
    pub mode: SignMode,
    /// Empty: the handler (or anyone, without one) approves the step alone.
    pub signers: Vec<Signer>,
}

/// Why a step-level action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// The step waits for someone else.
    #[error("step {index} waits for {}", .waiting_for.join("、"))]
    NotYours {
        index: u32,
        waiting_for: Vec<String>,
    },
    /// Signers can only be set before anyone signed.
    #[error("step {index} already has a signature; add a signer instead")]
    AlreadySigned { index: u32 },
    /// The person is already a signer or the handler of the step.
    #[error("{name} is already named on step {index}")]
    AlreadyNamed { index: u32, name: String },
}

impl OpenStep {
    /// A step opening now, handed to nobody yet.
    pub fn open(index: u32, at: Millis) -> Self {
        OpenStep {
            index,
            started_at: at,
            handler: None,
            mode: SignMode::All,
            signers: Vec::new(),
        }
    }

    fn pending(&self) -> impl Iterator<Item = &Signer> {
        self.signers.iter().filter(|s| s.signed_at.is_none())
    }

    /// Who the step waits for: the pending signers, else the handler; empty when anyone who
    /// may handle the case can approve it.
    pub fn waiting_for(&self) -> Vec<&str> {
        if self.signers.is_empty() {
            self.handler.iter().map(|h| h.name.as_str()).collect()
        } else {
            self.pending().map(|s| s.name.as_str()).collect()
        }
    }

    /// Whether `user` may approve the step now.
    pub fn may_approve(&self, user: i64) -> bool {
        if self.signers.is_empty() {
            self.handler.as_ref().is_none_or(|h| h.user_id == user)
        } else {
            self.pending().any(|s| s.user_id == user)
        }
    }

    /// Whether `user` may direct the step (set or add signers, hand it on): its handler, one of
    /// its signers, or anyone while it is nobody's.
    pub fn may_direct(&self, user: i64) -> bool {
        let free = self.handler.is_none() && self.signers.is_empty();
        free || self.handler.as_ref().is_some_and(|h| h.user_id == user)
            || self.signers.iter().any(|s| s.user_id == user)
    }

    fn not_yours(&self) -> StepError {
        StepError::NotYours {
            index: self.index,
            waiting_for: self.waiting_for().into_iter().map(str::to_owned).collect(),
        }
    }

    fn directors(&self) -> StepError {
        let mut names: Vec<String> = self.handler.iter().map(|h| h.name.clone()).collect();
        names.extend(self.signers.iter().map(|s| s.name.clone()));
        StepError::NotYours {
            index: self.index,
            waiting_for: names,
        }
    }

    fn named(&self, user: i64) -> bool {
        self.signers.iter().any(|s| s.user_id == user)
    }

    /// `user` approves at `at`; true when that completes the step.
    pub fn approve(&mut self, user: i64, at: Millis) -> Result<bool, StepError> {
        if !self.may_approve(user) {
            return Err(self.not_yours());
        }
        if self.signers.is_empty() {
            return Ok(true);
        }
        for s in self.signers.iter_mut().filter(|s| s.user_id == user) {
            s.signed_at = Some(at);
        }
        Ok(match self.mode {
            SignMode::Any => true,
            SignMode::All => self.pending().next().is_none(),
        })
    }

    /// `by` names the signers and how they decide; only before anyone signed.
    pub fn countersign(
        &mut self,
        by: i64,
        mode: SignMode,
        signers: Vec<Person>,
    ) -> Result<(), StepError> {
        if !self.may_direct(by) {
            return Err(self.directors());
        }
        if self.signers.iter().any(|s| s.signed_at.is_some()) {
            return Err(StepError::AlreadySigned { index: self.index });
        }
        let mut named: Vec<Signer> = Vec::with_capacity(signers.len());
        for p in signers {
            if named.iter().any(|s| s.user_id == p.user_id) {
                return Err(StepError::AlreadyNamed {
                    index: self.index,
                    name: p.name,
                });
            }
            named.push(Signer {
                user_id: p.user_id,
                name: p.name,
                added: false,
                signed_at: None,
            });
        }
        self.mode = mode;
        self.signers = named;
        Ok(())
    }

    /// `by` adds a signer (加签); a step without signers becomes countersigned by them.
    pub fn add_signer(&mut self, by: i64, p: Person) -> Result<(), StepError> {
        if !self.may_direct(by) {
            return Err(self.directors());
        }
        if self.named(p.user_id) {
            return Err(StepError::AlreadyNamed {
                index: self.index,
                name: p.name,
            });
        }
        if self.signers.is_empty() {
            self.mode = SignMode::All;
        }
        self.signers.push(Signer {
            user_id: p.user_id,
            name: p.name,
            added: true,
            signed_at: None,
        });
        Ok(())
    }

    /// `by` hands their part of the step to `to` (转办): a pending signer's signature, or the
    /// step itself when `by` may direct it.
    pub fn transfer(&mut self, by: i64, to: Person) -> Result<(), StepError> {
        let already = self.named(to.user_id)
            || self
                .handler
                .as_ref()
                .is_some_and(|h| h.user_id == to.user_id);
        if already {
            return Err(StepError::AlreadyNamed {
                index: self.index,
                name: to.name,
            });
        }
        if let Some(s) = self
            .signers
            .iter_mut()
            .find(|s| s.user_id == by && s.signed_at.is_none())
        {
            s.user_id = to.user_id;
            s.name = to.name;
            return Ok(());
        }
        if !self.may_direct(by) {
            return Err(self.directors());
        }
        self.handler = Some(to);
        Ok(())
    }
}

#[cfg(test)]
#[path = "case_step_tests.rs"]
mod tests;
