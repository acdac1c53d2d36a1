//! The one error type of the core, with a `kind()` the API maps to HTTP statuses.
//!
//! Which error goes where: validation failures name their field; a state that forbids the action
//! is a `Conflict` naming what is allowed instead; storage faults are `Unavailable` (retryable) or
//! `Internal` (a bug), and their detail never reaches a client.

use serde::Serialize;

/// What kind of failure an [`Error`] is; stable, since clients see it as the problem `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Validation,
    NotFound,
    Conflict,
    Unauthorized,
    Forbidden,
    TooManyRequests,
    Unavailable,
    Internal,
}

impl ErrorKind {
    /// The stable machine-readable code shown in problem+json answers.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation_failed",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::TooManyRequests => "too_many_requests",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Internal => "internal",
        }
    }
}

/// One invalid field of a request and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Every failure a use case can report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {}", summarize(.0))]
    Validation(Vec<FieldError>),
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    #[error("{message}")]
    Conflict {
        message: String,
        /// Actions that are allowed in the current state, when that helps the caller.
        allowed: Vec<String>,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

fn summarize(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Validation(_) => ErrorKind::Validation,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Conflict { .. } => ErrorKind::Conflict,
            Error::Unauthorized(_) => ErrorKind::Unauthorized,
            Error::Forbidden(_) => ErrorKind::Forbidden,
            Error::TooManyRequests { .. } => ErrorKind::TooManyRequests,
            Error::Unavailable(_) => ErrorKind::Unavailable,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// A validation error on one field.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, reason)])
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Error::Conflict {
            message: message.into(),
            allowed: Vec::new(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden(message.into())
    }
}

/// Collects field errors so a request reports every problem at once, not the first.
#[derive(Debug, Default)]
pub struct Validator(Vec<FieldError>);

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `reason` for `field` when `ok` is false.
    pub fn check(&mut self, ok: bool, field: &str, reason: &str) -> &mut Self {
        if !ok {
            self.0.push(FieldError::new(field, reason));
        }
        self
    }

    /// Checks a required text: non-blank and at most `max` characters.
    pub fn text(&mut self, value: &str, field: &str, max: usize) -> &mut Self {
        if value.trim().is_empty() {
            self.0.push(FieldError::new(field, "must not be empty"));
        } else if value.chars().count() > max {
            self.0.push(FieldError::new(
                field,
                format!("must be at most {max} characters"),
            ));
        }
        self
    }

    pub fn push(&mut self, field: &str, reason: impl Into<String>) -> &mut Self {
        self.0.push(FieldError::new(field, reason));
        self
    }

    pub fn finish(&mut self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(std::mem::take(&mut self.0)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validator_reports_every_failed_field() {
        let err = Validator::new()
            .text("", "name", 10)
            .text("abcdefghijk", "code", 10)
            .check(true, "ok", "never")
            .finish()
            .unwrap_err();
        match err {
            Error::Validation(fields) => {
                assert_eq!(fields.len(), 2);
                assert_eq!(fields[0].field, "name");
                assert_eq!(fields[1].reason, "must be at most 10 characters");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn every_kind_has_a_distinct_code() {
        let kinds = [
            ErrorKind::Validation,
            ErrorKind::NotFound,
            ErrorKind::Conflict,
            ErrorKind::Unauthorized,
            ErrorKind::Forbidden,
            ErrorKind::TooManyRequests,
            ErrorKind::Unavailable,
            ErrorKind::Internal,
        ];
        let codes: std::collections::HashSet<_> = kinds.iter().map(|k| k.code()).collect();
        assert_eq!(codes.len(), kinds.len());
    }
}
