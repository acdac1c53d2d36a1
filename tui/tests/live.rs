//! End to end, headless: the console's state and worker against the real server (port 0, fresh
//! SQLite), drawn into a `TestBackend`. A region created through the API shows in the Overview's
//! feed and counts; stopping the server marks the data stale. A hall created while the console
//! runs appears in the Queues view, and a ticket taken and called through the API shows there.
#![allow(clippy::unwrap_used, reason = "tests: a failure is a test failure")]

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use yiwang_console::action::Action;
use yiwang_console::app::App;
use yiwang_console::i18n::Lang;
use yiwang_console::{Login, worker};
use yiwang_tests::{Backend, TestApp};

struct Console {
    app: App,
    rx: mpsc::Receiver<Action>,
    effects: mpsc::UnboundedSender<yiwang_console::action::Effect>,
    _worker: worker::Worker,
}

impl Console {
    fn start(base: &str, login: Login) -> Console {
        let (tx, rx) = mpsc::channel(256);
        let (effects, effects_rx) = mpsc::unbounded_channel();
        let worker = worker::spawn(base.to_owned(), login, tx, effects_rx);
        let mut app = App::new(Lang::En, base.to_owned(), chrono::Utc::now());
        app.update(Action::Resize(120, 40));
        Console {
            app,
            rx,
            effects,
            _worker: worker,
        }
    }

    /// Feeds the worker's actions (and a tick a second) into the state until `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !done(&self.app) {
            let action = tokio::select! {
                Some(a) = self.rx.recv() => a,
                _ = tokio::time::sleep(Duration::from_millis(500)) => Action::Tick(chrono::Utc::now()),
                _ = tokio::time::sleep_until(deadline) => panic!("timed out waiting for {what}\n{}", self.screen()),
            };
            for e in self.app.update(action) {
                self.effects.send(e).unwrap();
            }
        }
    }

    fn screen(&self) -> String {
        let mut t = Terminal::new(TestBackend::new(self.app.size.0, self.app.size.1)).unwrap();
        t.draw(|f| yiwang_console::views::render(&self.app, f))
            .unwrap();
        t.backend().to_string()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_created_through_the_api_appears_in_the_overview_feed() {
    let server = TestApp::spawn(Backend::Sqlite).await;
    let mut c = Console::start(
        &server.base,
        Login::Password {
            username: "admin".into(),
            password: yiwang_tests::ADMIN_PASSWORD.into(),
        },
    );
    c.until("login, readiness and counts", |a| {
        a.me.is_some() && a.ready.is_some() && a.counts.is_some() && a.stream_up
    })
    .await;
    let regions = c.app.counts.unwrap().regions;
    assert!(c.screen().contains("online"), "{}", c.screen());

    let root = server.root_id().await;
    let id = server.region("990188", "新区", "county", root).await;
    c.until("the region.created event", |a| {
        (0..a.feed.len()).any(|i| {
            a.feed
                .row(i)
                .is_some_and(|e| &*e.kind == "region.created" && e.entity_id == id)
        })
    })
    .await;
    let screen = c.screen();
    assert!(screen.contains("region created"), "{screen}");
    assert!(screen.contains(&format!("region #{id}")), "{screen}");
    c.until("the recount", |a| {
        a.counts.is_some_and(|n| n.regions == regions + 1)
    })
    .await;

    server.stop().await;
    c.until("the stale marker", App::stale).await;
    let screen = c.screen();
    assert!(
        screen.contains("server unreachable") && screen.contains("stale"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("region #{id}")),
        "the last data stays: {screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_reported_not_retried_forever() {
    let server = TestApp::spawn(Backend::Sqlite).await;
    let mut c = Console::start(&server.base, Login::Token("yw_not-a-token".into()));
    c.until("the login failure", |a| {
        matches!(a.auth, yiwang_console::app::Auth::Failed(_))
    })
    .await;
    assert!(c.screen().contains("login failed"), "{}", c.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_taken_and_called_through_the_api_shows_in_the_queues_view() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use serde_json::json;
    use yiwang_core::domain::ids::HallId;

    let server = TestApp::spawn(Backend::Sqlite).await;
    let mut c = Console::start(
        &server.base,
        Login::Password {
            username: "admin".into(),
            password: yiwang_tests::ADMIN_PASSWORD.into(),
        },
    );
    c.until("login, the stream and the (empty) hall list", |a| {
        a.me.is_some() && a.stream_up && a.queues.halls.is_some()
    })
    .await;
    c.app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('2'),
        KeyModifiers::NONE,
    )));
    assert_eq!(c.app.tab, yiwang_console::tabs::Tab::Queues);

    // The hall is created while the console runs: hall.created makes it list the halls again.
    let tok = server.admin_token.clone();
    let created = |a: yiwang_tests::Answer| {
        assert_eq!(a.status, 201, "{:#}", a.body);
        a.body["id"].as_i64().unwrap()
    };
    let root = server.root_id().await;
    let region = server.region("990177", "排队区", "county", root).await;
    let hall = created(
        server
            .post(
                "/api/v1/halls",
                &tok,
                json!({"region_id": region, "name": "测试大厅", "address": "人民路1号"}),
            )
            .await,
    );
    let area = created(
        server
            .post(
                &format!("/api/v1/halls/{hall}/areas"),
                &tok,
                json!({"prefix": "A", "name": "综合区"}),
            )
            .await,
    );
    let window = created(
        server
            .post(
                &format!("/api/v1/halls/{hall}/windows"),
                &tok,
                json!({"area_id": area, "number": "1", "name": "1号窗口"}),
            )
            .await,
    );
    let a = server
        .post(
            &format!("/api/v1/windows/{window}/sign-in"),
            &tok,
            json!({}),
        )
        .await;
    assert!(a.status.is_success(), "{:#}", a.body);
    let hall_id = HallId(hall);
    let staffed = move |a: &App| {
        a.queues.current().is_some_and(|h| {
            h.id == hall_id
                && h.live
                    .as_ref()
                    .is_some_and(|l| l.windows.iter().any(|w| w.staff.is_some()))
        })
    };
    c.until("the new hall with its staffed window", staffed)
        .await;

    let t = server
        .post(
            &format!("/api/v1/halls/{hall}/tickets"),
            &tok,
            json!({"area_id": area, "channel": "desk"}),
        )
        .await;
    assert_eq!(t.status, 201, "{:#}", t.body);
    let number = t.body["number"].as_str().unwrap().to_owned();
    let n = number.clone();
    c.until("the ticket in the waiting list", move |a| {
        a.queues
            .current()
            .is_some_and(|h| h.waiting.iter().any(|w| w.number == n) && h.waiting_count() == 1)
    })
    .await;
    let screen = c.screen();
    assert!(screen.contains("测试大厅"), "{screen}");
    assert!(screen.contains(&number), "{screen}");

    let called = server
        .post(
            &format!("/api/v1/windows/{window}/call-next"),
            &tok,
            json!({}),
        )
        .await;
    assert!(called.status.is_success(), "{:#}", called.body);
    let n = number.clone();
    c.until("the ticket called to the window", move |a| {
        a.queues.current().is_some_and(|h| {
            h.waiting.is_empty()
                && h.waiting_count() == 0
                && h.live.as_ref().is_some_and(|l| {
                    l.windows
                        .iter()
                        .any(|w| w.current.as_ref().is_some_and(|t| t.number == n))
                })
        })
    })
    .await;
    let screen = c.screen();
    assert!(screen.contains("called"), "{screen}");
    assert!(screen.contains("Nobody waiting"), "{screen}");

    // A burst: 60 tickets, one event each, cost a fetch per 200 ms, not a fetch per event.
    let fetches = |text: &str| -> f64 {
        yiwang_console::metrics_text::parse(text)
            .all("yiwang_http_requests_total")
            .filter(|s| s.label("route") == Some("/api/v1/halls/{id}/queue"))
            .map(|s| s.value)
            .sum()
    };
    let metrics = || async {
        reqwest::get(server.url("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let before = fetches(&metrics().await);
    assert!(
        before >= 1.0,
        "the route label is the one counted: {before}"
    );
    let started = std::time::Instant::now();
    for _ in 0..60 {
        let t = server
            .post(
                &format!("/api/v1/halls/{hall}/tickets"),
                &tok,
                json!({"area_id": area, "channel": "kiosk"}),
            )
            .await;
        assert_eq!(t.status, 201, "{:#}", t.body);
    }
    c.until("all 60 waiting", |a| {
        a.queues
            .current()
            .is_some_and(|h| h.waiting.len() == 60 && h.waiting_count() == 60)
    })
    .await;
    // Let the last coalesced refresh run, then count.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let elapsed = started.elapsed().as_millis() as f64;
    let spent = fetches(&metrics().await) - before;
    assert!(
        spent <= elapsed / 200.0 + 2.0 && spent < 60.0,
        "{spent} queue fetches for 60 events in {elapsed} ms"
    );
}
