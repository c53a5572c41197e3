//! The operations `singletable serve` answers, named once: the `X-Amz-Target` header of a
//! request (`DynamoDB_20120810.PutItem`, `DynamoDBStreams_20120810.GetRecords`) is parsed
//! into an [`Operation`] when the request arrives, and everything after (the request log,
//! durable storage, the dispatch to a handler) uses the enum.

use crate::api_error::ApiError;

/// The `X-Amz-Target` prefix of an [`Api`]'s operations, as a literal (for `concat!`).
macro_rules! prefix {
    (DynamoDb) => {
        "DynamoDB_20120810."
    };
    (Streams) => {
        "DynamoDBStreams_20120810."
    };
}

/// The prefix of DynamoDB's operations in `X-Amz-Target`.
pub const DYNAMODB_PREFIX: &str = prefix!(DynamoDb);
/// The prefix of DynamoDB Streams' operations in `X-Amz-Target`.
pub const STREAMS_PREFIX: &str = prefix!(Streams);

/// The API an operation belongs to: its `X-Amz-Target` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// DynamoDB (`DynamoDB_20120810.`).
    DynamoDb,
    /// DynamoDB Streams (`DynamoDBStreams_20120810.`).
    Streams,
}

impl Api {
    /// The prefix of the API's operations in `X-Amz-Target`.
    pub const fn prefix(self) -> &'static str {
        match self {
            Api::DynamoDb => DYNAMODB_PREFIX,
            Api::Streams => STREAMS_PREFIX,
        }
    }
}

/// Declares [`Operation`] from one line per operation: its name (the wire name), its
/// API, and whether it changes state.
macro_rules! operations {
    ($($(#[$doc:meta])* $name:ident: $api:ident, $mutates:literal;)*) => {
        /// One operation of DynamoDB's or DynamoDB Streams' API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation {
            $($(#[$doc])* $name,)*
        }

        impl Operation {
            /// Every operation, in declaration order.
            pub const ALL: &'static [Operation] = &[$(Operation::$name,)*];

            /// The operation's name on the wire (`PutItem`): the part of `X-Amz-Target`
            /// after the API's prefix.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Operation::$name => stringify!($name),)*
                }
            }

            /// The operation's `X-Amz-Target` header (`DynamoDB_20120810.PutItem`).
            pub const fn target(self) -> &'static str {
                match self {
                    $(Operation::$name => concat!(prefix!($api), stringify!($name)),)*
                }
            }

            /// The API the operation belongs to.
            pub const fn api(self) -> Api {
                match self {
                    $(Operation::$name => Api::$api,)*
                }
            }

            /// True for the operations that change state: durable storage logs them
            /// and replays them at start-up.
            pub const fn mutates(self) -> bool {
                match self {
                    $(Operation::$name => $mutates,)*
                }
            }

            fn named(api: Api, name: &str) -> Option<Operation> {
                match (api, name) {
                    $((Api::$api, stringify!($name)) => Some(Operation::$name),)*
                    _ => None,
                }
            }
        }
    };
}

operations! {
    /// `CreateTable`.
    CreateTable: DynamoDb, true;
    /// `DeleteTable`.
    DeleteTable: DynamoDb, true;
    /// `DescribeTable`.
    DescribeTable: DynamoDb, false;
    /// `ListTables`.
    ListTables: DynamoDb, false;
    /// `UpdateTable`.
    UpdateTable: DynamoDb, true;
    /// `PutItem`.
    PutItem: DynamoDb, true;
    /// `GetItem`.
    GetItem: DynamoDb, false;
    /// `UpdateItem`.
    UpdateItem: DynamoDb, true;
    /// `DeleteItem`.
    DeleteItem: DynamoDb, true;
    /// `Query`.
    Query: DynamoDb, false;
    /// `Scan`.
    Scan: DynamoDb, false;
    /// `BatchGetItem`.
    BatchGetItem: DynamoDb, false;
    /// `BatchWriteItem`.
    BatchWriteItem: DynamoDb, true;
    /// `TransactWriteItems`.
    TransactWriteItems: DynamoDb, true;
    /// `TransactGetItems`.
    TransactGetItems: DynamoDb, false;
    /// `UpdateTimeToLive`.
    UpdateTimeToLive: DynamoDb, true;
    /// `DescribeTimeToLive`.
    DescribeTimeToLive: DynamoDb, false;
    /// `TagResource`.
    TagResource: DynamoDb, true;
    /// `UntagResource`.
    UntagResource: DynamoDb, true;
    /// `ListTagsOfResource`.
    ListTagsOfResource: DynamoDb, false;
    /// `ExecuteStatement` (PartiQL; a statement may write).
    ExecuteStatement: DynamoDb, true;
    /// `BatchExecuteStatement` (PartiQL).
    BatchExecuteStatement: DynamoDb, true;
    /// `ExecuteTransaction` (PartiQL).
    ExecuteTransaction: DynamoDb, true;
    /// `ExportTableToPointInTime` (writes files into the S3 folder, not the tables).
    ExportTableToPointInTime: DynamoDb, false;
    /// `DescribeExport`.
    DescribeExport: DynamoDb, false;
    /// `ListExports`.
    ListExports: DynamoDb, false;
    /// `ImportTable` (logged as the `CreateTable` and `BatchWriteItem`s it makes, not as
    /// itself: a restart replays the items, whatever became of the S3 folder).
    ImportTable: DynamoDb, false;
    /// `DescribeImport`.
    DescribeImport: DynamoDb, false;
    /// `ListImports`.
    ListImports: DynamoDb, false;
    /// `CreateBackup`.
    CreateBackup: DynamoDb, true;
    /// `DescribeBackup`.
    DescribeBackup: DynamoDb, false;
    /// `ListBackups`.
    ListBackups: DynamoDb, false;
    /// `DeleteBackup`.
    DeleteBackup: DynamoDb, true;
    /// `RestoreTableFromBackup`.
    RestoreTableFromBackup: DynamoDb, true;
    /// `UpdateContinuousBackups`.
    UpdateContinuousBackups: DynamoDb, true;
    /// `DescribeContinuousBackups`.
    DescribeContinuousBackups: DynamoDb, false;
    /// `RestoreTableToPointInTime`.
    RestoreTableToPointInTime: DynamoDb, true;
    /// `DescribeLimits`.
    DescribeLimits: DynamoDb, false;
    /// `DescribeEndpoints`.
    DescribeEndpoints: DynamoDb, false;
    /// `ListStreams` (DynamoDB Streams).
    ListStreams: Streams, false;
    /// `DescribeStream` (DynamoDB Streams).
    DescribeStream: Streams, false;
    /// `GetShardIterator` (DynamoDB Streams).
    GetShardIterator: Streams, false;
    /// `GetRecords` (DynamoDB Streams).
    GetRecords: Streams, false;
}

impl Operation {
    /// The operation an `X-Amz-Target` header names.
    pub fn from_target(target: &str) -> Result<Operation, UnknownOperation> {
        let (api, name) = if let Some(name) = target.strip_prefix(DYNAMODB_PREFIX) {
            (Api::DynamoDb, name)
        } else if let Some(name) = target.strip_prefix(STREAMS_PREFIX) {
            (Api::Streams, name)
        } else {
            return Err(UnknownOperation { api: None });
        };
        Operation::named(api, name).ok_or(UnknownOperation { api: Some(api) })
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An `X-Amz-Target` that names no operation: DynamoDB answers it with
/// `UnknownOperationException`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownOperation {
    api: Option<Api>,
}

impl UnknownOperation {
    /// The API whose prefix the target has (`DynamoDB_20120810.NoSuchOperation`), if any.
    pub fn api(self) -> Option<Api> {
        self.api
    }
}

impl From<UnknownOperation> for ApiError {
    fn from(_: UnknownOperation) -> Self {
        ApiError::unknown_operation()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_parses_from_its_target() {
        for &operation in Operation::ALL {
            assert_eq!(Operation::from_target(operation.target()), Ok(operation));
        }
        assert_eq!(Operation::ALL.len(), 43);
    }

    #[test]
    fn unknown_targets_say_which_api_they_name() {
        let unknown = |target: &str| Operation::from_target(target).map_err(UnknownOperation::api);
        assert_eq!(unknown("DynamoDB_20120810.NoSuchOperation"), Err(Some(Api::DynamoDb)));
        // Each API has only its own operations.
        assert_eq!(unknown("DynamoDB_20120810.GetRecords"), Err(Some(Api::DynamoDb)));
        assert_eq!(unknown("DynamoDBStreams_20120810.PutItem"), Err(Some(Api::Streams)));
        assert_eq!(unknown("Nonsense"), Err(None));
        assert_eq!(unknown("PutItem"), Err(None));
        assert_eq!(unknown("DynamoDB_20120810.putitem"), Err(Some(Api::DynamoDb)));
        assert_eq!(unknown(""), Err(None));
    }

    #[test]
    fn only_writes_mutate() {
        let mutating: Vec<&str> =
            Operation::ALL.iter().filter(|o| o.mutates()).map(|o| o.as_str()).collect();
        assert_eq!(
            mutating,
            [
                "CreateTable",
                "DeleteTable",
                "UpdateTable",
                "PutItem",
                "UpdateItem",
                "DeleteItem",
                "BatchWriteItem",
                "TransactWriteItems",
                "UpdateTimeToLive",
                "TagResource",
                "UntagResource",
                "ExecuteStatement",
                "BatchExecuteStatement",
                "ExecuteTransaction",
                "CreateBackup",
                "DeleteBackup",
                "RestoreTableFromBackup",
                "UpdateContinuousBackups",
                "RestoreTableToPointInTime",
            ]
        );
    }
}
