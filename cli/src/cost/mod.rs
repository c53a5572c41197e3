//! `singletable cost`: the model and a traffic file mapped onto
//! `singletable_core::cost` (the pure capacity and price math, shared with the runtime's
//! recorded workloads). Sizes come from `[entities.X] size`, else from sample data
//! measured with `singletable_core::size`, else from the field types (docs/cost.md,
//! "Estimated sizes").

pub mod traffic;

use std::collections::BTreeMap;
use std::path::Path;

use singletable_codegen::model::{
    option_inner, EntityIndexKeys, EntityModel, IndexKind, KeyTemplate, ModelSet, ProjectionModel,
    TemplatePart, TypeClass,
};
use singletable_codegen::{Diagnostic, Diagnostics};
use singletable_core::cost::{
    read_units, write_units, Line, Prices, ReadMode, Workload, WriteMode, STORAGE_OVERHEAD_BYTES,
};
use singletable_core::{AttributeValue, Item};

use traffic::Traffic;

/// A byte count from an average: rounded, negative and NaN as 0, saturating.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped first
fn to_bytes(value: f64) -> u64 {
    if value.is_nan() || value <= 0.0 {
        0
    } else {
        value.round().min(u64::MAX as f64) as u64
    }
}

/// Bytes of a value of a field type when no sample says otherwise.
fn estimate(class: TypeClass, ty: &syn::Type) -> f64 {
    match class {
        TypeClass::String => 16.0,
        TypeClass::Integer => 6.0,
        TypeClass::Float => 10.0,
        TypeClass::Bool => 1.0,
        TypeClass::Timestamp => 24.0,
        TypeClass::Option => {
            option_inner(ty).map_or(16.0, |inner| estimate(TypeClass::of(inner), inner))
        }
        TypeClass::Collection => 64.0,
        TypeClass::Other => 32.0,
    }
}

/// Average bytes per attribute (name + value) of one entity's items.
#[derive(Debug, Clone, Default)]
struct Shape {
    attributes: BTreeMap<String, f64>,
    measured: bool,
    /// Average items per partition in the sample, per partition-key attribute list.
    samples: Vec<Item>,
}

impl Shape {
    fn size_of(&self, names: &[String]) -> f64 {
        names.iter().filter_map(|n| self.attributes.get(n)).sum()
    }

    fn total(&self) -> f64 {
        self.attributes.values().sum()
    }
}

fn template_bytes(template: &KeyTemplate, field_bytes: &BTreeMap<String, f64>) -> f64 {
    template
        .parts
        .iter()
        .map(|part| match part {
            TemplatePart::Literal(text) => text.len() as f64,
            TemplatePart::Field(name) => field_bytes.get(name).copied().unwrap_or(16.0),
        })
        .sum()
}

/// The attribute sizes of an entity from its model alone.
fn estimated_shape(models: &ModelSet, entity: &EntityModel) -> Shape {
    let mut value_bytes: BTreeMap<String, f64> = BTreeMap::new();
    let mut attributes: BTreeMap<String, f64> = BTreeMap::new();
    for field in entity.fields.iter().filter(|f| f.is_stored()) {
        let bytes = estimate(field.class, &field.ty);
        value_bytes.insert(field.name(), bytes);
        attributes
            .insert(field.attribute.value.clone(), field.attribute.value.len() as f64 + bytes);
    }
    let table = &models.table;
    let mut key = |name: &str, bytes: f64| {
        attributes.insert(name.to_owned(), name.len() as f64 + bytes);
    };
    key(&table.partition_key.name.value, template_bytes(&entity.partition_key, &value_bytes));
    if let (Some(sk), Some(template)) = (&table.sort_key, &entity.sort_key) {
        key(&sk.name.value, template_bytes(template, &value_bytes));
    }
    key(&table.entity_type_attribute.value, entity.entity_type.value.len() as f64);
    for membership in &entity.indexes {
        let Some(index) = table.index(&membership.name.value) else { continue };
        if let EntityIndexKeys::Templates { partition, sort } = &membership.keys {
            if let (Some(template), Some(attr)) = (partition, index.partition_key.first()) {
                if index.kind == IndexKind::Global {
                    key(&attr.name.value, template_bytes(template, &value_bytes));
                }
            }
            if let (Some(template), Some(attr)) = (sort, index.sort_key.first()) {
                key(&attr.name.value, template_bytes(template, &value_bytes));
            }
        }
    }
    Shape { attributes, measured: false, samples: Vec::new() }
}

/// Items of a sample-data file: a JSON array of items, a NoSQL Workbench model (its
/// tables' `TableData`), `{"Items": [...]}`, or JSON Lines of items.
fn sample_items(text: &str) -> Result<Vec<Item>, String> {
    let values: Vec<serde_json::Value> = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Array(items)) => items,
        Ok(serde_json::Value::Object(object)) => {
            if let Some(serde_json::Value::Array(models)) = object.get("DataModel") {
                models
                    .iter()
                    .filter_map(|m| m.get("TableData").and_then(|d| d.as_array()))
                    .flatten()
                    .cloned()
                    .collect()
            } else if let Some(serde_json::Value::Array(items)) = object.get("Items") {
                items.clone()
            } else {
                vec![serde_json::Value::Object(object)]
            }
        }
        Ok(other) => return Err(format!("expected items, found {other}")),
        Err(_) => text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(n, line)| serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1)))
            .collect::<Result<_, _>>()?,
    };
    values
        .iter()
        .enumerate()
        .map(|(n, value)| {
            let value = value.get("Item").unwrap_or(value);
            singletable_core::json::item_from_json(value)
                .map_err(|e| format!("item {}: {e}", n + 1))
        })
        .collect()
}

fn measured_shape(items: Vec<Item>) -> Shape {
    let mut attributes: BTreeMap<String, f64> = BTreeMap::new();
    for item in &items {
        for (name, value) in item {
            *attributes.entry(name.clone()).or_default() +=
                (name.len() + singletable_core::size::attribute_value_size(value)) as f64;
        }
    }
    let n = items.len().max(1) as f64;
    attributes.values_mut().for_each(|bytes| *bytes /= n);
    Shape { attributes, measured: true, samples: items }
}

/// Average items per partition among `samples`, keyed by `attributes`.
fn items_per_partition(samples: &[Item], attributes: &[String]) -> Option<f64> {
    let mut groups: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for item in samples {
        let key: Option<Vec<String>> = attributes
            .iter()
            .map(|a| item.get(a).map(|v: &AttributeValue| format!("{v:?}")))
            .collect();
        if let Some(key) = key {
            *groups.entry(key).or_default() += 1;
        }
    }
    (!groups.is_empty()).then(|| groups.values().sum::<usize>() as f64 / groups.len() as f64)
}

/// The model and the traffic as a workload, or the traffic file's diagnostics.
pub fn workload(
    models: &ModelSet,
    traffic: &Traffic,
    traffic_path: &Path,
) -> Result<Workload, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let table = &models.table;
    let table_keys: Vec<String> = std::iter::once(table.partition_key.name.value.clone())
        .chain(table.sort_key.iter().map(|k| k.name.value.clone()))
        .collect();

    // Names first: unknown patterns and entities are errors listing the known ones.
    let known_patterns: Vec<&str> =
        models.access_patterns.iter().map(|p| p.name.value.as_str()).collect();
    for (name, pattern) in &traffic.patterns {
        if !known_patterns.contains(&name.as_str()) {
            diagnostics.push(
                Diagnostic::new(pattern.span.clone(), format!("unknown access pattern `{name}`"))
                    .with_hint(format!(
                        "the schema's access patterns: {}",
                        known_patterns.join(", ")
                    )),
            );
        }
    }
    let known_entities: Vec<String> =
        models.entities.iter().map(|e| e.rust_name.to_string()).collect();
    for (name, entity) in &traffic.entities {
        if !known_entities.contains(name) {
            if let Some(span) = &entity.span {
                diagnostics.push(
                    Diagnostic::new(span.clone(), format!("unknown entity `{name}`"))
                        .with_hint(format!("the schema's entities: {}", known_entities.join(", "))),
                );
            }
        }
    }

    // Sizes: sample data where the entity has samples, else the estimate.
    let mut samples: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    if let Some((path, span)) = &traffic.sample_data {
        let full = traffic_path.parent().unwrap_or(Path::new(".")).join(path);
        match std::fs::read_to_string(&full)
            .map_err(|e| e.to_string())
            .and_then(|t| sample_items(&t))
        {
            Ok(items) => {
                for item in items {
                    if let Some(AttributeValue::S(kind)) =
                        item.get(&table.entity_type_attribute.value)
                    {
                        samples.entry(kind.clone()).or_default().push(item);
                    }
                }
            }
            Err(error) => diagnostics.push(Diagnostic::new(
                span.clone(),
                format!("cannot read sample data `{}`: {error}", full.display()),
            )),
        }
    }
    let shapes: BTreeMap<String, Shape> = models
        .entities
        .iter()
        .map(|entity| {
            let shape = match samples.remove(&entity.entity_type.value) {
                Some(items) if !items.is_empty() => measured_shape(items),
                _ => estimated_shape(models, entity),
            };
            (entity.rust_name.to_string(), shape)
        })
        .collect();
    let no_traffic = traffic::EntityTraffic::default();
    let entity_traffic = |name: &str| traffic.entities.get(name).unwrap_or(&no_traffic);
    let item_bytes = |name: &str| -> u64 {
        entity_traffic(name).size.unwrap_or_else(|| to_bytes(shapes[name].total()))
    };
    // An index entry: the item (ALL), or the table and index keys plus INCLUDE's
    // attributes, never more than the item.
    let entry_bytes = |name: &str, index: &singletable_codegen::model::IndexModel| -> u64 {
        let item = item_bytes(name);
        let mut names = table_keys.clone();
        names.extend(table.index_partition_key(index).iter().map(|k| k.name.value.clone()));
        names.extend(index.sort_key.iter().map(|k| k.name.value.clone()));
        match &index.projection {
            ProjectionModel::All => item,
            ProjectionModel::KeysOnly => to_bytes(shapes[name].size_of(&names)).min(item),
            ProjectionModel::Include(extra) => {
                let entity = models.entities.iter().find(|e| e.rust_name == name);
                names.extend(extra.iter().map(|a| {
                    entity
                        .and_then(|e| e.field(&a.value))
                        .map_or(a.value.clone(), |f| f.attribute.value.clone())
                }));
                to_bytes(shapes[name].size_of(&names)).min(item)
            }
        }
    };
    let target_of = |index: Option<&singletable_codegen::model::IndexModel>| match index {
        Some(index) if index.kind == IndexKind::Global => {
            format!("{}/{}", table.name.value, index.name.value)
        }
        _ => table.name.value.clone(),
    };
    let mode_name = |mode: ReadMode| match mode {
        ReadMode::Eventual => "eventual",
        ReadMode::Strong => "strong",
        ReadMode::Transactional => "transactional",
    };

    let mut lines = Vec::new();
    for pattern in &models.access_patterns {
        let Some(flow) = traffic.patterns.get(&pattern.name.value) else { continue };
        let entity = pattern.entity.value.as_str();
        if !shapes.contains_key(entity) {
            continue;
        }
        let index = pattern.index.as_ref().and_then(|i| table.index(&i.value));
        let mode = flow.consistency.as_ref().map_or(ReadMode::Eventual, |(mode, _)| *mode);
        if let (Some(index), Some((ReadMode::Strong | ReadMode::Transactional, span))) =
            (index, &flow.consistency)
        {
            if index.kind == IndexKind::Global {
                diagnostics.push(
                    Diagnostic::new(
                        span.clone(),
                        format!(
                            "`{}` reads GSI `{}`, and GSIs only serve eventually consistent reads",
                            pattern.name.value, index.name.value
                        ),
                    )
                    .with_hint("write `consistency = \"eventual\"` or leave it out"),
                );
                continue;
            }
        }
        let one = match index {
            Some(index) => entry_bytes(entity, index),
            None => item_bytes(entity),
        };
        let partition: Vec<String> = match index {
            Some(index) => {
                table.index_partition_key(index).iter().map(|k| k.name.value.clone()).collect()
            }
            None => vec![table.partition_key.name.value.clone()],
        };
        let items = match pattern.operation {
            singletable_codegen::model::AccessOperation::Get => 1.0,
            _ => flow
                .items
                .or_else(|| items_per_partition(&shapes[entity].samples, &partition))
                .unwrap_or(1.0),
        };
        let bytes = to_bytes(one as f64 * items);
        let units = read_units(bytes, mode);
        let source = if entity_traffic(entity).size.is_some() {
            "given"
        } else if shapes[entity].measured {
            "sampled"
        } else {
            "estimated"
        };
        lines.push(Line {
            name: pattern.name.value.clone(),
            target: target_of(index),
            requests_per_second: flow.rps,
            read_units_per_request: units,
            write_units_per_request: 0.0,
            note: format!(
                "{} {} × {one} B ({source}), {}",
                pattern.operation.as_str(),
                singletable_core::cost::render_number(items),
                mode_name(mode)
            ),
        });
    }

    let mut storage: Option<u64> = None;
    for entity in &models.entities {
        let name = entity.rust_name.to_string();
        let flow = entity_traffic(&name);
        let mode = if flow.transactional { WriteMode::Transactional } else { WriteMode::Standard };
        let size = item_bytes(&name);
        let indexes: Vec<_> =
            entity.indexes.iter().filter_map(|m| table.index(&m.name.value)).collect();
        if let Some(count) = flow.count {
            let entries: u64 =
                indexes.iter().map(|i| entry_bytes(&name, i) + STORAGE_OVERHEAD_BYTES).sum();
            *storage.get_or_insert(0) += count * (size + STORAGE_OVERHEAD_BYTES + entries);
        }
        for (op, rate, table_note) in [
            ("put", flow.put, "insert"),
            ("update", flow.update, "index keys kept"),
            ("update_index_keys", flow.update_index_keys, "index keys changed"),
            ("delete", flow.delete, "delete"),
        ] {
            if rate <= 0.0 {
                continue;
            }
            lines.push(Line {
                name: format!("{name} {op}"),
                target: table.name.value.clone(),
                requests_per_second: rate,
                read_units_per_request: 0.0,
                write_units_per_request: write_units(size, mode),
                note: format!("{table_note}, item {size} B"),
            });
            for index in &indexes {
                let entry = entry_bytes(&name, index);
                // GSI.html: a new entry = 1 write, a changed index key = delete + put = 2,
                // a deleted entry = 1; an update of non-key attributes rewrites the entry
                // only when it projects them (KEYS_ONLY: none).
                let (writes, why) = match op {
                    "update" if index.projection == ProjectionModel::KeysOnly => (0.0, ""),
                    "update" => (1.0, "projected attributes rewritten"),
                    "update_index_keys" => (2.0, "delete + put of the entry"),
                    "delete" => (1.0, "entry deleted"),
                    _ => (1.0, "entry written"),
                };
                if writes == 0.0 {
                    continue;
                }
                lines.push(Line {
                    name: format!("{name} {op} → {}", index.name.value),
                    target: target_of(Some(index)),
                    requests_per_second: rate,
                    read_units_per_request: 0.0,
                    write_units_per_request: writes * write_units(entry, mode),
                    note: format!("{why}, entry {entry} B"),
                });
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(Workload { lines, storage_bytes: storage })
    } else {
        Err(diagnostics)
    }
}

/// The default prices with the traffic file's overrides.
pub fn prices(traffic: &Traffic) -> Prices {
    let mut prices = Prices::us_east_1();
    for (key, value) in &traffic.prices {
        let slot = match key.as_str() {
            "on_demand_read_per_million" => &mut prices.on_demand_read_per_million,
            "on_demand_write_per_million" => &mut prices.on_demand_write_per_million,
            "provisioned_read_per_hour" => &mut prices.provisioned_read_per_hour,
            "provisioned_write_per_hour" => &mut prices.provisioned_write_per_hour,
            _ => &mut prices.storage_per_gb_month,
        };
        *slot = *value;
    }
    for (key, value) in &traffic.price_labels {
        match key.as_str() {
            "region" => prices.region = value.clone(),
            "as_of" => prices.as_of = value.clone(),
            _ => prices.source = value.clone(),
        }
    }
    if !traffic.prices.is_empty() && !traffic.price_labels.contains_key("as_of") {
        prices.as_of = format!("{} (overridden in the traffic file)", prices.as_of);
    }
    prices
}
