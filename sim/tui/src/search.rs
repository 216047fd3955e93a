//! Text search: which events' trace lines contain the query (ASCII case ignored). Run once
//! when the query is entered, one pass over the trace; afterwards matches are found per lane
//! and column by binary search like everything else.

use super::timeline::Timeline;
use luasim_core::time::Micros;
use std::fmt::Write;

pub struct Search {
    pub query: String,
    /// Positions of matching events, in time order.
    pub matches: Vec<u32>,
    /// Times of the matches in each lane.
    by_lane: Vec<Vec<Micros>>,
}

impl Search {
    pub fn run(query: &str, timeline: &Timeline) -> Search {
        let needle = query.to_ascii_lowercase();
        let mut by_lane = vec![Vec::new(); timeline.lanes.len()];
        let mut matches = Vec::new();
        let mut line = String::new();
        for (pos, event) in timeline.events.iter().enumerate() {
            line.clear();
            // Writing to a String cannot fail.
            let _ = write!(line, "{event}");
            line.make_ascii_lowercase();
            if line.contains(&needle) {
                matches.push(pos as u32);
                by_lane[timeline.lane_of[pos] as usize].push(event.at_us);
            }
        }
        Search { query: query.to_string(), matches, by_lane }
    }

    /// Whether lane `lane` has a match in `[t0, t1)`.
    pub fn hit(&self, lane: usize, t0: Micros, t1: Micros) -> bool {
        self.by_lane
            .get(lane)
            .is_some_and(|times| times.get(times.partition_point(|&t| t < t0)).is_some_and(|&t| t < t1))
    }

    /// `3/12` when the selected event is the third match, `12 matches` otherwise.
    pub fn describe(&self, selected: Option<u32>) -> String {
        match selected.and_then(|s| self.matches.binary_search(&s).ok()) {
            Some(i) => format!("{}/{}", i + 1, self.matches.len()),
            None => format!("{} matches", self.matches.len()),
        }
    }
}
