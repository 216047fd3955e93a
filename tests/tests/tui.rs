//! The TUI timeline inspector, driven like a user drives it: scripted keys and mouse events on
//! an `App` over the trace of a real run, each screen drawn on ratatui's `TestBackend` and kept
//! as an insta snapshot (text only; colours are not compared).

use luasim_core::trace::Event;
use luasim_tests::*;
use luasim_tui::{draw, App, Flow, Mode};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Terminal;

/// A device with two tasks' timers, log lines of every level, firmware callbacks, outgoing
/// MQTT and Telegram, a task that crashes (an `E/` line), a callback error (an `ERROR`) and a
/// hot reload.
const DEMO: &str = r#"
name: tui_demo
device: { profile: esp32, tick_hz: 1000, boot_ms: 100 }
duration: 10s
modules: [telegram]
scripts:
  main.lua: |
    local sys = require("sys")
    EventBus.subscribe("sensor.temperature", function(d)
      if d.value > 100 then error("sensor out of range: " .. d.value) end
      if d.value > 80 then
        log.warn("rules", "hot", d.value)
        MQTT.publish("dev/alert", "hot " .. d.value)
        Telegram.broadcast("overtemp " .. d.value)
      end
    end)
    sys.taskInit(function()
      local n = 0
      while true do
        sys.wait(1000)
        n = n + 1
        log.info("beat", n)
        if n == 2 then log.error("beat", "sensor timeout") end
        if n == 3 then error("task crashed") end
      end
    end)
    sys.timerLoopStart(function() log.debug("poll", "tick") end, 700)
    sys.run()
steps:
  - { at: 2500ms, event: { name: sensor.temperature, data: { value: 85 } } }
  - { at: 5s, reload: true }
  - { at: 6500ms, event: { name: sensor.temperature, data: { value: 120 } } }
"#;

fn demo() -> App {
    App::new(run_yaml(DEMO).events, "tui_demo".into())
}

fn screen(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|frame| draw(frame, app)).expect("draw");
    terminal.backend().to_string()
}

/// Checks a screen against its stored snapshot (`snapshots/tui__NAME.snap`). Lua 5.3's heap
/// figures move from one run to the next (README, Determinism), so a `lua53` build compares
/// every row but the heap graphs' (and their second rows).
fn check_snapshot(name: &str, shown: &str) {
    #[cfg(not(feature = "lua53"))]
    insta::assert_snapshot!(name, shown);
    #[cfg(feature = "lua53")]
    {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/snapshots/tui__{name}.snap"));
        let stored = std::fs::read_to_string(&path).expect("the snapshot is stored");
        let stored = stored.splitn(3, "---\n").nth(2).expect("a snapshot body");
        assert_eq!(without_heap(stored.trim_end()), without_heap(shown.trim_end()), "{name}");
    }
}

#[cfg(feature = "lua53")]
fn without_heap(screen: &str) -> Vec<&str> {
    let mut masked = false;
    screen
        .lines()
        .map(|line| {
            let label = line.split('│').next().unwrap_or("");
            masked = label.contains("heap") || (masked && label.trim_matches(|c| c == '"' || c == ' ').is_empty());
            if masked {
                "(heap)"
            } else {
                line
            }
        })
        .collect()
}

fn key(app: &mut App, code: KeyCode) -> Flow {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Presses each key of `keys` in turn; `\t` is Tab, `\n` Enter, `\x1b` Esc.
fn keys(app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        assert_eq!(key(app, code), Flow::Continue, "key {c:?}");
    }
}

fn press_n(app: &mut App, code: KeyCode, n: usize) {
    for _ in 0..n {
        key(app, code);
    }
}

fn mouse(app: &mut App, kind: MouseEventKind, column: u16, row: u16) {
    app.handle_mouse(MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE });
}

/// Row `n` of a drawn screen, without the quotes `TestBackend` puts around it.
fn row(screen: &str, n: usize) -> String {
    screen.lines().nth(n).unwrap_or_default().trim_matches('"').to_string()
}

/// The status line (last row) of a drawn screen, without trailing blanks.
fn status(screen: &str) -> String {
    row(screen, screen.lines().count().saturating_sub(1)).trim_end().to_string()
}

#[test]
fn overview_shows_every_lane_graph_and_pane() {
    let mut app = demo();
    check_snapshot("overview", &screen(&mut app, 80, 24));
}

#[test]
fn overview_scales_to_a_large_terminal() {
    let mut app = demo();
    check_snapshot("overview_200x50", &screen(&mut app, 200, 50));
}

#[test]
fn zooming_in_around_the_cursor() {
    let mut app = demo();
    screen(&mut app, 80, 24);
    press_n(&mut app, KeyCode::Right, 16);
    keys(&mut app, "+++");
    check_snapshot("zoomed_in", &screen(&mut app, 80, 24));
    let overview = status(&screen(&mut demo(), 80, 24));
    keys(&mut app, "0");
    assert_eq!(zoom(&status(&screen(&mut app, 80, 24))), zoom(&overview), "0 shows the whole run again");
}

/// The zoom part of a status line (`158.73ms/col`).
fn zoom(status: &str) -> &str {
    status.split(" · ").find(|part| part.ends_with("/col")).unwrap_or_default()
}

#[test]
fn filter_popup_lists_the_kinds_present() {
    let mut app = demo();
    screen(&mut app, 80, 24);
    keys(&mut app, "f");
    assert!(matches!(app.mode(), Mode::Filter { .. }));
    check_snapshot("filter_popup", &screen(&mut app, 80, 24));
}

#[test]
fn filtering_hides_kinds_and_empty_lanes() {
    let mut app = demo();
    screen(&mut app, 80, 24);
    // Rows: boot, reload, script, end, log D/, … — hide debug logs, then every timer kind.
    keys(&mut app, "fjjjj ");
    let rows = screen(&mut app, 80, 24);
    assert!(rows.contains("[ ] D log D/"), "{rows}");
    keys(&mut app, &format!("{} j \x1b", "j".repeat(11)));
    assert_eq!(*app.mode(), Mode::Normal);
    let filtered = screen(&mut app, 80, 24);
    assert!(!filtered.contains("timers 1…3") && !filtered.contains("timer 2097152"), "timer lanes hidden:\n{filtered}");
    check_snapshot("filtered", &filtered);
}

#[test]
fn error_jumps_walk_error_events_and_error_logs() {
    let mut app = demo();
    screen(&mut app, 80, 24);
    keys(&mut app, "e");
    assert!(screen(&mut app, 80, 24).contains("text: sensor timeout"));
    keys(&mut app, "e");
    check_snapshot("error_jump", &screen(&mut app, 80, 24));
    keys(&mut app, "eeee");
    assert_eq!(status(&screen(&mut app, 80, 24)), "no later error");
    keys(&mut app, "E");
    let back = screen(&mut app, 80, 24);
    assert!(back.contains("text: sensor timeout") && back.contains("7.000000 s"), "{back}");
}

#[test]
fn detail_pane_shows_every_field_and_the_traceback() {
    let mut app = demo();
    screen(&mut app, 100, 32);
    keys(&mut app, "eee");
    check_snapshot("detail", &screen(&mut app, 100, 32));
}

#[test]
fn help_lists_every_key() {
    let mut app = demo();
    keys(&mut app, "?");
    let help = screen(&mut app, 80, 24);
    for (keys, what) in luasim_tui::HELP {
        assert!(help.contains(keys) && help.contains(what), "{keys} missing:\n{help}");
    }
    check_snapshot("help", &help);
    keys(&mut app, "x");
    assert_eq!(*app.mode(), Mode::Normal, "any key closes the help");
}

#[test]
fn the_verdict_panel_lists_expectations_and_jumps_to_a_failure() {
    let yaml = format!("{DEMO}expect:\n  - log: \"beat 2\"\n  - log: \"beat 9\"\n  - mqtt: dev/alert\n");
    let report = run_yaml(&yaml);
    let mut app = App::new(report.events, "tui_demo".into()).with_verdicts(report.outcomes);
    let overview = screen(&mut app, 100, 30);
    assert!(overview.lines().next().unwrap().contains("2 of 4 expectations FAILED (v)"), "{overview}");
    keys(&mut app, "v");
    assert_eq!(*app.mode(), Mode::Verdicts { row: 1 }, "opens on the first failure");
    check_snapshot("verdicts", &screen(&mut app, 100, 30));
    // The default "no errors" fails on the first error: Enter lands on it.
    keys(&mut app, "jj\n");
    assert_eq!(*app.mode(), Mode::Normal);
    let landed = screen(&mut app, 100, 30);
    assert!(landed.contains("text: sensor timeout") && landed.contains("2.100000 s"), "{landed}");
    let mut trace_only = demo();
    keys(&mut trace_only, "v");
    assert!(status(&screen(&mut trace_only, 80, 24)).starts_with("no verdicts"));
}

#[test]
fn search_jumps_between_matches() {
    let mut app = demo();
    screen(&mut app, 80, 24);
    keys(&mut app, "/beat 2");
    assert_eq!(status(&screen(&mut app, 80, 24)), "/beat 2█");
    keys(&mut app, "\n");
    check_snapshot("search", &screen(&mut app, 80, 24));
    keys(&mut app, "n");
    assert!(status(&screen(&mut app, 80, 24)).contains("/beat 2 2/2"));
    keys(&mut app, "n");
    assert_eq!(status(&screen(&mut app, 80, 24)), "no later match");
    keys(&mut app, "N\x1bn");
    assert!(status(&screen(&mut app, 80, 24)).starts_with("no search yet"));
}

#[test]
fn restarts_and_lane_steps() {
    let mut app = demo();
    screen(&mut app, 80, 24);
    keys(&mut app, "r");
    let at_reload = screen(&mut app, 80, 24);
    assert!(at_reload.contains("reload  lane device") && at_reload.contains("t 5.000000 s"), "{at_reload}");
    keys(&mut app, "R");
    assert!(screen(&mut app, 80, 24).contains("boot  lane device"));
    // The log lane: Tab steps through its events, BackTab back.
    keys(&mut app, "j\t\t");
    assert!(screen(&mut app, 80, 24).contains("text: 1"), "second console line is beat 1");
    key(&mut app, KeyCode::BackTab);
    assert!(screen(&mut app, 80, 24).contains("text: tick"));
    key(&mut app, KeyCode::End);
    assert!(status(&screen(&mut app, 80, 24)).starts_with("t 10.000000 s · tick 10000"));
    key(&mut app, KeyCode::Home);
    assert!(status(&screen(&mut app, 80, 24)).starts_with("t 0.000000 s · tick 0 "));
}

#[test]
fn pan_keeps_the_view_inside_the_run() {
    let mut app = demo();
    screen(&mut app, 80, 24);
    keys(&mut app, "++++");
    let zoomed = screen(&mut app, 80, 24);
    keys(&mut app, "H");
    assert_eq!(screen(&mut app, 80, 24), zoomed, "already at the start");
    keys(&mut app, "L");
    key(&mut app, KeyCode::PageDown);
    let panned = screen(&mut app, 80, 24);
    assert_ne!(panned, zoomed);
    key(&mut app, KeyCode::PageUp);
    keys(&mut app, "H");
    assert_eq!(screen(&mut app, 80, 24), zoomed);
}

#[test]
fn mouse_wheel_zooms_at_the_pointer_and_click_selects() {
    let mut app = demo();
    let before = status(&screen(&mut app, 80, 24));
    mouse(&mut app, MouseEventKind::ScrollUp, 40, 5);
    let after = status(&screen(&mut app, 80, 24));
    assert_ne!(before, after, "wheel zooms");
    mouse(&mut app, MouseEventKind::ScrollDown, 40, 5);
    assert_eq!(status(&screen(&mut app, 80, 24)), before, "and back out");
    // Row 3 is the log lane (header, axis, device, log); column 17 is the first time column.
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), 17, 3);
    let clicked = screen(&mut app, 80, 24);
    assert!(row(&clicked, 3).starts_with("▶log"), "{clicked}");
}

#[test]
fn quit_keys() {
    let mut app = demo();
    assert_eq!(key(&mut app, KeyCode::Char('q')), Flow::Quit);
    assert_eq!(app.handle_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), Flow::Quit);
}

#[test]
fn deep_sleep_is_shaded_in_the_device_lane() {
    let yaml = scenario(
        "{ profile: esp32s3, boot_ms: 300 }",
        "10s",
        "log.info('watch', 'awake', Node.wakeCause())\nNode.deepSleep(2000)",
    );
    let mut app = App::new(run_yaml(&yaml).events, "sleep".into());
    check_snapshot("deep_sleep", &screen(&mut app, 80, 24));
}

#[test]
fn small_terminals_and_empty_traces_do_not_panic() {
    let mut app = demo();
    for (w, h) in [(1, 1), (20, 5), (39, 30), (40, 12), (300, 100)] {
        screen(&mut app, w, h);
        keys(&mut app, "+-hl\tee/x\nf j\x1b");
    }
    assert!(screen(&mut app, 30, 8).contains("needs at least"));
    let mut empty = App::new(Vec::<Event>::new(), "empty".into());
    keys(&mut empty, "+-0hljk\teErRnN?x");
    screen(&mut empty, 80, 24);
    mouse(&mut empty, MouseEventKind::ScrollUp, 40, 5);
    mouse(&mut empty, MouseEventKind::Down(MouseButton::Left), 40, 3);
}

/// A fleet's graphs (per device) that do not fit the third of the screen they get are left
/// out, never drawn over the panes or past the screen.
#[test]
fn a_big_fleet_s_graphs_stay_in_their_rows() {
    let device = |n: usize| {
        format!("  - name: d{n}\n    device: esp32\n    scripts: {{ main.lua: \"RTC.set('n', {n}) sys.timerStart(function() Node.deepSleep(500) end, 100) sys.run()\" }}\n")
    };
    let yaml = format!("name: big\nduration: 3s\ndevices:\n{}", (0..12).map(device).collect::<String>());
    let mut app = App::new(run_yaml(&yaml).events, "big".into());
    assert!(screen(&mut app, 200, 60).contains("d0 heap"), "the first device's graphs are drawn");
    for (w, h) in [(80, 24), (120, 40), (200, 60), (40, 12)] {
        let shown = screen(&mut app, w, h);
        let last = shown.lines().last().unwrap_or_default();
        assert!(last.starts_with("\"t "), "the status line is still the last: {last}");
        assert!(shown.contains("┌ log"), "the panes are still there:\n{shown}");
    }
}

/// The figures the README gives for a year of minute wakes (about a million events). Timing
/// depends on the machine, so this runs on request:
/// `cargo test --release -p luasim-tests --test tui -- --ignored --nocapture`.
#[test]
#[ignore]
fn a_million_events_stay_responsive() {
    use std::time::{Duration, Instant};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/minute_task_year.yaml");
    let scenario = luasim_core::scenario::Scenario::load(&path, &luasim_core::scenario::HostFiles).expect("scenario");
    let events = luasim_core::runtime::run(
        &scenario,
        &luasim_core::runtime::RunOptions { keep_events: true, ..Default::default() },
    )
    .expect("run")
    .events;
    let count = events.len();
    let started = Instant::now();
    let mut app = App::new(events, "year".into());
    let index = started.elapsed();
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("test backend");
    let (mut slowest_key, mut slowest_frame, mut frames) = (Duration::ZERO, Duration::ZERO, Vec::new());
    for code in "++++++++++++++++++++LLLL\tjj\teeErrR0-".chars().map(KeyCode::Char).chain([KeyCode::End, KeyCode::Home])
    {
        let started = Instant::now();
        key(&mut app, code);
        slowest_key = slowest_key.max(started.elapsed());
        let started = Instant::now();
        terminal.draw(|frame| draw(frame, &mut app)).expect("draw");
        frames.push(started.elapsed());
        slowest_frame = slowest_frame.max(started.elapsed());
    }
    frames.sort();
    let median = frames[frames.len() / 2];
    let started = Instant::now();
    keys(&mut app, "/day 200\n");
    let search = started.elapsed();
    println!(
        "{count} events: index {index:?}; slowest key {slowest_key:?}; frames (200×50) median {median:?}, \
         slowest {slowest_frame:?}; search {search:?}"
    );
    assert!(slowest_frame < Duration::from_millis(100), "a frame took {slowest_frame:?}");
}

#[test]
fn a_fleet_has_one_group_of_lanes_per_device() {
    let path = repo_root().join("scenarios/fleet_sensor_gateway.yaml");
    let scenario = luasim_core::scenario::Scenario::load(&path, &luasim_core::scenario::HostFiles).expect("loads");
    let options = luasim_core::runtime::RunOptions { keep_events: true, ..Default::default() };
    let report = luasim_core::runtime::run(&scenario, &options).expect("runs");
    let mut app = App::new(report.events, scenario.name);
    let shown = screen(&mut app, 120, 40);
    for device in ["gateway", "sensor1", "sensor2"] {
        assert!(shown.contains(&format!("{device} device")), "{shown}");
    }
    assert!(shown.contains("sensor1 I/user.sensor s1 wake"), "the log pane names the device: {shown}");
    check_snapshot("a_fleet_has_one_group_of_lanes_per_device", &shown);
}
