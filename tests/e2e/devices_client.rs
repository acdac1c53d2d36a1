//! The controller client library against a real server, through a proxy the test can cut: it
//! catches up after a network loss without applying a command twice or duplicating a report.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use yiwang_core::domain::ids::CommandId;
use yiwang_core::wire::devices::{AckOutcome, DeviceCommand, ReportEvent, Welcome};
use yiwang_devices::{Config, Controller, Device};
use yiwang_tests::{TestApp, on_each_backend};

use crate::devices::{register, test_hall};

/// A TCP proxy to the app that can be cut (every connection dropped, new ones refused).
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    generation: Arc<std::sync::atomic::AtomicU64>,
}

/// Forwards bytes one way until the proxy is cut: nothing read after the cut goes through.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    born: u64,
    generation: Arc<std::sync::atomic::AtomicU64>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if generation.load(Ordering::SeqCst) != born || to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

impl Proxy {
    async fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let generation = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (up2, gen2) = (up.clone(), generation.clone());
        tokio::spawn(async move {
            loop {
                let Ok((inbound, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(Ordering::SeqCst) {
                    continue;
                }
                let born = gen2.load(Ordering::SeqCst);
                let gen3 = gen2.clone();
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(("127.0.0.1", target)).await else {
                        return;
                    };
                    let (in_r, in_w) = inbound.into_split();
                    let (out_r, out_w) = outbound.into_split();
                    tokio::select! {
                        () = pipe(in_r, out_w, born, gen3.clone()) => {}
                        () = pipe(out_r, in_w, born, gen3) => {}
                    }
                });
            }
        });
        Proxy {
            port,
            up,
            generation,
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// A command kind, and the proxy to cut while applying it.
type CutOn = (&'static str, Arc<Proxy>);

/// Counts how often each command was applied; can cut the network while applying one.
#[derive(Clone, Default)]
struct Recorder {
    applied: Arc<Mutex<HashMap<CommandId, u32>>>,
    hellos: Arc<Mutex<u32>>,
    /// Cuts the network while applying the first command of this kind.
    cut_on: Arc<Mutex<Option<CutOn>>>,
}

impl Device for Recorder {
    fn show(&mut self, _: &Welcome) {
        *self.hellos.lock().unwrap() += 1;
    }

    fn apply(&mut self, cmd: &DeviceCommand) -> AckOutcome {
        *self.applied.lock().unwrap().entry(cmd.id).or_default() += 1;
        if let Some((kind, proxy)) = self
            .cut_on
            .lock()
            .unwrap()
            .take_if(|(k, _)| *k == cmd.command.kind())
        {
            // The acknowledgement of this command will be lost.
            let _ = kind;
            proxy.cut();
        }
        AckOutcome::Applied
    }
}

async fn wait_for(what: &str, within: Duration, mut ok: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !ok().await {
        assert!(
            started.elapsed() < within,
            "{what} did not happen within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn command_status(app: &TestApp, device: i64, id: i64) -> Option<String> {
    let d = app
        .get(&format!("/api/v1/devices/{device}"), &app.admin_token)
        .await;
    let pending = d.body["pending"].as_array().unwrap();
    Some(
        pending
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["status"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|| "gone".into()),
    )
}

async fn the_controller_catches_up_after_a_network_loss_without_duplicates(app: TestApp) {
    let root = app.root_id().await;
    let h = test_hall(&app, root).await;
    let (tablet, token) = register(
        &app,
        json!({"hall_id": h.hall, "window_id": h.window, "kind": "tablet", "name": "平板",
               "heartbeat_interval_ms": 1000}),
    )
    .await;
    let proxy = Arc::new(Proxy::start(app.port).await);
    let device = Recorder::default();
    let mut config = Config::new(&format!("http://127.0.0.1:{}", proxy.port), &token);
    config.poll_wait_ms = 2_000;
    let controller = Controller::start(config, device.clone()).unwrap();
    let mut status = controller.status();
    wait_for("connect", Duration::from_secs(5), async || {
        status.borrow_and_update().connected
    })
    .await;

    // A command arrives through the long-poll, is applied and acknowledged.
    let c1 = app
        .post(
            &format!("/api/v1/devices/{tablet}/commands"),
            &app.admin_token,
            json!({"command": {"kind": "mirror", "title": "受理", "fields": []}}),
        )
        .await;
    let c1 = c1.body["id"].as_i64().unwrap();
    wait_for("the first ack", Duration::from_secs(5), async || {
        command_status(&app, tablet, c1).await.as_deref() == Some("gone")
    })
    .await;

    // The network goes while the second command is being applied: its ack is lost.
    *device.cut_on.lock().unwrap() = Some(("rate", proxy.clone()));
    let c2 = app
        .post(
            &format!("/api/v1/devices/{tablet}/commands"),
            &app.admin_token,
            json!({"command": {"kind": "rate", "ticket_id": 5}}),
        )
        .await;
    let c2_id = CommandId(c2.body["id"].as_i64().unwrap());
    wait_for("the cut", Duration::from_secs(5), async || {
        !proxy.up.load(Ordering::SeqCst)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        command_status(&app, tablet, c2_id.0).await.as_deref(),
        Some("delivered"),
        "the ack was lost"
    );
    // While cut: a report waits in the outbox; a third command waits on the server.
    let report_id = controller.report(ReportEvent::RatingGiven {
        score: 5,
        ticket_id: Some(5),
        case_id: None,
        staff_user_id: None,
        comment: None,
    });
    let c3 = app
        .post(
            &format!("/api/v1/devices/{tablet}/commands"),
            &app.admin_token,
            json!({"command": {"kind": "display", "text": "暂停服务"}}),
        )
        .await;
    let c3 = c3.body["id"].as_i64().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let hellos_before = *device.hellos.lock().unwrap();
    proxy.restore();

    wait_for("catching up", Duration::from_secs(20), async || {
        command_status(&app, tablet, c2_id.0).await.as_deref() == Some("gone")
            && command_status(&app, tablet, c3).await.as_deref() == Some("gone")
            && controller.status().borrow().outbox == 0
    })
    .await;
    assert!(
        *device.hellos.lock().unwrap() > hellos_before,
        "it said hello again"
    );
    let applied = device.applied.lock().unwrap().clone();
    for id in [CommandId(c1), c2_id, CommandId(c3)] {
        assert_eq!(
            applied.get(&id),
            Some(&1),
            "command {id} applied {:?} times",
            applied.get(&id)
        );
    }
    let acks = app.get("/api/v1/events?limit=500", &app.admin_token).await;
    let c2_acks = acks.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "device.command_acked" && e["entity_id"] == c2_id.0)
        .count();
    assert_eq!(c2_acks, 1);
    let reports = app
        .get(
            &format!("/api/v1/devices/reports?device_id={tablet}"),
            &app.admin_token,
        )
        .await;
    let items = reports.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{:#}", reports.body);
    assert_eq!(items[0]["report_id"], report_id.as_str());
    assert!(controller.status().borrow().reconnects >= 1);
    controller.stop();
}
on_each_backend!(
    device_controller_catch_up,
    the_controller_catches_up_after_a_network_loss_without_duplicates
);
