//! The console's one loop: terminal events, a one-second tick and the worker's answers, in one
//! `tokio::select!`. It redraws only after something changed and otherwise sleeps. A key is
//! answered by a frame at once; what the server changes is drawn at most every 50 ms (20
//! frames/s), so a stream of events cannot keep a key waiting for the frame gap (see the
//! `console_keys` bench).

use std::time::Duration;

use anyhow::Context;
use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use crate::action::{Action, Effect};
use crate::app::App;
use crate::i18n::Lang;
pub use crate::worker::Login;

/// The shortest time between two frames.
const FRAME: Duration = Duration::from_millis(50);

/// What the console needs to start.
#[derive(Debug, Clone)]
pub struct Options {
    /// The server's base URL, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    pub login: Login,
    pub lang: Lang,
}

/// Runs the console in this terminal until the user quits (or Ctrl-C).
pub async fn run(opts: Options) -> anyhow::Result<()> {
    let mut guard = crate::tui::enter().context("setting up the terminal")?;
    let result = run_in(&mut guard.terminal, opts).await;
    drop(guard);
    result
}

async fn run_in(terminal: &mut crate::tui::Term, opts: Options) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel(256);
    let (effects_tx, effects_rx) = mpsc::unbounded_channel();
    let _worker = crate::worker::spawn(opts.server.clone(), opts.login, tx, effects_rx);
    let mut app = App::new(opts.lang, opts.server, chrono::Utc::now());
    drive(terminal, &mut app, EventStream::new(), rx, effects_tx).await
}

/// The loop itself, on any terminal and any source of terminal events: `rx` brings the
/// worker's answers, `effects` takes the work the state asks for. Returns when the user quits.
pub async fn drive<B, K>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut keys: K,
    mut rx: mpsc::Receiver<Action>,
    effects: mpsc::UnboundedSender<Effect>,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    K: Stream<Item = std::io::Result<TermEvent>> + Unpin,
{
    let size = terminal.size()?;
    app.update(Action::Resize(size.width, size.height));
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut dirty = true;
    // The user is waiting: draw without waiting for the frame gap.
    let mut urgent = false;
    let mut last_frame = Instant::now() - FRAME;
    loop {
        if dirty && (urgent || last_frame.elapsed() >= FRAME) {
            terminal.draw(|f| crate::views::render(app, f))?;
            last_frame = Instant::now();
            dirty = false;
            urgent = false;
        }
        let action = tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => Action::Key(k),
                Some(Ok(TermEvent::Resize(w, h))) => Action::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e).context("reading the terminal"),
                None => Action::Quit,
            },
            _ = tick.tick() => Action::Tick(chrono::Utc::now()),
            Some(a) = rx.recv() => a,
            _ = &mut ctrl_c => Action::Quit,
            _ = tokio::time::sleep_until(last_frame + FRAME), if dirty => continue,
        };
        tracing::trace!(?action, "action");
        urgent |= matches!(action, Action::Key(_) | Action::Resize(..));
        for effect in app.update(action) {
            let _ = effects.send(effect);
        }
        if app.quit {
            return Ok(());
        }
        dirty = true;
    }
}
