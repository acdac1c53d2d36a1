//! yiwang-devices: the device side of the hall — the controller client that kiosks, LED screens
//! and window tablets link to speak yiwang's device protocol (`docs/devices.md`), terminal
//! devices for trying it by hand, and the hall simulator.
//!
//! The crate depends only on `core`'s wire types and HTTP, as the design requires.

pub mod backoff;
pub mod client;
pub mod controller;
pub mod simulate;
pub mod terminal;

pub use client::{Client, ClientError};
pub use controller::{Config, Controller, Device, Status};
