//! Typed CRUD through the facade on the embedded engine: put / get / delete with
//! `if_not_exists`, `if_exists`, `consistent`, `return_old`, errors, sparse indexes and
//! concurrent tasks.

use std::sync::Arc;

use singletable::backend::{GetItemInput, ListTablesInput};
use singletable::prelude::*;
use singletable::{AttributeValue, DecodeErrorKind, Error, Item, Number};

#[derive(Table)]
#[table(name = "Crud", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
struct Crud;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Crud, pk = "USER#{user_id}", sk = "PROFILE",
         index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
struct User {
    user_id: String,
    email: String,
    name: String,
    visits: u64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Crud, pk = "USER#{user_id}", sk = "NOTE#{seq}")]
struct Note {
    user_id: String,
    seq: u32,
    text: String,
}

fn user(id: &str) -> User {
    User {
        user_id: id.into(),
        email: format!("{id}@example.com"),
        name: id.to_uppercase(),
        visits: 0,
    }
}

async fn fresh() -> TableClient<Crud> {
    let db = Crud::client(MemoryBackend::new());
    db.create_table().await.expect("table created");
    db
}

#[tokio::test]
async fn put_get_delete_round_trip() {
    let db = fresh().await;
    let ann = user("ann");
    db.put(&ann).await.unwrap();
    assert_eq!(db.get(User::key("ann")).await.unwrap(), Some(ann.clone()));
    assert_eq!(db.get(User::key("ann")).consistent().await.unwrap(), Some(ann.clone()));
    assert_eq!(db.get(User::key("bob")).await.unwrap(), None);
    db.delete(User::key("ann")).await.unwrap();
    assert_eq!(db.get(User::key("ann")).await.unwrap(), None);
    // Deleting what is not there succeeds, as in DynamoDB.
    db.delete(User::key("ann")).await.unwrap();
}

#[tokio::test]
async fn if_not_exists_refuses_a_second_create_and_keeps_the_first() {
    let db = fresh().await;
    let first = user("ann");
    db.put(&first).if_not_exists().await.unwrap();
    let second = User { name: "Impostor".into(), ..first.clone() };
    let err = db.put(&second).if_not_exists().await.unwrap_err();
    assert!(matches!(err, Error::ConditionalCheckFailed { .. }), "{err:?}");
    assert_eq!(err.dynamodb_type(), Some("ConditionalCheckFailedException"));
    assert_eq!(db.get(User::key("ann")).await.unwrap(), Some(first));
}

#[tokio::test]
async fn if_exists_on_put_and_delete() {
    let db = fresh().await;
    let err = db.put(&user("ann")).if_exists().await.unwrap_err();
    assert!(matches!(err, Error::ConditionalCheckFailed { .. }));
    assert_eq!(db.get(User::key("ann")).await.unwrap(), None, "a failed put writes nothing");
    let err = db.delete(User::key("ann")).if_exists().await.unwrap_err();
    assert!(matches!(err, Error::ConditionalCheckFailed { .. }));
    db.put(&user("ann")).await.unwrap();
    db.put(&User { visits: 5, ..user("ann") }).if_exists().await.unwrap();
    db.delete(User::key("ann")).if_exists().await.unwrap();
}

#[tokio::test]
async fn return_old_values() {
    let db = fresh().await;
    assert_eq!(db.put(&user("ann")).return_old().await.unwrap(), None);
    let newer = User { visits: 9, ..user("ann") };
    assert_eq!(db.put(&newer).return_old().await.unwrap(), Some(user("ann")));
    assert_eq!(db.delete(User::key("ann")).return_old().await.unwrap(), Some(newer));
    assert_eq!(db.delete(User::key("ann")).return_old().await.unwrap(), None);
}

#[tokio::test]
async fn entities_share_a_partition_without_mixing_up() {
    let db = fresh().await;
    db.put(&user("ann")).await.unwrap();
    for seq in [3, 1, 2] {
        db.put(&Note { user_id: "ann".into(), seq, text: format!("note {seq}") }).await.unwrap();
    }
    let note = db.get(Note::key("ann", 2u32)).await.unwrap().unwrap();
    assert_eq!(note.text, "note 2");
    assert_eq!(db.get(User::key("ann")).await.unwrap(), Some(user("ann")));
}

#[tokio::test]
async fn the_stored_item_is_the_single_table_layout() {
    let db = fresh().await;
    db.put(&user("ann")).await.unwrap();
    let stored = db
        .backend()
        .get_item(GetItemInput {
            table_name: "Crud".into(),
            key: User::key("ann").into_attributes().unwrap(),
            ..GetItemInput::default()
        })
        .await
        .unwrap()
        .item
        .unwrap();
    let s = |v: &str| AttributeValue::S(v.into());
    assert_eq!(stored.get("PK"), Some(&s("USER#ann")));
    assert_eq!(stored.get("SK"), Some(&s("PROFILE")));
    assert_eq!(stored.get("GSI1PK"), Some(&s("EMAIL#ann@example.com")));
    assert_eq!(stored.get("GSI1SK"), Some(&s("USER")));
    assert_eq!(stored.get("_type"), Some(&s("User")));
    assert_eq!(stored.get("visits"), Some(&AttributeValue::N(Number::from(0u64))));
    assert_eq!(stored.len(), 9);
}

#[tokio::test]
async fn decoding_an_item_of_another_entity_is_a_typed_error() {
    let db = fresh().await;
    db.put(&Note { user_id: "ann".into(), seq: 1, text: "x".into() }).await.unwrap();
    // Read a Note's key as a User: the entity-type attribute says otherwise.
    let key: Item = Note::key("ann", 1u32).into_attributes().unwrap();
    let err = db.get(singletable::Key::<User>::from_attributes(Ok(key))).await.unwrap_err();
    match err {
        Error::Decode(e) => {
            assert!(matches!(e.kind, DecodeErrorKind::WrongEntityType { .. }), "{e}");
            assert_eq!(e.to_string(), "User: item has entity type `Note`, expected `User`");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn operations_on_a_missing_table_fail_with_resource_not_found() {
    let db = Crud::client(MemoryBackend::new());
    let err = db.get(User::key("ann")).await.unwrap_err();
    assert_eq!(err.dynamodb_type(), Some("ResourceNotFoundException"), "{err:?}");
    let err = db.put(&user("ann")).await.unwrap_err();
    assert_eq!(err.dynamodb_type(), Some("ResourceNotFoundException"));
    db.create_table().await.unwrap();
    let err = db.create_table().await.unwrap_err();
    assert_eq!(err.dynamodb_type(), Some("ResourceInUseException"));
    let listed = db.backend().list_tables(ListTablesInput::default()).await.unwrap();
    assert_eq!(listed.table_names, vec!["Crud".to_owned()]);
}

#[tokio::test]
async fn an_over_long_key_is_refused_before_anything_is_sent() {
    let db = fresh().await;
    // A partition key over DynamoDB's 2048-byte limit never leaves the client.
    let long = "x".repeat(2100);
    let err = db.put(&user(&long)).await.unwrap_err();
    assert!(matches!(err, Error::Encode(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cannot encode User.PK: key attribute value is 2105 bytes, over DynamoDB's limit of 2048 bytes"
    );
    let description = db.describe_table().await.unwrap();
    assert_eq!(description.item_count, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_each_see_their_own_writes() {
    let db = Arc::new(fresh().await);
    let mut tasks = Vec::new();
    for t in 0..16u32 {
        let db = Arc::clone(&db);
        tasks.push(tokio::spawn(async move {
            for i in 0..50u32 {
                let id = format!("t{t}-{i}");
                db.put(&user(&id)).if_not_exists().await.unwrap();
                assert_eq!(
                    db.get(User::key(id.as_str())).consistent().await.unwrap(),
                    Some(user(&id))
                );
                if i % 2 == 0 {
                    db.delete(User::key(id.as_str())).if_exists().await.unwrap();
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let description = db.describe_table().await.unwrap();
    assert_eq!(description.item_count, 16 * 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_of_one_key_have_exactly_one_winner() {
    let db = Arc::new(fresh().await);
    let mut tasks = Vec::new();
    for t in 0..32u64 {
        let db = Arc::clone(&db);
        tasks.push(tokio::spawn(async move {
            db.put(&User { visits: t, ..user("same") }).if_not_exists().await
        }));
    }
    let mut winners = Vec::new();
    for (t, task) in tasks.into_iter().enumerate() {
        match task.await.unwrap() {
            Ok(()) => winners.push(t as u64),
            Err(Error::ConditionalCheckFailed { .. }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1);
    let stored = db.get(User::key("same")).await.unwrap().unwrap();
    assert_eq!(stored.visits, winners[0]);
}
