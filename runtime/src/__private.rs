//! Items generated code refers to (`::singletable::__private::…`). Not a public API.

pub use crate::codec::{decode_field, decode_field_or, encode_field};
pub use crate::codec::{from_attribute_value_serde, to_attribute_value_serde};
pub use crate::key::{
    check_key_value, finish_key, parse_key_template, push_key_component, KeyRole,
};
pub use crate::timestamp::{decode_ttl_field, encode_ttl_field};
pub use std::collections::HashMap;
pub use std::result::Result;
pub use std::string::String;

// Helpers of the derive macros' generated code (`to_item`, key rendering, compile-time
// checks between an entity and its table), in their own file.
mod derive;
pub use derive::*;

// Write sharding (`#[entity(shards = N)]`).
pub use crate::query::shard::{apply_shard, strip_shard};

/// `const` functions the generated compile-time checks evaluate.
pub mod check {
    use crate::schema::{IndexKind, IndexSchema, ScalarType, TableSchema};

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

    /// The index named `name`, if the table has it.
    pub const fn index<'a>(table: &'a TableSchema, name: &str) -> Option<&'a IndexSchema> {
        let mut i = 0;
        while i < table.indexes.len() {
            if str_eq(table.indexes[i].name, name) {
                return Some(&table.indexes[i]);
            }
            i += 1;
        }
        None
    }

    /// True when the table has an index named `name`.
    pub const fn has_index(table: &TableSchema, name: &str) -> bool {
        index(table, name).is_some()
    }

    /// True when the index is a local secondary index.
    pub const fn is_local(table: &TableSchema, name: &str) -> bool {
        match index(table, name) {
            Some(index) => matches!(index.kind, IndexKind::Local),
            None => false,
        }
    }

    /// Number of partition-key attributes of the index (0 when absent).
    pub const fn partition_len(table: &TableSchema, name: &str) -> usize {
        match index(table, name) {
            Some(index) => index.partition_key.len(),
            None => 0,
        }
    }

    /// Number of sort-key attributes of the index (0 when absent).
    pub const fn sort_len(table: &TableSchema, name: &str) -> usize {
        match index(table, name) {
            Some(index) => index.sort_key.len(),
            None => 0,
        }
    }

    /// True when the index's partition attribute `position` is `ty`.
    pub const fn partition_type_is(
        table: &TableSchema,
        name: &str,
        position: usize,
        ty: ScalarType,
    ) -> bool {
        match index(table, name) {
            Some(index) => {
                position < index.partition_key.len()
                    && index.partition_key[position].ty as u8 == ty as u8
            }
            None => false,
        }
    }

    /// True when the index's sort attribute `position` is `ty`.
    pub const fn sort_type_is(
        table: &TableSchema,
        name: &str,
        position: usize,
        ty: ScalarType,
    ) -> bool {
        match index(table, name) {
            Some(index) => {
                position < index.sort_key.len() && index.sort_key[position].ty as u8 == ty as u8
            }
            None => false,
        }
    }

    /// True when attribute `attribute` is the index's partition attribute `position`.
    pub const fn partition_name_is(
        table: &TableSchema,
        name: &str,
        position: usize,
        attribute: &str,
    ) -> bool {
        match index(table, name) {
            Some(index) => {
                position < index.partition_key.len()
                    && str_eq(index.partition_key[position].name, attribute)
            }
            None => false,
        }
    }

    /// True when attribute `attribute` is the index's sort attribute `position`.
    pub const fn sort_name_is(
        table: &TableSchema,
        name: &str,
        position: usize,
        attribute: &str,
    ) -> bool {
        match index(table, name) {
            Some(index) => {
                position < index.sort_key.len() && str_eq(index.sort_key[position].name, attribute)
            }
            None => false,
        }
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

/// Decodes a value an update sets, for the field's validation hook.
pub fn validation_value<T>(
    codec: FieldCodec<T>,
    field: &'static str,
    value: &crate::value::AttributeValue,
) -> Result<T, crate::error::Error> {
    (codec.from_value)(value.clone()).map_err(|e| crate::error::Error::Decode(e.at_field(field)))
}
