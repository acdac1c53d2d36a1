//! End to end, headless: the console's state and worker against the real server (port 0, fresh
//! SQLite, the supervision engine running), drawn into a `TestBackend`. A rule flags a submitted
//! case; its card appears in the Alerts view; a second card arrives through the event stream
//! while the console runs; in act mode the office acknowledges the first card with a note and
//! sees it change; the Cases view finds the case by number; the Devices view sends a text to an
//! LED screen and sees the command pending.
#![allow(clippy::unwrap_used, reason = "tests: a failure is a test failure")]

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use tokio::sync::mpsc;
use yiwang_console::action::{Action, Effect};
use yiwang_console::app::App;
use yiwang_console::i18n::Lang;
use yiwang_console::tabs::Tab;
use yiwang_console::{Login, worker};
use yiwang_core::domain::identity::id_check_char;
use yiwang_core::domain::supervision::cards::AnomalyStatus;
use yiwang_core::service::supervision;
use yiwang_tests::{Backend, TestApp, TestDb, test_config};

struct Console {
    app: App,
    rx: mpsc::Receiver<Action>,
    effects: mpsc::UnboundedSender<Effect>,
    _worker: worker::Worker,
}

impl Console {
    fn start(base: &str, login: Login) -> Console {
        let (tx, rx) = mpsc::channel(256);
        let (effects, effects_rx) = mpsc::unbounded_channel();
        let worker = worker::spawn(base.to_owned(), login, tx, effects_rx);
        let mut app = App::new(Lang::En, base.to_owned(), chrono::Utc::now());
        app.update(Action::Resize(160, 48));
        Console {
            app,
            rx,
            effects,
            _worker: worker,
        }
    }

    /// Applies an action and hands its effects to the worker, as the event loop does.
    fn apply(&mut self, action: Action) {
        for e in self.app.update(action) {
            self.effects.send(e).unwrap();
        }
    }

    fn press(&mut self, c: char) {
        self.apply(Action::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }

    fn press_code(&mut self, c: KeyCode) {
        self.apply(Action::Key(KeyEvent::new(c, KeyModifiers::NONE)));
    }

    fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.press(c);
        }
    }

    async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !done(&self.app) {
            let action = tokio::select! {
                Some(a) = self.rx.recv() => a,
                _ = tokio::time::sleep(Duration::from_millis(500)) => Action::Tick(chrono::Utc::now()),
                _ = tokio::time::sleep_until(deadline) => panic!("timed out waiting for {what}\n{}", self.screen()),
            };
            self.apply(action);
        }
    }

    fn screen(&self) -> String {
        let mut t = Terminal::new(TestBackend::new(self.app.size.0, self.app.size.1)).unwrap();
        t.draw(|f| yiwang_console::views::render(&self.app, f))
            .unwrap();
        t.backend().to_string()
    }
}

fn id_number(body: &str) -> String {
    let bytes: [u8; 17] = body.as_bytes().try_into().unwrap();
    format!("{body}{}", id_check_char(&bytes).unwrap())
}

/// A county with an item, its staff, and a rule flagging every submitted case; the item's id
/// and the staff's token.
async fn county(server: &TestApp) -> (i64, String) {
    let tok = &server.admin_token;
    let root = server.root_id().await;
    let region = server.region("990141", "戊区", "county", root).await;
    let d = server
        .post(
            "/api/v1/departments",
            tok,
            json!({"region_id": region, "code": "SCJ", "name": "市场监督管理局"}),
        )
        .await;
    assert_eq!(d.status, 201, "{:#}", d.body);
    let item = server
        .published_item(
            region,
            d.body["id"].as_i64().unwrap(),
            json!({
                "item_code": "11350100MB0001-003", "name": "食品经营许可", "item_type": "licensing",
                "legal_basis": "《中华人民共和国食品安全法》第三十五条",
                "legal_limit_days": 20, "promised_limit_days": 5, "fee": {"kind": "none"},
                "materials": [{"name": "营业执照", "required": true}],
                "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 20}],
                "online": true, "delivery_modes": ["window"]
            }),
        )
        .await;
    let (_, staff) = server
        .user_with_role(
            "staff_e",
            region,
            None,
            "window_staff",
            ("region", Some(region)),
        )
        .await;
    let rule = server
        .post(
            "/api/v1/supervision/rules",
            tok,
            json!({"code": "console-live", "name": "已申请未受理", "kind": "process",
                   "severity": "red", "condition": "status == 'submitted'"}),
        )
        .await;
    assert_eq!(rule.status, 201, "{:#}", rule.body);
    (item, staff)
}

async fn submit(server: &TestApp, item: i64, staff: &str, body17: &str) -> (i64, String) {
    let c = server
        .post(
            "/api/v1/cases",
            staff,
            json!({
                "item_id": item, "channel": "window",
                "applicant": {"kind": "person", "name": "张三", "id_number": id_number(body17)},
                "materials": ["营业执照"]
            }),
        )
        .await;
    assert_eq!(c.status, 201, "{:#}", c.body);
    (
        c.body["id"].as_i64().unwrap(),
        c.body["case_no"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_acknowledges_a_card_in_act_mode_and_sees_it_change() {
    let db = TestDb::new(Backend::Sqlite);
    let config = test_config(&db);
    let server = TestApp::spawn_on(db, config, supervision::jobs()).await;
    let (item, staff) = county(&server).await;
    let (first_case, first_no) = submit(&server, item, &staff, "11010519491231002").await;

    let mut c = Console::start(
        &server.base,
        Login::Password {
            username: "admin".into(),
            password: yiwang_tests::ADMIN_PASSWORD.into(),
        },
    );
    c.until("the first card", |a| {
        a.stream_up && (0..a.alerts.len()).any(|i| a.alerts.row(i).unwrap().case_id == first_case)
    })
    .await;
    c.press('3');
    assert_eq!(c.app.tab, Tab::Alerts);
    let screen = c.screen();
    assert!(screen.contains(&first_no), "{screen}");

    // A second case while the console runs: its card comes through the event stream.
    let (second_case, second_no) = submit(&server, item, &staff, "11010519500101003").await;
    c.until("the second card, live", |a| {
        (0..a.alerts.len()).any(|i| a.alerts.row(i).unwrap().case_id == second_case)
    })
    .await;
    assert!(c.screen().contains(&second_no));

    // Select the first card; read-only mode offers nothing.
    let at = (0..c.app.alerts.len())
        .find(|i| c.app.alerts.row(*i).unwrap().case_id == first_case)
        .unwrap();
    c.press('g');
    for _ in 0..at {
        c.press('j');
    }
    let card = c.app.alerts.row(c.app.alerts.selected).unwrap().id;
    c.press('A');
    assert!(c.app.confirm.is_none(), "read-only: no prompt");

    // Act mode: acknowledge with a note, confirmed.
    c.press('a');
    c.press('A');
    assert!(c.app.confirm.is_some());
    c.typed("已核实");
    c.press_code(KeyCode::Enter);
    c.until("the card acknowledged and the answer shown", |a| {
        a.alerts
            .get(card)
            .is_some_and(|x| x.status == AnomalyStatus::Acknowledged)
            && a.notice.as_ref().is_some_and(|(ok, m)| *ok && m == "✓ 1")
    })
    .await;
    let screen = c.screen();
    assert!(screen.contains("acknowledged"), "{screen}");
    assert!(screen.contains("✓ 1"), "{screen}");
    let detail = server
        .get(
            &format!("/api/v1/supervision/anomalies/{card}"),
            &server.admin_token,
        )
        .await;
    assert_eq!(detail.body["anomaly"]["status"], "acknowledged");
    assert_eq!(detail.body["notes"][0]["note"], "已核实");

    // Enter opens it with the case's history (the replay).
    c.press_code(KeyCode::Enter);
    c.until("the card's detail", |a| a.alerts.detail.is_some())
        .await;
    let screen = c.screen();
    assert!(screen.contains("Case history (replay)"), "{screen}");
    assert!(screen.contains("submit"), "{screen}");
    c.press_code(KeyCode::Esc);

    // The Cases view finds the first case by its number.
    c.press('4');
    c.typed(&format!("/{first_no}"));
    c.press_code(KeyCode::Enter);
    c.until("the case found", |a| {
        !a.cases.searching && a.cases.results.as_ref().is_some_and(|r| r.len() == 1)
    })
    .await;
    let screen = c.screen();
    assert!(screen.contains(&first_no), "{screen}");
    assert!(
        screen.contains("110105********002"),
        "masked applicant: {screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_sent_to_an_led_screen_is_pending_on_the_device() {
    let server = TestApp::spawn(Backend::Sqlite).await;
    let tok = server.admin_token.clone();
    let root = server.root_id().await;
    let region = server.region("990142", "己区", "county", root).await;
    let hall = server
        .post(
            "/api/v1/halls",
            &tok,
            json!({"region_id": region, "name": "设备大厅", "address": "人民路2号"}),
        )
        .await;
    assert_eq!(hall.status, 201, "{:#}", hall.body);
    let board = server
        .post(
            "/api/v1/devices",
            &tok,
            json!({"hall_id": hall.body["id"], "kind": "led_board", "name": "大厅综合屏"}),
        )
        .await;
    assert_eq!(board.status, 201, "{:#}", board.body);
    let device = board.body["device"]["id"].as_i64().unwrap();

    let mut c = Console::start(
        &server.base,
        Login::Password {
            username: "admin".into(),
            password: yiwang_tests::ADMIN_PASSWORD.into(),
        },
    );
    c.until("the device list", |a| a.devices.all().len() == 1)
        .await;
    c.press('5');
    assert!(c.screen().contains("大厅综合屏"), "{}", c.screen());
    c.press('a');
    c.press('S');
    c.typed("暂停服务十分钟");
    c.press_code(KeyCode::Enter);
    c.until("the command pending on the device", |a| {
        a.devices
            .all()
            .first()
            .is_some_and(|d| d.pending_commands == 1)
    })
    .await;
    let commands = server
        .get(&format!("/api/v1/devices/{device}/commands"), &tok)
        .await;
    assert_eq!(commands.status, 200, "{:#}", commands.body);
    assert_eq!(
        commands.body["items"][0]["command"]["text"],
        "暂停服务十分钟"
    );
}
