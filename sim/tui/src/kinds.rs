//! The kinds of event the TUI tells apart: the trace's kinds, with log lines split by level so a
//! filter can keep warnings and errors only. Each kind has a one-cell glyph, a colour and a rank
//! that decides which glyph a cell shows when several kinds share it.
//!
//! `Kind::of` matches every `EventKind` exhaustively: a new event kind does not compile until it
//! is given a glyph here and a lane in `lanes::lane_of`.

use luasim_core::trace::{Event, EventKind, Level};
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Boot,
    Reload,
    Sleep,
    Script,
    End,
    LogDebug,
    LogInfo,
    LogWarn,
    LogError,
    LogPrint,
    Error,
    Inject,
    MqttOut,
    Telegram,
    Drop,
    Subscribe,
    Callback,
    Skip,
    TimerStart,
    TimerReject,
    TimerStop,
    TimerFire,
    ModuleCall,
}

impl Kind {
    /// Every kind, in the order the filter lists them.
    pub const ALL: [Kind; 23] = [
        Kind::Boot,
        Kind::Reload,
        Kind::Sleep,
        Kind::Script,
        Kind::End,
        Kind::LogDebug,
        Kind::LogInfo,
        Kind::LogWarn,
        Kind::LogError,
        Kind::LogPrint,
        Kind::Error,
        Kind::Inject,
        Kind::MqttOut,
        Kind::Telegram,
        Kind::Drop,
        Kind::Subscribe,
        Kind::Callback,
        Kind::Skip,
        Kind::TimerStart,
        Kind::TimerReject,
        Kind::TimerStop,
        Kind::TimerFire,
        Kind::ModuleCall,
    ];

    pub fn of(event: &Event) -> Kind {
        match &event.kind {
            EventKind::Boot { .. } => Kind::Boot,
            EventKind::Reload { .. } => Kind::Reload,
            EventKind::Sleep { .. } => Kind::Sleep,
            EventKind::Script { .. } => Kind::Script,
            EventKind::End { .. } => Kind::End,
            EventKind::Log { level, .. } => match level {
                Level::Debug => Kind::LogDebug,
                Level::Info => Kind::LogInfo,
                Level::Warn => Kind::LogWarn,
                Level::Error => Kind::LogError,
                Level::Print => Kind::LogPrint,
            },
            EventKind::Error { .. } => Kind::Error,
            EventKind::Inject { .. } => Kind::Inject,
            EventKind::MqttOut { .. } => Kind::MqttOut,
            EventKind::Telegram { .. } => Kind::Telegram,
            EventKind::QueueDrop { .. } => Kind::Drop,
            EventKind::Subscribe { .. } => Kind::Subscribe,
            EventKind::Callback { .. } => Kind::Callback,
            EventKind::Skip { .. } => Kind::Skip,
            EventKind::TimerStart { .. } => Kind::TimerStart,
            EventKind::TimerReject { .. } => Kind::TimerReject,
            EventKind::TimerStop { .. } => Kind::TimerStop,
            EventKind::TimerFire { .. } => Kind::TimerFire,
            EventKind::ModuleCall { .. } => Kind::ModuleCall,
        }
    }

    /// Position in `ALL`, for per-kind tables.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name the filter shows: the trace's keyword, log lines with their level letter.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Boot => "boot",
            Kind::Reload => "reload",
            Kind::Sleep => "sleep",
            Kind::Script => "script",
            Kind::End => "end",
            Kind::LogDebug => "log D/",
            Kind::LogInfo => "log I/",
            Kind::LogWarn => "log W/",
            Kind::LogError => "log E/",
            Kind::LogPrint => "log print",
            Kind::Error => "ERROR",
            Kind::Inject => "inject",
            Kind::MqttOut => "mqtt>",
            Kind::Telegram => "telegram",
            Kind::Drop => "drop",
            Kind::Subscribe => "sub",
            Kind::Callback => "call",
            Kind::Skip => "skip",
            Kind::TimerStart => "timer+",
            Kind::TimerReject => "timer!",
            Kind::TimerStop => "timer-",
            Kind::TimerFire => "fire",
            Kind::ModuleCall => "module",
        }
    }

    /// The character a lane cell shows for this kind.
    pub fn glyph(self) -> char {
        match self {
            Kind::Boot => 'B',
            Kind::Reload => 'R',
            Kind::Sleep => 'z',
            Kind::Script => 's',
            Kind::End => '|',
            Kind::LogDebug => 'D',
            Kind::LogInfo => 'I',
            Kind::LogWarn => 'W',
            Kind::LogError => 'E',
            Kind::LogPrint => 'P',
            Kind::Error => 'X',
            Kind::Inject => 'i',
            Kind::MqttOut => 'm',
            Kind::Telegram => 't',
            Kind::Drop => 'D',
            Kind::Subscribe => 'S',
            Kind::Callback => 'c',
            Kind::Skip => 'x',
            Kind::TimerStart => '+',
            Kind::TimerReject => '!',
            Kind::TimerStop => '-',
            Kind::TimerFire => '*',
            Kind::ModuleCall => 'u',
        }
    }

    pub fn style(self) -> Style {
        let fg = match self {
            Kind::Error | Kind::LogError | Kind::Drop => Color::LightRed,
            Kind::LogWarn | Kind::Skip | Kind::TimerReject => Color::Yellow,
            Kind::Boot | Kind::Reload => Color::LightGreen,
            Kind::Sleep => Color::Blue,
            Kind::MqttOut | Kind::Telegram | Kind::Inject | Kind::ModuleCall => Color::LightMagenta,
            Kind::TimerFire | Kind::TimerStart | Kind::TimerStop => Color::LightCyan,
            Kind::Subscribe | Kind::Callback => Color::LightBlue,
            Kind::LogDebug | Kind::Script | Kind::End => Color::Gray,
            Kind::LogInfo | Kind::LogPrint => Color::White,
        };
        let style = Style::new().fg(fg);
        if self.rank() >= Kind::Skip.rank() {
            style.add_modifier(Modifier::BOLD)
        } else {
            style
        }
    }

    /// Which glyph wins a cell shared by several kinds (higher wins): errors first, then what
    /// changes the device's state, then routine traffic.
    pub fn rank(self) -> usize {
        RANKED.iter().position(|&k| k == self).unwrap_or(0)
    }
}

/// Every kind from the least to the most important.
const RANKED: [Kind; Kind::ALL.len()] = [
    Kind::LogDebug,
    Kind::LogPrint,
    Kind::LogInfo,
    Kind::Script,
    Kind::Subscribe,
    Kind::TimerStart,
    Kind::TimerStop,
    Kind::Inject,
    Kind::MqttOut,
    Kind::Telegram,
    Kind::ModuleCall,
    Kind::Callback,
    Kind::TimerFire,
    Kind::End,
    Kind::LogWarn,
    Kind::Sleep,
    Kind::Reload,
    Kind::Boot,
    Kind::Skip,
    Kind::TimerReject,
    Kind::Drop,
    Kind::LogError,
    Kind::Error,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_kind_at_its_index() {
        for (i, kind) in Kind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), i);
        }
        let mut ranks: Vec<usize> = Kind::ALL.iter().map(|k| k.rank()).collect();
        ranks.sort_unstable();
        assert_eq!(ranks, (0..Kind::ALL.len()).collect::<Vec<_>>(), "every kind has its own rank");
    }
}
