//! Drawing: one file per panel, each a function of the `App` that only reads it. `draw` lays
//! the screen out (through `App::fit`, which also tells the App its column count) and calls the
//! panels in order, popups last.

mod axis;
mod detail;
mod filter;
mod graphs;
mod header;
mod help;
mod lanes;
mod log;
mod status;
mod verdicts;

use super::app::{App, Mode};
use super::layout::{MIN_HEIGHT, MIN_WIDTH};
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws one frame.
pub fn draw(frame: &mut Frame, app: &mut App) {
    app.fit(frame.area());
    let app = &*app;
    if app.areas.too_small() {
        let text = format!("luasim tui needs at least {MIN_WIDTH}×{MIN_HEIGHT}; q quits");
        frame.render_widget(Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }), frame.area());
        return;
    }
    header::render(frame, app);
    axis::render(frame, app);
    lanes::render(frame, app);
    graphs::render(frame, app);
    log::render(frame, app);
    detail::render(frame, app);
    status::render(frame, app);
    match app.mode() {
        Mode::Help => help::render(frame),
        Mode::Filter { row } => filter::render(frame, app, *row),
        Mode::Verdicts { row } => verdicts::render(frame, app, *row),
        Mode::Normal | Mode::Search { .. } => {}
    }
}

/// Secondary text: labels, fills, hints.
fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

/// The cursor column and the selected lane's label.
fn cursor() -> Style {
    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}

/// The selected event, wherever it shows.
fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

/// A centred popup of at most `width`×`height` inside `area`.
fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))]).flex(Flex::Center).areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))]).flex(Flex::Center).areas(row);
    cell
}

/// `text` cut to `width` characters, with `…` when cut.
fn fit_text(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    if width > 0 {
        out.push('…');
    }
    out
}

/// A one-line paragraph.
fn line<'a>(line: impl Into<Line<'a>>) -> Paragraph<'a> {
    Paragraph::new(line.into())
}
