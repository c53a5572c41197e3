//! Migration backfill: a table of users and orders gains a GSI with synthetic keys
//! (`tests/migrate_support`'s v1 → v2: every item gets new index keys). Measures items
//! per second of `apply` (4 segments, DynamoDB-sized pages) on the embedded engine
//! (10,000 items) and through `singletable serve` (in-process, reached with `AwsBackend`
//! over HTTP; 2,000 items), and prints the requests one apply sends beside the minimum
//! (one scan page per page of items, one write per changed item).

// criterion_group! generates an undocumented `pub fn`.
#![allow(missing_docs)]

#[path = "../tests/migrate_support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use singletable::backend::counting::CountingBackend;
use singletable::migrate::{ApplyOptions, Plan};
use singletable::prelude::*;
use singletable::Backend;
use singletable_server::{Server, ServerConfig};

const ENGINE_ITEMS: usize = 10_000;
const SERVE_ITEMS: usize = 2_000;

fn options() -> ApplyOptions {
    ApplyOptions {
        segments: 4,
        poll_interval: Duration::from_millis(50),
        ..ApplyOptions::default()
    }
}

/// Seeds a fresh v1 table through `backend` (not timed), then times one apply.
async fn one_backfill(backend: Arc<dyn Backend>, items: usize, plan: &Plan) -> Duration {
    let (db, _) = support::seeded(backend, items).await;
    let start = Instant::now();
    let report = db.migrate(plan, &options()).await.unwrap();
    let elapsed = start.elapsed();
    assert!(report.completed && report.updated == items as u64, "{report:?}");
    elapsed
}

/// One apply under a counting backend: its requests beside the minimum.
fn print_requests(rt: &tokio::runtime::Runtime, plan: &Plan) {
    let counting = Arc::new(CountingBackend::new(MemoryBackend::new()));
    let (db, _) = rt.block_on(support::seeded(counting.clone(), ENGINE_ITEMS));
    counting.reset();
    let report = rt.block_on(db.migrate(plan, &options())).unwrap();
    let counts = counting.counts();
    let item_writes = report.updated + report.moved;
    let bookkeeping = counts.total() - counts.scan - item_writes;
    // The minimum: the same scan pages (DynamoDB's 1 MB pages, one per segment at least)
    // and one write per changed item.
    let minimum = counts.scan + item_writes;
    #[allow(clippy::cast_precision_loss)]
    let ratio = counts.total() as f64 / minimum as f64;
    #[allow(clippy::cast_precision_loss)]
    let per_item = counts.total() as f64 / ENGINE_ITEMS as f64;
    println!(
        "migrate requests, {ENGINE_ITEMS} items, 4 segments: {} in all = {} scan pages + \
         {item_writes} item writes + {bookkeeping} bookkeeping ({} PutItem of checkpoints and \
         plan state, {} GetItem, {} DescribeTable, {} UpdateTable, 1 UpdateItem of the \
         history); minimum {minimum}; {ratio:.4}x the minimum, {per_item:.4} requests per item",
        counts.total(),
        counts.scan,
        counts.put_item,
        counts.get_item,
        counts.describe_table,
        counts.update_table,
    );
}

fn bench(c: &mut Criterion) {
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let plan = Plan::between(support::v1::model(), support::v2::model());
    print_requests(&rt, &plan);

    let mut group = c.benchmark_group("migrate_backfill");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ENGINE_ITEMS as u64));
    group.bench_function("engine_10000_items", |b| {
        b.iter_custom(|iterations| {
            (0..iterations)
                .map(|_| {
                    rt.block_on(one_backfill(Arc::new(MemoryBackend::new()), ENGINE_ITEMS, &plan))
                })
                .sum()
        });
    });
    let server =
        Server::start_in_background(ServerConfig { port: 0, ..ServerConfig::default() }).unwrap();
    let endpoint = server.endpoint();
    group.throughput(Throughput::Elements(SERVE_ITEMS as u64));
    group.bench_function("serve_2000_items", |b| {
        b.iter_custom(|iterations| {
            (0..iterations)
                .map(|_| {
                    let backend = Arc::new(AwsBackend::from_endpoint(endpoint.clone()));
                    rt.block_on(one_backfill(backend, SERVE_ITEMS, &plan))
                })
                .sum()
        });
    });
    group.finish();
    drop(server);
}

criterion_group!(benches, bench);
criterion_main!(benches);
