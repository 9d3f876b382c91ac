//! The terminal: the confirmation prompt and the progress bars (hidden without a terminal or
//! with `--quiet`).

use std::future::Future;
use std::io::BufRead;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::Direction;
use crate::exit::RunError;
use crate::plan::PlannedRow;
use crate::report::Counts;
use crate::settings::RunSettings;

/// Asks on the terminal, showing the tenant, the plan's counts and the first names; the user
/// types the number of users to go on. Without a terminal, refuses (exit 2): pass `--yes`.
/// Ctrl-C at the prompt stops at once: nothing is sent after it (exit 130).
pub async fn confirm(
    host: &str,
    direction: Direction,
    counts: &Counts,
    rows: &[&PlannedRow],
    interrupt: std::pin::Pin<&mut impl Future<Output = ()>>,
) -> Result<(), RunError> {
    let n = rows.len();
    let verb = direction.verb();
    if !crate::console::Console::stdin_is_terminal() {
        return Err(RunError::Fatal(format!(
            "refusing to {verb} {n} users on {host} without confirmation: no terminal to ask on; pass --yes (run with --dry-run first)"
        )));
    }
    let mut prompt = format!(
        "\nTenant: {host}\nPlan:   {}\n\nAbout to {} {n} users:\n",
        counts.one_line(),
        verb.to_uppercase()
    );
    for planned in rows.iter().take(10) {
        if let Some(u) = &planned.user {
            prompt.push_str(&format!(
                "  row {:>5}  {}  <{}>\n",
                planned.input.row, u.name, u.username
            ));
        }
    }
    if n > 10 {
        prompt.push_str(&format!("  … and {} more\n", n - 10));
    }
    prompt.push_str(&format!("Type {n} to {verb} them, anything else to stop: "));
    ask_number(prompt, n, interrupt).await
}

/// Shows `prompt` on the terminal and goes on only if the person types `n`. Ctrl-C at the prompt
/// stops at once (exit 130); anything else typed stops with nothing changed (exit 2).
pub async fn ask_number(
    prompt: String,
    n: usize,
    interrupt: std::pin::Pin<&mut impl Future<Output = ()>>,
) -> Result<(), RunError> {
    err!("{prompt}");
    // A plain thread, not the runtime's blocking pool: if Ctrl-C wins, the process ends without
    // waiting for a read that may never return.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut answer = String::new();
        let read = std::io::stdin().lock().read_line(&mut answer).map(|_| answer);
        let _ = tx.send(read);
    });
    let answer = tokio::select! {
        answer = rx => answer.map_err(|_| RunError::Fatal("cannot read the answer".to_string()))?,
        () = interrupt => return Err(RunError::Interrupted("not confirmed: nothing was changed".into())),
    };
    let answer = answer.map_err(|e| RunError::Fatal(format!("cannot read the answer: {e}")))?;
    if answer.trim() == n.to_string() {
        Ok(())
    } else {
        Err(RunError::Fatal("not confirmed: nothing was changed".into()))
    }
}

/// A progress bar on stderr, hidden when stderr is not a terminal or with `--quiet`. `{prefix}`
/// is `what`, `{rate}` the items per second.
pub fn bar(show: bool, what: &'static str, template: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(template)
        .expect("the template is valid")
        .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0}/s", state.per_sec());
        })
        .progress_chars("=> ");
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(style);
    bar.set_prefix(what);
    bar.enable_steady_tick(Duration::from_millis(200));
    crate::console::Console::drawing(&bar);
    bar
}

/// Should progress be drawn?
pub fn shows_progress(run: &RunSettings) -> bool {
    !run.quiet
        && crate::console::Console::stderr_is_terminal()
        && !crate::logging::ON_STDERR.load(std::sync::atomic::Ordering::Relaxed)
}
