//! yiwang-console: the operations console (ratatui + crossterm) for the monitoring centre and
//! the supervision office. A client of the API only: it never touches the database.
//!
//! The shape: plain-data state ([`app::App`]) changed only by [`app::App::update`] from
//! [`action::Action`]s (keys, ticks, the worker's answers); a pure [`views::render`]; one
//! `tokio::select!` loop ([`event_loop`]); all HTTP in [`worker`].

pub mod action;
pub mod app;
pub mod event_loop;
pub mod i18n;
pub mod keys;
pub mod kinds;
pub mod metrics_text;
pub mod prompt;
pub mod records;
pub mod sse;
pub mod state;
pub mod tabs;
pub mod tui;
pub mod views;
pub mod widgets;
pub mod worker;

pub use event_loop::{Login, Options, run};
