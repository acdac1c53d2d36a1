//! The portal's caller: an agent, and the applicant it vouches for (see `docs/portal.md`).
//!
//! - From the identity proxy (trusted-header SSO in applicant mode): a request from a
//!   configured proxy address with the shared secret names the applicant in headers; it acts
//!   through the configured agent account.
//! - From the portal server: its API key (bearer) holding `portal.act`, with the same headers.
//! - Without applicant headers: the usual caller (bearer or SSO user), for the catalogue views.
//!
//! The applicant is never taken from a body.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::HeaderMap;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use percent_encoding::percent_decode;
use yiwang_core::error::Error;
use yiwang_core::service::Services;
use yiwang_core::service::portal::{ApplicantIdentity, Portal};
use yiwang_core::wire::cases::ApplicantKind;

use crate::error::ApiError;
use crate::extract::{Authenticated, bearer, from_trusted_proxy};

/// Who is asking on `/api/v1/portal/…`.
pub struct PortalCaller(pub Portal);

impl std::ops::Deref for PortalCaller {
    type Target = Portal;
    fn deref(&self) -> &Portal {
        &self.0
    }
}

/// What the applicant headers say, before they are checked.
struct Named {
    number: String,
    name: String,
    kind: Option<ApplicantKind>,
}

fn unauthorized(why: &str) -> Error {
    Error::Unauthorized(why.to_owned())
}

/// A header as text: UTF-8 (percent-encoded or raw), trimmed.
fn header_text(headers: &HeaderMap, name: &str) -> Result<Option<String>, Error> {
    let Some(v) = headers.get(name) else {
        return Ok(None);
    };
    let decoded = percent_decode(v.as_bytes())
        .decode_utf8()
        .map_err(|_| unauthorized("an applicant header is not UTF-8"))?;
    Ok(Some(decoded.trim().to_owned()))
}

/// The applicant headers, when the request carries the number.
fn named(headers: &HeaderMap, services: &Services) -> Result<Option<Named>, Error> {
    let h = &services.config.auth.trusted_header.applicant;
    let Some(number) = header_text(headers, &h.id_header)? else {
        return Ok(None);
    };
    let name = header_text(headers, &h.name_header)?
        .ok_or_else(|| unauthorized("the applicant's name header is missing"))?;
    let kind = match header_text(headers, &h.kind_header)?.as_deref() {
        None | Some("") => None,
        Some("person") => Some(ApplicantKind::Person),
        Some("organisation") => Some(ApplicantKind::Organisation),
        Some(_) => return Err(unauthorized("the applicant kind is person or organisation")),
    };
    Ok(Some(Named { number, name, kind }))
}

impl FromRequest for PortalCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let services = req.app_data::<web::Data<Services>>().cloned();
        let Some(services) = services else {
            return Box::pin(async {
                Err(Error::Internal("services missing from app data".into()).into())
            });
        };
        let named = match named(req.headers(), &services) {
            Ok(n) => n,
            Err(e) => return Box::pin(async move { Err(e.into()) }),
        };
        let Some(named) = named else {
            let plain = Authenticated::from_request(req, payload);
            return Box::pin(async move {
                let auth = plain.await?;
                Ok(PortalCaller(Portal::new(auth.caller, None)?))
            });
        };
        let token = bearer(req);
        let sso = &services.config.auth.trusted_header;
        let via_proxy = token.is_none() && sso.enabled && from_trusted_proxy(req, sso);
        Box::pin(async move {
            let agent = match token {
                Some(token) => services.resolve_token(&token).await?,
                None if via_proxy => {
                    let agent = services.config.auth.trusted_header.applicant.agent.clone();
                    services.resolve_trusted_user(&agent).await.map_err(|_| {
                        Error::Unavailable(format!(
                            "the portal agent account {agent:?} is missing or disabled"
                        ))
                    })?
                }
                None => {
                    return Err(unauthorized(
                        "applicant headers are accepted only from the configured identity \
                         proxy, or with the portal's API key",
                    )
                    .into());
                }
            };
            let applicant: ApplicantIdentity =
                services.applicant_identity(named.kind, &named.number, &named.name)?;
            Ok(PortalCaller(Portal::new(agent, Some(applicant))?))
        })
    }
}
