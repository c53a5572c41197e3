//! Items generated code refers to (`::singletable::__private::…`). Not a public API.

pub use crate::codec::{decode_field, decode_field_or, encode_field};
pub use crate::codec::{from_attribute_value_serde, to_attribute_value_serde};
pub use crate::key::{
    check_key_value, finish_key, parse_key_template, push_key_component, KeyRole,
};
pub use crate::timestamp::{decode_ttl_field, encode_ttl_field};
pub use std::collections::HashMap;
pub use std::result::Result::{self, Err, Ok};
pub use std::string::String;

// Short paths for the generated code, which writes `__st::Item` rather than
// `::singletable::Item` or `::core::option::Option` (fewer tokens to build and resolve).
pub use crate::{
    attr, query, schema, Attr, Attribute, AttributeValue, Collection, CollectionQuery, Composite,
    DecodeError, EncodeError, Entity, Error, IndexKey, IntoCollectionQuery, IntoQuery, Item, Key,
    KeyComponent, Query, ScalarAttribute, Scan, Table, TableClient,
};
pub use core::clone::Clone;
pub use core::convert::{From, Into};
pub use core::marker::PhantomData;
pub use core::option::Option;

// Helpers of the derive macros' generated code (`to_item`, key rendering, compile-time
// checks between an entity and its table), in their own file.
mod derive;
pub use derive::*;

// Reading data singletable did not write: fields from keys, entities from key shapes.
pub use crate::adopt::{check_entity_type_of, decode_key_field, decode_key_only, KeySource};
pub use crate::key_only::KeyOnly;
pub use crate::upgrade::{insert_schema_version, upgrade_item};

// The compile-time checks between an entity and its table.
// Positions become `u32` check codes: an entity has far fewer than 2^20 fields or indexes
// (and `u32::try_from` is not a `const fn`).
#[allow(clippy::cast_possible_truncation)]
mod entity_check;
pub use entity_check::*;

// Write sharding (`#[entity(shards = N)]`).
pub use crate::query::shard::{apply_shard, strip_shard};

/// `const` functions the generated compile-time checks evaluate.
pub mod check {
    /// `a == b` in a `const` context.
    pub const fn str_eq(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
}

/// What `#[derive(Collection)]` generates code against: each member named once, and the
/// `const fn`s of its compile-time checks.
pub mod collection {
    use super::check::str_eq;
    use crate::entity::{Entity, Table};
    use crate::error::DecodeError;
    use crate::schema::{EntityIndexKeys, EntityIndexSchema, EntitySchema};
    use crate::value::Item;

    /// A member entity: its schema and decoder, so generated code names the member type
    /// (and checks it is an entity of the table) exactly once.
    pub struct Member<E> {
        /// The member's schema.
        pub schema: EntitySchema,
        /// Decodes one of its items.
        pub decode: fn(Item) -> Result<E, DecodeError>,
    }

    /// The types of the partition-key fields of an entity's access pattern on the table
    /// (`H` = `name_hash("")`) or index (`H` = `name_hash(<index>)`), in order: what a
    /// collection's members must agree on. Implemented by `#[derive(Entity)]`.
    pub trait PartitionTypes<const H: u64> {
        /// A tuple of the field types.
        type Types;
    }

    /// [`PartitionTypes`] where `CHECK` (both members in the index, same template
    /// text), `()` elsewhere: the other checks report the rest, once.
    pub trait MemberTypes<const CHECK: bool, const H: u64> {
        /// The partition field types, or `()`.
        type Types;
    }
    impl<E, const H: u64> MemberTypes<false, H> for E {
        type Types = ();
    }
    impl<E: PartitionTypes<H>, const H: u64> MemberTypes<true, H> for E {
        type Types = <E as PartitionTypes<H>>::Types;
    }

    /// Two members' partition-key field types are the same.
    #[diagnostic::on_unimplemented(
        message = "collection members share a partition-key template, but its fields have other types: `{Self}` and `{B}`",
        label = "this member's partition-key fields are `{B}`",
        note = "one query reads the shared partition, built from the first member's field types; a field of another type renders another key text (numbers are zero-padded, for one) and that member's items would be missed"
    )]
    pub trait SameTypes<B> {}
    impl<T> SameTypes<T> for T {}

    /// Compiles when `A` and `B` are the same type.
    pub const fn same_types<A: SameTypes<B>, B>() {}

    /// The member `E` of a collection on table `T`.
    pub const fn member<E: Entity<Table = T>, T: Table>() -> Member<E> {
        Member { schema: E::SCHEMA, decode: crate::collection::decode_member::<E> }
    }

    const fn index_of<'a>(entity: &'a EntitySchema, index: &str) -> Option<&'a EntityIndexSchema> {
        let mut i = 0;
        while i < entity.indexes.len() {
            if str_eq(entity.indexes[i].index, index) {
                return Some(&entity.indexes[i]);
            }
            i += 1;
        }
        None
    }

    /// True when the entity is in `index` (always, for `""`: the table).
    pub const fn in_index(entity: &EntitySchema, index: &str) -> bool {
        index.is_empty() || index_of(entity, index).is_some()
    }

    /// True when `a` and `b` have the same partition key on the table (`index = ""`) or
    /// the index.
    pub const fn same_partition(a: &EntitySchema, b: &EntitySchema, index: &str) -> bool {
        let table = str_eq(a.partition_key.source, b.partition_key.source);
        if index.is_empty() {
            return table;
        }
        match (index_of(a, index), index_of(b, index)) {
            (Some(x), Some(y)) => match (x.keys, y.keys) {
                (
                    EntityIndexKeys::Templates { partition: Some(p), .. },
                    EntityIndexKeys::Templates { partition: Some(q), .. },
                ) => str_eq(p.source, q.source),
                // An LSI: the table's partition key.
                (
                    EntityIndexKeys::Templates { partition: None, .. },
                    EntityIndexKeys::Templates { partition: None, .. },
                ) => table,
                // Native keys: the same attributes, the fields' own values.
                (EntityIndexKeys::Fields, EntityIndexKeys::Fields) => true,
                _ => false,
            },
            _ => false,
        }
    }
}

/// The outcome of a validation hook, as the error writes report.
pub fn validation_result(
    entity: &'static str,
    field: Option<&'static str>,
    outcome: Result<(), String>,
) -> Result<(), crate::error::Error> {
    outcome.map_err(|message| crate::error::Error::Invalid { entity, field, message })
}

/// Decodes a value an update sets, for the field's validation hook or to rewrite the
/// index keys the field feeds; the error names the field.
pub fn validation_value<T>(
    codec: FieldCodec<T>,
    field: &'static str,
    value: &crate::value::AttributeValue,
) -> Result<T, crate::error::Error> {
    (codec.from_value)(value.clone()).map_err(|e| crate::error::Error::Decode(e.at_field(field)))
}

/// True when index `index` of `table` projects every stored field of `entity` (`ALL`,
/// or an `INCLUDE` list, with the key attributes, naming all of them): its reads decode
/// whole entities. Picks a GSI query's kind (`Global` or `PartialGlobal`) at compile
/// time. An index the table lacks counts as complete (the entity's own checks report
/// it).
pub const fn projects_entity<T: crate::entity::Table, E: Entity>(index: &str) -> bool {
    use crate::schema::Projection;
    // Copied into locals, not borrowed as `&SCHEMA` (see `entity_check`).
    let (table_value, entity_value) = (T::SCHEMA, E::SCHEMA);
    let (table, entity) = (&table_value, &entity_value);
    use check::str_eq;
    let mut i = 0;
    let mut found = None;
    while i < table.indexes.len() {
        if str_eq(table.indexes[i].name, index) {
            found = Some(&table.indexes[i]);
        }
        i += 1;
    }
    let Some(index) = found else {
        return true;
    };
    let included: &[&str] = match index.projection {
        Projection::All => return true,
        Projection::KeysOnly => &[],
        Projection::Include(names) => names,
    };
    let mut f = 0;
    while f < entity.fields.len() {
        let attribute = entity.fields[f].attribute;
        let mut projected = str_eq(attribute, table.partition_key.name);
        if let Some(sort) = table.sort_key {
            projected |= str_eq(attribute, sort.name);
        }
        let mut k = 0;
        while k < index.partition_key.len() {
            projected |= str_eq(attribute, index.partition_key[k].name);
            k += 1;
        }
        k = 0;
        while k < index.sort_key.len() {
            projected |= str_eq(attribute, index.sort_key[k].name);
            k += 1;
        }
        k = 0;
        while k < included.len() {
            projected |= str_eq(attribute, included[k]);
            k += 1;
        }
        if !projected {
            return false;
        }
        f += 1;
    }
    true
}
