//! The rules a model must follow, checked on the model itself so that every front end
//! reports the same errors. Rules that need both an entity and its table (which the
//! derive sees in two separate macro calls) are emitted as compile-time checks instead;
//! see [`crate::emit`].

use std::collections::HashMap;

use crate::diagnostic::Diagnostics;
use crate::model::{
    option_inner, AttributeModel, AttributeShape, BillingModel, DefaultValue, EntityIndexKeys,
    EntityModel, FieldModel, IndexKind, KeyTemplate, ProjectionModel, ScalarType, TableModel,
    TypeClass, VariantBody,
};
use crate::span::{SourceSpan, Spanned};

/// DynamoDB's default quota of GSIs per table.
pub const MAX_GLOBAL_INDEXES: usize = 20;
/// LSIs per table.
pub const MAX_LOCAL_INDEXES: usize = 5;
/// Attributes in one side of a (multi-attribute) index key.
pub const MAX_KEY_ATTRIBUTES: usize = 4;
/// `INCLUDE` projected attributes, summed over every index of a table.
pub const MAX_INCLUDED_ATTRIBUTES: usize = 100;

/// True for a valid table or index name: 3–255 characters of `[a-zA-Z0-9_.-]`.
pub fn is_valid_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn check_name(name: &Spanned<String>, what: &str, cx: &mut Diagnostics) {
    if !is_valid_name(&name.value) {
        cx.error(
            name.span.clone(),
            format!(
                "invalid {what} name `{}`: DynamoDB names are 3 to 255 characters of a-z, A-Z, \
                 0-9, `_`, `-` and `.`",
                name.value
            ),
        );
    }
}

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
        let conflicts = [
            ("version", &markers.version),
            ("created_at", &markers.created_at),
            ("updated_at", &markers.updated_at),
            ("ttl", &markers.ttl),
            ("unique", &markers.unique),
            ("read_only", &markers.read_only),
        ];
        for (what, marker) in conflicts {
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

fn is_integer(ty: &syn::Type) -> bool {
    TypeClass::of(ty) == TypeClass::Integer
}

/// The integer types the runtime stores as TTL epoch seconds.
fn is_epoch_seconds(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    path.path.segments.last().is_some_and(|last| {
        last.arguments.is_empty() && ["u32", "u64", "i64"].iter().any(|t| last.ident == t)
    })
}

fn is_timestamp(ty: &syn::Type) -> bool {
    TypeClass::of(ty) == TypeClass::Timestamp
        || option_inner(ty).is_some_and(|inner| TypeClass::of(inner) == TypeClass::Timestamp)
}

/// Checks the fields of an entity (`markers`) or a nested struct.
fn fields(fields: &[FieldModel], entity: bool, cx: &mut Diagnostics) {
    let mut attributes: Vec<(&str, &FieldModel)> = Vec::new();
    let mut first: Vec<&str> = Vec::new();
    for field in fields {
        let name = field.name();
        let markers = &field.markers;
        if let Some(skip) = &field.skip {
            let conflicts = [
                ("serde", &field.serde),
                ("version", &markers.version),
                ("created_at", &markers.created_at),
                ("updated_at", &markers.updated_at),
                ("ttl", &markers.ttl),
                ("unique", &markers.unique),
                ("read_only", &markers.read_only),
                ("computed", &field.computed.as_ref().map(|c| c.span.clone())),
            ];
            for (what, span) in conflicts {
                if let Some(span) = span {
                    cx.error(
                        span.clone(),
                        format!("field `{name}` is skipped (not stored), so it cannot be `{what}`"),
                    );
                }
            }
            if let Some(path) = &field.validate {
                cx.error(
                    SourceSpan::of(path),
                    format!("field `{name}` is skipped (not stored), so it cannot have a `validate` hook"),
                );
            }
            let _ = skip;
        } else {
            match attributes.iter().find(|(attribute, _)| *attribute == field.attribute.value) {
                Some((attribute, other)) => cx.error(
                    field.attribute.span.clone(),
                    format!(
                        "fields `{}` and `{name}` are both stored as attribute `{attribute}`",
                        other.name()
                    ),
                ),
                None => attributes.push((&field.attribute.value, field)),
            }
        }
        if !entity {
            continue;
        }
        let singular = [
            ("version", &markers.version),
            ("created_at", &markers.created_at),
            ("updated_at", &markers.updated_at),
            ("ttl", &markers.ttl),
        ];
        for (what, marker) in singular {
            if let Some(at) = marker {
                if first.contains(&what) {
                    cx.error(
                        at.clone(),
                        format!("a second `{what}` field: an entity has at most one"),
                    );
                } else {
                    first.push(what);
                }
            }
        }

        if let Some(span) = &markers.version {
            if !is_integer(&field.ty) {
                cx.error(
                    span.clone(),
                    format!("`version` field `{name}` must be an integer type (e.g. `u64`)"),
                );
            }
        }
        for (what, marker) in
            [("created_at", &markers.created_at), ("updated_at", &markers.updated_at)]
        {
            if let (Some(span), false) = (marker, is_timestamp(&field.ty)) {
                cx.error(
                    span.clone(),
                    format!("`{what}` field `{name}` must be a `Timestamp` or `Option<Timestamp>`"),
                );
            }
        }
        if let Some(span) = &markers.ttl {
            let inner = option_inner(&field.ty).unwrap_or(&field.ty);
            if !is_timestamp(&field.ty) && !is_epoch_seconds(inner) {
                cx.error(
                    span.clone(),
                    format!(
                        "`ttl` field `{name}` must be a `Timestamp`, epoch seconds as `u32`, `u64` \
                         or `i64`, or an `Option` of one"
                    ),
                );
            }
            if let Some(serde) = &field.serde {
                cx.error(
                    serde.clone(),
                    "a `ttl` field is stored as epoch seconds and cannot use `serde`",
                );
            }
            if let Some(DefaultValue::Trait | DefaultValue::Function(_)) = &field.default {
                if option_inner(&field.ty).is_none() {
                    // A default TTL of zero would expire the item at once.
                    cx.error(
                        span.clone(),
                        format!(
                            "`ttl` field `{name}` cannot have a `default`: make it an `Option`"
                        ),
                    );
                }
            }
        }
    }
}

/// Checks a nested type: attribute names, tag clashes.
pub fn attribute(model: &AttributeModel, cx: &mut Diagnostics) {
    match &model.shape {
        AttributeShape::Struct(list) => fields(list, false, cx),
        AttributeShape::Newtype(_) => {}
        AttributeShape::UnitEnum(variants) => {
            let mut names: Vec<&str> = Vec::new();
            for variant in variants {
                if names.contains(&variant.name.value.as_str()) {
                    cx.error(
                        variant.name.span.clone(),
                        format!("two variants are stored as `{}`", variant.name.value),
                    );
                }
                names.push(&variant.name.value);
            }
        }
        AttributeShape::TaggedEnum { tag, variants } => {
            let mut names: Vec<&str> = Vec::new();
            for variant in variants {
                if names.contains(&variant.name.value.as_str()) {
                    cx.error(
                        variant.name.span.clone(),
                        format!("two variants are stored as `{}`", variant.name.value),
                    );
                }
                names.push(&variant.name.value);
                if let VariantBody::Named(list) = &variant.body {
                    fields(list, false, cx);
                    for field in list.iter().filter(|f| f.is_stored()) {
                        if field.attribute.value == tag.value {
                            cx.error(
                                field.attribute.span.clone(),
                                format!(
                                    "field `{}` is stored as `{}`, the enum's tag attribute; rename \
                                     the field or set `#[attribute(tag = \"...\")]`",
                                    field.name(),
                                    tag.value
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// The scalar type (`S`, `N`, `B`) a field type is stored as when it is known from its
/// syntax alone (`String`, integers, `Decimal`, `Uuid`, `Timestamp`, `Vec<u8>`); `None`
/// for other types, whose `ScalarAttribute` impl decides (and the generated code checks).
pub fn scalar_of(ty: &syn::Type) -> Option<ScalarType> {
    let ty = option_inner(ty).unwrap_or(ty);
    match TypeClass::of(ty) {
        TypeClass::String => return Some(ScalarType::S),
        TypeClass::Integer => return Some(ScalarType::N),
        TypeClass::Timestamp => return Some(ScalarType::S),
        _ => {}
    }
    let syn::Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    match last.ident.to_string().as_str() {
        "Uuid" => Some(ScalarType::S),
        "Decimal" | "Number" => Some(ScalarType::N),
        "Vec" => {
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
            match args.args.first() {
                Some(syn::GenericArgument::Type(syn::Type::Path(inner)))
                    if inner.path.is_ident("u8") =>
                {
                    Some(ScalarType::B)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

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
