//! `os.time()` and `os.clock()` on the virtual clock, replacing the standard library's (which
//! read the host's clock). The device has no wall-clock source unless a script sets one, so
//! `os.time()` counts seconds since power-on (epoch 0), in UTC; `os.time{...}` converts a UTC
//! date without the host's time zone, with `loslib.c`'s checks and messages.

use super::args::type_name;
use super::{function, Args, BindResult, Fail};
use crate::device::with_world;
use mlua::{Lua, Table, Value};

/// Replaces the two functions in the state's `os` table (when it has one). Not in `ALL`: it
/// adds no global of its own.
pub fn install(lua: &Lua) -> mlua::Result<()> {
    let Some(os) = lua.globals().get::<Option<Table>>("os")? else { return Ok(()) };
    os.set("time", function(lua, "time", time)?)?;
    os.set(
        "clock",
        function(lua, "clock", |lua, _| {
            Ok(with_world(lua, |w| w.clock().ticks_since_boot() as f64 / w.clock().tick_hz() as f64))
        })?,
    )
}

fn time(lua: &Lua, args: Args) -> BindResult<i64> {
    match args.get(1) {
        Value::Nil => Ok(with_world(lua, |w| w.wall_clock_s())),
        Value::Table(t) => utc_seconds(&t).map_err(Fail::Raise),
        other => Err(args.error(1, format!("table expected, got {}", type_name(&other)))),
    }
}

/// Largest magnitude of a date field, as Lua's `os.time` allows (`INT_MAX / 2`); it keeps the
/// arithmetic below far from overflow.
const MAX_DATE_FIELD: i64 = i32::MAX as i64 / 2;

fn utc_seconds(t: &Table) -> Result<i64, String> {
    let field = |name: &str, default: Option<i64>| -> Result<i64, String> {
        let value = match (t.get::<Value>(name).map_err(|e| e.to_string())?, default) {
            (Value::Nil, Some(d)) => d,
            (Value::Nil, None) => return Err(format!("field '{name}' missing in date table")),
            (v, _) => integer(&v).ok_or_else(|| format!("field '{name}' is not an integer"))?,
        };
        let delta = if name == "year" { 1900 } else { 0 };
        if !(-MAX_DATE_FIELD..=MAX_DATE_FIELD).contains(&value.saturating_sub(delta)) {
            return Err(format!("field '{name}' is out-of-bound"));
        }
        Ok(value)
    };
    let (y, m, d) = (field("year", None)?, field("month", None)?, field("day", None)?);
    let (h, min, s) = (field("hour", Some(12))?, field("min", Some(0))?, field("sec", Some(0))?);
    Ok(days_from_civil(y, m, d) * 86_400 + h * 3_600 + min * 60 + s)
}

/// `lua_tointegerx`: integers, floats with an exact integer value, and strings of either.
fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        Value::Number(f) if f.fract() == 0.0 && *f >= i64::MIN as f64 && *f < i64::MAX as f64 => Some(*f as i64),
        Value::String(s) => {
            let text = s.to_str().ok()?;
            let text = text.trim();
            text.parse::<i64>().ok().or_else(|| integer(&Value::Number(text.parse::<f64>().ok()?)))
        }
        _ => None,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date; months outside 1..12 carry into years.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let (year, month) = (year + (month - 1).div_euclid(12), (month - 1).rem_euclid(12) + 1);
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::{days_from_civil, MAX_DATE_FIELD};

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 13, 1), days_from_civil(2025, 1, 1));
        let extreme = MAX_DATE_FIELD + 1900;
        assert!(days_from_civil(extreme, MAX_DATE_FIELD, MAX_DATE_FIELD) > 0, "no overflow at the bounds");
    }
}
