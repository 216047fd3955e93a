//! Where in an input file a problem is: `file:line:col`, as scenario and project errors both
//! print it, so that editors and terminals can jump there.

use std::fmt;

/// A file and, when known, the line and column (both from 1) in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub line: Option<usize>,
    /// Only printed with a line.
    pub column: Option<usize>,
}

impl Position {
    /// The whole file, no line.
    pub fn file(file: impl Into<String>) -> Position {
        Position { file: file.into(), line: None, column: None }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_what_is_known() {
        assert_eq!(Position::file("a.yaml").to_string(), "a.yaml");
        let at = |line, column| Position { file: "a.yaml".into(), line, column };
        assert_eq!(at(Some(3), None).to_string(), "a.yaml:3");
        assert_eq!(at(Some(3), Some(7)).to_string(), "a.yaml:3:7");
        assert_eq!(at(None, Some(7)).to_string(), "a.yaml");
    }
}
