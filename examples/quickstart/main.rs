//! Quick start: a single-table model on the embedded engine.
//!
//! Run it with `cargo run --example quickstart`: puts, typed queries with ranges and
//! filters, a cursor, an update that keeps an index key in step, and a collection.
//! Nothing to install: the embedded engine behaves like DynamoDB (validation, errors,
//! key ordering, sparse indexes).

use singletable::prelude::*;
use singletable::{Error, Timestamp};

/// One DynamoDB table holds every entity of the app.
#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

/// A user: one item under `USER#<id>` / `PROFILE`, findable by e-mail through GSI1.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE",
         index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
struct User {
    user_id: String,
    email: String,
    name: String,
    #[entity(version)]
    version: u64,
}

/// An order lives in its user's partition, sorted by time, then id.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "USER#{user_id}", sk = "ORDER#{placed_at}#{order_id}",
         index(GSI1, pk = "ORDER#{order_id}", sk = "ORDER"))]
struct Order {
    user_id: String,
    order_id: String,
    placed_at: Timestamp,
    total_cents: i64,
    lines: Vec<Line>,
}

/// A user and their orders, read together: they share the user's partition.
#[derive(Collection, Debug, Default)]
#[collection(table = App)]
struct UserWithOrders {
    user: Option<User>,
    orders: Vec<Order>,
}

/// A line of an order: stored as a map inside the order's list.
#[derive(Attribute, Debug, Clone, PartialEq)]
struct Line {
    sku: String,
    quantity: u32,
    price_cents: i64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = App::client(MemoryBackend::new());
    let table = db.create_table().await?;
    println!("created table {} ({:?})", table.table_name, table.table_status);

    // `version` is the optimistic lock (`#[entity(version)]`): 0 means "not stored yet".
    // Putting a version-0 value creates the item at version 1, refused if the key exists;
    // putting version n replaces the item only while the stored version is still n.
    let ann = User {
        user_id: "u1".into(),
        email: "ann@example.com".into(),
        name: "Ann".into(),
        version: 0,
    };
    db.put(&ann).await?;
    println!("put {ann:?}");

    // Creating the same user twice fails: the lock finds an item where it expected none.
    match db.put(&ann).await {
        Err(Error::VersionConflict { expected: None, actual, .. }) => {
            println!("second create refused: already exists at version {actual:?}")
        }
        other => return Err(format!("expected a version conflict, got {other:?}").into()),
    }

    let order = Order {
        user_id: "u1".into(),
        order_id: "o-17".into(),
        placed_at: Timestamp::from_unix_millis(1_764_000_000_000),
        total_cents: 4_250,
        lines: vec![
            Line { sku: "tea".into(), quantity: 2, price_cents: 1_000 },
            Line { sku: "pot".into(), quantity: 1, price_cents: 2_250 },
        ],
    };
    db.put(&order).await?;
    println!("order item: {:?}", order.to_item()?.get("SK"));

    let read: Option<User> = db.get(User::key("u1")).consistent().await?;
    println!("read back {read:?}");
    assert_eq!(read, Some(User { version: 1, ..ann.clone() }));

    // More orders, then typed queries: key fields in order, ranges over the sort key.
    for (i, total) in [1_200, 800, 5_000].into_iter().enumerate() {
        let day = i64::try_from(i).unwrap_or_default() + 1;
        let placed_at = Timestamp::from_unix_millis(1_764_000_000_000 + day * 86_400_000);
        db.put(&Order {
            order_id: format!("o-{day}"),
            placed_at,
            total_cents: total,
            ..order.clone()
        })
        .await?;
    }
    let since = Timestamp::from_unix_millis(1_764_000_000_000 + 86_400_000);
    let recent = Order::query()
        .user_id("u1")
        .placed_at_range()
        .ge(since)
        .filter(Order::TOTAL_CENTS.gt(1_000))
        .limit(20)
        .send(&db)
        .await?;
    println!(
        "recent big orders: {:?}",
        recent.items.iter().map(|o| &o.order_id).collect::<Vec<_>>()
    );
    let by_email = User::by_gsi1().email("ann@example.com").first(&db).await?;
    println!("found by e-mail: {:?}", by_email.map(|u| u.name));

    // One page at a time, with an opaque cursor a web client can hand back.
    let page = Order::query().user_id("u1").limit(2).send(&db).await?;
    if let Some(cursor) = page.cursor {
        let next = Order::query().user_id("u1").limit(2).cursor(cursor).send(&db).await?;
        println!("second page: {} orders", next.items.len());
    }

    // An update: typed actions, the version checked (and bumped) by a condition, the new
    // item back. Changing the e-mail rewrites the GSI1 key in the same request.
    let renamed: User = db
        .update(User::key("u1"))
        .set(User::NAME, "Ann Lee")
        .set(User::EMAIL, "ann.lee@example.com")
        .expect_version(1)
        .return_new()
        .await?;
    println!("updated {renamed:?}");
    assert_eq!((renamed.name.as_str(), renamed.version), ("Ann Lee", 2));
    assert!(User::by_gsi1().email("ann.lee@example.com").first(&db).await?.is_some());

    // The user and their orders, with one query of the partition.
    let everything = UserWithOrders::query().user_id("u1").all(&db).await?;
    println!(
        "collection: user {:?} with {} orders",
        everything.user.map(|u| u.name),
        everything.orders.len()
    );

    let old: Option<Order> =
        db.delete(Order::key("u1", order.placed_at, "o-17")).return_old().await?;
    println!("deleted order with {} lines", old.map_or(0, |o| o.lines.len()));
    assert_eq!(db.get(Order::key("u1", order.placed_at, "o-17")).await?, None);
    Ok(())
}
