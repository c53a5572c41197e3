//! The AWS NoSQL Workbench importer: a data model's JSON export → one model per table.
//!
//! Inference rules: the table, its key attributes and types, GSIs with projections,
//! billing. Entities: one per facet (`TableFacets`) when there are facets; otherwise one
//! per distinct key shape of the sample items (`TableData`), split by the value of an
//! `EntityType`-like attribute when the items have one. Key templates come from the
//! sample key values: each `#`-separated segment that is the same word in every sample
//! is a literal; any other segment is a field, after a literal head when every sample
//! starts with the same letters before a digit or a `:` (`Complaint123` →
//! `Complaint{complaint_id}`). A key field takes the name of a non-key attribute holding
//! the same value in every sample, else of the facet's key alias, else of the literal
//! before it (`USER#{user_id}`). Non-key attributes become fields typed from their
//! DynamoDB type (`S` → `String`, `N` → `Decimal`, `B` → `bytes`, `BOOL` → `bool`,
//! `SS`/`NS`/`BS` → sets, `L` → `Vec<String>`, `M` → `HashMap<String, String>`),
//! `Option` unless every sample has them. A GSI whose key values are templated
//! (`p#12345`, or an attribute named `GSI…`) is filled from inferred templates; one over
//! plain attributes is a native field list. GSIs keyed on the table's own key
//! attributes (inverted indexes) list no entities. Entities whose inferred keys could
//! collide are merged into the first.

use serde_json::Value;

use crate::diagnostic::Diagnostics;
use crate::model::{
    BillingModel, EntityIndexKeys, EntityIndexModel, EntityModel, FieldModel, IndexKind,
    IndexModel, KeyAttributeModel, ModelSet, ProjectionModel, ScalarType, TableModel, Throughput,
    TypeClass,
};
use crate::schema::read::rust_type_name;
use crate::span::Spanned;

use super::infer::{dynamo_type, rust_type, scalar_value, shape, KeyBuilder, Seg};
use super::naming::{field, field_name, ident, optional, spanned, template, unique};
use super::{parse_json, Cx, Imported};

struct Group {
    name: String,
    entity_type: String,
    items: Vec<Value>,
    /// Non-key attribute names with their declared types (facets).
    declared: Vec<String>,
    pk_alias: Vec<String>,
    sk_alias: Vec<String>,
}

/// Imports an AWS NoSQL Workbench data model (its JSON export): one [`Imported`] per
/// table, each checked. The inference rules are in the module documentation.
pub fn import_workbench(source: &str, file: &str) -> Result<Vec<Imported>, Diagnostics> {
    let root = parse_json(source, file)?;
    let mut cx = Cx { file: file.to_owned(), cx: Diagnostics::new() };
    let Some(tables) = root.get("DataModel").and_then(Value::as_array) else {
        cx.error("not a NoSQL Workbench model: no `DataModel` list of tables");
        return Err(cx.cx);
    };
    let mut out = Vec::new();
    for table in tables {
        if let Some(imported) = workbench_table(table, &mut cx) {
            out.push(imported);
        }
    }
    if cx.cx.is_empty() {
        Ok(out)
    } else {
        Err(cx.cx)
    }
}

fn key_attribute(value: Option<&Value>, cx: &Cx) -> Option<KeyAttributeModel> {
    let value = value?;
    let name = value.get("AttributeName")?.as_str()?;
    let ty = value
        .get("AttributeType")
        .and_then(Value::as_str)
        .and_then(ScalarType::parse)
        .unwrap_or(ScalarType::S);
    Some(KeyAttributeModel { name: spanned(name, cx), ty })
}

fn workbench_table(table: &Value, cx: &mut Cx) -> Option<Imported> {
    let Some(name) = table.get("TableName").and_then(Value::as_str) else {
        cx.error("a table of `DataModel` has no `TableName`");
        return None;
    };
    let keys = table.get("KeyAttributes");
    let Some(partition_key) = key_attribute(keys.and_then(|k| k.get("PartitionKey")), cx) else {
        cx.error(format!("table `{name}` has no `KeyAttributes.PartitionKey`"));
        return None;
    };
    let sort_key = key_attribute(keys.and_then(|k| k.get("SortKey")), cx);
    let krate = crate::model::default_crate_path();
    let provisioned = table.get("BillingMode").and_then(Value::as_str) == Some("PROVISIONED");
    let billing = match table.pointer("/ProvisionedCapacitySettings/ProvisionedThroughput") {
        Some(t) if provisioned => {
            let read = t.get("ReadCapacityUnits").and_then(Value::as_u64).unwrap_or(1).max(1);
            let write = t.get("WriteCapacityUnits").and_then(Value::as_u64).unwrap_or(1).max(1);
            BillingModel::Provisioned(Throughput { read, write })
        }
        _ => BillingModel::OnDemand,
    };
    let mut indexes = Vec::new();
    for gsi in table.get("GlobalSecondaryIndexes").and_then(Value::as_array).into_iter().flatten() {
        let Some(index_name) = gsi.get("IndexName").and_then(Value::as_str) else { continue };
        let keys = gsi.get("KeyAttributes");
        let Some(pk) = key_attribute(keys.and_then(|k| k.get("PartitionKey")), cx) else {
            continue;
        };
        let sk = key_attribute(keys.and_then(|k| k.get("SortKey")), cx);
        let projection = match gsi.pointer("/Projection/ProjectionType").and_then(Value::as_str) {
            Some("KEYS_ONLY") => ProjectionModel::KeysOnly,
            Some("INCLUDE") => ProjectionModel::Include(
                gsi.pointer("/Projection/NonKeyAttributes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(|a| spanned(a, cx))
                    .collect(),
            ),
            _ => ProjectionModel::All,
        };
        indexes.push(IndexModel {
            name: spanned(index_name, cx),
            kind: IndexKind::Global,
            partition_key: vec![pk],
            sort_key: sk.into_iter().collect(),
            projection,
            throughput: None,
            span: cx.span(),
        });
    }
    let rust_name = ident(&rust_type_name(name)).or_else(|| ident("Table"))?;
    let table_model = TableModel {
        rust_name: rust_name.clone(),
        name: spanned(name, cx),
        partition_key,
        sort_key,
        indexes,
        ttl_attribute: None,
        stream: None,
        billing,
        entity_type_attribute: spanned("_type", cx),
        crate_path: krate.clone(),
    };
    let declared_types: Vec<(String, String)> = table
        .get("NonKeyAttributes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| {
            Some((
                a.get("AttributeName")?.as_str()?.to_owned(),
                a.get("AttributeType")?.as_str()?.to_owned(),
            ))
        })
        .collect();
    let groups = workbench_groups(table, &table_model, cx);
    let mut table_model = table_model;
    let type_attribute = groups.first().and_then(|_| entity_type_attribute(table));
    if let Some(attribute) = &type_attribute {
        table_model.entity_type_attribute = spanned(attribute, cx);
    }
    let mut entities: Vec<EntityModel> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for group in groups {
        let entity_name = unique(group.name.clone(), &names);
        names.push(entity_name.clone());
        let mut group = group;
        if group.entity_type == group.name {
            group.entity_type = entity_name.clone();
        }
        let Some(entity) = workbench_entity(
            &group,
            &entity_name,
            &table_model,
            &declared_types,
            type_attribute.as_deref(),
            cx,
        ) else {
            continue;
        };
        // Entities whose keys could collide are merged into the first.
        if let Some(first) =
            entities.iter_mut().find(|e| crate::schema::check::keys_overlap(e, &entity))
        {
            for field in entity.fields {
                if first
                    .fields
                    .iter()
                    .all(|f| f.ident != field.ident && f.attribute.value != field.attribute.value)
                {
                    let ty = match crate::model::option_inner(&field.ty) {
                        Some(_) => field.ty.clone(),
                        None => optional(field.ty.clone()),
                    };
                    first.fields.push(FieldModel { class: TypeClass::of(&ty), ty, ..field });
                }
            }
            continue;
        }
        entities.push(entity);
    }
    let models = ModelSet {
        table: table_model,
        entities,
        attributes: Vec::new(),
        collections: Vec::new(),
        access_patterns: Vec::new(),
    };
    Some(Imported { table_name: name.to_owned(), models })
}

/// The attribute naming each item's entity type in the sample data, if one does.
fn entity_type_attribute(table: &Value) -> Option<String> {
    let items: Vec<&Value> =
        table.get("TableData").and_then(Value::as_array).into_iter().flatten().collect();
    let first = items.first()?.as_object()?;
    first
        .keys()
        .find(|k| {
            let lower: String = k
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            lower == "entitytype" && items.iter().all(|i| scalar_value(i, k).is_some())
        })
        .cloned()
}

fn workbench_groups(table: &Value, model: &TableModel, cx: &Cx) -> Vec<Group> {
    let _ = cx;
    let pk = model.partition_key.name.value.clone();
    let sk = model.sort_key.as_ref().map(|s| s.name.value.clone());
    if let Some(facets) =
        table.get("TableFacets").and_then(Value::as_array).filter(|f| !f.is_empty())
    {
        return facets
            .iter()
            .filter_map(|facet| {
                let name = facet.get("FacetName")?.as_str()?;
                let alias = |key: &str| -> Vec<String> {
                    facet
                        .pointer(&format!("/KeyAttributeAlias/{key}"))
                        .and_then(Value::as_str)
                        .map(|a| a.split('#').map(str::to_owned).collect())
                        .unwrap_or_default()
                };
                Some(Group {
                    name: rust_type_name(name),
                    entity_type: name.to_owned(),
                    items: facet
                        .get("TableData")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                    declared: facet
                        .get("NonKeyAttributes")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                    pk_alias: alias("PartitionKeyAlias"),
                    sk_alias: alias("SortKeyAlias"),
                })
            })
            .filter(|g| !g.name.is_empty())
            .collect();
    }
    let items: Vec<Value> =
        table.get("TableData").and_then(Value::as_array).cloned().unwrap_or_default();
    let type_attribute = entity_type_attribute(table);
    let mut groups: Vec<(String, Vec<Seg>, Vec<Seg>, Group)> = Vec::new();
    for item in items {
        let Some(pk_value) = scalar_value(&item, &pk) else { continue };
        let sk_value = sk.as_deref().and_then(|sk| scalar_value(&item, sk)).unwrap_or("");
        let kind =
            type_attribute.as_deref().and_then(|t| scalar_value(&item, t)).unwrap_or("").to_owned();
        let (pk_shape, sk_shape) = (shape(pk_value), shape(sk_value));
        match groups.iter_mut().find(|(k, p, s, _)| *k == kind && *p == pk_shape && *s == sk_shape)
        {
            Some((_, _, _, group)) => group.items.push(item),
            None => {
                let name = if !kind.is_empty() {
                    rust_type_name(&kind)
                } else {
                    let word = sk_shape.iter().chain(&pk_shape).find_map(|s| match s {
                        Seg::Lit(t) if t.chars().any(|c| c.is_ascii_alphabetic()) => {
                            Some(t.clone())
                        }
                        Seg::Val(h) if !h.trim_end_matches(':').is_empty() => {
                            Some(h.trim_end_matches(':').to_owned())
                        }
                        _ => None,
                    });
                    rust_type_name(word.as_deref().unwrap_or("Item"))
                };
                let name = if name.is_empty() { "Item".to_owned() } else { name };
                let entity_type = if kind.is_empty() { name.clone() } else { kind.clone() };
                groups.push((
                    kind,
                    pk_shape,
                    sk_shape,
                    Group {
                        name,
                        entity_type,
                        items: vec![item],
                        declared: Vec::new(),
                        pk_alias: Vec::new(),
                        sk_alias: Vec::new(),
                    },
                ));
            }
        }
    }
    if groups.is_empty() {
        let name = rust_type_name(&model.name.value);
        return vec![Group {
            name: format!("{name}Item"),
            entity_type: format!("{name}Item"),
            items: Vec::new(),
            declared: Vec::new(),
            pk_alias: Vec::new(),
            sk_alias: Vec::new(),
        }];
    }
    groups.into_iter().map(|(_, _, _, g)| g).collect()
}

fn workbench_entity(
    group: &Group,
    name: &str,
    table: &TableModel,
    declared_types: &[(String, String)],
    type_attribute: Option<&str>,
    cx: &mut Cx,
) -> Option<EntityModel> {
    let krate = &table.crate_path;
    let pk = &table.partition_key.name.value;
    let sk = table.sort_key.as_ref().map(|s| s.name.value.clone());
    // Non-key attributes, in first-seen order.
    let mut attributes: Vec<String> = group.declared.clone();
    for item in &group.items {
        for key in item.as_object().into_iter().flat_map(|o| o.keys()) {
            if !attributes.contains(key) {
                attributes.push(key.clone());
            }
        }
    }
    attributes.retain(|a| {
        a != pk
            && Some(a) != sk.as_ref()
            && Some(a.as_str()) != type_attribute
            && a != &table.entity_type_attribute.value
    });
    // Template-filled index attributes are written by the entity, not stored as fields.
    let templated: Vec<&IndexModel> = table
        .indexes
        .iter()
        .filter(|index| {
            let attrs: Vec<&KeyAttributeModel> =
                index.partition_key.iter().chain(&index.sort_key).collect();
            attrs.iter().all(|a| a.name.value != *pk && Some(&a.name.value) != sk.as_ref())
                && attrs.iter().all(|a| a.ty == ScalarType::S)
                && is_templated(index, &group.items)
        })
        .collect();
    let templated_attributes: Vec<&str> = templated
        .iter()
        .flat_map(|i| i.partition_key.iter().chain(&i.sort_key))
        .map(|a| a.name.value.as_str())
        .collect();
    let mut field_specs: Vec<(String, String, Vec<Option<String>>)> = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    for attribute in &attributes {
        if templated_attributes.contains(&attribute.as_str()) {
            continue;
        }
        let name = unique(field_name(attribute), &taken);
        taken.push(name.clone());
        let values =
            group.items.iter().map(|i| scalar_value(i, attribute).map(str::to_owned)).collect();
        field_specs.push((name, attribute.clone(), values));
    }
    let mut builder =
        KeyBuilder { attributes: &field_specs, made: Vec::new(), taken: taken.clone() };
    let pk_values: Vec<&str> = group.items.iter().filter_map(|i| scalar_value(i, pk)).collect();
    let pk_source = builder.build(&pk_values, &group.pk_alias, pk);
    let sk_source = sk.as_ref().map(|sk| {
        let values: Vec<&str> = group.items.iter().filter_map(|i| scalar_value(i, sk)).collect();
        builder.build(&values, &group.sk_alias, sk)
    });
    let mut entity_indexes = Vec::new();
    for index in &table.indexes {
        let attrs: Vec<&KeyAttributeModel> =
            index.partition_key.iter().chain(&index.sort_key).collect();
        if attrs.iter().any(|a| a.name.value == *pk || Some(&a.name.value) == sk.as_ref()) {
            continue; // an inverted index over the table's own keys
        }
        let Some(index_pk) = index.partition_key.first() else { continue };
        let in_group = attributes.contains(&index_pk.name.value);
        if !in_group {
            continue;
        }
        if templated.iter().any(|t| t.name.value == index.name.value) {
            let side =
                |attribute: &KeyAttributeModel, builder: &mut KeyBuilder<'_>| -> Option<String> {
                    let values: Vec<&str> = group
                        .items
                        .iter()
                        .filter_map(|i| scalar_value(i, &attribute.name.value))
                        .collect();
                    if values.is_empty() {
                        return None;
                    }
                    Some(builder.build(&values, &[], &attribute.name.value))
                };
            let partition = side(index_pk, &mut builder);
            let sort = index.sort_key.first().and_then(|s| side(s, &mut builder));
            if partition.is_none() || (sort.is_none() && !index.sort_key.is_empty()) {
                continue;
            }
            entity_indexes.push((index.name.value.clone(), partition, sort, true));
        } else {
            entity_indexes.push((
                index.name.value.clone(),
                Some(index_pk.name.value.clone()),
                index.sort_key.first().map(|s| s.name.value.clone()),
                false,
            ));
        }
    }

    // Fields: template fields first (String, required), then the attributes.
    let template_fields: Vec<String> = {
        let mut names: Vec<String> = Vec::new();
        let mut sources: Vec<&str> = vec![pk_source.as_str()];
        sources.extend(sk_source.as_deref());
        for (_, p, s, is_template) in &entity_indexes {
            if *is_template {
                sources.extend(p.as_deref());
                sources.extend(s.as_deref());
            }
        }
        for source in sources {
            for part in source.split('{').skip(1) {
                if let Some(name) = part.split('}').next() {
                    if !names.iter().any(|n| n == name) {
                        names.push(name.to_owned());
                    }
                }
            }
        }
        names
    };
    let string: syn::Type = syn::parse_quote!(::std::string::String);
    let mut fields = Vec::new();
    for name in &template_fields {
        if field_specs.iter().any(|(n, _, _)| n == name) {
            continue;
        }
        fields.extend(field(name, name, string.clone(), cx));
    }
    for (name, attribute, values) in &field_specs {
        let declared = declared_types.iter().find(|(a, _)| a == attribute).map(|(_, t)| t.clone());
        let observed = group.items.iter().find_map(|i| dynamo_type(i, attribute));
        let base = rust_type(observed.or(declared).as_deref().unwrap_or("S"), krate);
        let in_template = template_fields.contains(name);
        let everywhere = !group.items.is_empty() && values.iter().all(Option::is_some);
        let native_key = entity_indexes.iter().any(|(_, p, s, t)| {
            !t && (p.as_deref() == Some(attribute) || s.as_deref() == Some(attribute))
        });
        let ty = if in_template {
            string.clone()
        } else if native_key {
            // Native key attributes are S/N/B scalars; sparse when absent.
            let scalar = if observed_scalar(&base).is_some() { base } else { string.clone() };
            optional(scalar)
        } else if everywhere {
            base
        } else {
            optional(base)
        };
        fields.extend(field(name, attribute, ty, cx));
    }
    let field_of = |attribute: &str| -> Option<String> {
        field_specs.iter().find(|(_, a, _)| a == attribute).map(|(n, _, _)| n.clone())
    };
    let mut indexes = Vec::new();
    for (index_name, p, s, is_template) in entity_indexes {
        let keys = if is_template {
            EntityIndexKeys::Templates {
                partition: p.as_deref().and_then(|p| template(p, cx)),
                sort: s.as_deref().and_then(|s| template(s, cx)),
            }
        } else {
            let partition: Vec<Spanned<String>> =
                p.as_deref().and_then(&field_of).map(|f| spanned(&f, cx)).into_iter().collect();
            let sort: Vec<Spanned<String>> = match s.as_deref() {
                None => Vec::new(),
                Some(attribute) => match field_of(attribute) {
                    Some(f) => vec![spanned(&f, cx)],
                    None => {
                        // The sort attribute is not in this group's data: declare it, sparse.
                        let name = unique(
                            field_name(attribute),
                            &fields.iter().map(|f: &FieldModel| f.name()).collect::<Vec<_>>(),
                        );
                        fields.extend(field(&name, attribute, optional(string.clone()), cx));
                        vec![spanned(&name, cx)]
                    }
                },
            };
            EntityIndexKeys::Fields { partition, sort }
        };
        indexes.push(EntityIndexModel {
            name: spanned(&index_name, cx),
            keys,
            partition_span: None,
            sort_span: None,
        });
    }
    Some(EntityModel {
        rust_name: ident(name)?,
        table: {
            let t = &table.rust_name;
            syn::parse_quote!(#t)
        },
        entity_type: spanned(&group.entity_type, cx),
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
    })
}

fn observed_scalar(ty: &syn::Type) -> Option<ScalarType> {
    crate::validate::scalar_of(ty)
}

/// An index whose key values carry literals (`p#12345`) or whose attributes are named
/// like synthetic keys (`GSI1PK`, `GSI1-SK`).
fn is_templated(index: &IndexModel, items: &[Value]) -> bool {
    let attrs: Vec<&KeyAttributeModel> =
        index.partition_key.iter().chain(&index.sort_key).collect();
    attrs.iter().any(|a| a.name.value.to_ascii_uppercase().starts_with("GSI"))
        || attrs.iter().any(|a| {
            items.iter().filter_map(|i| scalar_value(i, &a.name.value)).any(|v| v.contains('#'))
        })
}
