//! Access patterns: which builder of the typed client sent a request.
//!
//! The typed client names each request it sends after the builder that sent it:
//! `Order.get`, `Order.put`, `Order.update`, `Order.delete`, `Order.query`,
//! `Order.query(GSI1)`, `Order.scan`, `BatchWrite`, `BatchGet`, `Transaction`. The name is
//! in force while the builder's future is polled (a thread-local set around each poll),
//! so a backend wrapper reads it with [`current`] when one of its methods is called, and
//! labels the request with it: [`MetricsBackend`](crate::backend::metrics::MetricsBackend)
//! does. Requests sent on the [`Backend`](crate::backend::Backend) directly have none.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

thread_local! {
    static CURRENT: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
}

/// The access pattern of the request being sent now, if a typed builder sends it.
pub fn current() -> Option<Arc<str>> {
    CURRENT.with(|current| current.borrow().clone())
}

/// Runs `f` with `pattern` as the current access pattern (restoring the previous one).
pub fn scope<R>(pattern: &Arc<str>, f: impl FnOnce() -> R) -> R {
    let previous = CURRENT.with(|current| current.replace(Some(Arc::clone(pattern))));
    let result = f();
    CURRENT.with(|current| *current.borrow_mut() = previous);
    result
}

/// `future`, polled with `pattern` as the current access pattern.
pub fn labelled<F: Future>(pattern: impl Into<Arc<str>>, future: F) -> Labelled<F> {
    Labelled { pattern: pattern.into(), future: Box::pin(future) }
}

/// A future polled under an access pattern (see [`labelled`]).
pub struct Labelled<F> {
    pattern: Arc<str>,
    future: Pin<Box<F>>,
}

impl<F> std::fmt::Debug for Labelled<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Labelled").field("pattern", &self.pattern).finish_non_exhaustive()
    }
}

impl<F: Future> Future for Labelled<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        scope(&this.pattern, || this.future.as_mut().poll(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_sets_and_restores_the_pattern() {
        assert_eq!(current(), None);
        let outer: Arc<str> = Arc::from("Order.get");
        let inner: Arc<str> = Arc::from("Order.put");
        scope(&outer, || {
            assert_eq!(current().as_deref(), Some("Order.get"));
            scope(&inner, || assert_eq!(current().as_deref(), Some("Order.put")));
            assert_eq!(current().as_deref(), Some("Order.get"));
        });
        assert_eq!(current(), None);
    }

    #[tokio::test]
    async fn a_labelled_future_sees_its_pattern_on_every_poll() {
        let seen = labelled("Order.query", async {
            let first = current();
            tokio::task::yield_now().await;
            (first, current())
        })
        .await;
        assert_eq!(seen.0.as_deref(), Some("Order.query"));
        assert_eq!(seen.1.as_deref(), Some("Order.query"));
        assert_eq!(current(), None);
    }
}
