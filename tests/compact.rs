//! `#[entity(compact)]` (issue 21, A.3): a compact entity stores the fields of its key
//! templates only inside the keys, as hand-written single-table designs do. The same
//! scenario runs on the embedded engine and on DynamoDB Local (the testkit's jar; under
//! `CI=true` a missing Java fails the test): the stored items hold no key-field attribute,
//! and every read path (get, queries on the table and an index, a filter on another field,
//! batches, transactions), every write path (put, update, the composite update of an index
//! key, batch and transaction writes) and a migration from the non-compact model work.
//! Stream images decode on the engine's change feed. What does not compile (a filter,
//! condition or update of a key-only field) is pinned in `tests/ui/compact_*.rs`.

use std::collections::BTreeSet;

use singletable::backend::{GetItemInput, PutItemInput};
use singletable::migrate::{ApplyOptions, Model, Plan};
use singletable::prelude::*;
use singletable::stream::Change;
use singletable::{AttributeValue, Backend, Changes, Item};

#[derive(Table)]
#[table(
    name = "CompactApp",
    pk = "PK",
    sk = "SK",
    gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
    stream = new_and_old_images
)]
/// The table of the compact entities.
pub struct App;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(
    table = App,
    compact,
    pk = "USER#{user_id}",
    sk = "PROFILE",
    index(GSI1, pk = "EMAIL#{email}", sk = "USER")
)]
struct User {
    user_id: String,
    email: String,
    name: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(
    table = App,
    compact,
    pk = "USER#{user_id}",
    sk = "ORDER#{placed_at}#{order_id}",
    index(GSI1, pk = "STATUS#{status}", sk = "{total_cents}#{order_id}")
)]
struct Order {
    user_id: String,
    order_id: String,
    placed_at: u32,
    status: String,
    total_cents: i64,
    note: Option<String>,
}

#[derive(Changes, Debug, Clone, PartialEq)]
#[changes(table = App)]
enum AppChange {
    User(Change<User>),
    Order(Change<Order>),
}

/// The same table and `User` before `compact`: every field also an attribute.
mod before {
    use singletable::prelude::*;

    #[derive(Entity, Debug, Clone, PartialEq)]
    #[entity(
        table = super::App,
        pk = "USER#{user_id}",
        sk = "PROFILE",
        index(GSI1, pk = "EMAIL#{email}", sk = "USER")
    )]
    pub struct User {
        pub user_id: String,
        pub email: String,
        pub name: String,
    }
}

fn user(id: &str, email: &str, name: &str) -> User {
    User { user_id: id.into(), email: email.into(), name: name.into() }
}

fn order(user: &str, id: &str, at: u32, status: &str, cents: i64) -> Order {
    Order {
        user_id: user.into(),
        order_id: id.into(),
        placed_at: at,
        status: status.into(),
        total_cents: cents,
        note: (cents > 1_000).then(|| format!("large order {id}")),
    }
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

/// The item as stored, read with a raw `GetItem`.
async fn raw(db: &TableClient<App>, pk: &str, sk: &str) -> Item {
    let key: Item = [("PK", s(pk)), ("SK", s(sk))]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
    let input = GetItemInput { table_name: "CompactApp".into(), key, ..GetItemInput::default() };
    db.backend().get_item(input).await.unwrap().item.unwrap_or_else(|| panic!("{pk}/{sk} stored"))
}

fn names(item: &Item) -> BTreeSet<&str> {
    item.keys().map(String::as_str).collect()
}

fn ids(orders: &[Order]) -> Vec<&str> {
    orders.iter().map(|o| o.order_id.as_str()).collect()
}

/// Everything a compact entity does, on one backend.
async fn scenario(db: &TableClient<App>) {
    db.create_table().await.unwrap();
    let ann = user("u1", "ann@x.io", "Ann");
    db.put(&ann).await.unwrap();
    let orders = [
        order("u1", "o1", 3, "open", 500),
        order("u1", "o2", 17, "open", 2_500),
        order("u1", "o3", 250, "shipped", 1_200),
    ];
    for o in &orders {
        db.put(o).await.unwrap();
    }

    // Stored: keys, entity type and the other fields; no key field as an attribute.
    let stored = raw(db, "USER#u1", "PROFILE").await;
    assert_eq!(
        names(&stored),
        BTreeSet::from(["PK", "SK", "GSI1PK", "GSI1SK", "_type", "name"]),
        "{stored:?}"
    );
    assert_eq!(stored["GSI1PK"], s("EMAIL#ann@x.io"));
    let o2 = raw(db, "USER#u1", "ORDER#0000000017#o2").await;
    assert_eq!(
        names(&o2),
        BTreeSet::from(["PK", "SK", "GSI1PK", "GSI1SK", "_type", "note"]),
        "{o2:?}"
    );

    // Reads decode every field from the keys.
    assert_eq!(db.get(User::key("u1")).await.unwrap(), Some(ann.clone()));
    assert_eq!(db.get(Order::key("u1", 17u32, "o2")).await.unwrap(), Some(orders[1].clone()));
    let all = Order::query().user_id("u1").all(db).await.unwrap();
    assert_eq!(all, orders);
    let later = Order::query().user_id("u1").placed_at_range().ge(17u32).all(db).await.unwrap();
    assert_eq!(ids(&later), ["o2", "o3"]);
    let by_email = User::by_gsi1().email("ann@x.io").first(db).await.unwrap();
    assert_eq!(by_email, Some(ann.clone()));
    let open = Order::by_gsi1().status("open").all(db).await.unwrap();
    assert_eq!(ids(&open), ["o1", "o2"], "index sort key `{{total_cents}}#{{order_id}}`");
    // A filter on a stored field works; on a key-only field it does not compile.
    let noted = Order::query().user_id("u1").filter(Order::NOTE.exists()).all(db).await.unwrap();
    assert_eq!(ids(&noted), ["o2", "o3"]);

    // Updates: a stored field by path, an index key through its composite.
    db.update(User::key("u1")).set(User::NAME, "Ann B").await.unwrap();
    db.update(User::key("u1")).set_composite(User::gsi1_composite("ann@y.io")).await.unwrap();
    let moved = raw(db, "USER#u1", "PROFILE").await;
    assert_eq!(moved["GSI1PK"], s("EMAIL#ann@y.io"));
    assert!(!moved.contains_key("email"), "{moved:?}");
    let ann = user("u1", "ann@y.io", "Ann B");
    assert_eq!(db.get(User::key("u1")).await.unwrap(), Some(ann.clone()));
    assert_eq!(User::by_gsi1().email("ann@x.io").first(db).await.unwrap(), None);
    assert_eq!(User::by_gsi1().email("ann@y.io").first(db).await.unwrap(), Some(ann.clone()));
    db.update(Order::key("u1", 3u32, "o1"))
        .set_composite(Order::gsi1_composite("shipped", 700))
        .await
        .unwrap();
    let shipped = Order::by_gsi1().status("shipped").all(db).await.unwrap();
    assert_eq!(ids(&shipped), ["o1", "o3"]);
    assert_eq!(shipped[0].total_cents, 700);

    // Batches.
    let bob = user("u2", "bob@x.io", "Bob");
    let cid = user("u3", "cid@x.io", "Cid");
    db.batch_write().put_all(&[bob.clone(), cid.clone()]).await.unwrap();
    assert_eq!(names(&raw(db, "USER#u2", "PROFILE").await).len(), 6);
    let mut read = db.batch_get([User::key("u2"), User::key("u3")]).await.unwrap();
    read.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    assert_eq!(read, [bob.clone(), cid.clone()]);

    // Transactions.
    let o4 = order("u2", "o4", 9, "open", 4_200);
    db.transact()
        .put(&o4)
        .update(db.update(User::key("u2")).set(User::NAME, "Bob C"))
        .commit()
        .await
        .unwrap();
    let (got_bob, got_o4) = db
        .transact_get()
        .get(User::key("u2"))
        .get(Order::key("u2", 9u32, "o4"))
        .send()
        .await
        .unwrap();
    assert_eq!(got_bob, Some(user("u2", "bob@x.io", "Bob C")));
    assert_eq!(got_o4, Some(o4));
    assert!(!raw(db, "USER#u2", "ORDER#0000000009#o4").await.contains_key("order_id"));
}

#[tokio::test]
async fn a_compact_entity_reads_and_writes_on_the_engine() {
    scenario(&App::client(MemoryBackend::new())).await;
}

#[tokio::test]
async fn a_compact_entity_reads_and_writes_on_dynamodb_local() {
    let Some(local) = singletable_testkit::DynamoDbLocal::start_or_skip() else { return };
    scenario(&App::client(singletable::AwsBackend::from_endpoint(local.endpoint()))).await;
}

/// Stream images (NEW and OLD) of a compact entity decode from their keys.
#[tokio::test]
async fn stream_images_of_a_compact_entity_decode() {
    let engine = MemoryBackend::new();
    let db = App::client(engine.clone());
    db.create_table().await.unwrap();
    let mut feed = engine.changes("CompactApp").expect("a stream");
    let ann = user("u1", "ann@x.io", "Ann");
    db.put(&ann).await.unwrap();
    db.update(User::key("u1")).set_composite(User::gsi1_composite("ann@y.io")).await.unwrap();
    db.delete(User::key("u1")).await.unwrap();
    let mut typed = Vec::new();
    for _ in 0..3 {
        let record = feed.recv().await.expect("open").expect("no error");
        typed.push(AppChange::from_record(record).expect("typed"));
    }
    let moved = user("u1", "ann@y.io", "Ann");
    let keys = ("u1".to_owned(),);
    assert_eq!(
        typed,
        [
            AppChange::User(Change::Insert { keys: keys.clone(), new: Some(ann.clone()) }),
            AppChange::User(Change::Modify {
                keys: keys.clone(),
                old: Some(ann),
                new: Some(moved.clone())
            }),
            AppChange::User(Change::Remove { keys, old: Some(moved), system: false }),
        ]
    );
}

/// Turning `compact` on: the plan removes the key fields' attributes from items written
/// before (their keys stay), and the items then read as the compact entity.
#[tokio::test]
async fn a_migration_to_compact_removes_the_key_field_attributes() {
    let backend = MemoryBackend::new();
    let old_db = TableClient::<App>::new(backend.clone());
    old_db.create_table().await.unwrap();
    for i in 0..20 {
        let old = before::User {
            user_id: format!("u{i:02}"),
            email: format!("user{i}@x.io"),
            name: format!("User {i}"),
        };
        old_db.put(&old).await.unwrap();
    }
    // An item of another writer, untouched by the plan (not an entity of the model).
    let mut other = Item::new();
    other.insert("PK".into(), s("CONFIG"));
    other.insert("SK".into(), s("CONFIG"));
    let put = PutItemInput { table_name: "CompactApp".into(), item: other, ..Default::default() };
    backend.put_item(put).await.unwrap();
    assert!(raw(&old_db, "USER#u00", "PROFILE").await.contains_key("email"));

    let plan = Plan::between(
        Model::new(App::SCHEMA, [before::User::SCHEMA]),
        Model::new(App::SCHEMA, [User::SCHEMA]),
    );
    assert!(plan.refused.is_empty(), "{plan}");
    assert_eq!(plan.rewrites.len(), 1, "{plan}");
    assert_eq!(plan.rewrites[0].removed_attributes, ["user_id", "email"], "{plan}");
    let report = old_db.migrate(&plan, &ApplyOptions::default()).await.unwrap();
    assert_eq!(report.updated, 20, "{report:?}");
    for i in [0, 7, 19] {
        let stored = raw(&old_db, &format!("USER#u{i:02}"), "PROFILE").await;
        assert_eq!(
            names(&stored),
            BTreeSet::from(["PK", "SK", "GSI1PK", "GSI1SK", "_type", "name"])
        );
        let found = User::by_gsi1().email(format!("user{i}@x.io")).first(&old_db).await.unwrap();
        assert_eq!(
            found,
            Some(user(&format!("u{i:02}"), &format!("user{i}@x.io"), &format!("User {i}")))
        );
    }
    // A second apply writes nothing; and the way back needs no write either.
    let again = old_db.migrate(&plan, &ApplyOptions::default()).await.unwrap();
    assert_eq!(again.updated, 0, "{again:?}");
    let back = Plan::between(
        Model::new(App::SCHEMA, [User::SCHEMA]),
        Model::new(App::SCHEMA, [before::User::SCHEMA]),
    );
    assert!(!back.rewrites_items(), "{back}");
    assert!(back.notes.iter().any(|n| n.contains("User.email: kept only in keys")), "{back}");
    let old = old_db.get(before::User::key("u07")).await.unwrap().expect("decodes from keys");
    assert_eq!(old.email, "user7@x.io");
}

/// A key field with a stale attribute (written by non-compact code after the switch)
/// reads from the keys, which are what queries see.
#[tokio::test]
async fn the_keys_win_over_a_stale_attribute() {
    let db = App::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    db.put(&user("u1", "ann@x.io", "Ann")).await.unwrap();
    let mut item = raw(&db, "USER#u1", "PROFILE").await;
    item.insert("email".into(), s("stale@x.io"));
    let put = PutItemInput { table_name: "CompactApp".into(), item, ..Default::default() };
    db.backend().put_item(put).await.unwrap();
    let read = db.get(User::key("u1")).await.unwrap().unwrap();
    assert_eq!(read.email, "ann@x.io");
}
