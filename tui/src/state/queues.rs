//! The halls' live queues: the server's snapshot of each hall (`GET /halls/{id}/queue` and its
//! waiting tickets), with what `ticket.*` and `window.*` events say applied on top at once, until
//! the next snapshot (which every such event asks for, coalesced by the worker) replaces it.
//!
//! The live state is one small request and is refreshed on every queue event. The waiting list
//! may be thousands of tickets (pages of 500), so it is kept up to date by the events (taken:
//! appended; called, served, finished, voided: removed) and read again only when an event cannot
//! say where a ticket went (skipped, transferred), at start, or when it disagrees with the
//! live state's count (the self-check after every snapshot).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use yiwang_core::domain::ids::{AreaId, HallId, WindowId};
use yiwang_core::wire::events::Event;
use yiwang_core::wire::queue::{CurrentTicket, QueueState, StaffOnDuty, TicketEvent, WindowEvent};

/// One ticket in a waiting list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub ticket_id: i64,
    pub number: String,
    pub area_id: AreaId,
    pub taken_at: DateTime<Utc>,
}

/// One hall as the console knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HallQueue {
    pub id: HallId,
    pub name: String,
    /// The last snapshot, with events applied since; `None` until the first one arrives.
    pub live: Option<QueueState>,
    /// Waiting tickets, oldest ticket first (the server's list order).
    pub waiting: Vec<Waiting>,
    /// Snapshots in a row whose count disagreed with the list.
    disagreements: u8,
}

impl HallQueue {
    pub fn new(id: HallId, name: String) -> HallQueue {
        HallQueue {
            id,
            name,
            live: None,
            waiting: Vec::new(),
            disagreements: 0,
        }
    }

    /// Tickets waiting: the snapshot's count per area, with events applied.
    pub fn waiting_count(&self) -> i64 {
        match &self.live {
            Some(l) => l.areas.iter().map(|a| a.waiting).sum(),
            None => self.waiting.len() as i64,
        }
    }

    /// Windows with a ticket called or in service.
    pub fn serving_count(&self) -> usize {
        self.live.as_ref().map_or(0, |l| {
            l.windows.iter().filter(|w| w.current.is_some()).count()
        })
    }

    /// Windows with staff signed in.
    pub fn on_duty(&self) -> usize {
        self.live.as_ref().map_or(0, |l| {
            l.windows.iter().filter(|w| w.staff.is_some()).count()
        })
    }

    /// How long the longest-waiting ticket (of an area, or of the hall) has waited at `now`.
    pub fn longest_wait(&self, area: Option<AreaId>, now: DateTime<Utc>) -> Option<Duration> {
        self.waiting
            .iter()
            .filter(|w| area.is_none_or(|a| w.area_id == a))
            .map(|w| w.taken_at)
            .min()
            .map(|t| waited(t, now))
    }

    /// The mean time the tickets waiting now have waited so far.
    pub fn average_wait(&self, now: DateTime<Utc>) -> Option<Duration> {
        if self.waiting.is_empty() {
            return None;
        }
        let total: u64 = self
            .waiting
            .iter()
            .map(|w| waited(w.taken_at, now).as_secs())
            .sum();
        Some(Duration::from_secs(total / self.waiting.len() as u64))
    }

    fn area_waiting(&mut self, area: AreaId, delta: i64) {
        if let Some(a) = self
            .live
            .as_mut()
            .and_then(|l| l.areas.iter_mut().find(|a| a.area_id == area))
        {
            a.waiting = (a.waiting + delta).max(0);
        }
    }

    fn remove_waiting(&mut self, ticket_id: i64) -> Option<Waiting> {
        let at = self.waiting.iter().position(|w| w.ticket_id == ticket_id)?;
        let w = self.waiting.remove(at);
        self.area_waiting(w.area_id, -1);
        Some(w)
    }

    fn set_current(&mut self, window: Option<WindowId>, current: Option<CurrentTicket>) {
        let (Some(window), Some(l)) = (window, self.live.as_mut()) else {
            return;
        };
        if let Some(w) = l.windows.iter_mut().find(|w| w.window_id == window) {
            w.current = current;
        }
    }

    fn clear_current(&mut self, ticket_id: i64) {
        if let Some(l) = self.live.as_mut() {
            for w in &mut l.windows {
                if w.current.as_ref().is_some_and(|c| c.ticket_id == ticket_id) {
                    w.current = None;
                }
            }
        }
    }

    /// Applies what a `ticket.*` event says.
    fn apply_ticket(&mut self, kind: &str, at: DateTime<Utc>, t: TicketEvent) {
        match kind {
            "ticket.taken" => {
                if !self.waiting.iter().any(|w| w.ticket_id == t.ticket_id) {
                    self.waiting.push(Waiting {
                        ticket_id: t.ticket_id,
                        number: t.number,
                        area_id: t.area_id,
                        taken_at: at,
                    });
                    self.area_waiting(t.area_id, 1);
                }
            }
            "ticket.called" | "ticket.recalled" | "ticket.serving" => {
                self.remove_waiting(t.ticket_id);
                self.clear_current(t.ticket_id);
                self.set_current(
                    t.window_id,
                    Some(CurrentTicket {
                        ticket_id: t.ticket_id,
                        number: t.number,
                        status: t.status,
                    }),
                );
            }
            // Back in a queue (skip, transfer): its place and waited time come with the next
            // snapshot; here it only leaves its window.
            _ => {
                self.remove_waiting(t.ticket_id);
                self.clear_current(t.ticket_id);
            }
        }
    }

    fn apply_window(&mut self, kind: &str, at: DateTime<Utc>, w: WindowEvent) {
        let Some(l) = self.live.as_mut() else {
            return;
        };
        let Some(win) = l.windows.iter_mut().find(|x| x.window_id == w.window_id) else {
            return;
        };
        win.staff = (kind == "window.signed_in").then_some(StaffOnDuty {
            user_id: w.user_id,
            name: w.username,
            since: at,
        });
        let area = win.area_id;
        if let Some(area) = area {
            let on_duty = l
                .windows
                .iter()
                .filter(|x| x.area_id == Some(area) && x.staff.is_some())
                .count() as i64;
            if let Some(a) = l.areas.iter_mut().find(|a| a.area_id == area) {
                a.windows_on_duty = on_duty;
            }
        }
    }
}

fn waited(since: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    Duration::from_secs(u64::try_from((now - since).num_seconds()).unwrap_or(0))
}

/// Every hall the caller may read, and where the Queues view stands.
#[derive(Debug, Clone, Default)]
pub struct Queues {
    /// `None` until the hall list arrived (or when the caller may not read queues).
    pub halls: Option<Vec<HallQueue>>,
    /// The hall on screen (index into `halls`).
    pub hall: usize,
    /// Row of the waiting list under the cursor, and the first row on screen.
    pub selected: usize,
    pub offset: usize,
    /// Why the hall list could not be read, until it can.
    pub error: Option<String>,
}

impl Queues {
    /// Takes the hall list, keeping what is known of halls already there.
    pub fn set_halls(&mut self, list: Vec<(HallId, String)>) {
        let mut old: HashMap<HallId, HallQueue> = self
            .halls
            .take()
            .unwrap_or_default()
            .into_iter()
            .map(|h| (h.id, h))
            .collect();
        let halls = list
            .into_iter()
            .map(|(id, name)| match old.remove(&id) {
                Some(mut h) => {
                    h.name = name;
                    h
                }
                None => HallQueue::new(id, name),
            })
            .collect::<Vec<_>>();
        self.hall = self.hall.min(halls.len().saturating_sub(1));
        self.halls = Some(halls);
        self.clamp();
    }

    /// Replaces a hall's live state, and its waiting list when one was read with it. Returns
    /// what to read again when the list disagrees with the live count: the live state once
    /// (under load the events that explain it are usually still on their way), the waiting list
    /// too when it disagrees a second time in a row. Without the first re-read, a disagreement
    /// left by the last event of a burst would stay on screen, since no later event asks again.
    pub fn set_snapshot(
        &mut self,
        live: QueueState,
        waiting: Option<Vec<Waiting>>,
    ) -> Option<bool> {
        let id = live.hall_id;
        let halls = self.halls.get_or_insert_with(Vec::new);
        let h = match halls.iter_mut().find(|h| h.id == id) {
            Some(h) => h,
            None => {
                halls.push(HallQueue::new(id, format!("#{}", id.0)));
                let last = halls.len() - 1;
                &mut halls[last]
            }
        };
        h.live = Some(live);
        let listed = waiting.is_some();
        if let Some(w) = waiting {
            h.waiting = w;
        }
        h.disagreements = if h.waiting.len() as i64 == h.waiting_count() || listed {
            0
        } else {
            h.disagreements.saturating_add(1)
        };
        let again = match h.disagreements {
            0 => None,
            1 => Some(false),
            _ => {
                h.disagreements = 0;
                Some(true)
            }
        };
        self.clamp();
        again
    }

    /// Applies a queue event; returns the hall whose snapshot it makes worth refreshing, and
    /// whether its waiting list must be read again too (the event does not say where the ticket
    /// now stands in it).
    pub fn apply(&mut self, e: &Event) -> Option<(HallId, bool)> {
        if e.kind.starts_with("ticket.") {
            let t: TicketEvent = serde_json::from_value(e.payload.clone()).ok()?;
            let hall = t.hall_id;
            let relist = matches!(e.kind.as_str(), "ticket.skipped" | "ticket.transferred");
            if let Some(h) = self.get_mut(hall) {
                h.apply_ticket(&e.kind, e.at, t);
            }
            self.clamp();
            Some((hall, relist))
        } else if e.kind.starts_with("window.signed_") {
            let w: WindowEvent = serde_json::from_value(e.payload.clone()).ok()?;
            let hall = w.hall_id;
            if let Some(h) = self.get_mut(hall) {
                h.apply_window(&e.kind, e.at, w);
            }
            Some((hall, false))
        } else {
            None
        }
    }

    fn get_mut(&mut self, id: HallId) -> Option<&mut HallQueue> {
        self.halls.as_mut()?.iter_mut().find(|h| h.id == id)
    }

    /// The hall on screen.
    pub fn current(&self) -> Option<&HallQueue> {
        self.halls.as_ref()?.get(self.hall)
    }

    /// Switches hall by `delta` (wrapping), the cursor back at the top.
    pub fn switch_hall(&mut self, delta: isize) {
        let n = self.halls.as_ref().map_or(0, Vec::len);
        if n == 0 {
            return;
        }
        self.hall = (self.hall as isize + delta).rem_euclid(n as isize) as usize;
        self.selected = 0;
        self.offset = 0;
    }

    /// Moves the waiting-list cursor by `delta`, keeping it in the `height` rows on screen.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        let last = self
            .current()
            .map_or(0, |h| h.waiting.len())
            .saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }

    fn clamp(&mut self) {
        let last = self
            .current()
            .map_or(0, |h| h.waiting.len())
            .saturating_sub(1);
        self.selected = self.selected.min(last);
        self.offset = self.offset.min(self.selected);
    }

    /// Halls known, in list order.
    pub fn ids(&self) -> Vec<HallId> {
        self.halls
            .as_ref()
            .map_or_else(Vec::new, |h| h.iter().map(|h| h.id).collect())
    }
}

/// At most one refresh per hall per `gap`: requests in between are merged into one that runs
/// when the gap has passed (reading the waiting list if any of them asked for it). Pure (the
/// caller passes the time), so it is tested without sleeping.
#[derive(Debug, Clone)]
pub struct Coalescer<T> {
    gap: Duration,
    last: HashMap<HallId, T>,
    pending: BTreeMap<HallId, bool>,
}

impl<T> Coalescer<T>
where
    T: Copy + Ord + std::ops::Add<Duration, Output = T>,
{
    pub fn new(gap: Duration) -> Self {
        Coalescer {
            gap,
            last: HashMap::new(),
            pending: BTreeMap::new(),
        }
    }

    /// Asks for a refresh of `hall` (`waiting`: its waiting list too).
    pub fn ask(&mut self, hall: HallId, waiting: bool) {
        *self.pending.entry(hall).or_default() |= waiting;
    }

    /// The halls to fetch at `now` (with whether to read their waiting lists), each marked as
    /// fetched now.
    pub fn due(&mut self, now: T) -> Vec<(HallId, bool)> {
        let due: Vec<(HallId, bool)> = self
            .pending
            .iter()
            .map(|(h, w)| (*h, *w))
            .filter(|(h, _)| self.last.get(h).is_none_or(|t| *t + self.gap <= now))
            .collect();
        for (h, _) in &due {
            self.pending.remove(h);
            self.last.insert(*h, now);
        }
        due
    }

    /// When the next pending refresh falls due (`now` for a hall never fetched).
    pub fn next_due(&self, now: T) -> Option<T> {
        self.pending
            .keys()
            .map(|h| self.last.get(h).map_or(now, |t| *t + self.gap))
            .min()
    }
}
