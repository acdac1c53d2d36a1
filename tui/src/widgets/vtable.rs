//! A virtualised table: it asks for the rows on screen only, so 100,000 rows cost what 20 do.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Row, Table};

/// Rows `offset..offset + height` of `len`, built by `row`, with `selected` highlighted.
/// The offset is adjusted here too, so a stale offset still shows the selected row.
#[allow(clippy::too_many_arguments)]
pub fn render<'a>(
    frame: &mut Frame,
    area: Rect,
    block: Block<'a>,
    header: Row<'a>,
    widths: &[Constraint],
    len: usize,
    selected: usize,
    offset: usize,
    row: impl Fn(usize) -> Option<Row<'a>>,
) {
    let height = visible_rows(area);
    let offset = if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    };
    let rows = (offset..len.min(offset + height)).filter_map(|i| {
        let r = row(i)?;
        Some(if i == selected {
            r.style(Style::new().add_modifier(Modifier::REVERSED))
        } else {
            r
        })
    });
    let table = Table::new(rows, widths.to_vec())
        .header(header.style(Style::new().add_modifier(Modifier::BOLD)))
        .block(block);
    frame.render_widget(table, area);
}

/// Data rows that fit in a bordered table with a header in `area`.
pub fn visible_rows(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(3)).max(1)
}
