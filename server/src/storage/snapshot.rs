//! Snapshot files: the engine's whole state ([`EngineState`]) in one file.
//!
//! After the magic `STSNAP01`, framed records (see `record`), each a JSON document:
//! a header, then for each table its definition followed by its items in chunks (items
//! in DynamoDB's JSON, the codec of `singletable_core::json`), then an end record
//! that counts the tables and items. A snapshot is only read whole: it is written to a
//! temporary file, synced and renamed into place, so a missing end record or a failed
//! checksum means the file was damaged after it was written, and opening fails rather
//! than starting with part of the data.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use singletable_core::backend::{
    AttributeDefinition, BackupType, CreateTableInput, KeySchemaElement, KeyType, ProjectionSpec,
    RestoreSummary, SecondaryIndex, Tag,
};
use singletable_core::json::{item_from_json, item_to_json};
use singletable_core::schema::{BillingMode, ScalarType, StreamViewType};
use singletable_engine::{BackupState, EngineState, HistoryEntry, PitrState, TableState};

use super::record::{append_frame, read_frames, End};
use super::RecoveryError;

/// The first bytes of a snapshot file.
pub(crate) const MAGIC: &[u8; 8] = b"STSNAP01";

/// Items per item record.
const CHUNK: usize = 1_000;

/// One record of a snapshot.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Frame {
    Header {
        format: u32,
    },
    /// State kept beside the engine (see `ExtraState`).
    Extra(serde_json::Value),
    Table(Box<TableMeta>),
    Items(Vec<serde_json::Value>),
    /// Changes of the last table's point-in-time recovery history, oldest first.
    History(Vec<ChangeMeta>),
    /// An on-demand backup; its items follow as `BackupItems`.
    Backup(Box<BackupMeta>),
    /// Items of the last backup.
    BackupItems(Vec<serde_json::Value>),
    End {
        tables: u64,
        items: u64,
    },
}

/// A table's point-in-time recovery settings.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PitrMeta {
    recovery_period_in_days: u32,
    enabled_at_ms: i64,
}

/// One change of a history: time, key attributes, the item before (DynamoDB JSON).
#[derive(Serialize, Deserialize)]
struct ChangeMeta {
    t: i64,
    k: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    o: Option<serde_json::Value>,
}

/// An on-demand backup: its own facts and its source table.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BackupMeta {
    backup_arn: String,
    backup_name: String,
    creation_date_time_bits: u64,
    table_id: String,
    /// A `SYSTEM` backup (of a deleted table); absent in snapshots written before
    /// system backups existed, which held user backups only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    system: bool,
    table: TableMeta,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TableMeta {
    name: String,
    arn: String,
    /// `CreationDateTime` as the bits of the `f64` (JSON's decimal form loses the last
    /// digit of some values).
    creation_date_time_bits: u64,
    time_to_live_attribute: Option<String>,
    attribute_definitions: Vec<(String, Scalar)>,
    key_schema: Vec<(String, Key)>,
    global_secondary_indexes: Vec<IndexMeta>,
    local_secondary_indexes: Vec<IndexMeta>,
    /// `None` for on-demand, else (read, write) capacity units.
    provisioned: Option<(u64, u64)>,
    stream: Option<Stream>,
    /// When the stream was enabled (`UpdateTable`), as the bits of the `f64`; absent
    /// when at creation (and in snapshots written before tables could change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stream_date_time_bits: Option<u64>,
    /// The table's tags as (key, value), in key order (absent in snapshots written
    /// before the engine kept tags: those carry them as extra state, see
    /// [`legacy_tags`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<(String, String)>,
    /// Point-in-time recovery, while enabled (its changes follow as `History`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    point_in_time_recovery: Option<PitrMeta>,
    /// Where a restored table came from (absent for other tables, and in snapshots
    /// written before restores were remembered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    restore_summary: Option<RestoreMeta>,
}

/// `RestoreSummary` of a restored table.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestoreMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_backup_arn: Option<String>,
    source_table_arn: String,
    /// `RestoreDateTime` as the bits of the `f64`.
    restore_date_time_bits: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexMeta {
    name: String,
    key_schema: Vec<(String, Key)>,
    /// `None` for `ALL`, else the non-key attributes (empty for `KEYS_ONLY`).
    projection: Projection,
    provisioned_throughput: Option<(u64, u64)>,
}

#[derive(Serialize, Deserialize)]
enum Projection {
    All,
    KeysOnly,
    Include(Vec<String>),
}

#[derive(Serialize, Deserialize, Clone, Copy)]
enum Scalar {
    S,
    N,
    B,
}

#[derive(Serialize, Deserialize, Clone, Copy)]
enum Key {
    Hash,
    Range,
}

#[derive(Serialize, Deserialize, Clone, Copy)]
enum Stream {
    KeysOnly,
    NewImage,
    OldImage,
    NewAndOldImages,
}

fn key_schema_meta(elements: &[KeySchemaElement]) -> Vec<(String, Key)> {
    elements
        .iter()
        .map(|e| {
            let key = match e.key_type {
                KeyType::Hash => Key::Hash,
                KeyType::Range => Key::Range,
            };
            (e.attribute_name.clone(), key)
        })
        .collect()
}

fn key_schema(meta: Vec<(String, Key)>) -> Vec<KeySchemaElement> {
    meta.into_iter()
        .map(|(attribute_name, key)| KeySchemaElement {
            attribute_name,
            key_type: match key {
                Key::Hash => KeyType::Hash,
                Key::Range => KeyType::Range,
            },
        })
        .collect()
}

fn index_meta(index: &SecondaryIndex) -> IndexMeta {
    IndexMeta {
        name: index.index_name.clone(),
        key_schema: key_schema_meta(&index.key_schema),
        projection: match &index.projection {
            ProjectionSpec::All => Projection::All,
            ProjectionSpec::KeysOnly => Projection::KeysOnly,
            ProjectionSpec::Include(names) => Projection::Include(names.clone()),
        },
        provisioned_throughput: index.provisioned_throughput,
    }
}

fn index(meta: IndexMeta) -> SecondaryIndex {
    SecondaryIndex {
        index_name: meta.name,
        key_schema: key_schema(meta.key_schema),
        projection: match meta.projection {
            Projection::All => ProjectionSpec::All,
            Projection::KeysOnly => ProjectionSpec::KeysOnly,
            Projection::Include(names) => ProjectionSpec::Include(names),
        },
        provisioned_throughput: meta.provisioned_throughput,
    }
}

fn table_meta(table: &TableState) -> TableMeta {
    let definition = &table.definition;
    TableMeta {
        name: definition.table_name.clone(),
        arn: table.arn.clone(),
        creation_date_time_bits: table.creation_date_time.to_bits(),
        time_to_live_attribute: table.time_to_live_attribute.clone(),
        attribute_definitions: definition
            .attribute_definitions
            .iter()
            .map(|d| {
                let ty = match d.ty {
                    ScalarType::S => Scalar::S,
                    ScalarType::N => Scalar::N,
                    ScalarType::B => Scalar::B,
                };
                (d.name.clone(), ty)
            })
            .collect(),
        key_schema: key_schema_meta(&definition.key_schema),
        global_secondary_indexes: definition
            .global_secondary_indexes
            .iter()
            .map(index_meta)
            .collect(),
        local_secondary_indexes: definition
            .local_secondary_indexes
            .iter()
            .map(index_meta)
            .collect(),
        provisioned: match definition.billing_mode {
            BillingMode::PayPerRequest => None,
            BillingMode::Provisioned { read, write } => Some((read, write)),
        },
        stream: definition.stream.map(|view| match view {
            StreamViewType::KeysOnly => Stream::KeysOnly,
            StreamViewType::NewImage => Stream::NewImage,
            StreamViewType::OldImage => Stream::OldImage,
            StreamViewType::NewAndOldImages => Stream::NewAndOldImages,
        }),
        stream_date_time_bits: table.stream_date_time.map(f64::to_bits),
        tags: table.tags.iter().map(|tag| (tag.key.clone(), tag.value.clone())).collect(),
        point_in_time_recovery: table.point_in_time_recovery.as_ref().map(|pitr| PitrMeta {
            recovery_period_in_days: pitr.recovery_period_in_days,
            enabled_at_ms: pitr.enabled_at_ms,
        }),
        restore_summary: table.restore_summary.as_ref().map(|summary| RestoreMeta {
            source_backup_arn: summary.source_backup_arn.clone(),
            source_table_arn: summary.source_table_arn.clone(),
            restore_date_time_bits: summary.restore_date_time.to_bits(),
        }),
    }
}

fn table_state(meta: TableMeta) -> TableState {
    TableState {
        definition: CreateTableInput {
            table_name: meta.name,
            attribute_definitions: meta
                .attribute_definitions
                .into_iter()
                .map(|(name, ty)| AttributeDefinition {
                    name,
                    ty: match ty {
                        Scalar::S => ScalarType::S,
                        Scalar::N => ScalarType::N,
                        Scalar::B => ScalarType::B,
                    },
                })
                .collect(),
            key_schema: key_schema(meta.key_schema),
            global_secondary_indexes: meta
                .global_secondary_indexes
                .into_iter()
                .map(index)
                .collect(),
            local_secondary_indexes: meta.local_secondary_indexes.into_iter().map(index).collect(),
            billing_mode: match meta.provisioned {
                None => BillingMode::PayPerRequest,
                Some((read, write)) => BillingMode::Provisioned { read, write },
            },
            stream: meta.stream.map(|view| match view {
                Stream::KeysOnly => StreamViewType::KeysOnly,
                Stream::NewImage => StreamViewType::NewImage,
                Stream::OldImage => StreamViewType::OldImage,
                Stream::NewAndOldImages => StreamViewType::NewAndOldImages,
            }),
        },
        arn: meta.arn,
        creation_date_time: f64::from_bits(meta.creation_date_time_bits),
        stream_date_time: meta.stream_date_time_bits.map(f64::from_bits),
        time_to_live_attribute: meta.time_to_live_attribute,
        tags: meta.tags.into_iter().map(|(key, value)| Tag { key, value }).collect(),
        items: Vec::new(),
        point_in_time_recovery: meta.point_in_time_recovery.map(|pitr| PitrState {
            recovery_period_in_days: pitr.recovery_period_in_days,
            enabled_at_ms: pitr.enabled_at_ms,
            changes: Vec::new(),
        }),
        restore_summary: meta.restore_summary.map(|summary| RestoreSummary {
            source_backup_arn: summary.source_backup_arn,
            source_table_arn: summary.source_table_arn,
            restore_date_time: f64::from_bits(summary.restore_date_time_bits),
            restore_in_progress: false,
        }),
    }
}

fn push(out: &mut Vec<u8>, frame: &Frame) -> Result<(), RecoveryError> {
    let json =
        serde_json::to_vec(frame).map_err(|error| RecoveryError::Encode(error.to_string()))?;
    if json.len() > super::record::MAX_PAYLOAD {
        return Err(RecoveryError::Encode(format!(
            "a snapshot record of {} bytes exceeds the record limit",
            json.len()
        )));
    }
    append_frame(out, &json);
    Ok(())
}

/// Moves the tags of a snapshot written when `singletable serve` kept tags beside the
/// engine (extra state `{"tags": {<table ARN>: {<key>: <value>}}}`) onto its tables;
/// true when `extra` had that shape (it is then consumed).
pub(crate) fn legacy_tags(state: &mut EngineState, extra: &serde_json::Value) -> bool {
    let Some(by_arn) = extra.get("tags").and_then(serde_json::Value::as_object) else {
        return false;
    };
    for (arn, tags) in by_arn {
        let Some(table) = state.tables.iter_mut().find(|table| table.arn == *arn) else {
            continue;
        };
        for (key, value) in tags.as_object().into_iter().flatten() {
            if let (Some(value), false) =
                (value.as_str(), table.tags.iter().any(|tag| tag.key == *key))
            {
                table.tags.push(Tag { key: key.clone(), value: value.to_owned() });
            }
        }
        table.tags.sort();
    }
    true
}

/// What a snapshot holds: the engine's state, and the state kept beside it.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Snapshot {
    /// The engine's tables.
    pub engine: EngineState,
    /// What `ExtraState::export` returned, if there is an `ExtraState`.
    pub extra: Option<serde_json::Value>,
}

/// The bytes of a snapshot file holding `snapshot`.
pub(crate) fn encode(snapshot: &Snapshot) -> Result<Vec<u8>, RecoveryError> {
    let state = &snapshot.engine;
    let mut out = MAGIC.to_vec();
    push(&mut out, &Frame::Header { format: 1 })?;
    if let Some(extra) = &snapshot.extra {
        push(&mut out, &Frame::Extra(extra.clone()))?;
    }
    let mut items = 0u64;
    for table in &state.tables {
        push(&mut out, &Frame::Table(Box::new(table_meta(table))))?;
        for chunk in table.items.chunks(CHUNK) {
            let json = chunk.iter().map(|item| item_to_json(item)).collect();
            push(&mut out, &Frame::Items(json))?;
            items += u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        }
        for chunk in table.point_in_time_recovery.iter().flat_map(|pitr| pitr.changes.chunks(CHUNK))
        {
            let changes = chunk
                .iter()
                .map(|change| ChangeMeta {
                    t: change.time_ms,
                    k: item_to_json(&change.key),
                    o: change.old.as_deref().map(item_to_json),
                })
                .collect();
            push(&mut out, &Frame::History(changes))?;
        }
    }
    for backup in &state.backups {
        let meta = BackupMeta {
            backup_arn: backup.backup_arn.clone(),
            backup_name: backup.backup_name.clone(),
            creation_date_time_bits: backup.backup_creation_date_time.to_bits(),
            table_id: backup.table_id.clone(),
            system: backup.backup_type == BackupType::System,
            table: table_meta(&backup.table),
        };
        push(&mut out, &Frame::Backup(Box::new(meta)))?;
        for chunk in backup.table.items.chunks(CHUNK) {
            let json = chunk.iter().map(|item| item_to_json(item)).collect();
            push(&mut out, &Frame::BackupItems(json))?;
        }
    }
    let tables = u64::try_from(state.tables.len()).unwrap_or(u64::MAX);
    push(&mut out, &Frame::End { tables, items })?;
    Ok(out)
}

/// The state in the bytes of a snapshot file named `file` (for errors).
pub(crate) fn decode(file: &str, data: &[u8]) -> Result<Snapshot, RecoveryError> {
    let damaged = |reason: String| RecoveryError::DamagedSnapshot { file: file.to_owned(), reason };
    let body = data
        .strip_prefix(MAGIC)
        .ok_or_else(|| damaged("it does not start with the snapshot magic".to_owned()))?;
    let frames = read_frames(body);
    if frames.end != End::Clean {
        return Err(damaged(frames.end.to_string()));
    }
    let mut state = EngineState::default();
    let mut extra = None;
    let mut ended = None;
    for (position, payload) in frames.payloads.iter().enumerate() {
        let frame: Frame = serde_json::from_slice(payload)
            .map_err(|error| damaged(format!("record {position}: {error}")))?;
        if ended.is_some() {
            return Err(damaged(format!("record {position} follows the end record")));
        }
        match frame {
            Frame::Header { format: 1 } if position == 0 => {}
            Frame::Header { format } => {
                return Err(damaged(format!(
                    "unexpected header (format {format}) at record {position}"
                )));
            }
            _ if position == 0 => return Err(damaged("the header record is missing".to_owned())),
            Frame::Extra(value) if state.tables.is_empty() && extra.is_none() => {
                extra = Some(value)
            }
            Frame::Extra(_) => {
                return Err(damaged(format!("misplaced extra state at record {position}")))
            }
            Frame::Table(meta) if state.backups.is_empty() => state.tables.push(table_state(*meta)),
            Frame::Table(_) => {
                return Err(damaged(format!("a table after the backups at record {position}")))
            }
            Frame::History(changes) => {
                let pitr = state
                    .tables
                    .last_mut()
                    .and_then(|table| table.point_in_time_recovery.as_mut())
                    .filter(|_| state.backups.is_empty())
                    .ok_or_else(|| {
                        damaged(format!("history without its table at record {position}"))
                    })?;
                for change in changes {
                    let item = |json: &serde_json::Value| {
                        item_from_json(json)
                            .map_err(|error| damaged(format!("record {position}: {error}")))
                    };
                    let old = change.o.as_ref().map(item).transpose()?.map(Arc::new);
                    pitr.changes.push(HistoryEntry {
                        time_ms: change.t,
                        key: item(&change.k)?,
                        old,
                    });
                }
            }
            Frame::Backup(meta) => state.backups.push(BackupState {
                backup_arn: meta.backup_arn,
                backup_name: meta.backup_name,
                backup_creation_date_time: f64::from_bits(meta.creation_date_time_bits),
                table_id: meta.table_id,
                backup_type: if meta.system { BackupType::System } else { BackupType::User },
                table: table_state(meta.table),
            }),
            Frame::BackupItems(items) => {
                let backup = state.backups.last_mut().ok_or_else(|| {
                    damaged(format!("backup items before any backup at record {position}"))
                })?;
                for json in &items {
                    let item = item_from_json(json)
                        .map_err(|error| damaged(format!("record {position}: {error}")))?;
                    backup.table.items.push(Arc::new(item));
                }
            }
            Frame::Items(items) => {
                let table =
                    state.tables.last_mut().filter(|_| state.backups.is_empty()).ok_or_else(
                        || damaged(format!("items before any table at record {position}")),
                    )?;
                for json in &items {
                    let item = item_from_json(json)
                        .map_err(|error| damaged(format!("record {position}: {error}")))?;
                    table.items.push(Arc::new(item));
                }
            }
            Frame::End { tables, items } => ended = Some((tables, items)),
        }
    }
    let Some((tables, items)) = ended else {
        return Err(damaged("the end record is missing".to_owned()));
    };
    let found_items: usize = state.tables.iter().map(|t| t.items.len()).sum();
    if u64::try_from(state.tables.len()).ok() != Some(tables)
        || u64::try_from(found_items).ok() != Some(items)
    {
        return Err(damaged(format!(
            "it holds {} tables and {found_items} items, its end record says {tables} and {items}",
            state.tables.len()
        )));
    }
    Ok(Snapshot { engine: state, extra })
}

#[cfg(test)]
mod tests {
    use super::*;
    use singletable_core::AttributeValue;

    fn state() -> EngineState {
        let element =
            |name: &str, key_type| KeySchemaElement { attribute_name: name.to_owned(), key_type };
        let definition = CreateTableInput {
            table_name: "Orders".to_owned(),
            attribute_definitions: vec![
                AttributeDefinition { name: "pk".to_owned(), ty: ScalarType::S },
                AttributeDefinition { name: "sk".to_owned(), ty: ScalarType::N },
                AttributeDefinition { name: "g".to_owned(), ty: ScalarType::B },
            ],
            key_schema: vec![element("pk", KeyType::Hash), element("sk", KeyType::Range)],
            global_secondary_indexes: vec![SecondaryIndex {
                index_name: "ByG".to_owned(),
                key_schema: vec![element("g", KeyType::Hash)],
                projection: ProjectionSpec::Include(vec!["x".to_owned()]),
                provisioned_throughput: Some((3, 4)),
            }],
            local_secondary_indexes: vec![SecondaryIndex {
                index_name: "ByX".to_owned(),
                key_schema: vec![element("pk", KeyType::Hash), element("g", KeyType::Range)],
                projection: ProjectionSpec::KeysOnly,
                provisioned_throughput: None,
            }],
            billing_mode: BillingMode::Provisioned { read: 5, write: 6 },
            stream: Some(StreamViewType::NewAndOldImages),
        };
        let items = (0..2_500)
            .map(|n| {
                let item = [
                    ("pk".to_owned(), AttributeValue::S(format!("p{}", n % 7))),
                    ("sk".to_owned(), AttributeValue::N(n.to_string().parse().expect("a number"))),
                    ("b".to_owned(), AttributeValue::B(vec![0, 1, 255])),
                ];
                Arc::new(item.into())
            })
            .collect();
        let orders = TableState {
            definition,
            arn: "arn:aws:dynamodb:ddblocal:000000000000:table/Orders".to_owned(),
            // A value whose shortest decimal form does not parse back exactly with
            // serde_json's default float parser.
            creation_date_time: 1_795_629_138.710_505_5,
            stream_date_time: Some(1_795_629_200.125),
            time_to_live_attribute: Some("expires".to_owned()),
            tags: vec![Tag { key: "team".to_owned(), value: "a".to_owned() }],
            items,
            point_in_time_recovery: None,
            restore_summary: Some(RestoreSummary {
                source_backup_arn: Some(
                    "arn:aws:dynamodb:ddblocal:000000000000:table/Old/backup/01795629000004-0a1b2c3d"
                        .to_owned(),
                ),
                source_table_arn: "arn:aws:dynamodb:ddblocal:000000000000:table/Old".to_owned(),
                restore_date_time: 1_795_629_138.710_505_5,
                restore_in_progress: false,
            }),
        };
        let mut empty = orders.clone();
        empty.restore_summary = None;
        empty.definition.table_name = "Empty".to_owned();
        empty.definition.billing_mode = BillingMode::PayPerRequest;
        empty.definition.stream = None;
        empty.time_to_live_attribute = None;
        empty.stream_date_time = None;
        empty.tags.clear();
        empty.items.clear();
        let key: singletable_core::Item =
            [("pk".to_owned(), AttributeValue::S("p1".to_owned()))].into();
        let mut orders = orders;
        orders.point_in_time_recovery = Some(PitrState {
            recovery_period_in_days: 7,
            enabled_at_ms: 1_795_629_000_001,
            changes: vec![
                HistoryEntry { time_ms: 1_795_629_000_002, key: key.clone(), old: None },
                HistoryEntry {
                    time_ms: 1_795_629_000_003,
                    key: key.clone(),
                    old: Some(Arc::new(key.clone())),
                },
            ],
        });
        let mut backed_up = empty.clone();
        backed_up.items = orders.items[..3].to_vec();
        let backups = vec![BackupState {
            backup_arn:
                "arn:aws:dynamodb:ddblocal:000000000000:table/Empty/backup/01795629000004-0a1b2c3d"
                    .to_owned(),
            backup_name: "nightly".to_owned(),
            backup_creation_date_time: 1_795_629_000.004,
            table_id: "00000000-0000-0000-0000-000000000000".to_owned(),
            backup_type: BackupType::System,
            table: backed_up,
        }];
        EngineState { tables: vec![empty, orders], backups }
    }

    #[test]
    fn snapshots_round_trip_every_field() {
        let snapshot = Snapshot { engine: state(), extra: None };
        let bytes = encode(&snapshot).expect("encoded");
        assert!(bytes.starts_with(MAGIC));
        assert_eq!(decode("s", &bytes).expect("decoded"), snapshot);
        let with_extra = Snapshot {
            engine: state(),
            extra: Some(serde_json::json!({"tags": {"arn:x": {"k": "v"}}})),
        };
        let bytes = encode(&with_extra).expect("encoded");
        assert_eq!(decode("s", &bytes).expect("decoded"), with_extra);
    }

    #[test]
    fn damaged_snapshots_are_refused_with_the_reason() {
        let bytes = encode(&Snapshot { engine: state(), extra: None }).expect("encoded");
        let reason = |data: &[u8]| match decode("snap", data) {
            Err(RecoveryError::DamagedSnapshot { file, reason }) => {
                assert_eq!(file, "snap");
                reason
            }
            other => panic!("expected a damaged snapshot, got {other:?}"),
        };
        assert!(reason(&bytes[..bytes.len() - 1]).contains("incomplete record"));
        let mut flipped = bytes.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x40;
        assert!(reason(&flipped).contains("checksum"));
        assert!(reason(b"NOTSNAP!").contains("magic"));
        // Whole records missing at the end: no end record.
        let frames = read_frames(&bytes[MAGIC.len()..]);
        let mut cut = MAGIC.to_vec();
        for payload in &frames.payloads[..frames.payloads.len() - 1] {
            append_frame(&mut cut, payload);
        }
        assert!(reason(&cut).contains("end record is missing"));
    }
}
