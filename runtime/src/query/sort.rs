//! [`SortRange`]: the one range builder of the generated query stages, and
//! [`SortField`], what it knows of the field.
//!
//! Each sort-key field of an access pattern gets one generated `<field>_range()` method,
//! which hands the query so far and a `SortField<T, Entity, Index>` (how the field's key
//! attribute holds it: inside a composite string template, as a lone `"{field}"`
//! template, or as its own value on a native index key) to a [`SortRange`]. Its `lt` /
//! `le` / `gt` / `ge` / `between` (and `begins_with`, where the field is a `String`) are
//! generic code written once here, instead of six generated methods per sort field,
//! which keeps the expansion of a model small and its `cargo check` fast. The entity and
//! index are part of the types, so a call infers nothing.

use std::fmt;
use std::marker::PhantomData;

use crate::__private::{FieldCodec, KeyCodec, ToValue};
use crate::entity::Entity;
use crate::schema::KeyAttribute;

use super::{IndexKind, KeyQuery, Query, Range};

/// How one sort-key field of a query stage reaches its key attribute, for queries of
/// entity `E` on index kind `I`: built by the generated stage methods, so the code that
/// builds the condition exists once. Not used directly: see [`SortRange`].
pub struct SortField<T, E, I> {
    attribute: KeyAttribute,
    field: &'static str,
    how: How<T>,
    marker: PhantomData<fn() -> (E, I)>,
}

enum How<T> {
    /// A field of a composite string template; `after` is the literal that follows it.
    Text { key: KeyCodec<T>, after: Option<&'static str> },
    /// The whole of a lone `"{field}"` template: key text on `S`, the value on `N`/`B`.
    Lone { key: KeyCodec<T>, codec: FieldCodec<T> },
    /// A native key attribute holding the field's own value.
    Value { to_value: ToValue<T> },
}

impl<T> Clone for How<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for How<T> {}

impl<T, E, I> Clone for SortField<T, E, I> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, E, I> Copy for SortField<T, E, I> {}

impl<T, E, I> SortField<T, E, I> {
    /// A field of a composite string sort template; `after` is the literal following it
    /// (`None` when the field ends the template).
    pub const fn text(
        attribute: KeyAttribute,
        field: &'static str,
        key: KeyCodec<T>,
        after: Option<&'static str>,
    ) -> Self {
        SortField { attribute, field, how: How::Text { key, after }, marker: PhantomData }
    }

    /// The field of a lone `"{field}"` sort template.
    pub const fn lone(
        attribute: KeyAttribute,
        field: &'static str,
        key: KeyCodec<T>,
        codec: FieldCodec<T>,
    ) -> Self {
        SortField { attribute, field, how: How::Lone { key, codec }, marker: PhantomData }
    }

    /// A native sort attribute holding the field's own value.
    pub const fn value(attribute: KeyAttribute, field: &'static str, to_value: ToValue<T>) -> Self {
        SortField { attribute, field, how: How::Value { to_value }, marker: PhantomData }
    }

    /// The key condition with `range` on this field.
    pub fn range_key(&self, key: KeyQuery, range: Range<T>) -> KeyQuery {
        let (attribute, field) = (self.attribute, self.field);
        match self.how {
            How::Text { key: codec, after } => {
                key.sort_range(attribute, field, codec, range, after)
            }
            How::Lone { key: codec, codec: field_codec } => {
                key.sort_lone_range(attribute, field, range, codec, field_codec)
            }
            How::Value { to_value } => key.sort_value_range(attribute, field, range, to_value),
        }
    }

    fn begins_with_key(&self, key: KeyQuery, prefix: &str) -> KeyQuery {
        match self.how {
            How::Text { .. } | How::Lone { .. } => key.sort_begins_with(self.attribute, prefix),
            How::Value { .. } => key.sort_value_begins_with(self.attribute, prefix),
        }
    }

    fn eq_key(&self, key: KeyQuery, value: &T) -> KeyQuery {
        let (attribute, field) = (self.attribute, self.field);
        match self.how {
            How::Text { key: codec, .. } => key.field(field, codec, value).sort_exact(attribute),
            How::Lone { key: codec, codec: field_codec } => {
                key.sort_lone_eq(attribute, field, value, codec, field_codec)
            }
            How::Value { to_value } => key.sort_value_eq(attribute, field, value, to_value),
        }
    }
}

impl<T, E: Entity, I: IndexKind> SortField<T, E, I> {
    /// The query with `range` on this field.
    pub fn range(&self, key: KeyQuery, range: Range<T>) -> Query<E, I> {
        Query::new(self.range_key(key, range))
    }

    /// The field equals `value`, and it is the last of the key (a lone template or a
    /// native attribute, or a composite template that it ends).
    pub fn eq(&self, key: KeyQuery, value: impl Into<T>) -> Query<E, I> {
        Query::new(self.eq_key(key, &value.into()))
    }
}

/// A range condition on one sort-key field of a query, from the stage's
/// `<field>_range()`: `Order::query().user_id("u1").placed_at_range().ge(since)`.
///
/// `begins_with` exists only where the field is a `String` (a prefix of a number or a
/// timestamp has no meaning DynamoDB could check), so it does not compile on others.
#[must_use = "a range does nothing until one of its conditions makes a query"]
pub struct SortRange<T, E, I> {
    key: KeyQuery,
    field: SortField<T, E, I>,
}

impl<T, E: Entity, I: IndexKind> SortRange<T, E, I> {
    /// The query so far and the field the range is on (called by generated code).
    #[doc(hidden)]
    pub fn new(key: KeyQuery, field: SortField<T, E, I>) -> Self {
        SortRange { key, field }
    }

    /// The field is below `value`.
    pub fn lt(self, value: impl Into<T>) -> Query<E, I> {
        self.field.range(self.key, Range::Lt(value.into()))
    }

    /// The field is at most `value`.
    pub fn le(self, value: impl Into<T>) -> Query<E, I> {
        self.field.range(self.key, Range::Le(value.into()))
    }

    /// The field is above `value`.
    pub fn gt(self, value: impl Into<T>) -> Query<E, I> {
        self.field.range(self.key, Range::Gt(value.into()))
    }

    /// The field is at least `value`.
    pub fn ge(self, value: impl Into<T>) -> Query<E, I> {
        self.field.range(self.key, Range::Ge(value.into()))
    }

    /// The field lies between `low` and `high`, inclusive.
    pub fn between(self, low: impl Into<T>, high: impl Into<T>) -> Query<E, I> {
        self.field.range(self.key, Range::Between(low.into(), high.into()))
    }
}

impl<E: Entity, I: IndexKind> SortRange<String, E, I> {
    /// The field starts with `prefix`.
    pub fn begins_with(self, prefix: &str) -> Query<E, I> {
        Query::new(self.field.begins_with_key(self.key, prefix))
    }
}

impl<E: Entity, I: IndexKind> SortRange<crate::timestamp::Timestamp, E, I> {
    /// The timestamp's text (RFC 3339, fixed width: `2025-11-03T09:30:00.000Z`) starts
    /// with `prefix`: `"2025-11"` is a month, `"2025-11-03"` a day.
    pub fn begins_with(self, prefix: &str) -> Query<E, I> {
        Query::new(self.field.begins_with_key(self.key, prefix))
    }
}

impl<T, E, I> fmt::Debug for SortRange<T, E, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SortRange")
            .field("field", &self.field.field)
            .field("key", &self.key)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::__private::{field_codec, key_codec};
    use crate::expr::SortKeyCondition;
    use crate::schema::ScalarType;
    use crate::value::AttributeValue;

    const SK: KeyAttribute = KeyAttribute { name: "SK", ty: ScalarType::S };
    const NK: KeyAttribute = KeyAttribute { name: "seq", ty: ScalarType::N };

    /// The key-condition half needs no entity or index.
    type T = SortField<String, (), ()>;
    type N = SortField<u32, (), ()>;

    fn start() -> KeyQuery {
        KeyQuery::new("App", None)
            .lit("P")
            .partition_text(KeyAttribute { name: "PK", ty: ScalarType::S })
    }

    fn n(v: u32) -> AttributeValue {
        AttributeValue::N(crate::Number::from(v))
    }

    #[test]
    fn each_kind_matches_the_key_query_it_stands_for() {
        // A composite template: the same bounds as `sort_range` computes.
        let text = T::text(SK, "x", key_codec::<String>(), Some("#"));
        for range in [
            Range::Lt("b".to_owned()),
            Range::Le("b".to_owned()),
            Range::Gt("b".to_owned()),
            Range::Ge("b".to_owned()),
            Range::Between("a".to_owned(), "c".to_owned()),
        ] {
            let expected =
                start().lit("ORDER#").sort_range(SK, "x", key_codec(), range.clone(), Some("#"));
            let got = text.range_key(start().lit("ORDER#"), range);
            assert_eq!(got.sort, expected.sort);
            assert_eq!(got.empty, expected.empty);
        }
        // A lone template on an N key: the value itself.
        let lone = N::lone(NK, "seq", key_codec::<u32>(), field_codec::<u32>());
        let got = lone.range_key(start(), Range::Between(1, 9));
        assert_eq!(got.sort, vec![("seq".to_owned(), SortKeyCondition::Between(n(1), n(9)))]);
        // A native attribute.
        let native = N::value(NK, "seq", field_codec::<u32>().to_value);
        let got = native.range_key(start(), Range::Gt(4));
        assert_eq!(got.sort, vec![("seq".to_owned(), SortKeyCondition::Gt(n(4)))]);
    }

    #[test]
    fn equality_and_prefixes() {
        let s = |v: &str| AttributeValue::S(v.to_owned());
        let text = T::text(SK, "x", key_codec::<String>(), None);
        let got = text.eq_key(start().lit("ORDER#"), &"a#b".to_owned());
        assert_eq!(got.sort, vec![("SK".to_owned(), SortKeyCondition::Eq(s("ORDER#a%23b")))]);
        let got = text.begins_with_key(start().lit("ORDER#"), "a#");
        assert_eq!(
            got.sort,
            vec![("SK".to_owned(), SortKeyCondition::BeginsWith(s("ORDER#a%23")))]
        );
        let lone_s = T::lone(SK, "x", key_codec::<String>(), field_codec::<String>());
        let got = lone_s.eq_key(start(), &"a#b".to_owned());
        assert_eq!(got.sort, vec![("SK".to_owned(), SortKeyCondition::Eq(s("a%23b")))]);
        let lone_n = N::lone(NK, "seq", key_codec::<u32>(), field_codec::<u32>());
        assert_eq!(
            lone_n.eq_key(start(), &7).sort,
            vec![("seq".to_owned(), SortKeyCondition::Eq(n(7)))]
        );
        // A native string attribute is compared as stored: no escaping.
        let native = T::value(SK, "x", field_codec::<String>().to_value);
        let got = native.begins_with_key(start(), "a#");
        assert_eq!(got.sort, vec![("SK".to_owned(), SortKeyCondition::BeginsWith(s("a#")))]);
        // An empty composite key is an error kept for `send`.
        let got = text.eq_key(start(), &String::new());
        assert!(got.error.is_some());
    }
}
