//! [`RetryPolicy`]: exponential backoff with full jitter, for batch leftovers
//! (`UnprocessedItems`, `UnprocessedKeys`) and throttled requests.
//!
//! The delay before retry `n` (counting from 1) is a uniformly random duration in
//! `[0, min(max_delay, base_delay × 2^(n-1))]` ("full jitter", which spreads clients that
//! were throttled together). Sleeping needs no async runtime: a short-lived thread wakes
//! the waiting task, so the runtime works under tokio, async-std or a plain executor.

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::error::Error;

/// How often and how patiently to retry. The default: 10 attempts, 25 ms base delay,
/// 5 s maximum delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request item, the first included (at least 1).
    pub max_attempts: u32,
    /// The delay cap of the first retry.
    pub base_delay: Duration,
    /// The largest delay cap.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(25),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub const NONE: RetryPolicy =
        RetryPolicy { max_attempts: 1, base_delay: Duration::ZERO, max_delay: Duration::ZERO };

    /// The delay cap before retry `retry` (1 for the first retry): `base × 2^(retry-1)`,
    /// at most `max_delay`.
    pub fn delay_cap(&self, retry: u32) -> Duration {
        let doubling = retry.saturating_sub(1).min(31);
        self.base_delay.saturating_mul(1u32 << doubling).min(self.max_delay)
    }

    /// A random delay in `[0, delay_cap(retry)]` (full jitter).
    pub fn delay(&self, retry: u32) -> Duration {
        let cap = self.delay_cap(retry);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(random() % (nanos.saturating_add(1)).max(1))
    }

    /// Attempts allowed, at least one.
    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }
}

/// True for errors worth retrying: throttling and provisioned-throughput errors, and
/// DynamoDB's transient server errors.
pub fn is_retryable(error: &Error) -> bool {
    matches!(
        error.dynamodb_type(),
        Some(
            "ThrottlingException"
                | "ProvisionedThroughputExceededException"
                | "RequestLimitExceeded"
                | "InternalServerError"
                | "ServiceUnavailable"
        )
    )
}

fn random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

#[derive(Default)]
struct SleepState {
    done: bool,
    waker: Option<Waker>,
}

/// A future that completes after `duration`, on any executor.
pub(crate) struct Sleep {
    duration: Duration,
    state: Option<Arc<Mutex<SleepState>>>,
}

pub(crate) fn sleep(duration: Duration) -> Sleep {
    Sleep { duration, state: None }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.duration.is_zero() {
            return Poll::Ready(());
        }
        match &self.state {
            None => {
                let state = Arc::new(Mutex::new(SleepState {
                    done: false,
                    waker: Some(cx.waker().clone()),
                }));
                let shared = Arc::clone(&state);
                let duration = self.duration;
                std::thread::spawn(move || {
                    std::thread::sleep(duration);
                    let waker = match shared.lock() {
                        Ok(mut state) => {
                            state.done = true;
                            state.waker.take()
                        }
                        Err(poisoned) => {
                            let mut state = poisoned.into_inner();
                            state.done = true;
                            state.waker.take()
                        }
                    };
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                });
                self.state = Some(state);
                Poll::Pending
            }
            Some(state) => {
                let mut state = match state.lock() {
                    Ok(state) => state,
                    Err(poisoned) => poisoned.into_inner(),
                };
                if state.done {
                    Poll::Ready(())
                } else {
                    state.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_double_up_to_the_maximum() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        };
        assert_eq!(policy.delay_cap(1), Duration::from_millis(10));
        assert_eq!(policy.delay_cap(2), Duration::from_millis(20));
        assert_eq!(policy.delay_cap(3), Duration::from_millis(40));
        assert_eq!(policy.delay_cap(4), Duration::from_millis(50));
        assert_eq!(policy.delay_cap(400), Duration::from_millis(50));
        for retry in 1..10 {
            assert!(policy.delay(retry) <= policy.delay_cap(retry));
        }
        assert_eq!(RetryPolicy::NONE.delay(3), Duration::ZERO);
    }

    #[test]
    fn throttling_is_retryable_validation_is_not() {
        let throttled = Error::Service {
            code: "ThrottlingException".into(),
            message: "slow down".into(),
            source: None,
        };
        assert!(is_retryable(&throttled));
        let provisioned = Error::Service {
            code: "ProvisionedThroughputExceededException".into(),
            message: String::new(),
            source: None,
        };
        assert!(is_retryable(&provisioned));
        assert!(!is_retryable(&Error::validation("no")));
    }

    #[tokio::test]
    async fn sleep_wakes_up() {
        let start = std::time::Instant::now();
        sleep(Duration::from_millis(5)).await;
        assert!(start.elapsed() >= Duration::from_millis(5));
        sleep(Duration::ZERO).await;
    }
}
