//! Alerts (预警), the supervision office's triage: live cards red first and oldest first, with
//! marks for bulk actions, the filter, and (in act mode, for callers holding
//! `supervision.manage`) the actions' keys. Enter opens a card with its notes, the other cards
//! of its case and the case's history (the replay). Only the rows on screen are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Row, Wrap};
use yiwang_core::domain::supervision::Severity;
use yiwang_core::domain::supervision::cards::AnomalyAction;
use yiwang_core::wire::supervision::Anomaly;

use crate::app::{App, Mode};
use crate::i18n::{Lang, Msg};
use crate::kinds;
use crate::views::{block, fmt_age, fmt_time, list_layout, popup_area};
use crate::widgets::vtable;

fn severity_span(severity: Severity, lang: Lang) -> Span<'static> {
    let label = format!("■ {}", kinds::severity(severity, lang));
    match severity {
        Severity::Red => Span::styled(label, Style::new().red().bold()),
        Severity::Yellow => Span::styled(label, Style::new().yellow()),
    }
}

fn step(step: i64, lang: Lang) -> String {
    if step < 0 {
        lang.t(Msg::WholeCase).to_owned()
    } else {
        (step + 1).to_string()
    }
}

/// The action keys this caller is offered here, or the hint to switch to act mode.
pub fn hints(app: &App) -> Option<Span<'static>> {
    if !app.may_act_here() {
        return None;
    }
    let t = |m| app.lang.t(m);
    Some(match app.mode {
        Mode::ReadOnly => Span::raw(t(Msg::EnterAct).to_owned()).dim(),
        Mode::Act => Span::styled(
            format!(
                "A {} · O {} · D {} · N {} · Space {}",
                kinds::anomaly_action(AnomalyAction::Acknowledge, app.lang),
                kinds::anomaly_action(AnomalyAction::Order, app.lang),
                kinds::anomaly_action(AnomalyAction::Dismiss, app.lang),
                t(Msg::FieldNote),
                t(Msg::Mark),
            ),
            Style::new().magenta(),
        ),
    })
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let al = &app.alerts;
    let [summary, table] = list_layout(area);
    let mut spans = vec![
        Span::raw(format!(" {} {} · ", al.total(), t(Msg::Cards))),
        Span::styled(
            format!("{} {}", t(Msg::Red), al.red()),
            Style::new().red().bold(),
        ),
    ];
    if al.len() != al.total() {
        spans.push(Span::raw(format!(" · {}: {}", t(Msg::Filter), al.len())));
    }
    if !al.marked.is_empty() {
        spans.push(Span::styled(
            format!(" · {} {}", t(Msg::Marked), al.marked.len()),
            Style::new().cyan(),
        ));
    }
    if let Some(h) = hints(app) {
        spans.push(Span::raw("  "));
        spans.push(h);
    }
    frame.render_widget(Line::from(spans), summary);

    let b = block(app, Msg::TabAlerts);
    if !al.loaded {
        let text = match &al.error {
            Some(e) => Paragraph::new(format!("{}: {e}", t(Msg::CardsUnreadable))).red(),
            None => Paragraph::new(t(Msg::LoadingCards)).dim(),
        };
        frame.render_widget(text.block(b), table);
        return;
    }
    if al.is_empty() {
        frame.render_widget(Paragraph::new(t(Msg::NoCards)).dim().block(b), table);
        return;
    }
    let wide = table.width >= 120;
    let mut header = vec![
        "",
        t(Msg::Severity),
        t(Msg::Age),
        t(Msg::Kind),
        t(Msg::CaseNo),
        t(Msg::Step),
        t(Msg::Status),
    ];
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(10),
        Constraint::Fill(1),
        Constraint::Length(4),
        Constraint::Length(12),
    ];
    if wide {
        // Names, not ids: a department's name runs to 7–9 CJK characters.
        let (region, department) = if table.width >= 160 {
            (12, 18)
        } else {
            (10, 12)
        };
        header.extend([t(Msg::Rule), t(Msg::Region), t(Msg::Department)]);
        widths.extend([
            Constraint::Length(28),
            Constraint::Length(region),
            Constraint::Length(department),
        ]);
    }
    vtable::render(
        frame,
        table,
        b,
        Row::new(header),
        &widths,
        al.len(),
        al.selected,
        al.offset,
        |i| {
            let a = al.row(i)?;
            let mark = if al.marked.contains(&a.id) { "*" } else { "" };
            let status = kinds::anomaly_status(a.status, app.lang);
            let mut cells = vec![
                Line::from(mark).cyan(),
                Line::from(severity_span(a.severity, app.lang)),
                Line::from(fmt_age(app.now - a.opened_at())),
                Line::from(kinds::rule_kind(a.kind, app.lang)),
                Line::from(a.case_no.to_string()),
                Line::from(step(a.step, app.lang)),
                Line::from(status),
            ];
            if wide {
                cells.extend([
                    Line::from(a.rule_code.to_string()),
                    Line::from(app.names.region(a.region_id)),
                    Line::from(app.names.department(a.department_id)),
                ]);
            }
            let row = Row::new(cells);
            Some(if a.inhibited { row.dim() } else { row })
        },
    );
}

/// Facts as `name = value`, in name order (read with the card's detail: the list leaves them out).
fn facts(a: &Anomaly) -> String {
    match a.facts.as_object() {
        Some(m) => m
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        None => a.facts.to_string(),
    }
}

pub fn render_detail(app: &App, frame: &mut Frame, body: Rect) {
    let t = |m| app.lang.t(m);
    let area = popup_area(body);
    let Some(card) = app.alerts.row(app.alerts.selected) else {
        return;
    };
    let title = format!(" {} #{} · {} ", t(Msg::Card), card.id, card.case_no);
    let mut lines = vec![
        Line::from(vec![
            severity_span(card.severity, app.lang),
            Span::raw(format!(
                "  {} · {} · {} {} · {}",
                kinds::rule_kind(card.kind, app.lang),
                card.rule_code,
                t(Msg::Step),
                step(card.step, app.lang),
                kinds::anomaly_status(card.status, app.lang),
            )),
        ]),
        Line::from(format!(
            "{} · {} {} · {} {} · {} {}",
            fmt_time(card.opened_at()),
            t(Msg::Age),
            fmt_age(app.now - card.opened_at()),
            t(Msg::Region),
            app.names.region_with_id(card.region_id),
            t(Msg::Department),
            app.names.department_with_id(card.department_id),
        )),
    ];
    let detail = app
        .alerts
        .detail
        .as_ref()
        .filter(|d| d.anomaly.id == card.id);
    if let Some(d) = detail {
        lines.push(Line::from(format!(
            "{}: {}",
            t(Msg::Facts),
            facts(&d.anomaly)
        )));
    }
    if card.inhibited {
        lines.push(Line::from(t(Msg::Inhibited)).dim());
    }
    if let Some(until) = card.silenced_until() {
        lines.push(Line::from(format!("{} {}", t(Msg::Silenced), fmt_time(until))).dim());
    }
    match detail {
        Some(d) => {
            lines.push(Line::raw(""));
            lines.push(Line::from(t(Msg::Notes)).bold());
            for n in &d.notes {
                lines.push(Line::from(format!(
                    "  {}  {}  {}  {}",
                    fmt_time(n.at),
                    n.actor,
                    n.action,
                    n.note.as_deref().unwrap_or("")
                )));
            }
            let others: Vec<_> = d.case_cards.iter().filter(|c| c.id != card.id).collect();
            if !others.is_empty() {
                lines.push(Line::raw(""));
                lines.push(Line::from(t(Msg::CaseCards)).bold());
                for c in others {
                    lines.push(Line::from(vec![
                        Span::raw("  "),
                        severity_span(c.severity, app.lang),
                        Span::raw(format!(
                            " #{} {} {}",
                            c.id,
                            c.rule_code,
                            kinds::anomaly_status(c.status, app.lang)
                        )),
                    ]));
                }
            }
            lines.push(Line::raw(""));
            lines.push(Line::from(t(Msg::Replay)).bold());
            for h in &d.case_history {
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
        None => lines.push(Line::from(t(Msg::Loading)).dim()),
    }
    let mut b = ratatui::widgets::Block::bordered().title(title);
    if let Some(h) = hints(app) {
        b = b.title_bottom(Line::from(vec![Span::raw(" "), h, Span::raw(" ")]));
    }
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(b),
        area,
    );
}
