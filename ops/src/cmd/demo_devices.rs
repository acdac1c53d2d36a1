//! The demo's living hall: the device simulator run against the demo server, logged in as the
//! seeded admin, so the console shows tickets, calls, LEDs and tablets from the first second.

use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};
use yiwang_devices::simulate::{Plan, Simulation, start};

use super::demo::DemoCity;

/// Starts the simulation of the demo hall; a failure is logged, never fatal to the demo.
pub async fn living_hall(base: &str, port: u16, city: &DemoCity) -> Option<Simulation> {
    match try_start(base, port, city).await {
        Ok(sim) => Some(sim),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "the demo hall's simulation did not start");
            None
        }
    }
}

async fn try_start(base: &str, port: u16, city: &DemoCity) -> anyhow::Result<Simulation> {
    if !yiwang_api::startup::wait_ready(port, Duration::from_secs(10)).await {
        anyhow::bail!("the demo server did not come up");
    }
    let admin = city
        .users
        .iter()
        .find(|u| u.username == "admin")
        .context("the seed made no admin")?;
    let login: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": admin.username, "password": admin.password}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"]
        .as_str()
        .context("the admin could not log in")?;
    start(Plan {
        server: base.to_owned(),
        token: token.to_owned(),
        hall: None,
        arrivals_per_minute: 12.0,
        service_seconds: 45.0,
        drop_per_minute: 0.02,
        duration: None,
    })
    .await
}
