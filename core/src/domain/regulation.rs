//! Review–supervision interaction (审管互动) and the punishment list: what of a case a regulator
//! may receive, what its feedback says, and who can be listed. No IO.

use serde::{Deserialize, Serialize};

use crate::domain::identity::{CreditCode, IdNumber};

macro_rules! named {
    ($(#[$m:meta])* $ty:ident { $($variant:ident => $name:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $ty { $($variant,)* }

        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name,)* }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($name => Some($ty::$variant),)* _ => None }
            }
        }
    };
}

named! {
    /// A part of a case a regulator may be sent (the filter of supervision information).
    PushField {
        CaseNo => "case_no",
        Item => "item",
        Region => "region",
        Status => "status",
        Applicant => "applicant",
        Times => "times",
        Steps => "steps",
        Opinions => "opinions",
        License => "license",
    }
}

named! {
    /// Who may be on the punishment list: a person by ID number, an organisation by credit code.
    EntityKind {
        Person => "person",
        Organisation => "organisation",
    }
}

named! {
    /// What a regulator's feedback found.
    Verdict {
        Compliant => "compliant",
        Violation => "violation",
    }
}

impl EntityKind {
    /// The canonical number and its masked form, or why it is not one of this kind.
    pub fn number(self, input: &str) -> Result<(String, String), String> {
        match self {
            EntityKind::Person => IdNumber::parse(input)
                .map(|n| (n.as_str().to_owned(), n.masked()))
                .map_err(|e| e.to_string()),
            EntityKind::Organisation => CreditCode::parse(input)
                .map(|c| (c.as_str().to_owned(), c.masked()))
                .map_err(|e| e.to_string()),
        }
    }
}

/// Whether an entry listed from `from` to `to` (inclusive ends, Unix ms) and in `status` binds
/// at `now`.
pub fn in_force(status: &str, from: i64, to: i64, now: i64) -> bool {
    status == "active" && from <= now && now <= to
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_round_trip() {
        for f in PushField::ALL {
            assert_eq!(PushField::parse(f.as_str()), Some(*f));
        }
        assert_eq!(PushField::parse("id_number"), None);
    }

    #[test]
    fn an_entry_binds_only_while_active_and_within_its_dates() {
        assert!(in_force("active", 10, 20, 10));
        assert!(in_force("active", 10, 20, 20));
        assert!(!in_force("active", 10, 20, 21));
        assert!(!in_force("active", 10, 20, 9));
        assert!(!in_force("lifted", 10, 20, 15));
    }

    #[test]
    fn a_person_needs_an_id_number_and_an_organisation_a_credit_code() {
        assert!(
            EntityKind::Organisation
                .number("91350100M000100Y43")
                .is_ok()
        );
        assert!(EntityKind::Person.number("91350100M000100Y43").is_err());
        assert!(EntityKind::Organisation.number("not a code").is_err());
    }
}
