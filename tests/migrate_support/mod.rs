//! The models and scenarios of the migration tests, shared by the engine
//! (`tests/migrate.rs`) and DynamoDB Local (`tests/migrate_local.rs`). Each scenario
//! takes a backend and a size, builds its own table, and asserts.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use singletable::backend::counting::CountingBackend;
use singletable::backend::ScanInput;
use singletable::expr::Condition;
use singletable::migrate::{ApplyOptions, Plan};
use singletable::prelude::*;
use singletable::{AttributeValue, Backend};

/// The model the table holds: users and their orders, one GSI by order id.
pub mod v1 {
    use singletable::prelude::*;

    #[derive(Table)]
    #[table(
        name = "Migrate",
        pk = "PK",
        sk = "SK",
        gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK")
    )]
    pub struct App;

    #[derive(Entity, Debug, Clone, PartialEq)]
    #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
    pub struct User {
        pub user_id: String,
        pub email: String,
    }

    #[derive(Entity, Debug, Clone, PartialEq)]
    #[entity(table = App, pk = "USER#{user_id}", sk = "ORDER#{order_id}",
             index(GSI1, pk = "ORDER#{order_id}", sk = "ORDER"))]
    pub struct Order {
        pub user_id: String,
        pub order_id: String,
        pub status: String,
        pub total: i64,
    }

    /// The old model as a migration sees it.
    pub fn model() -> singletable::migrate::Model {
        singletable::migrate::Model::new(App::SCHEMA, [User::SCHEMA, Order::SCHEMA])
    }
}

/// A new access pattern: orders by status (GSI2, synthetic keys), users by email.
pub mod v2 {
    use singletable::prelude::*;

    #[derive(Table)]
    #[table(
        name = "Migrate",
        pk = "PK",
        sk = "SK",
        gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
        gsi(name = "GSI2", pk = "GSI2PK", sk = "GSI2SK")
    )]
    pub struct App;

    #[derive(Entity, Debug, Clone, PartialEq)]
    #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE",
             index(GSI2, pk = "EMAIL#{email}", sk = "USER"))]
    pub struct User {
        pub user_id: String,
        pub email: String,
    }

    #[derive(Entity, Debug, Clone, PartialEq)]
    #[entity(table = App, pk = "USER#{user_id}", sk = "ORDER#{order_id}",
             index(GSI1, pk = "ORDER#{order_id}", sk = "ORDER"),
             index(GSI2, pk = "STATUS#{status}", sk = "{user_id}#{order_id}"))]
    pub struct Order {
        pub user_id: String,
        pub order_id: String,
        pub status: String,
        pub total: i64,
    }

    /// The new model as a migration sees it.
    pub fn model() -> singletable::migrate::Model {
        singletable::migrate::Model::new(App::SCHEMA, [User::SCHEMA, Order::SCHEMA])
    }
}

/// A key-template change: orders move under `CUSTOMER#{user_id}`.
pub mod v3 {
    use singletable::prelude::*;

    #[derive(Table)]
    #[table(
        name = "Migrate",
        pk = "PK",
        sk = "SK",
        gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK")
    )]
    pub struct App;

    #[derive(Entity, Debug, Clone, PartialEq)]
    #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
    pub struct User {
        pub user_id: String,
        pub email: String,
    }

    #[derive(Entity, Debug, Clone, PartialEq)]
    #[entity(table = App, pk = "CUSTOMER#{user_id}", sk = "ORDER#{order_id}",
             index(GSI1, pk = "ORDER#{order_id}", sk = "ORDER"))]
    pub struct Order {
        pub user_id: String,
        pub order_id: String,
        pub status: String,
        pub total: i64,
    }

    /// The moved model as a migration sees it.
    pub fn model() -> singletable::migrate::Model {
        singletable::migrate::Model::new(App::SCHEMA, [User::SCHEMA, Order::SCHEMA])
    }
}

/// New fields with defaults: users gain a login count (`#[entity(default)]`: 0), orders
/// a currency (`default = "fn"`: EUR). Same table as v1.
pub mod v4 {
    use singletable::prelude::*;

    #[derive(Table)]
    #[table(
        name = "Migrate",
        pk = "PK",
        sk = "SK",
        gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK")
    )]
    pub struct App;

    #[derive(Entity, Debug, Clone, PartialEq)]
    #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
    pub struct User {
        pub user_id: String,
        pub email: String,
        #[entity(default)]
        pub logins: u32,
    }

    /// The currency of orders written before it existed.
    pub fn default_currency() -> String {
        "EUR".to_owned()
    }

    #[derive(Entity, Debug, Clone, PartialEq)]
    #[entity(table = App, pk = "USER#{user_id}", sk = "ORDER#{order_id}",
             index(GSI1, pk = "ORDER#{order_id}", sk = "ORDER"))]
    pub struct Order {
        pub user_id: String,
        pub order_id: String,
        pub status: String,
        pub total: i64,
        #[entity(default = "default_currency")]
        pub currency: String,
    }

    /// The model with defaults as a migration sees it.
    pub fn model() -> singletable::migrate::Model {
        singletable::migrate::Model::new(App::SCHEMA, [User::SCHEMA, Order::SCHEMA])
    }
}

pub const STATUSES: [&str; 3] = ["open", "paid", "shipped"];

/// `items` items: one user per four orders (`items / 5` users, each with 4 orders).
pub fn seed_data(items: usize) -> (Vec<v1::User>, Vec<v1::Order>) {
    let users = items / 5;
    let mut u = Vec::new();
    let mut o = Vec::new();
    for i in 0..users {
        let user_id = format!("u{i:05}");
        u.push(v1::User { user_id: user_id.clone(), email: format!("{user_id}@example.com") });
        for j in 0..4 {
            o.push(v1::Order {
                user_id: user_id.clone(),
                order_id: format!("o{i:05}-{j}"),
                status: STATUSES[(i + j) % 3].to_owned(),
                total: i64::try_from(i * 10 + j).expect("a small total"),
            });
        }
    }
    (u, o)
}

/// A fresh v1 table holding [`seed_data`], as a client over `backend`.
pub async fn seeded(
    backend: Arc<dyn Backend>,
    items: usize,
) -> (TableClient<v1::App>, Vec<v1::Order>) {
    let db = TableClient::<v1::App>::from_shared(backend);
    let _ = db.delete_table().await;
    db.create_table().await.expect("create the v1 table");
    let (users, orders) = seed_data(items);
    db.batch_write().put_all(&users).await.expect("seed users");
    db.batch_write().put_all(&orders).await.expect("seed orders");
    (db, orders)
}

/// Fast options for tests: small pages (many checkpoints), no waiting between polls.
pub fn options(segments: u32) -> ApplyOptions {
    ApplyOptions {
        segments,
        page_size: Some(250),
        poll_interval: std::time::Duration::from_millis(200),
        ..ApplyOptions::default()
    }
}

/// Every order, by id, with its status, read through v2's GSI2 (one query per status).
async fn orders_by_status(db: &TableClient<v2::App>) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for status in STATUSES {
        let orders = v2::Order::by_gsi2().status(status).all(db).await.expect("query GSI2");
        for order in orders {
            assert_eq!(order.status, status, "GSI2 returned {} under {status}", order.order_id);
            let previous = found.insert(order.order_id.clone(), order.status.clone());
            assert!(previous.is_none(), "{} returned twice", order.order_id);
        }
    }
    found
}

/// Every order as a full scan reads it: id → status.
async fn orders_by_scan(db: &TableClient<v2::App>) -> BTreeMap<String, String> {
    v2::Order::scan()
        .all(db)
        .await
        .expect("scan orders")
        .into_iter()
        .map(|o| (o.order_id, o.status))
        .collect()
}

/// A 1-item check of the user access pattern: `by_gsi2().email(..)`.
async fn check_users(db: &TableClient<v2::App>, items: usize) {
    let users = items / 5;
    for i in [0, users / 2, users - 1] {
        let email = format!("u{i:05}@example.com");
        let user = v2::User::by_gsi2().email(&email).first(db).await.expect("query users");
        assert_eq!(user.map(|u| u.user_id), Some(format!("u{i:05}")));
    }
}

/// A table of `items` items gains GSI2 with synthetic keys; afterwards the new access
/// pattern returns exactly the right orders, and users are found by email.
pub async fn gains_an_index(backend: Arc<dyn Backend>, items: usize) {
    let (db, orders) = seeded(backend, items).await;
    let plan = Plan::between(v1::model(), v2::model());
    assert!(plan.refused.is_empty(), "{plan}");
    assert_eq!(plan.before.len(), 1, "{plan}");
    assert_eq!(plan.rewrites.len(), 2, "{plan}");
    let report = db.migrate(&plan, &options(4)).await.expect("apply");
    assert!(report.completed, "{report:?}");
    assert_eq!(report.table_changes, ["create GSI GSI2 (GSI2PK HASH, GSI2SK RANGE)"]);
    assert_eq!(report.updated, items as u64, "{report:?}");
    assert_eq!(report.unchanged + report.moved + report.vanished, 0, "{report:?}");
    let v2db = TableClient::<v2::App>::from_shared(db.backend().clone());
    let expected: BTreeMap<String, String> =
        orders.iter().map(|o| (o.order_id.clone(), o.status.clone())).collect();
    assert_eq!(orders_by_status(&v2db).await, expected);
    check_users(&v2db, items).await;
    // The migration's own items are in the table, but no typed read returns them.
    let status = singletable::migrate::status(db.backend().as_ref(), &v2::App::SCHEMA, None)
        .await
        .expect("status");
    assert_eq!(status.applied.len(), 1);
    assert_eq!(status.applied[0].id, plan.id);
    assert_eq!(status.applied[0].written, items as u64);
    // What the scan met beside the entities: only the migration's own items.
    assert_eq!(report.scanned, items as u64 + report.not_entities, "{report:?}");
    assert!(report.not_entities <= 5, "{report:?}");
    assert_eq!(v2::Order::scan().all(&v2db).await.unwrap().len(), orders.len());
    assert_eq!(v2::User::scan().all(&v2db).await.unwrap().len(), items / 5);
}

/// A run stopped after `items / 3` writes (as if killed) and run again: every item is
/// written exactly once over both runs, and the new index is complete.
pub async fn killed_and_resumed(backend: Arc<dyn Backend>, items: usize) {
    let (db, orders) = seeded(backend, items).await;
    let plan = Plan::between(v1::model(), v2::model());
    let stop = (items / 3) as u64;
    let first = db
        .migrate(&plan, &ApplyOptions { stop_after_writes: Some(stop), ..options(4) })
        .await
        .expect("first run");
    assert!(first.stopped && !first.completed, "{first:?}");
    // Segments run concurrently: each may finish the write it had in flight.
    assert!((stop..stop + 4).contains(&first.updated), "{first:?}");
    let status = singletable::migrate::status(
        db.backend().as_ref(),
        &v2::App::SCHEMA,
        Some(plan.id.as_str()),
    )
    .await
    .expect("status");
    assert!(status.applied.is_empty());
    assert_eq!(status.in_progress.len(), 4);
    assert!(status.in_progress.iter().any(|s| !s.done));
    let second = db.migrate(&plan, &options(4)).await.expect("second run");
    assert!(second.completed, "{second:?}");
    assert_eq!(first.updated + second.updated, items as u64, "{first:?} {second:?}");
    assert!(second.unchanged <= 4 * 250, "only redone pages hold unchanged items: {second:?}");
    let v2db = TableClient::<v2::App>::from_shared(db.backend().clone());
    let expected: BTreeMap<String, String> =
        orders.iter().map(|o| (o.order_id.clone(), o.status.clone())).collect();
    assert_eq!(orders_by_status(&v2db).await, expected);
}

/// Writers change order statuses (with the new model's code) and add orders while the
/// migration runs; afterwards GSI2 agrees with the items, and every writer's change is
/// there.
pub async fn concurrent_writers(backend: Arc<dyn Backend>, items: usize) {
    let (db, _) = seeded(backend, items).await;
    let plan = Plan::between(v1::model(), v2::model());
    let v2db = TableClient::<v2::App>::from_shared(db.backend().clone());
    let writer_db = v2db.clone();
    let users = items / 5;
    let writer = tokio::spawn(async move {
        let mut changed = BTreeMap::new();
        for k in 0..users.min(400) {
            let i = (k * 7919) % users;
            let order_id = format!("o{i:05}-1");
            writer_db
                .update(v2::Order::key(format!("u{i:05}"), order_id.clone()))
                .set(v2::Order::STATUS, "returned".to_owned())
                .await
                .expect("writer update");
            changed.insert(order_id, "returned".to_owned());
            let new = v2::Order {
                user_id: format!("u{i:05}"),
                order_id: format!("n{k:05}"),
                status: "open".into(),
                total: 1,
            };
            writer_db.put(&new).await.expect("writer put");
            changed.insert(new.order_id, "open".to_owned());
            tokio::task::yield_now().await;
        }
        changed
    });
    let report = db.migrate(&plan, &options(4)).await.expect("apply");
    let changed = writer.await.expect("writer task");
    assert!(report.completed, "{report:?}");
    let scanned = orders_by_scan(&v2db).await;
    for (order_id, status) in &changed {
        assert_eq!(scanned.get(order_id), Some(status), "{order_id}: the writer's change was lost");
    }
    let mut by_status = BTreeMap::new();
    for status in STATUSES.iter().chain(&["returned"]) {
        for order in v2::Order::by_gsi2().status(*status).all(&v2db).await.unwrap() {
            assert_eq!(&order.status, status);
            by_status.insert(order.order_id, order.status);
        }
    }
    assert_eq!(by_status, scanned, "GSI2 must hold every order under its current status");
}

/// Orders move to `CUSTOMER#{user_id}`: every order is moved, no old key remains, and the
/// typed v3 reads find every order.
pub async fn moves_every_item(backend: Arc<dyn Backend>, items: usize) {
    let (db, orders) = seeded(backend, items).await;
    let plan = Plan::between(v1::model(), v3::model());
    assert!(plan.rewrites.iter().any(|r| r.moves), "{plan}");
    let report = db.migrate(&plan, &options(4)).await.expect("apply");
    assert!(report.completed, "{report:?}");
    assert_eq!(report.moved, orders.len() as u64, "{report:?}");
    assert!(report.conflicts.is_empty(), "{report:?}");
    let mut keys = BTreeSet::new();
    let mut start = None;
    loop {
        let page = db
            .backend()
            .scan(ScanInput {
                table_name: "Migrate".into(),
                exclusive_start_key: start,
                ..ScanInput::default()
            })
            .await
            .unwrap();
        for item in &page.items {
            let (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) =
                (item.get("PK"), item.get("SK"))
            else {
                panic!("an item without S keys: {item:?}");
            };
            keys.insert((pk.clone(), sk.clone()));
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    let old_orders =
        keys.iter().filter(|(pk, sk)| pk.starts_with("USER#") && sk.starts_with("ORDER#"));
    assert_eq!(old_orders.count(), 0, "an order is still under its old key");
    for order in &orders {
        let key = (format!("CUSTOMER#{}", order.user_id), format!("ORDER#{}", order.order_id));
        assert!(keys.contains(&key), "{key:?} missing");
    }
    let v3db = TableClient::<v3::App>::from_shared(db.backend().clone());
    let mut read = v3::Order::scan().all(&v3db).await.unwrap();
    read.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    let mut expected: Vec<v3::Order> = orders
        .iter()
        .map(|o| v3::Order {
            user_id: o.user_id.clone(),
            order_id: o.order_id.clone(),
            status: o.status.clone(),
            total: o.total,
        })
        .collect();
    expected.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    assert_eq!(read, expected);
    let one = &orders[orders.len() / 2];
    let got = v3db.get(v3::Order::key(one.user_id.clone(), one.order_id.clone())).await.unwrap();
    assert_eq!(got.map(|o| o.total), Some(one.total));
}

/// A second apply of a completed plan sends no write at all (counted); a third with
/// another plan object of the same models does not either.
pub async fn second_apply_writes_nothing<B: Backend>(backend: B, items: usize) {
    let counting = Arc::new(CountingBackend::new(backend));
    let shared: Arc<dyn Backend> = counting.clone();
    let (db, _) = seeded(shared, items).await;
    let plan = Plan::between(v1::model(), v2::model());
    let first = db.migrate(&plan, &options(2)).await.expect("first apply");
    assert!(first.completed);
    counting.reset();
    let again = Plan::between(v1::model(), v2::model());
    let second = db.migrate(&again, &options(2)).await.expect("second apply");
    assert!(second.already_applied, "{second:?}");
    let counts = counting.counts();
    let writes = counts.put_item
        + counts.update_item
        + counts.delete_item
        + counts.batch_write_item
        + counts.transact_write_items
        + counts.update_table
        + counts.update_time_to_live;
    assert_eq!(writes, 0, "{counts:?}");
    assert_eq!(counts.scan, 0, "{counts:?}");
}

/// After a completed apply, code of the old model writes orders in the old shape (no
/// GSI2 keys): a plain second apply does nothing (the history holds the plan), while
/// `rescan` scans again and rewrites exactly those orders, keeping no checkpoint; a
/// second rescan writes nothing.
pub async fn rescan_catches_late_old_writes<B: Backend>(backend: B, items: usize) {
    let counting = Arc::new(CountingBackend::new(backend));
    let shared: Arc<dyn Backend> = counting.clone();
    let (db, mut orders) = seeded(shared, items).await;
    let plan = Plan::between(v1::model(), v2::model());
    assert!(db.migrate(&plan, &options(2)).await.expect("apply").completed);
    // Old code keeps writing: three new orders, and one existing order changes status.
    let mut late: Vec<v1::Order> = (0..3)
        .map(|j| v1::Order {
            user_id: "u00000".into(),
            order_id: format!("late-{j}"),
            status: STATUSES[j % 3].to_owned(),
            total: 1,
        })
        .collect();
    let mut changed = orders[0].clone();
    changed.status = if changed.status == STATUSES[0] { STATUSES[1] } else { STATUSES[0] }.into();
    late.push(changed.clone());
    for order in &late {
        db.put(order).await.expect("old-model write");
    }
    orders[0] = changed;
    orders.extend(late[..3].iter().cloned());
    let expected: BTreeMap<String, String> =
        orders.iter().map(|o| (o.order_id.clone(), o.status.clone())).collect();
    let v2db = TableClient::<v2::App>::from_shared(db.backend().clone());
    assert_ne!(orders_by_status(&v2db).await, expected, "the late writes are not in GSI2");

    let again = db.migrate(&plan, &options(2)).await.expect("second apply");
    assert!(again.already_applied && again.scanned == 0, "{again:?}");
    counting.reset();
    let rescan = ApplyOptions { rescan: true, ..options(2) };
    let report = db.migrate(&plan, &rescan).await.expect("rescan");
    assert!(report.already_applied && report.completed, "{report:?}");
    assert_eq!(report.updated, late.len() as u64, "{report:?}");
    assert_eq!(report.scanned, items as u64 + 3 + report.not_entities, "{report:?}");
    assert_eq!(counting.counts().update_item, late.len() as u64);
    assert_eq!(orders_by_status(&v2db).await, expected);
    let second = db.migrate(&plan, &rescan).await.expect("second rescan");
    assert_eq!((second.updated, second.moved), (0, 0), "{second:?}");
    assert!(second.scanned >= items as u64, "{second:?}");
}

/// The sampled estimate counts, per entity, what the apply would write: after a run
/// stopped part way, a sample of the whole table finds exactly the items not yet
/// rewritten; a smaller sample reads that many items and scales its share.
pub async fn sampled_estimate_counts_what_is_left(backend: Arc<dyn Backend>, items: usize) {
    let (db, _) = seeded(backend, items).await;
    let plan = Plan::between(v1::model(), v2::model());
    let full = singletable::migrate::estimate(db.backend().as_ref(), &plan).await.unwrap();
    assert_eq!(full.sample, None);
    let stop = ApplyOptions { stop_after_writes: Some(items as u64 / 3), ..options(2) };
    let stopped = db.migrate(&plan, &stop).await.expect("stopped run");
    assert!(stopped.stopped && stopped.updated >= items as u64 / 3, "{stopped:?}");

    let all = u32::try_from(items * 2).unwrap();
    let exact = singletable::migrate::estimate_sampled(db.backend().as_ref(), &plan, all)
        .await
        .expect("sampled estimate");
    let sample = exact.sample.as_ref().expect("a sample");
    assert_eq!(sample.writes(), items as u64 - stopped.updated, "{exact}");
    let sampled: Vec<(&str, u64)> = sample.entities.iter().map(|e| (e.entity, e.sampled)).collect();
    let mut sampled = sampled;
    sampled.sort_unstable();
    assert_eq!(sampled, [("Order", items as u64 * 4 / 5), ("User", items as u64 / 5)]);
    assert_eq!(sample.scanned, items as u64 + sample.not_entities, "{exact}");
    assert!(sample.not_entities >= 1, "the migration's own items: {exact}");
    assert!(exact.write_units < full.write_units, "{exact}\n{full}");
    assert!(exact.to_string().contains("User: "), "{exact}");

    let part = singletable::migrate::estimate_sampled(db.backend().as_ref(), &plan, 300)
        .await
        .expect("sampled estimate");
    let sample = part.sample.as_ref().expect("a sample");
    assert_eq!(sample.scanned, 300);
    let counted: u64 = sample.entities.iter().map(|e| e.sampled).sum::<u64>() + sample.not_entities;
    assert_eq!(counted, 300);
    // Finish the run: nothing is left to write.
    assert!(db.migrate(&plan, &options(2)).await.expect("resume").completed);
    let done = singletable::migrate::estimate_sampled(db.backend().as_ref(), &plan, all)
        .await
        .expect("sampled estimate");
    assert_eq!(done.sample.as_ref().map(|s| s.writes()), Some(0), "{done}");
    assert_eq!(done.write_units, 0.0, "{done}");
}

/// Every item of the table (raw Scan, optionally filtered), migration items excluded.
async fn raw_items(db: &TableClient<v1::App>, filter: Option<Condition>) -> Vec<singletable::Item> {
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = db
            .backend()
            .scan(ScanInput {
                table_name: "Migrate".into(),
                exclusive_start_key: start,
                filter: filter.clone(),
                ..ScanInput::default()
            })
            .await
            .expect("raw scan");
        out.extend(page.items.into_iter().filter(|item| {
            matches!(item.get("SK"), Some(AttributeValue::S(sk)) if sk == "PROFILE" || sk.starts_with("ORDER#"))
        }));
        start = page.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    out
}

/// v1 → v4 adds two fields with defaults: the apply writes each default into every old
/// item (a raw filter on the new attribute finds them all), items written by v4 code,
/// before or during the apply, keep their own values, a second apply sends no write, and
/// a rescan writes the default into exactly the items old code wrote afterwards.
pub async fn defaults_fill_old_items<B: Backend>(backend: B, items: usize) {
    let counting = Arc::new(CountingBackend::new(backend));
    let shared: Arc<dyn Backend> = counting.clone();
    let (db, orders) = seeded(shared, items).await;
    let users = items / 5;
    let plan = Plan::between(v1::model(), v4::model());
    assert!(plan.refused.is_empty(), "{plan}");
    let text = plan.to_string();
    assert!(text.contains("`logins` = {\"N\":\"0\"} where absent"), "{text}");
    assert!(text.contains("`currency` = {\"S\":\"EUR\"} where absent"), "{text}");
    let v4db = TableClient::<v4::App>::from_shared(db.backend().clone());
    // v4 code wrote some items before the apply: they hold their own values.
    let mut own_logins = BTreeMap::new();
    for i in (0..users).step_by(10) {
        let user = v4::User {
            user_id: format!("u{i:05}"),
            email: format!("u{i:05}@example.com"),
            logins: 7,
        };
        v4db.put(&user).await.expect("v4 user put");
        own_logins.insert(format!("USER#u{i:05}"), "7".to_owned());
    }
    // And v4 code writes orders while the apply runs.
    let writer_db = v4db.clone();
    let writer_orders: Vec<v1::Order> = orders.iter().step_by(7).cloned().collect();
    let writer = tokio::spawn(async move {
        let mut own = BTreeMap::new();
        for order in writer_orders {
            let order = v4::Order {
                user_id: order.user_id,
                order_id: order.order_id,
                status: order.status,
                total: order.total,
                currency: "USD".into(),
            };
            writer_db.put(&order).await.expect("v4 order put");
            own.insert(format!("ORDER#{}", order.order_id), "USD".to_owned());
            tokio::task::yield_now().await;
        }
        own
    });
    let report = db.migrate(&plan, &options(2)).await.expect("apply");
    let own_currency = writer.await.expect("writer task");
    assert!(report.completed, "{report:?}");
    assert!(report.updated >= (items - own_logins.len() - own_currency.len()) as u64, "{report:?}");

    let all = raw_items(&db, None).await;
    assert_eq!(all.len(), items);
    for item in &all {
        let (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) =
            (item.get("PK"), item.get("SK"))
        else {
            panic!("an item without S keys: {item:?}");
        };
        if sk == "PROFILE" {
            let expected = own_logins.get(pk.as_str()).map_or("0", String::as_str);
            assert_eq!(
                item.get("logins"),
                Some(&AttributeValue::N(expected.parse().unwrap())),
                "{item:?}"
            );
            assert!(item.get("currency").is_none(), "{item:?}");
        } else {
            let expected = own_currency.get(sk.as_str()).map_or("EUR", String::as_str);
            assert_eq!(item.get("currency"), Some(&AttributeValue::S(expected.into())), "{item:?}");
            assert!(item.get("logins").is_none(), "{item:?}");
        }
    }
    // A filter on the new attributes finds every item.
    let exists = |a: &str| Condition::AttributeExists(singletable::expr::Path::attribute(a));
    assert_eq!(raw_items(&db, Some(exists("logins"))).await.len(), users);
    assert_eq!(raw_items(&db, Some(exists("currency"))).await.len(), items - users);
    // The typed v4 reads agree.
    let read = v4::Order::scan().all(&v4db).await.expect("v4 scan");
    assert_eq!(read.len(), items - users);
    assert_eq!(read.iter().filter(|o| o.currency == "USD").count(), own_currency.len());

    // A second apply sends no write.
    counting.reset();
    let again = db.migrate(&plan, &options(2)).await.expect("second apply");
    assert!(again.already_applied, "{again:?}");
    let counts = counting.counts();
    assert_eq!(counts.update_item + counts.put_item + counts.transact_write_items, 0, "{counts:?}");

    // Old code writes an order afterwards: a rescan writes the default into it alone.
    let late = v1::Order {
        user_id: "u00001".into(),
        order_id: "late".into(),
        status: "open".into(),
        total: 1,
    };
    db.put(&late).await.expect("old-model write");
    counting.reset();
    let rescan = ApplyOptions { rescan: true, ..options(2) };
    let report = db.migrate(&plan, &rescan).await.expect("rescan");
    assert_eq!((report.updated, report.moved), (1, 0), "{report:?}");
    assert_eq!(counting.counts().update_item, 1);
    let late = v4db.get(v4::Order::key("u00001".to_owned(), "late".to_owned())).await.expect("get");
    assert_eq!(late.map(|o| o.currency), Some("EUR".to_owned()));
    let second = db.migrate(&plan, &rescan).await.expect("second rescan");
    assert_eq!((second.updated, second.moved), (0, 0), "{second:?}");
}
