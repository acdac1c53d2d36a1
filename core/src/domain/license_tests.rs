#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn material(name: &str, kinds: &[&str]) -> Material {
    Material {
        name: name.into(),
        required: true,
        substitute_licenses: kinds.iter().map(|k| (*k).to_owned()).collect(),
    }
}

fn held(id: i64, kind: &str, trust_level: TrustLevel) -> HeldLicense {
    HeldLicense {
        id,
        kind: kind.into(),
        trust_level,
    }
}

#[test]
fn a_license_is_valid_from_its_first_to_its_last_day_unless_revoked() {
    let (from, to) = (day("2026-12-01"), day("2031-11-30"));
    assert!(is_valid_on(LicenseStatus::Valid, from, to, from));
    assert!(is_valid_on(LicenseStatus::Valid, from, to, to));
    assert!(!is_valid_on(
        LicenseStatus::Valid,
        from,
        to,
        day("2031-12-01")
    ));
    assert!(!is_valid_on(
        LicenseStatus::Valid,
        from,
        to,
        day("2026-11-30")
    ));
    assert!(!is_valid_on(LicenseStatus::Revoked, from, to, from));
}

#[test]
fn validity_ends_the_day_before_the_same_date_years_later() {
    assert_eq!(valid_until(day("2026-12-01"), 5), day("2031-11-30"));
    assert_eq!(valid_until(day("2026-01-01"), 1), day("2026-12-31"));
    // 29 February has no match in 2025: the license runs to the end of February.
    assert_eq!(valid_until(day("2024-02-29"), 1), day("2025-02-28"));
}

#[test]
fn the_most_trusted_license_of_a_standing_in_kind_covers_a_material() {
    let materials = [material("营业执照", &["营业执照", "business_license"])];
    let licenses = [
        held(1, "business_license", TrustLevel::C),
        held(2, "营业执照", TrustLevel::A),
        held(3, "营业执照", TrustLevel::A),
        held(4, "食品经营许可证", TrustLevel::A),
    ];
    assert_eq!(
        coverage(&materials, &licenses, &[]),
        [Some(Cover::License {
            id: 3,
            trust_level: TrustLevel::A
        })]
    );
}

#[test]
fn a_material_without_a_license_is_covered_by_the_newest_earlier_case_that_had_it() {
    let materials = [
        material("场所平面图", &[]),
        material("营业执照", &["营业执照"]),
        material("健康证明", &[]),
    ];
    let earlier = [
        EarlierMaterial {
            case_id: 4,
            name: "场所平面图".into(),
        },
        EarlierMaterial {
            case_id: 9,
            name: "场所平面图".into(),
        },
        EarlierMaterial {
            case_id: 9,
            name: "营业执照".into(),
        },
    ];
    let licenses = [held(7, "营业执照", TrustLevel::B)];
    assert_eq!(
        coverage(&materials, &licenses, &earlier),
        [
            Some(Cover::EarlierCase { case_id: 9 }),
            Some(Cover::License {
                id: 7,
                trust_level: TrustLevel::B
            }),
            None,
        ]
    );
}

#[test]
fn a_print_run_goes_queued_printed_handed_out_and_no_further() {
    assert_eq!(PrintStatus::Queued.next(), Some(PrintStatus::Printed));
    assert_eq!(PrintStatus::Printed.next(), Some(PrintStatus::HandedOut));
    assert_eq!(PrintStatus::HandedOut.next(), None);
    for s in [
        PrintStatus::Queued,
        PrintStatus::Printed,
        PrintStatus::HandedOut,
    ] {
        assert_eq!(PrintStatus::parse(s.as_str()), Some(s));
    }
}

#[test]
fn trust_levels_round_trip_and_order_from_a_to_d() {
    for l in [TrustLevel::A, TrustLevel::B, TrustLevel::C, TrustLevel::D] {
        assert_eq!(TrustLevel::parse(l.as_str()), Some(l));
    }
    assert!(TrustLevel::A < TrustLevel::D);
    assert_eq!(TrustLevel::parse("E"), None);
}

#[test]
fn only_cases_issue_and_a_paper_certificate_is_never_level_a() {
    use super::LicenseSource as S;
    assert!(S::Issued.refuses(TrustLevel::A).is_some());
    assert!(S::PaperCertificate.refuses(TrustLevel::A).is_some());
    for level in [TrustLevel::B, TrustLevel::C, TrustLevel::D] {
        assert_eq!(S::PaperCertificate.refuses(level), None);
    }
    assert_eq!(S::OtherPlatform.refuses(TrustLevel::A), None);
    assert_eq!(S::Library.refuses(TrustLevel::A), None);
    for s in [S::Issued, S::OtherPlatform, S::PaperCertificate, S::Library] {
        assert_eq!(S::parse(s.as_str()), Some(s));
    }
}
