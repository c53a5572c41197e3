//! E-commerce in one table: customers, products, orders and order items.
//!
//! Run it with `cargo run --example ecommerce` (the embedded engine, nothing to
//! install), or against a DynamoDB:
//!
//! - `cargo run --example ecommerce -- --endpoint http://127.0.0.1:8000`: DynamoDB Local,
//!   or `singletable serve` (`AwsBackend::from_endpoint`);
//! - `cargo run --example ecommerce -- --aws`: the AWS environment's account and region
//!   (`AwsBackend::from_env`). It creates a table `Shop` when there is none, gives its
//!   ids a per-run suffix, and deletes the items it wrote (never the table) at the end.
//!
//! # The table
//!
//! `Shop`: keys `PK`/`SK`, and two overloaded GSIs, `GSI1` (`GSI1PK`/`GSI1SK`) and `GSI2`
//! (`GSI2PK`/`GSI2SK`).
//!
//! | entity | PK | SK | GSI1PK / GSI1SK | GSI2PK / GSI2SK |
//! |---|---|---|---|---|
//! | Customer | `CUSTOMER#<id>` | `PROFILE` | `EMAIL#<email>` / `CUSTOMER` | |
//! | Product | `PRODUCT#<sku>` | `PRODUCT` | `CATEGORY#<category>` / `PRICE#<cents>#<sku>` | |
//! | Order | `CUSTOMER#<id>` | `ORDER#<placed_at>#<order_id>` | `ORDER#<order_id>` / `ORDER` | `STATUS#<status>` / `<placed_at>#<order_id>` |
//! | OrderItem | `ORDER#<order_id>` | `ITEM#<sku>` | `ORDER#<order_id>` / `ITEM#<sku>` | `PRODUCT#<sku>` / `ORDER#<order_id>` |
//!
//! # Access patterns, and the query each uses
//!
//! 1. Customer by id: `db.get(Customer::key(id))`.
//! 2. Customer by e-mail (GSI1; the e-mail is also `unique`, so no two customers share
//!    it): `Customer::by_gsi1().email(e).first(&db)`.
//! 3. A customer's orders, newest first: `Order::query().customer_id(c).descending()`.
//! 4. A customer with their orders, in one query (collection `CustomerOrders`, the
//!    customer's partition): `CustomerOrders::query().customer_id(c).all(&db)`.
//! 5. Order by id (GSI1): `Order::by_gsi1().order_id(o).first(&db)`.
//! 6. An order with its items, in one query (collection `OrderDetails` on GSI1):
//!    `OrderDetails::query().order_id(o).all(&db)`.
//! 7. Product by SKU: `db.get(Product::key(sku))`.
//! 8. Products of a category by price (GSI1): `Product::by_gsi1().category(c)
//!    .price_cents_range().le(max)`.
//! 9. Orders by status and date (GSI2): `Order::by_gsi2().status(s).placed_at_range().ge(t)`.
//! 10. A customer's open orders: `Order::query().customer_id(c)
//!     .filter(Order::STATUS.ne(OrderStatus::Delivered))`.
//! 11. The orders holding a product (GSI2): `OrderItem::by_gsi2().sku(s)`.
//!
//! # Writes
//!
//! - Customers have `created_at`/`updated_at` from the client's clock, a validated
//!   e-mail (`validate = "valid_email"`, failures are `Error::Invalid` naming the field)
//!   and a unique e-mail (`Error::UniqueConflict`).
//! - Products are versioned (`#[entity(version)]`): two stock-takers editing the same
//!   product from the same read, the second gets `Error::VersionConflict`, re-reads and
//!   retries.
//! - Checkout is one transaction: the order, its items, and for each item a stock
//!   decrement conditioned on `stock >= quantity`, plus a check that the customer
//!   exists. A checkout asking for more than the stock is cancelled as a whole: the
//!   typed cancellation reasons name the failing action (its index, entity and key),
//!   and nothing is written.

use std::sync::Arc;
use std::time::Duration;

use singletable::clock::{Clock, ManualClock};
use singletable::prelude::*;
use singletable::Error;

/// The one table of the shop.
#[derive(Table)]
#[table(
    name = "Shop",
    pk = "PK",
    sk = "SK",
    gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
    gsi(name = "GSI2", pk = "GSI2PK", sk = "GSI2SK")
)]
struct Shop;

/// An e-mail address must look like one.
fn valid_email(email: &String) -> Result<(), String> {
    match email.split_once('@') {
        Some((user, domain)) if !user.is_empty() && domain.contains('.') => Ok(()),
        _ => Err(format!("`{email}` is not an e-mail address")),
    }
}

/// A customer, findable by e-mail.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "CUSTOMER#{customer_id}", sk = "PROFILE",
         index(GSI1, pk = "EMAIL#{email}", sk = "CUSTOMER"))]
struct Customer {
    customer_id: String,
    #[entity(unique, validate = "valid_email")]
    email: String,
    name: String,
    #[entity(created_at)]
    created_at: Option<Timestamp>,
    #[entity(updated_at)]
    updated_at: Option<Timestamp>,
}

/// A product, listed in its category by price; its stock is guarded by a version.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "PRODUCT#{sku}", sk = "PRODUCT",
         index(GSI1, pk = "CATEGORY#{category}", sk = "PRICE#{price_cents}#{sku}"))]
struct Product {
    sku: String,
    category: String,
    name: String,
    price_cents: i64,
    stock: u32,
    #[entity(version)]
    version: u64,
}

/// Where an order is.
#[derive(Attribute, Debug, Clone, Copy, PartialEq, Eq)]
enum OrderStatus {
    /// Paid, waiting to ship.
    Placed,
    /// On its way.
    Shipped,
    /// Arrived.
    Delivered,
}

/// An order, in its customer's partition, newest last; by id through GSI1, by status
/// and date through GSI2.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "CUSTOMER#{customer_id}", sk = "ORDER#{placed_at}#{order_id}",
         index(GSI1, pk = "ORDER#{order_id}", sk = "ORDER"),
         index(GSI2, pk = "STATUS#{status}", sk = "{placed_at}#{order_id}"))]
struct Order {
    customer_id: String,
    order_id: String,
    placed_at: Timestamp,
    status: OrderStatus,
    total_cents: i64,
}

/// A line of an order: beside its order in GSI1, beside its product in GSI2.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "ORDER#{order_id}", sk = "ITEM#{sku}",
         index(GSI1, pk = "ORDER#{order_id}", sk = "ITEM#{sku}"),
         index(GSI2, pk = "PRODUCT#{sku}", sk = "ORDER#{order_id}"))]
struct OrderItem {
    order_id: String,
    sku: String,
    quantity: u32,
    price_cents: i64,
}

/// A customer and their orders: one query of the customer's partition.
#[derive(Collection, Debug, Default)]
#[collection(table = Shop)]
struct CustomerOrders {
    customer: Option<Customer>,
    orders: Vec<Order>,
}

/// An order and its items: one query of the order's GSI1 partition.
#[derive(Collection, Debug, Default)]
#[collection(table = Shop, index = GSI1)]
struct OrderDetails {
    order: Option<Order>,
    items: Vec<OrderItem>,
}

/// Where the example runs.
enum Target {
    /// The embedded engine (the default).
    Engine,
    /// A DynamoDB endpoint (DynamoDB Local, `singletable serve`).
    Endpoint(String),
    /// DynamoDB from the AWS environment.
    Aws,
}

#[cfg_attr(test, allow(dead_code))]
fn target() -> Result<Target, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => Ok(Target::Engine),
        ["--endpoint", url] => Ok(Target::Endpoint((*url).to_owned())),
        ["--aws"] => Ok(Target::Aws),
        _ => Err("usage: ecommerce [--endpoint <url> | --aws]".to_owned()),
    }
}

async fn client(target: &Target) -> Result<TableClient<Shop>, Box<dyn std::error::Error>> {
    match target {
        Target::Engine => Ok(Shop::client(MemoryBackend::new())),
        #[cfg(feature = "aws")]
        Target::Endpoint(url) => Ok(Shop::client(AwsBackend::from_endpoint(url.clone()))),
        #[cfg(feature = "aws")]
        Target::Aws => Ok(Shop::client(AwsBackend::from_env().await?)),
        #[cfg(not(feature = "aws"))]
        Target::Endpoint(url) => Err(format!("--endpoint {url} needs the `aws` feature").into()),
        #[cfg(not(feature = "aws"))]
        Target::Aws => Err("--aws needs the facade's `aws` feature".into()),
    }
}

/// Reads with `read` until `ready` holds (at most 20 times, 250 ms apart), and returns
/// the last read. GSIs are eventually consistent on DynamoDB (no strong reads): a query
/// right after a write may not see it yet. The engine's indexes are up to date at once.
async fn settled<T, F, Fut>(mut read: F, ready: impl Fn(&T) -> bool) -> singletable::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = singletable::Result<T>>,
{
    let mut reads = 0;
    loop {
        let value = read().await?;
        reads += 1;
        if reads == 20 || ready(&value) {
            return Ok(value);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// One line of a checkout: which product, how many.
struct Line<'a> {
    sku: &'a str,
    quantity: u32,
}

/// Checkout: the order, its items and the stock decrements, all or nothing.
async fn checkout(
    db: &TableClient<Shop>,
    order: &Order,
    lines: &[Line<'_>],
) -> Result<(), singletable::CommitError> {
    let mut products = Vec::new();
    for line in lines {
        let product = db
            .get(Product::key(line.sku))
            .await
            .map_err(|error| singletable::CommitError { error, actions: Vec::new() })?;
        products.push(product);
    }
    let mut tx = db
        .transact()
        .condition_check(Customer::key(order.customer_id.clone()), Customer::exists())
        .put_if_not_exists(order);
    for (line, product) in lines.iter().zip(&products) {
        let price_cents = product.as_ref().map_or(0, |p| p.price_cents);
        tx = tx
            .put_if_not_exists(&OrderItem {
                order_id: order.order_id.clone(),
                sku: line.sku.to_owned(),
                quantity: line.quantity,
                price_cents,
            })
            .update(
                db.update(Product::key(line.sku))
                    .subtract(Product::STOCK, line.quantity)
                    .condition(Product::STOCK.ge(line.quantity)),
            )
            .return_old_on_failure();
    }
    tx.commit_detailed().await
}

#[tokio::main(flavor = "current_thread")]
#[cfg_attr(test, allow(dead_code))]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(target()?).await
}

/// The whole example, on `target`.
async fn run(target: Target) -> Result<(), Box<dyn std::error::Error>> {
    let suffix = match target {
        Target::Engine => String::new(),
        // The table may hold other runs' items: this run's ids are its own.
        _ => format!("-{}", Timestamp::now().unix_millis()),
    };
    let id = |text: &str| format!("{text}{suffix}");
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(1_764_072_000)));
    let db = client(&target).await?.with_clock(clock.clone());
    match db.create_table().await {
        Ok(table) => println!("created table {} ({:?})", table.table_name, table.table_status),
        Err(Error::ResourceInUse { .. }) if !matches!(target, Target::Engine) => {
            println!("table Shop exists: using it")
        }
        Err(error) => return Err(error.into()),
    }

    // Customers: timestamps from the clock, a validated and unique e-mail.
    let ann = Customer {
        customer_id: id("c-ann"),
        email: format!("ann{suffix}@example.com"),
        name: "Ann".into(),
        created_at: None,
        updated_at: None,
    };
    db.put(&ann).await?;
    let bad = Customer { customer_id: id("c-bad"), email: "nobody".into(), ..ann.clone() };
    match db.put(&bad).await {
        Err(Error::Invalid { field, message, .. }) => {
            println!("refused e-mail {:?}: field {} {message}", bad.email, field.unwrap_or("?"));
            assert_eq!(field, Some("email"));
        }
        other => return Err(format!("expected a validation error, got {other:?}").into()),
    }
    let copycat = Customer { customer_id: id("c-copy"), ..ann.clone() };
    match db.put(&copycat).await {
        Err(Error::UniqueConflict { attribute, .. }) => {
            println!(
                "refused a second customer with e-mail {}: `{attribute}` is unique",
                ann.email
            );
            assert_eq!(attribute, "email");
        }
        other => return Err(format!("expected a unique conflict, got {other:?}").into()),
    }

    // Products, in two categories.
    let teaware = id("teaware");
    let products = [
        ("kyusu", &teaware, "Kyusu teapot", 4_500, 3),
        ("cup", &teaware, "Tea cup", 900, 10),
        ("tray", &teaware, "Bamboo tray", 2_500, 1),
        ("sencha", &id("tea"), "Sencha 100 g", 1_200, 40),
    ];
    for (sku, category, name, price_cents, stock) in products {
        let product = Product {
            sku: id(sku),
            category: category.clone(),
            name: name.into(),
            price_cents,
            stock,
            version: 0,
        };
        db.put(&product).await?;
    }
    println!("put {} products", products.len());

    // 1. Customer by id.
    let found = db.get(Customer::key(id("c-ann"))).consistent().await?;
    let found = found.ok_or("customer c-ann is missing")?;
    println!("customer by id: {} <{}>, created {:?}", found.name, found.email, found.created_at);
    assert_eq!(found.created_at, Some(clock.now()));

    // 2. Customer by e-mail.
    let by_email =
        settled(|| Customer::by_gsi1().email(ann.email.clone()).first(&db), Option::is_some)
            .await?;
    println!("customer by e-mail: {:?}", by_email.as_ref().map(|c| &c.customer_id));
    assert_eq!(by_email.map(|c| c.customer_id), Some(id("c-ann")));

    // 7. Product by SKU.
    let kyusu = db.get(Product::key(id("kyusu"))).consistent().await?.ok_or("no kyusu")?;
    println!(
        "product by SKU: {} at {} cents, {} in stock (version {})",
        kyusu.name, kyusu.price_cents, kyusu.stock, kyusu.version
    );
    assert_eq!((kyusu.stock, kyusu.version), (3, 1));

    // 8. Products of a category up to a price, cheapest first.
    let affordable = settled(
        || Product::by_gsi1().category(teaware.clone()).price_cents_range().le(3_000).all(&db),
        |p| p.len() >= 2,
    )
    .await?;
    let names: Vec<&str> = affordable.iter().map(|p| p.name.as_str()).collect();
    println!("teaware up to 30.00: {names:?}");
    assert_eq!(names, ["Tea cup", "Bamboo tray"]);

    // Optimistic locking: two stock-takers read the cups at the same version; the
    // second write is refused, re-reads and applies its change on top.
    let cups = db.get(Product::key(id("cup"))).consistent().await?.ok_or("no cups")?;
    let mut first = cups.clone();
    first.stock += 5; // a delivery
    db.put(&first).await?;
    let mut second = cups.clone();
    second.stock -= 2; // two broken cups
    match db.put(&second).await {
        Err(Error::VersionConflict { expected, actual, .. }) => {
            println!("stale stock write refused: expected version {expected:?}, found {actual:?}");
            assert_eq!((expected, actual), (Some(1), Some(2)));
        }
        other => return Err(format!("expected a version conflict, got {other:?}").into()),
    }
    let mut fresh = db.get(Product::key(id("cup"))).consistent().await?.ok_or("no cups")?;
    fresh.stock -= 2;
    db.put(&fresh).await?;
    let cups = db.get(Product::key(id("cup"))).consistent().await?.ok_or("no cups")?;
    println!("cups after both stock-takers: {} (version {})", cups.stock, cups.version);
    assert_eq!((cups.stock, cups.version), (13, 3));

    // Checkout: order, items and stock decrements in one transaction.
    let placed = |minutes: i64| Timestamp::from_unix_millis(1_764_072_000_000 + minutes * 60_000);
    let first_order = Order {
        customer_id: id("c-ann"),
        order_id: id("o-1"),
        placed_at: placed(1),
        status: OrderStatus::Placed,
        total_cents: 4_500 + 2 * 900,
    };
    checkout(
        &db,
        &first_order,
        &[Line { sku: &id("kyusu"), quantity: 1 }, Line { sku: &id("cup"), quantity: 2 }],
    )
    .await
    .map_err(|failure| failure.error)?;
    clock.advance(Duration::from_secs(600));
    let second_order = Order {
        order_id: id("o-2"),
        placed_at: placed(30),
        total_cents: 1_200 * 3,
        ..first_order.clone()
    };
    checkout(&db, &second_order, &[Line { sku: &id("sencha"), quantity: 3 }])
        .await
        .map_err(|failure| failure.error)?;
    println!("checked out {} and {}", first_order.order_id, second_order.order_id);

    // A checkout asking for more kyusu than there are: cancelled, with reasons.
    let greedy = Order {
        order_id: id("o-3"),
        placed_at: placed(45),
        total_cents: 9 * 4_500 + 900,
        ..first_order.clone()
    };
    let lines = [Line { sku: &id("cup"), quantity: 1 }, Line { sku: &id("kyusu"), quantity: 9 }];
    match checkout(&db, &greedy, &lines).await {
        Err(failure) => {
            println!("checkout of {} cancelled: {}", greedy.order_id, failure.error);
            let failed = failure.failed();
            for reason in &failed {
                let old: Option<Product> = reason.old()?;
                println!(
                    "  action {} ({:?} {}): {}; stock was {:?}",
                    reason.action.index,
                    reason.action.kind,
                    reason.action.entity,
                    reason.code(),
                    old.map(|p| p.stock)
                );
            }
            // condition check, order, (item, stock) per line: the kyusu decrement is 5.
            let indexes: Vec<(usize, &str, &str)> =
                failed.iter().map(|f| (f.action.index, f.action.entity, f.code())).collect();
            assert_eq!(indexes, [(5, "Product", "ConditionalCheckFailed")]);
        }
        Ok(()) => return Err("the greedy checkout should have failed".into()),
    }
    // Nothing of it was written.
    assert_eq!(Order::by_gsi1().order_id(id("o-3")).first(&db).await?, None);
    assert_eq!(db.get(OrderItem::key(id("o-3"), id("cup"))).consistent().await?, None);
    let cups = db.get(Product::key(id("cup"))).consistent().await?.ok_or("no cups")?;
    let kyusu = db.get(Product::key(id("kyusu"))).consistent().await?.ok_or("no kyusu")?;
    println!("after the cancelled checkout: {} cups, {} kyusu", cups.stock, kyusu.stock);
    assert_eq!((cups.stock, kyusu.stock), (11, 2));

    // 3. A customer's orders, newest first.
    let orders = Order::query().customer_id(id("c-ann")).descending().consistent().all(&db).await?;
    let ids: Vec<&str> = orders.iter().map(|o| o.order_id.as_str()).collect();
    println!("orders of c-ann, newest first: {ids:?}");
    assert_eq!(ids, [id("o-2"), id("o-1")]);

    // 4. The customer and their orders in one query.
    let everything = CustomerOrders::query().customer_id(id("c-ann")).consistent().all(&db).await?;
    println!(
        "collection: {:?} with {} orders",
        everything.customer.as_ref().map(|c| &c.name),
        everything.orders.len()
    );
    assert!(everything.customer.is_some());
    assert_eq!(everything.orders.len(), 2);

    // 5. Order by id.
    let by_id =
        settled(|| Order::by_gsi1().order_id(id("o-1")).first(&db), Option::is_some).await?;
    println!("order by id: {by_id:?}");
    assert_eq!(by_id.as_ref(), Some(&first_order));

    // 6. The order and its items in one query.
    let details = settled(
        || OrderDetails::query().order_id(id("o-1")).all(&db),
        |d| d.order.is_some() && d.items.len() >= 2,
    )
    .await?;
    let items: Vec<(&str, u32)> =
        details.items.iter().map(|i| (i.sku.as_str(), i.quantity)).collect();
    println!("order o-1 holds {items:?}");
    assert_eq!(details.order.as_ref(), Some(&first_order));
    assert_eq!(items, [(id("cup").as_str(), 2), (id("kyusu").as_str(), 1)]);

    // Shipping o-1 moves it to another status partition of GSI2.
    db.update(Order::key(id("c-ann"), first_order.placed_at, id("o-1")))
        .set(Order::STATUS, OrderStatus::Shipped)
        .await?;

    // 9. Orders by status and date, this run's only.
    let placed_orders = settled(
        || Order::by_gsi2().status(OrderStatus::Placed).placed_at_range().ge(placed(0)).all(&db),
        |orders| orders.iter().filter(|o| o.customer_id == id("c-ann")).count() == 1,
    )
    .await?;
    let ours: Vec<&str> = placed_orders
        .iter()
        .filter(|o| o.customer_id == id("c-ann"))
        .map(|o| o.order_id.as_str())
        .collect();
    println!("placed orders since 12:00: {ours:?}");
    assert_eq!(ours, [id("o-2")]);

    // 10. A customer's open orders.
    let open = Order::query()
        .customer_id(id("c-ann"))
        .consistent()
        .filter(Order::STATUS.ne(OrderStatus::Delivered))
        .all(&db)
        .await?;
    println!("open orders of c-ann: {}", open.len());
    assert_eq!(open.len(), 2);

    // 11. The orders holding a product.
    let with_cups =
        settled(|| OrderItem::by_gsi2().sku(id("cup")).all(&db), |items| !items.is_empty()).await?;
    let ids: Vec<&str> = with_cups.iter().map(|i| i.order_id.as_str()).collect();
    println!("orders with cups: {ids:?}");
    assert_eq!(ids, [id("o-1")]);

    // Renaming updates `updated_at` from the clock, never `created_at`.
    let renamed: Customer =
        db.update(Customer::key(id("c-ann"))).set(Customer::NAME, "Ann Lee").return_new().await?;
    println!("renamed: created {:?}, updated {:?}", renamed.created_at, renamed.updated_at);
    assert_eq!(renamed.updated_at, Some(clock.now()));
    assert!(renamed.created_at < renamed.updated_at);

    if !matches!(target, Target::Engine) {
        // Leave nothing behind (the table stays).
        for order in [&first_order, &second_order] {
            for item in OrderDetails::query().order_id(order.order_id.clone()).all(&db).await?.items
            {
                db.delete(OrderItem::key(item.order_id, item.sku)).await?;
            }
            db.delete(Order::key(
                order.customer_id.clone(),
                order.placed_at,
                order.order_id.clone(),
            ))
            .await?;
        }
        for (sku, ..) in products {
            db.delete(Product::key(id(sku))).await?;
        }
        db.delete(Customer::key(id("c-ann"))).await?;
        println!("deleted this run's items");
    }
    Ok(())
}

/// `cargo test --example ecommerce`: the example runs to completion, its asserts hold, on
/// the embedded engine and on DynamoDB Local.
#[cfg(test)]
mod tests {
    use super::{run, Target};

    #[tokio::test]
    async fn runs_on_the_embedded_engine() {
        if let Err(error) = run(Target::Engine).await {
            panic!("the example failed on the engine: {error}");
        }
    }

    #[cfg(feature = "aws")]
    #[tokio::test]
    async fn runs_on_dynamodb_local() {
        let Some(local) = singletable_testkit::DynamoDbLocal::start_or_skip() else { return };
        if let Err(error) = run(Target::Endpoint(local.endpoint())).await {
            panic!("the example failed on DynamoDB Local: {error}");
        }
    }
}
