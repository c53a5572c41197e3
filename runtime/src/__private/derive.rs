//! Shared functions the code of `#[derive(Entity)]` and `#[derive(Attribute)]` calls, so
//! each expansion stays a short list of calls (compile time is a product goal), and the
//! `const fn`s of its compile-time checks. Not a public API.

use crate::codec::{
    decode_field, decode_field_or, encode_field, from_attribute_value_serde,
    to_attribute_value_serde, Attribute,
};
use crate::entity::{Entity, Table};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use crate::key::{
    check_key_value, finish_key, parse_key_template, push_key_component, KeyComponent, KeyRole,
};
use crate::schema::{
    BillingMode, EntitySchema, FieldDefault, FieldMarkers, FieldSchema, KeyAttribute,
    KeyTemplateSchema, ScalarType, TableSchema,
};
use crate::timestamp::{decode_ttl_field, encode_ttl_field, TtlValue};
use crate::value::{AttributeValue, Item};

/// Appends a template field's escaped key text; the error names the field.
pub fn push_key_field<T: KeyComponent>(
    text: &mut String,
    field: &'static str,
    value: &T,
) -> Result<(), EncodeError> {
    push_key_component(text, value).map_err(|e| e.at_field(field))
}

/// Checks a key rendered from a template and stores it under `attribute`; the error
/// names the attribute.
pub fn insert_key(
    item: &mut Item,
    attribute: KeyAttribute,
    role: KeyRole,
    text: String,
) -> Result<(), EncodeError> {
    let value = finish_key(text, role).map_err(|e| e.at_field(attribute.name))?;
    item.insert(attribute.name.to_owned(), value);
    Ok(())
}

/// Stores a field's own value as a key attribute (a native index key, or a lone
/// `"{field}"` template on an `N`/`B` attribute); the error names the field.
pub fn insert_key_value<T>(
    item: &mut Item,
    attribute: KeyAttribute,
    role: KeyRole,
    field: &'static str,
    value: &T,
    to_value: ToValue<T>,
) -> Result<(), EncodeError> {
    let value = to_value(value)
        .and_then(|value| check_key_value(value, role))
        .map_err(|e| e.at_field(field))?;
    item.insert(attribute.name.to_owned(), value);
    Ok(())
}

/// Stores a lone-placeholder template (`"{field}"`): the escaped key text on an `S`
/// attribute, the field's own scalar value on an `N` or `B` attribute.
pub fn insert_lone_key<T>(
    item: &mut Item,
    attribute: KeyAttribute,
    role: KeyRole,
    field: &'static str,
    value: &T,
    key: KeyCodec<T>,
    codec: FieldCodec<T>,
) -> Result<(), EncodeError> {
    match attribute.ty {
        ScalarType::S => {
            let mut text = String::new();
            (key.push)(&mut text, field, value)?;
            insert_key(item, attribute, role, text)
        }
        ScalarType::N | ScalarType::B => {
            insert_key_value(item, attribute, role, field, value, codec.to_value)
        }
    }
}

/// Decodes the field of a lone-placeholder template, the counterpart of
/// [`insert_lone_key`].
pub fn decode_lone_key<T>(
    key: &Item,
    attribute: KeyAttribute,
    template: &KeyTemplateSchema,
    field: &'static str,
    key_codec: KeyCodec<T>,
    codec: FieldCodec<T>,
) -> Result<T, DecodeError> {
    match attribute.ty {
        ScalarType::S => (key_codec.parse)(&key_texts(key, attribute, template)?, 0, field),
        ScalarType::N | ScalarType::B => match key.get(attribute.name) {
            Some(value) => (codec.from_value)(value.clone()),
            None => Err(DecodeError::missing()),
        }
        .map_err(|e| e.at_field(attribute.name)),
    }
}

/// Removes and decodes a field; absent takes the default.
pub type DecodeOr<T> = fn(&mut Item, &'static str, fn() -> T) -> Result<T, DecodeError>;

/// Encodes one value on its own (a key attribute).
pub type ToValue<T> = fn(&T) -> Result<AttributeValue, EncodeError>;

/// How an entity stores one field, as plain function pointers. Generated code makes one
/// `const` codec per field, so the field type's trait bound (`Attribute`, serde's traits,
/// `TtlValue`) is checked — and reported, when missing — exactly once.
pub struct FieldCodec<T> {
    /// Stores the field in an item (nothing when absent).
    pub encode: fn(&mut Item, &'static str, &T) -> Result<(), EncodeError>,
    /// Removes and decodes the field.
    pub decode: fn(&mut Item, &'static str) -> Result<T, DecodeError>,
    /// Removes and decodes the field; absent takes the default.
    pub decode_or: DecodeOr<T>,
    /// The field's value on its own (as a key attribute).
    pub to_value: ToValue<T>,
    /// A value on its own (from a key attribute).
    pub from_value: fn(AttributeValue) -> Result<T, DecodeError>,
}

impl<T> Clone for FieldCodec<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for FieldCodec<T> {}

/// The codec of a field stored through [`Attribute`].
pub const fn field_codec<T: Attribute>() -> FieldCodec<T> {
    FieldCodec {
        encode: encode_field::<T>,
        decode: decode_field::<T>,
        decode_or: attribute_decode_or::<T>,
        to_value: T::to_attribute_value,
        from_value: T::from_attribute_value,
    }
}

/// The codec of a `#[entity(serde)]` field.
pub const fn serde_field_codec<T: serde::Serialize + serde::de::DeserializeOwned>() -> FieldCodec<T>
{
    FieldCodec {
        encode: encode_serde_field::<T>,
        decode: decode_serde_field::<T>,
        decode_or: decode_serde_field_or::<T>,
        to_value: to_attribute_value_serde::<T>,
        from_value: from_attribute_value_serde::<T>,
    }
}

/// The codec of a `#[entity(ttl)]` field: an `N` of epoch seconds.
pub const fn ttl_field_codec<T: TtlValue>() -> FieldCodec<T> {
    FieldCodec {
        encode: encode_ttl_field::<T>,
        decode: decode_ttl_field::<T>,
        decode_or: decode_ttl_field_or::<T>,
        to_value: ttl_to_value::<T>,
        from_value: ttl_from_value::<T>,
    }
}

fn attribute_decode_or<T: Attribute>(
    item: &mut Item,
    name: &'static str,
    default: fn() -> T,
) -> Result<T, DecodeError> {
    decode_field_or(item, name, default)
}

fn decode_ttl_field_or<T: TtlValue>(
    item: &mut Item,
    name: &'static str,
    default: fn() -> T,
) -> Result<T, DecodeError> {
    if item.contains_key(name) {
        decode_ttl_field(item, name)
    } else {
        Ok(default())
    }
}

fn ttl_to_value<T: TtlValue>(value: &T) -> Result<AttributeValue, EncodeError> {
    value.to_ttl_seconds().map(AttributeValue::N).ok_or_else(|| {
        EncodeError::new(EncodeErrorKind::Invalid("a TTL without a value".to_owned()))
    })
}

fn ttl_from_value<T: TtlValue>(value: AttributeValue) -> Result<T, DecodeError> {
    match value {
        AttributeValue::N(seconds) => T::from_ttl_seconds(Some(&seconds)),
        other => Err(DecodeError::type_mismatch("N", other.attribute_type())),
    }
}

/// How a field is written into and read from key templates, as function pointers: one
/// `const` per template field, so a type without [`KeyComponent`] is reported once.
pub struct KeyCodec<T> {
    /// Appends the escaped key text ([`push_key_field`]).
    pub push: fn(&mut String, &'static str, &T) -> Result<(), EncodeError>,
    /// Parses the field text at a position ([`parse_key_field`]).
    pub parse: fn(&[String], usize, &'static str) -> Result<T, DecodeError>,
}

impl<T> Clone for KeyCodec<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for KeyCodec<T> {}

/// The key codec of a template field.
pub const fn key_codec<T: KeyComponent>() -> KeyCodec<T> {
    KeyCodec { push: push_key_field::<T>, parse: parse_key_field::<T> }
}

/// Checks a stored field that is also a native index key attribute (non-empty, within
/// the length limit), as DynamoDB would on the write; an absent value leaves the item out
/// of the index and is fine.
pub fn check_native_key(
    item: &mut Item,
    attribute: &'static str,
    role: KeyRole,
) -> Result<(), EncodeError> {
    if let Some(slot) = item.get_mut(attribute) {
        let value = std::mem::replace(slot, AttributeValue::Null);
        *slot = check_key_value(value, role).map_err(|e| e.at_field(attribute))?;
    }
    Ok(())
}

/// Keeps the first error of a run of writes: the generated writers call this once per
/// step instead of using `?`, which costs the derive's users far more compile time (each
/// `?` is a `Try`/`FromResidual`/`From` resolution). Steps after a failed one still run;
/// their output is dropped with the item.
#[inline]
pub fn ok<E>(status: &mut Result<(), E>, result: Result<(), E>) {
    if status.is_ok() {
        *status = result;
    }
}

/// The item the key writers filled, or their first error: what the generated `key`
/// functions hand to `Key` (a function rather than a closure in each of them).
pub fn written(result: Result<(), EncodeError>, item: Item) -> Result<Item, EncodeError> {
    result.map(|()| item)
}

/// Stores the entity-type attribute.
pub fn insert_entity_type(item: &mut Item, attribute: &'static str, entity_type: &'static str) {
    item.insert(attribute.to_owned(), AttributeValue::S(entity_type.to_owned()));
}

/// Removes the entity-type attribute and checks that it names `expected`; a missing one
/// is a `WrongEntityType` with `found` = `(none)`.
pub fn check_entity_type(
    item: &mut Item,
    attribute: &'static str,
    expected: &'static str,
) -> Result<(), DecodeError> {
    let wrong =
        |found: String| DecodeError::new(DecodeErrorKind::WrongEntityType { found, expected });
    match item.remove(attribute) {
        Some(AttributeValue::S(found)) if found == expected => Ok(()),
        Some(AttributeValue::S(found)) => Err(wrong(found)),
        Some(other) => {
            Err(DecodeError::type_mismatch("S", other.attribute_type()).at_field(attribute))
        }
        None => Err(wrong("(none)".to_owned())),
    }
}

/// The unescaped field texts of key attribute `attribute`, rendered from `template`; the
/// error names the attribute.
pub fn key_texts(
    key: &Item,
    attribute: KeyAttribute,
    template: &KeyTemplateSchema,
) -> Result<Vec<String>, DecodeError> {
    match key.get(attribute.name) {
        Some(AttributeValue::S(text)) => parse_key_template(template, text),
        Some(other) => Err(DecodeError::type_mismatch("S", other.attribute_type())),
        None => Err(DecodeError::missing()),
    }
    .map_err(|e| e.at_field(attribute.name))
}

/// Parses the field text at `position` of [`key_texts`]; the error names the field.
pub fn parse_key_field<T: KeyComponent>(
    texts: &[String],
    position: usize,
    field: &'static str,
) -> Result<T, DecodeError> {
    match texts.get(position) {
        Some(text) => T::parse_key_text(text),
        None => Err(DecodeError::missing()),
    }
    .map_err(|e| e.at_field(field))
}

/// Stores a `serde` field through serde_dynamo; `NULL` (a `None`) stores nothing, like an
/// absent `Option` on the `Attribute` path.
pub fn encode_serde_field<T: serde::Serialize>(
    item: &mut Item,
    name: &'static str,
    value: &T,
) -> Result<(), EncodeError> {
    let value = to_attribute_value_serde(value).map_err(|e| e.at_field(name))?;
    if value != AttributeValue::Null {
        item.insert(name.to_owned(), value);
    }
    Ok(())
}

/// Removes and decodes a `serde` field; an absent attribute decodes as `NULL` when the
/// type accepts it (an `Option`), else it is missing.
pub fn decode_serde_field<T: serde::de::DeserializeOwned>(
    item: &mut Item,
    name: &'static str,
) -> Result<T, DecodeError> {
    match item.remove(name) {
        Some(value) => from_attribute_value_serde(value),
        None => {
            from_attribute_value_serde(AttributeValue::Null).map_err(|_| DecodeError::missing())
        }
    }
    .map_err(|e| e.at_field(name))
}

/// Like [`decode_serde_field`], but an absent attribute takes `default()`.
pub fn decode_serde_field_or<T: serde::de::DeserializeOwned>(
    item: &mut Item,
    name: &'static str,
    default: fn() -> T,
) -> Result<T, DecodeError> {
    match item.remove(name) {
        Some(value) => from_attribute_value_serde(value).map_err(|e| e.at_field(name)),
        None => Ok(default()),
    }
}

/// The map of a nested struct or tagged enum.
pub fn expect_map(value: AttributeValue) -> Result<Item, DecodeError> {
    match value {
        AttributeValue::M(map) => Ok(map),
        other => Err(DecodeError::type_mismatch("M", other.attribute_type())),
    }
}

/// The string of a unit enum.
pub fn expect_string(value: AttributeValue) -> Result<String, DecodeError> {
    match value {
        AttributeValue::S(text) => Ok(text),
        other => Err(DecodeError::type_mismatch("S", other.attribute_type())),
    }
}

/// An unknown unit-enum string or enum tag.
pub fn unknown_variant(found: &str, expected: &'static str) -> DecodeError {
    DecodeError::new(DecodeErrorKind::UnknownVariant { found: found.to_owned(), expected })
}

/// A new map holding the tag of an internally tagged enum's variant.
pub fn tagged_map(capacity: usize, tag: &'static str, variant: &'static str) -> Item {
    let mut map = Item::with_capacity(capacity);
    map.insert(tag.to_owned(), AttributeValue::S(variant.to_owned()));
    map
}

/// Removes the tag of an internally tagged enum's map.
pub fn take_tag(map: &mut Item, tag: &'static str) -> Result<String, DecodeError> {
    match map.remove(tag) {
        Some(value) => expect_string(value),
        None => Err(DecodeError::missing()),
    }
    .map_err(|e| e.at_field(tag))
}

/// Encodes the value of a newtype variant (`Card(CardInfo)`), which must be a map, and
/// adds the tag to it.
pub fn encode_tagged_newtype<T: Attribute>(
    value: &T,
    tag: &'static str,
    variant: &'static str,
) -> Result<AttributeValue, EncodeError> {
    match value.to_attribute_value()? {
        AttributeValue::M(mut map) => {
            map.insert(tag.to_owned(), AttributeValue::S(variant.to_owned()));
            Ok(AttributeValue::M(map))
        }
        other => Err(EncodeError::new(EncodeErrorKind::Invalid(format!(
            "variant `{variant}` holds a value stored as {}, but a variant of an internally \
             tagged enum must hold a map (a struct)",
            other.attribute_type()
        )))),
    }
}

/// The table a failed `#[derive(Entity)]` names when its `table = …` could not be read:
/// keeps the fallback impl next to the `compile_error!` well-formed.
pub struct NoTable;

impl Table for NoTable {
    const SCHEMA: TableSchema = TableSchema {
        name: "",
        partition_key: NO_ATTRIBUTE,
        sort_key: None,
        indexes: &[],
        ttl_attribute: None,
        stream: None,
        billing: BillingMode::PayPerRequest,
        entity_type_attribute: "",
    };
}

const NO_ATTRIBUTE: KeyAttribute = KeyAttribute { name: "", ty: ScalarType::S };

/// The table's sort key (an unnamed `S` when it has none: a separate check reports that).
pub const fn table_sort_key(table: &TableSchema) -> KeyAttribute {
    match table.sort_key {
        Some(attribute) => attribute,
        None => NO_ATTRIBUTE,
    }
}

/// What an entity's generated code reads of its table at run time, looked up once (one
/// `const` per entity): the table's name, its entity-type attribute, and the key
/// attributes the entity writes, in the order of the `KeySlot`s it was built from (the
/// table's partition and sort key first). One `const` instead of one per attribute keeps
/// a model's `cargo check` short: each `const` costs an evaluation and a validation.
#[derive(Clone, Copy)]
pub struct EntityKeys<const N: usize> {
    /// The table's name.
    pub table: &'static str,
    /// The table's entity-type attribute.
    pub entity_type: &'static str,
    /// The key attributes, by slot.
    pub attributes: [KeyAttribute; N],
}

/// One key attribute an entity writes: the table's partition or sort key, or an index's
/// partition (`P`) or sort (`S`) attribute `position`; an index by its name and the
/// name's [`name_hash`](super::name_hash).
#[derive(Clone, Copy)]
pub enum KeySlot {
    /// The table's partition key.
    Pk,
    /// The table's sort key (an unnamed `S` for a table without one, which a check
    /// reports).
    Sk,
    /// Partition attribute `.2` of index `.0` (name hash `.1`).
    P(&'static str, u64, usize),
    /// Sort attribute `.2` of index `.0` (name hash `.1`).
    S(&'static str, u64, usize),
}

/// The [`EntityKeys`] of entity `E` (absent attributes are unnamed `S`s: the entity's
/// checks report them).
pub const fn entity_keys<E: Entity, const N: usize>(slots: [KeySlot; N]) -> EntityKeys<N> {
    // Copied into locals, not borrowed as `&SCHEMA`: a borrowed constant is promoted and
    // validated again for every entity, which costs the derive's users compile time.
    let table_value = <E::Table as Table>::SCHEMA;
    let names_value = <E::Table as Table>::__NAMES;
    let (table, names) = (&table_value, &names_value);
    let mut attributes = [NO_ATTRIBUTE; N];
    // The index of the previous slot, looked up once for both of its sides.
    let (mut last_hash, mut last_at) = (0, usize::MAX);
    let mut i = 0;
    while i < N {
        attributes[i] = match slots[i] {
            KeySlot::Pk => table.partition_key,
            KeySlot::Sk => table_sort_key(table),
            KeySlot::P(name, hash, position) | KeySlot::S(name, hash, position) => {
                if hash != last_hash || last_at == usize::MAX {
                    last_at = super::entity_check::find_index(table, names, name, hash);
                    last_hash = hash;
                }
                let side = match (last_at, slots[i]) {
                    (usize::MAX, _) => &[],
                    (at, KeySlot::P(..)) => table.indexes[at].partition_key,
                    (at, _) => table.indexes[at].sort_key,
                };
                if position < side.len() {
                    side[position]
                } else {
                    NO_ATTRIBUTE
                }
            }
        };
        i += 1;
    }
    EntityKeys { table: table.name, entity_type: table.entity_type_attribute, attributes }
}

/// The partition (`sort` false) or sort template of the entity's `index`-th index in its
/// schema (an empty one when it has none: the generated code asks only for templates it
/// wrote). Lets `from_item` read key fields back without repeating the templates.
pub const fn index_template(schema: &EntitySchema, index: usize, sort: bool) -> &KeyTemplateSchema {
    const EMPTY: &KeyTemplateSchema = &KeyTemplateSchema { source: "", parts: &[] };
    match &schema.indexes[index].keys {
        crate::schema::EntityIndexKeys::Templates { partition, sort: sort_key } => {
            match if sort { sort_key } else { partition } {
                Some(template) => template,
                None => EMPTY,
            }
        }
        _ => EMPTY,
    }
}

/// The sort-key template of an entity's schema (an empty one when it has none: the
/// generated code asks only for entities with one).
pub const fn sort_template(schema: &EntitySchema) -> &KeyTemplateSchema {
    match &schema.sort_key {
        Some(template) => template,
        None => &KeyTemplateSchema { source: "", parts: &[] },
    }
}

/// A stored field of an entity's schema, its markers and default as bits (`FIELD_*`):
/// one short call per field in the generated `SCHEMA` instead of the whole literal.
pub const fn field_schema(name: &'static str, attribute: &'static str, bits: u16) -> FieldSchema {
    FieldSchema {
        name,
        attribute,
        markers: FieldMarkers {
            version: bits & FIELD_VERSION != 0,
            created_at: bits & FIELD_CREATED_AT != 0,
            updated_at: bits & FIELD_UPDATED_AT != 0,
            ttl: bits & FIELD_TTL != 0,
            unique: bits & FIELD_UNIQUE != 0,
            read_only: bits & FIELD_READ_ONLY != 0,
            computed: bits & FIELD_COMPUTED != 0,
        },
        has_default: bits & FIELD_DEFAULT != 0,
        default: None,
        optional: bits & FIELD_OPTIONAL != 0,
        key_only: bits & FIELD_KEY_ONLY != 0,
    }
}

/// [`field_schema`] of a field with a default, with the function a migration calls to
/// get the default as stored (see [`encoded_default`]). Emitted only for fields with a
/// default and an attribute of their own, so other fields cost nothing more.
pub const fn field_schema_with_default(
    name: &'static str,
    attribute: &'static str,
    bits: u16,
    default: fn() -> Result<Option<AttributeValue>, EncodeError>,
) -> FieldSchema {
    let mut schema = field_schema(name, attribute, bits);
    schema.default = Some(FieldDefault(default));
    schema
}

/// The default of a field as its codec stores it under `attribute` (`None` when the
/// codec stores nothing, e.g. an `Option` defaulting to `None`).
pub fn encoded_default<T>(
    codec: FieldCodec<T>,
    attribute: &'static str,
    default: fn() -> T,
) -> Result<Option<AttributeValue>, EncodeError> {
    let mut item = Item::with_capacity(1);
    (codec.encode)(&mut item, attribute, &default())?;
    Ok(item.remove(attribute))
}

/// [`field_schema`]: `#[entity(version)]`.
pub const FIELD_VERSION: u16 = 1;
/// [`field_schema`]: `#[entity(created_at)]`.
pub const FIELD_CREATED_AT: u16 = 2;
/// [`field_schema`]: `#[entity(updated_at)]`.
pub const FIELD_UPDATED_AT: u16 = 4;
/// [`field_schema`]: `#[entity(ttl)]`.
pub const FIELD_TTL: u16 = 8;
/// [`field_schema`]: `#[entity(unique)]`.
pub const FIELD_UNIQUE: u16 = 16;
/// [`field_schema`]: `#[entity(default)]`.
pub const FIELD_DEFAULT: u16 = 32;
/// [`field_schema`]: `#[entity(read_only)]`.
pub const FIELD_READ_ONLY: u16 = 64;
/// [`field_schema`]: an `Option` or set field (may be absent).
pub const FIELD_OPTIONAL: u16 = 128;
/// [`field_schema`]: `#[entity(computed = "…")]`.
pub const FIELD_COMPUTED: u16 = 256;
/// [`field_schema`]: a key field of a `#[entity(compact)]` entity, kept only in keys.
pub const FIELD_KEY_ONLY: u16 = 512;
