//! `yiwang loadgen cockpit`: fills the cockpit's rollups with a city's year of counts and
//! times the whole-city queries over that year (issue target: under 50 ms with 10,000,000
//! cases stored). The rollups are seeded directly: a query reads the same rows whatever number
//! of cases made them, so filing 10M cases would only lengthen the setup.

use std::time::Instant;

use hdrhistogram::Histogram;
use serde_json::json;
use yiwang_core::clock::Clock;
use yiwang_core::config::Config;
use yiwang_core::domain::access::{Caller, Grant, Permission, Scope};
use yiwang_core::domain::ids::UserId;
use yiwang_core::service::Services;
use yiwang_core::service::cockpit::SeedSpec;
use yiwang_core::wire::cockpit::{CockpitQuery, Granularity};

pub struct Spec {
    pub cases: u64,
    pub regions: u32,
    pub departments: u32,
    pub items: u32,
    pub days: u32,
    pub runs: u32,
    pub postgres: Option<String>,
}

pub async fn run(spec: Spec) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        database_url: spec.postgres.clone(),
        ..Config::default()
    };
    let services = Services::start(config, Clock::System).await?;
    let root = services.root_region().await?;
    let last = chrono::Utc::now().date_naive();
    let started = Instant::now();
    let seeded = services
        .seed_cockpit_rollups(SeedSpec {
            regions: spec.regions,
            departments_per_region: spec.departments,
            items_per_department: spec.items,
            days: spec.days,
            last,
            cases: spec.cases,
        })
        .await?;
    let seed_s = started.elapsed().as_secs_f64();
    let caller = Caller {
        user_id: UserId(0),
        username: "loadgen".into(),
        grants: vec![Grant {
            role: "admin".into(),
            permissions: vec![Permission::CockpitRead],
            scope: Scope::Region {
                id: root.id,
                path: format!("/{}/", root.id.0),
            },
        }],
    };
    let from = last - chrono::Days::new(u64::from(spec.days.saturating_sub(1)));
    let query = |granularity: Option<Granularity>| CockpitQuery {
        from,
        to: last,
        region_id: None,
        department_id: None,
        granularity,
        limit: None,
    };
    let mut report = serde_json::Map::new();
    for kind in ["summary", "departments", "trend_month", "items"] {
        let mut h = Histogram::<u64>::new(3)?;
        let mut received = 0;
        for _ in 0..spec.runs.max(1) {
            let t = Instant::now();
            received = match kind {
                "summary" => {
                    services
                        .cockpit_summary(&caller, query(None))
                        .await?
                        .figures
                        .counters
                        .received
                }
                "departments" => services
                    .cockpit_departments(&caller, query(None))
                    .await?
                    .rows
                    .iter()
                    .map(|r| r.figures.counters.received)
                    .sum(),
                "trend_month" => services
                    .cockpit_trend(&caller, query(Some(Granularity::Month)))
                    .await?
                    .points
                    .iter()
                    .map(|p| p.figures.counters.received)
                    .sum(),
                _ => services
                    .cockpit_items(&caller, query(None))
                    .await?
                    .items
                    .iter()
                    .map(|i| i.received)
                    .sum(),
            };
            h.record(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX))?;
        }
        report.insert(
            kind.into(),
            json!({"received": received, "p50_us": h.value_at_quantile(0.5),
                   "p99_us": h.value_at_quantile(0.99), "max_us": h.max()}),
        );
    }
    println!(
        "{}",
        json!({
            "backend": if spec.postgres.is_some() { "postgres" } else { "sqlite" },
            "cases": spec.cases, "days": spec.days, "regions": spec.regions,
            "departments_per_region": spec.departments, "items_per_department": spec.items,
            "rows": {"daily": seeded.daily, "halls": seeded.halls, "items": seeded.items},
            "seed_s": seed_s, "runs": spec.runs, "queries": report,
        })
    );
    Ok(())
}
