//! Drawing: a pure function of the state. [`render`] lays out the tab bar, the current view and
//! the status bar, then any popup (help, detail) over them.

pub mod detail;
pub mod health;
pub mod help;
pub mod overview;
pub mod placeholder;
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
            other => placeholder::render(app, other, frame, body),
        }
    }
    status::render(app, frame, status_area);
    match app.input {
        Input::Help => help::render(app, frame, body),
        Input::Detail => detail::render(app, frame, body),
        Input::Normal | Input::Filter => {}
    }
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
