//! What a device should be showing: kept per device by the server (updated whenever a command
//! is queued) and by the device itself, so a device that reconnects gets the whole picture, not
//! only the commands it missed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::devices::{Call, Command, Field, Settings};

/// How many calls a hall board keeps.
pub const BOARD_CALLS: usize = 8;

/// A text on a screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DisplayText {
    pub text: String,
    pub scroll: bool,
}

/// A call as shown: what was called, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallShown {
    pub call: Call,
    pub at: DateTime<Utc>,
}

/// The full state a device should show.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DisplayState {
    /// The last `display` text.
    pub text: Option<DisplayText>,
    /// The window LED's current number (the last call to its window).
    pub current_call: Option<CallShown>,
    /// The hall board's latest calls, newest first, one per window.
    pub board: Vec<CallShown>,
    /// What the tablet mirrors of the staff member's view.
    pub mirror: Option<Vec<Field>>,
    pub mirror_title: Option<String>,
    /// The settings last applied.
    pub settings: Option<Settings>,
}

impl DisplayState {
    /// The state after `cmd`, queued at `at`. One-shot commands (confirm, rate, print, reboot)
    /// leave it as it is: they are delivered as commands, not as state.
    pub fn apply(&mut self, cmd: &Command, at: DateTime<Utc>) {
        match cmd {
            Command::Display { text, scroll } => {
                self.text = (!text.is_empty()).then(|| DisplayText {
                    text: text.clone(),
                    scroll: *scroll,
                });
            }
            Command::Call(call) => {
                let shown = CallShown {
                    call: call.clone(),
                    at,
                };
                // One line per window on the board: a newer call replaces that window's line.
                self.board
                    .retain(|c| c.call.window_number != call.window_number);
                self.board.insert(0, shown.clone());
                self.board.truncate(BOARD_CALLS);
                self.current_call = Some(shown);
            }
            Command::Mirror { title, fields, .. } => {
                self.mirror = Some(fields.clone());
                self.mirror_title = Some(title.clone());
            }
            Command::Configure(s) => {
                let mut merged = self.settings.clone().unwrap_or_default();
                if s.wifi_allow_list.is_some() {
                    merged.wifi_allow_list = s.wifi_allow_list.clone();
                }
                if s.brightness.is_some() {
                    merged.brightness = s.brightness;
                }
                if s.volume.is_some() {
                    merged.volume = s.volume;
                }
                self.settings = Some(merged);
            }
            Command::Confirm { .. }
            | Command::Rate { .. }
            | Command::PrintTicket { .. }
            | Command::Reboot {} => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(number: &str, window: &str) -> Command {
        Command::Call(Call {
            number: number.into(),
            window_number: window.into(),
            window_id: None,
            ticket_id: None,
            recall: false,
        })
    }

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).unwrap_or_default()
    }

    #[test]
    fn a_call_sets_the_current_number_and_tops_the_board_one_line_per_window() {
        let mut s = DisplayState::default();
        s.apply(&call("A001", "1"), t(1));
        s.apply(&call("B001", "2"), t(2));
        s.apply(&call("A002", "1"), t(3));
        let numbers: Vec<_> = s.board.iter().map(|c| c.call.number.as_str()).collect();
        assert_eq!(numbers, vec!["A002", "B001"]);
        assert_eq!(s.current_call.unwrap().call.number, "A002");
    }

    #[test]
    fn the_board_keeps_only_the_latest_calls() {
        let mut s = DisplayState::default();
        for w in 0..20 {
            s.apply(&call(&format!("A{w:03}"), &w.to_string()), t(w));
        }
        assert_eq!(s.board.len(), BOARD_CALLS);
        assert_eq!(s.board[0].call.number, "A019");
    }

    #[test]
    fn settings_merge_and_one_shots_change_nothing() {
        let mut s = DisplayState::default();
        s.apply(
            &Command::Configure(Settings {
                brightness: Some(80),
                ..Default::default()
            }),
            t(1),
        );
        s.apply(
            &Command::Configure(Settings {
                volume: Some(30),
                ..Default::default()
            }),
            t(2),
        );
        let before = s.clone();
        s.apply(&Command::Reboot {}, t(3));
        s.apply(
            &Command::Rate {
                ticket_id: None,
                case_id: None,
                staff_user_id: None,
            },
            t(4),
        );
        assert_eq!(s, before);
        let settings = s.settings.unwrap();
        assert_eq!((settings.brightness, settings.volume), (Some(80), Some(30)));
    }

    #[test]
    fn an_empty_display_text_clears_the_screen() {
        let mut s = DisplayState::default();
        s.apply(
            &Command::Display {
                text: "欢迎".into(),
                scroll: true,
            },
            t(1),
        );
        assert!(s.text.is_some());
        s.apply(
            &Command::Display {
                text: String::new(),
                scroll: false,
            },
            t(2),
        );
        assert!(s.text.is_none());
    }
}
