//! The controller: what a vendor's device links to stay connected. It says hello (and again after
//! every network loss, which brings the full state back), sends heartbeats, long-polls commands,
//! applies each command id once and acknowledges every delivery, and sends reports from an
//! outbox, each under a report id of its own, until the server has them — so a retry after a
//! lost answer never records anything twice.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use yiwang_core::domain::ids::CommandId;
use yiwang_core::wire::devices::{
    Ack, AckOutcome, DeviceCommand, DisplayState, Health, Heartbeat, Hello, Report, ReportEvent,
    Welcome,
};

use crate::backoff::Backoff;
use crate::client::{Client, ClientError};

/// How many applied command ids a controller remembers to skip redeliveries.
const REMEMBERED: usize = 4_096;

/// What the controller drives: the screen, printer or radio of a real device.
pub trait Device: Send + 'static {
    /// Shows the full state after a (re)connect.
    fn show(&mut self, welcome: &Welcome);
    /// Applies a command; called once per command id.
    fn apply(&mut self, cmd: &DeviceCommand) -> AckOutcome;
    /// The health figures for the next heartbeat.
    fn health(&mut self) -> Health {
        Health::default()
    }
}

/// Where the controller connects and what it says about itself.
#[derive(Debug, Clone)]
pub struct Config {
    pub server: String,
    pub token: String,
    pub firmware: String,
    pub capabilities: Vec<String>,
    /// Long-poll wait, ms (the server caps it at 30,000).
    pub poll_wait_ms: u32,
}

impl Config {
    pub fn new(server: &str, token: &str) -> Self {
        Config {
            server: server.to_owned(),
            token: token.to_owned(),
            firmware: concat!("yiwang-devices/", env!("CARGO_PKG_VERSION")).to_owned(),
            capabilities: Vec::new(),
            poll_wait_ms: 25_000,
        }
    }
}

/// The connection as the device's owner sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    pub connected: bool,
    /// The server refused the token: the controller stopped.
    pub rejected: bool,
    pub reconnects: u32,
    pub last_error: Option<String>,
    pub state: DisplayState,
    pub outbox: usize,
}

/// Command ids already applied, oldest forgotten first.
#[derive(Default)]
struct Applied {
    order: VecDeque<CommandId>,
    set: HashSet<CommandId>,
}

impl Applied {
    /// Records `id`; false when it was applied before.
    fn first_time(&mut self, id: CommandId) -> bool {
        if !self.set.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > REMEMBERED
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

struct Shared {
    client: Client,
    config: Config,
    device: Mutex<Box<dyn Device>>,
    applied: Mutex<Applied>,
    outbox: Mutex<VecDeque<Report>>,
    outbox_bell: Notify,
    status: watch::Sender<Status>,
    interval_ms: Mutex<u32>,
}

/// A running controller; dropping it stops it.
pub struct Controller {
    shared: Arc<Shared>,
    boot: String,
    seq: Mutex<u64>,
    tasks: Vec<JoinHandle<()>>,
}

impl Controller {
    /// Starts the controller's loops on the current tokio runtime.
    pub fn start(config: Config, device: impl Device) -> Result<Controller, ClientError> {
        let client = Client::new(&config.server, &config.token)?;
        let (status, _) = watch::channel(Status::default());
        let shared = Arc::new(Shared {
            client,
            config,
            device: Mutex::new(Box::new(device)),
            applied: Mutex::new(Applied::default()),
            outbox: Mutex::new(VecDeque::new()),
            outbox_bell: Notify::new(),
            status,
            interval_ms: Mutex::new(10_000),
        });
        let tasks = vec![
            tokio::spawn(commands_loop(shared.clone())),
            tokio::spawn(heartbeat_loop(shared.clone())),
            tokio::spawn(outbox_loop(shared.clone())),
        ];
        Ok(Controller {
            shared,
            boot: format!("{:016x}", rand::rng().random::<u64>()),
            seq: Mutex::new(0),
            tasks,
        })
    }

    /// Queues a report and answers its report id; it is sent (and re-sent) until the server has
    /// it, in order.
    pub fn report(&self, event: ReportEvent) -> String {
        let id = {
            let mut seq = self.seq.lock().unwrap_or_else(|p| p.into_inner());
            *seq += 1;
            format!("{}-{}", self.boot, *seq)
        };
        let report = Report {
            report_id: id.clone(),
            happened_at: Some(chrono::Utc::now()),
            event,
        };
        lock(&self.shared.outbox).push_back(report);
        self.shared.outbox_bell.notify_one();
        self.shared.status.send_modify(|s| s.outbox += 1);
        id
    }

    /// Follows the connection's status.
    pub fn status(&self) -> watch::Receiver<Status> {
        self.shared.status.subscribe()
    }

    /// The HTTP client with this device's token, for calls beyond the protocol.
    pub fn client(&self) -> &Client {
        &self.shared.client
    }

    /// Stops every loop now (what a power cut does: unsent reports are lost with the process).
    pub fn stop(&self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        self.stop();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn note_error(shared: &Shared, e: &ClientError) {
    shared.status.send_modify(|s| {
        s.connected = false;
        s.last_error = Some(e.to_string());
        s.rejected |= e.is_unauthorized();
    });
}

/// Applies what was not applied yet and acknowledges everything handed out.
async fn handle(shared: &Shared, cmds: Vec<DeviceCommand>) -> Result<(), ClientError> {
    for cmd in cmds {
        let fresh = lock(&shared.applied).first_time(cmd.id);
        let outcome = if fresh {
            let outcome = lock(&shared.device).apply(&cmd);
            let at = chrono::Utc::now();
            shared
                .status
                .send_modify(|s| s.state.apply(&cmd.command, at));
            outcome
        } else {
            AckOutcome::Applied
        };
        let ack = Ack {
            outcome,
            detail: None,
        };
        match shared.client.ack(cmd.id, &ack).await {
            Ok(_) => {}
            // Expired meanwhile, or not handed to us on this connection: the next hello sorts
            // it out; nothing to retry.
            Err(ClientError::Rejected { status, .. })
                if status.is_client_error() && status != 401 => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn commands_loop(shared: Arc<Shared>) {
    let mut backoff = Backoff::default();
    let hello = Hello {
        firmware: shared.config.firmware.clone(),
        capabilities: shared.config.capabilities.clone(),
    };
    loop {
        // Connect: the full state and every unacknowledged command.
        let welcome = match shared.client.hello(&hello).await {
            Ok(w) => w,
            Err(e) => {
                note_error(&shared, &e);
                if e.is_unauthorized() {
                    return;
                }
                tokio::time::sleep(backoff.next_wait()).await;
                continue;
            }
        };
        *lock(&shared.interval_ms) = welcome.heartbeat_interval_ms;
        lock(&shared.device).show(&welcome);
        shared.status.send_modify(|s| {
            s.connected = true;
            s.last_error = None;
            s.state = welcome.state.clone();
        });
        let mut pending = welcome.commands;
        loop {
            if let Err(e) = handle(&shared, std::mem::take(&mut pending)).await {
                note_error(&shared, &e);
                break;
            }
            backoff.reset();
            match shared.client.poll(shared.config.poll_wait_ms).await {
                Ok(cmds) => pending = cmds,
                Err(e) => {
                    note_error(&shared, &e);
                    break;
                }
            }
        }
        if shared.status.borrow().rejected {
            return;
        }
        shared.status.send_modify(|s| s.reconnects += 1);
        tokio::time::sleep(backoff.next_wait()).await;
    }
}

async fn heartbeat_loop(shared: Arc<Shared>) {
    loop {
        let interval = *lock(&shared.interval_ms);
        tokio::time::sleep(Duration::from_millis(u64::from(interval.max(100)))).await;
        if shared.status.borrow().rejected {
            return;
        }
        let health = lock(&shared.device).health();
        if let Err(e) = shared.client.heartbeat(&Heartbeat { health }).await {
            note_error(&shared, &e);
        }
    }
}

async fn outbox_loop(shared: Arc<Shared>) {
    let mut backoff = Backoff::default();
    loop {
        let next = lock(&shared.outbox).front().cloned();
        let Some(report) = next else {
            shared.outbox_bell.notified().await;
            continue;
        };
        match shared.client.report(&report).await {
            Ok(_) => {
                backoff.reset();
                lock(&shared.outbox).pop_front();
                shared
                    .status
                    .send_modify(|s| s.outbox = s.outbox.saturating_sub(1));
            }
            Err(e) if !e.is_retryable() && !e.is_unauthorized() => {
                // The server will never take it (invalid, or the id reused): drop it, loudly.
                tracing::warn!(error = %e, report = %report.report_id, "a report was refused");
                lock(&shared.outbox).pop_front();
                shared
                    .status
                    .send_modify(|s| s.outbox = s.outbox.saturating_sub(1));
            }
            Err(e) => {
                note_error(&shared, &e);
                if e.is_unauthorized() {
                    return;
                }
                tokio::time::sleep(backoff.next_wait()).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_id_is_applied_once_and_old_ids_are_forgotten() {
        let mut a = Applied::default();
        assert!(a.first_time(CommandId(1)));
        assert!(!a.first_time(CommandId(1)));
        for i in 2..(REMEMBERED as i64 + 10) {
            assert!(a.first_time(CommandId(i)));
        }
        assert!(a.set.len() <= REMEMBERED);
        assert!(a.first_time(CommandId(1)), "the oldest id was forgotten");
    }
}
