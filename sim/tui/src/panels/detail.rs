//! The detail pane: everything the selected event carries, field by field (taken from its JSON
//! form, so a new event kind shows here without code), its time and tick, its lane, and how
//! many more events share its cell.

use super::super::app::App;
use super::super::kinds::Kind;
use super::dim;
use luasim_core::time::Secs;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use serde_json::Value;

pub fn render(frame: &mut Frame, app: &App) {
    let t = &app.timeline;
    let lane_label = |index: usize| t.lanes.get(index).map_or("", |l| l.label.as_str());
    let (title, lines) = match app.selected {
        None => {
            let lines = match app.current_lane() {
                Some((_, lane)) => vec![
                    Line::styled(format!("Nothing in {} under the cursor.", lane.label), dim()),
                    Line::styled("Tab: next event in the lane · e: next error", dim()),
                ],
                None => vec![Line::styled("Every kind is filtered out: f to show some.", dim())],
            };
            (" event ".to_string(), lines)
        }
        Some(p) => {
            let event = t.event(p);
            let kind = Kind::of(event);
            let lane = t.lane_of[p as usize] as usize;
            let mut lines = vec![
                Line::from(vec![
                    Span::styled(format!("{} s", Secs(event.at_us)), Style::new().add_modifier(Modifier::BOLD)),
                    Span::styled(format!("  tick {}", event.tick), dim()),
                ]),
                Line::from(vec![
                    Span::styled(kind.label(), kind.style()),
                    Span::styled(format!("  lane {}", lane_label(lane)), dim()),
                ]),
            ];
            if let Ok(Value::Object(fields)) = serde_json::to_value(&event.kind) {
                for (name, value) in fields.iter().filter(|(name, _)| name.as_str() != "kind") {
                    let text = match value {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let mut rows = text.lines();
                    let first = rows.next().unwrap_or("");
                    lines
                        .push(Line::from(vec![Span::styled(format!("{name}: "), dim()), Span::raw(first.to_string())]));
                    lines.extend(rows.map(|r| Line::raw(format!("  {}", r.replace('\t', "  ")))));
                }
            }
            let (t0, t1) = app.cursor_column();
            let shared = t.lanes.get(lane).and_then(|l| l.cell(t0, t1, &app.filter)).map_or(0, |(_, n)| n);
            if shared > 1 {
                lines.push(Line::styled(format!("{shared} events share this cell; Tab steps through them"), dim()));
            }
            (format!(" event {}/{} ", p + 1, t.events.len()), lines)
        }
    };
    let block = Block::bordered().title(title).border_style(dim());
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), app.areas.detail);
}
