//! The entity lifecycle on writes and reads, driven by [`Entity::SCHEMA`]'s field
//! markers: optimistic locking (`#[entity(version)]`), timestamps (`created_at`,
//! `updated_at`), validation hooks, and hiding expired items (the table's TTL
//! attribute). Every operation shares these generic functions; nothing is generated per
//! entity beyond the schema and the hooks.
//!
//! # Rules
//!
//! - **Versions.** A put of an entity whose version is `0` creates: it writes version
//!   `1` under the condition that no item has the key. A put of version `n > 0`
//!   replaces: it writes `n + 1` under the condition that the stored version is `n`. An
//!   update adds 1 to the version (`ADD version :1`) and, with
//!   [`Update::expect_version`](crate::Update::expect_version), checks it first. A delete
//!   checks it with [`Delete::expect_version`](crate::client::Delete::expect_version) or
//!   [`TableClient::delete_entity`](crate::TableClient::delete_entity). A failed check is
//!   [`Error::VersionConflict`] (the stored version is read from the item DynamoDB
//!   returns with the failure, `ReturnValuesOnConditionCheckFailure=ALL_OLD`, so a
//!   failure of the caller's own condition stays
//!   [`Error::ConditionalCheckFailed`]). The value the caller holds is not changed: the
//!   stored version is one more than the one written from.
//! - **Batch writes cannot carry conditions**, so a batch put of a versioned entity is
//!   refused ([`Error::VersionedBatchWrite`]) unless the batch opts out with
//!   [`BatchWrite::unversioned`](crate::BatchWrite::unversioned), which writes the
//!   version as held, unchecked.
//! - **Timestamps** come from the client's [`Clock`]. `updated_at`
//!   is set on every put, update, transaction put and batch put. `created_at` is set by
//!   a put when the entity's value is unset (`None`, or [`Timestamp::UNIX_EPOCH`]), and
//!   kept otherwise: a put replaces the whole item, so a value read from the table keeps
//!   its creation time, and a fresh value gets the current time. An update never touches
//!   `created_at`.
//! - **Unique attributes** (`#[entity(unique)]`): every value owns a guard item, key
//!   `_unique#<EntityType>#<attribute>#<value>` in the partition key (and the same text in
//!   the sort key, when the table has one; both must be strings), holding `_owner`, the
//!   owning item's key (a map of its key attributes). A put, an update that `set`s or
//!   `remove`s a unique attribute, and a delete read the item first (consistent read)
//!   and send one transaction: the entity's action, conditioned on the unique values read (or on the item being
//!   absent), the release of the guards of old values (condition: absent or owned by the
//!   item) and the claim of the new ones (condition: absent or owned by the item). A
//!   taken value is [`Error::UniqueConflict`]; a concurrent change between the read and
//!   the write cancels the transaction (retry). A transaction put claims the guards of
//!   the values it writes (but cannot release old ones); updates changing a unique
//!   attribute cannot join transactions; a transaction upsert claims the values it
//!   writes and is conditioned on the stored values being those or absent (see
//!   [`crate::upsert`]); an upsert on its own moves guards as an update does; batch
//!   writes refuse entities with unique fields.
//!   Guard items have no entity-type attribute, so no entity query or scan returns them.
//! - **Validation hooks** run before every put (plain, transaction, batch) and, for the
//!   fields an update sets, before the update; a failure is [`Error::Invalid`] and
//!   nothing is sent.
//! - **Expired items**: DynamoDB deletes items whose TTL attribute (epoch seconds) is
//!   in the past lazily, often days later. With
//!   [`TableClient::hide_expired`](crate::TableClient::hide_expired) (or per request),
//!   reads leave out items whose TTL is at or before the clock's current second: queries,
//!   scans and collections add the filter `attribute_not_exists(ttl) OR ttl > :now`
//!   (placeholders, as every value), gets and batch gets check the item they read.
//!   The filter is not part of a cursor's identity, so a cursor stays valid as time
//!   moves on.

use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::entity::{Entity, Table};
use crate::error::{Error, Result};
use crate::expr::{Comparator, Condition, Operand, Path};
use crate::number::Number;
use crate::schema::{FieldSchema, TableSchema};
use crate::timestamp::Timestamp;
use crate::value::{AttributeValue, Item};

/// What a client hands its operations: the clock, and whether reads hide expired items.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) hide_expired: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { clock: Arc::new(SystemClock), hide_expired: false }
    }
}

/// The field of `E` carrying `marker`.
fn marked<E: Entity>(marker: fn(&FieldSchema) -> bool) -> Option<&'static FieldSchema> {
    E::SCHEMA.fields.iter().find(|field| marker(field))
}

/// The attribute of `E`'s `#[entity(version)]` field, if it has one.
pub fn version_attribute<E: Entity>() -> Option<&'static str> {
    marked::<E>(|f| f.markers.version).map(|f| f.attribute)
}

/// The version stored in `item` under `attribute` (`None` when absent or not a whole
/// number).
pub fn stored_version(item: &Item, attribute: &str) -> Option<u64> {
    match item.get(attribute) {
        Some(AttributeValue::N(n)) => u64::try_from(n).ok(),
        _ => None,
    }
}

/// The version check one write carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VersionCheck {
    pub(crate) entity: &'static str,
    pub(crate) attribute: &'static str,
    /// `None`: the write creates the item.
    pub(crate) expected: Option<u64>,
}

impl VersionCheck {
    /// A check that the stored version of `E` is `expected`, when `E` is versioned.
    pub(crate) fn of<E: Entity>(expected: Option<u64>) -> Option<VersionCheck> {
        version_attribute::<E>().map(|attribute| VersionCheck {
            entity: E::SCHEMA.rust_name,
            attribute,
            expected,
        })
    }

    /// The condition: no item (creating), or the version is the expected one.
    pub(crate) fn condition(&self, table: &TableSchema) -> Condition {
        match self.expected {
            None => Condition::AttributeNotExists(Path::attribute(table.partition_key.name)),
            Some(version) => Condition::Compare {
                left: Operand::Path(Path::attribute(self.attribute)),
                op: Comparator::Eq,
                right: Operand::Value(AttributeValue::N(Number::from(version))),
            },
        }
    }

    /// True when the item as it was (`old`, `None` when there was none) fails this
    /// check.
    pub(crate) fn fails_on(&self, old: Option<&Item>) -> bool {
        match (self.expected, old) {
            (None, old) => old.is_some(),
            (Some(_), None) => true,
            (Some(expected), Some(old)) => stored_version(old, self.attribute) != Some(expected),
        }
    }

    /// The conflict error for the item as it was.
    pub(crate) fn conflict(&self, old: Option<&Item>) -> Error {
        Error::VersionConflict {
            entity: self.entity,
            expected: self.expected,
            actual: old.and_then(|item| stored_version(item, self.attribute)),
            current: old.map(|item| Box::new(item.clone())),
        }
    }

    /// Turns a failed condition that this check explains into
    /// [`Error::VersionConflict`]; other errors (and failures of the caller's own
    /// condition) pass through. `missing_is_conflict`: whether a missing item counts as
    /// a conflict (not for updates, which fail on a missing item anyway).
    pub(crate) fn explain(&self, error: Error, missing_is_conflict: bool) -> Error {
        match error {
            Error::ConditionalCheckFailed { item, .. } => {
                let old = item.as_deref();
                if (old.is_some() || missing_is_conflict) && self.fails_on(old) {
                    self.conflict(old)
                } else {
                    Error::ConditionalCheckFailed { item, source: None }
                }
            }
            other => other,
        }
    }
}

fn timestamp_value(now: Timestamp) -> Result<AttributeValue> {
    use crate::codec::Attribute;
    now.to_attribute_value().map_err(Error::Encode)
}

/// Sets `updated_at` and an unset `created_at` of `E` in `item` to `now`.
pub(crate) fn stamp<E: Entity>(item: &mut Item, now: Timestamp) -> Result<()> {
    let created = marked::<E>(|f| f.markers.created_at);
    let updated = marked::<E>(|f| f.markers.updated_at);
    if created.is_none() && updated.is_none() {
        return Ok(());
    }
    let value = timestamp_value(now)?;
    if let Some(field) = created {
        let unset = match item.get(field.attribute) {
            None => true,
            Some(stored) => *stored == timestamp_value(Timestamp::UNIX_EPOCH)?,
        };
        if unset {
            item.insert(field.attribute.to_owned(), value.clone());
        }
    }
    if let Some(field) = updated {
        item.insert(field.attribute.to_owned(), value);
    }
    Ok(())
}

/// The attribute and value an update sets for `updated_at`, if `E` has one.
pub(crate) fn updated_at<E: Entity>(
    now: Timestamp,
) -> Result<Option<(&'static str, AttributeValue)>> {
    match marked::<E>(|f| f.markers.updated_at) {
        Some(field) => Ok(Some((field.attribute, timestamp_value(now)?))),
        None => Ok(None),
    }
}

/// How a put treats the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Versioning {
    /// Check and bump it (puts and transaction puts).
    Checked,
    /// Write it as held (batch writes that opted out).
    Unchecked,
}

/// The item a put writes, after the hooks, the timestamps and the version bump, and the
/// version check it must carry.
pub(crate) fn prepare_put<E: Entity>(
    entity: &E,
    now: Timestamp,
    versioning: Versioning,
) -> Result<(Item, Option<VersionCheck>)> {
    entity.validate_write()?;
    let mut item = entity.to_item().map_err(|e| e.at_field(E::SCHEMA.rust_name))?;
    stamp::<E>(&mut item, now)?;
    let check = match (versioning, version_attribute::<E>()) {
        (Versioning::Checked, Some(attribute)) => {
            let held = stored_version(&item, attribute).unwrap_or(0);
            let next = held.checked_add(1).ok_or_else(|| Error::VersionConflict {
                entity: E::SCHEMA.rust_name,
                expected: Some(held),
                actual: None,
                current: None,
            })?;
            item.insert(attribute.to_owned(), AttributeValue::N(Number::from(next)));
            VersionCheck::of::<E>((held > 0).then_some(held))
        }
        _ => None,
    };
    Ok((item, check))
}

/// `attribute_not_exists(ttl) OR ttl > :now`: the filter that hides expired items, for
/// a table with a TTL attribute.
pub(crate) fn unexpired_filter(table: &TableSchema, now: Timestamp) -> Option<Condition> {
    let attribute = table.ttl_attribute?;
    Some(Condition::AttributeNotExists(Path::attribute(attribute)).or(Condition::Compare {
        left: Operand::Path(Path::attribute(attribute)),
        op: Comparator::Gt,
        right: Operand::Value(AttributeValue::N(Number::from(now.unix_seconds()))),
    }))
}

/// True when `item`'s TTL attribute (epoch seconds) is at or before `now`.
pub(crate) fn is_expired(table: &TableSchema, item: &Item, now: Timestamp) -> bool {
    let Some(attribute) = table.ttl_attribute else {
        return false;
    };
    match item.get(attribute) {
        // Not a whole number of seconds in range: DynamoDB's TTL ignores it too.
        Some(AttributeValue::N(n)) => {
            i64::try_from(n).is_ok_and(|seconds| seconds <= now.unix_seconds())
        }
        _ => false,
    }
}

/// Runs the field hook of `attribute` of `E` on `value` (used by updates).
pub(crate) fn validate_attribute<E: Entity>(attribute: &str, value: &AttributeValue) -> Result<()> {
    E::validate_attribute(attribute, value)
}

// ---------------------------------------------------------------------------------------
// Unique attributes: guard items.

/// The attribute of a guard item naming the item that owns the value.
pub const GUARD_OWNER_ATTRIBUTE: &str = "_owner";

/// The `#[entity(unique)]` fields of `E`.
pub(crate) fn unique_fields<E: Entity>() -> impl Iterator<Item = &'static FieldSchema> {
    E::SCHEMA.fields.iter().filter(|field| field.markers.unique)
}

/// True when `E` has `#[entity(unique)]` fields.
pub(crate) fn has_unique<E: Entity>() -> bool {
    unique_fields::<E>().next().is_some()
}

/// The text of a unique value in its guard's key.
fn guard_text(
    entity: &'static str,
    attribute: &'static str,
    value: &AttributeValue,
) -> Result<String> {
    match value {
        AttributeValue::S(text) => Ok(text.clone()),
        AttributeValue::N(number) => Ok(number.to_string()),
        AttributeValue::Bool(flag) => Ok(flag.to_string()),
        other => Err(Error::Invalid {
            entity,
            field: Some(attribute),
            message: format!(
                "a unique attribute must be a string, number or boolean, not {}",
                other.attribute_type()
            ),
        }),
    }
}

/// The key of the guard item of `value` of `attribute` of `E`: partition key
/// `_unique#<EntityType>#<attribute>#<value>`, and the same text as sort key when the
/// table has one. Both key attributes must be strings.
pub(crate) fn guard_key<E: Entity>(
    attribute: &'static str,
    value: &AttributeValue,
) -> Result<Item> {
    let table = E::Table::SCHEMA;
    let entity = E::SCHEMA.rust_name;
    let text = format!(
        "_unique#{}#{attribute}#{}",
        E::SCHEMA.entity_type,
        guard_text(entity, attribute, value)?
    );
    let mut key = Item::new();
    for attr in std::iter::once(table.partition_key).chain(table.sort_key) {
        if attr.ty != crate::schema::ScalarType::S {
            return Err(Error::Invalid {
                entity,
                field: Some(attribute),
                message: format!(
                    "unique guard items need string key attributes; `{}` is {}",
                    attr.name,
                    attr.ty.as_str()
                ),
            });
        }
        key.insert(attr.name.to_owned(), AttributeValue::S(text.clone()));
    }
    Ok(key)
}

/// The guard's owner: the owning item's primary key, as a map of its key attributes
/// (compared with `=`, which DynamoDB defines on maps).
pub(crate) fn owner_of<E: Entity>(key: &Item) -> AttributeValue {
    let table = E::Table::SCHEMA;
    let owner = std::iter::once(table.partition_key)
        .chain(table.sort_key)
        .filter_map(|attr| key.get(attr.name).map(|value| (attr.name.to_owned(), value.clone())))
        .collect();
    AttributeValue::M(owner)
}

fn owned_by(owner: &AttributeValue) -> Condition {
    Condition::Compare {
        left: Operand::Path(Path::attribute(GUARD_OWNER_ATTRIBUTE)),
        op: Comparator::Eq,
        right: Operand::Value(owner.clone()),
    }
}

/// The condition that `attribute` still holds `value` (or is still absent).
pub(crate) fn still(attribute: &'static str, value: Option<&AttributeValue>) -> Condition {
    match value {
        Some(value) => Condition::Compare {
            left: Operand::Path(Path::attribute(attribute)),
            op: Comparator::Eq,
            right: Operand::Value(value.clone()),
        },
        None => Condition::AttributeNotExists(Path::attribute(attribute)),
    }
}

/// The guard actions of a write that moves `E`'s unique values from `old` (the item as
/// read, `None` when there was none) to `new` (`None` when deleting), plus the condition
/// the entity's own action must carry so that the read stays true until the write
/// (the unique values unchanged, or the item still absent). Each guard action is paired
/// with the unique attribute it guards.
pub(crate) struct GuardPlan {
    pub(crate) condition: Condition,
    pub(crate) actions: Vec<(Option<&'static str>, crate::backend::TransactWriteItem)>,
}

pub(crate) fn guard_plan<E: Entity>(
    key: &Item,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Result<GuardPlan> {
    use crate::backend::TransactWriteItem;
    let table = E::Table::SCHEMA;
    let owner = owner_of::<E>(key);
    let mut condition = match old {
        None => Condition::AttributeNotExists(Path::attribute(table.partition_key.name)),
        Some(_) => Condition::AttributeExists(Path::attribute(table.partition_key.name)),
    };
    let mut actions = Vec::new();
    for field in unique_fields::<E>() {
        let attribute = field.attribute;
        let before = old.and_then(|item| item.get(attribute));
        let after = new.and_then(|item| item.get(attribute));
        if old.is_some() {
            condition = condition.and(still(attribute, before));
        }
        if let Some(before) = before {
            if after != Some(before) {
                actions.push((
                    None,
                    TransactWriteItem::Delete {
                        table_name: table.name.to_owned(),
                        key: guard_key::<E>(attribute, before)?,
                        // A guard that is missing (written before the field was unique)
                        // is no obstacle; one owned by another item is.
                        condition: Some(
                            Condition::AttributeNotExists(Path::attribute(
                                table.partition_key.name,
                            ))
                            .or(owned_by(&owner)),
                        ),
                        return_old_on_condition_failure: false,
                    },
                ));
            }
        }
        if let Some(after) = after {
            let mut guard = guard_key::<E>(attribute, after)?;
            guard.insert(GUARD_OWNER_ATTRIBUTE.to_owned(), owner.clone());
            actions.push((
                Some(attribute),
                TransactWriteItem::Put {
                    table_name: table.name.to_owned(),
                    item: guard,
                    condition: Some(
                        Condition::AttributeNotExists(Path::attribute(table.partition_key.name))
                            .or(owned_by(&owner)),
                    ),
                    return_old_on_condition_failure: false,
                },
            ));
        }
    }
    Ok(GuardPlan { condition, actions })
}

/// Reads the item with `key` with a consistent read (the state a guarded write starts
/// from).
pub(crate) async fn read_current(
    backend: &dyn crate::backend::Backend,
    table: &'static str,
    key: &Item,
) -> Result<Option<Item>> {
    let output = backend
        .get_item(crate::backend::GetItemInput {
            table_name: table.to_owned(),
            key: key.clone(),
            consistent_read: true,
            ..crate::backend::GetItemInput::default()
        })
        .await?;
    Ok(output.item)
}

/// Sends the entity's own action (first) and the guard actions in one transaction,
/// turning a failed guard into [`Error::UniqueConflict`] and a failed version check
/// into [`Error::VersionConflict`].
pub(crate) async fn commit_guarded<E: Entity>(
    backend: &dyn crate::backend::Backend,
    own: crate::backend::TransactWriteItem,
    guards: Vec<(Option<&'static str>, crate::backend::TransactWriteItem)>,
    version: Option<VersionCheck>,
    old: Option<&Item>,
) -> Result<()> {
    let mut items = Vec::with_capacity(1 + guards.len());
    items.push(own);
    let mut attributes = vec![None];
    for (attribute, action) in guards {
        attributes.push(attribute);
        items.push(action);
    }
    let input = crate::backend::TransactWriteItemsInput { items, ..Default::default() };
    match backend.transact_write_items(input).await {
        Ok(_) => Ok(()),
        Err(Error::TransactionCanceled { reasons, .. }) => {
            for (reason, attribute) in reasons.iter().zip(&attributes) {
                if let (Some(attribute), "ConditionalCheckFailed") =
                    (attribute, reason.code.as_str())
                {
                    return Err(Error::UniqueConflict { entity: E::SCHEMA.rust_name, attribute });
                }
            }
            if let (Some(check), Some(first)) = (version, reasons.first()) {
                if first.code == "ConditionalCheckFailed" {
                    // The read matched the expected version, so another writer changed
                    // the item in between: a conflict all the same.
                    return Err(match check.fails_on(old) {
                        true => check.conflict(old),
                        false => Error::VersionConflict {
                            entity: check.entity,
                            expected: check.expected,
                            actual: None,
                            current: None,
                        },
                    });
                }
            }
            Err(Error::TransactionCanceled { reasons, source: None })
        }
        Err(other) => Err(other),
    }
}

/// The key attributes of `E`'s table in `item`.
pub(crate) fn key_of<E: Entity>(item: &Item) -> Item {
    let table = E::Table::SCHEMA;
    let mut names = vec![table.partition_key.name];
    names.extend(table.sort_key.map(|k| k.name));
    crate::limits::key_of(item, &names)
}
