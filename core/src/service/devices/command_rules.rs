//! What a command may hold and which kinds of device can carry it.

use crate::error::{Error, Validator};
use crate::wire::devices::{Command, DeviceKind, Field};

const MAX_TTL_MS: u64 = 7 * 86_400_000;

fn fields_ok(v: &mut Validator, fields: &[Field]) {
    v.check(fields.len() <= 50, "command.fields", "at most 50 fields");
    for f in fields {
        v.check(
            f.label.chars().count() <= 100 && f.value.chars().count() <= 1_000,
            "command.fields",
            "labels are at most 100 characters, values at most 1000",
        );
    }
}

/// Checks a command's content and that a device of `kind` can carry it.
pub(crate) fn validate_command(
    cmd: &Command,
    ttl_ms: Option<u64>,
    kind: &DeviceKind,
) -> Result<(), Error> {
    let mut v = Validator::new();
    v.check(
        ttl_ms.is_none_or(|t| (1_000..=MAX_TTL_MS).contains(&t)),
        "ttl_ms",
        "must be between 1000 ms and 7 days",
    );
    match cmd {
        Command::Display { text, .. } => {
            v.check(
                text.chars().count() <= 200,
                "command.text",
                "at most 200 characters",
            );
        }
        Command::Call(c) => {
            v.text(&c.number, "command.number", 16).text(
                &c.window_number,
                "command.window_number",
                10,
            );
        }
        Command::Mirror { title, fields, .. } | Command::Confirm { title, fields, .. } => {
            v.text(title, "command.title", 100);
            fields_ok(&mut v, fields);
        }
        Command::PrintTicket {
            number, area_name, ..
        } => {
            v.text(number, "command.number", 16)
                .text(area_name, "command.area_name", 100);
        }
        Command::Configure(s) => {
            v.check(
                s.brightness.is_none_or(|b| b <= 100) && s.volume.is_none_or(|b| b <= 100),
                "command",
                "brightness and volume are 0–100",
            );
            if let Some(list) = &s.wifi_allow_list {
                v.check(
                    list.len() <= 1_000,
                    "command.wifi_allow_list",
                    "at most 1000",
                );
                v.check(
                    list.iter().all(|m| is_mac(m)),
                    "command.wifi_allow_list",
                    "MAC addresses like 00:1a:2b:3c:4d:5e",
                );
            }
        }
        Command::Rate { .. } | Command::Reboot {} => {}
    }
    let fits = match (cmd, kind) {
        (_, DeviceKind::Other(_)) => true,
        (Command::Display { .. } | Command::Configure(_) | Command::Reboot {}, _) => true,
        (Command::Call(_), k) => {
            matches!(
                k,
                DeviceKind::LedWindow | DeviceKind::LedBoard | DeviceKind::Tablet
            )
        }
        (Command::Mirror { .. } | Command::Confirm { .. } | Command::Rate { .. }, k) => {
            *k == DeviceKind::Tablet
        }
        (Command::PrintTicket { .. }, k) => *k == DeviceKind::Kiosk,
    };
    v.check(
        fits,
        "command.kind",
        &format!("a {} cannot carry a {} command", kind.as_str(), cmd.kind()),
    );
    v.finish()
}

fn is_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::devices::{Call, Settings};

    fn call() -> Command {
        Command::Call(Call {
            number: "A001".into(),
            window_number: "3".into(),
            window_id: None,
            ticket_id: None,
            recall: false,
        })
    }

    #[test]
    fn a_kiosk_prints_tickets_but_does_not_take_calls() {
        let print = Command::PrintTicket {
            number: "A001".into(),
            area_name: "综合受理区".into(),
            waiting_before: 3,
        };
        assert!(validate_command(&print, None, &DeviceKind::Kiosk).is_ok());
        assert!(validate_command(&call(), None, &DeviceKind::Kiosk).is_err());
        assert!(validate_command(&call(), None, &DeviceKind::LedBoard).is_ok());
        assert!(validate_command(&print, None, &DeviceKind::Other("x".into())).is_ok());
    }

    #[test]
    fn a_wifi_list_holds_only_mac_addresses_and_ttls_are_bounded() {
        let good = Command::Configure(Settings {
            wifi_allow_list: Some(vec!["00:1a:2B:3c:4d:5e".into()]),
            ..Default::default()
        });
        let bad = Command::Configure(Settings {
            wifi_allow_list: Some(vec!["00-1a-2b-3c-4d-5e".into()]),
            ..Default::default()
        });
        assert!(validate_command(&good, None, &DeviceKind::AccessPoint).is_ok());
        assert!(validate_command(&bad, None, &DeviceKind::AccessPoint).is_err());
        assert!(validate_command(&good, Some(10), &DeviceKind::AccessPoint).is_err());
        assert!(validate_command(&good, Some(MAX_TTL_MS + 1), &DeviceKind::AccessPoint).is_err());
    }
}
