//! An entity checked against its table, for front ends that see both (schema files).

use crate::diagnostic::Diagnostics;
use crate::model::{EntityIndexKeys, EntityModel, IndexKind, KeyTemplate, ScalarType, TableModel};

use super::scalar_of;

/// Checks an entity against its table directly: the rules the derive emits as
/// compile-time assertions (it sees the entity and the table in separate macro calls),
/// for front ends that see both (schema files). Sort-key presence, index existence, kind
/// and arity, template and field types against key attribute types, attribute names
/// that collide with keys or the entity type, and `ttl` fields against the table's TTL
/// attribute.
pub fn entity_against_table(entity: &EntityModel, table: &TableModel, cx: &mut Diagnostics) {
    let name = &entity.rust_name;
    let table_name = &table.rust_name;
    match (&entity.sort_key, &table.sort_key) {
        (Some(sort), None) => cx.error_with_hint(
            entity.sort_span.clone().unwrap_or_else(|| sort.source.span.clone()),
            format!("table `{table_name}` has no sort key, so entity `{name}` cannot have an `sk` template"),
            "remove `sk` from the entity, or give the table a sort key",
        ),
        (None, Some(sk)) => cx.error_with_hint(
            entity.partition_key.source.span.clone(),
            format!("table `{table_name}` has a sort key (`{}`): entity `{name}` needs an `sk` template", sk.name.value),
            "e.g. `sk = \"PROFILE\"` or `sk = \"ORDER#{order_id}\"`",
        ),
        _ => {}
    }
    let template_fits = |template: &KeyTemplate,
                         key: &crate::model::KeyAttributeModel,
                         what: &str,
                         cx: &mut Diagnostics| {
        if key.ty == ScalarType::S {
            return;
        }
        match template.lone_field().and_then(|f| entity.field(f)) {
            Some(field) => {
                if let Some(scalar) = scalar_of(&field.ty) {
                    if scalar != key.ty {
                        cx.error_with_hint(
                            template.source.span.clone(),
                            format!(
                                "entity `{name}`: the template `{}` stores field `{}` as {what}, which is typed {}, but the field is stored as {}",
                                template.source.value, field.name(), key.ty.as_str(), scalar.as_str()
                            ),
                            format!("give the field a type stored as {}, or make the key attribute `S`", key.ty.as_str()),
                        );
                    }
                }
            }
            None if template.lone_field().is_none() => cx.error_with_hint(
                template.source.span.clone(),
                format!(
                    "entity `{name}`: the template `{}` renders a string, but {what} is typed {}",
                    template.source.value,
                    key.ty.as_str()
                ),
                "use a lone `{field}` template of a field of that type",
            ),
            None => {}
        }
    };
    template_fits(
        &entity.partition_key,
        &table.partition_key,
        &format!("the partition key of table `{table_name}`"),
        cx,
    );
    if let (Some(template), Some(key)) = (&entity.sort_key, &table.sort_key) {
        template_fits(template, key, &format!("the sort key of table `{table_name}`"), cx);
    }

    for index in &entity.indexes {
        let index_name = &index.name.value;
        let Some(model) = table.index(index_name) else {
            let known: Vec<&str> = table.indexes.iter().map(|i| i.name.value.as_str()).collect();
            let hint = if known.is_empty() {
                format!("table `{table_name}` declares no indexes; add it under the table's `gsi` or `lsi`")
            } else {
                format!("the table's indexes are: {}", known.join(", "))
            };
            cx.error_with_hint(
                index.name.span.clone(),
                format!("table `{table_name}` has no index `{index_name}` (in entity `{name}`)"),
                hint,
            );
            continue;
        };
        let local = model.kind == IndexKind::Local;
        let partition_span =
            index.partition_span.clone().unwrap_or_else(|| index.name.span.clone());
        let sort_span = index.sort_span.clone().unwrap_or_else(|| index.name.span.clone());
        let (has_pk, has_sk) = match &index.keys {
            EntityIndexKeys::Templates { partition, sort } => (partition.is_some(), sort.is_some()),
            EntityIndexKeys::Fields { partition, sort } => {
                (!partition.is_empty(), !sort.is_empty())
            }
        };
        if local && has_pk {
            cx.error_with_hint(partition_span.clone(), format!("index `{index_name}` is a local secondary index: it shares the table's partition key, so entity `{name}` gives it no `pk`"), "remove `pk` from this index entry");
        }
        if !local && !has_pk {
            cx.error_with_hint(index.name.span.clone(), format!("index `{index_name}` is a global secondary index: entity `{name}` needs a `pk` for it"), "add `pk` to this index entry");
        }
        if has_sk && model.sort_key.is_empty() {
            cx.error_with_hint(
                sort_span.clone(),
                format!("index `{index_name}` has no sort key: remove `sk`"),
                "the index's key is its partition key alone",
            );
        }
        if !has_sk && !model.sort_key.is_empty() {
            cx.error_with_hint(
                index.name.span.clone(),
                format!(
                    "index `{index_name}` has a sort key: entity `{name}` needs an `sk` for it"
                ),
                "add `sk` to this index entry",
            );
        }
        match &index.keys {
            EntityIndexKeys::Templates { partition, sort } => {
                let sides = [
                    (partition, &model.partition_key, partition_span, "partition"),
                    (sort, &model.sort_key, sort_span, "sort"),
                ];
                for (template, attributes, span, side) in sides {
                    let Some(template) = template else { continue };
                    if local && side == "partition" {
                        continue;
                    }
                    match attributes.as_slice() {
                        [key] => template_fits(template, key, &format!("the {side} key of index `{index_name}`"), cx),
                        [] => {}
                        _ => cx.error_with_hint(
                            span,
                            format!("index `{index_name}` has a {side} key of {} attributes (a native multi-attribute key): a template cannot fill it", attributes.len()),
                            format!("list the entity's fields in key order instead, `{} = [\"a\", \"b\"]`", if side == "partition" { "pk" } else { "sk" }),
                        ),
                    }
                }
            }
            EntityIndexKeys::Fields { partition, sort } => {
                let sides = [
                    (partition, &model.partition_key, partition_span, "partition"),
                    (sort, &model.sort_key, sort_span, "sort"),
                ];
                for (fields, attributes, span, side) in sides {
                    if fields.is_empty() || (local && side == "partition") {
                        continue;
                    }
                    if fields.len() != attributes.len() {
                        cx.error_with_hint(
                            span,
                            format!("entity `{name}` lists {} {side}-key field(s) for index `{index_name}`, whose {side} key has {} attribute(s)", fields.len(), attributes.len()),
                            "list one field per attribute, in key order",
                        );
                        continue;
                    }
                    for (position, (field_name, key)) in fields.iter().zip(attributes).enumerate() {
                        let Some(field) = entity.field(&field_name.value) else { continue };
                        if field.attribute.value != key.name.value {
                            cx.error_with_hint(
                                field_name.span.clone(),
                                format!(
                                    "field `{}` of entity `{name}` is stored as `{}`, but {side}-key attribute {} of index `{index_name}` is `{}`",
                                    field_name.value, field.attribute.value, position + 1, key.name.value
                                ),
                                "list the fields in key order, or rename the field's attribute to the key attribute",
                            );
                        } else if let Some(scalar) = scalar_of(&field.ty) {
                            if scalar != key.ty {
                                cx.error_with_hint(
                                    field_name.span.clone(),
                                    format!(
                                        "field `{}` of entity `{name}` is stored as {}, but {side}-key attribute `{}` of index `{index_name}` is typed {}",
                                        field_name.value, scalar.as_str(), key.name.value, key.ty.as_str()
                                    ),
                                    "give the field a type of the attribute's scalar type",
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    // Stored fields must not collide with the attributes the entity writes for keys.
    let lone_pk = entity.partition_key.lone_field();
    let lone_sk = entity.sort_key.as_ref().and_then(KeyTemplate::lone_field);
    for field in entity.fields.iter().filter(|f| f.is_stored()) {
        let field_name = field.name();
        let attribute = &field.attribute.value;
        let mut taken = attribute == &table.entity_type_attribute.value;
        if attribute == &table.partition_key.name.value {
            taken |=
                !(lone_pk == Some(field_name.as_str()) && table.partition_key.ty != ScalarType::S);
        }
        if let Some(sort) = &table.sort_key {
            if attribute == &sort.name.value {
                taken |= !(lone_sk == Some(field_name.as_str()) && sort.ty != ScalarType::S);
            }
        }
        for index in &entity.indexes {
            if !matches!(index.keys, EntityIndexKeys::Templates { .. }) {
                continue;
            }
            let Some(model) = table.index(&index.name.value) else { continue };
            if let [partition] = model.partition_key.as_slice() {
                taken |= attribute == &partition.name.value
                    && partition.name.value != table.partition_key.name.value;
            }
            if let [sort] = model.sort_key.as_slice() {
                taken |= attribute == &sort.name.value;
            }
        }
        if taken {
            cx.error_with_hint(
                field.attribute.span.clone(),
                format!(
                    "field `{field_name}` of entity `{name}` is stored as attribute `{attribute}`, which table `{table_name}` uses for a key or for the entity type"
                ),
                "rename the field's attribute (`rename = \"...\"`)",
            );
        }
        if let Some(span) = &field.markers.ttl {
            if table.ttl_attribute.as_ref().map(|t| &t.value) != Some(attribute) {
                cx.error_with_hint(
                    span.clone(),
                    format!("field `{field_name}` of entity `{name}` is marked `ttl`, but table `{table_name}` does not store TTL in attribute `{attribute}`"),
                    format!("declare `ttl = \"{attribute}\"` on the table, or rename the field to the table's TTL attribute"),
                );
            }
        }
    }
}
