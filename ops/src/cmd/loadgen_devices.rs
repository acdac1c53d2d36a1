//! `yiwang loadgen heartbeats`: N devices heartbeating on a fixed schedule against a running
//! server; latency from each beat's scheduled time, and the writer's commits during the run
//! (heartbeats must cost at most one transaction a second in all).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// What the heartbeat scenario measures.
pub struct HeartbeatSpec {
    pub server: String,
    pub token: String,
    pub hall: Option<i64>,
    pub devices: u32,
    pub interval: f64,
    pub duration: u64,
    pub connections: usize,
}

async fn call(req: reqwest::RequestBuilder, what: &str) -> anyhow::Result<Value> {
    let res = req.send().await.with_context(|| what.to_owned())?;
    let status = res.status();
    let body: Value = res.json().await.unwrap_or_default();
    if !status.is_success() {
        bail!("{what}: {status} {body}");
    }
    Ok(body)
}

/// The writer's commits so far, from `/metrics`.
async fn writer_commits(client: &reqwest::Client, server: &str) -> anyhow::Result<f64> {
    let text = client
        .get(format!("{server}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    text.lines()
        .find_map(|l| l.strip_prefix("yiwang_writer_commits "))
        .and_then(|v| v.trim().parse().ok())
        .context("/metrics has no yiwang_writer_commits")
}

pub async fn heartbeats(spec: HeartbeatSpec) -> anyhow::Result<()> {
    let server = spec.server.trim_end_matches('/').to_owned();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(spec.connections)
        .timeout(Duration::from_secs(10))
        .build()?;
    let hall = match spec.hall {
        Some(h) => h,
        None => {
            let halls = call(
                client
                    .get(format!("{server}/api/v1/halls?limit=1"))
                    .bearer_auth(&spec.token),
                "listing halls",
            )
            .await?;
            halls["items"][0]["id"]
                .as_i64()
                .context("the token sees no hall: pass --hall")?
        }
    };
    let interval_ms = (spec.interval * 1000.0).round() as u64;
    eprintln!("registering {} devices in hall {hall} …", spec.devices);
    let run_tag = format!("{:x}", rand::random::<u32>());
    let mut tokens: Vec<String> = Vec::with_capacity(spec.devices as usize);
    for chunk in (0..spec.devices).collect::<Vec<_>>().chunks(32) {
        let mut batch = Vec::new();
        for i in chunk {
            let (client, server, token) = (client.clone(), server.clone(), spec.token.clone());
            let body = json!({"hall_id": hall, "kind": "other:loadgen",
                "name": format!("loadgen-{run_tag}-{i}"), "heartbeat_interval_ms": interval_ms});
            batch.push(tokio::spawn(async move {
                let req = client
                    .post(format!("{server}/api/v1/devices"))
                    .bearer_auth(token)
                    .json(&body);
                let r = call(req, "registering a device").await?;
                let t = r["token"].as_str().context("no token")?.to_owned();
                let hello = client
                    .post(format!("{server}/api/v1/device/hello"))
                    .bearer_auth(&t)
                    .json(&json!({"firmware": "loadgen"}));
                call(hello, "hello").await?;
                Ok::<_, anyhow::Error>(t)
            }));
        }
        for t in batch {
            tokens.push(t.await??);
        }
    }
    // Let the hellos' online changes be written before measuring.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let commits_before = writer_commits(&client, &server).await?;
    let tokens = Arc::new(tokens);
    let n_devices = u64::from(spec.devices.max(1));
    let gap = Duration::from_secs_f64(spec.interval / n_devices as f64);
    let seq = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = tokio::time::Instant::now() + Duration::from_millis(50);
    let end = start + Duration::from_secs(spec.duration);
    let mut tasks = Vec::new();
    for _ in 0..spec.connections.max(1) {
        let (client, server, tokens, seq, errors) = (
            client.clone(),
            server.clone(),
            tokens.clone(),
            seq.clone(),
            errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
            let body = json!({"health": {"uptime_s": 1, "cpu_pct": 10.0}}).to_string();
            loop {
                let n = seq.fetch_add(1, Ordering::Relaxed);
                // Beat n is device n mod N's, due on a fixed schedule (open loop).
                let due = start + gap.saturating_mul(u32::try_from(n).unwrap_or(u32::MAX));
                if due >= end {
                    break;
                }
                tokio::time::sleep_until(due).await;
                let token = &tokens[(n % tokens.len() as u64) as usize];
                let ok = match client
                    .post(format!("{server}/api/v1/device/heartbeat"))
                    .bearer_auth(token)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                {
                    Ok(res) => {
                        let good = res.status().is_success();
                        let _ = res.bytes().await;
                        good
                    }
                    Err(_) => false,
                };
                let took = tokio::time::Instant::now().duration_since(due);
                hist.record(u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1))?;
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok::<_, anyhow::Error>(hist)
        }));
    }
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    for t in tasks {
        all.add(t.await??)?;
    }
    let commits = writer_commits(&client, &server).await? - commits_before;
    let seconds = spec.duration as f64;
    println!(
        "{}",
        json!({
            "scenario": "heartbeats",
            "devices": spec.devices,
            "interval_s": spec.interval,
            "heartbeats": all.len(),
            "errors": errors.load(Ordering::Relaxed),
            "seconds": seconds,
            "rate": (all.len() as f64 / seconds).round(),
            "p50_us": all.value_at_quantile(0.50),
            "p90_us": all.value_at_quantile(0.90),
            "p99_us": all.value_at_quantile(0.99),
            "p999_us": all.value_at_quantile(0.999),
            "max_us": all.max(),
            "writer_commits": commits,
            "writer_commits_per_s": (commits / seconds * 100.0).round() / 100.0,
        })
    );
    Ok(())
}
