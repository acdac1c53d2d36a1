//! Cases (办件): the search (`/` then a case number, an applicant's ID number, an item code or a
//! status; the number shows masked once searched), its results (applicants' numbers as the
//! server sends them: masked), and a case opened with Enter: its clocks, materials and history.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Row, Wrap};
use yiwang_core::wire::cases::Case;

use crate::app::{App, Input};
use crate::i18n::Msg;
use crate::kinds;
use crate::state::cases::masked_query;
use crate::views::{block, fmt_time, list_layout, popup_area};
use crate::widgets::vtable;

/// Promised working days left, `—` before acceptance or after the conclusion.
fn days_left(c: &Case) -> String {
    match (&c.promised_clock, c.concluded_at) {
        (Some(clock), None) => clock.remaining_working_days.to_string(),
        _ => "—".to_owned(),
    }
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let cs = &app.cases;
    let [summary, table] = list_layout(area);
    let line = match (&cs.searched, app.input == Input::Filter) {
        (_, true) => Line::from(format!(" {}: {}▏", t(Msg::Search), cs.query)).cyan(),
        (Some(q), false) if !q.is_empty() => {
            let mut spans = vec![Span::styled(
                format!(" {}: {}", t(Msg::Search), masked_query(q)),
                Style::new().cyan(),
            )];
            if let Some(r) = &cs.results {
                spans.push(Span::raw(format!(" · {}", r.len())));
            }
            Line::from(spans)
        }
        _ => Line::from(format!(" {}", t(Msg::SearchHint))).dim(),
    };
    frame.render_widget(line, summary);

    let mut b = block(app, Msg::TabCases);
    if cs.more {
        b = b.title_bottom(Line::from(format!(" {} ", t(Msg::MoreResults))).yellow());
    }
    let message = match (&cs.error, &cs.results, cs.searching) {
        (Some(e), _, _) => Some(Paragraph::new(format!("{}: {e}", t(Msg::CasesUnreadable))).red()),
        (None, _, true) => Some(Paragraph::new(t(Msg::Searching)).dim()),
        (None, None, false) => Some(Paragraph::new(t(Msg::SearchHint)).dim()),
        (None, Some(r), false) if r.is_empty() => Some(Paragraph::new(t(Msg::NoCases)).dim()),
        _ => None,
    };
    if let Some(p) = message {
        frame.render_widget(p.block(b), table);
        return;
    }
    let wide = table.width >= 120;
    let mut header = vec![
        t(Msg::CaseNo),
        t(Msg::Item),
        t(Msg::Applicant),
        t(Msg::Status),
        t(Msg::Deadline),
    ];
    let mut widths = vec![
        Constraint::Length(22),
        Constraint::Fill(1),
        Constraint::Length(if wide { 30 } else { 12 }),
        Constraint::Length(10),
        Constraint::Length(8),
    ];
    if wide {
        header.push(t(Msg::Submitted));
        widths.push(Constraint::Length(12));
    }
    vtable::render(
        frame,
        table,
        b,
        Row::new(header),
        &widths,
        cs.len(),
        cs.selected,
        cs.offset,
        |i| {
            let c = cs.row(i)?;
            let applicant = if wide {
                format!("{} {}", c.applicant.name, c.applicant.id_number)
            } else {
                c.applicant.name.clone()
            };
            let mut cells = vec![
                c.case_no.clone(),
                c.item_name.clone(),
                applicant,
                kinds::case_status(c.status, app.lang).to_owned(),
                days_left(c),
            ];
            if wide {
                cells.push(fmt_time(c.submitted_at));
            }
            Some(Row::new(cells))
        },
    );
}

pub fn render_detail(app: &App, frame: &mut Frame, body: Rect) {
    let t = |m| app.lang.t(m);
    let area = popup_area(body);
    let Some(selected) = app.cases.row(app.cases.selected) else {
        return;
    };
    let title = format!(" {} {} ", t(Msg::TabCases), selected.case_no);
    let mut lines = Vec::new();
    match &app.cases.open {
        Some(o) if o.case.id == selected.id => {
            let c = &o.case;
            lines.push(Line::from(format!(
                "{} · {} ({})",
                kinds::case_status(c.status, app.lang),
                c.item_name,
                c.item_code
            )));
            lines.push(Line::from(format!(
                "{}: {} {}",
                t(Msg::Applicant),
                c.applicant.name,
                c.applicant.id_number
            )));
            lines.push(Line::from(format!(
                "{}: {} · {}: {}",
                t(Msg::Submitted),
                fmt_time(c.submitted_at),
                t(Msg::Deadline),
                days_left(c)
            )));
            lines.push(Line::from(format!(
                "{}: {}",
                t(Msg::Materials),
                c.materials.join("、")
            )));
            lines.push(Line::raw(""));
            lines.push(Line::from(t(Msg::History)).bold());
            for h in &o.history {
                lines.push(Line::from(format!(
                    "  {}  {}  {} → {}  {} {}  {}",
                    fmt_time(h.at),
                    h.actor,
                    h.action,
                    kinds::case_status(h.status, app.lang),
                    t(Msg::Step),
                    h.step + 1,
                    h.opinion.as_deref().unwrap_or(""),
                )));
            }
        }
        _ => lines.push(Line::from(t(Msg::Loading)).dim()),
    }
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(ratatui::widgets::Block::bordered().title(title)),
        area,
    );
}
