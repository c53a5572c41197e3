//! singletable's typed API over `AwsBackend` against raw `aws-sdk-dynamodb` calls doing
//! the same work, both on one DynamoDB Local started here: a put, a get and a query of
//! a 20-item partition, each decoded into the same struct.
//!
//! The raw side builds and reads `AttributeValue` maps by hand (what a careful user of
//! the SDK writes); the typed side goes through the derive, the `Backend` trait and the
//! AWS backend's conversions. Both use one SDK client configuration and one runtime.
//!
//! Target (DESIGN.md "Performance"): the typed API under 5% slower per call. DynamoDB
//! Local is slow (about a millisecond a call) and noisy, so compare the medians of
//! one run. Without Java (or npm) the bench says why and exits successfully.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue as Av;
use criterion::Criterion;
use singletable::prelude::*;
use singletable_testkit::DynamoDbLocal;

#[derive(Table)]
#[table(name = "Overhead", pk = "PK", sk = "SK")]
struct Overhead;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Overhead, pk = "USER#{user_id}", sk = "ORDER#{order_id}")]
struct Order {
    user_id: String,
    order_id: String,
    status: String,
    total_cents: i64,
    paid: bool,
}

const PARTITION_ITEMS: usize = 20;
const WARM_UP: usize = 1_000;

fn order(i: usize) -> Order {
    Order {
        user_id: "u1".to_owned(),
        order_id: format!("o{:03}", i % PARTITION_ITEMS),
        status: "PLACED".to_owned(),
        total_cents: i64::try_from(i).unwrap_or(0) * 7,
        paid: i.is_multiple_of(2),
    }
}

/// The item the derive writes, built by hand.
fn raw_item(order: &Order) -> HashMap<String, Av> {
    HashMap::from([
        ("PK".to_owned(), Av::S(format!("USER#{}", order.user_id))),
        ("SK".to_owned(), Av::S(format!("ORDER#{}", order.order_id))),
        ("_type".to_owned(), Av::S("Order".to_owned())),
        ("user_id".to_owned(), Av::S(order.user_id.clone())),
        ("order_id".to_owned(), Av::S(order.order_id.clone())),
        ("status".to_owned(), Av::S(order.status.clone())),
        ("total_cents".to_owned(), Av::N(order.total_cents.to_string())),
        ("paid".to_owned(), Av::Bool(order.paid)),
    ])
}

/// Decodes an item by hand; `None` when an attribute is missing or mistyped.
fn raw_decode(item: &HashMap<String, Av>) -> Option<Order> {
    let s = |name: &str| item.get(name)?.as_s().ok().cloned();
    Some(Order {
        user_id: s("user_id")?,
        order_id: s("order_id")?,
        status: s("status")?,
        total_cents: item.get("total_cents")?.as_n().ok()?.parse().ok()?,
        paid: *item.get("paid")?.as_bool().ok()?,
    })
}

/// The client `AwsBackend::from_endpoint` makes, with its access key and region:
/// DynamoDB Local keeps one database per access key and region.
fn sdk_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    AwsBackend::from_endpoint(endpoint).client().clone()
}

fn main() {
    let local = match DynamoDbLocal::start() {
        Ok(local) => local,
        Err(e) => {
            println!("aws_overhead: skipped, DynamoDB Local cannot start: {e}");
            return;
        }
    };
    let endpoint = local.endpoint();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"));
    // Both clients are made on the runtime that runs them (the SDK's connection pool
    // belongs to it).
    let (raw, db) = rt.block_on(async {
        let db = Overhead::client(AwsBackend::from_endpoint(endpoint.clone()));
        db.create_table().await.unwrap_or_else(|e| panic!("CreateTable: {e}"));
        for i in 0..PARTITION_ITEMS {
            db.put(&order(i)).await.unwrap_or_else(|e| panic!("PutItem: {e}"));
        }
        (sdk_client(&endpoint), db)
    });
    // Both sides write and read the same item shape.
    let typed_item = order(3).to_item().unwrap_or_else(|e| panic!("encode: {e}"));
    assert_eq!(typed_item.len(), raw_item(&order(3)).len(), "{typed_item:?}");

    // Warm DynamoDB Local's JIT first, on both paths, so that the side measured first
    // does not pay for it.
    rt.block_on(async {
        for i in 0..WARM_UP {
            db.put(&order(i)).await.unwrap_or_else(|e| panic!("PutItem: {e}"));
            raw.put_item()
                .table_name("Overhead")
                .set_item(Some(raw_item(&order(i))))
                .send()
                .await
                .unwrap_or_else(|e| panic!("PutItem: {e}"));
            let key = Order::key("u1", format!("o{:03}", i % PARTITION_ITEMS));
            db.get(key).await.unwrap_or_else(|e| panic!("GetItem: {e}"));
            Order::query().user_id("u1").send(&db).await.unwrap_or_else(|e| panic!("{e}"));
        }
    });

    let mut c = Criterion::default().configure_from_args();
    let counter = AtomicUsize::new(0);
    let next = || counter.fetch_add(1, Ordering::Relaxed);

    let mut group = c.benchmark_group("put");
    group.bench_function("raw_sdk", |b| {
        b.iter(|| {
            rt.block_on(async {
                raw.put_item()
                    .table_name("Overhead")
                    .set_item(Some(raw_item(&order(next()))))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("PutItem: {e}"))
            })
        })
    });
    group.bench_function("singletable", |b| {
        b.iter(|| {
            rt.block_on(async {
                db.put(&order(next())).await.unwrap_or_else(|e| panic!("PutItem: {e}"))
            })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("get");
    group.bench_function("raw_sdk", |b| {
        b.iter(|| {
            rt.block_on(async {
                let i = next() % PARTITION_ITEMS;
                let output = raw
                    .get_item()
                    .table_name("Overhead")
                    .key("PK", Av::S("USER#u1".to_owned()))
                    .key("SK", Av::S(format!("ORDER#o{i:03}")))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("GetItem: {e}"));
                black_box(output.item().and_then(raw_decode).expect("an order"))
            })
        })
    });
    group.bench_function("singletable", |b| {
        b.iter(|| {
            rt.block_on(async {
                let i = next() % PARTITION_ITEMS;
                let key = Order::key("u1", format!("o{i:03}"));
                black_box(
                    db.get(key).await.unwrap_or_else(|e| panic!("GetItem: {e}")).expect("an order"),
                )
            })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("query_20");
    group.bench_function("raw_sdk", |b| {
        b.iter(|| {
            rt.block_on(async {
                let output = raw
                    .query()
                    .table_name("Overhead")
                    .key_condition_expression("#pk = :pk AND begins_with(#sk, :sk)")
                    .expression_attribute_names("#pk", "PK")
                    .expression_attribute_names("#sk", "SK")
                    .expression_attribute_values(":pk", Av::S("USER#u1".to_owned()))
                    .expression_attribute_values(":sk", Av::S("ORDER#".to_owned()))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("Query: {e}"));
                let orders: Vec<Order> =
                    output.items().iter().map(|item| raw_decode(item).expect("an order")).collect();
                assert_eq!(orders.len(), PARTITION_ITEMS);
                black_box(orders)
            })
        })
    });
    group.bench_function("singletable", |b| {
        b.iter(|| {
            rt.block_on(async {
                let page =
                    Order::query().user_id("u1").send(&db).await.unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(page.items.len(), PARTITION_ITEMS);
                black_box(page.items)
            })
        })
    });
    group.finish();

    c.final_summary();
    drop(local); // Stops DynamoDB Local.
}
