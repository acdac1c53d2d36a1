//! State updates from recorded action sequences: no terminal, no network.
#![allow(clippy::unwrap_used, reason = "tests: a failure is a test failure")]

mod fixture;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixture::{app, code, draw, event, key, me, t0};
use yiwang_console::action::{Action, Effect};
use yiwang_console::app::{App, Conn, Input, Mode};
use yiwang_console::i18n::Lang;
use yiwang_console::keys::BINDINGS;
use yiwang_console::tabs::Tab;
use yiwang_core::domain::ids::HallId;

#[test]
fn losing_the_server_keeps_the_data_and_marks_it_stale_until_it_answers_again() {
    let mut a = app(Lang::En, (80, 24));
    assert!(!a.stale());
    a.update(Action::ServerDown {
        error: "refused".into(),
        retry_in_s: 1,
    });
    a.update(Action::Tick(t0() + chrono::Duration::seconds(5)));
    a.update(Action::ServerDown {
        error: "refused".into(),
        retry_in_s: 2,
    });
    assert!(a.stale());
    assert!(matches!(a.conn, Conn::Down { since, retry_in_s: 2, .. } if since == t0()));
    assert_eq!(a.feed.len(), 40, "the last data stays on screen");
    let screen = draw(&a);
    assert!(screen.contains("server unreachable"), "{screen}");
    assert!(screen.contains("[stale]"), "{screen}");
    a.update(Action::Ready(fixture::ready()));
    assert!(!a.stale());
    assert!(!draw(&a).contains("stale"));
}

#[test]
fn events_are_appended_once_and_a_moved_cursor_stays_on_its_event() {
    let mut a = app(Lang::En, (80, 24));
    a.update(key('j'));
    a.update(key('j'));
    let held = a.feed.row(a.feed.selected).unwrap().id;
    a.update(Action::Events(vec![
        event(40, 0, "x", "y"),
        event(41, 0, "hall.created", "hall"),
    ]));
    assert_eq!(a.feed.len(), 41, "event 40 was already there");
    assert_eq!(a.feed.row(a.feed.selected).unwrap().id, held);
    assert_eq!(a.feed.row(0).unwrap().id.0, 41, "newest first");
    a.update(key('g'));
    a.update(Action::Events(vec![event(42, 0, "x", "y")]));
    assert_eq!(
        a.feed.selected, 0,
        "at the top the cursor follows the newest"
    );
}

#[test]
fn an_event_naming_a_counted_record_asks_for_a_recount_on_the_next_tick_once() {
    let mut a = app(Lang::Zh, (80, 24));
    a.update(Action::Tick(t0())); // the fixture's own events asked already
    assert!(a.update(Action::Tick(t0())).is_empty());
    a.update(Action::Events(vec![event(
        50,
        0,
        "region.created",
        "region",
    )]));
    a.update(Action::Events(vec![event(51, 0, "user.created", "user")]));
    assert_eq!(a.update(Action::Tick(t0())), vec![Effect::FetchCounts]);
    assert!(a.update(Action::Tick(t0())).is_empty());
    a.update(Action::Events(vec![event(52, 0, "token.issued", "token")]));
    assert!(a.update(Action::Tick(t0())).is_empty());
}

#[test]
fn tab_and_number_keys_switch_views_in_order() {
    let mut a = app(Lang::En, (80, 24));
    assert_eq!(a.tab, Tab::Overview);
    a.update(code(KeyCode::Tab));
    assert_eq!(a.tab, Tab::Queues);
    a.update(code(KeyCode::BackTab));
    a.update(code(KeyCode::BackTab));
    assert_eq!(a.tab, Tab::Cockpit);
    for (n, t) in ('1'..='7').zip(Tab::ALL) {
        a.update(key(n));
        assert_eq!(a.tab, t);
    }
}

#[test]
fn views_a_role_does_not_grant_are_neither_shown_nor_reachable() {
    let mut a = App::new(Lang::En, "s".into(), t0());
    a.update(Action::LoggedIn(Box::new(me("window_staff"))));
    assert_eq!(
        a.tabs(),
        vec![Tab::Overview, Tab::Queues, Tab::Cases, Tab::Devices]
    );
    a.update(key('6'));
    assert_ne!(a.tab, Tab::Health);
    assert!(!draw(&a).contains("Health"));

    let mut op = App::new(Lang::En, "s".into(), t0());
    op.update(Action::LoggedIn(Box::new(me("operator"))));
    assert!(!op.tabs().contains(&Tab::Cockpit));
    assert!(op.tabs().contains(&Tab::Health));
}

#[test]
fn help_lists_every_binding_of_the_table() {
    for lang in [Lang::Zh, Lang::En] {
        let mut a = app(lang, (160, 48));
        a.update(key('?'));
        assert_eq!(a.input, Input::Help);
        let screen = draw(&a);
        // CJK cells are followed by a blank in the text form: compare without spaces.
        let squeezed: String = screen.chars().filter(|c| *c != ' ').collect();
        for b in BINDINGS {
            let label: String = b.label.chars().filter(|c| *c != ' ').collect();
            let help: String = lang.t(b.help).chars().filter(|c| *c != ' ').collect();
            assert!(squeezed.contains(&label), "{} missing", b.label);
            assert!(squeezed.contains(&help), "{help} missing");
        }
        a.update(code(KeyCode::Esc));
        assert_eq!(a.input, Input::Normal);
    }
}

#[test]
fn act_mode_is_explicit_and_esc_returns_to_read_only() {
    let mut a = app(Lang::En, (80, 24));
    assert_eq!(a.mode, Mode::ReadOnly);
    a.update(key('a'));
    assert_eq!(a.mode, Mode::Act);
    assert!(draw(&a).contains("ACT MODE"));
    a.update(code(KeyCode::Esc));
    assert_eq!(a.mode, Mode::ReadOnly);
}

#[test]
fn slash_filters_the_feed_and_esc_clears_it() {
    let mut a = app(Lang::En, (80, 24));
    for c in "/hall".chars() {
        a.update(key(c));
    }
    assert_eq!(a.input, Input::Filter);
    a.update(key('q'));
    assert!(!a.quit, "q types into the filter");
    a.update(code(KeyCode::Backspace));
    a.update(code(KeyCode::Enter));
    assert!(a.feed.len() < 40 && !a.feed.is_empty());
    assert!((0..a.feed.len()).all(|i| &*a.feed.row(i).unwrap().entity == "hall"));
    a.update(code(KeyCode::Esc));
    assert_eq!(a.feed.len(), 40);
}

#[test]
fn a_hundred_thousand_events_keep_the_newest_rows_and_scroll_drawing_only_what_is_visible() {
    let mut a = App::new(Lang::En, "s".into(), t0());
    a.update(Action::Resize(80, 24));
    a.update(Action::Events(
        (1..=100_000)
            .map(|i| event(i, 0, "hall.created", "hall"))
            .collect(),
    ));
    assert_eq!(a.feed.len(), 10_000, "the feed keeps the newest 10,000");
    let started = std::time::Instant::now();
    a.update(key('G'));
    let screen = draw(&a);
    for _ in 0..50 {
        a.update(code(KeyCode::PageUp));
        draw(&a);
    }
    assert!(
        screen.contains("hall #900010 "),
        "the oldest row kept (event 90,001) is on screen at the bottom: {screen}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn ctrl_c_and_q_quit() {
    let mut a = app(Lang::En, (80, 24));
    a.update(Action::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(a.quit);
    let mut b = app(Lang::En, (80, 24));
    b.update(key('q'));
    assert!(b.quit);
}

#[test]
fn health_turns_red_when_failures_grow_or_p99_is_too_slow() {
    let mut a = app(Lang::En, (80, 24));
    let jobs = &a.health.jobs;
    assert!(jobs.iter().any(|j| j.name == "token-purge" && j.failing));
    assert!(!jobs.iter().any(|j| j.name == "audit-verify" && j.failing));
    assert!(!a.health.p99_too_slow());
    a.update(Action::Metrics {
        at: t0(),
        scrape: fixture::metrics(400, 50, 2),
    });
    assert!(a.health.p99_too_slow(), "{:?}", a.health.p99_s);
}

#[test]
fn a_failed_login_says_so() {
    let mut a = App::new(Lang::Zh, "s".into(), t0());
    a.update(Action::AuthFailed("admin: 401 Unauthorized".into()));
    assert!(draw(&a).contains("登"), "shows the failure");
}

#[test]
fn logging_in_with_queue_read_asks_for_the_halls_and_then_each_halls_queue() {
    let mut a = App::new(Lang::En, "s".into(), t0());
    let effects = a.update(Action::LoggedIn(Box::new(me("operator"))));
    assert_eq!(
        effects,
        vec![Effect::FetchNames, Effect::FetchHalls, Effect::FetchDevices]
    );
    let effects = a.update(fixture::halls(true));
    assert_eq!(
        effects,
        vec![fetch(1, true), fetch(2, true)],
        "the first read of a hall includes its waiting list"
    );
    assert!(
        a.update(fixture::halls(true)).is_empty(),
        "halls already known are not fetched again"
    );
}

#[test]
fn queues_follow_the_queue_read_permission_not_the_role_name() {
    let mut no_queue = me("operator");
    no_queue.permissions.retain(|p| p.as_str() != "queue.read");
    let mut a = App::new(Lang::En, "s".into(), t0());
    assert_eq!(
        a.update(Action::LoggedIn(Box::new(no_queue))),
        vec![Effect::FetchNames, Effect::FetchDevices]
    );
    assert!(!a.tabs().contains(&Tab::Queues));
    a.update(key('2'));
    assert_ne!(a.tab, Tab::Queues);

    let mut b = App::new(Lang::En, "s".into(), t0());
    b.update(Action::LoggedIn(Box::new(me("some_custom_role"))));
    assert_eq!(
        b.tabs(),
        vec![
            Tab::Overview,
            Tab::Queues,
            Tab::Alerts,
            Tab::Cases,
            Tab::Devices,
            Tab::Cockpit
        ],
        "a custom role holding every permission sees every view of records, and the cockpit"
    );
}

#[test]
fn ticket_events_change_the_hall_at_once_and_ask_for_one_refresh_per_hall() {
    let mut a = app(Lang::En, (80, 24));
    a.update(fixture::halls(false));
    a.update(fixture::hall_snapshot(3));
    let hall = |a: &App| a.queues.current().unwrap().clone();
    assert_eq!(hall(&a).waiting_count(), 3);

    let effects = a.update(Action::Events(vec![
        fixture::ticket_event(100, "ticket.taken", 50, None, "waiting"),
        fixture::ticket_event(101, "ticket.taken", 51, None, "waiting"),
        fixture::ticket_event(102, "ticket.called", 2, Some(102), "called"),
    ]));
    assert_eq!(
        effects,
        vec![fetch(1, false)],
        "a burst asks once; taken and called say where the tickets went"
    );
    let h = hall(&a);
    assert_eq!(h.waiting_count(), 4, "3 + 2 taken − 1 called");
    let numbers: Vec<_> = h.waiting.iter().map(|w| w.number.as_str()).collect();
    assert_eq!(numbers, ["A003", "A004", "A050", "A051"]);
    let w102 = &h.live.as_ref().unwrap().windows[1];
    assert_eq!(w102.current.as_ref().unwrap().number, "A002");
    assert_eq!(h.serving_count(), 2);

    a.update(Action::Events(vec![
        fixture::ticket_event(103, "ticket.serving", 2, Some(102), "serving"),
        fixture::ticket_event(104, "ticket.finished", 1, Some(101), "finished"),
    ]));
    let h = hall(&a);
    assert!(h.live.as_ref().unwrap().windows[0].current.is_none());
    assert_eq!(h.serving_count(), 1);
    assert_eq!(
        h.longest_wait(None, t0()),
        Some(std::time::Duration::from_secs(49 * 60)),
        "A003 was taken 49 minutes ago"
    );

    // A skip does not say where the ticket stands now: the waiting list is read again.
    let effects = a.update(Action::Events(vec![
        fixture::ticket_event(105, "ticket.taken", 52, None, "waiting"),
        fixture::ticket_event(106, "ticket.skipped", 2, Some(102), "waiting"),
    ]));
    assert_eq!(effects, vec![fetch(1, true)]);

    // A fresh snapshot replaces what the events built.
    assert!(a.update(fixture::hall_snapshot(1)).is_empty());
    assert_eq!(hall(&a).waiting.len(), 1);
}

#[test]
fn a_waiting_list_that_disagrees_with_the_live_count_is_read_again() {
    let mut a = app(Lang::En, (80, 24));
    a.update(fixture::halls(false));
    let Action::HallQueue { live, waiting } = fixture::hall_snapshot(3) else {
        unreachable!()
    };
    assert!(
        a.update(Action::HallQueue {
            live: live.clone(),
            waiting
        })
        .is_empty()
    );
    // The live state alone (no list read), now counting 4 waiting: the list of 3 is behind.
    let mut more = live.clone();
    more.areas[0].waiting = 4;
    let behind = || Action::HallQueue {
        live: more.clone(),
        waiting: None,
    };
    assert_eq!(
        a.update(behind()),
        vec![fetch(1, false)],
        "once may be an event on its way: the live state is read again, not the list"
    );
    assert_eq!(a.update(behind()), vec![fetch(1, true)], "twice is not");
    assert_eq!(
        a.queues.current().unwrap().waiting.len(),
        3,
        "kept until read"
    );
    assert!(
        a.update(Action::HallQueue {
            live,
            waiting: None
        })
        .is_empty(),
        "agreeing counts ask nothing"
    );
}

#[test]
fn window_events_sign_staff_in_and_out() {
    let mut a = app(Lang::En, (80, 24));
    a.update(fixture::halls(false));
    a.update(fixture::hall_snapshot(0));
    let mut e = fixture::ticket_event(200, "window.signed_in", 0, None, "waiting");
    e.entity = "window".into();
    e.payload = serde_json::json!({"window_id": 103, "window_number": "03", "hall_id": 1,
        "area_id": 12, "user_id": 9, "username": "赵敏"});
    let effects = a.update(Action::Events(vec![e.clone()]));
    assert_eq!(effects, vec![fetch(1, false)]);
    let live = a.queues.current().unwrap().live.clone().unwrap();
    assert_eq!(live.windows[2].staff.as_ref().unwrap().name, "赵敏");
    assert_eq!(live.areas[1].windows_on_duty, 1);
    e.id = yiwang_core::domain::ids::EventId(201);
    e.kind = "window.signed_out".into();
    a.update(Action::Events(vec![e]));
    let live = a.queues.current().unwrap().live.clone().unwrap();
    assert!(live.windows[2].staff.is_none());
    assert_eq!(live.areas[1].windows_on_duty, 0);
}

fn fetch(hall: i64, waiting: bool) -> Effect {
    Effect::FetchQueue {
        hall: HallId(hall),
        waiting,
    }
}

#[test]
fn the_coalescer_fetches_a_hall_at_most_once_per_gap() {
    use std::time::Duration;
    use yiwang_console::state::queues::Coalescer;
    let ms = Duration::from_millis;
    // The clock is a plain Duration since start: no sleeping.
    let mut co = Coalescer::new(ms(200));
    co.ask(HallId(1), true);
    assert_eq!(
        co.due(ms(0)),
        vec![(HallId(1), true)],
        "the first ask runs at once"
    );
    let mut fetched_2 = 0;
    for t in 1..150 {
        co.ask(HallId(1), t == 70);
        co.ask(HallId(2), false);
        let due = co.due(ms(t));
        assert!(
            !due.iter().any(|(h, _)| *h == HallId(1)),
            "hall 1 fetched again at {t} ms"
        );
        fetched_2 += due.iter().filter(|(h, _)| *h == HallId(2)).count();
    }
    assert_eq!(
        fetched_2, 1,
        "hall 2's first ask runs at once, and only that"
    );
    assert_eq!(co.next_due(ms(150)), Some(ms(200)));
    assert_eq!(co.due(ms(199)), vec![]);
    assert_eq!(
        co.due(ms(200)),
        vec![(HallId(1), true)],
        "the burst costs one more, reading the list as one of its asks wanted"
    );
    assert_eq!(co.due(ms(201)), vec![(HallId(2), false)]);
    assert_eq!(co.due(ms(900)), vec![], "nothing asked since");
    assert_eq!(co.next_due(ms(900)), None);
}

#[test]
fn arrows_move_in_the_waiting_list_and_switch_halls() {
    let mut a = app(Lang::En, (80, 24));
    a.update(fixture::halls(true));
    a.update(fixture::hall_snapshot(5_000));
    a.update(key('2'));
    assert_eq!(a.tab, Tab::Queues);
    a.update(code(KeyCode::End));
    assert_eq!(a.queues.selected, 4_999);
    assert!(a.queues.offset > 4_000, "scrolled with the cursor");
    assert!(draw(&a).contains("A5001"), "the last row is drawn");
    a.update(key('l'));
    assert_eq!(a.queues.hall, 1);
    assert_eq!(a.queues.selected, 0);
    assert_eq!(a.feed.selected, 0, "the feed's cursor did not move");
    a.update(code(KeyCode::Left));
    assert_eq!(a.queues.hall, 0);
}

#[test]
fn a_hall_list_that_cannot_be_read_is_said_not_shown_as_loading_forever() {
    let mut a = app(Lang::En, (80, 24));
    a.update(key('2'));
    assert!(draw(&a).contains("loading the queue"), "{}", draw(&a));
    a.update(Action::HallsFailed(
        "HTTP status client error (403 Forbidden)".into(),
    ));
    let screen = draw(&a);
    assert!(screen.contains("cannot list the halls"), "{screen}");
    assert!(screen.contains("403"), "{screen}");
    a.update(fixture::halls(false));
    assert!(!draw(&a).contains("cannot list"));
}

#[test]
fn the_cockpit_is_read_while_its_view_is_open_at_most_every_thirty_seconds() {
    let mut a = app(Lang::En, (80, 24));
    let other = a.update(Action::Tick(t0()));
    assert!(
        !other
            .iter()
            .any(|e| matches!(e, Effect::FetchCockpit { .. })),
        "not on another view"
    );
    a.update(key('7'));
    let from = chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    assert_eq!(
        a.update(Action::Tick(t0())),
        vec![Effect::FetchCockpit { from, to }]
    );
    assert!(
        a.update(Action::Tick(t0() + chrono::Duration::seconds(29)))
            .is_empty()
    );
    a.update(Action::Cockpit(Box::new(fixture::cockpit())));
    a.update(Action::CockpitFailed("503".into()));
    assert!(
        a.cockpit.data.is_some(),
        "a failed refresh keeps the last figures"
    );
    assert!(draw(&a).contains("refresh failed"));
    assert_eq!(
        a.update(Action::Tick(t0() + chrono::Duration::seconds(30))),
        vec![Effect::FetchCockpit { from, to }]
    );

    // Without cockpit.read (window staff) there is no Cockpit view to read for.
    let mut s = App::new(Lang::En, "s".into(), t0());
    s.update(Action::LoggedIn(Box::new(me("window_staff"))));
    assert!(!s.tabs().contains(&Tab::Cockpit));
    let mut l = App::new(Lang::En, "s".into(), t0());
    l.update(Action::LoggedIn(Box::new(me("leader"))));
    assert!(l.tabs().contains(&Tab::Cockpit));
}
