//! One item's rewrite: computed from the item alone (its fields, read from attributes or
//! from the old model's keys), so any worker can compute it from what it scanned.

use std::collections::BTreeSet;

use super::plan::{EntityRewrite, Plan};
use super::store::RESERVED_ENTITY_TYPE;
use super::{IntegerType, MigrateError};
use crate::adopt::{describe_key, recognise};
use crate::expr::{Comparator, Condition, Operand, Path, SetValue, UpdateAction, UpdateOperand};
use crate::key::{finish_key, parse_key_template, push_key_component, KeyRole};
use crate::schema::{
    EntityIndexKeys, EntitySchema, KeyAttribute, KeyTemplateSchema, ScalarType, TableSchema,
    TemplatePart,
};
use crate::value::{AttributeValue, Item};

/// What one item needs.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemRewrite {
    /// Nothing: the item already is what the new model writes.
    Unchanged,
    /// Not an item of the old model's entities (or a reserved migration item): left alone.
    NotAnEntity,
    /// An `UpdateItem` of the changed attributes, conditioned on every attribute the
    /// rewrite read or writes being as it was read.
    Update {
        /// The entity (new Rust name).
        entity: &'static str,
        /// The item's table key.
        key: Item,
        /// `SET` / `REMOVE` actions.
        updates: Vec<UpdateAction>,
        /// The item is as it was read.
        condition: Condition,
    },
    /// A key-template change: put the new item (its new key must be free) and delete the
    /// old one (unchanged since read) in one `TransactWriteItems`.
    Move {
        /// The entity (new Rust name).
        entity: &'static str,
        /// The old table key.
        old_key: Item,
        /// The whole new item.
        new_item: Item,
        /// The put's condition: the new key holds no item.
        put_condition: Condition,
        /// The delete's condition: every attribute is as it was read.
        delete_condition: Condition,
    },
}

fn key_of(table: &TableSchema, item: &Item) -> Item {
    std::iter::once(table.partition_key)
        .chain(table.sort_key)
        .filter_map(|k| item.get(k.name).map(|v| (k.name.to_owned(), v.clone())))
        .collect()
}

/// `attr = :old`, or `attribute_not_exists(attr)` when it was absent.
fn unchanged(attribute: &str, old: Option<&AttributeValue>) -> Condition {
    let path = Path::attribute(attribute);
    match old {
        Some(value) => Condition::Compare {
            left: Operand::Path(path),
            op: Comparator::Eq,
            right: Operand::Value(value.clone()),
        },
        None => Condition::AttributeNotExists(path),
    }
}

fn all_of(first: Condition, rest: impl IntoIterator<Item = Condition>) -> Condition {
    rest.into_iter().fold(first, Condition::and)
}

/// Reads field values of one item for new keys (see the module docs of `migrate`).
struct Fields<'a> {
    item: &'a Item,
    entity: &'a EntitySchema,
    table: &'a TableSchema,
    integer: &'a dyn Fn(&str) -> Option<IntegerType>,
    reads: BTreeSet<String>,
}

fn integer_text(ty: IntegerType, number: &str, out: &mut String) -> Result<(), String> {
    let bad = || format!("`{number}` is not a {ty:?} value");
    macro_rules! push {
        ($t:ty) => {{
            let value: $t = number.parse().map_err(|_| bad())?;
            push_key_component(out, &value).map_err(|e| e.to_string())
        }};
    }
    match ty {
        IntegerType::U8 => push!(u8),
        IntegerType::U16 => push!(u16),
        IntegerType::U32 => push!(u32),
        IntegerType::U64 => push!(u64),
        IntegerType::U128 => push!(u128),
        IntegerType::I8 => push!(i8),
        IntegerType::I16 => push!(i16),
        IntegerType::I32 => push!(i32),
        IntegerType::I64 => push!(i64),
        IntegerType::I128 => push!(i128),
    }
}

fn position_of(template: &KeyTemplateSchema, field: &str) -> Option<usize> {
    template
        .parts
        .iter()
        .filter_map(|part| match part {
            TemplatePart::Field(name) => Some(*name),
            TemplatePart::Literal(_) => None,
        })
        .position(|name| name == field)
}

impl Fields<'_> {
    /// The old model's keys of this entity that can hold a field: (attribute, template).
    fn old_keys(&self) -> Vec<(KeyAttribute, KeyTemplateSchema)> {
        let mut keys = vec![(self.table.partition_key, self.entity.partition_key)];
        if let (Some(sk), Some(template)) = (self.table.sort_key, self.entity.sort_key) {
            keys.push((sk, template));
        }
        for membership in self.entity.indexes {
            let Some(index) = self.table.index(membership.index) else { continue };
            if let EntityIndexKeys::Templates { partition, sort } = membership.keys {
                if let (Some(t), [attribute]) = (partition, index.partition_key) {
                    keys.push((*attribute, t));
                }
                if let (Some(t), [attribute]) = (sort, index.sort_key) {
                    keys.push((*attribute, t));
                }
            }
        }
        keys
    }

    /// Appends field `name`'s escaped key text.
    fn push_text(&mut self, name: &str, out: &mut String) -> Result<(), String> {
        let attribute = self.entity.fields.iter().find(|f| f.name == name).map(|f| f.attribute);
        let mut tried = Vec::new();
        if let Some(attribute) = attribute {
            match self.item.get(attribute) {
                Some(AttributeValue::S(text)) => {
                    self.reads.insert(attribute.to_owned());
                    return push_key_component(out, text).map_err(|e| e.to_string());
                }
                Some(AttributeValue::Bool(flag)) => {
                    self.reads.insert(attribute.to_owned());
                    return push_key_component(out, flag).map_err(|e| e.to_string());
                }
                Some(AttributeValue::N(number)) => {
                    if let Some(ty) = (self.integer)(name) {
                        self.reads.insert(attribute.to_owned());
                        return integer_text(ty, number.as_str(), out);
                    }
                    tried.push(format!(
                        "`{attribute}` is a number and its integer type is not declared \
                         (Model::integer_field)"
                    ));
                }
                Some(other) => tried
                    .push(format!("`{attribute}` is {}, not a key value", other.attribute_type())),
                None => tried.push(format!("`{attribute}` is absent")),
            }
        }
        for (key, template) in self.old_keys() {
            let Some(position) = position_of(&template, name) else { continue };
            match self.item.get(key.name) {
                Some(AttributeValue::S(text)) => match parse_key_template(&template, text) {
                    Ok(texts) => {
                        self.reads.insert(key.name.to_owned());
                        return push_key_component(out, &texts[position])
                            .map_err(|e| e.to_string());
                    }
                    Err(error) => {
                        tried.push(format!("{} (`{}`): {error}", key.name, template.source))
                    }
                },
                _ => tried.push(format!("{} (`{}`): absent or not S", key.name, template.source)),
            }
        }
        if tried.is_empty() {
            tried.push("no field or key holds it".into());
        }
        Err(format!("field `{name}` for a new key: {}", tried.join("; ")))
    }

    /// Renders `template` for a key attribute of type `ty` and role `role`.
    fn render(
        &mut self,
        template: &KeyTemplateSchema,
        ty: ScalarType,
        role: KeyRole,
    ) -> Result<AttributeValue, String> {
        // A lone `{field}` on an N or B key attribute holds the field's own value.
        if let ([TemplatePart::Field(name)], ScalarType::N | ScalarType::B) = (template.parts, ty) {
            let field = self.entity.fields.iter().find(|f| f.name == *name);
            if let Some(value) = field.and_then(|f| self.item.get(f.attribute)) {
                self.reads.insert(field.map(|f| f.attribute).unwrap_or_default().to_owned());
                return Ok(value.clone());
            }
            return Err(format!("field `{name}` for a new {} key is absent", ty.as_str()));
        }
        let mut text = String::new();
        for part in template.parts {
            match part {
                TemplatePart::Literal(literal) => text.push_str(literal),
                TemplatePart::Field(name) => self.push_text(name, &mut text)?,
            }
        }
        finish_key(text, role).map_err(|e| format!("`{}`: {e}", template.source))
    }
}

fn item_error(
    rewrite: &EntityRewrite,
    table: &TableSchema,
    item: &Item,
) -> impl Fn(String) -> MigrateError {
    let entity = rewrite.new.rust_name.to_owned();
    let key = describe_key(table, item);
    move |message| MigrateError::Item { entity: entity.clone(), key: key.clone(), message }
}

/// What `item` (as scanned) needs under `plan`.
pub fn rewrite_item(plan: &Plan, item: &Item) -> Result<ItemRewrite, MigrateError> {
    let old_table = &plan.old.table;
    if matches!(item.get(old_table.entity_type_attribute), Some(AttributeValue::S(t)) if t == RESERVED_ENTITY_TYPE)
    {
        return Ok(ItemRewrite::NotAnEntity);
    }
    let position = match recognise(old_table, &plan.old.entities, item) {
        Ok(Some(position)) => position,
        Ok(None) => return Ok(ItemRewrite::NotAnEntity),
        Err(error) => {
            return Err(MigrateError::Item {
                entity: "(unrecognised)".into(),
                key: describe_key(old_table, item),
                message: error.to_string(),
            })
        }
    };
    let old_entity = &plan.old.entities[position];
    let Some(rewrite) = plan.rewrites.iter().find(|r| r.old.rust_name == old_entity.rust_name)
    else {
        return Ok(ItemRewrite::Unchanged);
    };
    let error = item_error(rewrite, old_table, item);
    let integer = |field: &str| {
        let key = (rewrite.new.rust_name.to_owned(), field.to_owned());
        let old_key = (rewrite.old.rust_name.to_owned(), field.to_owned());
        plan.new.integers.get(&key).or_else(|| plan.old.integers.get(&old_key)).copied()
    };
    let mut fields = Fields {
        item,
        entity: &rewrite.old,
        table: old_table,
        integer: &integer,
        reads: BTreeSet::new(),
    };
    let mut new_item = item.clone();
    let new_table = &plan.new.table;
    // Keys first, from the item as read (renames only move attributes).
    let mut computed: Vec<(String, AttributeValue)> = Vec::new();
    for key in &rewrite.index_keys {
        let value = fields.render(&key.template, key.attribute.ty, key.role).map_err(&error)?;
        computed.push((key.attribute.name.to_owned(), value));
    }
    let mut new_key: Option<Item> = None;
    if rewrite.moves {
        let mut key = Item::new();
        let pk = fields
            .render(&rewrite.new.partition_key, new_table.partition_key.ty, KeyRole::Partition)
            .map_err(&error)?;
        key.insert(new_table.partition_key.name.to_owned(), pk);
        if let (Some(sk), Some(template)) = (new_table.sort_key, rewrite.new.sort_key) {
            let value = fields.render(&template, sk.ty, KeyRole::Sort).map_err(&error)?;
            key.insert(sk.name.to_owned(), value);
        }
        new_key = Some(key);
    }
    let mut reads = std::mem::take(&mut fields.reads);
    for (from, to) in &rewrite.renames {
        reads.insert((*from).to_owned());
        reads.insert((*to).to_owned());
        if let Some(value) = new_item.remove(*from) {
            new_item.insert((*to).to_owned(), value);
        }
    }
    if let Some((_, entity_type)) = rewrite.entity_type {
        reads.insert(new_table.entity_type_attribute.to_owned());
        new_item.insert(
            new_table.entity_type_attribute.to_owned(),
            AttributeValue::S(entity_type.to_owned()),
        );
    }
    for attribute in &rewrite.removed_attributes {
        new_item.remove(*attribute);
    }
    for (name, value) in computed {
        new_item.insert(name, value);
    }
    // New fields' defaults, only where the item has no such attribute (one written by
    // the new model's code keeps its own value).
    let mut defaulted: BTreeSet<&str> = BTreeSet::new();
    for (attribute, value) in &rewrite.defaults {
        if !new_item.contains_key(*attribute) {
            new_item.insert((*attribute).to_owned(), value.clone());
            defaulted.insert(attribute);
        }
    }
    let old_key = key_of(old_table, item);
    let new_key = new_key.filter(|key| *key != old_key);
    if let Some(new_key) = new_key {
        new_item.extend(new_key);
        let put_condition =
            Condition::AttributeNotExists(Path::attribute(new_table.partition_key.name));
        let exists = Condition::AttributeExists(Path::attribute(old_table.partition_key.name));
        // A default attribute written meanwhile by the new code is not overwritten by
        // the put: its absence is part of the delete's condition.
        let delete_condition = all_of(
            exists,
            item.iter()
                .filter(|(name, _)| !old_key.contains_key(*name))
                .map(|(name, value)| unchanged(name, Some(value)))
                .chain(defaulted.iter().map(|name| unchanged(name, None))),
        );
        return Ok(ItemRewrite::Move {
            entity: rewrite.new.rust_name,
            old_key,
            new_item,
            put_condition,
            delete_condition,
        });
    }
    if new_item == *item {
        return Ok(ItemRewrite::Unchanged);
    }
    let mut changed: BTreeSet<&str> = BTreeSet::new();
    for (name, value) in &new_item {
        if item.get(name) != Some(value) {
            changed.insert(name);
        }
    }
    for name in item.keys() {
        if !new_item.contains_key(name) {
            changed.insert(name);
        }
    }
    let updates = changed
        .iter()
        .map(|name| match new_item.get(*name) {
            // A default: `if_not_exists`, so a value the new code wrote meanwhile stays
            // (and the condition need not hold its absence).
            Some(value) if defaulted.contains(name) => UpdateAction::Set(
                Path::attribute(*name),
                SetValue::Operand(UpdateOperand::IfNotExists(
                    Path::attribute(*name),
                    Box::new(UpdateOperand::Value(value.clone())),
                )),
            ),
            Some(value) => UpdateAction::Set(
                Path::attribute(*name),
                SetValue::Operand(UpdateOperand::Value(value.clone())),
            ),
            None => UpdateAction::Remove(Path::attribute(*name)),
        })
        .collect();
    for name in changed.into_iter().filter(|name| !defaulted.contains(name)) {
        reads.insert(name.to_owned());
    }
    let exists = Condition::AttributeExists(Path::attribute(old_table.partition_key.name));
    let condition = all_of(
        exists,
        reads
            .iter()
            .filter(|name| !old_key.contains_key(name.as_str()))
            .map(|name| unchanged(name, item.get(name))),
    );
    Ok(ItemRewrite::Update { entity: rewrite.new.rust_name, key: old_key, updates, condition })
}
