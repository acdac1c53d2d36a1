//! The live event feed: the latest events (bounded), newest first on screen, with a cursor and
//! a filter. Rows are only ever looked up by index, so the view builds just the visible ones.
//! Events are kept compact (the payload as its JSON text, parsed only when one is opened) and
//! the per-minute counts of the overview's sparklines are kept apart, so a busy server neither
//! grows the console nor shortens the sparklines' hour.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use yiwang_core::domain::ids::EventId;
use yiwang_core::wire::events::Event;

/// How many events the feed keeps: hours of a city's hall, ten seconds at 1,000 events/s.
pub const CAPACITY: usize = 10_000;
/// Minutes of counts kept for the sparklines.
const MINUTES: usize = 60;

/// One event as the feed keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEvent {
    pub id: EventId,
    pub at: DateTime<Utc>,
    pub kind: Box<str>,
    pub entity: Box<str>,
    pub entity_id: i64,
    /// The payload's JSON text.
    pub payload: Box<str>,
}

impl From<Event> for FeedEvent {
    fn from(e: Event) -> Self {
        FeedEvent {
            id: e.id,
            at: e.at,
            kind: e.kind.into_boxed_str(),
            entity: e.entity.into_boxed_str(),
            entity_id: e.entity_id,
            payload: e.payload.to_string().into_boxed_str(),
        }
    }
}

/// Events and `ticket.taken` events per minute, in a ring indexed by the minute since the epoch.
#[derive(Debug, Clone)]
struct Minutes {
    minute: [i64; MINUTES],
    all: [u64; MINUTES],
    taken: [u64; MINUTES],
}

impl Default for Minutes {
    fn default() -> Self {
        Minutes {
            minute: [i64::MIN; MINUTES],
            all: [0; MINUTES],
            taken: [0; MINUTES],
        }
    }
}

impl Minutes {
    fn slot(m: i64) -> usize {
        m.rem_euclid(MINUTES as i64) as usize
    }

    fn count(&mut self, e: &Event) {
        let m = e.at.timestamp().div_euclid(60);
        let i = Self::slot(m);
        if self.minute[i] != m {
            if self.minute[i] > m {
                return; // older than the ring holds
            }
            self.minute[i] = m;
            self.all[i] = 0;
            self.taken[i] = 0;
        }
        self.all[i] += 1;
        if e.kind == "ticket.taken" {
            self.taken[i] += 1;
        }
    }

    /// The counts of the `minutes` minutes up to `now`, oldest first; events stamped after
    /// `now` count in the current minute.
    fn series(&self, now: DateTime<Utc>, minutes: usize, taken: bool) -> Vec<u64> {
        let minutes = minutes.min(MINUTES);
        let current = now.timestamp().div_euclid(60);
        let mut out = vec![0u64; minutes];
        for i in 0..MINUTES {
            let n = if taken { self.taken[i] } else { self.all[i] };
            if self.minute[i] == i64::MIN || n == 0 {
                continue;
            }
            let ago = usize::try_from((current - self.minute[i]).max(0)).unwrap_or(usize::MAX);
            if ago < minutes {
                out[minutes - 1 - ago] += n;
            }
        }
        out
    }
}

#[derive(Debug, Clone, Default)]
pub struct Feed {
    /// Oldest first.
    events: VecDeque<FeedEvent>,
    /// Display rows (newest first) that pass the filter, as indices into `events`; `None` when
    /// no filter is set (every event shows).
    matching: Option<Vec<usize>>,
    minutes: Minutes,
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
            self.minutes.count(&e);
            self.events.push_back(e.into());
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
    pub fn row(&self, row: usize) -> Option<&FeedEvent> {
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

    /// `ticket.taken` events per minute for the `minutes` (at most 60) minutes up to `now`,
    /// oldest first.
    pub fn taken_per_minute(&self, now: DateTime<Utc>, minutes: usize) -> Vec<u64> {
        self.minutes.series(now, minutes, true)
    }

    /// Events per minute for the `minutes` (at most 60) minutes up to `now`, oldest minute
    /// first (the last one is the current minute; events stamped after `now` count there too).
    pub fn per_minute(&self, now: DateTime<Utc>, minutes: usize) -> Vec<u64> {
        self.minutes.series(now, minutes, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ev(id: i64, at: DateTime<Utc>, kind: &str) -> Event {
        Event {
            id: EventId(id),
            at,
            kind: kind.into(),
            entity: "ticket".into(),
            entity_id: id,
            region_id: None,
            payload: serde_json::json!({"number": format!("A{id:03}")}),
        }
    }

    #[test]
    fn the_feed_keeps_its_capacity_and_the_sparklines_keep_their_hour() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let mut f = Feed::default();
        // 30 minutes at 1,000 events a minute: three times the capacity.
        let mut id = 0;
        for minute in 0..30 {
            let at = t0 + chrono::Duration::minutes(minute);
            let batch: Vec<Event> = (0..1_000)
                .map(|n| {
                    id += 1;
                    ev(
                        id,
                        at,
                        if n % 4 == 0 {
                            "ticket.taken"
                        } else {
                            "ticket.called"
                        },
                    )
                })
                .collect();
            f.append(batch);
        }
        assert_eq!(f.len(), CAPACITY);
        assert_eq!(f.row(0).map(|e| e.id.0), Some(30_000), "newest first");
        let now = t0 + chrono::Duration::minutes(29);
        let all = f.per_minute(now, 60);
        assert_eq!(all.len(), 60);
        assert_eq!(all[..30], [0; 30], "nothing before the first minute");
        assert!(all[30..].iter().all(|&n| n == 1_000), "{all:?}");
        let taken = f.taken_per_minute(now, 60);
        assert!(taken[30..].iter().all(|&n| n == 250), "{taken:?}");
        // An hour later the old minutes have left the window.
        let later = now + chrono::Duration::minutes(60);
        assert_eq!(f.per_minute(later, 60).iter().sum::<u64>(), 0);
    }

    #[test]
    fn the_payload_is_kept_as_text_and_reads_back_whole() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let mut f = Feed::default();
        f.append(vec![ev(7, t0, "ticket.taken")]);
        let row = f.row(0).unwrap();
        let back: serde_json::Value = serde_json::from_str(&row.payload).unwrap();
        assert_eq!(back, serde_json::json!({"number": "A007"}));
        assert_eq!(&*row.kind, "ticket.taken");
    }
}
