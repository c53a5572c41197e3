//! The plan: what changes between two models of one table.

use std::fmt;

use sha2::{Digest, Sha256};

use super::Model;
use crate::backend::{AttributeDefinition, KeySchemaElement, KeyType, SecondaryIndex};
use crate::key::KeyRole;
use crate::schema::{
    BillingMode, EntityIndexKeys, EntitySchema, IndexKind, IndexSchema, KeyAttribute,
    KeyTemplateSchema, StreamViewType, TableSchema,
};
use crate::value::AttributeValue;

/// One change of the table itself.
#[derive(Debug, Clone, PartialEq)]
pub enum TableChange {
    /// `UpdateTable` creating a GSI (DynamoDB fills it from the items that already hold
    /// its key attributes; the item rewrites give the others theirs).
    CreateIndex {
        /// The index as `UpdateTable` takes it.
        index: SecondaryIndex,
        /// Its key attributes' definitions.
        attributes: Vec<AttributeDefinition>,
    },
    /// `UpdateTable` deleting a GSI.
    DeleteIndex {
        /// The index name.
        name: String,
    },
    /// `UpdateTable` changing a GSI's provisioned throughput (read, write).
    IndexThroughput {
        /// The index name.
        name: String,
        /// Read and write capacity units.
        throughput: (u64, u64),
    },
    /// `UpdateTimeToLive` enabling TTL on an attribute.
    EnableTtl {
        /// The TTL attribute.
        attribute: String,
    },
    /// `UpdateTimeToLive` disabling TTL.
    DisableTtl {
        /// The TTL attribute.
        attribute: String,
    },
    /// `UpdateTable` enabling (with a view type) or disabling the stream.
    Stream(Option<StreamViewType>),
    /// `UpdateTable` changing the billing mode or provisioned throughput.
    Billing(BillingMode),
}

impl fmt::Display for TableChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableChange::CreateIndex { index, .. } => {
                let keys: Vec<String> = index
                    .key_schema
                    .iter()
                    .map(|k| {
                        let role = if k.key_type == KeyType::Hash { "HASH" } else { "RANGE" };
                        format!("{} {role}", k.attribute_name)
                    })
                    .collect();
                write!(f, "create GSI {} ({})", index.index_name, keys.join(", "))
            }
            TableChange::DeleteIndex { name } => write!(f, "delete GSI {name}"),
            TableChange::IndexThroughput { name, throughput: (r, w) } => {
                write!(f, "GSI {name}: provisioned throughput {r} RCU, {w} WCU")
            }
            TableChange::EnableTtl { attribute } => write!(f, "enable TTL on `{attribute}`"),
            TableChange::DisableTtl { attribute } => write!(f, "disable TTL on `{attribute}`"),
            TableChange::Stream(Some(view)) => write!(f, "enable the stream ({})", view.as_str()),
            TableChange::Stream(None) => write!(f, "disable the stream"),
            TableChange::Billing(BillingMode::PayPerRequest) => {
                write!(f, "billing: on-demand (PAY_PER_REQUEST)")
            }
            TableChange::Billing(BillingMode::Provisioned { read, write }) => {
                write!(f, "billing: provisioned, {read} RCU, {write} WCU")
            }
        }
    }
}

/// A change DynamoDB (or this tool) cannot make, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What the new model asks for.
    pub what: String,
    /// Why it cannot be done, and what to do instead.
    pub reason: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.reason)
    }
}

/// A secondary-index key attribute an entity's items get from a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexKeyRewrite {
    /// The index.
    pub index: &'static str,
    /// The key attribute written.
    pub attribute: KeyAttribute,
    /// Partition or sort key (for the length limit).
    pub role: KeyRole,
    /// The template rendered from each item's fields.
    pub template: KeyTemplateSchema,
}

/// What changes in the items of one entity.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityRewrite {
    /// The entity in the old model.
    pub old: EntitySchema,
    /// The entity in the new model.
    pub new: EntitySchema,
    /// The entity-type value changes (old, new).
    pub entity_type: Option<(&'static str, &'static str)>,
    /// Attributes renamed (old name, new name): the field's value moves.
    pub renames: Vec<(&'static str, &'static str)>,
    /// Index key attributes computed from the item's fields.
    pub index_keys: Vec<IndexKeyRewrite>,
    /// Index key attributes of indexes the entity leaves, removed from its items.
    pub removed_attributes: Vec<&'static str>,
    /// The table-key templates change: every item moves to its new key (put under the
    /// new key and delete the old one in one transaction).
    pub moves: bool,
    /// New fields' defaults as stored (attribute, value), encoded when the plan was made:
    /// written into each item that lacks the attribute (`SET a = if_not_exists(a, :v)`).
    pub defaults: Vec<(&'static str, AttributeValue)>,
}

impl EntityRewrite {
    /// True when the entity's items need no write.
    pub fn is_empty(&self) -> bool {
        self.entity_type.is_none()
            && self.renames.is_empty()
            && self.index_keys.is_empty()
            && self.removed_attributes.is_empty()
            && !self.moves
            && self.defaults.is_empty()
    }
}

/// The difference between two models of one table. See the [module docs](super).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The table.
    pub table: &'static str,
    /// A stable id of the plan (16 hex digits of a SHA-256 of both models): the key of
    /// its checkpoints and its history entry.
    pub id: String,
    /// Table changes made before the items are rewritten (new indexes, TTL, stream,
    /// billing).
    pub before: Vec<TableChange>,
    /// Table changes made once every item is rewritten (indexes the new model drops, so
    /// running code keeps them until the end).
    pub after: Vec<TableChange>,
    /// Item rewrites, per entity (only entities with something to rewrite).
    pub rewrites: Vec<EntityRewrite>,
    /// What cannot be done, and why: a plan with refusals is never applied.
    pub refused: Vec<Refusal>,
    /// What needs no write but deserves a word (defaults filled on read, entities that
    /// left the model, indexes recreated).
    pub notes: Vec<String>,
    /// The model the table holds now.
    pub old: Model,
    /// The model to migrate to.
    pub new: Model,
}

fn index_key_schema(index: &IndexSchema) -> Vec<KeySchemaElement> {
    let hash = index
        .partition_key
        .iter()
        .map(|k| KeySchemaElement { attribute_name: k.name.to_owned(), key_type: KeyType::Hash });
    let range = index
        .sort_key
        .iter()
        .map(|k| KeySchemaElement { attribute_name: k.name.to_owned(), key_type: KeyType::Range });
    hash.chain(range).collect()
}

fn create_index(index: &IndexSchema) -> TableChange {
    let mut attributes: Vec<AttributeDefinition> = Vec::new();
    for key in index.partition_key.iter().chain(index.sort_key) {
        let definition = AttributeDefinition::from(*key);
        if !attributes.contains(&definition) {
            attributes.push(definition);
        }
    }
    TableChange::CreateIndex {
        index: SecondaryIndex {
            index_name: index.name.to_owned(),
            key_schema: index_key_schema(index),
            projection: index.projection.into(),
            provisioned_throughput: index.throughput,
        },
        attributes,
    }
}

fn plan_id(old: &Model, new: &Model) -> String {
    let digest = Sha256::digest(format!("{old:?}\n{new:?}").as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn table_changes(plan: &mut Plan) {
    let (old, new) = (plan.old.table, plan.new.table);
    if old.name != new.name {
        plan.refused.push(Refusal {
            what: format!("table name {} → {}", old.name, new.name),
            reason: "a migration changes one table; copy the data into a new table instead \
                     (`singletable dump` / `load`)"
                .into(),
        });
    }
    if old.partition_key != new.partition_key || old.sort_key != new.sort_key {
        let keys = |t: &TableSchema| {
            let mut text = format!("{} {}", t.partition_key.name, t.partition_key.ty.as_str());
            if let Some(sk) = t.sort_key {
                text.push_str(&format!(", {} {}", sk.name, sk.ty.as_str()));
            }
            text
        };
        plan.refused.push(Refusal {
            what: format!("table key ({}) → ({})", keys(&old), keys(&new)),
            reason: "DynamoDB cannot change a table's key schema after creation: create a new \
                     table and copy the items"
                .into(),
        });
    }
    for index in new.indexes {
        match (old.index(index.name), index.kind) {
            (None, IndexKind::Global) => plan.before.push(create_index(index)),
            (None, IndexKind::Local) => plan.refused.push(Refusal {
                what: format!("add LSI {}", index.name),
                reason: "DynamoDB creates local secondary indexes only with the table \
                         (CreateTable); add a GSI instead, or create a new table"
                    .into(),
            }),
            (Some(before), _) if before.kind != index.kind => plan.refused.push(Refusal {
                what: format!("index {} changes between GSI and LSI", index.name),
                reason: "an LSI can be neither added nor removed after creation".into(),
            }),
            (Some(before), IndexKind::Local) if before != index => plan.refused.push(Refusal {
                what: format!("change LSI {}", index.name),
                reason: "DynamoDB cannot change or remove a local secondary index after \
                         creation"
                    .into(),
            }),
            (Some(before), IndexKind::Global)
                if before.partition_key != index.partition_key
                    || before.sort_key != index.sort_key
                    || before.projection != index.projection =>
            {
                plan.before.push(TableChange::DeleteIndex { name: index.name.to_owned() });
                plan.before.push(create_index(index));
                plan.notes.push(format!(
                    "GSI {} changes its key or projection, which DynamoDB cannot change in \
                     place: it is deleted and created again, and queries on it fail until it \
                     is ACTIVE",
                    index.name
                ));
            }
            (Some(before), IndexKind::Global) if before.throughput != index.throughput => {
                if let Some(throughput) = index.throughput {
                    plan.before.push(TableChange::IndexThroughput {
                        name: index.name.to_owned(),
                        throughput,
                    });
                }
            }
            _ => {}
        }
    }
    for index in old.indexes {
        if new.index(index.name).is_none() {
            match index.kind {
                IndexKind::Global => {
                    plan.after.push(TableChange::DeleteIndex { name: index.name.to_owned() })
                }
                IndexKind::Local => plan.refused.push(Refusal {
                    what: format!("remove LSI {}", index.name),
                    reason: "DynamoDB cannot remove a local secondary index; it goes with the \
                             table"
                        .into(),
                }),
            }
        }
    }
    match (old.ttl_attribute, new.ttl_attribute) {
        (None, Some(attribute)) => {
            plan.before.push(TableChange::EnableTtl { attribute: attribute.into() })
        }
        (Some(attribute), None) => {
            plan.before.push(TableChange::DisableTtl { attribute: attribute.into() })
        }
        (Some(a), Some(b)) if a != b => {
            plan.before.push(TableChange::DisableTtl { attribute: a.into() });
            plan.before.push(TableChange::EnableTtl { attribute: b.into() });
            plan.notes.push(
                "TTL moves to another attribute: DynamoDB takes up to one hour to disable TTL \
                 before it can be enabled again, so the second call may be refused; run apply \
                 again later"
                    .into(),
            );
        }
        _ => {}
    }
    match (old.stream, new.stream) {
        (None, Some(view)) => plan.before.push(TableChange::Stream(Some(view))),
        (Some(_), None) => plan.before.push(TableChange::Stream(None)),
        (Some(a), Some(b)) if a != b => {
            plan.before.push(TableChange::Stream(None));
            plan.before.push(TableChange::Stream(Some(b)));
            plan.notes.push(
                "the stream's view type changes: DynamoDB disables the stream and enables a \
                 new one (a new stream ARN; readers of the old one must move)"
                    .into(),
            );
        }
        _ => {}
    }
    if old.billing != new.billing {
        plan.before.push(TableChange::Billing(new.billing));
    }
}

/// The template attributes an entity fills in a table's indexes: (index, attribute,
/// role, template).
fn template_keys(
    entity: &EntitySchema,
    table: &TableSchema,
) -> Vec<(&'static str, KeyAttribute, KeyRole, KeyTemplateSchema)> {
    let mut out = Vec::new();
    for membership in entity.indexes {
        let Some(index) = table.index(membership.index) else { continue };
        let EntityIndexKeys::Templates { partition, sort } = membership.keys else { continue };
        if let (Some(template), IndexKind::Global, [attribute]) =
            (partition, index.kind, index.partition_key)
        {
            out.push((index.name, *attribute, KeyRole::Partition, template));
        }
        if let (Some(template), [attribute]) = (sort, index.sort_key) {
            out.push((index.name, *attribute, KeyRole::Sort, template));
        }
    }
    out
}

fn entity_rewrite(plan: &mut Plan, old: EntitySchema, new: EntitySchema) -> EntityRewrite {
    let (old_table, new_table) = (plan.old.table, plan.new.table);
    let mut rewrite = EntityRewrite {
        old,
        new,
        entity_type: (old.entity_type != new.entity_type)
            .then_some((old.entity_type, new.entity_type)),
        renames: Vec::new(),
        index_keys: Vec::new(),
        removed_attributes: Vec::new(),
        moves: old.partition_key.source != new.partition_key.source
            || old.sort_key.map(|t| t.source) != new.sort_key.map(|t| t.source),
        defaults: Vec::new(),
    };
    if old_table.entity_type_attribute != new_table.entity_type_attribute {
        rewrite.renames.push((old_table.entity_type_attribute, new_table.entity_type_attribute));
    }
    for field in new.fields {
        match old.fields.iter().find(|f| f.name == field.name) {
            // `#[entity(compact)]` turned on: the field's attribute goes, its keys stay.
            Some(before) if field.key_only && !before.key_only => {
                let is_key = new_table.partition_key.name == before.attribute
                    || new_table.sort_key.is_some_and(|sk| sk.name == before.attribute)
                    || new_table.indexes.iter().any(|index| {
                        index
                            .partition_key
                            .iter()
                            .chain(index.sort_key)
                            .any(|k| k.name == before.attribute)
                    })
                    || new_table.entity_type_attribute == before.attribute;
                if !is_key && !rewrite.removed_attributes.contains(&before.attribute) {
                    rewrite.removed_attributes.push(before.attribute);
                }
            }
            // Compact turned off: the value stays readable from the keys (decoding reads
            // an absent attribute from the key that holds it); no write.
            Some(before) if before.key_only && !field.key_only => plan.notes.push(format!(
                "{}.{}: kept only in keys until now; items written before have no `{}` \
                 attribute and decode it from their keys (no write), but a filter or condition \
                 on `{}` misses them until they are written again",
                new.rust_name, field.name, field.attribute, field.attribute
            )),
            Some(before) if before.attribute != field.attribute => {
                rewrite.renames.push((before.attribute, field.attribute));
            }
            Some(_) => {}
            None if field.has_default => match field.default.map(|d| d.encode()) {
                Some(Ok(Some(value))) => rewrite.defaults.push((field.attribute, value)),
                Some(Ok(None)) => plan.notes.push(format!(
                    "{}.{}: a new field whose default stores no attribute; items written \
                     before decode it to the default (no write)",
                    new.rust_name, field.name
                )),
                Some(Err(error)) => plan.refused.push(Refusal {
                    what: format!(
                        "write the default of new field {}.{}",
                        new.rust_name, field.name
                    ),
                    reason: format!("the default cannot be encoded: {error}"),
                }),
                None => plan.notes.push(format!(
                    "{}.{}: a new field with a default; items written before decode it to the \
                     default, but this model (from a schema file) cannot compute the stored \
                     default, so they are not written and a filter or condition on `{}` misses \
                     them: run `db.migrate` from Rust with the derived model to write it",
                    new.rust_name, field.name, field.attribute
                )),
            },
            None => plan.notes.push(format!(
                "{}.{}: a new field without a default; items written before lack `{}` and \
                 decode only if the field is an Option or held in a key",
                new.rust_name, field.name, field.attribute
            )),
        }
    }
    let old_keys = template_keys(&old, &old_table);
    let new_keys = template_keys(&new, &new_table);
    for &(index, attribute, role, template) in &new_keys {
        let unchanged = old_keys.iter().any(|&(i, a, r, t)| {
            i == index && a == attribute && r == role && t.source == template.source
        }) && old_table.index(index) == new_table.index(index);
        if !unchanged {
            rewrite.index_keys.push(IndexKeyRewrite { index, attribute, role, template });
        }
    }
    for &(_, attribute, _, _) in &old_keys {
        let kept = new_keys.iter().any(|&(_, a, _, _)| a.name == attribute.name)
            || new.fields.iter().any(|f| f.attribute == attribute.name)
            || new_table.partition_key.name == attribute.name
            || new_table.sort_key.is_some_and(|sk| sk.name == attribute.name)
            || new_table.entity_type_attribute == attribute.name;
        if !kept && !rewrite.removed_attributes.contains(&attribute.name) {
            rewrite.removed_attributes.push(attribute.name);
        }
    }
    rewrite
}

impl Plan {
    /// The plan from `old` (what the table holds) to `new`.
    pub fn between(old: Model, new: Model) -> Plan {
        let mut plan = Plan {
            table: new.table.name,
            id: plan_id(&old, &new),
            before: Vec::new(),
            after: Vec::new(),
            rewrites: Vec::new(),
            refused: Vec::new(),
            notes: Vec::new(),
            old,
            new,
        };
        table_changes(&mut plan);
        let pairs: Vec<(EntitySchema, Option<EntitySchema>)> = plan
            .old
            .entities
            .iter()
            .map(|old| {
                let new = plan
                    .new
                    .entities
                    .iter()
                    .find(|n| n.rust_name == old.rust_name)
                    .or_else(|| plan.new.entity_of_type(old.entity_type));
                (*old, new.copied())
            })
            .collect();
        for (old, new) in pairs {
            match new {
                Some(new) => {
                    let rewrite = entity_rewrite(&mut plan, old, new);
                    if !rewrite.is_empty() {
                        plan.rewrites.push(rewrite);
                    }
                }
                None => plan.notes.push(format!(
                    "entity {} is not in the new model: its items stay as they are, and the \
                     typed API no longer reads them",
                    old.rust_name
                )),
            }
        }
        plan
    }

    /// True when applying the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.before.is_empty() && self.after.is_empty() && self.rewrites.is_empty()
    }

    /// True when some items are rewritten (a scan of the table is needed).
    pub fn rewrites_items(&self) -> bool {
        !self.rewrites.is_empty()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "migration {} of table {}", self.id, self.table)?;
        if self.is_empty() && self.refused.is_empty() {
            writeln!(f, "  nothing to do: the models are equivalent for the stored data")?;
        }
        let mut step = 0;
        for change in &self.before {
            step += 1;
            writeln!(f, "  {step}. table: {change}")?;
        }
        for rewrite in &self.rewrites {
            step += 1;
            let verb = if rewrite.moves { "move" } else { "rewrite" };
            writeln!(f, "  {step}. items of {}: {verb}", rewrite.new.rust_name)?;
            if rewrite.moves {
                let sk = |e: &EntitySchema| e.sort_key.map(|t| t.source).unwrap_or("-");
                writeln!(
                    f,
                    "       table key ({}, {}) → ({}, {}): put under the new key and delete \
                     the old one, in one conditional transaction",
                    rewrite.old.partition_key.source,
                    sk(&rewrite.old),
                    rewrite.new.partition_key.source,
                    sk(&rewrite.new)
                )?;
            }
            if let Some((a, b)) = rewrite.entity_type {
                writeln!(f, "       entity type `{a}` → `{b}`")?;
            }
            for (a, b) in &rewrite.renames {
                writeln!(f, "       attribute `{a}` renamed `{b}`")?;
            }
            for key in &rewrite.index_keys {
                writeln!(
                    f,
                    "       {}.{} = `{}` (computed from each item's fields)",
                    key.index, key.attribute.name, key.template.source
                )?;
            }
            for attribute in &rewrite.removed_attributes {
                writeln!(f, "       remove `{attribute}` (an index the entity left)")?;
            }
            for (attribute, value) in &rewrite.defaults {
                writeln!(
                    f,
                    "       `{attribute}` = {} where absent (a new field's default)",
                    crate::json::value_to_json(value)
                )?;
            }
        }
        for change in &self.after {
            step += 1;
            writeln!(f, "  {step}. table, once every item is rewritten: {change}")?;
        }
        for refusal in &self.refused {
            writeln!(f, "  cannot: {refusal}")?;
        }
        for note in &self.notes {
            writeln!(f, "  note: {note}")?;
        }
        Ok(())
    }
}
