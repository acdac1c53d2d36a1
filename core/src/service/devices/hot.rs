//! The devices' hot state, in memory: liveness, health, pending commands and what each device
//! should show. Heartbeats touch only this; changes of state wait here for the next batch.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use tokio::sync::{Notify, watch};

use crate::clock::Millis;
use crate::domain::access::Target;
use crate::domain::ids::DepartmentId;
use crate::wire::devices::{DeviceCommand, DeviceKind, DeviceStatus, DisplayState, Health};

/// A device's hot state plus the bell its long-poll waits on: what a device token resolves to.
pub struct Slot {
    pub(crate) id: i64,
    /// Rung when a command is queued for the device (or its status changes).
    pub(crate) notify: Notify,
    live: Mutex<Live>,
}

impl Slot {
    /// The device this is.
    pub fn device_id(&self) -> crate::domain::ids::DeviceId {
        crate::domain::ids::DeviceId(self.id)
    }

    pub(crate) fn new(id: i64, live: Live) -> Self {
        Slot {
            id,
            notify: Notify::new(),
            live: Mutex::new(live),
        }
    }

    /// The state, even if a panicking holder poisoned the lock (it holds plain data).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Where a device is and who may reach it: copied into every change and event.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub hall_id: i64,
    pub window_id: Option<i64>,
    pub region_id: i64,
    pub region_path: String,
    /// The window's department, so department-scoped staff reach their windows' devices.
    pub department_id: Option<i64>,
    pub user_id: i64,
    pub kind: DeviceKind,
    pub name: String,
}

impl Place {
    pub fn target(&self) -> Target<'_> {
        Target {
            region_path: Some(&self.region_path),
            department_id: self.department_id.map(DepartmentId),
            owner_id: None,
        }
    }
}

/// One device's hot state.
#[derive(Debug, Clone)]
pub(crate) struct Live {
    pub place: Place,
    pub status: DeviceStatus,
    pub interval_ms: i64,
    pub online: bool,
    pub last_seen: Option<Millis>,
    pub firmware: Option<String>,
    pub capabilities: Vec<String>,
    pub health: Option<Health>,
    /// Queued and not acknowledged, oldest first.
    pub pending: Vec<Pending>,
    pub display: DisplayState,
}

impl Live {
    /// The device is offline after three heartbeat intervals without a sign of life.
    pub fn allowance_ms(&self) -> i64 {
        self.interval_ms * 3
    }
}

/// A queued command and when it was last handed to the device.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub cmd: DeviceCommand,
    pub expires_ms: Millis,
    pub delivered_at: Option<Millis>,
}

/// A change of state to persist with the next batch.
#[derive(Debug, Clone)]
pub(crate) enum LiveChange {
    Online {
        place: Place,
        device: i64,
        at: Millis,
    },
    Offline {
        place: Place,
        device: i64,
        at: Millis,
        last_seen: Millis,
    },
    Firmware {
        place: Place,
        device: i64,
        at: Millis,
        before: Option<String>,
        firmware: String,
        capabilities: Vec<String>,
    },
    Expired {
        place: Place,
        device: i64,
        command: i64,
        kind: &'static str,
        at: Millis,
    },
}

/// Every device's hot state on this node; cheap to clone.
#[derive(Clone)]
pub struct DeviceHub {
    inner: Arc<Inner>,
}

impl Default for DeviceHub {
    fn default() -> Self {
        DeviceHub {
            inner: Arc::new(Inner {
                slots: RwLock::default(),
                by_user: RwLock::default(),
                changes: Mutex::default(),
                heartbeats: AtomicU64::default(),
                flushes: AtomicU64::default(),
                stop: watch::channel(false).0,
            }),
        }
    }
}

struct Inner {
    slots: RwLock<HashMap<i64, Arc<Slot>>>,
    by_user: RwLock<HashMap<i64, i64>>,
    changes: Mutex<Vec<LiveChange>>,
    heartbeats: AtomicU64,
    flushes: AtomicU64,
    /// Set when the node stops: the background tasks write what is left and end.
    stop: watch::Sender<bool>,
}

impl DeviceHub {
    pub(crate) fn slot(&self, id: i64) -> Option<Arc<Slot>> {
        self.inner
            .slots
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
    }

    pub(crate) fn slot_of_user(&self, user: i64) -> Option<Arc<Slot>> {
        let id = *self
            .inner
            .by_user
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&user)?;
        self.slot(id)
    }

    /// Adds or replaces a device's slot; a replaced slot's waiters are woken.
    pub(crate) fn insert(&self, id: i64, live: Live) -> Arc<Slot> {
        let user = live.place.user_id;
        let slot = Arc::new(Slot::new(id, live));
        let old = self
            .inner
            .slots
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, slot.clone());
        self.inner
            .by_user
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(user, id);
        if let Some(old) = old {
            old.notify.notify_waiters();
        }
        slot
    }

    /// Forgets a retired device.
    pub(crate) fn remove(&self, id: i64) {
        let old = self
            .inner
            .slots
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        if let Some(old) = old {
            let user = old.lock().place.user_id;
            self.inner
                .by_user
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&user);
            old.notify.notify_waiters();
        }
    }

    /// Runs `f` on every device, under the map's read lock (registrations wait meanwhile).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Slot)) {
        for slot in self
            .inner
            .slots
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            f(slot);
        }
    }

    /// Asks the background tasks to write what is left and stop.
    pub fn shutdown(&self) {
        self.inner.stop.send_replace(true);
    }

    pub(crate) fn stopping(&self) -> watch::Receiver<bool> {
        self.inner.stop.subscribe()
    }

    pub(crate) fn all(&self) -> Vec<Arc<Slot>> {
        self.inner
            .slots
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    pub(crate) fn push_change(&self, c: LiveChange) {
        self.inner
            .changes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(c);
    }

    pub(crate) fn has_changes(&self) -> bool {
        !self
            .inner
            .changes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    pub(crate) fn take_changes(&self) -> Vec<LiveChange> {
        std::mem::take(&mut *self.inner.changes.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Puts back changes a failed batch could not write, ahead of newer ones.
    pub(crate) fn requeue(&self, mut failed: Vec<LiveChange>) {
        let mut changes = self.inner.changes.lock().unwrap_or_else(|p| p.into_inner());
        failed.append(&mut changes);
        *changes = failed;
    }

    pub(crate) fn count_heartbeat(&self) {
        self.inner.heartbeats.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_flush(&self) {
        self.inner.flushes.fetch_add(1, Ordering::Relaxed);
    }

    /// Heartbeats received since start (none of them written to the database).
    pub fn heartbeats(&self) -> u64 {
        self.inner.heartbeats.load(Ordering::Relaxed)
    }

    /// Batches of liveness changes written since start (at most one a second).
    pub fn flushes(&self) -> u64 {
        self.inner.flushes.load(Ordering::Relaxed)
    }

    /// Devices known to this node, and how many of them are online.
    pub fn counts(&self) -> (usize, usize) {
        let (mut known, mut online) = (0, 0);
        self.for_each(|s| {
            known += 1;
            online += usize::from(s.lock().online);
        });
        (known, online)
    }
}
