//! A secret (API key, password, session) that never prints (after xh's `redacted.rs`).
//!
//! `Debug` shows `(redacted)` and there is no `Display`, so a secret cannot reach a log line,
//! an error message or the report by accident; code that must send it calls [`Secret::expose`].

/// A string that must never be shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret, trimming the whitespace files and prompts leave around it.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into().trim().to_string())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when nothing is left after trimming.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new(" hunter2\n");
        assert_eq!(format!("{s:?}"), "(redacted)");
        assert_eq!(s.expose(), "hunter2");
    }
}
