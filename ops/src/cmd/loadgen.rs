//! `yiwang loadgen`: whole-system load over loopback, and the baselines it is compared with.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use serde_json::json;
use yiwang_core::clock::Clock;
use yiwang_core::config::Config;
use yiwang_core::domain::access::ScopeKind;
use yiwang_core::service::Services;
use yiwang_core::service::audit::Actor;
use yiwang_core::store::conn::{Role, connect};
use yiwang_core::wire::org::{NewUser, NewUserRole, UserChanges};

use crate::cli::LoadgenCommand;

pub async fn loadgen(config: Config, cmd: LoadgenCommand) -> anyhow::Result<()> {
    match cmd {
        LoadgenCommand::CaseSetup {
            server,
            token,
            departments,
        } => super::loadgen_cases::setup(&server, &token, departments).await,
        LoadgenCommand::CloneCases { cases, open_share } => {
            super::loadgen_cases::clone(&config, cases, open_share)
        }
        LoadgenCommand::Hello { listen, workers } => hello(&listen, workers).await,
        LoadgenCommand::Run {
            url,
            method,
            body,
            token,
            rate,
            duration,
            connections,
        } => {
            let spec = RunSpec {
                url,
                method: method.parse().context("--method")?,
                body,
                token,
                rate,
                duration: Duration::from_secs(duration),
                connections: connections.max(1),
            };
            let report = run(spec).await?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        LoadgenCommand::Commits { count } => commits(count).await,
        LoadgenCommand::Transitions {
            cases,
            connections,
            rounds,
            seconds,
        } => {
            super::loadgen_transitions::transitions(super::loadgen_transitions::TransitionSpec {
                cases,
                connections,
                rounds,
                seconds,
            })
            .await
        }
        LoadgenCommand::Outbox {
            events,
            in_flight,
            batch,
            database_url,
        } => {
            super::loadgen_outbox::outbox(super::loadgen_outbox::OutboxSpec {
                events,
                in_flight,
                batch,
                database_url,
            })
            .await
        }
        LoadgenCommand::Crossing { days } => super::loadgen_crossing::run(config, days).await,
        LoadgenCommand::Cockpit {
            cases,
            regions,
            departments,
            items,
            days,
            runs,
            postgres,
        } => {
            let spec = crate::cmd::loadgen_cockpit::Spec {
                cases,
                regions,
                departments,
                items,
                days,
                runs,
                postgres,
            };
            crate::cmd::loadgen_cockpit::run(spec).await
        }
        LoadgenCommand::Heartbeats {
            server,
            token,
            hall,
            devices,
            interval,
            duration,
            connections,
        } => {
            super::loadgen_devices::heartbeats(super::loadgen_devices::HeartbeatSpec {
                server,
                token,
                hall,
                devices,
                interval,
                duration,
                connections,
            })
            .await
        }
        LoadgenCommand::Queue {
            server,
            token,
            windows,
            take_rate,
            call_rate,
            prefill,
            duration,
            subscribers,
        } => {
            crate::cmd::loadgen_queue::queue(crate::cmd::loadgen_queue::QueueSpec {
                server,
                token,
                windows,
                take_rate,
                call_rate,
                prefill,
                duration: Duration::from_secs(duration),
                subscribers,
            })
            .await
        }
        LoadgenCommand::Console { cards, runs } => {
            let spec = super::loadgen_console::ConsoleSpec { cards, runs };
            super::loadgen_console::console(spec).await
        }
    }
}

async fn hello(listen: &str, workers: Option<usize>) -> anyhow::Result<()> {
    let mut server = HttpServer::new(|| {
        App::new().route(
            "/hello",
            web::get().to(|| async { HttpResponse::Ok().body("hello") }),
        )
    })
    .bind(listen)
    .with_context(|| format!("binding {listen}"))?;
    if let Some(w) = workers {
        server = server.workers(w);
    }
    eprintln!("hello baseline on http://{listen}/hello");
    server.run().await.context("serving")
}

struct RunSpec {
    url: String,
    method: reqwest::Method,
    body: Option<String>,
    token: Option<String>,
    rate: u32,
    duration: Duration,
    connections: usize,
}

/// What one run measured; latencies in microseconds.
#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub rate: f64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
}

async fn run(spec: RunSpec) -> anyhow::Result<Report> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(spec.connections)
        .timeout(Duration::from_secs(10))
        .build()?;
    let spec = Arc::new(spec);
    let seq = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = tokio::time::Instant::now() + Duration::from_millis(50);
    let end = start + spec.duration;
    let mut tasks = Vec::new();
    for _ in 0..spec.connections {
        let (client, spec, seq, errors) =
            (client.clone(), spec.clone(), seq.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
            loop {
                let n = seq.fetch_add(1, Ordering::Relaxed);
                // Open loop: request n is due at start + n/rate; its latency counts from then.
                let due = if spec.rate > 0 {
                    start + Duration::from_secs_f64(n as f64 / f64::from(spec.rate))
                } else {
                    tokio::time::Instant::now().max(start)
                };
                if due >= end {
                    break;
                }
                tokio::time::sleep_until(due).await;
                let mut req = client.request(spec.method.clone(), &spec.url);
                if let Some(t) = &spec.token {
                    req = req.bearer_auth(t);
                }
                if let Some(b) = &spec.body {
                    req = req
                        .header("content-type", "application/json")
                        .body(b.replace("{n}", &n.to_string()));
                }
                let ok = match req.send().await {
                    Ok(res) => {
                        let good = res.status().is_success();
                        let _ = res.bytes().await;
                        good
                    }
                    Err(_) => false,
                };
                let took = tokio::time::Instant::now().duration_since(due);
                hist.record(u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1))?;
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok::<_, anyhow::Error>(hist)
        }));
    }
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    for t in tasks {
        all.add(t.await??)?;
    }
    let seconds = spec.duration.as_secs_f64();
    Ok(Report {
        requests: all.len(),
        errors: errors.load(Ordering::Relaxed),
        seconds,
        rate: all.len() as f64 / seconds,
        p50_us: all.value_at_quantile(0.50),
        p90_us: all.value_at_quantile(0.90),
        p99_us: all.value_at_quantile(0.99),
        p999_us: all.value_at_quantile(0.999),
        max_us: all.max(),
    })
}

/// Durable writes in process: one-by-one FULL commits against the group-committing writer.
/// A city-wide admin named `name` (password `bench-password`), created without a caller.
pub(crate) async fn bench_admin(
    services: &Services,
    name: &str,
) -> anyhow::Result<yiwang_core::domain::ids::UserId> {
    let root = services.root_region().await?;
    let u = services
        .create_user_as(
            Actor::system(),
            None,
            NewUser {
                username: name.into(),
                display_name: name.into(),
                password: "bench-password".into(),
                region_id: root.id,
                department_id: None,
                phone: None,
            },
        )
        .await?;
    services
        .grant_role_as(
            Actor::system(),
            None,
            u.id,
            NewUserRole {
                role: "admin".into(),
                scope_kind: ScopeKind::Region,
                scope_id: Some(root.id.0),
            },
        )
        .await?;
    Ok(u.id)
}

async fn commits(count: u32) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let url = config.db_url()?;
    let services = Services::start(config, Clock::System).await?;
    let mut ids = Vec::new();
    for name in ["bench_admin", "bench_target"] {
        ids.push(bench_admin(&services, name).await?);
    }
    let caller = services.caller_of(ids[0]).await?;
    let target = ids[1];

    let one_by_one = {
        let (services, caller) = (services.clone(), caller.clone());
        tokio::task::spawn_blocking(move || -> anyhow::Result<f64> {
            let mut conn = connect(&url, Role::Writer)?;
            let started = Instant::now();
            for n in 0..count {
                let changes = UserChanges {
                    display_name: Some(format!("one-by-one {n}")),
                    ..UserChanges::default()
                };
                services.update_user_unbatched(&mut conn, &caller, target, &changes)?;
            }
            Ok(f64::from(count) / started.elapsed().as_secs_f64())
        })
        .await??
    };

    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..count {
        let (services, caller) = (services.clone(), caller.clone());
        tasks.push(tokio::spawn(async move {
            let changes = UserChanges {
                display_name: Some(format!("grouped {n}")),
                ..UserChanges::default()
            };
            services.update_user(&caller, target, changes).await
        }));
    }
    for t in tasks {
        t.await??;
    }
    let grouped = f64::from(count) / started.elapsed().as_secs_f64();
    let stats = services.store.writer_stats();
    if stats.failed_commands > 0 {
        bail!("{} commands failed", stats.failed_commands);
    }
    println!(
        "{}",
        json!({
            "count": count,
            "one_by_one_full_per_s": one_by_one.round(),
            "writer_grouped_per_s": grouped.round(),
            "ratio": (grouped / one_by_one * 100.0).round() / 100.0,
            "writer_commits": stats.commits,
            "writer_commands": stats.commands,
        })
    );
    Ok(())
}
