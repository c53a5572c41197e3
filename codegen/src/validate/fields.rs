//! The checks of fields (an entity's or a nested struct's) and of nested types, and the
//! scalar type a field type is known to be stored as.

use crate::diagnostic::Diagnostics;
use crate::model::{
    option_inner, AttributeModel, AttributeShape, DefaultValue, FieldModel, ScalarType, TypeClass,
    VariantBody,
};
use crate::span::SourceSpan;

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
pub(super) fn fields(fields: &[FieldModel], entity: bool, cx: &mut Diagnostics) {
    let mut attributes: Vec<(&str, &FieldModel)> = Vec::new();
    let mut first: Vec<&str> = Vec::new();
    for field in fields {
        let name = field.name();
        let markers = &field.markers;
        if field.skip.is_some() {
            let computed = field.computed.as_ref().map(|c| c.span.clone());
            let serde = [("serde", &field.serde)];
            let conflicts =
                serde.into_iter().chain(markers.named()).chain([("computed", &computed)]);
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

/// Reports every variant stored under a name an earlier variant already has.
fn distinct_names<'a>(
    names: impl Iterator<Item = &'a crate::Spanned<String>>,
    cx: &mut Diagnostics,
) {
    let mut seen: Vec<&str> = Vec::new();
    for name in names {
        if seen.contains(&name.value.as_str()) {
            cx.error(name.span.clone(), format!("two variants are stored as `{}`", name.value));
        }
        seen.push(&name.value);
    }
}

/// Checks a nested type: attribute names, tag clashes.
pub fn attribute(model: &AttributeModel, cx: &mut Diagnostics) {
    match &model.shape {
        AttributeShape::Struct(list) => fields(list, false, cx),
        AttributeShape::Newtype(_) => {}
        AttributeShape::UnitEnum(variants) => {
            distinct_names(variants.iter().map(|variant| &variant.name), cx);
        }
        AttributeShape::TaggedEnum { tag, variants } => {
            distinct_names(variants.iter().map(|variant| &variant.name), cx);
            for variant in variants {
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
