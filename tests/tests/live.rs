//! `luasim live` against a real broker: each test starts its own mosquitto on a free loopback
//! port and stops it at the end, listens with a real `mosquitto_sub`, and speaks to the device
//! with `mosquitto_pub`. Without mosquitto the tests that need it skip with the reason, except
//! under `CI=true`, where `.ci/run` installs it and its absence fails them. Every process is
//! killed at the end of its test, and every wait is bounded.

use luasim_tests::{luasim_binary, repo_root};
use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A child process killed when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A mosquitto of this test's own on 127.0.0.1:`port`, with its config in a temporary folder.
struct Mosquitto {
    port: u16,
    dir: PathBuf,
    process: Option<Killed>,
}

impl Mosquitto {
    /// Starts a broker, or `None` (with the reason printed) when mosquitto is not installed and
    /// this is not CI.
    fn start(test: &str) -> Option<Mosquitto> {
        if !installed("mosquitto") || !installed("mosquitto_sub") || !installed("mosquitto_pub") {
            let why = "mosquitto and mosquitto-clients are not installed (apt-get install mosquitto mosquitto-clients)";
            assert!(!on_ci(), "CI=true but {why}: .ci/run installs them");
            eprintln!("skipping {test}: {why}");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("luasim-live-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut broker = Mosquitto { port: free_port(), dir, process: None };
        broker.restart();
        Some(broker)
    }

    /// (Re)starts the broker on its port and waits until it takes connections.
    fn restart(&mut self) {
        let config = self.dir.join("mosquitto.conf");
        std::fs::write(&config, format!("listener {} 127.0.0.1\nallow_anonymous true\n", self.port)).unwrap();
        let child = Command::new(program("mosquitto").expect("installed"))
            .arg("-c")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto starts");
        let mut process = Killed(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(process.0.try_wait().unwrap().is_none(), "mosquitto exited on port {}", self.port);
            assert!(Instant::now() < deadline, "mosquitto took no connection on port {} within 10 s", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
        self.process = Some(process);
    }

    fn stop(&mut self) {
        self.process = None;
    }

    fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// Publishes one message at QoS 1 with `mosquitto_pub` (`-f FILE` or `-m TEXT` in `payload`).
    fn publish(&self, topic: &str, payload: &[&str]) {
        let status = Command::new(program("mosquitto_pub").expect("installed"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q", "1", "-t", topic])
            .args(payload)
            .stdin(Stdio::null())
            .status()
            .expect("mosquitto_pub runs");
        assert!(status.success(), "mosquitto_pub {topic}: {status}");
    }

    /// A real subscriber to `#`, subscribed when this returns (it has seen a probe message).
    fn subscriber(&self) -> Lines {
        let child = Command::new(program("mosquitto_sub").expect("installed"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-t", "#", "-v"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto_sub starts");
        let sub = Lines::read(child);
        ask_until(self, &sub, "test/probe", "ready", "test/probe ready");
        sub
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.process = None;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where `program` is: on PATH, or in /usr/sbin (Debian's mosquitto, off a user's PATH).
fn program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).chain([PathBuf::from("/usr/sbin")]).map(|dir| dir.join(name)).find(|p| p.is_file())
}

fn installed(name: &str) -> bool {
    program(name).is_some()
}

fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A loopback port nothing listens on (the system's choice, released at once).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The stdout lines of a process, collected as they come by a thread.
struct Lines {
    process: Killed,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Lines {
    fn read(mut child: Child) -> Lines {
        let out = child.stdout.take().expect("stdout piped");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let into = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { return };
                into.lock().unwrap().push(line);
            }
        });
        Lines { process: Killed(child), lines, reader: Some(reader) }
    }

    fn all(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    fn has(&self, what: impl Fn(&str) -> bool) -> bool {
        self.lines.lock().unwrap().iter().any(|l| what(l))
    }

    /// Waits until a line satisfies `what`; fails the test after `limit`.
    fn wait_for(&self, what: impl Fn(&str) -> bool, limit: Duration, waiting_for: &str) {
        let deadline = Instant::now() + limit;
        while !self.has(&what) {
            assert!(Instant::now() < deadline, "no {waiting_for} within {limit:?}; lines:\n{}", self.all().join("\n"));
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the process to exit within `limit` (else kills it and fails), and returns its
    /// status and every line it printed.
    fn finish(mut self, limit: Duration) -> (ExitStatus, Vec<String>) {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.process.0.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "still running after {limit:?}:\n{}", self.all().join("\n"));
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        (status, self.all())
    }
}

/// `luasim live SCENARIO --broker URL ARGS...`, run from the repository's root.
fn live(scenario: &Path, broker: &str, args: &[&str]) -> Lines {
    let child = Command::new(luasim_binary())
        .arg("live")
        .arg(scenario)
        .args(["--broker", broker])
        .args(args)
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("luasim starts");
    Lines::read(child)
}

/// Sends `topic payload` until `sub` sees `answer` (the device may not have subscribed yet).
fn ask_until(broker: &Mosquitto, sub: &Lines, topic: &str, payload: &str, answer: &str) {
    let deadline = Instant::now() + Duration::from_secs(6);
    while !sub.has(|l| l == answer) {
        assert!(Instant::now() < deadline, "no `{answer}` on the broker; it saw:\n{}", sub.all().join("\n"));
        broker.publish(topic, &["-m", payload]);
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn the_acceptance_session_exits_0_and_a_real_subscriber_sees_its_publishes() {
    let Some(broker) = Mosquitto::start("acceptance") else { return };
    let sub = broker.subscriber();
    let session = live(Path::new("scenarios/boiler_reload.yaml"), &broker.url(), &["--for", "8s"]);
    session.wait_for(
        |l| l.contains("sub      #1 gen=1 MQTT boiler1/cmd/ping"),
        Duration::from_secs(10),
        "subscription",
    );
    ask_until(&broker, &sub, "boiler1/cmd/ping", "hi", "boiler1/pong hi");
    let (status, out) = session.finish(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "{}", out.join("\n"));
    assert!(out.iter().any(|l| l.contains("inject   mqtt boiler1/cmd/ping hi")), "{}", out.join("\n"));
    assert!(out.iter().any(|l| l.contains("mqtt>    boiler1/pong hi")));
    assert!(out.iter().any(|l| l == "verdict    PASS"), "the summary as `run` prints it");
}

#[test]
fn a_temperature_driven_alert_reaches_a_real_subscriber() {
    let Some(broker) = Mosquitto::start("alert") else { return };
    let sub = broker.subscriber();
    let scenario = Path::new("scenarios/boiler_without_telegram.yaml");
    let session = live(scenario, &broker.url(), &["--speed", "4", "-q"]);
    let (status, out) = session.finish(Duration::from_secs(15));
    sub.wait_for(|l| l == "boiler1/alert overtemp 85", Duration::from_secs(5), "alert on the broker");
    // The scenario's own ping is an `mqtt` step: it enters the device, not the broker.
    assert!(!sub.has(|l| l.starts_with("boiler1/cmd/ping")));
    assert!(sub.has(|l| l == "boiler1/pong hello"), "the device's answer went out");
    assert_eq!(status.code(), Some(0), "{}", out.join("\n"));
}

#[test]
fn an_uploaded_rules_file_and_a_reload_make_only_the_new_rule_fire() {
    let Some(broker) = Mosquitto::start("upload") else { return };
    let sub = broker.subscriber();
    let root = repo_root();
    let scenario = broker.dir.join("upload.yaml");
    std::fs::write(
        &scenario,
        format!(
            "name: upload\ndevice: esp32\nscripts: {}\nduration: 60s\nconfig:\n  mqtt: {{ prefix: lab }}\n  \
             alerts: {{ overtemp_threshold: 80 }}\nsteps:\n  - {{ at: 1s, event: {{ name: sensor.temperature, \
             data: {{ value: 90 }} }}, repeat: 58, every: 1s }}\nexpect:\n  - mqtt: \"lab/alert v2 overtemp 90\"\n",
            root.join("lua/examples/boiler").display()
        ),
    )
    .unwrap();
    let session = live(&scenario, &broker.url(), &["--speed", "4"]);
    sub.wait_for(|l| l == "lab/alert overtemp 90", Duration::from_secs(10), "the first rule's alert");
    let v2 = root.join("lua/examples/boiler_v2/rules.lua");
    broker.publish("lab/cmd/lua/put/rules.lua", &["-f", v2.to_str().unwrap()]);
    broker.publish("lab/cmd/lua/reload", &["-m", "now"]);
    sub.wait_for(|l| l == "lab/alert v2 overtemp 90", Duration::from_secs(10), "the new rule's alert");
    // A few more events at 4x, then Ctrl-C ends the session with the summary.
    std::thread::sleep(Duration::from_millis(600));
    interrupt(&session);
    let (status, out) = session.finish(Duration::from_secs(10));
    let text = out.join("\n");
    assert_eq!(status.code(), Some(0), "{text}");
    assert!(text.contains("(session ended)"), "{text}");
    let reload = out.iter().position(|l| l.contains("reload   generation=2 (mqtt lab/cmd/lua/reload)")).expect(&text);
    let write = out.iter().position(|l| l.contains("inject   write /scripts/rules.lua (")).expect(&text);
    assert!(write < reload, "the upload is written before the reload:\n{text}");
    let after: Vec<&String> = out[reload..].iter().filter(|l| l.contains("mqtt>    lab/alert")).collect();
    assert!(after.len() >= 2, "{text}");
    assert!(after.iter().all(|l| l.ends_with("lab/alert v2 overtemp 90")), "only the new rule fires:\n{text}");
    let seen = sub.all();
    let first_v2 = seen.iter().position(|l| l == "lab/alert v2 overtemp 90").unwrap();
    assert!(!seen[first_v2..].iter().any(|l| l == "lab/alert overtemp 90"), "{}", seen.join("\n"));
}

#[test]
fn a_broker_that_is_down_is_a_clear_error_and_exit_2_at_once() {
    let (port, luasim) = (free_port(), luasim_binary());
    let started = Instant::now();
    let mut child = Command::new(luasim)
        .args(["live", "scenarios/boiler_reload.yaml", "--broker", &format!("mqtt://127.0.0.1:{port}")])
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("luasim starts");
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let mut child = Killed(child);
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with(&format!("luasim: cannot reach the MQTT broker at mqtt://127.0.0.1:{port}: ")),
        "{stderr}"
    );
}

#[test]
fn a_broker_that_goes_away_is_traced_retried_and_taken_back() {
    let Some(mut broker) = Mosquitto::start("outage") else { return };
    let scenario = broker.dir.join("outage.yaml");
    let scripts = repo_root().join("lua/examples/boiler");
    let yaml = format!("name: outage\ndevice: esp32\nscripts: {}\nduration: 1h\n", scripts.display());
    std::fs::write(&scenario, yaml).unwrap();
    let session = live(&scenario, &broker.url(), &["--speed", "2"]);
    session.wait_for(|l| l.contains("sub      #1 gen=1 MQTT device/cmd/ping"), Duration::from_secs(10), "subscription");
    broker.stop();
    session.wait_for(|l| l.contains("W/mqtt broker connection lost ("), Duration::from_secs(10), "the outage traced");
    broker.restart();
    session.wait_for(|l| l.contains("I/mqtt reconnected to the broker"), Duration::from_secs(10), "the reconnection");
    let sub = broker.subscriber();
    ask_until(&broker, &sub, "device/cmd/ping", "again", "device/pong again");
    interrupt(&session);
    let (status, out) = session.finish(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{}", out.join("\n"));
    assert!(out.iter().any(|l| l.contains("mqtt>    device/pong again")), "{}", out.join("\n"));
}

/// Ctrl-C, as a terminal sends it.
fn interrupt(session: &Lines) {
    // SAFETY: kill(2) on the pid of a child this test started and has not reaped.
    assert_eq!(unsafe { libc::kill(session.process.0.id() as i32, libc::SIGINT) }, 0);
}
