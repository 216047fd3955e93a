//! Figures graphed under the lanes: the counters `luasim_core::timeline::Counters` reads off the
//! events (queue depth, armed timers), the same the Perfetto export draws.
//!
//! A column shows the largest value inside it (for a level, also the value it entered with). A
//! range-maximum tree answers that in logarithmic time, so a frame costs the same for a hundred
//! events or a million.

use luasim_core::time::Micros;
use luasim_core::timeline::{Counter, Counters};
use luasim_core::trace::Event;

/// The short name a graph row carries.
pub fn label(counter: Counter) -> &'static str {
    match counter {
        Counter::QueueDepth => "queue",
        Counter::TimersArmed => "timers",
    }
}

/// Every figure's samples, in time order, from events sorted by time.
fn samples(events: &[Event]) -> Vec<(Counter, Vec<(Micros, u64)>)> {
    let mut points: Vec<(Counter, Vec<(Micros, u64)>)> = Counter::ALL.iter().map(|&c| (c, Vec::new())).collect();
    let mut counters = Counters::default();
    for e in events {
        counters.see(e, |counter, value| points[counter as usize].1.push((e.at_us, value)));
    }
    points
}

/// One figure's samples over time.
#[derive(Debug, Clone)]
pub struct Graph {
    pub figure: Counter,
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
}

/// The graphs of every figure that has samples in `events` (sorted by time).
pub fn build(events: &[Event]) -> Vec<Graph> {
    samples(events)
        .into_iter()
        .filter(|(_, points)| !points.is_empty())
        .map(|(figure, points)| {
            let (times, values): (Vec<Micros>, Vec<u64>) = points.into_iter().unzip();
            Graph { figure, times, max: MaxTree::new(&values) }
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
