//! The TUI's state and every change to it, apart from drawing: the view (zoom and pan), the
//! cursor, the selected lane and event, the filter, the search and which popup is open. Keys
//! and mouse events come in through `handle_key` and `handle_mouse`; the panels only read.
//!
//! The cursor is a virtual time; the selected event is the first shown event of the selected
//! lane in the cursor's column, or the event a jump landed on.

use super::filter::Filter;
use super::lanes::Lane;
use super::layout::Areas;
use super::navigate::Target;
use super::search::Search;
use super::timeline::{next_in, Anchor, Timeline};
use super::view::View;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use luasim_core::expect::Outcome;
use luasim_core::time::Micros;
use luasim_core::trace::Event;
use ratatui::layout::{Position, Rect};

/// Whether the event loop goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// What the keys currently drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Help,
    /// The kind filter popup, with the highlighted row.
    Filter {
        row: usize,
    },
    /// Typing a search query.
    Search {
        input: String,
    },
    /// The expectations' verdicts, with the highlighted row.
    Verdicts {
        row: usize,
    },
}

pub struct App {
    pub(super) timeline: Timeline,
    pub(super) title: String,
    pub(super) view: View,
    pub(super) cursor: Micros,
    /// The selected lane, as an index into `visible`.
    pub(super) lane: usize,
    /// The first visible lane drawn.
    pub(super) lane_scroll: usize,
    pub(super) selected: Option<u32>,
    pub(super) filter: Filter,
    /// Lanes with at least one shown kind.
    pub(super) visible: Vec<usize>,
    pub(super) search: Option<Search>,
    pub(super) mode: Mode,
    /// A one-off note for the status line ("no later error"), cleared by the next key.
    pub(super) message: Option<String>,
    pub(super) areas: Areas,
    /// The scenario's expectations and how each ended (none for a saved trace).
    pub(super) verdicts: Vec<Outcome>,
}

impl App {
    pub fn new(events: Vec<Event>, title: String) -> App {
        let timeline = Timeline::new(events);
        let (lo, hi) = timeline.bounds();
        let mut app = App {
            view: View::new(lo, hi),
            cursor: lo,
            lane: 0,
            lane_scroll: 0,
            selected: None,
            filter: Filter::default(),
            visible: Vec::new(),
            search: None,
            mode: Mode::Normal,
            message: None,
            areas: Areas::default(),
            verdicts: Vec::new(),
            timeline,
            title,
        };
        app.refilter();
        app.reselect();
        app
    }

    /// The same App with the verdicts of the run the events came from, for the verdict panel.
    pub fn with_verdicts(mut self, verdicts: Vec<Outcome>) -> App {
        self.verdicts = verdicts;
        self
    }

    /// Lays the screen out for `area`; the drawing code calls this before every frame.
    pub fn fit(&mut self, area: Rect) {
        self.areas = Areas::new(area, self.visible.len(), self.timeline.graphs.len());
        self.view.set_cols(self.areas.columns());
        self.scroll_to_lane();
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    pub(super) fn current_lane(&self) -> Option<(usize, &Lane)> {
        let index = *self.visible.get(self.lane)?;
        Some((index, &self.timeline.lanes[index]))
    }

    /// The span of the column the cursor is in.
    pub(super) fn cursor_column(&self) -> (Micros, Micros) {
        match self.view.col_of(self.cursor) {
            Some(c) => self.view.column(c),
            None => (self.cursor, self.cursor.saturating_add(1)),
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> Flow {
        if key.kind == KeyEventKind::Release {
            return Flow::Continue;
        }
        self.message = None;
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Flow::Quit;
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => return self.normal_key(key),
            Mode::Help => {}
            Mode::Filter { row } => self.filter_key(key, row),
            Mode::Search { input } => self.search_key(key, input),
            Mode::Verdicts { row } => self.verdicts_key(key, row),
        }
        Flow::Continue
    }

    fn normal_key(&mut self, key: KeyEvent) -> Flow {
        let half = (self.view.cols() / 2).max(1) as i64;
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        match key.code {
            KeyCode::Char('q') => return Flow::Quit,
            KeyCode::Char('?') => self.mode = Mode::Help,
            KeyCode::Esc => self.search = None,
            KeyCode::Left if shift => self.pan(-half),
            KeyCode::Right if shift => self.pan(half),
            KeyCode::Left | KeyCode::Char('h') => self.step_cursor(-1),
            KeyCode::Right | KeyCode::Char('l') => self.step_cursor(1),
            KeyCode::Char('H') | KeyCode::PageUp => self.pan(-half),
            KeyCode::Char('L') | KeyCode::PageDown => self.pan(half),
            KeyCode::Char('+' | '=') => self.zoom_on_selection(true),
            KeyCode::Char('-' | '_') => self.zoom_on_selection(false),
            KeyCode::Char('0') => {
                self.view.fit();
                self.sync_selection();
            }
            KeyCode::Home => self.put_cursor(self.view.lo()),
            KeyCode::End => self.put_cursor(self.view.hi()),
            KeyCode::Up | KeyCode::Char('k') => self.select_lane(-1),
            KeyCode::Down | KeyCode::Char('j') => self.select_lane(1),
            KeyCode::Tab => self.step_in_lane(true),
            KeyCode::BackTab => self.step_in_lane(false),
            KeyCode::Char('e') => self.jump(Target::Errors, true),
            KeyCode::Char('E') => self.jump(Target::Errors, false),
            KeyCode::Char('r') => self.jump(Target::Restarts, true),
            KeyCode::Char('R') => self.jump(Target::Restarts, false),
            KeyCode::Char('n') => self.jump(Target::Matches, true),
            KeyCode::Char('N') => self.jump(Target::Matches, false),
            KeyCode::Char('f') => self.mode = Mode::Filter { row: 0 },
            KeyCode::Char('/') => self.mode = Mode::Search { input: String::new() },
            KeyCode::Char('v') if self.verdicts.is_empty() => {
                self.message = Some("no verdicts: a saved trace has none (open the scenario)".into());
            }
            KeyCode::Char('v') => {
                let row = self.verdicts.iter().position(|o| !o.passed).unwrap_or(0);
                self.mode = Mode::Verdicts { row };
            }
            _ => {}
        }
        Flow::Continue
    }

    fn verdicts_key(&mut self, key: KeyEvent, mut row: usize) {
        let last = self.verdicts.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc | KeyCode::Char('v' | 'q') => return,
            KeyCode::Enter => return self.go_to_verdict(row),
            KeyCode::Up | KeyCode::Char('k') => row = row.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => row = (row + 1).min(last),
            _ => {}
        }
        self.mode = Mode::Verdicts { row };
    }

    /// Jumps to what a verdict points at: the event of a failure's cause (among those at its
    /// time, the one whose line it quotes), else the first match.
    fn go_to_verdict(&mut self, row: usize) {
        let Some(outcome) = self.verdicts.get(row) else { return };
        let Some(at) = outcome.cause.as_ref().map(|c| c.at_us).or(outcome.first_at_us) else {
            self.message = Some(format!("nothing in the trace to show for {}", outcome.expectation));
            return;
        };
        let quoted = outcome.cause.as_ref().map(|c| c.line.lines().next().unwrap_or_default().to_string());
        let (from, to) = (self.timeline.before(at), self.timeline.before(at.saturating_add(1)));
        let says = |e: &Event| {
            let lines = [e.log_line(), e.error_line(), e.mqtt_line(), e.telegram_line()];
            quoted.as_ref().is_some_and(|q| lines.iter().flatten().any(|l| l == q))
        };
        let found = (from..to).find(|&p| says(self.timeline.event(p))).or((from < to).then_some(from));
        match found {
            Some(pos) => self.go_to(pos),
            None => self.put_cursor(at),
        }
    }

    fn filter_key(&mut self, key: KeyEvent, mut row: usize) {
        let last = self.timeline.present.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('f' | 'q') => return,
            KeyCode::Up | KeyCode::Char('k') => row = row.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => row = (row + 1).min(last),
            KeyCode::Char(' ') => {
                if let Some(&(kind, _)) = self.timeline.present.get(row) {
                    self.filter.toggle(kind);
                    self.refilter();
                }
            }
            KeyCode::Char('a') => {
                self.filter.toggle_all();
                self.refilter();
            }
            _ => {}
        }
        self.mode = Mode::Filter { row };
    }

    fn search_key(&mut self, key: KeyEvent, mut input: String) {
        match key.code {
            KeyCode::Esc => return,
            KeyCode::Enter => return self.start_search(input),
            KeyCode::Backspace => {
                input.pop();
            }
            KeyCode::Char(c) => input.push(c),
            _ => {}
        }
        self.mode = Mode::Search { input };
    }

    fn start_search(&mut self, query: String) {
        if query.is_empty() {
            self.search = None;
            return;
        }
        let search = Search::run(&query, &self.timeline);
        let (from, _) = Anchor::Time(self.cursor).around(&self.timeline);
        let found = next_in(&search.matches, from);
        let first = search.matches.first().copied();
        self.search = Some(search);
        match (found, first) {
            (Some(p), _) => self.go_to(p),
            (None, Some(p)) => {
                self.go_to(p);
                self.message = Some("no match after the cursor: wrapped to the first".into());
            }
            (None, None) => self.message = Some(format!("no event matches \"{query}\"")),
        }
    }

    pub fn handle_mouse(&mut self, mouse: MouseEvent) {
        if self.mode != Mode::Normal {
            return;
        }
        let (_, columns) = self.areas.split(self.areas.lanes);
        let time = (mouse.column >= columns.x && mouse.column < columns.right())
            .then(|| self.view.column(u64::from(mouse.column - columns.x)).0.min(self.view.hi()));
        let step = (self.view.cols() / 8).max(1) as i64;
        let shift = mouse.modifiers.contains(KeyModifiers::SHIFT);
        match mouse.kind {
            MouseEventKind::ScrollUp if shift => self.pan(-step),
            MouseEventKind::ScrollDown if shift => self.pan(step),
            MouseEventKind::ScrollLeft => self.pan(-step),
            MouseEventKind::ScrollRight => self.pan(step),
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                self.view.zoom(mouse.kind == MouseEventKind::ScrollUp, time.unwrap_or(self.cursor));
                self.sync_selection();
            }
            MouseEventKind::Down(MouseButton::Left) => {
                let at = Position::new(mouse.column, mouse.row);
                if self.areas.lanes.contains(at) {
                    let lane = self.lane_scroll + usize::from(mouse.row - self.areas.lanes.y);
                    if lane < self.visible.len() {
                        self.lane = lane;
                    }
                }
                let timed = [self.areas.axis, self.areas.lanes, self.areas.graphs].iter().any(|a| a.contains(at));
                if let (Some(t), true) = (time, timed) {
                    self.cursor = t;
                }
                self.reselect();
            }
            _ => {}
        }
    }
}
