//! Moving around the timeline: the cursor, the view, the selected lane and event, and jumps to
//! the next or previous error, restart, search match or event in a lane. `App::handle_key` and
//! `App::handle_mouse` (in `app`) call these.

use super::app::App;
use super::timeline::{next_in, prev_in, Anchor};
use luasim_core::time::Micros;

/// The lists that jumps walk.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    Errors,
    Restarts,
    Matches,
}

impl Target {
    fn noun(self) -> &'static str {
        match self {
            Target::Errors => "error",
            Target::Restarts => "boot or reload",
            Target::Matches => "match",
        }
    }
}

impl App {
    pub(super) fn anchor(&self) -> Anchor {
        self.selected.map_or(Anchor::Time(self.cursor), Anchor::Event)
    }

    pub(super) fn jump(&mut self, target: Target, forward: bool) {
        let list: &[u32] = match (target, &self.search) {
            (Target::Errors, _) => &self.timeline.errors,
            (Target::Restarts, _) => &self.timeline.restarts,
            (Target::Matches, Some(search)) => &search.matches,
            (Target::Matches, None) => {
                self.message = Some("no search yet: press / to search".into());
                return;
            }
        };
        let (from, before) = self.anchor().around(&self.timeline);
        let found = if forward { next_in(list, from) } else { prev_in(list, before) };
        match found {
            Some(p) => self.go_to(p),
            None => {
                let side = if forward { "later" } else { "earlier" };
                self.message = Some(format!("no {side} {}", target.noun()));
            }
        }
    }

    pub(super) fn step_in_lane(&mut self, forward: bool) {
        let Some((_, lane)) = self.current_lane() else { return };
        let (from, before) = self.anchor().around(&self.timeline);
        let found = if forward { lane.next_from(from, &self.filter) } else { lane.prev_before(before, &self.filter) };
        match found {
            Some(p) => self.go_to(p),
            None => {
                let side = if forward { "later" } else { "earlier" };
                self.message = Some(format!("no {side} event in {}", lane.label));
            }
        }
    }

    /// Selects event `pos`: the cursor moves to it, its lane is selected when shown, and the
    /// view scrolls to it.
    pub(super) fn go_to(&mut self, pos: u32) {
        self.selected = Some(pos);
        self.cursor = self.timeline.event(pos).at_us;
        let lane = self.timeline.lane_of[pos as usize] as usize;
        if let Some(i) = self.visible.iter().position(|&l| l == lane) {
            self.lane = i;
        }
        self.view.reveal(self.cursor);
        self.scroll_to_lane();
    }

    pub(super) fn put_cursor(&mut self, t: Micros) {
        self.cursor = t;
        self.view.reveal(t);
        self.reselect();
    }

    pub(super) fn step_cursor(&mut self, delta: i64) {
        self.view.reveal(self.cursor);
        let cols = self.view.cols() as i64;
        let col = self.view.col_of(self.cursor).map_or(0, |c| c as i64) + delta;
        if col < 0 {
            self.view.pan(-1);
        } else if col >= cols {
            self.view.pan(1);
        }
        let t = self.view.column(col.clamp(0, cols - 1) as u64).0;
        if t <= self.view.hi() {
            self.cursor = t;
        }
        self.reselect();
    }

    pub(super) fn pan(&mut self, cols: i64) {
        let moved = self.view.pan(cols);
        let (lo, hi) = (i128::from(self.view.lo()), i128::from(self.view.hi()));
        self.cursor = (i128::from(self.cursor) + moved).clamp(lo, hi) as Micros;
        self.reselect();
    }

    /// Zooms around the selected event (or the cursor), which stays selected.
    pub(super) fn zoom_on_selection(&mut self, zoom_in: bool) {
        if let Some(p) = self.selected {
            self.cursor = self.timeline.event(p).at_us;
        }
        self.view.zoom(zoom_in, self.cursor);
        self.sync_selection();
    }

    pub(super) fn select_lane(&mut self, delta: isize) {
        let last = self.visible.len().saturating_sub(1);
        self.lane = self.lane.saturating_add_signed(delta).min(last);
        self.scroll_to_lane();
        self.reselect();
    }

    pub(super) fn scroll_to_lane(&mut self) {
        let rows = usize::from(self.areas.lanes.height);
        if rows == 0 {
            return;
        }
        if self.lane < self.lane_scroll {
            self.lane_scroll = self.lane;
        } else if self.lane >= self.lane_scroll + rows {
            self.lane_scroll = self.lane + 1 - rows;
        }
        self.lane_scroll = self.lane_scroll.min(self.visible.len().saturating_sub(rows));
    }

    /// Recomputes the shown lanes after a filter change, staying on the selected lane or the
    /// next one shown.
    pub(super) fn refilter(&mut self) {
        let current = self.visible.get(self.lane).copied().unwrap_or(0);
        let lanes = &self.timeline.lanes;
        self.visible = (0..lanes.len()).filter(|&i| lanes[i].is_visible(&self.filter)).collect();
        self.lane = self.visible.iter().position(|&l| l >= current).unwrap_or(self.visible.len().saturating_sub(1));
        self.scroll_to_lane();
        self.sync_selection();
    }

    /// Keeps the selection while it is shown, in the selected lane and under the cursor;
    /// otherwise selects the first event there.
    pub(super) fn sync_selection(&mut self) {
        let (t0, t1) = self.cursor_column();
        let keep = self.selected.is_some_and(|p| {
            let at = self.timeline.event(p).at_us;
            self.filter.shows(self.timeline.kinds[p as usize])
                && self.current_lane().is_some_and(|(i, _)| i == self.timeline.lane_of[p as usize] as usize)
                && (t0..t1).contains(&at)
        });
        if !keep {
            self.reselect();
        }
    }

    pub(super) fn reselect(&mut self) {
        let (t0, t1) = self.cursor_column();
        self.selected = self.current_lane().and_then(|(_, lane)| lane.first_in(t0, t1, &self.filter));
    }
}
