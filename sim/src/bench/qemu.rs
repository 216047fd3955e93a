//! The timer storm on the simulator and on the QEMU firmware (`firmware-shim/`), side by side:
//! how much faster the simulator plays the same scenario than the emulated device does.
//!
//! Needs `qemu-system-riscv32` on the PATH and the firmware built (`firmware-shim/build.sh`,
//! or `LUASIM_FIRMWARE=path.elf`); without them the workload reports why it was skipped. QEMU
//! runs as `ci/crosscheck.sh` runs it (`-icount shift=0,sleep=off`), and its wall time includes
//! its start-up, measured separately on an empty scenario and reported beside it.

use super::{parse_yaml, run_yaml, timed, timer_storm, BenchResult, Figure, Size};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

const FIRMWARE: &str = "target/firmware/firmware-qemu-virt.elf";

const IDLE: &str = r#"
name: qemu-idle
device: esp32s3
duration: 1s
scripts:
  main.lua: |
    print("up")
"#;

pub fn run(size: Size) -> Result<BenchResult, String> {
    let seconds = if size == Size::Full { 60 } else { 10 };
    let what = format!("64 timers at 10 ms for {seconds} simulated s: simulator vs QEMU firmware");
    let Some(firmware) = firmware() else {
        return Ok(skipped(what, format!("no firmware at {FIRMWARE} (run firmware-shim/build.sh)")));
    };
    let yaml = timer_storm::scenario(seconds);
    let (report, sim_wall) = timed(|| run_yaml(&yaml));
    report?;
    let qemu_wall = match (qemu(&firmware, &yaml), qemu(&firmware, IDLE)) {
        (Ok(storm), Ok(idle)) => (storm, idle),
        (Err(e), _) | (_, Err(e)) => return Ok(skipped(what, e)),
    };
    let (storm, start_up) = qemu_wall;
    let busy = storm.saturating_sub(start_up).max(Duration::from_millis(1));
    let simulated = seconds as f64;
    let real_time = |wall: Duration| simulated / wall.as_secs_f64();
    let simulator = Figure::seconds("simulator", sim_wall);
    let qemu = Figure::seconds("QEMU", storm);
    Ok(BenchResult::new(
        "qemu",
        what,
        vec![
            Figure { text: format!("{} ({:.1}x real time)", simulator.text, real_time(sim_wall)), ..simulator },
            Figure { text: format!("{} ({:.2}x real time)", qemu.text, real_time(storm)), ..qemu },
            Figure::seconds("QEMU start-up", start_up),
            Figure::ratio("QEMU / simulator", storm.as_secs_f64() / sim_wall.as_secs_f64()).at_least(150.0),
            Figure::ratio("without start-up", busy.as_secs_f64() / sim_wall.as_secs_f64()),
        ],
    ))
}

/// The workload could not run here: one figure, `skipped`, whose text says why (no target).
fn skipped(what: String, why: String) -> BenchResult {
    BenchResult::new("qemu", what, vec![Figure::new("skipped", 0.0, "count", why)])
}

fn firmware() -> Option<PathBuf> {
    let path = std::env::var_os("LUASIM_FIRMWARE").map_or_else(|| PathBuf::from(FIRMWARE), PathBuf::from);
    path.is_file().then_some(path)
}

/// Packs the scenario, runs it under QEMU to its end and returns the wall time.
fn qemu(firmware: &std::path::Path, yaml: &str) -> Result<Duration, String> {
    let scenario = parse_yaml(yaml)?;
    let blob = std::env::temp_dir().join(format!("luasim-bench-{}.bin", std::process::id()));
    let packed = luasim_core::pack::pack(&scenario).map_err(|e| e.to_string())?;
    std::fs::write(&blob, packed).map_err(|e| format!("writing {}: {e}", blob.display()))?;
    let (status, wall) = timed(|| {
        Command::new("qemu-system-riscv32")
            .args(["-M", "virt", "-bios", "none", "-kernel"])
            .arg(firmware)
            .arg("-device")
            .arg(format!("loader,file={},addr=0x81000000", blob.display()))
            .args(["-display", "none", "-monitor", "none", "-serial", "null", "-icount", "shift=0,sleep=off"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
    });
    let _ = std::fs::remove_file(&blob);
    match status {
        Ok(s) if s.success() => Ok(wall),
        Ok(s) => Err(format!("qemu-system-riscv32 exited with {s}")),
        Err(e) => Err(format!("qemu-system-riscv32 not runnable: {e}")),
    }
}
