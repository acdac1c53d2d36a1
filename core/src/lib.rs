//! yiwang-core: the domain, storage and use cases of the yiwang government-services platform.
//!
//! `domain`, `wire` and `clock` are always available (the console and the device side use them);
//! `store`, `service` and `config` sit behind the default-on `db` feature.

pub mod clock;
pub mod domain;
pub mod error;
pub mod wire;

#[cfg(feature = "db")]
pub mod config;
#[cfg(feature = "db")]
pub mod crypto;
#[cfg(feature = "db")]
pub mod service;
#[cfg(feature = "db")]
pub mod store;

pub use error::{Error, ErrorKind, FieldError};
