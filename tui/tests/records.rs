//! State updates of the Alerts, Cases and Devices views from recorded action sequences (the
//! worker's answers, events, keys): no terminal, no network.
#![allow(clippy::unwrap_used, reason = "tests: a failure is a test failure")]

mod fixture;

use crossterm::event::KeyCode;
use fixture::{anomaly, anomaly_event, app, code, draw, key, me, t0};
use std::collections::HashMap;
use yiwang_console::action::{Action, Effect};

use yiwang_console::app::{App, Input, Mode};
use yiwang_console::i18n::Lang;
use yiwang_console::state::names::OrgNames;
use yiwang_console::tabs::Tab;
use yiwang_core::domain::case::CaseId;
use yiwang_core::domain::ids::DeviceId;
use yiwang_core::domain::supervision::cards::{AnomalyAction, AnomalyStatus};

fn typed(a: &mut App, text: &str) {
    for c in text.chars() {
        a.update(key(c));
    }
}

fn alerts(n: i64) -> App {
    let mut a = app(Lang::En, (120, 40));
    a.update(Action::Anomalies(fixture::cards(n)));
    a.update(key('3'));
    assert_eq!(a.tab, Tab::Alerts);
    a
}

fn shown_ids(a: &App) -> Vec<i64> {
    (0..a.alerts.len())
        .map(|i| a.alerts.row(i).unwrap().id)
        .collect()
}

#[test]
fn logging_in_reads_the_cards_the_cases_and_the_devices_the_role_may_read() {
    let mut a = App::new(Lang::En, "s".into(), t0());
    let effects = a.update(Action::LoggedIn(Box::new(me("supervisor"))));
    assert!(effects.contains(&Effect::FetchAnomalies));
    assert!(effects.contains(&Effect::FetchDevices));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SearchCases(s) if *s == Default::default()))
    );
    assert_eq!(
        a.tabs(),
        vec![
            Tab::Overview,
            Tab::Queues,
            Tab::Alerts,
            Tab::Cases,
            Tab::Devices,
            Tab::Cockpit
        ]
    );

    let mut op = App::new(Lang::En, "s".into(), t0());
    let effects = op.update(Action::LoggedIn(Box::new(me("operator"))));
    assert!(
        !effects.contains(&Effect::FetchAnomalies),
        "no supervision.read"
    );
    assert!(!op.tabs().contains(&Tab::Alerts));
    assert!(!op.tabs().contains(&Tab::Cases));
    op.update(key('3'));
    assert_ne!(op.tab, Tab::Alerts, "a view not granted is not reachable");
}

#[test]
fn cards_show_red_first_then_oldest_and_filter_by_kind_region_and_department() {
    let mut a = alerts(30);
    let ids = shown_ids(&a);
    let first_yellow = ids
        .iter()
        .position(|id| a.alerts.get(*id).unwrap().severity.as_str() == "yellow")
        .unwrap();
    assert_eq!(first_yellow, a.alerts.red(), "every red card comes first");
    assert_eq!(a.alerts.red(), 10);
    assert_eq!(
        ids[0], 30,
        "the oldest red card (opened 30 × 17 minutes ago) on top"
    );
    assert_eq!(ids[first_yellow], 29, "then the oldest yellow one");

    typed(&mut a, "/kind:time r:2");
    assert_eq!(a.input, Input::Filter);
    a.update(code(KeyCode::Enter));
    let shown: Vec<_> = shown_ids(&a)
        .into_iter()
        .map(|id| a.alerts.get(id).unwrap().clone())
        .collect();
    assert!(!shown.is_empty());
    assert!(
        shown
            .iter()
            .all(|c| c.kind.as_str() == "time_limit" && c.region_id == 2)
    );
    a.update(code(KeyCode::Esc));
    assert_eq!(a.alerts.len(), 30, "Esc clears the filter");
    typed(&mut a, "/d:11 sev:red");
    a.update(code(KeyCode::Enter));
    assert!(shown_ids(&a).iter().all(|id| {
        let c = a.alerts.get(*id).unwrap();
        c.department_id == 11 && c.severity.as_str() == "red"
    }));
}

#[test]
fn region_and_department_names_replace_ids_and_filter_by_part_of_a_name() {
    let mut a = alerts(30);
    let effects = a.update(Action::LoggedIn(Box::new(me("admin"))));
    assert!(effects.contains(&Effect::FetchNames), "admin reads the org");
    a.update(Action::Names(Box::new(OrgNames {
        regions: HashMap::from([
            (1, "鼓楼区".into()),
            (2, "台江区".into()),
            (3, "仓山区".into()),
        ]),
        departments: HashMap::from([(10, "市场监督管理局".into())]),
    })));
    a.update(key('3'));
    a.update(Action::Resize(200, 50));
    let screen = draw(&a);
    assert!(
        screen.contains("鼓楼区") && screen.contains("市场监督管理局"),
        "{screen}"
    );
    assert!(
        screen.contains("#11"),
        "a department without a name shows its id: {screen}"
    );

    typed(&mut a, "/region:台江 dept:市场");
    a.update(code(KeyCode::Enter));
    let shown = shown_ids(&a);
    assert!(!shown.is_empty());
    assert!(shown.iter().all(|id| {
        let c = a.alerts.get(*id).unwrap();
        c.region_id == 2 && c.department_id == 10
    }));
    a.update(code(KeyCode::Esc));
    typed(&mut a, "/r:厦门");
    a.update(code(KeyCode::Enter));
    assert_eq!(a.alerts.len(), 0, "a name no region has matches nothing");

    // A region renamed elsewhere: its event asks for the names again.
    let event = fixture::event(500, 0, "region.updated", "region");
    assert!(
        a.update(Action::Events(vec![event]))
            .contains(&Effect::FetchNames)
    );
}

#[test]
fn a_recorded_event_sequence_opens_moves_and_closes_cards() {
    let mut a = alerts(5);
    a.update(key('j'));
    let held = a.alerts.row(a.alerts.selected).unwrap().id;

    // A new card: the event names it, the worker reads it, it takes its place (red, oldest).
    let effects = a.update(Action::Events(vec![anomaly_event(
        100,
        "anomaly.opened",
        77,
        "open",
    )]));
    assert_eq!(effects, vec![Effect::RefreshAnomalies(vec![77])]);
    a.update(Action::AnomaliesChanged(vec![anomaly(
        77,
        "red",
        "process",
        "process-terminated",
        "open",
        10_000,
    )]));
    assert_eq!(a.alerts.row(0).unwrap().id, 77);
    assert_eq!(
        a.alerts.row(a.alerts.selected).unwrap().id,
        held,
        "the cursor stays on its card"
    );

    // Acknowledged elsewhere: the status changes at once, and the card is read again.
    let effects = a.update(Action::Events(vec![
        anomaly_event(101, "anomaly.acknowledged", 77, "acknowledged"),
        anomaly_event(102, "anomaly.noted", 77, "acknowledged"),
    ]));
    assert_eq!(effects, vec![Effect::RefreshAnomalies(vec![77])]);
    assert_eq!(
        a.alerts.get(77).unwrap().status,
        AnomalyStatus::Acknowledged
    );

    // Closed: it leaves the triage list.
    a.update(Action::Events(vec![anomaly_event(
        103,
        "anomaly.closed",
        77,
        "closed",
    )]));
    assert!(a.alerts.get(77).is_none());
    assert_eq!(a.alerts.total(), 5);
    assert_eq!(a.alerts.row(a.alerts.selected).unwrap().id, held);
}

#[test]
fn actions_need_act_mode_and_a_confirmation() {
    let mut a = alerts(8);
    a.update(key('A'));
    assert_eq!(a.input, Input::Normal, "read-only: nothing is offered");
    assert!(draw(&a).contains("press a for act mode"), "{}", draw(&a));

    a.update(key('a'));
    assert_eq!(a.mode, Mode::Act);
    // Mark the two top cards; the second (id 24?) — whatever they are, both open.
    a.update(key(' '));
    a.update(key('j'));
    a.update(key(' '));
    let marked: Vec<i64> = a.alerts.marked.iter().copied().collect();
    assert_eq!(marked.len(), 2);
    a.update(key('A'));
    assert_eq!(a.input, Input::Prompt);
    let screen = draw(&a);
    assert!(screen.contains("acknowledge 2 cards"), "{screen}");
    typed(&mut a, "checked");
    let effects = a.update(code(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::ActOnAnomalies {
            ids: marked,
            action: AnomalyAction::Acknowledge,
            note: "checked".into(),
        }]
    );
    assert!(a.alerts.marked.is_empty(), "the marks were used");
    assert_eq!(a.input, Input::Normal);

    // Esc cancels: no effect.
    a.update(key('D'));
    assert_eq!(a.input, Input::Prompt);
    assert!(a.update(code(KeyCode::Esc)).is_empty());
    assert_eq!(a.input, Input::Normal);
    assert!(a.confirm.is_none());
}

#[test]
fn an_action_a_card_does_not_allow_is_not_offered() {
    let mut a = alerts(8);
    a.update(key('a'));
    // Card 8 is acknowledged (every fourth): it cannot be acknowledged again.
    let at = shown_ids(&a).iter().position(|id| *id == 8).unwrap();
    a.update(key('g'));
    for _ in 0..at {
        a.update(key('j'));
    }
    assert_eq!(a.alerts.row(a.alerts.selected).unwrap().id, 8);
    a.update(key('A'));
    assert_eq!(a.input, Input::Normal);
    a.update(key('D'));
    assert_eq!(a.input, Input::Prompt, "dismissing it is allowed");
}

#[test]
fn an_order_needs_its_addressee_and_content() {
    let mut a = alerts(3);
    a.update(key('a'));
    let id = a.alerts.row(0).unwrap().id;
    a.update(key('O'));
    assert!(a.update(code(KeyCode::Enter)).is_empty(), "incomplete");
    assert!(a.confirm.as_ref().unwrap().0.incomplete);
    assert!(draw(&a).contains("Fill in the required fields"));
    typed(&mut a, "窗口负责人 李四");
    a.update(code(KeyCode::Tab));
    typed(&mut a, "说明超期原因");
    a.update(code(KeyCode::Tab));
    a.update(code(KeyCode::Backspace));
    typed(&mut a, "5");
    assert_eq!(
        a.update(code(KeyCode::Enter)),
        vec![Effect::IssueOrders {
            ids: vec![id],
            addressee: "窗口负责人 李四".into(),
            content: "说明超期原因".into(),
            reply_days: 5,
        }]
    );
}

#[test]
fn a_role_without_supervision_manage_is_offered_no_action() {
    let mut a = App::new(Lang::En, "s".into(), t0());
    a.update(Action::Resize(120, 40));
    a.update(Action::LoggedIn(Box::new(me("auditor"))));
    a.update(Action::Anomalies(fixture::cards(5)));
    a.update(key('3'));
    assert_eq!(a.tab, Tab::Alerts);
    a.update(key('a'));
    a.update(key('A'));
    a.update(key('N'));
    assert_eq!(a.input, Input::Normal);
    let screen = draw(&a);
    assert!(!screen.contains("A acknowledge"), "{screen}");
    assert!(!screen.contains("press a for act mode"), "{screen}");
}

#[test]
fn a_note_is_confirmed_with_its_text() {
    let mut a = alerts(3);
    a.update(key('a'));
    let id = a.alerts.row(0).unwrap().id;
    a.update(key('N'));
    assert!(
        a.update(code(KeyCode::Enter)).is_empty(),
        "a note needs text"
    );
    typed(&mut a, "已约谈");
    assert_eq!(
        a.update(code(KeyCode::Enter)),
        vec![Effect::NoteAnomalies {
            ids: vec![id],
            note: "已约谈".into()
        }]
    );
    a.update(Action::Outcome {
        ok: false,
        message: "409: a dismissed anomaly cannot close".into(),
    });
    assert!(draw(&a).contains("409: a dismissed anomaly cannot close"));
}

#[test]
fn enter_opens_a_card_and_asks_for_its_history() {
    let mut a = alerts(3);
    let id = a.alerts.row(0).unwrap().id;
    assert_eq!(
        a.update(code(KeyCode::Enter)),
        vec![Effect::OpenAnomaly(id)]
    );
    assert_eq!(a.input, Input::Detail);
    a.update(fixture::anomaly_detail(id));
    let screen = draw(&a);
    assert!(screen.contains("Case history (replay)"), "{screen}");
    assert!(screen.contains("材料不清晰"), "{screen}");
    a.update(code(KeyCode::Esc));
    assert!(a.alerts.detail.is_none());
}

#[test]
fn a_hundred_thousand_cards_scroll_and_draw_only_the_rows_on_screen() {
    let mut a = App::new(Lang::En, "s".into(), t0());
    a.update(Action::Resize(200, 50));
    a.update(Action::LoggedIn(Box::new(me("admin"))));
    a.update(Action::Anomalies(fixture::cards(100_000)));
    a.update(key('3'));
    let started = std::time::Instant::now();
    a.update(key('G'));
    let screen = draw(&a);
    for _ in 0..50 {
        a.update(code(KeyCode::PageUp));
        draw(&a);
    }
    assert!(screen.contains("990102-20260302-000001"), "{screen}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn cases_are_searched_by_what_was_typed_and_refreshed_by_their_events() {
    let mut a = app(Lang::En, (120, 40));
    a.update(key('4'));
    typed(&mut a, "/990102-20260302-000002");
    let effects = a.update(code(KeyCode::Enter));
    let [Effect::SearchCases(s)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(s.case_no.as_deref(), Some("990102-20260302-000002"));
    assert!(draw(&a).contains("searching"));
    a.update(fixture::cases(3));
    assert_eq!(a.cases.len(), 3);
    let mut e = fixture::event(500, 0, "case.accepted", "case");
    e.entity_id = 2;
    assert_eq!(
        a.update(Action::Events(vec![e])),
        vec![Effect::RefreshCase(CaseId(2))]
    );
    let mut e = fixture::event(501, 0, "case.accepted", "case");
    e.entity_id = 99;
    assert!(
        a.update(Action::Events(vec![e])).is_empty(),
        "a case not on screen is not read"
    );
    a.update(Action::CaseChanged(Box::new(fixture::case(2, "approved"))));
    assert!(draw(&a).contains("approved"));
}

#[test]
fn a_searched_id_number_shows_masked() {
    let mut a = app(Lang::En, (120, 40));
    a.update(key('4'));
    let number = "11010519491231002X";
    typed(&mut a, &format!("/{number}"));
    a.update(code(KeyCode::Enter));
    a.update(fixture::cases(1));
    let screen = draw(&a);
    assert!(!screen.contains(number), "{screen}");
    assert!(screen.contains("110105********002X"), "{screen}");
}

#[test]
fn device_events_read_the_device_again_and_commands_need_act_mode() {
    let mut a = app(Lang::En, (120, 40));
    a.update(fixture::devices());
    a.update(key('5'));
    let mut e = fixture::event(600, 0, "device.offline", "device");
    e.entity_id = 3;
    e.payload = serde_json::json!({"device_id": 3});
    assert_eq!(
        a.update(Action::Events(vec![e])),
        vec![Effect::RefreshDevice(DeviceId(3))]
    );
    let mut d = fixture::device(3, "led_window", "01号窗口屏", false);
    d.pending_commands = 4;
    a.update(Action::DeviceChanged(Box::new(d)));
    assert_eq!(a.devices.all().iter().filter(|d| d.online).count(), 2);

    a.update(key('S'));
    assert_eq!(a.input, Input::Normal);
    a.update(key('a'));
    a.update(key('S'));
    assert_eq!(a.input, Input::Prompt);
    let device = a.devices.row(a.devices.selected).unwrap().id;
    typed(&mut a, "暂停服务");
    assert_eq!(
        a.update(code(KeyCode::Enter)),
        vec![Effect::SendDisplay {
            device,
            text: "暂停服务".into()
        }]
    );

    // The supervisor reads devices but may not command them: nothing is offered.
    let mut s = App::new(Lang::En, "s".into(), t0());
    s.update(Action::LoggedIn(Box::new(me("supervisor"))));
    s.update(fixture::devices());
    s.update(key('5'));
    s.update(key('a'));
    s.update(key('S'));
    assert_eq!(s.input, Input::Normal);
}

#[test]
fn a_status_event_moves_a_card_into_and_out_of_a_filter_by_status_in_place() {
    let mut a = alerts(8);
    typed(&mut a, "/acknowledged");
    a.update(code(KeyCode::Enter));
    let before = shown_ids(&a);
    assert_eq!(before, vec![8, 4], "cards 4 and 8 start acknowledged");
    let order: Vec<i64> = {
        let mut b = alerts(8);
        b.update(key('g'));
        shown_ids(&b)
    };

    // Card 5 acknowledged elsewhere: it joins the filtered list in its place, the order whole.
    a.update(Action::Events(vec![anomaly_event(
        100,
        "anomaly.acknowledged",
        5,
        "acknowledged",
    )]));
    let shown = shown_ids(&a);
    assert_eq!(shown.len(), 3);
    assert!(shown.contains(&5));
    let positions: Vec<usize> = shown
        .iter()
        .map(|id| order.iter().position(|x| x == id).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{shown:?}");
    assert_eq!(a.alerts.total(), 8);

    // Ordered: it no longer passes the filter, and stays live.
    a.update(Action::Events(vec![anomaly_event(
        101,
        "anomaly.ordered",
        5,
        "ordered",
    )]));
    assert_eq!(shown_ids(&a), before);
    assert_eq!(a.alerts.get(5).unwrap().status, AnomalyStatus::Ordered);
    assert_eq!(a.alerts.total(), 8);
}
