//! `yiwang loadgen queue`: the hall queue under load against a running server. It sets up a
//! hall with one area and N windows (a staff user signed in at each), fills the queue, then
//! runs two open loops at once: kiosks taking tickets at `--take-rate`, and windows calling at
//! `--call-rate` in all, evenly spread over the windows (each call followed by serve and
//! finish, which are load but not measured). Latency counts from each request's scheduled time
//! (no coordinated omission). `--subscribers` event streams stay open meanwhile, and each
//! `ticket.called` event is timed from its call's sending (`event_after_call`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use rand::Rng;
use rand::distr::Alphanumeric;
use reqwest::Client;
use serde_json::{Value, json};

use crate::cmd::loadgen::Report;
use crate::cmd::loadgen_events::Watcher;

/// What the scenario is told.
#[derive(Debug, Clone)]
pub struct QueueSpec {
    pub server: String,
    pub token: String,
    pub windows: usize,
    pub take_rate: u32,
    pub call_rate: u32,
    pub prefill: usize,
    pub duration: Duration,
    pub subscribers: usize,
}

struct Setup {
    hall: i64,
    area: i64,
    windows: Vec<(i64, String)>,
}

pub(crate) async fn send(
    client: &Client,
    url: &str,
    token: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let res = client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = res.status();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("POST {url}: {status} {v}");
    }
    Ok(v)
}

pub(crate) fn id(v: &Value) -> anyhow::Result<i64> {
    v["id"].as_i64().context("the answer has no id")
}

/// A hall under the root region with one area `Q…` and `n` windows, each with a signed-in
/// staff member.
async fn setup(client: &Client, spec: &QueueSpec) -> anyhow::Result<Setup> {
    let api = format!("{}/api/v1", spec.server.trim_end_matches('/'));
    let me = client
        .get(format!("{api}/auth/me"))
        .bearer_auth(&spec.token)
        .send()
        .await?
        .json::<Value>()
        .await?;
    let me_id = me["id"]
        .as_i64()
        .context("the token does not resolve to a user")?;
    let user = client
        .get(format!("{api}/users/{me_id}"))
        .bearer_auth(&spec.token)
        .send()
        .await?
        .json::<Value>()
        .await?;
    let region = user["region_id"]
        .as_i64()
        .context("the token's user has no region")?;
    let tag: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(6)
        .map(char::from)
        .collect::<String>()
        .to_lowercase();
    let hall = id(&send(
        client,
        &format!("{api}/halls"),
        &spec.token,
        json!({"region_id": region, "name": format!("压测大厅 {tag}"), "address": "loopback"}),
    )
    .await?)?;
    let area = id(&send(
        client,
        &format!("{api}/halls/{hall}/areas"),
        &spec.token,
        json!({"prefix": "Q", "name": "压测区"}),
    )
    .await?)?;
    let mut windows = Vec::new();
    for n in 0..spec.windows {
        let w = id(&send(
            client,
            &format!("{api}/halls/{hall}/windows"),
            &spec.token,
            json!({"area_id": area, "number": format!("{}", n + 1), "name": format!("{}号窗口", n + 1)}),
        )
        .await?)?;
        let username = format!("lg_{tag}_{n}");
        let password = format!("{username}-password");
        let user = id(&send(
            client,
            &format!("{api}/users"),
            &spec.token,
            json!({"username": username, "display_name": username, "password": password,
                   "region_id": region}),
        )
        .await?)?;
        send(
            client,
            &format!("{api}/users/{user}/roles"),
            &spec.token,
            json!({"role": "window_staff", "scope_kind": "region", "scope_id": region}),
        )
        .await?;
        let login = client
            .post(format!("{api}/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await?
            .json::<Value>()
            .await?;
        let token = login["token"]
            .as_str()
            .context("staff login failed")?
            .to_owned();
        send(
            client,
            &format!("{api}/windows/{w}/sign-in"),
            &token,
            json!({}),
        )
        .await?;
        windows.push((w, token));
    }
    for _ in 0..spec.prefill {
        send(
            client,
            &format!("{api}/halls/{hall}/tickets"),
            &spec.token,
            json!({"area_id": area, "channel": "kiosk"}),
        )
        .await?;
    }
    Ok(Setup {
        hall,
        area,
        windows,
    })
}

fn report(h: &Histogram<u64>, errors: u64, seconds: f64) -> Report {
    Report {
        requests: h.len(),
        errors,
        seconds,
        rate: h.len() as f64 / seconds,
        p50_us: h.value_at_quantile(0.50),
        p90_us: h.value_at_quantile(0.90),
        p99_us: h.value_at_quantile(0.99),
        p999_us: h.value_at_quantile(0.999),
        max_us: h.max(),
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// Runs the scenario and prints one JSON line: the setup and both loops' figures.
pub async fn queue(spec: QueueSpec) -> anyhow::Result<()> {
    if spec.windows == 0 {
        bail!("--windows must be at least 1");
    }
    let client = Client::builder()
        .pool_max_idle_per_host(spec.windows + 16)
        .timeout(Duration::from_secs(10))
        .build()?;
    let s = setup(&client, &spec).await.context("setting up the hall")?;
    let api = format!("{}/api/v1", spec.server.trim_end_matches('/'));
    let watcher = Watcher::open(&client, &api, &spec.token, spec.subscribers).await?;
    let start = tokio::time::Instant::now() + Duration::from_millis(100);
    let end = start + spec.duration;

    // Kiosks: tickets at --take-rate, spread over 16 connections.
    let take_errors = Arc::new(AtomicU64::new(0));
    let seq = Arc::new(AtomicU64::new(0));
    let mut takers = Vec::new();
    for _ in 0..16 {
        let (client, seq, errors) = (client.clone(), seq.clone(), take_errors.clone());
        let url = format!("{api}/halls/{}/tickets", s.hall);
        let (token, area, rate) = (spec.token.clone(), s.area, spec.take_rate);
        takers.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
            if rate == 0 {
                return Ok::<_, anyhow::Error>(hist);
            }
            loop {
                let n = seq.fetch_add(1, Ordering::Relaxed);
                let due = start + Duration::from_secs_f64(n as f64 / f64::from(rate));
                if due >= end {
                    break;
                }
                tokio::time::sleep_until(due).await;
                let ok = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"area_id": area, "channel": "kiosk"}))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                hist.record(micros(tokio::time::Instant::now().duration_since(due)))?;
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(hist)
        }));
    }

    // Windows: each calls at --call-rate / windows; serve and finish follow each call.
    let call_errors = Arc::new(AtomicU64::new(0));
    let called = Arc::new(AtomicU64::new(0));
    let empty = Arc::new(AtomicU64::new(0));
    let per_window = f64::from(spec.call_rate) / spec.windows as f64;
    let mut callers = Vec::new();
    for (i, (w, token)) in s.windows.clone().into_iter().enumerate() {
        // Each window's calls are shifted by its share of the period, so that the windows
        // together call evenly at --call-rate rather than all in the same instant (a burst of
        // every window at once, once per period).
        let phase = i as f64 / spec.windows as f64;
        let (client, errors, empty, api, calls, called) = (
            client.clone(),
            call_errors.clone(),
            empty.clone(),
            api.clone(),
            watcher.calls(),
            called.clone(),
        );
        callers.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
            if per_window <= 0.0 {
                return Ok::<_, anyhow::Error>(hist);
            }
            let mut n = 0u64;
            loop {
                let due = start + Duration::from_secs_f64((n as f64 + phase) / per_window);
                n += 1;
                if due >= end {
                    break;
                }
                tokio::time::sleep_until(due).await;
                calls.calling(w);
                let res = client
                    .post(format!("{api}/windows/{w}/call-next"))
                    .bearer_auth(&token)
                    .send()
                    .await;
                hist.record(micros(tokio::time::Instant::now().duration_since(due)))?;
                let ticket = match res {
                    Ok(r) if r.status().is_success() => {
                        called.fetch_add(1, Ordering::Relaxed);
                        r.json::<Value>().await.ok()
                    }
                    Ok(r) if r.status().as_u16() == 409 => {
                        empty.fetch_add(1, Ordering::Relaxed);
                        None
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        None
                    }
                };
                if let Some(t) = ticket.and_then(|t| t["id"].as_i64()) {
                    for action in ["serve", "finish"] {
                        let ok = client
                            .post(format!("{api}/tickets/{t}/{action}"))
                            .bearer_auth(&token)
                            .json(&json!({}))
                            .send()
                            .await
                            .is_ok_and(|r| r.status().is_success());
                        if !ok {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
            Ok(hist)
        }));
    }
    let mut take = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    for t in takers {
        take.add(t.await??)?;
    }
    let mut call = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    for c in callers {
        call.add(c.await??)?;
    }
    let events = watcher.finish(Duration::from_millis(500)).await?;
    let seconds = spec.duration.as_secs_f64();
    println!(
        "{}",
        json!({
            "hall_id": s.hall, "area_id": s.area, "windows": s.windows.len(),
            "take_ticket": report(&take, take_errors.load(Ordering::Relaxed), seconds),
            "call_next": report(&call, call_errors.load(Ordering::Relaxed), seconds),
            "call_next_empty_queue": empty.load(Ordering::Relaxed),
            "calls_answered": called.load(Ordering::Relaxed),
            "subscribers": spec.subscribers,
            "event_after_call": report(&events, 0, seconds),
            "take_ticket_url": format!("{api}/halls/{}/tickets", s.hall),
            "take_ticket_body": json!({"area_id": s.area, "channel": "kiosk"}).to_string(),
        })
    );
    Ok(())
}
