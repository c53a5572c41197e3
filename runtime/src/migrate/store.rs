//! The migration's own items in the table: a checkpoint per scan segment, the state of
//! each plan, and the history of applied plans. See "Reserved items" in the
//! [module docs](super).

use super::MigrateError;
use crate::backend::{Backend, GetItemInput, PutItemInput, UpdateItemInput};
use crate::expr::{Condition, Operand, Path, SetValue, UpdateAction, UpdateOperand};
use crate::number::Number;
use crate::schema::{ScalarType, TableSchema};
use crate::timestamp::Timestamp;
use crate::value::{AttributeValue, Item};

/// The partition-key prefix of the migration's items: `_st#migration#<plan id>` (a
/// plan's state), `…#<plan id>#segment#<n>#<i>` (checkpoints), `…#history`.
pub const RESERVED_PREFIX: &str = "_st#migration#";
/// The entity-type value of the migration's items (it names no entity).
pub const RESERVED_ENTITY_TYPE: &str = "_st.migration";

/// Where one scan segment stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SegmentCheckpoint {
    /// The segment.
    pub segment: u32,
    /// Of how many.
    pub segments: u32,
    /// The scan's `LastEvaluatedKey` after the last finished page (`None` with `done`,
    /// or before the first page).
    pub last_key: Option<Item>,
    /// Every page of the segment is done.
    pub done: bool,
    /// Items scanned so far (pages redone after a restart count again).
    pub scanned: u64,
    /// Items written so far (updates and moves).
    pub written: u64,
}

/// One applied migration, from the table's history.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedMigration {
    /// The plan id.
    pub id: String,
    /// When it completed (RFC 3339).
    pub completed_at: String,
    /// Items scanned.
    pub scanned: u64,
    /// Items written.
    pub written: u64,
    /// The plan as text.
    pub summary: String,
}

/// What a table says about its migrations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MigrationStatus {
    /// Applied migrations, oldest first.
    pub applied: Vec<AppliedMigration>,
    /// The segments of the plan asked about, when it has started and not completed.
    pub in_progress: Vec<SegmentCheckpoint>,
}

fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(Number::from(value))
}

fn get_u64(item: &Item, name: &str) -> u64 {
    match item.get(name) {
        Some(AttributeValue::N(number)) => number.as_str().parse().unwrap_or(0),
        _ => 0,
    }
}

fn get_s(item: &Item, name: &str) -> String {
    match item.get(name) {
        Some(AttributeValue::S(text)) => text.clone(),
        _ => String::new(),
    }
}

/// The migration's items of one table.
pub(crate) struct Store<'a> {
    pub(crate) backend: &'a dyn Backend,
    pub(crate) table: &'a TableSchema,
}

pub(crate) fn now() -> String {
    Timestamp::now().to_rfc3339().unwrap_or_default()
}

impl Store<'_> {
    fn error(&self, message: impl Into<String>) -> MigrateError {
        MigrateError::State { table: self.table.name.to_owned(), message: message.into() }
    }

    /// The key of reserved item `suffix`.
    pub(crate) fn key(&self, suffix: &str) -> Result<Item, MigrateError> {
        let table = self.table;
        if table.partition_key.ty != ScalarType::S {
            return Err(self.error(format!(
                "checkpoints and history are items under `{RESERVED_PREFIX}…`, which needs an S \
                 partition key; `{}` is {}",
                table.partition_key.name,
                table.partition_key.ty.as_str()
            )));
        }
        let mut key = Item::new();
        key.insert(table.partition_key.name.to_owned(), s(format!("{RESERVED_PREFIX}{suffix}")));
        if let Some(sk) = table.sort_key {
            let value = match sk.ty {
                ScalarType::S => s("_st"),
                ScalarType::N => n(0),
                ScalarType::B => AttributeValue::B(vec![0]),
            };
            key.insert(sk.name.to_owned(), value);
        }
        Ok(key)
    }

    async fn get(&self, suffix: &str) -> Result<Option<Item>, MigrateError> {
        let input = GetItemInput {
            table_name: self.table.name.to_owned(),
            key: self.key(suffix)?,
            consistent_read: true,
            ..GetItemInput::default()
        };
        let output =
            self.backend.get_item(input).await.map_err(MigrateError::backend(self.table.name))?;
        Ok(output.item)
    }

    async fn put(&self, suffix: &str, attributes: Item) -> Result<(), MigrateError> {
        let mut item = self.key(suffix)?;
        item.insert(self.table.entity_type_attribute.to_owned(), s(RESERVED_ENTITY_TYPE));
        item.extend(attributes);
        let input = PutItemInput {
            table_name: self.table.name.to_owned(),
            item,
            ..PutItemInput::default()
        };
        self.backend.put_item(input).await.map_err(MigrateError::backend(self.table.name))?;
        Ok(())
    }

    fn checkpoint_suffix(id: &str, segment: u32, segments: u32) -> String {
        format!("{id}#segment#{segments}#{segment}")
    }

    /// The plan's state: `Some((segments, completed))` once started.
    pub(crate) async fn plan_state(&self, id: &str) -> Result<Option<(u32, bool)>, MigrateError> {
        Ok(self.get(id).await?.map(|item| {
            let segments = u32::try_from(get_u64(&item, "segments")).unwrap_or(0);
            (segments, item.contains_key("completed_at"))
        }))
    }

    /// Records that plan `id` runs with `segments` segments.
    pub(crate) async fn start(
        &self,
        id: &str,
        segments: u32,
        summary: &str,
    ) -> Result<(), MigrateError> {
        let mut item = Item::new();
        item.insert("plan_id".into(), s(id));
        item.insert("segments".into(), n(u64::from(segments)));
        item.insert("started_at".into(), s(now()));
        item.insert("summary".into(), s(summary));
        self.put(id, item).await
    }

    /// The checkpoint of one segment (a fresh one when none is stored).
    pub(crate) async fn checkpoint(
        &self,
        id: &str,
        segment: u32,
        segments: u32,
    ) -> Result<SegmentCheckpoint, MigrateError> {
        let fresh = SegmentCheckpoint { segment, segments, ..SegmentCheckpoint::default() };
        let Some(item) = self.get(&Self::checkpoint_suffix(id, segment, segments)).await? else {
            return Ok(fresh);
        };
        let last_key = match item.get("last_key") {
            Some(AttributeValue::M(map)) => Some(map.clone().into_iter().collect()),
            Some(_) => {
                return Err(
                    self.error(format!("checkpoint {segment}/{segments}: `last_key` is not a map"))
                )
            }
            None => None,
        };
        Ok(SegmentCheckpoint {
            last_key,
            done: matches!(item.get("done"), Some(AttributeValue::Bool(true))),
            scanned: get_u64(&item, "scanned"),
            written: get_u64(&item, "written"),
            ..fresh
        })
    }

    /// Stores a segment's checkpoint.
    pub(crate) async fn save(
        &self,
        id: &str,
        checkpoint: &SegmentCheckpoint,
    ) -> Result<(), MigrateError> {
        let mut item = Item::new();
        item.insert("segment".into(), n(u64::from(checkpoint.segment)));
        item.insert("segments".into(), n(u64::from(checkpoint.segments)));
        item.insert("done".into(), AttributeValue::Bool(checkpoint.done));
        item.insert("scanned".into(), n(checkpoint.scanned));
        item.insert("written".into(), n(checkpoint.written));
        if let Some(key) = &checkpoint.last_key {
            item.insert("last_key".into(), AttributeValue::M(key.clone().into_iter().collect()));
        }
        self.put(&Self::checkpoint_suffix(id, checkpoint.segment, checkpoint.segments), item).await
    }

    /// Marks plan `id` completed and appends it to the history.
    pub(crate) async fn complete(
        &self,
        id: &str,
        segments: u32,
        summary: &str,
        scanned: u64,
        written: u64,
    ) -> Result<(), MigrateError> {
        let completed_at = now();
        let mut item = Item::new();
        item.insert("plan_id".into(), s(id));
        item.insert("segments".into(), n(u64::from(segments)));
        item.insert("completed_at".into(), s(completed_at.clone()));
        item.insert("summary".into(), s(summary));
        let mut entry = std::collections::HashMap::new();
        entry.insert("id".to_owned(), s(id));
        entry.insert("completed_at".to_owned(), s(completed_at));
        entry.insert("scanned".to_owned(), n(scanned));
        entry.insert("written".to_owned(), n(written));
        entry.insert("summary".to_owned(), s(summary));
        let applied = Path::attribute("applied");
        let mut history_key = self.key("history")?;
        let updates = vec![
            UpdateAction::Set(
                applied.clone(),
                SetValue::Operand(UpdateOperand::ListAppend(
                    Box::new(UpdateOperand::IfNotExists(
                        applied,
                        Box::new(UpdateOperand::Value(AttributeValue::L(Vec::new()))),
                    )),
                    Box::new(UpdateOperand::Value(AttributeValue::L(vec![AttributeValue::M(
                        entry.into_iter().collect(),
                    )]))),
                )),
            ),
            UpdateAction::Set(
                Path::attribute(self.table.entity_type_attribute),
                SetValue::Operand(UpdateOperand::Value(s(RESERVED_ENTITY_TYPE))),
            ),
            UpdateAction::Add(Path::attribute("ids"), AttributeValue::Ss(vec![id.to_owned()])),
        ];
        // Once per plan, even when two processes finish their last segments together.
        let condition =
            Condition::Contains(Operand::Path(Path::attribute("ids")), Operand::Value(s(id))).not();
        let input = UpdateItemInput {
            table_name: self.table.name.to_owned(),
            key: std::mem::take(&mut history_key),
            updates,
            condition: Some(condition),
            ..UpdateItemInput::default()
        };
        match self.backend.update_item(input).await {
            Ok(_) | Err(crate::error::Error::ConditionalCheckFailed { .. }) => {}
            Err(error) => return Err(MigrateError::backend(self.table.name)(error)),
        }
        self.put(id, item).await
    }

    /// The history, and the checkpoints of plan `id` when it is in progress.
    pub(crate) async fn status(&self, id: Option<&str>) -> Result<MigrationStatus, MigrateError> {
        let mut status = MigrationStatus::default();
        if let Some(history) = self.get("history").await? {
            if let Some(AttributeValue::L(entries)) = history.get("applied") {
                for entry in entries {
                    let AttributeValue::M(map) = entry else { continue };
                    let map: Item = map.clone().into_iter().collect();
                    status.applied.push(AppliedMigration {
                        id: get_s(&map, "id"),
                        completed_at: get_s(&map, "completed_at"),
                        scanned: get_u64(&map, "scanned"),
                        written: get_u64(&map, "written"),
                        summary: get_s(&map, "summary"),
                    });
                }
            }
        }
        if let Some(id) = id {
            if let Some((segments, false)) = self.plan_state(id).await? {
                for segment in 0..segments {
                    status.in_progress.push(self.checkpoint(id, segment, segments).await?);
                }
            }
        }
        Ok(status)
    }
}

/// `singletable migrate status`: the applied migrations of `table` (its history), and
/// where plan `plan_id`'s segments stand when it has started and not completed.
pub async fn status(
    backend: &dyn Backend,
    table: &TableSchema,
    plan_id: Option<&str>,
) -> Result<MigrationStatus, MigrateError> {
    Store { backend, table }.status(plan_id).await
}
