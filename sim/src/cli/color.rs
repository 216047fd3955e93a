//! `--color auto|always|never`, one flag for everything luasim colours: clap's help and usage
//! errors, the `luasim check` report, and the log lines `RUST_LOG` turns on. `auto` colours a
//! stream only when it is a terminal and `NO_COLOR` is unset or empty (no-color.org); `always`
//! and `never` override both, as a flag given on the command line overrides the environment.

use clap::ValueEnum;
use std::ffi::OsString;

/// When to colour output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    /// Into files and pipes too, and despite NO_COLOR.
    Always,
    /// Not at all.
    Never,
}

impl ColorWhen {
    /// Whether to colour a stream that is (or is not) a terminal.
    pub fn enabled(self, terminal: bool) -> bool {
        self.enabled_with(terminal, std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()))
    }

    fn enabled_with(self, terminal: bool, no_color: bool) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => terminal && !no_color,
        }
    }

    /// clap's setting for its help and errors (its `auto` reads the terminal and `NO_COLOR` too).
    pub fn for_clap(self) -> clap::ColorChoice {
        match self {
            ColorWhen::Auto => clap::ColorChoice::Auto,
            ColorWhen::Always => clap::ColorChoice::Always,
            ColorWhen::Never => clap::ColorChoice::Never,
        }
    }

    /// The `--color` among `args` (the last one given), read before clap parses them, so that
    /// clap's own help and usage errors follow it too. A value clap will refuse counts as `auto`.
    pub fn scan(args: impl IntoIterator<Item = OsString>) -> Self {
        let mut choice = ColorWhen::Auto;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let value = match arg.to_str() {
                Some("--") => break,
                Some("--color") => args.next(),
                Some(other) => other.strip_prefix("--color=").map(OsString::from),
                None => None,
            };
            if let Some(value) = value {
                choice = value.to_str().and_then(|v| ColorWhen::from_str(v, false).ok()).unwrap_or_default();
            }
        }
        choice
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(args: &[&str]) -> ColorWhen {
        ColorWhen::scan(args.iter().map(OsString::from))
    }

    #[test]
    fn the_flag_is_found_in_both_spellings_before_the_end_of_options() {
        assert_eq!(scan(&["run", "x.yaml"]), ColorWhen::Auto);
        assert_eq!(scan(&["--color", "never", "run"]), ColorWhen::Never);
        assert_eq!(scan(&["check", "a.lua", "--color=always"]), ColorWhen::Always);
        assert_eq!(scan(&["--color=never", "--color", "always"]), ColorWhen::Always, "the last one");
        assert_eq!(scan(&["--color", "sometimes"]), ColorWhen::Auto);
        assert_eq!(scan(&["run", "--", "--color=never"]), ColorWhen::Auto);
    }

    #[test]
    fn auto_colours_a_terminal_unless_no_color_and_the_flag_overrides_both() {
        assert!(ColorWhen::Auto.enabled_with(true, false));
        assert!(!ColorWhen::Auto.enabled_with(true, true));
        assert!(!ColorWhen::Auto.enabled_with(false, false));
        assert!(ColorWhen::Always.enabled_with(false, true));
        assert!(!ColorWhen::Never.enabled_with(true, false));
    }
}
