//! The authenticated caller, taken from `Authorization: Bearer …` or, when single sign-on is
//! configured, from a trusted reverse proxy's header.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;
use yiwang_core::config::TrustedHeaderConfig;
use yiwang_core::domain::access::Caller;
use yiwang_core::error::Error;
use yiwang_core::service::Services;

use crate::error::ApiError;

/// Who is asking, resolved and checked; every protected handler takes one.
pub struct Authenticated {
    pub caller: Arc<Caller>,
    /// The bearer token, when the caller came with one (logout revokes it).
    pub token: Option<String>,
}

impl std::ops::Deref for Authenticated {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

pub(crate) fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty() && t.len() <= 256)
}

/// The username a trusted proxy vouches for, if SSO is on and this request is from the proxy.
fn trusted_user(req: &HttpRequest, services: &Services) -> Result<Option<String>, Error> {
    let sso = &services.config.auth.trusted_header;
    if !sso.enabled {
        return Ok(None);
    }
    let Some(user) = req.headers().get(sso.user_header.as_str()) else {
        return Ok(None);
    };
    if !from_trusted_proxy(req, sso) {
        return Err(Error::Unauthorized(
            "the single sign-on header is accepted only from the configured proxy".into(),
        ));
    }
    user.to_str()
        .map(|u| Some(u.trim().to_owned()))
        .map_err(|_| Error::Unauthorized("the single sign-on header is not text".into()))
}

/// Whether the request comes from a configured proxy address and carries the shared secret.
pub(crate) fn from_trusted_proxy(req: &HttpRequest, sso: &TrustedHeaderConfig) -> bool {
    let from_proxy = req
        .peer_addr()
        .is_some_and(|a| sso.trusted_proxies.contains(&a.ip()));
    let secret_ok = match (&sso.secret, req.headers().get(sso.secret_header.as_str())) {
        (Some(want), Some(got)) => {
            bool::from(want.0.expose_secret().as_bytes().ct_eq(got.as_bytes()))
        }
        _ => false,
    };
    from_proxy && secret_ok
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let services = req.app_data::<web::Data<Services>>().cloned();
        let token = bearer(req);
        let sso = services.as_ref().map(|s| trusted_user(req, s)).transpose();
        Box::pin(async move {
            let services =
                services.ok_or_else(|| Error::Internal("services missing from app data".into()))?;
            if let Some(token) = token {
                let caller = services.resolve_token(&token).await?;
                return Ok(Authenticated {
                    caller,
                    token: Some(token),
                });
            }
            if let Some(user) = sso?.flatten() {
                let caller = services.resolve_trusted_user(&user).await?;
                return Ok(Authenticated {
                    caller,
                    token: None,
                });
            }
            Err(
                Error::Unauthorized("send Authorization: Bearer TOKEN (log in first)".into())
                    .into(),
            )
        })
    }
}
