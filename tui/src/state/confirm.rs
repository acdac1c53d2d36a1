//! The confirmation prompt every action goes through: what will be done to what, the fields it
//! needs (a note, an order's addressee and content, a message), Enter to do it, Esc to cancel.

use yiwang_core::domain::ids::DeviceId;
use yiwang_core::domain::supervision::cards::AnomalyAction;

use crate::i18n::Msg;

/// What the prompt will do once confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// Acknowledge or dismiss cards, with the note typed.
    Anomalies {
        ids: Vec<i64>,
        action: AnomalyAction,
    },
    /// Issue a supervision order for each card.
    Order { ids: Vec<i64> },
    /// Add a note to each card, its status unchanged.
    Note { ids: Vec<i64> },
    /// Show a text on a device (LED screens scroll it).
    Display { device: DeviceId, name: String },
}

/// One field of the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub label: Msg,
    pub value: String,
    pub required: bool,
}

impl Field {
    fn new(label: Msg, required: bool, value: &str) -> Field {
        Field {
            label,
            value: value.to_owned(),
            required,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub intent: Intent,
    pub fields: Vec<Field>,
    /// The field being typed into.
    pub focus: usize,
    /// Enter was pressed with a required field empty.
    pub incomplete: bool,
}

impl Confirm {
    pub fn new(intent: Intent) -> Confirm {
        let fields = match &intent {
            Intent::Anomalies { .. } => vec![Field::new(Msg::FieldNote, false, "")],
            Intent::Order { .. } => vec![
                Field::new(Msg::FieldAddressee, true, ""),
                Field::new(Msg::FieldContent, true, ""),
                Field::new(Msg::FieldReplyDays, true, "3"),
            ],
            Intent::Note { .. } => vec![Field::new(Msg::FieldNote, true, "")],
            Intent::Display { .. } => vec![Field::new(Msg::FieldText, true, "")],
        };
        Confirm {
            intent,
            fields,
            focus: 0,
            incomplete: false,
        }
    }

    pub fn type_char(&mut self, c: char) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.value.push(c);
        }
    }

    pub fn backspace(&mut self) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.value.pop();
        }
    }

    pub fn next_field(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len().max(1);
    }

    /// Whether every required field has something in it (the reply days a number of 1–30).
    pub fn complete(&self) -> bool {
        self.fields.iter().all(|f| {
            let v = f.value.trim();
            match f.label {
                Msg::FieldReplyDays => v.parse::<u32>().is_ok_and(|n| (1..=30).contains(&n)),
                _ => !f.required || !v.is_empty(),
            }
        })
    }

    /// The trimmed value of the field labelled `label`.
    pub fn value(&self, label: Msg) -> String {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value.trim().to_owned())
            .unwrap_or_default()
    }
}
