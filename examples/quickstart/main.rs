//! Quick start: a single-table model on the embedded engine.
//!
//! Run it with `cargo run --example quickstart`. Nothing to install: the embedded
//! engine behaves like DynamoDB (validation, errors, key ordering, sparse indexes).

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

    let ann = User {
        user_id: "u1".into(),
        email: "ann@example.com".into(),
        name: "Ann".into(),
        version: 1,
    };
    db.put(&ann).if_not_exists().await?;
    println!("put {ann:?}");

    // Creating the same user twice fails with DynamoDB's own error.
    match db.put(&ann).if_not_exists().await {
        Err(Error::ConditionalCheckFailed { .. }) => {
            println!("second create refused: already exists")
        }
        other => return Err(format!("expected a conditional check failure, got {other:?}").into()),
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
    assert_eq!(read.as_ref(), Some(&ann));

    let old: Option<Order> =
        db.delete(Order::key("u1", order.placed_at, "o-17")).return_old().await?;
    println!("deleted order with {} lines", old.map_or(0, |o| o.lines.len()));
    assert_eq!(db.get(Order::key("u1", order.placed_at, "o-17")).await?, None);
    Ok(())
}
