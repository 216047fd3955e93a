//! Fuzzes the trace loader (`luasim trace export`, `luasim tui trace.json`): any text either
//! parses as a list of events or is refused, never a panic; every parsed event prints as one
//! line and survives a JSON round trip unchanged. The streaming reader (`tracefile::read`,
//! which bounds each event to `MAX_EVENT_BYTES`) agrees with parsing the whole text at once,
//! and the streamed Perfetto writer turns what it reads into valid JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use luasim::export::perfetto;
use luasim_core::trace::Event;
use luasim_core::tracefile;

fuzz_target!(|data: &[u8]| {
    let mut streamed = Vec::new();
    let read = tracefile::read(data, |e| {
        streamed.push(e);
        Ok(())
    });
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(read.is_err(), "bytes that are not UTF-8 are not a trace");
        return;
    };
    let whole = serde_json::from_str::<Vec<Event>>(text);
    // Inputs are far below the per-event limit, so both readers must agree.
    assert_eq!(read.is_ok(), whole.is_ok(), "streamed {read:?}, whole {:?}", whole.as_ref().err());
    let Ok(events) = whole else { return };
    assert_eq!(streamed, events);
    for event in &events {
        assert!(!event.to_string().contains('\n'), "one event, one line");
    }
    let json = serde_json::to_string(&events).expect("events serialise");
    assert_eq!(serde_json::from_str::<Vec<Event>>(&json).expect("round trip"), events);
    let mut out = Vec::new();
    perfetto::write("fuzz", &events, &mut out).expect("written to memory");
    serde_json::from_slice::<serde_json::Value>(&out).expect("the Perfetto file is JSON");
});
