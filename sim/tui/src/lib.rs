//! `luasim tui`: the timeline inspector. A trace (from a run or a saved `--trace-json` file) is
//! indexed once (`timeline`), then drawn as lanes over virtual time with graphs, a log pane and
//! a detail pane, and explored with keys and the mouse.
//!
//! Layout of this module, gitui style: `App` (`app`) holds all state and handles input,
//! `navigate` moves the cursor, view and selection; `panels` draw it, one file per panel,
//! reading only; `timeline`, `lanes`, `graphs` and `search` are the precomputed indexes that
//! keep a frame cheap for a million events; `view` is the zoom and pan arithmetic; `terminal`
//! puts the terminal back however the TUI ends.

mod app;
mod filter;
mod graphs;
mod keys;
mod kinds;
mod lanes;
mod layout;
mod navigate;
mod panels;
mod search;
mod terminal;
mod timeline;
mod units;
mod view;

pub use app::{App, Flow, Mode};
pub use keys::HELP;
pub use panels::draw;

use crossterm::event::{self, Event as Input};
use luasim_core::expect::Outcome;
use luasim_core::trace::Event;
use std::time::Duration;

/// The TUI could not run: the terminal refused raw mode or failed mid-session (not a
/// terminal, closed, …).
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("cannot use the terminal")]
    Terminal(#[from] std::io::Error),
}

/// Opens the timeline of `events` in the terminal until the user quits; `verdicts` are the
/// run's expectations as judged (empty for a saved trace).
pub fn run(events: Vec<Event>, title: String, verdicts: Vec<Outcome>) -> Result<(), TuiError> {
    let mut app = App::new(events, title).with_verdicts(verdicts);
    let mut session = terminal::Session::enter()?;
    loop {
        session.terminal.draw(|frame| draw(frame, &mut app))?;
        // Handle everything already queued before drawing again, so a burst of wheel events
        // or a held key never lags behind.
        let mut input = event::read()?;
        loop {
            let flow = match input {
                Input::Key(key) => app.handle_key(key),
                Input::Mouse(mouse) => {
                    app.handle_mouse(mouse);
                    Flow::Continue
                }
                _ => Flow::Continue,
            };
            if flow == Flow::Quit {
                return Ok(());
            }
            if !event::poll(Duration::ZERO)? {
                break;
            }
            input = event::read()?;
        }
    }
}
