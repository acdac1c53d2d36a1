//! The operations monitoring centre's figures, derived from successive `/metrics` scrapes.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use crate::metrics_text::{Scrape, bucket_delta, quantile};

/// Request rates kept for the sparkline.
pub const RATE_HISTORY: usize = 240;
/// A p99 above this is red.
pub const P99_LIMIT_S: f64 = 0.5;
/// More WAL frames than this waiting for a checkpoint is red.
pub const WAL_LIMIT: f64 = 20_000.0;

/// One background job's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct JobFigures {
    pub name: String,
    pub runs: f64,
    pub failures: f64,
    /// Failures grew since the previous scrape.
    pub failing: bool,
}

/// A lag longer than this (seconds) is red: a peer that far behind is a problem to look at.
pub const LAG_LIMIT_S: f64 = 300.0;

/// One integration connector's delivery figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorFigures {
    pub name: String,
    pub backlog: f64,
    pub parked: f64,
    pub lag_s: f64,
    pub paused: bool,
}

impl ConnectorFigures {
    /// Parked deliveries need someone to replay them; a long lag means the peer is down.
    pub fn in_trouble(&self) -> bool {
        self.parked > 0.0 || self.lag_s > LAG_LIMIT_S
    }
}

/// Everything the Health view shows from metrics.
#[derive(Debug, Clone, Default)]
pub struct HealthState {
    last: Option<(DateTime<Utc>, Scrape)>,
    /// Requests per second between successive scrapes, oldest first.
    pub rates: VecDeque<f64>,
    pub p50_s: Option<f64>,
    pub p99_s: Option<f64>,
    pub pool_connections: Option<f64>,
    pub pool_idle: Option<f64>,
    pub writer_commits: Option<f64>,
    pub wal_frames: Option<f64>,
    pub event_log_head: Option<f64>,
    pub leader: Option<bool>,
    pub jobs: Vec<JobFigures>,
    pub connectors: Vec<ConnectorFigures>,
    pub scraped_at: Option<DateTime<Utc>>,
}

const DURATION: &str = "yiwang_http_request_duration_seconds";

impl HealthState {
    /// Takes a new scrape: rates and latency over the interval since the previous one.
    pub fn observe(&mut self, at: DateTime<Utc>, scrape: Scrape) {
        let total = scrape.sum("yiwang_http_requests_total").unwrap_or(0.0);
        let buckets = scrape.buckets(DURATION);
        let previous = self.last.take();
        let window = match &previous {
            Some((prev_at, prev)) => {
                let dt = (at - *prev_at).num_milliseconds() as f64 / 1000.0;
                let prev_total = prev.sum("yiwang_http_requests_total").unwrap_or(0.0);
                if dt > 0.0 {
                    self.push_rate(((total - prev_total) / dt).max(0.0));
                }
                bucket_delta(&buckets, &prev.buckets(DURATION))
            }
            None => buckets.clone(),
        };
        // An interval without requests says nothing about latency: use the lifetime figures.
        let window = if window.last().is_some_and(|(_, c)| *c > 0.0) {
            window
        } else {
            buckets
        };
        self.p50_s = quantile(&window, 0.5);
        self.p99_s = quantile(&window, 0.99);
        self.pool_connections = scrape.sum("yiwang_db_pool_connections");
        self.pool_idle = scrape.sum("yiwang_db_pool_idle");
        self.writer_commits = scrape.sum("yiwang_writer_commits");
        self.wal_frames = scrape.sum("yiwang_wal_frames_unchecked");
        self.event_log_head = scrape.sum("yiwang_event_log_head");
        self.leader = scrape.sum("yiwang_node_leader").map(|v| v > 0.0);
        self.jobs = jobs(&scrape, &self.jobs);
        self.connectors = connectors(&scrape);
        self.scraped_at = Some(at);
        self.last = Some((at, scrape));
    }

    fn push_rate(&mut self, r: f64) {
        self.rates.push_back(r);
        while self.rates.len() > RATE_HISTORY {
            self.rates.pop_front();
        }
    }

    /// The latest request rate.
    pub fn rate(&self) -> Option<f64> {
        self.rates.back().copied()
    }

    pub fn p99_too_slow(&self) -> bool {
        self.p99_s.is_some_and(|p| p > P99_LIMIT_S)
    }

    pub fn wal_too_long(&self) -> bool {
        self.wal_frames.is_some_and(|w| w > WAL_LIMIT)
    }

    pub fn pool_exhausted(&self) -> bool {
        matches!((self.pool_connections, self.pool_idle), (Some(c), Some(i)) if c > 0.0 && i <= 0.0)
    }
}

fn connectors(scrape: &Scrape) -> Vec<ConnectorFigures> {
    let of = |metric: &str, name: &str| {
        scrape
            .all(metric)
            .find(|s| s.label("connector") == Some(name))
            .map_or(0.0, |s| s.value)
    };
    let mut out: Vec<ConnectorFigures> = scrape
        .all("yiwang_connector_backlog")
        .filter_map(|s| {
            let name = s.label("connector")?.to_owned();
            Some(ConnectorFigures {
                backlog: s.value,
                parked: of("yiwang_connector_parked", &name),
                lag_s: of("yiwang_connector_lag_seconds", &name),
                paused: of("yiwang_connector_paused", &name) > 0.0,
                name,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn jobs(scrape: &Scrape, before: &[JobFigures]) -> Vec<JobFigures> {
    let mut out: Vec<JobFigures> = scrape
        .all("yiwang_job_runs")
        .filter_map(|s| {
            let name = s.label("job")?.to_owned();
            let failures = scrape
                .all("yiwang_job_failures")
                .find(|f| f.label("job") == Some(&name))
                .map_or(0.0, |f| f.value);
            let prev = before.iter().find(|j| j.name == name);
            // Red from a new failure until the job runs again without failing.
            let failing =
                prev.is_some_and(|p| failures > p.failures || (p.failing && s.value <= p.runs));
            Some(JobFigures {
                name,
                runs: s.value,
                failures,
                failing,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics_text::parse;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
    }

    fn scrape(requests: u64, failures: u64) -> Scrape {
        parse(&format!(
            "yiwang_http_requests_total{{route=\"/a\"}} {requests}\n\
             yiwang_http_request_duration_seconds_bucket{{le=\"0.01\"}} {requests}\n\
             yiwang_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {requests}\n\
             yiwang_job_runs{{job=\"audit-verify\"}} 3\n\
             yiwang_job_failures{{job=\"audit-verify\"}} {failures}\n"
        ))
    }

    #[test]
    fn request_rate_is_the_counter_growth_over_the_interval() {
        let mut h = HealthState::default();
        h.observe(at(0), scrape(10, 0));
        assert_eq!(h.rate(), None, "one scrape gives no rate");
        h.observe(at(2), scrape(30, 0));
        assert_eq!(h.rate(), Some(10.0));
        assert!(h.p99_s.is_some_and(|p| p <= 0.01));
    }

    #[test]
    fn growing_failures_mark_a_job_failing() {
        let mut h = HealthState::default();
        h.observe(at(0), scrape(1, 1));
        assert!(!h.jobs[0].failing);
        h.observe(at(2), scrape(2, 2));
        assert!(h.jobs[0].failing);
    }

    #[test]
    fn connectors_with_parked_deliveries_or_a_long_lag_are_in_trouble() {
        let mut h = HealthState::default();
        h.observe(
            at(0),
            parse(
                "yiwang_connector_backlog{connector=\"sms\"} 0\n\
                 yiwang_connector_parked{connector=\"sms\"} 0\n\
                 yiwang_connector_lag_seconds{connector=\"sms\"} 400\n\
                 yiwang_connector_backlog{connector=\"province\"} 7\n\
                 yiwang_connector_parked{connector=\"province\"} 0\n\
                 yiwang_connector_lag_seconds{connector=\"province\"} 2\n\
                 yiwang_connector_paused{connector=\"province\"} 1\n\
                 yiwang_connector_backlog{connector=\"email\"} 0\n\
                 yiwang_connector_parked{connector=\"email\"} 1\n",
            ),
        );
        let names: Vec<&str> = h.connectors.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["email", "province", "sms"]);
        let trouble: Vec<bool> = h
            .connectors
            .iter()
            .map(ConnectorFigures::in_trouble)
            .collect();
        assert_eq!(trouble, vec![true, false, true]);
        assert_eq!(h.connectors[1].backlog, 7.0);
        assert!(h.connectors[1].paused && !h.connectors[0].paused);
    }
}
