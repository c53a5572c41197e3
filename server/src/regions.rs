//! Global tables (version 2019.11.21): one server hosting several regions, with replica
//! tables kept in step by asynchronous last-writer-wins replication.
//!
//! Opt-in (`ServerConfig::global_tables`, `singletable serve --global-tables`). Then a
//! request signed for a region (the region of its SigV4 credential scope,
//! `Credential=KEY/DATE/<region>/dynamodb/aws4_request`) runs on that region's engine,
//! made on first use, whose tables have that region in their ARNs; a request without a
//! recognisable region runs on the default engine, as without the option.
//!
//! - `UpdateTable` with `ReplicaUpdates` adds (`Create`) and removes (`Delete`) replicas:
//!   the replica table is created in the other region's engine with the table's
//!   definition (keys, indexes, billing, stream) and the items copied, each with the
//!   version of its last write (see `singletable_engine`'s `replication` module for the
//!   last-writer-wins rule). Adding a replica turns on the table's stream with
//!   `NEW_AND_OLD_IMAGES` when it has none, as DynamoDB does.
//! - `DescribeTable` and `UpdateTable` of a replica list the other replicas in
//!   `Replicas` (`ReplicaStatus: ACTIVE`) with `GlobalTableVersion: 2019.11.21`.
//! - Replication is asynchronous: one task per replica table follows the table's change
//!   feed and ships, for each change, the item's state and version to every other replica
//!   (after `ServerConfig::replication_delay`), where it applies only if it is the last
//!   write. Replicated writes are recorded in the receiving table's stream.
//! - DynamoDB's rules, with its error texts: `ReplicaUpdates` cannot name the request's
//!   own region; a replica cannot be created where one exists; a region that is not a
//!   replica cannot be deleted; a replica's stream cannot be disabled; a replica that
//!   acted as the source of a new replica in the last 24 hours cannot be deleted
//!   (`DeleteTable` or `ReplicaUpdates`). `DeleteTable` of a replica removes that replica
//!   only; the others go on.
//!
//! Regional engines are in memory only (`--data-dir` keeps the default engine).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::time::Duration;

use serde_json::{json, Map, Value};
use singletable_core::backend::{Backend, StreamSpecification, UpdateTableInput};
use singletable_core::clock::Clock;
use singletable_core::schema::StreamViewType;
use singletable_engine::{ChangeStream, MemoryBackend};

use crate::api_error::ApiError;
use crate::decode::parse_body;
use crate::operation::{Operation, UnknownOperation};
use crate::service::{Engine, Service};
use crate::storage::Storage;

/// `GlobalTableVersion` of the replicas this module makes.
pub const GLOBAL_TABLE_VERSION: &str = "2019.11.21";

/// How long a replica that acted as the source of a new replica cannot be deleted.
const SOURCE_HOLD_MS: i64 = 24 * 60 * 60 * 1000;

/// The regions a global table has replicas in.
#[derive(Debug, Default)]
struct Group {
    regions: BTreeSet<String>,
    /// When each region last acted as the source of a new replica (engine clock, ms).
    sourced_ms: BTreeMap<String, i64>,
}

/// The regions of a server with global tables, and their replication tasks.
#[derive(Debug)]
pub struct Regions {
    services: RwLock<BTreeMap<String, Arc<Service>>>,
    /// Global tables by name.
    groups: Mutex<BTreeMap<String, Group>>,
    /// Replication tasks by (region, table).
    tasks: Mutex<HashMap<(String, String), tokio::task::JoinHandle<()>>>,
    /// One replica change (`ReplicaUpdates`, `DeleteTable` of a replica) at a time.
    admin: tokio::sync::Mutex<()>,
    /// How long after a write its replication starts.
    delay: Duration,
    /// The address `DescribeEndpoints` reports.
    address: Mutex<Option<SocketAddr>>,
    /// Every region's engine reads this clock (`ServerConfig::clock`).
    clock: Option<Arc<dyn Clock>>,
    /// Every region's engine throttles (`ServerConfig::enforce_capacity`).
    enforce_capacity: bool,
}

impl Drop for Regions {
    fn drop(&mut self) {
        for (_, task) in self.tasks.get_mut().unwrap_or_else(PoisonError::into_inner).drain() {
            task.abort();
        }
    }
}

/// True for an AWS region name (`us-east-1`, `eu-west-1`, `us-gov-west-1`): two
/// lowercase letters, lowercase words, a number, joined by `-`.
pub fn is_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let [first, middle @ .., last] = parts.as_slice() else { return false };
    first.len() == 2
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && !middle.is_empty()
        && middle.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// The region of a request's SigV4 credential scope (`Authorization: AWS4-HMAC-SHA256
/// Credential=KEY/DATE/REGION/SERVICE/aws4_request, ...`), when it is a region name.
pub fn request_region(authorization: Option<&str>) -> Option<&str> {
    let header = authorization?.strip_prefix("AWS4-HMAC-SHA256")?;
    let credential = header.split(',').find_map(|part| part.trim().strip_prefix("Credential="))?;
    let region = credential.split('/').nth(2)?;
    is_region(region).then_some(region)
}

fn local_region() -> ApiError {
    ApiError::validation(
        "Cannot add, delete, or update the local region through ReplicaUpdates. Use \
         CreateTable, DeleteTable, or UpdateTable as required.",
    )
}

fn replica_exists(table: &str) -> ApiError {
    ApiError::validation(format!(
        "Failed to create a the new replica of table with name: '{table}' because one or more \
         replicas already existed as tables."
    ))
}

fn not_a_replica(region: &str) -> ApiError {
    ApiError::validation(format!(
        "Update global table operation failed because one or more replicas were not part of \
         the global table. Please retry the request without these replicas: [{region}]."
    ))
}

fn source_hold() -> ApiError {
    ApiError::validation(
        "Replica cannot be deleted because it has acted as a source region for new replica(s) \
         being added to the table in the last 24 hours.",
    )
}

fn stream_required() -> ApiError {
    ApiError::validation(
        "One or more parameter values were invalid: Disabling Stream is not allowed for a \
         Global Table replica.",
    )
}

/// One `ReplicaUpdates` entry.
#[derive(Debug, PartialEq, Eq)]
enum ReplicaUpdate {
    Create(String),
    Update(String),
    Delete(String),
}

fn replica_updates(list: &Value) -> Result<Vec<ReplicaUpdate>, ApiError> {
    let Some(list) = list.as_array() else {
        return Err(ApiError::serialization("ReplicaUpdates must be a list"));
    };
    let mut updates = Vec::with_capacity(list.len());
    for entry in list {
        let Some(entry) = entry.as_object() else {
            return Err(ApiError::serialization("ReplicaUpdates entries must be structures"));
        };
        let actions: Vec<(&String, &Value)> =
            entry.iter().filter(|(_, value)| !value.is_null()).collect();
        let [(action, body)] = actions.as_slice() else {
            return Err(ApiError::validation(
                "One or more parameter values were invalid: One of Create, Update, or Delete \
                 must be specified in a ReplicationGroupUpdate",
            ));
        };
        let Some(region) = body.get("RegionName").and_then(Value::as_str) else {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value null at 'replicaUpdates.1.member.{}.regionName' \
                 failed to satisfy constraint: Member must not be null",
                action.to_ascii_lowercase()
            )));
        };
        let region = region.to_owned();
        updates.push(match action.as_str() {
            "Create" => ReplicaUpdate::Create(region),
            "Update" => ReplicaUpdate::Update(region),
            "Delete" => ReplicaUpdate::Delete(region),
            other => {
                return Err(ApiError::serialization(format!(
                    "Unknown member {other} of ReplicationGroupUpdate"
                )))
            }
        });
    }
    Ok(updates)
}

fn now_ms(backend: &MemoryBackend) -> i64 {
    backend.clock().now().unix_millis()
}

impl Regions {
    /// No regions yet; replication starts `delay` after each write.
    pub fn new(delay: Duration) -> Self {
        Regions {
            services: RwLock::default(),
            groups: Mutex::default(),
            tasks: Mutex::default(),
            admin: tokio::sync::Mutex::new(()),
            delay,
            address: Mutex::default(),
            clock: None,
            enforce_capacity: false,
        }
    }

    /// Every region's engine reads `clock` (the system clock when `None`) and, with
    /// `enforce_capacity`, throttles as the default engine does.
    pub fn with_engine_settings(
        mut self,
        clock: Option<Arc<dyn Clock>>,
        enforce_capacity: bool,
    ) -> Self {
        self.clock = clock;
        self.enforce_capacity = enforce_capacity;
        self
    }

    /// Records the address `DescribeEndpoints` reports, for every region's engine.
    pub fn set_address(&self, address: SocketAddr) {
        *self.address.lock().unwrap_or_else(PoisonError::into_inner) = Some(address);
        for service in self.services.read().unwrap_or_else(PoisonError::into_inner).values() {
            service.engine().set_address(address);
        }
    }

    /// The service of `region`, made (empty, in memory) on first use.
    pub fn service(&self, region: &str) -> Arc<Service> {
        if let Some(service) =
            self.services.read().unwrap_or_else(PoisonError::into_inner).get(region)
        {
            return Arc::clone(service);
        }
        let mut services = self.services.write().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(services.entry(region.to_owned()).or_insert_with(|| {
            let engine = Arc::new(Engine::in_region(region, self.clock.clone()));
            engine.backend().set_capacity_model(self.enforce_capacity);
            if let Some(address) = *self.address.lock().unwrap_or_else(PoisonError::into_inner) {
                engine.set_address(address);
            }
            Arc::new(Service::new(engine, Storage::in_memory()))
        }))
    }

    /// The regions holding replicas of global table `table` (empty when it is not one).
    pub fn replicas(&self, table: &str) -> BTreeSet<String> {
        self.groups
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(table)
            .map(|group| group.regions.clone())
            .unwrap_or_default()
    }

    /// Runs one request of `region` (see the module documentation).
    pub async fn handle(
        self: &Arc<Self>,
        region: &str,
        operation: Result<Operation, UnknownOperation>,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        let service = self.service(region);
        let Ok(operation) = operation else { return service.handle(operation, body).await };
        match operation {
            Operation::UpdateTable => self.update_table(region, &service, body).await,
            Operation::DeleteTable => self.delete_table(region, &service, body).await,
            Operation::DescribeTable => {
                let output = service.handle(Ok(operation), body).await?;
                Ok(self.decorate(region, output, "Table"))
            }
            _ => service.handle(Ok(operation), body).await,
        }
    }

    /// Adds `Replicas` and `GlobalTableVersion` to the table description under `member`
    /// of a response, when the table is a replica.
    fn decorate(&self, region: &str, output: Vec<u8>, member: &str) -> Vec<u8> {
        let Ok(mut json) = serde_json::from_slice::<Value>(&output) else { return output };
        let Some(description) = json.get_mut(member).and_then(Value::as_object_mut) else {
            return output;
        };
        let Some(table) = description.get("TableName").and_then(Value::as_str) else {
            return output;
        };
        let replicas = self.replicas(table);
        if !replicas.contains(region) {
            return output;
        }
        let others: Vec<Value> = replicas
            .iter()
            .filter(|other| *other != region)
            .map(|other| json!({"RegionName": other, "ReplicaStatus": "ACTIVE"}))
            .collect();
        description.insert("Replicas".to_owned(), Value::Array(others));
        description.insert("GlobalTableVersion".to_owned(), json!(GLOBAL_TABLE_VERSION));
        serde_json::to_vec(&json).unwrap_or(output)
    }

    async fn update_table(
        self: &Arc<Self>,
        region: &str,
        service: &Arc<Service>,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        let mut json = parse_body(body)?;
        let table = json.get("TableName").and_then(Value::as_str).map(str::to_owned);
        let disables_stream = json
            .get("StreamSpecification")
            .and_then(|spec| spec.get("StreamEnabled"))
            .is_some_and(|enabled| enabled == &Value::Bool(false));
        if let Some(table) = &table {
            if disables_stream && self.replicas(table).contains(region) {
                return Err(stream_required());
            }
        }
        let updates = match json.as_object_mut().and_then(|object| object.remove("ReplicaUpdates"))
        {
            None | Some(Value::Null) => {
                let output = service.handle(Ok(Operation::UpdateTable), body).await?;
                return Ok(self.decorate(region, output, "TableDescription"));
            }
            Some(list) => replica_updates(&list)?,
        };
        let Some(table) = table else {
            // The engine reports the missing or malformed name as DynamoDB does.
            return service.handle(Ok(Operation::UpdateTable), body).await;
        };
        let others = json.as_object().is_some_and(|object| {
            object.iter().any(|(name, value)| name != "TableName" && !value.is_null())
        });
        if others {
            // The table's own changes first (indexes, billing, stream), then the replicas.
            let rest = serde_json::to_vec(&json).map_err(|e| ApiError::internal(e.to_string()))?;
            service.handle(Ok(Operation::UpdateTable), &rest).await?;
        }
        let _admin = self.admin.lock().await;
        for update in updates {
            match update {
                ReplicaUpdate::Create(target) => {
                    self.create_replica(region, service, &table, &target).await?;
                }
                ReplicaUpdate::Update(target) => {
                    // Per-replica overrides (throughput, table class, KMS key) are not
                    // modelled: an update of an existing replica changes nothing.
                    if target == region {
                        return Err(local_region());
                    }
                    if !self.replicas(&table).contains(&target) {
                        return Err(not_a_replica(&target));
                    }
                }
                ReplicaUpdate::Delete(target) => {
                    self.delete_replica(region, service, &table, &target).await?;
                }
            }
        }
        let describe = serde_json::to_vec(&json!({"TableName": table}))
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let described = service.handle(Ok(Operation::DescribeTable), &describe).await?;
        let mut output: Value = serde_json::from_slice(&described)
            .map_err(|e| ApiError::internal(format!("DescribeTable answered {e}")))?;
        let description = output.get_mut("Table").map(Value::take).unwrap_or_default();
        let mut response = Map::new();
        response.insert("TableDescription".to_owned(), description);
        let output = serde_json::to_vec(&Value::Object(response))
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(self.decorate(region, output, "TableDescription"))
    }

    async fn create_replica(
        self: &Arc<Self>,
        region: &str,
        service: &Arc<Service>,
        table: &str,
        target: &str,
    ) -> Result<(), ApiError> {
        if target == region {
            return Err(local_region());
        }
        if !is_region(target) {
            return Err(ApiError::validation(format!(
                "Invalid region name in ReplicaUpdates: {target}"
            )));
        }
        let source = service.engine().backend();
        let description = source.describe_table(table.to_owned()).await?;
        let target_service = self.service(target);
        let target_backend = target_service.engine().backend();
        if self.replicas(table).contains(target)
            || target_backend.describe_table(table.to_owned()).await.is_ok()
        {
            return Err(replica_exists(table));
        }
        match source.stream_info(table)? {
            None => {
                source
                    .update_table(UpdateTableInput {
                        table_name: table.to_owned(),
                        stream_specification: Some(StreamSpecification {
                            stream_enabled: true,
                            stream_view_type: Some(StreamViewType::NewAndOldImages),
                        }),
                        ..UpdateTableInput::default()
                    })
                    .await?;
            }
            Some(info) if info.view_type != StreamViewType::NewAndOldImages => {
                return Err(ApiError::validation(format!(
                    "One or more parameter values were invalid: Table {} has a stream of view \
                     type {}; replicas need NEW_AND_OLD_IMAGES",
                    description.table_name,
                    info.view_type.as_str()
                )));
            }
            Some(_) => {}
        }
        // Follow the source's changes before copying its items: a write in between is
        // shipped after the copy (shipping is idempotent).
        let source_changes =
            if self.has_task(region, table) { None } else { Some(source.changes(table)?) };
        let items = source.start_replication(table)?;
        let definition = source.table_definition(table)?;
        target_backend.create_table(definition).await?;
        target_backend.start_replication(table)?;
        // Followed from its creation on, so that no write to it goes unshipped (the copied
        // items are shipped back too, and change nothing there).
        let target_changes = target_backend.changes(table)?;
        for item in items {
            target_backend.apply_replicated(table, item)?;
        }
        {
            let mut groups = self.groups.lock().unwrap_or_else(PoisonError::into_inner);
            let group = groups.entry(table.to_owned()).or_default();
            group.regions.insert(region.to_owned());
            group.regions.insert(target.to_owned());
            group.sourced_ms.insert(region.to_owned(), now_ms(source));
        }
        if let Some(changes) = source_changes {
            self.spawn(region, table, changes);
        }
        self.spawn(target, table, target_changes);
        Ok(())
    }

    async fn delete_replica(
        &self,
        region: &str,
        service: &Arc<Service>,
        table: &str,
        target: &str,
    ) -> Result<(), ApiError> {
        if target == region {
            return Err(local_region());
        }
        // The table must exist here.
        service.engine().backend().describe_table(table.to_owned()).await?;
        if !self.replicas(table).contains(target) {
            return Err(not_a_replica(target));
        }
        let target_service = self.service(target);
        self.check_source_hold(table, target, target_service.engine().backend())?;
        target_service.engine().backend().delete_table(table.to_owned()).await?;
        self.leave(table, target);
        Ok(())
    }

    async fn delete_table(
        self: &Arc<Self>,
        region: &str,
        service: &Arc<Service>,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        let json = parse_body(body)?;
        let table = json.get("TableName").and_then(Value::as_str).map(str::to_owned);
        let Some(table) = table.filter(|table| self.replicas(table).contains(region)) else {
            return service.handle(Ok(Operation::DeleteTable), body).await;
        };
        let _admin = self.admin.lock().await;
        self.check_source_hold(&table, region, service.engine().backend())?;
        let output = service.handle(Ok(Operation::DeleteTable), body).await?;
        self.leave(&table, region);
        Ok(output)
    }

    fn check_source_hold(
        &self,
        table: &str,
        region: &str,
        backend: &MemoryBackend,
    ) -> Result<(), ApiError> {
        let sourced = self
            .groups
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(table)
            .and_then(|group| group.sourced_ms.get(region).copied());
        match sourced {
            Some(at) if now_ms(backend).saturating_sub(at) < SOURCE_HOLD_MS => Err(source_hold()),
            _ => Ok(()),
        }
    }

    /// `region`'s replica of `table` is gone: it stops replicating, and when one replica
    /// is left, that one is an ordinary table again.
    fn leave(&self, table: &str, region: &str) {
        self.stop_task(region, table);
        let last = {
            let mut groups = self.groups.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(group) = groups.get_mut(table) else { return };
            group.regions.remove(region);
            group.sourced_ms.remove(region);
            if group.regions.len() > 1 {
                return;
            }
            let last = group.regions.iter().next().cloned();
            groups.remove(table);
            last
        };
        if let Some(last) = last {
            self.stop_task(&last, table);
            let _ = self.service(&last).engine().backend().stop_replication(table);
        }
    }

    fn has_task(&self, region: &str, table: &str) -> bool {
        self.tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(region.to_owned(), table.to_owned()))
            .is_some_and(|task| !task.is_finished())
    }

    fn stop_task(&self, region: &str, table: &str) {
        let task = self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(region.to_owned(), table.to_owned()));
        if let Some(task) = task {
            task.abort();
        }
    }

    fn spawn(self: &Arc<Self>, region: &str, table: &str, changes: ChangeStream) {
        let task = tokio::spawn(replicate(
            Arc::downgrade(self),
            region.to_owned(),
            table.to_owned(),
            changes,
        ));
        let previous = self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((region.to_owned(), table.to_owned()), task);
        if let Some(previous) = previous {
            previous.abort();
        }
    }
}

/// The replication task of `region`'s replica of `table`: each change of the table, once
/// `delay` has passed since it was made, ships the item's state and version to the other
/// replicas. Ends when the table is deleted or leaves the global table.
async fn replicate(
    regions: Weak<Regions>,
    region: String,
    table: String,
    mut changes: ChangeStream,
) {
    while let Some(record) = changes.recv().await {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                tracing::warn!(%region, %table, %error, "replication stopped");
                return;
            }
        };
        let Some(regions) = regions.upgrade() else { return };
        let source = regions.service(&region);
        let backend = source.engine().backend();
        let delay_ms = i64::try_from(regions.delay.as_millis()).unwrap_or(i64::MAX);
        let wait = record
            .approximate_creation_time_ms
            .saturating_add(delay_ms)
            .saturating_sub(now_ms(backend));
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(0))).await;
        }
        let replicas = regions.replicas(&table);
        if !replicas.contains(&region) {
            return;
        }
        let item = match backend.replica_item(&table, &record.keys) {
            Ok(Some(item)) => item,
            Ok(None) => continue,
            Err(error) => {
                tracing::warn!(%region, %table, %error, "replication stopped");
                return;
            }
        };
        for other in replicas.iter().filter(|other| **other != region) {
            let target = regions.service(other);
            if let Err(error) = target.engine().backend().apply_replicated(&table, item.clone()) {
                tracing::warn!(from = %region, to = %other, %table, %error, "replicated write failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_are_recognised() {
        for region in ["us-east-1", "eu-west-1", "us-gov-west-1", "ap-southeast-2"] {
            assert!(is_region(region), "{region}");
        }
        for other in ["ddblocal", "local", "", "us-east", "us--1", "US-EAST-1", "useast-1"] {
            assert!(!is_region(other), "{other}");
        }
    }

    #[test]
    fn the_region_comes_from_the_credential_scope() {
        let header = "AWS4-HMAC-SHA256 Credential=AKID/20261203/eu-west-1/dynamodb/aws4_request, \
                      SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(request_region(Some(header)), Some("eu-west-1"));
        let local = "AWS4-HMAC-SHA256 Credential=AKID/20261203/ddblocal/dynamodb/aws4_request";
        assert_eq!(request_region(Some(local)), None);
        assert_eq!(request_region(Some("Bearer x")), None);
        assert_eq!(request_region(None), None);
    }

    #[test]
    fn replica_updates_are_read_with_one_action_each() {
        let updates = replica_updates(&json!([
            {"Create": {"RegionName": "eu-west-1", "KMSMasterKeyId": null}},
            {"Delete": {"RegionName": "us-west-2"}},
            {"Update": {"RegionName": "ap-south-1"}}
        ]));
        assert_eq!(
            updates.ok(),
            Some(vec![
                ReplicaUpdate::Create("eu-west-1".to_owned()),
                ReplicaUpdate::Delete("us-west-2".to_owned()),
                ReplicaUpdate::Update("ap-south-1".to_owned()),
            ])
        );
        let two = replica_updates(&json!([
            {"Create": {"RegionName": "a"}, "Delete": {"RegionName": "b"}}
        ]));
        assert_eq!(two.err().map(|e| e.name), Some("ValidationException".to_owned()));
        let unnamed = replica_updates(&json!([{"Create": {}}]));
        assert!(unnamed.err().is_some_and(|e| e.message.contains("regionName")));
    }
}
