//! The AWS NoSQL Workbench importer: a data model's JSON export → one model per table.
//!
//! Inference rules (also in `docs/schema.md`): the table, its key attributes and types,
//! GSIs with projections, billing. Entities come from the facets or the sample items,
//! grouped, refined, merged and named as [`super::groups`] says. Key templates come from
//! the sample key values ([`super::infer`]): each `#`-separated segment that is the same
//! word in every sample is a literal; a segment that is the whole value of a non-key
//! attribute is that attribute's field; any other segment is a field, after a literal
//! head when every sample starts with the same letters before a digit or a `:`
//! (`Complaint123` → `Complaint{complaint_id}`). One value is one field: a key segment
//! holding, item by item, the values of a non-key attribute or of a field already made
//! for another key of the entity is that field (compared on the items where both are
//! present, so sparse index keys line up; across different literals only for values
//! that cannot be equal by chance, such as timestamps). Otherwise a key field is named
//! after the facet's key alias, else after the literal before it (`USER#{user_id}`; a
//! one-letter literal expanded from the key attribute's name: `DeviceID` with `d#…` →
//! `device_id`). Non-key attributes become fields typed from all their sample values
//! ([`super::types`]), `Option` unless every sample has them. A GSI whose key values
//! are templated (`p#12345`, or an attribute named `GSI…`) is filled from inferred
//! templates; one over plain attributes is a native field list. GSIs keyed on the
//! table's own key attributes (inverted indexes) list no entities. Entities whose
//! inferred keys could collide are merged into the first. Access patterns are generated
//! from the keys ([`super::patterns`]).

use serde_json::Value;

use crate::diagnostic::Diagnostics;
use crate::model::{
    BillingModel, EntityIndexKeys, EntityIndexModel, EntityModel, FieldModel, IndexKind,
    IndexModel, KeyAttributeModel, ModelSet, ProjectionModel, ScalarType, TableModel, Throughput,
    TypeClass,
};
use crate::schema::read::rust_type_name;
use crate::span::Spanned;

use super::groups::{entity_type_attribute, workbench_groups, Group};
use super::infer::{scalar_value, shape, KeyBuilder};
use super::naming::{field, field_name, ident, optional, spanned, template, unique};
use super::types::{infer, Namer, Ty};
use super::{parse_json, Cx, Imported};

/// A field whose type waits for the nested types to be named: (field, type, optional).
struct Pending {
    field: String,
    ty: Ty,
    optional: bool,
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
    let declared_names: Vec<String> = declared_types.iter().map(|(a, _)| a.clone()).collect();
    let groups = workbench_groups(table, &table_model, &declared_names);
    let mut table_model = table_model;
    let type_attribute = groups.first().and_then(|_| entity_type_attribute(table));
    if let Some(attribute) = &type_attribute {
        table_model.entity_type_attribute = spanned(attribute, cx);
    }
    let mut entities: Vec<(EntityModel, Vec<Pending>)> = Vec::new();
    let mut names: Vec<String> = vec![rust_name.to_string()];
    for group in groups {
        let entity_name = unique(group.name.clone(), &names);
        names.push(entity_name.clone());
        let mut group = group;
        if group.entity_type == group.name {
            group.entity_type = entity_name.clone();
        }
        let context = Context {
            table: &table_model,
            declared_types: &declared_types,
            declared_names: &declared_names,
            type_attribute: type_attribute.as_deref(),
        };
        let Some((entity, pending)) = workbench_entity(&group, &entity_name, &context, cx) else {
            continue;
        };
        // Entities whose keys could collide are merged into the first.
        if let Some((first, first_pending)) =
            entities.iter_mut().find(|(e, _)| crate::schema::check::keys_overlap(e, &entity))
        {
            for field in entity.fields {
                if first
                    .fields
                    .iter()
                    .all(|f| f.ident != field.ident && f.attribute.value != field.attribute.value)
                {
                    let name = field.name();
                    if let Some(p) = pending.iter().find(|p| p.field == name) {
                        let ty = p.ty.clone();
                        first_pending.push(Pending { field: name, ty, optional: true });
                    }
                    let ty = match crate::model::option_inner(&field.ty) {
                        Some(_) => field.ty.clone(),
                        None => optional(field.ty.clone()),
                    };
                    first.fields.push(FieldModel { class: TypeClass::of(&ty), ty, ..field });
                }
            }
            continue;
        }
        entities.push((entity, pending));
    }
    // Nested types: named once every entity's shapes are known.
    let mut namer = Namer::new(names);
    for (_, pending) in &entities {
        for p in pending {
            namer.observe(&p.field, &p.ty);
        }
    }
    let krate = table_model.crate_path.clone();
    let mut finished = Vec::new();
    for (mut entity, pending) in entities {
        let entity_name = entity.rust_name.to_string();
        for p in pending {
            let Some(field) = entity.fields.iter_mut().find(|f| f.name() == p.field) else {
                continue;
            };
            let mut ty = namer.rust_type(&entity_name, &p.field, &p.ty, &krate, cx);
            if p.optional {
                ty = optional(ty);
            }
            field.class = TypeClass::of(&ty);
            field.ty = ty;
        }
        finished.push(entity);
    }
    let access_patterns = super::patterns::access_patterns(&finished, cx);
    let models = ModelSet {
        table: table_model,
        entities: finished,
        attributes: namer.attributes,
        collections: Vec::new(),
        access_patterns,
    };
    Some(Imported { table_name: name.to_owned(), models })
}

struct Context<'a> {
    table: &'a TableModel,
    declared_types: &'a [(String, String)],
    declared_names: &'a [String],
    type_attribute: Option<&'a str>,
}

fn workbench_entity(
    group: &Group,
    name: &str,
    context: &Context<'_>,
    cx: &mut Cx,
) -> Option<(EntityModel, Vec<Pending>)> {
    let table = context.table;
    let type_attribute = context.type_attribute;
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
    let mut builder = KeyBuilder {
        attributes: &field_specs,
        declared: context.declared_names,
        made: Vec::new(),
        taken: taken.clone(),
    };
    let key_values = |attribute: &str| -> Vec<Option<&str>> {
        group.items.iter().map(|i| scalar_value(i, attribute)).collect()
    };
    let pk_source = builder.build(&key_values(pk), &group.pk_shape, &group.pk_alias, pk);
    let sk_source =
        sk.as_ref().map(|sk| builder.build(&key_values(sk), &group.sk_shape, &group.sk_alias, sk));
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
                    let values = key_values(&attribute.name.value);
                    let first = values.iter().flatten().next()?;
                    Some(builder.build(&values, &shape(first), &[], &attribute.name.value))
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
    let mut pending = Vec::new();
    for name in &template_fields {
        if field_specs.iter().any(|(n, _, _)| n == name) {
            continue;
        }
        fields.extend(field(name, name, string.clone(), cx));
    }
    for (name, attribute, values) in &field_specs {
        let declared =
            context.declared_types.iter().find(|(a, _)| a == attribute).map(|(_, t)| t.as_str());
        let samples: Vec<&Value> = group.items.iter().filter_map(|i| i.get(attribute)).collect();
        let ty = infer(&samples, declared);
        let in_template = template_fields.contains(name);
        let everywhere = !group.items.is_empty() && values.len() == samples.len();
        let native_key = entity_indexes.iter().any(|(_, p, s, t)| {
            !t && (p.as_deref() == Some(attribute) || s.as_deref() == Some(attribute))
        });
        if in_template {
            fields.extend(field(name, attribute, string.clone(), cx));
            continue;
        }
        let (ty, optional) = if native_key {
            // Native key attributes are S/N/B scalars; sparse when absent.
            (if ty.is_key_scalar() { ty } else { Ty::Str }, true)
        } else {
            (ty, !everywhere)
        };
        pending.push(Pending { field: name.clone(), ty, optional });
        fields.extend(field(name, attribute, string.clone(), cx));
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
    let entity = EntityModel {
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
        upgrade: None,
        compact: None,
        find: false,
    };
    Some((entity, pending))
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
