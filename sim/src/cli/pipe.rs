//! A closed pipe ends luasim quietly, as it ends ripgrep and cargo: `luasim run x.yaml | head`
//! prints its lines and nothing else, with exit status 0. A write to stdout that meets the
//! closed pipe fails with `BrokenPipe` and returns up to `main` like any error, where
//! `is_broken_pipe` tells it apart; a line to stderr (progress, the error message itself) goes
//! through `note!`, which exits at once when stderr is the closed pipe (`2>&1 | head`) instead of
//! panicking as `eprintln!` does.

use std::fmt;
use std::io::{self, Write};

/// Whether `err` comes from writing to a pipe whose reader has gone.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let kind = cause
            .downcast_ref::<io::Error>()
            .map(io::Error::kind)
            .or_else(|| cause.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind));
        kind == Some(io::ErrorKind::BrokenPipe)
    })
}

/// Writes one line to stderr. A closed stderr ends the program with exit status 0; any other
/// failure to write there (nowhere left to report it) with 2.
pub fn write_note(line: fmt::Arguments<'_>) {
    let mut stderr = io::stderr().lock();
    if let Err(err) = stderr.write_fmt(line).and_then(|()| stderr.write_all(b"\n")) {
        std::process::exit(if err.kind() == io::ErrorKind::BrokenPipe { 0 } else { 2 });
    }
}

/// `eprintln!` for luasim: a line to stderr that ends the program quietly on a closed pipe.
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::cli::pipe::write_note(format_args!($($arg)*))
    };
}
pub(crate) use note;

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn a_broken_pipe_is_found_under_context_and_inside_json_errors() {
        let broken = || io::Error::from(io::ErrorKind::BrokenPipe);
        let wrapped = Err::<(), _>(broken()).context("cannot write the trace").unwrap_err();
        assert!(is_broken_pipe(&wrapped));
        let json = serde_json::to_writer(FailingWriter, &[1, 2, 3]).unwrap_err();
        assert!(is_broken_pipe(&anyhow::Error::from(json)));
        assert!(!is_broken_pipe(&anyhow::Error::from(io::Error::from(io::ErrorKind::PermissionDenied))));
        assert!(!is_broken_pipe(&anyhow::anyhow!("broken pipe")), "only the error kind counts, not the words");
    }

    struct FailingWriter;

    impl Write for FailingWriter {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
}
