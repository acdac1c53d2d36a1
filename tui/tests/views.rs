//! Snapshots of every view at 80×24 and 160×48, in Chinese and English.
#![allow(clippy::unwrap_used, reason = "tests: a failure is a test failure")]

mod fixture;

use crossterm::event::KeyCode;
use fixture::{app, code, draw, key};
use yiwang_console::action::Action;
use yiwang_console::app::App;
use yiwang_console::i18n::Lang;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];
const LANGS: [(Lang, &str); 2] = [(Lang::Zh, "zh"), (Lang::En, "en")];

/// Snapshots a state reached by `steps`, in both languages and both sizes.
fn snap(name: &str, steps: impl Fn(&mut App)) {
    for (lang, l) in LANGS {
        for size in SIZES {
            let mut a = app(lang, size);
            steps(&mut a);
            insta::assert_snapshot!(format!("{name}_{l}_{}x{}", size.0, size.1), draw(&a));
        }
    }
}

#[test]
fn overview() {
    snap("overview", |_| {});
}

#[test]
fn overview_with_the_server_gone_keeps_data_marked_stale() {
    snap("overview_stale", |a| {
        a.update(Action::ServerDown {
            error: "connection refused".into(),
            retry_in_s: 4,
        });
    });
}

#[test]
fn overview_filtered_with_a_row_selected() {
    snap("overview_filtered", |a| {
        for c in "/user".chars() {
            a.update(key(c));
        }
        a.update(code(KeyCode::Enter));
        a.update(key('j'));
    });
}

#[test]
fn event_detail() {
    snap("detail", |a| {
        a.update(code(KeyCode::Enter));
    });
}

#[test]
fn health() {
    snap("health", |a| {
        a.update(key('6'));
    });
}

#[test]
fn cockpit_before_its_figures_are_read() {
    snap("cockpit_loading", |a| {
        a.update(key('7'));
    });
}

#[test]
fn cockpit_bars_per_region_and_department_and_daily_sparklines() {
    snap("cockpit", |a| {
        a.update(key('7'));
        a.update(Action::Cockpit(Box::new(fixture::cockpit())));
    });
}

#[test]
fn alerts_red_first_then_oldest() {
    snap("alerts", |a| {
        a.update(Action::Anomalies(fixture::cards(40)));
        a.update(key('3'));
        a.update(key('j'));
    });
}

#[test]
fn alerts_before_the_cards_are_read() {
    snap("alerts_loading", |a| {
        a.update(key('3'));
    });
}

#[test]
fn an_alert_opened_shows_its_notes_and_the_case_replay() {
    snap("alerts_detail", |a| {
        a.update(Action::Anomalies(fixture::cards(40)));
        a.update(key('3'));
        a.update(code(KeyCode::Enter));
        let id = a.alerts.row(a.alerts.selected).unwrap().id;
        a.update(fixture::anomaly_detail(id));
    });
}

#[test]
fn a_bulk_acknowledge_asks_for_confirmation_in_act_mode() {
    snap("alerts_prompt", |a| {
        a.update(Action::Anomalies(fixture::cards(40)));
        a.update(key('3'));
        a.update(key('a'));
        a.update(key(' '));
        a.update(key('j'));
        a.update(key(' '));
        a.update(key('A'));
        for c in "已核实".chars() {
            a.update(key(c));
        }
    });
}

#[test]
fn cases_found_by_a_search() {
    snap("cases", |a| {
        a.update(key('4'));
        for c in "/in_review".chars() {
            a.update(key(c));
        }
        a.update(code(KeyCode::Enter));
        a.update(fixture::cases(30));
    });
}

#[test]
fn a_case_opened_shows_its_history() {
    snap("cases_detail", |a| {
        a.update(fixture::cases(30));
        a.update(key('4'));
        a.update(key('j'));
        a.update(code(KeyCode::Enter));
        a.update(fixture::case_opened());
    });
}

#[test]
fn devices_by_hall_and_kind() {
    snap("devices", |a| {
        a.update(fixture::halls(false));
        a.update(fixture::devices());
        a.update(key('5'));
    });
}

#[test]
fn a_device_opened_shows_its_pending_commands() {
    snap("devices_detail", |a| {
        a.update(fixture::devices());
        a.update(key('5'));
        a.update(key('j'));
        a.update(code(KeyCode::Enter));
        a.update(fixture::device_opened());
    });
}

#[test]
fn sending_a_text_to_a_device_asks_for_confirmation() {
    snap("devices_prompt", |a| {
        a.update(fixture::devices());
        a.update(key('5'));
        a.update(key('a'));
        a.update(key('j'));
        a.update(key('S'));
        for c in "暂停服务10分钟".chars() {
            a.update(key(c));
        }
    });
}

#[test]
fn queues_with_no_hall() {
    snap("queues_empty", |a| {
        a.update(Action::Halls(vec![]));
        a.update(key('2'));
    });
}

#[test]
fn queues_of_a_small_hall() {
    snap("queues_small", |a| {
        a.update(fixture::halls(false));
        a.update(fixture::hall_snapshot(3));
        a.update(key('2'));
    });
}

#[test]
fn queues_with_a_waiting_list_longer_than_the_screen_and_two_halls() {
    snap("queues_long", |a| {
        a.update(fixture::halls(true));
        a.update(fixture::hall_snapshot(2_000));
        a.update(key('2'));
        for _ in 0..30 {
            a.update(key('j'));
        }
    });
}

#[test]
fn overview_with_hall_queues() {
    snap("overview_halls", |a| {
        a.update(fixture::halls(true));
        a.update(fixture::hall_snapshot(3));
        a.update(Action::Events(vec![
            fixture::ticket_event(100, "ticket.taken", 50, None, "waiting"),
            fixture::ticket_event(101, "ticket.taken", 51, None, "waiting"),
        ]));
    });
}

#[test]
fn help() {
    snap("help", |a| {
        a.update(key('?'));
    });
}

#[test]
fn act_mode_shows_in_the_status_bar() {
    snap("act_mode", |a| {
        a.update(key('a'));
    });
}

#[test]
fn before_login_and_with_no_data() {
    for (lang, l) in LANGS {
        let mut a = App::new(lang, "http://127.0.0.1:8080".into(), fixture::t0());
        a.update(Action::Resize(80, 24));
        insta::assert_snapshot!(format!("connecting_{l}"), draw(&a));
    }
}
