//! Reading the fields of an entity or an attribute type: `name = "Type"` or a table with
//! the type, the stored name, `default`, `skip`, `serde` and (on entities) the lifecycle
//! markers, `unique` and a `validate` hook.

use crate::model::{ComputedModel, DefaultValue, FieldMarkers, FieldModel, TypeClass};
use crate::schema::node::{Kind, Node};
use crate::span::Spanned;

use super::Reader;

const ENTITY_FIELD_KEYS: &[&str] = &[
    "type",
    "rename",
    "default",
    "skip",
    "serde",
    "version",
    "created_at",
    "updated_at",
    "ttl",
    "unique",
    "validate",
    "read_only",
    "computed",
    "from",
];
const ATTRIBUTE_FIELD_KEYS: &[&str] = &["type", "rename", "default", "skip", "serde"];

impl Reader {
    pub(super) fn fields(
        &mut self,
        node: &Node,
        entity: bool,
        attributes: &[String],
    ) -> Vec<FieldModel> {
        let Kind::Map(entries) = &node.kind else {
            self.expected(node, "a table of fields (`name = \"Type\"`)");
            return Vec::new();
        };
        entries.iter().filter_map(|(key, spec)| self.field(key, spec, entity, attributes)).collect()
    }

    fn field(
        &mut self,
        key: &Node,
        spec: &Node,
        entity: bool,
        attributes: &[String],
    ) -> Option<FieldModel> {
        let name = Spanned::new(key.key(), self.span(key.pos));
        let ident = self.ident(&name, "field");
        if let Some(ident) = &ident {
            if ident.to_string().to_ascii_lowercase().starts_with("__st") {
                self.error_hint(
                    key.pos,
                    format!("field name `{}` is reserved", name.value),
                    "names starting with `__st` are used by generated code",
                );
            }
        }
        let mut markers = FieldMarkers::default();
        let (mut skip, mut serde, mut default, mut validate) = (None, None, None, None);
        let mut computed = None;
        let mut attribute = name.clone();
        let ty = match &spec.kind {
            Kind::Str(_) => {
                self.string(spec, "the field type").and_then(|t| self.rust_type(&t, attributes))
            }
            Kind::Map(_) => {
                let mut obj = self.obj(spec, "a field")?;
                let ty = match obj.take("type") {
                    Some(n) => self
                        .string(n, "the field type")
                        .and_then(|t| self.rust_type(&t, attributes)),
                    None => {
                        self.error(spec.pos, format!("field `{}` needs `type`", name.value));
                        None
                    }
                };
                if let Some(rename) =
                    obj.take("rename").and_then(|n| self.string(n, "the attribute name"))
                {
                    if rename.value.is_empty() {
                        self.cx.error(rename.span.clone(), "an attribute name cannot be empty");
                    }
                    attribute = rename;
                }
                skip = obj.take("skip").and_then(|n| self.flag(n, "`skip`"));
                serde = obj.take("serde").and_then(|n| self.flag(n, "`serde`"));
                default = obj.take("default").and_then(|n| self.default_value(n));
                if entity {
                    markers.version = obj.take("version").and_then(|n| self.flag(n, "`version`"));
                    markers.created_at =
                        obj.take("created_at").and_then(|n| self.flag(n, "`created_at`"));
                    markers.updated_at =
                        obj.take("updated_at").and_then(|n| self.flag(n, "`updated_at`"));
                    markers.ttl = obj.take("ttl").and_then(|n| self.flag(n, "`ttl`"));
                    markers.unique = obj.take("unique").and_then(|n| self.flag(n, "`unique`"));
                    markers.read_only =
                        obj.take("read_only").and_then(|n| self.flag(n, "`read_only`"));
                    let function =
                        obj.take("computed").map(|n| (n.pos, self.function_path(n, "computed")));
                    let from = obj.take("from").map(|n| (n.pos, self.computed_inputs(n)));
                    match (function, from) {
                        (Some((pos, Some(function))), from) => {
                            computed = Some(ComputedModel {
                                function,
                                from: from.and_then(|(_, names)| names).unwrap_or_default(),
                                span: self.span(pos),
                            });
                        }
                        (Some((_, None)), _) => {}
                        (None, Some((pos, _))) => self.error(
                            pos,
                            format!(
                                "field `{}`: `from` lists the inputs of a `computed` field: add \
                                 `computed = \"path::to::fn\"`",
                                name.value
                            ),
                        ),
                        (None, None) => {}
                    }
                    if let Some(node) = obj.take("validate") {
                        validate = self.function_path(node, "validate");
                        if validate.is_some() && skip.is_some() {
                            // Reported here: the shared rule has no file position for a path.
                            self.error(
                                node.pos,
                                format!(
                                    "field `{}` is skipped (not stored), so it cannot have a \
                                     `validate` hook",
                                    name.value
                                ),
                            );
                            validate = None;
                        }
                    }
                }
                let known = if entity { ENTITY_FIELD_KEYS } else { ATTRIBUTE_FIELD_KEYS };
                self.finish(obj, &format!("field `{}`", name.value), known);
                ty
            }
            _ => {
                self.expected(
                    spec,
                    "a type (`\"String\"`) or a table (`{ type = \"String\", ... }`)",
                );
                None
            }
        };
        let ty = ty?;
        let ident = ident?;
        Some(FieldModel {
            class: TypeClass::of(&ty),
            ty,
            attribute,
            ident,
            skip,
            default,
            serde,
            markers,
            validate,
            computed,
            span: self.span(key.pos),
        })
    }

    /// `from = ["a", "b"]`: the inputs of a computed field, spanned where written.
    fn computed_inputs(&mut self, node: &Node) -> Option<Vec<Spanned<String>>> {
        Some(self.strings(node, "the fields a computed field is derived from"))
    }

    fn default_value(&mut self, node: &Node) -> Option<DefaultValue> {
        match &node.kind {
            Kind::Bool(true) => Some(DefaultValue::Trait),
            Kind::Bool(false) => None,
            Kind::Str(path) => match syn::parse_str::<syn::Path>(path) {
                Ok(parsed) => Some(DefaultValue::Function(parsed)),
                Err(_) => {
                    self.error_hint(
                        node.pos,
                        format!("`{path}` is not a path to a function"),
                        "write `default = true` (Default::default) or `default = \"path::to::function\"`",
                    );
                    None
                }
            },
            _ => {
                self.expected(node, "`true` or a function path (`default`)");
                None
            }
        }
    }
}
