//! Help: every key, read from the same table that dispatch uses.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Row, Table};

use crate::app::App;
use crate::i18n::Msg;
use crate::keys::BINDINGS;

/// One column of keys when they fit the height, two side by side when they do not.
pub fn render(app: &App, frame: &mut Frame, body: Rect) {
    let fits = usize::from(body.height.saturating_sub(2)).max(1);
    let columns = BINDINGS.len().div_ceil(fits).clamp(1, 2);
    let per_column = BINDINGS.len().div_ceil(columns);
    let h = (per_column as u16 + 2).min(body.height);
    let w = (60 * columns as u16).min(body.width);
    let area = Rect::new(
        body.x + (body.width - w) / 2,
        body.y + (body.height - h) / 2,
        w,
        h,
    );
    let block = Block::bordered()
        .title(format!(" {} ", app.lang.t(Msg::Help)))
        .title_bottom(Line::from(format!(" {} ", app.lang.t(Msg::HelpClose))).dim());
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let halves = Layout::horizontal(vec![Constraint::Fill(1); columns]).split(inner);
    for (chunk, col) in BINDINGS.chunks(per_column).zip(halves.iter()) {
        let rows = chunk
            .iter()
            .map(|b| Row::new(vec![b.label.to_owned(), app.lang.t(b.help).to_owned()]));
        frame.render_widget(
            Table::new(rows, [Constraint::Length(10), Constraint::Fill(1)]),
            *col,
        );
    }
}
