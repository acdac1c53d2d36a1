//! Cockpit (驾驶舱, R-3.4): the last 30 days' headline figures, cases received per region and
//! per department as bar charts, and the daily cases received and concluded and hall visits as
//! sparklines. Figures come from the cockpit endpoints; a failed refresh keeps the last ones.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Paragraph, Sparkline};
use yiwang_core::wire::cockpit::{CockpitRow, Counters, Figures};

use crate::app::App;
use crate::i18n::Msg;
use crate::views::block;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = |m| app.lang.t(m);
    let outer = block(app, Msg::TabCockpit);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(d) = &app.cockpit.data else {
        let msg = match app.cockpit.error {
            Some(_) => Msg::CockpitUnreadable,
            None => Msg::CockpitLoading,
        };
        frame.render_widget(Paragraph::new(t(msg)).dim(), inner);
        return;
    };
    let spark = if inner.height >= 30 { 8 } else { 4 };
    let [head, bars, sparks] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(spark),
    ])
    .areas(inner);
    let mut total = Counters::default();
    for p in &d.trend.points {
        total += &p.figures.counters;
    }
    let f = Figures::of(total);
    let pct = |x: Option<f64>| x.map_or("—".to_owned(), |x| format!("{:.0}%", x * 100.0));
    let mut spans = vec![
        Span::raw(format!("{}  ", t(Msg::CockpitPeriod))).bold(),
        Span::raw(format!("{} {}  ", t(Msg::CockpitReceived), total.received)),
        Span::raw(format!(
            "{} {}  ",
            t(Msg::CockpitConcluded),
            total.concluded
        )),
        Span::raw(format!(
            "{} {}  ",
            t(Msg::CockpitOnTime),
            pct(f.on_time_rate)
        )),
        Span::raw(format!(
            "{} {}  ",
            t(Msg::CockpitOnline),
            pct(f.online_share)
        )),
        Span::raw(format!(
            "{} {}  ",
            t(Msg::CockpitSatisfaction),
            f.satisfaction.map_or("—".to_owned(), |s| format!("{s:.1}"))
        )),
        Span::raw(format!("{} {}", t(Msg::CockpitVisits), total.visits)),
    ];
    if app.cockpit.error.is_some() {
        spans.insert(1, Span::raw(format!("{}  ", t(Msg::CockpitStale))).red());
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), head);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bars);
    bar_chart(frame, left, t(Msg::CockpitByRegion), &d.regions.rows);
    bar_chart(
        frame,
        right,
        t(Msg::CockpitByDepartment),
        &d.departments.rows,
    );
    let series = |pick: fn(&Counters) -> i64| -> Vec<u64> {
        d.trend
            .points
            .iter()
            .map(|p| u64::try_from(pick(&p.figures.counters)).unwrap_or(0))
            .collect()
    };
    let [a, b, c] = Layout::horizontal([
        Constraint::Ratio(1, 3),
        Constraint::Ratio(1, 3),
        Constraint::Ratio(1, 3),
    ])
    .areas(sparks);
    let lines: [(Rect, Msg, Vec<u64>, Style); 3] = [
        (
            a,
            Msg::CockpitDailyReceived,
            series(|c| c.received),
            Style::new().cyan(),
        ),
        (
            b,
            Msg::CockpitDailyConcluded,
            series(|c| c.concluded),
            Style::new().green(),
        ),
        (
            c,
            Msg::CockpitDailyVisits,
            series(|c| c.visits),
            Style::new().yellow(),
        ),
    ];
    for (area, title, data, style) in lines {
        let skip = data
            .len()
            .saturating_sub(usize::from(area.width.saturating_sub(2)));
        frame.render_widget(
            Sparkline::default()
                .block(Block::bordered().title(t(title)))
                .data(&data[skip..])
                .style(style),
            area,
        );
    }
}

/// Cases received per row, the largest first, as many as fit.
fn bar_chart(frame: &mut Frame, area: Rect, title: &str, rows: &[CockpitRow]) {
    let mut sorted: Vec<&CockpitRow> = rows.iter().collect();
    sorted.sort_by(|x, y| {
        y.figures
            .counters
            .received
            .cmp(&x.figures.counters.received)
            .then_with(|| x.name.cmp(&y.name))
    });
    let fit = usize::from(area.height.saturating_sub(2));
    let bars: Vec<Bar> = sorted
        .into_iter()
        .take(fit)
        .map(|r| {
            Bar::default()
                .label(Line::from(r.name.clone()))
                .value(u64::try_from(r.figures.counters.received).unwrap_or(0))
        })
        .collect();
    frame.render_widget(
        BarChart::default()
            .block(Block::bordered().title(title.to_owned()))
            .direction(Direction::Horizontal)
            .bar_width(1)
            .bar_gap(0)
            .bar_style(Style::new().cyan())
            .data(BarGroup::default().bars(&bars)),
        area,
    );
}
