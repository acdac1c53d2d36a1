//! The bimonthly performance review (双月考评) on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::supervision::review::{Award, ReviewStage};

/// A review opened by its notice.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    pub region_id: i64,
    pub title: String,
    /// The period reviewed, `[from, to)`: at most 92 days.
    pub period_from: DateTime<Utc>,
    pub period_to: DateTime<Utc>,
    pub notice: String,
}

/// A window's application.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    pub award: Award,
    /// The window, for a red-flag window.
    pub window_id: Option<i64>,
    /// The staff member, for a service star.
    pub staff_id: Option<i64>,
    pub statement: String,
}

/// A division's score of one application, 0 to 100.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScore {
    pub application_id: i64,
    pub score: i64,
    #[serde(default)]
    pub comment: String,
}

/// The office's proposed list.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    pub application_ids: Vec<i64>,
}

/// A text that moves the review on: the leader's opinion or the announcement.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewText {
    pub text: String,
}

/// The publicity of the list: how many working days it stays up (at least 5).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Publicity {
    pub working_days: u32,
}

/// The period's figures of an application, pre-filled from stored data at aggregation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewFigures {
    /// The department's cases submitted in the period, and the share concluded on time.
    pub cases: u64,
    pub on_time_rate: Option<f64>,
    /// Yellow and red cards opened on the department's cases in the period.
    pub anomalies: u64,
    /// Complaints about the window or the staff member in the period.
    pub complaints: u64,
    /// Ratings of the window or the staff member (upheld appeals left out).
    pub ratings: u64,
    pub satisfaction: Option<f64>,
    pub bad_ratings: u64,
}

/// A division's score.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Score {
    pub division_id: i64,
    pub score: i64,
    pub comment: String,
    pub scored_by: String,
    pub scored_at: DateTime<Utc>,
}

/// An application with its figures and scores.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Application {
    pub id: i64,
    pub award: Award,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    /// The window's or the staff member's name.
    pub name: String,
    pub department_id: Option<i64>,
    pub statement: String,
    pub figures: Option<ReviewFigures>,
    pub scores: Vec<Score>,
    /// The average of the divisions' scores.
    pub average_score: Option<f64>,
    pub proposed: bool,
    pub applied_by: String,
    pub created_at: DateTime<Utc>,
}

/// A review with its applications.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Review {
    pub id: i64,
    /// `KP-YYYYMMDD-000001`.
    pub review_no: String,
    pub region_id: i64,
    pub title: String,
    pub period_from: DateTime<Utc>,
    pub period_to: DateTime<Utc>,
    pub stage: ReviewStage,
    pub notice: String,
    pub leader_opinion: Option<String>,
    pub publicity_until: Option<DateTime<Utc>>,
    pub announcement: Option<String>,
    pub applications: Vec<Application>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
