//! The supervision office's triage: every live card (open, acknowledged, ordered, replied) in
//! the caller's scope, red before yellow and oldest first, with a filter, a cursor and a set of
//! marked cards for bulk actions.
//!
//! Cards are kept by id; the display order is a sorted list of small keys, so a card that
//! changes moves by one binary search and one shift, and a screen of rows is a handful of
//! look-ups whatever the number of cards (the view builds only the rows it shows). A card is
//! kept compact ([`Card`]); the facts are read with the opened card's detail.

use std::collections::{BTreeSet, HashMap};

use yiwang_core::domain::supervision::Severity;
use yiwang_core::domain::supervision::cards::AnomalyStatus;
use yiwang_core::wire::events::Event;
use yiwang_core::wire::supervision::{Anomaly, AnomalyDetail};

use crate::i18n::Lang;
use crate::kinds;
use crate::state::card::{Card, RuleCodes};
use crate::state::names::OrgNames;

/// Where a card sits in the order: red first, then the oldest, then by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    yellow: bool,
    opened_ms: i64,
    id: i64,
}

fn key(a: &Card) -> Key {
    Key {
        yellow: a.severity == Severity::Yellow,
        opened_ms: a.opened_ms,
        id: a.id,
    }
}

/// One term of the filter; a filter matches a card when every term does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    /// `kind:` (or `k:`) a kind's code or label, in either language.
    Kind(String),
    /// `region:` (or `r:`) a region id, or part of a region's name (every region that has it).
    Region(Vec<i64>),
    /// `dept:` (or `d:`) a department id, or part of its name.
    Department(Vec<i64>),
    /// `sev:red` / `sev:yellow` (or the labels).
    Severity(String),
    /// Anything else: part of the case number, the rule's code or the status.
    Text(String),
}

fn parse_filter(filter: &str, names: &OrgNames) -> Vec<Term> {
    filter
        .split_whitespace()
        .map(|t| {
            let lower = t.to_lowercase();
            let Some((k, v)) = lower.split_once(':') else {
                return Term::Text(lower);
            };
            let id = v.parse::<i64>();
            match (k, id) {
                ("kind" | "k", _) => Term::Kind(v.to_owned()),
                ("region" | "r", Ok(n)) => Term::Region(vec![n]),
                ("region" | "r", Err(_)) => Term::Region(names.regions_named(v)),
                ("dept" | "d", Ok(n)) => Term::Department(vec![n]),
                ("dept" | "d", Err(_)) => Term::Department(names.departments_named(v)),
                ("sev" | "s", _) => Term::Severity(v.to_owned()),
                _ => Term::Text(lower.clone()),
            }
        })
        .collect()
}

fn matches(terms: &[Term], a: &Card) -> bool {
    terms.iter().all(|t| match t {
        Term::Kind(k) => {
            let code = a.kind.as_str();
            code.starts_with(k.as_str())
                || kinds::rule_kind(a.kind, Lang::Zh).contains(k.as_str())
                || kinds::rule_kind(a.kind, Lang::En)
                    .to_lowercase()
                    .starts_with(k.as_str())
        }
        Term::Region(r) => r.contains(&a.region_id),
        Term::Department(d) => d.contains(&a.department_id),
        Term::Severity(s) => {
            a.severity.as_str().starts_with(s.as_str()) || a.severity.label_zh().contains(s)
        }
        Term::Text(s) => {
            a.case_no.to_lowercase().contains(s)
                || a.rule_code.contains(s.as_str())
                || a.status.as_str() == s.as_str()
        }
    })
}

#[derive(Debug, Clone, Default)]
pub struct Alerts {
    cards: HashMap<i64, Card>,
    /// The rule codes the cards share.
    codes: RuleCodes,
    /// Every live card, in display order.
    order: Vec<Key>,
    /// The cards passing the filter, in display order; `None` without a filter.
    matching: Option<Vec<Key>>,
    terms: Vec<Term>,
    pub filter: String,
    /// Cards marked (space) for a bulk action.
    pub marked: BTreeSet<i64>,
    pub selected: usize,
    pub offset: usize,
    /// The list was read (possibly empty).
    pub loaded: bool,
    /// The list could not be read.
    pub error: Option<String>,
    /// The card opened with Enter, once read.
    pub detail: Option<Box<AnomalyDetail>>,
}

impl Alerts {
    /// Replaces every card (the answer to a full read); finished cards are left out.
    pub fn set_all(&mut self, cards: Vec<Card>) {
        let held = self.row(self.selected).map(|a| a.id);
        self.codes = RuleCodes::of(&cards);
        // The old map and order go before the new ones are built, and the map is sized once:
        // holding both forms, or rehashing while it grows, would double the memory's peak.
        self.cards = HashMap::new();
        self.order = Vec::new();
        let mut map = HashMap::with_capacity(cards.len());
        for a in cards.into_iter().filter(|a| !a.status.is_final()) {
            map.insert(a.id, a);
        }
        self.cards = map;
        self.order = self.cards.values().map(key).collect();
        self.order.sort_unstable();
        self.marked.retain(|id| self.cards.contains_key(id));
        self.loaded = true;
        self.error = None;
        self.refilter();
        self.reselect(held);
    }

    /// Takes a card as the server now has it (an answer of the API).
    pub fn upsert_wire(&mut self, card: Anomaly) {
        let card = Card::from_wire(card, &mut self.codes);
        self.upsert(card);
    }

    /// Takes a card as it now is: added, moved, or removed when finished.
    pub fn upsert(&mut self, card: Card) {
        if self.replace_in_place(&card) {
            return;
        }
        let held = self.row(self.selected).map(|a| a.id);
        self.remove(card.id);
        if !card.status.is_final() {
            let k = key(&card);
            let at = self.order.binary_search(&k).unwrap_or_else(|e| e);
            self.order.insert(at, k);
            if let Some(m) = &mut self.matching
                && matches(&self.terms, &card)
            {
                let at = m.binary_search(&k).unwrap_or_else(|e| e);
                m.insert(at, k);
            }
            self.cards.insert(card.id, card);
        }
        self.reselect(held);
    }

    /// A live card that stays live and keeps its place (a new status, say: the most common
    /// change) is replaced where it is, without shifting the order; whether it passes the
    /// filter may change. Returns false when the card must move.
    fn replace_in_place(&mut self, card: &Card) -> bool {
        let k = key(card);
        let Some(old) = self.cards.get_mut(&card.id) else {
            return false;
        };
        if card.status.is_final() || key(old) != k {
            return false;
        }
        *old = card.clone();
        if self.matching.is_none() {
            return true;
        }
        let held = self.row(self.selected).map(|a| a.id);
        let passes = matches(&self.terms, card);
        if let Some(m) = &mut self.matching {
            match (m.binary_search(&k), passes) {
                (Err(at), true) => m.insert(at, k),
                (Ok(at), false) => {
                    m.remove(at);
                }
                _ => {}
            }
        }
        self.reselect(held);
        true
    }

    fn remove(&mut self, id: i64) {
        let Some(old) = self.cards.remove(&id) else {
            return;
        };
        let k = key(&old);
        if let Ok(at) = self.order.binary_search(&k) {
            self.order.remove(at);
        }
        if let Some(m) = &mut self.matching
            && let Ok(at) = m.binary_search(&k)
        {
            m.remove(at);
        }
        self.marked.remove(&id);
    }

    /// Applies what an `anomaly.*` event says at once (its new status); returns the card's id
    /// when it should be read again for the rest (allowed actions, a new card's fields).
    pub fn apply(&mut self, e: &Event) -> Option<i64> {
        if e.entity != "anomaly" {
            return None;
        }
        let status = e.payload["status"].as_str().and_then(AnomalyStatus::parse);
        if let (Some(status), Some(card)) = (status, self.cards.get(&e.entity_id)) {
            let mut card = card.clone();
            card.status = status;
            self.upsert(card);
        }
        Some(e.entity_id)
    }

    /// Sets the filter (see [`Term`]); names are what `region:` and `dept:` look up.
    pub fn set_filter(&mut self, filter: String, names: &OrgNames) {
        self.filter = filter;
        self.terms = parse_filter(&self.filter, names);
        self.selected = 0;
        self.offset = 0;
        self.refilter();
    }

    fn refilter(&mut self) {
        self.matching = (!self.terms.is_empty()).then(|| {
            self.order
                .iter()
                .filter(|k| {
                    self.cards
                        .get(&k.id)
                        .is_some_and(|a| matches(&self.terms, a))
                })
                .copied()
                .collect()
        });
    }

    fn keys(&self) -> &[Key] {
        self.matching.as_deref().unwrap_or(&self.order)
    }

    /// Keeps the cursor on the card it was on, or in range.
    fn reselect(&mut self, held: Option<i64>) {
        if let Some(id) = held
            && let Some(card) = self.cards.get(&id)
        {
            let k = key(card);
            if let Ok(at) = self.keys().binary_search(&k) {
                let shift = at as isize - self.selected as isize;
                self.selected = at;
                self.offset = (self.offset as isize + shift).max(0) as usize;
                return;
            }
        }
        let last = self.len().saturating_sub(1);
        self.selected = self.selected.min(last);
        self.offset = self.offset.min(self.selected);
    }

    /// Cards on display (after the filter).
    pub fn len(&self) -> usize {
        self.keys().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every live card, whatever the filter.
    pub fn total(&self) -> usize {
        self.order.len()
    }

    /// Live red cards, whatever the filter.
    pub fn red(&self) -> usize {
        self.order.partition_point(|k| !k.yellow)
    }

    /// The card on display row `row`.
    pub fn row(&self, row: usize) -> Option<&Card> {
        self.cards.get(&self.keys().get(row)?.id)
    }

    pub fn get(&self, id: i64) -> Option<&Card> {
        self.cards.get(&id)
    }

    /// Moves the cursor by `delta` rows, keeping it on screen (`height` rows tall).
    pub fn move_by(&mut self, delta: isize, height: usize) {
        let last = self.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }

    /// Marks or unmarks the selected card.
    pub fn toggle_mark(&mut self) {
        if let Some(id) = self.row(self.selected).map(|a| a.id)
            && !self.marked.remove(&id)
        {
            self.marked.insert(id);
        }
    }

    /// What an action applies to: the marked cards, or else the selected one.
    pub fn targets(&self) -> Vec<i64> {
        if self.marked.is_empty() {
            self.row(self.selected).map(|a| a.id).into_iter().collect()
        } else {
            self.marked.iter().copied().collect()
        }
    }
}
