//! End to end, headless: the console's state and worker against the real server (port 0, fresh
//! SQLite), drawn into a `TestBackend`. A region created through the API shows in the Overview's
//! feed and counts; stopping the server marks the data stale.
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
                .is_some_and(|e| e.kind == "region.created" && e.entity_id == id)
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
