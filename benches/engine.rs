//! The embedded engine against a bare `BTreeMap<(String, String), Item>` doing the same
//! work, in one run: 10k puts, 10k gets, 1k queries of a 100-item partition.
//!
//! The engine is called through its `Backend` trait (as the typed client does); its
//! futures are ready on first poll, so they are polled once with a no-op waker. The
//! `BTreeMap` side does what the engine must do at the least: own a copy of each item on
//! put, hand back a copy on get, copy out a partition's range on query.
//!
//! Target (DESIGN.md "Performance"): the engine within 2x of the `BTreeMap`.
//!
//! `puts_10k` also measures the same puts with the capacity model watching (what
//! `singletable serve` runs for `GET /metrics`) and enforcing (a provisioned table of
//! 1,000,000 write units: nothing is throttled, every put is metered).

// criterion_group! generates an undocumented `pub fn`.
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use singletable::backend::{
    AttributeDefinition, Backend, CreateTableInput, GetItemInput, KeySchemaElement, KeyType,
    PutItemInput, QueryInput,
};
use singletable::expr::KeyCondition;
use singletable::schema::{BillingMode, ScalarType};
use singletable::{AttributeValue, Item, MemoryBackend, Number};

const ITEMS: usize = 10_000;
const PARTITIONS: usize = 100;
const QUERIES: usize = 1_000;
const TABLE: &str = "bench";

/// Polls a future that is ready on first poll (the engine's are).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn pk(i: usize) -> String {
    format!("USER#{:04}", i % PARTITIONS)
}

fn sk(i: usize) -> String {
    format!("ORDER#{i:06}")
}

/// A realistic small item: the keys and six attributes.
fn items() -> Vec<Item> {
    (0..ITEMS)
        .map(|i| {
            Item::from([
                ("pk".to_owned(), s(pk(i))),
                ("sk".to_owned(), s(sk(i))),
                ("status".to_owned(), s("PLACED")),
                ("total".to_owned(), AttributeValue::N(Number::from(i as u64 * 7))),
                ("paid".to_owned(), AttributeValue::Bool(i.is_multiple_of(2))),
                ("note".to_owned(), s("leave at the door")),
                ("tags".to_owned(), AttributeValue::Ss(vec!["a".into(), "b".into()])),
                ("region".to_owned(), s("eu-west-1")),
            ])
        })
        .collect()
}

fn key(i: usize) -> Item {
    Item::from([("pk".to_owned(), s(pk(i))), ("sk".to_owned(), s(sk(i)))])
}

fn engine() -> MemoryBackend {
    engine_with(BillingMode::PayPerRequest, None)
}

/// A table, with the capacity model watching (`Some(false)`), throttling (`Some(true)`)
/// or off (`None`), switched on before the table is created.
fn engine_with(billing_mode: BillingMode, model: Option<bool>) -> MemoryBackend {
    let db = MemoryBackend::new();
    if let Some(enforce) = model {
        db.set_capacity_model(enforce);
    }
    let element =
        |name: &str, key_type| KeySchemaElement { attribute_name: name.to_owned(), key_type };
    let define = |name: &str| AttributeDefinition { name: name.to_owned(), ty: ScalarType::S };
    ready(db.create_table(CreateTableInput {
        table_name: TABLE.to_owned(),
        attribute_definitions: vec![define("pk"), define("sk")],
        key_schema: vec![element("pk", KeyType::Hash), element("sk", KeyType::Range)],
        global_secondary_indexes: vec![],
        local_secondary_indexes: vec![],
        billing_mode,
        stream: None,
    }))
    .unwrap_or_else(|e| panic!("CreateTable: {e}"));
    db
}

/// 1,000,000 write units: 10k puts over 100 partitions are never throttled.
const ROOMY: BillingMode = BillingMode::Provisioned { read: 1_000_000, write: 1_000_000 };

fn engine_put_all(db: &MemoryBackend, items: &[Item]) {
    for item in items {
        let input =
            PutItemInput { table_name: TABLE.to_owned(), item: item.clone(), ..Default::default() };
        ready(db.put_item(input)).unwrap_or_else(|e| panic!("PutItem: {e}"));
    }
}

type Map = BTreeMap<(String, String), Item>;

fn map_put_all(map: &mut Map, items: &[Item]) {
    for item in items {
        let (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) =
            (item.get("pk"), item.get("sk"))
        else {
            unreachable!("every item has string keys")
        };
        map.insert((pk.clone(), sk.clone()), item.clone());
    }
}

fn benches(c: &mut Criterion) {
    let items = items();
    let keys: Vec<Item> = (0..ITEMS).map(key).collect();

    let mut group = c.benchmark_group("puts_10k");
    group.sample_size(10);
    group.bench_function("btreemap", |b| {
        b.iter_batched(Map::new, |mut map| map_put_all(&mut map, &items), BatchSize::LargeInput)
    });
    group.bench_function("engine", |b| {
        b.iter_batched(engine, |db| engine_put_all(&db, &items), BatchSize::LargeInput)
    });
    group.bench_function("engine_capacity_watching", |b| {
        b.iter_batched(
            || engine_with(ROOMY, Some(false)),
            |db| engine_put_all(&db, &items),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("engine_capacity_enforcing", |b| {
        b.iter_batched(
            || engine_with(ROOMY, Some(true)),
            |db| engine_put_all(&db, &items),
            BatchSize::LargeInput,
        )
    });
    group.finish();

    let mut map = Map::new();
    map_put_all(&mut map, &items);
    let db = engine();
    engine_put_all(&db, &items);

    let mut group = c.benchmark_group("gets_10k");
    group.sample_size(10);
    group.bench_function("btreemap", |b| {
        b.iter(|| {
            for i in 0..ITEMS {
                let found = map.get(&(pk(i), sk(i))).cloned();
                black_box(found);
            }
        })
    });
    group.bench_function("engine", |b| {
        b.iter(|| {
            for key in &keys {
                let input = GetItemInput {
                    table_name: TABLE.to_owned(),
                    key: key.clone(),
                    consistent_read: true,
                    ..Default::default()
                };
                black_box(ready(db.get_item(input)).unwrap_or_else(|e| panic!("GetItem: {e}")));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("queries_1k");
    group.sample_size(10);
    group.bench_function("btreemap", |b| {
        b.iter(|| {
            for q in 0..QUERIES {
                let partition = pk(q);
                let start = (partition.clone(), String::new());
                let page: Vec<Item> = map
                    .range(start..)
                    .take_while(|((p, _), _)| *p == partition)
                    .map(|(_, item)| item.clone())
                    .collect();
                black_box(page);
            }
        })
    });
    group.bench_function("engine", |b| {
        b.iter(|| {
            for q in 0..QUERIES {
                let input = QueryInput {
                    table_name: TABLE.to_owned(),
                    key_condition: KeyCondition {
                        partition: vec![("pk".to_owned(), s(pk(q)))],
                        sort: vec![],
                    },
                    ..Default::default()
                };
                let page = ready(db.query(input)).unwrap_or_else(|e| panic!("Query: {e}"));
                assert_eq!(page.items.len(), ITEMS / PARTITIONS);
                black_box(page);
            }
        })
    });
    group.finish();
}

criterion_group!(engine_benches, benches);
criterion_main!(engine_benches);
