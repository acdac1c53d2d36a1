//! A keypress answered within 50 ms while the console applies 1,000 events a second (issue 7).
//!
//! The console's own loop ([`yiwang_console::event_loop::drive`]) runs on a terminal that
//! reports each frame it gets (`common::Watched`), with 100,000 live cards on the Alerts view,
//! logged in as the admin (so every event kind reaches its state). A feeder sends real events
//! through the worker's channel on a fixed 1 ms schedule, one action each (the worst case: the
//! stream reader sends one action per chunk): `anomaly.acknowledged` on a card (which moves it
//! in the triage order and asks for it to be read again) and `ticket.taken` in a hall (which
//! adds to the waiting list and asks for the hall's queue), in turn. Meanwhile `?` is pressed
//! every 97 ms (not a multiple of the 50 ms frame gap, so the presses fall anywhere between
//! frames); each press toggles the help. A press is answered by the first frame that shows the
//! help as the press left it; the time is from sending the key to that frame's flush. The same
//! presses without events give the baseline of the same run. The effects the state asks for are
//! counted and dropped (no server: the loop, not the network, is measured here).
//!
//! Run with `cargo bench --workspace --bench console_keys`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;
use yiwang_console::action::{Action, Effect};
use yiwang_console::app::App;
use yiwang_console::i18n::{Lang, Msg};
use yiwang_console::state::card::{Card, RuleCodes};
use yiwang_core::domain::access::Permission;
use yiwang_core::domain::ids::{EventId, HallId, UserId};
use yiwang_core::domain::supervision::cards::{AnomalyStatus, allowed};
use yiwang_core::domain::supervision::{RuleKind, Severity};
use yiwang_core::wire::auth::{HeldRole, Me};
use yiwang_core::wire::events::Event;
use yiwang_core::wire::supervision::Anomaly;

use common::{Frame, Watched, quantile_ms};

const CARDS: i64 = 100_000;
const PRESS_EVERY: Duration = Duration::from_millis(97);

fn t0() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_772_415_000, 0).unwrap_or_default()
}

fn card(i: i64, codes: &mut RuleCodes) -> Card {
    let kinds = [
        (RuleKind::TimeLimit, "case-time-red"),
        (RuleKind::Process, "process-terminated"),
        (RuleKind::Content, "content-no-materials"),
        (RuleKind::IntegrityRisk, "integrity-repeated-returns"),
    ];
    let (kind, code) = kinds[i as usize % kinds.len()];
    let status = AnomalyStatus::Open;
    let a = Anomaly {
        id: i,
        rule_id: 1,
        rule_code: code.into(),
        rule_version: 1,
        case_id: i,
        case_no: format!("990102-20260302-{i:06}"),
        step: -1,
        kind,
        severity: if i % 3 == 0 {
            Severity::Red
        } else {
            Severity::Yellow
        },
        status,
        region_id: 1 + i % 7,
        department_id: 10 + i % 5,
        facts: serde_json::Value::Null,
        opened_at: t0() - chrono::Duration::seconds(i * 7),
        updated_at: t0(),
        closed_at: None,
        silenced_until: None,
        notified_at: None,
        inhibited: false,
        allowed_actions: allowed(status).to_vec(),
    };
    Card::from_wire(a, codes)
}

fn admin() -> Me {
    Me {
        id: UserId(1),
        username: "admin".into(),
        display_name: "admin".into(),
        roles: vec![HeldRole {
            role: "admin".into(),
            scope_kind: yiwang_core::domain::access::ScopeKind::Region,
            scope_id: Some(1),
        }],
        permissions: Permission::ALL.to_vec(),
        modules: vec![],
    }
}

/// The `n`th event of the feed: a card acknowledged or a ticket taken, in turn.
fn event(n: i64) -> Event {
    let (kind, entity, entity_id, payload) = if n % 2 == 0 {
        let card = 1 + (n * 7_919) % CARDS;
        (
            "anomaly.acknowledged",
            "anomaly",
            card,
            serde_json::json!({"status": "acknowledged"}),
        )
    } else {
        (
            "ticket.taken",
            "ticket",
            n,
            serde_json::json!({"ticket_id": n, "number": format!("A{:03}", n % 1000),
                "hall_id": 1, "area_id": 11, "window_id": null, "window_number": null,
                "status": "waiting", "item_code": null, "priority_class": null, "misses": 0}),
        )
    };
    Event {
        id: EventId(1_000 + n),
        at: chrono::Utc::now(),
        kind: kind.into(),
        entity: entity.into(),
        entity_id,
        region_id: Some(1),
        payload,
    }
}

struct Run {
    latencies: Vec<Duration>,
    events_per_s: f64,
    frames_per_s: f64,
    effects: u64,
}

/// Presses `?` `presses` times while `rate` events a second arrive (0: none).
async fn run(presses: usize, rate: u32) -> anyhow::Result<Run> {
    let mut app = App::new(Lang::En, "http://127.0.0.1:8080".into(), t0());
    app.update(Action::LoggedIn(Box::new(admin())));
    app.update(Action::Halls(vec![(HallId(1), "Hall".into())]));
    let mut codes = RuleCodes::default();
    app.update(Action::Anomalies(
        (1..=CARDS).map(|i| card(i, &mut codes)).collect(),
    ));
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('3'),
        KeyModifiers::NONE,
    )));

    let (frames_tx, mut frames) = mpsc::unbounded_channel::<Frame>();
    let (keys_tx, mut keys_rx) = mpsc::unbounded_channel::<std::io::Result<TermEvent>>();
    let keys = futures_util::stream::poll_fn(move |cx| keys_rx.poll_recv(cx));
    let (tx, rx) = mpsc::channel(256);
    let (effects_tx, mut effects_rx) = mpsc::unbounded_channel::<Effect>();
    let drained = tokio::spawn(async move {
        let mut n = 0u64;
        while effects_rx.recv().await.is_some() {
            n += 1;
        }
        n
    });
    let console = tokio::spawn(async move {
        let mut terminal = Terminal::new(Watched::new(200, 50, frames_tx))?;
        yiwang_console::event_loop::drive(&mut terminal, &mut app, keys, rx, effects_tx).await
    });
    let sent = Arc::new(AtomicU64::new(0));
    let feeding = Instant::now();
    let feeder = tokio::spawn({
        let sent = sent.clone();
        async move {
            if rate == 0 {
                return;
            }
            let mut every = tokio::time::interval(Duration::from_secs(1) / rate);
            every.set_missed_tick_behavior(MissedTickBehavior::Burst);
            for n in 0.. {
                every.tick().await;
                if tx.send(Action::Events(vec![event(n)])).await.is_err() {
                    return;
                }
                sent.fetch_add(1, Ordering::Relaxed);
            }
        }
    });

    // Let the first frames and the feed settle before pressing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let mut pressed = Vec::with_capacity(presses);
    let mut every = tokio::time::interval(PRESS_EVERY);
    every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    for _ in 0..presses {
        every.tick().await;
        pressed.push(Instant::now());
        keys_tx.send(Ok(TermEvent::Key(KeyEvent::new(
            KeyCode::Char('?'),
            KeyModifiers::NONE,
        ))))?;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let elapsed = started.elapsed();
    let events_per_s = sent.load(Ordering::Relaxed) as f64 / feeding.elapsed().as_secs_f64();
    // Closing the keys ends the loop (as the end of the terminal's input does).
    drop(keys_tx);
    console.await??;
    feeder.abort();
    let effects = drained.await?;

    let help = Lang::En.t(Msg::HelpClose);
    let mut shown = Vec::new();
    let mut frames_in_run = 0;
    while let Ok(f) = frames.try_recv() {
        if f.at >= started && f.at <= started + elapsed {
            frames_in_run += 1;
        }
        shown.push((f.at, f.text.contains(help)));
    }
    let mut latencies = Vec::with_capacity(presses);
    for (i, at) in pressed.iter().enumerate() {
        // After an odd number of presses the help is open.
        let want = i % 2 == 0;
        match shown.iter().find(|(t, s)| t >= at && *s == want) {
            Some((t, _)) => latencies.push(*t - *at),
            None => anyhow::bail!("press {i} was never answered"),
        }
    }
    latencies.sort_unstable();
    Ok(Run {
        latencies,
        events_per_s,
        frames_per_s: f64::from(frames_in_run) / elapsed.as_secs_f64(),
        effects,
    })
}

fn report(label: &str, r: &Run) {
    println!(
        "{{\"bench\":\"console_keys\",\"events\":\"{label}\",\"events_per_s\":{:.0},\"presses\":{},\"p50_ms\":{:.2},\"p99_ms\":{:.2},\"max_ms\":{:.2},\"frames_per_s\":{:.1},\"effects\":{}}}",
        r.events_per_s,
        r.latencies.len(),
        quantile_ms(&r.latencies, 0.50),
        quantile_ms(&r.latencies, 0.99),
        quantile_ms(&r.latencies, 1.0),
        r.frames_per_s,
        r.effects,
    );
}

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        report("none", &run(100, 0).await?);
        report("1000/s", &run(300, 1_000).await?);
        anyhow::Ok(())
    })
}
