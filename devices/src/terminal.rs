//! Devices in a terminal, for trying the protocol by hand: an LED (window screen or hall board)
//! and a kiosk/tablet. Rendering is pure (lines of text), printing is the only IO.

use std::io::Write;
use std::sync::{Arc, Mutex};

use yiwang_core::wire::devices::{
    AckOutcome, Command, DeviceCommand, DeviceKind, DisplayState, Field, Welcome,
};

use crate::controller::Device;

/// What an LED shows, line by line (Chinese first, as in the hall).
pub fn render_led(kind: &DeviceKind, name: &str, state: &DisplayState) -> Vec<String> {
    let mut lines = vec![format!("【{}】{name}", kind.label_zh())];
    match kind {
        DeviceKind::LedBoard => {
            lines.push("  号码      窗口".into());
            if state.board.is_empty() {
                lines.push("  （暂无叫号）".into());
            }
            for c in &state.board {
                let mark = if c.call.recall { " 重呼" } else { "" };
                lines.push(format!(
                    "  {:<8}  {}号窗口{mark}",
                    c.call.number, c.call.window_number
                ));
            }
        }
        _ => match &state.current_call {
            Some(c) => lines.push(format!(
                "  请 {} 号 到 {} 号窗口办理{}",
                c.call.number,
                c.call.window_number,
                if c.call.recall { "（重呼）" } else { "" }
            )),
            None => lines.push("  （暂无叫号）".into()),
        },
    }
    if let Some(t) = &state.text {
        let arrow = if t.scroll { "« " } else { "" };
        lines.push(format!("  {arrow}{}", t.text));
    }
    lines
}

fn fields(lines: &mut Vec<String>, title: &str, fields: &[Field]) {
    lines.push(format!("  ── {title} ──"));
    for f in fields {
        lines.push(format!("  {}：{}", f.label, f.value));
    }
}

/// What a kiosk or tablet shows for a command, and the question it asks, if any.
pub fn render_prompt(cmd: &Command) -> (Vec<String>, Option<Question>) {
    let mut lines = Vec::new();
    let q = match cmd {
        Command::PrintTicket {
            number,
            area_name,
            waiting_before,
        } => {
            lines.push("  ┌──────────────────┐".into());
            lines.push(format!("  │ {area_name}"));
            lines.push(format!("  │ 您的号码：{number}"));
            lines.push(format!("  │ 前面还有 {waiting_before} 人"));
            lines.push("  └──────────────────┘".into());
            None
        }
        Command::Confirm {
            title, fields: f, ..
        } => {
            fields(&mut lines, title, f);
            lines.push("  请核对以上信息：正确请输入 y，有误请输入 n".into());
            Some(Question::Confirm)
        }
        Command::Rate { .. } => {
            lines.push("  请为本次服务评价：1 非常不满意 … 5 非常满意".into());
            Some(Question::Rate)
        }
        Command::Mirror {
            title, fields: f, ..
        } => {
            fields(&mut lines, title, f);
            None
        }
        Command::Display { text, .. } => {
            lines.push(format!("  {text}"));
            None
        }
        Command::Call(c) => {
            lines.push(format!(
                "  请 {} 号 到 {} 号窗口办理",
                c.number, c.window_number
            ));
            None
        }
        Command::Configure(_) => {
            lines.push("  （已更新设置）".into());
            None
        }
        Command::Reboot {} => {
            lines.push("  （正在重启……）".into());
            None
        }
    };
    (lines, q)
}

/// A question waiting for its answer, with the command that asked it.
pub type Asked = (Question, DeviceCommand);

/// A question the citizen answers at the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    Confirm,
    Rate,
}

/// An LED in the terminal: redraws on every change.
pub struct TerminalLed {
    kind: DeviceKind,
    name: String,
    state: DisplayState,
}

impl Default for TerminalLed {
    fn default() -> Self {
        TerminalLed {
            kind: DeviceKind::LedWindow,
            name: String::new(),
            state: DisplayState::default(),
        }
    }
}

impl TerminalLed {
    fn draw(&self) {
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "\x1b[2J\x1b[H");
        for l in render_led(&self.kind, &self.name, &self.state) {
            let _ = writeln!(out, "{l}");
        }
        let _ = out.flush();
    }
}

impl Device for TerminalLed {
    fn show(&mut self, welcome: &Welcome) {
        self.kind = welcome.kind.clone();
        self.name = welcome.name.clone();
        self.state = welcome.state.clone();
        self.draw();
    }

    fn apply(&mut self, cmd: &DeviceCommand) -> AckOutcome {
        self.state.apply(&cmd.command, cmd.created_at);
        self.draw();
        AckOutcome::Applied
    }
}

/// A kiosk or tablet in the terminal: prints commands; the last question waits for an answer.
#[derive(Default, Clone)]
pub struct TerminalKiosk {
    /// The question waiting for the citizen, with the command that asked it.
    pub asking: Arc<Mutex<Option<Asked>>>,
    /// The hall the device belongs to, once it said hello.
    pub hall: Arc<Mutex<Option<i64>>>,
}

impl Device for TerminalKiosk {
    fn show(&mut self, welcome: &Welcome) {
        *self.hall.lock().unwrap_or_else(|p| p.into_inner()) = Some(welcome.hall_id.0);
        println!(
            "【{}】{}  已连接（大厅 {}）",
            welcome.kind.label_zh(),
            welcome.name,
            welcome.hall_id
        );
        if let Some(m) = &welcome.state.mirror {
            let mut lines = Vec::new();
            fields(
                &mut lines,
                welcome.state.mirror_title.as_deref().unwrap_or(""),
                m,
            );
            for l in lines {
                println!("{l}");
            }
        }
    }

    fn apply(&mut self, cmd: &DeviceCommand) -> AckOutcome {
        let (lines, q) = render_prompt(&cmd.command);
        for l in lines {
            println!("{l}");
        }
        if let Some(q) = q {
            *self.asking.lock().unwrap_or_else(|p| p.into_inner()) = Some((q, cmd.clone()));
        }
        AckOutcome::Applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiwang_core::wire::devices::Call;

    fn called(number: &str, window: &str) -> Command {
        Command::Call(Call {
            number: number.into(),
            window_number: window.into(),
            window_id: None,
            ticket_id: None,
            recall: false,
        })
    }

    #[test]
    fn a_window_led_shows_its_current_number_and_a_board_its_latest_calls() {
        let mut s = DisplayState::default();
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        s.apply(&called("A001", "1"), t);
        s.apply(&called("B007", "2"), t);
        let led = render_led(&DeviceKind::LedWindow, "2号窗口屏", &s);
        assert_eq!(led[1], "  请 B007 号 到 2 号窗口办理");
        let board = render_led(&DeviceKind::LedBoard, "综合屏", &s);
        assert!(
            board[2].contains("B007") && board[3].contains("A001"),
            "{board:?}"
        );
    }

    #[test]
    fn confirm_and_rate_ask_a_question_and_a_ticket_does_not() {
        let confirm = Command::Confirm {
            title: "请核对".into(),
            fields: vec![Field {
                label: "姓名".into(),
                value: "张三".into(),
            }],
            case_id: None,
        };
        let (lines, q) = render_prompt(&confirm);
        assert_eq!(q, Some(Question::Confirm));
        assert!(lines.iter().any(|l| l.contains("张三")));
        let rate = Command::Rate {
            ticket_id: None,
            case_id: None,
            staff_user_id: None,
        };
        assert_eq!(render_prompt(&rate).1, Some(Question::Rate));
        let ticket = Command::PrintTicket {
            number: "A001".into(),
            area_name: "综合受理区".into(),
            waiting_before: 2,
        };
        let (lines, q) = render_prompt(&ticket);
        assert_eq!(q, None);
        assert!(lines.iter().any(|l| l.contains("A001")));
    }
}
