//! The time axis above the lanes: round virtual times at their columns, in the unit of the
//! step (see `units`), and a marker over the cursor's column.

use super::super::app::App;
use super::super::units;
use super::{cursor, dim};
use ratatui::Frame;

/// Columns kept between labels.
const GAP: u64 = 10;

pub fn render(frame: &mut Frame, app: &App) {
    let (label, columns) = app.areas.split(app.areas.axis);
    let buf = frame.buffer_mut();
    buf.set_string(label.x, label.y, "virtual time", dim());
    let view = &app.view;
    let step = units::axis_step(view.per_col, GAP);
    let mut t = view.start.div_ceil(step).saturating_mul(step);
    let mut free_from = 0u64;
    while t < view.end() && t <= view.hi() {
        if let Some(col) = view.col_of(t).filter(|&c| c >= free_from) {
            let text = units::axis_label(t, step);
            let width = text.chars().count() as u64;
            if col + width <= u64::from(columns.width) {
                buf.set_string(columns.x + col as u16, columns.y, &text, dim());
                free_from = col + width + 1;
            }
        }
        t = match t.checked_add(step) {
            Some(next) => next,
            None => break,
        };
    }
    if let Some(col) = view.col_of(app.cursor) {
        if let Some(cell) = buf.cell_mut((columns.x + col as u16, columns.y)) {
            if cell.symbol() == " " {
                cell.set_char('▼').set_style(cursor());
            }
        }
    }
}
