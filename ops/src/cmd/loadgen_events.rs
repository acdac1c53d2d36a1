//! Event delivery under load: subscribers follow `/events/stream` while `loadgen queue` runs,
//! and each `ticket.called` event is timed from the moment its window's call-next was sent.
//! A window has one call in flight at a time (serve and finish follow before its next call),
//! so the window id alone pairs an event with its call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, bail};
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use reqwest::Client;
use tokio::task::JoinHandle;
use yiwang_console::sse::SseParser;
use yiwang_core::wire::events::Event;

/// When each window's call in flight was sent.
type Sent = Arc<Mutex<HashMap<i64, Instant>>>;

/// Open subscribers, the calls they wait to see and what they timed.
pub struct Watcher {
    sent: Sent,
    timed: Arc<Mutex<Histogram<u64>>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Watcher {
    /// Opens `n` streams with `token` and returns once every one has answered 200, so that no
    /// call made afterwards can be missed.
    pub async fn open(client: &Client, api: &str, token: &str, n: usize) -> anyhow::Result<Self> {
        let sent: Sent = Arc::default();
        let timed = Arc::new(Mutex::new(Histogram::<u64>::new_with_bounds(
            1, 60_000_000, 3,
        )?));
        let mut tasks = Vec::with_capacity(n);
        for _ in 0..n {
            let res = client
                .get(format!("{api}/events/stream"))
                .bearer_auth(token)
                .timeout(std::time::Duration::from_secs(3_600))
                .send()
                .await
                .context("opening the event stream")?;
            if !res.status().is_success() {
                bail!("the event stream answered {}", res.status());
            }
            let (sent, timed) = (sent.clone(), timed.clone());
            tasks.push(tokio::spawn(async move {
                let mut parser = SseParser::new();
                let mut body = res.bytes_stream();
                while let Some(Ok(chunk)) = body.next().await {
                    let arrived = Instant::now();
                    for frame in parser.feed(&chunk) {
                        let Some(window) = called_window(&frame.data) else {
                            continue;
                        };
                        let at = sent.lock().ok().and_then(|s| s.get(&window).copied());
                        if let (Some(at), Ok(mut h)) = (at, timed.lock()) {
                            let us = arrived.saturating_duration_since(at).as_micros();
                            h.saturating_record(u64::try_from(us).unwrap_or(u64::MAX).max(1));
                        }
                    }
                }
            }));
        }
        Ok(Watcher { sent, timed, tasks })
    }

    /// A handle for the windows' tasks to note their calls with.
    pub fn calls(&self) -> Calls {
        Calls(self.sent.clone())
    }

    /// Waits `grace` for the last events, closes the streams and returns what they timed.
    pub async fn finish(self, grace: std::time::Duration) -> anyhow::Result<Histogram<u64>> {
        tokio::time::sleep(grace).await;
        for t in &self.tasks {
            t.abort();
        }
        let h = self
            .timed
            .lock()
            .map_err(|_| anyhow::anyhow!("a subscriber panicked"))?;
        Ok(h.clone())
    }
}

/// The window of a `ticket.called` event, for any other frame `None`.
fn called_window(data: &str) -> Option<i64> {
    let event: Event = serde_json::from_str(data).ok()?;
    (event.kind == "ticket.called")
        .then(|| event.payload["window_id"].as_i64())
        .flatten()
}

/// What a window's task holds to note its calls with.
#[derive(Clone)]
pub struct Calls(Sent);

impl Calls {
    /// Notes that `window`'s call-next is being sent now.
    pub fn calling(&self, window: i64) {
        if let Ok(mut s) = self.0.lock() {
            s.insert(window, Instant::now());
        }
    }
}
