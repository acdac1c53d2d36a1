//! The live event feed: the latest events (bounded), newest first on screen, with a cursor and
//! a filter. Rows are only ever looked up by index, so the view builds just the visible ones.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use yiwang_core::wire::events::Event;

/// How many events the console keeps.
pub const CAPACITY: usize = 100_000;

#[derive(Debug, Clone, Default)]
pub struct Feed {
    /// Oldest first.
    events: VecDeque<Event>,
    /// Display rows (newest first) that pass the filter, as indices into `events`; `None` when
    /// no filter is set (every event shows).
    matching: Option<Vec<usize>>,
    pub filter: String,
    /// Row under the cursor, counted from the top (the newest).
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
    /// The highest id seen: where a resumed stream starts.
    pub last_id: i64,
}

impl Feed {
    /// Appends events, skipping any already seen; returns how many were new.
    pub fn append(&mut self, events: Vec<Event>) -> usize {
        let before = self.len();
        let mut added = 0;
        for e in events {
            if e.id.0 <= self.last_id {
                continue;
            }
            self.last_id = e.id.0;
            self.events.push_back(e);
            added += 1;
        }
        let dropped = self.events.len().saturating_sub(CAPACITY);
        self.events.drain(..dropped);
        if added > 0 && !self.filter.is_empty() {
            self.refilter();
        }
        // Keep the cursor on the same event unless it follows the newest (row 0).
        let shift = (self.len() + dropped).saturating_sub(before);
        if self.selected > 0 {
            self.selected += shift;
            self.offset += shift;
        }
        self.clamp();
        added
    }

    /// Sets the filter (case-insensitive substring of kind, entity or id).
    pub fn set_filter(&mut self, filter: String) {
        self.filter = filter;
        self.selected = 0;
        self.offset = 0;
        self.refilter();
    }

    fn refilter(&mut self) {
        if self.filter.is_empty() {
            self.matching = None;
            return;
        }
        let needle = self.filter.to_lowercase();
        let n = self.events.len();
        self.matching = Some(
            (0..n)
                .rev()
                .filter(|&i| {
                    let e = &self.events[i];
                    e.kind.to_lowercase().contains(&needle)
                        || e.entity.to_lowercase().contains(&needle)
                        || e.entity_id.to_string() == needle
                })
                .collect(),
        );
    }

    /// Rows on display (after the filter).
    pub fn len(&self) -> usize {
        self.matching.as_ref().map_or(self.events.len(), Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The event shown on row `row` (0 = newest).
    pub fn row(&self, row: usize) -> Option<&Event> {
        let i = match &self.matching {
            Some(m) => *m.get(row)?,
            None => self.events.len().checked_sub(row + 1)?,
        };
        self.events.get(i)
    }

    /// Moves the cursor by `delta` rows, keeping it on screen (`height` rows tall).
    pub fn move_by(&mut self, delta: isize, height: usize) {
        let last = self.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
        self.scroll_into_view(height);
    }

    /// Keeps the selected row between `offset` and `offset + height`.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }

    fn clamp(&mut self) {
        let last = self.len().saturating_sub(1);
        self.selected = self.selected.min(last);
        self.offset = self.offset.min(self.selected);
    }

    /// `ticket.taken` events per minute for the `minutes` minutes up to `now`, oldest first.
    pub fn taken_per_minute(&self, now: DateTime<Utc>, minutes: usize) -> Vec<u64> {
        crate::state::queues::taken_per_minute(self.events.iter(), now, minutes)
    }

    /// Events per minute for the `minutes` minutes up to `now`, oldest minute first (the last
    /// one is the current minute; events stamped after `now` count there too).
    pub fn per_minute(&self, now: DateTime<Utc>, minutes: usize) -> Vec<u64> {
        let mut out = vec![0u64; minutes];
        for e in self.events.iter().rev() {
            let ago = usize::try_from((now - e.at).num_seconds().max(0) / 60).unwrap_or(usize::MAX);
            if ago >= minutes {
                break;
            }
            out[minutes - 1 - ago] += 1;
        }
        out
    }
}
