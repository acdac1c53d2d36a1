//! A live card as the console keeps it: what the Alerts view shows, filters and acts on, and no
//! more. The API's `Anomaly` is about 430 bytes a card (owned strings, the facts as JSON); this
//! is 112, so 100,000 cards fit the console's 50 MB. Rule codes are shared between the cards
//! of a rule, the case number is kept inline, times are milliseconds, the allowed actions are
//! bits; the facts are read with the card's detail when it is opened.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use compact_str::CompactString;
use yiwang_core::domain::supervision::cards::{AnomalyAction, AnomalyStatus};
use yiwang_core::domain::supervision::{RuleKind, Severity};
use yiwang_core::wire::supervision::Anomaly;

/// One live card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub id: i64,
    pub case_id: i64,
    /// When it opened, in milliseconds since the epoch.
    pub opened_ms: i64,
    /// Notices are muted until then (milliseconds since the epoch).
    pub silenced_until_ms: Option<i64>,
    pub region_id: i64,
    pub department_id: i64,
    /// The step it is about, or -1 for the whole case.
    pub step: i64,
    /// One allocation per rule, shared by its cards.
    pub rule_code: Arc<str>,
    /// Inline (a case number is 22 bytes): no allocation of its own.
    pub case_no: CompactString,
    pub kind: RuleKind,
    pub severity: Severity,
    pub status: AnomalyStatus,
    /// A step card muted by a live red card on its case.
    pub inhibited: bool,
    /// [`AnomalyAction`]s as bits.
    allowed: u8,
}

fn bit(a: AnomalyAction) -> u8 {
    1 << (a as u8)
}

fn at_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl Card {
    /// The card of an API answer, its rule code taken from (or added to) `codes`.
    pub fn from_wire(a: Anomaly, codes: &mut RuleCodes) -> Card {
        Card {
            id: a.id,
            case_id: a.case_id,
            opened_ms: a.opened_at.timestamp_millis(),
            silenced_until_ms: a.silenced_until.map(|t| t.timestamp_millis()),
            region_id: a.region_id,
            department_id: a.department_id,
            step: a.step,
            rule_code: codes.intern(a.rule_code),
            case_no: CompactString::from(a.case_no),
            kind: a.kind,
            severity: a.severity,
            status: a.status,
            inhibited: a.inhibited,
            allowed: a.allowed_actions.into_iter().fold(0, |m, x| m | bit(x)),
        }
    }

    pub fn opened_at(&self) -> DateTime<Utc> {
        at_ms(self.opened_ms)
    }

    pub fn silenced_until(&self) -> Option<DateTime<Utc>> {
        self.silenced_until_ms.map(at_ms)
    }

    /// Whether the server offered `action` on this card (its `allowed_actions`).
    pub fn allows(&self, action: AnomalyAction) -> bool {
        self.allowed & bit(action) != 0
    }
}

/// Every rule code in use, each stored once.
#[derive(Debug, Clone, Default)]
pub struct RuleCodes(HashSet<Arc<str>>);

impl RuleCodes {
    /// The shared copy of `code`.
    pub fn intern(&mut self, code: String) -> Arc<str> {
        if let Some(c) = self.0.get(code.as_str()) {
            return c.clone();
        }
        let c: Arc<str> = Arc::from(code);
        self.0.insert(c.clone());
        c
    }

    /// The codes these cards share (after a full read, whose cards were interned elsewhere).
    pub fn of(cards: &[Card]) -> RuleCodes {
        RuleCodes(cards.iter().map(|c| c.rule_code.clone()).collect())
    }
}

/// Cards of API answers, sharing their rule codes.
pub fn from_wire(list: Vec<Anomaly>) -> Vec<Card> {
    let mut codes = RuleCodes::default();
    list.into_iter()
        .map(|a| Card::from_wire(a, &mut codes))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_is_112_bytes() {
        assert_eq!(std::mem::size_of::<Card>(), 112);
    }

    #[test]
    fn cards_of_one_rule_share_its_code_and_keep_their_allowed_actions() {
        let mut codes = RuleCodes::default();
        let a = codes.intern("case-time-red".to_owned());
        let b = codes.intern("case-time-red".to_owned());
        assert!(Arc::ptr_eq(&a, &b));
        let c = Card {
            id: 1,
            case_id: 2,
            opened_ms: 1_772_415_000_000,
            silenced_until_ms: None,
            region_id: 1,
            department_id: 10,
            step: -1,
            rule_code: a,
            case_no: "990102-20260302-000001".into(),
            kind: RuleKind::TimeLimit,
            severity: Severity::Red,
            status: AnomalyStatus::Open,
            inhibited: false,
            allowed: bit(AnomalyAction::Acknowledge) | bit(AnomalyAction::Dismiss),
        };
        assert!(c.allows(AnomalyAction::Dismiss));
        assert!(!c.allows(AnomalyAction::Order));
        assert!(!c.case_no.is_heap_allocated());
        assert_eq!(c.opened_at().timestamp(), 1_772_415_000);
    }
}
