//! Collections end to end: entities sharing a partition read by one query and returned
//! grouped by entity type, on the table and on a GSI.

use singletable::prelude::*;
use singletable::Error;

#[derive(Table)]
#[table(name = "Coll", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
struct Coll;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Coll, pk = "USER#{user_id}", sk = "PROFILE", index(GSI1, pk = "ORG#{org}", sk = "USER#{user_id}"))]
struct User {
    user_id: String,
    org: String,
    name: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Coll, pk = "USER#{user_id}", sk = "ORDER#{order_id}", index(GSI1, pk = "ORG#{org}", sk = "ORDER#{order_id}"))]
struct Order {
    user_id: String,
    order_id: String,
    org: String,
    total_cents: i64,
}

/// Not a member: shares the partition, never decoded by the collection.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Coll, pk = "USER#{user_id}", sk = "NOTE#{seq}")]
struct Note {
    user_id: String,
    seq: u32,
}

/// A user with their orders: one query of the user's partition.
#[derive(Collection, Debug, Default, PartialEq)]
#[collection(table = Coll)]
struct UserWithOrders {
    user: Option<User>,
    orders: Vec<Order>,
}

/// Everyone and everything of an organisation, through GSI1.
#[derive(Collection, Debug, Default, PartialEq)]
#[collection(table = Coll, index = GSI1)]
struct Organisation {
    users: Vec<User>,
    orders: Vec<Order>,
}

fn user(id: &str, org: &str) -> User {
    User { user_id: id.into(), org: org.into(), name: id.to_uppercase() }
}

fn order(user: &str, id: &str, org: &str, total: i64) -> Order {
    Order { user_id: user.into(), order_id: id.into(), org: org.into(), total_cents: total }
}

async fn seeded() -> TableClient<Coll> {
    let db = Coll::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    db.put(&user("u1", "acme")).await.unwrap();
    db.put(&user("u2", "acme")).await.unwrap();
    db.put(&user("u3", "globex")).await.unwrap();
    for (u, o, org, t) in [
        ("u1", "o1", "acme", 100),
        ("u1", "o2", "acme", 200),
        ("u2", "o3", "acme", 300),
        ("u3", "o4", "globex", 400),
    ] {
        db.put(&order(u, o, org, t)).await.unwrap();
    }
    db.put(&Note { user_id: "u1".into(), seq: 1 }).await.unwrap();
    db
}

#[tokio::test]
async fn one_query_returns_a_user_and_their_orders() {
    let db = seeded().await;
    let everything = UserWithOrders::query().user_id("u1").all(&db).await.unwrap();
    assert_eq!(
        everything,
        UserWithOrders {
            user: Some(user("u1", "acme")),
            orders: vec![order("u1", "o1", "acme", 100), order("u1", "o2", "acme", 200)],
        }
    );
    let nobody = UserWithOrders::query().user_id("u9").all(&db).await.unwrap();
    assert_eq!(nobody, UserWithOrders::default());
    let first = UserWithOrders::query().user_id("u1").limit(2).send(&db).await.unwrap();
    let cursor = first.cursor.expect("more to read");
    let rest =
        UserWithOrders::query().user_id("u1").limit(2).cursor(cursor).all(&db).await.unwrap();
    assert_eq!(first.items.orders.len() + rest.orders.len(), 2);
    assert_eq!(first.items.user.is_some() as usize + rest.user.is_some() as usize, 1);
}

#[tokio::test]
async fn a_collection_on_an_index() {
    let db = seeded().await;
    let acme = Organisation::query().org("acme").all(&db).await.unwrap();
    assert_eq!(acme.users, vec![user("u1", "acme"), user("u2", "acme")]);
    let mut totals: Vec<i64> = acme.orders.iter().map(|o| o.total_cents).collect();
    totals.sort_unstable();
    assert_eq!(totals, [100, 200, 300]);
    // A cursor of one collection is refused by another partition's query.
    let page = Organisation::query().org("acme").limit(1).send(&db).await.unwrap();
    let err = Organisation::query()
        .org("globex")
        .cursor(page.cursor.unwrap())
        .send(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCursor { .. }), "{err:?}");
}

#[test]
fn the_query_reads_the_partition_of_the_members_types() {
    let input = UserWithOrders::query().user_id("u1").into_collection_query().input().unwrap();
    assert_eq!(input.key_condition.sort, vec![]);
    assert_eq!(format!("{:?}", input.filter).matches("Value(S(").count(), 2, "{:?}", input.filter);
    assert_eq!(<UserWithOrders as singletable::Collection>::ENTITY_TYPES, ["User", "Order"]);
}
