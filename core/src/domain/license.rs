//! E-licenses (电子证照, R-2.2.3): trust levels, validity, which application materials a
//! holder's licenses or earlier materials cover, and the paper certificate's print run (制证,
//! No IO.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::catalogue::Material;

/// How far a license can be trusted, as the national e-license guide grades it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum TrustLevel {
    /// Issued electronically by the issuing department itself, with its electronic seal.
    A,
    /// Converted from an issued paper certificate and checked by the issuing department.
    B,
    /// Converted from a paper certificate and checked against shared data by another department.
    C,
    /// A scanned copy, not checked.
    D,
}

impl TrustLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            TrustLevel::A => "A",
            TrustLevel::B => "B",
            TrustLevel::C => "C",
            TrustLevel::D => "D",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "A" => TrustLevel::A,
            "B" => TrustLevel::B,
            "C" => TrustLevel::C,
            "D" => TrustLevel::D,
            _ => return None,
        })
    }

    /// What the level means, for printed certificates and views.
    pub fn label_zh(self) -> &'static str {
        match self {
            TrustLevel::A => "A级（发证部门电子签发）",
            TrustLevel::B => "B级（发证部门核验的纸证转化）",
            TrustLevel::C => "C级（共享数据核验的纸证转化）",
            TrustLevel::D => "D级（未核验的扫描件）",
        }
    }
}

/// Where a license in the registry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LicenseSource {
    /// Issued by one of the platform's own cases (always level A).
    Issued,
    /// Taken over from another platform's registry.
    OtherPlatform,
    /// A paper certificate shown and checked at a window.
    PaperCertificate,
    /// Found in the provincial e-license library by a lookup.
    Library,
}

impl LicenseSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseSource::Issued => "issued",
            LicenseSource::OtherPlatform => "other_platform",
            LicenseSource::PaperCertificate => "paper_certificate",
            LicenseSource::Library => "library",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "issued" => LicenseSource::Issued,
            "other_platform" => LicenseSource::OtherPlatform,
            "paper_certificate" => LicenseSource::PaperCertificate,
            "library" => LicenseSource::Library,
            _ => return None,
        })
    }

    /// Why a license of this source cannot carry `level`, if it cannot: only the platform's own
    /// cases issue here, and a paper certificate turned electronic at a window is at best B (the
    /// guide keeps A for licenses the issuing department signed electronically itself).
    pub fn refuses(self, level: TrustLevel) -> Option<&'static str> {
        match (self, level) {
            (LicenseSource::Issued, _) => {
                Some("licenses are issued only by the platform's own cases")
            }
            (LicenseSource::PaperCertificate, TrustLevel::A) => {
                Some("a paper certificate checked at a window is level B, C or D")
            }
            _ => None,
        }
    }
}

/// A license's registry state; an expired license stays `valid` in storage and is told apart
/// by its dates ([`is_valid_on`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LicenseStatus {
    Valid,
    Revoked,
}

impl LicenseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseStatus::Valid => "valid",
            LicenseStatus::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "valid" => Some(LicenseStatus::Valid),
            "revoked" => Some(LicenseStatus::Revoked),
            _ => None,
        }
    }
}

/// Whether a license in `status`, valid from `from` to `to` (both days included), can be used
/// on `day`.
pub fn is_valid_on(status: LicenseStatus, from: NaiveDate, to: NaiveDate, day: NaiveDate) -> bool {
    status == LicenseStatus::Valid && from <= day && day <= to
}

/// Years a license is valid when its item does not say.
pub const DEFAULT_VALID_YEARS: u32 = 5;

/// The last day of a license valid for `years` from `from`: the day before the same date
/// `years` later (a 29 February start runs to the end of February).
pub fn valid_until(from: NaiveDate, years: u32) -> NaiveDate {
    let year = from
        .year()
        .saturating_add(i32::try_from(years).unwrap_or(i32::MAX / 2));
    let same_day = from
        .with_year(year)
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(NaiveDate::MAX);
    same_day.pred_opt().unwrap_or(same_day)
}

/// A valid license of the applicant, as coverage sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldLicense {
    pub id: i64,
    pub kind: String,
    pub trust_level: TrustLevel,
}

/// A material handed in with an earlier accepted case of the applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierMaterial {
    pub case_id: i64,
    pub name: String,
}

/// What covers a material of a new application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cover {
    /// A valid license of a kind that stands in for the material.
    License { id: i64, trust_level: TrustLevel },
    /// The same material handed in with an earlier accepted case.
    EarlierCase { case_id: i64 },
}

/// For each of an item's materials, what covers it: the most trusted valid license of a kind
/// that stands in for it (the newest among equals), otherwise the newest earlier case that
/// handed in a material of the same name, otherwise nothing.
pub fn coverage(
    materials: &[Material],
    licenses: &[HeldLicense],
    earlier: &[EarlierMaterial],
) -> Vec<Option<Cover>> {
    materials
        .iter()
        .map(|m| {
            let by_license = licenses
                .iter()
                .filter(|l| m.substitute_licenses.iter().any(|k| k == &l.kind))
                .min_by_key(|l| (l.trust_level, std::cmp::Reverse(l.id)));
            if let Some(l) = by_license {
                return Some(Cover::License {
                    id: l.id,
                    trust_level: l.trust_level,
                });
            }
            earlier
                .iter()
                .filter(|e| e.name == m.name)
                .max_by_key(|e| e.case_id)
                .map(|e| Cover::EarlierCase { case_id: e.case_id })
        })
        .collect()
}

/// Where a paper certificate stands in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrintStatus {
    Queued,
    Printed,
    HandedOut,
}

impl PrintStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PrintStatus::Queued => "queued",
            PrintStatus::Printed => "printed",
            PrintStatus::HandedOut => "handed_out",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => PrintStatus::Queued,
            "printed" => PrintStatus::Printed,
            "handed_out" => PrintStatus::HandedOut,
            _ => return None,
        })
    }

    /// The status this one may move to, if any: queued → printed → handed out.
    pub fn next(self) -> Option<PrintStatus> {
        match self {
            PrintStatus::Queued => Some(PrintStatus::Printed),
            PrintStatus::Printed => Some(PrintStatus::HandedOut),
            PrintStatus::HandedOut => None,
        }
    }
}

#[cfg(test)]
#[path = "license_tests.rs"]
mod tests;
