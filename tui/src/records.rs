//! The requests of the Alerts, Cases, Devices and Cockpit views: reading cards, cases and devices, and
//! the actions confirmed in act mode. Each runs as its own task and answers with actions; a
//! refusal comes back as an [`Action::Outcome`] carrying the server's problem detail.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use yiwang_core::wire::Page;
use yiwang_core::wire::cases::{Case, CaseHistoryEntry};
use yiwang_core::wire::devices::{Device, DeviceDetail};
use yiwang_core::wire::org::{Department, Region};
use yiwang_core::wire::supervision::{Anomaly, AnomalyDetail, BulkResult};

use crate::action::{Action, Effect};
use crate::state::card::{Card, RuleCodes};
use crate::state::cases::{OpenCase, SEARCH_LIMIT};
use crate::state::cockpit::CockpitData;
use crate::state::names::OrgNames;
use crate::worker::{Ctx, get_json};

/// The card statuses the Alerts view lists (the live ones).
const LIVE: [&str; 4] = ["open", "acknowledged", "ordered", "replied"];

/// Runs one effect of these views.
pub(crate) async fn run(ctx: Ctx, effect: Effect) {
    let action = match effect {
        Effect::FetchAnomalies => match live_cards(&ctx).await {
            Ok(cards) => Action::Anomalies(cards),
            Err(e) => Action::AnomaliesFailed(e),
        },
        Effect::OpenAnomaly(id) => {
            match get::<AnomalyDetail>(&ctx, &format!("/api/v1/supervision/anomalies/{id}")).await {
                Ok(d) => Action::AnomalyOpened(Box::new(d)),
                Err(e) => failed(e),
            }
        }
        Effect::ActOnAnomalies { ids, action, note } => {
            let body = json!({"action": action, "note": note});
            let answer = if let [id] = ids[..] {
                post::<Anomaly>(
                    &ctx,
                    &format!("/api/v1/supervision/anomalies/{id}/actions"),
                    body,
                )
                .await
                .map(|a| (vec![a], Vec::new()))
            } else {
                let mut body = body;
                body["ids"] = json!(ids);
                post::<BulkResult>(&ctx, "/api/v1/supervision/anomalies/bulk", body)
                    .await
                    .map(|r| {
                        let failed = r
                            .failed
                            .into_iter()
                            .map(|f| format!("#{}: {}", f.id, f.message))
                            .collect();
                        (r.done, failed)
                    })
            };
            match answer {
                Ok((done, failed)) => {
                    let message = summary(done.len(), &failed);
                    let _ = ctx.tx.send(Action::AnomaliesChanged(done)).await;
                    Action::Outcome {
                        ok: failed.is_empty(),
                        message,
                    }
                }
                Err(e) => failed(e),
            }
        }
        Effect::IssueOrders {
            ids,
            addressee,
            content,
            reply_days,
        } => {
            let mut done = 0;
            let mut refused = Vec::new();
            for id in &ids {
                let body = json!({"anomaly_id": id, "addressee": addressee, "content": content,
                                  "reply_days": reply_days});
                match post::<Value>(&ctx, "/api/v1/supervision/orders", body).await {
                    Ok(_) => done += 1,
                    Err(e) => refused.push(format!("#{id}: {e}")),
                }
            }
            reread_cards(&ctx, &ids).await;
            Action::Outcome {
                ok: refused.is_empty(),
                message: summary(done, &refused),
            }
        }
        Effect::NoteAnomalies { ids, note } => {
            let mut done = Vec::new();
            let mut refused = Vec::new();
            for id in &ids {
                let path = format!("/api/v1/supervision/anomalies/{id}/notes");
                match post::<Anomaly>(&ctx, &path, json!({"note": note})).await {
                    Ok(a) => done.push(a),
                    Err(e) => refused.push(format!("#{id}: {e}")),
                }
            }
            let message = summary(done.len(), &refused);
            let _ = ctx.tx.send(Action::AnomaliesChanged(done)).await;
            Action::Outcome {
                ok: refused.is_empty(),
                message,
            }
        }
        Effect::SearchCases(search) => {
            let mut query = search.query();
            query.push(("limit", "500".into()));
            match pages::<Case>(&ctx, "/api/v1/cases", &query, SEARCH_LIMIT).await {
                Ok((cases, more)) => Action::CasesFound { cases, more },
                Err(e) => Action::CasesFailed(e),
            }
        }
        Effect::RefreshCase(id) => {
            match get::<Case>(&ctx, &format!("/api/v1/cases/{}", id.0)).await {
                Ok(c) => Action::CaseChanged(Box::new(c)),
                Err(e) => {
                    tracing::info!(error = %e, "case refresh failed");
                    return;
                }
            }
        }
        Effect::OpenCase(id) => {
            let case = get::<Case>(&ctx, &format!("/api/v1/cases/{}", id.0)).await;
            let history =
                get::<Vec<CaseHistoryEntry>>(&ctx, &format!("/api/v1/cases/{}/history", id.0))
                    .await;
            match (case, history) {
                (Ok(case), Ok(history)) => Action::CaseOpened(Box::new(OpenCase { case, history })),
                (Err(e), _) | (_, Err(e)) => failed(e),
            }
        }
        Effect::FetchNames => {
            let all = [("limit", "500".to_owned())];
            let regions = pages::<Region>(&ctx, "/api/v1/regions", &all, usize::MAX).await;
            let departments =
                pages::<Department>(&ctx, "/api/v1/departments", &all, usize::MAX).await;
            match (regions, departments) {
                (Ok((regions, _)), Ok((departments, _))) => Action::Names(Box::new(OrgNames {
                    regions: regions.into_iter().map(|r| (r.id.0, r.name)).collect(),
                    departments: departments.into_iter().map(|d| (d.id.0, d.name)).collect(),
                })),
                // Ids stay on screen; nothing the user asked for failed.
                (Err(e), _) | (_, Err(e)) => {
                    tracing::info!(error = %e, "reading region and department names failed");
                    return;
                }
            }
        }
        Effect::FetchDevices => {
            match pages::<Device>(
                &ctx,
                "/api/v1/devices",
                &[("limit", "500".into())],
                usize::MAX,
            )
            .await
            {
                Ok((list, _)) => Action::Devices(list),
                Err(e) => Action::DevicesFailed(e),
            }
        }
        Effect::RefreshDevice(id) => {
            match get::<DeviceDetail>(&ctx, &format!("/api/v1/devices/{}", id.0)).await {
                Ok(d) => Action::DeviceChanged(Box::new(d.device)),
                Err(e) => {
                    tracing::info!(error = %e, "device refresh failed");
                    return;
                }
            }
        }
        Effect::OpenDevice(id) => {
            match get::<DeviceDetail>(&ctx, &format!("/api/v1/devices/{}", id.0)).await {
                Ok(d) => Action::DeviceOpened(Box::new(d)),
                Err(e) => failed(e),
            }
        }
        Effect::SendDisplay { device, text } => {
            let body = json!({"command": {"kind": "display", "text": text, "scroll": true}});
            let path = format!("/api/v1/devices/{}/commands", device.0);
            match post::<Value>(&ctx, &path, body).await {
                Ok(_) => {
                    if let Ok(d) =
                        get::<DeviceDetail>(&ctx, &format!("/api/v1/devices/{}", device.0)).await
                    {
                        let _ = ctx.tx.send(Action::DeviceOpened(Box::new(d))).await;
                    }
                    Action::Outcome {
                        ok: true,
                        message: summary(1, &[]),
                    }
                }
                Err(e) => failed(e),
            }
        }
        Effect::FetchCockpit { from, to } => {
            let q = format!("from={from}&to={to}");
            let read = async {
                Ok::<_, String>(CockpitData {
                    regions: get(&ctx, &format!("/api/v1/cockpit/regions?{q}")).await?,
                    departments: get(&ctx, &format!("/api/v1/cockpit/departments?{q}")).await?,
                    trend: get(&ctx, &format!("/api/v1/cockpit/trend?{q}&granularity=day")).await?,
                })
            };
            match read.await {
                Ok(d) => Action::Cockpit(Box::new(d)),
                Err(e) => Action::CockpitFailed(e),
            }
        }
        Effect::FetchCounts
        | Effect::FetchHalls
        | Effect::FetchQueue { .. }
        | Effect::RefreshAnomalies(_) => return,
    };
    let _ = ctx.tx.send(action).await;
}

/// `✓ 3` and the refusals, if any.
fn summary(done: usize, refused: &[String]) -> String {
    if refused.is_empty() {
        format!("✓ {done}")
    } else {
        format!("✓ {done} ✗ {}", refused.join("; "))
    }
}

fn failed(message: String) -> Action {
    Action::Outcome { ok: false, message }
}

async fn reread_cards(ctx: &Ctx, ids: &[i64]) {
    let mut changed = Vec::new();
    for id in ids {
        if let Ok(d) =
            get::<AnomalyDetail>(ctx, &format!("/api/v1/supervision/anomalies/{id}")).await
        {
            changed.push(d.anomaly);
        }
    }
    let _ = ctx.tx.send(Action::AnomaliesChanged(changed)).await;
}

/// Every live card: each live status, every page. Each page is compacted as it arrives, so the
/// API's larger form is never held for more than a page (the resident memory keeps its peak).
async fn live_cards(ctx: &Ctx) -> Result<Vec<Card>, String> {
    let mut all = Vec::new();
    let mut codes = RuleCodes::default();
    for status in LIVE {
        let query = [("status", status.to_owned()), ("limit", "500".to_owned())];
        let mut after = 0;
        loop {
            let page: Page<Anomaly> =
                page(ctx, "/api/v1/supervision/anomalies", &query, after).await?;
            all.extend(
                page.items
                    .into_iter()
                    .map(|a| Card::from_wire(a, &mut codes)),
            );
            match page.next_after {
                Some(a) => after = a,
                None => break,
            }
        }
    }
    Ok(all)
}

/// Reads a paged list until its end or `most` items; whether more were left.
async fn pages<T: DeserializeOwned>(
    ctx: &Ctx,
    path: &str,
    query: &[(&str, String)],
    most: usize,
) -> Result<(Vec<T>, bool), String> {
    let mut items = Vec::new();
    let mut after = 0;
    loop {
        let page: Page<T> = page(ctx, path, query, after).await?;
        items.extend(page.items);
        match page.next_after {
            Some(a) if items.len() < most => after = a,
            Some(_) => return Ok((items, true)),
            None => return Ok((items, false)),
        }
    }
}

/// One page of a paged list, after id `after`.
async fn page<T: DeserializeOwned>(
    ctx: &Ctx,
    path: &str,
    query: &[(&str, String)],
    after: i64,
) -> Result<Page<T>, String> {
    let mut q: Vec<(&str, String)> = query.to_vec();
    q.push(("after", after.to_string()));
    let token = ctx.token.read().await.clone();
    let res = ctx
        .http
        .get(format!("{}{path}", ctx.base))
        .query(&q)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    answer(res).await
}

async fn get<T: DeserializeOwned>(ctx: &Ctx, path: &str) -> Result<T, String> {
    get_json(ctx, path).await.map_err(|e| e.to_string())
}

async fn post<T: DeserializeOwned>(ctx: &Ctx, path: &str, body: Value) -> Result<T, String> {
    let token = ctx.token.read().await.clone();
    let res = ctx
        .http
        .post(format!("{}{path}", ctx.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    answer(res).await
}

/// The body of a success, or the problem's detail (and the fields it names) of a refusal.
async fn answer<T: DeserializeOwned>(res: reqwest::Response) -> Result<T, String> {
    let status = res.status();
    if status.is_success() {
        return res.json().await.map_err(|e| e.to_string());
    }
    let problem: Value = res.json().await.unwrap_or(Value::Null);
    Err(problem_text(status.as_u16(), &problem))
}

/// `409: a dismissed anomaly cannot close` / `422: … (note: too long)`.
pub fn problem_text(status: u16, problem: &Value) -> String {
    let detail = problem["detail"].as_str().unwrap_or("");
    let fields: Vec<String> = problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "{}: {}",
                e["field"].as_str().unwrap_or(""),
                e["reason"].as_str().unwrap_or("")
            )
        })
        .collect();
    if fields.is_empty() {
        format!("{status}: {detail}")
    } else {
        format!("{status}: {detail} ({})", fields.join("; "))
    }
}
