//! Trace files (`luasim run --trace-json`): a JSON array of events, written and read as a
//! stream, so that a trace of millions of events never has to be in memory as text or as JSON
//! values. Reading bounds each event's size, so a hostile file cannot make one event take all
//! memory either.

use crate::trace::Event;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::cell::Cell;
use std::io::{self, BufReader, Read, Write};
use std::rc::Rc;

/// Most bytes one event may take in a trace file. The largest a run writes is a log line or a
/// payload, which the device's heap (a few hundred KB) bounds far below this.
pub const MAX_EVENT_BYTES: u64 = 16 * 1024 * 1024;

/// Writes `events` as the pretty-printed JSON array `--trace-json` gives.
pub fn write(events: &[Event], mut out: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, events)?;
    out.flush()
}

/// Reads a trace file event by event, handing each to `each`; returns how many there were.
/// An error names the line and column where the file stopped being a trace.
pub fn read(input: impl Read, each: impl FnMut(Event) -> io::Result<()>) -> Result<u64, serde_json::Error> {
    read_limited(input, MAX_EVENT_BYTES, each)
}

fn read_limited(
    input: impl Read,
    limit: u64,
    mut each: impl FnMut(Event) -> io::Result<()>,
) -> Result<u64, serde_json::Error> {
    let since_event = Rc::new(Cell::new(0u64));
    // The buffer sits above the limit, so the parser reads from memory; the limit counts what
    // the buffer pulls from the file, within one buffer (8 KB) of what the event took.
    let reader = BufReader::new(PerEventLimit { inner: input, limit, since_event: since_event.clone() });
    let mut de = serde_json::Deserializer::from_reader(reader);
    let count = de.deserialize_seq(Events { since_event, each: &mut each })?;
    de.end()?;
    Ok(count)
}

/// A reader that fails once more than `limit` bytes are read without a new event starting.
struct PerEventLimit<R> {
    inner: R,
    limit: u64,
    since_event: Rc<Cell<u64>>,
}

impl<R: Read> Read for PerEventLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.since_event.get() >= self.limit {
            return Err(io::Error::other(format!("an event is longer than {} bytes", self.limit)));
        }
        let room = (self.limit - self.since_event.get()).min(buf.len() as u64) as usize;
        let n = self.inner.read(&mut buf[..room])?;
        self.since_event.set(self.since_event.get() + n as u64);
        Ok(n)
    }
}

struct Events<'a, F> {
    since_event: Rc<Cell<u64>>,
    each: &'a mut F,
}

impl<'de, F: FnMut(Event) -> io::Result<()>> Visitor<'de> for Events<'_, F> {
    type Value = u64;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a luasim trace: a JSON array of events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let mut count = 0;
        loop {
            self.since_event.set(0);
            let Some(event) = seq.next_element::<Event>()? else { return Ok(count) };
            (self.each)(event).map_err(de::Error::custom)?;
            count += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::EventKind;

    fn events() -> Vec<Event> {
        (0..3)
            .map(|i| Event {
                device: None,
                at_us: i,
                tick: 0,
                kind: EventKind::TimerStop { id: i as i64 },
                gauges: None,
                flow: None,
            })
            .collect()
    }

    #[test]
    fn a_written_trace_reads_back_event_by_event() {
        let mut text = Vec::new();
        write(&events(), &mut text).unwrap();
        assert_eq!(text, serde_json::to_string_pretty(&events()).unwrap().into_bytes());
        let mut back = Vec::new();
        let count = read(&text[..], |e| {
            back.push(e);
            Ok(())
        });
        assert_eq!(count.unwrap(), 3);
        assert_eq!(back, events());
    }

    #[test]
    fn malformed_files_are_refused_with_a_position() {
        let err = read(&b"[{\"at_us\": 1}"[..], |_| Ok(())).unwrap_err();
        assert_eq!(err.line(), 1, "{err}");
        assert!(read(&b"{}"[..], |_| Ok(())).unwrap_err().to_string().contains("a JSON array of events"));
        assert!(read(&b"[] []"[..], |_| Ok(())).unwrap_err().to_string().contains("trailing"));
    }

    #[test]
    fn one_event_cannot_take_more_than_the_limit() {
        let log = |text: &str| {
            format!("{{\"at_us\":0,\"tick\":0,\"kind\":\"log\",\"level\":\"info\",\"tag\":\"t\",\"text\":\"{text}\"}}")
        };
        let huge = format!("[{}]", log(&"x".repeat(2000)));
        let err = read_limited(huge.as_bytes(), 1000, |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("an event is longer than 1000 bytes"), "{err}");
        // Many events, each small, add up to more than the limit without harm.
        let small = format!("[{}]", vec![log("x"); 1000].join(","));
        assert!(small.len() > 1000 * 50);
        assert_eq!(read_limited(small.as_bytes(), 1000, |_| Ok(())).unwrap(), 1000);
    }
}
