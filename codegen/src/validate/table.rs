//! The checks of a table on its own: names, index counts and shapes, LSI rules, key
//! attribute types.

use std::collections::HashMap;

use crate::diagnostic::Diagnostics;
use crate::model::{BillingModel, IndexKind, ProjectionModel, ScalarType, TableModel};

use super::{
    check_name, MAX_GLOBAL_INDEXES, MAX_INCLUDED_ATTRIBUTES, MAX_KEY_ATTRIBUTES, MAX_LOCAL_INDEXES,
};

/// Checks a table: names, index counts and shapes, LSI rules, attribute types.
pub fn table(model: &TableModel, cx: &mut Diagnostics) {
    check_name(&model.name, "table", cx);

    // Every key attribute keeps one type across the table and its indexes.
    let mut types: HashMap<String, ScalarType> = HashMap::new();
    let mut define = |attribute: &crate::model::KeyAttributeModel, cx: &mut Diagnostics| match types
        .get(attribute.name.value.as_str())
    {
        Some(ty) if *ty != attribute.ty => cx.error(
            attribute.name.span.clone(),
            format!(
                "attribute `{}` is declared as {} here but as {} elsewhere in the table: a \
                     key attribute has one type",
                attribute.name.value,
                attribute.ty.as_str(),
                ty.as_str()
            ),
        ),
        Some(_) => {}
        None => {
            types.insert(attribute.name.value.clone(), attribute.ty);
        }
    };
    define(&model.partition_key, cx);
    if let Some(sort) = &model.sort_key {
        if sort.name.value == model.partition_key.name.value {
            cx.error(sort.name.span.clone(), "the sort key must differ from the partition key");
        }
        define(sort, cx);
    }

    let (mut globals, mut locals, mut included) = (0, 0, 0);
    let mut names: Vec<&str> = Vec::new();
    for index in &model.indexes {
        check_name(&index.name, "index", cx);
        if names.contains(&index.name.value.as_str()) {
            cx.error(
                index.name.span.clone(),
                format!("duplicate index name `{}`", index.name.value),
            );
        }
        names.push(&index.name.value);
        match index.kind {
            IndexKind::Global => {
                globals += 1;
                if globals == MAX_GLOBAL_INDEXES + 1 {
                    cx.error(
                        index.span.clone(),
                        format!(
                            "too many GSIs: DynamoDB allows {MAX_GLOBAL_INDEXES} global \
                             secondary indexes per table (its default quota)"
                        ),
                    );
                }
                if index.throughput.is_some() && model.billing == BillingModel::OnDemand {
                    cx.error(
                        index.span.clone(),
                        format!(
                            "GSI `{}` sets `read`/`write`, but the table is billed on demand; \
                             set `billing = provisioned(read = …, write = …)` on the table",
                            index.name.value
                        ),
                    );
                }
            }
            IndexKind::Local => {
                locals += 1;
                if locals == MAX_LOCAL_INDEXES + 1 {
                    cx.error(
                        index.span.clone(),
                        format!(
                            "too many LSIs: DynamoDB allows {MAX_LOCAL_INDEXES} local secondary \
                             indexes per table"
                        ),
                    );
                }
                if model.sort_key.is_none() {
                    cx.error(
                        index.span.clone(),
                        format!(
                            "LSI `{}` needs a table with a sort key: add `sk = \"...\"` to the \
                             table",
                            index.name.value
                        ),
                    );
                }
                let table_pk = &model.partition_key;
                let same = matches!(index.partition_key.as_slice(),
                    [pk] if pk.name.value == table_pk.name.value && pk.ty == table_pk.ty);
                if !same {
                    let span = index
                        .partition_key
                        .first()
                        .map_or_else(|| index.span.clone(), |pk| pk.name.span.clone());
                    cx.error(
                        span,
                        format!(
                            "LSI `{}` must use the table's partition key `{}`: a local index \
                             shares it (remove `pk` or set it to `\"{}\"`)",
                            index.name.value, table_pk.name.value, table_pk.name.value
                        ),
                    );
                }
                if index.sort_key.len() > 1 {
                    cx.error(
                        index.sort_key[1].name.span.clone(),
                        format!(
                            "LSI `{}` has one sort attribute: multi-attribute keys are for GSIs",
                            index.name.value
                        ),
                    );
                }
            }
        }
        for (side, attributes) in [("partition", &index.partition_key), ("sort", &index.sort_key)] {
            if attributes.len() > MAX_KEY_ATTRIBUTES {
                cx.error(
                    attributes[MAX_KEY_ATTRIBUTES].name.span.clone(),
                    format!(
                        "index `{}` has {} {side}-key attributes: DynamoDB allows at most \
                         {MAX_KEY_ATTRIBUTES}",
                        index.name.value,
                        attributes.len()
                    ),
                );
            }
        }
        let all: Vec<_> = index.partition_key.iter().chain(&index.sort_key).collect();
        for (i, attribute) in all.iter().enumerate() {
            if all[..i].iter().any(|a| a.name.value == attribute.name.value) {
                cx.error(
                    attribute.name.span.clone(),
                    format!(
                        "attribute `{}` appears twice in the key of index `{}`",
                        attribute.name.value, index.name.value
                    ),
                );
            }
            define(attribute, cx);
        }
        if let ProjectionModel::Include(attributes) = &index.projection {
            included += attributes.len();
            for attribute in attributes {
                if attribute.value.is_empty() {
                    cx.error(attribute.span.clone(), "an attribute name cannot be empty");
                }
            }
            if included > MAX_INCLUDED_ATTRIBUTES {
                cx.error(
                    index.span.clone(),
                    format!(
                        "too many projected attributes: DynamoDB allows {MAX_INCLUDED_ATTRIBUTES} \
                         `include` attributes summed over all indexes of a table"
                    ),
                );
            }
        }
    }

    if let BillingModel::Provisioned(throughput) = model.billing {
        if throughput.read == 0 || throughput.write == 0 {
            cx.error(
                model.name.span.clone(),
                "provisioned billing needs `read` and `write` of at least 1",
            );
        }
    }
    let entity_type = &model.entity_type_attribute;
    if entity_type.value.is_empty() {
        cx.error(entity_type.span.clone(), "the entity-type attribute name cannot be empty");
    } else if types.contains_key(entity_type.value.as_str()) {
        cx.error(
            entity_type.span.clone(),
            format!(
                "the entity-type attribute `{}` is also a key attribute; choose another name",
                entity_type.value
            ),
        );
    }
    if let Some(ttl) = &model.ttl_attribute {
        if ttl.value.is_empty() {
            cx.error(ttl.span.clone(), "the TTL attribute name cannot be empty");
        } else if types.contains_key(ttl.value.as_str()) || ttl.value == entity_type.value {
            cx.error(
                ttl.span.clone(),
                format!(
                    "the TTL attribute `{}` is also a key or the entity-type attribute; TTL needs \
                     its own number attribute",
                    ttl.value
                ),
            );
        }
    }
}
