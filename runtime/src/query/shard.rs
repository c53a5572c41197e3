//! Write sharding (`#[entity(shards = N)]`): the shard suffix of a partition key, and the
//! fan-out query that reads every shard of a logical partition and merges the results
//! in sort-key order, page by page.
//!
//! # Where items go
//!
//! The shard of an item is `fnv1a_32(sort key bytes) % N`, where the sort key bytes are
//! the stored sort-key value (the UTF-8 text of an `S` or `N`, the bytes of a `B`). FNV-1a
//! (32-bit, offset basis `0x811c9dc5`, prime `0x01000193`) is fixed by its definition, so
//! the shard of a key is the same on every platform and in every version. The partition
//! key gets the suffix `#S{shard}`: `DEVICE#d1` becomes `DEVICE#d1#S3`. Sharding applies
//! to the table's partition key only: the entity's GSI keys are written unchanged and
//! its GSI queries are ordinary queries (an LSI, which shares the table's partition key,
//! is refused at compile time).
//!
//! # The fan-out query
//!
//! `<Entity>::query()` of a sharded entity sends one `Query` per shard (the same key
//! condition, filter, projection, direction and consistency, on `<pk>#S{n}`) and merges
//! them: a k-way merge over per-shard buffers. A page returns items in merged order while
//! every shard that is not exhausted has a buffered item; a shard whose buffer runs dry is
//! read again with `Limit` = the items the page still needs. The shard requests of one
//! round are sent concurrently. A page ends:
//!
//! - with `limit(n)`: at `n` items, counted *after* the filter (unlike DynamoDB's
//!   `Limit`, which counts evaluated items: the merge must read ahead anyway), or when
//!   every shard is done;
//! - without a limit: where a shard that already returned items in this page runs out of
//!   its DynamoDB page (at most one 1 MB page per shard in memory), or when every shard
//!   is done.
//!
//! A page's `scanned_count` is the sum of the `ScannedCount`s of its shard requests,
//! read-ahead included. `limit(0)` sends one shard request with `Limit=0` and returns
//! DynamoDB's answer (a `ValidationException`), as an unsharded query does.
//!
//! # The cursor
//!
//! A merged page's cursor holds one [`Position`] per shard: not started, done (never read
//! again), or the table key (`pk` + `sk`) of the last item returned from that shard.
//! Items read ahead but not returned are simply read again by the next page, from that
//! position. The positions travel as an item `s{n}` → `B(state, key)` through the same
//! [`cursor`] encoding, integrity tag and optional HMAC secret as every other cursor. Its
//! fingerprint is the logical query's, tagged as sharded over `N` shards: a sharded
//! cursor is refused by an unsharded query and the other way round, and a changed `N`
//! refuses old cursors. Before a cursor is used, every per-shard key must name exactly the
//! table's key attributes, lie in that shard's partition (`<pk>#S{n}`) and have a sort
//! key that hashes to `n`.
//!
//! # Projections
//!
//! A projected sharded query (`.project(..)`) also reads the table's partition and sort
//! key attributes when the projection leaves them out (the merge orders by the sort key
//! and the cursor resumes at both), and removes them from the returned items again, so a
//! `Partial<E>` holds what was asked for, as on an unsharded query.
//!
//! # Collections
//!
//! A `#[derive(Collection)]` on the table's partition cannot hold a sharded member: one
//! query of `DEVICE#d1` reads none of the items in `DEVICE#d1#S0`.. The derive refuses it
//! at compile time (a const assertion at the member) and the schema file check reports
//! it; a collection on a GSI may hold a sharded entity.

use std::cmp::Ordering;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::Arc;
use std::task::Poll;

use super::pages::Sent;
use super::{query_fingerprint, KeyQuery, Options, Reader, Request};
use crate::backend::{Backend, BoxFuture, PageOutput, QueryInput};
use crate::cursor::{self, Fingerprint, FingerprintBuilder};
use crate::error::{Error, Result};
use crate::expr::{Condition, Path};
use crate::schema::TableSchema;

use crate::error::{DecodeError, EncodeError, EncodeErrorKind};
use crate::value::{AttributeValue, Item};

/// The text between a logical partition key and its shard number.
pub const SHARD_SEPARATOR: &str = "#S";

/// 32-bit FNV-1a of `bytes`.
pub fn fnv1a_32(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in bytes {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// The bytes a sort-key value is hashed by, `None` for a value that cannot be a key.
fn key_bytes(value: &AttributeValue) -> Option<&[u8]> {
    match value {
        AttributeValue::S(text) => Some(text.as_bytes()),
        AttributeValue::N(number) => Some(number.as_str().as_bytes()),
        AttributeValue::B(bytes) => Some(bytes),
        _ => None,
    }
}

/// The shard (`0..shards`) of the item whose sort-key value is `sort`.
pub fn shard_of(sort: &AttributeValue, shards: u32) -> Option<u32> {
    key_bytes(sort).map(|bytes| fnv1a_32(bytes) % shards.max(1))
}

/// Appends `#S{shard}` to the partition key `partition` of `item`, the shard computed
/// from its sort key `sort`. Both must be present; the partition key must be a string.
pub fn apply_shard(
    item: &mut Item,
    partition: &str,
    sort: &str,
    shards: u32,
) -> Result<(), EncodeError> {
    let shard = item.get(sort).and_then(|value| shard_of(value, shards)).ok_or_else(|| {
        EncodeError::new(EncodeErrorKind::Invalid(format!(
            "a sharded entity needs a scalar sort key `{sort}` to compute its shard"
        )))
    })?;
    match item.get_mut(partition) {
        Some(AttributeValue::S(text)) => {
            text.push_str(SHARD_SEPARATOR);
            text.push_str(&shard.to_string());
            Ok(())
        }
        _ => Err(EncodeError::new(EncodeErrorKind::Invalid(format!(
            "a sharded entity needs a string partition key `{partition}`"
        )))),
    }
}

/// `text` without its `#S{n}` suffix (`n < shards`), or `None` when it has none.
pub fn strip_shard_suffix(text: &str, shards: u32) -> Option<&str> {
    let (logical, number) = text.rsplit_once(SHARD_SEPARATOR)?;
    let valid = !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && (number == "0" || !number.starts_with('0'))
        && number.parse::<u32>().is_ok_and(|n| n < shards);
    valid.then_some(logical)
}

/// A copy of the key `key` whose partition key `partition` lost its shard suffix: what
/// `decode_key` of a sharded entity parses.
pub fn strip_shard(key: &Item, partition: &str, shards: u32) -> Result<Item, DecodeError> {
    let mut key = key.clone();
    match key.get_mut(partition) {
        Some(AttributeValue::S(text)) => match strip_shard_suffix(text, shards) {
            Some(logical) => {
                let logical = logical.len();
                text.truncate(logical);
                Ok(key)
            }
            None => Err(DecodeError::invalid(format!(
                "partition key `{text}` has no shard suffix `#S0`..`#S{}`",
                shards.saturating_sub(1)
            ))
            .at_field(partition.to_owned())),
        },
        _ => Err(DecodeError::invalid(format!(
            "a sharded entity needs a string partition key `{partition}`"
        ))),
    }
}

/// The order of two sort-key values: `S` by UTF-8 bytes, `N` numerically, `B` as
/// unsigned bytes (DynamoDB's order); values of different types by type.
pub(crate) fn sort_order(
    left: Option<&AttributeValue>,
    right: Option<&AttributeValue>,
) -> Ordering {
    match (left, right) {
        (Some(AttributeValue::S(l)), Some(AttributeValue::S(r))) => l.as_bytes().cmp(r.as_bytes()),
        (Some(AttributeValue::N(l)), Some(AttributeValue::N(r))) => l.cmp(r),
        (Some(AttributeValue::B(l)), Some(AttributeValue::B(r))) => l.cmp(r),
        (l, r) => rank(l).cmp(&rank(r)),
    }
}

fn rank(value: Option<&AttributeValue>) -> u8 {
    match value {
        None => 0,
        Some(AttributeValue::S(_)) => 1,
        Some(AttributeValue::N(_)) => 2,
        Some(AttributeValue::B(_)) => 3,
        Some(_) => 4,
    }
}

/// `key` (a finished condition on the table's primary key) on physical shard `shard`.
fn on_shard(key: &KeyQuery, shard: u32) -> Result<KeyQuery> {
    let mut key = key.clone();
    match key.partition.first_mut() {
        Some((_, AttributeValue::S(text))) => {
            text.push_str(SHARD_SEPARATOR);
            text.push_str(&shard.to_string());
            Ok(key)
        }
        _ => Err(Error::Encode(EncodeError::new(EncodeErrorKind::Invalid(
            "a sharded entity needs a string partition key".to_owned(),
        )))),
    }
}

/// Where the reading of one shard resumes: what a sharded query's cursor holds per shard.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Position {
    /// Nothing of this shard was read yet: its next request has no `ExclusiveStartKey`.
    Start,
    /// Everything up to and including the item with this key (the table's partition and
    /// sort key) was returned; the next request starts after it.
    After(Item),
    /// Every item of this shard was returned: no more requests.
    Done,
}

const START: u8 = 0;
const DONE: u8 = 1;
const AFTER: u8 = 2;

fn shard_attribute(shard: u32) -> String {
    format!("s{shard}")
}

/// The positions as an item, `s{n}` → `B([state] ++ key bytes)`: the "key" a sharded
/// page hands to the cursor machinery ([`crate::cursor::encode`] stores `B` values as
/// they are, under the same integrity tag as any cursor).
pub(crate) fn positions_to_item(positions: &[Position]) -> Item {
    let mut item = Item::new();
    for (shard, position) in (0u32..).zip(positions) {
        let bytes = match position {
            Position::Start => vec![START],
            Position::Done => vec![DONE],
            Position::After(key) => {
                let mut bytes = vec![AFTER];
                bytes.extend(cursor::key_to_bytes(key));
                bytes
            }
        };
        item.insert(shard_attribute(shard), AttributeValue::B(bytes));
    }
    item
}

fn bad_positions(reason: impl Into<String>) -> Error {
    Error::InvalidCursor { reason: reason.into() }
}

/// The positions of [`positions_to_item`]: exactly `s0`..`s{shards-1}`, each a valid
/// state. Anything else is an [`Error::InvalidCursor`].
pub(crate) fn positions_from_item(item: &Item, shards: u32) -> Result<Vec<Position>> {
    let expected = usize::try_from(shards).unwrap_or(usize::MAX);
    if item.len() != expected {
        return Err(bad_positions(format!(
            "the cursor holds {} shard positions, this query reads {shards} shards",
            item.len()
        )));
    }
    let mut positions = Vec::with_capacity(expected);
    for shard in 0..shards {
        let name = shard_attribute(shard);
        let position = match item.get(&name) {
            Some(AttributeValue::B(bytes)) => match bytes.split_first() {
                Some((&START, [])) => Position::Start,
                Some((&DONE, [])) => Position::Done,
                Some((&AFTER, key)) => Position::After(cursor::key_from_bytes(key)?),
                _ => {
                    return Err(bad_positions(format!(
                        "the cursor's position `{name}` is malformed"
                    )))
                }
            },
            _ => {
                return Err(bad_positions(format!(
                    "the cursor has no position for shard {shard} of this sharded query"
                )))
            }
        };
        positions.push(position);
    }
    Ok(positions)
}

/// Checks that every per-shard key of a cursor names exactly the table's key attributes
/// and lies in its own shard: the physical partition `<logical>#S{n}`, with a sort key
/// that hashes to `n`.
fn check_positions(
    positions: &[Position],
    key: &KeyQuery,
    attributes: &[&str],
    sort: &str,
    shards: u32,
) -> Result<()> {
    for (shard, position) in (0u32..).zip(positions) {
        let Position::After(start) = position else { continue };
        let physical = on_shard(key, shard)?;
        cursor::check_key(start, attributes, &physical.partition).map_err(|_| {
            bad_positions(format!(
                "the cursor's position for shard {shard} lies outside that shard's partition"
            ))
        })?;
        if start.get(sort).and_then(|value| shard_of(value, shards)) != Some(shard) {
            return Err(bad_positions(format!(
                "the cursor's position for shard {shard} has a sort key of another shard"
            )));
        }
    }
    Ok(())
}

/// The fingerprint of a sharded query: the logical query's, tagged as sharded over
/// `shards` shards, so cursors of unsharded queries (and of another shard count) are
/// refused, and this query's cursors are refused by them.
fn sharded_fingerprint(logical: &QueryInput, types: &[&str], shards: u32) -> Fingerprint {
    let mut b = FingerprintBuilder::default();
    b.text("sharded query").number(u64::from(shards));
    b.fingerprint(&query_fingerprint(logical, types));
    b.finish()
}

/// What a fan-out read needs, owned, so the read is a `'static` future.
pub(crate) struct FanOut {
    pub(crate) schema: TableSchema,
    pub(crate) key: KeyQuery,
    pub(crate) options: Options,
    pub(crate) entity_type: &'static str,
    pub(crate) shards: u32,
    pub(crate) backend: Arc<dyn Backend>,
    pub(crate) secret: Option<Arc<[u8]>>,
    pub(crate) unexpired: Option<Condition>,
}

impl FanOut {
    /// With `limit(0)` no merged page can make progress: the query sends shard 0's
    /// request with `Limit=0` as it is, for the backend's own answer (DynamoDB's
    /// ValidationException), as an unsharded query would. `None` for any other limit.
    pub(crate) fn zero_limit(&self) -> Option<BoxFuture<'static, Result<PageOutput>>> {
        if self.options.limit != Some(0) || self.key.empty {
            return None;
        }
        let types = [self.entity_type];
        let input = on_shard(&self.key, 0)
            .and_then(|key| self.options.query_input(&self.schema, &key, &types));
        let backend = Arc::clone(&self.backend);
        Some(Box::pin(async move {
            let output = backend.query(input?).await?;
            Ok(PageOutput { last_evaluated_key: None, ..output })
        }))
    }

    /// The reader of the merged pages and where it starts (the decoded, checked cursor):
    /// what [`Pages::new`](super::Pages) takes. `None` when no key can match.
    ///
    /// The reader's backend is a [`Merge`]: each "request" of the reader is one merged
    /// page over every shard, its `ExclusiveStartKey` and `LastEvaluatedKey` the
    /// per-shard positions (see [`positions_to_item`]), so the cursor is minted and
    /// checked by the same code, tag and secret as every other cursor.
    pub(crate) fn reader(self) -> Result<Option<(Reader, Option<Item>)>> {
        let types = [self.entity_type];
        let logical = self.options.query_input(&self.schema, &self.key, &types)?;
        if self.key.empty {
            return Ok(None);
        }
        let sort = self.schema.sort_key.map(|k| k.name).ok_or_else(|| {
            Error::Encode(EncodeError::new(EncodeErrorKind::Invalid(
                "a sharded entity needs a table with a sort key".to_owned(),
            )))
        })?;
        let partition = self.schema.partition_key.name;
        let attributes = [partition, sort];
        let fingerprint = sharded_fingerprint(&logical, &types, self.shards);
        let start = match &self.options.cursor {
            None => None,
            Some(given) => {
                let item = cursor::decode(given, &fingerprint, self.secret.as_deref())?;
                let positions = positions_from_item(&item, self.shards)?;
                check_positions(&positions, &self.key, &attributes, sort, self.shards)?;
                Some(item)
            }
        };
        // The merge orders by the sort key and resumes at the partition + sort key of
        // the last item returned, so a projection must carry both.
        let mut projection = logical.projection.clone();
        let mut added = Vec::new();
        if let Some(paths) = projection.as_mut() {
            for name in attributes {
                let path = Path::attribute(name);
                if !paths.contains(&path) {
                    paths.push(path);
                    added.push(name);
                }
            }
        }
        let mut inputs = Vec::new();
        for shard in 0..self.shards {
            let key = on_shard(&self.key, shard)?;
            let mut input = self.options.query_input(&self.schema, &key, &types)?;
            input.filter = super::and(input.filter.take(), self.unexpired.clone());
            input.projection.clone_from(&projection);
            input.limit = None;
            inputs.push(input);
        }
        let merge = Merge {
            backend: self.backend,
            inputs,
            limit: self.options.limit.map(|l| usize::try_from(l).unwrap_or(usize::MAX)),
            forward: self.options.forward,
            partition,
            sort,
            added,
            shards: self.shards,
        };
        let reader = Reader::plain(
            Arc::clone(&merge.backend),
            Arc::from(format!("{}.query", types.join("|"))),
            Request::Merged(Arc::new(merge)),
            fingerprint,
            self.secret,
        );
        Ok(Some((reader, start)))
    }
}

/// The k-way merge of one sharded query: [`Merge::page`] reads one merged page (sent by
/// a reader's [`Request::Merged`]).
pub(crate) struct Merge {
    backend: Arc<dyn Backend>,
    /// The request of each shard, without `Limit` or `ExclusiveStartKey`.
    inputs: Vec<QueryInput>,
    /// Items per merged page (after the filter); `None`: see [`Merge::page`].
    limit: Option<usize>,
    forward: bool,
    partition: &'static str,
    sort: &'static str,
    /// Key attributes added to the user's projection, removed from the items again.
    added: Vec<&'static str>,
    shards: u32,
}

impl std::fmt::Debug for Merge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Merge")
            .field("inputs", &self.inputs)
            .field("limit", &self.limit)
            .field("forward", &self.forward)
            .field("shards", &self.shards)
            .finish_non_exhaustive()
    }
}

/// One shard during a merged page.
struct ShardRead {
    /// Where re-reading yields exactly `buffer` followed by the rest of the shard.
    position: Position,
    /// The `ExclusiveStartKey` of the next request (the last `LastEvaluatedKey`).
    next: Option<Item>,
    /// No request is left: the last one returned no `LastEvaluatedKey`.
    exhausted: bool,
    /// Items read but not returned yet, in the query's order.
    buffer: VecDeque<Item>,
    /// This shard returned an item in this page.
    supplied: bool,
}

impl ShardRead {
    fn new(position: Position) -> Self {
        let (next, exhausted) = match &position {
            Position::Start => (None, false),
            Position::After(key) => (Some(key.clone()), false),
            Position::Done => (None, true),
        };
        ShardRead { position, next, exhausted, buffer: VecDeque::new(), supplied: false }
    }

    fn needs_request(&self) -> bool {
        self.buffer.is_empty() && !self.exhausted
    }

    fn position_when_empty(&self) -> Position {
        match &self.next {
            Some(key) if !self.exhausted => Position::After(key.clone()),
            _ => Position::Done,
        }
    }
}

impl Merge {
    fn key_of(&self, item: &Item) -> Result<Item> {
        let mut key = Item::new();
        for name in [self.partition, self.sort] {
            let value = item.get(name).ok_or_else(|| {
                Error::Decode(DecodeError::invalid(format!(
                    "an item of a sharded query has no key attribute `{name}`"
                )))
            })?;
            key.insert(name.to_owned(), value.clone());
        }
        Ok(key)
    }

    /// One merged page from `start` (the positions item; `None`: every shard from its
    /// beginning).
    ///
    /// Items are returned in merged order while every shard that is not exhausted has a
    /// buffered head. A shard whose buffer runs dry is read again (`Limit` = the items
    /// still needed) when there is a limit; without one, the page ends there (so a page
    /// holds at most one DynamoDB page per shard in memory). The page ends at `limit`
    /// items, or when every shard is done (then without a `LastEvaluatedKey`).
    ///
    /// With each item comes the positions of every shard right after it (an item
    /// cursor): items are returned only while every shard that is not done has a
    /// buffered head, so at that moment each shard's position is exact (its last
    /// returned item, or where its buffered items start).
    pub(crate) async fn page(&self, start: Option<Item>) -> Result<Sent> {
        let positions = match &start {
            Some(item) => positions_from_item(item, self.shards)?,
            None => vec![Position::Start; self.inputs.len()],
        };
        let mut shards: Vec<ShardRead> = positions.into_iter().map(ShardRead::new).collect();
        let mut items = Vec::new();
        let mut after = Vec::new();
        let mut scanned_count: u32 = 0;
        loop {
            if self.limit.is_some_and(|limit| items.len() >= limit) {
                break;
            }
            let needy: Vec<usize> =
                (0..shards.len()).filter(|&i| shards[i].needs_request()).collect();
            if !needy.is_empty() {
                if self.limit.is_none() && needy.iter().any(|&i| shards[i].supplied) {
                    break;
                }
                let remaining = self.limit.map(|limit| {
                    u32::try_from(limit.saturating_sub(items.len())).unwrap_or(u32::MAX)
                });
                let requests = needy
                    .iter()
                    .map(|&i| {
                        let input = QueryInput {
                            limit: remaining,
                            exclusive_start_key: shards[i].next.clone(),
                            ..self.inputs[i].clone()
                        };
                        self.backend.query(input)
                    })
                    .collect();
                for (i, output) in needy.into_iter().zip(join_all(requests).await) {
                    let output = output?;
                    scanned_count = scanned_count.saturating_add(output.scanned_count);
                    let shard = &mut shards[i];
                    shard.exhausted = output.last_evaluated_key.is_none();
                    shard.next = output.last_evaluated_key;
                    shard.buffer = output.items.into();
                    if shard.buffer.is_empty() {
                        shard.position = shard.position_when_empty();
                    }
                }
                continue;
            }
            let Some(best) = self.best_head(&shards) else { break };
            let shard = &mut shards[best];
            let Some(item) = shard.buffer.pop_front() else { break };
            shard.supplied = true;
            shard.position = if shard.buffer.is_empty() {
                shard.position_when_empty()
            } else {
                Position::After(self.key_of(&item)?)
            };
            items.push(item);
            let now: Vec<Position> = shards.iter().map(|s| s.position.clone()).collect();
            after.push(positions_to_item(&now));
        }
        let positions: Vec<Position> = shards.into_iter().map(|s| s.position).collect();
        let last_evaluated_key = if positions.iter().all(|p| *p == Position::Done) {
            None
        } else {
            Some(positions_to_item(&positions))
        };
        for item in &mut items {
            for name in &self.added {
                item.remove(*name);
            }
        }
        let output = PageOutput {
            count: u32::try_from(items.len()).unwrap_or(u32::MAX),
            items,
            scanned_count,
            last_evaluated_key,
            consumed_capacity: None,
        };
        Ok(Sent { output, positions: Some(after) })
    }

    /// The shard whose buffered head comes first in the query's order.
    fn best_head(&self, shards: &[ShardRead]) -> Option<usize> {
        let mut best: Option<(usize, &Item)> = None;
        for (i, shard) in shards.iter().enumerate() {
            let Some(head) = shard.buffer.front() else { continue };
            best = match best {
                None => Some((i, head)),
                Some((j, current)) => {
                    let order = sort_order(head.get(self.sort), current.get(self.sort));
                    let better = if self.forward { order.is_lt() } else { order.is_gt() };
                    Some(if better { (i, head) } else { (j, current) })
                }
            };
        }
        best.map(|(i, _)| i)
    }
}

/// Runs the requests at once; their outputs in order.
async fn join_all(mut requests: Vec<BoxFuture<'_, Result<PageOutput>>>) -> Vec<Result<PageOutput>> {
    let mut outputs: Vec<Option<Result<PageOutput>>> = requests.iter().map(|_| None).collect();
    poll_fn(|cx| {
        for (request, output) in requests.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                if let Poll::Ready(result) = request.as_mut().poll(cx) {
                    *output = Some(result);
                }
            }
        }
        if outputs.iter().all(Option::is_some) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_vectors() {
        // From the FNV reference test suite.
        assert_eq!(fnv1a_32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a_32(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a_32(b"foobar"), 0xbf9c_f968);
    }

    fn device_key() -> KeyQuery {
        use crate::schema::{KeyAttribute, ScalarType};
        KeyQuery::new("T", None)
            .lit("DEVICE#d1")
            .partition_text(KeyAttribute { name: "PK", ty: ScalarType::S })
    }

    fn item_key(pk: &str, sk: &str) -> Item {
        let mut key = Item::new();
        key.insert("PK".into(), AttributeValue::S(pk.into()));
        key.insert("SK".into(), AttributeValue::S(sk.into()));
        key
    }

    /// A sort key of shard `shard` of `shards`.
    fn sort_key_in(shard: u32, shards: u32) -> String {
        (0..)
            .map(|i| format!("READING#{i}"))
            .find(|sk| shard_of(&AttributeValue::S(sk.clone()), shards) == Some(shard))
            .unwrap_or_default()
    }

    #[test]
    fn positions_round_trip_through_an_item() {
        let sk = sort_key_in(2, 4);
        let positions = vec![
            Position::Start,
            Position::Done,
            Position::After(item_key("DEVICE#d1#S2", &sk)),
            Position::Start,
        ];
        let item = positions_to_item(&positions);
        assert_eq!(item.len(), 4);
        assert_eq!(positions_from_item(&item, 4).unwrap(), positions);
        // Another shard count, a missing or malformed position: refused.
        assert!(positions_from_item(&item, 8).is_err());
        let mut missing = item.clone();
        missing.remove("s3");
        missing.insert("s4".into(), AttributeValue::B(vec![START]));
        assert!(positions_from_item(&missing, 4).is_err());
        for bad in [vec![], vec![7], vec![START, 1], vec![AFTER, 9, 9]] {
            let mut broken = item.clone();
            broken.insert("s0".into(), AttributeValue::B(bad.clone()));
            assert!(positions_from_item(&broken, 4).is_err(), "{bad:?}");
        }
        let mut text = item.clone();
        text.insert("s0".into(), AttributeValue::S("x".into()));
        assert!(positions_from_item(&text, 4).is_err());
    }

    #[test]
    fn every_position_must_lie_in_its_own_shard() {
        let key = device_key();
        let attributes = ["PK", "SK"];
        let in_two = sort_key_in(2, 4);
        let in_one = sort_key_in(1, 4);
        let mut positions = vec![Position::Start, Position::Done, Position::Start, Position::Start];
        positions[2] = Position::After(item_key("DEVICE#d1#S2", &in_two));
        assert!(check_positions(&positions, &key, &attributes, "SK", 4).is_ok());
        // The key of shard 2 given as shard 1's position.
        let mut moved = positions.clone();
        moved[1] = moved[2].clone();
        let err = check_positions(&moved, &key, &attributes, "SK", 4).unwrap_err();
        assert!(err.to_string().contains("shard 1"), "{err}");
        // Shard 2's partition with a sort key that hashes to shard 1.
        positions[2] = Position::After(item_key("DEVICE#d1#S2", &in_one));
        let err = check_positions(&positions, &key, &attributes, "SK", 4).unwrap_err();
        assert!(err.to_string().contains("another shard"), "{err}");
        // Another logical partition, or a key with other attributes.
        positions[2] = Position::After(item_key("DEVICE#d2#S2", &in_two));
        assert!(check_positions(&positions, &key, &attributes, "SK", 4).is_err());
        let mut extra = item_key("DEVICE#d1#S2", &in_two);
        extra.insert("GSI1PK".into(), AttributeValue::S("x".into()));
        positions[2] = Position::After(extra);
        assert!(check_positions(&positions, &key, &attributes, "SK", 4).is_err());
    }

    #[test]
    fn the_fingerprint_names_the_shard_count() {
        let input = QueryInput { table_name: "T".into(), ..QueryInput::default() };
        let eight = sharded_fingerprint(&input, &["Reading"], 8);
        assert_ne!(eight, sharded_fingerprint(&input, &["Reading"], 4));
        assert_ne!(eight, query_fingerprint(&input, &["Reading"]));
        assert_eq!(eight, sharded_fingerprint(&input, &["Reading"], 8));
        // So a cursor of 8 shards is refused by a query over 4.
        let positions = vec![Position::Start; 8];
        let cursor = cursor::encode(&positions_to_item(&positions), &eight, None);
        let four = sharded_fingerprint(&input, &["Reading"], 4);
        assert!(cursor::decode(&cursor, &four, None).is_err());
        assert!(cursor::decode(&cursor, &eight, None).is_ok());
    }

    #[test]
    fn suffixes_round_trip() {
        assert_eq!(strip_shard_suffix("DEVICE#d1#S3", 8), Some("DEVICE#d1"));
        assert_eq!(strip_shard_suffix("DEVICE#d1#S8", 8), None);
        assert_eq!(strip_shard_suffix("DEVICE#d1#S03", 8), None);
        assert_eq!(strip_shard_suffix("DEVICE#d1", 8), None);
        assert_eq!(strip_shard_suffix("A#S1#S0", 2), Some("A#S1"));
    }
}
