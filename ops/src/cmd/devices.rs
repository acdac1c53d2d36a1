//! `yiwang devices`: an LED or a kiosk/tablet in this terminal, and the hall simulator.

use anyhow::Context;
use serde_json::{Value, json};
use yiwang_core::wire::devices::{Command, ReportEvent};
use yiwang_devices::terminal::{Question, TerminalKiosk, TerminalLed};
use yiwang_devices::{Config, Controller};

use crate::cli::{DeviceArgs, DevicesCommand, SimulateArgs};

pub async fn devices(cmd: DevicesCommand) -> anyhow::Result<()> {
    match cmd {
        DevicesCommand::Led(args) => led(args).await,
        DevicesCommand::Kiosk(args) => kiosk(args).await,
        DevicesCommand::Simulate(args) => simulate(args).await,
    }
}

fn config(args: &DeviceArgs, capabilities: &[&str]) -> Config {
    let mut c = Config::new(&args.server, &args.token);
    c.capabilities = capabilities.iter().map(|s| (*s).to_owned()).collect();
    c
}

/// Waits for Ctrl-C, or for the server to refuse the token.
async fn run_until_stopped(controller: &Controller) -> anyhow::Result<()> {
    let mut status = controller.status();
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
        () = async {
            while status.changed().await.is_ok() {
                if status.borrow().rejected {
                    return;
                }
            }
        } => anyhow::bail!("the server refused the device token (wrong, revoked or retired)"),
    }
    Ok(())
}

async fn led(args: DeviceArgs) -> anyhow::Result<()> {
    let controller = Controller::start(config(&args, &["led", "scroll"]), TerminalLed::default())
        .context("starting the controller")?;
    eprintln!("连接 {} …（Ctrl-C 退出）", args.server);
    run_until_stopped(&controller).await
}

const KIOSK_HELP: &str = "输入 / keys: y|n 确认信息, 1-5 评价, t 取号, j 卡纸, p 缺纸, q 退出";

async fn kiosk(args: DeviceArgs) -> anyhow::Result<()> {
    let device = TerminalKiosk::default();
    let asking = device.asking.clone();
    let hall = device.hall.clone();
    let controller = Controller::start(
        config(&args, &["print", "confirm", "rate", "mirror"]),
        device,
    )
    .context("starting the controller")?;
    println!("{KIOSK_HELP}");
    // The keyboard is read on a thread of its own (blocking stdin).
    let (tx, mut lines) = tokio::sync::mpsc::channel::<String>(16);
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    loop {
        let line = tokio::select! {
            l = lines.recv() => match l { Some(l) => l, None => break },
            _ = tokio::signal::ctrl_c() => break,
        };
        let input = line.trim();
        let question = asking.lock().unwrap_or_else(|p| p.into_inner()).take();
        let event = match (input, question) {
            ("q", _) => break,
            ("y" | "n", Some((Question::Confirm, cmd))) => {
                let case_id = match &cmd.command {
                    Command::Confirm { case_id, .. } => *case_id,
                    _ => None,
                };
                Some(ReportEvent::DataConfirmed {
                    command_id: cmd.id,
                    confirmed: input == "y",
                    case_id,
                })
            }
            (score, Some((Question::Rate, cmd)))
                if matches!(score, "1" | "2" | "3" | "4" | "5") =>
            {
                let (ticket_id, case_id, staff_user_id) = match &cmd.command {
                    Command::Rate {
                        ticket_id,
                        case_id,
                        staff_user_id,
                    } => (*ticket_id, *case_id, *staff_user_id),
                    _ => (None, None, None),
                };
                Some(ReportEvent::RatingGiven {
                    score: score.parse().unwrap_or(5),
                    ticket_id,
                    case_id,
                    staff_user_id,
                    comment: None,
                })
            }
            ("t", q) => {
                *asking.lock().unwrap_or_else(|p| p.into_inner()) = q;
                let h = *hall.lock().unwrap_or_else(|p| p.into_inner());
                match take_ticket(&controller, h).await {
                    Ok(e) => Some(e),
                    Err(e) => {
                        println!("  取号失败 / could not take a ticket: {e:#}");
                        None
                    }
                }
            }
            ("j", q) | ("p", q) => {
                *asking.lock().unwrap_or_else(|p| p.into_inner()) = q;
                Some(if input == "j" {
                    ReportEvent::PaperJam {}
                } else {
                    ReportEvent::PaperLow {}
                })
            }
            (_, q) => {
                *asking.lock().unwrap_or_else(|p| p.into_inner()) = q;
                println!("{KIOSK_HELP}");
                None
            }
        };
        if let Some(e) = event {
            let id = controller.report(e);
            println!("  已记录 / reported ({id})");
        }
    }
    controller.stop();
    Ok(())
}

/// Takes a ticket through the queue API with the kiosk's own token, in the hall's first area.
async fn take_ticket(controller: &Controller, hall: Option<i64>) -> anyhow::Result<ReportEvent> {
    let client = controller.client();
    let h = hall.context("not connected yet")?;
    let areas: Value = client.get_json(&format!("/api/v1/halls/{h}/areas")).await?;
    let area = areas[0]["id"].as_i64().context("the hall has no area")?;
    let ticket: Value = client
        .post_json(
            &format!("/api/v1/halls/{h}/tickets"),
            &json!({"area_id": area, "channel": "kiosk"}),
        )
        .await?;
    let number = ticket["number"].as_str().unwrap_or("?").to_owned();
    println!("  ┌──────────────┐\n  │ 您的号码：{number}\n  └──────────────┘");
    Ok(ReportEvent::TicketTaken {
        number,
        area_id: Some(yiwang_core::domain::ids::AreaId(area)),
        ticket_id: ticket["id"].as_i64(),
    })
}

async fn simulate(args: SimulateArgs) -> anyhow::Result<()> {
    let plan = yiwang_devices::simulate::Plan {
        server: args.server,
        token: args.token,
        hall: args.hall,
        arrivals_per_minute: args.arrivals_per_minute,
        service_seconds: args.service_seconds,
        drop_per_minute: args.drop_per_minute,
        duration: (args.duration > 0).then(|| std::time::Duration::from_secs(args.duration)),
    };
    let sim = yiwang_devices::simulate::start(plan).await?;
    eprintln!("{}", sim.summary());
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
        r = sim.finished() => r?,
    }
    eprintln!("{}", sim.summary());
    Ok(())
}
