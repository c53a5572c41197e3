//! [`RetryPolicy`]: exponential backoff with full jitter, for batch leftovers
//! (`UnprocessedItems`, `UnprocessedKeys`) and throttled requests; [`is_retryable`], the
//! classifier; [`RetryingBackend`], which retries every other request under a policy.
//!
//! The delay before retry `n` (counting from 1) is a uniformly random duration in
//! `[0, min(max_delay, base_delay × 2^(n-1))]` ("full jitter", which spreads clients that
//! were throttled together). Sleeping needs no async runtime: a short-lived thread wakes
//! the waiting task, so the runtime works under tokio, async-std or a plain executor.
//!
//! # What is retried, and why
//!
//! [`is_retryable`] takes the AWS SDKs' classification of DynamoDB errors (the AWS SDK
//! for Rust's `aws-runtime` retry classifier and the JavaScript SDK's, which agree):
//! throttling (`ThrottlingException`, `ProvisionedThroughputExceededException`,
//! `RequestLimitExceeded`, `LimitExceededException`, `TransactionInProgressException`),
//! timeouts (`RequestTimeout`) and server errors (`InternalServerError`,
//! `ServiceUnavailable`). The SDKs stop there and leave transaction conflicts to the
//! application, which the DynamoDB Developer Guide ("Error handling with DynamoDB") tells
//! to retry them: a conflict means another transaction held the item for a moment, and
//! nothing of the request was applied. So singletable retries them too:
//! `TransactionConflictException` (a single-item write that met a running transaction),
//! and a `TransactionCanceledException` whose reasons are all transient
//! (`TransactionConflict`, `ThrottlingError` or `ProvisionedThroughputExceeded`, besides
//! `None` for the actions that would have succeeded). A cancellation with any other
//! reason (a failed condition, a validation error) is final, and so is every version or
//! uniqueness conflict.
//!
//! Batch helpers retry leftovers and throttled requests under their own policy
//! (`.retry(..)`). Other requests are sent once, as the backend answers them (the AWS
//! backend's SDK client retries throttling by its own retry config), unless the client
//! runs over a [`RetryingBackend`]:
//!
//! ```
//! use singletable_runtime::retry::{RetryPolicy, RetryingBackend};
//! use singletable_engine::MemoryBackend;
//!
//! let engine = MemoryBackend::new();
//! // A put or a transaction that meets a running transaction is sent again, up to 10
//! // attempts in all, with full-jitter backoff.
//! let backend = RetryingBackend::new(engine.clone(), RetryPolicy::default());
//! assert_eq!(backend.policy(), RetryPolicy::default());
//! // `TableClient::new(backend)`, or `App::client(backend)` for a derived table.
//! ```

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::backend::{
    Backend, BatchGetItemInput, BatchGetItemOutput, BatchWriteItemInput, BatchWriteItemOutput,
    BoxFuture, CreateTableInput, DeleteItemInput, GetItemInput, GetItemOutput, ListTablesInput,
    ListTablesOutput, PageOutput, PutItemInput, QueryInput, ScanInput, TableDescription,
    TimeToLiveDescription, TimeToLiveSpecification, TransactGetItemsInput, TransactGetItemsOutput,
    TransactWriteItemsInput, TransactWriteItemsOutput, UpdateItemInput, UpdateTableInput,
    WriteItemOutput,
};
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

/// True for errors worth retrying (see the [module docs](self) for the sources):
/// throttling, timeouts and DynamoDB's transient server errors, as the AWS SDKs classify
/// them; `TransactionConflictException`; and a `TransactionCanceledException` whose
/// reasons are all transient (`TransactionConflict`, `ThrottlingError`,
/// `ProvisionedThroughputExceeded`, or `None`), with at least one that is not `None`.
pub fn is_retryable(error: &Error) -> bool {
    if let Error::TransactionCanceled { reasons, .. } = error {
        return reasons.iter().any(|reason| reason.code != "None")
            && reasons.iter().all(|reason| {
                matches!(
                    reason.code.as_str(),
                    "None"
                        | "TransactionConflict"
                        | "ThrottlingError"
                        | "ProvisionedThroughputExceeded"
                )
            });
    }
    matches!(
        error.dynamodb_type(),
        Some(
            // Throttling, as the SDKs' classifiers list it for DynamoDB.
            "ThrottlingException"
                | "Throttling"
                | "ProvisionedThroughputExceededException"
                | "RequestLimitExceeded"
                | "LimitExceededException"
                | "TransactionInProgressException"
                // Transient.
                | "RequestTimeout"
                | "RequestTimeoutException"
                | "InternalServerError"
                | "ServiceUnavailable"
                // Left to the application by the SDKs; retryable per DynamoDB's guide.
                | "TransactionConflictException"
        )
    )
}

/// Sends `attempt` until it succeeds, fails with an error that is not
/// [retryable](is_retryable), or `policy` has no attempts left; sleeps
/// [`RetryPolicy::delay`] between attempts. The last outcome is returned as it is, so
/// the caller sees the typed error of the last attempt.
pub async fn with_retries<T, F, Fut>(policy: RetryPolicy, attempt: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    retry_on(None, policy, attempt).await
}

/// [`with_retries`], sleeping on `backend`'s clock when it is simulated (see
/// [`Backend::simulated_sleep`]).
async fn retry_on<T, F, Fut>(
    backend: Option<&dyn Backend>,
    policy: RetryPolicy,
    mut attempt: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let attempts = policy.attempts();
    let mut sent = 0u32;
    loop {
        sent += 1;
        match attempt().await {
            Err(error) if sent < attempts && is_retryable(&error) => {
                let delay = policy.delay(sent);
                match backend {
                    Some(backend) => pause(backend, delay).await,
                    None => sleep(delay).await,
                }
            }
            outcome => return outcome,
        }
    }
}

/// Waits `duration` before a retry: on the backend's simulated clock when it has one
/// (no real time passes), else for real.
pub(crate) async fn pause(backend: &dyn Backend, duration: Duration) {
    if !backend.simulated_sleep(duration) {
        sleep(duration).await;
    }
}

/// A [`Backend`] that sends each request again, under a [`RetryPolicy`], while it fails
/// with a [retryable](is_retryable) error: throttling, server errors and transaction
/// conflicts of single-item writes, reads, queries, scans and transactions.
///
/// `BatchGetItem` and `BatchWriteItem` pass through once: the batch helpers
/// ([`BatchWrite`](crate::batch::BatchWrite), [`BatchGet`](crate::batch::BatchGet))
/// retry them and their leftovers under their own policy, and retrying here too would
/// multiply the attempts. Retrying is safe for every retried error: a throttled, timed
/// out or conflicting request applied nothing, and a transaction's `ClientRequestToken`
/// is kept only by a transaction that committed. A server error may hide a write that
/// was applied; the AWS SDKs retry those too, and a conditional write then fails its
/// condition as it would on any second send.
///
/// Clones share nothing but what `B`'s clones share.
#[derive(Debug, Clone)]
pub struct RetryingBackend<B> {
    inner: B,
    policy: RetryPolicy,
}

impl<B: Backend> RetryingBackend<B> {
    /// Wraps `inner`; `policy` bounds the attempts of each request
    /// ([`RetryPolicy::NONE`] sends each once).
    pub fn new(inner: B, policy: RetryPolicy) -> Self {
        RetryingBackend { inner, policy }
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// The policy each request is retried under.
    pub fn policy(&self) -> RetryPolicy {
        self.policy
    }
}

/// One retried `Backend` method: clones the input for each attempt.
macro_rules! retried {
    ($name:ident, $input:ty, $output:ty) => {
        fn $name(&self, input: $input) -> BoxFuture<'_, Result<$output, Error>> {
            Box::pin(retry_on(Some(&self.inner as &dyn Backend), self.policy, move || {
                self.inner.$name(input.clone())
            }))
        }
    };
}

impl<B: Backend> Backend for RetryingBackend<B> {
    fn simulated_sleep(&self, duration: std::time::Duration) -> bool {
        self.inner.simulated_sleep(duration)
    }

    retried!(create_table, CreateTableInput, TableDescription);
    retried!(delete_table, String, TableDescription);
    retried!(describe_table, String, TableDescription);
    retried!(list_tables, ListTablesInput, ListTablesOutput);
    retried!(get_item, GetItemInput, GetItemOutput);
    retried!(put_item, PutItemInput, WriteItemOutput);
    retried!(delete_item, DeleteItemInput, WriteItemOutput);
    retried!(update_item, UpdateItemInput, WriteItemOutput);
    retried!(query, QueryInput, PageOutput);
    retried!(scan, ScanInput, PageOutput);
    retried!(transact_write_items, TransactWriteItemsInput, TransactWriteItemsOutput);
    retried!(transact_get_items, TransactGetItemsInput, TransactGetItemsOutput);
    retried!(describe_time_to_live, String, TimeToLiveDescription);
    retried!(update_table, UpdateTableInput, TableDescription);

    fn batch_get_item(
        &self,
        input: BatchGetItemInput,
    ) -> BoxFuture<'_, Result<BatchGetItemOutput, Error>> {
        self.inner.batch_get_item(input)
    }

    fn batch_write_item(
        &self,
        input: BatchWriteItemInput,
    ) -> BoxFuture<'_, Result<BatchWriteItemOutput, Error>> {
        self.inner.batch_write_item(input)
    }

    fn update_time_to_live(
        &self,
        table_name: String,
        specification: TimeToLiveSpecification,
    ) -> BoxFuture<'_, Result<TimeToLiveSpecification, Error>> {
        Box::pin(retry_on(Some(&self.inner as &dyn Backend), self.policy, move || {
            self.inner.update_time_to_live(table_name.clone(), specification.clone())
        }))
    }
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

    fn canceled(codes: &[&str]) -> Error {
        Error::TransactionCanceled {
            reasons: codes
                .iter()
                .map(|code| crate::error::CancellationReason {
                    code: (*code).to_owned(),
                    message: None,
                    item: None,
                })
                .collect(),
            source: None,
        }
    }

    fn service(code: &str) -> Error {
        Error::Service { code: code.into(), message: String::new(), source: None }
    }

    #[test]
    fn transaction_conflicts_are_retryable_failed_conditions_are_not() {
        assert!(is_retryable(&service("TransactionConflictException")));
        assert!(is_retryable(&service("TransactionInProgressException")));
        assert!(is_retryable(&service("LimitExceededException")));
        assert!(is_retryable(&canceled(&["None", "TransactionConflict"])));
        assert!(is_retryable(&canceled(&["ThrottlingError", "TransactionConflict"])));
        assert!(is_retryable(&canceled(&["ProvisionedThroughputExceeded"])));
        assert!(!is_retryable(&canceled(&["TransactionConflict", "ConditionalCheckFailed"])));
        assert!(!is_retryable(&canceled(&["ValidationError", "None"])));
        assert!(!is_retryable(&canceled(&["None", "None"])));
        assert!(!is_retryable(&canceled(&[])));
        assert!(!is_retryable(&service("ConditionalCheckFailedException")));
        assert!(!is_retryable(&service("IdempotentParameterMismatchException")));
        let conflict = Error::VersionConflict {
            entity: "E",
            expected: Some(1),
            actual: Some(2),
            current: None,
        };
        assert!(!is_retryable(&conflict));
    }

    #[tokio::test]
    async fn with_retries_stops_at_success_a_final_error_or_the_last_attempt() {
        let quick = RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        };
        let sent = std::cell::Cell::new(0u32);
        // Two conflicts, then success.
        let outcome = with_retries(quick, || {
            sent.set(sent.get() + 1);
            let n = sent.get();
            async move {
                if n < 3 {
                    Err(service("TransactionConflictException"))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(outcome.ok(), Some(3));
        // Always conflicting: the last attempt's error, after `max_attempts`.
        sent.set(0);
        let outcome: Result<(), Error> = with_retries(quick, || {
            sent.set(sent.get() + 1);
            async { Err(service("TransactionConflictException")) }
        })
        .await;
        assert_eq!(
            outcome.err().and_then(|e| e.dynamodb_type().map(str::to_owned)).as_deref(),
            Some("TransactionConflictException")
        );
        assert_eq!(sent.get(), 4);
        // A final error is not retried; neither is anything under `NONE`.
        for (policy, error) in [
            (quick, service("ConditionalCheckFailedException")),
            (RetryPolicy::NONE, service("TransactionConflictException")),
        ] {
            sent.set(0);
            let mut error = Some(error);
            let outcome: Result<(), Error> = with_retries(policy, || {
                sent.set(sent.get() + 1);
                let next = error.take().unwrap_or_else(|| service("Unexpected"));
                async move { Err(next) }
            })
            .await;
            assert!(outcome.is_err());
            assert_eq!(sent.get(), 1);
        }
    }

    #[tokio::test]
    async fn sleep_wakes_up() {
        let start = std::time::Instant::now();
        sleep(Duration::from_millis(5)).await;
        assert!(start.elapsed() >= Duration::from_millis(5));
        sleep(Duration::ZERO).await;
    }
}
