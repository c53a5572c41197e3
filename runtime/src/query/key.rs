//! [`KeyQuery`]: the key condition that the generated query stages build, one field at a
//! time.
//!
//! The generated stage methods (`Order::query().user_id(..).placed_at_range().between(..)`) are
//! one-line calls into this type: they push literals and field values in template order,
//! close the partition key, and finish with an equality, a prefix or a range on the sort
//! key. Everything that needs care — escaping, key length checks, range bounds over a
//! composite key — lives here once.

use crate::__private::{FieldCodec, KeyCodec, ToValue};
use crate::error::EncodeError;
use crate::expr::{KeyCondition, SortKeyCondition};
use crate::key::{finish_key, push_key_component, KeyRole};
use crate::schema::{KeyAttribute, ScalarType};
use crate::value::AttributeValue;

use super::range::{text_range, KeyRange, Range};

/// The key condition of a query being built. Not used directly: see the generated
/// `<Entity>::query()` and `<Entity>::by_<index>()`.
#[derive(Debug, Clone)]
pub struct KeyQuery {
    pub(crate) table: &'static str,
    pub(crate) index: Option<&'static str>,
    /// The template text rendered so far: the partition key, then the sort prefix.
    text: String,
    /// Escaped key texts of the fields given so far, to repeat them in a later template.
    known: Vec<(&'static str, String)>,
    pub(crate) partition: Vec<(String, AttributeValue)>,
    pub(crate) sort: Vec<(String, SortKeyCondition)>,
    /// True when no key can match (the query returns nothing without a request).
    pub(crate) empty: bool,
    pub(crate) error: Option<EncodeError>,
    /// What a query stopping at a stage asks of the sort key (set where the partition
    /// key completes; applied by [`finish`](Self::finish)).
    then: Then,
}

/// The sort-key condition of a query that stops before its sort key is complete.
#[derive(Debug, Clone, Copy)]
enum Then {
    /// Nothing: no sort key, a native one, or a lone `"{field}"` template.
    Nothing,
    /// `begins_with` the text rendered so far (nothing when it is empty).
    Prefix(KeyAttribute),
    /// Equality with the rendered text (a sort template without fields).
    Exact(KeyAttribute),
}

impl KeyQuery {
    /// A key condition on the table (`index = None`) or an index.
    pub fn new(table: &'static str, index: Option<&'static str>) -> Self {
        KeyQuery {
            table,
            index,
            text: String::new(),
            known: Vec::new(),
            partition: Vec::new(),
            sort: Vec::new(),
            empty: false,
            error: None,
            then: Then::Nothing,
        }
    }

    fn fail(&mut self, error: EncodeError) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// Appends template literal text.
    #[must_use]
    pub fn lit(mut self, text: &str) -> Self {
        self.text.push_str(text);
        self
    }

    /// Appends a field's escaped key text, and remembers it.
    #[must_use]
    pub fn field<T>(mut self, name: &'static str, codec: KeyCodec<T>, value: &T) -> Self {
        let start = self.text.len();
        match (codec.push)(&mut self.text, name, value) {
            Ok(()) => {
                let text = self.text[start..].to_owned();
                self.known.push((name, text));
            }
            Err(error) => self.fail(error),
        }
        self
    }

    /// Appends the escaped key text of a field given earlier (a field that appears in
    /// both the partition and the sort template).
    #[must_use]
    pub fn known(mut self, name: &'static str) -> Self {
        if let Some((_, text)) = self.known.iter().find(|(n, _)| *n == name) {
            let text = text.clone();
            self.text.push_str(&text);
        }
        self
    }

    /// Closes the partition key rendered from a template (`S`).
    #[must_use]
    pub fn partition_text(mut self, attribute: KeyAttribute) -> Self {
        let text = std::mem::take(&mut self.text);
        match finish_key(text, KeyRole::Partition) {
            Ok(value) => self.partition.push((attribute.name.to_owned(), value)),
            Err(error) => self.fail(error.at_field(attribute.name)),
        }
        self
    }

    /// A partition-key attribute holding a field's own value (a native index key, or a
    /// lone `{field}` on an `N`/`B` key).
    #[must_use]
    pub fn partition_value<T>(
        mut self,
        attribute: KeyAttribute,
        field: &'static str,
        value: &T,
        to_value: ToValue<T>,
    ) -> Self {
        match to_value(value).and_then(|v| crate::key::check_key_value(v, KeyRole::Partition)) {
            Ok(value) => self.partition.push((attribute.name.to_owned(), value)),
            Err(error) => self.fail(error.at_field(field)),
        }
        self
    }

    /// The partition key of a lone `"{field}"` template: key text on an `S` attribute,
    /// the field's own value on `N`/`B`.
    #[must_use]
    pub fn partition_lone<T>(
        self,
        attribute: KeyAttribute,
        field: &'static str,
        value: &T,
        key: KeyCodec<T>,
        codec: FieldCodec<T>,
    ) -> Self {
        match attribute.ty {
            ScalarType::S => self.field(field, key, value).partition_text(attribute),
            ScalarType::N | ScalarType::B => {
                // Remember the key text, for a later template that repeats the field.
                let mut text = String::new();
                let mut this = self.partition_value(attribute, field, value, codec.to_value);
                if (key.push)(&mut text, field, value).is_ok() {
                    this.known.push((field, text));
                }
                this
            }
        }
    }

    /// The sort key is the whole rendered text: `sk = text`.
    #[must_use]
    pub fn sort_exact(mut self, attribute: KeyAttribute) -> Self {
        let text = std::mem::take(&mut self.text);
        match finish_key(text, KeyRole::Sort) {
            Ok(value) => self.sort.push((attribute.name.to_owned(), SortKeyCondition::Eq(value))),
            Err(error) => self.fail(error.at_field(attribute.name)),
        }
        self
    }

    /// The sort key starts with the text rendered so far (no condition when it is
    /// empty): what a query with no further sort condition asks for.
    #[must_use]
    pub fn sort_prefix(mut self, attribute: KeyAttribute) -> Self {
        let text = std::mem::take(&mut self.text);
        if !text.is_empty() {
            self.sort.push((
                attribute.name.to_owned(),
                SortKeyCondition::BeginsWith(AttributeValue::S(text)),
            ));
        }
        self
    }

    /// A range on a field of a composite string sort key; `after` is the literal that
    /// follows the field in the template (`None` when the field ends it).
    #[must_use]
    pub fn sort_range<T>(
        mut self,
        attribute: KeyAttribute,
        field: &'static str,
        codec: KeyCodec<T>,
        range: Range<T>,
        after: Option<&'static str>,
    ) -> Self {
        let texts = range.try_map(|value| {
            let mut text = String::new();
            (codec.push)(&mut text, field, &value).map(|()| text)
        });
        match texts {
            Ok(texts) => {
                let pre = std::mem::take(&mut self.text);
                match text_range(&pre, texts, after) {
                    KeyRange::All => {}
                    KeyRange::Empty => self.empty = true,
                    KeyRange::Condition(condition) => {
                        self.sort.push((attribute.name.to_owned(), condition))
                    }
                }
            }
            Err(error) => self.fail(error),
        }
        self
    }

    /// `begins_with` on a string field of a composite string sort key.
    #[must_use]
    pub fn sort_begins_with(mut self, attribute: KeyAttribute, prefix: &str) -> Self {
        let mut text = std::mem::take(&mut self.text);
        if let Err(error) = push_key_component(&mut text, &prefix.to_owned()) {
            self.fail(error);
        }
        self.text = text;
        self.sort_prefix(attribute)
    }

    /// Equality on a sort attribute holding a field's own value (a native index key, or
    /// a lone `{field}` on an `N`/`B` key).
    #[must_use]
    pub fn sort_value_eq<T>(
        mut self,
        attribute: KeyAttribute,
        field: &'static str,
        value: &T,
        to_value: ToValue<T>,
    ) -> Self {
        match to_value(value) {
            Ok(value) => self.sort.push((attribute.name.to_owned(), SortKeyCondition::Eq(value))),
            Err(error) => self.fail(error.at_field(field)),
        }
        self
    }

    /// A range on a sort attribute holding a field's own value.
    #[must_use]
    pub fn sort_value_range<T>(
        mut self,
        attribute: KeyAttribute,
        field: &'static str,
        range: Range<T>,
        to_value: ToValue<T>,
    ) -> Self {
        match range.try_map(|v| to_value(&v)) {
            Ok(range) => self.sort.push((attribute.name.to_owned(), range.into_condition())),
            Err(error) => self.fail(error.at_field(field)),
        }
        self
    }

    /// `begins_with` on a native string sort attribute.
    #[must_use]
    pub fn sort_value_begins_with(mut self, attribute: KeyAttribute, prefix: &str) -> Self {
        self.sort.push((
            attribute.name.to_owned(),
            SortKeyCondition::BeginsWith(AttributeValue::S(prefix.to_owned())),
        ));
        self
    }

    /// Equality on a lone `"{field}"` sort template.
    #[must_use]
    pub fn sort_lone_eq<T>(
        self,
        attribute: KeyAttribute,
        field: &'static str,
        value: &T,
        key: KeyCodec<T>,
        codec: FieldCodec<T>,
    ) -> Self {
        match attribute.ty {
            ScalarType::S => self.field(field, key, value).sort_exact(attribute),
            ScalarType::N | ScalarType::B => {
                self.sort_value_eq(attribute, field, value, codec.to_value)
            }
        }
    }

    /// A range on a lone `"{field}"` sort template.
    #[must_use]
    pub fn sort_lone_range<T>(
        self,
        attribute: KeyAttribute,
        field: &'static str,
        range: Range<T>,
        key: KeyCodec<T>,
        codec: FieldCodec<T>,
    ) -> Self {
        match attribute.ty {
            ScalarType::S => self.sort_range(attribute, field, key, range, None),
            ScalarType::N | ScalarType::B => {
                self.sort_value_range(attribute, field, range, codec.to_value)
            }
        }
    }

    /// A query stopping before its sort key is complete asks for the sort key to begin
    /// with the text rendered by then ([`sort_prefix`](Self::sort_prefix)).
    #[must_use]
    pub fn then_prefix(mut self, attribute: KeyAttribute) -> Self {
        self.then = Then::Prefix(attribute);
        self
    }

    /// A query stopping here asks for the sort key to equal the text rendered by then
    /// ([`sort_exact`](Self::sort_exact)): a sort template without fields.
    #[must_use]
    pub fn then_exact(mut self, attribute: KeyAttribute) -> Self {
        self.then = Then::Exact(attribute);
        self
    }

    /// Applies the condition set by [`then_prefix`](Self::then_prefix) or
    /// [`then_exact`](Self::then_exact): what a query stopping at a stage asks for.
    pub(crate) fn finish(self) -> Self {
        match self.then {
            Then::Nothing => self,
            Then::Prefix(attribute) => self.sort_prefix(attribute),
            Then::Exact(attribute) => self.sort_exact(attribute),
        }
    }

    /// Drops the sort side: a collection query reads the whole partition.
    #[must_use]
    pub fn partition_only(mut self) -> Self {
        self.text.clear();
        self.sort.clear();
        self.empty = false;
        self
    }

    /// The `KeyConditionExpression`.
    pub(crate) fn condition(&self) -> KeyCondition {
        KeyCondition { partition: self.partition.clone(), sort: self.sort.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::__private::{field_codec, key_codec};

    const PK: KeyAttribute = KeyAttribute { name: "PK", ty: ScalarType::S };
    const SK: KeyAttribute = KeyAttribute { name: "SK", ty: ScalarType::S };
    const NK: KeyAttribute = KeyAttribute { name: "seq", ty: ScalarType::N };

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    #[test]
    fn composite_keys_render_in_template_order() {
        let q = KeyQuery::new("App", None)
            .lit("USER#")
            .field("user_id", key_codec::<String>(), &"u#1".to_owned())
            .partition_text(PK)
            .lit("ORDER#")
            .known("user_id")
            .lit("#")
            .sort_prefix(SK);
        assert_eq!(q.partition, vec![("PK".to_owned(), s("USER#u%231"))]);
        assert_eq!(
            q.sort,
            vec![("SK".to_owned(), SortKeyCondition::BeginsWith(s("ORDER#u%231#")))]
        );
        assert!(q.error.is_none());
    }

    #[test]
    fn exact_and_value_conditions() {
        let q =
            KeyQuery::new("App", None).lit("P").partition_text(PK).lit("PROFILE").sort_exact(SK);
        assert_eq!(q.condition().sort, vec![("SK".to_owned(), SortKeyCondition::Eq(s("PROFILE")))]);
        let q = KeyQuery::new("C", None)
            .partition_lone(NK, "seq", &5u32, key_codec::<u32>(), field_codec::<u32>())
            .sort_lone_range(NK, "seq", Range::Between(1u32, 9), key_codec(), field_codec());
        assert_eq!(
            q.sort,
            vec![(
                "seq".to_owned(),
                SortKeyCondition::Between(
                    AttributeValue::N(crate::Number::from(1u32)),
                    AttributeValue::N(crate::Number::from(9u32))
                )
            )]
        );
        assert_eq!(q.partition[0].1, AttributeValue::N(crate::Number::from(5u32)));
    }

    #[test]
    fn a_stage_stopping_early_asks_for_what_was_set() {
        let started = || KeyQuery::new("App", None).lit("P").partition_text(PK).lit("ORDER#");
        // A prefix: `begins_with` the sort text rendered so far.
        let q = started().then_prefix(SK).finish();
        assert_eq!(q.sort, vec![("SK".to_owned(), SortKeyCondition::BeginsWith(s("ORDER#")))]);
        // A sort template without fields: the whole key.
        let q = started().then_exact(SK).finish();
        assert_eq!(q.sort, vec![("SK".to_owned(), SortKeyCondition::Eq(s("ORDER#")))]);
        // Nothing set (a native or lone sort key): no sort condition.
        assert!(started().finish().sort.is_empty());
    }

    #[test]
    fn errors_are_kept_for_send() {
        let q = KeyQuery::new("App", None).lit("").partition_text(PK);
        assert!(q.error.is_some());
        let q = KeyQuery::new("App", None).lit("P").partition_text(PK).lit("A#").sort_range(
            SK,
            "x",
            key_codec::<String>(),
            Range::Lt(String::new()),
            None,
        );
        assert!(q.empty);
    }
}
