//! The lanes: one row per visible lane, a label on the left and one cell per column of virtual
//! time. A cell shows the glyph of the highest-ranked kind among its events, or else the fill
//! of its lane at that time (`░` booting, `~` asleep, `─` running or a timer armed). The cursor's column is
//! drawn as a vertical line through empty cells, search matches are underlined, and the
//! selected event is reversed.

use super::super::app::App;
use super::super::lanes::Fill;
use super::{cursor, dim, fit_text, selected};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use ratatui::Frame;

pub fn render(frame: &mut Frame, app: &App) {
    let (labels, columns) = app.areas.split(app.areas.lanes);
    let view = &app.view;
    let cursor_col = view.col_of(app.cursor);
    let selected_at = app.selected.map(|p| (app.timeline.lane_of[p as usize] as usize, app.timeline.event(p).at_us));
    let buf = frame.buffer_mut();
    let rows = app.visible.iter().enumerate().skip(app.lane_scroll).take(usize::from(labels.height));
    for (y, (row, &index)) in (labels.y..).zip(rows) {
        let lane = &app.timeline.lanes[index];
        let is_current = row == app.lane;
        let (marker, style) = if is_current { ("▶", cursor()) } else { (" ", Style::new()) };
        let label = fit_text(&format!("{marker}{}", lane.label), usize::from(labels.width));
        buf.set_string(labels.x, y, label, style);
        put(buf, columns.x.saturating_sub(1), y, '│', dim());
        for c in 0..u64::from(columns.width) {
            let (t0, t1) = view.column(c);
            if t0 > view.hi() {
                break;
            }
            let at_cursor = cursor_col == Some(c);
            let (glyph, mut style) = match lane.cell(t0, t1, &app.filter) {
                Some((kind, _)) => (kind.glyph(), kind.style()),
                None => match (lane.fill(t0, t1), at_cursor) {
                    (Some(Fill::Booting), _) => ('░', Style::new().fg(Color::Green)),
                    (Some(Fill::Sleeping), _) => ('~', Style::new().fg(Color::Blue)),
                    (Some(Fill::Armed), true) | (Some(Fill::Running), true) => ('╂', cursor()),
                    (Some(Fill::Armed), false) => ('─', Style::new().fg(Color::Cyan)),
                    (Some(Fill::Running), false) => ('─', dim()),
                    (None, true) => ('┃', cursor()),
                    (None, false) => continue,
                },
            };
            if at_cursor {
                style = style.bg(Color::Rgb(48, 48, 48));
            }
            if app.search.as_ref().is_some_and(|s| s.hit(index, t0, t1)) {
                style = style.add_modifier(Modifier::UNDERLINED).bg(Color::Rgb(90, 70, 0));
            }
            if selected_at.is_some_and(|(lane, at)| lane == index && (t0..t1).contains(&at)) {
                style = style.patch(selected());
            }
            put(buf, columns.x + c as u16, y, glyph, style);
        }
    }
}

fn put(buf: &mut Buffer, x: u16, y: u16, glyph: char, style: Style) {
    if let Some(cell) = buf.cell_mut((x, y)) {
        cell.set_char(glyph).set_style(style);
    }
}
