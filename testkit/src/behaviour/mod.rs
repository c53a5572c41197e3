//! The shared behaviour suite: DynamoDB behaviours written once, as functions over
//! `&dyn Backend`, and run against every backend (the embedded engine, DynamoDB Local
//! through `AwsBackend`, later `singletable serve` and real DynamoDB).
//!
//! A case panics (assert) on a failure. Each case creates its own tables, named from
//! [`Ctx::table`], so cases can run in parallel against one endpoint; every table is
//! waited for until `ACTIVE`, so the cases hold on real DynamoDB too.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use std::collections::HashMap;

use singletable_core::backend::{
    AttributeDefinition, Backend, BatchGetItemInput, BatchWriteItemInput, CreateTableInput,
    DeleteItemInput, GetItemInput, KeySchemaElement, KeyType, KeysAndAttributes, ListTablesInput,
    PageOutput, ProjectionSpec, PutItemInput, QueryInput, ReturnConsumedCapacity, ReturnValues,
    ScanInput, SecondaryIndex, Select, TableDescription, TableStatus, TimeToLiveSpecification,
    TimeToLiveStatus, TransactGetItem, TransactGetItemsInput, TransactWriteItem,
    TransactWriteItemsInput, UpdateItemInput, WriteRequest,
};
use singletable_core::expr::{
    Comparator, Condition, KeyCondition, Operand, Path, SetValue, SortKeyCondition, UpdateAction,
    UpdateOperand,
};
use singletable_core::schema::{BillingMode, ScalarType, StreamViewType};
use singletable_core::{AttributeValue, Error, Item, Number};

mod batches;
mod items;
mod query;
mod scan;
mod tables;
mod update_item;

use self::batches::*;
pub use self::items::*;
pub use self::query::*;
use self::scan::*;
use self::tables::*;
pub use self::update_item::*;

/// What a case runs with.
pub struct Ctx<'a> {
    /// The backend under test.
    pub db: &'a dyn Backend,
    /// Prefix of every table the case creates (unique per run against shared endpoints).
    pub prefix: String,
}

impl Ctx<'_> {
    /// The name of one of the case's tables.
    pub fn table(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}

/// A boxed case future.
pub type CaseFuture<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// One behaviour.
pub struct Case {
    /// Its name (the test name after `<backend>::`).
    pub name: &'static str,
    /// Runs it.
    pub run: for<'a> fn(&'a Ctx<'a>) -> CaseFuture<'a>,
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        /// Every case of the suite.
        pub const CASES: &[Case] = &[$(Case {
            name: stringify!($name),
            run: |ctx| Box::pin($name(ctx)),
        }),*];
    };
}

cases![
    table_lifecycle_with_multi_attribute_gsi_and_lsi,
    provisioned_table_description,
    list_tables_pages_in_order,
    duplicate_create_is_resource_in_use,
    missing_table_is_resource_not_found,
    every_attribute_type_round_trips,
    projection_and_consistent_read,
    missing_item_is_none,
    conditions_fail_with_conditional_check_failed,
    return_old_item_on_condition_failure,
    return_values_all_old,
    invalid_requests_are_validation_errors,
    consumed_capacity_total_and_indexes,
    update_creates_items_and_applies_every_action,
    update_return_values,
    update_conditions_and_capacity,
    update_errors,
    update_keeps_indexes_in_step,
    query_sort_key_operators_on_s_n_and_b,
    query_pagination_with_limit_in_both_directions,
    query_filters_projections_and_select,
    query_validation_errors,
    query_exclusive_start_keys,
    query_one_mb_pages,
    query_consumed_capacity,
    query_multi_attribute_gsi,
    query_single_attribute_gsis_and_sparse_entries,
    query_lsi_fetches_unprojected_attributes,
    scan_filters_pages_and_projects,
    scan_parallel_segments_cover_the_table_once,
    scan_indexes_and_validation,
    batch_write_and_get_across_tables,
    batch_limits_and_duplicates,
    transact_write_across_tables,
    transact_cancellation_reasons_in_order,
    transact_one_action_per_item,
    transact_idempotency_token,
    transact_get_reads_a_snapshot,
    time_to_live_settings,
];

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// `S`.
pub fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

/// A number, parsed.
pub fn num(text: &str) -> Number {
    Number::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// `N`.
pub fn n(text: &str) -> AttributeValue {
    AttributeValue::N(num(text))
}

/// An item from pairs.
pub fn item<const N: usize>(pairs: [(&str, AttributeValue); N]) -> Item {
    pairs.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
}

fn hash(name: &str) -> KeySchemaElement {
    KeySchemaElement { attribute_name: name.to_owned(), key_type: KeyType::Hash }
}

fn range(name: &str) -> KeySchemaElement {
    KeySchemaElement { attribute_name: name.to_owned(), key_type: KeyType::Range }
}

fn define(name: &str, ty: ScalarType) -> AttributeDefinition {
    AttributeDefinition { name: name.to_owned(), ty }
}

/// A table keyed `pk` (S) + `sk` (S), on demand, no indexes.
pub fn simple_table(name: String) -> CreateTableInput {
    CreateTableInput {
        table_name: name,
        attribute_definitions: vec![define("pk", ScalarType::S), define("sk", ScalarType::S)],
        key_schema: vec![hash("pk"), range("sk")],
        global_secondary_indexes: vec![],
        local_secondary_indexes: vec![],
        billing_mode: BillingMode::PayPerRequest,
        stream: None,
    }
}

/// A table keyed `pk` (S) + `sk` (N) with a native multi-attribute GSI (`tenant`,
/// `region` / `created`, `id`; INCLUDE `name`), a single-attribute GSI `g` (KEYS_ONLY,
/// and an ALL twin), and an LSI on `lsk` (KEYS_ONLY); a stream.
pub fn indexed_table(name: String) -> CreateTableInput {
    CreateTableInput {
        table_name: name,
        attribute_definitions: vec![
            define("pk", ScalarType::S),
            define("sk", ScalarType::N),
            define("tenant", ScalarType::S),
            define("region", ScalarType::S),
            define("created", ScalarType::N),
            define("id", ScalarType::B),
            define("g", ScalarType::S),
            define("lsk", ScalarType::S),
        ],
        key_schema: vec![hash("pk"), range("sk")],
        global_secondary_indexes: vec![
            SecondaryIndex {
                index_name: "by_tenant".to_owned(),
                key_schema: vec![hash("tenant"), hash("region"), range("created"), range("id")],
                projection: ProjectionSpec::Include(vec!["name".to_owned()]),
                provisioned_throughput: None,
            },
            SecondaryIndex {
                index_name: "by_g".to_owned(),
                key_schema: vec![hash("g")],
                projection: ProjectionSpec::KeysOnly,
                provisioned_throughput: None,
            },
            SecondaryIndex {
                index_name: "by_g_all".to_owned(),
                key_schema: vec![hash("g"), range("sk")],
                projection: ProjectionSpec::All,
                provisioned_throughput: None,
            },
        ],
        local_secondary_indexes: vec![SecondaryIndex {
            index_name: "by_lsk".to_owned(),
            key_schema: vec![hash("pk"), range("lsk")],
            projection: ProjectionSpec::KeysOnly,
            provisioned_throughput: None,
        }],
        billing_mode: BillingMode::PayPerRequest,
        stream: Some(StreamViewType::NewAndOldImages),
    }
}

/// Polls `DescribeTable` until the table is `ACTIVE` (immediate on the engine and
/// DynamoDB Local, seconds on DynamoDB).
pub async fn wait_active(db: &dyn Backend, name: &str) -> TableDescription {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let description = ok(db.describe_table(name.to_owned()).await);
        if description.table_status == TableStatus::Active {
            return description;
        }
        assert!(Instant::now() < deadline, "{name} is still {:?}", description.table_status);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Creates a table and waits until it is `ACTIVE`.
pub async fn create(db: &dyn Backend, input: CreateTableInput) -> TableDescription {
    let name = input.table_name.clone();
    ok(db.create_table(input).await);
    wait_active(db, &name).await
}

/// Deletes a table and waits until it is gone.
pub async fn drop_table(db: &dyn Backend, name: &str) {
    ok(db.delete_table(name.to_owned()).await);
    wait_gone(db, name).await;
}

/// Polls `DescribeTable` until it answers `ResourceNotFoundException` (immediate on the
/// engine and DynamoDB Local, seconds on DynamoDB).
pub async fn wait_gone(db: &dyn Backend, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        match db.describe_table(name.to_owned()).await {
            Err(Error::ResourceNotFound { .. }) => return,
            Ok(d) => assert!(Instant::now() < deadline, "{name} is still {:?}", d.table_status),
            Err(e) => panic!("describing deleted {name}: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The value of a successful call, or a panic naming the error.
#[track_caller]
pub fn ok<T>(result: Result<T, Error>) -> T {
    result.unwrap_or_else(|e| panic!("unexpected error: {e} ({e:?})"))
}

/// The error of a failed call, or a panic.
#[track_caller]
pub fn err<T: std::fmt::Debug>(result: Result<T, Error>) -> Error {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(e) => e,
    }
}

#[track_caller]
fn assert_validation<T: std::fmt::Debug>(result: Result<T, Error>, what: &str) {
    match err(result) {
        Error::Validation { message, .. } => assert!(!message.is_empty(), "{what}: empty message"),
        other => panic!("{what}: expected ValidationException, got {other:?}"),
    }
}

/// The item with its set members sorted (DynamoDB defines no set order).
pub fn normalized(item: &Item) -> Item {
    item.iter().map(|(name, value)| (name.clone(), normalized_value(value))).collect()
}

fn normalized_value(value: &AttributeValue) -> AttributeValue {
    match value {
        AttributeValue::Ss(set) => {
            let mut set = set.clone();
            set.sort();
            AttributeValue::Ss(set)
        }
        AttributeValue::Ns(set) => {
            let mut set = set.clone();
            set.sort();
            AttributeValue::Ns(set)
        }
        AttributeValue::Bs(set) => {
            let mut set = set.clone();
            set.sort();
            AttributeValue::Bs(set)
        }
        AttributeValue::L(list) => AttributeValue::L(list.iter().map(normalized_value).collect()),
        AttributeValue::M(map) => AttributeValue::M(normalized(map)),
        other => other.clone(),
    }
}

fn put(table: &str, item: Item) -> PutItemInput {
    PutItemInput { table_name: table.to_owned(), item, ..PutItemInput::default() }
}

fn get(table: &str, key: Item) -> GetItemInput {
    GetItemInput { table_name: table.to_owned(), key, ..GetItemInput::default() }
}

fn delete(table: &str, key: Item) -> DeleteItemInput {
    DeleteItemInput { table_name: table.to_owned(), key, ..DeleteItemInput::default() }
}

fn key(pk: &str, sk: &str) -> Item {
    item([("pk", s(pk)), ("sk", s(sk))])
}
