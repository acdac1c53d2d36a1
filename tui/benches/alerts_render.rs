//! Render of the Alerts view at 200×50 with 10,000 and 1,000,000 live cards (issue 7's targets:
//! p99 under 1 ms and under 2 ms). The view builds only the rows on screen, so the figure should
//! not grow with the number of cards. Each iteration draws one full frame into a `TestBackend`
//! (which also diffs the buffer, as a terminal would), with the cursor in the middle of the list.
//!
//! Criterion gives the median; the targets are p99s, so a second pass times 5,000 single frames
//! and prints their percentiles, and a third reads how much the console's state for 100,000
//! cards adds to the resident memory (issue 7: under 50 MB).
//!
//! Run with `cargo bench --workspace --bench alerts_render`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use yiwang_console::action::Action;
use yiwang_console::app::App;
use yiwang_console::i18n::Lang;
use yiwang_console::state::card::{Card, RuleCodes};
use yiwang_core::domain::access::Permission;
use yiwang_core::domain::ids::UserId;
use yiwang_core::domain::supervision::cards::{AnomalyStatus, allowed};
use yiwang_core::domain::supervision::{RuleKind, Severity};
use yiwang_core::wire::auth::{HeldRole, Me};
use yiwang_core::wire::supervision::Anomaly;

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_415_000, 0).unwrap_or_default()
}

/// Cards as the worker keeps them: each compacted as it is read.
fn cards(n: i64) -> Vec<Card> {
    let mut codes = RuleCodes::default();
    let kinds = [
        (RuleKind::TimeLimit, "case-time-red"),
        (RuleKind::Process, "process-terminated"),
        (RuleKind::Content, "content-no-materials"),
        (RuleKind::IntegrityRisk, "integrity-repeated-returns"),
    ];
    (1..=n)
        .map(|i| {
            let (kind, code) = kinds[i as usize % kinds.len()];
            let status = if i % 4 == 0 {
                AnomalyStatus::Acknowledged
            } else {
                AnomalyStatus::Open
            };
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
            Card::from_wire(a, &mut codes)
        })
        .collect()
}

fn console(n: i64) -> App {
    let mut app = App::new(Lang::Zh, "http://127.0.0.1:8080".into(), t0());
    app.update(Action::Resize(200, 50));
    app.update(Action::LoggedIn(Box::new(Me {
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
    })));
    app.update(Action::Anomalies(cards(n)));
    let key = |c| Action::Key(KeyEvent::new(c, KeyModifiers::NONE));
    app.update(key(KeyCode::Char('3')));
    for _ in 0..(n / 2 / 45).min(2_000) {
        app.update(key(KeyCode::PageDown));
    }
    app
}

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("alerts_render_200x50");
    for n in [10_000, 1_000_000] {
        let app = console(n);
        let mut terminal = match Terminal::new(TestBackend::new(200, 50)) {
            Ok(t) => t,
            Err(e) => panic!("test backend: {e}"),
        };
        group.bench_with_input(BenchmarkId::from_parameter(n), &app, |b, app| {
            b.iter(|| {
                let frame = terminal.draw(|f| yiwang_console::views::render(app, f));
                black_box(frame.is_ok())
            });
        });
    }
    group.finish();
}

/// Percentiles of single frames: criterion reports means and medians, the targets are p99s.
fn frame_percentiles() {
    for n in [10_000, 1_000_000] {
        let app = console(n);
        let mut terminal = match Terminal::new(TestBackend::new(200, 50)) {
            Ok(t) => t,
            Err(e) => panic!("test backend: {e}"),
        };
        let mut draw = || {
            let started = Instant::now();
            let frame = terminal.draw(|f| yiwang_console::views::render(&app, f));
            black_box(frame.is_ok());
            started.elapsed()
        };
        for _ in 0..500 {
            draw();
        }
        let mut times: Vec<Duration> = (0..5_000).map(|_| draw()).collect();
        times.sort_unstable();
        let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_micros();
        println!(
            "{{\"bench\":\"alerts_render_frames\",\"cards\":{n},\"frames\":{},\"p50_us\":{},\"p99_us\":{},\"max_us\":{}}}",
            times.len(),
            at(0.50),
            at(0.99),
            at(1.0)
        );
    }
}

/// Resident kilobytes of this process, from `/proc/self/status`.
fn resident_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What the console's state for 100,000 live cards adds to the resident memory (an upper
/// bound: the cards' construction is counted too). Runs before anything else allocates.
fn state_memory() {
    let n = 100_000;
    let Some(before) = resident_kb() else {
        return;
    };
    let app = console(n);
    if let Some(after) = resident_kb() {
        println!(
            "{{\"bench\":\"alerts_state_memory\",\"cards\":{n},\"added_kb\":{}}}",
            after.saturating_sub(before)
        );
    }
    black_box(&app);
}

criterion_group!(benches, render);

fn main() {
    // First, while nothing freed earlier can be reused: otherwise the allocator hands the
    // state memory it already holds and the resident size does not move.
    state_memory();
    benches();
    frame_percentiles();
    Criterion::default().configure_from_args().final_summary();
}
