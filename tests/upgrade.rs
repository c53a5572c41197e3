//! Lazy upgrades (issue 21 B.9): `#[entity(schema_version = N, upgrade = "fn")]` — items
//! stored by an older version (or none) are upgraded when read, every put stores the
//! current version, an item of a newer version is an error naming both.

use singletable::backend::{GetItemInput, PutItemInput};
use singletable::prelude::*;
use singletable::upgrade::SCHEMA_VERSION_ATTRIBUTE;
use singletable::{AttributeValue, DecodeError, Error, Item, Number};

#[derive(Table)]
#[table(name = "Upgrades", pk = "PK", sk = "SK")]
struct App;

/// v0 (no version) stored `fullname`; v1 stored `name` without `plan`; v2 has both.
fn upgrade_user(mut item: Item, from: u32) -> Result<Item, String> {
    if from == 0 {
        let name = item.remove("fullname").ok_or("neither `fullname` nor `name`")?;
        item.insert("name".into(), name);
    }
    if from <= 1 {
        item.insert("plan".into(), AttributeValue::S("free".into()));
    }
    Ok(item)
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "USER#{id}", sk = "PROFILE", schema_version = 2, upgrade = "upgrade_user")]
struct User {
    id: String,
    name: String,
    plan: String,
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn stored(id: &str, pairs: &[(&str, AttributeValue)]) -> Item {
    let mut item: Item = pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    item.insert("PK".into(), s(&format!("USER#{id}")));
    item.insert("SK".into(), s("PROFILE"));
    item.insert("_type".into(), s("User"));
    item
}

async fn raw_put(db: &TableClient<App>, item: Item) {
    let put = PutItemInput { table_name: "Upgrades".into(), item, ..PutItemInput::default() };
    db.backend().put_item(put).await.unwrap();
}

async fn raw_get(db: &TableClient<App>, id: &str) -> Item {
    let key: Item =
        [("PK".to_owned(), s(&format!("USER#{id}"))), ("SK".to_owned(), s("PROFILE"))].into();
    let get = GetItemInput { table_name: "Upgrades".into(), key, ..GetItemInput::default() };
    db.backend().get_item(get).await.unwrap().item.unwrap()
}

fn version(n: u32) -> AttributeValue {
    AttributeValue::N(Number::from(n))
}

#[tokio::test]
async fn older_items_are_upgraded_on_read_and_puts_store_the_version() {
    let db = App::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    raw_put(&db, stored("v0", &[("id", s("v0")), ("fullname", s("Ann"))])).await;
    raw_put(&db, stored("v1", &[("id", s("v1")), ("name", s("Bob")), ("_sv", version(1))])).await;
    raw_put(
        &db,
        stored(
            "v2",
            &[("id", s("v2")), ("name", s("Cy")), ("plan", s("pro")), ("_sv", version(2))],
        ),
    )
    .await;

    let user = |id: &str, name: &str, plan: &str| User {
        id: id.into(),
        name: name.into(),
        plan: plan.into(),
    };
    assert_eq!(db.get(User::key("v0")).await.unwrap(), Some(user("v0", "Ann", "free")));
    assert_eq!(db.get(User::key("v1")).await.unwrap(), Some(user("v1", "Bob", "free")));
    assert_eq!(db.get(User::key("v2")).await.unwrap(), Some(user("v2", "Cy", "pro")));
    // Queries and scans decode through the same path.
    let mut all = User::scan().all(&db).await.unwrap();
    all.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(all.iter().map(|u| u.plan.as_str()).collect::<Vec<_>>(), ["free", "free", "pro"]);

    // Reads do not write: v0 is still stored as it was.
    assert_eq!(raw_get(&db, "v0").await.get("fullname"), Some(&s("Ann")));
    // A put stores the current version and the current shape.
    db.put(&user("v0", "Ann", "free")).await.unwrap();
    let rewritten = raw_get(&db, "v0").await;
    assert_eq!(rewritten.get(SCHEMA_VERSION_ATTRIBUTE), Some(&version(2)));
    assert_eq!(rewritten.get("name"), Some(&s("Ann")));
    assert_eq!(rewritten.get("fullname"), None);
    assert_eq!(User::from_item(rewritten), Ok(user("v0", "Ann", "free")));
}

#[tokio::test]
async fn newer_versions_and_failed_upgrades_are_errors_naming_the_versions() {
    let db = App::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    raw_put(&db, stored("v3", &[("id", s("v3")), ("name", s("Di")), ("_sv", version(3))])).await;
    let error = db.get(User::key("v3")).await.unwrap_err();
    assert!(
        error.to_string().contains("stored by schema version 3, newer than this code's 2"),
        "{error}"
    );
    raw_put(&db, stored("bad", &[("id", s("bad")), ("name", s("Ed"))])).await;
    let error = db.get(User::key("bad")).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("upgrading an item of schema version 0 to 2: neither `fullname` nor `name`"),
        "{error}"
    );
    let text = stored("t", &[("id", s("t")), ("name", s("F")), ("_sv", s("2"))]);
    let decoded: Result<User, DecodeError> = User::from_item(text);
    assert!(
        decoded.unwrap_err().to_string().contains("_sv"),
        "a non-number version names the attribute"
    );
    assert!(matches!(db.get(User::key("v3")).await, Err(Error::Decode(_))));
}
