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

// Short paths for the generated code, which writes `__st::Item` rather than
// `::singletable::Item` or `::core::option::Option` (fewer tokens to build and resolve).
pub use crate::{
    attr, query, schema, Attr, Attribute, AttributeValue, Collection, CollectionQuery, Composite,
    DecodeError, EncodeError, Entity, Error, IndexKey, IntoCollectionQuery, IntoQuery, Item, Key,
    KeyComponent, Query, ScalarAttribute, Scan, Table, TableClient,
};
pub use core::clone::Clone;
pub use core::convert::Into;
pub use core::marker::PhantomData;
pub use core::option::Option;

// Helpers of the derive macros' generated code (`to_item`, key rendering, compile-time
// checks between an entity and its table), in their own file.
mod derive;
pub use derive::*;

// Reading data singletable did not write: fields from keys, entities from key shapes.
pub use crate::adopt::{check_entity_type_of, decode_key_field, KeySource};

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

/// What an entity's compile-time checks need to know about one index of its table,
/// looked up once per index (a `const` of the generated code) so that each check is a
/// field read rather than another search of the table's indexes: many `const` checks per
/// entity make this the larger part of a model's `cargo check` otherwise.
pub mod index_facts {
    use crate::schema::{IndexKind, KeyAttribute, ScalarType, TableSchema};

    /// One index of the table as the checks see it (all empty when the table lacks it).
    #[derive(Clone, Copy)]
    pub struct IndexFacts {
        /// The table has the index.
        pub exists: bool,
        /// It is a local secondary index.
        pub local: bool,
        /// Its partition-key attributes.
        pub partition: &'static [KeyAttribute],
        /// Its sort-key attributes.
        pub sort: &'static [KeyAttribute],
    }

    /// The facts of index `name` of `table`.
    pub const fn of(table: &TableSchema, name: &str) -> IndexFacts {
        match super::check::index(table, name) {
            Some(index) => IndexFacts {
                exists: true,
                local: matches!(index.kind, IndexKind::Local),
                partition: index.partition_key,
                sort: index.sort_key,
            },
            None => IndexFacts { exists: false, local: false, partition: &[], sort: &[] },
        }
    }

    /// True when `attributes[position]` exists and is named `attribute`.
    pub const fn name_is(attributes: &[KeyAttribute], position: usize, attribute: &str) -> bool {
        position < attributes.len() && super::check::str_eq(attributes[position].name, attribute)
    }

    /// True when `attributes[position]` exists and has type `ty`.
    pub const fn type_is(attributes: &[KeyAttribute], position: usize, ty: ScalarType) -> bool {
        position < attributes.len() && attributes[position].ty as u8 == ty as u8
    }

    /// The position in `attributes` (the entity's stored attributes) of the first one
    /// that collides with the table's key attributes, its entity-type attribute, or the
    /// key attributes of the indexes the entity fills from templates (`template_indexes`);
    /// `usize::MAX` when none does. `lone_partition` / `lone_sort` are the positions of
    /// the fields of lone `"{field}"` table-key templates (`usize::MAX` for none): on an
    /// `N`/`B` key such a field stores the same value under the same name, which is
    /// allowed. One call per entity: the same rule as [`super::attribute_is_free`].
    pub const fn first_taken(
        table: &TableSchema,
        attributes: &[&str],
        template_indexes: &[IndexFacts],
        lone_partition: usize,
        lone_sort: usize,
    ) -> usize {
        use super::check::str_eq;
        let mut j = 0;
        while j < attributes.len() {
            let attribute = attributes[j];
            // A lone `{field}` on an `N`/`B` table key stores the field's own value there.
            let own_partition = j == lone_partition && !is_text(table.partition_key);
            let mut taken = str_eq(attribute, table.entity_type_attribute)
                || (!own_partition && str_eq(attribute, table.partition_key.name));
            if let Some(sort) = table.sort_key {
                let own_sort = j == lone_sort && !is_text(sort);
                taken = taken || (!own_sort && str_eq(attribute, sort.name));
            }
            let mut i = 0;
            while !taken && i < template_indexes.len() {
                // Templates fill single-attribute sides only; an LSI's partition
                // attribute is the table's, checked above.
                if let [partition] = template_indexes[i].partition {
                    taken = str_eq(attribute, partition.name)
                        && !str_eq(partition.name, table.partition_key.name);
                }
                if let [sort] = template_indexes[i].sort {
                    taken = taken || str_eq(attribute, sort.name);
                }
                i += 1;
            }
            if taken {
                return j;
            }
            j += 1;
        }
        usize::MAX
    }

    const fn is_text(attribute: KeyAttribute) -> bool {
        attribute.ty as u8 == ScalarType::S as u8
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::schema::{BillingMode, IndexSchema, Projection};

        const PK: KeyAttribute = KeyAttribute { name: "PK", ty: ScalarType::S };
        const TABLE: TableSchema = TableSchema {
            name: "T",
            partition_key: PK,
            sort_key: None,
            indexes: &[
                IndexSchema {
                    name: "L",
                    kind: IndexKind::Local,
                    partition_key: &[PK],
                    sort_key: &[KeyAttribute { name: "n", ty: ScalarType::N }],
                    projection: Projection::All,
                    throughput: None,
                },
                IndexSchema {
                    name: "G",
                    kind: IndexKind::Global,
                    partition_key: &[
                        KeyAttribute { name: "a", ty: ScalarType::S },
                        KeyAttribute { name: "b", ty: ScalarType::B },
                    ],
                    sort_key: &[],
                    projection: Projection::KeysOnly,
                    throughput: None,
                },
            ],
            ttl_attribute: None,
            stream: None,
            billing: BillingMode::PayPerRequest,
            entity_type_attribute: "_type",
        };

        #[test]
        fn facts_of_present_and_absent_indexes() {
            const L: IndexFacts = of(&TABLE, "L");
            const G: IndexFacts = of(&TABLE, "G");
            const X: IndexFacts = of(&TABLE, "X");
            assert!(L.exists && L.local && L.partition.len() == 1 && L.sort.len() == 1);
            assert!(G.exists && !G.local && G.partition.len() == 2 && G.sort.is_empty());
            assert!(!X.exists && !X.local && X.partition.is_empty() && X.sort.is_empty());
            assert!(name_is(G.partition, 1, "b") && !name_is(G.partition, 1, "a"));
            assert!(!name_is(G.partition, 2, "b"));
            assert!(type_is(L.sort, 0, ScalarType::N) && !type_is(L.sort, 0, ScalarType::S));
            assert!(!type_is(G.sort, 0, ScalarType::S));
        }

        #[test]
        fn first_taken_agrees_with_attribute_is_free() {
            let n_table = TableSchema {
                partition_key: KeyAttribute { name: "PK", ty: ScalarType::N },
                sort_key: Some(KeyAttribute { name: "SK", ty: ScalarType::S }),
                ..TABLE
            };
            let indexes = [of(&TABLE, "L"), of(&TABLE, "G"), of(&TABLE, "X")];
            let names = ["L", "G", "X"];
            for table in [&TABLE, &n_table] {
                for attribute in ["PK", "SK", "_type", "n", "a", "b", "free"] {
                    for (lone_p, lone_s) in [(false, false), (true, false), (false, true)] {
                        let attributes = ["x", attribute, "y"];
                        let position = |lone: bool| if lone { 1 } else { usize::MAX };
                        let got = first_taken(
                            table,
                            &attributes,
                            &indexes,
                            position(lone_p),
                            position(lone_s),
                        );
                        let free = crate::__private::attribute_is_free(
                            table, attribute, &names, lone_p, lone_s,
                        );
                        assert_eq!(got == 1, !free, "{attribute} {lone_p} {lone_s}");
                        assert!(got == 1 || got == usize::MAX);
                    }
                }
            }
            // "n" is the LSI's sort attribute, "a" a multi-attribute partition (not filled by
            // a template): only the first is taken.
            assert_eq!(first_taken(&TABLE, &["a", "n"], &indexes, usize::MAX, usize::MAX), 1);
            assert_eq!(
                first_taken(&TABLE, &["a", "free"], &indexes, usize::MAX, usize::MAX),
                usize::MAX
            );
            // A lone `{field}` on an N partition key is its own attribute.
            assert_eq!(first_taken(&n_table, &["PK"], &[], 0, usize::MAX), usize::MAX);
            assert_eq!(first_taken(&TABLE, &["PK"], &[], 0, usize::MAX), 0);
        }
    }
}
