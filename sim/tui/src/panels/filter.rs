//! The filter popup: the kinds present in the trace with their counts and whether each is
//! shown. Scrolls to keep the highlighted row visible on small terminals.

use super::super::app::App;
use super::{dim, popup, selected};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

pub fn render(frame: &mut Frame, app: &App, row: usize) {
    let present = &app.timeline.present;
    let area = popup(frame.area(), 34, present.len() as u16 + 2);
    let rows = usize::from(area.height.saturating_sub(2)).max(1);
    let first = (row + 1).saturating_sub(rows);
    let lines: Vec<Line> = present
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, &(kind, count))| {
            let mark = if app.filter.shows(kind) { "[x]" } else { "[ ]" };
            let style = if i == row { selected() } else { Style::new() };
            Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::styled(kind.glyph().to_string(), kind.style()),
                Span::styled(format!(" {:<10}{count:>12}", kind.label()), style),
            ])
        })
        .collect();
    let block =
        Block::bordered().title(" filter by kind ").title_bottom(Line::styled(" Space toggle · a all · Esc ", dim()));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
