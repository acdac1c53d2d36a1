//! Applicants' identity numbers, validated on the way in: the resident ID number (身份证号), the
//! unified social credit code of organisations (统一社会信用代码) and mainland mobile numbers.
//!
//! Each type can only be built by `parse`, so holding one means the check character is right.
//! `Debug` prints the masked form and there is no `Display`, so a stray `{:?}` in a log line
//! cannot leak a full number; the full text is only available through `as_str()`. For the same
//! reason error messages never repeat the input, only the offending character.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// Weights of the 17 body digits of an ID number (GB 11643-1999, ISO 7064 MOD 11-2).
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character of an ID number, indexed by the weighted sum mod 11.
const ID_CHECK: &[u8; 11] = b"10X98765432";
/// The 31 characters of a credit code, in value order (GB 32100-2015: no I, O, Z, S, V).
const CREDIT_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of the 17 body characters of a credit code.
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Which kind of number an error is about, named in its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberKind {
    /// Resident ID number.
    IdNumber,
    /// Unified social credit code.
    CreditCode,
    /// Mobile phone number.
    Phone,
}

impl fmt::Display for NumberKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::IdNumber => "ID number",
            Self::CreditCode => "unified social credit code",
            Self::Phone => "mobile phone number",
        })
    }
}

/// What is wrong with an ID number's birth date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BirthDateProblem {
    /// Characters 7 to 14 are not a calendar date.
    NotADate,
    /// Before 1900, which no living applicant can be.
    Before1900,
    /// After the date the number was checked on.
    InTheFuture,
}

impl fmt::Display for BirthDateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotADate => "is not a real date",
            Self::Before1900 => "is before 1900",
            Self::InTheFuture => "is in the future",
        })
    }
}

/// Why an identity number was refused. The API maps each to an error on the input field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// Wrong number of characters.
    #[error("{kind} must be {expected} characters long, not {found}")]
    Length {
        /// The number's kind.
        kind: NumberKind,
        /// The required length.
        expected: usize,
        /// The length given, in characters.
        found: usize,
    },
    /// A character that cannot appear where it is.
    #[error("{kind} cannot have {found:?} at position {position}")]
    BadCharacter {
        /// The number's kind.
        kind: NumberKind,
        /// 1-based position of the character.
        position: usize,
        /// The character found.
        found: char,
    },
    /// The last character does not match the others: usually a mistyped character.
    #[error("{kind} check character should be {expected}, not {found}; please check the number")]
    BadCheckDigit {
        /// The number's kind.
        kind: NumberKind,
        /// The check character the first 17 characters call for.
        expected: char,
        /// The check character given.
        found: char,
    },
    /// An ID number whose region code (first 6 digits) starts with 0, which no region has.
    #[error("ID number region code (first 6 digits) cannot start with 0")]
    BadRegionCode,
    /// An ID number whose birth date (characters 7 to 14) is impossible.
    #[error("ID number birth date (characters 7 to 14) {0}")]
    BadBirthDate(BirthDateProblem),
    /// A mobile number not starting with 13 to 19.
    #[error("mobile phone number must start with 13 to 19")]
    NotMobile,
}

/// Male or female, as encoded in an ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// Odd 17th digit.
    Male,
    /// Even 17th digit.
    Female,
}

/// An 18-character PRC resident ID number (GB 11643-1999) with a valid check character.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    /// ASCII, upper case (a final `x` is stored as `X`).
    text: String,
    birth_date: NaiveDate,
}

impl IdNumber {
    /// Parses an ID number: 17 digits and a check character (0-9 or X, `x` accepted and stored
    /// as `X`), a region code not starting with 0, a real birth date from 1900 on. It does not
    /// trim: callers decide what to strip from user input.
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let bytes = fixed_length(input, 18, NumberKind::IdNumber)?;
        let mut text = [0u8; 18];
        for (position, (&byte, slot)) in bytes.iter().zip(text.iter_mut()).enumerate() {
            let last = position == 17;
            *slot = match byte {
                b'0'..=b'9' => byte,
                b'X' | b'x' if last => b'X',
                _ => return Err(bad_character(input, position, NumberKind::IdNumber)),
            };
        }
        if text[0] == b'0' {
            return Err(IdentityError::BadRegionCode);
        }
        let birth_date = birth_date(&text)?;
        let (body, [check]) = text.split_at(17) else {
            return Err(bad_character(input, 17, NumberKind::IdNumber));
        };
        let expected = <&[u8; 17]>::try_from(body).ok().and_then(id_check_char);
        let found = char::from(*check);
        if expected != Some(found) {
            return Err(IdentityError::BadCheckDigit {
                kind: NumberKind::IdNumber,
                expected: expected.unwrap_or('?'),
                found,
            });
        }
        Ok(Self {
            text: text.iter().map(|&b| char::from(b)).collect(),
            birth_date,
        })
    }

    /// Like [`IdNumber::parse`], and also refuses a birth date after `today` (from the clock).
    pub fn parse_as_of(input: &str, today: NaiveDate) -> Result<Self, IdentityError> {
        let id = Self::parse(input)?;
        if id.birth_date > today {
            return Err(IdentityError::BadBirthDate(BirthDateProblem::InTheFuture));
        }
        Ok(id)
    }

    /// The birth date, characters 7 to 14.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The gender, from the parity of the 17th digit.
    pub fn gender(&self) -> Gender {
        match self.text.as_bytes().get(16).map(|digit| digit % 2) {
            Some(1) => Gender::Male,
            _ => Gender::Female,
        }
    }

    /// The administrative region code of the place of first registration (first 6 digits).
    pub fn region_code(&self) -> &str {
        self.text.get(..6).unwrap_or_default()
    }

    /// The form shown on screens, notices and logs: first 6 and last 4 characters with 8
    /// asterisks between (`110101********1234`). This hides the whole birth date and sequence
    /// number, as the national guidance for displaying ID numbers asks, and leaves the region
    /// and last digits by which staff and citizens recognise a number.
    pub fn masked(&self) -> String {
        mask(&self.text, 6, 4)
    }

    /// The full number, upper case. Only for storage (encrypted) and the blind index.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdNumber").field(&self.masked()).finish()
    }
}

/// An 18-character unified social credit code (GB 32100-2015) with a valid check character.
///
/// Characters 9 to 17 are the organisation code; its own GB 11714 check digit is not verified,
/// because codes of some registrant types (individual businesses) do not follow it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses a credit code: 18 characters from `0-9 A-H J-N P-R T U W-Y` (lower case accepted
    /// and stored upper case), digits in positions 3 to 8 (the region code), and the check
    /// character `31 - (weighted sum mod 31)`, with 31 written as `0`.
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let bytes = fixed_length(input, 18, NumberKind::CreditCode)?;
        let mut values = [0u32; 18];
        for (position, (&byte, value)) in bytes.iter().zip(values.iter_mut()).enumerate() {
            let upper = byte.to_ascii_uppercase();
            let allowed = if (2..8).contains(&position) {
                upper.is_ascii_digit()
            } else {
                CREDIT_CHARSET.contains(&upper)
            };
            let found = CREDIT_CHARSET.iter().position(|&c| c == upper);
            match (allowed, found.and_then(|index| u32::try_from(index).ok())) {
                (true, Some(index)) => *value = index,
                _ => return Err(bad_character(input, position, NumberKind::CreditCode)),
            }
        }
        let sum: u32 = CREDIT_WEIGHTS.iter().zip(&values).map(|(w, v)| w * v).sum();
        let expected = (31 - sum % 31) % 31;
        if expected != values[17] {
            let char_of = |value: u32| {
                usize::try_from(value)
                    .ok()
                    .and_then(|index| CREDIT_CHARSET.get(index))
                    .map_or('?', |&byte| char::from(byte))
            };
            return Err(IdentityError::BadCheckDigit {
                kind: NumberKind::CreditCode,
                expected: char_of(expected),
                found: char_of(values[17]),
            });
        }
        Ok(Self(input.to_ascii_uppercase()))
    }

    /// The registration authority (first character: `9` market regulation, `5` civil affairs…).
    pub fn authority(&self) -> char {
        self.0.chars().next().unwrap_or('?')
    }

    /// The administrative region code of the registering authority (characters 3 to 8).
    pub fn region_code(&self) -> &str {
        self.0.get(2..8).unwrap_or_default()
    }

    /// The form for display: first 6 and last 4 characters with 8 asterisks between. Credit
    /// codes are public, but masking them like ID numbers keeps screens uniform.
    pub fn masked(&self) -> String {
        mask(&self.0, 6, 4)
    }

    /// The full code, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CreditCode").field(&self.masked()).finish()
    }
}

/// A mainland China mobile number: 11 digits starting with 13 to 19, without `+86`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a mobile number: exactly 11 ASCII digits, `1` then `3` to `9`. No country code,
    /// spaces or dashes: callers strip those.
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let bytes = fixed_length(input, 11, NumberKind::Phone)?;
        if let Some(position) = bytes.iter().position(|b| !b.is_ascii_digit()) {
            return Err(bad_character(input, position, NumberKind::Phone));
        }
        if !matches!(bytes, [b'1', b'3'..=b'9', ..]) {
            return Err(IdentityError::NotMobile);
        }
        Ok(Self(input.to_owned()))
    }

    /// The form for display and SMS logs: `138****1234`.
    pub fn masked(&self) -> String {
        mask(&self.0, 3, 4)
    }

    /// The full number, for sending messages.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PhoneNumber").field(&self.masked()).finish()
    }
}

/// The check character (`'0'..='9'` or `'X'`) that an ID number's first 17 characters call for,
/// or `None` if one of them is not a digit. Public so fixtures can make valid numbers.
pub fn id_check_char(body: &[u8; 17]) -> Option<char> {
    let mut sum = 0;
    for (&weight, &byte) in ID_WEIGHTS.iter().zip(body) {
        if !byte.is_ascii_digit() {
            return None;
        }
        sum += weight * u32::from(byte - b'0');
    }
    let index = usize::try_from(sum % 11).ok()?;
    ID_CHECK.get(index).map(|&byte| char::from(byte))
}

/// The input's bytes if it has exactly `expected` characters, all ASCII.
fn fixed_length(input: &str, expected: usize, kind: NumberKind) -> Result<&[u8], IdentityError> {
    let found = input.chars().count();
    if found != expected {
        return Err(IdentityError::Length {
            kind,
            expected,
            found,
        });
    }
    if let Some(position) = input.chars().position(|c| !c.is_ascii()) {
        return Err(bad_character(input, position, kind));
    }
    Ok(input.as_bytes())
}

/// The error for the character at 0-based `position` (counted in characters).
fn bad_character(input: &str, position: usize, kind: NumberKind) -> IdentityError {
    IdentityError::BadCharacter {
        kind,
        position: position + 1,
        found: input.chars().nth(position).unwrap_or('?'),
    }
}

/// The birth date in characters 7 to 14 of an all-digit ID number.
fn birth_date(text: &[u8; 18]) -> Result<NaiveDate, IdentityError> {
    let number = |range: std::ops::Range<usize>| {
        text.get(range)
            .into_iter()
            .flatten()
            .fold(0u32, |acc, &digit| acc * 10 + u32::from(digit - b'0'))
    };
    let year = i32::try_from(number(6..10)).unwrap_or(0);
    let date = NaiveDate::from_ymd_opt(year, number(10..12), number(12..14))
        .ok_or(IdentityError::BadBirthDate(BirthDateProblem::NotADate))?;
    if date.year() < 1900 {
        return Err(IdentityError::BadBirthDate(BirthDateProblem::Before1900));
    }
    Ok(date)
}

/// Keeps `head` and `tail` characters of an ASCII string and puts asterisks between.
fn mask(text: &str, head: usize, tail: usize) -> String {
    let hidden = text.len().saturating_sub(head + tail);
    let start = text.get(..head).unwrap_or_default();
    let end = text
        .get(text.len() - tail.min(text.len())..)
        .unwrap_or_default();
    format!("{start}{}{end}", "*".repeat(hidden))
}

#[cfg(test)]
#[path = "identity_tests.rs"]
mod tests;
