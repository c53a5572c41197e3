//! [`Update`]: one `UpdateItem` of an existing item, with typed actions.
//!
//! ```text
//! db.update(User::key("u1"))
//!     .set(User::NAME, "Ann")                 // SET
//!     .add(User::VISITS, 1)                   // ADD (absent counts as 0)
//!     .append(User::TAGS, ["new"])            // SET tags = list_append(if_not_exists(tags, []), [..])
//!     .remove(User::NICKNAME)                 // REMOVE (optional fields only)
//!     .condition(User::VERSION.eq(3))
//!     .return_new()                           // the item after the update, decoded
//!     .await?;
//! ```
//!
//! # Rules
//!
//! - **An update never creates an item.** DynamoDB's `UpdateItem` would create one from
//!   the key and the updated attributes alone, which is not a whole entity; so every
//!   update carries the condition that the item exists *as this entity* (its
//!   entity-type attribute), and a missing item fails with
//!   [`Error::ConditionalCheckFailed`]. Create items with `put`.
//! - **Keys stay consistent.** Key fields are never updatable (compile error). A field
//!   used in an index key template is updated only with a known value: `set` rewrites
//!   every index key the field feeds, in the same request, when the field is the only
//!   changing part of those templates (the other parts are literals or primary-key
//!   fields, which the key gives). A field that shares a template with other changing
//!   fields is set with the generated `<Entity>::<index>_composite(..)`, which takes all of
//!   them. Relative updates (`add`, `append`, …) of such fields do not compile.
//! - Only optional fields (`Option`, `#[entity(default)]`, sets), list elements and map
//!   values can be removed (compile error otherwise).

use std::fmt;
use std::future::IntoFuture;
use std::marker::PhantomData;

use crate::attr::{
    Attr, Cond, List, Modifiable, Numeric, Partial, Reindex, Removable, Set, Settable, ValueFor,
};
use crate::backend::TransactWriteItem;
use crate::backend::{Backend, BoxFuture, ReturnValues, UpdateItemInput};
use crate::entity::{Entity, Key, Table};
use crate::error::{EncodeError, EncodeErrorKind, Error, Result};
use crate::expr::{Comparator, Condition, Operand, Path, SetValue, UpdateAction, UpdateOperand};
use crate::lifecycle::{
    commit_guarded, guard_plan, read_current, still, unique_fields, updated_at, validate_attribute,
    version_attribute, VersionCheck,
};
use crate::number::Number;
use crate::timestamp::Timestamp;
use crate::value::{AttributeValue, Item};

/// True when `action` writes the top-level attribute of `path` (or inside it).
fn touches(action: &UpdateAction, path: &Path) -> bool {
    let written = match action {
        UpdateAction::Set(p, _)
        | UpdateAction::Remove(p)
        | UpdateAction::Add(p, _)
        | UpdateAction::Delete(p, _) => p,
    };
    written.elements.first() == path.elements.first()
}

async fn send_update(
    backend: &dyn Backend,
    input: UpdateItemInput,
    check: Option<VersionCheck>,
) -> Result<Option<Item>> {
    match backend.update_item(input).await {
        Ok(output) => Ok(output.attributes),
        Err(error) => Err(match check {
            Some(check) => check.explain(error, false),
            None => error,
        }),
    }
}

/// Writes the fields of an index key template and the index keys they feed; built by
/// the generated `<Entity>::<index>_composite(..)`.
type CompositeWrite = Box<dyn FnOnce(&Item, &mut Item) -> Result<()> + Send>;

/// Every field of one or more index key templates, with the index keys recomputed from
/// them: the only way to update a field that shares a template with other fields. Made
/// by the generated `<Entity>::<index>_composite(..)`; applied with
/// [`Update::set_composite`].
pub struct Composite<E> {
    write: CompositeWrite,
    entity: PhantomData<fn() -> E>,
}

impl<E> fmt::Debug for Composite<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Composite")
    }
}

impl<E> Composite<E> {
    /// A composite from its writer: given the item's key attributes, it stores the new
    /// field values and the index keys into the second item.
    #[doc(hidden)]
    pub fn new(write: impl FnOnce(&Item, &mut Item) -> Result<()> + Send + 'static) -> Self {
        Composite { write: Box::new(write), entity: PhantomData }
    }
}

/// An `UpdateItem` of an existing item of `E`. Run it with `.await`; see the
/// [module docs](self).
#[must_use = "an update does nothing until it is awaited"]
pub struct Update<'a, E, K = Existing> {
    pub(crate) backend: &'a dyn Backend,
    pub(crate) key: Key<E>,
    pub(crate) actions: Vec<UpdateAction>,
    reindex: Vec<(Reindex, AttributeValue)>,
    composites: Vec<CompositeWrite>,
    condition: Option<Cond<E>>,
    pub(crate) error: Option<Error>,
    now: Timestamp,
    pub(crate) version: Option<VersionCheck>,
    /// Unique attributes this update sets (`Some`) or removes (`None`).
    unique: Vec<(&'static str, Option<AttributeValue>)>,
    /// Stored values the caller vouches for ([`Update::expecting`]): `None`, absent.
    expected: Vec<(&'static str, Option<AttributeValue>)>,
    /// Nested paths set with [`Update::set_creating_parents`], and their values.
    creating: Vec<(Path, AttributeValue)>,
    /// `ReturnValuesOnConditionCheckFailure=ALL_OLD` asked for by the caller.
    pub(crate) reject: bool,
    /// An upsert of a whole entity: every field is written, so none is missing.
    pub(crate) whole: bool,
    mode: PhantomData<fn() -> K>,
}

/// What an [`Update`] builder writes: [`Existing`] items (`db.update(key)`) or items that
/// may not exist yet ([`Upserting`], `db.upsert(..)`; see [`crate::upsert`]).
pub trait WriteMode: Send + 'static {
    /// True for upserts.
    const UPSERT: bool;
}

/// The [`WriteMode`] of `db.update(key)`: the item must exist.
#[derive(Debug, Clone, Copy)]
pub struct Existing;

/// The [`WriteMode`] of `db.upsert(..)`: the item is created when missing.
#[derive(Debug, Clone, Copy)]
pub struct Upserting;

impl WriteMode for Existing {
    const UPSERT: bool = false;
}

impl WriteMode for Upserting {
    const UPSERT: bool = true;
}

impl<E, K> fmt::Debug for Update<'_, E, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Update")
            .field("key", &self.key)
            .field("actions", &self.actions)
            .field("condition", &self.condition)
            .finish()
    }
}

fn encode_error(message: &str) -> Error {
    Error::Encode(EncodeError::new(EncodeErrorKind::Invalid(message.to_owned())))
}

impl<'a, E: Entity> Update<'a, E> {
    /// `SET attr = value`. On a field that feeds index key templates (or computed
    /// fields), the index keys (and computed values) are rewritten in the same request.
    /// Setting an optional field to an empty set removes it.
    pub fn set<T, M: Settable, V: ValueFor<T>>(
        mut self,
        attr: Attr<E, T, M, impl Sized>,
        value: V,
    ) -> Self {
        self.set_field(attr, value, M::REMOVABLE, false);
        self
    }
}

impl<'a, E: Entity, K: WriteMode> Update<'a, E, K> {
    pub(crate) fn new(backend: &'a dyn Backend, key: Key<E>) -> Self {
        Update {
            backend,
            key,
            actions: Vec::new(),
            reindex: Vec::new(),
            composites: Vec::new(),
            condition: None,
            error: None,
            now: Timestamp::now(),
            version: None,
            unique: Vec::new(),
            expected: Vec::new(),
            creating: Vec::new(),
            reject: false,
            whole: false,
            mode: PhantomData,
        }
    }

    pub(crate) fn note_unique(&mut self, attribute: &'static str, value: Option<AttributeValue>) {
        if unique_fields::<E>().any(|field| field.attribute == attribute) {
            self.unique.push((attribute, value));
        }
    }

    /// Stamps `updated_at` with `now` (the client's clock).
    pub(crate) fn with_now(mut self, now: Timestamp) -> Self {
        self.now = now;
        self
    }

    /// Updates only if the item's `#[entity(version)]` is `version`; otherwise fails
    /// with [`Error::VersionConflict`] (a missing item stays
    /// [`Error::ConditionalCheckFailed`]). Every update of a versioned entity adds 1
    /// to the version, checked or not. Without effect on an entity without a version
    /// field.
    pub fn expect_version(mut self, version: u64) -> Self {
        self.version = VersionCheck::of::<E>(Some(version));
        self
    }

    fn validated(&mut self, attr: &'static str, value: &AttributeValue) -> bool {
        match validate_attribute::<E>(attr, value) {
            Ok(()) => true,
            Err(error) => {
                self.fail(error);
                false
            }
        }
    }

    pub(crate) fn fail(&mut self, error: impl Into<Error>) {
        if self.error.is_none() {
            self.error = Some(error.into());
        }
    }

    fn value<T, V: ValueFor<T>>(
        &mut self,
        attr: &Attr<E, T, impl Sized, impl Sized>,
        value: &V,
    ) -> Option<AttributeValue> {
        match value.to_value() {
            Ok(value) => Some(value),
            Err(error) => {
                self.fail(error.at_field(attr.attribute()));
                None
            }
        }
    }

    /// `SET attr = value` (`if_absent`: `SET attr = if_not_exists(attr, value)`), with
    /// the index rewrites, validation and unique bookkeeping of [`Update::set`]; the
    /// encoded value, when it is stored.
    pub(crate) fn set_field<T, M, V: ValueFor<T>>(
        &mut self,
        attr: Attr<E, T, M, impl Sized>,
        value: V,
        removable: bool,
        if_absent: bool,
    ) -> Option<AttributeValue> {
        if value.is_absent() {
            if removable {
                self.actions.push(UpdateAction::Remove(attr.path()));
            } else {
                self.fail(encode_error("an empty set cannot be stored in a required attribute"));
            }
            return None;
        }
        let value = self.value(&attr, &value)?;
        if attr.path().elements.len() == 1 {
            if !self.validated(attr.attribute(), &value) {
                return None;
            }
            self.note_unique(attr.attribute(), Some(value.clone()));
        }
        if let Some(reindex) = attr.reindex() {
            self.reindex.push((reindex, value.clone()));
        }
        let path = attr.path();
        let operand = if if_absent {
            UpdateOperand::IfNotExists(path.clone(), Box::new(UpdateOperand::Value(value.clone())))
        } else {
            UpdateOperand::Value(value.clone())
        };
        self.actions.push(UpdateAction::Set(path, SetValue::Operand(operand)));
        Some(value)
    }

    /// `SET a.b.c = value` that also creates the missing maps above `c` (DynamoDB refuses
    /// a nested `SET` whose parent map is absent: "The document path provided in the
    /// update expression is invalid for update"). The request carries the condition
    /// that the parent exists; when that is what failed, a second request sets the
    /// deepest missing map whole (`SET a.b = {c: value}` under `attribute_not_exists(a.b)`),
    /// read from the item DynamoDB returns with the failure. One write when the parent
    /// exists, two (each a write's cost) when it does not; see [`crate::nested`].
    /// On a top-level attribute it is [`Update::set`].
    pub fn set_creating_parents<T, M: Settable, V: ValueFor<T>>(
        mut self,
        attr: Attr<E, T, M, impl Sized>,
        value: V,
    ) -> Self {
        let path = attr.path();
        if let Some(value) = self.set_field(attr, value, M::REMOVABLE, false) {
            if path.elements.len() > 1 {
                self.creating.push((path, value));
            }
        }
        self
    }

    /// A typed partial update of a nested struct (the Java Enhanced Client's
    /// `IgnoreNullsMode.SCALAR_ONLY`): writes only the attributes `value` holds, leaf by
    /// leaf (`SET shipping.zip = :v`), leaving the others as stored. `None` fields (and
    /// empty sets) are left alone, not removed; nested maps are merged the same way
    /// (a `HashMap` field inside too: its keys are set one by one). Missing parent maps
    /// are created as by [`Update::set_creating_parents`].
    pub fn merge<T: crate::codec::Attribute, M: Modifiable>(
        mut self,
        attr: Attr<E, T, M, impl Sized>,
        value: &T,
    ) -> Self {
        match value.to_attribute_value() {
            Ok(AttributeValue::M(map)) => {
                let mut leaves = Vec::new();
                crate::nested::leaves(attr.path(), map, &mut leaves);
                for (path, value) in leaves {
                    self.actions.push(UpdateAction::Set(
                        path.clone(),
                        SetValue::Operand(UpdateOperand::Value(value.clone())),
                    ));
                    self.creating.push((path, value));
                }
            }
            Ok(other) => self.fail(encode_error(&format!(
                "merge needs a value stored as a map (a struct), not {}",
                other.attribute_type()
            ))),
            Err(error) => self.fail(error.at_field(attr.attribute())),
        }
        self
    }

    /// Asks DynamoDB for the item as it was when a condition fails
    /// (`ReturnValuesOnConditionCheckFailure=ALL_OLD`, no read cost) and gives it,
    /// decoded, in a [`Rejected`](crate::rejected::Rejected) error.
    pub fn return_on_condition_failure(mut self) -> crate::rejected::Rejecting<'a, Self, E> {
        self.reject = true;
        crate::rejected::Rejecting::new(self)
    }

    /// `SET attr = if_not_exists(attr, value)`: sets the value only when the attribute
    /// is absent.
    pub fn set_if_not_exists<T, M: Modifiable, V: ValueFor<T>>(
        mut self,
        attr: Attr<E, T, M, impl Sized>,
        value: V,
    ) -> Self {
        if let Some(value) = self.value(&attr, &value) {
            let path = attr.path();
            self.actions.push(UpdateAction::Set(
                path.clone(),
                SetValue::Operand(UpdateOperand::IfNotExists(
                    path,
                    Box::new(UpdateOperand::Value(value)),
                )),
            ));
        }
        self
    }

    /// `ADD attr value`: adds to a number (an absent attribute counts as 0).
    pub fn add<T: Numeric, M: Modifiable, V: ValueFor<T>>(
        mut self,
        attr: Attr<E, T, M, impl Sized>,
        value: V,
    ) -> Self {
        if let Some(value) = self.value(&attr, &value) {
            self.actions.push(UpdateAction::Add(attr.path(), value));
        }
        self
    }

    /// Subtracts from a number (an absent attribute counts as 0): `ADD attr -value`.
    pub fn subtract<T: Numeric, M: Modifiable, V: ValueFor<T>>(
        mut self,
        attr: Attr<E, T, M, impl Sized>,
        value: V,
    ) -> Self {
        match self.value(&attr, &value) {
            Some(AttributeValue::N(n)) => {
                self.actions.push(UpdateAction::Add(attr.path(), AttributeValue::N(n.negate())))
            }
            Some(_) => self.fail(encode_error("subtract needs a number")),
            None => {}
        }
        self
    }

    fn list(
        &mut self,
        attr: &Attr<E, impl List, impl Sized, impl Sized>,
        values: Vec<Result<AttributeValue, EncodeError>>,
    ) -> Option<AttributeValue> {
        let list: std::result::Result<Vec<AttributeValue>, EncodeError> =
            values.into_iter().collect();
        match list {
            Ok(list) => Some(AttributeValue::L(list)),
            Err(error) => {
                self.fail(error.at_field(attr.attribute()));
                None
            }
        }
    }

    fn list_update<T: List, M>(
        mut self,
        attr: Attr<E, T, M, impl Sized>,
        values: Vec<Result<AttributeValue, EncodeError>>,
        prepend: bool,
    ) -> Self {
        if let Some(values) = self.list(&attr, values) {
            let path = attr.path();
            let current = UpdateOperand::IfNotExists(
                path.clone(),
                Box::new(UpdateOperand::Value(AttributeValue::L(Vec::new()))),
            );
            let new = UpdateOperand::Value(values);
            let (first, second) = if prepend { (new, current) } else { (current, new) };
            self.actions.push(UpdateAction::Set(
                path,
                SetValue::Operand(UpdateOperand::ListAppend(Box::new(first), Box::new(second))),
            ));
        }
        self
    }

    /// Appends elements to a list (an absent list counts as empty).
    pub fn append<T: List, M: Modifiable, V: ValueFor<T::Element>>(
        self,
        attr: Attr<E, T, M, impl Sized>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        let values = values.into_iter().map(|v| v.to_value()).collect();
        self.list_update(attr, values, false)
    }

    /// Prepends elements to a list (an absent list counts as empty).
    pub fn prepend<T: List, M: Modifiable, V: ValueFor<T::Element>>(
        self,
        attr: Attr<E, T, M, impl Sized>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        let values = values.into_iter().map(|v| v.to_value()).collect();
        self.list_update(attr, values, true)
    }

    fn set_value<T: Set, M, V: ValueFor<T::Member>>(
        &mut self,
        attr: &Attr<E, T, M, impl Sized>,
        members: impl IntoIterator<Item = V>,
    ) -> Option<AttributeValue> {
        let mut strings = Vec::new();
        let mut numbers: Vec<Number> = Vec::new();
        let mut binaries = Vec::new();
        for member in members {
            match member.to_value() {
                Ok(AttributeValue::S(s)) => strings.push(s),
                Ok(AttributeValue::N(n)) => numbers.push(n),
                Ok(AttributeValue::B(b)) => binaries.push(b),
                Ok(other) => {
                    self.fail(encode_error(&format!(
                        "a set member must be S, N or B, not {}",
                        other.attribute_type()
                    )));
                    return None;
                }
                Err(error) => {
                    self.fail(error.at_field(attr.attribute()));
                    return None;
                }
            }
        }
        strings.dedup();
        binaries.dedup();
        match (strings.is_empty(), numbers.is_empty(), binaries.is_empty()) {
            (true, true, true) => None,
            (false, true, true) => Some(AttributeValue::Ss(strings)),
            (true, false, true) => Some(AttributeValue::Ns(numbers)),
            (true, true, false) => Some(AttributeValue::Bs(binaries)),
            _ => {
                self.fail(encode_error("set members of several types"));
                None
            }
        }
    }

    /// `ADD attr {members}`: adds members to a set (an absent set counts as empty; no
    /// members is no action).
    pub fn add_to_set<T: Set, M: Modifiable, V: ValueFor<T::Member>>(
        mut self,
        attr: Attr<E, T, M, impl Sized>,
        members: impl IntoIterator<Item = V>,
    ) -> Self {
        if let Some(set) = self.set_value(&attr, members) {
            self.actions.push(UpdateAction::Add(attr.path(), set));
        }
        self
    }

    /// `DELETE attr {members}`: removes members from a set (removing every member removes
    /// the attribute; no members is no action).
    pub fn delete_from_set<T: Set, M: Modifiable, V: ValueFor<T::Member>>(
        mut self,
        attr: Attr<E, T, M, impl Sized>,
        members: impl IntoIterator<Item = V>,
    ) -> Self {
        if let Some(set) = self.set_value(&attr, members) {
            self.actions.push(UpdateAction::Delete(attr.path(), set));
        }
        self
    }

    /// `REMOVE attr`: an optional field, a list element (the rest shift down) or a map
    /// value.
    pub fn remove<T, M: Removable>(mut self, attr: Attr<E, T, M, impl Sized>) -> Self {
        if attr.path().elements.len() == 1 {
            self.note_unique(attr.attribute(), None);
        }
        self.actions.push(UpdateAction::Remove(attr.path()));
        self
    }

    /// Sets every field of an index key template together, and the index keys they feed:
    /// `.set_composite(Order::gsi2_composite(status, placed_at))`.
    pub fn set_composite(mut self, composite: Composite<E>) -> Self {
        self.composites.push(composite.write);
        self
    }

    /// Updates only if `condition` holds (joined with `AND` to earlier conditions, and to
    /// the built-in condition that the item exists as this entity).
    pub fn condition<R>(mut self, condition: Cond<E, R>) -> Self {
        let condition: Cond<E> = Cond::typed(condition.into_condition());
        self.condition = Some(match self.condition.take() {
            Some(earlier) => earlier & condition,
            None => condition,
        });
        self
    }

    /// Updates only if the stored value of top-level attribute `attr` is `value` (an
    /// absent value of an `Option` field: the attribute is absent), as a condition
    /// (`attr = :v`, or `attribute_not_exists(attr)`; otherwise
    /// [`Error::ConditionalCheckFailed`], or a cancelled transaction).
    ///
    /// What it is for: an update that sets or removes a `#[entity(unique)]` attribute
    /// moves the value's guard item, and for that it must know the stored value. On its
    /// own the update reads it (a consistent read first); inside
    /// [`db.transact()`](crate::Transaction::update), which cannot read, the stored value
    /// of each unique attribute it changes must be given here, and the transaction then
    /// releases that value's guard and claims the new one:
    ///
    /// ```text
    /// db.transact()
    ///     .update(db.update(User::key("u1")).set(User::EMAIL, "new@x.io").expecting(User::EMAIL, "old@x.io"))
    ///     .commit()
    ///     .await?;
    /// ```
    pub fn expecting<T, M, V: ValueFor<T>>(
        mut self,
        attr: Attr<E, T, M, impl Sized>,
        value: V,
    ) -> Self {
        if attr.path().elements.len() != 1 {
            self.fail(Error::Invalid {
                entity: E::SCHEMA.rust_name,
                field: Some(attr.attribute()),
                message: "`expecting` takes a top-level attribute".to_owned(),
            });
            return self;
        }
        let stored = if value.is_absent() {
            None
        } else {
            let Some(value) = self.value(&attr, &value) else {
                return self;
            };
            Some(value)
        };
        let condition = still(attr.attribute(), stored.as_ref());
        self.expected.push((attr.attribute(), stored));
        self.condition(Cond::<E>::typed(Ok(condition)))
    }

    /// Returns the whole item after the update, decoded (`ALL_NEW`).
    pub fn return_new(self) -> UpdateReturning<'a, E, E, K> {
        UpdateReturning { update: self, return_values: ReturnValues::AllNew, marker: PhantomData }
    }

    /// Returns the whole item before the update, decoded (`ALL_OLD`).
    pub fn return_old(self) -> UpdateReturning<'a, E, E, K> {
        UpdateReturning { update: self, return_values: ReturnValues::AllOld, marker: PhantomData }
    }

    /// Returns the updated attributes after the update (`UPDATED_NEW`), as a
    /// [`Partial<E>`].
    pub fn return_updated_new(self) -> UpdateReturning<'a, E, Partial<E>, K> {
        UpdateReturning {
            update: self,
            return_values: ReturnValues::UpdatedNew,
            marker: PhantomData,
        }
    }

    /// Returns the updated attributes before the update (`UPDATED_OLD`), as a
    /// [`Partial<E>`].
    pub fn return_updated_old(self) -> UpdateReturning<'a, E, Partial<E>, K> {
        UpdateReturning {
            update: self,
            return_values: ReturnValues::UpdatedOld,
            marker: PhantomData,
        }
    }

    /// The `UpdateItem` request this builder sends (for a request that creates missing
    /// parent maps, its first attempt).
    pub fn input(self) -> Result<UpdateItemInput> {
        self.build_checked(ReturnValues::None).map(|(built, _, _)| built.1)
    }

    /// The request (for a transaction), the version check it carries, and the guard
    /// items it claims. An update that changes a unique attribute cannot join a
    /// transaction (moving its guard needs the value read first): it is refused; so is
    /// one creating parent maps (which may take a second request). An upsert writing a
    /// unique attribute joins with a condition instead (see
    /// [`crate::upsert::transaction_claims`]).
    #[allow(clippy::type_complexity)]
    pub(crate) fn input_checked(
        self,
    ) -> Result<(
        UpdateItemInput,
        Option<VersionCheck>,
        Vec<(Option<&'static str>, TransactWriteItem)>,
    )> {
        if !K::UPSERT {
            let unexpected = self.unique.iter().find(|(attribute, _)| {
                !self.expected.iter().any(|(expected, _)| expected == attribute)
            });
            if let Some((attribute, _)) = unexpected {
                return Err(Error::Invalid {
                    entity: E::SCHEMA.rust_name,
                    field: Some(attribute),
                    message: "an update changing a unique attribute joins a transaction only \
                              with the stored value (`.expecting(attr, stored)`), whose guard \
                              it releases; or send it on its own"
                        .to_owned(),
                });
            }
        }
        if !self.creating.is_empty() {
            return Err(Error::Invalid {
                entity: E::SCHEMA.rust_name,
                field: None,
                message: "an update creating parent maps (`set_creating_parents`, `merge`) \
                          cannot join a transaction: it may take a second request"
                    .to_owned(),
            });
        }
        let unique = self.unique.clone();
        let expected = self.expected.clone();
        let ((_, mut input), check, _) = self.build_checked(ReturnValues::None)?;
        if unique.is_empty() {
            return Ok((input, check, Vec::new()));
        }
        if !K::UPSERT {
            // The stored values are given (and conditioned on): release their guards,
            // claim the new values'.
            let (mut old, mut new) = (Item::new(), Item::new());
            for (attribute, value) in &unique {
                let stored = expected.iter().rev().find(|(a, _)| a == attribute);
                if let Some((_, Some(stored))) = stored {
                    old.insert((*attribute).to_owned(), stored.clone());
                }
                if let Some(value) = value {
                    new.insert((*attribute).to_owned(), value.clone());
                }
            }
            let plan = guard_plan::<E>(&input.key, Some(&old), Some(&new))?;
            return Ok((input, check, plan.actions));
        }
        let (claim, guards) = crate::upsert::transaction_claims::<E>(&input.key, &unique)?;
        input.condition = match (input.condition.take(), claim) {
            (Some(own), Some(claim)) => Some(own.and(claim)),
            (own, claim) => own.or(claim),
        };
        Ok((input, check, guards))
    }

    /// Sends the update; one that changes a unique attribute (an upsert: writes one)
    /// reads the item first (consistent) and moves the guards in one transaction with
    /// the update. Returns
    /// the attributes per `return_values` (for a guarded update: the item as read for
    /// `ALL_OLD` / `UPDATED_OLD`, a consistent read after the write for the others).
    pub(crate) async fn send(self, return_values: ReturnValues) -> Result<Option<Item>> {
        let unique = self.unique.clone();
        let ((backend, input), check, creating) = self.build_checked(return_values)?;
        if !creating.is_empty() {
            if !unique.is_empty() {
                return Err(Error::Invalid {
                    entity: E::SCHEMA.rust_name,
                    field: None,
                    message: "an update creating parent maps cannot also change a unique \
                              attribute: send them apart"
                        .to_owned(),
                });
            }
            return crate::nested::send_creating::<E>(backend, input, check, creating, K::UPSERT)
                .await;
        }
        if unique.is_empty() {
            return send_update(backend, input, check).await;
        }
        let table = E::Table::SCHEMA.name;
        let old = read_current(backend, table, &input.key).await?;
        if K::UPSERT {
            // Absent, or this entity's: what the upsert's own condition requires.
            crate::upsert::check_current::<E>(old.as_ref())?;
        } else if old.is_none() {
            return Err(Error::ConditionalCheckFailed { item: None, source: None });
        }
        if let Some(check) = &check {
            if check.fails_on(old.as_ref()) {
                return Err(check.conflict(old.as_ref()));
            }
        }
        let mut next = old.clone().unwrap_or_default();
        for (attribute, value) in unique {
            // A read-only unique field keeps its stored value (`if_not_exists`).
            if K::UPSERT
                && crate::upsert::written_if_absent::<E>(attribute)
                && next.contains_key(attribute)
            {
                continue;
            }
            match value {
                Some(value) => next.insert(attribute.to_owned(), value),
                None => next.remove(attribute),
            };
        }
        let plan = guard_plan::<E>(&input.key, old.as_ref(), Some(&next))?;
        let condition = match input.condition {
            Some(own) => own.and(plan.condition),
            None => plan.condition,
        };
        let own = TransactWriteItem::Update {
            table_name: input.table_name,
            key: input.key.clone(),
            updates: input.updates,
            condition: Some(condition),
            return_old_on_condition_failure: false,
        };
        commit_guarded::<E>(backend, own, plan.actions, check, old.as_ref()).await?;
        match return_values {
            ReturnValues::None => Ok(None),
            ReturnValues::AllOld | ReturnValues::UpdatedOld => Ok(old),
            _ => read_current(backend, table, &input.key).await,
        }
    }

    /// The request, the version check it carries, and the nested paths whose parents it
    /// creates (their `attribute_exists(parent)` conditions are in the request).
    #[allow(clippy::type_complexity)]
    fn build_checked(
        self,
        return_values: ReturnValues,
    ) -> Result<(
        (&'a dyn Backend, UpdateItemInput),
        Option<VersionCheck>,
        Vec<(Path, AttributeValue)>,
    )> {
        let Update {
            backend,
            key,
            mut actions,
            reindex,
            composites,
            condition,
            error,
            now,
            version,
            unique,
            expected: _,
            creating,
            reject,
            whole,
            mode: _,
        } = self;
        if let Some(error) = error {
            return Err(error);
        }
        // Unique attributes change only through `set` / `remove`, which move their guards.
        for field in unique_fields::<E>() {
            let path = Path::attribute(field.attribute);
            let moved = unique.iter().any(|(attribute, _)| *attribute == field.attribute);
            let touched = actions.iter().filter(|action| touches(action, &path)).count();
            if touched > usize::from(moved) {
                return Err(Error::Invalid {
                    entity: E::SCHEMA.rust_name,
                    field: Some(field.name),
                    message: "a unique attribute is changed only with `set` or `remove`, once \
                              per update"
                        .to_owned(),
                });
            }
        }
        let key = key.into_attributes().map_err(|e| e.at_field(E::SCHEMA.rust_name))?;
        let mut written = Item::new();
        for (reindex, value) in reindex {
            reindex(&value, &key, &mut written)?;
        }
        for composite in composites {
            composite(&key, &mut written)?;
        }
        let schema = E::Table::SCHEMA;
        let mut if_absent = Item::new();
        if K::UPSERT && !whole {
            crate::upsert::creation_writes::<E>(&key, &mut written, &mut if_absent, now)?;
            crate::upsert::check_complete::<E>(&actions, &written, &if_absent)?;
        }
        if let Some(attribute) = version_attribute::<E>() {
            let path = Path::attribute(attribute);
            if !actions.iter().any(|action| touches(action, &path)) {
                actions.push(UpdateAction::Add(path, AttributeValue::N(Number::from(1u8))));
            }
        }
        if let Some((attribute, value)) = updated_at::<E>(now)? {
            let path = Path::attribute(attribute);
            if !actions.iter().any(|action| touches(action, &path)) {
                written.insert(attribute.to_owned(), value);
            }
        }
        let mut written: Vec<(String, AttributeValue)> = written.into_iter().collect();
        written.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, value) in written {
            let path = Path::attribute(name);
            if !actions.iter().any(|action| touches(action, &path)) {
                actions
                    .push(UpdateAction::Set(path, SetValue::Operand(UpdateOperand::Value(value))));
            }
        }
        let mut if_absent: Vec<(String, AttributeValue)> = if_absent.into_iter().collect();
        if_absent.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, value) in if_absent {
            let path = Path::attribute(name);
            if !actions.iter().any(|action| touches(action, &path)) {
                actions.push(UpdateAction::Set(
                    path.clone(),
                    SetValue::Operand(UpdateOperand::IfNotExists(
                        path,
                        Box::new(UpdateOperand::Value(value)),
                    )),
                ));
            }
        }
        let is_entity = Condition::Compare {
            left: Operand::Path(Path::attribute(schema.entity_type_attribute)),
            op: Comparator::Eq,
            right: Operand::Value(AttributeValue::S(E::SCHEMA.entity_type.to_owned())),
        };
        // An update needs the item to exist as this entity; an upsert needs it absent or
        // this entity (never another entity's item under the same key).
        let exists = if K::UPSERT {
            Condition::AttributeNotExists(Path::attribute(schema.partition_key.name)).or(is_entity)
        } else {
            is_entity
        };
        let mut condition = match condition {
            Some(condition) => exists.and(condition.into_condition()?),
            None => exists,
        };
        if let Some(check) = &version {
            condition = condition.and(check.condition(&schema));
        }
        for (path, _) in &creating {
            condition = condition.and(Condition::AttributeExists(crate::nested::parent(path)));
        }
        Ok((
            (
                backend,
                UpdateItemInput {
                    table_name: schema.name.to_owned(),
                    key,
                    updates: actions,
                    condition: Some(condition),
                    return_values,
                    return_old_on_condition_failure: version.is_some()
                        || reject
                        || !creating.is_empty(),
                    ..UpdateItemInput::default()
                },
            ),
            version,
            creating,
        ))
    }
}

impl<'a, E: Entity, K: WriteMode> IntoFuture for Update<'a, E, K> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        let label = if K::UPSERT { "upsert" } else { "update" };
        Box::pin(crate::pattern::labelled(format!("{}.{label}", E::SCHEMA.rust_name), async move {
            self.send(ReturnValues::None).await?;
            Ok(())
        }))
    }
}

/// An [`Update`] that returns the item (`E`) or the updated attributes
/// ([`Partial<E>`]). Run it with `.await`.
#[must_use = "an update does nothing until it is awaited"]
pub struct UpdateReturning<'a, E, O, K = Existing> {
    update: Update<'a, E, K>,
    return_values: ReturnValues,
    marker: PhantomData<fn() -> O>,
}

impl<E, O, K> fmt::Debug for UpdateReturning<'_, E, O, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateReturning")
            .field("update", &self.update)
            .field("return_values", &self.return_values)
            .finish()
    }
}

impl<'a, E: Entity, O, K: WriteMode> UpdateReturning<'a, E, O, K> {
    /// Asks DynamoDB for the item as it was when a condition fails and gives it, decoded,
    /// in a [`Rejected`](crate::rejected::Rejected) error (see
    /// [`Update::return_on_condition_failure`]).
    pub fn return_on_condition_failure(mut self) -> crate::rejected::Rejecting<'a, Self, E> {
        self.update.reject = true;
        crate::rejected::Rejecting::new(self)
    }
}

impl<'a, E: Entity, O: crate::query::Decode<E>, K: WriteMode> IntoFuture
    for UpdateReturning<'a, E, O, K>
{
    type Output = Result<O>;
    type IntoFuture = BoxFuture<'a, Result<O>>;

    fn into_future(self) -> Self::IntoFuture {
        let label = if K::UPSERT { "upsert" } else { "update" };
        Box::pin(crate::pattern::labelled(format!("{}.{label}", E::SCHEMA.rust_name), async move {
            let attributes = self.update.send(self.return_values).await?;
            O::decode(attributes.unwrap_or_default())
        }))
    }
}
