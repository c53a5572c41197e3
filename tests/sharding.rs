//! Write sharding (`#[entity(shards = N)]`) on the embedded engine: the items of one
//! logical partition land in several physical partitions, single-item operations by key
//! address one item, and the fan-out query returns exactly what an unsharded twin
//! holding the same data returns, in the same order.

use std::collections::BTreeSet;

use singletable::backend::ScanInput;
use singletable::prelude::*;
use singletable::{AttributeValue, Error};

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
    let sharded =
        Reading::query().device_id("d1").seq_between(5u32, 22u32).all(&db).await.expect("q");
    let plain =
        PlainReading::query().device_id("d1").seq_between(5u32, 22u32).all(&db).await.expect("q");
    assert_eq!(plain.len(), 18);
    assert_eq!(pairs_sharded(&sharded), pairs_plain(&plain));
    let sharded =
        Reading::query().device_id("d1").seq_ge(30u32).descending().all(&db).await.expect("q");
    let plain =
        PlainReading::query().device_id("d1").seq_ge(30u32).descending().all(&db).await.expect("q");
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
            assert!(sharded.cursor.is_none(), "a sharded query has one page");
        }
    }
    let sharded = Reading::query()
        .device_id("d1")
        .seq_between(10u32, 30u32)
        .descending()
        .limit(4)
        .send(&db)
        .await
        .expect("query");
    let plain = PlainReading::query()
        .device_id("d1")
        .seq_between(10u32, 30u32)
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

#[tokio::test]
async fn a_cursor_on_a_sharded_query_is_a_typed_error() {
    let db = seeded().await;
    let page = PlainReading::query().device_id("d1").limit(3).send(&db).await.expect("query");
    let cursor = page.cursor.expect("more pages");
    let err = Reading::query().device_id("d1").cursor(cursor).send(&db).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidCursor { reason } if reason.contains("sharded")),
        "{err:?}"
    );
}
