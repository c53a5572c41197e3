//! Checks across the whole model of a schema file, run after every item was read: the
//! shared rules of [`crate::validate`] (table, entities, attribute types, entity against
//! table), then the rules only a whole-model view can check: duplicate and reserved
//! names, key template collisions between entities, collections and access patterns.

use crate::diagnostic::Diagnostics;
use crate::model::{
    AccessOperation, EntityIndexKeys, EntityModel, KeyTemplate, ModelSet, TemplatePart,
};
use crate::schema::read::{did_you_mean, RESERVED_TYPE_NAMES};
use crate::span::SourceSpan;
use crate::validate;

/// Every check of a model set.
pub(crate) fn model_set(
    set: &ModelSet,
    names: &[(String, SourceSpan, &'static str)],
    cx: &mut Diagnostics,
) {
    validate::table(&set.table, cx);
    for entity in &set.entities {
        validate::entity(entity, cx);
        validate::entity_against_table(entity, &set.table, cx);
    }
    for attribute in &set.attributes {
        validate::attribute(attribute, cx);
    }
    type_names(set, names, cx);
    entity_types(set, cx);
    collisions(set, cx);
    collections(set, names, cx);
    access_patterns(set, cx);
}

/// Every generated Rust type needs its own name, and none may shadow what generated code
/// names. `names` holds each declared type name where it was written, in file order,
/// with what it is (`entity`, `attribute type`, `collection`).
fn type_names(set: &ModelSet, names: &[(String, SourceSpan, &'static str)], cx: &mut Diagnostics) {
    let mut seen: Vec<(String, &'static str)> =
        vec![(set.table.rust_name.to_string(), "the table")];
    let reserved = |name: &str, span: &SourceSpan, cx: &mut Diagnostics| {
        if RESERVED_TYPE_NAMES.contains(&name)
            || name.starts_with("__St")
            || name.starts_with("__ST")
        {
            cx.error_with_hint(
                span.clone(),
                format!("`{name}` is a reserved type name: generated code refers to the type of that name"),
                "choose another name",
            );
        }
    };
    reserved(&set.table.rust_name.to_string(), &set.table.name.span, cx);
    // The emitter names query builders `<Entity>Query` and `<Entity>By<Index>`.
    let generated = |name: &str| -> Option<String> {
        set.entities.iter().map(|e| e.rust_name.to_string()).find(|entity| {
            name.strip_prefix(entity.as_str())
                .is_some_and(|rest| rest == "Query" || rest.starts_with("By"))
        })
    };
    for (name, span, what) in names.iter().filter(|(_, _, what)| *what != "member") {
        reserved(name, span, cx);
        if let Some(entity) = generated(name) {
            cx.error_with_hint(
                span.clone(),
                format!("{what} `{name}` clashes with the query builder type generated for entity `{entity}`"),
                "generated code names `<Entity>Query` and `<Entity>By<Index>` types: choose another name",
            );
        }
        match seen.iter().find(|(n, _)| n == name) {
            Some((_, other)) if *what == "entity" && *other == "entity" => cx.error_with_hint(
                span.clone(),
                format!("duplicate entity `{name}`"),
                "each entity is one Rust type: give it another `name`",
            ),
            Some((_, other)) => cx.error_with_hint(
                span.clone(),
                format!("{what} `{name}` has the same Rust name as {other} `{name}`"),
                "every entity, attribute type, collection and the table are Rust types in one module: rename one",
            ),
            None => seen.push((name.clone(), what)),
        }
    }
}

/// Each entity's entity-type value is unique: it tells items apart on reads.
fn entity_types(set: &ModelSet, cx: &mut Diagnostics) {
    for (i, entity) in set.entities.iter().enumerate() {
        if let Some(other) = set.entities[..i].iter().find(|e| {
            e.entity_type.value == entity.entity_type.value && e.rust_name != entity.rust_name
        }) {
            cx.error_with_hint(
                entity.entity_type.span.clone(),
                format!(
                    "entities `{}` and `{}` have the same entity type `{}`",
                    other.rust_name, entity.rust_name, entity.entity_type.value
                ),
                "set a distinct `entity_type` on one of them",
            );
        }
    }
}

/// One `#`-separated segment of a key template: a literal prefix, then, when
/// `open`, any field value (field values never hold a `#`: they are escaped).
#[derive(Debug, Clone, PartialEq)]
struct Segment {
    prefix: String,
    open: bool,
}

fn segments(template: &KeyTemplate) -> Vec<Segment> {
    let mut out = vec![Segment { prefix: String::new(), open: false }];
    for part in &template.parts {
        match part {
            TemplatePart::Literal(text) => {
                let mut pieces = text.split('#');
                if let (Some(first), Some(last)) = (pieces.next(), out.last_mut()) {
                    last.prefix.push_str(first);
                }
                for piece in pieces {
                    out.push(Segment { prefix: piece.to_owned(), open: false });
                }
            }
            TemplatePart::Field(_) => {
                if let Some(last) = out.last_mut() {
                    last.open = true;
                }
            }
        }
    }
    out
}

/// True when two templates can render the same string.
fn can_overlap(a: &KeyTemplate, b: &KeyTemplate) -> bool {
    let (a, b) = (segments(a), segments(b));
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| match (x.open, y.open) {
            (false, false) => x.prefix == y.prefix,
            (true, false) => y.prefix.starts_with(&x.prefix),
            (false, true) => x.prefix.starts_with(&y.prefix),
            (true, true) => x.prefix.starts_with(&y.prefix) || y.prefix.starts_with(&x.prefix),
        })
}

/// Two entities whose primary keys can render the same (pk, sk) pair would write items
/// over each other: an error at the later one.
fn collisions(set: &ModelSet, cx: &mut Diagnostics) {
    for (i, entity) in set.entities.iter().enumerate() {
        for other in &set.entities[..i] {
            let pk = can_overlap(&entity.partition_key, &other.partition_key);
            let sk = match (&entity.sort_key, &other.sort_key) {
                (Some(a), Some(b)) => can_overlap(a, b),
                (None, None) => true,
                _ => false,
            };
            if pk && sk {
                let span = entity
                    .sort_key
                    .as_ref()
                    .map_or(&entity.partition_key, |s| s)
                    .source
                    .span
                    .clone();
                cx.error_with_hint(
                    span,
                    format!(
                        "the keys of entity `{}` (`{}`{}) can be the same as those of entity `{}` (`{}`{}): their items would be indistinguishable and overwrite each other",
                        entity.rust_name,
                        entity.partition_key.source.value,
                        entity.sort_key.as_ref().map(|s| format!(", `{}`", s.source.value)).unwrap_or_default(),
                        other.rust_name,
                        other.partition_key.source.value,
                        other.sort_key.as_ref().map(|s| format!(", `{}`", s.source.value)).unwrap_or_default(),
                    ),
                    "start the sort key (or the partition key) of each entity with its own literal, e.g. `ORDER#{order_id}` and `ITEM#{item_id}`",
                );
            }
        }
    }
}

/// True when the primary keys of two entities can render the same (pk, sk) pair.
pub(crate) fn keys_overlap(a: &EntityModel, b: &EntityModel) -> bool {
    can_overlap(&a.partition_key, &b.partition_key)
        && match (&a.sort_key, &b.sort_key) {
            (Some(x), Some(y)) => can_overlap(x, y),
            (None, None) => true,
            _ => false,
        }
}

/// The rule of the runtime's `collection::same_partition`: the same partition-key
/// template on the table (`index` empty) or in the index.
fn same_partition(a: &EntityModel, b: &EntityModel, index: &str) -> bool {
    let table = a.partition_key.source.value == b.partition_key.source.value;
    if index.is_empty() {
        return table;
    }
    fn keys<'m>(e: &'m EntityModel, index: &str) -> Option<&'m EntityIndexKeys> {
        e.indexes.iter().find(|i| i.name.value == index).map(|i| &i.keys)
    }
    match (keys(a, index), keys(b, index)) {
        (
            Some(EntityIndexKeys::Templates { partition: Some(p), .. }),
            Some(EntityIndexKeys::Templates { partition: Some(q), .. }),
        ) => p.source.value == q.source.value,
        (
            Some(EntityIndexKeys::Templates { partition: None, .. }),
            Some(EntityIndexKeys::Templates { partition: None, .. }),
        ) => table,
        (Some(EntityIndexKeys::Fields { .. }), Some(EntityIndexKeys::Fields { .. })) => true,
        // Not in the index: reported on its own.
        (None, _) | (_, None) => true,
        _ => false,
    }
}

fn find_entity<'a>(set: &'a ModelSet, name: &str) -> Option<&'a EntityModel> {
    set.entities.iter().find(|e| e.rust_name == name)
}

/// `names` also holds each collection member's span, as `Collection.field` of kind
/// `member`.
fn collections(set: &ModelSet, names: &[(String, SourceSpan, &'static str)], cx: &mut Diagnostics) {
    for collection in &set.collections {
        if let Some(index) = &collection.index {
            if set.table.index(&index.value).is_none() {
                cx.error_with_hint(
                    index.span.clone(),
                    format!("collection `{}` reads index `{}`, which the table does not have", collection.rust_name, index.value),
                    "name one of the table's `gsi` or `lsi`, or leave `index` out for the table's partition",
                );
            }
        }
        let mut first: Option<&EntityModel> = None;
        for member in &collection.members {
            let key = format!("{}.{}", collection.rust_name, member.field);
            let span = names
                .iter()
                .find(|(n, _, what)| *what == "member" && *n == key)
                .map_or_else(|| set.table.name.span.clone(), |(_, span, _)| span.clone());
            let name = quote::ToTokens::to_token_stream(&member.entity).to_string();
            let Some(entity) = find_entity(set, &name) else {
                let rust_names: Vec<String> =
                    set.entities.iter().map(|e| e.rust_name.to_string()).collect();
                let known: Vec<&str> = rust_names.iter().map(String::as_str).collect();
                cx.error_with_hint(
                    span.clone(),
                    format!(
                        "collection `{}`: member `{}` is not an entity of this schema",
                        collection.rust_name, member.field
                    ),
                    did_you_mean(&name, &known).map_or_else(
                        || format!("the entities are: {}", known.join(", ")),
                        |k| format!("did you mean `{k}`?"),
                    ),
                );
                continue;
            };
            let index_name = collection.index.as_ref().map_or("", |i| i.value.as_str());
            match first {
                None => first = Some(entity),
                Some(first) if !same_partition(first, entity, index_name) => cx.error_with_hint(
                    span.clone(),
                    format!(
                        "collection `{}`: member `{}` does not share the partition key of `{}`",
                        collection.rust_name, entity.rust_name, first.rust_name
                    ),
                    "members of a collection are read by one query, so their partition-key \
                     templates (of the table, or of the collection's index) must be the same",
                ),
                Some(_) => {}
            }
            if collection.index.is_none() {
                if let Some(shards) = &entity.shards {
                    cx.error_with_hint(
                        span.clone(),
                        format!(
                            "collection `{}`: member `{}` is sharded (`shards = {}`), so one \
                             query of the table's partition misses its items",
                            collection.rust_name, entity.rust_name, shards.value
                        ),
                        format!(
                            "a sharded entity's items live in `<pk>#S0`..`<pk>#S{}`: query it \
                             on its own (its query fans out over the shards), or give the \
                             collection an `index` (a GSI, whose keys sharding does not change)",
                            shards.value.saturating_sub(1)
                        ),
                    );
                }
            }
            if let Some(index) = &collection.index {
                let exists = set.table.index(&index.value).is_some();
                if exists && !entity.indexes.iter().any(|i| i.name.value == index.value) {
                    cx.error_with_hint(
                        index.span.clone(),
                        format!(
                            "collection `{}` reads index `{}`, but member entity `{}` is not in it",
                            collection.rust_name, index.value, entity.rust_name
                        ),
                        format!("add an entry for `{}` under the entity's `indexes`", index.value),
                    );
                }
            }
        }
    }
}

fn access_patterns(set: &ModelSet, cx: &mut Diagnostics) {
    let mut names: Vec<&str> = Vec::new();
    for pattern in &set.access_patterns {
        if names.contains(&pattern.name.value.as_str()) {
            cx.error(
                pattern.name.span.clone(),
                format!("duplicate access pattern `{}`", pattern.name.value),
            );
        }
        names.push(&pattern.name.value);
        let Some(entity) = find_entity(set, &pattern.entity.value) else {
            let rust_names: Vec<String> =
                set.entities.iter().map(|e| e.rust_name.to_string()).collect();
            let known: Vec<&str> = rust_names.iter().map(String::as_str).collect();
            cx.error_with_hint(
                pattern.entity.span.clone(),
                format!(
                    "access pattern `{}` names entity `{}`, which the schema does not declare",
                    pattern.name.value, pattern.entity.value
                ),
                did_you_mean(&pattern.entity.value, &known).map_or_else(
                    || format!("the entities are: {}", known.join(", ")),
                    |k| format!("did you mean `{k}`?"),
                ),
            );
            continue;
        };
        let mut sort_fields: Vec<String> = Vec::new();
        let mut all_fields: Vec<String> = entity.key_fields();
        match &pattern.index {
            Some(index) => {
                if pattern.operation == AccessOperation::Get {
                    cx.error_with_hint(index.span.clone(), format!("access pattern `{}` is a `get`, which reads the table's primary key only", pattern.name.value), "use `operation = \"query\"` to read an index");
                }
                match entity.indexes.iter().find(|i| i.name.value == index.value) {
                    None => cx.error_with_hint(
                        index.span.clone(),
                        format!("access pattern `{}` reads index `{}`, but entity `{}` is not in that index", pattern.name.value, index.value, entity.rust_name),
                        "add the index under the entity's `indexes`, or name one it is in",
                    ),
                    Some(membership) => {
                        all_fields = membership.key_fields();
                        sort_fields = match &membership.keys {
                            EntityIndexKeys::Templates { sort, .. } => sort.iter().flat_map(|t| t.fields().map(str::to_owned)).collect(),
                            EntityIndexKeys::Fields { sort, .. } => sort.iter().map(|f| f.value.clone()).collect(),
                        };
                    }
                }
            }
            None => {
                sort_fields =
                    entity.sort_key.iter().flat_map(|t| t.fields().map(str::to_owned)).collect();
            }
        }
        for field in &pattern.key_fields {
            if entity.field(&field.value).is_none() {
                cx.error(
                    field.span.clone(),
                    format!(
                        "access pattern `{}`: entity `{}` has no field `{}`",
                        pattern.name.value, entity.rust_name, field.value
                    ),
                );
            } else if !all_fields.contains(&field.value)
                && pattern.operation != AccessOperation::Scan
            {
                cx.error_with_hint(
                    field.span.clone(),
                    format!(
                        "access pattern `{}`: field `{}` is not part of the key it reads",
                        pattern.name.value, field.value
                    ),
                    format!("the key fields are: {}", all_fields.join(", ")),
                );
            }
        }
        // The generated registry runs the entity's typed builder: the key fields must be
        // what it takes (every field reported above resolves first).
        if pattern.key_fields.iter().all(|f| all_fields.contains(&f.value))
            || pattern.operation == AccessOperation::Scan
        {
            if let Err(why) = crate::emit::pattern_call(entity, pattern) {
                cx.error(
                    pattern.span.clone(),
                    format!("access pattern `{}`: {why}", pattern.name.value),
                );
            }
        }
        if pattern.sort.is_some()
            && sort_fields.is_empty()
            && pattern.operation == AccessOperation::Query
            && pattern.index.is_none()
            && entity.sort_key.is_none()
        {
            cx.error(pattern.span.clone(), format!("access pattern `{}` narrows on the sort key, but the key it reads has no sort key", pattern.name.value));
        }
        if pattern.sort.is_some() && pattern.operation != AccessOperation::Query {
            cx.error(
                pattern.span.clone(),
                format!(
                    "access pattern `{}`: only a `query` takes a `sort` operator",
                    pattern.name.value
                ),
            );
        }
        if let Some(tenant) = &pattern.tenant_field {
            if entity.field(&tenant.value).is_none() {
                cx.error(
                    tenant.span.clone(),
                    format!(
                        "access pattern `{}`: entity `{}` has no field `{}`",
                        pattern.name.value, entity.rust_name, tenant.value
                    ),
                );
            } else if !entity.partition_key.fields().any(|f| f == tenant.value) {
                cx.error_with_hint(
                    tenant.span.clone(),
                    format!(
                        "access pattern `{}`: tenant field `{}` is not in the partition key `{}`",
                        pattern.name.value, tenant.value, entity.partition_key.source.value
                    ),
                    "`dynamodb:LeadingKeys` scopes the partition key: put the tenant first in it",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Spanned;

    fn t(source: &str) -> KeyTemplate {
        match KeyTemplate::parse(Spanned::new(source.to_owned(), SourceSpan::call_site())) {
            Ok(t) => t,
            Err(e) => panic!("{source}: {e}"),
        }
    }

    #[test]
    fn overlap_rule() {
        assert!(can_overlap(&t("USER#{id}"), &t("USER#{other}")));
        assert!(!can_overlap(&t("USER#{id}"), &t("ORDER#{id}")));
        assert!(!can_overlap(&t("PROFILE"), &t("ORDER#{id}")));
        assert!(can_overlap(&t("O{id}"), &t("ORDER")));
        assert!(!can_overlap(&t("A#{id}"), &t("A#{id}#B")));
        assert!(can_overlap(&t("{id}"), &t("USER")));
        assert!(can_overlap(&t("PROFILE"), &t("PROFILE")));
        assert!(can_overlap(&t("U{a}#X"), &t("USER{b}#X")));
        assert!(!can_overlap(&t("U{a}#X"), &t("USER{b}#Y")));
    }

    fn errors(source: &str) -> Vec<String> {
        match crate::schema::parse_str(source, "t", crate::schema::Format::Toml) {
            Ok(_) => Vec::new(),
            Err(cx) => cx.errors().iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_sharded_member_needs_a_collection_on_a_gsi() {
        let source = "[table]\nname = \"App\"\npk = \"PK\"\nsk = \"SK\"\n\
                      gsi = [{ name = \"GSI1\", pk = \"GSI1PK\", sk = \"GSI1SK\" }]\n\n\
                      [[entities]]\nname = \"Device\"\npk = \"DEVICE#{id}\"\nsk = \"DEVICE\"\n\
                      fields = { id = \"String\" }\n\n\
                      [[entities]]\nname = \"Reading\"\npk = \"DEVICE#{id}\"\nsk = \"R#{seq}\"\n\
                      shards = 8\nfields = { id = \"String\", seq = \"u32\" }\n\n\
                      [[collections]]\nname = \"Page\"\n\
                      members = { device = \"Option<Device>\", readings = \"Vec<Reading>\" }\n";
        let found = errors(source);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(
                "t:22:51: collection `Page`: member `Reading` is sharded (`shards = 8`)"
            ),
            "{found:?}"
        );
        // Without sharding the same collection is fine.
        assert_eq!(errors(&source.replace("shards = 8\n", "")), Vec::<String>::new());
    }
}
