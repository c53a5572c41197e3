//! Typed attribute paths and typed conditions.
//!
//! `#[derive(Entity)]` and `#[derive(Attribute)]` generate one associated `const` per
//! stored field: `User::EMAIL: Attr<User, String>`, `Address::ZIP: Attr<Address, String>`.
//! An [`Attr<E, T, M>`] is a document path inside an item of `E` whose value has the Rust
//! type `T` (an `Option<X>` field is typed `X`: a `None` is no attribute at all). Paths
//! compose: `Order::SHIPPING.then(Address::ZIP)`, `Order::LINES.at(0)`,
//! `Order::LABELS.key("gift")`.
//!
//! Conditions built from paths are [`Cond<E>`]: typed by the entity they test, combined
//! with `&`, `|`, `!` (or [`Cond::and`], [`Cond::or`], [`Cond::not`]), and turned into the
//! untyped [`Condition`] AST the backends evaluate or render. A condition on a native
//! key attribute (a field that is itself a key attribute of one of the entity's indexes)
//! is a `Cond<E, K>` that names the field, so that a query of that index cannot filter on
//! it (see [`Cond`]'s module, `cond`). A value is accepted only
//! when it is a [`ValueFor`] the attribute's type, so comparing a `String` attribute with
//! an integer does not compile, while integer literals infer the attribute's own integer
//! type (`Order::TOTAL_CENTS.gt(1_000)` on an `i64`, `User::VERSION.eq(3)` on a `u64`).
//!
//! The marker `M` says how an update may change the attribute (see [`marker`]): key
//! fields cannot be updated at all, fields feeding an index key template are updated only
//! by `set` (so the index key is rewritten in the same request) or through the generated
//! `<index>_composite(..)`, and only optional fields can be removed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;

use crate::codec::Attribute;
use crate::error::{DecodeError, EncodeError, Error};
use crate::expr::{Comparator, Condition, Operand, Path, PathElement};
use crate::key::ScalarAttribute;
use crate::number::Number;
use crate::value::{AttributeType, AttributeValue, Item};

mod cond;

pub use cond::{Cond, Join, NativeKey, Size};

/// How an update may change an attribute: the third parameter of [`Attr`].
pub mod marker {
    /// A plain field: set, modified, not removed (it is required).
    #[derive(Debug, Clone, Copy)]
    pub struct Value;
    /// An optional field (`Option`, `#[entity(default)]`, a set), a list element or a map
    /// value: set, modified and removed.
    #[derive(Debug, Clone, Copy)]
    pub struct Optional;
    /// A field that is the only changing part of one or more index key templates: `set`
    /// rewrites those index keys in the same request; no other update applies.
    #[derive(Debug, Clone, Copy)]
    pub struct Indexed;
    /// A field of an index key template that holds other changing fields: updated only
    /// with the generated `<index>_composite(..)`, which takes every field of the template.
    #[derive(Debug, Clone, Copy)]
    pub struct Composite;
    /// A field of the primary-key templates: never updated (DynamoDB cannot change a key).
    #[derive(Debug, Clone, Copy)]
    pub struct KeyField;
    /// A `#[entity(computed = "…")]` field: derived from other fields on every write,
    /// never set; setting its inputs recomputes it.
    #[derive(Debug, Clone, Copy)]
    pub struct Computed;
    /// A `#[entity(read_only)]` field: written when the item is created (a put, or an
    /// upsert, which writes it with `if_not_exists`); an update cannot change it.
    #[derive(Debug, Clone, Copy)]
    pub struct ReadOnly;
}

use marker::{Indexed, Optional, Value};

/// Attributes an update may `set` to a known value.
#[diagnostic::on_unimplemented(
    message = "this attribute cannot be set by an update: {Self}",
    label = "not settable",
    note = "`KeyField`: the field is part of the primary key, which DynamoDB cannot update; delete the item and put a new one",
    note = "`Composite`: the field shares an index key template with other fields; set them together with the generated `<Entity>::<index>_composite(..)` so the index key is rewritten in the same request",
    note = "`Computed`: the field is computed from other fields on every write; set its inputs instead",
    note = "`ReadOnly`: the field is written only when the item is created (`put`, or `upsert`, which writes it if absent)"
)]
pub trait Settable {
    /// True when setting an absent value (an empty set) may remove the attribute.
    const REMOVABLE: bool;
    /// True when setting the attribute rewrites index keys.
    const REINDEX: bool;
}

impl Settable for Value {
    const REMOVABLE: bool = false;
    const REINDEX: bool = false;
}
impl Settable for Optional {
    const REMOVABLE: bool = true;
    const REINDEX: bool = false;
}
impl Settable for Indexed {
    const REMOVABLE: bool = false;
    const REINDEX: bool = true;
}

/// Attributes an update may change without knowing the new value (`add`, `subtract`,
/// `append`, `prepend`, `set_if_not_exists`, `add_to_set`, `delete_from_set`).
#[diagnostic::on_unimplemented(
    message = "this attribute cannot be changed relative to its stored value: {Self}",
    label = "needs a known value",
    note = "`Indexed`/`Composite`: the field feeds an index key template, and the index key can only be rewritten from a known value; use `.set(attr, value)` (or the generated `<Entity>::<index>_composite(..)`)",
    note = "`KeyField`: the field is part of the primary key, which DynamoDB cannot update"
)]
pub trait Modifiable {}

impl Modifiable for Value {}
impl Modifiable for Optional {}

/// Attributes an update may `remove`.
#[diagnostic::on_unimplemented(
    message = "this attribute cannot be removed: {Self}",
    label = "not removable",
    note = "only optional fields (`Option`, `#[entity(default)]`, sets), list elements and map values can be removed: removing a required field would leave an item that no longer decodes"
)]
pub trait Removable {}

impl Removable for Optional {}

/// A value usable for an attribute of Rust type `T`: in comparisons, `IN` lists and
/// updates. One impl per type (plus references and `&str` for `String`), so literals
/// infer the attribute's type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value for an attribute of type `{T}`",
    label = "expected a value of type `{T}`",
    note = "attributes are compared with and set to values of their own type: string literals for `String`, integer literals infer the field's integer type, `Timestamp`s for timestamps"
)]
pub trait ValueFor<T> {
    /// The value as DynamoDB stores it for an attribute of type `T`.
    fn to_value(&self) -> Result<AttributeValue, EncodeError>;
    /// True when the value is stored as no attribute at all (an empty set).
    fn is_absent(&self) -> bool {
        false
    }
}

impl<T: Attribute> ValueFor<T> for T {
    fn to_value(&self) -> Result<AttributeValue, EncodeError> {
        self.to_attribute_value()
    }
    fn is_absent(&self) -> bool {
        Attribute::is_absent(self)
    }
}

impl<T: Attribute> ValueFor<T> for &T {
    fn to_value(&self) -> Result<AttributeValue, EncodeError> {
        (*self).to_attribute_value()
    }
    fn is_absent(&self) -> bool {
        Attribute::is_absent(*self)
    }
}

impl ValueFor<String> for &str {
    fn to_value(&self) -> Result<AttributeValue, EncodeError> {
        Ok(AttributeValue::S((*self).to_owned()))
    }
}

macro_rules! number_values {
    ($($t:ty),*) => {$(
        impl ValueFor<Number> for $t {
            fn to_value(&self) -> Result<AttributeValue, EncodeError> {
                self.to_attribute_value()
            }
        }
    )*};
}

number_values!(i8, i16, i32, i64, u8, u16, u32, u64);

/// Types whose values DynamoDB orders (`<`, `<=`, `>`, `>=`, `BETWEEN`): strings, numbers
/// and binary, and newtypes and unit enums over them.
#[diagnostic::on_unimplemented(
    message = "attributes of type `{Self}` cannot be ordered",
    label = "not a string, number or binary attribute",
    note = "DynamoDB orders S, N and B values only; lists, maps, sets and booleans support `eq`, `ne`, `is_in`, `contains` and `size`"
)]
pub trait Ordered {}

impl<T: ScalarAttribute> Ordered for T {}
impl Ordered for f32 {}
impl Ordered for f64 {}

/// Types whose values have a prefix (`begins_with`): strings and binary.
#[diagnostic::on_unimplemented(
    message = "`begins_with` needs a string or binary attribute, not `{Self}`",
    label = "not a string or binary attribute"
)]
pub trait Prefixed {}

impl Prefixed for String {}
impl Prefixed for Vec<u8> {}

/// Types with a `size`: strings (characters), binary (bytes), lists, sets and maps
/// (elements).
#[diagnostic::on_unimplemented(
    message = "`size` needs a string, binary, list, set or map attribute, not `{Self}`",
    label = "has no size"
)]
pub trait HasSize {}

impl HasSize for String {}
impl<T> HasSize for Vec<T> {}
impl<T, S> HasSize for HashSet<T, S> {}
impl<T> HasSize for BTreeSet<T> {}
impl<T, S> HasSize for HashMap<String, T, S> {}
impl<T> HasSize for BTreeMap<String, T> {}

/// Types `contains` looks into: a string (for a substring), a list or a set (for an
/// element).
#[diagnostic::on_unimplemented(
    message = "`contains` needs a string, list or set attribute, not `{Self}`",
    label = "not a string, list or set"
)]
pub trait Container {
    /// What `contains` looks for.
    type Element;
}

impl Container for String {
    type Element = String;
}
impl<T> Container for Vec<T> {
    type Element = T;
}
impl<T, S> Container for HashSet<T, S> {
    type Element = T;
}
impl<T> Container for BTreeSet<T> {
    type Element = T;
}

/// Lists: `at(index)` and `append` / `prepend`.
#[diagnostic::on_unimplemented(message = "`{Self}` is not a list", label = "not a `Vec`")]
pub trait List {
    /// The element type.
    type Element;
}

impl<T> List for Vec<T> {
    type Element = T;
}

/// Maps with string keys: `key(name)`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a map with string keys",
    label = "not a `HashMap<String, _>` or `BTreeMap<String, _>`"
)]
pub trait Map {
    /// The value type.
    type Value;
}

impl<T, S> Map for HashMap<String, T, S> {
    type Value = T;
}
impl<T> Map for BTreeMap<String, T> {
    type Value = T;
}

/// Sets: `add_to_set` / `delete_from_set`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a set",
    label = "not a `HashSet` or `BTreeSet`"
)]
pub trait Set {
    /// The member type.
    type Member;
}

impl<T, S> Set for HashSet<T, S> {
    type Member = T;
}
impl<T> Set for BTreeSet<T> {
    type Member = T;
}

/// Numbers: `add` / `subtract`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a number",
    label = "`add` and `subtract` need a number attribute"
)]
pub trait Numeric {}

macro_rules! numeric {
    ($($t:ty),*) => {$( impl Numeric for $t {} )*};
}

numeric!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, Number);

/// Rewrites index keys after an update sets a field: from the new value and the item's
/// key attributes, writes the recomputed index key attributes. Generated per field.
pub type Reindex = fn(&AttributeValue, &Item, &mut Item) -> Result<(), Error>;

/// The phantom of an [`Attr`]: covariant, `Send` and `Sync` whatever the types.
type Marker<E, T, M, K> = fn() -> (E, T, M, K);

/// A typed document path in items of entity (or nested type) `E`, whose value has Rust
/// type `T`. `M` is its update [`marker`]. `K` is `()`, except on a field that is a
/// native key attribute of one of the entity's indexes (an index keyed by the entity's
/// own fields), where it is a marker type generated for the field: its conditions carry
/// it ([`Cond<E, K>`]), so a query of that index cannot filter on it (DynamoDB refuses a
/// filter on the queried index's key attributes).
///
/// Generated as associated consts (`User::EMAIL`); see the [module docs](self).
pub struct Attr<E, T, M = Value, K = ()> {
    root: &'static str,
    steps: Vec<PathElement>,
    reindex: Option<Reindex>,
    marker: PhantomData<Marker<E, T, M, K>>,
}

impl<E, T, M, K> Clone for Attr<E, T, M, K> {
    fn clone(&self) -> Self {
        Attr {
            root: self.root,
            steps: self.steps.clone(),
            reindex: self.reindex,
            marker: PhantomData,
        }
    }
}

impl<E, T, M, K> fmt::Debug for Attr<E, T, M, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Attr({}", self.root)?;
        for step in &self.steps {
            match step {
                PathElement::Attribute(name) => write!(f, ".{name}")?,
                PathElement::Index(index) => write!(f, "[{index}]")?,
            }
        }
        f.write_str(")")
    }
}

impl<E, T, M, K> PartialEq for Attr<E, T, M, K> {
    fn eq(&self, other: &Self) -> bool {
        self.root == other.root && self.steps == other.steps
    }
}

impl<E, T, M, K> Attr<E, T, M, K> {
    /// The top-level attribute `name` (what generated consts are).
    pub const fn new(name: &'static str) -> Self {
        Attr { root: name, steps: Vec::new(), reindex: None, marker: PhantomData }
    }

    /// A top-level attribute whose `set` rewrites index keys with `reindex`.
    #[doc(hidden)]
    pub const fn indexed(name: &'static str, reindex: Reindex) -> Self {
        Attr { root: name, steps: Vec::new(), reindex: Some(reindex), marker: PhantomData }
    }

    /// The untyped document path.
    pub fn path(&self) -> Path {
        let mut elements = Vec::with_capacity(1 + self.steps.len());
        elements.push(PathElement::Attribute(self.root.to_owned()));
        elements.extend(self.steps.iter().cloned());
        Path { elements }
    }

    /// The top-level attribute name.
    pub fn attribute(&self) -> &'static str {
        self.root
    }

    pub(crate) fn reindex(&self) -> Option<Reindex> {
        self.reindex
    }

    fn step<U, N>(mut self, step: PathElement) -> Attr<E, U, N, K> {
        self.steps.push(step);
        Attr { root: self.root, steps: self.steps, reindex: None, marker: PhantomData }
    }

    /// A field of the nested type stored here: `Order::SHIPPING.then(Address::ZIP)`.
    pub fn then<U, N>(self, inner: Attr<T, U, N>) -> Attr<E, U, N, K> {
        let mut path = self.step::<U, N>(PathElement::Attribute(inner.root.to_owned()));
        path.steps.extend(inner.steps);
        path
    }

    /// Element `index` of the list stored here: `Order::LINES.at(0)`.
    pub fn at(self, index: usize) -> Attr<E, T::Element, Optional, K>
    where
        T: List,
    {
        self.step(PathElement::Index(index))
    }

    /// The value under `key` in the map stored here: `Order::LABELS.key("gift")`.
    pub fn key(self, key: impl Into<String>) -> Attr<E, T::Value, Optional, K>
    where
        T: Map,
    {
        self.step(PathElement::Attribute(key.into()))
    }

    fn cond(condition: Condition) -> Cond<E, K> {
        Cond::typed(Ok(condition))
    }

    fn compare(self, op: Comparator, value: Result<AttributeValue, EncodeError>) -> Cond<E, K> {
        match value {
            Ok(value) => Self::cond(Condition::Compare {
                left: Operand::Path(self.path()),
                op,
                right: Operand::Value(value),
            }),
            Err(error) => Cond::typed(Err(error)),
        }
    }

    /// `attribute_exists(path)`.
    pub fn exists(self) -> Cond<E, K> {
        Self::cond(Condition::AttributeExists(self.path()))
    }

    /// `attribute_not_exists(path)`.
    pub fn not_exists(self) -> Cond<E, K> {
        Self::cond(Condition::AttributeNotExists(self.path()))
    }

    /// `attribute_type(path, ty)`: the stored value has DynamoDB type `ty`.
    pub fn is_type(self, ty: AttributeType) -> Cond<E, K> {
        Self::cond(Condition::attribute_type(self.path(), ty))
    }

    /// `path = value`.
    pub fn eq<V: ValueFor<T>>(self, value: V) -> Cond<E, K> {
        self.compare(Comparator::Eq, value.to_value())
    }

    /// `path <> value` (true when the attribute is absent).
    pub fn ne<V: ValueFor<T>>(self, value: V) -> Cond<E, K> {
        self.compare(Comparator::Ne, value.to_value())
    }

    /// `path IN (values…)`: 1 to 100 values.
    pub fn is_in<V: ValueFor<T>>(self, values: impl IntoIterator<Item = V>) -> Cond<E, K> {
        let list: Result<Vec<Operand>, EncodeError> =
            values.into_iter().map(|v| v.to_value().map(Operand::Value)).collect();
        match list {
            Ok(list) => Self::cond(Condition::In { operand: Operand::Path(self.path()), list }),
            Err(error) => Cond::typed(Err(error)),
        }
    }

    /// `path = other`: compares two attributes of the same type.
    pub fn eq_attr<N, L>(self, other: Attr<E, T, N, L>) -> Cond<E, K::Output>
    where
        K: Join<L>,
    {
        Cond::typed(Ok(Condition::Compare {
            left: Operand::Path(self.path()),
            op: Comparator::Eq,
            right: Operand::Path(other.path()),
        }))
    }

    /// `path < value`.
    pub fn lt<V: ValueFor<T>>(self, value: V) -> Cond<E, K>
    where
        T: Ordered,
    {
        self.compare(Comparator::Lt, value.to_value())
    }

    /// `path <= value`.
    pub fn le<V: ValueFor<T>>(self, value: V) -> Cond<E, K>
    where
        T: Ordered,
    {
        self.compare(Comparator::Le, value.to_value())
    }

    /// `path > value`.
    pub fn gt<V: ValueFor<T>>(self, value: V) -> Cond<E, K>
    where
        T: Ordered,
    {
        self.compare(Comparator::Gt, value.to_value())
    }

    /// `path >= value`.
    pub fn ge<V: ValueFor<T>>(self, value: V) -> Cond<E, K>
    where
        T: Ordered,
    {
        self.compare(Comparator::Ge, value.to_value())
    }

    /// `path BETWEEN low AND high` (inclusive; `low` must not be above `high`).
    pub fn between<V: ValueFor<T>, W: ValueFor<T>>(self, low: V, high: W) -> Cond<E, K>
    where
        T: Ordered,
    {
        match (low.to_value(), high.to_value()) {
            (Ok(low), Ok(high)) => Self::cond(Condition::Between {
                operand: Operand::Path(self.path()),
                low: Operand::Value(low),
                high: Operand::Value(high),
            }),
            (Err(error), _) | (_, Err(error)) => Cond::typed(Err(error)),
        }
    }

    /// `begins_with(path, prefix)`.
    pub fn begins_with<V: ValueFor<T>>(self, prefix: V) -> Cond<E, K>
    where
        T: Prefixed,
    {
        match prefix.to_value() {
            Ok(value) => Self::cond(Condition::begins_with(self.path(), Operand::Value(value))),
            Err(error) => Cond::typed(Err(error)),
        }
    }

    /// `contains(path, value)`: a substring of a string, an element of a list or a set.
    pub fn contains<V: ValueFor<T::Element>>(self, value: V) -> Cond<E, K>
    where
        T: Container,
    {
        match value.to_value() {
            Ok(value) => Self::cond(Condition::contains(self.path(), Operand::Value(value))),
            Err(error) => Cond::typed(Err(error)),
        }
    }

    /// `size(path)`, to compare: `User::TAGS.size().gt(2)`.
    pub fn size(self) -> Size<E, K>
    where
        T: HasSize,
    {
        Size::new(self.path())
    }
}

/// Some attributes of an item of `E`: what a projected read or an `UPDATED_*` return
/// value holds. Read them with typed paths: `partial.get(&User::NAME)?`.
///
/// A partial never pretends to be a whole entity: decoding `E` from a projection could
/// only fail on the attributes left out, so projected reads return `Partial<E>`.
pub struct Partial<E> {
    item: Item,
    entity: PhantomData<fn() -> E>,
}

impl<E> Clone for Partial<E> {
    fn clone(&self) -> Self {
        Partial { item: self.item.clone(), entity: PhantomData }
    }
}

impl<E> fmt::Debug for Partial<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Partial").field(&self.item).finish()
    }
}

impl<E> PartialEq for Partial<E> {
    fn eq(&self, other: &Self) -> bool {
        self.item == other.item
    }
}

impl<E> Partial<E> {
    /// The attributes as they came back.
    pub fn new(item: Item) -> Self {
        Partial { item, entity: PhantomData }
    }

    /// The value at `attr`, decoded; `None` when it is absent.
    pub fn get<T: Attribute, M, K>(
        &self,
        attr: &Attr<E, T, M, K>,
    ) -> Result<Option<T>, DecodeError> {
        let mut value = match self.item.get(attr.root) {
            Some(value) => value,
            None => return Ok(None),
        };
        for step in &attr.steps {
            let next = match (step, value) {
                (PathElement::Attribute(name), AttributeValue::M(map)) => map.get(name),
                (PathElement::Index(index), AttributeValue::L(list)) => list.get(*index),
                _ => None,
            };
            match next {
                Some(next) => value = next,
                None => return Ok(None),
            }
        }
        T::from_attribute_value(value.clone()).map(Some).map_err(|e| e.at_field(attr.root))
    }

    /// The attributes.
    pub fn item(&self) -> &Item {
        &self.item
    }

    /// The attributes, consumed.
    pub fn into_item(self) -> Item {
        self.item
    }
}

/// Attributes to read in a projected read: one [`Attr`] or a tuple of them
/// (`(User::NAME, User::EMAIL)`).
pub trait Projection<E> {
    /// The document paths.
    fn paths(self) -> Vec<Path>;
}

impl<E, T, M, K> Projection<E> for Attr<E, T, M, K> {
    fn paths(self) -> Vec<Path> {
        vec![self.path()]
    }
}

macro_rules! tuple_projection {
    ($($name:ident),*) => {
        impl<E, $($name: Projection<E>),*> Projection<E> for ($($name,)*) {
            #[allow(non_snake_case)]
            fn paths(self) -> Vec<Path> {
                let ($($name,)*) = self;
                let mut out = Vec::new();
                $(out.extend($name.paths());)*
                out
            }
        }
    };
}

tuple_projection!(A);
tuple_projection!(A, B);
tuple_projection!(A, B, C);
tuple_projection!(A, B, C, D);
tuple_projection!(A, B, C, D, F);
tuple_projection!(A, B, C, D, F, G);
tuple_projection!(A, B, C, D, F, G, H);
tuple_projection!(A, B, C, D, F, G, H, I);
tuple_projection!(A, B, C, D, F, G, H, I, J);
tuple_projection!(A, B, C, D, F, G, H, I, J, K);
tuple_projection!(A, B, C, D, F, G, H, I, J, K, L);
tuple_projection!(A, B, C, D, F, G, H, I, J, K, L, N);

#[cfg(test)]
mod tests;
