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
    // Kept as text in the feed; pretty-printed only for the one event opened.
    let payload = serde_json::from_str::<serde_json::Value>(&e.payload)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| e.payload.to_string());
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
