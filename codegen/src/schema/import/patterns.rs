//! Access patterns generated from an imported model's keys.
//!
//! NoSQL Workbench's `DataAccess` holds no access patterns in the published models (it
//! is `{"MySql": {}}`, the setting of Workbench's import from MySQL), so the importer
//! writes the patterns every entity's keys serve: per entity a `get` by its full key
//! (`get_customer`), a `query` of its partition when its sort key has fields of its own
//! (`order_items_by_o_id`), and a `query` of each index it is in
//! (`order_items_by_gsi1`). Edit them into the application's own patterns.

use heck::ToSnakeCase;

use crate::model::{
    AccessOperation, AccessPatternModel, EntityIndexKeys, EntityModel, SortOperator,
};

use super::naming::spanned;
use super::Cx;

fn plural(snake: &str) -> String {
    if snake.ends_with('s') || snake.ends_with('x') {
        snake.to_owned()
    } else if let Some(stem) =
        snake.strip_suffix('y').filter(|s| !s.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        format!("{stem}ies")
    } else {
        format!("{snake}s")
    }
}

/// The generated patterns of `entities`, in entity order.
pub(super) fn access_patterns(entities: &[EntityModel], cx: &Cx) -> Vec<AccessPatternModel> {
    let mut out: Vec<AccessPatternModel> = Vec::new();
    let mut push = |name: String,
                    description: String,
                    entity: &EntityModel,
                    index: Option<&str>,
                    operation: AccessOperation,
                    key_fields: Vec<String>| {
        let taken = |n: &str| out.iter().any(|p: &AccessPatternModel| p.name.value == n);
        let name = if taken(&name) {
            (2..).map(|n| format!("{name}_{n}")).find(|n| !taken(n)).unwrap_or(name)
        } else {
            name
        };
        out.push(AccessPatternModel {
            name: spanned(&name, cx),
            description: Some(description),
            entity: spanned(&entity.rust_name.to_string(), cx),
            index: index.map(|i| spanned(i, cx)),
            operation,
            key_fields: key_fields.iter().map(|f| spanned(f, cx)).collect(),
            sort: None::<SortOperator>,
            tenant_field: None,
            span: cx.span(),
        });
    };
    for entity in entities {
        let rust = entity.rust_name.to_string();
        let snake = rust.to_snake_case();
        let many = plural(&snake);
        push(
            format!("get_{snake}"),
            format!("One {rust} by its key"),
            entity,
            None,
            AccessOperation::Get,
            entity.key_fields(),
        );
        let partition: Vec<String> = entity.partition_key.fields().map(str::to_owned).collect();
        let sort_has_own = entity
            .sort_key
            .as_ref()
            .is_some_and(|s| s.fields().any(|f| !partition.iter().any(|p| p == f)));
        if sort_has_own {
            let by =
                if partition.is_empty() { "partition".to_owned() } else { partition.join("_") };
            push(
                format!("{many}_by_{by}"),
                format!("The {rust} items of one partition"),
                entity,
                None,
                AccessOperation::Query,
                partition.clone(),
            );
        }
        for index in &entity.indexes {
            let fields: Vec<String> = match &index.keys {
                EntityIndexKeys::Templates { partition, .. } => {
                    partition.iter().flat_map(|t| t.fields().map(str::to_owned)).collect()
                }
                EntityIndexKeys::Fields { partition, .. } => {
                    partition.iter().map(|f| f.value.clone()).collect()
                }
            };
            let index_name = index.name.value.to_snake_case();
            push(
                format!("{many}_by_{index_name}"),
                format!("{rust} items by index {}", index.name.value),
                entity,
                Some(&index.name.value),
                AccessOperation::Query,
                fields,
            );
        }
    }
    out
}
