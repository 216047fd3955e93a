//! Every key and mouse action, as the help screen (and the README) lists them;
//! `App::handle_key` and `App::handle_mouse` implement them.

/// (keys, what they do)
pub const HELP: &[(&str, &str)] = &[
    ("← → h l", "move the cursor one column"),
    ("H L PgUp PgDn", "pan half a screen"),
    ("+ -", "zoom in / out around the cursor"),
    ("0", "zoom out to the whole run"),
    ("Home End", "start / end of the run"),
    ("↑ ↓ k j", "select a lane"),
    ("Tab S-Tab", "next / previous event in the lane"),
    ("e E", "next / previous error (ERROR, E/ log)"),
    ("r R", "next / previous boot or reload"),
    ("f", "filter kinds: Space toggles, a all/none"),
    ("/", "search event text, Enter jumps"),
    ("n N", "next / previous match"),
    ("Esc", "clear the search"),
    ("v", "verdicts: Enter jumps to a failure's cause"),
    ("wheel", "zoom at the pointer (Shift: pan)"),
    ("click", "put the cursor on a lane and time"),
    ("?", "this help (any key closes it)"),
    ("q Ctrl-C", "quit"),
];
