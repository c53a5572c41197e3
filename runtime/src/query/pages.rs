//! Reading a query or scan page by page: [`Page`], and the streams [`Pages`] and
//! [`Items`], which hold one page in memory at a time.

use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::backend::{Backend, BoxFuture, PageOutput, QueryInput, ScanInput};
use crate::cursor::{self, Cursor, Fingerprint};
use crate::error::{Error, Result};
use crate::value::Item;

/// One page of results: DynamoDB read at most 1 MB (or `limit` items) *before* the
/// filter, so a page may hold fewer items than asked for — even none — and still have a
/// cursor. Only a page without a cursor is the last.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page that passed the filter, decoded.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub cursor: Option<Cursor>,
    /// `ScannedCount`: the items DynamoDB evaluated for this page (before the filter).
    pub scanned_count: u32,
}

impl<T> Page<T> {
    /// True on the last page.
    pub fn is_last(&self) -> bool {
        self.cursor.is_none()
    }
}

/// The request a reader sends, page after page.
#[derive(Debug, Clone)]
pub(crate) enum Request {
    Query(QueryInput),
    Scan(ScanInput),
    /// The fan-out query of a sharded entity: one merged page per send, the per-shard
    /// positions in the start key (see [`super::shard`]).
    Merged(Arc<super::shard::Merge>),
}

impl Request {
    fn send(
        &self,
        backend: &Arc<dyn Backend>,
        start: Option<Item>,
    ) -> BoxFuture<'static, Result<PageOutput>> {
        let backend = Arc::clone(backend);
        match self {
            Request::Query(input) => {
                let input = QueryInput { exclusive_start_key: start, ..input.clone() };
                Box::pin(async move { backend.query(input).await })
            }
            Request::Scan(input) => {
                let input = ScanInput { exclusive_start_key: start, ..input.clone() };
                Box::pin(async move { backend.scan(input).await })
            }
            Request::Merged(merge) => {
                let merge = Arc::clone(merge);
                Box::pin(async move { merge.page(start).await })
            }
        }
    }
}

/// Everything needed to read the pages of one query or scan.
pub(crate) struct Reader {
    pub(crate) backend: Arc<dyn Backend>,
    /// The access pattern its requests are sent under (`crate::pattern`).
    pub(crate) pattern: Arc<str>,
    pub(crate) request: Request,
    pub(crate) fingerprint: Fingerprint,
    pub(crate) secret: Option<Arc<[u8]>>,
}

enum State {
    Next(Option<Item>),
    Waiting(BoxFuture<'static, Result<PageOutput>>),
    Failed(Error),
    Done,
}

/// The pages of a query or scan as an async [`Stream`]: one request per page, started
/// when the previous page has been taken, so only one page is in memory at a time.
///
/// Use it with any `Stream` combinator, or with [`Pages::next`]:
/// `while let Some(page) = pages.next().await { … }`.
#[must_use = "streams do nothing unless polled"]
pub struct Pages<T> {
    reader: Option<Reader>,
    /// Decodes a returned item; `None` leaves it out (an item without an entity-type
    /// attribute whose key shape is another entity's).
    decode: fn(Item) -> Result<Option<T>>,
    state: State,
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Next(_) => "ready",
            State::Waiting(_) => "waiting",
            State::Failed(_) => "failed",
            State::Done => "done",
        };
        f.debug_struct("Pages").field("state", &state).finish()
    }
}

impl<T> Pages<T> {
    /// Pages starting at `start`, or an error to yield first.
    pub(crate) fn new(
        reader: Result<Option<(Reader, Option<Item>)>>,
        decode: fn(Item) -> Result<Option<T>>,
    ) -> Self {
        match reader {
            Ok(Some((reader, start))) => {
                Pages { reader: Some(reader), decode, state: State::Next(start) }
            }
            // Nothing can match: no request at all.
            Ok(None) => Pages { reader: None, decode, state: State::Done },
            Err(error) => Pages { reader: None, decode, state: State::Failed(error) },
        }
    }

    /// One page, the output of `future` (a merged fan-out read), without a cursor.
    pub(crate) fn single(
        future: BoxFuture<'static, Result<PageOutput>>,
        decode: fn(Item) -> Result<Option<T>>,
    ) -> Self {
        Pages { reader: None, decode, state: State::Waiting(future) }
    }

    /// The next page, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<Page<T>>> {
        poll_fn(|cx| self.poll_page(cx)).await
    }

    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<T>>>> {
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return Poll::Ready(None),
                State::Failed(error) => return Poll::Ready(Some(Err(error))),
                State::Next(start) => match &self.reader {
                    Some(reader) => {
                        let sent = reader.request.send(&reader.backend, start);
                        let pattern = Arc::clone(&reader.pattern);
                        self.state =
                            State::Waiting(Box::pin(crate::pattern::labelled(pattern, sent)));
                    }
                    None => return Poll::Ready(None),
                },
                State::Waiting(mut future) => match future.as_mut().poll(cx) {
                    Poll::Pending => {
                        self.state = State::Waiting(future);
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(error)) => return Poll::Ready(Some(Err(error))),
                    Poll::Ready(Ok(output)) => return Poll::Ready(Some(self.page(output))),
                },
            }
        }
    }

    fn page(&mut self, output: PageOutput) -> Result<Page<T>> {
        // Without a reader (a merged fan-out read) the page is the only one.
        let cursor = match &self.reader {
            Some(reader) => output
                .last_evaluated_key
                .as_ref()
                .map(|key| cursor::encode(key, &reader.fingerprint, reader.secret.as_deref())),
            None => None,
        };
        if let (Some(key), Some(_)) = (output.last_evaluated_key, &self.reader) {
            self.state = State::Next(Some(key));
        }
        let mut items = Vec::with_capacity(output.items.len());
        for item in output.items {
            items.extend((self.decode)(item)?);
        }
        Ok(Page { items, cursor, scanned_count: output.scanned_count })
    }

    /// One item at a time, still one page in memory at a time.
    pub fn items(self) -> Items<T> {
        Items { pages: self, buffer: VecDeque::new() }
    }
}

impl<T> Unpin for Pages<T> {}

impl<T> Stream for Pages<T> {
    type Item = Result<Page<T>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_page(cx)
    }
}

/// The items of a query or scan as an async [`Stream`], read page by page.
#[must_use = "streams do nothing unless polled"]
pub struct Items<T> {
    pages: Pages<T>,
    buffer: VecDeque<T>,
}

impl<T> fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl<T> Items<T> {
    /// The next item, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<T>> {
        poll_fn(|cx| self.poll_item(cx)).await
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match self.pages.poll_page(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(Some(Ok(page))) => self.buffer.extend(page.items),
            }
        }
    }
}

impl<T> Unpin for Items<T> {}

impl<T> Stream for Items<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }
}

/// Reads every page of several readers at once (a parallel scan), each page as it comes.
pub(crate) async fn drain_all<T>(mut streams: Vec<Pages<T>>) -> Result<Vec<Vec<T>>> {
    let mut out: Vec<Vec<T>> = streams.iter().map(|_| Vec::new()).collect();
    let mut done = vec![false; streams.len()];
    poll_fn(|cx| {
        for (i, stream) in streams.iter_mut().enumerate() {
            while !done[i] {
                match stream.poll_page(cx) {
                    Poll::Pending => break,
                    Poll::Ready(None) => done[i] = true,
                    Poll::Ready(Some(Err(error))) => return Poll::Ready(Err(error)),
                    Poll::Ready(Some(Ok(page))) => out[i].extend(page.items),
                }
            }
        }
        if done.iter().all(|d| *d) {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    })
    .await?;
    Ok(out)
}
