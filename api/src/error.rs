//! Errors on the wire: RFC 9457 `application/problem+json` with a stable `code`.
//!
//! Titles are Chinese first (what users read), with `title_en` beside them; `detail` explains
//! the specific failure. 5xx answers say nothing internal: the cause is logged once, here.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use yiwang_core::error::{Error, ErrorKind, FieldError};

/// An error answered by the API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Core(#[from] Error),
    /// A request the HTTP layer could not take (bad JSON, wrong content type, too large, …).
    #[error("{detail}")]
    Request {
        status: StatusCode,
        code: &'static str,
        detail: String,
    },
}

impl ApiError {
    pub fn request(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::Request {
            status,
            code,
            detail: detail.into(),
        }
    }
}

/// The problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:yiwang:problem:CODE`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Chinese title of the kind of problem.
    pub title: &'static str,
    pub title_en: &'static str,
    pub status: u16,
    /// Stable machine-readable code, e.g. `validation_failed`.
    pub code: &'static str,
    pub detail: String,
    /// For `validation_failed`: every invalid field and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `conflict`: the actions allowed in the current state.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
}

fn titles(code: &str) -> (&'static str, &'static str) {
    match code {
        "validation_failed" => ("请求数据不合法", "Invalid request data"),
        "not_found" => ("未找到", "Not found"),
        "conflict" => ("与当前状态冲突", "Conflicts with the current state"),
        "unauthorized" => ("未登录或凭证无效", "Not authenticated"),
        "forbidden" => ("无权执行此操作", "Not permitted"),
        "too_many_requests" => ("请求过于频繁", "Too many requests"),
        "unavailable" => ("服务暂不可用", "Service unavailable"),
        "malformed_request" => ("请求格式错误", "Malformed request"),
        "payload_too_large" => ("请求内容过大", "Payload too large"),
        "unsupported_media_type" => ("不支持的内容类型", "Unsupported media type"),
        "method_not_allowed" => ("不支持的请求方法", "Method not allowed"),
        _ => ("服务器内部错误", "Internal error"),
    }
}

fn kind_status(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    fn code(&self) -> &'static str {
        match self {
            ApiError::Core(e) => e.kind().code(),
            ApiError::Request { code, .. } => code,
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let code = self.code();
        let (title, title_en) = titles(code);
        let (detail, errors, allowed) = match self {
            ApiError::Core(Error::Validation(fields)) => {
                (self.to_string(), fields.clone(), Vec::new())
            }
            ApiError::Core(Error::Conflict { message, allowed }) => {
                (message.clone(), Vec::new(), allowed.clone())
            }
            ApiError::Core(Error::Internal(_)) => (
                "an internal error occurred; it has been logged with this request's id".into(),
                Vec::new(),
                Vec::new(),
            ),
            other => (other.to_string(), Vec::new(), Vec::new()),
        };
        Problem {
            type_: format!("urn:yiwang:problem:{code}"),
            title,
            title_en,
            status: status.as_u16(),
            code,
            detail,
            errors,
            allowed,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Core(e) => kind_status(e.kind()),
            ApiError::Request { status, .. } => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut res = HttpResponse::build(status);
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        match self {
            ApiError::Core(Error::TooManyRequests {
                retry_after_secs, ..
            }) => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Core(Error::Unauthorized(_)) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        res.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problems_list_every_field() {
        let e = ApiError::from(Error::Validation(vec![
            FieldError::new("name", "must not be empty"),
            FieldError::new("code", "too long"),
        ]));
        let p = e.problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.code, "validation_failed");
        assert_eq!(p.errors.len(), 2);
        assert_eq!(p.title, "请求数据不合法");
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let e = ApiError::from(Error::Internal("database: secret table name".into()));
        let p = e.problem();
        assert_eq!(p.status, 500);
        assert!(!p.detail.contains("secret"));
    }
}
