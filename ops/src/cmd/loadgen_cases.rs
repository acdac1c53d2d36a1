//! `yiwang loadgen case-setup` and `yiwang loadgen clone-cases`: a case store of a million
//! cases for the case targets of issue #3 (ready time, a department's open cases per page).
//!
//! The setup files one real case per department through a running server's API, so every
//! column (sealed applicant, details document, clocks) is what the service writes; the clone
//! then copies those cases in the stopped server's SQLite file (`service::cases::seed`).

use std::time::Instant;

use anyhow::{Context, bail};
use reqwest::Client;
use serde_json::{Value, json};
use yiwang_core::config::Config;
use yiwang_core::service::cases::seed::clone_cases;
use yiwang_core::store::conn::{Role, connect};

use crate::cmd::loadgen_queue::{id, send};

/// A resident ID number with a valid check character (the applicant of every seeded case).
const APPLICANT: &str = "11010519491231002X";

/// Creates `departments` departments under the token's region, a published item for each and
/// one submitted case per item; prints their ids as JSON.
pub async fn setup(server: &str, token: &str, departments: u32) -> anyhow::Result<()> {
    let client = Client::new();
    let api = format!("{}/api/v1", server.trim_end_matches('/'));
    let me: Value = client
        .get(format!("{api}/auth/me"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    let me_id = me["id"].as_i64().context("the token resolves to no user")?;
    let user: Value = client
        .get(format!("{api}/users/{me_id}"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    let region = user["region_id"]
        .as_i64()
        .context("the token's user has no region")?;
    let (mut deps, mut cases) = (Vec::new(), Vec::new());
    for n in 1..=departments {
        let dep = id(&send(
            &client,
            &format!("{api}/departments"),
            token,
            json!({"region_id": region, "code": format!("B{n:03}"), "name": format!("压测部门{n}")}),
        )
        .await?)?;
        let item = id(&send(
            &client,
            &format!("{api}/catalogue/items"),
            token,
            json!({"region_id": region, "department_id": dep, "content": {
                "item_code": format!("11350100MB{n:04}-001"), "name": format!("压测事项{n}"),
                "item_type": "licensing", "legal_basis": "《压测条例》第一条",
                "legal_limit_days": 20, "promised_limit_days": 10, "fee": {"kind": "none"},
                "materials": [{"name": "申请书", "required": true}],
                "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 5}],
                "online": true, "delivery_modes": ["window"]
            }}),
        )
        .await?)?;
        send(
            &client,
            &format!("{api}/catalogue/items/{item}/publish"),
            token,
            json!({}),
        )
        .await?;
        let case = id(&send(
            &client,
            &format!("{api}/cases"),
            token,
            json!({"item_id": item, "channel": "online",
                   "applicant": {"kind": "person", "name": "张三", "id_number": APPLICANT},
                   "materials": ["申请书"]}),
        )
        .await?)?;
        deps.push(dep);
        cases.push(case);
    }
    println!("{}", json!({"departments": deps, "cases": cases}));
    Ok(())
}

/// Copies the stored cases until `cases` rows exist (the server must be stopped): the copies
/// take turns over the stored ones, their submission times spread back over a year, and
/// `open_share` of them keep the original's open status while the rest are approved.
pub fn clone(config: &Config, cases: u64, open_share: f64) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&open_share) {
        bail!("--open-share must be between 0 and 1");
    }
    let mut conn = connect(&config.db_url()?, Role::Writer)?;
    let started = Instant::now();
    let per_mille = (open_share * 1000.0).round() as u64;
    clone_cases(&mut conn, cases, per_mille).context("copying the cases")?;
    println!(
        "{}",
        json!({"cases": cases, "open_share": open_share,
               "seconds": started.elapsed().as_secs_f64()})
    );
    Ok(())
}
