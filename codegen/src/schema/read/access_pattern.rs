//! Reading `[[access_patterns]]`: a named pattern's entity, index, operation, key fields,
//! sort operator and tenant field.

use crate::model::{AccessOperation, AccessPatternModel, SortOperator};
use crate::schema::node::Node;

use super::Reader;

const PATTERN_KEYS: &[&str] =
    &["name", "description", "entity", "index", "operation", "key_fields", "sort", "tenant_field"];

impl Reader {
    pub(super) fn access_pattern(&mut self, node: &Node) -> Option<AccessPatternModel> {
        let mut obj = self.obj(node, "an access pattern")?;
        let name = obj.take("name").and_then(|n| self.string(n, "the pattern name"));
        let description = obj
            .take("description")
            .and_then(|n| self.string(n, "the description"))
            .map(|d| d.value);
        let entity = obj.take("entity").and_then(|n| self.string(n, "the entity"));
        let index = obj.take("index").and_then(|n| self.string(n, "the index"));
        let operation = obj.take("operation").and_then(|n| {
            let op = self.string(n, "the operation")?;
            match op.value.as_str() {
                "get" => Some(AccessOperation::Get),
                "query" => Some(AccessOperation::Query),
                "scan" => Some(AccessOperation::Scan),
                _ => {
                    self.cx.error_with_hint(
                        op.span,
                        format!("unknown operation `{}`", op.value),
                        "expected `get`, `query` or `scan`",
                    );
                    None
                }
            }
        });
        let key_fields =
            obj.take("key_fields").map(|n| self.strings(n, "key field names")).unwrap_or_default();
        let sort = obj.take("sort").and_then(|n| {
            let op = self.string(n, "the sort operator")?;
            let parsed = SortOperator::parse(&op.value);
            if parsed.is_none() {
                self.cx.error_with_hint(
                    op.span,
                    format!("unknown sort operator `{}`", op.value),
                    "expected `eq`, `lt`, `le`, `gt`, `ge`, `between` or `begins_with`",
                );
            }
            parsed
        });
        let tenant_field =
            obj.take("tenant_field").and_then(|n| self.string(n, "the tenant field"));
        let pos = obj.pos;
        self.finish(obj, "an access pattern", PATTERN_KEYS);
        let Some(name) = name else {
            self.error(pos, "an access pattern needs `name`");
            return None;
        };
        let Some(entity) = entity else {
            self.error(pos, format!("access pattern `{}` needs `entity`", name.value));
            return None;
        };
        Some(AccessPatternModel {
            name,
            description,
            entity,
            index,
            operation: operation.unwrap_or(AccessOperation::Query),
            key_fields,
            sort,
            tenant_field,
            span: self.span(pos),
        })
    }
}
