//! Printing that never panics: a closed stdout or stderr (`wf-offboard … | head -1`, a cron
//! job whose log went away) must not stop a run halfway through its writes, so every line goes
//! through these macros, which drop what cannot be written instead of panicking as `outln!`
//! does.

/// A line on stdout (data a script may read), ignoring a closed pipe.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// A line on stderr (for people), ignoring a closed pipe.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Text on stderr without a line end (a prompt), ignoring a closed pipe.
macro_rules! err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
        let _ = std::io::stderr().flush();
    }};
}
