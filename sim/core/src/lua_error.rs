//! mlua's error, kept as the source of an error that crosses threads.
//!
//! `mlua::Error` is not `Send` (mlua's `send` feature would ask it of every callback and
//! userdata, and the device is shared through `Rc`), yet `luasim check` runs scenarios on
//! worker threads and hands their errors back. A `LuaError` keeps what the mlua error says and
//! its chain of sources, level by level, as owned text: the same `Display` and `source()`
//! chain, and `Send`.

use std::error::Error;
use std::fmt;

/// An mlua error as text: its message and, below it, its sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LuaError {
    message: String,
    source: Option<Box<LuaError>>,
}

impl LuaError {
    /// The chain of `error` and its sources, each as its `Display` says.
    pub fn of(error: &dyn Error) -> LuaError {
        LuaError { message: error.to_string(), source: error.source().map(|s| Box::new(LuaError::of(s))) }
    }
}

impl From<mlua::Error> for LuaError {
    fn from(e: mlua::Error) -> LuaError {
        LuaError::of(&e)
    }
}

impl fmt::Display for LuaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for LuaError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_message_and_the_chain_of_sources() {
        let kept = LuaError::from(mlua::Error::external(Outer(std::io::Error::other("disk on fire"))));
        assert_eq!(kept.to_string(), "outer");
        assert_eq!(kept.source().map(|s| s.to_string()).as_deref(), Some("disk on fire"));
        assert!(kept.source().and_then(Error::source).is_none());
        let plain = LuaError::from(mlua::Error::runtime("no memory"));
        assert_eq!((plain.to_string().as_str(), plain.source().is_none()), ("runtime error: no memory", true));
    }

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("outer")
        }
    }
    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }
}
