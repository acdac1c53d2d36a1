//! Queues (排队): one hall at a time (← → switch when there are several): per area the waiting
//! count, longest and estimated wait and windows on duty; per window the staff and the ticket now
//! serving; and the waiting list with how long each ticket has waited, built row by row for the
//! rows on screen only.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use yiwang_core::domain::queue::TicketStatus;

use crate::app::App;
use crate::i18n::Msg;
use crate::state::queues::HallQueue;
use crate::views::{block, frame_layout};
use crate::widgets::vtable;

/// The hall selector (one line, only with several halls), the areas, then windows beside the
/// waiting list.
fn layout(app: &App, body: Rect) -> (Option<Rect>, Rect, Rect, Rect) {
    let halls = app.queues.halls.as_ref().map_or(0, Vec::len);
    let areas = app
        .queues
        .current()
        .and_then(|h| h.live.as_ref())
        .map_or(1, |l| l.areas.len().max(1)) as u16;
    let max_areas = if body.height >= 40 { 12 } else { 6 };
    let [sel, areas_r, rest] = Layout::vertical([
        Constraint::Length(u16::from(halls > 1)),
        Constraint::Length(areas.min(max_areas) + 3),
        Constraint::Min(4),
    ])
    .areas(body);
    let [windows, waiting] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(rest);
    ((halls > 1).then_some(sel), areas_r, windows, waiting)
}

/// Rows of the waiting list on screen in a terminal of this size.
pub fn waiting_rows(app: &App, size: (u16, u16)) -> usize {
    let [_, body, _] = frame_layout(Rect::new(0, 0, size.0, size.1));
    vtable::visible_rows(layout(app, body).3)
}

/// `m:ss`, or `h:mm:ss` from an hour.
pub fn fmt_wait(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let Some(halls) = &app.queues.halls else {
        let text = match &app.queues.error {
            Some(e) => Paragraph::new(format!("{}: {e}", t(Msg::HallsUnreadable))).red(),
            None => Paragraph::new(t(Msg::LoadingQueue)).dim(),
        };
        frame.render_widget(text.block(block(app, Msg::TabQueues)), area);
        return;
    };
    let Some(hall) = app.queues.current() else {
        let text = Paragraph::new(t(Msg::NoHalls)).dim();
        frame.render_widget(text.block(block(app, Msg::TabQueues)), area);
        return;
    };
    let (sel, areas, windows, waiting) = layout(app, area);
    if let Some(sel) = sel {
        let mut spans = vec![Span::raw(format!("{} ◀ ", t(Msg::Hall)))];
        for (i, h) in halls.iter().enumerate() {
            let label = format!(" {} ({}) ", h.name, h.waiting_count());
            spans.push(if i == app.queues.hall {
                Span::styled(label, Style::new().add_modifier(Modifier::REVERSED))
            } else {
                Span::raw(label)
            });
        }
        spans.push(Span::raw(" ▶"));
        frame.render_widget(Line::from(spans), sel);
    }
    render_areas(app, hall, frame, areas);
    render_windows(app, hall, frame, windows);
    render_waiting(app, hall, frame, waiting);
}

fn render_areas(app: &App, hall: &HallQueue, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let b = block(app, Msg::Hall).title(format!(" {} ", hall.name));
    let Some(live) = &hall.live else {
        frame.render_widget(Paragraph::new(t(Msg::LoadingQueue)).dim().block(b), area);
        return;
    };
    let header = Row::new(vec![
        t(Msg::Area),
        t(Msg::WaitingShort),
        t(Msg::LongestWait),
        t(Msg::EstimatedWait),
        t(Msg::OnDuty),
    ])
    .style(Style::new().bold());
    let rows = live.areas.iter().map(|a| {
        let longest = hall
            .longest_wait(Some(a.area_id), app.now)
            .map_or_else(|| "—".to_owned(), fmt_wait);
        let est = Duration::from_millis(u64::try_from(a.estimated_wait_ms).unwrap_or(0));
        Row::new(vec![
            format!("{} {}", a.prefix, a.name),
            a.waiting.to_string(),
            longest,
            fmt_wait(est),
            a.windows_on_duty.to_string(),
        ])
    });
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(10),
        Constraint::Length(8),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(b), area);
}

fn render_windows(app: &App, hall: &HallQueue, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let b = block(app, Msg::Window);
    let Some(live) = &hall.live else {
        frame.render_widget(b, area);
        return;
    };
    let header = Row::new(vec![
        t(Msg::Window),
        t(Msg::Staff),
        t(Msg::NowServing),
        t(Msg::Status),
    ])
    .style(Style::new().bold());
    // Windows are a hall's furniture (tens, not thousands): all rows, the table clips.
    let rows = live.windows.iter().map(|w| {
        let staff = w
            .staff
            .as_ref()
            .map_or_else(|| t(Msg::OffDuty).to_owned(), |s| s.name.clone());
        let (now, status) = match &w.current {
            Some(c) => (
                c.number.clone(),
                match c.status {
                    TicketStatus::Serving => t(Msg::ServingStatus),
                    _ => t(Msg::Called),
                },
            ),
            None => ("—".to_owned(), t(Msg::Idle2)),
        };
        let row = Row::new(vec![w.number.clone(), staff, now, status.to_owned()]);
        if w.staff.is_none() { row.dim() } else { row }
    });
    let widths = [
        Constraint::Length(6),
        Constraint::Fill(1),
        Constraint::Length(11),
        Constraint::Length(8),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(b), area);
}

fn render_waiting(app: &App, hall: &HallQueue, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let b = block(app, Msg::WaitingList)
        .title_top(Line::from(format!(" {} ", hall.waiting.len())).right_aligned());
    if hall.waiting.is_empty() {
        frame.render_widget(Paragraph::new(t(Msg::NoneWaiting)).dim().block(b), area);
        return;
    }
    let prefix = |id| {
        hall.live
            .as_ref()
            .and_then(|l| l.areas.iter().find(|a| a.area_id == id))
            .map_or_else(String::new, |a| a.name.clone())
    };
    let header = Row::new(vec![t(Msg::Number), t(Msg::Area), t(Msg::Waited)]);
    let widths = [
        Constraint::Length(8),
        Constraint::Fill(1),
        Constraint::Length(9),
    ];
    let w = &hall.waiting;
    vtable::render(
        frame,
        area,
        b,
        header,
        &widths,
        w.len(),
        app.queues.selected,
        app.queues.offset,
        |i| {
            let x = w.get(i)?;
            let waited = (app.now - x.taken_at).to_std().unwrap_or_default();
            Some(Row::new(vec![
                x.number.clone(),
                prefix(x.area_id),
                fmt_wait(waited),
            ]))
        },
    );
}
