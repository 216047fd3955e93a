//! The top line: what is open (the scenario's name or the trace file) and its totals: events,
//! simulated time, boots, reloads, errors.

use super::super::app::App;
use super::super::kinds::Kind;
use super::super::units;
use super::{dim, line};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::Frame;

pub fn render(frame: &mut Frame, app: &App) {
    let t = &app.timeline;
    let count = |kind: Kind| t.present.iter().find(|(k, _)| *k == kind).map_or(0, |(_, n)| *n);
    let (lo, hi) = t.bounds();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let totals = format!(
        " {} · {} · {} · {} · {}",
        plural(t.events.len(), "event"),
        units::duration(hi - lo),
        plural(count(Kind::Boot), "boot"),
        plural(count(Kind::Reload), "reload"),
        plural(t.errors.len(), "error"),
    );
    let text = Line::from(vec![
        Span::styled(format!(" {} ", app.title), Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)),
        Span::styled(totals, dim()),
    ]);
    frame.render_widget(line(text), app.areas.header);
}
