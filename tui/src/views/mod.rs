//! Drawing: a pure function of the state. [`render`] lays out the tab bar, the current view and
//! the status bar, then any popup (help, detail) over them.

pub mod alerts;
pub mod cases;
pub mod cockpit;
pub mod confirm;
pub mod detail;
pub mod devices;
pub mod health;
pub mod help;
pub mod overview;
pub mod queues;
pub mod status;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{App, Auth, Input};
use crate::i18n::Msg;
use crate::tabs::Tab;

/// The tab bar, body and status bar of a frame of this size.
pub fn frame_layout(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Draws the whole screen.
pub fn render(app: &App, frame: &mut Frame) {
    let [bar, body, status_area] = frame_layout(frame.area());
    tab_bar(app, frame, bar);
    let tabs = app.tabs();
    if let Auth::Failed(e) = &app.auth {
        let text = format!("{}: {e}", app.lang.t(Msg::LoginFailed));
        frame.render_widget(Paragraph::new(text).red(), body);
    } else if app.me.is_some() && tabs.is_empty() {
        frame.render_widget(Paragraph::new(app.lang.t(Msg::NoViews)), body);
    } else {
        match app.tab {
            Tab::Overview => overview::render(app, frame, body),
            Tab::Health => health::render(app, frame, body),
            Tab::Queues => queues::render(app, frame, body),
            Tab::Alerts => alerts::render(app, frame, body),
            Tab::Cases => cases::render(app, frame, body),
            Tab::Devices => devices::render(app, frame, body),
            Tab::Cockpit => cockpit::render(app, frame, body),
        }
    }
    status::render(app, frame, status_area);
    let under = match (&app.confirm, app.input) {
        (Some((_, back)), Input::Prompt) => *back,
        (_, input) => input,
    };
    match under {
        Input::Help => help::render(app, frame, body),
        Input::Detail => match app.tab {
            Tab::Alerts => alerts::render_detail(app, frame, body),
            Tab::Cases => cases::render_detail(app, frame, body),
            Tab::Devices => devices::render_detail(app, frame, body),
            _ => detail::render(app, frame, body),
        },
        Input::Normal | Input::Filter | Input::Prompt => {}
    }
    if app.input == Input::Prompt {
        confirm::render(app, frame, body);
    }
}

/// The summary line and the table of a list view (Alerts, Cases, Devices).
pub fn list_layout(body: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(body)
}

/// Rows of a list view's table on screen in a terminal of this size.
pub fn list_rows(size: (u16, u16)) -> usize {
    let [_, body, _] = frame_layout(Rect::new(0, 0, size.0, size.1));
    crate::widgets::vtable::visible_rows(list_layout(body)[1])
}

/// A popup over most of the body.
pub fn popup_area(body: Rect) -> Rect {
    Rect::new(
        body.x + body.width / 20,
        body.y + body.height / 20,
        body.width - body.width / 10,
        body.height - body.height / 10,
    )
}

/// How long ago: `35m`, `5h12m`, `3d4h`.
pub fn fmt_age(d: chrono::Duration) -> String {
    let m = d.num_minutes().max(0);
    if m < 60 {
        format!("{m}m")
    } else if m < 24 * 60 {
        format!("{}h{:02}m", m / 60, m % 60)
    } else {
        format!("{}d{}h", m / (24 * 60), m / 60 % 24)
    }
}

/// A time as people here read it: `03-02 09:30`.
pub fn fmt_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&status::china())
        .format("%m-%d %H:%M")
        .to_string()
}

fn tab_bar(app: &App, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for t in app.tabs() {
        let label = format!(" {} {} ", t.number(), app.lang.t(t.title()));
        let style = if t == app.tab {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new()
        };
        spans.push(Span::styled(label, style));
    }
    // The console's name only where the tabs leave room for it.
    let title = Span::styled(
        format!(" {} │", app.lang.t(Msg::Title)),
        Style::new().bold(),
    );
    if Line::from(spans.clone()).width() + title.width() <= usize::from(area.width) {
        spans.insert(0, title);
    }
    frame.render_widget(Line::from(spans), area);
}

/// A bordered block titled with a message, marked stale while the server is away.
pub fn block<'a>(app: &App, title: Msg) -> ratatui::widgets::Block<'a> {
    let mut t = format!(" {} ", app.lang.t(title));
    if app.stale() {
        t.push_str(&format!("[{}] ", app.lang.t(Msg::Stale)));
    }
    let b = ratatui::widgets::Block::bordered().title(t);
    if app.stale() { b.dim() } else { b }
}
