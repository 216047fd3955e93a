//! `luasim check` on the candidates under `tests/check/`: each broken one gives one clear,
//! specific error naming its file and line, or the budget it breaks; the good one is ready to
//! push; `--against` shows what a changed threshold does; the binary's exit codes and JSON.

use luasim_check::{check, CheckOptions, CheckReport, Finding, Severity};
use luasim_tests::luasim_binary;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Checks the candidate files `tests/check/<names>` against `tests/check/scenarios`.
fn check_candidate(names: &[&str], device: Option<&str>) -> CheckReport {
    let options = CheckOptions {
        scripts: names.iter().map(|n| root().join("tests/check").join(n)).collect(),
        device: device.map(str::to_string),
        scenarios: Some(root().join("tests/check/scenarios")),
        jobs: 2,
        ..CheckOptions::default()
    };
    check(&options).unwrap_or_else(|e| panic!("{e}"))
}

/// The one error of a report (and no warnings), or a failure listing what there is.
fn the_error(report: &CheckReport) -> &Finding {
    let problems: Vec<&Finding> = report.findings.iter().filter(|f| f.severity != Severity::Info).collect();
    match problems.as_slice() {
        [one] if one.severity == Severity::Error => one,
        _ => panic!("expected exactly one error, got:\n{}", report.render(false)),
    }
}

fn place(f: &Finding) -> (String, Option<usize>, Option<usize>) {
    let file = f.file.as_deref().unwrap_or_default();
    let short = file.split("tests/check/").last().unwrap_or(file).to_string();
    (short, f.line, f.column)
}

#[test]
fn a_syntax_error_near_the_end_of_a_40_kb_file_names_line_and_column() {
    let size = std::fs::metadata(root().join("tests/check/syntax_error/rules.lua")).unwrap().len();
    assert!(size > 40_000, "the candidate is a 40 KB file ({size} bytes)");
    let report = check_candidate(&["syntax_error/rules.lua"], None);
    let e = the_error(&report);
    assert_eq!((e.code.as_str(), place(e)), ("syntax", ("syntax_error/rules.lua".into(), Some(1302), Some(5))));
    assert_eq!(e.message, "'then' expected near 'Log'");
    assert!(e.help.as_deref().unwrap_or_default().contains("end of line 1301"), "{e:#?}");
    assert!(report.scenarios.is_empty(), "nothing runs before the scripts parse");
    assert!(!report.ready());
}

#[test]
fn a_typo_in_a_binding_name_is_found_by_the_lint_and_confirmed_at_run_time() {
    let report = check_candidate(&["binding_typo/rules.lua"], None);
    let e = the_error(&report);
    assert_eq!((e.code.as_str(), place(e)), ("unknown-field", ("binding_typo/rules.lua".into(), Some(10), Some(16))));
    assert_eq!(e.help.as_deref(), Some("did you mean `Telegram.broadcast`?"));
    assert!(e.notes.iter().any(|n| n.contains("attempt to call a nil value (field 'brodcast')")), "{e:#?}");
}

#[test]
fn a_config_key_no_scenario_has_is_a_warning_with_the_nearest_key() {
    let report = check_candidate(&["config_typo/rules.lua"], Some("esp32"));
    let warnings: Vec<&Finding> = report.findings.iter().filter(|f| f.severity == Severity::Warning).collect();
    assert_eq!(warnings.len(), 1, "{}", report.render(false));
    let w = warnings[0];
    assert_eq!((w.code.as_str(), place(w)), ("config-key", ("config_typo/rules.lua".into(), Some(4), Some(31))));
    assert!(w.message.contains("did you mean `alerts.overtemp_threshold`?"), "{}", w.message);
    assert!(!report.findings.iter().any(|f| f.severity == Severity::Error), "{}", report.render(false));
}

#[test]
fn telegram_on_a_build_without_it_is_an_error_for_that_device_only() {
    let report = check_candidate(&["telegram_unguarded/rules.lua"], Some("esp32"));
    let e = the_error(&report);
    assert_eq!(
        (e.code.as_str(), place(e)),
        ("missing-module", ("telegram_unguarded/rules.lua".into(), Some(7), Some(5)))
    );
    assert!(e.message.starts_with("`Telegram` is not on esp32"), "{e:#?}");
    let on_s3 = check_candidate(&["telegram_unguarded/rules.lua"], Some("esp32s3"));
    assert!(on_s3.ready() && on_s3.findings.is_empty(), "{}", on_s3.render(false));
}

#[test]
fn a_65th_concurrent_timer_breaks_the_timer_budget() {
    let report = check_candidate(&["timers_65/rules.lua"], None);
    let e = the_error(&report);
    assert_eq!((e.code.as_str(), place(e)), ("timers", ("timers_65/rules.lua".into(), Some(5), None)));
    assert!(e.message.contains("timer number 65 was refused in the callback EventBus sensor.temperature"), "{e:#?}");
    assert!(e.message.contains("all 64 rtos timer slots were busy"), "{e:#?}");
    assert_eq!((e.scenarios.as_slice(), e.at_us), (&["boiler_busy".to_string()][..], Some(330_000_000)));
    let busy = report.scenarios.iter().find(|s| s.name == "boiler_busy").unwrap();
    assert_eq!((busy.stats.timers_peak, busy.stats.timer_slots), (64, 64));
}

#[test]
fn a_history_that_overflows_the_sleep_region_names_the_line_and_the_bytes() {
    let report = check_candidate(&["history_overflow/rules.lua"], None);
    let e = the_error(&report);
    assert_eq!((e.code.as_str(), place(e)), ("sleep-region", ("history_overflow/rules.lua".into(), Some(8), None)));
    assert!(
        e.message
            .starts_with("sleep region: RTC.set: storing 'history' wants 16391 bytes but only 16368 of the 16384-byte"),
        "{e:#?}"
    );
}

#[test]
fn a_rule_registered_twice_fires_twice_for_one_event() {
    let report = check_candidate(&["double_fire/main.lua", "double_fire/rules.lua"], None);
    let e = the_error(&report);
    assert_eq!((e.code.as_str(), place(e).0), ("reload-double-fire", "double_fire/rules.lua".into()));
    assert!(e.message.starts_with("the rule for `EventBus sensor.temperature` fires twice for one event"), "{e:#?}");
    assert!(e.message.ends_with("both sent `log W/lua overtemp: 85`"), "{e:#?}");
}

#[test]
fn behaviour_that_changes_after_reloads_is_an_error() {
    let report = check_candidate(&["reload_state/rules.lua"], None);
    let e = the_error(&report);
    assert_eq!((e.code.as_str(), place(e)), ("reload-behaviour", ("reload_state/rules.lua".into(), Some(9), None)));
    assert!(e.message.contains("the first diverging output, after the step `event sensor.temperature {\"value\":85}` at 1.000000 s, is `mqtt boiler1/alert overtemp 85 (load 3)` where a fresh boot has `mqtt boiler1/alert overtemp 85 (load 1)`"), "{e:#?}");
    assert!(
        e.notes
            .iter()
            .any(|n| n.ends_with("two reloads at boot, then event sensor.temperature {\"value\":85} at 1.000000 s")),
        "{e:#?}"
    );
}

#[test]
fn an_infinite_loop_in_a_callback_trips_the_watchdog_at_its_line() {
    let report = check_candidate(&["infinite_loop/rules.lua"], None);
    let e = the_error(&report);
    assert_eq!((e.code.as_str(), place(e)), ("watchdog", ("infinite_loop/rules.lua".into(), Some(7), None)));
    assert!(e.message.starts_with("watchdog: Lua ran for more than 5000 ms of CPU time"), "{e:#?}");
}

#[test]
fn scripts_whose_data_does_not_fit_the_target_heap_run_out_of_memory() {
    let report = check_candidate(&["heap_hog/rules.lua"], Some("esp32"));
    let e = the_error(&report);
    assert_eq!((e.code.as_str(), place(e).0), ("heap", "heap_hog/rules.lua".into()));
    assert!(e.message.ends_with("does not fit the 128.0 KB Lua heap of esp32"), "{e:#?}");
    let on_s3 = check_candidate(&["heap_hog/rules.lua"], None);
    assert!(on_s3.ready(), "{}", on_s3.render(false));
    assert!(on_s3
        .scenarios
        .iter()
        .all(|s| s.stats.heap_peak_bytes > 512 * 1024 && s.stats.heap_limit_bytes == 2 << 20));
}

#[test]
fn a_good_candidate_is_ready_to_push() {
    let report = check_candidate(&["good/rules.lua"], Some("esp32"));
    assert!(report.ready() && report.findings.is_empty(), "{}", report.render(false));
    assert_eq!(report.scenarios.len(), 2);
    assert!(report.scenarios.iter().all(|s| s.expectations_held && s.stats.heap_limit_bytes == 131_072));
}

#[test]
fn against_the_deployed_boiler_a_higher_threshold_drops_the_first_alert() {
    let options = CheckOptions {
        scripts: vec![root().join("tests/check/threshold/rules.lua")],
        scenarios: Some(root().join("tests/check/scenarios")),
        against: Some(root().join("lua/examples/boiler")),
        jobs: 2,
        ..CheckOptions::default()
    };
    let report = check(&options).unwrap();
    assert!(report.ready(), "{}", report.render(false));
    let d = report.divergences.iter().find(|d| d.scenario == "boiler_events").unwrap();
    assert_eq!(d.deployed.as_ref().unwrap().to_string(), "1.000000 s  log W/lua overtemp: 85");
    assert_eq!(d.candidate.as_ref().unwrap().to_string(), "3.000000 s  log W/lua overtemp: 90");
    assert!(report.render(false).contains("boiler_events: first divergence at 1.000000 s"));
}

fn luasim_check(args: &[&str]) -> std::process::Output {
    Command::new(luasim_binary()).arg("check").args(args).current_dir(root()).output().expect("luasim runs")
}

#[test]
fn exit_codes_are_0_ready_1_problems_2_could_not_check() {
    let scenarios = ["--scenarios", "tests/check/scenarios"];
    let good = luasim_check(&[&["tests/check/good/rules.lua"], &scenarios[..]].concat());
    assert_eq!(good.status.code(), Some(0), "{}", String::from_utf8_lossy(&good.stdout));
    assert!(String::from_utf8_lossy(&good.stdout).contains("ready to push: 0 errors, 0 warnings"));
    let typo = luasim_check(&[&["tests/check/binding_typo/rules.lua"], &scenarios[..]].concat());
    assert_eq!(typo.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&typo.stdout);
    assert!(stdout.contains("error[unknown-field]: tests/check/binding_typo/rules.lua:10:16:"), "{stdout}");
    assert!(!stdout.contains('\x1b'), "no colour when stdout is not a terminal");
    for args in [&["no/such/rules.lua"][..], &["tests/check/good/rules.lua", "--device", "esp8266"][..]] {
        let out = luasim_check(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn json_output_carries_the_findings() {
    let out = luasim_check(&[
        "tests/check/telegram_unguarded/rules.lua",
        "--device",
        "esp32",
        "--scenarios",
        "tests/check/scenarios",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let finding = &json["findings"][0];
    assert_eq!(
        (finding["code"].as_str(), finding["line"].as_u64(), finding["severity"].as_str()),
        (Some("missing-module"), Some(7), Some("error"))
    );
    assert_eq!(json["scenarios"].as_array().map(Vec::len), Some(2));
}
