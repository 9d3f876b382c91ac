//! Retry with exponential backoff and full jitter: the only place in the client that sleeps.
//!
//! Every attempt first waits for the shared rate limiter, so retries count against `--rate` too.
//! Transient failures (429, 5xx, timeouts, dropped connections) are retried; a Retry-After is
//! honoured when present (Workfront is reported to send none with its 429s). A cancelled run
//! stops retrying at once and keeps the last error.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use governor::DefaultDirectRateLimiter;

use super::ApiError;
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
        RetryPolicy { max_attempts: 8, base: Duration::from_millis(200), cap: Duration::from_secs(10) }
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

/// Runs `op` under `limiter`, retrying transient failures as `policy` allows.
pub async fn with_retry<T, F, Fut>(
    policy: &RetryPolicy,
    limiter: &DefaultDirectRateLimiter,
    cancelled: &AtomicBool,
    mut op: F,
) -> Attempted<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let mut rng = Rng::from_time();
    let mut attempts = 0;
    loop {
        limiter.until_ready().await;
        attempts += 1;
        let result = op().await;
        let error = match result {
            Ok(value) => return Attempted { result: Ok(value), attempts },
            Err(e) => e,
        };
        if !error.is_transient() || attempts >= policy.max_attempts || cancelled.load(Ordering::SeqCst) {
            return Attempted { result: Err(error), attempts };
        }
        let wait = policy.backoff(attempts, &mut rng).max(error.retry_after.unwrap_or_default());
        tokio::time::sleep(wait).await;
    }
}

/// The shared pacing of every request a run sends: one rate limiter, one retry policy, one
/// concurrency bound and the run's cancellation flag.
#[derive(Debug)]
pub struct Pacing {
    pub limiter: DefaultDirectRateLimiter,
    pub policy: RetryPolicy,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Set on Ctrl-C: no new work starts and retries stop.
    pub cancelled: std::sync::Arc<AtomicBool>,
}

impl Pacing {
    /// Pacing at `rate` requests per second and `concurrency` in flight.
    pub fn new(rate: std::num::NonZeroU32, concurrency: usize, policy: RetryPolicy) -> Self {
        Pacing {
            limiter: governor::RateLimiter::direct(governor::Quota::per_second(rate)),
            policy,
            concurrency,
            cancelled: std::sync::Arc::new(AtomicBool::new(false)),
        }
    }

    /// Sends `op` with retry under this pacing.
    pub async fn send<T, F, Fut>(&self, op: F) -> Attempted<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        with_retry(&self.policy, &self.limiter, &self.cancelled, op).await
    }

    /// Has the run been interrupted?
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;
    use std::sync::atomic::AtomicU32;

    fn limiter() -> DefaultDirectRateLimiter {
        governor::RateLimiter::direct(governor::Quota::per_second(NonZeroU32::new(1000).unwrap()))
    }

    fn err(status: u16) -> ApiError {
        ApiError { status: Some(status), class: None, message: "x".into(), retry_after: None }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy { max_attempts: 5, base: Duration::from_millis(100), cap: Duration::from_millis(350) };
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
        let p = RetryPolicy { base: Duration::from_millis(1), ..RetryPolicy::default() };
        let out = with_retry(&p, &limiter(), &AtomicBool::new(false), || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 { Err(err(429)) } else { Ok(7) }
        })
        .await;
        assert_eq!((out.result.unwrap(), out.attempts), (7, 3));
    }

    #[tokio::test]
    async fn permanent_errors_and_cancellation_stop_at_once() {
        let p = RetryPolicy { base: Duration::from_millis(1), ..RetryPolicy::default() };
        let out = with_retry(&p, &limiter(), &AtomicBool::new(false), || async { Err::<(), _>(err(422)) }).await;
        assert_eq!(out.attempts, 1);
        let out = with_retry(&p, &limiter(), &AtomicBool::new(true), || async { Err::<(), _>(err(503)) }).await;
        assert_eq!(out.attempts, 1);
        let out = with_retry(&p, &limiter(), &AtomicBool::new(false), || async { Err::<(), _>(err(503)) }).await;
        assert_eq!(out.attempts, p.max_attempts);
    }
}
