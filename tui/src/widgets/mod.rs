//! Widgets shared by the views.

pub mod vtable;

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// `label  value` with the value styled.
pub fn kv<'a>(label: &str, value: String, style: Style) -> Line<'a> {
    Line::from(vec![
        Span::raw(format!("{label}: ")),
        Span::styled(value, style),
    ])
}

/// Green when good, red when not.
pub fn ok_style(ok: bool) -> Style {
    if ok {
        Style::new().green()
    } else {
        Style::new().red().bold()
    }
}
