//! Printing that never panics: a closed stdout or stderr (`wf-offboard … | head -1`, a cron
//! job whose log went away) must not stop a run halfway through its writes, so every line goes
//! through these macros, which drop what cannot be written instead of panicking as `outln!`
//! does.

/// A line on stdout (data a script may read), ignoring a closed pipe.
macro_rules! outln {
    ($($arg:tt)*) => {{
        $crate::console::Console::out_line(format_args!($($arg)*));
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
        $crate::console::Console::text(format_args!($($arg)*));
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

/// What a run in this process printed, when it runs captured ([`Console::capture`]): its
/// stdout and stderr. A captured run has no terminal.
#[derive(Debug, Default)]
pub struct Captured {
    pub out: Vec<u8>,
    pub err: Vec<u8>,
}

tokio::task_local! {
    static CAPTURED: std::cell::RefCell<Captured>;
}

impl Console {
    /// Says that `bar` is being drawn: lines printed while it runs suspend it.
    pub fn drawing(bar: &ProgressBar) {
        *DRAWING.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(bar.downgrade());
    }

    /// Runs `work` with everything printed through the console kept, not written: the
    /// library's run in-process (tests), which has no terminal.
    pub async fn capture<T>(work: impl std::future::Future<Output = T>) -> (T, Captured) {
        CAPTURED
            .scope(std::cell::RefCell::new(Captured::default()), async {
                let done = work.await;
                (done, CAPTURED.with(|c| c.take()))
            })
            .await
    }

    /// Writes into the capture, if this run is captured.
    fn captured(write: impl FnOnce(&mut Captured)) -> bool {
        CAPTURED.try_with(|c| write(&mut c.borrow_mut())).is_ok()
    }

    /// Is stdin a terminal (someone to ask)? Never for a captured run.
    pub fn stdin_is_terminal() -> bool {
        !Self::captured(|_| {}) && std::io::IsTerminal::is_terminal(&std::io::stdin())
    }

    /// Is stderr a terminal (a bar to draw)? Never for a captured run.
    pub fn stderr_is_terminal() -> bool {
        !Self::captured(|_| {}) && std::io::IsTerminal::is_terminal(&std::io::stderr())
    }

    /// One line on stdout.
    pub fn out_line(text: std::fmt::Arguments<'_>) {
        use std::io::Write as _;
        if !Self::captured(|c| drop(writeln!(c.out, "{text}"))) {
            let _ = writeln!(std::io::stdout(), "{text}");
        }
    }

    /// Text on stderr without a line end (a prompt), flushed.
    pub fn text(text: std::fmt::Arguments<'_>) {
        use std::io::Write as _;
        if !Self::captured(|c| drop(write!(c.err, "{text}"))) {
            let _ = write!(std::io::stderr(), "{text}");
            let _ = std::io::stderr().flush();
        }
    }

    /// Prints one line on stderr, with the bar (if one is drawn) cleared around it.
    pub fn line(text: std::fmt::Arguments<'_>) {
        use std::io::Write as _;
        if Self::captured(|c| drop(writeln!(c.err, "{text}"))) {
            return;
        }
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
