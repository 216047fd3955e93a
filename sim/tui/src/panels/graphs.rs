//! Graphs under the lanes, aligned with their columns: for each figure (queue depth, armed
//! timers, Lua heap, sleep region, charge) the largest value in each column, as a sparkline scaled to the largest value in
//! view, which the label gives (`–` when nothing is known in view; without the word `max` where
//! the column is too narrow for it).

use super::super::app::App;
use super::dim;
use crate::graphs;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Sparkline;
use ratatui::Frame;

pub fn render(frame: &mut Frame, app: &App) {
    let rows = app.areas.graph_rows;
    let area = app.areas.graphs;
    for (i, graph) in app.timeline.graphs.iter().enumerate() {
        let band = Rect { y: area.y + i as u16 * rows, height: rows, ..area }.intersection(area);
        if band.height == 0 {
            // Graphs beyond the rows the layout gave them are not drawn.
            break;
        }
        let (label, columns) = app.areas.split(band);
        let view = &app.view;
        let data: Vec<Option<u64>> = (0..u64::from(columns.width))
            .map(|c| view.column(c))
            .map(|(t0, t1)| if t0 > view.hi() { None } else { graph.max_in(t0, t1) })
            .collect();
        let peak = data.iter().flatten().copied().max();
        let name = graph.name();
        let text = match peak.map(|peak| graphs::value(graph.figure, peak)) {
            Some(peak) if name.len() + peak.chars().count() + 5 <= usize::from(label.width) => {
                format!("{name} max {peak}")
            }
            Some(peak) => format!("{name} {peak}"),
            None => format!("{name} –"),
        };
        frame.buffer_mut().set_stringn(label.x, label.y, text, usize::from(label.width), dim());
        for y in band.y..band.bottom() {
            frame.buffer_mut().set_string(columns.x.saturating_sub(1), y, "│", dim());
        }
        let spark =
            Sparkline::default().data(data).max(peak.unwrap_or(0).max(1)).style(Style::new().fg(Color::LightCyan));
        frame.render_widget(spark, columns);
    }
}
