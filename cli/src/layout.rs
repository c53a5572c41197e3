//! What `doc` shows, computed once from the model: the table layout (each entity's key
//! templates on the table and on every index), the entity relations and the key
//! condition of every access pattern. The Markdown page, the Mermaid sources and the
//! HTML page's SVG all read this.

use singletable_codegen::model::{
    AccessOperation, AccessPatternModel, EntityIndexKeys, EntityModel, IndexKind, IndexModel,
    KeyTemplate, ModelSet, ProjectionModel, SortOperator, TemplatePart,
};

/// One key attribute of an item and the value an entity stores there.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPart {
    /// The attribute (`PK`, `GSI1SK`, `tenant_id`).
    pub attribute: String,
    /// The template's parts (a native key attribute is one field).
    pub parts: Vec<TemplatePart>,
    /// The template as written (`USER#{user_id}`).
    pub text: String,
}

impl KeyPart {
    fn template(attribute: &str, template: &KeyTemplate) -> Self {
        KeyPart {
            attribute: attribute.to_owned(),
            parts: template.parts.clone(),
            text: template.source.value.clone(),
        }
    }

    fn field(attribute: &str, field: &str) -> Self {
        KeyPart {
            attribute: attribute.to_owned(),
            parts: vec![TemplatePart::Field(field.to_owned())],
            text: format!("{{{field}}}"),
        }
    }

    /// True when the value has no placeholder: every item of the entity stores the same.
    pub fn is_constant(&self) -> bool {
        self.parts.iter().all(|part| matches!(part, TemplatePart::Literal(_)))
    }

    /// The template cut before the first placeholder the caller does not supply.
    fn truncated(&self, supplied: &[String]) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Literal(text) => out.push_str(text),
                TemplatePart::Field(name) if supplied.iter().any(|s| s == name) => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
                TemplatePart::Field(_) => break,
            }
        }
        out
    }
}

/// How one entity fills the key of the table or of one index.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The entity's Rust name.
    pub entity: String,
    /// Partition-key attributes and values.
    pub partition: Vec<KeyPart>,
    /// Sort-key attributes and values (empty without a sort key).
    pub sort: Vec<KeyPart>,
}

impl Row {
    /// `USER#{user_id}` (several attributes joined by ` + `).
    pub fn partition_text(&self) -> String {
        join_texts(&self.partition)
    }

    /// The sort key's text, `—` without one.
    pub fn sort_text(&self) -> String {
        if self.sort.is_empty() {
            "—".to_owned()
        } else {
            join_texts(&self.sort)
        }
    }
}

fn join_texts(parts: &[KeyPart]) -> String {
    parts.iter().map(|part| part.text.as_str()).collect::<Vec<_>>().join(" + ")
}

/// The table or one of its indexes, with the entities stored in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// `table`, `GSI` or `LSI`.
    pub kind: &'static str,
    /// The table's or the index's name.
    pub name: String,
    /// Partition-key attributes, with their scalar types (`PK (S)`).
    pub partition_attributes: Vec<String>,
    /// Sort-key attributes, with their scalar types.
    pub sort_attributes: Vec<String>,
    /// The projection of an index (`ALL`, `KEYS_ONLY`, `INCLUDE a, b`); empty for the table.
    pub projection: String,
    /// The entities, in model order.
    pub rows: Vec<Row>,
}

impl Column {
    /// `Table App`, `GSI GSI1`, `LSI LSI1`.
    pub fn title(&self) -> String {
        match self.kind {
            "table" => format!("Table {}", self.name),
            kind => format!("{kind} {}", self.name),
        }
    }

    /// The key schema in words: `PK (S) / SK (S)`.
    pub fn key_text(&self) -> String {
        let partition = self.partition_attributes.join(" + ");
        if self.sort_attributes.is_empty() {
            partition
        } else {
            format!("{partition} / {}", self.sort_attributes.join(" + "))
        }
    }

    /// The row of `entity`.
    pub fn row(&self, entity: &str) -> Option<&Row> {
        self.rows.iter().find(|row| row.entity == entity)
    }
}

/// How two entities relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// One parent (a constant sort key) to many children in its partition.
    OneToMany,
    /// Items of both share partitions, neither is the parent.
    ManyToMany,
    /// A collection holds one (or no) item of the entity.
    ZeroOrOne,
}

/// A line of the entity-relation diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// The "one" side (an entity, or a collection).
    pub from: String,
    /// The other side.
    pub to: String,
    /// The cardinality.
    pub cardinality: Cardinality,
    /// What makes the relation (`PK USER#{user_id}`, `collection`).
    pub label: String,
}

/// One access pattern as the doc's table shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternRow {
    /// The pattern's name.
    pub name: String,
    /// `get`, `query` or `scan`.
    pub operation: &'static str,
    /// `table` or the index name.
    pub index: String,
    /// The key condition (`PK = "USER#{user_id}" AND begins_with(SK, "ORDER#")`).
    pub condition: String,
    /// The entity.
    pub entity: String,
    /// The description, or empty.
    pub description: String,
}

/// Everything the doc pages show.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The table's name.
    pub table: String,
    /// The table first, then its indexes in declaration order.
    pub columns: Vec<Column>,
    /// The entity relations.
    pub relations: Vec<Relation>,
    /// The collections: name and member entities.
    pub collections: Vec<(String, Vec<String>)>,
    /// The access patterns.
    pub patterns: Vec<PatternRow>,
}

fn typed(name: &str, ty: &str) -> String {
    format!("{name} ({ty})")
}

fn projection_text(projection: &ProjectionModel) -> String {
    match projection {
        ProjectionModel::All => "ALL".to_owned(),
        ProjectionModel::KeysOnly => "KEYS_ONLY".to_owned(),
        ProjectionModel::Include(names) => format!(
            "INCLUDE {}",
            names.iter().map(|n| n.value.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn table_row(models: &ModelSet, entity: &EntityModel) -> Row {
    let table = &models.table;
    let partition = vec![KeyPart::template(&table.partition_key.name.value, &entity.partition_key)];
    let sort = match (&table.sort_key, &entity.sort_key) {
        (Some(key), Some(template)) => vec![KeyPart::template(&key.name.value, template)],
        _ => Vec::new(),
    };
    Row { entity: entity.rust_name.to_string(), partition, sort }
}

fn index_row(models: &ModelSet, index: &IndexModel, entity: &EntityModel) -> Option<Row> {
    let membership = entity.indexes.iter().find(|m| m.name.value == index.name.value)?;
    let attribute = |keys: &[singletable_codegen::model::KeyAttributeModel], at: usize| {
        keys.get(at).map_or_else(|| "?".to_owned(), |key| key.name.value.clone())
    };
    let (partition, sort) = match &membership.keys {
        EntityIndexKeys::Templates { partition, sort } => {
            let partition = match (index.kind, partition) {
                (_, Some(template)) => {
                    vec![KeyPart::template(&attribute(&index.partition_key, 0), template)]
                }
                (IndexKind::Local, None) => table_row(models, entity).partition,
                (IndexKind::Global, None) => Vec::new(),
            };
            let sort = sort
                .iter()
                .map(|template| KeyPart::template(&attribute(&index.sort_key, 0), template))
                .collect();
            (partition, sort)
        }
        EntityIndexKeys::Fields { partition, sort } => {
            let partition = if partition.is_empty() && index.kind == IndexKind::Local {
                table_row(models, entity).partition
            } else {
                partition
                    .iter()
                    .enumerate()
                    .map(|(at, field)| {
                        KeyPart::field(&attribute(&index.partition_key, at), &field.value)
                    })
                    .collect()
            };
            let sort = sort
                .iter()
                .enumerate()
                .map(|(at, field)| KeyPart::field(&attribute(&index.sort_key, at), &field.value))
                .collect();
            (partition, sort)
        }
    };
    Some(Row { entity: entity.rust_name.to_string(), partition, sort })
}

/// Computes the layout of `models`.
pub fn layout(models: &ModelSet) -> Layout {
    let table = &models.table;
    let mut columns = vec![Column {
        kind: "table",
        name: table.name.value.clone(),
        partition_attributes: vec![typed(
            &table.partition_key.name.value,
            table.partition_key.ty.as_str(),
        )],
        sort_attributes: table
            .sort_key
            .iter()
            .map(|key| typed(&key.name.value, key.ty.as_str()))
            .collect(),
        projection: String::new(),
        rows: models.entities.iter().map(|entity| table_row(models, entity)).collect(),
    }];
    for index in &table.indexes {
        columns.push(Column {
            kind: match index.kind {
                IndexKind::Global => "GSI",
                IndexKind::Local => "LSI",
            },
            name: index.name.value.clone(),
            partition_attributes: index
                .partition_key
                .iter()
                .map(|key| typed(&key.name.value, key.ty.as_str()))
                .collect(),
            sort_attributes: index
                .sort_key
                .iter()
                .map(|key| typed(&key.name.value, key.ty.as_str()))
                .collect(),
            projection: projection_text(&index.projection),
            rows: models
                .entities
                .iter()
                .filter_map(|entity| index_row(models, index, entity))
                .collect(),
        });
    }
    let collections = models
        .collections
        .iter()
        .map(|collection| {
            let members = collection
                .members
                .iter()
                .filter_map(|m| m.entity.segments.last().map(|s| s.ident.to_string()))
                .collect();
            (collection.rust_name.to_string(), members)
        })
        .collect();
    let relations = relations(&columns, models);
    let patterns =
        models.access_patterns.iter().map(|pattern| pattern_row(&columns, pattern)).collect();
    Layout { table: table.name.value.clone(), columns, relations, collections, patterns }
}

fn relations(columns: &[Column], models: &ModelSet) -> Vec<Relation> {
    let mut relations: Vec<Relation> = Vec::new();
    let mut add = |relation: Relation| {
        let known = relations.iter().any(|r| {
            (r.from == relation.from && r.to == relation.to)
                || (r.from == relation.to && r.to == relation.from)
        });
        if !known && relation.from != relation.to {
            relations.push(relation);
        }
    };
    for column in columns {
        // Entities whose partition values come from the same template share partitions.
        let mut groups: Vec<(String, Vec<&Row>)> = Vec::new();
        for row in column.rows.iter().filter(|row| !row.partition.is_empty()) {
            let key = row.partition_text();
            match groups.iter_mut().find(|(text, _)| *text == key) {
                Some((_, rows)) => rows.push(row),
                None => groups.push((key, vec![row])),
            }
        }
        for (text, rows) in groups.iter().filter(|(_, rows)| rows.len() > 1) {
            let label = if column.kind == "table" {
                format!("PK {text}")
            } else {
                format!("{} {text}", column.name)
            };
            let parent = rows.iter().find(|row| row.sort.iter().all(KeyPart::is_constant));
            match parent {
                Some(parent) => {
                    for row in rows.iter().filter(|row| row.entity != parent.entity) {
                        add(Relation {
                            from: parent.entity.clone(),
                            to: row.entity.clone(),
                            cardinality: Cardinality::OneToMany,
                            label: label.clone(),
                        });
                    }
                }
                None => {
                    for pair in rows.windows(2) {
                        add(Relation {
                            from: pair[0].entity.clone(),
                            to: pair[1].entity.clone(),
                            cardinality: Cardinality::ManyToMany,
                            label: label.clone(),
                        });
                    }
                }
            }
        }
    }
    for collection in &models.collections {
        for member in &collection.members {
            let Some(entity) = member.entity.segments.last() else { continue };
            add(Relation {
                from: collection.rust_name.to_string(),
                to: entity.ident.to_string(),
                cardinality: if member.many {
                    Cardinality::OneToMany
                } else {
                    Cardinality::ZeroOrOne
                },
                label: "collection".to_owned(),
            });
        }
    }
    relations
}

fn quoted(text: &str) -> String {
    format!("\"{text}\"")
}

fn pattern_row(columns: &[Column], pattern: &AccessPatternModel) -> PatternRow {
    let index = pattern.index.as_ref().map(|i| i.value.clone());
    let column = match &index {
        None => columns.first(),
        Some(name) => columns.iter().skip(1).find(|c| &c.name == name),
    };
    let row = column.and_then(|c| c.row(&pattern.entity.value));
    let supplied: Vec<String> = pattern.key_fields.iter().map(|f| f.value.clone()).collect();
    let condition = match (pattern.operation, row) {
        (AccessOperation::Scan, _) => "— (scan)".to_owned(),
        (_, None) => "— (the entity is not in this index)".to_owned(),
        (AccessOperation::Get, Some(row)) => row
            .partition
            .iter()
            .chain(&row.sort)
            .map(|part| format!("{} = {}", part.attribute, quoted(&part.text)))
            .collect::<Vec<_>>()
            .join(" AND "),
        (AccessOperation::Query, Some(row)) => {
            let mut terms: Vec<String> = row
                .partition
                .iter()
                .map(|part| format!("{} = {}", part.attribute, quoted(&part.text)))
                .collect();
            if let Some(operator) = pattern.sort {
                // Multi-attribute sort keys: equality on every supplied attribute but the
                // last, the operator on the last.
                let used: Vec<&KeyPart> = if row.sort.len() > 1 {
                    let count = row
                        .sort
                        .iter()
                        .take_while(|part| {
                            part.parts.iter().all(|p| match p {
                                TemplatePart::Field(name) => supplied.contains(name),
                                TemplatePart::Literal(_) => true,
                            })
                        })
                        .count()
                        .max(1);
                    row.sort.iter().take(count).collect()
                } else {
                    row.sort.iter().collect()
                };
                if let Some((last, before)) = used.split_last() {
                    for part in before {
                        terms.push(format!("{} = {}", part.attribute, quoted(&part.text)));
                    }
                    terms.push(sort_term(last, operator, &supplied));
                }
            }
            terms.join(" AND ")
        }
    };
    PatternRow {
        name: pattern.name.value.clone(),
        operation: pattern.operation.as_str(),
        index: index.unwrap_or_else(|| "table".to_owned()),
        condition,
        entity: pattern.entity.value.clone(),
        description: pattern.description.clone().unwrap_or_default(),
    }
}

fn sort_term(part: &KeyPart, operator: SortOperator, supplied: &[String]) -> String {
    // Nothing of the template is known before a value the pattern does not name: the
    // caller supplies the whole value (`:value`).
    let truncated = part.truncated(supplied);
    let value = if truncated.is_empty() { ":value".to_owned() } else { quoted(&truncated) };
    let name = &part.attribute;
    match operator {
        SortOperator::Eq => format!("{name} = {value}"),
        SortOperator::Lt => format!("{name} < {value}"),
        SortOperator::Le => format!("{name} <= {value}"),
        SortOperator::Gt => format!("{name} > {value}"),
        SortOperator::Ge => format!("{name} >= {value}"),
        SortOperator::Between => format!("{name} BETWEEN {value} AND {value}"),
        SortOperator::BeginsWith => format!("begins_with({name}, {value})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testmodel;

    #[test]
    fn columns_hold_every_entity_with_its_templates() {
        let layout = layout(&testmodel::shop());
        let titles: Vec<String> = layout.columns.iter().map(Column::title).collect();
        assert_eq!(titles, ["Table Shop", "GSI GSI1", "LSI ByDate"]);
        let table = &layout.columns[0];
        assert_eq!(table.key_text(), "PK (S) / SK (S)");
        let order = table.row("Order").unwrap();
        assert_eq!(order.partition_text(), "CUSTOMER#{customer_id}");
        assert_eq!(order.sort_text(), "ORDER#{placed_at}#{order_id}");
        let gsi = &layout.columns[1];
        assert_eq!(
            gsi.rows.iter().map(|r| r.entity.as_str()).collect::<Vec<_>>(),
            ["Customer", "Order"]
        );
        assert_eq!(gsi.row("Customer").unwrap().partition_text(), "EMAIL#{email}");
        let lsi = &layout.columns[2];
        assert_eq!(lsi.row("Order").unwrap().partition_text(), "CUSTOMER#{customer_id}");
        assert_eq!(lsi.row("Order").unwrap().sort[0].attribute, "LSI1SK");
        assert!(lsi.row("Customer").is_none());
    }

    #[test]
    fn entities_sharing_a_partition_are_one_to_many() {
        let layout = layout(&testmodel::shop());
        let customer_orders =
            layout.relations.iter().find(|r| r.from == "Customer" && r.to == "Order").unwrap();
        assert_eq!(customer_orders.cardinality, Cardinality::OneToMany);
        assert_eq!(customer_orders.label, "PK CUSTOMER#{customer_id}");
        let collection = layout.relations.iter().find(|r| r.from == "CustomerOrders").unwrap();
        assert_eq!(collection.label, "collection");
        assert_eq!(
            layout.collections[0],
            ("CustomerOrders".to_owned(), vec!["Customer".to_owned(), "Order".to_owned()])
        );
    }

    #[test]
    fn key_conditions_follow_templates_and_operators() {
        let layout = layout(&testmodel::shop());
        let by_name = |name: &str| layout.patterns.iter().find(|p| p.name == name).unwrap();
        assert_eq!(
            by_name("customer_by_id").condition,
            r#"PK = "CUSTOMER#{customer_id}" AND SK = "PROFILE""#
        );
        assert_eq!(
            by_name("orders_of_customer").condition,
            r#"PK = "CUSTOMER#{customer_id}" AND begins_with(SK, "ORDER#")"#
        );
        assert_eq!(
            by_name("orders_since").condition,
            r#"PK = "CUSTOMER#{customer_id}" AND SK >= "ORDER#{placed_at}#""#
        );
        let by_email = by_name("customer_by_email");
        assert_eq!(by_email.index, "GSI1");
        assert_eq!(by_email.condition, r#"GSI1PK = "EMAIL#{email}""#);
        assert_eq!(by_name("all_items").condition, "— (scan)");
    }

    #[test]
    fn native_multi_attribute_keys_list_their_attributes() {
        let layout = layout(&testmodel::tenants());
        let column = &layout.columns[1];
        assert_eq!(column.key_text(), "tenant_id (S) + status (S) / created_at (N)");
        let row = column.row("Project").unwrap();
        assert_eq!(row.partition_text(), "{tenant_id} + {status}");
        assert_eq!(row.sort_text(), "{created_at}");
        assert_eq!(
            layout.patterns[1].condition,
            r#"tenant_id = "{tenant_id}" AND status = "{status}""#
        );
        assert_eq!(
            layout.patterns[0].condition,
            r#"PK = "TENANT#{tenant_id}#PROJECT#{project_id}" AND SK = "META""#
        );
        assert!(layout.relations.is_empty(), "one entity: no relation");
        let part = KeyPart::field("created_at", "created_at");
        assert_eq!(sort_term(&part, SortOperator::Ge, &[]), "created_at >= :value");
        assert_eq!(
            sort_term(&part, SortOperator::Between, &["created_at".to_owned()]),
            r#"created_at BETWEEN "{created_at}" AND "{created_at}""#
        );
    }
}
