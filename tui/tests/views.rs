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
fn views_without_data_yet_say_so() {
    for (n, name) in [
        ('3', "alerts"),
        ('4', "cases"),
        ('5', "devices"),
        ('7', "cockpit"),
    ] {
        snap(name, |a| {
            a.update(key(n));
        });
    }
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
