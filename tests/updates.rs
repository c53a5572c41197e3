//! Updates end to end on the embedded engine: every action, conditions, return values,
//! the refusal to create items, and index keys rewritten in the same request as the
//! fields they are made of. Plus the `UpdateItem` requests the builder produces.

use std::collections::{BTreeSet, HashMap};

use singletable::backend::{GetItemInput, ReturnValues};
use singletable::expr::{Path, SetValue, UpdateAction, UpdateOperand};
use singletable::prelude::*;
use singletable::{AttributeValue, Error, Item, Number, Partial};

#[derive(Table)]
#[table(
    name = "Updates",
    pk = "PK",
    sk = "SK",
    gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
    gsi(name = "GSI2", pk = "GSI2PK", sk = "GSI2SK"),
    lsi(name = "LSI1", sk = "LSI1SK")
)]
struct Up;

/// `email` alone makes the GSI1 key; `org` and `role` make the GSI2 key together (with
/// the key field `user_id`); `name` alone makes the LSI1 key.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Up, pk = "USER#{user_id}", sk = "PROFILE",
         index(GSI1, pk = "EMAIL#{email}", sk = "USER"),
         index(GSI2, pk = "ORG#{org}", sk = "{role}#{user_id}"),
         index(LSI1, sk = "NAME#{name}"))]
struct User {
    user_id: String,
    email: String,
    org: String,
    role: String,
    name: String,
    visits: u64,
    balance: i64,
    tags: Vec<String>,
    badges: BTreeSet<String>,
    nick: Option<String>,
    prefs: HashMap<String, u32>,
    version: u64,
}

fn ann() -> User {
    User {
        user_id: "u1".into(),
        email: "ann@x.io".into(),
        org: "acme".into(),
        role: "dev".into(),
        name: "Ann".into(),
        visits: 1,
        balance: 10,
        tags: vec!["b".into()],
        badges: ["gold".to_owned()].into(),
        nick: Some("annie".into()),
        prefs: [("theme".to_owned(), 1)].into(),
        version: 3,
    }
}

async fn seeded() -> TableClient<Up> {
    let db = Up::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    db.put(&ann()).await.unwrap();
    db
}

async fn stored(db: &TableClient<Up>) -> Item {
    db.backend()
        .get_item(GetItemInput {
            table_name: "Updates".into(),
            key: User::key("u1").into_attributes().unwrap(),
            consistent_read: true,
            ..GetItemInput::default()
        })
        .await
        .unwrap()
        .item
        .unwrap()
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

async fn get(db: &TableClient<Up>) -> User {
    db.get(User::key("u1")).consistent().await.unwrap().unwrap()
}

#[tokio::test]
async fn set_with_a_condition_and_return_new() {
    let db = seeded().await;
    let updated = db
        .update(User::key("u1"))
        .set(User::VISITS, 7)
        .set(User::NICK, "ann")
        .condition(User::VERSION.eq(3))
        .return_new()
        .await
        .unwrap();
    assert_eq!(updated, User { visits: 7, nick: Some("ann".into()), ..ann() });
    // The condition now fails: DynamoDB's error, nothing written.
    let err = db
        .update(User::key("u1"))
        .set(User::VISITS, 8)
        .condition(User::VERSION.eq(2))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConditionalCheckFailed { .. }), "{err:?}");
    assert_eq!(get(&db).await.visits, 7);
}

#[tokio::test]
async fn an_update_never_creates_an_item() {
    let db = seeded().await;
    let err = db.update(User::key("nobody")).set(User::VISITS, 1).await.unwrap_err();
    assert!(matches!(err, Error::ConditionalCheckFailed { .. }), "{err:?}");
    assert_eq!(db.get(User::key("nobody")).await.unwrap(), None);
}

#[tokio::test]
async fn numbers_lists_sets_maps_and_removal() {
    let db = seeded().await;
    db.update(User::key("u1"))
        .add(User::VISITS, 5)
        .subtract(User::BALANCE, 25)
        .append(User::TAGS, ["c", "d"])
        .add_to_set(User::BADGES, ["silver", "gold"])
        .remove(User::NICK)
        .set(User::PREFS.key("lang"), 2)
        .await
        .unwrap();
    let user = get(&db).await;
    assert_eq!(user.visits, 6);
    assert_eq!(user.balance, -15);
    assert_eq!(user.tags, ["b", "c", "d"]);
    assert_eq!(user.badges, ["gold".to_owned(), "silver".to_owned()].into());
    assert_eq!(user.nick, None);
    assert_eq!(user.prefs, [("theme".to_owned(), 1), ("lang".to_owned(), 2)].into());

    db.update(User::key("u1"))
        .prepend(User::TAGS, ["a"])
        .delete_from_set(User::BADGES, ["gold"])
        .set(User::TAGS.at(1), "B")
        .await
        .unwrap_err(); // `tags` and `tags[1]` overlap: DynamoDB refuses, nothing is written.
    db.update(User::key("u1"))
        .prepend(User::TAGS, ["a"])
        .delete_from_set(User::BADGES, ["gold"])
        .await
        .unwrap();
    db.update(User::key("u1"))
        .remove(User::TAGS.at(3))
        .remove(User::PREFS.key("theme"))
        .await
        .unwrap();
    let user = get(&db).await;
    assert_eq!(user.tags, ["a", "b", "c"]);
    assert_eq!(user.badges, ["silver".to_owned()].into());
    assert_eq!(user.prefs, [("lang".to_owned(), 2)].into());

    // if_not_exists keeps a present value and fills an absent one.
    db.update(User::key("u1")).set_if_not_exists(User::NICK, "first").await.unwrap();
    db.update(User::key("u1")).set_if_not_exists(User::NICK, "second").await.unwrap();
    assert_eq!(get(&db).await.nick, Some("first".into()));
    // Deleting every member removes the set; setting an empty set removes it too.
    db.update(User::key("u1")).delete_from_set(User::BADGES, ["silver"]).await.unwrap();
    assert!(get(&db).await.badges.is_empty());
    db.update(User::key("u1")).set(User::BADGES, BTreeSet::<String>::new()).await.unwrap();
    assert!(!stored(&db).await.contains_key("badges"));
}

#[tokio::test]
async fn return_values() {
    let db = seeded().await;
    let old = db.update(User::key("u1")).add(User::VISITS, 1).return_old().await.unwrap();
    assert_eq!(old, ann());
    let new: Partial<User> =
        db.update(User::key("u1")).add(User::VISITS, 1).return_updated_new().await.unwrap();
    assert_eq!(new.get(&User::VISITS).unwrap(), Some(3));
    assert_eq!(new.get(&User::NAME).unwrap(), None, "only updated attributes come back");
    let before: Partial<User> =
        db.update(User::key("u1")).set(User::BALANCE, 0).return_updated_old().await.unwrap();
    assert_eq!(before.get(&User::BALANCE).unwrap(), Some(10));
}

#[tokio::test]
async fn setting_an_indexed_field_rewrites_its_index_keys() {
    let db = seeded().await;
    db.update(User::key("u1"))
        .set(User::EMAIL, "new@x.io")
        .set(User::NAME, "Annabel")
        .await
        .unwrap();
    let item = stored(&db).await;
    assert_eq!(item["email"], s("new@x.io"));
    assert_eq!(item["GSI1PK"], s("EMAIL#new@x.io"));
    assert_eq!(item["GSI1SK"], s("USER"));
    assert_eq!(item["LSI1SK"], s("NAME#Annabel"));
    // Exactly the item a put of the updated entity writes.
    let expected = User { email: "new@x.io".into(), name: "Annabel".into(), ..ann() };
    assert_eq!(item, expected.to_item().unwrap());
}

#[tokio::test]
async fn a_composite_sets_fields_that_share_a_template_together() {
    let db = seeded().await;
    db.update(User::key("u1"))
        .set_composite(User::gsi2_composite("globex", "admin"))
        .await
        .unwrap();
    let item = stored(&db).await;
    assert_eq!(item["GSI2PK"], s("ORG#globex"));
    assert_eq!(item["GSI2SK"], s("admin#u1"));
    let expected = User { org: "globex".into(), role: "admin".into(), ..ann() };
    assert_eq!(item, expected.to_item().unwrap());
}

#[test]
fn requests_the_builder_sends() {
    let db = Up::client(MemoryBackend::new());
    let input =
        db.update(User::key("u1")).set(User::EMAIL, "e@x.io").add(User::VISITS, 2).input().unwrap();
    assert_eq!(input.table_name, "Updates");
    assert_eq!(input.return_values, ReturnValues::None);
    let set = |path: &str, value: AttributeValue| {
        UpdateAction::Set(Path::attribute(path), SetValue::Operand(UpdateOperand::Value(value)))
    };
    assert_eq!(
        input.updates,
        vec![
            set("email", s("e@x.io")),
            UpdateAction::Add(Path::attribute("visits"), AttributeValue::N(Number::from(2u64))),
            set("GSI1PK", s("EMAIL#e@x.io")),
            set("GSI1SK", s("USER")),
        ]
    );
    let condition = format!("{:?}", input.condition);
    assert!(condition.contains("_type") && condition.contains("\"User\""), "{condition}");
    let input = db.update(User::key("u1")).subtract(User::BALANCE, 5).input().unwrap();
    assert_eq!(
        input.updates,
        vec![UpdateAction::Add(Path::attribute("balance"), AttributeValue::N(Number::from(-5i64)))]
    );
    let input = db.update(User::key("u1")).append(User::TAGS, ["x"]).input().unwrap();
    assert_eq!(
        input.updates,
        vec![UpdateAction::Set(
            Path::attribute("tags"),
            SetValue::Operand(UpdateOperand::ListAppend(
                Box::new(UpdateOperand::IfNotExists(
                    Path::attribute("tags"),
                    Box::new(UpdateOperand::Value(AttributeValue::L(vec![])))
                )),
                Box::new(UpdateOperand::Value(AttributeValue::L(vec![s("x")]))),
            )),
        )]
    );
}
