//! The status line: the cursor's virtual time and tick, the zoom (time per column), the filter
//! and search state, and the keys for help and quit; or the search being typed, or a one-off
//! message such as "no later error".

use super::super::app::{App, Mode};
use super::super::units;
use super::{cursor, dim, line};
use luasim_core::time::Secs;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::Frame;

pub fn render(frame: &mut Frame, app: &App) {
    let area = app.areas.status;
    let text = match (app.mode(), &app.message) {
        (Mode::Search { input }, _) => {
            Line::from(vec![Span::styled("/", cursor()), Span::raw(input.clone()), Span::styled("█", dim())])
        }
        (_, Some(message)) => Line::styled(message.clone(), Style::new().fg(Color::Yellow)),
        _ => {
            let mut left = format!("t {} s", Secs(app.cursor));
            if app.cursor >= 60_000_000 {
                left += &format!(" ({})", units::axis_label(app.cursor, 1));
            }
            if let Some(tick) = app.timeline.tick_at(app.cursor) {
                left += &format!(" · tick {tick}");
            }
            left += &format!(" · {}/col", units::duration(app.view.per_col));
            let kinds: Vec<_> = app.timeline.present.iter().map(|(k, _)| *k).collect();
            left += &format!(" · filter {}", app.filter.describe(&kinds));
            if let Some(search) = &app.search {
                left += &format!(" · /{} {}", search.query, search.describe(app.selected));
            }
            let right = "? help · q quit";
            let pad = usize::from(area.width).saturating_sub(left.chars().count() + right.chars().count());
            if pad > 0 {
                Line::from(vec![Span::raw(left), Span::raw(" ".repeat(pad)), Span::styled(right, dim())])
            } else {
                Line::raw(left)
            }
        }
    };
    frame.render_widget(line(text), area);
}
