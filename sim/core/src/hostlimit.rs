//! The host-time safety net: ends the process when a run stops making progress on the host.
//!
//! The task watchdog counts Lua VM instructions, so it cannot see time spent inside one C
//! function (a string pattern that backtracks exponentially, `string.rep("", 1e15)`,
//! `table.move` over 10^15 slots, `table.insert` on a table whose `__len` lies) or in a `__gc`
//! finalizer, where Lua turns hooks off. No hook can interrupt C code, so this is a last resort
//! on wall-clock time: every access of a run to its `World` (each binding call, each watchdog
//! tick every 1,000 instructions, each step of the runtime) is a heartbeat, and a monitor
//! thread that sees no heartbeat for the limit prints what the run was doing and at which
//! virtual time, then exits the process with code 2. Every trace event is a heartbeat too, so
//! the world's own long stretches (a light sleep through a million timer firings) count as
//! progress.
//!
//! Only the command line turns it on (`enable_from_env`); the library alone never exits. The monitor
//! only reads counters, so a run that never hits the limit is exactly as deterministic as
//! without it; the limit only decides how long a host waits before giving up.

use crate::time::{parse_duration, DurationError, Secs};
use crate::trace::{Event, Observer};
use std::cell::RefCell;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// How long a run may go without a heartbeat, unless `LUASIM_HOST_TIME_LIMIT` says otherwise.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(10);
/// The environment variable that sets the limit (a duration such as `30s`).
pub const LIMIT_VAR: &str = "LUASIM_HOST_TIME_LIMIT";

/// One run's progress, shared with the monitor thread.
struct Beacon {
    scenario: String,
    beats: AtomicU64,
    /// Virtual time (µs) at the last heartbeat.
    virtual_us: AtomicU64,
    /// What the device was running at the last change: a script, a callback, the teardown.
    doing: Mutex<String>,
}

struct Monitor {
    limit: Duration,
    runs: Mutex<Vec<Weak<Beacon>>>,
}

static MONITOR: OnceLock<Monitor> = OnceLock::new();

thread_local! {
    static CURRENT: RefCell<Option<Arc<Beacon>>> = const { RefCell::new(None) };
}

/// Why the safety net could not be turned on.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    /// `LUASIM_HOST_TIME_LIMIT` is not a duration.
    #[error("{LIMIT_VAR}: {0}")]
    Limit(#[from] DurationError),
    #[error("cannot start the host-time monitor: {0}")]
    Monitor(#[source] std::io::Error),
}

/// Turns the safety net on for this process, with the limit from `LUASIM_HOST_TIME_LIMIT` or
/// `DEFAULT_LIMIT`. Returns an error for a malformed variable.
pub fn enable_from_env() -> Result<(), LimitError> {
    let limit = match std::env::var(LIMIT_VAR) {
        Ok(text) => Duration::from_micros(parse_duration(&text)?.max(1)),
        Err(_) => DEFAULT_LIMIT,
    };
    if MONITOR.set(Monitor { limit, runs: Mutex::new(Vec::new()) }).is_ok() {
        std::thread::Builder::new().name("luasim-host-limit".into()).spawn(watch_runs).map_err(LimitError::Monitor)?;
    }
    Ok(())
}

/// Watches the current thread's run while alive; `None` when the safety net is off.
pub struct Watch(Option<Arc<Beacon>>);

/// Starts watching the run of `scenario` on this thread.
pub fn watch(scenario: &str) -> Watch {
    let Some(monitor) = MONITOR.get() else { return Watch(None) };
    let beacon = Arc::new(Beacon {
        scenario: scenario.to_string(),
        beats: AtomicU64::new(0),
        virtual_us: AtomicU64::new(0),
        doing: Mutex::new("booting".into()),
    });
    monitor.runs.lock().unwrap_or_else(|e| e.into_inner()).push(Arc::downgrade(&beacon));
    CURRENT.with(|c| *c.borrow_mut() = Some(beacon.clone()));
    Watch(Some(beacon))
}

impl Drop for Watch {
    fn drop(&mut self) {
        if self.0.is_some() {
            CURRENT.with(|c| *c.borrow_mut() = None);
        }
    }
}

/// Every trace event of a run is a heartbeat: the world's own long stretches (a light sleep
/// through a million timer firings) count as progress.
pub struct Heartbeat;

impl Observer for Heartbeat {
    fn observe(&mut self, event: &Event) {
        beat(event.at_us);
    }
}

/// A heartbeat of this thread's run at virtual time `now_us`.
pub fn beat(now_us: u64) {
    CURRENT.with(|c| {
        if let Some(b) = &*c.borrow() {
            b.beats.fetch_add(1, Ordering::Relaxed);
            b.virtual_us.store(now_us, Ordering::Relaxed);
        }
    });
}

/// Notes what the device runs now (for the report); `what` is only called when watched.
pub fn doing(what: impl FnOnce() -> String) {
    CURRENT.with(|c| {
        if let Some(b) = &*c.borrow() {
            *b.doing.lock().unwrap_or_else(|e| e.into_inner()) = what();
        }
    });
}

/// The monitor thread: checks every run a few times per limit period.
fn watch_runs() {
    let monitor = MONITOR.get().expect("enabled before the thread starts");
    let tick = (monitor.limit / 10).clamp(Duration::from_millis(20), Duration::from_millis(500));
    // Per run: the beat count last seen and when it last changed.
    let mut seen: Vec<(Weak<Beacon>, u64, Instant)> = Vec::new();
    loop {
        std::thread::sleep(tick);
        let now = Instant::now();
        let runs: Vec<Weak<Beacon>> = {
            let mut runs = monitor.runs.lock().unwrap_or_else(|e| e.into_inner());
            runs.retain(|r| r.strong_count() > 0);
            runs.clone()
        };
        seen.retain(|(w, _, _)| w.strong_count() > 0);
        for run in runs {
            let Some(beacon) = run.upgrade() else { continue };
            let beats = beacon.beats.load(Ordering::Relaxed);
            match seen.iter_mut().find(|(w, _, _)| w.ptr_eq(&run)) {
                None => seen.push((run, beats, now)),
                Some(entry) if entry.1 != beats => (entry.1, entry.2) = (beats, now),
                Some(entry) if now.duration_since(entry.2) >= monitor.limit => give_up(&beacon, monitor.limit),
                Some(_) => {}
            }
        }
    }
}

fn give_up(beacon: &Beacon, limit: Duration) -> ! {
    let at = Secs(beacon.virtual_us.load(Ordering::Relaxed));
    let doing = beacon.doing.lock().unwrap_or_else(|e| e.into_inner()).clone();
    // Not `eprintln!`: on a closed stderr (`2>&1 | head`) it would panic this monitor thread
    // and leave the stuck run going; the exit below must happen whatever stderr is.
    let _ = writeln!(
        std::io::stderr(),
        "luasim: {}: host time limit: no progress for {} s of host time at virtual time {at} s while {doing}: \
         Lua is stuck inside one C function (a string pattern that backtracks, string.rep or table.move over a \
         huge count) or in a __gc finalizer, where the instruction-count watchdog cannot stop it \
         (the limit is {LIMIT_VAR}, default {} s)",
        beacon.scenario,
        limit.as_secs_f64(),
        DEFAULT_LIMIT.as_secs()
    );
    std::process::exit(2);
}
