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
/// cursor. Only a page without a cursor is the last. A query with
/// [`count(n)`](super::Query::count) regroups DynamoDB's pages into pages of exactly `n`
/// items (the last may hold fewer).
///
/// Items are always in the query's order (ascending, or descending after
/// `descending()`), also on a page read backwards with [`before`](super::Query::before).
/// [`cursor`](Self::cursor) continues the way the page was read: hand it to
/// `.cursor(c)` after a forward page, to `.before(c)` after a page read backwards.
/// [`item_cursor`](Self::item_cursor) gives the position of each item (a GraphQL edge
/// cursor): `.cursor(c)` reads what follows that item, `.before(c)` what precedes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page that passed the filter, decoded.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub cursor: Option<Cursor>,
    /// `ScannedCount`: the items DynamoDB evaluated for this page (before the filter);
    /// for a regrouped page, the sum over the requests it took.
    pub scanned_count: u32,
    /// The key attributes of each item (parallel to `items`), for item cursors.
    pub(crate) keys: Vec<Option<Item>>,
    /// How item cursors are minted: the query's fingerprint and cursor secret.
    pub(crate) minter: Option<Minter>,
}

/// Mints the cursors of one query (its fingerprint and cursor secret).
#[derive(Clone, PartialEq)]
pub(crate) struct Minter {
    pub(crate) fingerprint: Fingerprint,
    pub(crate) secret: Option<Arc<[u8]>>,
}

/// Never prints the cursor secret.
impl fmt::Debug for Minter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Minter").field("secret", &self.secret.as_ref().map(|_| "..")).finish()
    }
}

impl Minter {
    pub(crate) fn mint(&self, key: &Item) -> Cursor {
        cursor::encode(key, &self.fingerprint, self.secret.as_deref())
    }
}

impl<T> Page<T> {
    /// A page without item cursors (an empty result, or one built by hand).
    pub fn new(items: Vec<T>, cursor: Option<Cursor>, scanned_count: u32) -> Self {
        Page { items, cursor, scanned_count, keys: Vec::new(), minter: None }
    }

    /// True on the last page.
    pub fn is_last(&self) -> bool {
        self.cursor.is_none()
    }

    /// The position of item `index` of this page, as a cursor of the same query:
    /// `.cursor(c)` resumes right after the item, `.before(c)` reads the items before
    /// it (a GraphQL connection's per-edge cursor, ElectroDB #350).
    ///
    /// On a scan, `.cursor(c)` on the same scan (and segment) resumes after the item
    /// (scans have no `before`). On the fan-out query of a sharded entity the cursor
    /// holds every shard's position right after the item, so `.cursor(c)` resumes the
    /// merge there (`before` is refused on a fan-out).
    ///
    /// `None` when `index` is out of range, and when the item came back without its key
    /// attributes (a projection that left them out; a `count(n)` query and a sharded
    /// query add them to the projection).
    pub fn item_cursor(&self, index: usize) -> Option<Cursor> {
        let key = self.keys.get(index)?.as_ref()?;
        Some(self.minter.as_ref()?.mint(key))
    }

    /// Every item with its [`item_cursor`](Self::item_cursor), in order.
    pub fn edges(&self) -> impl Iterator<Item = (&T, Option<Cursor>)> + '_ {
        self.items.iter().enumerate().map(|(i, item)| (item, self.item_cursor(i)))
    }

    /// The cursor of the first item (a GraphQL connection's `startCursor`): `.before`
    /// it reads the page before this one.
    pub fn start_cursor(&self) -> Option<Cursor> {
        self.item_cursor(0)
    }

    /// The cursor of the last item (a GraphQL connection's `endCursor`).
    pub fn end_cursor(&self) -> Option<Cursor> {
        self.item_cursor(self.items.len().checked_sub(1)?)
    }

    /// Maps the items, keeping each one's cursor; `f` returning `None` drops the item.
    pub(crate) fn filter_map<U>(self, mut f: impl FnMut(T) -> Option<U>) -> Page<U> {
        let mut keys = self.keys.into_iter();
        let mut items = Vec::with_capacity(self.items.len());
        let mut kept = Vec::with_capacity(self.items.len());
        for item in self.items {
            let key = keys.next().flatten();
            if let Some(item) = f(item) {
                items.push(item);
                kept.push(key);
            }
        }
        Page {
            items,
            cursor: self.cursor,
            scanned_count: self.scanned_count,
            keys: kept,
            minter: self.minter,
        }
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

/// One response of a reader's request.
pub(crate) struct Sent {
    pub(crate) output: PageOutput,
    /// The position after each returned item, as a start key of this read, when the
    /// request computes them (a sharded fan-out: one position per shard); `None`: each
    /// item's key attributes are its position.
    pub(crate) positions: Option<Vec<Item>>,
}

impl From<PageOutput> for Sent {
    fn from(output: PageOutput) -> Self {
        Sent { output, positions: None }
    }
}

impl Request {
    fn send(
        &self,
        backend: &Arc<dyn Backend>,
        start: Option<Item>,
    ) -> BoxFuture<'static, Result<Sent>> {
        let backend = Arc::clone(backend);
        match self {
            Request::Query(input) => {
                let input = QueryInput { exclusive_start_key: start, ..input.clone() };
                Box::pin(async move { backend.query(input).await.map(Sent::from) })
            }
            Request::Scan(input) => {
                let input = ScanInput { exclusive_start_key: start, ..input.clone() };
                Box::pin(async move { backend.scan(input).await.map(Sent::from) })
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
    /// The key attributes of an item of this read (its item cursor); empty for a
    /// sharded fan-out, whose requests give each item's position themselves.
    pub(crate) key_names: Vec<&'static str>,
    /// The request reads in the opposite order of the query (`before(cursor)`): each
    /// page's items are reversed back into the query's order.
    pub(crate) reversed: bool,
    /// Regroup into pages of exactly this many items (`count(n)`).
    pub(crate) exact: Option<usize>,
}

impl Reader {
    /// A reader of `request` without item cursors, reversal or regrouping.
    pub(crate) fn plain(
        backend: Arc<dyn Backend>,
        pattern: Arc<str>,
        request: Request,
        fingerprint: Fingerprint,
        secret: Option<Arc<[u8]>>,
    ) -> Self {
        Reader {
            backend,
            pattern,
            request,
            fingerprint,
            secret,
            key_names: Vec::new(),
            reversed: false,
            exact: None,
        }
    }
}

/// Items read but not yet handed out in a page of exactly `n` (`count(n)`), in reading
/// order, with their keys.
struct Exact<T> {
    n: usize,
    items: VecDeque<(T, Option<Item>)>,
    /// `ScannedCount` of the requests whose items are buffered.
    scanned: u32,
    /// Where the request after the buffered items starts; `None` once the read is over.
    next: Option<Item>,
    /// The read has more requests to send (`next` is meaningful).
    more: bool,
}

enum State {
    Next(Option<Item>),
    Waiting(BoxFuture<'static, Result<Sent>>),
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
    /// The regrouping buffer of a `count(n)` read.
    exact: Option<Exact<T>>,
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
                let exact = reader.exact.map(|n| Exact {
                    n,
                    items: VecDeque::new(),
                    scanned: 0,
                    next: None,
                    more: true,
                });
                Pages { reader: Some(reader), decode, state: State::Next(start), exact }
            }
            // Nothing can match: no request at all.
            Ok(None) => Pages { reader: None, decode, state: State::Done, exact: None },
            Err(error) => Pages { reader: None, decode, state: State::Failed(error), exact: None },
        }
    }

    /// One page, the output of `future` (a merged fan-out read), without a cursor.
    pub(crate) fn single(
        future: BoxFuture<'static, Result<PageOutput>>,
        decode: fn(Item) -> Result<Option<T>>,
    ) -> Self {
        let future = Box::pin(async move { future.await.map(Sent::from) });
        Pages { reader: None, decode, state: State::Waiting(future), exact: None }
    }

    /// The next page, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<Page<T>>> {
        poll_fn(|cx| self.poll_page(cx)).await
    }

    pub(crate) fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<T>>>> {
        if self.exact.is_none() {
            return self
                .poll_request(cx)
                .map(|page| page.map(|page| page.map(|p| self.present(p))));
        }
        loop {
            let (n, buffered, more) = match &self.exact {
                Some(exact) => (exact.n, exact.items.len(), exact.more),
                None => return Poll::Ready(None),
            };
            if buffered >= n || (!more && buffered > 0) {
                return Poll::Ready(Some(Ok(self.take_exact())));
            }
            if !more {
                return Poll::Ready(None);
            }
            match self.poll_request(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(None) => {
                    if let Some(exact) = &mut self.exact {
                        exact.more = false;
                        exact.next = None;
                    }
                }
                Poll::Ready(Some(Ok(page))) => {
                    if let Some(exact) = &mut self.exact {
                        exact.scanned = exact.scanned.saturating_add(page.scanned_count);
                        exact.more = page.next.is_some();
                        exact.next = page.next;
                        exact.items.extend(page.items.into_iter().zip(page.keys));
                        // An exhausted read with nothing buffered still ends with one
                        // (empty) page, as a plain read does.
                        if !exact.more && exact.items.is_empty() {
                            let scanned = exact.scanned;
                            self.exact = None;
                            return Poll::Ready(Some(Ok(Page {
                                items: Vec::new(),
                                cursor: None,
                                scanned_count: scanned,
                                keys: Vec::new(),
                                minter: None,
                            })));
                        }
                    }
                }
            }
        }
    }

    /// Takes one page of at most `n` buffered items. Its cursor resumes right after its
    /// last item (in reading order): the request's own `LastEvaluatedKey` when the page
    /// ends where a request ended (skipping the items the filter dropped), else the key
    /// of its last item.
    fn take_exact(&mut self) -> Page<T> {
        let Some(exact) = &mut self.exact else {
            return Page::new(Vec::new(), None, 0);
        };
        let take = exact.n.min(exact.items.len());
        let mut items = Vec::with_capacity(take);
        let mut keys = Vec::with_capacity(take);
        for (item, key) in exact.items.drain(..take) {
            items.push(item);
            keys.push(key);
        }
        let scanned = std::mem::take(&mut exact.scanned);
        let resume = if !exact.items.is_empty() {
            keys.last().cloned().flatten()
        } else if exact.more {
            exact.next.clone()
        } else {
            None
        };
        let cursor = match (&self.reader, resume) {
            (Some(reader), Some(key)) => {
                Some(cursor::encode(&key, &reader.fingerprint, reader.secret.as_deref()))
            }
            _ => None,
        };
        let page = RawPage { items, keys, next: None, cursor, scanned_count: scanned };
        self.present(page)
    }

    /// The page as the caller sees it: in the query's order, with its cursors.
    fn present(&self, mut page: RawPage<T>) -> Page<T> {
        let minter = self.reader.as_ref().and_then(|r| {
            let positioned = !r.key_names.is_empty() || matches!(r.request, Request::Merged(_));
            positioned.then(|| Minter { fingerprint: r.fingerprint, secret: r.secret.clone() })
        });
        if self.reader.as_ref().is_some_and(|r| r.reversed) {
            page.items.reverse();
            page.keys.reverse();
        }
        Page {
            items: page.items,
            cursor: page.cursor,
            scanned_count: page.scanned_count,
            keys: page.keys,
            minter,
        }
    }

    /// The next response of the read, decoded, in reading order.
    fn poll_request(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<RawPage<T>>>> {
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

    fn page(&mut self, sent: Sent) -> Result<RawPage<T>> {
        let Sent { output, positions } = sent;
        let mut positions = positions.map(Vec::into_iter);
        // Without a reader (a merged fan-out read) the page is the only one.
        let cursor = match &self.reader {
            Some(reader) => output
                .last_evaluated_key
                .as_ref()
                .map(|key| cursor::encode(key, &reader.fingerprint, reader.secret.as_deref())),
            None => None,
        };
        let next = match (output.last_evaluated_key, &self.reader) {
            (Some(key), Some(_)) => {
                self.state = State::Next(Some(key.clone()));
                Some(key)
            }
            _ => None,
        };
        let names: &[&'static str] = match &self.reader {
            Some(reader) => &reader.key_names,
            None => &[],
        };
        let mut items = Vec::with_capacity(output.items.len());
        let mut keys = Vec::with_capacity(output.items.len());
        for item in output.items {
            let key = match &mut positions {
                Some(positions) => positions.next(),
                None => key_of(&item, names),
            };
            if let Some(decoded) = (self.decode)(item)? {
                items.push(decoded);
                keys.push(key);
            }
        }
        Ok(RawPage { items, keys, next, cursor, scanned_count: output.scanned_count })
    }

    /// One item at a time, still one page in memory at a time.
    pub fn items(self) -> Items<T> {
        Items { inner: Buffered::new(self) }
    }
}

/// The key attributes `names` of `item`; `None` when there are none to take or one is
/// missing.
fn key_of(item: &Item, names: &[&'static str]) -> Option<Item> {
    if names.is_empty() {
        return None;
    }
    let mut key = Item::new();
    for name in names {
        key.insert((*name).to_owned(), item.get(*name)?.clone());
    }
    Some(key)
}

/// One response, decoded, in reading order.
struct RawPage<T> {
    items: Vec<T>,
    keys: Vec<Option<Item>>,
    /// The `LastEvaluatedKey`, raw.
    next: Option<Item>,
    cursor: Option<Cursor>,
    scanned_count: u32,
}

impl<T> Unpin for Pages<T> {}

impl<T> Stream for Pages<T> {
    type Item = Result<Page<T>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_page(cx)
    }
}

/// A stream of pages that an item stream reads one page at a time: [`Pages`], and the
/// hydrated pages of [`super::hydrate`].
pub(crate) trait PageSource {
    /// What a page holds.
    type Item;

    /// The next page, or `None` after the last.
    fn poll_next_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<Self::Item>>>>;
}

impl<T> PageSource for Pages<T> {
    type Item = T;

    fn poll_next_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<T>>>> {
        self.poll_page(cx)
    }
}

/// The items of a [`PageSource`], one at a time, with one page buffered: the body of
/// [`Items`] and [`HydratedItems`](super::HydratedItems).
pub(crate) struct Buffered<S: PageSource> {
    pages: S,
    buffer: VecDeque<S::Item>,
}

impl<S: PageSource> Buffered<S> {
    pub(crate) fn new(pages: S) -> Self {
        Buffered { pages, buffer: VecDeque::new() }
    }

    pub(crate) fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<S::Item>>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match self.pages.poll_next_page(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(Some(Ok(page))) => self.buffer.extend(page.items),
            }
        }
    }

    /// Debug output as the struct `name` with the page stream and the buffered count.
    pub(crate) fn debug_as(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result
    where
        S: fmt::Debug,
    {
        f.debug_struct(name)
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

/// The items of a query or scan as an async [`Stream`], read page by page.
#[must_use = "streams do nothing unless polled"]
pub struct Items<T> {
    inner: Buffered<Pages<T>>,
}

impl<T> fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.debug_as("Items", f)
    }
}

impl<T> Items<T> {
    /// The next item, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<T>> {
        poll_fn(|cx| self.inner.poll_item(cx)).await
    }
}

impl<T> Unpin for Items<T> {}

impl<T> Stream for Items<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().inner.poll_item(cx)
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
