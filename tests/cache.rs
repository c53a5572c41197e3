//! `CachedBackend`, the DAX-style cache, one test per rule: item cache (with negative
//! entries and projections), query cache for queries and scans, TTLs on an injected
//! clock, write-through of the client's own writes (and no query-cache invalidation),
//! consistent and transactional reads passed through, bounded memory.
//!
//! The engine sits under a `CountingBackend`, so each test sees exactly which requests
//! reached it; the cache sits on top.

use std::sync::Arc;
use std::time::Duration;

use singletable::backend::cached::{CacheConfig, CacheStats, CachedBackend};
use singletable::backend::counting::CountingBackend;
use singletable::backend::{
    Backend, BatchGetItemInput, GetItemInput, KeysAndAttributes, ReturnValues, UpdateItemInput,
};
use singletable::clock::ManualClock;
use singletable::expr::Path;
use singletable::prelude::*;
use singletable::{AttributeValue, Item};

#[derive(Table)]
#[table(name = "Cache", pk = "PK", sk = "SK")]
struct CacheTable;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = CacheTable, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
    name: String,
    visits: u64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = CacheTable, pk = "USER#{user_id}", sk = "NOTE#{seq}")]
struct Note {
    user_id: String,
    seq: u32,
    text: String,
}

fn user(id: &str) -> User {
    User { user_id: id.into(), name: id.to_uppercase(), visits: 0 }
}

fn note(id: &str, seq: u32) -> Note {
    Note { user_id: id.into(), seq, text: format!("note {seq}") }
}

type Stack = CachedBackend<CountingBackend<MemoryBackend>>;

struct Fixture {
    /// The typed client on the cache.
    db: TableClient<CacheTable>,
    /// The same engine without the cache: "another application", writing around it.
    direct: TableClient<CacheTable>,
    cache: Stack,
    clock: Arc<ManualClock>,
}

impl Fixture {
    /// Requests that reached the engine since the last `reset`.
    fn sent(&self) -> singletable::backend::counting::RequestCounts {
        self.cache.inner().counts()
    }

    /// Zero counts and stats; the cache keeps its entries.
    fn reset(&self) {
        self.cache.inner().reset();
        self.cache.reset_stats();
    }
}

async fn fixture_with(config: impl FnOnce(CacheConfig) -> CacheConfig) -> Fixture {
    let engine = MemoryBackend::new();
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(1_700_000_000)));
    let config = config(CacheConfig { clock: clock.clone(), ..CacheConfig::default() });
    let cache = CachedBackend::with_config(CountingBackend::new(engine.clone()), config);
    let db = CacheTable::client(cache.clone());
    db.create_table().await.unwrap();
    let direct = CacheTable::client(engine);
    Fixture { db, direct, cache, clock }
}

async fn fixture() -> Fixture {
    fixture_with(|config| config).await
}

fn stats(item_hits: u64, item_misses: u64, query_hits: u64, query_misses: u64) -> CacheStats {
    CacheStats { item_hits, item_misses, query_hits, query_misses, pass_through: 0 }
}

#[tokio::test]
async fn get_item_is_read_once_then_served_from_the_item_cache() {
    let f = fixture().await;
    f.direct.put(&user("ann")).await.unwrap();
    f.reset();
    for _ in 0..3 {
        assert_eq!(f.db.get(User::key("ann")).await.unwrap(), Some(user("ann")));
    }
    assert_eq!(f.sent().get_item, 1);
    assert_eq!(f.cache.stats(), stats(2, 1, 0, 0));
}

#[tokio::test]
async fn a_missing_item_is_cached_too() {
    let f = fixture().await;
    f.reset();
    assert_eq!(f.db.get(User::key("nobody")).await.unwrap(), None);
    assert_eq!(f.db.get(User::key("nobody")).await.unwrap(), None);
    assert_eq!(f.sent().get_item, 1, "the second read is a negative hit");
    // Created around the cache: still "no item" until the TTL ends, as with DAX.
    f.direct.put(&user("nobody")).await.unwrap();
    assert_eq!(f.db.get(User::key("nobody")).await.unwrap(), None);
    f.clock.advance(Duration::from_secs(301));
    assert_eq!(f.db.get(User::key("nobody")).await.unwrap(), Some(user("nobody")));
    assert_eq!(f.sent().get_item, 2);
}

#[tokio::test]
async fn item_entries_expire_after_the_item_ttl() {
    let f = fixture_with(|c| CacheConfig { item_ttl: Duration::from_secs(10), ..c }).await;
    f.direct.put(&user("ann")).await.unwrap();
    f.reset();
    f.db.get(User::key("ann")).await.unwrap();
    // Changed around the cache: the cached item is served until it expires.
    f.direct.put(&User { visits: 7, ..user("ann") }).await.unwrap();
    f.clock.advance(Duration::from_secs(9));
    assert_eq!(f.db.get(User::key("ann")).await.unwrap().unwrap().visits, 0);
    f.clock.advance(Duration::from_secs(1));
    assert_eq!(f.db.get(User::key("ann")).await.unwrap().unwrap().visits, 7);
    assert_eq!(f.sent().get_item, 2);
}

#[tokio::test]
async fn default_ttls_are_daxs_five_minutes() {
    let config = CacheConfig::default();
    assert_eq!(config.item_ttl, Duration::from_secs(300));
    assert_eq!(config.query_ttl, Duration::from_secs(300));
}

#[tokio::test]
async fn the_clients_own_writes_go_through_to_the_item_cache() {
    let f = fixture().await;
    f.db.put(&user("ann")).await.unwrap();
    f.db.get(User::key("ann")).await.unwrap();
    f.reset();

    let changed = User { name: "Ann".into(), ..user("ann") };
    f.db.put(&changed).await.unwrap();
    assert_eq!(f.db.get(User::key("ann")).await.unwrap(), Some(changed));

    f.db.update(User::key("ann")).add(User::VISITS, 2).await.unwrap();
    assert_eq!(f.db.get(User::key("ann")).await.unwrap().unwrap().visits, 2);

    f.db.delete(User::key("ann")).await.unwrap();
    assert_eq!(f.db.get(User::key("ann")).await.unwrap(), None);

    assert_eq!(f.sent().get_item, 0, "every read after a write is a hit");
    assert_eq!(f.cache.stats().item_hits, 3);
    // A write refreshes the TTL, whatever the entry had left.
    f.db.put(&user("ann")).await.unwrap();
    f.clock.advance(Duration::from_secs(299));
    assert_eq!(f.db.get(User::key("ann")).await.unwrap(), Some(user("ann")));
    assert_eq!(f.sent().get_item, 0);
}

#[tokio::test]
async fn an_update_returning_old_values_drops_the_key() {
    let f = fixture().await;
    f.db.put(&user("ann")).await.unwrap();
    f.db.get(User::key("ann")).await.unwrap();
    f.reset();
    let key: Item = [
        ("PK".to_owned(), AttributeValue::S("USER#ann".into())),
        ("SK".to_owned(), AttributeValue::S("PROFILE".into())),
    ]
    .into();
    let output = f
        .cache
        .update_item(UpdateItemInput {
            table_name: "Cache".into(),
            key: key.clone(),
            return_values: ReturnValues::UpdatedOld,
            ..UpdateItemInput::default()
        })
        .await
        .unwrap();
    assert!(output.attributes.is_none_or(|a| a.is_empty()), "no update action: nothing updated");
    f.db.get(User::key("ann")).await.unwrap();
    assert_eq!(f.sent().get_item, 1, "the key was dropped, so read again");
    // `ReturnValues=NONE` still answers without attributes (the cache asked for ALL_NEW).
    let output = f
        .cache
        .update_item(UpdateItemInput { table_name: "Cache".into(), key, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(output.attributes, None);
    assert_eq!(f.sent().update_item, 2);
}

#[tokio::test]
async fn a_failed_write_drops_the_key() {
    let f = fixture().await;
    f.db.put(&user("ann")).await.unwrap();
    f.db.get(User::key("ann")).await.unwrap();
    f.reset();
    let refused = f.db.put(&User { visits: 9, ..user("ann") }).if_not_exists().await;
    assert!(refused.is_err());
    assert_eq!(f.db.get(User::key("ann")).await.unwrap(), Some(user("ann")));
    assert_eq!(f.sent().get_item, 1);
}

#[tokio::test]
async fn queries_are_cached_by_the_whole_request_and_writes_do_not_invalidate_them() {
    let f = fixture().await;
    for seq in 0..3 {
        f.db.put(&note("ann", seq)).await.unwrap();
    }
    f.reset();
    let all = Note::query().user_id("ann").all(&f.db).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(Note::query().user_id("ann").all(&f.db).await.unwrap(), all);
    assert_eq!(f.sent().query, 1);
    // Another request (direction, limit, key): another entry.
    Note::query().user_id("ann").descending().all(&f.db).await.unwrap();
    Note::query().user_id("bob").all(&f.db).await.unwrap();
    assert_eq!(f.sent().query, 3);
    assert_eq!(f.cache.stats(), stats(0, 0, 1, 3));

    // The client's own write goes through to the item cache only, as in DAX.
    f.db.put(&note("ann", 3)).await.unwrap();
    assert_eq!(Note::query().user_id("ann").all(&f.db).await.unwrap().len(), 3);
    f.clock.advance(Duration::from_secs(301));
    assert_eq!(Note::query().user_id("ann").all(&f.db).await.unwrap().len(), 4);
    assert_eq!(f.sent().query, 4);
}

#[tokio::test]
async fn query_ttl_is_separate_from_item_ttl() {
    let f = fixture_with(|c| CacheConfig {
        item_ttl: Duration::from_secs(600),
        query_ttl: Duration::from_secs(5),
        ..c
    })
    .await;
    f.db.put(&note("ann", 1)).await.unwrap();
    f.reset();
    Note::query().user_id("ann").all(&f.db).await.unwrap();
    f.db.get(Note::key("ann", 1u32)).await.unwrap();
    f.clock.advance(Duration::from_secs(5));
    Note::query().user_id("ann").all(&f.db).await.unwrap();
    f.db.get(Note::key("ann", 1u32)).await.unwrap();
    assert_eq!((f.sent().query, f.sent().get_item), (2, 1));
}

#[tokio::test]
async fn scans_pass_through_unless_cache_scans_is_on() {
    let f = fixture().await;
    f.db.put(&note("ann", 1)).await.unwrap();
    f.reset();
    assert_eq!(Note::scan().all(&f.db).await.unwrap().len(), 1);
    f.direct.put(&note("bob", 1)).await.unwrap();
    assert_eq!(Note::scan().all(&f.db).await.unwrap().len(), 2, "a scan sees the table");
    assert_eq!(f.sent().scan, 2);
    assert_eq!(f.cache.stats().pass_through, 2);
    assert_eq!(f.cache.stats().query_hits, 0);
}

#[tokio::test]
async fn scans_and_empty_results_are_cached() {
    let f = fixture_with(|c| CacheConfig { cache_scans: true, ..c }).await;
    f.db.put(&note("ann", 1)).await.unwrap();
    f.reset();
    assert_eq!(Note::scan().all(&f.db).await.unwrap().len(), 1);
    assert_eq!(Note::scan().all(&f.db).await.unwrap().len(), 1);
    assert_eq!(f.sent().scan, 1);
    assert!(Note::query().user_id("nobody").all(&f.db).await.unwrap().is_empty());
    f.direct.put(&note("nobody", 1)).await.unwrap();
    assert!(Note::query().user_id("nobody").all(&f.db).await.unwrap().is_empty());
    assert_eq!(f.sent().query, 1, "the empty page is a cached answer too");
}

#[tokio::test]
async fn consistent_reads_and_transactions_pass_through_uncached() {
    let f = fixture().await;
    f.db.put(&user("ann")).await.unwrap();
    f.db.put(&note("ann", 1)).await.unwrap();
    f.reset();
    for _ in 0..2 {
        f.db.get(User::key("ann")).consistent().await.unwrap();
        Note::query().user_id("ann").consistent().all(&f.db).await.unwrap();
        Note::scan().consistent().all(&f.db).await.unwrap();
        f.db.batch_get([User::key("ann")]).consistent().await.unwrap();
        f.db.transact_get().get(User::key("ann")).send().await.unwrap();
    }
    let sent = f.sent();
    assert_eq!(
        (sent.get_item, sent.query, sent.scan, sent.batch_get_item, sent.transact_get_items),
        (2, 2, 2, 2, 2)
    );
    let stats = f.cache.stats();
    assert_eq!(stats.pass_through, 10);
    assert_eq!((stats.item_hits, stats.query_hits), (0, 0));
    // Nothing of it was cached: the first eventually consistent read is a miss.
    f.db.get(User::key("ann")).await.unwrap();
    assert_eq!(f.cache.stats().item_misses, 1);
}

#[tokio::test]
async fn transactions_write_through_puts_and_deletes_and_drop_updated_keys() {
    let f = fixture().await;
    f.db.put(&user("ann")).await.unwrap();
    f.db.put(&user("bob")).await.unwrap();
    f.db.put(&note("ann", 1)).await.unwrap();
    for key in [User::key("ann"), User::key("bob")] {
        f.db.get(key).await.unwrap();
    }
    f.db.get(Note::key("ann", 1u32)).await.unwrap();
    f.reset();
    f.db.transact()
        .put(&note("ann", 2))
        .delete(Note::key("ann", 1u32))
        .update(f.db.update(User::key("ann")).add(User::VISITS, 1))
        .condition_check(User::key("bob"), User::exists())
        .commit()
        .await
        .unwrap();
    assert_eq!(f.db.get(Note::key("ann", 2u32)).await.unwrap(), Some(note("ann", 2)));
    assert_eq!(f.db.get(Note::key("ann", 1u32)).await.unwrap(), None);
    assert_eq!(f.db.get(User::key("bob")).await.unwrap(), Some(user("bob")));
    assert_eq!(f.sent().get_item, 0);
    assert_eq!(f.db.get(User::key("ann")).await.unwrap().unwrap().visits, 1);
    assert_eq!(f.sent().get_item, 1, "the updated key is read again");
}

#[tokio::test]
async fn batches_read_only_the_keys_not_cached_and_write_through() {
    let f = fixture().await;
    let users: Vec<User> = (0..5).map(|i| user(&format!("u{i}"))).collect();
    f.direct.batch_write().put_all(&users).await.unwrap();
    f.reset();
    f.db.get(User::key("u0")).await.unwrap();
    f.db.get(User::key("u1")).await.unwrap();
    let keys = || (0..6).map(|i| User::key(format!("u{i}")));
    let read = f.db.batch_get(keys()).await.unwrap();
    assert_eq!(read, users);
    assert_eq!(f.cache.stats(), stats(2, 6, 0, 0), "u0, u1 hit; u2..u5 and u6 missed");
    // Everything, the missing u5 included, is now cached.
    assert_eq!(f.db.batch_get(keys()).await.unwrap(), users);
    assert_eq!(f.sent().batch_get_item, 1);
    assert_eq!(f.cache.stats().item_hits, 8);

    f.db.batch_write()
        .put(&User { visits: 3, ..user("u5") })
        .delete(User::key("u0"))
        .await
        .unwrap();
    let read = f.db.batch_get(keys()).await.unwrap();
    assert_eq!(read.len(), 5);
    assert!(read.iter().any(|u| u.user_id == "u5" && u.visits == 3));
    assert!(!read.iter().any(|u| u.user_id == "u0"));
    assert_eq!(f.sent().batch_get_item, 1);
}

#[tokio::test]
async fn the_item_cache_is_keyed_by_projection() {
    let f = fixture().await;
    f.db.put(&user("ann")).await.unwrap();
    f.reset();
    let key: Item = [
        ("PK".to_owned(), AttributeValue::S("USER#ann".into())),
        ("SK".to_owned(), AttributeValue::S("PROFILE".into())),
    ]
    .into();
    let get = |projection: Option<Vec<Path>>| GetItemInput {
        table_name: "Cache".into(),
        key: key.clone(),
        projection,
        ..GetItemInput::default()
    };
    let name = Some(vec![Path::attribute("name")]);
    let full = f.cache.get_item(get(None)).await.unwrap().item.unwrap();
    let projected = f.cache.get_item(get(name.clone())).await.unwrap().item.unwrap();
    assert_eq!(projected.len(), 1);
    assert!(full.len() > 1);
    assert_eq!(f.cache.get_item(get(name.clone())).await.unwrap().item, Some(projected));
    assert_eq!(f.cache.get_item(get(None)).await.unwrap().item, Some(full));
    assert_eq!(f.sent().get_item, 2);
    // BatchGetItem shares the entries of GetItem (same key, same projection).
    let batch = BatchGetItemInput {
        request_items: [(
            "Cache".to_owned(),
            KeysAndAttributes { keys: vec![key.clone()], consistent_read: false, projection: name },
        )]
        .into(),
        ..BatchGetItemInput::default()
    };
    let output = f.cache.batch_get_item(batch).await.unwrap();
    assert_eq!(output.responses["Cache"].len(), 1);
    assert_eq!(f.sent().batch_get_item, 0);
    // A write replaces every projection of the key.
    f.db.put(&User { name: "Ann".into(), ..user("ann") }).await.unwrap();
    let projected = f.cache.get_item(get(Some(vec![Path::attribute("name")]))).await.unwrap();
    assert_eq!(projected.item.unwrap()["name"], AttributeValue::S("Ann".into()));
    assert_eq!(f.sent().get_item, 3);
}

#[tokio::test]
async fn memory_stays_within_the_budgets() {
    let budget = 64 * 1024;
    let f =
        fixture_with(|c| CacheConfig { item_cache_bytes: budget, query_cache_bytes: budget, ..c })
            .await;
    let users: Vec<User> = (0..2_000).map(|i| user(&format!("user-{i:05}"))).collect();
    f.direct.batch_write().put_all(&users).await.unwrap();
    for u in &users {
        f.db.get(User::key(u.user_id.clone())).await.unwrap();
        User::query().user_id(u.user_id.clone()).all(&f.db).await.unwrap();
    }
    let (items, queries) = f.cache.weights();
    assert!(items <= budget && queries <= budget, "{items} / {queries} bytes");
    assert!(items > budget / 4, "the cache is used: {items} bytes");
    // Evicted entries are read again; the rest are hits.
    f.cache.clear();
    for u in &users {
        f.db.get(User::key(u.user_id.clone())).await.unwrap();
    }
    assert!(f.cache.stats().item_misses > 1_000);
}

#[tokio::test]
async fn deleting_a_table_forgets_its_entries() {
    let f = fixture_with(|c| CacheConfig { cache_scans: true, ..c }).await;
    f.db.put(&user("ann")).await.unwrap();
    f.db.get(User::key("ann")).await.unwrap();
    Note::scan().all(&f.db).await.unwrap();
    f.db.delete_table().await.unwrap();
    f.db.create_table().await.unwrap();
    f.reset();
    assert_eq!(f.db.get(User::key("ann")).await.unwrap(), None);
    assert!(Note::scan().all(&f.db).await.unwrap().is_empty());
    assert_eq!((f.sent().get_item, f.sent().scan), (1, 1));
}
