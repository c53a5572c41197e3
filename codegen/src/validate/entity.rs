//! The checks of an entity on its own: key templates against fields, `read_only` and
//! `computed`, shards, the typed-path consts.

use crate::diagnostic::Diagnostics;
use crate::model::{EntityIndexKeys, EntityModel, FieldModel, KeyTemplate, TypeClass};
use crate::span::SourceSpan;

use super::fields::fields;

/// Checks an entity on its own: templates against fields, markers, attribute names.
pub fn entity(model: &EntityModel, cx: &mut Diagnostics) {
    check_template(model, &model.partition_key, cx);
    if let Some(sort) = &model.sort_key {
        check_template(model, sort, cx);
    }

    let mut index_names: Vec<&str> = Vec::new();
    for index in &model.indexes {
        if index_names.contains(&index.name.value.as_str()) {
            cx.error(
                index.name.span.clone(),
                format!("index `{}` is listed twice", index.name.value),
            );
        }
        index_names.push(&index.name.value);
        match &index.keys {
            EntityIndexKeys::Templates { partition, sort } => {
                for template in partition.iter().chain(sort) {
                    check_template(model, template, cx);
                }
            }
            EntityIndexKeys::Fields { partition, sort } => {
                let all: Vec<_> = partition.iter().chain(sort).collect();
                for (i, name) in all.iter().enumerate() {
                    if all[..i].iter().any(|n| n.value == name.value) {
                        cx.error(
                            name.span.clone(),
                            format!("field `{}` appears twice in the index key", name.value),
                        );
                        continue;
                    }
                    match model.field(&name.value) {
                        None => cx.error(name.span.clone(), unknown_field(model, &name.value)),
                        Some(field) if field.skip.is_some() => cx.error(
                            name.span.clone(),
                            format!(
                                "field `{}` is skipped (not stored), so it cannot be an index key",
                                name.value
                            ),
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
    }

    fields(&model.fields, true, cx);
    path_consts(&model.fields, cx);
    shards(model, cx);
    writes(model, cx);
}

/// `read_only` and `computed`: what they may be combined with.
fn writes(model: &EntityModel, cx: &mut Diagnostics) {
    let keys = model.key_fields();
    let indexed: Vec<String> = model.indexes.iter().flat_map(|index| index.key_fields()).collect();
    for field in model.fields.iter().filter(|f| f.is_stored()) {
        let name = field.name();
        let markers = &field.markers;
        if let Some(span) = &markers.read_only {
            let reason = if keys.contains(&name) {
                Some("it is part of the primary key, which never changes anyway")
            } else if indexed.contains(&name) {
                Some(
                    "it feeds an index key, which an upsert rewrites from the value it is given \
                     while the field keeps the stored one",
                )
            } else if markers.version.is_some() {
                Some("`version` counts every write")
            } else if markers.updated_at.is_some() {
                Some("`updated_at` changes on every write")
            } else if markers.created_at.is_some() {
                Some("`created_at` is already written only when the item is created")
            } else {
                None
            };
            if let Some(reason) = reason {
                cx.error(span.clone(), format!("field `{name}` cannot be `read_only`: {reason}"));
            }
        }
        let Some(computed) = &field.computed else { continue };
        for (what, marker) in markers.named() {
            if let Some(span) = marker {
                cx.error(span.clone(), format!("computed field `{name}` cannot also be `{what}`"));
            }
        }
        if field.default.is_some() {
            cx.error(
                computed.span.clone(),
                format!("computed field `{name}` cannot have a `default`: every write computes it"),
            );
        }
        if computed.from.is_empty() {
            cx.error(
                computed.span.clone(),
                format!(
                    "computed field `{name}` needs `from(..)`: the fields it is computed from, \
                     in the order its function takes them"
                ),
            );
        }
        for (i, input) in computed.from.iter().enumerate() {
            if computed.from[..i].iter().any(|other| other.value == input.value) {
                cx.error(
                    input.span.clone(),
                    format!("`{}` is listed twice in `from`", input.value),
                );
                continue;
            }
            match model.field(&input.value) {
                None => cx.error(input.span.clone(), unknown_field(model, &input.value)),
                Some(other) if other.skip.is_some() => cx.error(
                    input.span.clone(),
                    format!(
                        "field `{}` is skipped (not stored), so computed field `{name}` cannot \
                         be computed from it (an update could not recompute it)",
                        input.value
                    ),
                ),
                Some(other) if other.name() == name => cx.error(
                    input.span.clone(),
                    format!("computed field `{name}` cannot be computed from itself"),
                ),
                Some(other) if other.computed.is_some() => cx.error(
                    input.span.clone(),
                    format!(
                        "computed field `{name}` cannot be computed from computed field `{}`: \
                         list that field's own inputs instead",
                        input.value
                    ),
                ),
                Some(other) if other.markers.read_only.is_some() => cx.error(
                    input.span.clone(),
                    format!(
                        "computed field `{name}` cannot be computed from `read_only` field `{}` \
                         (an upsert would recompute it from a value that is not stored)",
                        input.value
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}

/// The most shards an entity may have.
pub const MAX_SHARDS: u32 = 100;

/// `shards = N`: 2..=100, a sort key to hash, and no LSI (an LSI shares the table's
/// partition key, which sharding rewrites).
fn shards(model: &EntityModel, cx: &mut Diagnostics) {
    let Some(shards) = &model.shards else { return };
    if !(2..=MAX_SHARDS).contains(&shards.value) {
        cx.error(
            shards.span.clone(),
            format!(
                "`shards` must be between 2 and {MAX_SHARDS} (the number of physical \
                 partitions one logical partition is spread over)"
            ),
        );
    }
    if model.sort_key.is_none() {
        cx.error(
            shards.span.clone(),
            "`shards` needs a sort key (`sk = \"...\"`): the shard of an item is a hash of \
             its sort key",
        );
    }
    for index in &model.indexes {
        let local = match &index.keys {
            EntityIndexKeys::Templates { partition, .. } => partition.is_none(),
            EntityIndexKeys::Fields { partition, .. } => partition.is_empty(),
        };
        if local {
            cx.error(
                index.name.span.clone(),
                format!(
                    "index `{}` is local (it shares the table's partition key), which a \
                     sharded entity (`shards = N`) cannot be in",
                    index.name.value
                ),
            );
        }
    }
}

/// Every stored field gets a typed-path const named in SHOUTY_SNAKE_CASE (`user_id` →
/// `USER_ID`): two fields must not map to the same name, nor to the `SCHEMA` every
/// entity has.
fn path_consts(fields: &[FieldModel], cx: &mut Diagnostics) {
    use heck::ToShoutySnakeCase;
    let mut seen: Vec<(String, String)> = Vec::new();
    for field in fields.iter().filter(|f| f.is_stored()) {
        let name = field.name();
        let constant = name.to_shouty_snake_case();
        if constant == "SCHEMA" {
            cx.error(
                SourceSpan::of(&field.ident),
                format!(
                    "field `{name}` would get the typed path `Self::SCHEMA`, which is the                      entity's schema; rename the field (the attribute can keep its name with                      `#[entity(rename = \"{}\")]`)",
                    field.attribute.value
                ),
            );
        } else if let Some((other, _)) = seen.iter().find(|(_, c)| *c == constant) {
            cx.error(
                SourceSpan::of(&field.ident),
                format!("fields `{other}` and `{name}` would both get the typed path `Self::{constant}`; rename one"),
            );
        }
        seen.push((name, constant));
    }
}

fn unknown_field(model: &EntityModel, name: &str) -> String {
    let known: Vec<String> = model.fields.iter().map(FieldModel::name).collect();
    format!(
        "unknown field `{name}`: `{}` has no such field (its fields: {})",
        model.rust_name,
        known.join(", ")
    )
}

fn check_template(model: &EntityModel, template: &KeyTemplate, cx: &mut Diagnostics) {
    let span = &template.source.span;
    let mut seen: Vec<&str> = Vec::new();
    for name in template.fields() {
        if seen.contains(&name) {
            cx.error(span.clone(), format!("field `{name}` appears twice in the key template"));
            continue;
        }
        seen.push(name);
        let Some(field) = model.field(name) else {
            cx.error(span.clone(), format!("{} in key template", unknown_field(model, name)));
            continue;
        };
        if field.skip.is_some() {
            cx.error(
                span.clone(),
                format!(
                    "field `{name}` is skipped (`#[entity(skip)]`), so it cannot appear in a key \
                     template: a key is made of stored values"
                ),
            );
        } else if field.class == TypeClass::Option {
            cx.error(
                span.clone(),
                format!(
                    "field `{name}` is an `Option`: a key template needs a value on every item. \
                     Make the field required, or put it in a native index key \
                     (`index(Name, pk = [{name}])`), where a missing value leaves the item out \
                     of the index"
                ),
            );
        } else if let Some(reason) = field.class.key_template_refusal() {
            cx.error(
                span.clone(),
                format!("field `{name}` cannot be used in a key template: {reason}"),
            );
        }
    }
}
