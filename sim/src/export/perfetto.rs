//! Chrome trace-event JSON (`{"traceEvents": [...]}`), which Perfetto's UI and chrome://tracing
//! open. One process for the device; threads for the device itself, the log, the firmware
//! bindings and each rtos timer id. Armed timers are slices from start to expiry or stop, boots
//! and reloads are slices until the first script runs, everything else is an instant, and queue
//! depth and active timers are counters. Times are virtual microseconds.
//!
//! Written as a stream: the thread names come first in the file but depend on every timer id,
//! so a first pass (`Threads`) collects the ids, and the second writes each event as it comes.
//! Memory stays bounded by the number of timer ids, whatever the number of events.

use luasim_core::trace::{Body, Event, EventKind};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{self, Write};

const PID: u64 = 1;
const DEVICE: u64 = 1;
const LOG: u64 = 2;
const FIRMWARE: u64 = 3;
/// Timer ids map to threads from here on, in order of first appearance.
const FIRST_TIMER_TID: u64 = 100;

/// The first pass: the thread of each timer id, numbered in order of first appearance.
#[derive(Debug, Default)]
pub struct Threads {
    timer_tids: BTreeMap<i64, u64>,
}

impl Threads {
    /// Takes note of the timer an event names, if any.
    pub fn see(&mut self, e: &Event) {
        if let EventKind::TimerStart { id, .. } | EventKind::TimerReject { id, .. } = &e.kind {
            let next = FIRST_TIMER_TID + self.timer_tids.len() as u64;
            self.timer_tids.entry(*id).or_insert(next);
        }
    }
}

/// The second pass: writes the header and thread names, then each event as it comes.
pub struct Writer<W: Write> {
    out: W,
    timer_tids: BTreeMap<i64, u64>,
    /// Start of the current slice of each armed timer.
    armed_since: BTreeMap<i64, u64>,
    /// Start of a boot or reload, until the first script runs.
    starting: Option<(u64, String)>,
    /// Time of the last event, where open slices end.
    last_us: u64,
}

impl<W: Write> Writer<W> {
    /// Starts the file for the trace `title` whose timers `threads` has seen.
    pub fn start(title: &str, threads: Threads, mut out: W) -> io::Result<Writer<W>> {
        out.write_all(br#"{"displayTimeUnit":"ms","traceEvents":["#)?;
        serde_json::to_writer(
            &mut out,
            &json!({"ph": "M", "pid": PID, "tid": DEVICE, "name": "process_name", "args": {"name": title}}),
        )?;
        let names = [(DEVICE, "device".to_string()), (LOG, "log".to_string()), (FIRMWARE, "firmware".to_string())];
        let timers = threads.timer_tids.iter().map(|(id, tid)| (*tid, format!("timer {id}")));
        for (tid, name) in names.into_iter().chain(timers) {
            out.write_all(b",")?;
            serde_json::to_writer(
                &mut out,
                &json!({"ph": "M", "pid": PID, "tid": tid, "name": "thread_name", "args": {"name": name}}),
            )?;
        }
        let (armed_since, starting) = (BTreeMap::new(), None);
        Ok(Writer { out, timer_tids: threads.timer_tids, armed_since, starting, last_us: 0 })
    }

    /// Ends the slices still open at the last event and closes the file.
    pub fn finish(mut self) -> io::Result<W> {
        for (id, start) in std::mem::take(&mut self.armed_since) {
            let tid = self.timer_tid(id);
            self.slice(tid, start, self.last_us, "armed")?;
        }
        self.out.write_all(b"]}")?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn push(&mut self, value: &Value) -> io::Result<()> {
        self.out.write_all(b",")?;
        serde_json::to_writer(&mut self.out, value).map_err(io::Error::from)
    }

    fn instant(&mut self, tid: u64, ts: u64, name: &str, args: Value) -> io::Result<()> {
        self.push(&json!({"ph": "i", "s": "t", "pid": PID, "tid": tid, "ts": ts, "name": name, "args": args}))
    }

    fn slice(&mut self, tid: u64, start: u64, end: u64, name: &str) -> io::Result<()> {
        self.push(&json!({"ph": "X", "pid": PID, "tid": tid, "ts": start, "dur": end - start, "name": name}))
    }

    fn counter(&mut self, ts: u64, name: &str, value: u64) -> io::Result<()> {
        self.push(&json!({"ph": "C", "pid": PID, "tid": DEVICE, "ts": ts, "name": name, "args": {name: value}}))
    }

    /// The thread of a timer id; one the first pass has not seen (not possible when both
    /// passes read the same events) gets the next free number.
    fn timer_tid(&mut self, id: i64) -> u64 {
        let next = FIRST_TIMER_TID + self.timer_tids.len() as u64;
        *self.timer_tids.entry(id).or_insert(next)
    }

    fn end_slice(&mut self, id: i64, ts: u64, name: &str) -> io::Result<()> {
        if let Some(start) = self.armed_since.remove(&id) {
            let tid = self.timer_tid(id);
            self.slice(tid, start, ts, name)?;
        }
        Ok(())
    }

    /// Writes one event.
    pub fn event(&mut self, e: &Event) -> io::Result<()> {
        let ts = e.at_us;
        self.last_us = ts;
        match &e.kind {
            EventKind::Boot { cause, generation, .. } => {
                self.armed_since.clear();
                self.starting = Some((ts, format!("boot ({cause}), generation {generation}")));
            }
            EventKind::Reload { generation, trigger } => {
                self.armed_since.clear();
                self.starting = Some((ts, format!("reload ({trigger}), generation {generation}")));
            }
            EventKind::Script { path, bytes } => {
                if let Some((start, name)) = self.starting.take() {
                    self.slice(DEVICE, start, ts, &name)?;
                }
                self.instant(DEVICE, ts, "script", json!({"path": path, "bytes": bytes}))?;
            }
            EventKind::Log { .. } => {
                let line = e.log_line().unwrap_or_default();
                self.instant(LOG, ts, &line, json!({}))?;
            }
            EventKind::TimerStart { id, ms, repeat, active, .. } => {
                self.end_slice(*id, ts, "re-armed")?;
                self.armed_since.insert(*id, ts);
                self.counter(ts, "timers active", *active as u64)?;
                let tid = self.timer_tid(*id);
                self.instant(tid, ts, "start", json!({"ms": ms, "repeat": repeat}))?;
            }
            EventKind::TimerReject { id, ms, reason } => {
                let tid = self.timer_tid(*id);
                self.instant(tid, ts, "refused", json!({"ms": ms, "reason": reason}))?;
            }
            EventKind::TimerStop { id } => self.end_slice(*id, ts, "stopped")?,
            EventKind::TimerFire { id, repeat, depth } => {
                self.end_slice(*id, ts, "armed")?;
                if *repeat != 0 {
                    self.armed_since.insert(*id, ts);
                }
                self.counter(ts, "queue depth", *depth as u64)?;
            }
            EventKind::QueueDrop { message, depth } => {
                self.instant(DEVICE, ts, "queue drop", json!({"message": message, "depth": depth}))?;
            }
            EventKind::Error { what, message } => {
                self.instant(DEVICE, ts, &format!("ERROR {what}"), json!({"message": message}))?;
            }
            EventKind::End { reason } => self.instant(DEVICE, ts, "end", json!({"reason": reason}))?,
            EventKind::ModuleCall { returned, .. } => {
                let call = e.call_line().unwrap_or_default();
                self.instant(FIRMWARE, ts, &call, json!({"returned": returned}))?;
            }
            other => {
                let detail = Body(other).to_string();
                let name = detail.split_whitespace().next().unwrap_or("event").to_string();
                self.instant(FIRMWARE, ts, &name, json!({"detail": detail}))?;
            }
        }
        Ok(())
    }
}

/// Writes the trace `events` (held in memory) as Chrome trace-event JSON to `out`.
pub fn write(title: &str, events: &[Event], out: impl Write) -> io::Result<()> {
    let mut threads = Threads::default();
    events.iter().for_each(|e| threads.see(e));
    let mut writer = Writer::start(title, threads, out)?;
    for e in events {
        writer.event(e)?;
    }
    writer.finish().map(drop)
}
