//! Tables with a past: reading items singletable did not write.
//!
//! Hand-written single-table designs keep values only inside their keys (`PK = c#12345`,
//! no `c_id` attribute) and often have no entity-type attribute. Two rules make such data
//! readable:
//!
//! **Fields from keys.** A field that appears in one of the entity's key templates
//! (table key or index key) decodes from its own attribute first; when that attribute is
//! absent, from the first key attribute whose template holds the field: the table's
//! partition key, its sort key, then each index's partition and sort key in the order of
//! the entity's `index(…)` list. A key is parsed back with [`parse_key_template`]:
//! literals must match exactly; a field followed by a literal ends at the next `#` (the
//! template rules make every such literal start with `#`, and values written by
//! singletable escape `#` as `%23`), the last field of a template takes the rest of the
//! key (which must hold no `#`); the field's text is unescaped (`%23` → `#`, `%25` → `%`)
//! and parsed by the field type's [`KeyComponent`](crate::KeyComponent) inverse:
//! strings as they are, integers as the fixed-width text the key encoding writes (a
//! hand-written `o#12345` is a `String` field, not an integer one), timestamps as RFC 3339.
//! A lone `"{field}"` template on an `N` or `B` key attribute holds the field's own value.
//! When neither the attribute nor any key holds the field, the error
//! ([`DecodeErrorKind::MissingFromKeys`]) names the entity, the field and every key tried,
//! with the template and why it did not give the value:
//! `Customer.c_id: missing attribute, and not in PK (`c#{c_id}`: key `x#1` does not match …)`.
//! A field with a `default` keeps its default when its attribute is absent.
//!
//! **Entities from key shapes.** An item without the table's entity-type attribute is an
//! item of entity `E` when its table key attributes match `E`'s table-key templates (the
//! literal parts equal, every field part parseable as above; see [`key_shape_matches`]).
//! Where several entities match ([`recognise`]), the most specific wins: the one whose
//! table-key templates hold the most literal characters; two candidates with as many are
//! an error naming both. Typed items are always recognised by their entity-type
//! attribute, and writes always store it. Used by `Entity::from_item` (an untyped item
//! decodes when the keys match the entity), by queries and scans of one entity (their
//! server-side type filter also lets untyped items through; those whose keys do not
//! match the entity are skipped), by collections (each untyped item goes to the most
//! specific member; items matching no member are skipped) and by typed stream changes.

use crate::__private::{check_entity_type, FieldCodec, KeyCodec};
use crate::entity::{Entity, Table};
use crate::error::{DecodeError, DecodeErrorKind};
use crate::key::parse_key_template;
use crate::schema::{
    EntitySchema, KeyAttribute, KeyTemplateSchema, ScalarType, TableSchema, TemplatePart,
};
use crate::value::{AttributeValue, Item};

/// One key attribute a template field can be read back from, and its template.
#[derive(Clone, Copy)]
pub struct KeySource<'a> {
    /// The key attribute.
    pub attribute: KeyAttribute,
    /// The template that renders it.
    pub template: &'a KeyTemplateSchema,
}

fn is_lone(template: &KeyTemplateSchema) -> bool {
    matches!(template.parts, [TemplatePart::Field(_)])
}

fn position_of(template: &KeyTemplateSchema, field: &str) -> Option<usize> {
    template
        .parts
        .iter()
        .filter_map(|part| match part {
            TemplatePart::Field(name) => Some(*name),
            TemplatePart::Literal(_) => None,
        })
        .position(|name| name == field)
}

/// Reads field `field` (stored as `attribute`) from the first of `sources` that holds it,
/// with `parse` for key text and `from_value` for a lone template on an `N`/`B` key.
/// The error lists every source tried.
pub fn decode_from_keys<T>(
    item: &Item,
    attribute: &'static str,
    field: &'static str,
    sources: &[KeySource<'_>],
    parse: fn(&[String], usize, &'static str) -> Result<T, DecodeError>,
    from_value: fn(AttributeValue) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    let mut tried: Vec<String> = Vec::with_capacity(sources.len());
    for source in sources {
        let Some(position) = position_of(source.template, field) else { continue };
        let name = source.attribute.name;
        let result = match (item.get(name), source.attribute.ty) {
            (None, _) => Err(None),
            (Some(value), ScalarType::N | ScalarType::B) if is_lone(source.template) => {
                from_value(value.clone()).map_err(Some)
            }
            (Some(AttributeValue::S(text)), _) => parse_key_template(source.template, text)
                .and_then(|texts| parse(&texts, position, field))
                .map_err(Some),
            (Some(other), _) => Err(Some(DecodeError::type_mismatch("S", other.attribute_type()))),
        };
        match result {
            Ok(value) => return Ok(value),
            Err(None) => tried.push(format!("{name} (`{}`: absent)", source.template.source)),
            Err(Some(error)) => {
                tried.push(format!("{name} (`{}`: {error})", source.template.source))
            }
        }
    }
    let keys = match tried.len() {
        0 => "any key".to_owned(),
        _ => tried.join(" or "),
    };
    Err(DecodeError::new(DecodeErrorKind::MissingFromKeys { keys }).at_field(attribute))
}

fn template_matches(template: &KeyTemplateSchema, value: Option<&AttributeValue>) -> bool {
    match value {
        Some(AttributeValue::S(text)) => parse_key_template(template, text).is_ok(),
        Some(AttributeValue::N(_) | AttributeValue::B(_)) => is_lone(template),
        _ => false,
    }
}

fn literal_len(template: &KeyTemplateSchema) -> usize {
    template
        .parts
        .iter()
        .map(|part| match part {
            TemplatePart::Literal(text) => text.len(),
            TemplatePart::Field(_) => 0,
        })
        .sum()
}

/// When the table key attributes of `item` match `entity`'s table-key templates: the
/// number of literal characters of those templates (the rule's specificity); else `None`.
/// A sharded entity's partition keys (`…#S{n}`) are not recognised: its items are written
/// by singletable, with the entity-type attribute.
pub fn key_shape_matches(entity: &EntitySchema, table: &TableSchema, item: &Item) -> Option<usize> {
    if !template_matches(&entity.partition_key, item.get(table.partition_key.name)) {
        return None;
    }
    let mut specificity = literal_len(&entity.partition_key);
    match (&entity.sort_key, table.sort_key) {
        (Some(template), Some(sort)) => {
            if !template_matches(template, item.get(sort.name)) {
                return None;
            }
            specificity += literal_len(template);
        }
        (None, None) => {}
        _ => return None,
    }
    Some(specificity)
}

/// Whether `item` holds the table's key attributes (a projection may leave them out,
/// and then its shape says nothing).
pub fn has_table_key(table: &TableSchema, item: &Item) -> bool {
    item.contains_key(table.partition_key.name)
        && table.sort_key.is_none_or(|sort| item.contains_key(sort.name))
}

/// The entity of `item` among `candidates`: by the table's entity-type attribute when
/// the item has one (`None` when it names none of them), else by key shape, the most
/// specific match winning (`None` when none matches). Two equally specific matches are an
/// error naming both.
pub fn recognise(
    table: &TableSchema,
    candidates: &[EntitySchema],
    item: &Item,
) -> Result<Option<usize>, DecodeError> {
    if let Some(value) = item.get(table.entity_type_attribute) {
        return match value {
            AttributeValue::S(found) => {
                Ok(candidates.iter().position(|entity| entity.entity_type == found))
            }
            other => Err(DecodeError::type_mismatch("S", other.attribute_type())
                .at_field(table.entity_type_attribute)),
        };
    }
    let mut best: Option<(usize, usize)> = None;
    let mut tie: Option<usize> = None;
    for (i, entity) in candidates.iter().enumerate() {
        let Some(specificity) = key_shape_matches(entity, table, item) else { continue };
        match best {
            Some((_, top)) if specificity < top => {}
            Some((_, top)) if specificity == top => tie = Some(i),
            _ => {
                best = Some((i, specificity));
                tie = None;
            }
        }
    }
    match (best, tie) {
        (Some((i, specificity)), Some(j)) => Err(DecodeError::invalid(format!(
            "an item without `{}` whose key {} matches `{}` and `{}` equally ({specificity} \
             literal characters in their key templates)",
            table.entity_type_attribute,
            describe_key(table, item),
            candidates[i].rust_name,
            candidates[j].rust_name,
        ))),
        (best, _) => Ok(best.map(|(i, _)| i)),
    }
}

/// `PK = "…", SK = "…"`, for messages.
pub fn describe_key(table: &TableSchema, item: &Item) -> String {
    let mut out = Vec::new();
    for attribute in std::iter::once(table.partition_key).chain(table.sort_key) {
        let value = match item.get(attribute.name) {
            Some(AttributeValue::S(text)) => format!("{text:?}"),
            Some(AttributeValue::N(number)) => number.to_string(),
            Some(other) => other.attribute_type().to_string(),
            None => "(absent)".to_owned(),
        };
        out.push(format!("{} = {value}", attribute.name));
    }
    out.join(", ")
}

/// Where the generated code says a template field can be read back from: the key slot of
/// the attribute (a position in the entity's key attributes) and its template (`0` the
/// table's partition key, `1` its sort key, `2 + 2j` / `3 + 2j` the partition / sort
/// template of the entity's `j`-th index in its schema). Plain numbers, so the generated
/// list is a constant.
pub type KeyFrom = (usize, usize);

/// The template `which` of a [`KeyFrom`] (an empty one when the schema has none).
fn template_of(schema: &EntitySchema, which: usize) -> &KeyTemplateSchema {
    match which {
        0 => &schema.partition_key,
        1 => crate::__private::sort_template(schema),
        n => crate::__private::index_template(schema, (n - 2) / 2, n % 2 == 1),
    }
}

/// What generated `from_item`s call for a field held in key templates: its attribute when
/// present, else [`decode_from_keys`] over the key attributes `from` names (`keys`: the
/// entity's key attributes by slot). Not a public API.
#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub fn decode_key_field<T>(
    item: &mut Item,
    attribute: &'static str,
    field: &'static str,
    codec: FieldCodec<T>,
    key: KeyCodec<T>,
    keys: &[KeyAttribute],
    schema: &EntitySchema,
    from: &[KeyFrom],
) -> Result<T, DecodeError> {
    if item.contains_key(attribute) {
        return (codec.decode)(item, attribute);
    }
    let sources: Vec<KeySource<'_>> = from
        .iter()
        .filter_map(|&(slot, which)| {
            let attribute = *keys.get(slot)?;
            Some(KeySource { attribute, template: template_of(schema, which) })
        })
        .collect();
    decode_from_keys(item, attribute, field, &sources, key.parse, codec.from_value)
}

/// What generated `from_item`s call for a key field of a `#[entity(compact)]` entity:
/// the value from the keys `from` names ([`decode_from_keys`]), never from an attribute
/// (one left by a non-compact past may be stale: the keys are what queries see). The
/// attribute is dropped unless it is itself a key attribute. Not a public API.
#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub fn decode_key_only<T>(
    item: &mut Item,
    attribute: &'static str,
    field: &'static str,
    codec: FieldCodec<T>,
    key: KeyCodec<T>,
    keys: &[KeyAttribute],
    schema: &EntitySchema,
    from: &[KeyFrom],
) -> Result<T, DecodeError> {
    let sources: Vec<KeySource<'_>> = from
        .iter()
        .filter_map(|&(slot, which)| {
            let attribute = *keys.get(slot)?;
            Some(KeySource { attribute, template: template_of(schema, which) })
        })
        .collect();
    let value = decode_from_keys(item, attribute, field, &sources, key.parse, codec.from_value)?;
    if !keys.iter().any(|key| key.name == attribute) {
        item.remove(attribute);
    }
    Ok(value)
}

/// What generated `from_item`s call first: removes the entity-type attribute and checks
/// it names `E`; an item without one must have `E`'s key shape ([`key_shape_matches`]).
/// Not a public API.
#[doc(hidden)]
pub fn check_entity_type_of<E: Entity>(item: &mut Item) -> Result<(), DecodeError> {
    let table = <E::Table as Table>::SCHEMA;
    let attribute = table.entity_type_attribute;
    if item.contains_key(attribute) {
        return check_entity_type(item, attribute, E::SCHEMA.entity_type);
    }
    if key_shape_matches(&E::SCHEMA, &table, item).is_some() {
        return Ok(());
    }
    Err(DecodeError::new(DecodeErrorKind::WrongEntityType {
        found: format!(
            "(none), and its key ({}) does not match `{}`'s key templates",
            describe_key(&table, item),
            E::SCHEMA.rust_name
        ),
        expected: E::SCHEMA.entity_type,
    }))
}

/// Whether a read item without an entity-type attribute belongs to `E`: its key shape
/// matches `E`, or the read did not return the table key (a projection). Items with the
/// attribute were filtered by the request.
pub(crate) fn untyped_item_is<E: Entity>(item: &Item) -> bool {
    let table = <E::Table as Table>::SCHEMA;
    item.contains_key(table.entity_type_attribute)
        || !has_table_key(&table, item)
        || key_shape_matches(&E::SCHEMA, &table, item).is_some()
}
