//! Write sharding (`#[entity(shards = N)]`): the shard suffix of a partition key, and the
//! fan-out query that reads every shard of a logical partition and merges the results
//! in sort-key order.
//!
//! The shard of an item is `fnv1a_32(sort key bytes) % N`, where the sort key bytes are
//! the stored sort-key value (the UTF-8 text of an `S` or `N`, the bytes of a `B`). FNV-1a
//! (32-bit, offset basis `0x811c9dc5`, prime `0x01000193`) is fixed by its definition, so
//! the shard of a key is the same on every platform and in every version. The partition
//! key gets the suffix `#S{shard}`: `DEVICE#d1` becomes `DEVICE#d1#S3`.

use std::cmp::Ordering;
use std::sync::Arc;

use super::pages::Pages;
use super::{KeyQuery, Options};
use crate::backend::{Backend, PageOutput};
use crate::error::{Error, Result};
use crate::expr::Condition;
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
    /// Reads every shard (up to `limit` items from each), then merges the items in
    /// sort-key order (the query's direction) and keeps the first `limit`: one page
    /// without a cursor. A cursor is refused with [`Error::InvalidCursor`].
    pub(crate) async fn read(self) -> Result<PageOutput> {
        if self.options.cursor.is_some() {
            return Err(Error::InvalidCursor {
                reason: "cursors are not supported on the fan-out query of a sharded entity \
                         (`shards = N`): use `limit` and a sort-key range instead"
                    .to_owned(),
            });
        }
        let limit = self.options.limit.map(|l| l as usize);
        let types = [self.entity_type];
        let mut items: Vec<Item> = Vec::new();
        let mut scanned_count: u32 = 0;
        for shard in 0..self.shards {
            let key = on_shard(&self.key, shard)?;
            let reader = self.options.query_reader(
                &self.schema,
                &key,
                &types,
                Arc::clone(&self.backend),
                self.secret.clone(),
                self.unexpired.clone(),
            )?;
            let mut pages: Pages<Item> = Pages::new(Ok(reader), Ok);
            let mut taken = 0usize;
            while let Some(page) = pages.next().await {
                let page = page?;
                scanned_count = scanned_count.saturating_add(page.scanned_count);
                taken += page.items.len();
                items.extend(page.items);
                if limit.is_some_and(|limit| taken >= limit) {
                    break;
                }
            }
        }
        let sort = self.schema.sort_key.map(|k| k.name);
        items.sort_by(|a, b| {
            let (a, b) = match sort {
                Some(name) => (a.get(name), b.get(name)),
                None => (None, None),
            };
            sort_order(a, b)
        });
        if !self.options.forward {
            items.reverse();
        }
        if let Some(limit) = limit {
            items.truncate(limit);
        }
        Ok(PageOutput {
            count: u32::try_from(items.len()).unwrap_or(u32::MAX),
            items,
            scanned_count,
            last_evaluated_key: None,
            consumed_capacity: None,
        })
    }
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

    #[test]
    fn suffixes_round_trip() {
        assert_eq!(strip_shard_suffix("DEVICE#d1#S3", 8), Some("DEVICE#d1"));
        assert_eq!(strip_shard_suffix("DEVICE#d1#S8", 8), None);
        assert_eq!(strip_shard_suffix("DEVICE#d1#S03", 8), None);
        assert_eq!(strip_shard_suffix("DEVICE#d1", 8), None);
        assert_eq!(strip_shard_suffix("A#S1#S0", 2), Some("A#S1"));
    }
}
