//! Help: every key, read from the same table that dispatch uses.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Row, Table};

use crate::app::App;
use crate::i18n::Msg;
use crate::keys::BINDINGS;

pub fn render(app: &App, frame: &mut Frame, body: Rect) {
    let h = (BINDINGS.len() as u16 + 2).min(body.height);
    let w = 60.min(body.width);
    let area = Rect::new(
        body.x + (body.width - w) / 2,
        body.y + (body.height - h) / 2,
        w,
        h,
    );
    let rows = BINDINGS
        .iter()
        .map(|b| Row::new(vec![b.label.to_owned(), app.lang.t(b.help).to_owned()]));
    let block = Block::bordered()
        .title(format!(" {} ", app.lang.t(Msg::Help)))
        .title_bottom(Line::from(format!(" {} ", app.lang.t(Msg::HelpClose))).dim());
    frame.render_widget(Clear, area);
    frame.render_widget(
        Table::new(rows, [Constraint::Length(10), Constraint::Fill(1)]).block(block),
        area,
    );
}
