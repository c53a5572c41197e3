//! Fields of a `#[entity(compact)]` entity that live only inside keys.
//!
//! A compact entity stores each field of its key templates (table and index keys) only
//! inside the keys, as hand-written single-table designs do (`PK = "USER#u1"` and no
//! `user_id` attribute). Such a field has no document path, so its generated const is a
//! [`KeyOnly`], not an [`Attr`]: a filter, condition, projection or update
//! naming it does not compile (DynamoDB would test or change an attribute that no item
//! has). Narrow on it with the query's key conditions (`User::query().user_id("u1")`),
//! and change the index keys it feeds with the generated `<index>_composite(..)`
//! functions.

use std::fmt;
use std::marker::PhantomData;

use crate::attr::{Attr, Cond, Ordered, Prefixed, ValueFor};

/// The document path of a stored field. A [`KeyOnly`] field has none, so this is what
/// its condition methods ask for: calling one reports, at compile time, that the field
/// lives only inside keys.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a field of a compact entity, kept only inside keys: no item has it as an attribute to filter or condition on",
    label = "kept only inside keys",
    note = "narrow on it with the query's key conditions (`Entity::query().field(..)` or an index's starter), or drop `compact` so the field is also stored as an attribute"
)]
pub trait StoredAttribute<E, T> {
    /// The field's document path.
    fn attr(self) -> Attr<E, T>;
}

/// A field of a compact entity `E`, of Rust type `T`, kept only inside keys (see the
/// [module docs](self)). It has no condition, projection or update methods on purpose.
pub struct KeyOnly<E, T> {
    field: &'static str,
    marker: PhantomData<fn() -> (E, T)>,
}

impl<E, T> KeyOnly<E, T> {
    /// The field `field` (what generated consts are).
    pub const fn new(field: &'static str) -> Self {
        KeyOnly { field, marker: PhantomData }
    }

    /// The Rust field name.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// `path = value`, for a field with a path: refused for a key-only field.
    pub fn eq<V: ValueFor<T>>(self, value: V) -> Cond<E>
    where
        Self: StoredAttribute<E, T>,
    {
        self.attr().eq(value)
    }

    /// `path <> value`, for a field with a path: refused for a key-only field.
    pub fn ne<V: ValueFor<T>>(self, value: V) -> Cond<E>
    where
        Self: StoredAttribute<E, T>,
    {
        self.attr().ne(value)
    }

    /// `path < value`, for a field with a path: refused for a key-only field.
    pub fn lt<V: ValueFor<T>>(self, value: V) -> Cond<E>
    where
        Self: StoredAttribute<E, T>,
        T: Ordered,
    {
        self.attr().lt(value)
    }

    /// `path <= value`, for a field with a path: refused for a key-only field.
    pub fn le<V: ValueFor<T>>(self, value: V) -> Cond<E>
    where
        Self: StoredAttribute<E, T>,
        T: Ordered,
    {
        self.attr().le(value)
    }

    /// `path > value`, for a field with a path: refused for a key-only field.
    pub fn gt<V: ValueFor<T>>(self, value: V) -> Cond<E>
    where
        Self: StoredAttribute<E, T>,
        T: Ordered,
    {
        self.attr().gt(value)
    }

    /// `path >= value`, for a field with a path: refused for a key-only field.
    pub fn ge<V: ValueFor<T>>(self, value: V) -> Cond<E>
    where
        Self: StoredAttribute<E, T>,
        T: Ordered,
    {
        self.attr().ge(value)
    }

    /// `path BETWEEN low AND high`, for a field with a path: refused for a key-only field.
    pub fn between<V: ValueFor<T>, W: ValueFor<T>>(self, low: V, high: W) -> Cond<E>
    where
        Self: StoredAttribute<E, T>,
        T: Ordered,
    {
        self.attr().between(low, high)
    }

    /// `begins_with(path, prefix)`, for a field with a path: refused for a key-only field.
    pub fn begins_with<V: ValueFor<T>>(self, prefix: V) -> Cond<E>
    where
        Self: StoredAttribute<E, T>,
        T: Prefixed,
    {
        self.attr().begins_with(prefix)
    }

    /// `attribute_exists(path)`, for a field with a path: refused for a key-only field.
    pub fn exists(self) -> Cond<E>
    where
        Self: StoredAttribute<E, T>,
    {
        self.attr().exists()
    }

    /// `attribute_not_exists(path)`, for a field with a path: refused for a key-only
    /// field.
    pub fn not_exists(self) -> Cond<E>
    where
        Self: StoredAttribute<E, T>,
    {
        self.attr().not_exists()
    }
}

impl<E, T> Clone for KeyOnly<E, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E, T> Copy for KeyOnly<E, T> {}

impl<E, T> fmt::Debug for KeyOnly<E, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyOnly({})", self.field)
    }
}

#[cfg(test)]
mod tests {
    use super::KeyOnly;

    #[test]
    fn names_its_field() {
        const USER_ID: KeyOnly<(), String> = KeyOnly::new("user_id");
        assert_eq!(USER_ID.field(), "user_id");
        assert_eq!(format!("{USER_ID:?}"), "KeyOnly(user_id)");
    }
}
