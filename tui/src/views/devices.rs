//! Devices (设备): every hall device in scope by hall and kind, with status (online, offline,
//! disabled), last heartbeat, firmware and pending commands; in act mode, for callers holding
//! `device.command`, `S` sends a text to the selected device. Enter opens a device with its
//! pending commands.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Row, Wrap};
use yiwang_core::wire::devices::{Command, Device, DeviceStatus};

use crate::app::{App, Mode};
use crate::i18n::Msg;
use crate::kinds;
use crate::views::{block, fmt_age, fmt_time, list_layout, popup_area};
use crate::widgets::vtable;

/// The hall's name when the console knows it (from the Queues view's list), else its id.
fn hall_name(app: &App, d: &Device) -> String {
    app.queues
        .halls
        .as_ref()
        .and_then(|h| h.iter().find(|h| h.id == d.hall_id))
        .map_or_else(|| format!("#{}", d.hall_id.0), |h| h.name.clone())
}

fn status(app: &App, d: &Device) -> Span<'static> {
    let t = |m| app.lang.t(m);
    match d.status {
        DeviceStatus::Disabled => Span::raw(t(Msg::Disabled)).dim(),
        DeviceStatus::Retired => Span::raw(t(Msg::Retired)).dim(),
        DeviceStatus::Enabled if d.online => Span::styled(t(Msg::Online2), Style::new().green()),
        DeviceStatus::Enabled => Span::styled(t(Msg::Offline), Style::new().red().bold()),
    }
}

fn last_seen(app: &App, d: &Device) -> String {
    d.last_seen_at.map_or_else(
        || app.lang.t(Msg::Never).to_owned(),
        |at| fmt_age(app.now - at),
    )
}

fn hints(app: &App) -> Option<Span<'static>> {
    if !app.may_act_here() {
        return None;
    }
    Some(match app.mode {
        Mode::ReadOnly => Span::raw(app.lang.t(Msg::EnterAct)).dim(),
        Mode::Act => Span::styled(
            format!("S {}", app.lang.t(Msg::KeySend)),
            Style::new().magenta(),
        ),
    })
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let ds = &app.devices;
    let [summary, table] = list_layout(area);
    let all = ds.all();
    let online = all.iter().filter(|d| d.online).count();
    let mut spans = vec![
        Span::raw(format!(" {} {} · ", all.len(), t(Msg::Devices))),
        Span::styled(
            format!("{} {online}", t(Msg::Online2)),
            Style::new().green(),
        ),
        Span::raw(" · "),
        Span::styled(
            format!("{} {}", t(Msg::Offline), all.len() - online),
            Style::new().red(),
        ),
    ];
    if ds.len() != all.len() {
        spans.push(Span::raw(format!(" · {}: {}", t(Msg::Filter), ds.len())));
    }
    if let Some(h) = hints(app) {
        spans.push(Span::raw("  "));
        spans.push(h);
    }
    frame.render_widget(Line::from(spans), summary);

    let b = block(app, Msg::TabDevices);
    let message = match (&ds.error, ds.loaded) {
        (Some(e), _) => Some(Paragraph::new(format!("{}: {e}", t(Msg::DevicesUnreadable))).red()),
        (None, false) => Some(Paragraph::new(t(Msg::LoadingDevices)).dim()),
        (None, true) if ds.is_empty() => Some(Paragraph::new(t(Msg::NoDevices)).dim()),
        _ => None,
    };
    if let Some(p) = message {
        frame.render_widget(p.block(b), table);
        return;
    }
    let wide = table.width >= 120;
    let mut header = vec![
        t(Msg::Hall),
        t(Msg::Kind2),
        t(Msg::Name),
        t(Msg::Status),
        t(Msg::LastSeen),
        t(Msg::Pending),
    ];
    let mut widths = vec![
        Constraint::Length(if wide { 16 } else { 10 }),
        Constraint::Length(if wide { 14 } else { 10 }),
        Constraint::Fill(1),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
    ];
    if wide {
        header.push(t(Msg::Firmware));
        widths.push(Constraint::Length(14));
    }
    vtable::render(
        frame,
        table,
        b,
        Row::new(header),
        &widths,
        ds.len(),
        ds.selected,
        ds.offset,
        |i| {
            let d = ds.row(i)?;
            let mut cells = vec![
                Line::from(hall_name(app, d)),
                Line::from(kinds::device_kind(&d.kind, app.lang)),
                Line::from(d.name.clone()),
                Line::from(status(app, d)),
                Line::from(last_seen(app, d)),
                Line::from(d.pending_commands.to_string()),
            ];
            if wide {
                cells.push(Line::from(d.firmware.clone().unwrap_or_default()));
            }
            Some(Row::new(cells))
        },
    );
}

/// A command in one line: its kind and what it carries that people read.
fn describe(c: &Command) -> String {
    match c {
        Command::Display { text, .. } => format!("display “{text}”"),
        Command::Call(call) => format!("call {} → {}", call.number, call.window_number),
        other => other.kind().to_owned(),
    }
}

pub fn render_detail(app: &App, frame: &mut Frame, body: Rect) {
    let t = |m| app.lang.t(m);
    let area = popup_area(body);
    let Some(d) = app.devices.row(app.devices.selected) else {
        return;
    };
    let title = format!(" {} · {} ", kinds::device_kind(&d.kind, app.lang), d.name);
    let mut lines = vec![
        Line::from(vec![
            Span::raw(format!("{}: {} · ", t(Msg::Hall), hall_name(app, d))),
            status(app, d),
        ]),
        Line::from(format!(
            "{}: {} · {}: {}",
            t(Msg::LastSeen),
            last_seen(app, d),
            t(Msg::Firmware),
            d.firmware.as_deref().unwrap_or("—"),
        )),
    ];
    lines.push(Line::raw(""));
    lines.push(Line::from(t(Msg::PendingCommands)).bold());
    match &app.devices.detail {
        Some(o) if o.device.id == d.id => {
            for c in &o.pending {
                lines.push(Line::from(format!(
                    "  #{}  {}  {}  {}",
                    c.id.0,
                    fmt_time(c.created_at),
                    kinds::command_status(c.status, app.lang),
                    describe(&c.command),
                )));
            }
        }
        _ => lines.push(Line::from(t(Msg::Loading)).dim()),
    }
    let mut b = ratatui::widgets::Block::bordered().title(title);
    if let Some(h) = hints(app) {
        b = b.title_bottom(Line::from(vec![Span::raw(" "), h, Span::raw(" ")]));
    }
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(b),
        area,
    );
}
