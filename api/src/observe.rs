//! Per-request telemetry in one middleware: the request id (in the span, so in every log line
//! of the request, and in the `x-request-id` header), the request's tracing span, and the
//! request count and latency by route pattern. One pass, because a span builder and a separate
//! metrics middleware each matched the route again before routing and built their labels anew
//! on every request, which together cost more than the handler of a simple read.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use metrics::{Counter, Histogram};
use tracing::Instrument;

/// Distinguishes this process's ids from other nodes' and earlier runs': its start time and pid.
static PREFIX: LazyLock<u32> = LazyLock::new(|| {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    (now as u32) ^ std::process::id().rotate_left(16)
});
static NEXT: AtomicU64 = AtomicU64::new(1);

/// The id of one request, as it appears in logs and in `x-request-id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestId {
    prefix: u32,
    seq: u64,
}

impl RequestId {
    fn next() -> RequestId {
        RequestId {
            prefix: *PREFIX,
            seq: NEXT.fetch_add(1, Ordering::Relaxed),
        }
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}-{:x}", self.prefix, self.seq)
    }
}

/// The metric handles of one (method, route, status); registering them costs more than using
/// them, so each worker thread keeps the ones it has used.
struct Handles {
    requests: Counter,
    duration: Histogram,
}

/// Methods and routes are bounded, but a client may send any method: past this many
/// combinations a thread stops caching and registers per request.
const MAX_CACHED: usize = 512;

thread_local! {
    static HANDLES: RefCell<HashMap<(Method, String, u16), Handles>> = RefCell::new(HashMap::new());
}

fn handles(method: &Method, route: String, status: u16) -> Handles {
    let register = |method: &Method, route: &str| Handles {
        requests: metrics::counter!("yiwang_http_requests_total",
            "method" => method.as_str().to_owned(), "route" => route.to_owned(), "status" => status.to_string()),
        duration: metrics::histogram!("yiwang_http_request_duration_seconds",
            "method" => method.as_str().to_owned(), "route" => route.to_owned()),
    };
    HANDLES.with(|cell| {
        let mut cache = cell.borrow_mut();
        let key = (method.clone(), route, status);
        if let Some(h) = cache.get(&key) {
            return Handles {
                requests: h.requests.clone(),
                duration: h.duration.clone(),
            };
        }
        let h = register(&key.0, &key.1);
        if cache.len() < MAX_CACHED {
            cache.insert(
                key,
                Handles {
                    requests: h.requests.clone(),
                    duration: h.duration.clone(),
                },
            );
        }
        h
    })
}

/// Middleware: gives the request its id and span, and records its count and latency.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let id = RequestId::next();
    let method = req.method().clone();
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %method,
        path = %req.path(),
        status = tracing::field::Empty,
    );
    req.extensions_mut().insert(id);
    let mut res = next.call(req).instrument(span.clone()).await?;
    let status = res.status().as_u16();
    span.record("status", status);
    // After routing the pattern comes from the matched resource, without matching again.
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let h = handles(&method, route, status);
    h.requests.increment(1);
    h.duration.record(started.elapsed().as_secs_f64());
    if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_distinct_and_share_the_process_prefix() {
        let a = RequestId::next();
        let b = RequestId::next();
        assert_ne!(a, b);
        assert_eq!(a.prefix, b.prefix);
        let shown = a.to_string();
        assert_eq!(shown.split_once('-').map(|(p, _)| p.len()), Some(8));
    }
}
