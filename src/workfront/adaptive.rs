//! Adaptive concurrency (AIMD): how many requests may be in flight right now.
//!
//! Workfront caps each customer at about 10 requests in flight, shared with every other
//! integration on the tenant, and answers 429 beyond it. So the limit starts at `--concurrency`,
//! shrinks by a quarter on a 429 (multiplicative decrease) and grows by one request per round
//! trip's worth of successes (additive increase), never above `--concurrency`. Within one
//! request of the level where the last 429 came it grows four times slower, so the probing that
//! finds a freed slot costs few 429s. A burst of 429s from requests sent before the last
//! decrease counts once: they report the old limit, not the new one.

use std::sync::Mutex;

use tokio::sync::Notify;

/// The shared limit and the requests holding it.
#[derive(Debug)]
pub struct AdaptiveLimit {
    state: Mutex<State>,
    freed: Notify,
    max: usize,
}

#[derive(Debug)]
struct State {
    /// The current limit, fractional so additive increase can be spread over many successes.
    limit: f64,
    in_flight: usize,
    /// Bumped on every decrease; a request remembers the epoch it started in.
    epoch: u64,
    /// The limit at which the last 429 came, if any.
    ceiling: Option<f64>,
    /// 429s seen, and decreases made.
    throttled: u64,
    /// Acquirers waiting for a slot: while any wait, a newcomer queues behind them instead of
    /// taking a freed slot first, so a request that waited (a read-back behind a stream of
    /// writes that refills itself at once) is never starved.
    waiting: usize,
}

/// Counts its acquirer among the waiters until it has a slot or gives up (is dropped).
struct Waiting<'a>(&'a AdaptiveLimit, bool);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.1 {
            self.0.lock().waiting -= 1;
            self.0.freed.notify_waiters();
        }
    }
}

/// A request's slot; gives it back when dropped.
#[derive(Debug)]
pub struct Slot<'a> {
    owner: &'a AdaptiveLimit,
    epoch: u64,
}

/// The multiplicative decrease on a 429.
const DECREASE: f64 = 0.75;
/// How much slower the limit grows above the level of the last 429.
const CAREFUL: f64 = 4.0;

impl AdaptiveLimit {
    /// A limit starting (and capped) at `max`.
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        AdaptiveLimit {
            state: Mutex::new(State {
                limit: max as f64,
                in_flight: 0,
                epoch: 0,
                ceiling: None,
                throttled: 0,
                waiting: 0,
            }),
            freed: Notify::new(),
            max,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for a free slot under the current limit.
    pub async fn acquire(&self) -> Slot<'_> {
        let mut waiting = Waiting(self, false);
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            {
                let mut state = self.lock();
                let free = state.in_flight < (state.limit.floor() as usize).max(1);
                // A newcomer may not pass those already waiting.
                if free && (waiting.1 || state.waiting == 0) {
                    state.in_flight += 1;
                    if waiting.1 {
                        state.waiting -= 1;
                        waiting.1 = false;
                    }
                    return Slot { owner: self, epoch: state.epoch };
                }
                if !waiting.1 {
                    state.waiting += 1;
                    waiting.1 = true;
                }
            }
            freed.await;
        }
    }

    /// The limit now, in whole requests.
    pub fn current(&self) -> usize {
        (self.lock().limit.floor() as usize).max(1)
    }

    /// The most the limit may reach (`--concurrency`).
    pub fn max(&self) -> usize {
        self.max
    }

    /// 429s seen so far.
    pub fn throttled(&self) -> u64 {
        self.lock().throttled
    }
}

impl Slot<'_> {
    /// The request succeeded (or failed for a reason that says nothing about load).
    pub fn succeeded(self) {
        let mut state = self.owner.lock();
        let step = match state.ceiling {
            Some(ceiling) if state.limit + 1.0 > ceiling => 1.0 / (CAREFUL * state.limit),
            _ => 1.0 / state.limit,
        };
        state.limit = (state.limit + step).min(self.owner.max as f64);
    }

    /// The server answered 429: too many requests in flight.
    pub fn throttled(self) {
        let mut state = self.owner.lock();
        state.throttled += 1;
        if self.epoch == state.epoch {
            state.ceiling = Some(state.limit);
            state.limit = (state.limit * DECREASE).max(1.0);
            state.epoch += 1;
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.owner.lock().in_flight -= 1;
        self.owner.freed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_shrinks_the_limit_once_per_burst_and_successes_grow_it_back() {
        let limit = AdaptiveLimit::new(32);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let burst: Vec<Slot<'_>> =
                futures::future::join_all((0..20).map(|_| limit.acquire())).await;
            for slot in burst {
                slot.throttled();
            }
            assert_eq!(limit.current(), 24, "twenty 429s from one burst decrease once");
            assert_eq!(limit.throttled(), 20);
            limit.acquire().await.throttled();
            assert_eq!(limit.current(), 18);
            // About one more per round trip of successes up to just below the last 429's level...
            for _ in 0..130 {
                limit.acquire().await.succeeded();
            }
            assert_eq!(limit.current(), 23);
            // ...and four times slower from there.
            for _ in 0..60 {
                limit.acquire().await.succeeded();
            }
            assert_eq!(limit.current(), 23, "probing towards the last 429 is careful");
            for _ in 0..2000 {
                limit.acquire().await.succeeded();
            }
            assert_eq!(limit.current(), 32, "never above the flag");
        });
    }

    #[test]
    fn slots_never_exceed_the_limit_and_free_ones_wake_waiters() {
        let limit = AdaptiveLimit::new(2);
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        rt.block_on(async {
            let a = limit.acquire().await;
            let _b = limit.acquire().await;
            let third =
                tokio::time::timeout(std::time::Duration::from_millis(20), limit.acquire()).await;
            assert!(third.is_err(), "a third request waits");
            let waiter = async { limit.acquire().await.succeeded() };
            let release = async {
                tokio::task::yield_now().await;
                drop(a);
            };
            tokio::join!(waiter, release);
        });
    }

    #[test]
    fn a_freed_slot_goes_to_who_waited_not_to_a_newcomer() {
        use futures::FutureExt;
        let limit = AdaptiveLimit::new(1);
        let first = limit.acquire().now_or_never().expect("a free slot");
        let mut waiter = Box::pin(limit.acquire());
        assert!(waiter.as_mut().now_or_never().is_none(), "the waiter queues");
        drop(first);
        assert!(limit.acquire().now_or_never().is_none(), "a newcomer does not pass the waiter");
        let slot = waiter.as_mut().now_or_never().expect("the waiter gets the freed slot");
        drop(slot);
        assert!(
            limit.acquire().now_or_never().is_some(),
            "with nobody waiting, a newcomer goes at once"
        );
    }
}
