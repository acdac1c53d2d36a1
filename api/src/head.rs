//! HEAD is answered as GET (RFC 9110 §9.3.2): the routes are declared for GET only, and the
//! HTTP layer, which saw the request's own method, sends the headers (with the length the body
//! would have) and leaves the body out. Portals and probes check an ETag or a status this way.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

/// Middleware: routes a HEAD request as the GET of the same resource.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}
