//! Wire types: the JSON shapes of the API, shared with the console and the device side.

pub mod auth;
pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod catalogue_sync;
pub mod cockpit;
pub mod combined;
pub mod complaints;
pub mod courier;
pub mod data_sharing;
pub mod device_display;
pub mod device_protocol;
pub mod devices;
pub mod events;
pub mod follow_up;
pub mod integrations;
pub mod intermediaries;
pub mod licenses;
pub mod org;
pub mod portal;
pub mod publicity;
pub mod queue;
pub mod regulation;
pub mod review;
pub mod supervision;

use serde::{Deserialize, Serialize};

/// One page of a list, with the cursor to ask for the next (absent on the last page).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; `null` when this page is the last.
    pub next_after: Option<i64>,
}

/// Cursor-pagination query: items with id greater than `after`, at most `limit` of them.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

impl PageQuery {
    /// Page size, defaulting to 50 and capped at 500.
    pub fn limit(&self) -> i64 {
        i64::from(self.limit.unwrap_or(50).clamp(1, 500))
    }

    pub fn after(&self) -> i64 {
        self.after.unwrap_or(0)
    }
}

/// Builds a page from `limit + 1` fetched rows: the extra row only says whether more exist.
pub fn page_of<T>(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    let next_after = if more { rows.last().map(&id) } else { None };
    Page {
        items: rows,
        next_after,
    }
}

/// Converts stored Unix milliseconds to a UTC time for the wire.
pub fn time(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_page_points_at_its_last_item() {
        let p = page_of(vec![1, 2, 3], 2, |x| *x);
        assert_eq!(p.items, vec![1, 2]);
        assert_eq!(p.next_after, Some(2));
        let last = page_of(vec![1, 2], 2, |x| *x);
        assert_eq!(last.next_after, None);
    }
}
