//! The visible window of virtual time: where it starts, how much time one column covers, and
//! the zoom and pan arithmetic. Time is bucketed per column (`[start + c·w, start + (c+1)·w)`),
//! so a frame costs the same whatever the number of events.

use luasim_core::time::Micros;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub start: Micros,
    pub per_col: Micros,
    cols: u64,
    /// First and last event times: the view never leaves them.
    lo: Micros,
    hi: Micros,
    /// Whether the view shows the whole run (and keeps doing so when the terminal resizes).
    fitted: bool,
}

impl View {
    pub fn new(lo: Micros, hi: Micros) -> View {
        let mut view = View { start: lo, per_col: 1, cols: 1, lo, hi: hi.max(lo), fitted: true };
        view.fit();
        view
    }

    pub fn cols(&self) -> u64 {
        self.cols
    }

    pub fn lo(&self) -> Micros {
        self.lo
    }

    pub fn hi(&self) -> Micros {
        self.hi
    }

    pub fn set_cols(&mut self, cols: u16) {
        self.cols = u64::from(cols.max(1));
        if self.fitted {
            self.fit();
        } else {
            self.per_col = self.per_col.min(self.widest());
            self.clamp();
        }
    }

    /// Column width that shows the whole run.
    fn widest(&self) -> Micros {
        (self.hi - self.lo).saturating_add(1).div_ceil(self.cols).max(1)
    }

    pub fn fit(&mut self) {
        self.per_col = self.widest();
        self.start = self.lo;
        self.fitted = true;
    }

    pub fn end(&self) -> Micros {
        self.start.saturating_add(self.per_col.saturating_mul(self.cols))
    }

    /// The span of time column `c` covers.
    pub fn column(&self, c: u64) -> (Micros, Micros) {
        let t0 = self.start.saturating_add(c.saturating_mul(self.per_col));
        (t0, t0.saturating_add(self.per_col))
    }

    pub fn col_of(&self, t: Micros) -> Option<u64> {
        (t >= self.start && t < self.end()).then(|| (t - self.start) / self.per_col)
    }

    /// Halves (`zoom_in`) or doubles the column width, keeping `anchor` in the same column;
    /// zooming out as far as the whole run shows exactly the whole run.
    pub fn zoom(&mut self, zoom_in: bool, anchor: Micros) {
        if !zoom_in && self.per_col.saturating_mul(2) >= self.widest() {
            return self.fit();
        }
        let col = self.col_of(anchor).unwrap_or(self.cols / 2);
        self.per_col =
            if zoom_in { (self.per_col / 2).max(1) } else { self.per_col.saturating_mul(2).min(self.widest()) };
        self.fitted = false;
        self.start = anchor.saturating_sub(col * self.per_col);
        self.clamp();
    }

    /// Moves the view by `cols` columns; returns how far it actually moved, in µs (signed).
    pub fn pan(&mut self, cols: i64) -> i128 {
        let before = self.start;
        let delta = cols.unsigned_abs().saturating_mul(self.per_col);
        self.start = if cols < 0 { self.start.saturating_sub(delta) } else { self.start.saturating_add(delta) };
        self.fitted = false;
        self.clamp();
        i128::from(self.start) - i128::from(before)
    }

    /// Scrolls so that `t` is visible, centring it when it was not.
    pub fn reveal(&mut self, t: Micros) {
        if self.col_of(t).is_none() {
            self.start = t.saturating_sub(self.cols / 2 * self.per_col);
            self.fitted = false;
            self.clamp();
        }
    }

    fn clamp(&mut self) {
        let span = self.per_col.saturating_mul(self.cols);
        let latest = self.hi.saturating_add(1).saturating_sub(span).max(self.lo);
        self.start = self.start.clamp(self.lo, latest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_zoom_and_pan_stay_inside_the_run() {
        let mut v = View::new(0, 12_000_000);
        v.set_cols(60);
        assert_eq!(v.per_col, 200_001);
        assert_eq!(v.col_of(12_000_000), Some(59));
        v.zoom(true, 6_000_000);
        assert_eq!(v.per_col, 100_000);
        assert_eq!(v.col_of(6_000_000), Some(29));
        assert!(v.pan(-1000) < 0);
        assert_eq!(v.start, 0);
        v.pan(1000);
        assert_eq!(v.end(), 12_000_001);
        for _ in 0..40 {
            v.zoom(true, 3);
        }
        assert_eq!(v.per_col, 1);
        for _ in 0..80 {
            v.zoom(false, 3);
        }
        assert_eq!((v.start, v.per_col), (0, 200_001));
    }

    #[test]
    fn an_empty_run_has_a_view_too() {
        let mut v = View::new(0, 0);
        v.set_cols(0);
        assert_eq!((v.per_col, v.cols(), v.col_of(0)), (1, 1, Some(0)));
    }
}
