//! Scalars shared by every domain: `Decimal` (money in yuan) and `Date`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Money in yuan as an exact decimal string with two places (`"1234.56"`); stored as fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(pub i64);

/// An exact decimal string with two places, e.g. `"1234.56"`, never a float: money in yuan (元),
/// or a quantity whose unit the field names (`floorAreaM2`).
#[Scalar(name = "Decimal")]
impl ScalarType for Money {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Money::parse_yuan(s).map_err(InputValueError::custom),
            _ => Err(InputValueError::custom(
                "a Decimal is a string such as \"1234.56\"",
            )),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_string())
    }
}

impl Money {
    /// Parses a yuan amount with at most two decimal places.
    pub fn parse_yuan(s: &str) -> Result<Self, String> {
        let d = Decimal::from_str(s.trim())
            .map_err(|_| format!("{s:?} is not a decimal amount such as \"1234.56\""))?;
        if d.scale() > 2 && d.normalize().scale() > 2 {
            return Err(format!("{s:?} has more than two decimal places"));
        }
        let fen = d
            .checked_mul(Decimal::from(100))
            .ok_or_else(|| format!("{s:?} is out of range"))?
            .trunc()
            .to_string()
            .parse::<i64>()
            .map_err(|_| format!("{s:?} is out of range"))?;
        Ok(Money(fen))
    }

    pub fn fen(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date `YYYY-MM-DD` (Asia/Shanghai).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom(format!("{s:?} is not a date YYYY-MM-DD"))),
            _ => Err(InputValueError::custom("a Date is a string YYYY-MM-DD")),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_round_trips() {
        assert_eq!(Money::parse_yuan("1234.56").unwrap().0, 123_456);
        assert_eq!(Money::parse_yuan("10").unwrap().to_string(), "10.00");
        assert_eq!(Money::parse_yuan("0.5").unwrap().to_string(), "0.50");
        assert_eq!(Money::parse_yuan("1.230").unwrap().0, 123);
        assert!(Money::parse_yuan("1.234").is_err());
        assert!(Money::parse_yuan("abc").is_err());
        assert_eq!(Money(-5).to_string(), "-0.05");
    }
}
