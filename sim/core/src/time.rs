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

/// Parses `250ms`, `1.5s`, `2h`, `7d`, `10us`. A bare number is an error: units are required.
pub fn parse_duration(text: &str) -> Result<Micros, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("`{t}` is negative; durations are zero or more"));
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
        return Err(format!("`{t}` has no unit; write e.g. `{t}ms` or `{t}s` (units: us, ms, s, m, h, d)"));
    }
    let (num, unit) = t.split_at(split);
    let unit_us: u64 = match unit.trim() {
        "us" | "µs" => 1,
        "ms" => MICROS_PER_MS,
        "s" => MICROS_PER_SEC,
        "m" | "min" => 60 * MICROS_PER_SEC,
        "h" => 3_600 * MICROS_PER_SEC,
        "d" => 86_400 * MICROS_PER_SEC,
        other => return Err(format!("unknown time unit `{other}` in `{t}` (units: us, ms, s, m, h, d)")),
    };
    let num = num.replace('_', "");
    if num.is_empty() {
        return Err(format!("`{t}` has no number before its unit"));
    }
    let value: f64 = num.parse().map_err(|_| format!("`{num}` is not a number"))?;
    let us = value * unit_us as f64;
    if !us.is_finite() || us > (u64::MAX / 2) as f64 {
        return Err(format!("`{t}` is too long (at most {}d)", u64::MAX / 2 / (86_400 * MICROS_PER_SEC)));
    }
    if us.fract() != 0.0 {
        return Err(format!("`{t}` is not a whole number of microseconds"));
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
        assert!(parse_duration("250").unwrap_err().contains("no unit"));
        assert!(parse_duration("3 parsecs").unwrap_err().contains("unknown time unit"));
        assert!(parse_duration("1e400s").is_err());
        assert_eq!(parse_duration("1e3ms"), Ok(1_000_000));
        assert_eq!(parse_duration("1e30d").unwrap_err(), "`1e30d` is too long (at most 106751991d)");
        assert!(parse_duration("-5s").unwrap_err().contains("negative"));
        assert!(parse_duration("1e3").unwrap_err().contains("no unit"));
    }

    #[test]
    fn secs_display() {
        assert_eq!(Secs(12_000_250).to_string(), "12.000250");
        assert_eq!(format!("{:>12}", Secs(1)), "    0.000001");
    }
}
