//! Virtual time values and the one conversion rule between milliseconds and FreeRTOS ticks.
//!
//! Every duration in luasim is a whole number of microseconds (`Micros`). Scenario files write
//! durations with units (`250ms`, `2h`, `7d`); `parse_duration` is the single parser for them.

use std::fmt;

/// A point or span of virtual time in microseconds since the simulation started.
pub type Micros = u64;

pub const MICROS_PER_MS: u64 = 1_000;
pub const MICROS_PER_SEC: u64 = 1_000_000;

/// Converts a millisecond delay to FreeRTOS ticks: round **up**, so a timer never fires before
/// the requested delay has passed (FreeRTOS's `pdMS_TO_TICKS` truncates, which turns 5 ms at
/// 100 Hz into 0 ticks). Computed in 64 bits so long delays do not overflow. Returns `None`
/// when the result does not fit a 32-bit tick count or `ms < 1`; the firmware does the same.
pub fn ms_to_ticks(ms: i64, tick_hz: u32) -> Option<u32> {
    if ms < 1 {
        return None;
    }
    let ticks = (ms as u128 * tick_hz as u128).div_ceil(1_000);
    u32::try_from(ticks).ok()
}

/// The virtual time at which tick number `ticks` (counted from the start, not wrapped) begins.
pub fn tick_start_us(ticks: u64, tick_hz: u32) -> Micros {
    (ticks as u128 * MICROS_PER_SEC as u128).div_ceil(tick_hz as u128) as Micros
}

/// How many whole ticks have elapsed at virtual time `us`.
pub fn ticks_at(us: Micros, tick_hz: u32) -> u64 {
    (us as u128 * tick_hz as u128 / MICROS_PER_SEC as u128) as u64
}

/// The longest duration `parse_duration` reads, in whole days.
const MAX_DURATION_DAYS: u64 = u64::MAX / 2 / (86_400 * MICROS_PER_SEC);

/// Why a text is not a duration; each names the text as written (trimmed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("`{0}` is negative; durations are zero or more")]
    Negative(String),
    #[error("`{0}` has no unit; write e.g. `{0}ms` or `{0}s` (units: us, ms, s, m, h, d)")]
    NoUnit(String),
    #[error("unknown time unit `{unit}` in `{text}` (units: us, ms, s, m, h, d)")]
    UnknownUnit { unit: String, text: String },
    #[error("`{0}` has no number before its unit")]
    NoNumber(String),
    /// The number before the unit, `_` removed, does not parse.
    #[error("`{0}` is not a number")]
    NotANumber(String),
    #[error("`{0}` is too long (at most {MAX_DURATION_DAYS}d)")]
    TooLong(String),
    #[error("`{0}` is not a whole number of microseconds")]
    NotWhole(String),
}

/// Parses `250ms`, `1.5s`, `2h`, `7d`, `10us`. A bare number is an error: units are required.
pub fn parse_duration(text: &str) -> Result<Micros, DurationError> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(DurationError::Negative(t.to_string()));
    }
    let digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let mantissa = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')).unwrap_or(t.len());
    // An exponent (`1e3ms`) belongs to the number when digits follow the `e`.
    let exponent = match t[mantissa..].strip_prefix(['e', 'E']) {
        Some(rest) => {
            let sign = usize::from(rest.starts_with(['+', '-']));
            let n = digits(&rest[sign..]);
            if n > 0 {
                1 + sign + n
            } else {
                0
            }
        }
        None => 0,
    };
    let split = mantissa + exponent;
    if split == t.len() {
        return Err(DurationError::NoUnit(t.to_string()));
    }
    let (num, unit) = t.split_at(split);
    let unit_us: u64 = match unit.trim() {
        "us" | "µs" => 1,
        "ms" => MICROS_PER_MS,
        "s" => MICROS_PER_SEC,
        "m" | "min" => 60 * MICROS_PER_SEC,
        "h" => 3_600 * MICROS_PER_SEC,
        "d" => 86_400 * MICROS_PER_SEC,
        other => return Err(DurationError::UnknownUnit { unit: other.to_string(), text: t.to_string() }),
    };
    let num = num.replace('_', "");
    if num.is_empty() {
        return Err(DurationError::NoNumber(t.to_string()));
    }
    let value: f64 = num.parse().map_err(|_| DurationError::NotANumber(num.clone()))?;
    let us = value * unit_us as f64;
    if !us.is_finite() || us > (u64::MAX / 2) as f64 {
        return Err(DurationError::TooLong(t.to_string()));
    }
    if us.fract() != 0.0 {
        return Err(DurationError::NotWhole(t.to_string()));
    }
    Ok(us as Micros)
}

/// Formats virtual time as seconds with six decimals, the form used in traces (`12.000250`).
pub struct Secs(pub Micros);

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{}.{:06}", self.0 / MICROS_PER_SEC, self.0 % MICROS_PER_SEC);
        f.pad(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ms_to_ticks_rounds_up_and_rejects_zero() {
        assert_eq!(ms_to_ticks(1000, 1000), Some(1000));
        assert_eq!(ms_to_ticks(5, 100), Some(1));
        assert_eq!(ms_to_ticks(10, 100), Some(1));
        assert_eq!(ms_to_ticks(11, 100), Some(2));
        assert_eq!(ms_to_ticks(0, 1000), None);
        assert_eq!(ms_to_ticks(-5, 1000), None);
        assert_eq!(ms_to_ticks(4_294_967_295, 1000), Some(4_294_967_295));
        assert_eq!(ms_to_ticks(4_294_967_296, 1000), None);
    }

    #[test]
    fn tick_boundaries() {
        assert_eq!(tick_start_us(3, 1000), 3_000);
        assert_eq!(tick_start_us(3, 100), 30_000);
        assert_eq!(tick_start_us(1, 128), 7_813);
        assert_eq!(ticks_at(7_812, 128), 0);
        assert_eq!(ticks_at(7_813, 128), 1);
    }

    #[test]
    fn durations_need_units() {
        assert_eq!(parse_duration("250ms"), Ok(250_000));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000));
        assert_eq!(parse_duration("7d"), Ok(604_800_000_000));
        assert_eq!(parse_duration("2h"), Ok(7_200_000_000));
        assert_eq!(parse_duration("250"), Err(DurationError::NoUnit("250".into())));
        let unknown = DurationError::UnknownUnit { unit: "parsecs".into(), text: "3 parsecs".into() };
        assert_eq!(parse_duration("3 parsecs"), Err(unknown));
        assert_eq!(parse_duration("1e400s"), Err(DurationError::TooLong("1e400s".into())));
        assert_eq!(parse_duration("1e3ms"), Ok(1_000_000));
        assert_eq!(parse_duration("1e30d").unwrap_err().to_string(), "`1e30d` is too long (at most 106751991d)");
        assert_eq!(parse_duration("-5s"), Err(DurationError::Negative("-5s".into())));
        assert_eq!(
            parse_duration("1e3").unwrap_err().to_string(),
            "`1e3` has no unit; write e.g. `1e3ms` or `1e3s` (units: us, ms, s, m, h, d)"
        );
    }

    #[test]
    fn secs_display() {
        assert_eq!(Secs(12_000_250).to_string(), "12.000250");
        assert_eq!(format!("{:>12}", Secs(1)), "    0.000001");
    }
}
