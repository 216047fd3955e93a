//! Figures graphed under the lanes: the counters `luasim_core::timeline::Counters` reads off the
//! events (queue depth, armed timers, Lua heap, sleep region, charge), the same the Perfetto
//! export draws.
//!
//! A column shows the largest value inside it (for a level, also the value it entered with). A
//! range-maximum tree answers that in logarithmic time, so a frame costs the same for a hundred
//! events or a million.

use luasim_core::time::Micros;
use luasim_core::timeline::{Counter, Counters};
use luasim_core::trace::{self, Event};

/// The short name of a figure.
fn label(counter: Counter) -> &'static str {
    match counter {
        Counter::QueueDepth => "queue",
        Counter::TimersArmed => "timers",
        Counter::Heap => "heap",
        Counter::Region => "region",
        Counter::Charge => "charge",
    }
}

/// A value of `counter` as a graph's label shows it: counts as they are, bytes in B or kB,
/// charge in µAh or mAh.
pub fn value(counter: Counter, value: u64) -> String {
    match counter {
        Counter::QueueDepth | Counter::TimersArmed => value.to_string(),
        Counter::Heap | Counter::Region if value < 10_000 => format!("{value}B"),
        Counter::Heap | Counter::Region => format!("{:.1}kB", value as f64 / 1e3),
        Counter::Charge if value < 1_000_000 => format!("{:.1}µAh", value as f64 / 1e3),
        Counter::Charge => format!("{:.2}mAh", value as f64 / 1e6),
    }
}

/// One figure's (time, value) samples.
type Points = Vec<(Micros, u64)>;

/// Every figure's samples, in time order, from events sorted by time: per device for a fleet's
/// trace (devices in the order they first appear, as the lanes), each device followed by its
/// own counters, since a level such as the heap is one device's.
fn samples(events: &[Event]) -> Vec<(Option<&str>, Counter, Points)> {
    let devices = trace::devices(events);
    let groups: Vec<Option<&str>> =
        if devices.is_empty() { vec![None] } else { devices.into_iter().map(Some).collect() };
    groups
        .into_iter()
        .flat_map(|device| {
            let mut counters = Counters::default();
            let mut points = vec![Vec::new(); Counter::ALL.len()];
            for e in events.iter().filter(|e| e.device.as_deref() == device) {
                counters.see(e, |counter, value| points[counter as usize].push((e.at_us, value)));
            }
            Counter::ALL.into_iter().zip(points).map(move |(counter, points)| (device, counter, points))
        })
        .collect()
}

/// One figure's samples over time, of one device of a fleet (`device`) or of the one device.
#[derive(Debug, Clone)]
pub struct Graph {
    pub figure: Counter,
    pub device: Option<String>,
    times: Vec<Micros>,
    max: MaxTree,
}

impl Graph {
    /// The largest value in `[t0, t1)`, if known there.
    pub fn max_in(&self, t0: Micros, t1: Micros) -> Option<u64> {
        let a = self.times.partition_point(|&t| t < t0);
        let b = self.times.partition_point(|&t| t < t1);
        let entering = if self.figure.holds() { a.checked_sub(1).and_then(|i| self.max.query(i, i + 1)) } else { None };
        self.max.query(a, b).max(entering)
    }

    /// The row's name: the figure's, after the device's in a fleet.
    pub fn name(&self) -> String {
        match &self.device {
            Some(device) => format!("{device} {}", label(self.figure)),
            None => label(self.figure).to_string(),
        }
    }
}

/// The graphs of every figure that has samples in `events` (sorted by time).
pub fn build(events: &[Event]) -> Vec<Graph> {
    samples(events)
        .into_iter()
        .filter(|(_, _, points)| !points.is_empty())
        .map(|(device, figure, points)| {
            let (times, values): (Vec<Micros>, Vec<u64>) = points.into_iter().unzip();
            Graph { figure, device: device.map(str::to_string), times, max: MaxTree::new(&values) }
        })
        .collect()
}

/// A bottom-up segment tree of maxima: leaves at `n..2n`.
#[derive(Debug, Clone)]
struct MaxTree {
    n: usize,
    nodes: Vec<u64>,
}

impl MaxTree {
    fn new(values: &[u64]) -> MaxTree {
        let n = values.len();
        let mut nodes = vec![0; 2 * n];
        nodes[n..].copy_from_slice(values);
        for i in (1..n).rev() {
            nodes[i] = nodes[2 * i].max(nodes[2 * i + 1]);
        }
        MaxTree { n, nodes }
    }

    /// Maximum of leaves `a..b`, `None` when the range is empty.
    fn query(&self, a: usize, b: usize) -> Option<u64> {
        let (mut l, mut r) = (a.min(self.n) + self.n, b.min(self.n) + self.n);
        let mut best = None;
        while l < r {
            if l & 1 == 1 {
                best = best.max(Some(self.nodes[l]));
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                best = best.max(Some(self.nodes[r]));
            }
            l /= 2;
            r /= 2;
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_shown_in_their_unit() {
        assert_eq!(value(Counter::QueueDepth, 12), "12");
        assert_eq!(value(Counter::Heap, 9_999), "9999B");
        assert_eq!(value(Counter::Heap, 66_186), "66.2kB");
        assert_eq!(value(Counter::Charge, 4_500), "4.5µAh");
        assert_eq!(value(Counter::Charge, 12_345_678), "12.35mAh");
    }

    #[test]
    fn range_maximum_matches_a_scan() {
        let values: Vec<u64> = (0..37u64).map(|i| (i * 7919) % 23).collect();
        let tree = MaxTree::new(&values);
        for a in 0..=values.len() {
            for b in a..=values.len() {
                assert_eq!(tree.query(a, b), values[a..b].iter().copied().max(), "{a}..{b}");
            }
        }
    }
}
