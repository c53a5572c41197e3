//! Write sharding (`#[entity(shards = N)]`) on the embedded engine: the items of one
//! logical partition land in several physical partitions, single-item operations by key
//! address one item, and the fan-out query returns exactly what an unsharded twin
//! holding the same data returns, in the same order, page by page with merged cursors.

use std::collections::BTreeSet;
use std::sync::Arc;

use proptest::prelude::*;
use singletable::backend::ScanInput;
use singletable::clock::ManualClock;
use singletable::prelude::*;
use singletable::query::{Decode, Primary, Query};
use singletable::{AttributeValue, CountingBackend, Cursor, Error};

#[derive(Table)]
#[table(name = "Telemetry", pk = "PK", sk = "SK")]
struct Telemetry;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Telemetry, pk = "DEVICE#{device_id}", sk = "READING#{seq}", shards = 8)]
struct Reading {
    device_id: String,
    seq: u32,
    value: i64,
}

/// The same data, unsharded: the reference the fan-out query is compared with.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Telemetry, pk = "PLAIN#{device_id}", sk = "READING#{seq}")]
struct PlainReading {
    device_id: String,
    seq: u32,
    value: i64,
}

const COUNT: u32 = 40;

fn value_of(seq: u32) -> i64 {
    i64::from(seq) * 7 - 100
}

async fn seeded() -> TableClient<Telemetry> {
    let db = Telemetry::client(MemoryBackend::new());
    db.create_table().await.expect("table created");
    for device in ["d1", "d2"] {
        for seq in 0..COUNT {
            let value = value_of(seq);
            db.put(&Reading { device_id: device.into(), seq, value }).await.expect("put");
            db.put(&PlainReading { device_id: device.into(), seq, value }).await.expect("put");
        }
    }
    db
}

fn text(item: &singletable::Item, name: &str) -> String {
    match item.get(name) {
        Some(AttributeValue::S(s)) => s.clone(),
        other => panic!("{name} is not a string: {other:?}"),
    }
}

fn pairs_sharded(items: &[Reading]) -> Vec<(String, u32, i64)> {
    items.iter().map(|r| (r.device_id.clone(), r.seq, r.value)).collect()
}

fn pairs_plain(items: &[PlainReading]) -> Vec<(String, u32, i64)> {
    items.iter().map(|r| (r.device_id.clone(), r.seq, r.value)).collect()
}

#[tokio::test]
async fn items_of_one_partition_spread_over_shards() {
    let db = seeded().await;
    let page = db
        .backend()
        .scan(ScanInput { table_name: "Telemetry".into(), ..ScanInput::default() })
        .await
        .expect("scan");
    let mut partitions = BTreeSet::new();
    let mut d1_items = 0;
    for item in &page.items {
        let pk = text(item, "PK");
        if let Some(rest) = pk.strip_prefix("DEVICE#d1") {
            d1_items += 1;
            let shard: u32 = rest
                .strip_prefix("#S")
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no shard suffix on {pk}"));
            assert!(shard < 8, "{pk}");
            // The shard is the FNV-1a of the stored sort key modulo 8.
            let sk = text(item, "SK");
            let mut hash: u32 = 0x811c_9dc5;
            for b in sk.as_bytes() {
                hash = (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193);
            }
            assert_eq!(shard, hash % 8, "{pk} / {sk}");
            partitions.insert(pk);
        }
        if text(item, "PK").starts_with("PLAIN#") {
            assert!(!text(item, "PK").contains("#S"), "the unsharded twin has no suffix");
        }
    }
    assert_eq!(d1_items, COUNT as usize);
    assert!(partitions.len() >= 4, "40 readings land in only {partitions:?}");
}

#[tokio::test]
async fn get_update_delete_by_key_address_one_item() {
    let db = seeded().await;
    let got = db.get(Reading::key("d1", 17u32)).await.expect("get");
    assert_eq!(got, Some(Reading { device_id: "d1".into(), seq: 17, value: value_of(17) }));

    db.update(Reading::key("d1", 17u32)).set(Reading::VALUE, 5).await.expect("update");
    let got = db.get(Reading::key("d1", 17u32)).await.expect("get").expect("present");
    assert_eq!(got.value, 5);
    // The other device's reading with the same sequence is untouched.
    let other = db.get(Reading::key("d2", 17u32)).await.expect("get").expect("present");
    assert_eq!(other.value, value_of(17));

    db.delete(Reading::key("d1", 17u32)).await.expect("delete");
    assert_eq!(db.get(Reading::key("d1", 17u32)).await.expect("get"), None);
    let rest = Reading::query().device_id("d1").all(&db).await.expect("query");
    assert_eq!(rest.len(), COUNT as usize - 1);
    assert!(rest.iter().all(|r| r.seq != 17));
}

#[tokio::test]
async fn decode_key_parses_the_shard_suffix_back() {
    let reading = Reading { device_id: "d#1".into(), seq: 3, value: 0 };
    let item = reading.to_item().expect("encodes");
    assert!(text(&item, "PK").contains("#S"), "{item:?}");
    assert_eq!(Reading::decode_key(&item).expect("decodes"), ("d#1".to_owned(), 3));
    let mut broken = item.clone();
    broken.insert("PK".into(), AttributeValue::S("DEVICE#d1".into()));
    assert!(Reading::decode_key(&broken).is_err(), "a key without its shard suffix");
    broken.insert("PK".into(), AttributeValue::S("DEVICE#d1#S8".into()));
    assert!(Reading::decode_key(&broken).is_err(), "shard 8 of 8 does not exist");
}

#[tokio::test]
async fn fan_out_matches_the_unsharded_twin() {
    let db = seeded().await;
    let sharded = Reading::query().device_id("d1").all(&db).await.expect("query");
    let plain = PlainReading::query().device_id("d1").all(&db).await.expect("query");
    assert_eq!(plain.len(), COUNT as usize);
    assert_eq!(pairs_sharded(&sharded), pairs_plain(&plain));

    let sharded = Reading::query().device_id("d2").descending().all(&db).await.expect("query");
    let plain = PlainReading::query().device_id("d2").descending().all(&db).await.expect("query");
    assert_eq!(pairs_sharded(&sharded), pairs_plain(&plain));
    assert_eq!(sharded.first().map(|r| r.seq), Some(COUNT - 1));

    // A sort-key range, both directions.
    let sharded = Reading::query()
        .device_id("d1")
        .seq_range()
        .between(5u32, 22u32)
        .all(&db)
        .await
        .expect("q");
    let plain = PlainReading::query()
        .device_id("d1")
        .seq_range()
        .between(5u32, 22u32)
        .all(&db)
        .await
        .expect("q");
    assert_eq!(plain.len(), 18);
    assert_eq!(pairs_sharded(&sharded), pairs_plain(&plain));
    let sharded = Reading::query()
        .device_id("d1")
        .seq_range()
        .ge(30u32)
        .descending()
        .all(&db)
        .await
        .expect("q");
    let plain = PlainReading::query()
        .device_id("d1")
        .seq_range()
        .ge(30u32)
        .descending()
        .all(&db)
        .await
        .expect("q");
    assert_eq!(pairs_sharded(&sharded), pairs_plain(&plain));
}

#[tokio::test]
async fn limit_applies_to_the_merged_stream() {
    let db = seeded().await;
    for descending in [false, true] {
        for limit in [1u32, 5, 13] {
            let mut sharded = Reading::query().device_id("d1").limit(limit);
            let mut plain = PlainReading::query().device_id("d1").limit(limit);
            if descending {
                sharded = sharded.descending();
                plain = plain.descending();
            }
            let sharded = sharded.send(&db).await.expect("query");
            let plain = plain.send(&db).await.expect("query");
            assert_eq!(sharded.items.len(), limit as usize);
            assert_eq!(pairs_sharded(&sharded.items), pairs_plain(&plain.items));
            assert!(sharded.cursor.is_some(), "more items follow");
        }
    }
    let sharded = Reading::query()
        .device_id("d1")
        .seq_range()
        .between(10u32, 30u32)
        .descending()
        .limit(4)
        .send(&db)
        .await
        .expect("query");
    let plain = PlainReading::query()
        .device_id("d1")
        .seq_range()
        .between(10u32, 30u32)
        .descending()
        .limit(4)
        .send(&db)
        .await
        .expect("query");
    assert_eq!(pairs_sharded(&sharded.items), pairs_plain(&plain.items));
    assert_eq!(sharded.items.iter().map(|r| r.seq).collect::<Vec<_>>(), [30, 29, 28, 27]);

    let first = Reading::query().device_id("d1").descending().first(&db).await.expect("q");
    assert_eq!(first.map(|r| r.seq), Some(COUNT - 1));
}

/// Reads every page of `query` by hand (`send`, then `.cursor(c)`): the items and each
/// page's size.
async fn page_through<E, O>(
    db: &TableClient<Telemetry>,
    query: Query<E, Primary, O>,
) -> Result<(Vec<O>, Vec<usize>), Error>
where
    E: Entity<Table = Telemetry>,
    O: Decode<E>,
{
    let mut items = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let mut next = query.clone();
        if let Some(cursor) = cursor.take() {
            next = next.cursor(cursor);
        }
        let page = next.send(db).await?;
        sizes.push(page.items.len());
        items.extend(page.items);
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return Ok((items, sizes)),
        }
        assert!(sizes.len() <= 1_000, "paging does not end");
    }
}

/// Every page but the last holds exactly `limit` items; the last at most `limit`.
fn assert_full_pages(sizes: &[usize], limit: u32, what: &str) {
    let limit = limit as usize;
    let (last, full) = sizes.split_last().expect("at least one page");
    assert!(full.iter().all(|&n| n == limit), "{what}: pages {sizes:?}, limit {limit}");
    assert!(*last <= limit, "{what}: pages {sizes:?}, limit {limit}");
}

/// The sort-key ranges the paging tests walk: none, a closed range, an open one.
#[derive(Debug, Clone, Copy)]
enum Span {
    All,
    Between(u32, u32),
    AtLeast(u32),
}

fn sharded_query(device: &str, span: Span, descending: bool) -> Query<Reading, Primary> {
    let stage = Reading::query().device_id(device);
    let query = match span {
        Span::All => stage.into_query(),
        Span::Between(a, b) => stage.seq_range().between(a, b).into_query(),
        Span::AtLeast(a) => stage.seq_range().ge(a).into_query(),
    };
    if descending {
        query.descending()
    } else {
        query
    }
}

fn plain_query(device: &str, span: Span, descending: bool) -> Query<PlainReading, Primary> {
    let stage = PlainReading::query().device_id(device);
    let query = match span {
        Span::All => stage.into_query(),
        Span::Between(a, b) => stage.seq_range().between(a, b).into_query(),
        Span::AtLeast(a) => stage.seq_range().ge(a).into_query(),
    };
    if descending {
        query.descending()
    } else {
        query
    }
}

const SPANS: [Span; 3] = [Span::All, Span::Between(5, 22), Span::AtLeast(30)];

#[tokio::test]
async fn paging_with_small_limits_equals_the_unsharded_twin() {
    let db = seeded().await;
    for descending in [false, true] {
        for span in SPANS {
            let expected = plain_query("d1", span, descending).all(&db).await.expect("twin");
            assert!(!expected.is_empty());
            for limit in [1u32, 3, 7, 40] {
                let what = format!("{span:?}, descending {descending}, limit {limit}");
                let query = sharded_query("d1", span, descending).limit(limit);
                let (items, sizes) = page_through(&db, query).await.expect("pages");
                assert_eq!(pairs_sharded(&items), pairs_plain(&expected), "{what}");
                assert_full_pages(&sizes, limit, &what);
            }
            // Without a limit: still every item once, in order, over one or more pages.
            let (items, _) =
                page_through(&db, sharded_query("d1", span, descending)).await.expect("pages");
            assert_eq!(pairs_sharded(&items), pairs_plain(&expected), "{span:?} unlimited");
        }
    }
}

#[tokio::test]
async fn pages_stream_all_and_first_follow_the_merged_cursor() {
    let db = seeded().await;
    let expected = PlainReading::query().device_id("d2").descending().all(&db).await.expect("q");

    let mut pages = Reading::query().device_id("d2").descending().limit(6).pages(&db);
    let mut items = Vec::new();
    let mut cursors = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.expect("page");
        cursors.push(page.cursor.is_some());
        items.extend(page.items);
    }
    assert_eq!(pairs_sharded(&items), pairs_plain(&expected));
    // 40 items, 6 a page: 7 pages, only the last without a cursor.
    assert_eq!(cursors, [true, true, true, true, true, true, false]);

    let mut stream = Reading::query().device_id("d2").descending().limit(4).stream(&db);
    let mut streamed = Vec::new();
    while let Some(item) = stream.next().await {
        streamed.push(item.expect("item"));
    }
    assert_eq!(pairs_sharded(&streamed), pairs_plain(&expected));

    let all = Reading::query().device_id("d2").descending().limit(9).all(&db).await.expect("q");
    assert_eq!(pairs_sharded(&all), pairs_plain(&expected));

    // `first` with a filter reads on until an item passes.
    let first = Reading::query()
        .device_id("d2")
        .filter(Reading::VALUE.gt(value_of(33)))
        .first(&db)
        .await
        .expect("q");
    assert_eq!(first.map(|r| r.seq), Some(34));

    // A consistent read pages alike.
    let query = Reading::query().device_id("d2").consistent().limit(11);
    let (items, sizes) = page_through(&db, query.into_query()).await.expect("pages");
    let forward = PlainReading::query().device_id("d2").all(&db).await.expect("q");
    assert_eq!(pairs_sharded(&items), pairs_plain(&forward));
    assert_eq!(sizes, [11, 11, 11, 7]);
}

/// Values that a filter keeps and drops in no order of the sort key.
fn scattered(seq: u32) -> i64 {
    i64::from(seq * 37 % 11)
}

#[tokio::test]
async fn a_filter_that_drops_items_still_fills_each_page() {
    let db = Telemetry::client(MemoryBackend::new());
    db.create_table().await.expect("table");
    for seq in 0..60 {
        let value = scattered(seq);
        db.put(&Reading { device_id: "f".into(), seq, value }).await.expect("put");
        db.put(&PlainReading { device_id: "f".into(), seq, value }).await.expect("put");
    }
    for descending in [false, true] {
        for span in SPANS {
            let expected = plain_query("f", span, descending)
                .filter(PlainReading::VALUE.lt(4))
                .all(&db)
                .await
                .expect("twin");
            assert!(!expected.is_empty() && expected.iter().all(|r| r.value < 4));
            for limit in [1u32, 2, 5, 100] {
                let what = format!("{span:?}, descending {descending}, limit {limit}");
                let query =
                    sharded_query("f", span, descending).filter(Reading::VALUE.lt(4)).limit(limit);
                let (items, sizes) = page_through(&db, query).await.expect("pages");
                assert_eq!(pairs_sharded(&items), pairs_plain(&expected), "{what}");
                // The limit counts items after the filter.
                assert_full_pages(&sizes, limit, &what);
            }
        }
    }
    // A filter nothing passes: no items, and the paging ends.
    let query = Reading::query().device_id("f").filter(Reading::VALUE.gt(100)).limit(3);
    let (items, _) = page_through(&db, query.into_query()).await.expect("pages");
    assert!(items.is_empty());
}

#[tokio::test]
async fn projected_pages_merge_and_carry_only_the_projection() {
    let db = seeded().await;
    for descending in [false, true] {
        for span in SPANS {
            let expected = plain_query("d1", span, descending)
                .project((PlainReading::SEQ, PlainReading::VALUE))
                .all(&db)
                .await
                .expect("twin");
            for limit in [1u32, 4, 50] {
                let query = sharded_query("d1", span, descending)
                    .limit(limit)
                    .project((Reading::SEQ, Reading::VALUE));
                let (items, sizes) = page_through(&db, query).await.expect("pages");
                let what = format!("{span:?}, descending {descending}, limit {limit}");
                assert_full_pages(&sizes, limit, &what);
                // The key attributes the merge needs are read but not handed back.
                let got: Vec<_> = items.iter().map(|p| p.item().clone()).collect();
                let want: Vec<_> = expected.iter().map(|p| p.item().clone()).collect();
                assert_eq!(got, want, "{what}");
                assert!(items.iter().all(|p| p.item().len() == 2), "{what}");
            }
        }
    }
}

#[tokio::test]
async fn cursors_of_sharded_and_unsharded_queries_are_not_interchangeable() {
    let db = seeded().await;
    let plain = PlainReading::query().device_id("d1").limit(3).send(&db).await.expect("q");
    let plain_cursor = plain.cursor.expect("more pages");
    let sharded = Reading::query().device_id("d1").limit(3).send(&db).await.expect("q");
    let sharded_cursor = sharded.cursor.expect("more pages");

    let err = Reading::query().device_id("d1").cursor(plain_cursor).send(&db).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidCursor { reason } if reason.contains("another query")));
    let err = PlainReading::query()
        .device_id("d1")
        .cursor(sharded_cursor.clone())
        .send(&db)
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidCursor { reason } if reason.contains("another query")));
    // Another device, another direction or another range: another query.
    let other_device = Reading::query().device_id("d2").cursor(sharded_cursor.clone());
    assert!(matches!(other_device.send(&db).await, Err(Error::InvalidCursor { .. })));
    let descending = Reading::query().device_id("d1").descending().cursor(sharded_cursor.clone());
    assert!(matches!(descending.send(&db).await, Err(Error::InvalidCursor { .. })));
    let ranged =
        Reading::query().device_id("d1").seq_range().ge(3u32).cursor(sharded_cursor.clone());
    assert!(matches!(ranged.send(&db).await, Err(Error::InvalidCursor { .. })));
    // The same query with another limit continues where the cursor stopped.
    let next = Reading::query()
        .device_id("d1")
        .limit(2)
        .cursor(sharded_cursor)
        .send(&db)
        .await
        .expect("q");
    assert_eq!(next.items.iter().map(|r| r.seq).collect::<Vec<_>>(), [3, 4]);
}

#[tokio::test]
async fn a_tampered_or_foreign_secret_cursor_is_refused() {
    let db = seeded().await;
    let page = Reading::query().device_id("d1").limit(5).send(&db).await.expect("q");
    let cursor = page.cursor.expect("more pages");
    let text = cursor.as_str();
    for i in (0..text.len()).step_by(3) {
        let mut bytes = text.as_bytes().to_vec();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let changed = Cursor::new(String::from_utf8(bytes).expect("ascii"));
        let err = Reading::query().device_id("d1").cursor(changed).send(&db).await.unwrap_err();
        assert!(matches!(err, Error::InvalidCursor { .. }), "position {i}: {err:?}");
    }

    // With a cursor secret, only that secret's cursors are taken.
    let signed = db.clone().with_cursor_secret("k1");
    let page = Reading::query().device_id("d1").limit(5).send(&signed).await.expect("q");
    let minted = page.cursor.expect("more pages");
    let next = Reading::query().device_id("d1").limit(5).cursor(minted.clone()).send(&signed).await;
    assert_eq!(next.expect("q").items.iter().map(|r| r.seq).collect::<Vec<_>>(), [5, 6, 7, 8, 9]);
    let other = db.clone().with_cursor_secret("k2");
    let err = Reading::query().device_id("d1").cursor(minted.clone()).send(&other).await;
    assert!(matches!(err, Err(Error::InvalidCursor { .. })));
    let err = Reading::query().device_id("d1").cursor(minted).send(&db).await;
    assert!(matches!(err, Err(Error::InvalidCursor { .. })));
    let err = Reading::query().device_id("d1").cursor(cursor).send(&signed).await;
    assert!(matches!(err, Err(Error::InvalidCursor { .. })));
}

/// The FNV-1a shard of a stored sort key.
fn shard_of(sk: &str, shards: u32) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in sk.as_bytes() {
        hash = (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193);
    }
    hash % shards
}

fn stored_sort_key(seq: u32) -> String {
    let item = PlainReading { device_id: "x".into(), seq, value: 0 }.to_item().expect("encodes");
    text(&item, "SK")
}

#[tokio::test]
async fn requests_are_the_fewest_the_merge_needs() {
    let counting = CountingBackend::new(MemoryBackend::new());
    let db = Telemetry::client(counting.clone());
    db.create_table().await.expect("table");
    for seq in 0..COUNT {
        db.put(&Reading { device_id: "d1".into(), seq, value: 0 }).await.expect("put");
    }
    let queries = || counting.counts().query;

    // One page over everything: one request per shard.
    let before = queries();
    let page = Reading::query().device_id("d1").limit(1_000).send(&db).await.expect("q");
    assert_eq!(page.items.len(), COUNT as usize);
    assert!(page.cursor.is_none(), "every shard is done");
    assert_eq!(queries() - before, 8);
    let before = queries();
    assert_eq!(Reading::query().device_id("d1").all(&db).await.expect("q").len(), COUNT as usize);
    assert_eq!(queries() - before, 8);

    // Three items in three shards, two a page: the second page reads only the shard
    // whose item was not returned yet; the shards that were done are not read again.
    let seqs: Vec<u32> = (0..COUNT).collect();
    let window = seqs
        .windows(3)
        .find(|w| {
            let shards: BTreeSet<u32> =
                w.iter().map(|&s| shard_of(&stored_sort_key(s), 8)).collect();
            shards.len() == 3
        })
        .expect("three consecutive readings in three shards");
    let (low, high) = (window[0], window[2]);
    let before = queries();
    let first =
        Reading::query().device_id("d1").seq_range().between(low, high).limit(2).send(&db).await;
    let first = first.expect("q");
    assert_eq!(first.items.iter().map(|r| r.seq).collect::<Vec<_>>(), [low, low + 1]);
    assert_eq!(queries() - before, 8);
    let before = queries();
    let second = Reading::query()
        .device_id("d1")
        .seq_range()
        .between(low, high)
        .limit(2)
        .cursor(first.cursor.expect("one more item"))
        .send(&db)
        .await
        .expect("q");
    assert_eq!(second.items.iter().map(|r| r.seq).collect::<Vec<_>>(), [high]);
    assert!(second.cursor.is_none());
    assert_eq!(queries() - before, 1);

    // `first` asks every shard for one item.
    let before = queries();
    let first = Reading::query().device_id("d1").first(&db).await.expect("q");
    assert_eq!(first.map(|r| r.seq), Some(0));
    assert_eq!(queries() - before, 8);
}

#[tokio::test]
async fn limit_zero_is_refused_like_an_unsharded_query() {
    let db = seeded().await;
    let plain = PlainReading::query().device_id("d1").limit(0).send(&db).await;
    let sharded = Reading::query().device_id("d1").limit(0).send(&db).await;
    assert!(matches!(plain, Err(Error::Validation { .. })), "{plain:?}");
    assert!(matches!(sharded, Err(Error::Validation { .. })), "{sharded:?}");
}

#[derive(Table)]
#[table(name = "Sessions", pk = "PK", sk = "SK", ttl = "expires_at")]
struct Sessions;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Sessions, pk = "USER#{user}", sk = "SESSION#{n}", shards = 4)]
struct Session {
    user: String,
    n: u32,
    #[entity(ttl)]
    expires_at: Option<Timestamp>,
}

#[tokio::test]
async fn hide_expired_pages_skip_expired_items() {
    const NOW: i64 = 1_700_000_000;
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(NOW)));
    let db = Sessions::client(MemoryBackend::new()).with_clock(clock);
    db.create_table().await.expect("table");
    for n in 0..30u32 {
        let expires_at = match n % 3 {
            0 => None,
            1 => Some(Timestamp::from_unix_seconds(NOW - 10)),
            _ => Some(Timestamp::from_unix_seconds(NOW + 10)),
        };
        db.put(&Session { user: "u".into(), n, expires_at }).await.expect("put");
    }
    let live: Vec<u32> = (0..30).filter(|n| n % 3 != 1).collect();
    for limit in [1u32, 4, 30] {
        let mut got = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let mut query = Session::query().user("u").hide_expired().limit(limit);
            if let Some(c) = cursor.take() {
                query = query.cursor(c);
            }
            let page = query.send(&db).await.expect("page");
            assert!(page.items.len() <= limit as usize);
            got.extend(page.items.iter().map(|s| s.n));
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(got, live, "limit {limit}");
    }
    let all = Session::query().user("u").all(&db).await.expect("q");
    assert_eq!(all.len(), 30);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random readings, limit, direction and filter: paging the sharded query returns
    /// what the unsharded twin returns.
    #[test]
    fn random_paging_matches_the_twin(
        readings in proptest::collection::btree_map(0u32..300, -20i64..20, 0..80),
        limit in 1u32..12,
        descending in any::<bool>(),
        threshold in proptest::option::of(-20i64..20),
        range in proptest::option::of((0u32..300, 0u32..300)),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        runtime.block_on(async {
            let db = Telemetry::client(MemoryBackend::new());
            db.create_table().await.expect("table");
            for (&seq, &value) in &readings {
                db.put(&Reading { device_id: "p".into(), seq, value }).await.expect("put");
                db.put(&PlainReading { device_id: "p".into(), seq, value }).await.expect("put");
            }
            let span = match range {
                Some((a, b)) => Span::Between(a.min(b), a.max(b)),
                None => Span::All,
            };
            let mut sharded = sharded_query("p", span, descending).limit(limit);
            let mut plain = plain_query("p", span, descending);
            if let Some(t) = threshold {
                sharded = sharded.filter(Reading::VALUE.ge(t));
                plain = plain.filter(PlainReading::VALUE.ge(t));
            }
            let expected = plain.all(&db).await.expect("twin");
            let (items, sizes) = page_through(&db, sharded).await.expect("pages");
            assert_eq!(pairs_sharded(&items), pairs_plain(&expected));
            assert_full_pages(&sizes, limit, "random");
        });
    }
}

/// Large items: a shard's DynamoDB page (1 MB) holds only a few of them.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Telemetry, pk = "BLOB#{owner}", sk = "PART#{seq}", shards = 3)]
struct Blob {
    owner: String,
    seq: u32,
    data: String,
}

/// The letter a blob part is filled with.
fn letter(seq: u32) -> char {
    char::from_u32(u32::from(b'a') + seq % 26).unwrap_or('a')
}

#[tokio::test]
async fn without_a_limit_a_page_ends_where_a_shard_page_runs_out() {
    let counting = CountingBackend::new(MemoryBackend::new());
    let db = Telemetry::client(counting.clone());
    db.create_table().await.expect("table");
    const PARTS: u32 = 60;
    for seq in 0..PARTS {
        let data = letter(seq).to_string().repeat(100_000);
        db.put(&Blob { owner: "o".into(), seq, data }).await.expect("put");
    }
    for descending in [false, true] {
        let mut query = Blob::query().owner("o").into_query();
        if descending {
            query = query.descending();
        }
        let before = counting.counts().query;
        let mut pages = query.pages(&db);
        let mut seqs = Vec::new();
        let mut sizes = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.expect("page");
            assert!(!page.items.is_empty(), "every page makes progress");
            sizes.push(page.items.len());
            seqs.extend(page.items.iter().map(|b| {
                let expected = letter(b.seq);
                assert!(b.data.len() == 100_000 && b.data.chars().all(|c| c == expected));
                b.seq
            }));
        }
        let mut expected: Vec<u32> = (0..PARTS).collect();
        if descending {
            expected.reverse();
        }
        assert_eq!(seqs, expected, "descending {descending}");
        // 6 MB over 3 shards: no page holds everything, and each page holds at most one
        // 1 MB page of each shard (10 items of 100 KB).
        assert!(sizes.len() > 1, "{sizes:?}");
        assert!(sizes.iter().all(|&n| n <= 3 * 11), "{sizes:?}");
        // Re-reading the items read ahead costs requests, but never more than one per
        // shard and page plus the shard pages themselves.
        let requests = counting.counts().query - before;
        assert!(requests <= 3 * sizes.len() as u64 + 3, "{requests} requests, {sizes:?}");
    }
}

#[derive(Table)]
#[table(name = "Series", pk = "PK", sk = "SK:N")]
struct Series;

/// A numeric sort key: the merge orders numbers by value, not by their text.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Series, pk = "SERIES#{id}", sk = "{t}", shards = 5)]
struct Point {
    id: String,
    t: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Series, pk = "PLAIN#{id}", sk = "{t}")]
struct PlainPoint {
    id: String,
    t: i64,
}

#[tokio::test]
async fn numeric_sort_keys_merge_in_numeric_order() {
    let db = Series::client(MemoryBackend::new());
    db.create_table().await.expect("table");
    let times: Vec<i64> = (0..45i64).map(|i| (i * 7919 % 2001) - 1000).collect();
    for &t in &times {
        db.put(&Point { id: "s".into(), t }).await.expect("put");
        db.put(&PlainPoint { id: "s".into(), t }).await.expect("put");
    }
    let mut sorted = times.clone();
    sorted.sort_unstable();
    for descending in [false, true] {
        let mut plain = PlainPoint::query().id("s").into_query();
        let mut sharded = Point::query().id("s").into_query();
        if descending {
            plain = plain.descending();
            sharded = sharded.descending();
        }
        let expected: Vec<i64> = plain.all(&db).await.expect("twin").iter().map(|p| p.t).collect();
        let mut want = sorted.clone();
        if descending {
            want.reverse();
        }
        assert_eq!(expected, want);
        for limit in [1u32, 6] {
            let mut got = Vec::new();
            let mut cursor: Option<Cursor> = None;
            loop {
                let mut query = sharded.clone().limit(limit);
                if let Some(c) = cursor.take() {
                    query = query.cursor(c);
                }
                let page = query.send(&db).await.expect("page");
                got.extend(page.items.iter().map(|p| p.t));
                match page.cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            assert_eq!(got, expected, "descending {descending}, limit {limit}");
        }
    }
}
