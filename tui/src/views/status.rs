//! The status bar: the link to the server (and staleness), the mode, the user, the time.

use chrono::{FixedOffset, Offset, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};

use crate::app::{App, Auth, Conn, Input, Mode};
use crate::i18n::Msg;
use crate::tabs::Tab;

/// The platform's zone (Asia/Shanghai has no daylight saving): UTC+8.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let mut left: Vec<Span> = Vec::new();
    let link = match (&app.auth, &app.conn) {
        (Auth::Failed(_), _) => Span::styled(
            format!(" ● {} ", t(Msg::LoginFailed)),
            Style::new().white().on_red(),
        ),
        (_, Conn::Down { retry_in_s, .. }) => Span::styled(
            format!(
                " ● {}，{retry_in_s}{} · {} ",
                t(Msg::ServerGone),
                t(Msg::RetryIn),
                t(Msg::Stale)
            ),
            Style::new().white().on_red().bold(),
        ),
        (_, Conn::Connecting) => {
            Span::styled(format!(" ● {} ", t(Msg::Connecting)), Style::new().yellow())
        }
        (Auth::Pending, Conn::Online) => {
            Span::styled(format!(" ● {} ", t(Msg::LoggingIn)), Style::new().yellow())
        }
        (Auth::Ok, Conn::Online) => {
            Span::styled(format!(" ● {} ", t(Msg::Online)), Style::new().green())
        }
    };
    left.push(link);
    left.push(match app.mode {
        Mode::ReadOnly => Span::raw(format!("[{}] ", t(Msg::ReadOnly))),
        Mode::Act => Span::styled(
            format!("[{}]", t(Msg::ActMode)),
            Style::new().white().on_magenta().bold(),
        ),
    });
    // The Cases view shows its search in the view itself.
    if app.tab != Tab::Cases && (app.input == Input::Filter || !app.filter().is_empty()) {
        let cursor = if app.input == Input::Filter {
            "▏"
        } else {
            ""
        };
        left.push(Span::styled(
            format!(" {}: {}{cursor} ", t(Msg::Filter), app.filter()),
            Style::new().cyan(),
        ));
    }
    if let Some((ok, message)) = &app.notice {
        let style = if *ok {
            Style::new().green()
        } else {
            Style::new().yellow().bold()
        };
        left.push(Span::styled(format!(" {message} "), style));
    }
    let user = app.me.as_ref().map_or("", |m| m.username.as_str());
    let clock = app.now.with_timezone(&china()).format("%H:%M");
    // The server's address only where there is room for it.
    let server = if area.width >= 100 {
        app.server.as_str()
    } else {
        ""
    };
    let right = Line::from(format!("{user} {server} {clock} ?{} ", t(Msg::Help)));
    let right_w = right.width() as u16;
    let [l, r] = Layout::horizontal([Constraint::Min(0), Constraint::Length(right_w)]).areas(area);
    frame.render_widget(Line::from(left), l);
    frame.render_widget(right.dim(), r);
}
