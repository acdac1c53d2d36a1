//! The background job runner: periodic work declared once, run on exactly one node.
//!
//! On SQLite there is one node. On PostgreSQL every `yiwang serve` runs a runner, and the one
//! that holds a session-level advisory lock is the leader; when its connection dies the server
//! releases the lock and another node takes over within a second or two.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::Error;
use crate::service::Services;
use crate::store::DbUrl;
use crate::store::conn::{DbConn, Role, connect};

/// The advisory lock that makes a node the leader.
const LEADER_LOCK: i64 = 0x7969_7761_6e67_0002;

type JobFuture = Pin<Box<dyn Future<Output = Result<String, Error>> + Send>>;

/// One periodic job.
#[derive(Clone)]
pub struct JobSpec {
    pub name: &'static str,
    pub every: Duration,
    pub run: Arc<dyn Fn(Services) -> JobFuture + Send + Sync>,
}

impl JobSpec {
    pub fn new<F, Fut>(name: &'static str, every: Duration, f: F) -> Self
    where
        F: Fn(Services) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, Error>> + Send + 'static,
    {
        JobSpec {
            name,
            every,
            run: Arc::new(move |s| Box::pin(f(s))),
        }
    }
}

/// A job's state, for `/metrics` and the console's health view.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct JobState {
    pub name: String,
    pub runs: u64,
    pub failures: u64,
    pub running: bool,
    /// Unix milliseconds of the last finished run.
    pub last_finished: Option<i64>,
    pub last_outcome: Option<String>,
}

/// Runs the declared jobs while this node leads; stops cleanly on [`JobRunner::shutdown`].
pub struct JobRunner {
    states: Arc<Mutex<Vec<JobState>>>,
    leader: Arc<AtomicBool>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl JobRunner {
    pub fn start(services: Services, jobs: Vec<JobSpec>) -> JobRunner {
        let (stop, stop_rx) = watch::channel(false);
        let leader = Arc::new(AtomicBool::new(false));
        let states = Arc::new(Mutex::new(
            jobs.iter()
                .map(|j| JobState {
                    name: j.name.to_owned(),
                    ..Default::default()
                })
                .collect::<Vec<_>>(),
        ));
        let mut tasks = Vec::new();
        match services.store.url().clone() {
            DbUrl::Sqlite(_) => leader.store(true, Ordering::Relaxed),
            url @ DbUrl::Postgres(_) => {
                let (leader, stop_rx) = (leader.clone(), stop_rx.clone());
                tasks.push(tokio::task::spawn_blocking(move || {
                    hold_leadership(&url, &leader, &stop_rx)
                }));
            }
        }
        for (i, job) in jobs.into_iter().enumerate() {
            tasks.push(tokio::spawn(run_job(
                services.clone(),
                job,
                i,
                states.clone(),
                leader.clone(),
                stop_rx.clone(),
            )));
        }
        JobRunner {
            states,
            leader,
            stop,
            tasks,
        }
    }

    /// A cloneable view of the jobs' state for the HTTP handlers.
    pub fn view(&self) -> JobsView {
        JobsView {
            states: self.states.clone(),
            leader: self.leader.clone(),
        }
    }

    /// Asks every job to stop after its current run and waits for them (and the lock holder).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        self.leader.store(false, Ordering::Relaxed);
    }
}

/// What the probes and `/metrics` read of the runner.
#[derive(Clone)]
pub struct JobsView {
    states: Arc<Mutex<Vec<JobState>>>,
    leader: Arc<AtomicBool>,
}

impl JobsView {
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::Relaxed)
    }

    pub fn states(&self) -> Vec<JobState> {
        self.states.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

async fn run_job(
    services: Services,
    job: JobSpec,
    index: usize,
    states: Arc<Mutex<Vec<JobState>>>,
    leader: Arc<AtomicBool>,
    mut stop: watch::Receiver<bool>,
) {
    let update = |f: &dyn Fn(&mut JobState)| {
        if let Ok(mut s) = states.lock()
            && let Some(st) = s.get_mut(index)
        {
            f(st);
        }
    };
    loop {
        if *stop.borrow() {
            break;
        }
        if leader.load(Ordering::Relaxed) {
            update(&|s| s.running = true);
            metrics::gauge!("yiwang_job_running", "job" => job.name).set(1.0);
            let span = tracing::info_span!("job", name = job.name);
            let outcome = {
                let _e = span.enter();
                (job.run)(services.clone())
            }
            .await;
            let now = services.clock.now();
            metrics::gauge!("yiwang_job_running", "job" => job.name).set(0.0);
            metrics::counter!("yiwang_job_runs_total", "job" => job.name).increment(1);
            match &outcome {
                Ok(msg) => {
                    tracing::debug!(job = job.name, outcome = %msg, "job done");
                    metrics::gauge!("yiwang_job_last_success_timestamp_seconds", "job" => job.name)
                        .set(now as f64 / 1000.0);
                }
                Err(e) => {
                    tracing::warn!(job = job.name, error = %e, "job failed");
                    metrics::counter!("yiwang_job_failures_total", "job" => job.name).increment(1);
                }
            }
            update(&|s| {
                s.running = false;
                s.runs += 1;
                s.last_finished = Some(now);
                match &outcome {
                    Ok(m) => s.last_outcome = Some(m.clone()),
                    Err(e) => {
                        s.failures += 1;
                        s.last_outcome = Some(format!("failed: {e}"));
                    }
                }
            });
        }
        let wait = if leader.load(Ordering::Relaxed) {
            job.every
        } else {
            Duration::from_millis(500)
        };
        tokio::select! {
            // A dropped runner stops its jobs too.
            changed = stop.changed() => if changed.is_err() { break },
            () = tokio::time::sleep(wait) => {}
        }
    }
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Tries for the leader lock every second; while holding it, checks the connection is alive.
fn hold_leadership(url: &DbUrl, leader: &AtomicBool, stop: &watch::Receiver<bool>) {
    let mut conn: Option<DbConn> = None;
    // Also ends when the runner is dropped without a shutdown (its sender goes away).
    while !*stop.borrow() && stop.has_changed().is_ok() {
        if conn.is_none() {
            conn = connect(url, Role::Writer).ok();
        }
        if let Some(c) = conn.as_mut() {
            let held = if leader.load(Ordering::Relaxed) {
                diesel::sql_query("SELECT true AS locked").get_result::<Locked>(c)
            } else {
                diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
                    .bind::<BigInt, _>(LEADER_LOCK)
                    .get_result::<Locked>(c)
            };
            match held {
                Ok(l) => {
                    if l.locked && !leader.load(Ordering::Relaxed) {
                        tracing::info!("this node now leads the background jobs");
                    }
                    leader.store(l.locked, Ordering::Relaxed);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "lost the leader connection");
                    leader.store(false, Ordering::Relaxed);
                    conn = None;
                }
            }
        }
        metrics::gauge!("yiwang_node_leader").set(if leader.load(Ordering::Relaxed) {
            1.0
        } else {
            0.0
        });
        for _ in 0..10 {
            if *stop.borrow() || stop.has_changed().is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // Dropping the connection releases the session lock for the next leader.
    drop(conn);
}
