//! Units of measure and exact decimal conversions between units of one dimension (量纲).
//!
//! Each unit is a rational multiple of its dimension's base unit, so a conversion is one
//! multiplication and one division of decimals: exact where the division terminates, and
//! otherwise rounded half-even (银行家舍入) to the places asked for, with the rounding said.
//! 亩 to 公顷 is × 1/15; 亩 to 元 has no answer (BAD_USER_INPUT).

use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

use crate::error::{AppError, AppResult};

/// A unit: its symbol, dimension and size in base units (`num / den`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub symbol: &'static str,
    pub dimension: &'static str,
    pub num: i64,
    pub den: i64,
}

const fn u(symbol: &'static str, dimension: &'static str, num: i64, den: i64) -> Unit {
    Unit {
        symbol,
        dimension,
        num,
        den,
    }
}

/// Every unit the platform knows.
pub const UNITS: &[Unit] = &[
    // Mass, base 斤 (500 g).
    u("斤", "mass", 1, 1),
    u("万斤", "mass", 10_000, 1),
    u("亿斤", "mass", 100_000_000, 1),
    u("公斤", "mass", 2, 1),
    u("吨", "mass", 2_000, 1),
    u("万吨", "mass", 20_000_000, 1),
    // Area, base 亩 (1/15 公顷).
    u("亩", "area", 1, 1),
    u("万亩", "area", 10_000, 1),
    u("公顷", "area", 15, 1),
    u("平方公里", "area", 1_500, 1),
    // Money, base 元.
    u("元", "money", 1, 1),
    u("万元", "money", 10_000, 1),
    u("亿元", "money", 100_000_000, 1),
    // People, households, animals, generic counts.
    u("人", "people", 1, 1),
    u("万人", "people", 10_000, 1),
    u("户", "households", 1, 1),
    u("万户", "households", 10_000, 1),
    u("头只", "animals", 1, 1),
    u("万头只", "animals", 10_000, 1),
    u("个", "count", 1, 1),
    u("万", "count", 10_000, 1),
    u("亿", "count", 100_000_000, 1),
    u("家", "enterprises", 1, 1),
    u("座", "structures", 1, 1),
    u("万座", "structures", 10_000, 1),
    u("块", "signs", 1, 1),
    u("米", "length", 1, 1),
    u("公里", "length", 1_000, 1),
    u("斤/亩", "yield", 1, 1),
    u("公斤/亩", "yield", 2, 1),
    // Ratios: the fraction itself, or per cent.
    u("ratio", "ratio", 1, 1),
    u("%", "ratio", 1, 100),
];

/// The unit with this symbol; BAD_USER_INPUT naming `field` otherwise.
pub fn unit(field: &str, symbol: &str) -> AppResult<Unit> {
    let s = symbol.trim();
    UNITS
        .iter()
        .find(|u| u.symbol == s)
        .copied()
        .ok_or_else(|| AppError::bad_input(field, format!("unknown unit {s:?}")))
}

/// A decimal from text: digits with an optional sign and point, no exponent.
pub fn decimal(field: &str, text: &str) -> AppResult<Decimal> {
    let t = text.trim();
    if t.is_empty() || t.contains(['e', 'E']) {
        return Err(AppError::bad_input(
            field,
            format!("{t:?} is not a decimal number"),
        ));
    }
    Decimal::from_str(t).map_err(|_| AppError::bad_input(field, format!("{t:?} is not a decimal number")))
}

/// A converted value: exact, or rounded half-even to `places`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Converted {
    pub value: Decimal,
    /// `None` when exact; the places it was rounded to otherwise.
    pub rounded_to: Option<u32>,
}

/// `value` in `from` expressed in `to`; BAD_USER_INPUT (naming `field`) when the dimensions
/// differ or the numbers overflow.
pub fn convert(field: &str, value: Decimal, from: Unit, to: Unit, places: u32) -> AppResult<Converted> {
    convert_rounding(
        field,
        value,
        from,
        to,
        places,
        RoundingStrategy::MidpointNearestEven,
    )
}

/// `convert`, rounding an inexact result with `strategy` (an interval's lower end is
/// rounded down and its upper end up, so that the converted interval holds every value).
pub fn convert_rounding(
    field: &str,
    value: Decimal,
    from: Unit,
    to: Unit,
    places: u32,
    strategy: RoundingStrategy,
) -> AppResult<Converted> {
    if from.dimension != to.dimension {
        return Err(AppError::bad_input(
            field,
            format!(
                "{} ({}) cannot be expressed in {} ({})",
                from.symbol, from.dimension, to.symbol, to.dimension
            ),
        ));
    }
    let overflow = || AppError::bad_input(field, "the value is too large to convert");
    let n = value
        .checked_mul(Decimal::from(from.num))
        .and_then(|v| v.checked_mul(Decimal::from(to.den)))
        .ok_or_else(overflow)?;
    let d = Decimal::from(from.den)
        .checked_mul(Decimal::from(to.num))
        .ok_or_else(overflow)?;
    let q = n.checked_div(d).ok_or_else(overflow)?;
    // Exact only when the quotient terminates (decided on the rational value: the decimal
    // type rounds to 28 digits, so `q × d` can come back equal to `n` when `q` was rounded)
    // and fits the type.
    if terminates(value, from, to) && q.checked_mul(d) == Some(n) {
        return Ok(Converted {
            value: q.normalize(),
            rounded_to: None,
        });
    }
    Ok(Converted {
        value: q.round_dp_with_strategy(places, strategy).normalize(),
        rounded_to: Some(places),
    })
}

/// Whether `value × from / to` has a finite decimal expansion. With `value = m / 10^s`, the
/// result is `m · from.num · to.den / (10^s · from.den · to.num)`; a reduced fraction
/// terminates when its denominator has no prime factor but 2 and 5, and `10^s` adds none.
fn terminates(value: Decimal, from: Unit, to: Unit) -> bool {
    fn gcd(mut a: i128, mut b: i128) -> i128 {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a.abs()
    }
    let mut den = i128::from(from.den) * i128::from(to.num);
    den /= gcd(den, i128::from(from.num) * i128::from(to.den));
    den /= gcd(den, value.mantissa());
    for p in [2, 5] {
        while den % p == 0 {
            den /= p;
        }
    }
    den == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn conversions_are_exact_or_say_how_they_were_rounded() {
        let mu = unit("u", "亩").unwrap();
        let ha = unit("u", "公顷").unwrap();
        let r = convert("u", d("30"), mu, ha, 4).unwrap();
        assert_eq!((r.value, r.rounded_to), (d("2"), None));
        let r = convert("u", d("1"), mu, ha, 4).unwrap();
        assert_eq!((r.value, r.rounded_to), (d("0.0667"), Some(4)));
        let yi = unit("u", "亿斤").unwrap();
        let jin = unit("u", "斤").unwrap();
        assert_eq!(
            convert("u", d("35.3"), yi, jin, 0).unwrap().value,
            d("3530000000")
        );
        let ton = unit("u", "吨").unwrap();
        assert_eq!(
            convert("u", d("3530000000"), jin, ton, 2).unwrap().value,
            d("1765000")
        );
        let pct = unit("u", "%").unwrap();
        let ratio = unit("u", "ratio").unwrap();
        assert_eq!(convert("u", d("86.5"), pct, ratio, 4).unwrap().value, d("0.865"));
        // Exact results keep every place; only non-terminating ones are rounded.
        let wan = unit("u", "万元").unwrap();
        let yuan = unit("u", "元").unwrap();
        let yi_yuan = unit("u", "亿元").unwrap();
        assert_eq!(
            convert("u", d("1250000"), yuan, yi_yuan, 2).unwrap().value,
            d("0.0125")
        );
        assert_eq!(convert("u", d("125"), yuan, wan, 4).unwrap().value, d("0.0125"));
        let r = convert("u", d("2"), mu, ha, 1).unwrap();
        assert_eq!((r.value, r.rounded_to), (d("0.1"), Some(1)));
        assert_eq!(convert("u", d("0.75"), mu, ha, 2).unwrap().value, d("0.05"));
        assert!(convert("u", d("1"), mu, yuan, 2).is_err());
        // A non-terminating quotient is rounded, and says so, however many digits the value
        // has: the decimal type's own 28-digit rounding does not pass for exact.
        let r = convert("u", d("1234567.891234567"), mu, ha, 4).unwrap();
        assert_eq!((r.value, r.rounded_to), (d("82304.5261"), Some(4)));
        assert!(unit("u", "furlong").is_err());
        assert!(decimal("v", "1e3").is_err());
    }

    /// 亩 ↔ 公顷 (1/15), 斤 ↔ 公斤 ↔ 吨, 万 and 亿 there and back: an exact conversion comes
    /// back to the value it started from; an inexact one is rounded to the places asked for
    /// and says so, exactly when the rational quotient does not terminate.
    #[test]
    fn round_trips_are_exact_or_flagged() {
        let pairs = [
            ("亩", "公顷"),
            ("万亩", "公顷"),
            ("亩", "平方公里"),
            ("斤", "公斤"),
            ("斤", "吨"),
            ("万斤", "吨"),
            ("亿斤", "万吨"),
            ("元", "万元"),
            ("元", "亿元"),
            ("万元", "亿元"),
            ("个", "万"),
            ("万", "亿"),
            ("人", "万人"),
            ("%", "ratio"),
        ];
        let values = [
            "1",
            "2",
            "3",
            "7",
            "15",
            "30",
            "45.5",
            "0.75",
            "0.1",
            "1234567.891234567",
            "99999999.999999",
            "35.3",
            "0.000001",
            "123456789012345678.9",
        ];
        for (a, b) in pairs {
            let (ua, ub) = (unit("u", a).unwrap(), unit("u", b).unwrap());
            for v in values {
                let x = d(v);
                for (from, to) in [(ua, ub), (ub, ua)] {
                    let there = convert("u", x, from, to, 4).unwrap();
                    // The rational quotient's denominator, reduced, decides.
                    let num = x.mantissa() * i128::from(from.num) * i128::from(to.den);
                    let den = 10i128.pow(x.scale()) * i128::from(from.den) * i128::from(to.num);
                    let (mut g, mut h) = (num.abs(), den);
                    while h != 0 {
                        (g, h) = (h, g % h);
                    }
                    let mut reduced = den / g;
                    for p in [2, 5] {
                        while reduced % p == 0 {
                            reduced /= p;
                        }
                    }
                    assert_eq!(
                        there.rounded_to.is_none(),
                        reduced == 1,
                        "{v} {} → {}: {there:?}",
                        from.symbol,
                        to.symbol
                    );
                    if there.rounded_to.is_none() {
                        let back = convert("u", there.value, to, from, 4).unwrap();
                        assert_eq!(
                            (back.value, back.rounded_to),
                            (x.normalize(), None),
                            "{v} {}",
                            from.symbol
                        );
                    } else {
                        // Rounded half-even to 4 places: within half a unit of the last place.
                        let exact =
                            Decimal::from_i128_with_scale(num, 0) / Decimal::from_i128_with_scale(den, 0);
                        assert!((there.value - exact).abs() <= d("0.00005"), "{v}: {there:?}");
                    }
                }
            }
        }
    }
}
