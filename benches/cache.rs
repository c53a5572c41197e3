//! `CachedBackend` (the DAX-style cache) against no cache: typed `GetItem`s of 1,000
//! items, eventually consistent, each key read once per 1,000 calls, through
//! `singletable serve` (started here, in-process, on a background thread; reached with
//! `AwsBackend` over HTTP) and on the embedded engine directly.
//!
//! The cached side is warmed first, so it measures hits: what a read-heavy workload gets
//! once its working set is in the cache. Compare the medians of one run.

// criterion_group! generates an undocumented `pub fn`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use singletable::backend::cached::CachedBackend;
use singletable::prelude::*;
use singletable_server::{Server, ServerConfig};

#[derive(Table)]
#[table(name = "CacheBench", pk = "PK", sk = "SK")]
struct CacheBench;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = CacheBench, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
    email: String,
    name: String,
    visits: u64,
}

const USERS: usize = 1_000;

fn user(i: usize) -> User {
    User {
        user_id: format!("u{i:04}"),
        email: format!("u{i:04}@example.com"),
        name: format!("User number {i}"),
        visits: i as u64,
    }
}

/// Fills the table and reads every key once (warming a cache, if there is one).
async fn seed(db: &TableClient<CacheBench>) {
    db.create_table().await.unwrap();
    let users: Vec<User> = (0..USERS).map(user).collect();
    db.batch_write().put_all(&users).await.unwrap();
    for u in &users {
        db.get(User::key(u.user_id.clone())).await.unwrap();
    }
}

fn gets(
    c: &mut Criterion,
    group: &str,
    rt: &tokio::runtime::Runtime,
    dbs: &[(&str, &TableClient<CacheBench>)],
) {
    let mut group = c.benchmark_group(group);
    for (name, db) in dbs {
        let next = AtomicUsize::new(0);
        group.bench_function(*name, |b| {
            b.iter(|| {
                let i = next.fetch_add(1, Ordering::Relaxed) % USERS;
                let key = User::key(format!("u{i:04}"));
                black_box(rt.block_on(async { db.get(key).await }).unwrap().unwrap());
            });
        });
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();

    // Through `singletable serve`: the same server for both, one table each.
    let server =
        Server::start_in_background(ServerConfig { port: 0, ..ServerConfig::default() }).unwrap();
    let (served, served_cached) = rt.block_on(async {
        let endpoint = server.endpoint();
        let plain = CacheBench::client(AwsBackend::from_endpoint(endpoint.clone()));
        seed(&plain).await;
        let cached = CacheBench::client(CachedBackend::new(AwsBackend::from_endpoint(endpoint)));
        for i in 0..USERS {
            cached.get(User::key(format!("u{i:04}"))).await.unwrap();
        }
        (plain, cached)
    });
    gets(c, "get_item_serve", &rt, &[("uncached", &served), ("cached", &served_cached)]);

    // On the embedded engine.
    let (engine, engine_cached) = rt.block_on(async {
        let engine = MemoryBackend::new();
        let plain = CacheBench::client(engine.clone());
        seed(&plain).await;
        let cached = CacheBench::client(CachedBackend::new(engine));
        for i in 0..USERS {
            cached.get(User::key(format!("u{i:04}"))).await.unwrap();
        }
        (plain, cached)
    });
    gets(c, "get_item_engine", &rt, &[("uncached", &engine), ("cached", &engine_cached)]);
    drop(server);
}

criterion_group!(benches, bench);
criterion_main!(benches);
