//! Field types inferred from every sample value of an attribute (DynamoDB JSON), and the
//! nested `[[attributes]]` types that maps of one consistent shape become.
//!
//! Rules (also in `docs/schema.md`): `S` → `String`; `N` → `i64` when every sample is an
//! integer in `i64`'s range, else `Decimal`; `B` → `bytes`; `BOOL` → `bool`; sets by
//! their members (`NS` of integers → `HashSet<i64>`); `L` → `Vec<T>` with `T` inferred
//! from every element of every sample; `M` → a nested struct when the maps have one
//! shape (the keys common to every sample are at least half of all keys seen; keys
//! missing from some samples are `Option`), else `HashMap<String, V>` with `V` inferred
//! from every value. Samples of different DynamoDB types (and lists or maps whose members
//! differ) → `AttributeValue`, the raw value, which decodes anything. A map holding only
//! `M` → an untyped map (`{"M": {"M": {"HP": {"N": "50"}}}}`, a doubled `M` some
//! published models have and DynamoDB would refuse) is read as the inner map.

use serde_json::{Map, Value};

use crate::model::{AttributeModel, AttributeShape};
use crate::schema::read::{rust_type_name, RESERVED_TYPE_NAMES};

use super::naming::{field, field_name, ident, optional, unique};
use super::Cx;

/// An inferred type, before nested structs are named.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Ty {
    Str,
    Int,
    Dec,
    Bool,
    Bytes,
    StrSet,
    IntSet,
    DecSet,
    BytesSet,
    List(Box<Ty>),
    Map(Box<Ty>),
    /// A map of one shape: (key, type, present in every sample).
    Struct(Vec<(String, Ty, bool)>),
    /// Mixed or unknown: the raw `AttributeValue`.
    Raw,
}

impl Ty {
    /// A scalar DynamoDB key type can hold it (`S`, `N`, `B`).
    pub(super) fn is_key_scalar(&self) -> bool {
        matches!(self, Ty::Str | Ty::Int | Ty::Dec | Ty::Bytes)
    }
}

fn descriptor(value: &Value) -> Option<(&str, &Value)> {
    let object = value.as_object()?;
    let (key, inner) = object.iter().next()?;
    Some((key.as_str(), inner))
}

fn all_integers<'a>(numbers: impl IntoIterator<Item = &'a Value>) -> bool {
    numbers.into_iter().all(|n| n.as_str().is_some_and(|s| s.trim().parse::<i64>().is_ok()))
}

/// The type of an attribute from all its sample values; `declared` (a Workbench
/// `AttributeType`) when there are none.
pub(super) fn infer(values: &[&Value], declared: Option<&str>) -> Ty {
    if values.is_empty() {
        return match declared {
            Some("N") => Ty::Dec,
            Some("B") => Ty::Bytes,
            Some("BOOL") => Ty::Bool,
            Some("SS") => Ty::StrSet,
            Some("NS") => Ty::DecSet,
            Some("BS") => Ty::BytesSet,
            Some("L") => Ty::List(Box::new(Ty::Raw)),
            Some("M") => Ty::Map(Box::new(Ty::Raw)),
            _ => Ty::Str,
        };
    }
    let described: Vec<(&str, &Value)> = values.iter().filter_map(|v| descriptor(v)).collect();
    let Some((first, _)) = described.first() else { return Ty::Raw };
    if described.len() != values.len() || described.iter().any(|(d, _)| d != first) {
        return Ty::Raw;
    }
    let inner = || described.iter().map(|(_, v)| *v);
    match *first {
        "S" => Ty::Str,
        "N" if all_integers(inner()) => Ty::Int,
        "N" => Ty::Dec,
        "B" => Ty::Bytes,
        "BOOL" => Ty::Bool,
        "SS" => Ty::StrSet,
        "NS" if all_integers(inner().filter_map(Value::as_array).flatten()) => Ty::IntSet,
        "NS" => Ty::DecSet,
        "BS" => Ty::BytesSet,
        "L" => {
            let elements: Vec<&Value> = inner().filter_map(Value::as_array).flatten().collect();
            if elements.is_empty() {
                Ty::List(Box::new(Ty::Raw))
            } else {
                Ty::List(Box::new(infer(&elements, None)))
            }
        }
        "M" => infer_map(&inner().filter_map(Value::as_object).map(undouble).collect::<Vec<_>>()),
        _ => Ty::Raw,
    }
}

const DESCRIPTORS: &[&str] = &["S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"];

fn typed(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|o| o.len() == 1 && o.keys().all(|k| DESCRIPTORS.contains(&k.as_str())))
}

/// `{"M": {"M": {"HP": {"N": "50"}}}}` (a doubled `M` in published models, which
/// DynamoDB would refuse): the inner map is meant.
fn undouble(map: &Map<String, Value>) -> &Map<String, Value> {
    match map.get("M").and_then(Value::as_object) {
        Some(inner) if map.len() == 1 && !inner.is_empty() && inner.values().all(typed) => {
            if typed(&Value::Object(inner.clone())) {
                map
            } else {
                inner
            }
        }
        _ => map,
    }
}

fn infer_map(maps: &[&Map<String, Value>]) -> Ty {
    let mut union: Vec<&String> = Vec::new();
    for map in maps {
        for key in map.keys() {
            if !union.contains(&key) {
                union.push(key);
            }
        }
    }
    let common = union.iter().filter(|k| maps.iter().all(|m| m.contains_key(k.as_str()))).count();
    if !union.is_empty() && common * 2 >= union.len() {
        let fields = union
            .iter()
            .map(|key| {
                let values: Vec<&Value> = maps.iter().filter_map(|m| m.get(key.as_str())).collect();
                ((*key).clone(), infer(&values, None), values.len() == maps.len())
            })
            .collect();
        return Ty::Struct(fields);
    }
    let values: Vec<&Value> = maps.iter().flat_map(|m| m.values()).collect();
    if values.is_empty() {
        Ty::Map(Box::new(Ty::Raw))
    } else {
        Ty::Map(Box::new(infer(&values, None)))
    }
}

/// Names the nested structs of every entity's fields and makes their types.
///
/// A struct is named after its field (`detail` → `Detail`); when fields of that name
/// have different shapes in different entities, each is prefixed with its entity's name
/// (`ProductDetail`, `InvoiceDetail`). A struct inside a struct adds its key
/// (`TaskRewardM`); the element struct of a list drops a plural `s`
/// (`InvoiceDetailPayments` → `InvoiceDetailPayment`). Names already used by an
/// entity, the table or generated code get the entity prefix, then a number.
pub(super) struct Namer {
    /// (base name, shapes seen) over all entities.
    shapes: Vec<(String, Vec<Ty>)>,
    /// Named structs: (name, shape).
    named: Vec<(String, Ty)>,
    taken: Vec<String>,
    pub(super) attributes: Vec<AttributeModel>,
}

fn base_name(field: &str) -> String {
    let name = rust_type_name(field);
    if name.is_empty() {
        "Value".to_owned()
    } else {
        name
    }
}

fn singular(name: &str) -> String {
    match name.strip_suffix('s') {
        Some(stem) if stem.len() >= 3 && !stem.ends_with('s') => stem.to_owned(),
        _ => format!("{name}Item"),
    }
}

impl Namer {
    /// `taken`: entity and table names.
    pub(super) fn new(taken: Vec<String>) -> Self {
        Namer { shapes: Vec::new(), named: Vec::new(), taken, attributes: Vec::new() }
    }

    /// First pass: remembers the shape of each struct under its base name.
    pub(super) fn observe(&mut self, field: &str, ty: &Ty) {
        self.observe_at(&base_name(field), ty);
    }

    fn observe_at(&mut self, base: &str, ty: &Ty) {
        match ty {
            Ty::Struct(fields) => {
                match self.shapes.iter_mut().find(|(b, _)| b == base) {
                    Some((_, shapes)) if !shapes.contains(ty) => shapes.push(ty.clone()),
                    Some(_) => {}
                    None => self.shapes.push((base.to_owned(), vec![ty.clone()])),
                }
                for (key, inner, _) in fields {
                    self.observe_at(&format!("{base}{}", base_name(key)), inner);
                }
            }
            Ty::List(inner) => self.observe_at(&singular(base), inner),
            Ty::Map(inner) => self.observe_at(base, inner),
            _ => {}
        }
    }

    /// Second pass: the Rust type of field `field` of entity `entity`, registering the
    /// nested types it needs.
    pub(super) fn rust_type(
        &mut self,
        entity: &str,
        field: &str,
        ty: &Ty,
        krate: &syn::Path,
        cx: &Cx,
    ) -> syn::Type {
        let base = base_name(field);
        let conflicted = self.shapes.iter().any(|(b, s)| *b == base && s.len() > 1);
        let name = if conflicted { format!("{entity}{base}") } else { base };
        self.type_at(entity, &name, ty, krate, cx)
    }

    fn type_at(
        &mut self,
        entity: &str,
        name: &str,
        ty: &Ty,
        krate: &syn::Path,
        cx: &Cx,
    ) -> syn::Type {
        let string: syn::Type = syn::parse_quote!(::std::string::String);
        let decimal: syn::Type = syn::parse_quote!(#krate::Decimal);
        match ty {
            Ty::Str => string,
            Ty::Int => syn::parse_quote!(i64),
            Ty::Dec => decimal,
            Ty::Bool => syn::parse_quote!(bool),
            Ty::Bytes => syn::parse_quote!(::std::vec::Vec<u8>),
            Ty::StrSet => syn::parse_quote!(::std::collections::HashSet<#string>),
            Ty::IntSet => syn::parse_quote!(::std::collections::HashSet<i64>),
            Ty::DecSet => syn::parse_quote!(::std::collections::HashSet<#decimal>),
            Ty::BytesSet => syn::parse_quote!(::std::collections::HashSet<::std::vec::Vec<u8>>),
            Ty::Raw => syn::parse_quote!(#krate::AttributeValue),
            Ty::List(inner) => {
                let inner = self.type_at(entity, &singular(name), inner, krate, cx);
                syn::parse_quote!(::std::vec::Vec<#inner>)
            }
            Ty::Map(inner) => {
                let inner = self.type_at(entity, name, inner, krate, cx);
                syn::parse_quote!(::std::collections::HashMap<#string, #inner>)
            }
            Ty::Struct(fields) => {
                let name = self.struct_name(entity, name, ty);
                if !self.attributes.iter().any(|a| a.rust_name == name) {
                    let mut models = Vec::new();
                    let mut taken: Vec<String> = Vec::new();
                    for (key, inner, required) in fields {
                        let field_ident = unique(field_name(key), &taken);
                        taken.push(field_ident.clone());
                        let nested = format!("{name}{}", base_name(key));
                        let mut rust = self.type_at(entity, &nested, inner, krate, cx);
                        if !required {
                            rust = optional(rust);
                        }
                        models.extend(field(&field_ident, key, rust, cx));
                    }
                    if let Some(rust_name) = ident(&name) {
                        self.attributes.push(AttributeModel {
                            rust_name,
                            generics: syn::Generics::default(),
                            shape: AttributeShape::Struct(models),
                            crate_path: krate.clone(),
                        });
                    }
                }
                let ident = ident(&name)
                    .unwrap_or_else(|| syn::Ident::new("Value", proc_macro2::Span::call_site()));
                syn::parse_quote!(#ident)
            }
        }
    }

    /// The name of a struct of shape `ty` wanted as `wanted`: the same shape under the
    /// same name is one type; a name in use gets the entity prefix, then a number.
    fn struct_name(&mut self, entity: &str, wanted: &str, ty: &Ty) -> String {
        if let Some((name, _)) = self.named.iter().find(|(n, s)| n == wanted && s == ty) {
            return name.clone();
        }
        let free = |name: &str, namer: &Namer| {
            !namer.taken.iter().any(|t| t == name)
                && !namer.named.iter().any(|(n, _)| n == name)
                && !RESERVED_TYPE_NAMES.contains(&name)
        };
        let name = if free(wanted, self) {
            wanted.to_owned()
        } else if !wanted.starts_with(entity) && free(&format!("{entity}{wanted}"), self) {
            format!("{entity}{wanted}")
        } else {
            let all: Vec<String> = self
                .taken
                .iter()
                .cloned()
                .chain(self.named.iter().map(|(n, _)| n.clone()))
                .chain(RESERVED_TYPE_NAMES.iter().map(|s| s.to_string()))
                .collect();
            unique(wanted.to_owned(), &all).replace('_', "")
        };
        self.named.push((name.clone(), ty.clone()));
        name
    }
}
