//! The shared behaviour suite: DynamoDB behaviours written once, as functions over
//! `&dyn Backend`, and run against every backend (the embedded engine, DynamoDB Local
//! through `AwsBackend`, later `singletable serve` and real DynamoDB).
//!
//! A case panics (assert) on a failure. Each case creates its own tables, named from
//! [`Ctx::table`], so cases can run in parallel against one endpoint; every table is
//! waited for until `ACTIVE`, so the cases hold on real DynamoDB too.

#![allow(dead_code)] // Each test binary uses the part it needs.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use singletable_runtime::backend::{
    AttributeDefinition, Backend, CreateTableInput, DeleteItemInput, GetItemInput,
    KeySchemaElement, KeyType, ListTablesInput, ProjectionSpec, PutItemInput,
    ReturnConsumedCapacity, ReturnValues, SecondaryIndex, TableDescription, TableStatus,
};
use singletable_runtime::expr::{Comparator, Condition, Operand, Path};
use singletable_runtime::schema::{BillingMode, ScalarType, StreamViewType};
use singletable_runtime::{AttributeValue, Error, Item, Number};

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
        Error::Validation { message } => assert!(!message.is_empty(), "{what}: empty message"),
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

// ---------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------

async fn table_lifecycle_with_multi_attribute_gsi_and_lsi(ctx: &Ctx<'_>) {
    let name = ctx.table("lifecycle");
    let input = indexed_table(name.clone());
    let created = ok(ctx.db.create_table(input.clone()).await);
    assert_eq!(created.table_name, name);
    assert!(matches!(created.table_status, TableStatus::Creating | TableStatus::Active));

    let described = wait_active(ctx.db, &name).await;
    assert_eq!(described.table_name, name);
    assert_eq!(described.key_schema, input.key_schema);
    let mut defined = described.attribute_definitions.clone();
    defined.sort_by(|a, b| a.name.cmp(&b.name));
    let mut expected = input.attribute_definitions.clone();
    expected.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(defined, expected);

    let mut global = described.global_secondary_indexes.clone();
    global.sort_by(|a, b| a.index_name.cmp(&b.index_name));
    let mut expected_global = input.global_secondary_indexes.clone();
    expected_global.sort_by(|a, b| a.index_name.cmp(&b.index_name));
    assert_eq!(global, expected_global, "GSIs: multi-attribute keys in key-schema order");
    assert_eq!(described.local_secondary_indexes, input.local_secondary_indexes);
    assert_eq!(described.billing_mode, BillingMode::PayPerRequest);
    assert_eq!(described.stream, Some(StreamViewType::NewAndOldImages));
    assert_eq!((described.item_count, described.table_size_bytes), (0, 0));
    assert!(described.table_arn.ends_with(&format!(":table/{name}")), "{}", described.table_arn);
    assert!(described.creation_date_time > 1.6e9, "{}", described.creation_date_time);
    let mut statistics: Vec<_> =
        described.index_statistics.iter().map(|s| (s.index_name.as_str(), s.item_count)).collect();
    statistics.sort();
    assert_eq!(statistics, [("by_g", 0), ("by_g_all", 0), ("by_lsk", 0), ("by_tenant", 0)]);

    let deleted = ok(ctx.db.delete_table(name.clone()).await);
    assert_eq!(deleted.table_name, name);
    assert_eq!(deleted.key_schema, input.key_schema);
    wait_gone(ctx.db, &name).await;
}

async fn provisioned_table_description(ctx: &Ctx<'_>) {
    let name = ctx.table("provisioned");
    let mut input = simple_table(name.clone());
    input.billing_mode = BillingMode::Provisioned { read: 5, write: 3 };
    input.attribute_definitions.push(define("g", ScalarType::S));
    input.global_secondary_indexes.push(SecondaryIndex {
        index_name: "by_g".to_owned(),
        key_schema: vec![hash("g")],
        projection: ProjectionSpec::All,
        provisioned_throughput: Some((2, 1)),
    });
    let described = create(ctx.db, input).await;
    assert_eq!(described.billing_mode, BillingMode::Provisioned { read: 5, write: 3 });
    assert_eq!(described.global_secondary_indexes[0].provisioned_throughput, Some((2, 1)));
    assert_eq!(described.stream, None);
    drop_table(ctx.db, &name).await;
}

async fn list_tables_pages_in_order(ctx: &Ctx<'_>) {
    let names: Vec<String> = ["list-a", "list-b", "list-c"].iter().map(|n| ctx.table(n)).collect();
    for name in &names {
        create(ctx.db, simple_table(name.clone())).await;
    }
    let mut seen = Vec::new();
    let mut start = None;
    loop {
        let page = ok(ctx
            .db
            .list_tables(ListTablesInput { exclusive_start_table_name: start, limit: Some(2) })
            .await);
        assert!(page.table_names.len() <= 2, "{page:?}");
        seen.extend(page.table_names);
        match page.last_evaluated_table_name {
            Some(last) => {
                assert_eq!(seen.last(), Some(&last), "LastEvaluatedTableName is the page's last");
                start = Some(last);
            }
            None => break,
        }
    }
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "ascending: {seen:?}");
    for name in &names {
        assert!(seen.contains(name), "{name} in {seen:?}");
    }
    let all = ok(ctx.db.list_tables(ListTablesInput::default()).await);
    assert!(names.iter().all(|name| all.table_names.contains(name)));
    for name in &names {
        drop_table(ctx.db, name).await;
    }
}

async fn duplicate_create_is_resource_in_use(ctx: &Ctx<'_>) {
    let name = ctx.table("duplicate");
    create(ctx.db, simple_table(name.clone())).await;
    match err(ctx.db.create_table(simple_table(name.clone())).await) {
        Error::ResourceInUse { message } => assert!(!message.is_empty()),
        other => panic!("expected ResourceInUseException, got {other:?}"),
    }
    drop_table(ctx.db, &name).await;
}

async fn missing_table_is_resource_not_found(ctx: &Ctx<'_>) {
    let name = ctx.table("missing");
    let not_found = |e: Error, what: &str| match e {
        Error::ResourceNotFound { message } => assert!(!message.is_empty()),
        other => panic!("{what}: expected ResourceNotFoundException, got {other:?}"),
    };
    not_found(err(ctx.db.describe_table(name.clone()).await), "DescribeTable");
    not_found(err(ctx.db.delete_table(name.clone()).await), "DeleteTable");
    not_found(err(ctx.db.get_item(get(&name, key("a", "b"))).await), "GetItem");
    not_found(err(ctx.db.put_item(put(&name, key("a", "b"))).await), "PutItem");
    not_found(err(ctx.db.delete_item(delete(&name, key("a", "b"))).await), "DeleteItem");
}

// ---------------------------------------------------------------------------------------
// Items
// ---------------------------------------------------------------------------------------

/// An item with every attribute type, numbers at DynamoDB's limits, empty strings and
/// binaries outside keys, nesting and empty containers.
pub fn every_type_item(pk: &str) -> Item {
    item([
        ("pk", s(pk)),
        ("sk", s("all-types")),
        ("s", s("héllo 😀")),
        ("empty_s", s("")),
        ("n38", n("12345678901234567890123456789012345678")),
        ("n_neg", n("-98765432109876543210.123456789012345678")),
        ("n_tiny", n("1E-130")),
        ("n_huge", n("9.9999999999999999999999999999999999999E+125")),
        ("n_zero", n("0")),
        ("b", AttributeValue::B(vec![0, 1, 2, 254, 255])),
        ("empty_b", AttributeValue::B(vec![])),
        ("t", AttributeValue::Bool(true)),
        ("f", AttributeValue::Bool(false)),
        ("null", AttributeValue::Null),
        (
            "l",
            AttributeValue::L(vec![
                s("x"),
                n("1.5"),
                AttributeValue::Null,
                AttributeValue::L(vec![]),
                AttributeValue::M(Item::new()),
            ]),
        ),
        (
            "m",
            AttributeValue::M(item([
                ("inner", s("v")),
                ("deeper", AttributeValue::M(item([("ns", AttributeValue::Ns(vec![num("3")]))]))),
            ])),
        ),
        ("ss", AttributeValue::Ss(vec!["b".into(), "a".into(), "".into()])),
        ("ns", AttributeValue::Ns(vec![num("10"), num("-1"), num("0.001"), num("1E-130")])),
        ("bs", AttributeValue::Bs(vec![vec![2], vec![1, 0], vec![]])),
    ])
}

async fn every_attribute_type_round_trips(ctx: &Ctx<'_>) {
    let name = ctx.table("types");
    create(ctx.db, simple_table(name.clone())).await;
    let stored = every_type_item("p");
    ok(ctx.db.put_item(put(&name, stored.clone())).await);
    let got = ok(ctx.db.get_item(get(&name, key("p", "all-types"))).await);
    let got = got.item.unwrap_or_else(|| panic!("the item is missing"));
    assert_eq!(normalized(&got), normalized(&stored));

    // Numbers come back canonical: no exponent, no redundant zeros.
    let AttributeValue::N(tiny) = &got["n_tiny"] else { panic!("n_tiny: {:?}", got["n_tiny"]) };
    assert_eq!(tiny.as_str(), format!("0.{}1", "0".repeat(129)));
    let AttributeValue::N(huge) = &got["n_huge"] else { panic!("n_huge: {:?}", got["n_huge"]) };
    assert_eq!(huge.as_str(), format!("{}{}", "9".repeat(38), "0".repeat(88)));

    // Binary keys too.
    let binary = ctx.table("types-binary");
    let mut input = simple_table(binary.clone());
    input.attribute_definitions = vec![define("pk", ScalarType::B), define("sk", ScalarType::N)];
    create(ctx.db, input).await;
    let stored = item([("pk", AttributeValue::B(vec![0, 255])), ("sk", n("-1.5")), ("v", s("x"))]);
    ok(ctx.db.put_item(put(&binary, stored.clone())).await);
    let key = item([("pk", AttributeValue::B(vec![0, 255])), ("sk", n("-1.50"))]);
    assert_eq!(ok(ctx.db.get_item(get(&binary, key)).await).item, Some(stored));
    drop_table(ctx.db, &name).await;
    drop_table(ctx.db, &binary).await;
}

async fn projection_and_consistent_read(ctx: &Ctx<'_>) {
    let name = ctx.table("projection");
    create(ctx.db, simple_table(name.clone())).await;
    let stored = item([
        ("pk", s("p")),
        ("sk", s("s")),
        ("data", s("reserved word")),
        ("a.b", s("dotted name")),
        ("my name#:[x]", n("7")),
        ("m", AttributeValue::M(item([("inner", s("v")), ("other", s("w"))]))),
        ("l", AttributeValue::L(vec![s("l0"), s("l1"), s("l2")])),
        ("unused", s("left out")),
    ]);
    ok(ctx.db.put_item(put(&name, stored)).await);
    let projection = vec![
        Path::attribute("data"),
        Path::attribute("a.b"),
        Path::attribute("my name#:[x]"),
        Path::attribute("m").key("inner"),
        Path::attribute("l").index(1),
        Path::attribute("absent"),
    ];
    let got = ok(ctx
        .db
        .get_item(GetItemInput {
            projection: Some(projection),
            consistent_read: true,
            ..get(&name, key("p", "s"))
        })
        .await);
    let expected = item([
        ("data", s("reserved word")),
        ("a.b", s("dotted name")),
        ("my name#:[x]", n("7")),
        ("m", AttributeValue::M(item([("inner", s("v"))]))),
        ("l", AttributeValue::L(vec![s("l1")])),
    ]);
    assert_eq!(got.item, Some(expected));
    assert_eq!(got.consumed_capacity, None, "not asked for");
    drop_table(ctx.db, &name).await;
}

async fn missing_item_is_none(ctx: &Ctx<'_>) {
    let name = ctx.table("missing-item");
    create(ctx.db, simple_table(name.clone())).await;
    assert_eq!(ok(ctx.db.get_item(get(&name, key("nope", "nope"))).await).item, None);
    let deleted = ok(ctx
        .db
        .delete_item(DeleteItemInput {
            return_values: ReturnValues::AllOld,
            ..delete(&name, key("nope", "x"))
        })
        .await);
    assert_eq!(deleted.attributes, None, "deleting a missing item succeeds and returns nothing");
    drop_table(ctx.db, &name).await;
}

fn not_exists(name: &str) -> Condition {
    Condition::AttributeNotExists(Path::attribute(name))
}

fn compare(name: &str, op: Comparator, value: AttributeValue) -> Condition {
    Condition::Compare {
        left: Operand::Path(Path::attribute(name)),
        op,
        right: Operand::Value(value),
    }
}

#[track_caller]
fn assert_condition_failed<T: std::fmt::Debug>(
    result: Result<T, Error>,
    expected_item: Option<&Item>,
) {
    match err(result) {
        Error::ConditionalCheckFailed { item } => {
            assert_eq!(item.as_deref().map(normalized), expected_item.map(normalized));
        }
        other => panic!("expected ConditionalCheckFailedException, got {other:?}"),
    }
}

async fn conditions_fail_with_conditional_check_failed(ctx: &Ctx<'_>) {
    let name = ctx.table("conditions");
    create(ctx.db, simple_table(name.clone())).await;
    let v1 = item([("pk", s("p")), ("sk", s("s")), ("v", n("1")), ("size", s("reserved"))]);
    let create_only =
        |item: Item| PutItemInput { condition: Some(not_exists("pk")), ..put(&name, item) };

    ok(ctx.db.put_item(create_only(v1.clone())).await);
    assert_condition_failed(ctx.db.put_item(create_only(v1.clone())).await, None);

    // Optimistic locking: only replace version 1.
    let v2 = item([("pk", s("p")), ("sk", s("s")), ("v", n("2"))]);
    let if_version = |version: &str, item: Item| PutItemInput {
        condition: Some(
            compare("v", Comparator::Eq, n(version))
                .and(Condition::AttributeExists(Path::attribute("size"))),
        ),
        ..put(&name, item)
    };
    ok(ctx.db.put_item(if_version("1", v2.clone())).await);
    assert_condition_failed(ctx.db.put_item(if_version("1", v2.clone())).await, None);
    assert_eq!(ok(ctx.db.get_item(get(&name, key("p", "s"))).await).item, Some(v2.clone()));

    // Types never mix: N 2 does not equal S "2".
    let typed = PutItemInput {
        condition: Some(compare("v", Comparator::Eq, s("2"))),
        ..put(&name, v2.clone())
    };
    assert_condition_failed(ctx.db.put_item(typed).await, None);

    // DeleteItem with a false condition keeps the item; a true one deletes it.
    let guarded = |condition: Condition| DeleteItemInput {
        condition: Some(condition),
        ..delete(&name, key("p", "s"))
    };
    assert_condition_failed(
        ctx.db.delete_item(guarded(compare("v", Comparator::Gt, n("2")))).await,
        None,
    );
    assert!(ok(ctx.db.get_item(get(&name, key("p", "s"))).await).item.is_some());
    ok(ctx.db.delete_item(guarded(compare("v", Comparator::Ge, n("2")))).await);
    assert_eq!(ok(ctx.db.get_item(get(&name, key("p", "s"))).await).item, None);

    // On a missing item, attribute_exists fails and attribute_not_exists holds.
    assert_condition_failed(
        ctx.db.delete_item(guarded(Condition::AttributeExists(Path::attribute("pk")))).await,
        None,
    );
    ok(ctx.db.delete_item(guarded(not_exists("pk"))).await);
    drop_table(ctx.db, &name).await;
}

async fn return_old_item_on_condition_failure(ctx: &Ctx<'_>) {
    let name = ctx.table("condition-item");
    create(ctx.db, simple_table(name.clone())).await;
    let old = every_type_item("p");
    ok(ctx.db.put_item(put(&name, old.clone())).await);

    let put_input = PutItemInput {
        condition: Some(not_exists("pk")),
        return_old_on_condition_failure: true,
        ..put(&name, key("p", "all-types"))
    };
    assert_condition_failed(ctx.db.put_item(put_input).await, Some(&old));

    let delete_input = DeleteItemInput {
        condition: Some(compare("n38", Comparator::Lt, n("0"))),
        return_old_on_condition_failure: true,
        ..delete(&name, key("p", "all-types"))
    };
    assert_condition_failed(ctx.db.delete_item(delete_input).await, Some(&old));

    // No item, nothing to return.
    let missing = DeleteItemInput {
        condition: Some(Condition::AttributeExists(Path::attribute("pk"))),
        return_old_on_condition_failure: true,
        ..delete(&name, key("nope", "nope"))
    };
    assert_condition_failed(ctx.db.delete_item(missing).await, None);
    drop_table(ctx.db, &name).await;
}

async fn return_values_all_old(ctx: &Ctx<'_>) {
    let name = ctx.table("return-values");
    create(ctx.db, simple_table(name.clone())).await;
    let all_old =
        |item: Item| PutItemInput { return_values: ReturnValues::AllOld, ..put(&name, item) };
    let v1 = item([("pk", s("p")), ("sk", s("s")), ("v", n("1"))]);
    let v2 = item([("pk", s("p")), ("sk", s("s")), ("w", s("two"))]);
    assert_eq!(ok(ctx.db.put_item(all_old(v1.clone())).await).attributes, None);
    assert_eq!(ok(ctx.db.put_item(all_old(v2.clone())).await).attributes, Some(v1));
    assert_eq!(ok(ctx.db.put_item(put(&name, v2.clone())).await).attributes, None, "NONE");
    let deleted = ok(ctx
        .db
        .delete_item(DeleteItemInput {
            return_values: ReturnValues::AllOld,
            ..delete(&name, key("p", "s"))
        })
        .await);
    assert_eq!(deleted.attributes, Some(v2.clone()));

    // PutItem and DeleteItem take only NONE and ALL_OLD.
    for return_values in [ReturnValues::AllNew, ReturnValues::UpdatedOld, ReturnValues::UpdatedNew]
    {
        assert_validation(
            ctx.db.put_item(PutItemInput { return_values, ..put(&name, v2.clone()) }).await,
            "PutItem ReturnValues",
        );
        assert_validation(
            ctx.db
                .delete_item(DeleteItemInput { return_values, ..delete(&name, key("p", "s")) })
                .await,
            "DeleteItem ReturnValues",
        );
    }
    drop_table(ctx.db, &name).await;
}

async fn invalid_requests_are_validation_errors(ctx: &Ctx<'_>) {
    let name = ctx.table("validation");
    create(ctx.db, simple_table(name.clone())).await;
    assert_validation(ctx.db.put_item(put(&name, key("", "s"))).await, "empty partition key");
    assert_validation(ctx.db.put_item(put(&name, key("p", ""))).await, "empty sort key");
    assert_validation(ctx.db.get_item(get(&name, key("", "s"))).await, "empty key in GetItem");
    assert_validation(
        ctx.db.put_item(put(&name, item([("pk", s("p"))]))).await,
        "missing sort key",
    );
    assert_validation(
        ctx.db.put_item(put(&name, item([("pk", n("1")), ("sk", s("s"))]))).await,
        "key of the wrong type",
    );
    assert_validation(
        ctx.db.get_item(get(&name, item([("pk", s("p")), ("sk", s("s")), ("x", s("x"))]))).await,
        "extra key attribute",
    );
    assert_validation(
        ctx.db
            .put_item(put(
                &name,
                item([("pk", s("p")), ("sk", s("s")), ("ss", AttributeValue::Ss(vec![]))]),
            ))
            .await,
        "empty set",
    );
    assert_validation(
        ctx.db
            .put_item(put(
                &name,
                item([
                    ("pk", s("p")),
                    ("sk", s("s")),
                    ("ss", AttributeValue::Ss(vec!["a".into(), "a".into()])),
                ]),
            ))
            .await,
        "duplicate set members",
    );
    let mut gsi_table = simple_table(ctx.table("validation-gsi"));
    gsi_table.attribute_definitions.push(define("g", ScalarType::S));
    gsi_table.global_secondary_indexes.push(SecondaryIndex {
        index_name: "by_g".to_owned(),
        key_schema: vec![hash("g")],
        projection: ProjectionSpec::KeysOnly,
        provisioned_throughput: None,
    });
    let gsi_name = gsi_table.table_name.clone();
    create(ctx.db, gsi_table).await;
    assert_validation(
        ctx.db.put_item(put(&gsi_name, item([("pk", s("p")), ("sk", s("s")), ("g", s(""))]))).await,
        "empty GSI key",
    );
    assert_validation(
        ctx.db
            .put_item(put(&gsi_name, item([("pk", s("p")), ("sk", s("s")), ("g", n("1"))])))
            .await,
        "GSI key of the wrong type",
    );
    drop_table(ctx.db, &name).await;
    drop_table(ctx.db, &gsi_name).await;
}

async fn consumed_capacity_total_and_indexes(ctx: &Ctx<'_>) {
    let name = ctx.table("capacity");
    create(ctx.db, indexed_table(name.clone())).await;
    // A 1.5 KB item in every index.
    let stored = item([
        ("pk", s("p")),
        ("sk", n("1")),
        ("tenant", s("t")),
        ("region", s("r")),
        ("created", n("5")),
        ("id", AttributeValue::B(vec![1])),
        ("g", s("g")),
        ("lsk", s("l")),
        ("name", s("n")),
        ("pad", s(&"x".repeat(1500))),
    ]);
    let key = item([("pk", s("p")), ("sk", n("1"))]);

    let indexes = ok(ctx
        .db
        .put_item(PutItemInput {
            return_consumed_capacity: ReturnConsumedCapacity::Indexes,
            ..put(&name, stored.clone())
        })
        .await)
    .consumed_capacity
    .unwrap_or_else(|| panic!("INDEXES asked for"));
    // Per-index figures are a map in DynamoDB's API: compare them by name.
    let units = |list: &[(String, singletable_runtime::backend::Capacity)]| {
        let mut units: Vec<_> =
            list.iter().map(|(name, c)| (name.clone(), c.capacity_units)).collect();
        units.sort_by(|a, b| a.0.cmp(&b.0));
        units
    };
    assert_eq!(indexes.table_name, name);
    assert_eq!(indexes.table.map(|t| t.capacity_units), Some(2.0), "1.5 KB: 2 units; {indexes:?}");
    assert_eq!(
        units(&indexes.global_secondary_indexes),
        [("by_g".to_owned(), 1.0), ("by_g_all".to_owned(), 2.0), ("by_tenant".to_owned(), 1.0)],
        "new entries cost by their own size; {indexes:?}"
    );
    assert_eq!(
        units(&indexes.local_secondary_indexes),
        [("by_lsk".to_owned(), 1.0)],
        "{indexes:?}"
    );
    assert_eq!(indexes.capacity_units, 7.0, "{indexes:?}");

    // Replacing the item with itself changes no index entry.
    let total = ok(ctx
        .db
        .put_item(PutItemInput {
            return_consumed_capacity: ReturnConsumedCapacity::Total,
            ..put(&name, stored.clone())
        })
        .await)
    .consumed_capacity
    .unwrap_or_else(|| panic!("TOTAL asked for"));
    assert_eq!(total.capacity_units, 2.0, "{total:?}");
    assert_eq!(
        (total.table, total.global_secondary_indexes.len()),
        (None, 0),
        "TOTAL has no breakdown"
    );

    let read = |consistent: bool, report: ReturnConsumedCapacity| GetItemInput {
        consistent_read: consistent,
        return_consumed_capacity: report,
        ..get(&name, key.clone())
    };
    let eventual = ok(ctx.db.get_item(read(false, ReturnConsumedCapacity::Total)).await);
    assert_eq!(eventual.consumed_capacity.map(|c| c.capacity_units), Some(0.5));
    let strong = ok(ctx.db.get_item(read(true, ReturnConsumedCapacity::Indexes)).await);
    let strong = strong.consumed_capacity.unwrap_or_else(|| panic!("INDEXES asked for"));
    assert_eq!((strong.capacity_units, strong.table.map(|t| t.capacity_units)), (1.0, Some(1.0)));
    assert!(
        strong.global_secondary_indexes.is_empty() && strong.local_secondary_indexes.is_empty()
    );
    let none = ok(ctx.db.get_item(read(true, ReturnConsumedCapacity::None)).await);
    assert_eq!(none.consumed_capacity, None);

    let deleted = ok(ctx
        .db
        .delete_item(DeleteItemInput {
            return_consumed_capacity: ReturnConsumedCapacity::Total,
            ..delete(&name, key.clone())
        })
        .await);
    assert_eq!(deleted.consumed_capacity.map(|c| c.capacity_units), Some(7.0), "entries removed");
    drop_table(ctx.db, &name).await;
}
