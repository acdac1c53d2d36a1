//! The provincial e-license library (电子证照库, R-2.2.3.2), looked up synchronously for
//! licenses the platform does not hold. The push of every new license is the outbox's
//! `license_library` format; this is the other direction.
//!
//! A lookup is one POST with a short timeout; its answer is recorded (and reused for
//! `cache_secs`), so filing a case afterwards needs no second request. A library that is down,
//! slow or answering nonsense never fails the caller: the answer says `unreachable`.

use std::sync::OnceLock;
use std::time::Duration;

use diesel::prelude::*;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock::Millis;
use crate::config::Secret;
use crate::domain::access::{Caller, Permission};
use crate::domain::regulation::EntityKind;
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::license_library_lookups;
use crate::wire::regulation::{LibraryLicense, LibraryLookup};
use crate::wire::time;

/// `[integrations.license_library]`: where and how to look licenses up.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LibraryConfig {
    /// The library's lookup URL; empty: no lookups.
    pub lookup_endpoint: String,
    /// Sent as `Authorization: Bearer …`.
    pub api_key: Option<Secret>,
    /// Longest wait for the library: a window is waiting.
    pub timeout_ms: u64,
    /// How long an answer is reused.
    pub cache_secs: i64,
}

impl Default for LibraryConfig {
    fn default() -> Self {
        Self {
            lookup_endpoint: String::new(),
            api_key: None,
            timeout_ms: 800,
            cache_secs: 600,
        }
    }
}

/// The most of the library's answer that is read.
const MAX_ANSWER: usize = 256 * 1024;
const FOUND: &str = "found";
const NONE: &str = "none";
const UNREACHABLE: &str = "unreachable";
/// The answer when no library is configured.
pub const NOT_CONFIGURED: &str = "not_configured";

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(reqwest::Client::new)
}

#[derive(Deserialize)]
struct Answer {
    licenses: Vec<LibraryLicense>,
}

/// The canonical number of a holder: an ID number or a credit code, and its masked form.
fn holder(input: &str) -> Result<(String, String), Error> {
    let n = input.trim();
    EntityKind::Person
        .number(n)
        .or_else(|_| EntityKind::Organisation.number(n))
        .map_err(|_| Error::invalid("id_number", "neither an ID number nor a credit code"))
}

/// Asks the library; `Err` says why it could not answer.
async fn ask(cfg: &LibraryConfig, number: &str) -> Result<Vec<LibraryLicense>, String> {
    let mut req = client()
        .post(&cfg.lookup_endpoint)
        .timeout(Duration::from_millis(cfg.timeout_ms.max(1)))
        .json(&json!({"holder_number": number}));
    if let Some(k) = &cfg.api_key {
        req = req.bearer_auth(k.0.expose_secret());
    }
    let mut resp = req.send().await.map_err(|e| {
        if e.is_timeout() {
            format!("no answer within {} ms", cfg.timeout_ms)
        } else {
            "cannot connect to the library".into()
        }
    })?;
    let status = resp.status().as_u16();
    let mut bytes = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                bytes.extend_from_slice(&c);
                if bytes.len() > MAX_ANSWER {
                    return Err("the answer is too long".into());
                }
            }
            Ok(None) => break,
            Err(e) if e.is_timeout() => {
                return Err(format!("no answer within {} ms", cfg.timeout_ms));
            }
            Err(_) => return Err("the answer broke off".into()),
        }
    }
    if !(200..300).contains(&status) {
        return Err(format!("HTTP {status}"));
    }
    serde_json::from_slice::<Answer>(&bytes)
        .map(|a| a.licenses)
        .map_err(|_| "the answer is not the library's JSON".into())
}

/// The latest usable answer for a holder since `since`.
fn cached(
    conn: &mut DbConn,
    blind: &str,
    since: Millis,
) -> Result<Option<(String, String, i64)>, Error> {
    Ok(license_library_lookups::table
        .filter(license_library_lookups::holder_blind.eq(blind))
        .filter(license_library_lookups::outcome.ne(UNREACHABLE))
        .filter(license_library_lookups::looked_up_at.ge(since))
        .order(license_library_lookups::id.desc())
        .select((
            license_library_lookups::outcome,
            license_library_lookups::licenses,
            license_library_lookups::looked_up_at,
        ))
        .first(conn)
        .optional()?)
}

fn decode(text: &str) -> Vec<LibraryLicense> {
    serde_json::from_str(text).unwrap_or_default()
}

/// The licenses of the holder's latest usable answer recorded since `since`: what a case filed
/// now may reuse without asking the library again.
pub(crate) fn recorded_licenses(
    conn: &mut DbConn,
    blind: &str,
    since: Millis,
) -> Result<Vec<LibraryLicense>, Error> {
    Ok(cached(conn, blind, since)?
        .map(|(_, text, _)| decode(&text))
        .unwrap_or_default())
}

impl Services {
    /// The library's licenses of a holder (`case.read` in some scope): a recent recorded
    /// answer, or a request with the configured short timeout, recorded with its audit entry.
    pub async fn library_lookup(
        &self,
        caller: &Caller,
        id_number: &str,
    ) -> Result<LibraryLookup, Error> {
        let (plain, masked) = holder(id_number)?;
        let c = caller.clone();
        self.store
            .read(move |conn| {
                if ScopeSql::load(conn, &c, Permission::CaseRead)?.is_empty() {
                    return Err(Error::forbidden("the e-license library needs case.read"));
                }
                Ok(())
            })
            .await?;
        self.lookup_holder(Some(caller), &plain, &masked).await
    }

    /// Looks a holder up (number canonical), reusing a recent answer.
    pub(crate) async fn lookup_holder(
        &self,
        caller: Option<&Caller>,
        plain: &str,
        masked: &str,
    ) -> Result<LibraryLookup, Error> {
        let cfg = self.config.integrations.license_library.clone();
        let now = self.clock.now();
        if cfg.lookup_endpoint.trim().is_empty() {
            return Ok(LibraryLookup {
                outcome: NOT_CONFIGURED.into(),
                cached: false,
                licenses: Vec::new(),
                error: None,
                looked_up_at: time(now),
            });
        }
        let blind = self.vault.blind_index(plain);
        let (b, since) = (blind.clone(), now - cfg.cache_secs.max(0) * 1_000);
        if let Some((outcome, text, at)) =
            self.store.read(move |conn| cached(conn, &b, since)).await?
        {
            return Ok(LibraryLookup {
                outcome,
                cached: true,
                licenses: decode(&text),
                error: None,
                looked_up_at: time(at),
            });
        }
        let asked = ask(&cfg, plain).await;
        let now = self.clock.now();
        let (outcome, licenses, error) = match asked {
            Ok(l) if l.is_empty() => (NONE, l, None),
            Ok(l) => (FOUND, l, None),
            Err(e) => {
                tracing::warn!(error = %e, "e-license library lookup failed");
                (UNREACHABLE, Vec::new(), Some(e))
            }
        };
        let text = serde_json::to_string(&licenses).map_err(|e| Error::Internal(e.to_string()))?;
        let actor = caller.map_or_else(Actor::system, Actor::of);
        let (masked, e) = (masked.to_owned(), error.clone());
        let count = licenses.len();
        self.store
            .write(move |conn| {
                let id: i64 = diesel::insert_into(license_library_lookups::table)
                    .values((
                        license_library_lookups::holder_blind.eq(&blind),
                        license_library_lookups::outcome.eq(outcome),
                        license_library_lookups::licenses.eq(&text),
                        license_library_lookups::error.eq(&e),
                        license_library_lookups::looked_up_at.eq(now),
                    ))
                    .returning(license_library_lookups::id)
                    .get_result(conn)?;
                let payload: Value = json!({"holder": masked, "outcome": outcome,
                                            "licenses": count, "error": e});
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        after: Some(payload.clone()),
                        payload,
                        ..Change::new(
                            "license_library.lookup",
                            "license_library.looked_up",
                            "license_library_lookup",
                            id,
                        )
                    },
                )?;
                Ok(())
            })
            .await?;
        Ok(LibraryLookup {
            outcome: outcome.into(),
            cached: false,
            licenses,
            error,
            looked_up_at: time(now),
        })
    }
}
