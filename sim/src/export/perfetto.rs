//! Chrome trace-event JSON (`{"traceEvents": [...]}`), which Perfetto's UI and chrome://tracing
//! open. One process, named after the scenario; threads for the device's power phases, the
//! log, the message bus, the firmware's registrations and one per timer track. A fleet's trace
//! (`docs/fleets.md`) has one such process per device, in the fleet's order. Times are
//! virtual microseconds.
//!
//! It is made to stay small whatever the run's length: timers are packed into tracks as the
//! TUI packs them (`luasim_core::timeline`), a track's armed spans that follow each other
//! without a gap (a task waiting in a loop, a repeating timer) are one slice that counts the
//! timers and firings in it, and counters are written only when their value changes, once per
//! point in time. A year of minute waits is then one slice, not half a million.
//!
//! A scenario step that posts callbacks (an `event`, `mqtt` or `gpio` step) starts a flow that
//! ends at each callback it led to, so Perfetto draws an arrow from the step to its handlers.
//!
//! Written as a stream in one pass: thread names are metadata, which the format allows
//! anywhere, so the timer tracks are named at the end, when their ids are known.

use luasim_core::time::Micros;
use luasim_core::timeline::{ArmedSpan, Counter, Counters, Phase, PhaseSpan, Phases, TimerTracks};
use luasim_core::trace::{Body, Event, EventKind};
use serde_json::{json, Value};
use std::io::{self, Write};

/// What the file starts with.
const HEADER: &[u8] = br#"{"displayTimeUnit":"ms","traceEvents":["#;
const POWER: u64 = 1;
const LOG: u64 = 2;
const BUS: u64 = 3;
const FIRMWARE: u64 = 4;
const FIXED: [(u64, &str); 4] = [(POWER, "power"), (LOG, "log"), (BUS, "bus"), (FIRMWARE, "firmware")];
/// Flow ids of process `pid` are `pid * FLOWS_PER_PROCESS + n`, unique in a fleet's file and
/// exact as JavaScript numbers (below 2^53 for the 64 devices a fleet may have).
const FLOWS_PER_PROCESS: u64 = 1 << 40;
/// Timer track `n` is thread `FIRST_TRACK_TID + n`.
const FIRST_TRACK_TID: u64 = 100;

/// Armed spans of one track that follow each other without a gap, not yet written.
#[derive(Debug)]
struct Run {
    since: Micros,
    until: Micros,
    timers: u64,
    ids: (i64, i64),
    fired: u64,
}

/// One process of the file: each event as it comes, then what is still open and the names.
struct Writer<W: Write> {
    out: W,
    pid: u64,
    /// Nothing written into `traceEvents` yet (the next item has no comma before it).
    first: bool,
    phases: Phases,
    timers: TimerTracks,
    counters: Counters,
    /// Per track, the run of armed spans being gathered.
    runs: Vec<Option<Run>>,
    /// Per track, firings since its current run began.
    fired: Vec<u64>,
    /// A light sleep, written when the next event says whether the run ended inside it.
    light: Option<PhaseSpan>,
    /// Per counter: the last value written, and the value at `now` not yet written.
    counter_values: [(Option<u64>, Option<u64>); Counter::ALL.len()],
    now: Micros,
}

impl<W: Write> Writer<W> {
    /// Starts the process `pid` named `title` in a file whose header is written (`first`: as
    /// its first item).
    fn process(out: W, pid: u64, title: &str, first: bool) -> io::Result<Writer<W>> {
        let mut writer = Writer {
            out,
            pid,
            first,
            phases: Phases::default(),
            timers: TimerTracks::default(),
            counters: Counters::default(),
            runs: Vec::new(),
            fired: Vec::new(),
            light: None,
            counter_values: [(None, None); Counter::ALL.len()],
            now: 0,
        };
        writer.push(&json!({"ph": "M", "pid": pid, "tid": POWER, "name": "process_name", "args": {"name": title}}))?;
        for (tid, name) in FIXED {
            writer.thread_name(tid, name)?;
        }
        Ok(writer)
    }

    /// Ends what is still open at the last event and names the timer tracks.
    fn finish_process(mut self) -> io::Result<W> {
        let last = self.now;
        self.flush_counters()?;
        self.flush_light(last)?;
        if let Some(span) = self.phases.finish(last) {
            self.phase(span)?;
        }
        let mut ended = Vec::new();
        self.timers.finish(last, |span| ended.push(span));
        for span in ended {
            self.armed(span)?;
        }
        for track in 0..self.runs.len() {
            self.flush_run(track)?;
            let name = self.timers.label(track);
            self.thread_name(FIRST_TRACK_TID + track as u64, &name)?;
        }
        Ok(self.out)
    }

    /// Writes one event; events come in time order.
    fn event(&mut self, e: &Event) -> io::Result<()> {
        let ts = e.at_us;
        if ts != self.now {
            self.flush_counters()?;
            self.now = ts;
        }
        self.flush_light(ts)?;
        let mut spans = Vec::new();
        self.phases.see(e, |span| spans.push(span));
        for span in spans {
            match span.phase {
                Phase::LightSleep => self.light = Some(span),
                _ => self.phase(span)?,
            }
        }
        let mut ended = Vec::new();
        let track = self.timers.see(e, |span| ended.push(span));
        self.runs.resize_with(self.timers.len(), || None);
        self.fired.resize(self.timers.len(), 0);
        if let (EventKind::TimerFire { .. }, Some(track)) = (&e.kind, track) {
            self.fired[track] += 1;
        }
        for span in ended {
            self.armed(span)?;
        }
        let values = &mut self.counter_values;
        self.counters.see(e, |counter, value| values[counter as usize].1 = Some(value));
        match (&e.kind, track) {
            (EventKind::TimerReject { ms, reason, .. }, Some(track)) => {
                let tid = FIRST_TRACK_TID + track as u64;
                self.instant(tid, ts, "refused", json!({"ms": ms, "reason": reason}))?;
            }
            (
                EventKind::Boot { .. } | EventKind::Reload { .. } | EventKind::Sleep { .. } | EventKind::End { .. },
                _,
            )
            | (EventKind::Script { .. }, _) => {
                let detail = Body(&e.kind).to_string();
                let name = detail.split_whitespace().next().unwrap_or("event").to_string();
                self.instant(POWER, ts, &name, json!({"detail": detail}))?;
            }
            (EventKind::Log { .. }, _) => {
                let line = e.log_line().unwrap_or_default();
                self.instant(LOG, ts, &line, json!({}))?;
            }
            (EventKind::Error { what, message }, _) => {
                self.instant(LOG, ts, &format!("ERROR {what}"), json!({"message": message}))?;
            }
            (EventKind::Inject { .. } | EventKind::QueueDrop { .. } | EventKind::MqttOut { .. }, _)
            | (EventKind::Telegram { .. }, _) => self.detailed(BUS, e)?,
            (EventKind::TimerStart { .. } | EventKind::TimerStop { .. } | EventKind::TimerFire { .. }, _) => {}
            (EventKind::ModuleCall { returned, .. }, _) => {
                let call = e.call_line().unwrap_or_default();
                self.instant(FIRMWARE, ts, &call, json!({"returned": returned}))?;
            }
            _ => self.detailed(FIRMWARE, e)?,
        }
        Ok(())
    }

    /// An instant named by the first word of the event's text, the whole text as its detail.
    /// A step that posted callbacks and the callbacks it led to (`Event::flow`) are slices of
    /// no length instead, since flows bind to slices: the step's starts a flow that each of
    /// the callbacks ends (format v2: `bind_id` with `flow_out` or `flow_in`).
    fn detailed(&mut self, tid: u64, e: &Event) -> io::Result<()> {
        let detail = Body(&e.kind).to_string();
        let name = detail.split_whitespace().next().unwrap_or("event").to_string();
        let Some(flow) = e.flow else { return self.instant(tid, e.at_us, &name, json!({"detail": detail})) };
        let direction = if matches!(e.kind, EventKind::Callback { .. }) { "flow_in" } else { "flow_out" };
        let (pid, ts) = (self.pid, e.at_us);
        let bind_id = pid * FLOWS_PER_PROCESS + flow;
        let slice = json!({"ph": "X", "pid": pid, "tid": tid, "ts": ts, "dur": 0, "name": name,
            "args": {"detail": detail}, "bind_id": bind_id, direction: true});
        self.push(&slice)
    }

    fn phase(&mut self, span: PhaseSpan) -> io::Result<()> {
        self.slice(POWER, span.start, span.end, span.phase.label(), json!({}))
    }

    /// Writes the light sleep waiting for an event at `ts`, ending it there if it was cut short.
    fn flush_light(&mut self, ts: Micros) -> io::Result<()> {
        match self.light.take() {
            Some(span) => self.phase(PhaseSpan { end: span.end.min(ts), ..span }),
            None => Ok(()),
        }
    }

    /// Adds an armed span to its track's run, writing the run before it when there is a gap.
    fn armed(&mut self, span: ArmedSpan) -> io::Result<()> {
        let fired = std::mem::take(&mut self.fired[span.track]);
        if let Some(run) = &mut self.runs[span.track] {
            if run.until == span.since {
                run.until = span.until;
                run.timers += 1;
                run.ids = (run.ids.0.min(span.id), run.ids.1.max(span.id));
                run.fired += fired;
                return Ok(());
            }
        }
        self.flush_run(span.track)?;
        let run = Run { since: span.since, until: span.until, timers: 1, ids: (span.id, span.id), fired };
        self.runs[span.track] = Some(run);
        Ok(())
    }

    fn flush_run(&mut self, track: usize) -> io::Result<()> {
        let Some(run) = self.runs[track].take() else { return Ok(()) };
        let ids = match run.ids {
            (lo, hi) if lo != hi => format!("{lo}…{hi}"),
            (id, _) => id.to_string(),
        };
        let name = if run.timers == 1 { format!("timer {ids}") } else { format!("{} timers", run.timers) };
        let args = json!({"timers": run.timers, "ids": ids, "fired": run.fired});
        self.slice(FIRST_TRACK_TID + track as u64, run.since, run.until, &name, args)
    }

    /// Writes the counters whose value at the time just passed differs from the last written.
    fn flush_counters(&mut self) -> io::Result<()> {
        for counter in Counter::ALL {
            let (written, pending) = &mut self.counter_values[counter as usize];
            if let Some(value) = pending.take() {
                if *written != Some(value) {
                    *written = Some(value);
                    let name = counter.label();
                    let (ts, value) = (self.now, counter.in_unit(value));
                    self.push(
                        &json!({"ph": "C", "pid": self.pid, "tid": POWER, "ts": ts, "name": name, "args": {name: value}}),
                    )?;
                }
            }
        }
        Ok(())
    }

    fn thread_name(&mut self, tid: u64, name: &str) -> io::Result<()> {
        let pid = self.pid;
        self.push(&json!({"ph": "M", "pid": pid, "tid": tid, "name": "thread_name", "args": {"name": name}}))?;
        self.push(&json!({"ph": "M", "pid": pid, "tid": tid, "name": "thread_sort_index", "args": {"sort_index": tid}}))
    }

    fn push(&mut self, value: &Value) -> io::Result<()> {
        if !std::mem::take(&mut self.first) {
            self.out.write_all(b",")?;
        }
        serde_json::to_writer(&mut self.out, value).map_err(io::Error::from)
    }

    fn instant(&mut self, tid: u64, ts: u64, name: &str, args: Value) -> io::Result<()> {
        self.push(&json!({"ph": "i", "s": "t", "pid": self.pid, "tid": tid, "ts": ts, "name": name, "args": args}))
    }

    fn slice(&mut self, tid: u64, start: u64, end: u64, name: &str, args: Value) -> io::Result<()> {
        let dur = end.saturating_sub(start);
        self.push(&json!({"ph": "X", "pid": self.pid, "tid": tid, "ts": start, "dur": dur, "name": name, "args": args}))
    }
}

/// Writes a trace event by event, whether one device's or a fleet's (events with a device):
/// one process per device, named `title: device`, in the order the devices first appear. Each
/// device's process is a `Writer` into a buffer that goes out after each of its events, so the
/// file is still written in one pass; a single device's file is exactly its `Writer`'s.
pub struct Stream<W: Write> {
    out: W,
    title: String,
    processes: Vec<(Option<String>, Writer<Vec<u8>>)>,
}

impl<W: Write> Stream<W> {
    /// Starts the file for the scenario (or fleet) `title`.
    pub fn start(title: &str, mut out: W) -> io::Result<Stream<W>> {
        out.write_all(HEADER)?;
        Ok(Stream { out, title: title.to_string(), processes: Vec::new() })
    }

    /// Writes one event; events come in time order.
    pub fn event(&mut self, e: &Event) -> io::Result<()> {
        let index = match self.processes.iter().position(|(device, _)| *device == e.device) {
            Some(index) => index,
            None => self.open(e.device.clone())?,
        };
        let writer = &mut self.processes[index].1;
        writer.event(e)?;
        self.out.write_all(&writer.out)?;
        writer.out.clear();
        Ok(())
    }

    /// The process of `device` (`None`: the single device), started.
    fn open(&mut self, device: Option<String>) -> io::Result<usize> {
        let pid = self.processes.len() as u64 + 1;
        let first = self.processes.is_empty();
        let mut writer = match &device {
            Some(name) => {
                let mut w = Writer::process(Vec::new(), pid, &format!("{}: {name}", self.title), first)?;
                w.push(&json!({"ph": "M", "pid": pid, "name": "process_sort_index", "args": {"sort_index": pid}}))?;
                w
            }
            None => Writer::process(Vec::new(), pid, &self.title, first)?,
        };
        self.out.write_all(&writer.out)?;
        writer.out.clear();
        self.processes.push((device, writer));
        Ok(self.processes.len() - 1)
    }

    /// Ends every process and closes the file (a trace without events gets its one process).
    pub fn finish(mut self) -> io::Result<W> {
        if self.processes.is_empty() {
            self.open(None)?;
        }
        for (_, writer) in self.processes {
            self.out.write_all(&writer.finish_process()?)?;
        }
        self.out.write_all(b"]}")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes the trace `events` (held in memory) as Chrome trace-event JSON to `out`.
pub fn write(title: &str, events: &[Event], out: impl Write) -> io::Result<()> {
    let mut stream = Stream::start(title, out)?;
    for e in events {
        stream.event(e)?;
    }
    stream.finish().map(drop)
}
