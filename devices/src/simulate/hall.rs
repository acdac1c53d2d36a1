//! Setting up the simulated hall: its devices (registered through the API, each with its own
//! token) and a staff member per window; and the simulated devices themselves.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rand::Rng;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use yiwang_core::wire::devices::{AckOutcome, Command, DeviceCommand, Welcome};

use crate::controller::{Config, Controller, Device};

/// What the setup made.
pub(super) struct Setup {
    pub hall: i64,
    pub slots: Vec<Slot>,
    /// Kiosks: (slot index, the area they issue tickets for).
    pub kiosks: Vec<(usize, i64)>,
    /// Per window: (window, staff user, the window's tablet, the staff's session token).
    pub staff: Vec<(i64, i64, i64, String)>,
    /// Per tablet: (slot index, the commands its citizen answers).
    pub answer_rx: Vec<(usize, mpsc::UnboundedReceiver<DeviceCommand>)>,
}

/// An HTTP session of the simulator (the admin's, a staff member's).
#[derive(Clone)]
pub(super) struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(10));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status();
        let v: Value = res.json().await.unwrap_or_default();
        if !status.is_success() {
            anyhow::bail!(
                "{path}: {status} {}",
                v["detail"].as_str().unwrap_or_default()
            );
        }
        Ok(v)
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
}

/// A simulated LED or kiosk: shows nothing, applies everything.
struct Quiet;

impl Device for Quiet {
    fn show(&mut self, _: &Welcome) {}
    fn apply(&mut self, _: &DeviceCommand) -> AckOutcome {
        AckOutcome::Applied
    }
}

/// A simulated tablet: passes rate and confirm commands to the citizen (a task that answers).
struct Tablet(mpsc::UnboundedSender<DeviceCommand>);

impl Device for Tablet {
    fn show(&mut self, _: &Welcome) {}
    fn apply(&mut self, cmd: &DeviceCommand) -> AckOutcome {
        if matches!(cmd.command, Command::Rate { .. } | Command::Confirm { .. }) {
            let _ = self.0.send(cmd.clone());
        }
        AckOutcome::Applied
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Led,
    Tablet,
    Kiosk,
}

/// One simulated device: its token and, while it is on the network, its controller.
pub(super) struct Slot {
    role: Role,
    token: String,
    pub controller: Option<Arc<Controller>>,
    answers: Option<mpsc::UnboundedSender<DeviceCommand>>,
}

/// A random wait between `lo` and `hi` milliseconds.
pub(super) fn between_ms(lo: u64, hi: u64) -> Duration {
    Duration::from_millis(rand::rng().random_range(lo..hi))
}

/// An exponentially distributed wait with this mean (Poisson arrivals), at most ten means.
pub(super) fn exp_secs(mean: f64) -> Duration {
    let u: f64 = rand::rng().random_range(f64::EPSILON..1.0);
    Duration::from_secs_f64((-u.ln() * mean).min(mean * 10.0))
}

pub(super) fn connect(server: &str, slot: &mut Slot) -> anyhow::Result<()> {
    let mut config = Config::new(server, &slot.token);
    config.firmware = "yiwang-sim/1".into();
    let controller = match (slot.role, &slot.answers) {
        (Role::Tablet, Some(tx)) => Controller::start(config, Tablet(tx.clone()))?,
        _ => Controller::start(config, Quiet)?,
    };
    slot.controller = Some(Arc::new(controller));
    Ok(())
}

/// Registers the hall's devices and a staff member per window.
pub(super) async fn set_up(admin: &Api, hall: Option<i64>) -> anyhow::Result<Setup> {
    let hall = match hall {
        Some(h) => h,
        None => admin.get("/api/v1/halls?limit=1").await?["items"][0]["id"]
            .as_i64()
            .context("no hall to simulate: pass --hall")?,
    };
    let hall_row = admin.get(&format!("/api/v1/halls/{hall}")).await?;
    let region = hall_row["region_id"]
        .as_i64()
        .context("the hall's region")?;
    let windows = admin.get(&format!("/api/v1/halls/{hall}/windows")).await?;
    let windows: Vec<Value> = windows.as_array().cloned().unwrap_or_default();
    let areas = admin.get(&format!("/api/v1/halls/{hall}/areas")).await?;
    let areas: Vec<i64> = areas
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["id"].as_i64()).collect())
        .unwrap_or_default();
    anyhow::ensure!(
        !windows.is_empty() && !areas.is_empty(),
        "the hall needs windows and areas"
    );
    let tag = format!("{:06x}", rand::rng().random::<u32>() & 0xff_ffff);
    let register =
        async |kind: &str, name: String, window: Option<i64>| -> anyhow::Result<(i64, String)> {
            let r = admin
                .post(
                    "/api/v1/devices",
                    json!({"hall_id": hall, "window_id": window, "kind": kind, "name": name,
                       "heartbeat_interval_ms": 5000}),
                )
                .await?;
            Ok((
                r["device"]["id"].as_i64().context("device id")?,
                r["token"].as_str().context("token")?.to_owned(),
            ))
        };
    let mut slots = Vec::new();
    let mut kiosks = Vec::new();
    let mut staff = Vec::new();
    for (i, area) in areas.iter().take(3).enumerate() {
        let (_, token) = register("kiosk", format!("模拟取号机{}", i + 1), None).await?;
        kiosks.push((slots.len(), *area));
        slots.push(Slot {
            role: Role::Kiosk,
            token,
            controller: None,
            answers: None,
        });
    }
    register("led_board", "模拟综合屏".into(), None)
        .await
        .map(|(_, token)| {
            slots.push(Slot {
                role: Role::Led,
                token,
                controller: None,
                answers: None,
            })
        })?;
    let mut answer_rx = Vec::new();
    for w in &windows {
        let (wid, number) = (
            w["id"].as_i64().unwrap_or_default(),
            w["number"].as_str().unwrap_or("?").to_owned(),
        );
        let (_, led) = register("led_window", format!("模拟{number}号窗口屏"), Some(wid)).await?;
        slots.push(Slot {
            role: Role::Led,
            token: led,
            controller: None,
            answers: None,
        });
        let (tablet, token) =
            register("tablet", format!("模拟{number}号窗口平板"), Some(wid)).await?;
        let (tx, rx) = mpsc::unbounded_channel();
        answer_rx.push((slots.len(), rx));
        slots.push(Slot {
            role: Role::Tablet,
            token,
            controller: None,
            answers: Some(tx),
        });
        // A staff member for the window.
        let username = format!("sim-{tag}-w{number}");
        let password = format!("{:032x}", rand::rng().random::<u128>());
        let u = admin
            .post(
                "/api/v1/users",
                json!({"username": username, "display_name": format!("模拟{number}号窗口人员"),
                       "password": password, "region_id": region}),
            )
            .await?;
        let uid = u["id"].as_i64().context("user id")?;
        admin
            .post(
                &format!("/api/v1/users/{uid}/roles"),
                json!({"role": "window_staff", "scope_kind": "region", "scope_id": region}),
            )
            .await?;
        let login = admin
            .post(
                "/api/v1/auth/login",
                json!({"username": username, "password": password}),
            )
            .await?;
        let token = login["token"].as_str().context("login token")?.to_owned();
        staff.push((wid, uid, tablet, token));
    }
    Ok(Setup {
        hall,
        slots,
        kiosks,
        staff,
        answer_rx,
    })
}
