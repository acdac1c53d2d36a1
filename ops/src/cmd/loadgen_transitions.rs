//! `yiwang loadgen transitions`: a case transition through the API against the same transition
//! in process through the writer (issue #3: HTTP at least 80% of the in-process rate).
//!
//! One process serves the API on a fresh SQLite folder and files accepted cases through it.
//! Each round then runs, for `seconds` each and in alternating order, the same work two ways:
//! `connections` tasks calling the service directly, and `wrk` (a separate process, the load
//! tool of the other HTTP figures) on as many connections. Both walk their own cases, suspending
//! each (an expert review stops its clocks) and resuming it on the next pass, so every request
//! is a real transition: scope check, state machine, clocks, audit entry and event, committed
//! durably by the group-committing writer. Every `wrk` round gets fresh cases, so its passes
//! start from a known state.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use reqwest::Client;
use serde_json::{Value, json};
use yiwang_api::Application;
use yiwang_core::config::Config;
use yiwang_core::domain::calendar::SuspensionReason;
use yiwang_core::domain::case::CaseId;
use yiwang_core::domain::identity::id_check_char;
use yiwang_core::service::Services;
use yiwang_core::service::cases::CaseCommand;

use crate::cmd::loadgen::bench_admin;
use crate::cmd::loadgen_queue::{id, send};

/// The `n`-th applicant: a resident ID number with a valid check character, distinct per case
/// (one person's thousands of cases would make every filing look at all the others).
fn applicant(n: usize) -> anyhow::Result<String> {
    let born = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).context("date")?
        + chrono::Days::new((n / 1000) as u64);
    let body = format!("110105{}{:03}", born.format("%Y%m%d"), n % 1000);
    let bytes: [u8; 17] = body.as_bytes().try_into().context("17 digits")?;
    let check = id_check_char(&bytes).context("check character")?;
    Ok(format!("{body}{check}"))
}

pub struct TransitionSpec {
    /// Cases walked by each side in a round.
    pub cases: usize,
    pub connections: usize,
    pub rounds: usize,
    pub seconds: u64,
}

pub async fn transitions(spec: TransitionSpec) -> anyhow::Result<()> {
    if spec.cases < 4 * spec.connections.max(1) {
        bail!("--cases must be at least 4 × --connections, so no case is in flight twice");
    }
    let dir = tempfile::tempdir()?;
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        listen: "127.0.0.1:0".into(),
        ..Config::default()
    };
    let app = Application::build(config)
        .await
        .context("starting the server")?;
    let services = app.services().clone();
    let base = format!("http://127.0.0.1:{}/api/v1", app.port());
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());

    let admin = bench_admin(&services, "bench_admin").await?;
    let caller = services.caller_of(admin).await?;
    let client = Client::new();
    let token = login(&client, &base).await?;
    let region = services.root_region().await?.id.0;
    let all = file_cases(
        &client,
        &base,
        &token,
        region,
        spec.cases * (1 + spec.rounds),
    )
    .await?;
    let (direct, fresh) = all.split_at(spec.cases);
    let mut direct = Walk::new(direct, spec.connections);

    let mut rounds = Vec::new();
    for (round, cases) in fresh.chunks(spec.cases).enumerate() {
        let script = wrk_script(dir.path(), round, &token, cases)?;
        let url = format!("{base}/cases");
        // Alternate which side goes first, so neither always meets the other's leftovers
        // (checkpoints, event followers catching up).
        let ((http_rate, non_2xx, errors), in_process) = if round % 2 == 1 {
            let http = wrk(&script, &url, spec.connections, spec.seconds).await?;
            (http, direct.run(&services, &caller, spec.seconds).await?)
        } else {
            let in_process = direct.run(&services, &caller, spec.seconds).await?;
            (
                wrk(&script, &url, spec.connections, spec.seconds).await?,
                in_process,
            )
        };
        if non_2xx > 0 {
            bail!("round {round}: {non_2xx} HTTP answers were not 2xx:\n{errors}");
        }
        rounds.push(
            json!({"in_process_per_s": in_process.round(), "http_per_s": http_rate.round(),
                           "ratio": http_rate / in_process}),
        );
    }
    let mut ratios: Vec<f64> = rounds.iter().filter_map(|r| r["ratio"].as_f64()).collect();
    ratios.sort_by(f64::total_cmp);
    let median = ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN);
    let stats = services.store.writer_stats();
    handle.stop(true).await;
    server.await??;
    if stats.failed_commands > 0 {
        bail!("{} commands failed in the writer", stats.failed_commands);
    }
    println!(
        "{}",
        json!({
            "cases_each": spec.cases,
            "connections": spec.connections,
            "seconds": spec.seconds,
            "median_ratio": median,
            "rounds": rounds,
            "writer": {"commits": stats.commits, "commands": stats.commands},
        })
    );
    Ok(())
}

async fn login(client: &Client, base: &str) -> anyhow::Result<String> {
    let v: Value = client
        .post(format!("{base}/auth/login"))
        .json(&json!({"username": "bench_admin", "password": "bench-password"}))
        .send()
        .await?
        .json()
        .await?;
    Ok(v["token"]
        .as_str()
        .context("no token in the login answer")?
        .to_owned())
}

/// A department, a published item and `n` accepted cases of it, through the API.
async fn file_cases(
    client: &Client,
    base: &str,
    token: &str,
    region: i64,
    n: usize,
) -> anyhow::Result<Vec<i64>> {
    let dep = id(&send(
        client,
        &format!("{base}/departments"),
        token,
        json!({"region_id": region, "code": "T001", "name": "压测部门"}),
    )
    .await?)?;
    let item = id(&send(
        client,
        &format!("{base}/catalogue/items"),
        token,
        json!({"region_id": region, "department_id": dep, "content": {
            "item_code": "11350100MB0001-001", "name": "压测事项",
            "item_type": "licensing", "legal_basis": "《压测条例》第一条",
            "legal_limit_days": 20, "promised_limit_days": 10, "fee": {"kind": "none"},
            "materials": [{"name": "申请书", "required": true}],
            "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 5}],
            "online": true, "delivery_modes": ["window"]
        }}),
    )
    .await?)?;
    send(
        client,
        &format!("{base}/catalogue/items/{item}/publish"),
        token,
        json!({}),
    )
    .await?;
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (client, base, token, next) = (
            client.clone(),
            base.to_owned(),
            token.to_owned(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= n {
                    break;
                }
                let case = id(&send(
                    &client,
                    &format!("{base}/cases"),
                    &token,
                    json!({"item_id": item, "channel": "window",
                           "applicant": {"kind": "person", "name": "张三", "id_number": applicant(k)?},
                           "materials": ["申请书"]}),
                )
                .await?)?;
                send(&client, &format!("{base}/cases/{case}/accept"), &token, json!({})).await?;
                ids.push(case);
            }
            anyhow::Ok(ids)
        }));
    }
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_unstable();
    Ok(all)
}

/// The in-process side: each of its tasks walks its own share of the cases, suspending them on
/// one pass and resuming them on the next, and keeps its place between rounds.
struct Walk {
    shares: Vec<Arc<Vec<i64>>>,
    /// Per task: transitions done so far (its place in its share and the pass).
    done: Vec<usize>,
}

impl Walk {
    fn new(cases: &[i64], tasks: usize) -> Walk {
        let tasks = tasks.max(1);
        let shares = (0..tasks)
            .map(|t| Arc::new(cases.iter().copied().skip(t).step_by(tasks).collect()))
            .collect();
        Walk {
            shares,
            done: vec![0; tasks],
        }
    }

    /// Runs every task for `seconds`; transitions per second.
    async fn run(
        &mut self,
        services: &Services,
        caller: &yiwang_core::domain::access::Caller,
        seconds: u64,
    ) -> anyhow::Result<f64> {
        let until = Instant::now() + std::time::Duration::from_secs(seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for (share, &done) in self.shares.iter().zip(&self.done) {
            let (services, caller, share) = (services.clone(), caller.clone(), share.clone());
            tasks.push(tokio::spawn(async move {
                let mut n = done;
                while Instant::now() < until {
                    let case = share[n % share.len()];
                    let command = if (n / share.len()) % 2 == 0 {
                        CaseCommand::Suspend {
                            reason: SuspensionReason::ExpertReview,
                            note: "压测".into(),
                        }
                    } else {
                        CaseCommand::Resume
                    };
                    services.act_on_case(&caller, CaseId(case), command).await?;
                    n += 1;
                }
                anyhow::Ok(n)
            }));
        }
        let mut total = 0;
        for (t, done) in tasks.into_iter().zip(self.done.iter_mut()) {
            let n = t.await??;
            total += n - *done;
            *done = n;
        }
        Ok(total as f64 / started.elapsed().as_secs_f64())
    }
}

/// A wrk script walking `cases` as the in-process side does: each thread takes every other
/// case, and each pass over its cases suspends them or resumes them.
fn wrk_script(
    dir: &std::path::Path,
    round: usize,
    token: &str,
    cases: &[i64],
) -> anyhow::Result<std::path::PathBuf> {
    let ids: Vec<String> = cases.iter().map(i64::to_string).collect();
    let script = format!(
        r#"local ids = {{{ids}}}
local counter = 0
function setup(thread)
  thread:set("first", counter)
  counter = counter + 1
end
function init(args)
  mine = {{}}
  for i = first + 1, #ids, 2 do mine[#mine + 1] = ids[i] end
  -- wrk calls request() once on its first thread to check the script, and sends nothing.
  n = 0
  if first == 0 then n = -1 end
end
function request()
  local case = mine[(n % #mine) + 1]
  local pass = math.floor(n / #mine)
  n = n + 1
  local headers = {{["authorization"] = "Bearer {token}", ["content-type"] = "application/json"}}
  if pass % 2 == 0 then
    return wrk.format("POST", "/api/v1/cases/" .. case .. "/suspend", headers,
      '{{"reason":"expert_review","note":"压测"}}')
  end
  return wrk.format("POST", "/api/v1/cases/" .. case .. "/resume", headers, "{{}}")
end
errors = 0
function response(status, headers, body)
  if status > 299 and errors < 3 then
    errors = errors + 1
    io.write("answer " .. status .. ": " .. body .. "\n")
  end
end
"#,
        ids = ids.join(","),
    );
    let path = dir.join(format!("transitions-{round}.lua"));
    std::fs::write(&path, script)?;
    Ok(path)
}

/// Runs wrk (2 threads) for `seconds`: requests per second and the answers that were not 2xx.
async fn wrk(
    script: &std::path::Path,
    url: &str,
    connections: usize,
    seconds: u64,
) -> anyhow::Result<(f64, u64, String)> {
    let mut command = std::process::Command::new("wrk");
    command
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "-s",
        ])
        .arg(script)
        .arg(url);
    let out = tokio::task::spawn_blocking(move || command.output())
        .await?
        .context("running wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "wrk failed: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let field = |label: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
    };
    let rate = field("Requests/sec:").context("no rate in wrk's output")?;
    let non_2xx = field("Non-2xx or 3xx responses:").unwrap_or(0.0) as u64;
    let errors = text
        .lines()
        .filter(|l| l.starts_with("answer ") || l.contains("Socket errors"))
        .collect::<Vec<_>>()
        .join("\n");
    Ok((rate, non_2xx, errors))
}
