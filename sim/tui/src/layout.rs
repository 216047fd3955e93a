//! Where each panel goes, computed from the terminal size and the number of lanes and graphs,
//! so the App (for mouse hits and the column count) and the panels (for drawing) agree. From
//! top to bottom: a header, the time axis, the lanes, one graph per figure, the log and detail
//! panes side by side, the status line. Lanes, the axis and graphs share a label column on the
//! left and the same time columns.

use ratatui::layout::{Constraint, Layout, Rect};

/// Below this the screen says it is too small instead of drawing a useless timeline.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub axis: Rect,
    pub lanes: Rect,
    pub graphs: Rect,
    pub log: Rect,
    pub detail: Rect,
    pub status: Rect,
    /// Width of the label column; a separator follows it, then the time columns.
    pub label_width: u16,
    /// Rows per graph.
    pub graph_rows: u16,
}

impl Areas {
    /// The layout for `lanes` lanes and `graphs` graphs in `area`. Lanes get the rows they
    /// need while the panes keep about a third of the screen; rows the lanes do not need go to
    /// the panes. Graphs get two rows each on a tall screen when there are few of them, and at
    /// most a third of the screen.
    pub fn new(area: Rect, lanes: usize, graphs: usize) -> Areas {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            return Areas { label_width: 0, graph_rows: 1, ..Areas::default() };
        }
        let graph_rows = if area.height >= 40 && graphs <= 6 { 2 } else { 1 };
        // A fleet has graphs per device: those that do not fit in a third of the screen are
        // not drawn.
        let graph_height = u16::try_from(graphs).unwrap_or(u16::MAX).saturating_mul(graph_rows).min(area.height / 3);
        let panes_min = (area.height * 3 / 10).clamp(5, 18);
        let room = area.height.saturating_sub(3 + graph_height + panes_min).max(1);
        let lanes = u16::try_from(lanes).unwrap_or(u16::MAX).clamp(1, room);
        let [header, axis, lanes, graphs, panes, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(lanes),
            Constraint::Length(graph_height),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let [log, detail] = Layout::horizontal([Constraint::Percentage(60), Constraint::Fill(1)]).areas(panes);
        let label_width = (area.width / 5).clamp(12, 30);
        Areas { header, axis, lanes, graphs, log, detail, status, label_width, graph_rows }
    }

    pub fn too_small(&self) -> bool {
        self.label_width == 0
    }

    /// Splits a row band into its label part and its time columns (after the separator).
    pub fn split(&self, band: Rect) -> (Rect, Rect) {
        let label = Rect { width: self.label_width.min(band.width), ..band };
        let skip = (self.label_width + 1).min(band.width);
        let columns = Rect { x: band.x + skip, width: band.width - skip, ..band };
        (label, columns)
    }

    /// How many time columns the timeline has.
    pub fn columns(&self) -> u16 {
        self.split(self.lanes).1.width
    }
}
