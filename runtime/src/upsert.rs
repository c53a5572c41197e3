//! Upserts: one `UpdateItem` that creates the item when it is missing and updates it
//! when it exists, as ElectroDB's `upsert` and DynamoDB-Toolbox's `UpdateItemCommand`.
//!
//! ```text
//! db.upsert(&user).await?;                                  // the whole entity
//! db.upsert(PageViews::key("home")).add(PageViews::COUNT, 1).await?;   // a counter
//! db.upsert(User::key("u1")).set(User::NAME, "Ann").set(User::EMAIL, "a@b.c")
//!     .set(User::SIGNED_UP_VIA, "web")                    // read_only: kept if present
//!     .await?;
//! ```
//!
//! # Rules
//!
//! - **One request, no read.** The condition is `attribute_not_exists(pk) OR
//!   <entity-type attribute> = <this entity>`: an upsert never overwrites an item of
//!   another entity stored under the same key.
//! - **Read-only fields** (`#[entity(read_only)]`) and `created_at` are written with
//!   `SET a = if_not_exists(a, :v)`: the value given is stored when the item is created
//!   and ignored when it exists. An update cannot set a read-only field at all (compile
//!   error); a put replaces the whole item, so it writes the value it holds.
//! - **Index keys stay in step.** An upsert of a whole entity writes every index key from
//!   its fields, and removes the index keys (and fields) its `None` fields leave out, as
//!   a put would. An upsert from a key writes the index keys of the fields it sets, as an
//!   update does: a field sharing an index key template with other fields is set only
//!   with the generated `<Entity>::<index>_composite(..)`, which takes all of them, so an
//!   upsert can never write part of an index key (a compile error, not a run-time one).
//!   Index keys made only of primary-key fields and literals, computed fields of those,
//!   and the schema version are written too, so a created item is in every index a put
//!   would put it in.
//! - **Versions and timestamps** as for updates: `ADD version :1` (a created item gets
//!   version 1), checked with [`Update::expect_version`]; an upsert of a whole entity
//!   holding version `n > 0` checks that the stored version is `n` (a missing item is then
//!   a [`Error::VersionConflict`]), one holding 0 writes unchecked. `updated_at` is set,
//!   `created_at` written if absent.
//! - **Counters** (`add`, `subtract`, `add_to_set`, `append`) work on items that do not
//!   exist yet: an absent number counts as 0, an absent set or list as empty.
//! - **Required fields.** The item an upsert from a key may create must decode, so every
//!   required field (not an `Option`, a set, `#[entity(default)]`, a key field, or one the
//!   lifecycle fills) must be written by `set`, `add`, a composite or a recomputation, even
//!   when the item exists: otherwise [`Error::Invalid`] names the first missing field and
//!   nothing is sent (the rule of Spanner's `insert_or_update`, which requires every NOT
//!   NULL column even for rows that exist). To change some fields of an item known to
//!   exist, use `update`.
//! - **Unique attributes** (`#[entity(unique)]`): an upsert that writes one (an upsert
//!   of a whole entity writes them all) does what an update changing one does: it reads
//!   the item (consistent) and sends one transaction, the upsert conditioned on what was
//!   read (the item still absent, or its unique values unchanged), the release of the
//!   guard of a replaced value and the claim of the new one. It creates the guard when
//!   it creates the item. A taken value is [`Error::UniqueConflict`]; an item of another
//!   entity under the key is [`Error::ConditionalCheckFailed`], before the transaction.
//!   Cost: one consistent read, and the transaction's writes (2 write units per item).
//! - **In a transaction** (`db.transact().upsert(db.upsert(..))`): the same `UpdateItem`.
//!   A transaction cannot read first, so an upsert writing a unique value claims its
//!   guard and carries the condition that the stored value is that value or absent
//!   (true when the item does not exist): it creates or keeps a unique value, or sets
//!   one on an item that has none, but changing or removing a value the item holds
//!   would leave the old guard behind, so the condition cancels the transaction
//!   ([`Error::TransactionCanceled`], `ConditionalCheckFailed` on the upsert's action).
//!   Send such an upsert on its own. A value taken by another item is
//!   [`Error::UniqueConflict`], as for a transaction put. An upsert creating parent maps
//!   cannot join (it may take a second request).

use crate::attr::{marker, Attr, ValueFor};
use crate::backend::{Backend, TransactWriteItem};
use crate::entity::{Entity, Key, Table};
use crate::error::{Error, Result};
use crate::expr::{Condition, Operand, Path, SetValue, UpdateAction, UpdateOperand};
use crate::lifecycle::{guard_plan, stamp, stored_version, unique_fields, VersionCheck};
use crate::timestamp::Timestamp;
use crate::update::{Update, Upserting};
use crate::value::{AttributeValue, Item};

/// An upsert: an [`Update`] that creates the item when it is missing. Made by
/// [`TableClient::upsert`](crate::TableClient::upsert); see the [module docs](self).
pub type Upsert<'a, E> = Update<'a, E, Upserting>;

/// Attributes an upsert may `set`: those an update may set, and read-only fields (written
/// only when absent).
#[diagnostic::on_unimplemented(
    message = "this attribute cannot be set by an upsert: {Self}",
    label = "not settable",
    note = "`KeyField`: the field is part of the primary key, which the upsert's key gives",
    note = "`Composite`: the field shares an index key template (or a computed field's inputs) with other fields; set them together with the generated `<Entity>::<name>_composite(..)`",
    note = "`Computed`: the field is computed from other fields on every write; set its inputs instead"
)]
pub trait UpsertSettable {
    /// True when setting an absent value (an empty set) may remove the attribute.
    const REMOVABLE: bool;
    /// True when the value is written only if the attribute is absent.
    const IF_ABSENT: bool;
}

impl UpsertSettable for marker::Value {
    const REMOVABLE: bool = false;
    const IF_ABSENT: bool = false;
}
impl UpsertSettable for marker::Optional {
    const REMOVABLE: bool = true;
    const IF_ABSENT: bool = false;
}
impl UpsertSettable for marker::Indexed {
    const REMOVABLE: bool = false;
    const IF_ABSENT: bool = false;
}
impl UpsertSettable for marker::ReadOnly {
    const REMOVABLE: bool = false;
    const IF_ABSENT: bool = true;
}

impl<E: Entity> Update<'_, E, Upserting> {
    /// `SET attr = value`, or for a read-only field `SET attr = if_not_exists(attr,
    /// value)`. On a field that feeds index key templates or computed fields, those are
    /// rewritten in the same request.
    pub fn set<T, M: UpsertSettable, V: ValueFor<T>>(
        mut self,
        attr: Attr<E, T, M, impl Sized>,
        value: V,
    ) -> Self {
        self.set_field(attr, value, M::REMOVABLE, M::IF_ABSENT);
        self
    }
}

/// What [`TableClient::upsert`](crate::TableClient::upsert) takes: a whole entity
/// (`&entity`) or a key (`E::key(..)`) to which the builder adds the fields.
pub trait IntoUpsert<E: Entity> {
    /// The upsert builder.
    fn into_upsert<'a>(self, backend: &'a dyn Backend, now: Timestamp) -> Upsert<'a, E>;
}

impl<E: Entity> IntoUpsert<E> for Key<E> {
    fn into_upsert<'a>(self, backend: &'a dyn Backend, now: Timestamp) -> Upsert<'a, E> {
        Update::new(backend, self).with_now(now)
    }
}

impl<E: Entity> IntoUpsert<E> for &E {
    fn into_upsert<'a>(self, backend: &'a dyn Backend, now: Timestamp) -> Upsert<'a, E> {
        let mut upsert = Update::new(backend, self.primary_key()).with_now(now);
        upsert.whole = true;
        if let Err(error) = whole_entity(self, now, &mut upsert) {
            upsert.fail(error);
        }
        upsert
    }
}

/// The actions of an upsert of a whole entity: every attribute of its item (read-only
/// fields and `created_at` only if absent), and `REMOVE` of the fields and index keys the
/// item leaves out.
fn whole_entity<E: Entity>(entity: &E, now: Timestamp, upsert: &mut Upsert<'_, E>) -> Result<()> {
    entity.validate_write()?;
    let mut item = entity.to_item().map_err(|e| e.at_field(E::SCHEMA.rust_name))?;
    stamp::<E>(&mut item, now)?;
    // Every unique value is written (or removed): their guards move with it.
    for field in unique_fields::<E>() {
        upsert.note_unique(field.attribute, item.get(field.attribute).cloned());
    }
    let table = E::Table::SCHEMA;
    let key_names: Vec<&str> =
        std::iter::once(table.partition_key.name).chain(table.sort_key.map(|k| k.name)).collect();
    let fields = E::SCHEMA.fields;
    let field_of = |attribute: &str| fields.iter().find(|f| f.attribute == attribute);
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    for name in names {
        if key_names.contains(&name.as_str()) {
            continue;
        }
        let value = item[name].clone();
        let field = field_of(name);
        if field.is_some_and(|f| f.markers.version) {
            let held = stored_version(&item, name).unwrap_or(0);
            if held > 0 {
                upsert.version = VersionCheck::of::<E>(Some(held));
            }
            continue;
        }
        let path = Path::attribute(name.clone());
        let operand = match field {
            Some(f) if f.markers.read_only || f.markers.created_at => {
                UpdateOperand::IfNotExists(path.clone(), Box::new(UpdateOperand::Value(value)))
            }
            _ => UpdateOperand::Value(value),
        };
        upsert.actions.push(UpdateAction::Set(path, SetValue::Operand(operand)));
    }
    // What the item leaves out is removed, as a put would leave it out.
    let mut absent: Vec<&str> = fields
        .iter()
        .filter(|f| !(f.markers.read_only || f.markers.created_at || f.markers.version))
        .map(|f| f.attribute)
        .filter(|attribute| !item.contains_key(*attribute) && !key_names.contains(attribute))
        .collect();
    for membership in E::SCHEMA.indexes {
        if !matches!(membership.keys, crate::schema::EntityIndexKeys::Templates { .. }) {
            continue;
        }
        if let Some(index) = table.indexes.iter().find(|i| i.name == membership.index) {
            for attribute in index.partition_key.iter().chain(index.sort_key) {
                let name = attribute.name;
                if !item.contains_key(name) && !key_names.contains(&name) && !absent.contains(&name)
                {
                    absent.push(name);
                }
            }
        }
    }
    for attribute in absent {
        upsert.actions.push(UpdateAction::Remove(Path::attribute(attribute)));
    }
    Ok(())
}

/// What an upsert from a key writes besides the caller's actions: the entity-type
/// attribute and [`Entity::upsert_attributes`] (set), `created_at` and the schema
/// version (if absent).
pub(crate) fn creation_writes<E: Entity>(
    key: &Item,
    written: &mut Item,
    if_absent: &mut Item,
    now: Timestamp,
) -> Result<()> {
    let table = E::Table::SCHEMA;
    written.insert(
        table.entity_type_attribute.to_owned(),
        AttributeValue::S(E::SCHEMA.entity_type.to_owned()),
    );
    for (name, value) in E::upsert_attributes(key)? {
        if name == crate::upgrade::SCHEMA_VERSION_ATTRIBUTE {
            if_absent.insert(name, value);
        } else {
            written.entry(name).or_insert(value);
        }
    }
    let mut created = Item::new();
    stamp::<E>(&mut created, now)?;
    if let Some(field) = E::SCHEMA.fields.iter().find(|f| f.markers.created_at) {
        if let Some(value) = created.remove(field.attribute) {
            if_absent.insert(field.attribute.to_owned(), value);
        }
    }
    Ok(())
}

/// The fields of `E`'s primary-key templates.
fn key_field_names<E: Entity>() -> Vec<&'static str> {
    let schema = E::SCHEMA;
    std::iter::once(&schema.partition_key)
        .chain(schema.sort_key.as_ref())
        .flat_map(|template| template.parts.iter())
        .filter_map(|part| match part {
            crate::schema::TemplatePart::Field(name) => Some(*name),
            crate::schema::TemplatePart::Literal(_) => None,
        })
        .collect()
}

/// Refuses an upsert from a key that leaves a required field unwritten: the item it may
/// create would not decode.
pub(crate) fn check_complete<E: Entity>(
    actions: &[UpdateAction],
    written: &Item,
    if_absent: &Item,
) -> Result<()> {
    let keys = key_field_names::<E>();
    let touched = |attribute: &str| {
        written.contains_key(attribute)
            || if_absent.contains_key(attribute)
            || actions.iter().any(|action| match action {
                UpdateAction::Set(path, _) | UpdateAction::Add(path, _) => {
                    path.elements.len() == 1
                        && matches!(path.elements.first(),
                            Some(crate::expr::PathElement::Attribute(name)) if name == attribute)
                }
                _ => false,
            })
    };
    for field in E::SCHEMA.fields {
        let markers = &field.markers;
        let filled = field.optional
            || field.has_default
            || markers.version
            || markers.created_at
            || markers.updated_at
            || keys.contains(&field.name);
        if !filled && !touched(field.attribute) {
            let how =
                if markers.computed { "set the fields it is computed from" } else { "set it" };
            return Err(Error::Invalid {
                entity: E::SCHEMA.rust_name,
                field: Some(field.name),
                message: format!(
                    "an upsert must write every required field, since it may create the item: \
                     `{}` is not written ({how}, or use `update` for an item that exists)",
                    field.name
                ),
            });
        }
    }
    Ok(())
}

/// Refuses an upsert over an item of another entity (what its condition "absent, or
/// this entity" would refuse), once the item has been read for its unique values.
pub(crate) fn check_current<E: Entity>(current: Option<&Item>) -> Result<()> {
    let attribute = E::Table::SCHEMA.entity_type_attribute;
    match current {
        Some(item)
            if !matches!(item.get(attribute),
                Some(AttributeValue::S(t)) if t == E::SCHEMA.entity_type) =>
        {
            Err(Error::ConditionalCheckFailed { item: Some(Box::new(item.clone())), source: None })
        }
        _ => Ok(()),
    }
}

/// What a transaction upsert writing unique values adds, since it cannot read first:
/// the condition that each stored value is the one written or absent (`attribute_not_
/// exists` when the upsert removes it), and the claims of the guards of the values
/// written (absent, or owned by this item). An upsert that would replace or remove a
/// held value fails the condition instead of leaving its guard behind.
#[allow(clippy::type_complexity)]
pub(crate) fn transaction_claims<E: Entity>(
    key: &Item,
    unique: &[(&'static str, Option<AttributeValue>)],
) -> Result<(Option<Condition>, Vec<(Option<&'static str>, TransactWriteItem)>)> {
    let mut written = Item::new();
    let mut condition: Option<Condition> = None;
    for (attribute, value) in unique {
        let absent = Condition::AttributeNotExists(Path::attribute(*attribute));
        let kept = match value {
            Some(value) => {
                written.insert((*attribute).to_owned(), value.clone());
                Condition::Compare {
                    left: Operand::Path(Path::attribute(*attribute)),
                    op: crate::expr::Comparator::Eq,
                    right: Operand::Value(value.clone()),
                }
                .or(absent)
            }
            None => absent,
        };
        condition = Some(match condition {
            Some(all) => all.and(kept),
            None => kept,
        });
    }
    // Old = none: only claims (no releases), for the values written.
    let plan = guard_plan::<E>(key, None, Some(&written))?;
    Ok((condition, plan.actions))
}

/// True when an upsert writes `attribute` only if it is absent (a read-only field, or
/// `created_at`): the stored value, when there is one, stays.
pub(crate) fn written_if_absent<E: Entity>(attribute: &str) -> bool {
    E::SCHEMA
        .fields
        .iter()
        .any(|f| f.attribute == attribute && (f.markers.read_only || f.markers.created_at))
}
