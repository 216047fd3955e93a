//! The help popup: every key, from the one table in `keys`.

use super::super::keys::HELP;
use super::{cursor, dim, popup};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

pub fn render(frame: &mut Frame) {
    let width = HELP.iter().map(|(k, d)| k.chars().count().max(14) + 1 + d.chars().count()).max().unwrap_or(0);
    let area = popup(frame.area(), width as u16 + 4, HELP.len() as u16 + 2);
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(keys, what)| Line::from(vec![Span::styled(format!("{keys:<14} "), cursor()), Span::raw(*what)]))
        .collect();
    let block = Block::bordered().title(" keys ").title_bottom(Line::styled(" any key closes ", dim()));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
