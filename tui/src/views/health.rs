//! Health (运行状态), the operations monitoring centre: readiness, request rate and latency,
//! the database pool and writer, the event log, leadership and the background jobs; red where
//! a threshold is crossed.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use crate::app::App;
use crate::i18n::Msg;
use crate::state::health::P99_LIMIT_S;
use crate::views::block;
use crate::widgets::{kv, ok_style};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let top_h = if area.height >= 40 { 16 } else { 13 };
    let [top, spark] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(3)]).areas(area);
    let [ready, metrics] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(top);
    render_ready(app, frame, ready);
    render_metrics(app, frame, metrics);
    render_spark(app, frame, spark);
}

fn yes_no(app: &App, v: bool) -> String {
    app.lang.t(if v { Msg::Yes } else { Msg::No }).to_owned()
}

fn render_ready(app: &App, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let lines = match &app.ready {
        None => vec![Line::from(t(Msg::NoData)).dim()],
        Some(r) => {
            let ready = r.status == "ready";
            let mut l = vec![
                kv(
                    t(Msg::Status),
                    t(if ready { Msg::Ready } else { Msg::NotReady }).into(),
                    ok_style(ready),
                ),
                kv(
                    t(Msg::Database),
                    yes_no(app, r.database),
                    ok_style(r.database),
                ),
                kv(
                    t(Msg::Migrations),
                    t(if r.migrations_current {
                        Msg::Current
                    } else {
                        Msg::Behind
                    })
                    .into(),
                    ok_style(r.migrations_current),
                ),
                kv(t(Msg::Backend), r.backend.clone(), Style::new()),
                kv(
                    t(Msg::EventHead),
                    r.event_log_head.to_string(),
                    Style::new(),
                ),
                kv(t(Msg::Leader), yes_no(app, r.leader), Style::new()),
            ];
            if let Some(d) = &r.detail {
                l.push(Line::from(d.clone()).red());
            }
            l
        }
    };
    frame.render_widget(Paragraph::new(lines).block(block(app, Msg::Server)), area);
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.0}"))
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{:.1} ms", v * 1000.0))
}

fn render_metrics(app: &App, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let h = &app.health;
    if h.scraped_at.is_none() {
        let p = Paragraph::new(Line::from(t(Msg::NoData)).dim());
        frame.render_widget(p.block(block(app, Msg::TabHealth)), area);
        return;
    }
    let rate = h.rate().map_or_else(
        || "—".to_owned(),
        |r| format!("{r:.1} {}", t(Msg::PerSecond)),
    );
    let slow = h.p99_too_slow();
    let mut lines = vec![
        kv(t(Msg::Requests), rate, Style::new().bold()),
        Line::from(vec![
            Span::raw(format!("{}: p50 ", t(Msg::Latency))),
            Span::raw(ms(h.p50_s)),
            Span::raw("  p99 "),
            Span::styled(ms(h.p99_s), ok_style(!slow)),
            Span::raw(format!("  (≤ {:.0} ms)", P99_LIMIT_S * 1000.0)).dim(),
        ]),
        kv(
            t(Msg::Pool),
            format!(
                "{} ({} {})",
                num(h.pool_connections),
                num(h.pool_idle),
                t(Msg::Idle)
            ),
            ok_style(!h.pool_exhausted()),
        ),
        kv(t(Msg::WriterCommits), num(h.writer_commits), Style::new()),
        kv(
            t(Msg::WalFrames),
            num(h.wal_frames),
            ok_style(!h.wal_too_long()),
        ),
        kv(t(Msg::EventHead), num(h.event_log_head), Style::new()),
        kv(
            t(Msg::Leader),
            h.leader.map_or_else(|| "—".into(), |l| yes_no(app, l)),
            Style::new(),
        ),
        Line::from(format!("{}:", t(Msg::Jobs))),
    ];
    for j in &h.jobs {
        lines.push(Line::from(vec![
            Span::raw(format!("  {} ", j.name)),
            Span::raw(format!("{} {:.0}  ", t(Msg::Runs), j.runs)),
            Span::styled(
                format!("{} {:.0}", t(Msg::Failures), j.failures),
                if j.failing {
                    ok_style(false)
                } else {
                    Style::new()
                },
            ),
        ]));
    }
    if !h.connectors.is_empty() {
        lines.push(Line::from(format!("{}:", t(Msg::Connectors))));
    }
    for c in &h.connectors {
        let state = if c.paused {
            format!("  {}", t(Msg::Paused))
        } else {
            String::new()
        };
        lines.push(Line::from(vec![
            Span::raw(format!("  {} ", c.name)),
            Span::styled(
                format!(
                    "{} {:.0}  {} {:.0}  {} {:.0}s{state}",
                    t(Msg::ToSend),
                    c.backlog,
                    t(Msg::Parked),
                    c.parked,
                    t(Msg::Lag),
                    c.lag_s
                ),
                ok_style(!c.in_trouble()),
            ),
        ]));
    }
    frame.render_widget(
        Paragraph::new(lines).block(block(app, Msg::TabHealth)),
        area,
    );
}

fn render_spark(app: &App, frame: &mut Frame, area: Rect) {
    let b = block(app, Msg::Requests);
    let width = usize::from(b.inner(area).width);
    let rates = &app.health.rates;
    // The sparkline scales to its maximum; hundredths keep low rates visible.
    let data: Vec<u64> = rates
        .iter()
        .skip(rates.len().saturating_sub(width))
        .map(|r| (r * 100.0).round() as u64)
        .collect();
    let max = rates.iter().copied().fold(0.0, f64::max);
    let b = b.title_top(Line::from(format!(" max {max:.1} ")).right_aligned());
    frame.render_widget(Sparkline::default().block(b).data(&data).green(), area);
}
