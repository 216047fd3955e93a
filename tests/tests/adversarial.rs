//! The adversarial corpus (`tests/adversarial/*.yaml`): hostile scenario files and scripts, each
//! run as the `luasim` binary under a host wall-time and memory limit. Every case must end in a
//! clear report: exit 1 (the run failed) or 2 (it could not run), never a signal, a panic, a
//! host out-of-memory or a hang; the report names what went wrong and where.
//!
//! Each case pins its own outcome in its first line, for example
//! `# expect: exit 2, stderr contains "duration: `10` has no unit"`; every `contains` clause
//! must hold, and every `lacks` clause (`stderr lacks "did you mean"`) must not. On top of that, exit 2 must name the case's file on stderr, and exit 1 must print
//! an `ERROR` line with its virtual time and a device file, or a failed expectation.

use luasim_tests::{luasim_binary, repo_root};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Host wall time a case may take before it counts as a hang and is killed.
const WALL_LIMIT: Duration = Duration::from_secs(20);
/// Address space a case may map (the binary, its threads and every allocation).
const MEMORY_LIMIT_BYTES: u64 = 1 << 30;
/// The host-time safety net's limit inside luasim, short so that cases stuck in C end quickly.
const HOST_TIME_LIMIT: &str = "2s";
/// Cases run at once.
const WORKERS: usize = 4;

/// What a case's first line promises.
#[derive(Debug, PartialEq)]
struct Expect {
    exit: i32,
    /// (stream, must contain, text): `stdout` or `stderr` must contain `text`, or must not.
    clauses: Vec<(String, bool, String)>,
}

/// Parses `# expect: exit N, stdout contains "text", stderr lacks "text"`; inside a quoted
/// text `\"` is a quote and `\\` a backslash.
fn parse_expect(line: &str) -> Result<Expect, String> {
    let rest = line.strip_prefix("# expect: exit ").ok_or("the first line must start with `# expect: exit `")?;
    let (code, mut rest) = rest.split_at(rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len()));
    let exit = code.parse().map_err(|_| format!("`{code}` is not an exit code"))?;
    let mut clauses = Vec::new();
    while !rest.trim().is_empty() {
        let clause = rest.strip_prefix(", ").ok_or_else(|| format!("expected `, ` before `{rest}`"))?;
        let (stream, verb, clause) = [" contains \"", " lacks \""]
            .iter()
            .find_map(|verb| clause.split_once(verb).map(|(s, c)| (s, *verb, c)))
            .ok_or_else(|| format!("expected `contains \"` or `lacks \"` in `{clause}`"))?;
        if stream != "stdout" && stream != "stderr" {
            return Err(format!("`{stream}` is not stdout or stderr"));
        }
        let mut text = String::new();
        let mut chars = clause.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => text.push(chars.next().ok_or("a quoted text ends in a backslash")?.1),
                Some((i, '"')) => break i,
                Some((_, c)) => text.push(c),
                None => return Err("a quoted text is not closed".into()),
            }
        };
        clauses.push((stream.to_string(), verb == " contains \"", text));
        rest = &clause[end + 1..];
    }
    Ok(Expect { exit, clauses })
}

/// What one run of `luasim run CASE` gave.
struct Outcome {
    /// The exit code; `None` when a signal ended the process or it was killed as a hang.
    code: Option<i32>,
    timed_out: bool,
    wall: Duration,
    stdout: String,
    stderr: String,
}

/// Runs a case with the memory limit set in the child before `exec`, killing it after the
/// wall-time limit.
fn run_case(path: &Path) -> Outcome {
    let mut command = Command::new(luasim_binary());
    command
        .args(["run", &path.to_string_lossy()])
        .current_dir(repo_root())
        .env("LUASIM_HOST_TIME_LIMIT", HOST_TIME_LIMIT)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: only async-signal-safe calls (setrlimit) between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let memory = libc::rlimit { rlim_cur: MEMORY_LIMIT_BYTES, rlim_max: MEMORY_LIMIT_BYTES };
            let no_core = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            if libc::setrlimit(libc::RLIMIT_AS, &memory) != 0 || libc::setrlimit(libc::RLIMIT_CORE, &no_core) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("luasim starts");
    let mut stdout_pipe = child.stdout.take().expect("piped stdout");
    let mut stderr_pipe = child.stderr.take().expect("piped stderr");
    let read_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut s);
        s
    });
    let read_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut s);
        s
    });
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting on luasim") {
            break status;
        }
        if started.elapsed() > WALL_LIMIT {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("reaping luasim");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    Outcome {
        code: status.code(),
        timed_out,
        wall: started.elapsed(),
        stdout: text(read_out.join().expect("stdout reader")),
        stderr: text(read_err.join().expect("stderr reader")),
    }
}

/// Everything wrong with one case's outcome (empty when it behaved).
fn check(name: &str, expect: &Expect, out: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if out.timed_out {
        problems.push(format!("still running after {} s: killed as a hang", WALL_LIMIT.as_secs()));
    }
    match out.code {
        Some(1 | 2) => {}
        Some(101) => problems.push("exit 101: luasim panicked".into()),
        Some(code) => problems.push(format!("exit {code}, not 1 or 2")),
        None => problems.push("ended by a signal (a crash, or the memory limit)".into()),
    }
    if out.code != Some(expect.exit) {
        problems.push(format!("exit {:?}, the case expects {}", out.code, expect.exit));
    }
    if out.stderr.contains("panicked") {
        problems.push("stderr mentions a panic".into());
    }
    for (stream, wanted, text) in &expect.clauses {
        let haystack = if stream == "stdout" { &out.stdout } else { &out.stderr };
        match (haystack.contains(text.as_str()), wanted) {
            (false, true) => problems.push(format!("{stream} does not contain {text:?}")),
            (true, false) => problems.push(format!("{stream} contains {text:?}")),
            _ => {}
        }
    }
    match out.code {
        Some(2) if !(out.stderr.starts_with("luasim: ") && out.stderr.contains(&format!("{name}.yaml"))) => {
            problems.push("exit 2 without `luasim: <case>.yaml...` on stderr".into());
        }
        Some(1) if !names_a_failure(&out.stdout) => {
            problems.push("exit 1 without an ERROR line (virtual time, device file) or a failed expectation".into());
        }
        _ => {}
    }
    problems
}

/// An `ERROR` event line with its virtual time that names a file on the device, or a failed
/// expectation in the summary.
fn names_a_failure(stdout: &str) -> bool {
    stdout.lines().any(|line| {
        let mut fields = line.split_whitespace();
        let timed = fields.next().is_some_and(|t| t.split_once('.').is_some_and(|(_, us)| us.len() == 6));
        let ticked = fields.next().is_some_and(|t| t.parse::<u32>().is_ok());
        let error = fields.next() == Some("ERROR") && line.contains("/scripts/");
        (timed && ticked && error) || line.starts_with("expect     FAIL")
    })
}

fn corpus() -> Vec<PathBuf> {
    let dir = repo_root().join("tests/adversarial");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/adversarial exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.strip_prefix(repo_root()).expect("below the root").to_path_buf())
        .collect();
    cases.sort();
    cases
}

#[test]
fn expect_lines_parse() {
    let e = parse_expect(r#"# expect: exit 2, stderr contains "a \"b\", c", stdout lacks "\\d""#).unwrap();
    let clauses = vec![("stderr".into(), true, "a \"b\", c".into()), ("stdout".into(), false, "\\d".into())];
    assert_eq!(e, Expect { exit: 2, clauses });
    assert_eq!(parse_expect("# expect: exit 1").unwrap(), Expect { exit: 1, clauses: vec![] });
    assert!(parse_expect("# expect: exit 1, stdin contains \"x\"").is_err());
    assert!(parse_expect("# expect: exit 1, stdout has \"x\"").is_err());
    assert!(parse_expect("# expect: exit 1, stdout contains \"open").is_err());
    assert!(parse_expect("# nothing").is_err());
}

#[test]
fn failures_are_recognised() {
    assert!(names_a_failure("      1.000000       1000 ERROR    script /scripts/main.lua: boom\n"));
    assert!(names_a_failure("expect     FAIL log \"x\" (seen 0)\n"));
    assert!(!names_a_failure("      1.000000       1000 log      ERROR /scripts/x\n"));
    assert!(!names_a_failure("verdict    FAIL\n"));
}

#[test]
fn every_adversarial_case_ends_in_a_clear_report() {
    let cases = corpus();
    assert!(cases.len() >= 40, "the corpus has {} cases, fewer than 40", cases.len());
    luasim_binary();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                while let Some(path) = cases.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let name = path.file_stem().expect("a file name").to_string_lossy().into_owned();
                    let bytes = std::fs::read(repo_root().join(path)).expect("readable case");
                    let first =
                        String::from_utf8_lossy(bytes.split(|b| *b == b'\n').next().unwrap_or_default()).into_owned();
                    let problems = match parse_expect(&first) {
                        Err(e) => vec![format!("bad first line: {e}")],
                        Ok(expect) => check(&name, &expect, &run_case(path)),
                    };
                    if !problems.is_empty() {
                        failures.lock().unwrap().push(format!("{}: {}", path.display(), problems.join("; ")));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{} of {} cases misbehaved:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// Guards the corpus runner itself: a case whose promise does not hold must be reported.
#[test]
fn a_broken_promise_is_caught() {
    let path = Path::new("tests/adversarial/duration_without_unit.yaml");
    let out = run_case(path);
    let wrong = Expect {
        exit: 1,
        clauses: vec![("stderr".into(), true, "no such text".into()), ("stderr".into(), false, "no unit".into())],
    };
    let problems = check("duration_without_unit", &wrong, &out);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(out.wall < WALL_LIMIT);
}
