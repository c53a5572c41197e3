//! Data singletable did not write (issue 21, part A): fields read back from keys, items
//! without the entity-type attribute recognised by their key shapes, put raw through the
//! `Backend` trait exactly as a hand-written application stores them.

use singletable::adopt::recognise;
use singletable::backend::PutItemInput;
use singletable::prelude::*;
use singletable::{AttributeValue, DecodeErrorKind, Error, Item};

#[derive(Table)]
#[table(name = "Shop", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1-PK", sk = "GSI1-SK"))]
struct Shop;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "c#{c_id}", sk = "c#{c_id}")]
struct Customer {
    c_id: String,
    name: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "c#{c_id}", sk = "o#{o_id}",
         index(GSI1, pk = "o#{o_id}", sk = "{date}"))]
struct Order {
    c_id: String,
    o_id: String,
    date: String,
    total: i64,
}

/// A numeric key field: parsed as the key encoding writes it (fixed width).
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "c#{c_id}", sk = "n#{seq}")]
struct Note {
    c_id: String,
    seq: u32,
    text: String,
}

#[derive(Collection, Debug, Default, PartialEq)]
#[collection(table = Shop)]
struct CustomerWithOrders {
    customer: Option<Customer>,
    orders: Vec<Order>,
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

async fn raw_put(db: &TableClient<Shop>, item: Item) {
    db.backend()
        .put_item(PutItemInput {
            table_name: Shop::SCHEMA.name.to_owned(),
            item,
            ..PutItemInput::default()
        })
        .await
        .expect("a valid item");
}

/// The online shop's way: ids only in keys, the order date only in `GSI1-SK`, no
/// entity-type attribute.
async fn seeded() -> TableClient<Shop> {
    let db = Shop::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    raw_put(&db, item(&[("PK", s("c#123")), ("SK", s("c#123")), ("name", s("Ann"))])).await;
    for (o, date, total) in [("o1", "2020-06-21T19:18:00", 10), ("o2", "2020-07-01T08:00:00", 20)] {
        let n = AttributeValue::N(total.into());
        raw_put(
            &db,
            item(&[
                ("PK", s("c#123")),
                ("SK", s(&format!("o#{o}"))),
                ("GSI1-PK", s(&format!("o#{o}"))),
                ("GSI1-SK", s(date)),
                ("total", n),
            ]),
        )
        .await;
    }
    raw_put(&db, item(&[("PK", s("c#123")), ("SK", s("n#0000000007")), ("text", s("hi"))])).await;
    db
}

fn ann() -> Customer {
    Customer { c_id: "123".into(), name: "Ann".into() }
}

fn order(o: &str, date: &str, total: i64) -> Order {
    Order { c_id: "123".into(), o_id: o.into(), date: date.into(), total }
}

#[tokio::test]
async fn fields_decode_from_table_and_index_keys() {
    let db = seeded().await;
    assert_eq!(db.get(Customer::key("123")).await.unwrap(), Some(ann()));
    let o1 = order("o1", "2020-06-21T19:18:00", 10);
    assert_eq!(db.get(Order::key("123", "o1")).await.unwrap(), Some(o1.clone()));
    let note = Note { c_id: "123".into(), seq: 7, text: "hi".into() };
    assert_eq!(db.get(Note::key("123", 7u32)).await.unwrap(), Some(note));
    // By GSI1: `o_id` from `GSI1-PK`, `date` from `GSI1-SK`, `c_id` from `PK`.
    assert_eq!(Order::by_gsi1().o_id("o1").all(&db).await.unwrap(), vec![o1]);
}

#[tokio::test]
async fn untyped_items_are_recognised_by_key_shape_in_queries_scans_and_collections() {
    let db = seeded().await;
    // The partition holds a customer, two orders and a note: each query keeps its own.
    assert_eq!(Customer::query().c_id("123").all(&db).await.unwrap(), vec![ann()]);
    let orders =
        vec![order("o1", "2020-06-21T19:18:00", 10), order("o2", "2020-07-01T08:00:00", 20)];
    assert_eq!(Order::query().c_id("123").all(&db).await.unwrap(), orders);
    let mut scanned = Order::scan().all(&db).await.unwrap();
    scanned.sort_by(|a, b| a.o_id.cmp(&b.o_id));
    assert_eq!(scanned, orders);
    assert_eq!(Note::scan().all(&db).await.unwrap().len(), 1);
    let both = CustomerWithOrders::query().c_id("123").all(&db).await.unwrap();
    assert_eq!(both, CustomerWithOrders { customer: Some(ann()), orders });
}

#[tokio::test]
async fn typed_items_still_win_and_writes_keep_the_type_attribute() {
    let db = seeded().await;
    let bob = Customer { c_id: "9".into(), name: "Bob".into() };
    db.put(&bob).await.unwrap();
    let stored = bob.to_item().unwrap();
    assert_eq!(stored.get("_type"), Some(&s("Customer")));
    assert_eq!(db.get(Customer::key("9")).await.unwrap(), Some(bob));
    // A typed item of another entity is not taken for a customer by its shape.
    let mut wrong = Customer { c_id: "5".into(), name: "X".into() }.to_item().unwrap();
    wrong.insert("_type".into(), s("Order"));
    let error = Customer::from_item(wrong).unwrap_err();
    assert!(matches!(error.kind, DecodeErrorKind::WrongEntityType { .. }), "{error}");
}

#[test]
fn a_field_in_no_key_is_an_error_naming_the_entity_field_and_keys_tried() {
    // An order whose GSI1 keys are absent and which has no `date` attribute.
    let raw =
        item(&[("PK", s("c#123")), ("SK", s("o#o9")), ("total", AttributeValue::N(1.into()))]);
    let error = match <Order as singletable::query::Decode<Order>>::decode(raw) {
        Err(Error::Decode(error)) => error,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        error.to_string(),
        "Order.date: missing attribute, and not in GSI1-SK (`{date}`: absent)"
    );
    // A key that does not parse says why.
    let raw = item(&[("PK", s("c#123")), ("SK", s("n#7")), ("text", s("short number"))]);
    let error = Note::from_item(raw).unwrap_err();
    assert!(
        error.to_string().starts_with("seq: missing attribute, and not in SK (`n#{seq}`: "),
        "{error}"
    );
    // An untyped item of another shape is not this entity.
    let raw = item(&[("PK", s("c#123")), ("SK", s("x#1"))]);
    let error = Customer::from_item(raw).unwrap_err();
    assert_eq!(
        error.to_string(),
        "item has entity type `(none), and its key (PK = \"c#123\", SK = \"x#1\") does not match \
         `Customer`'s key templates`, expected `Customer`"
    );
}

#[derive(Table)]
#[table(name = "Loose", pk = "PK", sk = "SK")]
struct Loose;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Loose, pk = "A#{a}", sk = "{b}")]
struct Anything {
    a: String,
    b: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Loose, pk = "A#{a}", sk = "META")]
struct Meta {
    a: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Loose, pk = "A#{a}", sk = "B{b}")]
struct Other {
    a: String,
    b: String,
}

#[test]
fn the_most_specific_key_shape_wins_and_a_tie_names_the_candidates() {
    let table = Loose::SCHEMA;
    let all = [Anything::SCHEMA, Meta::SCHEMA];
    let meta = item(&[("PK", s("A#1")), ("SK", s("META"))]);
    assert_eq!(recognise(&table, &all, &meta), Ok(Some(1)));
    let other = item(&[("PK", s("A#1")), ("SK", s("x"))]);
    assert_eq!(recognise(&table, &all, &other), Ok(Some(0)));
    let nothing = item(&[("PK", s("B#1")), ("SK", s("x"))]);
    assert_eq!(recognise(&table, &all, &nothing), Ok(None));
    // A typed item is recognised by its type only.
    let mut typed = meta.clone();
    typed.insert("_type".into(), s("Anything"));
    assert_eq!(recognise(&table, &all, &typed), Ok(Some(0)));
    // `B{b}` (1 literal character) beats `{b}` (none) on a sort key it matches.
    let with_other = [Anything::SCHEMA, Other::SCHEMA];
    let b = item(&[("PK", s("A#1")), ("SK", s("Bx"))]);
    assert_eq!(recognise(&table, &with_other, &b), Ok(Some(1)));
    let error = recognise(&table, &[Anything::SCHEMA, Anything::SCHEMA], &other).unwrap_err();
    assert_eq!(
        error.to_string(),
        "an item without `_type` whose key PK = \"A#1\", SK = \"x\" matches `Anything` and \
         `Anything` equally (2 literal characters in their key templates)"
    );
}
