use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rstest::rstest;

use super::*;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// The sample number printed in GB 11643-1999 (a woman born 31 December 1949 in Beijing).
const GB_11643_SAMPLE: &str = "11010519491231002X";

#[test]
fn accepts_the_sample_of_gb_11643() {
    let id = IdNumber::parse(GB_11643_SAMPLE).unwrap();
    assert_eq!(id.birth_date(), date("1949-12-31"));
    assert_eq!(id.gender(), Gender::Female);
    assert_eq!(id.region_code(), "110105");
    assert_eq!(id.as_str(), GB_11643_SAMPLE);
}

#[test]
fn accepts_lowercase_x_and_stores_it_upper_case() {
    let id = IdNumber::parse("11010519491231002x").unwrap();
    assert_eq!(id.as_str(), GB_11643_SAMPLE);
}

#[test]
fn checksum_agrees_with_the_second_sample_of_gb_11643_whose_1880_birth_date_is_refused() {
    // The standard's other sample, 440524188001010014, is a man born in 1880: the check digit
    // matches, but no living applicant is born before 1900.
    assert_eq!(id_check_char(b"44052418800101001"), Some('4'));
    assert_eq!(
        IdNumber::parse("440524188001010014"),
        Err(IdentityError::BadBirthDate(BirthDateProblem::Before1900))
    );
}

#[test]
fn masks_id_number_keeping_region_and_last_four() {
    let id = IdNumber::parse(GB_11643_SAMPLE).unwrap();
    assert_eq!(id.masked(), "110105********002X");
    assert_eq!(format!("{id:?}"), r#"IdNumber("110105********002X")"#);
}

#[test]
fn refuses_a_birth_date_after_today() {
    let today = date("1949-12-30");
    assert_eq!(
        IdNumber::parse_as_of(GB_11643_SAMPLE, today),
        Err(IdentityError::BadBirthDate(BirthDateProblem::InTheFuture))
    );
    assert!(IdNumber::parse_as_of(GB_11643_SAMPLE, date("1949-12-31")).is_ok());
}

#[rstest]
#[case::too_short("11010519491231002", IdentityError::Length { kind: NumberKind::IdNumber, expected: 18, found: 17 })]
#[case::too_long("11010519491231002X1", IdentityError::Length { kind: NumberKind::IdNumber, expected: 18, found: 19 })]
#[case::empty("", IdentityError::Length { kind: NumberKind::IdNumber, expected: 18, found: 0 })]
#[case::letter_in_body("1101051949123100AX", IdentityError::BadCharacter { kind: NumberKind::IdNumber, position: 17, found: 'A' })]
#[case::x_not_last("X10105194912310021", IdentityError::BadCharacter { kind: NumberKind::IdNumber, position: 1, found: 'X' })]
#[case::full_width_digit("１1010519491231002X", IdentityError::BadCharacter { kind: NumberKind::IdNumber, position: 1, found: '１' })]
#[case::surrounding_space(" 1010519491231002X", IdentityError::BadCharacter { kind: NumberKind::IdNumber, position: 1, found: ' ' })]
#[case::wrong_check_digit("110105194912310021", IdentityError::BadCheckDigit { kind: NumberKind::IdNumber, expected: 'X', found: '1' })]
#[case::swapped_sequence("11010519491231020X", IdentityError::BadCheckDigit { kind: NumberKind::IdNumber, expected: '6', found: 'X' })]
#[case::region_starting_with_zero("01010519491231002X", IdentityError::BadRegionCode)]
#[case::february_30th(
    "110105194902300021",
    IdentityError::BadBirthDate(BirthDateProblem::NotADate)
)]
#[case::month_13(
    "110105194913010021",
    IdentityError::BadBirthDate(BirthDateProblem::NotADate)
)]
#[case::born_1899(
    "110105189912310021",
    IdentityError::BadBirthDate(BirthDateProblem::Before1900)
)]
fn rejects_bad_id_numbers(#[case] input: &str, #[case] expected: IdentityError) {
    assert_eq!(IdNumber::parse(input), Err(expected));
}

#[test]
fn explains_id_errors_in_words_without_repeating_the_number() {
    let err = IdNumber::parse("110105194912310021").unwrap_err();
    assert_eq!(
        err.to_string(),
        "ID number check character should be X, not 1; please check the number"
    );
    let err = IdNumber::parse("110105194902300021").unwrap_err();
    assert_eq!(
        err.to_string(),
        "ID number birth date (characters 7 to 14) is not a real date"
    );
}

#[rstest]
#[case::example_of_gb_32100("91350100M000100Y43", "350100")]
#[case::huawei_technologies("914403001922038216", "440300")]
#[case::tencent_shenzhen("91440300708461136T", "440300")]
#[case::lower_case("91350100m000100y43", "350100")]
fn accepts_real_credit_codes(#[case] input: &str, #[case] region: &str) {
    let code = CreditCode::parse(input).unwrap();
    assert_eq!(code.as_str(), input.to_ascii_uppercase());
    assert_eq!(code.region_code(), region);
    assert_eq!(code.authority(), '9');
}

#[test]
fn masks_credit_code() {
    let code = CreditCode::parse("91350100M000100Y43").unwrap();
    assert_eq!(code.masked(), "913501********0Y43");
    assert_eq!(format!("{code:?}"), r#"CreditCode("913501********0Y43")"#);
}

#[rstest]
#[case::too_short("91350100M000100Y4", IdentityError::Length { kind: NumberKind::CreditCode, expected: 18, found: 17 })]
#[case::letter_o_not_in_charset("91350100MO00100Y43", IdentityError::BadCharacter { kind: NumberKind::CreditCode, position: 10, found: 'O' })]
#[case::letter_i_not_in_charset("I1350100M000100Y43", IdentityError::BadCharacter { kind: NumberKind::CreditCode, position: 1, found: 'I' })]
#[case::letter_in_region_code("913501A0M000100Y43", IdentityError::BadCharacter { kind: NumberKind::CreditCode, position: 7, found: 'A' })]
#[case::wrong_check_char("91350100M000100Y44", IdentityError::BadCheckDigit { kind: NumberKind::CreditCode, expected: '3', found: '4' })]
#[case::check_char_z("91350100M000100Y4Z", IdentityError::BadCharacter { kind: NumberKind::CreditCode, position: 18, found: 'Z' })]
fn rejects_bad_credit_codes(#[case] input: &str, #[case] expected: IdentityError) {
    assert_eq!(CreditCode::parse(input), Err(expected));
}

#[test]
fn accepts_and_masks_a_mobile_number() {
    let phone = PhoneNumber::parse("13812341234").unwrap();
    assert_eq!(phone.masked(), "138****1234");
    assert_eq!(phone.as_str(), "13812341234");
    assert_eq!(format!("{phone:?}"), r#"PhoneNumber("138****1234")"#);
    assert!(PhoneNumber::parse("19912345678").is_ok());
}

#[rstest]
#[case::too_short("1381234123", IdentityError::Length { kind: NumberKind::Phone, expected: 11, found: 10 })]
#[case::with_country_code("+8613812341234", IdentityError::Length { kind: NumberKind::Phone, expected: 11, found: 14 })]
#[case::with_dash("138-1234123", IdentityError::BadCharacter { kind: NumberKind::Phone, position: 4, found: '-' })]
#[case::landline("02112345678", IdentityError::NotMobile)]
#[case::second_digit_two("12812341234", IdentityError::NotMobile)]
fn rejects_bad_mobile_numbers(#[case] input: &str, #[case] expected: IdentityError) {
    assert_eq!(PhoneNumber::parse(input), Err(expected));
}

/// A random valid ID body: a region code not starting with 0, a birth date 1900–2030, and any
/// sequence number.
fn id_body() -> impl Strategy<Value = [u8; 17]> {
    (100_000u32..1_000_000, 0u64..47_482, 0u32..1000).prop_map(|(region, days, sequence)| {
        let born = date("1900-01-01") + Days::new(days);
        let text = format!("{region}{}{sequence:03}", born.format("%Y%m%d"));
        <[u8; 17]>::try_from(text.as_bytes()).unwrap()
    })
}

/// A random credit code body: charset characters, with digits in the region positions.
fn credit_body() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0usize..31, 17).prop_map(|values| {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| CREDIT_CHARSET[if (2..8).contains(&i) { v % 10 } else { v }])
            .collect()
    })
}

fn credit_check(body: &[u8]) -> u8 {
    let index = |c: &u8| CREDIT_CHARSET.iter().position(|x| x == c).unwrap() as u32;
    let sum: u32 = CREDIT_WEIGHTS
        .iter()
        .zip(body)
        .map(|(w, c)| w * index(c))
        .sum();
    CREDIT_CHARSET[((31 - sum % 31) % 31) as usize]
}

proptest! {
    #[test]
    fn id_number_with_computed_check_char_parses(body in id_body()) {
        let text = format!("{}{}", std::str::from_utf8(&body).unwrap(), id_check_char(&body).unwrap());
        let id = IdNumber::parse(&text).unwrap();
        prop_assert_eq!(id.as_str(), text.as_str());
        prop_assert_eq!(id.masked().len(), 18);
    }

    #[test]
    fn changing_any_single_id_character_breaks_it(body in id_body(), position in 0usize..18, new in prop::sample::select(b"0123456789Xx".to_vec())) {
        let mut text = body.to_vec();
        text.push(id_check_char(&body).unwrap() as u8);
        prop_assume!(!text[position].eq_ignore_ascii_case(&new));
        text[position] = new;
        prop_assert!(IdNumber::parse(std::str::from_utf8(&text).unwrap()).is_err());
    }

    #[test]
    fn credit_code_with_computed_check_char_parses(body in credit_body()) {
        let mut text = body.clone();
        text.push(credit_check(&body));
        prop_assert!(CreditCode::parse(std::str::from_utf8(&text).unwrap()).is_ok());
    }

    #[test]
    fn changing_any_single_credit_code_character_breaks_it(body in credit_body(), position in 0usize..18, new in prop::sample::select(CREDIT_CHARSET.to_vec())) {
        let mut text = body.clone();
        text.push(credit_check(&body));
        prop_assume!(text[position] != new);
        text[position] = new;
        prop_assert!(CreditCode::parse(std::str::from_utf8(&text).unwrap()).is_err());
    }
}
