//! The keybinding table: dispatch and the help screen both read [`BINDINGS`], so help lists
//! exactly the keys that work.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::i18n::Msg;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Quit,
    NextTab,
    PrevTab,
    /// Switch to the view numbered 1–7 (its place in the full tab order).
    SwitchTab(u8),
    Down,
    Up,
    /// The next / previous hall (Queues view).
    NextHall,
    PrevHall,
    PageDown,
    PageUp,
    Top,
    Bottom,
    Filter,
    Open,
    Back,
    Help,
    ToggleAct,
    /// Mark or unmark the selected row for a bulk action (Alerts).
    Mark,
    /// Act mode: acknowledge the marked or selected cards.
    Acknowledge,
    /// Act mode: issue a supervision order.
    Order,
    /// Act mode: dismiss the cards (not an anomaly).
    Dismiss,
    /// Act mode: add a note to the cards.
    Note,
    /// Act mode: send a text to the selected device.
    Send,
}

/// A key or family of keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPat {
    Char(char),
    Code(KeyCode),
    Ctrl(char),
    /// The digits 1–7.
    Digits,
}

/// One line of the table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [KeyPat],
    /// How help shows the keys.
    pub label: &'static str,
    pub command: Command,
    pub help: Msg,
}

const fn b(keys: &'static [KeyPat], label: &'static str, command: Command, help: Msg) -> Binding {
    Binding {
        keys,
        label,
        command,
        help,
    }
}

use KeyPat::{Char, Code, Ctrl};

/// Every key of the console.
pub const BINDINGS: &[Binding] = &[
    b(
        &[Code(KeyCode::Tab)],
        "Tab",
        Command::NextTab,
        Msg::KeyNextTab,
    ),
    b(
        &[Code(KeyCode::BackTab)],
        "Shift-Tab",
        Command::PrevTab,
        Msg::KeyPrevTab,
    ),
    b(
        &[KeyPat::Digits],
        "1–7",
        Command::SwitchTab(0),
        Msg::KeyTabN,
    ),
    b(
        &[Code(KeyCode::Down), Char('j')],
        "↓ j",
        Command::Down,
        Msg::KeyDown,
    ),
    b(
        &[Code(KeyCode::Up), Char('k')],
        "↑ k",
        Command::Up,
        Msg::KeyUp,
    ),
    b(
        &[Code(KeyCode::PageDown), Ctrl('d')],
        "PgDn C-d",
        Command::PageDown,
        Msg::KeyPageDown,
    ),
    b(
        &[Code(KeyCode::PageUp), Ctrl('u')],
        "PgUp C-u",
        Command::PageUp,
        Msg::KeyPageUp,
    ),
    b(
        &[Code(KeyCode::Home), Char('g')],
        "Home g",
        Command::Top,
        Msg::KeyTop,
    ),
    b(
        &[Code(KeyCode::End), Char('G')],
        "End G",
        Command::Bottom,
        Msg::KeyBottom,
    ),
    b(
        &[Code(KeyCode::Right), Char('l')],
        "→ l",
        Command::NextHall,
        Msg::KeyNextHall,
    ),
    b(
        &[Code(KeyCode::Left), Char('h')],
        "← h",
        Command::PrevHall,
        Msg::KeyPrevHall,
    ),
    b(&[Char('/')], "/", Command::Filter, Msg::KeyFilter),
    b(
        &[Code(KeyCode::Enter)],
        "Enter",
        Command::Open,
        Msg::KeyOpen,
    ),
    b(&[Code(KeyCode::Esc)], "Esc", Command::Back, Msg::KeyBack),
    b(&[Char('a')], "a", Command::ToggleAct, Msg::KeyAct),
    b(&[Char(' ')], "Space", Command::Mark, Msg::KeyMark),
    b(&[Char('A')], "A", Command::Acknowledge, Msg::KeyAcknowledge),
    b(&[Char('O')], "O", Command::Order, Msg::KeyOrder),
    b(&[Char('D')], "D", Command::Dismiss, Msg::KeyDismiss),
    b(&[Char('N')], "N", Command::Note, Msg::KeyNote),
    b(&[Char('S')], "S", Command::Send, Msg::KeySend),
    b(&[Char('?')], "?", Command::Help, Msg::KeyHelp),
    b(
        &[Char('q'), Ctrl('c')],
        "q C-c",
        Command::Quit,
        Msg::KeyQuit,
    ),
];

fn matches(pat: KeyPat, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match (pat, key.code) {
        (Ctrl(c), KeyCode::Char(k)) => ctrl && k.eq_ignore_ascii_case(&c),
        (Char(c), KeyCode::Char(k)) => !ctrl && k == c,
        (Code(c), k) => k == c,
        (KeyPat::Digits, KeyCode::Char('1'..='7')) => !ctrl,
        _ => false,
    }
}

/// The command a key press means, from the table.
pub fn dispatch(key: &KeyEvent) -> Option<Command> {
    let bind = BINDINGS
        .iter()
        .find(|bind| bind.keys.iter().any(|p| matches(*p, key)))?;
    Some(match (bind.command, key.code) {
        (Command::SwitchTab(_), KeyCode::Char(d)) => Command::SwitchTab(d as u8 - b'0'),
        (c, _) => c,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn every_key_in_the_table_dispatches_to_its_command() {
        for bind in BINDINGS {
            for pat in bind.keys {
                let ev = match *pat {
                    Char(c) => key(KeyCode::Char(c)),
                    Code(c) => key(c),
                    Ctrl(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
                    KeyPat::Digits => key(KeyCode::Char('3')),
                };
                let want = match bind.command {
                    Command::SwitchTab(_) => Command::SwitchTab(3),
                    c => c,
                };
                assert_eq!(dispatch(&ev), Some(want), "{}", bind.label);
            }
        }
    }

    #[test]
    fn unbound_keys_do_nothing() {
        assert_eq!(dispatch(&key(KeyCode::Char('8'))), None);
        assert_eq!(dispatch(&key(KeyCode::Char('x'))), None);
    }
}
