//! Retry with exponential backoff and full jitter: the only place in the client that sleeps.
//!
//! Every attempt first waits for a slot under the adaptive concurrency limit and for the shared
//! rate limiter, so retries count against both.
//! Transient failures (429, 5xx, timeouts, dropped connections) are retried; a Retry-After is
//! honoured when present (Workfront is reported to send none with its 429s). A cancelled run
//! stops retrying at once and keeps the last error.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use governor::DefaultDirectRateLimiter;

use super::ApiError;
use super::adaptive::AdaptiveLimit;
use crate::rng::Rng;

/// How many times and how patiently to try.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry; it doubles each time.
    pub base: Duration,
    /// The longest single wait.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based): uniform in `0..=min(cap, base·2^(retry-1))`.
    pub fn backoff(&self, retry: u32, rng: &mut Rng) -> Duration {
        let ceiling = self.base.saturating_mul(1u32 << (retry - 1).min(16)).min(self.cap);
        ceiling.mul_f64(rng.unit())
    }
}

/// The result of an operation tried until it succeeded, failed for good, or ran out of tries.
#[derive(Debug)]
pub struct Attempted<T> {
    pub result: Result<T, ApiError>,
    /// Attempts actually sent.
    pub attempts: u32,
}

/// The shared pacing of every request a run sends: one rate limiter, one adaptive concurrency
/// limit, one retry policy and the run's cancellation flag.
#[derive(Debug)]
pub struct Pacing {
    pub limiter: DefaultDirectRateLimiter,
    /// How many requests may be in flight now (shrinks on 429, grows back on success).
    pub gate: AdaptiveLimit,
    pub policy: RetryPolicy,
    /// Requests in flight at most (`--concurrency`): how many jobs run at once.
    pub concurrency: usize,
    /// Set on Ctrl-C: no new work starts and retries stop.
    pub cancelled: std::sync::Arc<AtomicBool>,
    /// Requests sleeping before a retry now, and the longest wait chosen lately (ms).
    backing_off: AtomicUsize,
    last_wait_ms: AtomicU64,
    /// The server has answered at least once: a host that cannot be reached before that is
    /// given up at once (a wrong --domain is not a network blip); after it, retried as usual.
    answered: AtomicBool,
}

impl Pacing {
    /// Pacing at `rate` requests per second and `concurrency` in flight.
    pub fn new(rate: std::num::NonZeroU32, concurrency: usize, policy: RetryPolicy) -> Self {
        Pacing {
            limiter: governor::RateLimiter::direct(governor::Quota::per_second(rate)),
            gate: AdaptiveLimit::new(concurrency),
            policy,
            concurrency,
            cancelled: std::sync::Arc::new(AtomicBool::new(false)),
            backing_off: AtomicUsize::new(0),
            last_wait_ms: AtomicU64::new(0),
            answered: AtomicBool::new(false),
        }
    }

    /// Sends `op`, retrying transient failures as the policy allows. Each attempt waits for a
    /// slot under the adaptive limit, then for the rate limiter, so retries count against both.
    pub async fn send<T, F, Fut>(&self, mut op: F) -> Attempted<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let mut rng = Rng::from_time();
        let mut attempts = 0;
        loop {
            let slot = self.gate.acquire().await;
            self.limiter.until_ready().await;
            attempts += 1;
            let result = tracing::Instrument::instrument(
                op(),
                tracing::info_span!("send", attempt = attempts),
            )
            .await;
            match &result {
                Err(e) if e.status == Some(429) => slot.throttled(),
                _ => slot.succeeded(),
            }
            let error = match result {
                Ok(value) => {
                    self.answered.store(true, Ordering::Relaxed);
                    return Attempted { result: Ok(value), attempts };
                }
                Err(e) => e,
            };
            if error.status.is_some() {
                self.answered.store(true, Ordering::Relaxed);
            }
            let answered_before = self.answered.load(Ordering::Relaxed);
            if !error.is_transient()
                || attempts >= self.policy.max_attempts
                || self.is_cancelled()
                || (error.unreachable && !answered_before && attempts >= 2)
            {
                return Attempted { result: Err(error), attempts };
            }
            let wait =
                self.policy.backoff(attempts, &mut rng).max(error.retry_after.unwrap_or_default());
            self.last_wait_ms.store(wait.as_millis() as u64, Ordering::Relaxed);
            self.backing_off.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
            self.backing_off.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Has the run been interrupted?
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// A short line for the progress bar: the concurrency now and any backoff.
    pub fn status(&self) -> String {
        let mut line = format!("limit {} (max {})", self.gate.current(), self.gate.max());
        let waiting = self.backing_off.load(Ordering::Relaxed);
        if waiting > 0 {
            let ms = self.last_wait_ms.load(Ordering::Relaxed);
            line.push_str(&format!(", {waiting} backing off {:.1}s", ms as f64 / 1000.0));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;
    use std::sync::atomic::AtomicU32;

    fn pacing() -> Pacing {
        let policy = RetryPolicy { base: Duration::from_millis(1), ..RetryPolicy::default() };
        Pacing::new(NonZeroU32::new(1000).unwrap(), 4, policy)
    }

    fn err(status: u16) -> ApiError {
        ApiError {
            status: Some(status),
            class: None,
            message: "x".into(),
            retry_after: None,
            unreachable: false,
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(350),
        };
        let mut rng = Rng::new(1);
        for _ in 0..100 {
            assert!(p.backoff(1, &mut rng) <= Duration::from_millis(100));
            assert!(p.backoff(2, &mut rng) <= Duration::from_millis(200));
            assert!(p.backoff(9, &mut rng) <= Duration::from_millis(350));
        }
    }

    #[tokio::test]
    async fn transient_errors_are_retried_until_success_and_counted() {
        let calls = AtomicU32::new(0);
        let pacing = pacing();
        let out = pacing
            .send(|| async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 { Err(err(429)) } else { Ok(7) }
            })
            .await;
        assert_eq!((out.result.unwrap(), out.attempts), (7, 3));
        assert_eq!(pacing.gate.throttled(), 2, "429s reach the adaptive limit");
        assert!(pacing.gate.current() < 4);
    }

    #[tokio::test]
    async fn permanent_errors_and_cancellation_stop_at_once() {
        let pacing = pacing();
        let out = pacing.send(|| async { Err::<(), _>(err(422)) }).await;
        assert_eq!(out.attempts, 1);
        let out = pacing.send(|| async { Err::<(), _>(err(503)) }).await;
        assert_eq!(out.attempts, pacing.policy.max_attempts);
        pacing.cancelled.store(true, Ordering::SeqCst);
        let out = pacing.send(|| async { Err::<(), _>(err(503)) }).await;
        assert_eq!(out.attempts, 1);
    }
}
