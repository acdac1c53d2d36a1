//! `yiwang demo`: a throw-away city, seeded and served.

use anyhow::Context;
use rand::Rng;
use rand::distr::Alphanumeric;
use yiwang_api::Application;
use yiwang_core::config::Config;
use yiwang_core::domain::access::{Caller, ScopeKind};
use yiwang_core::domain::ids::{DepartmentId, RegionId};
use yiwang_core::domain::org::RegionLevel;
use yiwang_core::service::Services;
use yiwang_core::service::audit::Actor;
use yiwang_core::wire::org::{
    NewArea, NewDepartment, NewHall, NewRegion, NewUser, NewUserRole, NewWindow,
};

/// One seeded account, with its password as printed for the demo's user.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub username: String,
    pub password: String,
    pub role: String,
    pub what: &'static str,
}

/// What the seed made.
#[derive(Debug, Clone)]
pub struct DemoCity {
    pub city: RegionId,
    pub counties: Vec<RegionId>,
    pub users: Vec<DemoUser>,
}

pub async fn demo(
    mut config: Config,
    listen: &str,
    headless: bool,
    lang: &str,
) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("yiwang-demo-")
        .tempdir()
        .context("creating the demo's data folder")?;
    config.data_dir = dir.path().to_path_buf();
    config.database_url = None;
    config.listen = listen.to_owned();
    demo_config(&mut config);
    let app = Application::build(config)
        .await
        .context("starting the server")?;
    let city = seed(app.services())
        .await
        .context("seeding the demo city")?;
    let base = format!("http://127.0.0.1:{}", app.port());
    crate::memory::spawn_trimmer();
    print_welcome(&base, &city, lang);
    if headless {
        let port = app.port();
        let server = tokio::spawn(app.run_until_stopped());
        let _hall = super::demo_devices::living_hall(&base, port, &city).await;
        server
            .await
            .context("the server task")?
            .context("serving")?;
        drop(dir);
        return Ok(());
    }
    // The console in this terminal, logged in as the seeded admin (who is granted every view);
    // quitting it stops the server too.
    let admin = city
        .users
        .iter()
        .find(|u| u.username == "admin")
        .context("the seed made no admin")?;
    let login = yiwang_console::Login::Password {
        username: admin.username.clone(),
        password: admin.password.clone(),
    };
    let handle = app.handle();
    let port = app.port();
    let server = tokio::spawn(app.run_until_stopped());
    let _hall = super::demo_devices::living_hall(&base, port, &city).await;
    let console = yiwang_console::run(yiwang_console::Options {
        server: base,
        login,
        lang: yiwang_console::i18n::Lang::parse(lang),
    })
    .await;
    // Not graceful: the console was the only client, and its event stream would hold a graceful
    // stop until the next keep-alive found the connection gone.
    handle.stop(false).await;
    let served = server.await;
    drop(dir);
    console.context("running the console")?;
    served.context("the server task")?.context("serving")?;
    Ok(())
}

/// The demo city's root and quick password hashing (throw-away data).
pub fn demo_config(config: &mut Config) {
    config.org.root_code = "990100".into();
    config.org.root_name = "示范市".into();
    config.org.root_level = "city".into();
    config.auth.argon2_memory_kib = 4_096;
    config.auth.argon2_iterations = 1;
}

fn password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(12)
        .map(char::from)
        .collect()
}

const DEPARTMENTS: &[(&str, &str)] = &[
    ("SPJ", "行政审批局"),
    ("SCJ", "市场监督管理局"),
    ("RSJ", "人力资源和社会保障局"),
    ("GAJ", "公安局"),
    ("SWJ", "税务局"),
    ("MZJ", "民政局"),
];

/// Seeds a believable city: two counties with towns, departments, a hall with areas and
/// windows, and a user for each role. Runs through the same use cases as the API.
pub async fn seed(services: &Services) -> anyhow::Result<DemoCity> {
    let city = services.root_region().await?;
    let mut users = Vec::new();
    let admin = add_user(
        services,
        &mut users,
        "admin",
        "系统管理员",
        "admin",
        city.id,
        None,
        ScopeKind::Region,
        Some(city.id.0),
        "the whole city",
    )
    .await?;
    let admin: Caller = services.caller_of(admin).await?;
    let mut counties = Vec::new();
    for (code, name, towns) in [
        ("990102", "东湖区", ["湖滨街道", "青山镇"]),
        ("990121", "西山县", ["城关镇", "白云乡"]),
    ] {
        let county = services
            .create_region(
                &admin,
                NewRegion {
                    code: code.into(),
                    name: name.into(),
                    level: RegionLevel::County,
                    parent_id: Some(city.id),
                },
            )
            .await?;
        for (i, town) in towns.iter().enumerate() {
            services
                .create_region(
                    &admin,
                    NewRegion {
                        code: format!("{code}{:03}", i + 1),
                        name: (*town).into(),
                        level: RegionLevel::Town,
                        parent_id: Some(county.id),
                    },
                )
                .await?;
        }
        counties.push(county.id);
    }
    let mut city_departments = Vec::new();
    for region in std::iter::once(city.id).chain(counties.iter().copied()) {
        for (code, name) in DEPARTMENTS {
            let d = services
                .create_department(
                    &admin,
                    NewDepartment {
                        region_id: region,
                        code: (*code).into(),
                        name: (*name).into(),
                    },
                )
                .await?;
            if region == city.id {
                city_departments.push(d.id);
            }
        }
    }
    let hall = services
        .create_hall(
            &admin,
            NewHall {
                region_id: city.id,
                name: "示范市市民服务中心".into(),
                address: "示范市中山路1号".into(),
            },
        )
        .await?;
    let mut areas = Vec::new();
    for (prefix, name) in [
        ("A", "综合受理区"),
        ("B", "不动产登记区"),
        ("C", "社保医保区"),
    ] {
        areas.push(
            services
                .create_area(
                    &admin,
                    hall.id,
                    NewArea {
                        prefix: prefix.into(),
                        name: name.into(),
                    },
                )
                .await?,
        );
    }
    let mut windows = Vec::new();
    for n in 1..=12usize {
        let area = &areas[(n - 1) / 4];
        let department = city_departments
            .get((n - 1) % city_departments.len())
            .copied();
        let window = services
            .create_window(
                &admin,
                hall.id,
                NewWindow {
                    area_id: Some(area.id),
                    department_id: department,
                    number: n.to_string(),
                    name: format!("{}{}号窗口", area.name, n),
                },
            )
            .await?;
        windows.push(window);
    }
    crate::cmd::demo_queue::seed_queue(
        services,
        &admin,
        &hall,
        &areas,
        &windows,
        &city_departments,
    )
    .await
    .context("seeding the hall's queue")?;
    add_user(
        services,
        &mut users,
        "operator",
        "运维值班员",
        "operator",
        city.id,
        None,
        ScopeKind::Region,
        Some(city.id.0),
        "operations centre",
    )
    .await?;
    add_user(
        services,
        &mut users,
        "supervisor",
        "督察处干部",
        "supervisor",
        city.id,
        None,
        ScopeKind::Region,
        Some(city.id.0),
        "supervision office",
    )
    .await?;
    add_user(
        services,
        &mut users,
        "auditor",
        "审计员",
        "auditor",
        city.id,
        None,
        ScopeKind::Region,
        Some(city.id.0),
        "audit trail",
    )
    .await?;
    let approval = city_departments.first().copied();
    add_user(
        services,
        &mut users,
        "window1",
        "窗口人员一",
        "window_staff",
        city.id,
        approval,
        ScopeKind::Department,
        approval.map(|d| d.0),
        "window staff",
    )
    .await?;
    if let Some(first) = counties.first() {
        add_user(
            services,
            &mut users,
            "donghu_admin",
            "东湖区管理员",
            "admin",
            *first,
            None,
            ScopeKind::Region,
            Some(first.0),
            "one county only",
        )
        .await?;
    }
    Ok(DemoCity {
        city: city.id,
        counties,
        users,
    })
}

#[allow(clippy::too_many_arguments)]
async fn add_user(
    services: &Services,
    users: &mut Vec<DemoUser>,
    username: &str,
    display_name: &str,
    role: &str,
    region: RegionId,
    department: Option<DepartmentId>,
    scope_kind: ScopeKind,
    scope_id: Option<i64>,
    what: &'static str,
) -> anyhow::Result<yiwang_core::domain::ids::UserId> {
    let pw = password();
    let actor = Actor {
        id: None,
        label: "demo seed".into(),
    };
    let u = services
        .create_user_as(
            actor.clone(),
            None,
            NewUser {
                username: username.into(),
                display_name: display_name.into(),
                password: pw.clone(),
                region_id: region,
                department_id: department,
                phone: None,
            },
        )
        .await?;
    services
        .grant_role_as(
            actor,
            None,
            u.id,
            NewUserRole {
                role: role.into(),
                scope_kind,
                scope_id,
            },
        )
        .await?;
    users.push(DemoUser {
        username: username.into(),
        password: pw,
        role: role.into(),
        what,
    });
    Ok(u.id)
}

fn print_welcome(base: &str, city: &DemoCity, lang: &str) {
    if lang == "en" {
        println!("yiwang demo: a throw-away city is being served at {base}");
        println!("API document: {base}/api/v1/openapi.json\n\nAccounts:");
    } else {
        println!("一网 yiwang 演示：临时数据的示范市已在 {base} 上运行");
        println!("接口文档：{base}/api/v1/openapi.json\n\n演示账号：");
    }
    for u in &city.users {
        println!(
            "  {:<14} {:<14} {:<13} {}",
            u.username, u.password, u.role, u.what
        );
    }
    println!(
        "\ncurl -s {base}/api/v1/auth/login -H 'content-type: application/json' -d '{{\"username\":\"admin\",\"password\":\"…\"}}'"
    );
}
