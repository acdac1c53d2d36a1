//! `yiwang loadgen console`: the whole console process's resident memory with N live cards
//! (issue 7: under 50 MB at 100,000). A stand-in for the API on a free loopback port answers
//! what a supervision reader's console asks at login (who am I, readiness, metrics, the event
//! stream held open, the live cards in pages of 500, each as the server sends it, facts
//! included); `yiwang console` itself runs against it in a detached tmux window of 200×50, and
//! once it shows every card on the Alerts view, its `VmRSS` (now) and `VmHWM` (peak) are read
//! from `/proc`. The same with no cards is the baseline of the same run.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::{Context, bail};
use serde_json::json;
use yiwang_core::domain::access::{Permission, ScopeKind};
use yiwang_core::domain::ids::UserId;
use yiwang_core::domain::supervision::cards::{AnomalyStatus, allowed};
use yiwang_core::domain::supervision::{RuleKind, Severity};
use yiwang_core::wire::Page;
use yiwang_core::wire::auth::{HeldRole, Me};
use yiwang_core::wire::supervision::Anomaly;

/// What to measure.
pub struct ConsoleSpec {
    pub cards: u32,
    pub runs: u32,
}

/// The stand-in's cards: every id up to `cards`, all open.
struct Cards {
    cards: i64,
}

fn card(i: i64) -> Anomaly {
    let kinds = [
        (RuleKind::TimeLimit, "case-time-red"),
        (RuleKind::Process, "process-terminated"),
        (RuleKind::Content, "content-no-materials"),
        (RuleKind::IntegrityRisk, "integrity-repeated-returns"),
        (RuleKind::TimeLimit, "step-time-yellow"),
    ];
    let (kind, code) = kinds[i as usize % kinds.len()];
    let now = chrono::Utc::now();
    let status = AnomalyStatus::Open;
    Anomaly {
        id: i,
        rule_id: 1 + i % 5,
        rule_code: code.into(),
        rule_version: 1,
        case_id: 1_000_000 + i,
        case_no: format!("990102-20260302-{i:06}"),
        step: if code.starts_with("step") { 0 } else { -1 },
        kind,
        severity: if i % 3 == 0 {
            Severity::Red
        } else {
            Severity::Yellow
        },
        status,
        region_id: 1 + i % 12,
        department_id: 100 + i % 40,
        facts: json!({"case.remaining": -1.0, "case.used": 1.2, "case.limit": 5}),
        opened_at: now - chrono::Duration::seconds(i * 7),
        updated_at: now,
        closed_at: None,
        silenced_until: None,
        notified_at: None,
        inhibited: false,
        allowed_actions: allowed(status).to_vec(),
    }
}

#[derive(serde::Deserialize)]
struct CardQuery {
    status: Option<String>,
    after: Option<i64>,
    limit: Option<i64>,
}

async fn cards_page(state: web::Data<Cards>, q: web::Query<CardQuery>) -> HttpResponse {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let after = q.after.unwrap_or(0);
    let page = if q.status.as_deref() == Some("open") {
        let last = (after + limit).min(state.cards);
        Page {
            items: (after + 1..=last).map(card).collect(),
            next_after: (last < state.cards).then_some(last),
        }
    } else {
        Page {
            items: Vec::new(),
            next_after: None,
        }
    };
    HttpResponse::Ok().json(page)
}

fn me() -> Me {
    Me {
        id: UserId(2),
        username: "office".into(),
        display_name: "督查室".into(),
        roles: vec![HeldRole {
            role: "supervisor".into(),
            scope_kind: ScopeKind::Region,
            scope_id: Some(1),
        }],
        permissions: vec![Permission::SupervisionRead, Permission::EventRead],
        modules: vec![],
    }
}

/// The stand-in API; its port.
fn stand_in(cards: Arc<Cards>) -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let cards = web::Data::from(cards);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(cards.clone())
            .route(
                "/api/v1/auth/me",
                web::get().to(|| async { HttpResponse::Ok().json(me()) }),
            )
            .route(
                "/readyz",
                web::get().to(|| async {
                    HttpResponse::Ok().json(json!({"status": "ready", "database": true,
                        "migrations_current": true, "backend": "sqlite", "event_log_head": 0,
                        "leader": true}))
                }),
            )
            .route(
                "/metrics",
                web::get().to(|| async { HttpResponse::Ok().body("yiwang_event_log_head 0\n") }),
            )
            .route(
                "/api/v1/events/stream",
                web::get().to(|| async {
                    // Open and quiet, as a stream is between events.
                    let hello = futures_util::stream::once(async {
                        Ok::<_, actix_web::Error>(web::Bytes::from_static(b": ok\n\n"))
                    });
                    HttpResponse::Ok()
                        .content_type("text/event-stream")
                        .streaming(futures_util::StreamExt::chain(
                            hello,
                            futures_util::stream::pending(),
                        ))
                }),
            )
            .route("/api/v1/supervision/anomalies", web::get().to(cards_page))
    })
    .workers(1)
    .listen(listener)?
    .run();
    tokio::spawn(server);
    Ok(port)
}

fn tmux(args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("tmux")
        .args(args)
        .output()
        .context("running tmux (the console needs a terminal)")?;
    if !out.status.success() {
        bail!(
            "tmux {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `VmRSS` and `VmHWM` of process `pid`, in kB.
fn memory_kb(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> anyhow::Result<u64> {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("{name} of process {pid}"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// Starts a console on `cards` cards, waits until its Alerts view counts them all, and reads
/// its memory.
async fn one(cards: u32) -> anyhow::Result<(u64, u64, Duration)> {
    let port = stand_in(Arc::new(Cards {
        cards: i64::from(cards),
    }))?;
    let exe = std::env::current_exe()?;
    let session = format!("yiwang-console-memory-{}", std::process::id());
    let command = format!(
        "exec '{}' console --server http://127.0.0.1:{port} --token stand-in --lang en",
        exe.display()
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "200",
        "-y",
        "50",
        &command,
    ])?;
    let result = watch(&session, cards).await;
    let _ = tmux(&["kill-session", "-t", &session]);
    result
}

async fn watch(session: &str, cards: u32) -> anyhow::Result<(u64, u64, Duration)> {
    let pid: u32 = tmux(&["display-message", "-p", "-t", session, "#{pane_pid}"])?
        .trim()
        .parse()
        .context("the console's pid")?;
    let started = Instant::now();
    // The summary counts the cards from the start; with none, wait for the list's answer.
    let shown = if cards == 0 {
        "No open cards".to_owned()
    } else {
        format!(" {cards} cards")
    };
    let deadline = started + Duration::from_secs(120);
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        tmux(&["send-keys", "-t", session, "3"])?;
        let screen = tmux(&["capture-pane", "-p", "-t", session])?;
        if screen.contains(&shown) {
            break;
        }
        if Instant::now() > deadline {
            bail!("the console did not show {cards} cards within 120 s:\n{screen}");
        }
    }
    let loaded = started.elapsed();
    // Let the allocator and the loop settle (a few frames, a probe or two).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (rss, hwm) = memory_kb(pid)?;
    tmux(&["send-keys", "-t", session, "q"])?;
    Ok((rss, hwm, loaded))
}

pub async fn console(spec: ConsoleSpec) -> anyhow::Result<()> {
    for run in 1..=spec.runs {
        let (base_rss, base_hwm, _) = one(0).await?;
        let (rss, hwm, loaded) = one(spec.cards).await?;
        println!(
            "{}",
            json!({"bench": "console_memory", "run": run, "cards": spec.cards,
                   "rss_kb": rss, "peak_kb": hwm, "loaded_ms": loaded.as_millis() as u64,
                   "baseline_rss_kb": base_rss, "baseline_peak_kb": base_hwm,
                   "added_kb": rss.saturating_sub(base_rss)})
        );
    }
    Ok(())
}
