//! The facts a rule can name, and the compact record of an open case's clocks they are computed
//! from ([`CaseClocks`], what the engine keeps in memory for every open case).
//!
//! Time enters through one number: the *rank* of a day, the count of working days from
//! 2000-01-01 up to it (see [`rank_of`]). While a case runs, every clock's elapsed working days is
//! `rank(today) - base`; while it is suspended they stand still and the suspension's length grows
//! instead. So each time-dependent fact is an affine function of the day's rank, which is what
//! lets the engine compute when a rule will next change its mind without stepping through days.

use chrono::NaiveDate;

use super::Type;
use crate::domain::calendar::Calendar;
use crate::domain::case::CaseStatus;

/// Day 0 of the ranks.
pub const RANK_EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The rank of a day: working days in `(2000-01-01, day]`.
pub fn rank_of(cal: &Calendar, day: NaiveDate) -> i32 {
    i32::try_from(cal.working_days_between(RANK_EPOCH, day)).unwrap_or(i32::MAX)
}

/// The first day whose rank is `rank` (the working day that brings the count to it).
pub fn day_of_rank(cal: &Calendar, rank: i32) -> NaiveDate {
    cal.add_working_days(RANK_EPOCH, u32::try_from(rank.max(0)).unwrap_or(0))
}

macro_rules! facts {
    ($($variant:ident => $name:literal, $ty:ident, $doc:literal;)*) => {
        /// A fact about a case that a rule may name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Fact {
            $(#[doc = $doc] $variant,)*
        }

        impl Fact {
            /// Every fact, in documentation order.
            pub const ALL: &'static [Fact] = &[$(Fact::$variant,)*];

            /// The name used in conditions.
            pub fn name(self) -> &'static str {
                match self { $(Fact::$variant => $name,)* }
            }

            /// The fact named `name`, if any.
            pub fn parse(name: &str) -> Option<Fact> {
                match name { $($name => Some(Fact::$variant),)* _ => None }
            }

            /// Its type.
            pub fn ty(self) -> Type {
                match self { $(Fact::$variant => Type::$ty,)* }
            }

            /// What it means, for the rule editor's help.
            pub fn doc(self) -> &'static str {
                match self { $(Fact::$variant => $doc,)* }
            }
        }
    };
}

facts! {
    Status => "status", Text, "the case's status: submitted, supplement_requested, in_review, suspended, approved, denied, rejected_at_intake, terminated";
    Open => "open", Bool, "the case is not concluded, refused or terminated";
    Accepted => "accepted", Bool, "the case was accepted (its clocks run)";
    Step => "step", Num, "the current workflow step, 0 for the first";
    Suspended => "suspended", Bool, "the clock is stopped (a supplement or a special procedure)";
    SuspendedDays => "suspended.days", Num, "working days the current suspension has lasted (0 when running)";
    CaseLimit => "case.limit", Num, "the promised limit in working days";
    CaseElapsed => "case.elapsed", Num, "working days counted since acceptance";
    CaseRemaining => "case.remaining", Num, "working days left of the promised limit (0 on the deadline day, negative when exceeded)";
    CaseUsed => "case.used", Num, "share of the promised limit used: elapsed / limit (a limit of 0 counts as 1)";
    LegalLimit => "case.legal_limit", Num, "the legal limit in working days";
    LegalRemaining => "case.legal_remaining", Num, "working days left of the legal limit";
    StepLimit => "step.limit", Num, "the current step's limit in working days";
    StepElapsed => "step.elapsed", Num, "working days counted since the current step started";
    StepRemaining => "step.remaining", Num, "working days left of the current step's limit";
    StepUsed => "step.used", Num, "share of the current step's limit used";
    Terminated => "terminated", Bool, "the case was terminated (终止)";
    Rejected => "rejected", Bool, "the case was refused at intake (不予受理)";
    Denied => "denied", Bool, "the case was concluded denied (不予许可)";
    Approved => "approved", Bool, "the case was concluded approved";
    MaterialsCount => "materials.count", Num, "materials handed in";
    MaterialsMissing => "materials.missing", Num, "materials asked for in an open supplement request";
    Returns => "case.returns", Num, "times the case was sent back to an earlier step";
    MaterialsAbsent => "materials.absent", Num, "required materials of the item version neither handed in nor stood in for by a reused e-license";
    MaterialsUnlisted => "materials.unlisted", Num, "materials handed in that the item version does not list (inconsistent with the catalogue)";
    FeeMismatch => "fee.mismatch", Bool, "the case was approved and the fee charged (0 when none) is not what the catalogue's fee rule in force when it was charged gives for the declared quantity";
    FeeWaived => "fee.waived", Bool, "the fee charged at approval was waived (a discretionary act)";
    RiskPoint => "step.risk_point", Bool, "the current step is an integrity-risk point (廉政风险点, marked in the item's workflow)";
    Complaints => "case.complaints", Num, "complaints filed about the case";
    Anomalies => "case.anomalies", Num, "cards on the case the office confirmed as real anomalies";
    PersonRisk => "person.risk_point", Bool, "someone the office flagged as an integrity-risk person (廉政风险点人员) acted on the case";
    PersonComplaints => "person.complaints", Num, "the most complaints naming one person who acted on the case (any case of theirs)";
    PersonAnomalies => "person.anomalies", Num, "the most real anomalies one person who acted on the case had: cards the office confirmed on a case at a step they acted on (a case card: on a case they acted on)";
}

impl Fact {
    /// Whether the fact changes with the passing of days (not only with events).
    pub fn timed(self) -> bool {
        matches!(
            self,
            Fact::SuspendedDays
                | Fact::CaseElapsed
                | Fact::CaseRemaining
                | Fact::CaseUsed
                | Fact::LegalRemaining
                | Fact::StepElapsed
                | Fact::StepRemaining
                | Fact::StepUsed
        )
    }

    /// Whether the fact is about the current step (a rule naming one gives step cards).
    pub fn of_step(self) -> bool {
        matches!(
            self,
            Fact::Step
                | Fact::StepLimit
                | Fact::StepElapsed
                | Fact::StepRemaining
                | Fact::StepUsed
                | Fact::RiskPoint
        )
    }
}

/// "No such rank": no suspension open, no crossing ahead.
pub const NO_RANK: i32 = i32::MIN;

/// Bit of [`CaseClocks::flags`]: the case was accepted.
pub const FLAG_ACCEPTED: u8 = 1;
/// Bit of [`CaseClocks::flags`]: the current step has a running clock.
pub const FLAG_STEP_CLOCK: u8 = 2;
/// Bit of [`CaseClocks::flags`]: `fee.mismatch`.
pub const FLAG_FEE_MISMATCH: u8 = 4;
/// Bit of [`CaseClocks::flags`]: `fee.waived`.
pub const FLAG_FEE_WAIVED: u8 = 8;
/// Bit of [`CaseClocks::flags`]: `step.risk_point`.
pub const FLAG_RISK_POINT: u8 = 16;
/// Bit of [`CaseClocks::flags`]: `person.risk_point`.
pub const FLAG_PERSON_RISK: u8 = 32;

/// What other records say of a case (the catalogue, complaints, the office's verdicts on its
/// cards), read with the case when its events arrive: these facts never move with the days, so
/// the timer never looks at them. Counts stop at 255.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signals {
    /// `materials.absent`.
    pub absent: u8,
    /// `materials.unlisted`.
    pub unlisted: u8,
    /// `case.complaints`.
    pub complaints: u8,
    /// `case.anomalies`.
    pub anomalies: u8,
    /// `person.complaints`.
    pub person_complaints: u8,
    /// `person.anomalies`.
    pub person_anomalies: u8,
}

/// What the engine keeps of one case: everything a rule can ask, in 48 bytes.
///
/// `case_base` / `step_base` are the ranks from which elapsed days count (acceptance or step
/// start, moved later by every closed suspension); `stopped_at` is the rank at which the clocks
/// stand still (an open suspension, or the conclusion of a closed case), or [`NO_RANK`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseClocks {
    pub region: u32,
    pub department: u32,
    pub item: u32,
    pub case_base: i32,
    pub step_base: i32,
    pub stopped_at: i32,
    /// The rank at which some rule's verdict on this case may next change; [`NO_RANK`]: never.
    pub next: i32,
    pub case_limit: u16,
    pub legal_limit: u16,
    pub step_limit: u16,
    pub step: u8,
    pub status: u8,
    pub missing: u8,
    pub materials: u8,
    pub returns: u8,
    pub flags: u8,
    pub signals: Signals,
}

/// The status as stored in [`CaseClocks::status`].
pub fn status_code(s: CaseStatus) -> u8 {
    match s {
        CaseStatus::Submitted => 0,
        CaseStatus::SupplementRequested => 1,
        CaseStatus::InReview => 2,
        CaseStatus::Suspended => 3,
        CaseStatus::Approved => 4,
        CaseStatus::Denied => 5,
        CaseStatus::RejectedAtIntake => 6,
        CaseStatus::Terminated => 7,
    }
}

/// The inverse of [`status_code`].
pub fn status_of(code: u8) -> CaseStatus {
    match code {
        0 => CaseStatus::Submitted,
        1 => CaseStatus::SupplementRequested,
        2 => CaseStatus::InReview,
        3 => CaseStatus::Suspended,
        4 => CaseStatus::Approved,
        5 => CaseStatus::Denied,
        6 => CaseStatus::RejectedAtIntake,
        _ => CaseStatus::Terminated,
    }
}

/// A fact's value on a day, or its value as an affine function of the day's rank.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Num(f64),
    Bool(bool),
    Text(&'a str),
}

impl CaseClocks {
    pub fn accepted(&self) -> bool {
        self.flags & FLAG_ACCEPTED != 0
    }

    pub fn status(&self) -> CaseStatus {
        status_of(self.status)
    }

    fn stopped(&self) -> bool {
        self.stopped_at != NO_RANK
    }

    fn suspended(&self) -> bool {
        self.stopped() && self.status().is_open()
    }

    /// A numeric fact as `a * rank + b`: its slope and offset (slope 0 for untimed facts).
    pub fn affine(&self, fact: Fact) -> (f64, f64) {
        let running = self.accepted() && !self.stopped() && self.status().is_open();
        // Elapsed days of a clock based at `base`: `rank - base` while running, frozen otherwise.
        let elapsed = |base: i32, has: bool| -> (f64, f64) {
            if !has {
                (0.0, 0.0)
            } else if running {
                (1.0, -f64::from(base))
            } else if self.stopped() {
                (0.0, f64::from(self.stopped_at.saturating_sub(base).max(0)))
            } else {
                (0.0, 0.0)
            }
        };
        let case = || elapsed(self.case_base, self.accepted());
        let step = || {
            elapsed(
                self.step_base,
                self.accepted() && self.flags & FLAG_STEP_CLOCK != 0,
            )
        };
        let left = |limit: u16, (a, b): (f64, f64)| (-a, f64::from(limit) - b);
        let share = |limit: u16, (a, b): (f64, f64)| {
            let l = f64::from(limit.max(1));
            (a / l, b / l)
        };
        match fact {
            Fact::Step => (0.0, f64::from(self.step)),
            Fact::SuspendedDays if self.suspended() => (1.0, -f64::from(self.stopped_at)),
            Fact::SuspendedDays => (0.0, 0.0),
            Fact::CaseLimit => (0.0, f64::from(self.case_limit)),
            Fact::CaseElapsed => case(),
            Fact::CaseRemaining => left(self.case_limit, case()),
            Fact::CaseUsed => share(self.case_limit, case()),
            Fact::LegalLimit => (0.0, f64::from(self.legal_limit)),
            Fact::LegalRemaining => left(self.legal_limit, case()),
            Fact::StepLimit => (0.0, f64::from(self.step_limit)),
            Fact::StepElapsed => step(),
            Fact::StepRemaining => left(self.step_limit, step()),
            Fact::StepUsed => share(self.step_limit, step()),
            Fact::MaterialsCount => (0.0, f64::from(self.materials)),
            Fact::MaterialsMissing => (0.0, f64::from(self.missing)),
            Fact::Returns => (0.0, f64::from(self.returns)),
            Fact::MaterialsAbsent => (0.0, f64::from(self.signals.absent)),
            Fact::MaterialsUnlisted => (0.0, f64::from(self.signals.unlisted)),
            Fact::Complaints => (0.0, f64::from(self.signals.complaints)),
            Fact::Anomalies => (0.0, f64::from(self.signals.anomalies)),
            Fact::PersonComplaints => (0.0, f64::from(self.signals.person_complaints)),
            Fact::PersonAnomalies => (0.0, f64::from(self.signals.person_anomalies)),
            Fact::Status
            | Fact::FeeMismatch
            | Fact::FeeWaived
            | Fact::RiskPoint
            | Fact::PersonRisk
            | Fact::Open
            | Fact::Accepted
            | Fact::Suspended
            | Fact::Terminated
            | Fact::Rejected
            | Fact::Denied
            | Fact::Approved => (0.0, 0.0),
        }
    }

    /// The fact's value on the day of rank `rank`.
    pub fn value(&self, fact: Fact, rank: i32) -> Value<'static> {
        let status = self.status();
        match fact {
            Fact::Status => Value::Text(status.as_str()),
            Fact::Open => Value::Bool(status.is_open()),
            Fact::Accepted => Value::Bool(self.accepted()),
            Fact::Suspended => Value::Bool(self.suspended()),
            Fact::Terminated => Value::Bool(status == CaseStatus::Terminated),
            Fact::Rejected => Value::Bool(status == CaseStatus::RejectedAtIntake),
            Fact::Denied => Value::Bool(status == CaseStatus::Denied),
            Fact::Approved => Value::Bool(status == CaseStatus::Approved),
            Fact::FeeMismatch => Value::Bool(self.flags & FLAG_FEE_MISMATCH != 0),
            Fact::FeeWaived => Value::Bool(self.flags & FLAG_FEE_WAIVED != 0),
            Fact::RiskPoint => Value::Bool(self.flags & FLAG_RISK_POINT != 0),
            Fact::PersonRisk => Value::Bool(self.flags & FLAG_PERSON_RISK != 0),
            _ => {
                let (a, b) = self.affine(fact);
                Value::Num(a * f64::from(rank) + b)
            }
        }
    }
}
