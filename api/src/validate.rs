//! Input validation shared by every mutation: each check names the offending field.

use chrono::{FixedOffset, NaiveDate, Utc};

use crate::error::{AppError, AppResult};

/// Largest amount accepted anywhere: 10^13 yuan, in fen.
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000_000;

/// Today in Asia/Shanghai, where period boundaries are calendar dates.
pub fn today() -> NaiveDate {
    china_date(Utc::now())
}

/// The calendar day of an instant in China Standard Time (UTC+8), the day the records' users
/// live in.
pub fn china_date(at: chrono::DateTime<Utc>) -> NaiveDate {
    let shanghai = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    at.with_timezone(&shanghai).date_naive()
}

/// Trimmed text of `min..=max` characters without control characters.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> AppResult<String> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min {
        return Err(AppError::bad_input(
            field,
            format!("{field} must have at least {min} characters"),
        ));
    }
    if n > max {
        return Err(AppError::bad_input(
            field,
            format!("{field} must have at most {max} characters"),
        ));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(AppError::bad_input(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(v.to_owned())
}

/// Optional text; empty becomes `None`.
pub fn opt_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, 1, max).map(Some),
    }
}

/// A date not in the future and not before 1990 (no enforcement records predate that).
pub fn past_date(field: &str, d: NaiveDate) -> AppResult<()> {
    let floor = NaiveDate::from_ymd_opt(1990, 1, 1).expect("valid date");
    if d > today() {
        return Err(AppError::bad_input(field, format!("{field} is in the future")));
    }
    if d < floor {
        return Err(AppError::bad_input(
            field,
            format!("{field} is before 1990-01-01"),
        ));
    }
    Ok(())
}

/// A non-negative amount within range.
pub fn money_range(field: &str, fen: i64) -> AppResult<()> {
    if fen < 0 {
        return Err(AppError::bad_input(
            field,
            format!("{field} must not be negative"),
        ));
    }
    if fen > MAX_AMOUNT_FEN {
        return Err(AppError::bad_input(field, format!("{field} is too large")));
    }
    Ok(())
}

/// A resident identity number (18 characters, GB 11643 check digit) for a person, or a
/// unified social credit code (18 characters, GB 32100: its organisation code's GB 11714 check
/// character and its own) for an organisation. Returned upper-cased.
pub fn id_number(field: &str, raw: &str, person: bool) -> AppResult<String> {
    let v = raw.trim().to_uppercase();
    let chars: Vec<char> = v.chars().collect();
    if chars.len() != 18 || !chars.iter().all(|c| c.is_ascii_alphanumeric()) {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be 18 letters or digits"),
        ));
    }
    if !person {
        let prefix: String = chars[..17].iter().collect();
        let (Some(org_check), Some(check)) =
            (organisation_check_char(&chars[8..16]), credit_check_char(&prefix))
        else {
            return Err(AppError::bad_input(
                field,
                format!(
                    "{field} is not a unified social credit code (GB 32100): a character outside its alphabet"
                ),
            ));
        };
        if chars[16] != org_check || chars[17] != check {
            return Err(AppError::bad_input(
                field,
                format!("{field} has a wrong check character (GB 32100 unified social credit code)"),
            ));
        }
    }
    if person {
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
        let mut sum = 0;
        for (c, w) in chars[..17].iter().zip(WEIGHTS) {
            let Some(d) = c.to_digit(10) else {
                return Err(AppError::bad_input(
                    field,
                    format!("{field} must have 17 digits before its check character"),
                ));
            };
            sum += d * w;
        }
        if CHECK[(sum % 11) as usize] != chars[17] {
            return Err(AppError::bad_input(
                field,
                format!("{field} has a wrong check digit"),
            ));
        }
    }
    Ok(v)
}

/// The check character that completes a 17-digit identity number prefix.
pub fn id_check_char(prefix17: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = prefix17
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

/// The characters of a unified social credit code (GB 32100), by value: no I, O, S, V, Z.
const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The last character of a unified social credit code (GB 32100) from its first 17, or None
/// when one of them is outside the code's alphabet.
pub fn credit_check_char(prefix17: &str) -> Option<char> {
    const WEIGHTS: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let mut sum = 0;
    for (c, w) in prefix17.chars().zip(WEIGHTS) {
        sum += CREDIT_ALPHABET.find(c)? * w;
    }
    CREDIT_ALPHABET.chars().nth((31 - sum % 31) % 31)
}

/// The check character of a 9-character organisation code (GB 11714) from its first 8
/// characters (digits and capital letters), or None for another character.
pub fn organisation_check_char(first8: &[char]) -> Option<char> {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let mut sum = 0;
    for (c, w) in first8.iter().zip(WEIGHTS) {
        sum += c.to_digit(36)? * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10)?,
    })
}

/// A phone number: digits with an optional leading `+` and inner `-`, 5 to 20 characters.
pub fn phone(field: &str, raw: &str) -> AppResult<String> {
    let v = raw.trim();
    let ok = (5..=20).contains(&v.len())
        && v.chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == '-' || (c == '+' && i == 0));
    if !ok {
        return Err(AppError::bad_input(
            field,
            format!("{field} is not a phone number"),
        ));
    }
    Ok(v.to_owned())
}

/// A name with all but its first character hidden: 张** .
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    let first: String = chars.next().into_iter().collect();
    format!("{first}{}", "*".repeat(chars.count().max(1)))
}

/// Masks the middle of an identity number or phone: `3611**********1234`.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_numbers() {
        let prefix = "36112619800101123";
        let full = format!("{prefix}{}", id_check_char(prefix));
        assert!(id_number("idNumber", &full, true).is_ok());
        assert!(id_number("idNumber", &format!("{prefix}0"), true).is_err() || id_check_char(prefix) == '0');
        assert!(id_number("idNumber", "123", true).is_err());
        assert_eq!(mask("361126198001011234"), "3611**********1234");
    }

    #[test]
    fn texts() {
        assert!(text("f", "a\u{0}b", 1, 10).is_err());
        assert!(text("f", "  ", 1, 10).is_err());
        assert_eq!(opt_text("f", Some(" "), 5).unwrap(), None);
    }
}
