//! The log pane: what the device's console printed (log lines and errors; every device's, in a
//! fleet) up to the cursor, the last line at or before the cursor's column (or the selected
//! line) marked `▶`, a few later lines below it, dimmed. Only the lines in view are gathered,
//! from the console lanes' per-kind lists, so the pane costs the same for ten lines or a million.

use super::super::app::App;
use super::super::kinds::Kind;
use super::super::lanes::Lane;
use super::{dim, selected};
use luasim_core::time::Secs;
use luasim_core::trace::{Event, EventKind};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

pub fn render(frame: &mut Frame, app: &App) {
    let t = &app.timeline;
    let area = app.areas.log;
    let rows = usize::from(area.height.saturating_sub(2));
    let consoles: Vec<&Lane> = t.consoles.iter().map(|&c| &t.lanes[c as usize]).collect();
    let series = || consoles.iter().flat_map(|console| console.series.iter());
    let shown: Vec<&[u32]> = series().filter(|s| app.filter.shows(s.kind)).map(|s| s.events()).collect();
    // Lines before `split` are "up to the cursor"; the last of them is highlighted.
    let split = match app.selected {
        Some(p) if t.consoles.contains(&t.lane_of[p as usize]) => p + 1,
        _ => t.before(app.cursor_column().1),
    };
    let later = rows / 3;
    let mut before: Vec<u32> = shown
        .iter()
        .flat_map(|list| {
            let end = list.partition_point(|&p| p < split);
            &list[end.saturating_sub(rows)..end]
        })
        .copied()
        .collect();
    before.sort_unstable();
    let mut after: Vec<u32> = shown
        .iter()
        .flat_map(|list| {
            let start = list.partition_point(|&p| p < split);
            &list[start..(start + rows).min(list.len())]
        })
        .copied()
        .collect();
    after.sort_unstable();
    let keep_after = after.len().min(later.max(rows.saturating_sub(before.len())));
    let keep_before = before.len().min(rows - keep_after.min(rows));
    let current = before.last().copied();
    let time_width = Secs(t.bounds().1).to_string().len();
    let lines: Vec<Line> = before[before.len() - keep_before..]
        .iter()
        .chain(&after[..keep_after])
        .map(|&p| {
            let event = t.event(p);
            let style = if Some(p) == current { selected() } else { Kind::of(event).style() };
            let style = if p >= split { dim() } else { style };
            let marker = if Some(p) == current { "▶" } else { " " };
            Line::from(vec![
                Span::styled(format!("{marker}{:>time_width$} ", Secs(event.at_us)), dim()),
                Span::styled(console_text(event), style),
            ])
        })
        .collect();
    let title = format!(" log · {} lines ", series().map(|s| s.events().len()).sum::<usize>());
    let block = Block::bordered().title(title).border_style(dim());
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The line as the console printed it (after its device's name, in a fleet), cut at its first
/// newline.
fn console_text(event: &Event) -> String {
    let line = match &event.kind {
        EventKind::Error { what, message } => format!("ERROR {what}: {message}"),
        _ => event.log_line().unwrap_or_default(),
    };
    let text = match &event.device {
        Some(device) => format!("{device} {line}"),
        None => line,
    };
    match text.split_once('\n') {
        Some((first, _)) => format!("{first} …"),
        None => text,
    }
}
