//! Chrome trace-event JSON (`{"traceEvents": [...]}`), which Perfetto's UI and chrome://tracing
//! open. One process for the device; threads for the device itself, the log, the firmware
//! bindings and each rtos timer id. Armed timers are slices from start to expiry or stop, boots
//! and reloads are slices until the first script runs, everything else is an instant, and queue
//! depth and active timers are counters. Times are virtual microseconds.

use crate::trace::{Body, Event, EventKind};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const PID: u64 = 1;
const DEVICE: u64 = 1;
const LOG: u64 = 2;
const FIRMWARE: u64 = 3;
/// Timer ids map to threads from here on, in order of first appearance.
const FIRST_TIMER_TID: u64 = 100;

struct Builder {
    out: Vec<Value>,
    timer_tids: BTreeMap<i64, u64>,
    /// Start of the current slice of each armed timer.
    armed_since: BTreeMap<i64, u64>,
    /// Start of a boot or reload, until the first script runs.
    starting: Option<(u64, String)>,
}

impl Builder {
    fn instant(&mut self, tid: u64, ts: u64, name: &str, args: Value) {
        self.out.push(json!({"ph": "i", "s": "t", "pid": PID, "tid": tid, "ts": ts, "name": name, "args": args}));
    }

    fn slice(&mut self, tid: u64, start: u64, end: u64, name: &str) {
        self.out.push(json!({"ph": "X", "pid": PID, "tid": tid, "ts": start, "dur": end - start, "name": name}));
    }

    fn counter(&mut self, ts: u64, name: &str, value: u64) {
        self.out.push(json!({"ph": "C", "pid": PID, "tid": DEVICE, "ts": ts, "name": name, "args": {name: value}}));
    }

    fn timer_tid(&mut self, id: i64) -> u64 {
        let next = FIRST_TIMER_TID + self.timer_tids.len() as u64;
        *self.timer_tids.entry(id).or_insert(next)
    }

    fn end_slice(&mut self, id: i64, ts: u64, name: &str) {
        if let Some(start) = self.armed_since.remove(&id) {
            let tid = self.timer_tid(id);
            self.slice(tid, start, ts, name);
        }
    }

    fn event(&mut self, e: &Event) {
        let ts = e.at_us;
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
                    self.slice(DEVICE, start, ts, &name);
                }
                self.instant(DEVICE, ts, "script", json!({"path": path, "bytes": bytes}));
            }
            EventKind::Log { .. } => {
                let line = e.log_line().unwrap_or_default();
                self.instant(LOG, ts, &line, json!({}));
            }
            EventKind::TimerStart { id, ms, repeat, active, .. } => {
                self.end_slice(*id, ts, "re-armed");
                self.timer_tid(*id);
                self.armed_since.insert(*id, ts);
                self.counter(ts, "timers active", *active as u64);
                let tid = self.timer_tid(*id);
                self.instant(tid, ts, "start", json!({"ms": ms, "repeat": repeat}));
            }
            EventKind::TimerReject { id, ms, reason } => {
                let tid = self.timer_tid(*id);
                self.instant(tid, ts, "refused", json!({"ms": ms, "reason": reason}));
            }
            EventKind::TimerStop { id } => self.end_slice(*id, ts, "stopped"),
            EventKind::TimerFire { id, repeat, depth } => {
                self.end_slice(*id, ts, "armed");
                if *repeat != 0 {
                    self.armed_since.insert(*id, ts);
                }
                self.counter(ts, "queue depth", *depth as u64);
            }
            EventKind::QueueDrop { message, depth } => {
                self.instant(DEVICE, ts, "queue drop", json!({"message": message, "depth": depth}));
            }
            EventKind::Error { what, message } => {
                self.instant(DEVICE, ts, &format!("ERROR {what}"), json!({"message": message}));
            }
            EventKind::End { reason } => self.instant(DEVICE, ts, "end", json!({"reason": reason})),
            other => {
                let detail = Body(other).to_string();
                let name = detail.split_whitespace().next().unwrap_or("event").to_string();
                self.instant(FIRMWARE, ts, &name, json!({"detail": detail}));
            }
        }
    }
}

/// The trace as Chrome trace-event JSON.
pub fn render(title: &str, events: &[Event]) -> String {
    let mut b = Builder { out: Vec::new(), timer_tids: BTreeMap::new(), armed_since: BTreeMap::new(), starting: None };
    for e in events {
        b.event(e);
    }
    let end = events.last().map_or(0, |e| e.at_us);
    let open: Vec<(i64, u64)> = b.armed_since.iter().map(|(id, start)| (*id, *start)).collect();
    for (id, start) in open {
        let tid = b.timer_tid(id);
        b.slice(tid, start, end, "armed");
    }
    let mut meta = vec![json!({"ph": "M", "pid": PID, "tid": DEVICE, "name": "process_name", "args": {"name": title}})];
    let names = [(DEVICE, "device".to_string()), (LOG, "log".to_string()), (FIRMWARE, "firmware".to_string())];
    let timers = b.timer_tids.iter().map(|(id, tid)| (*tid, format!("timer {id}")));
    for (tid, name) in names.into_iter().chain(timers) {
        meta.push(json!({"ph": "M", "pid": PID, "tid": tid, "name": "thread_name", "args": {"name": name}}));
    }
    meta.extend(b.out);
    json!({"traceEvents": meta, "displayTimeUnit": "ms"}).to_string()
}
