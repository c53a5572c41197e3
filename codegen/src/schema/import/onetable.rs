//! The OneTable importer: a OneTable schema (JSON) → one model.
//!
//! Mapping: `indexes` (primary, GSIs, `type: local` LSIs, projections), `models`
//! (one entity each; `${field}` value templates of key attributes become key templates,
//! other attributes fields typed from `type`, `Option` unless `required`, `map` a
//! rename), `params.typeField` the entity-type attribute. The table is named after
//! `name` (or `table`) at the top level when present, else after the file stem.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::diagnostic::Diagnostics;
use crate::model::{
    BillingModel, EntityIndexKeys, EntityIndexModel, EntityModel, IndexKind, IndexModel,
    KeyAttributeModel, ModelSet, ProjectionModel, ScalarType, TableModel,
};
use crate::schema::read::rust_type_name;

use super::naming::{field, field_name, ident, optional, spanned, template, unique};
use super::{parse_json, Cx, Imported};

/// Imports a OneTable schema (JSON): one table. The mapping is in the module
/// documentation.
pub fn import_onetable(source: &str, file: &str) -> Result<Vec<Imported>, Diagnostics> {
    let root = parse_json(source, file)?;
    let mut cx = Cx { file: file.to_owned(), cx: Diagnostics::new() };
    let imported = onetable(&root, file, &mut cx);
    match imported {
        Some(imported) if cx.cx.is_empty() => Ok(vec![imported]),
        _ => {
            if cx.cx.is_empty() {
                cx.error("not a OneTable schema");
            }
            Err(cx.cx)
        }
    }
}

fn onetable(root: &Value, file: &str, cx: &mut Cx) -> Option<Imported> {
    let Some(indexes) = root.get("indexes").and_then(Value::as_object) else {
        cx.error("not a OneTable schema: no `indexes` object");
        return None;
    };
    let Some(models) = root.get("models").and_then(Value::as_object) else {
        cx.error("not a OneTable schema: no `models` object");
        return None;
    };
    let Some(primary) = indexes.get("primary") else {
        cx.error("OneTable `indexes` has no `primary` index");
        return None;
    };
    let Some(hash) = primary.get("hash").and_then(Value::as_str) else {
        cx.error("the `primary` index has no `hash` attribute");
        return None;
    };
    let sort = primary.get("sort").and_then(Value::as_str);
    let table_name = root
        .get("name")
        .or_else(|| root.get("table"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| {
            std::path::Path::new(file)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("Table")
                .to_owned()
        });
    // Key attribute types: from the attribute's `type` in any model.
    let key_type = |attribute: &str| -> ScalarType {
        models
            .values()
            .filter_map(|m| m.get(attribute)?.get("type")?.as_str())
            .find_map(|t| match t.to_ascii_lowercase().as_str() {
                "number" => Some(ScalarType::N),
                "binary" | "buffer" => Some(ScalarType::B),
                _ => None,
            })
            .unwrap_or(ScalarType::S)
    };
    let key =
        |name: &str, cx: &Cx| KeyAttributeModel { name: spanned(name, cx), ty: key_type(name) };
    let mut index_models = Vec::new();
    for (index_name, index) in indexes {
        if index_name == "primary" {
            continue;
        }
        let local = index.get("type").and_then(Value::as_str) == Some("local");
        let projection = match index.get("project") {
            Some(Value::String(p)) if p == "keys" => ProjectionModel::KeysOnly,
            Some(Value::Array(list)) => ProjectionModel::Include(
                list.iter().filter_map(Value::as_str).map(|a| spanned(a, cx)).collect(),
            ),
            _ => ProjectionModel::All,
        };
        let partition = if local {
            hash.to_owned()
        } else {
            index.get("hash").and_then(Value::as_str).unwrap_or(hash).to_owned()
        };
        index_models.push(IndexModel {
            name: spanned(index_name, cx),
            kind: if local { IndexKind::Local } else { IndexKind::Global },
            partition_key: vec![key(&partition, cx)],
            sort_key: index
                .get("sort")
                .and_then(Value::as_str)
                .map(|s| key(s, cx))
                .into_iter()
                .collect(),
            projection,
            throughput: None,
            span: cx.span(),
        });
    }
    let type_field = root.pointer("/params/typeField").and_then(Value::as_str).unwrap_or("_type");
    let table = TableModel {
        rust_name: ident(&rust_type_name(&table_name)).or_else(|| ident("Table"))?,
        name: spanned(&table_name, cx),
        partition_key: key(hash, cx),
        sort_key: sort.map(|s| key(s, cx)),
        indexes: index_models,
        ttl_attribute: None,
        stream: None,
        billing: BillingModel::OnDemand,
        entity_type_attribute: spanned(type_field, cx),
        crate_path: crate::model::default_crate_path(),
    };
    let mut entities = Vec::new();
    for (model_name, attributes) in models {
        let Some(attributes) = attributes.as_object() else { continue };
        entities.extend(onetable_entity(model_name, attributes, &table, cx));
    }
    Some(Imported {
        table_name,
        models: ModelSet {
            table,
            entities,
            attributes: Vec::new(),
            collections: Vec::new(),
            access_patterns: Vec::new(),
        },
    })
}

/// `account#${id}` → `account#{id}` (fields by their Rust names).
fn onetable_template(value: &str, names: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at].replace(['{', '}'], ""));
        let after = &rest[at + 2..];
        let Some(close) = after.find('}') else {
            out.push_str(&after.replace(['{', '}'], ""));
            rest = "";
            break;
        };
        let attribute = &after[..close];
        let field = names
            .iter()
            .find(|(a, _)| a == attribute)
            .map_or_else(|| field_name(attribute), |(_, f)| f.clone());
        out.push('{');
        out.push_str(&field);
        out.push('}');
        rest = &after[close + 1..];
    }
    out.push_str(&rest.replace(['{', '}'], ""));
    out
}

fn onetable_type(spec: &Value, krate: &syn::Path) -> syn::Type {
    let kind = spec.get("type").and_then(Value::as_str).unwrap_or("string").to_ascii_lowercase();
    let string: syn::Type = syn::parse_quote!(::std::string::String);
    match kind.as_str() {
        "number" => syn::parse_quote!(#krate::Decimal),
        "boolean" => syn::parse_quote!(bool),
        "date" => syn::parse_quote!(#krate::Timestamp),
        "binary" | "buffer" => syn::parse_quote!(::std::vec::Vec<u8>),
        "set" => syn::parse_quote!(::std::collections::HashSet<#string>),
        "array" => syn::parse_quote!(::std::vec::Vec<#string>),
        "object" => syn::parse_quote!(::std::collections::HashMap<#string, #string>),
        _ => string,
    }
}

fn onetable_entity(
    model_name: &str,
    attributes: &serde_json::Map<String, Value>,
    table: &TableModel,
    cx: &mut Cx,
) -> Option<EntityModel> {
    let krate = &table.crate_path;
    let pk = &table.partition_key.name.value;
    let sk = table.sort_key.as_ref().map(|s| s.name.value.as_str());
    let value_of = |attribute: &str| {
        attributes.get(attribute).and_then(|a| a.get("value")).and_then(Value::as_str)
    };
    // Field names for every attribute (templates name fields by attribute).
    let mut taken = Vec::new();
    let names: Vec<(String, String)> = attributes
        .keys()
        .map(|a| {
            let name = unique(field_name(a), &taken);
            taken.push(name.clone());
            (a.clone(), name)
        })
        .collect();
    let key_attributes: BTreeSet<&str> = std::iter::once(pk.as_str())
        .chain(sort_attr(sk))
        .chain(
            table
                .indexes
                .iter()
                .flat_map(|i| i.partition_key.iter().chain(&i.sort_key))
                .map(|a| a.name.value.as_str()),
        )
        .collect();
    let Some(pk_value) = value_of(pk) else {
        cx.error(format!("model `{model_name}` has no `{pk}` attribute with a `value` template"));
        return None;
    };
    let pk_source = onetable_template(pk_value, &names);
    let sk_source = sk.map(|sk| {
        value_of(sk).map_or_else(|| model_name.to_owned(), |v| onetable_template(v, &names))
    });
    let sk_source = sk_source.map(|s| if s.is_empty() { model_name.to_owned() } else { s });
    let mut indexes = Vec::new();
    for index in &table.indexes {
        let partition = match index.kind {
            IndexKind::Local => None,
            IndexKind::Global => index
                .partition_key
                .first()
                .and_then(|a| value_of(&a.name.value))
                .map(|v| onetable_template(v, &names)),
        };
        let sort = index
            .sort_key
            .first()
            .and_then(|a| value_of(&a.name.value))
            .map(|v| onetable_template(v, &names));
        let wants_pk = index.kind == IndexKind::Global;
        if (wants_pk && partition.is_none())
            || (sort.is_none() && !index.sort_key.is_empty())
            || (!wants_pk && sort.is_none())
        {
            continue; // the model does not fill this index
        }
        indexes.push(EntityIndexModel {
            name: spanned(&index.name.value, cx),
            keys: EntityIndexKeys::Templates {
                partition: partition.and_then(|p| template(&p, cx)),
                sort: sort.and_then(|s| template(&s, cx)),
            },
            partition_span: None,
            sort_span: None,
        });
    }
    let mut in_templates: Vec<String> = Vec::new();
    let mut sources = vec![pk_source.clone()];
    sources.extend(sk_source.clone());
    for index in &indexes {
        if let EntityIndexKeys::Templates { partition, sort } = &index.keys {
            sources.extend(partition.iter().chain(sort).map(|t| t.source.value.clone()));
        }
    }
    for source in &sources {
        for part in source.split('{').skip(1) {
            if let Some(name) = part.split('}').next() {
                in_templates.push(name.to_owned());
            }
        }
    }
    let mut fields = Vec::new();
    for (attribute, spec) in attributes {
        if key_attributes.contains(attribute.as_str()) && spec.get("value").is_some() {
            continue;
        }
        let Some((_, name)) = names.iter().find(|(a, _)| a == attribute) else { continue };
        let stored = spec.get("map").and_then(Value::as_str).unwrap_or(attribute);
        let base = onetable_type(spec, krate);
        let required = spec.get("required").and_then(Value::as_bool).unwrap_or(false)
            || in_templates.contains(name);
        let ty = if required
            && !matches!(base, syn::Type::Path(ref p) if p.path.segments.last().is_some_and(|s| s.ident == "f64"))
        {
            base
        } else {
            optional(base)
        };
        fields.extend(field(name, stored, ty, cx));
    }
    let rust_name = ident(&rust_type_name(model_name))?;
    Some(EntityModel {
        rust_name,
        table: {
            let t = &table.rust_name;
            syn::parse_quote!(#t)
        },
        entity_type: spanned(model_name, cx),
        partition_key: template(&pk_source, cx)?,
        sort_key: match &sk_source {
            Some(s) => Some(template(s, cx)?),
            None => None,
        },
        sort_span: sk_source.as_ref().map(|_| cx.span()),
        indexes,
        fields,
        crate_path: krate.clone(),
        vis: syn::parse_quote!(pub),
        validate: None,
        shards: None,
        upgrade: None,
        compact: None,
        find: false,
    })
}

fn sort_attr(sk: Option<&str>) -> impl Iterator<Item = &str> {
    sk.into_iter()
}
