//! The top line: what is open (the scenario's name or the trace file) and its totals: events,
//! simulated time, boots, reloads, errors, and for a scenario how its expectations ended.

use super::super::app::App;
use super::super::kinds::Kind;
use super::super::units;
use super::{dim, line};
use ratatui::style::{Color, Modifier, Style};
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
    let mut spans = vec![
        Span::styled(format!(" {} ", app.title), Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)),
        Span::styled(totals, dim()),
    ];
    let failed = app.verdicts.iter().filter(|o| !o.passed).count();
    match (app.verdicts.len(), failed) {
        (0, _) => {}
        (n, 0) => spans.push(Span::styled(format!(" · {n} expectations held (v)"), Style::new().fg(Color::Green))),
        (n, f) => spans.push(Span::styled(
            format!(" · {f} of {n} expectations FAILED (v)"),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        )),
    }
    let text = Line::from(spans);
    frame.render_widget(line(text), app.areas.header);
}
