//! Overview (总览): what exists now: server and database status, the event-log head, counts of
//! halls, regions and users, events per minute, and the live event feed. Figures the server does
//! not report yet show as "—".

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row, Sparkline};

use crate::app::{App, Conn};
use crate::i18n::Msg;
use crate::views::{block, frame_layout};
use crate::widgets::{kv, ok_style, vtable};

/// Status and counts, the sparkline, the feed.
pub fn layout(body: Rect) -> [Rect; 3] {
    let (top, spark) = if body.height >= 40 { (8, 8) } else { (8, 4) };
    Layout::vertical([
        Constraint::Length(top),
        Constraint::Length(spark),
        Constraint::Min(4),
    ])
    .areas(body)
}

/// Feed rows on screen in a terminal of this size.
pub fn feed_rows(size: (u16, u16)) -> usize {
    let [_, body, _] = frame_layout(Rect::new(0, 0, size.0, size.1));
    vtable::visible_rows(layout(body)[2])
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let [top, spark, feed] = layout(area);
    let [status, counts] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    render_status(app, frame, status);
    render_counts(app, frame, counts);
    render_spark(app, frame, spark);
    render_feed(app, frame, feed);
}

fn render_status(app: &App, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let dash = || "—".to_owned();
    let server = match &app.conn {
        Conn::Online => (t(Msg::Online).to_owned(), ok_style(true)),
        Conn::Connecting => (t(Msg::Connecting).to_owned(), Style::new().yellow()),
        Conn::Down { .. } => (t(Msg::ServerGone).to_owned(), ok_style(false)),
    };
    let mut lines = vec![kv(t(Msg::Server), server.0, server.1)];
    match &app.ready {
        Some(r) => {
            let ready = r.status == "ready";
            lines.push(kv(
                t(Msg::Status),
                t(if ready { Msg::Ready } else { Msg::NotReady }).to_owned(),
                ok_style(ready),
            ));
            let db = format!("{} {}", r.backend, if r.database { "✓" } else { "✗" });
            lines.push(kv(t(Msg::Database), db, ok_style(r.database)));
            let mig = t(if r.migrations_current {
                Msg::Current
            } else {
                Msg::Behind
            });
            lines.push(kv(
                t(Msg::Migrations),
                mig.to_owned(),
                ok_style(r.migrations_current),
            ));
            lines.push(kv(
                t(Msg::EventHead),
                r.event_log_head.to_string(),
                Style::new(),
            ));
        }
        None => lines.push(kv(t(Msg::Status), dash(), Style::new())),
    }
    frame.render_widget(Paragraph::new(lines).block(block(app, Msg::Server)), area);
}

fn render_counts(app: &App, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let n = |v: Option<u64>| v.map_or_else(|| "—".to_owned(), |v| v.to_string());
    let c = app.counts;
    let later = Style::new().dim();
    let lines = vec![
        kv(t(Msg::Halls), n(c.map(|c| c.halls)), Style::new().bold()),
        kv(
            t(Msg::Regions),
            n(c.map(|c| c.regions)),
            Style::new().bold(),
        ),
        kv(
            t(Msg::Users),
            n(c.and_then(|c| c.users)),
            Style::new().bold(),
        ),
        kv(t(Msg::Waiting), "—".into(), later),
        kv(t(Msg::Devices), "—".into(), later),
        kv(t(Msg::Backlog), "—".into(), later),
    ];
    let b = block(app, Msg::TabOverview).title_bottom(Line::from(t(Msg::LaterNote)).dim());
    frame.render_widget(Paragraph::new(lines).block(b), area);
}

fn render_spark(app: &App, frame: &mut Frame, area: Rect) {
    let b = block(app, Msg::EventsPerMinute);
    let inner = b.inner(area);
    let per_min = app.feed.per_minute(app.now, 60);
    // One column a minute, the newest at the right; a narrow screen shows the latest minutes.
    let skip = per_min.len().saturating_sub(usize::from(inner.width));
    let total: u64 = per_min.iter().sum();
    let b = b.title_top(Line::from(format!(" Σ {total} ")).right_aligned());
    frame.render_widget(
        Sparkline::default().block(b).data(&per_min[skip..]).cyan(),
        area,
    );
}

fn render_feed(app: &App, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let wide = area.width >= 120;
    let time_w = if wide { 14 } else { 8 };
    let widths = [
        Constraint::Length(time_w),
        Constraint::Length(if wide { 8 } else { 6 }),
        Constraint::Fill(2),
        Constraint::Fill(1),
    ];
    let header = Row::new(vec![t(Msg::Time), "#", t(Msg::Kind), t(Msg::Entity)]);
    let feed = &app.feed;
    if feed.is_empty() {
        let text = t(Msg::NoEvents);
        frame.render_widget(
            Paragraph::new(text).dim().block(block(app, Msg::LiveFeed)),
            area,
        );
        return;
    }
    let fmt = if wide { "%m-%d %H:%M:%S" } else { "%H:%M:%S" };
    let zone = crate::views::status::china();
    vtable::render(
        frame,
        area,
        block(app, Msg::LiveFeed)
            .title_top(Line::from(format!(" {} ", feed.len())).right_aligned()),
        header,
        &widths,
        feed.len(),
        feed.selected,
        feed.offset,
        |i| {
            let e = feed.row(i)?;
            Some(Row::new(vec![
                e.at.with_timezone(&zone).format(fmt).to_string(),
                e.id.0.to_string(),
                crate::kinds::kind(&e.kind, app.lang),
                crate::kinds::entity(&e.entity, e.entity_id, app.lang),
            ]))
        },
    );
}
