//! Queries and scans end to end on the embedded engine: typed key conditions on the
//! table, GSIs, an LSI and a native multi-attribute GSI, every filter operator against
//! hand-computed expectations, projections, descending order, limits, pagination through
//! cursors (and the refusal of foreign and altered cursors), streams over many pages, and
//! parallel scans. Plus the requests the builders produce.

use singletable::backend::Select;
use singletable::expr::{Comparator, Condition, KeyCondition, Operand, Path, SortKeyCondition};
use singletable::prelude::*;
use singletable::{AttributeType, AttributeValue, Cursor, Error, Number};

#[derive(Table)]
#[table(name = "Shop", pk = "PK", sk = "SK",
        gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
        gsi(name = "ByTenant", pk = ["tenant_id", "region"], sk = ["score:N", "joined"]),
        gsi(name = "Keys", pk = "KPK", projection = keys_only),
        lsi(name = "LSI1", sk = "LSI1SK"))]
struct Shop;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "USER#{user_id}", sk = "PROFILE",
         index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
struct User {
    user_id: String,
    email: String,
    name: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "USER#{user_id}", sk = "ORDER#{placed_at}#{order_id}",
         index(GSI1, pk = "ORDER#{order_id}", sk = "ORDER"),
         index(LSI1, sk = "TOTAL#{total_cents}"),
         index(Keys, pk = "STATUS#{status}"))]
struct Order {
    user_id: String,
    order_id: String,
    placed_at: Timestamp,
    total_cents: i64,
    status: String,
    tags: Vec<String>,
    note: Option<String>,
    shipping: Option<Address>,
}

#[derive(Attribute, Debug, Clone, PartialEq)]
struct Address {
    city: String,
    zip: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "USER#{user_id}", sk = "NOTE#{seq}")]
struct Note {
    user_id: String,
    seq: u32,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "MEMBER#{member_id}", sk = "MEMBER",
         index(ByTenant, pk = [tenant_id, region], sk = [score, joined]))]
struct Member {
    member_id: String,
    tenant_id: String,
    region: String,
    score: Option<i64>,
    joined: String,
}

fn at(day: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_700_000_000_000 + day * 86_400_000)
}

fn order(user: &str, id: &str, day: i64, total: i64) -> Order {
    Order {
        user_id: user.into(),
        order_id: id.into(),
        placed_at: at(day),
        total_cents: total,
        status: if total > 1_000 { "big".into() } else { "small".into() },
        tags: vec![format!("t{}", total % 3)],
        note: (day % 2 == 0).then(|| format!("note {id}")),
        shipping: (day == 3).then(|| Address { city: "Paris".into(), zip: "75001".into() }),
    }
}

/// u1: orders o1..o5 on days 1..5 with totals 500, 1500, 2500, 700, 3000; a profile and
/// notes in the same partition; u2: one order.
async fn seeded() -> TableClient<Shop> {
    let db = Shop::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    db.put(&User { user_id: "u1".into(), email: "ann@x.io".into(), name: "Ann".into() })
        .await
        .unwrap();
    for (day, total) in (1..).zip([500, 1_500, 2_500, 700, 3_000]) {
        db.put(&order("u1", &format!("o{day}"), day, total)).await.unwrap();
    }
    for seq in 0..3 {
        db.put(&Note { user_id: "u1".into(), seq }).await.unwrap();
    }
    db.put(&order("u2", "o9", 2, 9_000)).await.unwrap();
    db
}

fn ids(orders: &[Order]) -> Vec<&str> {
    orders.iter().map(|o| o.order_id.as_str()).collect()
}

#[tokio::test]
async fn a_partition_query_returns_only_this_entity_in_sort_order() {
    let db = seeded().await;
    let orders = Order::query().user_id("u1").all(&db).await.unwrap();
    assert_eq!(ids(&orders), ["o1", "o2", "o3", "o4", "o5"]);
    let notes = Note::query().user_id("u1").all(&db).await.unwrap();
    assert_eq!(notes.len(), 3);
    let users = User::query().user_id("u1").all(&db).await.unwrap();
    assert_eq!(users.len(), 1);
    let descending = Order::query().user_id("u1").descending().all(&db).await.unwrap();
    assert_eq!(ids(&descending), ["o5", "o4", "o3", "o2", "o1"]);
}

#[tokio::test]
async fn sort_key_conditions_on_the_first_field() {
    let db = seeded().await;
    let q = || Order::query().user_id("u1");
    assert_eq!(ids(&q().placed_at_range().lt(at(3)).all(&db).await.unwrap()), ["o1", "o2"]);
    assert_eq!(ids(&q().placed_at_range().le(at(3)).all(&db).await.unwrap()), ["o1", "o2", "o3"]);
    assert_eq!(ids(&q().placed_at_range().gt(at(3)).all(&db).await.unwrap()), ["o4", "o5"]);
    assert_eq!(ids(&q().placed_at_range().ge(at(3)).all(&db).await.unwrap()), ["o3", "o4", "o5"]);
    assert_eq!(
        ids(&q().placed_at_range().between(at(2), at(4)).all(&db).await.unwrap()),
        ["o2", "o3", "o4"]
    );
    assert_eq!(ids(&q().placed_at(at(4)).all(&db).await.unwrap()), ["o4"]);
    assert!(q().placed_at_range().between(at(4), at(2)).all(&db).await.unwrap().is_empty());
    // Bounds outside the data still stay inside the entity: no notes, no profile.
    assert_eq!(q().placed_at_range().gt(at(-100)).all(&db).await.unwrap().len(), 5);
    assert_eq!(q().placed_at_range().lt(at(100)).all(&db).await.unwrap().len(), 5);
}

#[tokio::test]
async fn sort_key_conditions_on_the_second_field() {
    let db = Shop::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    // Same day, ids sharing prefixes: "a" < "ab" < "abc" < "b".
    for id in ["a", "ab", "abc", "b"] {
        db.put(&order("u1", id, 1, 100)).await.unwrap();
    }
    db.put(&order("u1", "a", 2, 100)).await.unwrap();
    let q = || Order::query().user_id("u1").placed_at(at(1));
    assert_eq!(ids(&q().all(&db).await.unwrap()), ["a", "ab", "abc", "b"]);
    assert_eq!(ids(&q().order_id_range().gt("ab").all(&db).await.unwrap()), ["abc", "b"]);
    assert_eq!(ids(&q().order_id_range().ge("ab").all(&db).await.unwrap()), ["ab", "abc", "b"]);
    assert_eq!(ids(&q().order_id_range().lt("abc").all(&db).await.unwrap()), ["a", "ab"]);
    assert_eq!(ids(&q().order_id_range().le("ab").all(&db).await.unwrap()), ["a", "ab"]);
    assert_eq!(
        ids(&q().order_id_range().between("ab", "abc").all(&db).await.unwrap()),
        ["ab", "abc"]
    );
    assert_eq!(ids(&q().order_id_range().begins_with("ab").all(&db).await.unwrap()), ["ab", "abc"]);
    let exact = q().order_id("ab").all(&db).await.unwrap();
    assert_eq!(ids(&exact), ["ab"]);
    assert_eq!(exact[0].placed_at, at(1));
}

#[tokio::test]
async fn gsi_lsi_and_keys_only_queries() {
    let db = seeded().await;
    let ann = User::by_gsi1().email("ann@x.io").first(&db).await.unwrap();
    assert_eq!(ann.map(|u| u.name), Some("Ann".to_owned()));
    assert_eq!(User::by_gsi1().email("nobody@x.io").first(&db).await.unwrap(), None);
    let o3 = Order::by_gsi1().order_id("o3").all(&db).await.unwrap();
    assert_eq!(ids(&o3), ["o3"]);
    // LSI: the user's orders by total, consistently.
    let big = Order::by_lsi1()
        .user_id("u1")
        .total_cents_range()
        .gt(1_000)
        .consistent()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(ids(&big), ["o2", "o3", "o5"]);
    let top = Order::by_lsi1().user_id("u1").descending().limit(1).send(&db).await.unwrap();
    assert_eq!(ids(&top.items), ["o5"]);
    // A KEYS_ONLY GSI holds no fields and no entity type: a plain read of whole orders
    // does not compile (tests/ui/keys_only_plain_read.rs); `keys()` gives the primary
    // keys, `hydrate()` the whole orders fetched from the table.
    let keys = Order::by_keys().status("big").keys().all(&db).await.unwrap();
    let mut keyed: Vec<String> =
        keys.iter().map(|k| Order::decode_key(k.attributes().unwrap()).unwrap().2).collect();
    keyed.sort();
    let mut whole = Order::by_keys().status("big").hydrate().all(&db).await.unwrap();
    whole.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    assert_eq!(keyed, ids(&whole));
    assert!(!whole.is_empty());
    for order in &whole {
        assert_eq!(order.status, "big");
        assert_eq!(db.get(order.primary_key()).await.unwrap().as_ref(), Some(order));
    }
}

#[tokio::test]
async fn native_multi_attribute_index_queries() {
    let db = Shop::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    let member = |id: &str, region: &str, score: Option<i64>, joined: &str| Member {
        member_id: id.into(),
        tenant_id: "t1".into(),
        region: region.into(),
        score,
        joined: joined.into(),
    };
    for m in [
        member("m1", "eu", Some(5), "2024-01"),
        member("m2", "eu", Some(5), "2024-03"),
        member("m3", "eu", Some(7), "2023-12"),
        member("m4", "us", Some(5), "2024-01"),
        member("m5", "eu", None, "2024-02"),
    ] {
        db.put(&m).await.unwrap();
    }
    let q = || Member::by_tenant().tenant_id("t1").region("eu");
    let names = |ms: Vec<Member>| ms.into_iter().map(|m| m.member_id).collect::<Vec<_>>();
    // m5 has no score: absent from the sparse index.
    assert_eq!(names(q().all(&db).await.unwrap()), ["m1", "m2", "m3"]);
    assert_eq!(names(q().score_range().ge(6).all(&db).await.unwrap()), ["m3"]);
    assert_eq!(names(q().score(5).all(&db).await.unwrap()), ["m1", "m2"]);
    assert_eq!(names(q().score(5).joined_range().gt("2024-01").all(&db).await.unwrap()), ["m2"]);
    assert_eq!(
        names(q().score(5).joined_range().begins_with("2024").all(&db).await.unwrap()),
        ["m1", "m2"]
    );
    assert_eq!(names(q().score(5).joined("2024-03").all(&db).await.unwrap()), ["m2"]);
    assert_eq!(
        names(q().score_range().between(1, 6).descending().all(&db).await.unwrap()),
        ["m2", "m1"]
    );
}

async fn filtered(db: &TableClient<Shop>, condition: singletable::Cond<Order>) -> Vec<String> {
    let orders = Order::query().user_id("u1").filter(condition).all(db).await.unwrap();
    orders.into_iter().map(|o| o.order_id).collect()
}

#[tokio::test]
async fn every_filter_operator() {
    let db = seeded().await;
    // Totals: o1 500, o2 1500, o3 2500, o4 700, o5 3000; notes on even days (o2, o4);
    // tags t{total % 3}: o1 t2, o2 t0, o3 t1, o4 t1, o5 t0; o3 ships to Paris.
    let expect = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(filtered(&db, Order::TOTAL_CENTS.eq(700)).await, expect(&["o4"]));
    assert_eq!(filtered(&db, Order::TOTAL_CENTS.ne(700)).await, expect(&["o1", "o2", "o3", "o5"]));
    assert_eq!(filtered(&db, Order::TOTAL_CENTS.lt(700)).await, expect(&["o1"]));
    assert_eq!(filtered(&db, Order::TOTAL_CENTS.le(700)).await, expect(&["o1", "o4"]));
    assert_eq!(filtered(&db, Order::TOTAL_CENTS.gt(1_000)).await, expect(&["o2", "o3", "o5"]));
    assert_eq!(filtered(&db, Order::TOTAL_CENTS.ge(2_500)).await, expect(&["o3", "o5"]));
    assert_eq!(filtered(&db, Order::TOTAL_CENTS.between(700, 1_500)).await, expect(&["o2", "o4"]));
    assert_eq!(filtered(&db, Order::TOTAL_CENTS.is_in([500, 3_000])).await, expect(&["o1", "o5"]));
    assert_eq!(filtered(&db, Order::STATUS.begins_with("bi")).await, expect(&["o2", "o3", "o5"]));
    assert_eq!(filtered(&db, Order::STATUS.contains("mal")).await, expect(&["o1", "o4"]));
    assert_eq!(filtered(&db, Order::TAGS.contains("t1")).await, expect(&["o3", "o4"]));
    assert_eq!(
        filtered(&db, Order::TAGS.size().eq(1)).await,
        expect(&["o1", "o2", "o3", "o4", "o5"])
    );
    assert_eq!(filtered(&db, Order::STATUS.size().gt(3)).await, expect(&["o1", "o4"]));
    assert_eq!(filtered(&db, Order::NOTE.exists()).await, expect(&["o2", "o4"]));
    assert_eq!(filtered(&db, Order::NOTE.not_exists()).await, expect(&["o1", "o3", "o5"]));
    assert_eq!(filtered(&db, Order::SHIPPING.is_type(AttributeType::M)).await, expect(&["o3"]));
    assert_eq!(
        filtered(&db, Order::SHIPPING.then(Address::CITY).eq("Paris")).await,
        expect(&["o3"])
    );
    assert_eq!(filtered(&db, Order::TAGS.at(0).eq("t0")).await, expect(&["o2", "o5"]));
    assert_eq!(
        filtered(&db, Order::TOTAL_CENTS.gt(1_000) & Order::NOTE.exists()).await,
        expect(&["o2"])
    );
    assert_eq!(
        filtered(&db, Order::TOTAL_CENTS.lt(600) | Order::TOTAL_CENTS.gt(2_600)).await,
        expect(&["o1", "o5"])
    );
    assert_eq!(filtered(&db, !Order::NOTE.exists()).await, expect(&["o1", "o3", "o5"]));
    assert_eq!(
        filtered(&db, Order::STATUS.eq("big").and(Order::TAGS.contains("t0").not())).await,
        expect(&["o3"])
    );
    // Two filters are joined with AND.
    let both = Order::query()
        .user_id("u1")
        .filter(Order::TOTAL_CENTS.gt(600))
        .filter(Order::TOTAL_CENTS.lt(2_000))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(ids(&both), ["o2", "o4"]);
}

#[tokio::test]
async fn projections_return_typed_partials() {
    let db = seeded().await;
    let partials = Order::query()
        .user_id("u1")
        .placed_at(at(3))
        .project((Order::TOTAL_CENTS, Order::SHIPPING.then(Address::CITY)))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(partials.len(), 1);
    let o3 = &partials[0];
    assert_eq!(o3.get(&Order::TOTAL_CENTS).unwrap(), Some(2_500));
    assert_eq!(o3.get(&Order::SHIPPING.then(Address::CITY)).unwrap(), Some("Paris".to_owned()));
    assert_eq!(o3.get(&Order::STATUS).unwrap(), None, "not projected");
    assert_eq!(o3.get(&Order::SHIPPING.then(Address::ZIP)).unwrap(), None);
}

#[tokio::test]
async fn limit_counts_items_evaluated_and_cursors_continue() {
    let db = seeded().await;
    let first = Order::query().user_id("u1").limit(2).send(&db).await.unwrap();
    assert_eq!(ids(&first.items), ["o1", "o2"]);
    let cursor = first.cursor.clone().expect("more pages");
    // A web client takes the cursor as text and hands it back.
    let text = cursor.to_string();
    assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{text}");
    let second =
        Order::query().user_id("u1").limit(2).cursor(Cursor::new(text)).send(&db).await.unwrap();
    assert_eq!(ids(&second.items), ["o3", "o4"]);
    let third = Order::query()
        .user_id("u1")
        .limit(2)
        .cursor(second.cursor.unwrap())
        .send(&db)
        .await
        .unwrap();
    assert_eq!(ids(&third.items), ["o5"]);
    // A page can end exactly at the last item and still carry a cursor; the next is empty.
    if let Some(cursor) = third.cursor {
        let fourth = Order::query().user_id("u1").limit(2).cursor(cursor).send(&db).await.unwrap();
        assert!(fourth.items.is_empty() && fourth.cursor.is_none());
    }
    // Limit counts items evaluated before the filter: a page may hold fewer.
    let filtered = Order::query()
        .user_id("u1")
        .filter(Order::TOTAL_CENTS.gt(1_000))
        .limit(2)
        .send(&db)
        .await
        .unwrap();
    assert_eq!(ids(&filtered.items), ["o2"]);
    assert_eq!(filtered.scanned_count, 2);
    assert!(filtered.cursor.is_some());
}

#[tokio::test]
async fn foreign_and_altered_cursors_are_refused() {
    let db = seeded().await;
    let page = Order::query().user_id("u1").limit(1).send(&db).await.unwrap();
    let cursor = page.cursor.unwrap();
    // Another query: another partition, another direction, another filter, another entity.
    let err = Order::query().user_id("u2").cursor(cursor.clone()).send(&db).await.unwrap_err();
    assert!(matches!(err, Error::InvalidCursor { .. }), "{err:?}");
    assert!(err.to_string().contains("another query"), "{err}");
    let err = Order::query()
        .user_id("u1")
        .descending()
        .cursor(cursor.clone())
        .send(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCursor { .. }));
    let err = Order::query()
        .user_id("u1")
        .filter(Order::TOTAL_CENTS.gt(1))
        .cursor(cursor.clone())
        .send(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCursor { .. }));
    let err = Note::query().user_id("u1").cursor(cursor.clone()).send(&db).await.unwrap_err();
    assert!(matches!(err, Error::InvalidCursor { .. }));
    // Altered: one character changed.
    let mut text = cursor.to_string().into_bytes();
    let last = text.len() - 3;
    text[last] = if text[last] == b'x' { b'y' } else { b'x' };
    let altered = Cursor::new(String::from_utf8(text).unwrap());
    let err = Order::query().user_id("u1").cursor(altered).send(&db).await.unwrap_err();
    assert!(matches!(err, Error::InvalidCursor { .. }), "{err:?}");
    assert_eq!(err.dynamodb_type(), None);
    // Garbage.
    let err = Order::query().user_id("u1").cursor("hello").send(&db).await.unwrap_err();
    assert!(matches!(err, Error::InvalidCursor { .. }));
}

#[tokio::test]
async fn signed_cursors_only_work_with_their_secret() {
    let db = seeded().await.with_cursor_secret(b"server secret");
    let page = Order::query().user_id("u1").limit(2).send(&db).await.unwrap();
    let cursor = page.cursor.unwrap();
    let next =
        Order::query().user_id("u1").limit(2).cursor(cursor.clone()).send(&db).await.unwrap();
    assert_eq!(ids(&next.items), ["o3", "o4"]);
    let other = db.clone().with_cursor_secret(b"another secret");
    let err = Order::query().user_id("u1").limit(2).cursor(cursor).send(&other).await.unwrap_err();
    assert!(matches!(err, Error::InvalidCursor { .. }));
}

#[tokio::test]
async fn streams_hold_one_page_at_a_time() {
    let db = Shop::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    for i in 0..25 {
        db.put(&order("u1", &format!("o{i:02}"), i, i * 100)).await.unwrap();
    }
    let mut pages = Order::query().user_id("u1").limit(4).pages(&db);
    let mut sizes = Vec::new();
    while let Some(page) = pages.next().await {
        sizes.push(page.unwrap().items.len());
    }
    assert_eq!(sizes.iter().sum::<usize>(), 25);
    assert!(sizes.len() >= 7, "{sizes:?}");
    assert!(sizes.iter().all(|s| *s <= 4));
    let mut items = Order::query().user_id("u1").limit(3).descending().stream(&db);
    let mut seen = Vec::new();
    while let Some(order) = items.next().await {
        seen.push(order.unwrap().total_cents);
    }
    assert_eq!(seen, (0..25).rev().map(|i| i * 100).collect::<Vec<i64>>());
}

#[tokio::test]
async fn scans_filter_by_entity_and_run_in_parallel() {
    let db = seeded().await;
    let mut all = Order::scan().all(&db).await.unwrap();
    all.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    assert_eq!(ids(&all), ["o1", "o2", "o3", "o4", "o5", "o9"]);
    let big = Order::scan().filter(Order::TOTAL_CENTS.gt(2_000)).all(&db).await.unwrap();
    assert_eq!(big.len(), 3);
    let mut parallel = Order::scan().parallel(3).all(&db).await.unwrap();
    parallel.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    assert_eq!(parallel, all);
    let segments = Order::scan().parallel(4).segments();
    let mut total = 0;
    for segment in segments {
        total += segment.all(&db).await.unwrap().len();
    }
    assert_eq!(total, 6);
    let users = User::scan().project(User::NAME).all(&db).await.unwrap();
    assert_eq!(users[0].get(&User::NAME).unwrap(), Some("Ann".to_owned()));
    // Scan pages resume with cursors too.
    let page = Order::scan().limit(3).send(&db).await.unwrap();
    let rest = Order::scan().limit(3).cursor(page.cursor.unwrap()).all(&db).await.unwrap();
    assert_eq!(page.items.len() + rest.len(), 6);
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// The entity-type filter: items of `entity`, or without the attribute (recognised by
/// their key shape on the client).
fn type_is(entity: &str) -> Condition {
    Condition::AttributeNotExists(Path::attribute("_type")).or(Condition::Compare {
        left: Operand::Path(Path::attribute("_type")),
        op: Comparator::Eq,
        right: Operand::Value(s(entity)),
    })
}

#[test]
fn requests_the_builders_send() {
    let input = Order::query().user_id("u#1").into_query().input().unwrap();
    assert_eq!(input.table_name, "Shop");
    assert_eq!(input.index_name, None);
    assert_eq!(
        input.key_condition,
        KeyCondition {
            partition: vec![("PK".into(), s("USER#u%231"))],
            sort: vec![("SK".into(), SortKeyCondition::BeginsWith(s("ORDER#")))],
        }
    );
    assert_eq!(input.filter, Some(type_is("Order")));
    assert!(input.scan_index_forward);
    assert_eq!(input.limit, None);

    let input = User::query().user_id("u1").into_query().input().unwrap();
    assert_eq!(input.key_condition.sort, vec![("SK".into(), SortKeyCondition::Eq(s("PROFILE")))]);

    let t = at(0).to_string();
    let input = Order::query().user_id("u1").placed_at(at(0)).order_id("o1").input().unwrap();
    assert_eq!(
        input.key_condition.sort,
        vec![("SK".into(), SortKeyCondition::Eq(s(&format!("ORDER#{t}#o1"))))]
    );
    let input = Order::query().user_id("u1").placed_at(at(0)).into_query().input().unwrap();
    assert_eq!(
        input.key_condition.sort,
        vec![("SK".into(), SortKeyCondition::BeginsWith(s(&format!("ORDER#{t}#"))))]
    );
    match &Order::query()
        .user_id("u1")
        .placed_at_range()
        .ge(at(0))
        .input()
        .unwrap()
        .key_condition
        .sort[0]
        .1
    {
        SortKeyCondition::Between(AttributeValue::S(low), AttributeValue::S(high)) => {
            assert_eq!(low, &format!("ORDER#{t}"));
            assert!(high.starts_with("ORDER#\u{10FFFF}") && high.len() == 1024);
        }
        other => panic!("{other:?}"),
    }

    let input = Order::by_lsi1()
        .user_id("u1")
        .total_cents_range()
        .lt(-5)
        .consistent()
        .descending()
        .limit(7)
        .project(Order::NOTE)
        .input()
        .unwrap();
    assert_eq!(input.index_name.as_deref(), Some("LSI1"));
    assert!(input.consistent_read && !input.scan_index_forward);
    assert_eq!(input.limit, Some(7));
    assert_eq!(input.select, Some(Select::SpecificAttributes));
    assert_eq!(input.projection, Some(vec![Path::attribute("note")]));

    let input = Member::by_tenant()
        .tenant_id("t")
        .region("eu")
        .score(3)
        .joined_range()
        .lt("b")
        .input()
        .unwrap();
    assert_eq!(input.index_name.as_deref(), Some("ByTenant"));
    assert_eq!(
        input.key_condition.partition,
        vec![("tenant_id".into(), s("t")), ("region".into(), s("eu"))]
    );
    assert_eq!(
        input.key_condition.sort,
        vec![
            ("score".into(), SortKeyCondition::Eq(AttributeValue::N(Number::from(3i64)))),
            ("joined".into(), SortKeyCondition::Lt(s("b"))),
        ]
    );
    // A KEYS_ONLY GSI does not carry the entity type: no type filter there.
    let input = Order::by_keys().status("big").into_query().input().unwrap();
    assert_eq!(input.filter, None);
    assert_eq!(input.key_condition.partition, vec![("KPK".into(), s("STATUS#big"))]);

    let scan =
        Order::scan().filter(Order::TOTAL_CENTS.gt(1)).segment(1, 4).limit(10).input().unwrap();
    assert_eq!(scan.segment, Some((1, 4)));
    assert_eq!(scan.limit, Some(10));
    assert_eq!(
        scan.filter,
        Some(type_is("Order").and(Condition::Compare {
            left: Operand::Path(Path::attribute("total_cents")),
            op: Comparator::Gt,
            right: Operand::Value(AttributeValue::N(Number::from(1i64))),
        }))
    );
    // An over-long key is an encode error at send, not a panic while building.
    let err = User::query().user_id("x".repeat(3000)).into_query().input().unwrap_err();
    assert!(matches!(err, Error::Encode(_)), "{err:?}");
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime.block_on(future),
        Err(e) => panic!("{e}"),
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn holds(op: u8, x: &str, a: &str, b: &str) -> bool {
        match op % 5 {
            0 => x < a,
            1 => x <= a,
            2 => x > a,
            3 => x >= a,
            _ => a <= x && x <= b,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Orders on a few days with ids sharing prefixes: a range on the first sort
        /// field, and on the second under equality on the first, returns exactly the
        /// orders whose field satisfies it (dates and ids compare as their key text).
        #[test]
        fn sort_key_ranges_return_exactly_the_matching_items(
            items in proptest::collection::btree_set((0i64..4, "[ab]{1,3}"), 1..10),
            op in 0u8..5, day_a in -1i64..5, day_b in -1i64..5, id_a in "[ab]{0,3}", id_b in "[ab]{0,3}",
        ) {
            block_on(async {
                let db = Shop::client(MemoryBackend::new());
                db.create_table().await.unwrap();
                db.put(&Note { user_id: "u1".into(), seq: 1 }).await.unwrap();
                for (day, id) in &items {
                    db.put(&order("u1", id, *day, 1)).await.unwrap();
                }
                let q = || Order::query().user_id("u1");
                let got = match op % 5 {
                    0 => q().placed_at_range().lt(at(day_a)),
                    1 => q().placed_at_range().le(at(day_a)),
                    2 => q().placed_at_range().gt(at(day_a)),
                    3 => q().placed_at_range().ge(at(day_a)),
                    _ => q().placed_at_range().between(at(day_a), at(day_b)),
                }
                .all(&db)
                .await
                .unwrap();
                let key = |day: i64| at(day).to_string();
                let expected: Vec<(i64, String)> = items
                    .iter()
                    .filter(|(day, _)| holds(op, &key(*day), &key(day_a), &key(day_b)))
                    .cloned()
                    .collect();
                let got: Vec<(i64, String)> = got
                    .into_iter()
                    .map(|o| ((o.placed_at.unix_millis() - at(0).unix_millis()) / 86_400_000, o.order_id))
                    .collect();
                assert_eq!(got, expected);

                let q = || Order::query().user_id("u1").placed_at(at(1));
                let got = match op % 5 {
                    0 => q().order_id_range().lt(id_a.as_str()),
                    1 => q().order_id_range().le(id_a.as_str()),
                    2 => q().order_id_range().gt(id_a.as_str()),
                    3 => q().order_id_range().ge(id_a.as_str()),
                    _ => q().order_id_range().between(id_a.as_str(), id_b.as_str()),
                }
                .all(&db)
                .await
                .unwrap();
                let expected: Vec<&str> = items
                    .iter()
                    .filter(|(day, id)| *day == 1 && holds(op, id, &id_a, &id_b))
                    .map(|(_, id)| id.as_str())
                    .collect();
                assert_eq!(ids(&got), expected);
            });
        }

        /// Filters evaluate as the same predicate in Rust.
        #[test]
        fn filters_keep_what_the_predicate_keeps(
            totals in proptest::collection::vec(-50i64..50, 1..12),
            op in 0u8..8, x in -60i64..60, y in -60i64..60,
        ) {
            block_on(async {
                let db = Shop::client(MemoryBackend::new());
                db.create_table().await.unwrap();
                for (i, total) in totals.iter().enumerate() {
                    db.put(&order("u1", &format!("o{i:02}"), 1, *total)).await.unwrap();
                }
                let t = || Order::TOTAL_CENTS;
                let (condition, keep): (singletable::Cond<Order>, Box<dyn Fn(i64) -> bool>) = match op {
                    0 => (t().eq(x), Box::new(move |v| v == x)),
                    1 => (t().ne(x), Box::new(move |v| v != x)),
                    2 => (t().lt(x), Box::new(move |v| v < x)),
                    3 => (t().le(x), Box::new(move |v| v <= x)),
                    4 => (t().gt(x), Box::new(move |v| v > x)),
                    5 => (t().ge(x) & t().lt(y), Box::new(move |v| v >= x && v < y)),
                    6 => (t().is_in([x, y]) | !t().gt(0), Box::new(move |v| v == x || v == y || v <= 0)),
                    _ => (t().between(x.min(y), x.max(y)), Box::new(move |v| x.min(y) <= v && v <= x.max(y))),
                };
                let got: Vec<i64> = Order::query()
                    .user_id("u1")
                    .filter(condition)
                    .all(&db)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|o| o.total_cents)
                    .collect();
                let expected: Vec<i64> = totals.iter().copied().filter(|v| keep(*v)).collect();
                assert_eq!(got, expected);
            });
        }
    }
}
