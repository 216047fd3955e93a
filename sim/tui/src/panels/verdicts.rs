//! The verdict popup: each expectation of the run, passed or failed, with what a failure
//! points at (its first error, nearest miss or what never came). Enter jumps there.

use super::super::app::App;
use super::{dim, fit_text, popup, selected};
use luasim_core::time::Secs;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

pub fn render(frame: &mut Frame, app: &App, row: usize) {
    let verdicts = &app.verdicts;
    let width = frame.area().width.saturating_sub(4).min(100);
    let text_width = usize::from(width.saturating_sub(9));
    // Two lines a verdict: the expectation, and the cause or first match under it.
    let area = popup(frame.area(), width, (verdicts.len() * 2) as u16 + 2);
    let shown = (usize::from(area.height.saturating_sub(2)) / 2).max(1);
    let first = (row + 1).saturating_sub(shown);
    let mut lines = Vec::new();
    for (i, o) in verdicts.iter().enumerate().skip(first).take(shown) {
        let (mark, colour) = if o.passed { ("pass", Color::Green) } else { ("FAIL", Color::Red) };
        let style = if i == row { selected() } else { Style::new() };
        lines.push(Line::from(vec![
            Span::styled(format!(" {mark} "), Style::new().fg(colour).add_modifier(Modifier::BOLD)),
            Span::styled(fit_text(&o.expectation, text_width), style),
        ]));
        let under = match (&o.cause, o.first_at_us) {
            (Some(cause), _) => cause.to_string().lines().next().unwrap_or_default().to_string(),
            (None, Some(at)) => format!("first at {} s", Secs(at)),
            (None, None) => String::new(),
        };
        lines.push(Line::styled(format!("      {}", fit_text(&under, text_width)), dim()));
    }
    let failed = verdicts.iter().filter(|o| !o.passed).count();
    let title = format!(" expectations: {} passed, {failed} failed ", verdicts.len() - failed);
    let block = Block::bordered().title(title).title_bottom(Line::styled(" ↑↓ select · Enter jump · Esc ", dim()));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
