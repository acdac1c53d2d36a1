//! The hall devices in the caller's scope, by hall and kind, kept current by `device.*` events
//! (each names a device, which is read again), with a filter and the device opened with Enter.

use yiwang_core::domain::ids::DeviceId;
use yiwang_core::wire::devices::{Device, DeviceDetail};
use yiwang_core::wire::events::Event;

use crate::i18n::Lang;
use crate::kinds;

#[derive(Debug, Clone, Default)]
pub struct Devices {
    /// Sorted by hall, kind, name.
    list: Vec<Device>,
    /// Rows passing the filter (indices into `list`); `None` without a filter.
    matching: Option<Vec<usize>>,
    pub filter: String,
    pub selected: usize,
    pub offset: usize,
    pub loaded: bool,
    pub error: Option<String>,
    /// The device opened with Enter, once read.
    pub detail: Option<Box<DeviceDetail>>,
}

fn order(d: &Device) -> (i64, String, String, i64) {
    (d.hall_id.0, d.kind.as_str(), d.name.clone(), d.id.0)
}

impl Devices {
    pub fn set_all(&mut self, mut list: Vec<Device>) {
        list.sort_by_key(order);
        self.list = list;
        self.loaded = true;
        self.error = None;
        self.refilter();
        self.clamp();
    }

    /// Takes a device as the server now has it.
    pub fn upsert(&mut self, d: Device) {
        match self.list.iter().position(|x| x.id == d.id) {
            Some(i) => self.list[i] = d.clone(),
            None => {
                let at = self.list.partition_point(|x| order(x) < order(&d));
                self.list.insert(at, d.clone());
            }
        }
        if let Some(o) = &mut self.detail
            && o.device.id == d.id
        {
            o.device = d;
        }
        self.refilter();
        self.clamp();
    }

    /// The device an event is about, if any.
    pub fn named_by(e: &Event) -> Option<DeviceId> {
        if !e.kind.starts_with("device.") {
            return None;
        }
        match e.payload["device_id"].as_i64() {
            Some(id) => Some(DeviceId(id)),
            None => (e.entity == "device").then_some(DeviceId(e.entity_id)),
        }
    }

    /// Sets the filter: every term must be part of the kind (code or label), name, hall id or
    /// status.
    pub fn set_filter(&mut self, filter: String) {
        self.filter = filter;
        self.selected = 0;
        self.offset = 0;
        self.refilter();
    }

    fn refilter(&mut self) {
        let terms: Vec<String> = self
            .filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        self.matching = (!terms.is_empty()).then(|| {
            (0..self.list.len())
                .filter(|&i| {
                    let d = &self.list[i];
                    let text = format!(
                        "{} {} {} hall:{} {} {}",
                        d.kind.as_str(),
                        kinds::device_kind(&d.kind, Lang::Zh),
                        d.name.to_lowercase(),
                        d.hall_id.0,
                        d.status.as_str(),
                        if d.online { "online" } else { "offline" },
                    );
                    terms.iter().all(|t| text.contains(t.as_str()))
                })
                .collect()
        });
    }

    fn clamp(&mut self) {
        let last = self.len().saturating_sub(1);
        self.selected = self.selected.min(last);
        self.offset = self.offset.min(self.selected);
    }

    pub fn len(&self) -> usize {
        self.matching.as_ref().map_or(self.list.len(), Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every device, whatever the filter.
    pub fn all(&self) -> &[Device] {
        &self.list
    }

    pub fn row(&self, row: usize) -> Option<&Device> {
        let i = match &self.matching {
            Some(m) => *m.get(row)?,
            None => row,
        };
        self.list.get(i)
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
