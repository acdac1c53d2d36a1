//! The in-memory projection of every open case's clocks, and the timer over it.
//!
//! Cases are kept in two parallel vectors sorted by case id (ids only grow, so a new case is an
//! append; a lookup is a binary search), 52 bytes a case, plus one 8-byte entry per case in a
//! min-heap of the rank at which the case's verdicts may next change. Waking at a rank pops only
//! the cases due then, so the steady cost follows the cases that cross something, not the cases
//! that are open. Removed cases leave a tombstone until more than half are dead, then the
//! vectors and the heap are compacted.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::facts::{CaseClocks, NO_RANK};

/// Status code of a removed slot.
const DEAD: u8 = u8::MAX;

/// Every open case's clocks, and when each is next due.
#[derive(Debug, Default)]
pub struct Projection {
    ids: Vec<i64>,
    slots: Vec<CaseClocks>,
    heap: BinaryHeap<Reverse<(i32, u32)>>,
    dead: usize,
}

impl Projection {
    pub fn with_capacity(n: usize) -> Self {
        Projection {
            ids: Vec::with_capacity(n),
            slots: Vec::with_capacity(n),
            heap: BinaryHeap::with_capacity(n),
            dead: 0,
        }
    }

    /// A projection of cases given in strictly increasing id order (a snapshot's), every one
    /// scheduled at its own `next`.
    pub(super) fn from_sorted(ids: Vec<i64>, slots: Vec<CaseClocks>) -> Self {
        let mut p = Projection {
            ids,
            slots,
            heap: BinaryHeap::new(),
            dead: 0,
        };
        p.rebuild_heap();
        p
    }

    /// Open cases held.
    pub fn len(&self) -> usize {
        self.ids.len() - self.dead
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held per open case (vectors' capacity and heap, over live cases).
    pub fn bytes_per_case(&self) -> usize {
        let bytes = self.ids.capacity() * size_of::<i64>()
            + self.slots.capacity() * size_of::<CaseClocks>()
            + self.heap.capacity() * size_of::<Reverse<(i32, u32)>>();
        bytes / self.len().max(1)
    }

    fn index(&self, id: i64) -> Option<usize> {
        let i = self.ids.binary_search(&id).ok()?;
        (self.slots.get(i)?.status != DEAD).then_some(i)
    }

    /// The clocks of case `id`, if it is held.
    pub fn get(&self, id: i64) -> Option<&CaseClocks> {
        self.index(id).and_then(|i| self.slots.get(i))
    }

    /// The case id and clocks at a slot index returned by [`Projection::due`].
    pub fn at(&self, index: u32) -> Option<(i64, &CaseClocks)> {
        let i = index as usize;
        let slot = self.slots.get(i).filter(|s| s.status != DEAD)?;
        Some((*self.ids.get(i)?, slot))
    }

    /// Stores (or replaces) a case's clocks and schedules it at `clocks.next`.
    pub fn upsert(&mut self, id: i64, clocks: CaseClocks) {
        let i = match self.ids.binary_search(&id) {
            Ok(i) => {
                if self.slots.get(i).is_some_and(|s| s.status == DEAD) {
                    self.dead -= 1;
                }
                if let Some(s) = self.slots.get_mut(i) {
                    *s = clocks;
                }
                i
            }
            Err(i) => {
                self.ids.insert(i, id);
                self.slots.insert(i, clocks);
                if i + 1 < self.ids.len() {
                    // Indices after `i` moved: the heap must be rebuilt.
                    self.rebuild_heap();
                    return;
                }
                i
            }
        };
        self.push(i, clocks.next);
    }

    /// Forgets a case (it closed).
    pub fn remove(&mut self, id: i64) {
        if let Some(i) = self.index(id)
            && let Some(s) = self.slots.get_mut(i)
        {
            s.status = DEAD;
            s.next = NO_RANK;
            self.dead += 1;
            if self.dead * 2 > self.ids.len() {
                self.compact();
            }
        }
    }

    /// Re-schedules the case at slot `index` (after re-judging it at a wake).
    pub fn reschedule(&mut self, index: u32, next: i32) {
        if let Some(s) = self.slots.get_mut(index as usize) {
            s.next = next;
            self.push(index as usize, next);
        }
    }

    fn push(&mut self, i: usize, next: i32) {
        if next != NO_RANK
            && let Ok(i) = u32::try_from(i)
        {
            self.heap.push(Reverse((next, i)));
        }
    }

    /// Pops the cases due at or before `rank` (each once; stale heap entries are skipped).
    pub fn due(&mut self, rank: i32, out: &mut Vec<u32>) {
        while let Some(&Reverse((at, i))) = self.heap.peek() {
            if at > rank {
                break;
            }
            self.heap.pop();
            if self
                .slots
                .get(i as usize)
                .is_some_and(|s| s.status != DEAD && s.next == at)
            {
                if let Some(s) = self.slots.get_mut(i as usize) {
                    s.next = NO_RANK;
                }
                out.push(i);
            }
        }
    }

    /// The rank of the earliest pending wake.
    pub fn next_wake(&self) -> Option<i32> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// A full re-check without the heap: every live case due at or before `rank`.
    pub fn full_check(&self, rank: i32, out: &mut Vec<u32>) {
        out.extend(
            self.slots
                .iter()
                .enumerate()
                .filter(|(_, s)| s.next != NO_RANK && s.next <= rank && s.status != DEAD)
                .filter_map(|(i, _)| u32::try_from(i).ok()),
        );
    }

    /// Every live case, for a re-judgement after the rules changed.
    pub fn iter(&self) -> impl Iterator<Item = (u32, i64, &CaseClocks)> {
        self.ids
            .iter()
            .zip(&self.slots)
            .enumerate()
            .filter(|(_, (_, s))| s.status != DEAD)
            .filter_map(|(i, (id, s))| Some((u32::try_from(i).ok()?, *id, s)))
    }

    fn compact(&mut self) {
        let mut keep = self.slots.iter().map(|s| s.status != DEAD);
        self.ids.retain(|_| keep.next().unwrap_or(false));
        self.slots.retain(|s| s.status != DEAD);
        self.dead = 0;
        self.rebuild_heap();
    }

    fn rebuild_heap(&mut self) {
        let entries: Vec<Reverse<(i32, u32)>> = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.status != DEAD && s.next != NO_RANK)
            .filter_map(|(i, s)| Some(Reverse((s.next, u32::try_from(i).ok()?))))
            .collect();
        self.heap = BinaryHeap::from(entries);
    }
}
