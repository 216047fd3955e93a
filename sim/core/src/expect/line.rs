//! A line of one kind that an expectation looks for: a log line, an MQTT publish, a Telegram
//! message or an error, each as the text the flat expectations (`log:`, `mqtt:`, …) match.
//! The ordered and relative expectations (`sequence:`, `after:`) are made of these.

use super::Matcher;
use crate::trace::Event;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Log,
    Mqtt,
    Telegram,
    Error,
}

impl LineKind {
    pub fn name(self) -> &'static str {
        match self {
            LineKind::Log => "log",
            LineKind::Mqtt => "mqtt",
            LineKind::Telegram => "telegram",
            LineKind::Error => "error",
        }
    }

    /// The event's text as this kind matches it, if it is one of this kind.
    pub fn text(self, event: &Event) -> Option<String> {
        match self {
            LineKind::Log => event.log_line(),
            LineKind::Mqtt => event.mqtt_line(),
            LineKind::Telegram => event.telegram_line(),
            LineKind::Error => event.error_line(),
        }
    }
}

/// One kind of line and what it must match.
#[derive(Debug, Clone)]
pub struct Line {
    pub kind: LineKind,
    pub matcher: Matcher,
}

impl Line {
    /// The matched text, when `event` is a line of this kind that matches.
    pub fn matched(&self, event: &Event) -> Option<String> {
        self.kind.text(event).filter(|text| self.matcher.matches(text))
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.name(), self.matcher)
    }
}
