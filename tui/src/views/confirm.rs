//! The confirmation prompt: what will be done to what, its fields, and the keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::App;
use crate::i18n::Msg;
use crate::kinds;
use crate::state::confirm::Intent;

/// What the prompt will do, in one line: `签收 3 张预警` / `acknowledge 3 cards`.
pub fn describe(app: &App, intent: &Intent) -> String {
    let t = |m| app.lang.t(m);
    let cards = |verb: &str, ids: &[i64]| {
        let numbers: Vec<&str> = ids
            .iter()
            .take(3)
            .filter_map(|id| app.alerts.get(*id).map(|a| a.case_no.as_str()))
            .collect();
        let more = if ids.len() > 3 { " …" } else { "" };
        format!(
            "{verb} {} {}: {}{more}",
            ids.len(),
            t(Msg::Cards),
            numbers.join(", ")
        )
    };
    match intent {
        Intent::Anomalies { ids, action } => cards(kinds::anomaly_action(*action, app.lang), ids),
        Intent::Order { ids } => cards(
            kinds::anomaly_action(
                yiwang_core::domain::supervision::cards::AnomalyAction::Order,
                app.lang,
            ),
            ids,
        ),
        Intent::Note { ids } => cards(t(Msg::FieldNote), ids),
        Intent::Display { name, .. } => format!("{} → {name}", t(Msg::KeySend)),
    }
}

pub fn render(app: &App, frame: &mut Frame, body: Rect) {
    let t = |m| app.lang.t(m);
    let Some((c, _)) = &app.confirm else {
        return;
    };
    let w = 72.min(body.width);
    let h = (c.fields.len() as u16 + 6).min(body.height);
    let area = Rect::new(
        body.x + (body.width - w) / 2,
        body.y + (body.height - h) / 2,
        w,
        h,
    );
    let mut lines = vec![Line::from(describe(app, &c.intent)).bold(), Line::raw("")];
    for (i, f) in c.fields.iter().enumerate() {
        let focused = i == c.focus;
        let star = if f.required { "*" } else { " " };
        let cursor = if focused { "▏" } else { "" };
        let value = Span::styled(
            format!("{}{cursor}", f.value),
            if focused {
                Style::new().reversed()
            } else {
                Style::new()
            },
        );
        lines.push(Line::from(vec![
            Span::raw(format!("{star}{}: ", t(f.label))),
            value,
        ]));
    }
    if c.incomplete {
        lines.push(Line::from(t(Msg::ConfirmIncomplete)).red());
    }
    let block = Block::bordered()
        .title(format!(" {} ", t(Msg::ConfirmTitle)))
        .title_bottom(Line::from(format!(" {} ", t(Msg::ConfirmKeys))).dim())
        .border_style(Style::new().magenta());
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}
