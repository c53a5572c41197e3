//! The engine's whole state as plain values: [`MemoryBackend::export_state`] and
//! [`MemoryBackend::import_state`].
//!
//! An [`EngineState`] lists every table with what `CreateTable` accepted for it (as the
//! table describes itself now, after any `UpdateTable`), its ARN, creation time and
//! stream time, its TTL setting, its tags, its items and its point-in-time recovery
//! history; and every on-demand backup.
//! It is what a snapshot of `singletable serve --data-dir` holds, and what a test or a
//! tool needs to copy an engine. Secondary index entries are not part of it: importing
//! rebuilds them from the items, so an imported table answers exactly as the exported
//! one did.
//!
//! Not part of the state: `ClientRequestToken`s of recent transactions (an imported
//! engine treats a retried token as new) and fault injection settings.
//!
//! Export is consistent per table (each table is read under its read lock); a caller
//! that needs one consistent cut across tables stops writes while exporting, as the
//! durable storage of `singletable serve` does.

use std::ops::Bound;
use std::sync::Arc;

use super::backups::{export_backups, import_backups, BackupState};
use super::create_table::table_def;
use super::pitr::{export_history, import_history, PitrState};
use super::table::Table;
use super::validate::item_primary_key;
use super::MemoryBackend;
use singletable_core::backend::{CreateTableInput, RestoreSummary, Tag};
use singletable_core::error::{Error, Result};
use singletable_core::size::item_size;
use singletable_core::value::Item;

/// The state of a whole engine: its tables, in name order, and its backups.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineState {
    /// Every table.
    pub tables: Vec<TableState>,
    /// Every on-demand backup, by ARN.
    pub backups: Vec<BackupState>,
}

/// One table of an [`EngineState`].
#[derive(Debug, Clone, PartialEq)]
pub struct TableState {
    /// The table's definition as `CreateTable` takes it (reflecting later changes).
    pub definition: CreateTableInput,
    /// `TableArn`.
    pub arn: String,
    /// `CreationDateTime`, Unix epoch seconds.
    pub creation_date_time: f64,
    /// When the table's stream was enabled, Unix epoch seconds (its `StreamLabel`);
    /// `None` means at creation.
    pub stream_date_time: Option<f64>,
    /// The `TimeToLive` attribute, while TTL is enabled.
    pub time_to_live_attribute: Option<String>,
    /// The table's tags, in key order.
    pub tags: Vec<Tag>,
    /// The items, in primary key order. Shared with the engine that exported them.
    pub items: Vec<Arc<Item>>,
    /// The point-in-time recovery settings and history, while it is enabled.
    pub point_in_time_recovery: Option<PitrState>,
    /// Where the table was restored from, for a restored table.
    pub restore_summary: Option<RestoreSummary>,
}

impl MemoryBackend {
    /// The state of every table: definitions, TTL settings and items (see
    /// [`EngineState`]). Items are shared, not copied, so exporting costs one pointer per
    /// item.
    pub fn export_state(&self) -> EngineState {
        let tables = self
            .catalog
            .table_names()
            .into_iter()
            .filter_map(|name| self.catalog.table(&name).ok())
            .map(|handle| {
                let time_to_live_attribute = handle.ttl().clone();
                let tags = handle
                    .tags()
                    .iter()
                    .map(|(key, value)| Tag { key: key.clone(), value: value.clone() })
                    .collect();
                let (def, items, point_in_time_recovery) = {
                    let table = handle.read();
                    let items: Vec<Arc<Item>> = table
                        .partitions_from(Bound::Unbounded)
                        .flat_map(|(_, partition)| partition.values())
                        .map(|stored| Arc::clone(&stored.item))
                        .collect();
                    let history =
                        table.history().map(|history| export_history(history, table.def()));
                    (Arc::clone(table.def_arc()), items, history)
                };
                TableState {
                    definition: CreateTableInput {
                        table_name: def.name.clone(),
                        attribute_definitions: def.attribute_definitions.clone(),
                        key_schema: def.key_schema.clone(),
                        global_secondary_indexes: def.global_secondary_indexes.clone(),
                        local_secondary_indexes: def.local_secondary_indexes.clone(),
                        billing_mode: def.billing_mode,
                        stream: def.stream,
                    },
                    arn: def.arn.clone(),
                    creation_date_time: def.creation_date_time,
                    stream_date_time: (def.stream.is_some()
                        && def.stream_date_time != def.creation_date_time)
                        .then_some(def.stream_date_time),
                    time_to_live_attribute,
                    tags,
                    items,
                    point_in_time_recovery,
                    restore_summary: def.restore_summary.clone(),
                }
            })
            .collect();
        EngineState { tables, backups: export_backups(&self.catalog) }
    }

    /// Adds the tables of `state` to this engine, with their items, index entries and TTL
    /// settings and tags, keeping each table's ARN, creation time and stream time.
    ///
    /// Every table is checked before any is added: a definition `CreateTable` would
    /// refuse, or an item without a valid primary key, fails with `ValidationException`
    /// naming the table; a name that exists already (here or twice in `state`) fails with
    /// `ResourceInUseException`. On failure the engine is unchanged.
    pub fn import_state(&self, state: EngineState) -> Result<()> {
        let mut built = Vec::with_capacity(state.tables.len());
        for table_state in state.tables {
            let name = table_state.definition.table_name.clone();
            if self.catalog.table(&name).is_ok()
                || built.iter().any(|(table, _, _): &(Table, _, _)| table.def().name == name)
            {
                return Err(Error::ResourceInUse {
                    message: format!("Cannot restore table {name}: it exists already"),
                    source: None,
                });
            }
            let mut def = table_def(table_state.definition, table_state.creation_date_time)
                .map_err(|error| {
                    Error::validation(format!("Cannot restore table {name}: {error}"))
                })?;
            def.arn = table_state.arn;
            if let Some(time) = table_state.stream_date_time {
                def.stream_date_time = time;
            }
            def.restore_summary = table_state.restore_summary;
            let def = Arc::new(def);
            let mut table = Table::new(Arc::clone(&def));
            // Restored items are not changes: the feed starts after them.
            table.set_feed(None);
            for item in table_state.items {
                let key = item_primary_key(&def, &item).map_err(|error| {
                    Error::validation(format!("Cannot restore an item of table {name}: {error}"))
                })?;
                let size = item_size(&item);
                table.put(key, item, size);
            }
            table.set_feed(Some(self.catalog.feeds()));
            if let Some(pitr) = table_state.point_in_time_recovery {
                table.set_history(Some(import_history(&self.catalog, &def, pitr)?));
            }
            let tags = table_state.tags.into_iter().map(|tag| (tag.key, tag.value)).collect();
            built.push((table, table_state.time_to_live_attribute, tags));
        }
        for (table, ttl, tags) in built {
            self.catalog.restore_table(table, ttl, tags)?;
        }
        import_backups(&self.catalog, state.backups);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use singletable_core::backend::{
        AttributeDefinition, Backend, KeySchemaElement, KeyType, ProjectionSpec, PutItemInput,
        QueryInput, SecondaryIndex, TimeToLiveSpecification,
    };
    use singletable_core::schema::{BillingMode, ScalarType};
    use singletable_core::value::AttributeValue;

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    fn definition(name: &str) -> CreateTableInput {
        let element =
            |name: &str, key_type| KeySchemaElement { attribute_name: name.to_owned(), key_type };
        CreateTableInput {
            table_name: name.to_owned(),
            attribute_definitions: ["pk", "sk", "g"]
                .iter()
                .map(|name| AttributeDefinition { name: (*name).to_owned(), ty: ScalarType::S })
                .collect(),
            key_schema: vec![element("pk", KeyType::Hash), element("sk", KeyType::Range)],
            global_secondary_indexes: vec![SecondaryIndex {
                index_name: "GSI1".to_owned(),
                key_schema: vec![element("g", KeyType::Hash)],
                projection: ProjectionSpec::KeysOnly,
                provisioned_throughput: None,
            }],
            local_secondary_indexes: Vec::new(),
            billing_mode: BillingMode::PayPerRequest,
            stream: None,
        }
    }

    fn item(pk: &str, sk: &str, g: Option<&str>) -> Item {
        let mut item: Item = [("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))].into();
        if let Some(g) = g {
            item.insert("g".to_owned(), s(g));
        }
        item
    }

    async fn populated() -> MemoryBackend {
        let db = MemoryBackend::new();
        db.create_table(definition("Two")).await.expect("created");
        db.create_table(definition("One")).await.expect("created");
        db.update_time_to_live(
            "One".to_owned(),
            TimeToLiveSpecification { enabled: true, attribute_name: "ttl".to_owned() },
        )
        .await
        .expect("ttl set");
        for (pk, sk, g) in [("b", "2", Some("x")), ("a", "1", None), ("b", "1", Some("x"))] {
            let input = PutItemInput {
                table_name: "One".to_owned(),
                item: item(pk, sk, g),
                ..Default::default()
            };
            db.put_item(input).await.expect("put");
        }
        db
    }

    #[tokio::test]
    async fn export_lists_tables_items_and_ttl_in_order() {
        let db = populated().await;
        let state = db.export_state();
        let names: Vec<&str> =
            state.tables.iter().map(|t| t.definition.table_name.as_str()).collect();
        assert_eq!(names, ["One", "Two"]);
        let one = &state.tables[0];
        assert_eq!(one.time_to_live_attribute.as_deref(), Some("ttl"));
        assert_eq!(one.definition, definition("One"));
        let keys: Vec<(&AttributeValue, &AttributeValue)> =
            one.items.iter().map(|item| (&item["pk"], &item["sk"])).collect();
        assert_eq!(keys, [(&s("a"), &s("1")), (&s("b"), &s("1")), (&s("b"), &s("2"))]);
        assert!(state.tables[1].items.is_empty());
        assert_eq!(state.tables[1].time_to_live_attribute, None);
    }

    #[tokio::test]
    async fn import_restores_descriptions_indexes_and_ttl() {
        let db = populated().await;
        let copy = MemoryBackend::new();
        copy.import_state(db.export_state()).expect("imported");
        assert_eq!(copy.export_state(), db.export_state());
        for name in ["One", "Two"] {
            let original = db.describe_table(name.to_owned()).await.expect("described");
            let restored = copy.describe_table(name.to_owned()).await.expect("described");
            assert_eq!(restored, original);
        }
        let ttl = copy.describe_time_to_live("One".to_owned()).await.expect("ttl");
        assert_eq!(ttl.attribute_name.as_deref(), Some("ttl"));
        // The sparse GSI was rebuilt from the items.
        assert_eq!(copy.index_items("One", "GSI1", &[s("x")]).expect("index").len(), 2);
        let page = copy
            .query(QueryInput {
                table_name: "One".to_owned(),
                key_condition: singletable_core::expr::KeyCondition {
                    partition: vec![("pk".to_owned(), s("b"))],
                    sort: Vec::new(),
                },
                ..Default::default()
            })
            .await;
        assert_eq!(page.map(|page| page.items.len()).ok(), Some(2));
    }

    #[tokio::test]
    async fn import_checks_everything_before_changing_anything() {
        let db = populated().await;
        let mut state = db.export_state();
        // A keyless item in the second table: nothing is imported.
        state.tables[1].items.push(Arc::new([("pk".to_owned(), s("only"))].into()));
        let copy = MemoryBackend::new();
        let error = copy.import_state(state).expect_err("refused");
        assert!(
            matches!(&error, Error::Validation { message, .. } if message.starts_with("Cannot restore an item of table Two")),
            "{error:?}"
        );
        assert!(copy.export_state().tables.is_empty());

        // A name that exists already.
        let error = db.import_state(db.export_state()).expect_err("refused");
        assert!(matches!(error, Error::ResourceInUse { .. }), "{error:?}");

        let mut bad = db.export_state();
        bad.tables[0].definition.key_schema.clear();
        let error = MemoryBackend::new().import_state(bad).expect_err("refused");
        assert!(matches!(error, Error::Validation { .. }), "{error:?}");
    }
}
