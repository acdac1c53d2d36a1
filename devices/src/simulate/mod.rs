//! The hall simulator: a whole hall against a real server. It registers the hall's devices (an LED
//! and a tablet per window, a board, a kiosk per area) and runs a controller for each; visitors
//! take tickets at the kiosks at a Poisson arrival rate; simulated staff sign in at every window,
//! call, serve and finish, and ask the window's tablet for a rating, which the tablet gives; now
//! and then a device drops off the network and comes back.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use rand::Rng;
use serde_json::{Value, json};
use tokio::sync::{Mutex, watch};
use yiwang_core::domain::ids::AreaId;
use yiwang_core::wire::devices::{Command, ReportEvent};

mod hall;

use hall::{Api, Setup, Slot, between_ms, connect, exp_secs, set_up};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Plan {
    pub server: String,
    /// A token that may register devices and users in the hall (an admin's).
    pub token: String,
    pub hall: Option<i64>,
    pub arrivals_per_minute: f64,
    pub service_seconds: f64,
    pub drop_per_minute: f64,
    /// How long to run; `None` until stopped.
    pub duration: Option<Duration>,
}

/// Running counts.
#[derive(Debug, Default)]
pub struct Counts {
    pub devices: AtomicU64,
    pub tickets: AtomicU64,
    pub calls: AtomicU64,
    pub finished: AtomicU64,
    pub ratings: AtomicU64,
    pub drops: AtomicU64,
    pub errors: AtomicU64,
}

/// A running simulation; dropping it stops everything.
pub struct Simulation {
    pub hall: i64,
    counts: Arc<Counts>,
    done: watch::Receiver<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    _controllers: Arc<Mutex<Vec<Slot>>>,
}

impl Simulation {
    pub fn summary(&self) -> String {
        let c = &self.counts;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        format!(
            "模拟大厅 hall {}: 设备 devices {} · 取号 tickets {} · 叫号 calls {} · 办结 finished {} · 评价 ratings {} · 掉线 drop-outs {} · 错误 errors {}",
            self.hall,
            g(&c.devices),
            g(&c.tickets),
            g(&c.calls),
            g(&c.finished),
            g(&c.ratings),
            g(&c.drops),
            g(&c.errors)
        )
    }

    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Resolves when the planned duration is over (never without one).
    pub async fn finished(&self) -> anyhow::Result<()> {
        let mut done = self.done.clone();
        while !*done.borrow_and_update() {
            done.changed().await.context("the simulation stopped")?;
        }
        Ok(())
    }
}

impl Drop for Simulation {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Registers the hall's devices and staff and starts the traffic.
pub async fn start(plan: Plan) -> anyhow::Result<Simulation> {
    let admin = Api {
        http: reqwest::Client::new(),
        base: plan.server.trim_end_matches('/').to_owned(),
        token: plan.token.clone(),
    };
    let counts = Arc::new(Counts::default());
    let Setup {
        hall,
        mut slots,
        kiosks,
        staff,
        answer_rx,
    } = set_up(&admin, plan.hall).await?;
    for s in slots.iter_mut() {
        connect(&admin.base, s)?;
        counts.devices.fetch_add(1, Ordering::Relaxed);
    }
    let slots = Arc::new(Mutex::new(slots));
    let mut tasks = Vec::new();

    // Citizens answer the tablets: a rating after a moment, confirmations mostly yes.
    for (index, mut rx) in answer_rx {
        let (slots, counts) = (slots.clone(), counts.clone());
        tasks.push(tokio::spawn(async move {
            while let Some(cmd) = rx.recv().await {
                tokio::time::sleep(between_ms(500, 3_000)).await;
                let event = match cmd.command {
                    Command::Rate {
                        ticket_id,
                        case_id,
                        staff_user_id,
                    } => {
                        counts.ratings.fetch_add(1, Ordering::Relaxed);
                        let score = *[5u8, 5, 5, 4, 4, 3, 2]
                            .get(rand::rng().random_range(0..7))
                            .unwrap_or(&5);
                        ReportEvent::RatingGiven {
                            score,
                            ticket_id,
                            case_id,
                            staff_user_id,
                            comment: None,
                        }
                    }
                    Command::Confirm { case_id, .. } => ReportEvent::DataConfirmed {
                        command_id: cmd.id,
                        confirmed: rand::rng().random_bool(0.95),
                        case_id,
                    },
                    _ => continue,
                };
                if let Some(c) = slots
                    .lock()
                    .await
                    .get(index)
                    .and_then(|s| s.controller.clone())
                {
                    c.report(event);
                }
            }
        }));
    }

    // Visitors arrive at the kiosks and take tickets.
    {
        let (slots, counts, base) = (slots.clone(), counts.clone(), admin.base.clone());
        let mean = 60.0 / plan.arrivals_per_minute.max(0.01);
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::time::sleep(exp_secs(mean)).await;
                let (index, area) = kiosks[rand::rng().random_range(0..kiosks.len())];
                let Some(c) = slots
                    .lock()
                    .await
                    .get(index)
                    .and_then(|s| s.controller.clone())
                else {
                    continue; // that kiosk is off the network: the visitor walks to another time
                };
                let taken: Result<Value, _> = c
                    .client()
                    .post_json(
                        &format!("/api/v1/halls/{hall}/tickets"),
                        &json!({"area_id": area, "channel": "kiosk"}),
                    )
                    .await;
                match taken {
                    Ok(t) => {
                        counts.tickets.fetch_add(1, Ordering::Relaxed);
                        c.report(ReportEvent::TicketTaken {
                            number: t["number"].as_str().unwrap_or("?").to_owned(),
                            area_id: Some(AreaId(area)),
                            ticket_id: t["id"].as_i64(),
                        });
                    }
                    Err(e) => {
                        counts.errors.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(error = %e, "a kiosk could not take a ticket");
                    }
                }
                let _ = &base;
            }
        }));
    }

    // Staff at every window: sign in, call, serve (or skip a no-show), finish, ask for a rating.
    for (window, uid, tablet, token) in staff {
        let api = Api {
            http: admin.http.clone(),
            base: admin.base.clone(),
            token,
        };
        let (counts, service) = (counts.clone(), plan.service_seconds.max(1.0));
        tasks.push(tokio::spawn(async move {
            let _ = api.post(&format!("/api/v1/windows/{window}/sign-in"), json!({})).await;
            loop {
                let Ok(t) = api.post(&format!("/api/v1/windows/{window}/call-next"), json!({})).await else {
                    // Nothing waits (or the queue is not there): look again shortly.
                    tokio::time::sleep(between_ms(4_000, 6_000)).await;
                    continue;
                };
                counts.calls.fetch_add(1, Ordering::Relaxed);
                let Some(ticket) = t["id"].as_i64() else { continue };
                tokio::time::sleep(between_ms(1_000, 4_000)).await;
                if rand::rng().random_bool(0.05) {
                    let _ = api.post(&format!("/api/v1/tickets/{ticket}/skip"), json!({})).await;
                    continue;
                }
                let steps = async {
                    api.post(&format!("/api/v1/tickets/{ticket}/serve"), json!({})).await?;
                    tokio::time::sleep(exp_secs(service)).await;
                    api.post(&format!("/api/v1/tickets/{ticket}/finish"), json!({})).await?;
                    api.post(
                        &format!("/api/v1/devices/{tablet}/commands"),
                        json!({"command": {"kind": "rate", "ticket_id": ticket, "staff_user_id": uid}}),
                    )
                    .await
                };
                match steps.await {
                    Ok(_) => {
                        counts.finished.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        counts.errors.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(error = %e, "a window step failed");
                    }
                }
            }
        }));
    }

    // Now and then a device drops off the network for 10–40 s.
    {
        let (slots, counts, base) = (slots.clone(), counts.clone(), admin.base.clone());
        let p = (plan.drop_per_minute / 6.0).clamp(0.0, 1.0);
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                let n = slots.lock().await.len();
                for i in 0..n {
                    if !rand::rng().random_bool(p) {
                        continue;
                    }
                    let gone = slots
                        .lock()
                        .await
                        .get_mut(i)
                        .and_then(|s| s.controller.take());
                    let Some(c) = gone else { continue };
                    c.stop();
                    counts.drops.fetch_add(1, Ordering::Relaxed);
                    let (slots, base) = (slots.clone(), base.clone());
                    tokio::spawn(async move {
                        tokio::time::sleep(between_ms(10_000, 40_000)).await;
                        if let Some(s) = slots.lock().await.get_mut(i) {
                            let _ = connect(&base, s);
                        }
                    });
                }
            }
        }));
    }

    let (done_tx, done) = watch::channel(false);
    if let Some(d) = plan.duration {
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(d).await;
            let _ = done_tx.send(true);
        }));
    } else {
        // Kept alive so `finished` waits forever rather than failing.
        tasks.push(tokio::spawn(async move {
            done_tx.closed().await;
        }));
    }
    Ok(Simulation {
        hall,
        counts,
        done,
        tasks,
        _controllers: slots,
    })
}
