//! The operations: one DynamoDB JSON request in, one JSON response (or error) out, run
//! on the embedded engine.
//!
//! [`Engine`] executes requests, dispatching each [`Operation`] to its handler (the
//! handlers, one module per group of operations: tables, items, reads, batches,
//! transactions, TTL, tags, streams); [`Service`] adds durability (mutating requests go
//! through [`Storage::write`] so that the log order is the apply order) and is what the
//! HTTP layer calls.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use singletable_engine::MemoryBackend;

use crate::api_error::ApiError;
use crate::decode::items::ItemWrite;
use crate::decode::typed::{TypedDelete, TypedGet, TypedPut};
use crate::decode::{parse_body, Request};
use crate::encode::to_body;
use crate::handlers::items::WriteKind;
use crate::handlers::{
    account, backups, batches, exports, imports, items, partiql, reads, streams, tables, tags,
    transactions, ttl,
};
use crate::operation::{Operation, UnknownOperation};
use crate::storage::Storage;

/// The embedded engine, and the address `DescribeEndpoints` reports.
///
/// Every operation, `UpdateTable` and tags included, is the engine's: requests run
/// concurrently without a gate of the server's (the engine keeps each request on one
/// table definition while `UpdateTable` changes it).
#[derive(Debug, Default)]
pub struct Engine {
    backend: MemoryBackend,
    /// The address `DescribeEndpoints` reports.
    address: Mutex<Option<SocketAddr>>,
    /// Exports, imports and the folder standing for S3.
    transfers: exports::Transfers,
}

/// The engine with its durability layer: what the HTTP layer calls.
#[derive(Debug)]
pub struct Service {
    engine: Arc<Engine>,
    storage: Arc<Storage>,
}

impl Service {
    /// A service on `backend` with `storage`.
    pub fn new(engine: Arc<Engine>, storage: Storage) -> Self {
        Service { engine, storage: Arc::new(storage) }
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// True when writes are logged to disk.
    pub fn is_durable(&self) -> bool {
        self.storage.is_durable()
    }

    /// Runs one request: `operation` is what its `X-Amz-Target` header names
    /// ([`Operation::from_target`]), `body` the JSON body; returns the JSON response body.
    ///
    /// An unknown operation answers `UnknownOperationException`; when its target has a
    /// known API's prefix, the body is read first, as for any operation of that API (a
    /// malformed body answers `SerializationException`).
    pub async fn handle(
        &self,
        operation: Result<Operation, UnknownOperation>,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        let operation = match operation {
            Ok(operation) => operation,
            Err(unknown) => {
                if unknown.api().is_some() {
                    Request::new(&parse_body(body)?)?;
                }
                return Err(unknown.into());
            }
        };
        if operation == Operation::ImportTable {
            // Imports run in the background; their writes are logged one by one.
            let json = parse_body(body)?;
            let request = &Request::new(&json)?;
            let (engine, storage) = (Arc::clone(&self.engine), Arc::clone(&self.storage));
            let value = imports::import_table(&self.engine, Some(engine), Some(storage), request);
            return to_body(&value.await?);
        }
        if operation.mutates() {
            let engine = &self.engine;
            self.storage.write(operation.target(), body, || engine.execute(operation, body)).await
        } else {
            self.engine.execute(operation, body).await
        }
    }
}

impl Engine {
    /// An engine with no tables.
    pub fn new() -> Self {
        Self::default()
    }

    /// The embedded engine.
    pub fn backend(&self) -> &MemoryBackend {
        &self.backend
    }

    /// Records the address `DescribeEndpoints` reports.
    pub fn set_address(&self, address: SocketAddr) {
        *self.address.lock().unwrap_or_else(PoisonError::into_inner) = Some(address);
    }

    /// The address `DescribeEndpoints` reports, once the server is bound.
    pub fn address(&self) -> Option<SocketAddr> {
        *self.address.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Exports, imports and the folder standing for S3.
    pub(crate) fn transfers(&self) -> &exports::Transfers {
        &self.transfers
    }

    /// Replays a logged request (durable storage at start-up); errors are ignored, as
    /// the request failed the same way when it was first run.
    pub async fn replay(&self, target: &str, body: &[u8]) {
        if let Ok(operation) = Operation::from_target(target) {
            let _ = self.execute(operation, body).await;
        }
    }

    /// Runs one operation; returns the JSON response body.
    ///
    /// The hot item operations in their common form (`PutItem`, `GetItem` and
    /// `DeleteItem` without expressions) are read straight into typed requests (see
    /// [`crate::decode::typed`]); every other request, and every one the typed read
    /// refuses, is read as a JSON value with DynamoDB's checks in DynamoDB's order.
    pub async fn execute(&self, operation: Operation, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        if let Some(output) = self.execute_typed(operation, body).await {
            return output;
        }
        let json = parse_body(body)?;
        let request = &Request::new(&json)?;
        let value = match operation {
            Operation::PutItem => return items::put_item(self, request).await,
            Operation::GetItem => return items::get_item(self, request).await,
            Operation::UpdateItem => return items::update_item(self, request).await,
            Operation::DeleteItem => return items::delete_item(self, request).await,
            Operation::Query => return reads::query(self, request).await,
            Operation::Scan => return reads::scan(self, request).await,
            Operation::CreateTable => tables::create_table(self, request).await,
            Operation::DeleteTable => tables::delete_table(self, request).await,
            Operation::DescribeTable => tables::describe_table(self, request).await,
            Operation::ListTables => tables::list_tables(self, request).await,
            Operation::UpdateTable => tables::update_table(self, request).await,
            Operation::BatchGetItem => batches::batch_get_item(self, request).await,
            Operation::BatchWriteItem => batches::batch_write_item(self, request).await,
            Operation::TransactWriteItems => {
                transactions::transact_write_items(self, request).await
            }
            Operation::TransactGetItems => transactions::transact_get_items(self, request).await,
            Operation::UpdateTimeToLive => ttl::update_time_to_live(self, request).await,
            Operation::DescribeTimeToLive => ttl::describe_time_to_live(self, request).await,
            Operation::TagResource => tags::tag_resource(self, request).await,
            Operation::UntagResource => tags::untag_resource(self, request).await,
            Operation::ListTagsOfResource => tags::list_tags_of_resource(self, request).await,
            Operation::ExecuteStatement => partiql::execute_statement(self, request).await,
            Operation::BatchExecuteStatement => {
                partiql::batch_execute_statement(self, request).await
            }
            Operation::ExecuteTransaction => partiql::execute_transaction(self, request).await,
            Operation::ExportTableToPointInTime => {
                exports::export_table_to_point_in_time(self, request).await
            }
            Operation::DescribeExport => exports::describe_export(self, request),
            Operation::ListExports => exports::list_exports(self, request),
            Operation::ImportTable => imports::import_table(self, None, None, request).await,
            Operation::DescribeImport => imports::describe_import(self, request),
            Operation::ListImports => imports::list_imports(self, request),
            Operation::CreateBackup => backups::create_backup(self, request).await,
            Operation::DescribeBackup => backups::describe_backup(self, request).await,
            Operation::ListBackups => backups::list_backups(self, request).await,
            Operation::DeleteBackup => backups::delete_backup(self, request).await,
            Operation::RestoreTableFromBackup => {
                backups::restore_table_from_backup(self, request).await
            }
            Operation::UpdateContinuousBackups => {
                backups::update_continuous_backups(self, request).await
            }
            Operation::DescribeContinuousBackups => {
                backups::describe_continuous_backups(self, request).await
            }
            Operation::RestoreTableToPointInTime => {
                backups::restore_table_to_point_in_time(self, request).await
            }
            Operation::DescribeLimits => Ok(account::describe_limits()),
            Operation::DescribeEndpoints => Ok(account::describe_endpoints(self)),
            Operation::ListStreams => streams::list_streams(self, request).await,
            Operation::DescribeStream => streams::describe_stream(self, request).await,
            Operation::GetShardIterator => streams::get_shard_iterator(self, request).await,
            Operation::GetRecords => streams::get_records(self, request),
        }?;
        to_body(&value)
    }

    /// The typed way of [`Engine::execute`]: `None` when the operation has none or the
    /// body is not in the form it reads (the caller then reads the body as a JSON value,
    /// which reports any fault as DynamoDB does).
    async fn execute_typed(
        &self,
        operation: Operation,
        body: &[u8],
    ) -> Option<Result<Vec<u8>, ApiError>> {
        match operation {
            Operation::PutItem => {
                let put: TypedPut = serde_json::from_slice(body).ok()?;
                let write = ItemWrite { members: put.into_members(), condition: None };
                Some(items::write_item(self, WriteKind::Put, write).await)
            }
            Operation::DeleteItem => {
                let delete: TypedDelete = serde_json::from_slice(body).ok()?;
                let write = ItemWrite { members: delete.into_members(), condition: None };
                Some(items::write_item(self, WriteKind::Delete, write).await)
            }
            Operation::GetItem => {
                let get: TypedGet = serde_json::from_slice(body).ok()?;
                let input = get.into_input();
                Some(items::get(self, input).await)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn run(engine: &Engine, operation: Operation, body: &Value) -> Result<Value, ApiError> {
        let body = serde_json::to_vec(body).map_err(|e| ApiError::internal(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let output = runtime.block_on(engine.execute(operation, &body))?;
        serde_json::from_slice(&output).map_err(|e| ApiError::internal(e.to_string()))
    }

    fn engine_with_table() -> Engine {
        let engine = Engine::new();
        let created = run(
            &engine,
            Operation::CreateTable,
            &json!({
                "TableName": "Tbl",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST"
            }),
        );
        assert!(created.is_ok(), "{created:?}");
        engine
    }

    /// The typed way and the JSON-value way (forced by a member the typed read does not
    /// take, `Expected: null`, which the value way ignores) answer the same.
    #[test]
    fn typed_and_value_paths_answer_the_same() {
        let typed = engine_with_table();
        let value = engine_with_table();
        let item = json!({"pk": {"S": "a"}, "n": {"N": "1.5"}, "b": {"B": "AAE="},
            "l": {"L": [{"NULL": true}, {"BOOL": false}]}, "m": {"M": {"s": {"SS": ["x"]}}},
            "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AA=="]}, "e": {"S": "é\"\\"}});
        let put = json!({"TableName": "Tbl", "Item": item, "ReturnConsumedCapacity": "TOTAL"});
        let mut forced = put.clone();
        forced["Expected"] = Value::Null;
        assert_eq!(run(&typed, Operation::PutItem, &put), run(&value, Operation::PutItem, &forced));
        let again =
            json!({"TableName": "Tbl", "Item": {"pk": {"S": "a"}}, "ReturnValues": "ALL_OLD"});
        let mut forced = again.clone();
        forced["Expected"] = Value::Null;
        let old = run(&typed, Operation::PutItem, &again);
        assert_eq!(old, run(&value, Operation::PutItem, &forced));
        assert_eq!(old.ok().and_then(|o| o.get("Attributes").cloned()), Some(item.clone()));
        for (operation, body) in [
            (
                Operation::GetItem,
                json!({"TableName": "Tbl", "Key": {"pk": {"S": "a"}}, "ConsistentRead": true}),
            ),
            (Operation::GetItem, json!({"TableName": "Tbl", "Key": {"pk": {"S": "nope"}}})),
            (
                Operation::DeleteItem,
                json!({"TableName": "Tbl", "Key": {"pk": {"S": "a"}}, "ReturnValues": "ALL_OLD"}),
            ),
            (Operation::GetItem, json!({"TableName": "Tbl", "Key": {"pk": {"S": "a"}}})),
        ] {
            let mut forced = body.clone();
            forced[if operation == Operation::GetItem { "AttributesToGet" } else { "Expected" }] =
                Value::Null;
            let answer = run(&typed, operation, &body);
            assert!(answer.is_ok(), "{operation} {body}: {answer:?}");
            assert_eq!(answer, run(&value, operation, &forced), "{operation} {body}");
        }
    }

    /// Requests the typed read refuses get the value way's DynamoDB errors.
    #[test]
    fn faults_keep_dynamodb_messages_and_order() {
        let engine = engine_with_table();
        let error = |operation: Operation, body: Value| match run(&engine, operation, &body) {
            Err(error) => (error.name, error.message),
            Ok(output) => panic!("{operation} {body} succeeded: {output}"),
        };
        assert_eq!(
            error(Operation::PutItem, json!({"Item": {"pk": {"S": "a"}}, "ReturnValues": "SOME"})),
            (
                "ValidationException".to_owned(),
                "2 validation errors detected: Value null at 'tableName' failed to satisfy \
                 constraint: Member must not be null; Value 'SOME' at 'returnValues' failed to \
                 satisfy constraint: Member must satisfy enum value set: [NONE, ALL_OLD, \
                 UPDATED_OLD, ALL_NEW, UPDATED_NEW]"
                    .to_owned()
            )
        );
        assert_eq!(
            error(Operation::PutItem, json!({"TableName": 5, "Item": {"pk": {"S": "a"}}})),
            ("SerializationException".to_owned(), "Member TableName must be a string".to_owned())
        );
        assert_eq!(
            error(
                Operation::PutItem,
                json!({"TableName": "Tbl", "Item": {"pk": {"S": "a"}, "n": {"N": "x1"}}})
            )
            .0,
            "ValidationException"
        );
        assert_eq!(
            error(Operation::GetItem, json!({"TableName": "Tbl", "Key": {"pk": {}}})),
            (
                "ValidationException".to_owned(),
                "Supplied AttributeValue is empty, must contain exactly one of the supported \
                 datatypes"
                    .to_owned()
            )
        );
        assert_eq!(
            error(
                Operation::DeleteItem,
                json!({"TableName": "Tbl", "Key": {"pk": {"NULL": false}}})
            )
            .1,
            "One or more parameter values were invalid: Null attribute value types must have \
             the value of true"
        );
        assert_eq!(
            error(Operation::PutItem, json!({"TableName": "Missing", "Item": {"pk": {"S": "a"}}}))
                .0,
            "ResourceNotFoundException"
        );
    }
}
