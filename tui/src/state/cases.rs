//! Case search: what was asked (a case number, an applicant's ID number or credit code, an item
//! code, a status — or nothing, for the first cases in scope), the answer, and the case opened
//! with its history.

use yiwang_core::domain::case::CaseStatus;
use yiwang_core::domain::identity::{CreditCode, IdNumber};
use yiwang_core::wire::cases::{Case, CaseHistoryEntry};

/// A search as the server takes it (`GET /cases?…`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseSearch {
    pub case_no: Option<String>,
    pub id_number: Option<String>,
    pub item_code: Option<String>,
    pub status: Option<CaseStatus>,
}

impl CaseSearch {
    /// Reads what was typed, term by term: `status:in_review` (or a bare status), `item:CODE`,
    /// `no:NUMBER`, an ID number or credit code (its check character decides), a case number
    /// (`{region}-{date}-{seq}`); any other term is taken as an item code.
    pub fn parse(text: &str) -> CaseSearch {
        let mut s = CaseSearch::default();
        for term in text.split_whitespace() {
            let (k, v) = term.split_once(':').unwrap_or(("", term));
            match k {
                "status" | "s" => s.status = CaseStatus::parse(v),
                "item" | "i" => s.item_code = Some(v.to_owned()),
                "no" | "n" => s.case_no = Some(v.to_owned()),
                "id" => s.id_number = Some(v.to_owned()),
                _ if CaseStatus::parse(v).is_some() => s.status = CaseStatus::parse(v),
                _ if IdNumber::parse(v).is_ok() || CreditCode::parse(v).is_ok() => {
                    s.id_number = Some(v.to_owned())
                }
                _ if v.matches('-').count() == 2 && v.ends_with(|c: char| c.is_ascii_digit()) => {
                    s.case_no = Some(v.to_owned())
                }
                _ => s.item_code = Some(v.to_owned()),
            }
        }
        s
    }

    /// The query string, without the page.
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(n) = &self.case_no {
            q.push(("case_no", n.clone()));
        }
        if let Some(n) = &self.id_number {
            q.push(("id_number", n.clone()));
        }
        if let Some(c) = &self.item_code {
            q.push(("item_code", c.clone()));
        }
        if let Some(s) = self.status {
            q.push(("status", s.as_str().to_owned()));
        }
        q
    }
}

/// What the search bar shows for a query: an applicant's number masked as everywhere else.
pub fn masked_query(text: &str) -> String {
    text.split_whitespace()
        .map(|term| {
            let (k, v) = term.split_once(':').unwrap_or(("", term));
            let masked = IdNumber::parse(v)
                .map(|n| n.masked())
                .or_else(|_| CreditCode::parse(v).map(|c| c.masked()));
            match (masked, k) {
                (Ok(m), "") => m,
                (Ok(m), k) => format!("{k}:{m}"),
                (Err(_), _) => term.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A case opened with Enter: the case and every change in its life.
#[derive(Debug, Clone)]
pub struct OpenCase {
    pub case: Case,
    pub history: Vec<CaseHistoryEntry>,
}

#[derive(Debug, Clone, Default)]
pub struct Cases {
    /// What is being typed (after `/`).
    pub query: String,
    /// The search that produced `results`, as typed (shown masked).
    pub searched: Option<String>,
    pub results: Option<Vec<Case>>,
    /// More cases matched than were read.
    pub more: bool,
    pub selected: usize,
    pub offset: usize,
    pub searching: bool,
    pub error: Option<String>,
    pub open: Option<Box<OpenCase>>,
}

/// Cases read for one search (pages of 500).
pub const SEARCH_LIMIT: usize = 2_000;

impl Cases {
    /// Starts a search of what was typed.
    pub fn search(&mut self) -> CaseSearch {
        self.searching = true;
        self.error = None;
        self.searched = Some(self.query.clone());
        CaseSearch::parse(&self.query)
    }

    pub fn set_results(&mut self, cases: Vec<Case>, more: bool) {
        self.results = Some(cases);
        self.more = more;
        self.searching = false;
        self.selected = 0;
        self.offset = 0;
    }

    pub fn failed(&mut self, error: String) {
        self.searching = false;
        self.error = Some(error);
    }

    pub fn len(&self) -> usize {
        self.results.as_ref().map_or(0, Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn row(&self, row: usize) -> Option<&Case> {
        self.results.as_ref()?.get(row)
    }

    /// Takes a case read again (after its event) into the results.
    pub fn refresh(&mut self, case: Case) {
        if let Some(c) = self
            .results
            .as_mut()
            .and_then(|r| r.iter_mut().find(|c| c.id == case.id))
        {
            *c = case.clone();
        }
        if let Some(o) = &mut self.open
            && o.case.id == case.id
        {
            o.case = case;
        }
    }

    /// Whether a case is on screen (in the results or opened).
    pub fn shows(&self, id: i64) -> bool {
        self.open.as_ref().is_some_and(|o| o.case.id.0 == id)
            || self
                .results
                .as_ref()
                .is_some_and(|r| r.iter().any(|c| c.id.0 == id))
    }

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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_read_term_by_term() {
        let s = CaseSearch::parse("990102-20260302-000001");
        assert_eq!(s.case_no.as_deref(), Some("990102-20260302-000001"));
        let s = CaseSearch::parse("in_review item:11350100MB0001-001");
        assert_eq!(s.status, Some(CaseStatus::InReview));
        assert_eq!(s.item_code.as_deref(), Some("11350100MB0001-001"));
        let s = CaseSearch::parse("11010519491231002X");
        assert_eq!(s.id_number.as_deref(), Some("11010519491231002X"));
        assert_eq!(
            masked_query("11010519491231002X status:submitted"),
            "110105********002X status:submitted"
        );
    }
}
