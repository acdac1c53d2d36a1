//! Render of the Alerts view at 200×50 with 10,000 and 1,000,000 live cards (issue 7's targets:
//! p99 under 1 ms and under 2 ms). The view builds only the rows on screen, so the figure should
//! not grow with the number of cards. Each iteration draws one full frame into a `TestBackend`
//! (which also diffs the buffer, as a terminal would), with the cursor in the middle of the list.
//!
//! Run with `cargo bench -p yiwang-console --bench alerts_render`.

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use yiwang_console::action::Action;
use yiwang_console::app::App;
use yiwang_console::i18n::Lang;
use yiwang_core::domain::access::Permission;
use yiwang_core::domain::ids::UserId;
use yiwang_core::domain::supervision::cards::{AnomalyStatus, allowed};
use yiwang_core::domain::supervision::{RuleKind, Severity};
use yiwang_core::wire::auth::{HeldRole, Me};
use yiwang_core::wire::supervision::Anomaly;

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_415_000, 0).unwrap_or_default()
}

fn cards(n: i64) -> Vec<Anomaly> {
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
            Anomaly {
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
                inhibited: false,
                allowed_actions: allowed(status).to_vec(),
            }
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

criterion_group!(benches, render);
criterion_main!(benches);
