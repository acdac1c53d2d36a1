//! The leader cockpit (领导驾驶舱) on the wire: a period and a region subtree in, figures,
//! comparisons, trends and top items out.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::domain::cockpit::{Counters, Figures, Granularity};

/// A period of local days (both ends included) over a region subtree, optionally one
/// department. Without `region_id`: the caller's own region.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CockpitQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    /// Trends: `day` (default), `week` or `month`.
    pub granularity: Option<Granularity>,
    /// Top items: how many (10 unless given, at most 100).
    pub limit: Option<u32>,
}

/// Which view an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CockpitView {
    Summary,
    Regions,
    Departments,
    Trend,
    Items,
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// An export: a view of a period, as CSV or XLSX, with Chinese column headers.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CockpitExportQuery {
    pub view: CockpitView,
    pub format: ExportFormat,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub granularity: Option<Granularity>,
    pub limit: Option<u32>,
}

impl CockpitExportQuery {
    /// The period and place, without the view and format.
    pub fn query(&self) -> CockpitQuery {
        CockpitQuery {
            from: self.from,
            to: self.to,
            region_id: self.region_id,
            department_id: self.department_id,
            granularity: self.granularity,
            limit: self.limit,
        }
    }
}

/// The region (and department) a figure covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CockpitPlace {
    pub region_id: i64,
    pub region_name: String,
    pub department_id: Option<i64>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The last event folded into the rollups: changes after it are not in the figures yet.
    pub as_of_event: i64,
}

/// The period's figures for the whole subtree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CockpitSummary {
    pub place: CockpitPlace,
    pub figures: Figures,
}

/// One region (a child of the one asked for, or the region itself for its own offices) or one
/// department, with its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CockpitRow {
    pub id: i64,
    pub name: String,
    pub figures: Figures,
}

/// Regions or departments side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CockpitComparison {
    pub place: CockpitPlace,
    pub rows: Vec<CockpitRow>,
}

/// One period of a trend (every period of the range, also the empty ones).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrendPoint {
    /// `2026-12-01`, `2026-W49` or `2026-12`.
    pub period: String,
    pub start: NaiveDate,
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CockpitTrend {
    pub place: CockpitPlace,
    pub granularity: Granularity,
    pub points: Vec<TrendPoint>,
}

/// An item with the cases received and concluded in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TopItem {
    pub item_code: String,
    pub name: String,
    pub received: i64,
    pub concluded: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CockpitItems {
    pub place: CockpitPlace,
    pub items: Vec<TopItem>,
}
