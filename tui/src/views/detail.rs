//! The selected event, opened with Enter: every field and its payload.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::App;
use crate::i18n::Msg;

pub fn render(app: &App, frame: &mut Frame, body: Rect) {
    let Some(e) = app.feed.row(app.feed.selected) else {
        return;
    };
    let area = Rect::new(
        body.x + body.width / 10,
        body.y + body.height / 10,
        body.width - body.width / 5,
        body.height - body.height / 5,
    );
    let payload = serde_json::to_string_pretty(&e.payload).unwrap_or_default();
    let text = format!(
        "#{}  {}\n{}  {}\n{}\n\n{payload}",
        e.id.0,
        e.at.with_timezone(&crate::views::status::china())
            .format("%Y-%m-%d %H:%M:%S"),
        crate::kinds::kind(&e.kind, app.lang),
        e.kind,
        crate::kinds::entity(&e.entity, e.entity_id, app.lang),
    );
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" {} ", app.lang.t(Msg::Detail)))),
        area,
    );
}
