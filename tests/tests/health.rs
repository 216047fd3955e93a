//! The device's health over time as the trace carries it (`trace::Gauges`): the Lua heap at
//! boot, at its peaks and after collections, none in deep sleep; the sleep region's bytes as
//! writes change them; the charge rising to the summary's figure. The figures ride on events
//! without changing a line of the text trace, and survive a saved JSON trace.

use luasim_core::trace::{Event, EventKind, Gauges};
use luasim_core::tracefile;
use luasim_tests::*;

const SLEEPER: &str = r#"
local big = {}
for i = 1, 600 do big[i] = string.rep("x", 20) .. i end
big = nil
collectgarbage()
RTC.set("wakes", (RTC.get("wakes") or 0) + 1)
sys.timerStart(function() Node.deepSleep(1000) end, 200)
sys.run()
"#;

fn gauged(events: &[Event]) -> Vec<(&Event, &Gauges)> {
    events.iter().filter_map(|e| e.gauges.as_deref().map(|g| (e, g))).collect()
}

#[test]
fn the_heap_is_sampled_after_each_boot_at_its_peaks_and_is_none_in_deep_sleep() {
    let r = run_main("3s", SLEEPER);
    let samples = gauged(&r.events);
    let boots: Vec<usize> =
        r.events.iter().enumerate().filter(|(_, e)| matches!(e.kind, EventKind::Boot { .. })).map(|(i, _)| i).collect();
    assert!(boots.len() >= 2, "the device woke at least once");
    for &boot in &boots {
        let first = r.events[boot + 1..].iter().find_map(|e| e.gauges.as_ref().and_then(|g| g.heap));
        assert!(first.is_some_and(|heap| heap > 10_000), "a heap figure follows each boot: {first:?}");
    }
    let sleeps: Vec<_> =
        samples.iter().filter(|(e, _)| matches!(&e.kind, EventKind::Sleep { mode, .. } if mode == "deep")).collect();
    assert!(
        !sleeps.is_empty() && sleeps.iter().all(|(_, g)| g.heap == Some(0)),
        "deep sleep loses the heap: {sleeps:?}"
    );
    // The table of 600 strings is gone before the first event after it: only a peak says it was.
    let most = samples.iter().filter_map(|(_, g)| g.heap_peak.max(g.heap)).max().unwrap();
    let peak = r.stats.heap_peak_bytes as u64;
    assert!(most <= peak && most + peak / 64 >= peak, "the samples reach the run's peak: {most} of {peak}");
    assert!(samples.iter().any(|(_, g)| g.heap_peak.is_some_and(|p| p > g.heap.unwrap() + 20_000)), "{samples:?}");
}

#[test]
fn the_region_follows_its_writes_and_the_charge_rises_to_the_summarys() {
    let r = run_main("3s", SLEEPER);
    let samples = gauged(&r.events);
    let regions: Vec<u64> = samples.iter().filter_map(|(_, g)| g.region).collect();
    assert!(regions.windows(2).all(|w| w[0] != w[1]), "carried when it changes: {regions:?}");
    assert_eq!(regions.last().copied(), Some(r.stats.region_bytes as u64));
    let charges: Vec<u64> = samples.iter().filter_map(|(_, g)| g.charge_nah).collect();
    assert!(charges.len() >= 4 && charges.windows(2).all(|w| w[0] <= w[1]), "{charges:?}");
    let (end, g) = samples.last().unwrap();
    assert!(matches!(end.kind, EventKind::End { .. }), "the end carries the charge");
    assert_eq!(g.charge_nah, Some((r.stats.energy.charge_mah * 1e6).round() as u64));
}

#[test]
fn a_long_run_is_sampled_by_the_heaps_moves_not_by_its_events() {
    let r = run_main("2h", "sys.taskInit(function() while true do sys.wait(1000) end end)\nsys.run()\n");
    let heaps = gauged(&r.events).iter().filter(|(_, g)| g.heap.is_some()).count();
    assert!(heaps > 10 && heaps * 20 < r.events.len(), "{heaps} heap samples in {} events", r.events.len());
}

#[test]
fn the_figures_change_no_line_and_survive_a_saved_trace() {
    let with = run_main("3s", SLEEPER);
    let mut without = with.events.clone();
    without.iter_mut().for_each(|e| e.gauges = None);
    let text = |events: &[Event]| events.iter().map(|e| format!("{e}\n")).collect::<String>();
    assert_eq!(text(&with.events), text(&without));
    let mut json = Vec::new();
    tracefile::write(&with.events, &mut json).expect("written to memory");
    let mut read = Vec::new();
    tracefile::read(json.as_slice(), |e| {
        read.push(e);
        Ok(())
    })
    .expect("read back");
    assert_eq!(read, with.events);
}

#[test]
fn a_power_cut_takes_the_heap_with_it_at_the_cut() {
    let yaml = format!(
        "{}steps:\n  - {{ at: 500ms, brownout: true }}\n  - {{ at: 1500ms, power_loss: {{ off: 300ms }} }}\n",
        scenario(
            "{ profile: esp32, tick_hz: 1000, boot_ms: 1 }",
            "3s",
            "sys.taskInit(function() while true do sys.wait(100) end end)\nsys.run()\n"
        )
    );
    let r = run_yaml(&yaml);
    let cuts: Vec<&Event> =
        r.events.iter().filter(|e| matches!(&e.kind, EventKind::Inject { step } if step.contains("brownout") || step.contains("power loss"))).collect();
    assert_eq!(cuts.len(), 2, "{}", trace_text(&r));
    for cut in cuts {
        assert_eq!(cut.gauges.as_ref().and_then(|g| g.heap), Some(0), "{cut}");
    }
}
