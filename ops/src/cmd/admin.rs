//! Operator commands that work on storage directly: migrate, user, token, audit.
//! They run beside a live `yiwang serve` on the same data (SQLite waits for the server's writer).

use std::io::BufRead;

use anyhow::{Context, bail};
use yiwang_core::clock::Clock;
use yiwang_core::config::Config;
use yiwang_core::domain::access::ScopeKind;
use yiwang_core::domain::org::TokenKind;
use yiwang_core::service::Services;
use yiwang_core::service::audit::Actor;
use yiwang_core::store::migrate;
use yiwang_core::wire::auth::NewToken;
use yiwang_core::wire::org::{NewUser, NewUserRole};

use crate::cli::{AuditCommand, TokenCommand, UserCommand};

pub(crate) fn operator() -> Actor {
    Actor {
        id: None,
        label: "operator (yiwang command)".into(),
    }
}

pub async fn migrate(config: Config) -> anyhow::Result<()> {
    let url = config.db_url()?;
    let applied = tokio::task::spawn_blocking(move || migrate::run_pending(&url)).await??;
    if applied.is_empty() {
        println!("the database is up to date");
    } else {
        for m in applied {
            println!("applied {m}");
        }
    }
    Ok(())
}

/// Parses `region:CODE`, `department:ID` or `own`.
async fn parse_scope(services: &Services, scope: Option<&str>) -> anyhow::Result<NewUserRole> {
    let (kind, id) = match scope {
        None => (ScopeKind::Region, Some(services.root_region().await?.id.0)),
        Some("own") => (ScopeKind::Own, None),
        Some(s) => match s.split_once(':') {
            Some(("region", code)) => {
                let r = services
                    .region_by_code(code)
                    .await?
                    .with_context(|| format!("no region with code {code}"))?;
                (ScopeKind::Region, Some(r.id.0))
            }
            Some(("department", id)) => (
                ScopeKind::Department,
                Some(id.parse().context("department:ID takes a number")?),
            ),
            _ => bail!("--scope takes region:CODE, department:ID or own"),
        },
    };
    Ok(NewUserRole {
        role: String::new(),
        scope_kind: kind,
        scope_id: id,
    })
}

pub async fn user(config: Config, cmd: UserCommand) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    add_user(config, cmd, password).await
}

/// `yiwang user add` with the password already read.
pub async fn add_user(config: Config, cmd: UserCommand, password: String) -> anyhow::Result<()> {
    let UserCommand::Add {
        name,
        role,
        scope,
        display_name,
        region,
        password_stdin: _,
    } = cmd;
    let services = Services::start(config, Clock::System).await?;
    if !services
        .list_roles_unchecked()
        .await?
        .iter()
        .any(|r| r.name == role)
    {
        bail!("no role named {role}");
    }
    let region = match region {
        Some(code) => services
            .region_by_code(&code)
            .await?
            .with_context(|| format!("no region with code {code}"))?,
        None => services.root_region().await?,
    };
    let mut grant = parse_scope(&services, scope.as_deref()).await?;
    grant.role = role.clone();
    let user = services
        .create_user_as(
            operator(),
            None,
            NewUser {
                username: name.clone(),
                display_name: display_name.unwrap_or_else(|| name.clone()),
                password,
                region_id: region.id,
                department_id: None,
                phone: None,
            },
        )
        .await?;
    services
        .grant_role_as(operator(), None, user.id, grant)
        .await?;
    println!("added user {name} (id {}) with role {role}", user.id);
    Ok(())
}

pub async fn token(config: Config, cmd: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Issue {
        user,
        kind,
        name,
        ttl_days,
    } = cmd;
    let kind = TokenKind::parse(&kind).context("--kind takes api_key or device")?;
    let services = Services::start(config, Clock::System).await?;
    let user_id = services
        .user_id_by_name(&user)
        .await?
        .with_context(|| format!("no user named {user}"))?;
    let issued = services
        .issue_token_as_operator(NewToken {
            kind,
            user_id,
            name,
            ttl_days,
        })
        .await?;
    println!("{}", issued.token);
    eprintln!(
        "token {} issued for {user}; it is shown only now: keep it safe",
        issued.info.id
    );
    Ok(())
}

pub async fn audit(config: Config, cmd: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify = cmd;
    let services = Services::start(config, Clock::System).await?;
    let v = services
        .store
        .read_heavy(yiwang_core::service::audit::verify)
        .await?;
    match v.first_broken {
        None => {
            println!("audit chain intact: {} entries verified", v.entries_checked);
            Ok(())
        }
        Some(id) => bail!(
            "audit chain broken at entry {id}: {} ({} entries before it verified)",
            v.reason.unwrap_or_default(),
            v.entries_checked
        ),
    }
}
