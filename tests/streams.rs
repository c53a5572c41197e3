//! Streams end to end: the real published Lambda DynamoDB stream events (read from
//! `../shared/fixtures`, never copied) decoded into raw and typed changes, and writes
//! through the typed API flowing through the embedded engine's change feed into
//! `#[derive(Changes)]` values, in process.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use singletable::backend::memory::{ChangeEvent, ChangeRecord, ChangeStream};
use singletable::clock::ManualClock;
use singletable::json::item_to_json;
use singletable::prelude::*;
use singletable::schema::StreamViewType;
use singletable::stream::serde_json::{self, json, Value};
use singletable::stream::{lambda_event_changes, Change, RawChange, StreamError};
use singletable::{AttributeValue, Changes, DecodeErrorKind, Item, Number};

const NOW: i64 = 1_700_000_000;

#[derive(Table)]
#[table(name = "StreamApp", pk = "PK", sk = "SK", ttl = "expires_at", stream = new_and_old_images)]
struct App;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
    name: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "USER#{user_id}", sk = "ORDER#{order_id}")]
struct Order {
    user_id: String,
    order_id: String,
    total_cents: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "SESSION#{token}", sk = "SESSION")]
struct Session {
    token: String,
    #[entity(ttl)]
    expires_at: u64,
}

/// Every entity of the table.
#[derive(Changes, Debug, Clone, PartialEq)]
#[changes(table = App)]
enum AppChange {
    User(Change<User>),
    Order(Change<Order>),
    Session(Change<Session>),
}

/// Users only; everything else is kept raw.
#[derive(Changes, Debug, PartialEq)]
#[changes(table = App)]
enum UserChange {
    User(Change<User>),
    #[changes(unknown)]
    Other(RawChange),
}

/// A table of third-party items: a numeric key `Id`, no entity-type attribute.
#[derive(Table)]
#[table(name = "Messages", pk = "Id:N", stream = new_and_old_images)]
struct Messages;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Messages, pk = "{id}")]
struct Message {
    id: u64,
    text: String,
}

#[derive(Changes, Debug)]
#[changes(table = Messages)]
enum MessageChange {
    Message(Change<Message>),
}

fn fixture(path: &str) -> Value {
    let full: PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "..", "shared", "fixtures", path].iter().collect();
    let text = std::fs::read_to_string(&full)
        .unwrap_or_else(|error| panic!("cannot read fixture {}: {error}", full.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path} is not JSON: {error}"))
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn num(text: &str) -> Number {
    Number::parse(text).expect("a valid number")
}

fn n(text: &str) -> AttributeValue {
    AttributeValue::N(num(text))
}

fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect()
}

#[test]
fn the_lambda_runtime_sample_event_decodes() {
    let event =
        fixture("aws-lambda-rust-runtime/lambda-events/src/fixtures/example-dynamodb-event.json");
    let changes = lambda_event_changes(&event).expect("the sample decodes");
    assert_eq!(changes.len(), 2);
    let keys = item(&[("val", s("data")), ("key", s("binary"))]);
    for (index, change) in changes.iter().enumerate() {
        assert_eq!(change.record.index, Some(index));
        assert_eq!(change.record.sequence_number.as_deref(), Some("1405400000000002063282832"));
        assert_eq!(change.event, ChangeEvent::Insert);
        assert_eq!(change.keys, keys);
        assert_eq!(change.view_type, Some(StreamViewType::NewAndOldImages));
        assert_eq!(change.approximate_creation_time_ms, Some(1_480_642_020_000));
        assert_eq!(change.old_image, None);
    }
    // The first record carries DynamoDB's service identity (a TTL deletion's).
    assert!(changes[0].system_delete);
    assert!(!changes[1].system_delete);
    let image = changes[1].new_image.as_ref().expect("a new image");
    assert_eq!(image["Binary"], AttributeValue::B(vec![0, 1, 42, 65]));
    assert_eq!(image["b2"], AttributeValue::B(vec![0xb5, 0xeb, 0x2d]));
    assert_eq!(
        image["asdf2"],
        AttributeValue::Bs(vec![vec![0, 1, 42, 65], vec![65, 42, 1, 0], vec![0, 1, 42, 65]])
    );
    assert_eq!(image["Boolean"], AttributeValue::Bool(true));
    assert_eq!(image["Null"], AttributeValue::Null);
    assert_eq!(image["List"], AttributeValue::L(vec![s("Cookies"), s("Coffee"), n("3.14159")]));
    assert_eq!(image["Map"], AttributeValue::M(item(&[("Name", s("Joe")), ("Age", n("35"))])));
    assert_eq!(image["NumberSet"], AttributeValue::Ns(vec![num("1234"), num("567.8")]));
    assert_eq!(image["StringSet"], AttributeValue::Ss(vec!["Giraffe".into(), "Zebra".into()]));
    assert_eq!(image["EmptyStringSet"], AttributeValue::Ss(vec![]));
    assert_eq!(image.len(), 17);
}

#[test]
fn the_record_with_optional_fields_decodes() {
    let record = fixture(
        "aws-lambda-rust-runtime/lambda-events/src/fixtures/example-dynamodb-event-record-with-optional-fields.json",
    );
    let change = RawChange::from_lambda_record(0, &record).expect("the sample decodes");
    let id = s("00000000-0000-0000-0000-000000000000");
    assert_eq!(change.event, ChangeEvent::Insert);
    assert_eq!(change.keys, item(&[("id", id.clone())]));
    assert_eq!(
        change.new_image,
        Some(item(&[("id", id), ("created", s("2022-02-16T15:12:00.14Z"))]))
    );
    assert_eq!(change.old_image, None);
    assert_eq!(change.record.sequence_number, None);
    assert_eq!(change.view_type, None);
    assert_eq!(change.approximate_creation_time_ms, None);
    assert!(!change.system_delete);
}

#[test]
fn the_powertools_sample_event_decodes_raw_and_typed() {
    let event = fixture("powertools-lambda-python/tests/events/dynamoStreamEvent.json");
    let changes = lambda_event_changes(&event).expect("the sample decodes");
    let events: Vec<_> = changes.iter().map(|c| c.event).collect();
    assert_eq!(events, [ChangeEvent::Insert, ChangeEvent::Modify]);
    assert_eq!(changes[1].record.sequence_number.as_deref(), Some("222"));
    assert_eq!(changes[1].old_image.as_ref().map(|i| i["Message"].clone()), Some(s("New item!")));
    assert_eq!(
        changes[1].new_image.as_ref().map(|i| i["Message"].clone()),
        Some(s("This item has changed"))
    );

    // Items written by another program have no entity-type attribute: the keys say whose
    // they are (key shape), and the images then fail to decode (they hold `Message`, not
    // the entity's `text`), with an error naming record and field.
    match MessageChange::from_lambda_event(&event) {
        Err(StreamError::Decode { record, entity, field, source }) => {
            assert_eq!((record.index, record.sequence_number.as_deref()), (Some(0), Some("111")));
            assert_eq!((entity, field), ("Message", "NewImage"));
            assert!(matches!(source.kind, DecodeErrorKind::Missing), "{source}");
            assert_eq!(source.to_string(), "text: missing attribute");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    // As KEYS_ONLY records they decode: the key fields from `Keys`.
    let typed: Vec<Change<Message>> = changes
        .into_iter()
        .map(|raw| RawChange { new_image: None, old_image: None, ..raw })
        .map(|raw| match MessageChange::from_raw(raw) {
            Ok(MessageChange::Message(change)) => change,
            Err(error) => panic!("{error}"),
        })
        .collect();
    assert_eq!(
        typed,
        [
            Change::Insert { keys: (101,), new: None },
            Change::Modify { keys: (101,), old: None, new: None }
        ]
    );
}

#[test]
fn records_of_no_listed_entity_are_errors_or_the_unknown_variant() {
    let record = json!({
        "eventName": "INSERT",
        "dynamodb": {
            "Keys": {"PK": {"S": "TENANT#t1"}, "SK": {"S": "TENANT"}},
            "NewImage": {"PK": {"S": "TENANT#t1"}, "SK": {"S": "TENANT"}, "_type": {"S": "Tenant"}},
            "SequenceNumber": "9"
        }
    });
    let event = json!({"Records": [record]});
    match AppChange::from_lambda_event(&event) {
        Err(StreamError::UnknownEntity { record, enum_name, found }) => {
            assert_eq!(record.index, Some(0));
            assert_eq!(enum_name, "AppChange");
            assert_eq!(found.as_deref(), Some("Tenant"));
        }
        other => panic!("expected an unknown-entity error, got {other:?}"),
    }
    match UserChange::from_lambda_event(&event).expect("decoded").as_slice() {
        [UserChange::Other(raw)] => assert_eq!(raw.entity_type("_type"), Some("Tenant")),
        other => panic!("expected the unknown variant, got {other:?}"),
    }
}

async fn next(stream: &mut ChangeStream) -> ChangeRecord {
    let record = tokio::time::timeout(Duration::from_secs(10), stream.recv())
        .await
        .expect("a record arrives");
    record.expect("the stream is open").expect("no error")
}

/// The Lambda event DynamoDB would deliver for these records.
fn lambda_event(records: &[ChangeRecord]) -> Value {
    let records: Vec<Value> = records
        .iter()
        .map(|record| {
            let mut dynamodb = json!({
                "Keys": item_to_json(&record.keys),
                "SequenceNumber": record.sequence_number.to_string(),
                "ApproximateCreationDateTime": record.approximate_creation_time_ms / 1000,
                "SizeBytes": record.size_bytes,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            });
            if let Some(image) = &record.new_image {
                dynamodb["NewImage"] = item_to_json(image);
            }
            if let Some(image) = &record.old_image {
                dynamodb["OldImage"] = item_to_json(image);
            }
            let mut json = json!({
                "eventName": record.event.as_str(),
                "eventSource": "aws:dynamodb",
                "dynamodb": dynamodb,
            });
            if record.system_delete {
                json["userIdentity"] =
                    json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"});
            }
            json
        })
        .collect();
    json!({ "Records": records })
}

#[tokio::test]
async fn typed_writes_flow_through_the_engine_feed_into_typed_changes() {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(NOW)));
    let engine = MemoryBackend::new().with_clock(clock.clone());
    let db = App::client(engine.clone());
    db.create_table().await.expect("created");
    let info = engine.stream_info("StreamApp").expect("described").expect("a stream");
    assert_eq!(info.view_type, StreamViewType::NewAndOldImages);
    let mut feed = engine.changes("StreamApp").expect("a stream");

    let ann = User { user_id: "u1".into(), name: "Ann".into() };
    let order = Order { user_id: "u1".into(), order_id: "o1".into(), total_cents: 1200 };
    let session = Session { token: "t1".into(), expires_at: (NOW + 10) as u64 };
    db.put(&ann).await.expect("put");
    db.put(&order).await.expect("put");
    db.put(&session).await.expect("put");
    db.update(User::key("u1")).set(User::NAME, "Anne").await.expect("updated");
    db.delete(Order::key("u1", "o1")).await.expect("deleted");
    clock.advance(Duration::from_secs(20));
    assert_eq!(engine.sweep_expired(), 1);

    let mut records = Vec::new();
    for _ in 0..6 {
        records.push(next(&mut feed).await);
    }
    let typed: Vec<AppChange> = records
        .iter()
        .cloned()
        .map(|record| AppChange::from_record(record).expect("typed"))
        .collect();
    let anne = User { name: "Anne".into(), ..ann.clone() };
    let expected = vec![
        AppChange::User(Change::Insert { keys: ("u1".into(),), new: Some(ann.clone()) }),
        AppChange::Order(Change::Insert {
            keys: ("u1".into(), "o1".into()),
            new: Some(order.clone()),
        }),
        AppChange::Session(Change::Insert { keys: ("t1".into(),), new: Some(session.clone()) }),
        AppChange::User(Change::Modify {
            keys: ("u1".into(),),
            old: Some(ann.clone()),
            new: Some(anne.clone()),
        }),
        AppChange::Order(Change::Remove {
            keys: ("u1".into(), "o1".into()),
            old: Some(order.clone()),
            system: false,
        }),
        AppChange::Session(Change::Remove {
            keys: ("t1".into(),),
            old: Some(session.clone()),
            system: true,
        }),
    ];
    assert_eq!(typed, expected);

    // The same records as DynamoDB would hand them to a Lambda function.
    let from_lambda = AppChange::from_lambda_event(&lambda_event(&records)).expect("typed");
    assert_eq!(from_lambda, expected);

    // KEYS_ONLY: dispatched by key templates alone (a User's `PROFILE` sort key is no
    // Order's `ORDER#…`).
    let keys_only: Vec<AppChange> = records
        .iter()
        .cloned()
        .map(|record| {
            let raw = RawChange { new_image: None, old_image: None, ..RawChange::from(record) };
            AppChange::from_raw(raw).expect("typed")
        })
        .collect();
    assert!(
        matches!(&keys_only[0], AppChange::User(Change::Insert { keys, new: None }) if keys.0 == "u1")
    );
    assert!(
        matches!(&keys_only[1], AppChange::Order(Change::Insert { keys, new: None }) if keys.1 == "o1")
    );
    assert!(matches!(
        &keys_only[5],
        AppChange::Session(Change::Remove { old: None, system: true, .. })
    ));

    // Users only, the rest raw.
    let users: Vec<UserChange> =
        records.into_iter().map(|record| UserChange::from_record(record).expect("typed")).collect();
    let kinds: Vec<&str> = users
        .iter()
        .map(|change| match change {
            UserChange::User(_) => "user",
            UserChange::Other(_) => "other",
        })
        .collect();
    assert_eq!(kinds, ["user", "other", "other", "user", "other", "other"]);
    assert_eq!(
        users[3],
        UserChange::User(Change::Modify { keys: ("u1".into(),), old: Some(ann), new: Some(anne) })
    );
}

/// Third-party items without an entity-type attribute, two shapes that overlap.
#[derive(Table)]
#[table(name = "Adopted", pk = "PK", sk = "SK", stream = new_and_old_images)]
struct Adopted;

/// Any item at all (no literal text in its key templates).
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Adopted, pk = "{kind}", sk = "{id}")]
struct Anything {
    kind: String,
    id: String,
}

/// Rooms: `ROOM-<id>` / `META`, more specific than `Anything`.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Adopted, pk = "ROOM-{id}", sk = "META")]
struct Room {
    id: String,
}

/// `A-<x>` / anything: as specific as `Tail` for a key `A-1` / `B-2`.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Adopted, pk = "A-{x}", sk = "{y}")]
struct Head {
    x: String,
    y: String,
}

/// Anything / `B-<y>`.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Adopted, pk = "{x}", sk = "B-{y}")]
struct Tail {
    x: String,
    y: String,
}

/// `Anything` first: the first variant that could decode a record is not the one chosen.
/// `Head` and `Tail` are there to tie: no record decodes as either.
#[allow(dead_code)]
#[derive(Changes, Debug)]
#[changes(table = Adopted)]
enum AdoptedChange {
    Anything(Change<Anything>),
    Room(Change<Room>),
    Head(Change<Head>),
    Tail(Change<Tail>),
}

fn typeless(pk: &str, sk: &str) -> Value {
    let keys = json!({"PK": {"S": pk}, "SK": {"S": sk}});
    json!({"Records": [{
        "eventName": "INSERT",
        "dynamodb": {"Keys": keys.clone(), "NewImage": keys, "SequenceNumber": "1"}
    }]})
}

#[test]
fn records_without_an_entity_type_take_the_most_specific_entity() {
    // The rule of `adopt::recognise`, as reads apply it: the most literal text wins.
    match AdoptedChange::from_lambda_event(&typeless("ROOM-r1", "META")).expect("decoded")[..] {
        [AdoptedChange::Room(Change::Insert { ref new, .. })] => {
            assert_eq!(new.as_ref().map(|room| room.id.as_str()), Some("r1"));
        }
        ref other => panic!("expected a Room, got {other:?}"),
    }
    match AdoptedChange::from_lambda_event(&typeless("book-b1", "b1")).expect("decoded")[..] {
        [AdoptedChange::Anything(Change::Insert { ref new, .. })] => {
            assert_eq!(new.as_ref().map(|a| a.kind.as_str()), Some("book-b1"));
        }
        ref other => panic!("expected Anything, got {other:?}"),
    }
    // Two equally specific shapes: an error naming both, not a guess.
    match AdoptedChange::from_lambda_event(&typeless("A-1", "B-2")) {
        Err(StreamError::Decode { entity, field, source, .. }) => {
            assert_eq!((entity, field), ("AdoptedChange", "Keys"));
            let message = source.to_string();
            assert!(message.contains("`Head`") && message.contains("`Tail`"), "{message}");
        }
        other => panic!("expected an ambiguity error, got {other:?}"),
    }
}
