//! Reading a password on the terminal without echoing it, before the console takes the screen.

use std::io::Write;

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal::{disable_raw_mode, enable_raw_mode};

/// Prompts on standard error and reads a line with echo off; `None` on Ctrl-C or Esc.
pub fn password(prompt: &str) -> std::io::Result<Option<String>> {
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    enable_raw_mode()?;
    let read = read_hidden();
    let _ = disable_raw_mode();
    writeln!(err)?;
    read
}

fn read_hidden() -> std::io::Result<Option<String>> {
    let mut s = String::new();
    loop {
        let Event::Key(k) = event::read()? else {
            continue;
        };
        if k.kind == KeyEventKind::Release {
            continue;
        }
        match k.code {
            KeyCode::Enter => return Ok(Some(s)),
            KeyCode::Esc => return Ok(None),
            KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => return Ok(None),
            KeyCode::Backspace => {
                s.pop();
            }
            KeyCode::Char(c) => s.push(c),
            _ => {}
        }
    }
}
