//! The read-back as writes finish: written rows wait in a page of up to 100 IDs (or 500 ms),
//! are read back together, and reach the collector only with the server's word on them.

use futures::StreamExt;
use futures::future::BoxFuture;

#[allow(unused_imports)]
use super::{Finished, Ran};
use crate::report::{Outcome, OutcomeKind};
use crate::verify::{Written, settle_all};
use crate::workfront::{Client, IDS_PER_GET, Pacing};

/// How long a written row waits for others to share its read-back before it is read alone:
/// short enough that the report follows the run, long enough that reads stay a small share of
/// the requests.
pub(super) const READ_BACK_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// Users read back by ID, or why they could not be.
pub(super) type UsersNow =
    Result<std::collections::HashMap<String, crate::directory::DirUser>, String>;

/// The read-after-write check as the writes go: rows wait until a full page of IDs is ready
/// (or the writes are over), then one `user/search` reads them back.
pub(super) struct ReadBack<'a> {
    client: &'a Client,
    pacing: &'a Pacing,
    waiting: Vec<Written>,
    running: futures::stream::FuturesUnordered<BoxFuture<'a, (usize, UsersNow)>>,
    /// Rows in reads still running, by read, so an interruption can account for them.
    in_flight: std::collections::HashMap<usize, Vec<Written>>,
    next_read: usize,
    /// When the oldest waiting row finished its write.
    oldest: Option<tokio::time::Instant>,
    pub(super) read: usize,
    pub(super) not_kept: usize,
    pub(super) unconfirmed: usize,
}

impl<'a> ReadBack<'a> {
    pub(super) fn new(client: &'a Client, pacing: &'a Pacing) -> Self {
        ReadBack {
            client,
            pacing,
            waiting: Vec::new(),
            running: Default::default(),
            in_flight: Default::default(),
            next_read: 0,
            oldest: None,
            read: 0,
            not_kept: 0,
            unconfirmed: 0,
        }
    }

    pub(super) fn add(&mut self, written: Written) {
        self.oldest.get_or_insert_with(tokio::time::Instant::now);
        self.waiting.push(written);
    }

    /// When the waiting rows should be read without waiting for a full page: no read is
    /// running and the oldest has waited [`READ_BACK_WAIT`].
    pub(super) fn due(&self) -> Option<tokio::time::Instant> {
        if !self.running.is_empty() {
            return None;
        }
        self.oldest.map(|t| t + READ_BACK_WAIT)
    }

    /// Starts a read for each full page waiting, for the rest too when `all` or when they are
    /// due.
    pub(super) fn start(&mut self, all: bool) {
        let all = all || self.due().is_some_and(|at| at <= tokio::time::Instant::now());
        while self.waiting.len() >= IDS_PER_GET || (all && !self.waiting.is_empty()) {
            let rest = self.waiting.split_off(self.waiting.len().min(IDS_PER_GET));
            let page = std::mem::replace(&mut self.waiting, rest);
            let ids: Vec<String> =
                page.iter().filter_map(|w| w.outcome.user.as_ref().map(|u| u.id.clone())).collect();
            let number = self.next_read;
            self.next_read += 1;
            self.in_flight.insert(number, page);
            let (client, pacing) = (self.client, self.pacing);
            self.running.push(Box::pin(async move {
                (number, crate::verify::read_page(client, pacing, ids).await)
            }));
        }
        if self.waiting.is_empty() {
            self.oldest = None;
        }
    }

    /// Rows are waiting or being read.
    pub(super) fn is_running(&self) -> bool {
        !self.running.is_empty() || !self.waiting.is_empty()
    }

    /// A read is in flight (polling `next` otherwise would answer at once, and spin).
    pub(super) fn is_reading(&self) -> bool {
        !self.running.is_empty()
    }

    /// The rows of the next read to finish, settled by what it saw.
    pub(super) async fn next(&mut self) -> Vec<Outcome> {
        let Some((number, read)) = self.running.next().await else {
            return Vec::new();
        };
        let page = self.in_flight.remove(&number).unwrap_or_default();
        self.count(settle_all(page, &read))
    }

    pub(super) fn count(&mut self, outcomes: Vec<Outcome>) -> Vec<Outcome> {
        self.read += outcomes.len();
        for outcome in outcomes.iter().filter(|o| o.kind == OutcomeKind::Failed) {
            if outcome.error.contains("could not confirm") {
                self.unconfirmed += 1;
            } else {
                self.not_kept += 1;
            }
        }
        outcomes
    }

    /// Stops every read: rows not yet read back end `failed` "could not confirm".
    pub(super) fn abandon(&mut self) -> Vec<Outcome> {
        self.running = Default::default();
        let mut rows: Vec<Written> = self.in_flight.drain().flat_map(|(_, page)| page).collect();
        rows.append(&mut self.waiting);
        self.count(settle_all(rows, &Err("interrupted before the user was read back".into())))
    }
}
