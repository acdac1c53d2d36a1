//! The portal: what the provincial portal, the WeChat account and the app do for an
//! applicant — catalogue views (storefront, department counters, item guides), online
//! applications with upload metadata, the applicant's own cases, appointments, remote tickets,
//! ratings and complaints.
//!
//! An applicant is not a platform user. They arrive through an *agent*: the platform account
//! of the identity proxy (trusted-header SSO in applicant mode) or of the portal server (its
//! API key), which must hold `portal.act`. The agent vouches for the applicant's verified
//! number; the portal's use cases then act as the applicant, within the agent's `portal.act`
//! scope, on the applicant's own records only (matched by the number's blind index), by
//! calling the same services staff and devices use.

mod applications;
mod catalogue;
mod queue;

use std::sync::Arc;

use crate::domain::access::{Caller, Grant, Permission};
use crate::domain::identity::{CreditCode, IdNumber};
use crate::error::Error;
use crate::service::Services;
use crate::wire::cases::{Applicant, ApplicantKind};

/// What an applicant may do through an agent, within the agent's `portal.act` scope. Filing
/// needs `case.handle` in the case service; the portal uses it for nothing else.
const APPLICANT_PERMISSIONS: &[Permission] = &[
    Permission::CatalogueRead,
    Permission::CaseRead,
    Permission::CaseHandle,
    Permission::QueueRead,
    Permission::QueueTake,
    Permission::EvaluationSubmit,
    Permission::ComplaintSubmit,
];

/// A verified applicant: a person by ID number or an organisation by credit code. Only the
/// masked number and the blind index ever leave this value.
#[derive(Clone)]
pub struct ApplicantIdentity {
    kind: ApplicantKind,
    name: String,
    number: String,
    masked: String,
    blind: String,
}

impl std::fmt::Debug for ApplicantIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Applicant({:?}, {})", self.kind, self.masked)
    }
}

impl ApplicantIdentity {
    pub fn kind(&self) -> ApplicantKind {
        self.kind
    }

    pub fn masked(&self) -> &str {
        &self.masked
    }

    /// The applicant as answers show them.
    pub fn shown(&self) -> Applicant {
        Applicant {
            kind: self.kind,
            name: self.name.clone(),
            id_number: self.masked.clone(),
            phone: None,
        }
    }

    /// Appointments and tickets are for a person who comes to the hall.
    fn person(&self) -> Result<&str, Error> {
        match self.kind {
            ApplicantKind::Person => Ok(&self.number),
            ApplicantKind::Organisation => Err(Error::invalid(
                "applicant",
                "appointments and tickets are for a person: sign in as the person who comes",
            )),
        }
    }
}

/// Who is asking on the portal: the agent, and the applicant it vouches for (absent for the
/// catalogue views, which the portal server may read on its own).
#[derive(Debug, Clone)]
pub struct Portal {
    agent: Arc<Caller>,
    applicant: Option<ApplicantIdentity>,
}

impl Portal {
    /// The agent alone (catalogue views), or acting for an applicant, which needs
    /// `portal.act`.
    pub fn new(agent: Arc<Caller>, applicant: Option<ApplicantIdentity>) -> Result<Portal, Error> {
        if applicant.is_some() && !agent.has(Permission::PortalAct) {
            return Err(Error::forbidden(
                "acting for an applicant needs portal.act (the portal role)",
            ));
        }
        Ok(Portal { agent, applicant })
    }

    /// The applicant as answers show them; unauthorized without one.
    pub fn applicant(&self) -> Result<Applicant, Error> {
        Ok(self.acting()?.1.shown())
    }

    /// The permission the catalogue views are scoped by: the agent's `portal.act`, else a
    /// staff member's `catalogue.read`.
    fn catalogue_permission(&self) -> Result<Permission, Error> {
        if self.agent.has(Permission::PortalAct) {
            Ok(Permission::PortalAct)
        } else if self.agent.has(Permission::CatalogueRead) {
            Ok(Permission::CatalogueRead)
        } else {
            Err(Error::forbidden(
                "the portal's catalogue views need portal.act or catalogue.read",
            ))
        }
    }

    /// The applicant and the caller the existing services see: the agent's account (for the
    /// audit trail's user), labelled with the masked applicant, holding the applicant's
    /// permissions wherever the agent holds `portal.act`.
    fn acting(&self) -> Result<(Caller, &ApplicantIdentity), Error> {
        let who = self.applicant.as_ref().ok_or_else(|| {
            Error::Unauthorized(
                "this is the applicant's own view: the identity proxy or the portal server must \
                 name the applicant"
                    .into(),
            )
        })?;
        let grants = self
            .agent
            .grants
            .iter()
            .filter(|g| g.permissions.contains(&Permission::PortalAct))
            .map(|g| Grant {
                role: "applicant".into(),
                permissions: APPLICANT_PERMISSIONS.to_vec(),
                scope: g.scope.clone(),
            })
            .collect();
        let caller = Caller {
            user_id: self.agent.user_id,
            username: format!("{}:申请人{}", self.agent.username, who.masked),
            grants,
        };
        Ok((caller, who))
    }
}

impl Services {
    /// Checks the identity an agent vouches for: the number must be a valid ID number or
    /// credit code (`kind` absent: whichever it parses as), the name present.
    pub fn applicant_identity(
        &self,
        kind: Option<ApplicantKind>,
        number: &str,
        name: &str,
    ) -> Result<ApplicantIdentity, Error> {
        let bad = |what: String| Error::Unauthorized(format!("the applicant identity: {what}"));
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(bad("the name must be 1 to 200 characters".into()));
        }
        let person = || IdNumber::parse(number).map(|n| (n.as_str().to_owned(), n.masked()));
        let organisation =
            || CreditCode::parse(number).map(|c| (c.as_str().to_owned(), c.masked()));
        let (kind, (number, masked)) = match kind {
            Some(ApplicantKind::Person) => (
                ApplicantKind::Person,
                person().map_err(|e| bad(e.to_string()))?,
            ),
            Some(ApplicantKind::Organisation) => (
                ApplicantKind::Organisation,
                organisation().map_err(|e| bad(e.to_string()))?,
            ),
            None => match person() {
                Ok(p) => (ApplicantKind::Person, p),
                Err(_) => (
                    ApplicantKind::Organisation,
                    organisation().map_err(|_| {
                        bad("neither a valid ID number nor a valid credit code".into())
                    })?,
                ),
            },
        };
        Ok(ApplicantIdentity {
            kind,
            name: name.to_owned(),
            blind: self.vault.blind_index(&number),
            number,
            masked,
        })
    }
}
