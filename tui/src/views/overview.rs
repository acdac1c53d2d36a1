//! Overview (总览): what exists now: server and database status, the event-log head, counts of
//! halls, regions and users, events and tickets taken per minute, the halls' queues (waiting,
//! serving, average wait; for callers with `queue.read`), and the live event feed. Figures the
//! server does not report yet show as "—".

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row, Sparkline, Table};

use crate::app::{App, Conn};
use crate::i18n::Msg;
use crate::views::{block, frame_layout};
use crate::widgets::{kv, ok_style, vtable};

/// Status and counts, the sparklines, the halls (when the caller reads queues), the feed. The
/// halls sit above the feed on a tall screen and beside it on a short one (80×24 keeps ten
/// feed rows).
pub fn layout(app: &App, body: Rect) -> [Rect; 4] {
    let tall = body.height >= 40;
    let (top, spark) = if tall { (8, 8) } else { (8, 4) };
    let halls = match (&app.queues.halls, app.reads_queues()) {
        (Some(h), true) if !h.is_empty() => h.len().min(10) as u16 + 3,
        _ => 0,
    };
    let [top, spark, rest] = Layout::vertical([
        Constraint::Length(top),
        Constraint::Length(spark),
        Constraint::Min(4),
    ])
    .areas(body);
    let [halls, feed] = if halls == 0 {
        [Rect::new(rest.x, rest.y, rest.width, 0), rest]
    } else if tall {
        Layout::vertical([Constraint::Length(halls), Constraint::Min(4)]).areas(rest)
    } else {
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(rest)
    };
    [top, spark, halls, feed]
}

/// Feed rows on screen in a terminal of this size.
pub fn feed_rows(app: &App, size: (u16, u16)) -> usize {
    let [_, body, _] = frame_layout(Rect::new(0, 0, size.0, size.1));
    vtable::visible_rows(layout(app, body)[3])
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let [top, spark, halls, feed] = layout(app, area);
    let [status, counts] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    render_status(app, frame, status);
    render_counts(app, frame, counts);
    if app.reads_queues() {
        let [events, tickets] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(spark);
        render_spark(app, frame, events);
        render_tickets_spark(app, frame, tickets);
    } else {
        render_spark(app, frame, spark);
    }
    if halls.height > 0 && halls.width > 0 {
        render_halls(app, frame, halls);
    }
    render_feed(app, frame, feed);
}

/// Tickets taken per minute over the last hour. The source is the console's own event feed:
/// the `ticket.taken` events of the live stream, seeded at start by the stream's catch-up from
/// the event log (the last 2,000 events, see `worker::BACKFILL`). The queue analytics endpoint
/// only counts by local hour, too coarse for a per-minute line, and paging `/events?after=` a
/// second time would fetch what the catch-up already brought. On a hall busier than 2,000
/// events an hour the earliest minutes before the console started are undercounted.
fn render_tickets_spark(app: &App, frame: &mut Frame, area: Rect) {
    let b = block(app, Msg::TicketsPerMinute);
    let inner = b.inner(area);
    let per_min = app.feed.taken_per_minute(app.now, 60);
    let skip = per_min.len().saturating_sub(usize::from(inner.width));
    let total: u64 = per_min.iter().sum();
    let b = b.title_top(Line::from(format!(" Σ {total} ")).right_aligned());
    frame.render_widget(
        Sparkline::default().block(b).data(&per_min[skip..]).green(),
        area,
    );
}

/// One row per hall: waiting, windows serving, the mean time those waiting have waited.
fn render_halls(app: &App, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let Some(halls) = &app.queues.halls else {
        return;
    };
    let header = Row::new(vec![
        t(Msg::Hall),
        t(Msg::WaitingShort),
        t(Msg::Serving),
        t(Msg::AverageWait),
    ]);
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(8),
    ];
    let dash = || "—".to_owned();
    // Halls are tens, not thousands: every row, the table clips what does not fit.
    let rows = halls.iter().map(|h| {
        let loaded = h.live.is_some();
        Row::new(vec![
            h.name.clone(),
            if loaded {
                h.waiting_count().to_string()
            } else {
                dash()
            },
            if loaded {
                h.serving_count().to_string()
            } else {
                dash()
            },
            h.average_wait(app.now)
                .map_or_else(dash, crate::views::queues::fmt_wait),
        ])
    });
    frame.render_widget(
        Table::new(rows, widths)
            .header(header.style(Style::new().bold()))
            .block(block(app, Msg::HallsQueue)),
        area,
    );
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
        match (&app.queues.halls, app.reads_queues()) {
            (Some(h), true) if h.iter().any(|h| h.live.is_some()) => {
                let waiting: i64 = h.iter().map(|h| h.waiting_count()).sum();
                let serving: usize = h.iter().map(|h| h.serving_count()).sum();
                kv(
                    t(Msg::Waiting),
                    format!("{waiting}/{serving}"),
                    Style::new().bold(),
                )
            }
            _ => kv(t(Msg::Waiting), "—".into(), later),
        },
        if app.devices.loaded {
            let online = app.devices.all().iter().filter(|d| d.online).count();
            let offline = app.devices.len() - online;
            kv(
                t(Msg::Devices),
                format!("{online}/{offline} ({})", t(Msg::OnlineOffline)),
                if offline > 0 {
                    Style::new().bold().red()
                } else {
                    Style::new().bold()
                },
            )
        } else {
            kv(t(Msg::Devices), "—".into(), later)
        },
        if app.health.connectors.is_empty() {
            kv(t(Msg::Backlog), "—".into(), later)
        } else {
            let backlog: f64 = app.health.connectors.iter().map(|c| c.backlog).sum();
            let parked: f64 = app.health.connectors.iter().map(|c| c.parked).sum();
            let trouble = app.health.connectors.iter().any(|c| c.in_trouble());
            kv(
                t(Msg::Backlog),
                format!("{backlog:.0} ({} {parked:.0})", t(Msg::Parked)),
                if trouble {
                    Style::new().bold().red()
                } else {
                    Style::new().bold()
                },
            )
        },
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
