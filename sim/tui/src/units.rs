//! How the TUI writes virtual time: compact durations for the zoom (`200ms`, `6.08d`), axis
//! steps that land on round values, and axis labels in the unit of their step (`1.5s`,
//! `00:30`, `2d06:00`, `7d`).

use luasim_core::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

const MINUTE: Micros = 60 * MICROS_PER_SEC;
const HOUR: Micros = 60 * MINUTE;
const DAY: Micros = 24 * HOUR;

/// A duration in its largest whole unit, with up to two decimals: `250ms`, `1.5s`, `6.08d`.
pub fn duration(us: Micros) -> String {
    const UNITS: [(Micros, &str); 6] =
        [(DAY, "d"), (HOUR, "h"), (MINUTE, "m"), (MICROS_PER_SEC, "s"), (MICROS_PER_MS, "ms"), (1, "µs")];
    let (unit, name) = UNITS.iter().copied().find(|&(u, _)| us >= u).unwrap_or((MICROS_PER_SEC, "s"));
    format!("{}{name}", trim(format!("{:.2}", us as f64 / unit as f64)))
}

/// Drops trailing zeros of a decimal number, and the point if nothing follows it.
fn trim(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// The smallest round step that puts at least `gap` columns between axis labels.
pub fn axis_step(per_col: Micros, gap: u64) -> Micros {
    const STEPS: [Micros; 39] = [
        1,
        2,
        5,
        10,
        20,
        50,
        100,
        200,
        500,
        MICROS_PER_MS,
        2 * MICROS_PER_MS,
        5 * MICROS_PER_MS,
        10 * MICROS_PER_MS,
        20 * MICROS_PER_MS,
        50 * MICROS_PER_MS,
        100 * MICROS_PER_MS,
        200 * MICROS_PER_MS,
        500 * MICROS_PER_MS,
        MICROS_PER_SEC,
        2 * MICROS_PER_SEC,
        5 * MICROS_PER_SEC,
        10 * MICROS_PER_SEC,
        15 * MICROS_PER_SEC,
        30 * MICROS_PER_SEC,
        MINUTE,
        2 * MINUTE,
        5 * MINUTE,
        15 * MINUTE,
        30 * MINUTE,
        HOUR,
        3 * HOUR,
        6 * HOUR,
        12 * HOUR,
        DAY,
        2 * DAY,
        7 * DAY,
        14 * DAY,
        30 * DAY,
        90 * DAY,
    ];
    let want = per_col.saturating_mul(gap);
    STEPS.iter().copied().find(|&s| s >= want).unwrap_or_else(|| want.div_ceil(90 * DAY) * 90 * DAY)
}

/// The label of axis position `t` for a given step: days for day steps, a clock for minute and
/// hour steps, seconds with the step's decimals below that (a clock past the first minute).
pub fn axis_label(t: Micros, step: Micros) -> String {
    if step.is_multiple_of(DAY) {
        return format!("{}d", t / DAY);
    }
    let days = if t >= DAY { format!("{}d", t / DAY) } else { String::new() };
    let (h, m) = ((t % DAY) / HOUR, (t % HOUR) / MINUTE);
    if step.is_multiple_of(MINUTE) {
        return format!("{days}{h:02}:{m:02}");
    }
    let decimals = (0..6).find(|&d| step.is_multiple_of(MICROS_PER_SEC / 10u64.pow(d))).unwrap_or(6) as usize;
    let secs = trim(format!("{:.decimals$}", (t % MINUTE) as f64 / MICROS_PER_SEC as f64));
    if t < MINUTE {
        format!("{secs}s")
    } else {
        let pad = if secs.find('.').unwrap_or(secs.len()) < 2 { "0" } else { "" };
        format!("{days}{h:02}:{m:02}:{pad}{secs}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_compact() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(1), "1µs");
        assert_eq!(duration(250_000), "250ms");
        assert_eq!(duration(1_500_000), "1.5s");
        assert_eq!(duration(525_660 * MICROS_PER_SEC), "6.08d");
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(axis_step(150_000, 10), 2 * MICROS_PER_SEC);
        assert_eq!(axis_step(1, 10), 10);
        assert_eq!(axis_step(DAY, 10), 14 * DAY);
        assert_eq!(axis_step(100 * DAY, 10), 1080 * DAY);
    }

    #[test]
    fn axis_labels_follow_their_step() {
        assert_eq!(axis_label(1_500_000, 500_000), "1.5s");
        assert_eq!(axis_label(2_000_000, 500_000), "2s");
        assert_eq!(axis_label(30 * MINUTE, 15 * MINUTE), "00:30");
        assert_eq!(axis_label(2 * DAY + 6 * HOUR, 6 * HOUR), "2d06:00");
        assert_eq!(axis_label(14 * DAY, 7 * DAY), "14d");
        assert_eq!(axis_label(90 * MICROS_PER_SEC + 500_000, 500_000), "00:01:30.5");
        assert_eq!(axis_label(65 * MICROS_PER_SEC, 5 * MICROS_PER_SEC), "00:01:05");
    }
}
