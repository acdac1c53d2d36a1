//! The views whose data the server does not offer yet: an honest empty state, no invented data.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::i18n::Msg;
use crate::tabs::Tab;
use crate::views::block;

pub fn render(app: &App, tab: Tab, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let pad = usize::from(area.height.saturating_sub(4) / 2);
    let mut lines = vec![Line::raw(""); pad];
    lines.push(Line::from(t(Msg::NotOffered)).bold());
    lines.push(Line::raw(""));
    lines.push(Line::from(t(Msg::NotOfferedHint)).dim());
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .block(block(app, tab.title())),
        area,
    );
}
