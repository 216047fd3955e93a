//! `luasim live SCENARIO --broker mqtt://HOST:PORT`: run one scenario on a real MQTT broker in
//! wall-clock time (`luasim::live`), print the trace as it happens, and end as `run` does:
//! the summary (or JSON) and the files asked for, written by `run`'s own code.

use super::run::{write_report, OutputArgs};
use super::{load_scenario, pipe::note};
use clap::Args;
use luasim::live::broker::{Broker, BrokerAddress};
use luasim::live::{upload_prefix, Session};
use luasim_core::runtime::{self, mqtt_prefix, reload_topic, RunOptions};
use luasim_core::time::{parse_duration, Micros, Secs};
use luasim_core::trace::{Event, Observer};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Args)]
pub struct LiveArgs {
    /// Scenario YAML file.
    scenario: PathBuf,
    /// The MQTT broker to join: mqtt://HOST:PORT (plain TCP; port 1883 when left out).
    #[arg(long, value_name = "URL")]
    broker: BrokerAddress,
    /// Run N times faster than the wall clock (0.5 runs at half speed).
    #[arg(long, value_name = "N", default_value_t = 1.0, value_parser = parse_speed)]
    speed: f64,
    /// End the session after this much virtual time instead of the scenario's `duration:`
    /// (written as there: 90s, 2h; at --speed N it takes DURATION/N of wall time).
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    session: Option<Micros>,
    /// The MQTT client id [default: luasim-PID].
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

fn parse_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(speed) if speed.is_finite() && (0.001..=1e6).contains(&speed) => Ok(speed),
        _ => Err(format!("`{text}`: the speed is a number from 0.001 to 1000000, e.g. 10")),
    }
}

pub fn execute(args: LiveArgs) -> anyhow::Result<bool> {
    args.output.check()?;
    let mut scenario = load_scenario(Some(&args.scenario))?;
    if let Some(fleet) = &scenario.fleet {
        anyhow::bail!(
            "{}: a fleet of {} devices runs on its in-simulation broker; live mode joins one device to a real one",
            scenario.origin,
            fleet.devices.len()
        );
    }
    scenario.duration = args.session.unwrap_or(scenario.duration);
    let prefix = mqtt_prefix(&scenario.config).to_string();
    let topics = [reload_topic(&prefix), format!("{}#", upload_prefix(&prefix))];
    let (to_session, from_broker) = std::sync::mpsc::channel();
    let client_id = args.client_id.clone().unwrap_or_else(|| format!("luasim-{}", std::process::id()));
    let broker = Arc::new(Broker::connect(&args.broker, &client_id, &topics, to_session)?);
    note!(
        "luasim live: {} on {} as {client_id} at {}x for {} s of virtual time; Ctrl-C ends it with the summary",
        scenario.name,
        args.broker,
        args.speed,
        Secs(scenario.duration)
    );
    let keeps = args.output.trace_json.is_some() || args.output.perfetto.is_some();
    let options = RunOptions { keep_events: keeps, ..args.output.run_options() };
    let printer = Printer { on: args.output.prints_trace() };
    let session = Session::new(broker.clone(), from_broker, args.speed, upload_prefix(&prefix));
    let started = Instant::now();
    let report = runtime::run_live(&scenario, &options, Box::new(session), Box::new(printer));
    broker.close();
    let report = report.map_err(|e| anyhow::anyhow!("{}: {e}", scenario.origin))?;
    write_report(&scenario, &report, &args.output, started.elapsed(), false)
}

/// Prints each trace line as it happens, as `run` prints it afterwards.
struct Printer {
    on: bool,
}

impl Observer for Printer {
    fn observe(&mut self, event: &Event) {
        if self.on {
            if let Err(e) = writeln!(std::io::stdout(), "{event}") {
                // The reader went away (`| head`): stop quietly, as every command does.
                std::process::exit(if e.kind() == std::io::ErrorKind::BrokenPipe { 0 } else { 2 });
            }
        }
    }
}
