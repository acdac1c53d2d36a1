//! A change on the server visible on the console within 250 ms (issue 7).
//!
//! A real server in this process (port 0, a fresh SQLite file, as the end-to-end tests start
//! it) and the real console: its worker (login, the event stream, the reads an event asks for)
//! and its loop ([`yiwang_console::event_loop::drive`]) on a terminal that reports each frame
//! it gets (`common::Watched`). Two changes, each timed from just before the API call to the
//! flush of the first frame that shows it:
//!
//! - **ticket**: `POST /halls/{id}/tickets`; the Queues view's hall selector shows the hall's
//!   waiting count (`Hall A (n)`), which the `ticket.taken` event itself raises;
//! - **device**: `POST /devices/{id}/disable` and `/enable` in turn; the Devices view shows the
//!   status only once the console has read the device again (the `device.*` event names it,
//!   the worker fetches it), so this path includes the fetch.
//!
//! Between two changes a pause of 50–250 ms (varied, so changes land anywhere between frames).
//!
//! Run with `cargo bench --workspace --bench console_latency`.

mod common;

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use serde_json::json;
use tokio::sync::mpsc;
use yiwang_console::app::App;
use yiwang_console::i18n::{Lang, Msg};
use yiwang_console::{Login, worker};
use yiwang_tests::{Backend, TestApp};

use common::{Frame, Watched, quantile_ms};

const CHANGES: usize = 200;

/// Waits for the first frame flushed at or after `since` that `shows`.
async fn seen(
    frames: &mut mpsc::UnboundedReceiver<Frame>,
    since: Instant,
    shows: impl Fn(&str) -> bool,
) -> anyhow::Result<Instant> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let f = tokio::time::timeout_at(deadline, frames.recv())
            .await
            .context("no frame showed the change within 10 s")?
            .context("the console stopped")?;
        if f.at >= since && shows(&f.text) {
            return Ok(f.at);
        }
    }
}

fn pause(i: usize) -> Duration {
    Duration::from_millis(50 + (i as u64 * 37) % 200)
}

fn created(a: &yiwang_tests::Answer) -> anyhow::Result<i64> {
    if a.status != 201 {
        bail!("{}: {}", a.status, a.body);
    }
    a.body["id"]
        .as_i64()
        .or_else(|| a.body["device"]["id"].as_i64())
        .context("no id")
}

fn report(path: &str, mut times: Vec<Duration>) {
    times.sort_unstable();
    println!(
        "{{\"bench\":\"console_latency\",\"change\":\"{path}\",\"changes\":{},\"p50_ms\":{:.1},\"p99_ms\":{:.1},\"max_ms\":{:.1}}}",
        times.len(),
        quantile_ms(&times, 0.50),
        quantile_ms(&times, 0.99),
        quantile_ms(&times, 1.0),
    );
}

async fn bench() -> anyhow::Result<()> {
    let server = TestApp::spawn(Backend::Sqlite).await;
    let tok = server.admin_token.clone();
    let root = server.root_id().await;
    let region = server.region("990188", "测速区", "county", root).await;
    let hall = |name: &str| json!({"region_id": region, "name": name, "address": "人民路1号"});
    let hall_a = created(&server.post("/api/v1/halls", &tok, hall("Hall A")).await)?;
    created(&server.post("/api/v1/halls", &tok, hall("Hall B")).await)?;
    let area = created(
        &server
            .post(
                &format!("/api/v1/halls/{hall_a}/areas"),
                &tok,
                json!({"prefix": "A", "name": "综合区"}),
            )
            .await,
    )?;
    let device = created(
        &server
            .post(
                "/api/v1/devices",
                &tok,
                json!({"hall_id": hall_a, "kind": "led_board", "name": "lat-board"}),
            )
            .await,
    )?;

    let (tx, rx) = mpsc::channel(256);
    let (effects_tx, effects_rx) = mpsc::unbounded_channel();
    let login = Login::Password {
        username: "admin".into(),
        password: yiwang_tests::ADMIN_PASSWORD.into(),
    };
    let _worker = worker::spawn(server.base.clone(), login, tx, effects_rx);
    let (frames_tx, mut frames) = mpsc::unbounded_channel::<Frame>();
    let (keys_tx, mut keys_rx) = mpsc::unbounded_channel::<std::io::Result<TermEvent>>();
    let keys = futures_util::stream::poll_fn(move |cx| keys_rx.poll_recv(cx));
    let base = server.base.clone();
    let console = tokio::spawn(async move {
        let mut app = App::new(Lang::En, base, chrono::Utc::now());
        let mut terminal = Terminal::new(Watched::new(160, 48, frames_tx))?;
        yiwang_console::event_loop::drive(&mut terminal, &mut app, keys, rx, effects_tx).await
    });
    let press = |c: char| {
        keys_tx.send(Ok(TermEvent::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        ))))
    };

    // Logged in, the halls listed: open the Queues view.
    seen(&mut frames, Instant::now(), |t| t.contains("Queues")).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    press('2')?;
    seen(&mut frames, Instant::now(), |t| t.contains("Hall A (0)")).await?;

    let mut tickets = Vec::with_capacity(CHANGES);
    for i in 1..=CHANGES {
        let started = Instant::now();
        let a = server
            .post(
                &format!("/api/v1/halls/{hall_a}/tickets"),
                &tok,
                json!({"area_id": area, "channel": "kiosk"}),
            )
            .await;
        created(&a)?;
        let label = format!("Hall A ({i})");
        let at = seen(&mut frames, started, |t| t.contains(&label)).await?;
        tickets.push(at - started);
        tokio::time::sleep(pause(i)).await;
    }
    report("ticket", tickets);

    press('5')?;
    seen(&mut frames, Instant::now(), |t| t.contains("lat-board")).await?;
    let disabled = Lang::En.t(Msg::Disabled);
    let mut devices = Vec::with_capacity(CHANGES);
    for i in 1..=CHANGES {
        let disable = i % 2 == 1;
        let action = if disable { "disable" } else { "enable" };
        let started = Instant::now();
        let a = server
            .post(
                &format!("/api/v1/devices/{device}/{action}"),
                &tok,
                json!({}),
            )
            .await;
        if !a.status.is_success() {
            bail!("{action}: {} {}", a.status, a.body);
        }
        let at = seen(&mut frames, started, |t| {
            t.lines()
                .find(|l| l.contains("lat-board"))
                .is_some_and(|l| l.contains(disabled) == disable)
        })
        .await?;
        devices.push(at - started);
        tokio::time::sleep(pause(i)).await;
    }
    report("device", devices);

    drop(keys_tx);
    console.await??;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(bench())
}
