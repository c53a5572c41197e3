//! The compile-time checks between an entity and its table, as one `const fn`.
//!
//! `#[derive(Entity)]` decides at macro time everything it can about the entity alone
//! (which checks apply, in which order, the hashes of the names it uses); what it cannot
//! see is the table, so it describes the entity in an [`EntityCheck`] and lets
//! [`entity_check`] compare that with the table's schema. The function walks the checks
//! in the order the generated code lists them and finds the code of the first that
//! fails ([`OK`] when none does). The generated code is one `match` on the failure's
//! [`site`] (the user's token the error points at: several checks share one) whose arms
//! call [`fail`], each spanned at its token; [`fail`] composes the check's message, only
//! then, from the code, the [`EntityCheck`] and the entity's schema.
//!
//! Compile time is a product goal and `const` evaluation is interpreted, so names are
//! compared as 64-bit hashes ([`name_hash`]: the entity's computed by the macro, the
//! table's once per table in [`TableNames`]), each match confirmed by comparing the
//! strings (so a hash collision cannot change a verdict); and the messages are not in
//! the generated code (an arm with a message for every check cost the derive's users
//! more than the checks themselves).

use crate::entity::{Entity, Table};
use crate::schema::{EntitySchema, IndexKind, IndexSchema, KeyAttribute, ScalarType, TableSchema};

use super::check::str_eq;

mod message;
pub use message::*;

/// No check failed.
pub const OK: u32 = 0;
/// The sort key is present on one side only (entity template vs table).
pub const SORT: u32 = 1;
/// The partition-key template does not fit the table's partition key's type.
pub const PK_TYPE: u32 = 2;
/// The sort-key template does not fit the table's sort key's type.
pub const SK_TYPE: u32 = 3;
/// First code of the entity's index `i`: `INDEX + i * INDEX_STRIDE + IX_*`.
pub const INDEX: u32 = 16;
/// Codes per index.
pub const INDEX_STRIDE: u32 = 1024;
/// The table has no such index.
pub const IX_EXISTS: u32 = 0;
/// A `pk` for a local secondary index.
pub const IX_LSI_WITH_PK: u32 = 1;
/// No `pk` for a global secondary index.
pub const IX_GSI_WITHOUT_PK: u32 = 2;
/// A partition template for a multi-attribute partition key.
pub const IX_PK_MULTI: u32 = 3;
/// A partition template that does not fit the attribute's type.
pub const IX_PK_TYPE: u32 = 4;
/// A sort template for an index without a sort key.
pub const IX_SK_NONE: u32 = 5;
/// A sort template for a multi-attribute sort key.
pub const IX_SK_MULTI: u32 = 6;
/// A sort template that does not fit the attribute's type.
pub const IX_SK_TYPE: u32 = 7;
/// No sort template for an index with a sort key.
pub const IX_SK_MISSING: u32 = 8;
/// Native key fields: the partition side has another number of attributes.
pub const IX_PK_COUNT: u32 = 9;
/// Native key fields: the sort side has another number of attributes.
pub const IX_SK_COUNT: u32 = 10;
/// Native partition field `j`: name at `IX_PK_FIELD + 2j`, type at `IX_PK_FIELD + 2j + 1`.
pub const IX_PK_FIELD: u32 = 16;
/// Native sort field `j`: name at `IX_SK_FIELD + 2j`, type at `IX_SK_FIELD + 2j + 1`.
pub const IX_SK_FIELD: u32 = 512;
/// Stored field `j`: its attribute is taken at `FIELD + 2j`, its TTL marker does not
/// match the table at `FIELD + 2j + 1`.
pub const FIELD: u32 = 1 << 20;

/// FNV-1a (64-bit) of a name; the macro computes the same at expansion time.
pub const fn name_hash(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// Indexes whose names [`TableNames`] hashes; any further ones are compared as strings.
pub const HASHED_INDEXES: usize = 32;

/// The hashes of one index's names (0 for a side without exactly one attribute).
#[derive(Clone, Copy)]
pub struct IndexNames {
    /// The index name.
    pub name: u64,
    /// Its partition attribute, when it has exactly one.
    pub partition: u64,
    /// Its sort attribute, when it has exactly one.
    pub sort: u64,
}

/// The hashes of the names of a table the entity checks compare with: computed once per
/// table (`Table::__NAMES`), then each entity's checks compare integers.
#[derive(Clone, Copy)]
pub struct TableNames {
    /// The entity-type attribute.
    pub entity_type: u64,
    /// The partition key attribute.
    pub partition: u64,
    /// The sort key attribute (0 without one).
    pub sort: u64,
    /// The first [`HASHED_INDEXES`] indexes.
    pub indexes: [IndexNames; HASHED_INDEXES],
    /// Every attribute name the table uses for a key or the entity type, as a 64-bit
    /// filter ([`key_bit`] of each name's hash): a stored field whose bit is clear takes
    /// none of them, which most fields show in one comparison.
    pub keys: u64,
}

/// The bit of [`TableNames::keys`] for a name's [`name_hash`].
pub const fn key_bit(hash: u64) -> u64 {
    1 << (hash & 63)
}

impl TableNames {
    /// The hashes of `table`'s names.
    pub const fn of(table: &TableSchema) -> TableNames {
        let mut indexes = [IndexNames { name: 0, partition: 0, sort: 0 }; HASHED_INDEXES];
        let mut keys = key_bit(name_hash(table.entity_type_attribute))
            | key_bit(name_hash(table.partition_key.name));
        if let Some(sort) = table.sort_key {
            keys |= key_bit(name_hash(sort.name));
        }
        let mut i = 0;
        while i < table.indexes.len() {
            let index = &table.indexes[i];
            let mut j = 0;
            while j < index.partition_key.len() {
                keys |= key_bit(name_hash(index.partition_key[j].name));
                j += 1;
            }
            j = 0;
            while j < index.sort_key.len() {
                keys |= key_bit(name_hash(index.sort_key[j].name));
                j += 1;
            }
            i += 1;
        }
        i = 0;
        while i < table.indexes.len() && i < HASHED_INDEXES {
            let index = &table.indexes[i];
            indexes[i] = IndexNames {
                name: name_hash(index.name),
                partition: match index.partition_key {
                    [one] => name_hash(one.name),
                    _ => 0,
                },
                sort: match index.sort_key {
                    [one] => name_hash(one.name),
                    _ => 0,
                },
            };
            i += 1;
        }
        TableNames {
            entity_type: name_hash(table.entity_type_attribute),
            partition: name_hash(table.partition_key.name),
            sort: match table.sort_key {
                Some(sort) => name_hash(sort.name),
                None => 0,
            },
            indexes,
            keys,
        }
    }
}

/// How an entity's key template fills a key attribute.
#[derive(Clone, Copy)]
pub enum Fill {
    /// No template for it.
    None,
    /// A template with literals: a string.
    Text,
    /// A lone `"{field}"` template of a field of this scalar type.
    Lone(ScalarType),
}

/// The keys an entity gives one index.
#[derive(Clone, Copy)]
pub enum IndexKeys<'a> {
    /// Templates for the partition and sort sides.
    Templates(Fill, Fill),
    /// Native key fields (attribute name, scalar type), in key order, per side.
    Fields(&'a [(&'a str, ScalarType)], &'a [(&'a str, ScalarType)]),
}

/// One index the entity is in: its name, the name's [`name_hash`], its keys (a tuple:
/// the generated code writes one per index, and a tuple is the shortest to write).
pub type IndexCheck<'a> = (&'a str, u64, IndexKeys<'a>);

/// One stored field of the entity: its attribute name, the name's [`name_hash`], and
/// whether it is marked `ttl`.
pub type StoredCheck<'a> = (&'a str, u64, bool);

/// What an entity's checks compare with its table, as the macro knows it.
#[derive(Clone, Copy)]
pub struct EntityCheck<'a> {
    /// The table's Rust path as the entity names it (`table = …`), for the messages.
    pub table: &'a str,
    /// The partition template.
    pub partition: Fill,
    /// The sort template ([`Fill::None`] without one).
    pub sort: Fill,
    /// The indexes the entity is in.
    pub indexes: &'a [IndexCheck<'a>],
    /// The stored fields.
    pub stored: &'a [StoredCheck<'a>],
    /// The position in `stored` of the field of a lone `"{field}"` partition template
    /// (`usize::MAX` for none).
    pub lone_partition: usize,
    /// The same for the sort template.
    pub lone_sort: usize,
}

/// True when a template filling `fill` fits `attribute`: text only an `S`, a lone field
/// an `S` or its own type.
const fn fits(fill: Fill, attribute: &KeyAttribute) -> bool {
    let (ty, s) = (attribute.ty as u8, ScalarType::S as u8);
    match fill {
        Fill::None => true,
        Fill::Text => ty == s,
        Fill::Lone(field) => ty == s || ty == field as u8,
    }
}

/// The position of index `name` (hash `hash`) in `table`.
pub(super) const fn find_index(
    table: &TableSchema,
    names: &TableNames,
    name: &str,
    hash: u64,
) -> usize {
    let (count, mut i) = (table.indexes.len(), 0);
    while i < count {
        let maybe = i >= HASHED_INDEXES || names.indexes[i].name == hash;
        if maybe && str_eq(table.indexes[i].name, name) {
            return i;
        }
        i += 1;
    }
    usize::MAX
}

/// The first failing check of native key fields `fields` against `attributes`, as an
/// offset from `base` (name at `2j`, type at `2j + 1`), or [`OK`].
const fn check_fields(
    fields: &[(&str, ScalarType)],
    attributes: &[KeyAttribute],
    base: u32,
) -> u32 {
    let mut j = 0;
    while j < fields.len() {
        let (name, ty) = fields[j];
        if !str_eq(attributes[j].name, name) {
            return base + 2 * j as u32;
        }
        if attributes[j].ty as u8 != ty as u8 {
            return base + 2 * j as u32 + 1;
        }
        j += 1;
    }
    OK
}

/// The first failing check of index `index` (the entity's `i`th, the table's `schema`)
/// but its existence, or [`OK`].
const fn check_index(schema: &IndexSchema, index: &IndexCheck, i: usize) -> u32 {
    let base = INDEX + i as u32 * INDEX_STRIDE;
    let local = matches!(schema.kind, IndexKind::Local);
    let (partition, sort) = (schema.partition_key, schema.sort_key);
    match index.2 {
        IndexKeys::Templates(pk, sk) => {
            if let Fill::None = pk {
                if !local {
                    return base + IX_GSI_WITHOUT_PK;
                }
            } else {
                if local {
                    return base + IX_LSI_WITH_PK;
                }
                if partition.len() != 1 {
                    return base + IX_PK_MULTI;
                }
                if !fits(pk, &partition[0]) {
                    return base + IX_PK_TYPE;
                }
            }
            if let Fill::None = sk {
                if !sort.is_empty() {
                    return base + IX_SK_MISSING;
                }
            } else {
                if sort.is_empty() {
                    return base + IX_SK_NONE;
                }
                if sort.len() > 1 {
                    return base + IX_SK_MULTI;
                }
                if !fits(sk, &sort[0]) {
                    return base + IX_SK_TYPE;
                }
            }
            OK
        }
        IndexKeys::Fields(pk, sk) => {
            if pk.is_empty() {
                if !local {
                    return base + IX_GSI_WITHOUT_PK;
                }
            } else {
                if local {
                    return base + IX_LSI_WITH_PK;
                }
                if partition.len() != pk.len() {
                    return base + IX_PK_COUNT;
                }
                let failed = check_fields(pk, partition, base + IX_PK_FIELD);
                if failed != OK {
                    return failed;
                }
            }
            if sort.len() != sk.len() {
                return base + IX_SK_COUNT;
            }
            check_fields(sk, sort, base + IX_SK_FIELD)
        }
    }
}

/// The first of entity `E`'s checks against its table that fails (its [`Failure::site`] is
/// [`OK`] when none does): the sort key on both sides or neither, the table keys' types,
/// each index (in the entity's order), then each stored field (its attribute free of the
/// table's key attributes, its TTL marker matching the table).
pub const fn entity_check<'a, E: Entity>(entity: &'a EntityCheck<'a>) -> Failure<'a> {
    let code = first_failure::<E>(entity);
    if code == OK {
        return Failure { site: OK, code, check: entity, entity: None };
    }
    failure::<E>(entity, code)
}

/// The [`Failure`] of a failing `code`: only here is the entity's schema read (a function
/// of its own, so that the checks that pass do not evaluate it).
const fn failure<'a, E: Entity>(check: &'a EntityCheck<'a>, code: u32) -> Failure<'a> {
    let entity = E::SCHEMA;
    Failure { site: site(code), code, check, entity: Some(entity) }
}

/// The code of the first of entity `E`'s checks that fails, or [`OK`] (see
/// [`entity_check`]).
const fn first_failure<E: Entity>(entity: &EntityCheck) -> u32 {
    // Copied into locals, not borrowed as `&SCHEMA`: a borrowed constant is promoted and
    // validated again for every entity, which costs the derive's users compile time.
    let table_value = <E::Table as Table>::SCHEMA;
    let names_value = <E::Table as Table>::__NAMES;
    let (table, names) = (&table_value, &names_value);
    let has_sort = !matches!(entity.sort, Fill::None);
    if has_sort != table.sort_key.is_some() {
        return SORT;
    }
    if !fits(entity.partition, &table.partition_key) {
        return PK_TYPE;
    }
    if let Some(sort) = &table.sort_key {
        if !fits(entity.sort, sort) {
            return SK_TYPE;
        }
    }
    // The table positions of the entity's first `CACHED` indexes, for the field checks.
    const CACHED: usize = 32;
    let mut at = [0usize; CACHED];
    let mut i = 0;
    while i < entity.indexes.len() {
        let index = &entity.indexes[i];
        let position = find_index(table, names, index.0, index.1);
        if position == usize::MAX {
            return INDEX + i as u32 * INDEX_STRIDE + IX_EXISTS;
        }
        let failed = check_index(&table.indexes[position], index, i);
        if failed != OK {
            return failed;
        }
        if i < CACHED {
            at[i] = position;
        }
        i += 1;
    }
    // Small helpers inlined by hand below: each call costs the interpreter more than
    // the comparisons it makes.
    let partition_is_text = table.partition_key.ty as u8 == ScalarType::S as u8;
    let (stored, indexes) = (entity.stored.len(), entity.indexes.len());
    let mut j = 0;
    while j < stored {
        let (a, h, ttl) = entity.stored[j];
        // Most fields take no key attribute and are not `ttl`: one comparison.
        if !ttl && names.keys & key_bit(h) == 0 {
            j += 1;
            continue;
        }
        // A lone `{field}` on an `N`/`B` table key stores the field's own value there.
        let own_partition = j == entity.lone_partition && !partition_is_text;
        let mut taken = (h == names.entity_type && str_eq(a, table.entity_type_attribute))
            || (!own_partition && h == names.partition && str_eq(a, table.partition_key.name));
        if let Some(sort) = &table.sort_key {
            let own_sort = j == entity.lone_sort && sort.ty as u8 != ScalarType::S as u8;
            taken = taken || (!own_sort && h == names.sort && str_eq(a, sort.name));
        }
        let mut i = 0;
        while !taken && i < indexes {
            let index = &entity.indexes[i];
            if let IndexKeys::Templates(..) = index.2 {
                let position =
                    if i < CACHED { at[i] } else { find_index(table, names, index.0, index.1) };
                let schema = &table.indexes[position];
                let hashed = position < HASHED_INDEXES;
                // Templates fill single-attribute sides only; an LSI's partition
                // attribute is the table's, checked above.
                if let [partition] = schema.partition_key {
                    taken = (!hashed || names.indexes[position].partition == h)
                        && str_eq(a, partition.name)
                        && !str_eq(partition.name, table.partition_key.name);
                }
                if let [sort] = schema.sort_key {
                    taken = taken
                        || ((!hashed || names.indexes[position].sort == h) && str_eq(a, sort.name));
                }
            }
            i += 1;
        }
        if taken {
            return FIELD + 2 * j as u32;
        }
        if ttl {
            let ttl_ok = match table.ttl_attribute {
                Some(ttl) => str_eq(ttl, a),
                None => false,
            };
            if !ttl_ok {
                return FIELD + 2 * j as u32 + 1;
            }
        }
        j += 1;
    }
    OK
}

/// The site of a failing check `code`: the code of the first check reported at the same
/// user token, the pattern of the generated `match` arm spanned at that token. The
/// checks of one index share three tokens (its name, `pk`, `sk`) besides its templates,
/// and both checks of a native key field share the field's token; every other check has
/// a token of its own. `#[derive(Entity)]` groups the codes the same way.
pub const fn site(code: u32) -> u32 {
    if code < INDEX || code >= FIELD {
        return code;
    }
    let at = (code - INDEX) % INDEX_STRIDE;
    let base = code - at;
    base + match at {
        IX_EXISTS | IX_GSI_WITHOUT_PK | IX_SK_MISSING => IX_EXISTS,
        IX_LSI_WITH_PK | IX_PK_MULTI | IX_PK_COUNT => IX_LSI_WITH_PK,
        IX_SK_NONE | IX_SK_MULTI | IX_SK_COUNT => IX_SK_NONE,
        IX_PK_FIELD.. => at & !1,
        _ => at,
    }
}

/// The outcome of an entity's checks: the [`site`] of the first failing check ([`OK`]
/// when none fails), and what [`fail`] needs to compose its message.
#[derive(Clone, Copy)]
pub struct Failure<'a> {
    /// The site of the failing check, or [`OK`].
    pub site: u32,
    /// The failing check's code.
    code: u32,
    /// The entity as the macro described it.
    check: &'a EntityCheck<'a>,
    /// The entity's schema (read only when a check fails).
    entity: Option<EntitySchema>,
}

/// Reports `failure` (the arm of its [`site`] in the generated `match`, spanned at the
/// user's token): a compile error with the check's message.
#[track_caller]
pub const fn fail(failure: Failure) -> ! {
    let mut text = Message::new();
    match failure.entity {
        Some(entity) => write_message(&mut text, &entity, failure.check, failure.code),
        None => text.push("singletable: an entity check failed without a failure"),
    }
    panic!("{}", text.as_str())
}

/// The generated `match`'s last arm: nothing when no check failed, else (a site the
/// macro has no arm for, which would be a bug) the failure, at the derive.
#[track_caller]
pub const fn checked(failure: Failure) {
    if failure.site != OK {
        fail(failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_hash_is_fnv1a() {
        // The macro's copy (codegen) asserts the same values.
        assert_eq!(name_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(name_hash("PK"), 0x0942_1d07_b5d1_ed4c);
    }

    #[test]
    fn the_key_filter_holds_every_key_attribute() {
        use crate::schema::{BillingMode, IndexSchema, Projection};
        const S: ScalarType = ScalarType::S;
        let attribute = |name| KeyAttribute { name, ty: S };
        let table = TableSchema {
            name: "App",
            partition_key: attribute("PK"),
            sort_key: Some(attribute("SK")),
            indexes: &[
                IndexSchema {
                    name: "GSI1",
                    kind: IndexKind::Global,
                    partition_key: &[KeyAttribute { name: "GSI1PK", ty: S }],
                    sort_key: &[KeyAttribute { name: "GSI1SK", ty: S }],
                    projection: Projection::All,
                    throughput: None,
                },
                IndexSchema {
                    name: "ByTenant",
                    kind: IndexKind::Global,
                    partition_key: &[
                        KeyAttribute { name: "tenant", ty: S },
                        KeyAttribute { name: "region", ty: S },
                    ],
                    sort_key: &[],
                    projection: Projection::All,
                    throughput: None,
                },
            ],
            ttl_attribute: None,
            stream: None,
            billing: BillingMode::PayPerRequest,
            entity_type_attribute: "_et",
        };
        let names = TableNames::of(&table);
        for name in ["PK", "SK", "GSI1PK", "GSI1SK", "tenant", "region", "_et"] {
            assert_ne!(names.keys & key_bit(name_hash(name)), 0, "{name}");
        }
        // Not a filter that takes everything: a name outside it is told apart at once.
        let outside = ["email", "name", "total", "created_at", "status", "tags"];
        assert!(outside.iter().any(|name| names.keys & key_bit(name_hash(name)) == 0));
    }

    /// The checks that share a user's token share a site (see [`site`]); the others keep
    /// their own code.
    #[test]
    fn sites_group_the_checks_of_one_token() {
        let index = INDEX + 3 * INDEX_STRIDE;
        for (code, expected) in [
            (SORT, SORT),
            (PK_TYPE, PK_TYPE),
            (SK_TYPE, SK_TYPE),
            (index + IX_EXISTS, index + IX_EXISTS),
            (index + IX_GSI_WITHOUT_PK, index + IX_EXISTS),
            (index + IX_SK_MISSING, index + IX_EXISTS),
            (index + IX_LSI_WITH_PK, index + IX_LSI_WITH_PK),
            (index + IX_PK_MULTI, index + IX_LSI_WITH_PK),
            (index + IX_PK_COUNT, index + IX_LSI_WITH_PK),
            (index + IX_PK_TYPE, index + IX_PK_TYPE),
            (index + IX_SK_NONE, index + IX_SK_NONE),
            (index + IX_SK_MULTI, index + IX_SK_NONE),
            (index + IX_SK_COUNT, index + IX_SK_NONE),
            (index + IX_SK_TYPE, index + IX_SK_TYPE),
            (index + IX_PK_FIELD + 4, index + IX_PK_FIELD + 4),
            (index + IX_PK_FIELD + 5, index + IX_PK_FIELD + 4),
            (index + IX_SK_FIELD + 1, index + IX_SK_FIELD),
            (FIELD + 6, FIELD + 6),
            (FIELD + 7, FIELD + 7),
        ] {
            assert_eq!(site(code), expected, "code {code}");
        }
    }
}
