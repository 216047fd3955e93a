//! Fuzzes the trace loader (`luasim trace export`, `luasim tui trace.json`): any text either
//! parses as a list of events or is refused, never a panic; every parsed event prints as one
//! line and survives a JSON round trip unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use luasim::trace::Event;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(events) = serde_json::from_str::<Vec<Event>>(text) else { return };
    for event in &events {
        assert!(!event.to_string().contains('\n'), "one event, one line");
    }
    let json = serde_json::to_string(&events).expect("events serialise");
    assert_eq!(serde_json::from_str::<Vec<Event>>(&json).expect("round trip"), events);
});
