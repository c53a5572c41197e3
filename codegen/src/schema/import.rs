//! Importers: AWS NoSQL Workbench data models and OneTable schemas → the model.
//!
//! The result is a [`ModelSet`] per table, written back as a schema file with
//! [`super::to_toml`]. Inference rules (documented in `docs/schema.md`):
//!
//! * **Workbench.** The table, its key attributes and types, GSIs with projections,
//!   billing. Entities: one per facet (`TableFacets`) when there are facets; otherwise one
//!   per distinct key shape of the sample items (`TableData`), split by the value of an
//!   `EntityType`-like attribute when the items have one. Key templates come from the
//!   sample key values: each `#`-separated segment that is the same word in every sample
//!   is a literal; any other segment is a field, after a literal head when every sample
//!   starts with the same letters before a digit or a `:` (`Complaint123` →
//!   `Complaint{complaint_id}`). A key field takes the name of a non-key attribute holding
//!   the same value in every sample, else of the facet's key alias, else of the literal
//!   before it (`USER#{user_id}`). Non-key attributes become fields typed from their
//!   DynamoDB type (`S` → `String`, `N` → `Decimal`, `B` → `bytes`, `BOOL` → `bool`,
//!   `SS`/`NS`/`BS` → sets, `L` → `Vec<String>`, `M` → `HashMap<String, String>`),
//!   `Option` unless every sample has them. A GSI whose key values are templated
//!   (`p#12345`, or an attribute named `GSI…`) is filled from inferred templates; one over
//!   plain attributes is a native field list. GSIs keyed on the table's own key
//!   attributes (inverted indexes) list no entities. Entities whose inferred keys could
//!   collide are merged into the first.
//! * **OneTable.** `indexes` (primary, GSIs, `type: local` LSIs, projections), `models`
//!   (one entity each; `${field}` value templates of key attributes become key templates,
//!   other attributes fields typed from `type`, `Option` unless `required`, `map` a
//!   rename), `params.typeField` the entity-type attribute. The table is named after
//!   `name` (or `table`) at the top level when present, else after the file stem.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::diagnostic::Diagnostics;
use crate::model::{
    BillingModel, EntityIndexKeys, EntityIndexModel, EntityModel, FieldMarkers, FieldModel,
    IndexKind, IndexModel, KeyAttributeModel, KeyTemplate, ModelSet, ProjectionModel, ScalarType,
    TableModel, Throughput, TypeClass,
};
use crate::schema::file_start;
use crate::schema::read::{is_keyword, rust_type_name};
use crate::span::{SourceSpan, Spanned};

/// One table of an imported file.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The DynamoDB table name.
    pub table_name: String,
    /// Its model, checked.
    pub models: ModelSet,
}

struct Cx {
    file: String,
    cx: Diagnostics,
}

impl Cx {
    fn span(&self) -> SourceSpan {
        file_start(&self.file)
    }
    fn error(&mut self, message: impl Into<String>) {
        let span = self.span();
        self.cx.error(span, message);
    }
}

fn parse_json(source: &str, file: &str) -> Result<Value, Diagnostics> {
    serde_json::from_str(source).map_err(|error| {
        let mut cx = Diagnostics::new();
        let position = crate::span::FilePosition {
            file: std::rc::Rc::from(file),
            line: crate::schema::node::to_u32(error.line()),
            column: crate::schema::node::to_u32(error.column().max(1)),
            length: 1,
        };
        cx.error(SourceSpan::File(position), format!("invalid JSON: {error}"));
        cx
    })
}

fn spanned(text: &str, cx: &Cx) -> Spanned<String> {
    Spanned::new(text.to_owned(), cx.span())
}

fn ident(name: &str) -> Option<syn::Ident> {
    syn::parse_str::<syn::Ident>(name).ok()
}

/// An attribute name → a Rust field name (`GSI1-PK` → `gsi1_pk`, `type` → `type_`).
fn field_name(attribute: &str) -> String {
    use heck::ToSnakeCase;
    let cleaned: String =
        attribute.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
    let mut name = cleaned.to_snake_case();
    if name.is_empty() {
        name = "field".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "f_");
    }
    if is_keyword(&name) || name == "schema" || name.starts_with("__st") || ident(&name).is_none() {
        name.push('_');
    }
    name
}

fn unique(name: String, taken: &[String]) -> String {
    if !taken.contains(&name) {
        return name;
    }
    (2..).map(|n| format!("{name}_{n}")).find(|n| !taken.contains(n)).unwrap_or(name)
}

/// A DynamoDB type descriptor → the generated Rust type.
fn rust_type(dynamo: &str, krate: &syn::Path) -> syn::Type {
    let string: syn::Type = syn::parse_quote!(::std::string::String);
    let decimal: syn::Type = syn::parse_quote!(#krate::Decimal);
    match dynamo {
        "N" => decimal,
        "B" => syn::parse_quote!(::std::vec::Vec<u8>),
        "BOOL" => syn::parse_quote!(bool),
        "SS" => syn::parse_quote!(::std::collections::HashSet<#string>),
        "NS" => syn::parse_quote!(::std::collections::HashSet<#decimal>),
        "BS" => syn::parse_quote!(::std::collections::HashSet<::std::vec::Vec<u8>>),
        "L" => syn::parse_quote!(::std::vec::Vec<#string>),
        "M" => syn::parse_quote!(::std::collections::HashMap<#string, #string>),
        _ => string,
    }
}

fn field(name: &str, attribute: &str, ty: syn::Type, cx: &Cx) -> Option<FieldModel> {
    Some(FieldModel {
        ident: ident(name)?,
        class: TypeClass::of(&ty),
        ty,
        attribute: spanned(attribute, cx),
        skip: None,
        default: None,
        serde: None,
        markers: FieldMarkers::default(),
        validate: None,
        span: cx.span(),
    })
}

fn optional(ty: syn::Type) -> syn::Type {
    syn::parse_quote!(::core::option::Option<#ty>)
}

fn template(source: &str, cx: &mut Cx) -> Option<KeyTemplate> {
    match KeyTemplate::parse(spanned(source, cx)) {
        Ok(t) => Some(t),
        Err(error) => {
            cx.error(format!("inferred key template `{source}`: {error}"));
            None
        }
    }
}

// ---------------------------------------------------------------------------------
// Key inference from sample values.

/// How one `#`-separated segment of a key value looks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Seg {
    /// The same text on every item of the group: a literal.
    Lit(String),
    /// A value, after a literal head (possibly empty).
    Val(String),
}

fn classify(segment: &str) -> Seg {
    let head: String = segment.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let rest = &segment[head.len()..];
    if let Some(after) = rest.strip_prefix(':') {
        if !head.is_empty() && !after.is_empty() {
            return Seg::Val(format!("{head}:"));
        }
    }
    if segment.bytes().any(|b| b.is_ascii_digit()) {
        return if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
            Seg::Val(head)
        } else {
            Seg::Val(String::new())
        };
    }
    if segment.contains([':', '-', '.', '@', ' ', '/']) {
        return Seg::Val(String::new());
    }
    Seg::Lit(segment.to_owned())
}

fn shape(value: &str) -> Vec<Seg> {
    value.split('#').map(classify).collect()
}

/// The string value of attribute `name` in a Workbench item (`{"S": "…"}`, `{"N": "…"}`).
fn scalar_value<'a>(item: &'a Value, name: &str) -> Option<&'a str> {
    let value = item.get(name)?;
    value.get("S").or_else(|| value.get("N")).and_then(Value::as_str)
}

fn dynamo_type(item: &Value, name: &str) -> Option<String> {
    item.get(name)?.as_object()?.keys().next().cloned()
}

/// Builds a template from sample values of one shape, naming its fields; fields already
/// named in `known` (name → the samples' values) are reused when the values match.
struct KeyBuilder<'a> {
    /// Non-key attributes of the group: (field name, attribute, values per item).
    attributes: &'a [(String, String, Vec<Option<String>>)],
    /// Fields made for templates: (name, values per item, the literal before them).
    made: Vec<(String, Vec<String>, String)>,
    taken: Vec<String>,
}

impl KeyBuilder<'_> {
    fn build(&mut self, values: &[&str], aliases: &[String], fallback: &str) -> String {
        let shape = values.first().map(|v| shape(v)).unwrap_or_default();
        let open = shape.iter().filter(|s| matches!(s, Seg::Val(_))).count();
        let by_segment = aliases.len() == shape.len();
        let all_aliases = aliases;
        let aliases: Vec<&String> = aliases.iter().filter(|a| !a.is_empty()).collect();
        let mut out = String::new();
        let mut previous_literal = String::new();
        let mut open_seen = 0;
        for (i, seg) in shape.iter().enumerate() {
            if i > 0 {
                out.push('#');
            }
            match seg {
                Seg::Lit(text) => {
                    out.push_str(text);
                    previous_literal = text.clone();
                }
                Seg::Val(head) => {
                    let samples: Vec<String> = values
                        .iter()
                        .map(|v| {
                            let seg = v.split('#').nth(i).unwrap_or("");
                            seg.strip_prefix(head.as_str()).unwrap_or(seg).to_owned()
                        })
                        .collect();
                    let name = self.name_for(
                        &samples,
                        head,
                        &previous_literal,
                        if by_segment {
                            all_aliases.get(i).map(String::as_str)
                        } else {
                            aliases
                                .get(open_seen)
                                .filter(|_| aliases.len() == open)
                                .map(|a| a.as_str())
                        },
                        fallback,
                    );
                    out.push_str(&head.replace(['{', '}'], ""));
                    out.push('{');
                    out.push_str(&name);
                    out.push('}');
                    open_seen += 1;
                }
            }
        }
        if out.is_empty() {
            let name = self.name_for(&[], "", "", None, fallback);
            out = format!("{{{name}}}");
        }
        out
    }

    fn name_for(
        &mut self,
        samples: &[String],
        head: &str,
        literal: &str,
        alias: Option<&str>,
        fallback: &str,
    ) -> String {
        let context = format!("{literal}|{head}");
        // A facet's key alias names the field, unless it only repeats the attribute name.
        if let Some(alias) = alias.filter(|a| !a.eq_ignore_ascii_case(fallback)) {
            let name = field_name(alias);
            if !self.taken.contains(&name) {
                self.taken.push(name.clone());
            }
            if !self.made.iter().any(|(n, _, _)| *n == name) {
                self.made.push((name.clone(), samples.to_vec(), context.clone()));
            }
            return name;
        }
        if !samples.is_empty() {
            // The same values after the same literal: the same field (`c#{c_id}` twice).
            if let Some((name, _, _)) =
                self.made.iter().find(|(_, v, c)| v.as_slice() == samples && *c == context)
            {
                return name.clone();
            }
            if let Some((name, _, _)) = self.attributes.iter().find(|(_, _, values)| {
                values.len() == samples.len()
                    && values.iter().zip(samples).all(|(v, s)| v.as_deref() == Some(s.as_str()))
            }) {
                self.made.push((name.clone(), samples.to_vec(), context));
                return name.clone();
            }
        }
        let base = if !head.trim_end_matches(':').is_empty() {
            field_name(&format!("{}_id", head.trim_end_matches(':')))
        } else if !literal.is_empty()
            && literal.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            field_name(&format!("{literal}_id"))
        } else {
            field_name(fallback)
        };
        let name = unique(base, &self.taken);
        self.taken.push(name.clone());
        self.made.push((name.clone(), samples.to_vec(), context));
        name
    }
}

// ---------------------------------------------------------------------------------
// NoSQL Workbench.

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
        if let Some(first) = entities.iter_mut().find(|e| super::check::keys_overlap(e, &entity)) {
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

// ---------------------------------------------------------------------------------
// OneTable.

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
    })
}

fn sort_attr(sk: Option<&str>) -> impl Iterator<Item = &str> {
    sk.into_iter()
}
