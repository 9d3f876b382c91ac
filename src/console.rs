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

/// A line on stderr (for people), ignoring a closed pipe; a progress bar being drawn is
/// suspended while it prints, so the line never lands inside the bar.
macro_rules! errln {
    ($($arg:tt)*) => {{
        $crate::console::Console::line(format_args!($($arg)*));
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

use std::sync::Mutex;

use indicatif::{ProgressBar, WeakProgressBar};

/// The one owner of stderr for people: the progress bar being drawn and the lines printed
/// around it. Lines go through [`Console::line`] (the `errln!` macro); bars register with
/// [`Console::drawing`] when they are made (`session::bar`).
pub struct Console;

/// The bar drawn now, if any (weak: a finished or dropped bar is simply gone).
static DRAWING: Mutex<Option<WeakProgressBar>> = Mutex::new(None);

impl Console {
    /// Says that `bar` is being drawn: lines printed while it runs suspend it.
    pub fn drawing(bar: &ProgressBar) {
        *DRAWING.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(bar.downgrade());
    }

    /// Prints one line on stderr, with the bar (if one is drawn) cleared around it.
    pub fn line(text: std::fmt::Arguments<'_>) {
        use std::io::Write as _;
        let bar = DRAWING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .and_then(WeakProgressBar::upgrade)
            .filter(|bar| !bar.is_finished() && !bar.is_hidden());
        let print = || {
            let _ = writeln!(std::io::stderr(), "{text}");
        };
        match bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_print_around_a_bar_that_is_drawn_finished_or_gone() {
        let bar = ProgressBar::with_draw_target(Some(3), indicatif::ProgressDrawTarget::hidden());
        Console::drawing(&bar);
        Console::line(format_args!("while drawing"));
        bar.finish_and_clear();
        Console::line(format_args!("after it finished"));
        drop(bar);
        Console::line(format_args!("after it was dropped"));
        let gone = DRAWING.lock().unwrap().as_ref().and_then(WeakProgressBar::upgrade);
        assert!(gone.is_none(), "a dropped bar is not kept alive by the console");
    }
}
