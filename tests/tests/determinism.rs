//! Determinism: every bundled scenario (`scenarios/*.yaml`), run three times as separate
//! `luasim` processes, prints a byte-identical trace and summary (all but the wall-clock line).
//! Traces up to 50,000 lines are compared line by line, longer ones by a hash of their text.

use luasim_tests::{luasim_binary, repo_root};
use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Runs compared.
const RUNS: usize = 3;
/// Longest trace kept in full; longer ones are compared by hash.
const MAX_COMPARED_LINES: usize = 50_000;
/// Runs at once.
const WORKERS: usize = 4;

/// One run's output without its wall-clock line: the text when short enough, and always a hash
/// of every line with the line count.
#[derive(Debug, PartialEq)]
struct Output {
    lines: usize,
    hash: u64,
    text: Option<Vec<String>>,
}

fn run(scenario: &Path) -> Output {
    let mut child = Command::new(luasim_binary())
        .args(["run", &scenario.to_string_lossy()])
        .current_dir(repo_root())
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("luasim starts");
    let (mut lines, mut hasher, mut text) = (0, DefaultHasher::new(), Some(Vec::new()));
    for line in BufReader::new(child.stdout.take().expect("piped stdout")).lines() {
        let line = line.expect("a trace is text");
        if line.starts_with("wall ") {
            continue;
        }
        lines += 1;
        hasher.write(line.as_bytes());
        hasher.write_u8(b'\n');
        if lines > MAX_COMPARED_LINES {
            text = None;
        }
        if let Some(kept) = &mut text {
            kept.push(line);
        }
    }
    let status = child.wait().expect("luasim ends");
    assert!(matches!(status.code(), Some(0 | 1)), "{}: {status}", scenario.display());
    Output { lines, hash: hasher.finish(), text }
}

fn bundled_scenarios() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(repo_root().join("scenarios"))
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.strip_prefix(repo_root()).expect("below the root").to_path_buf())
        .collect();
    found.sort();
    found
}

/// The first line where two runs differ, for the failure message.
fn first_difference(a: &Output, b: &Output) -> String {
    match (&a.text, &b.text) {
        (Some(a), Some(b)) => match a.iter().zip(b).position(|(x, y)| x != y) {
            Some(i) => format!("line {}: {:?} vs {:?}", i + 1, a[i], b[i]),
            None => format!("{} vs {} lines", a.len(), b.len()),
        },
        _ => format!("{} lines hashing to {:x} vs {} lines hashing to {:x}", a.lines, a.hash, b.lines, b.hash),
    }
}

#[test]
#[cfg_attr(
    feature = "lua53",
    ignore = "Lua 5.3 mixes heap and stack addresses into its string-hash seed (README, Determinism)"
)]
fn every_bundled_scenario_gives_the_same_trace_three_times() {
    let scenarios = bundled_scenarios();
    assert!(scenarios.len() >= 20, "only {} bundled scenarios found", scenarios.len());
    luasim_binary();
    let jobs: Vec<(usize, &PathBuf)> = scenarios.iter().enumerate().flat_map(|s| [s; RUNS]).collect();
    let next = AtomicUsize::new(0);
    let outputs: Mutex<Vec<Vec<Output>>> = Mutex::new(scenarios.iter().map(|_| Vec::new()).collect());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                while let Some((index, path)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let output = run(path);
                    outputs.lock().unwrap()[*index].push(output);
                }
            });
        }
    });
    let differences: Vec<String> = scenarios
        .iter()
        .zip(outputs.into_inner().unwrap())
        .filter_map(|(path, outputs)| {
            let odd = outputs.iter().position(|o| *o != outputs[0])?;
            let at = first_difference(&outputs[0], &outputs[odd]);
            Some(format!("{}: two of its {RUNS} runs differ at {at}", path.display()))
        })
        .collect();
    assert!(differences.is_empty(), "non-deterministic traces:\n{}", differences.join("\n"));
}

/// The host's environment reaches nothing a run prints: Lua's `package` would read LUA_PATH
/// and LUA_CPATH (changing the heap figures), and locale or time zone variables must not move
/// a number or a date either.
#[test]
#[cfg_attr(
    feature = "lua53",
    ignore = "Lua 5.3 mixes heap and stack addresses into its string-hash seed, so its heap peak moves from one run to the next (README, Determinism)"
)]
fn the_hosts_environment_changes_no_figure_or_line() {
    let run_with = |env: &[(&str, String)]| {
        let mut command = Command::new(luasim_binary());
        command.args(["run", "scenarios/boiler_reload.yaml"]).current_dir(repo_root());
        for (name, _) in HOSTILE {
            command.env_remove(name);
        }
        command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        let out = command.output().expect("luasim runs");
        let text = String::from_utf8(out.stdout).expect("text");
        text.lines().filter(|l| !l.starts_with("wall ")).collect::<Vec<_>>().join("\n")
    };
    let long = "/tmp/?.lua;".repeat(400);
    let hostile: Vec<(&str, String)> =
        HOSTILE.iter().map(|(k, v)| (*k, if v.is_empty() { long.clone() } else { v.to_string() })).collect();
    let clean = run_with(&[]);
    assert!(clean.contains("lua heap   peak"), "{clean}");
    let with_env = run_with(&hostile);
    let differing = clean.lines().zip(with_env.lines()).find(|(a, b)| a != b);
    assert_eq!(differing, None, "the host's environment changed a line");
    assert_eq!(clean.lines().count(), with_env.lines().count());
}

/// Variables a Lua developer's shell may well have (an empty value stands for a long path).
const HOSTILE: [(&str, &str); 8] = [
    ("LUA_PATH", ""),
    ("LUA_PATH_5_4", ""),
    ("LUA_CPATH", ""),
    ("LUA_CPATH_5_4", ""),
    ("LUA_INIT", "print('host init')"),
    ("LC_ALL", "de_DE.UTF-8"),
    ("TZ", "Asia/Kolkata"),
    ("LANG", "de_DE.UTF-8"),
];
