//! yiwang-api: the HTTP API of the yiwang platform (actix-web), thin over `yiwang-core`'s use
//! cases: routes, authentication, problem+json errors, OpenAPI, metrics and the event stream.

pub mod applicant;
pub mod error;
pub mod extract;
pub mod head;
pub mod metrics;
pub mod observe;
pub mod routes;
pub mod startup;

pub use startup::Application;
