//! The entity lifecycle on the embedded engine: optimistic locking (`version`),
//! timestamps from an injectable clock, hiding expired items, validation hooks.

use std::sync::Arc;
use std::time::Duration;

use singletable::backend::GetItemInput;
use singletable::clock::ManualClock;
use singletable::prelude::*;
use singletable::{AttributeValue, Error, Item, Number};

#[derive(Table)]
#[table(name = "Life", pk = "PK", sk = "SK", ttl = "expires_at")]
struct Life;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Life, pk = "COUNTER#{id}", sk = "COUNTER")]
struct Counter {
    id: String,
    value: u64,
    #[entity(version)]
    version: u64,
}

fn non_empty(title: &str) -> Result<(), String> {
    if title.trim().is_empty() {
        Err("a title cannot be blank".to_owned())
    } else {
        Ok(())
    }
}

fn doc_rules(doc: &Doc) -> Result<(), String> {
    if doc.pages > 1000 {
        Err(format!("{} pages is too many", doc.pages))
    } else {
        Ok(())
    }
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Life, pk = "OWNER#{owner}", sk = "DOC#{id}", validate = "doc_rules")]
struct Doc {
    owner: String,
    id: String,
    #[entity(validate = "non_empty")]
    title: String,
    pages: u32,
    #[entity(created_at)]
    created_at: Option<Timestamp>,
    #[entity(updated_at)]
    updated_at: Timestamp,
    #[entity(ttl)]
    expires_at: Option<Timestamp>,
}

/// The docs of one owner, read with one query.
#[derive(Collection, Debug, Default, PartialEq)]
#[collection(table = Life)]
struct Shelf {
    docs: Vec<Doc>,
}

const T0: i64 = 1_700_000_000;

fn doc(owner: &str, id: &str) -> Doc {
    Doc {
        owner: owner.into(),
        id: id.into(),
        title: format!("Doc {id}"),
        pages: 1,
        created_at: None,
        updated_at: Timestamp::UNIX_EPOCH,
        expires_at: None,
    }
}

async fn fresh() -> (TableClient<Life>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(T0)));
    let db = Life::client(MemoryBackend::new()).with_clock(clock.clone());
    db.create_table().await.expect("table created");
    (db, clock)
}

async fn raw(db: &TableClient<Life>, pk: &str, sk: &str) -> Option<Item> {
    let key: Item = [
        ("PK".to_owned(), AttributeValue::S(pk.into())),
        ("SK".to_owned(), AttributeValue::S(sk.into())),
    ]
    .into_iter()
    .collect();
    db.backend()
        .get_item(GetItemInput { table_name: "Life".into(), key, ..GetItemInput::default() })
        .await
        .unwrap()
        .item
}

fn counter(id: &str) -> Counter {
    Counter { id: id.into(), value: 0, version: 0 }
}

/// Read, add one, write back; retry on a version conflict. Returns the retries.
async fn increment(db: &TableClient<Life>, id: &str) -> u32 {
    let mut retries = 0;
    loop {
        let mut current = db.get(Counter::key(id)).consistent().await.unwrap().unwrap();
        current.value += 1;
        // Let other tasks read the same version in between.
        tokio::task::yield_now().await;
        match db.put(&current).await {
            Ok(()) => return retries,
            Err(Error::VersionConflict { entity, expected, actual, .. }) => {
                assert_eq!(entity, "Counter");
                assert_eq!(expected, Some(current.version));
                assert_ne!(actual, expected);
                retries += 1;
                tokio::task::yield_now().await;
            }
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_read_modify_write_counts_exactly() {
    let (db, _) = fresh().await;
    db.put(&counter("c")).await.unwrap();
    const TASKS: u64 = 16;
    const EACH: u64 = 25;
    let mut handles = Vec::new();
    for _ in 0..TASKS {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            let mut retries = 0;
            for _ in 0..EACH {
                retries += increment(&db, "c").await;
            }
            retries
        }));
    }
    let mut retries = 0;
    for handle in handles {
        retries += handle.await.unwrap();
    }
    println!("{retries} writes lost a race and were retried");
    let last = db.get(Counter::key("c")).consistent().await.unwrap().unwrap();
    assert_eq!(last.value, TASKS * EACH);
    // Created at 1, one bump per successful write.
    assert_eq!(last.version, 1 + TASKS * EACH);
}

#[tokio::test]
async fn put_versions_create_and_replace() {
    let (db, _) = fresh().await;
    let fresh_counter = counter("a");
    db.put(&fresh_counter).await.unwrap();
    let stored = db.get(Counter::key("a")).await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    // A second create of the same key conflicts: the item exists at version 1.
    match db.put(&fresh_counter).await {
        Err(Error::VersionConflict { expected: None, actual: Some(1), .. }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    // Replace from version 1, then a stale replace from version 1 again.
    db.put(&Counter { value: 5, ..stored.clone() }).await.unwrap();
    match db.put(&Counter { value: 6, ..stored.clone() }).await {
        Err(Error::VersionConflict { expected: Some(1), actual: Some(2), .. }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    let now = db.get(Counter::key("a")).await.unwrap().unwrap();
    assert_eq!((now.value, now.version), (5, 2));
    // The caller's own condition failing stays a ConditionalCheckFailed.
    assert!(matches!(
        db.put(&Counter { id: "b".into(), ..now.clone() }).await,
        Err(Error::VersionConflict { expected: Some(2), actual: None, .. })
    ));
    // A put of a version that matches but with a failing own condition.
    match db.put(&now).if_not_exists().await {
        Err(Error::ConditionalCheckFailed { .. }) => {}
        other => panic!("expected the caller's condition to fail, got {other:?}"),
    }
}

#[tokio::test]
async fn update_bumps_and_checks_the_version() {
    let (db, _) = fresh().await;
    db.put(&counter("u")).await.unwrap();
    db.update(Counter::key("u")).add(Counter::VALUE, 3u64).await.unwrap();
    let after = db.get(Counter::key("u")).await.unwrap().unwrap();
    assert_eq!((after.value, after.version), (3, 2));
    db.update(Counter::key("u")).add(Counter::VALUE, 1u64).expect_version(2).await.unwrap();
    match db.update(Counter::key("u")).add(Counter::VALUE, 1u64).expect_version(2).await {
        Err(Error::VersionConflict { expected: Some(2), actual: Some(3), .. }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    // An update never creates: a missing item stays ConditionalCheckFailed.
    assert!(matches!(
        db.update(Counter::key("none")).add(Counter::VALUE, 1u64).expect_version(1).await,
        Err(Error::ConditionalCheckFailed { .. })
    ));
    let last = db.get(Counter::key("u")).await.unwrap().unwrap();
    assert_eq!((last.value, last.version), (4, 3));
}

#[tokio::test]
async fn delete_checks_the_version() {
    let (db, _) = fresh().await;
    db.put(&counter("d")).await.unwrap();
    let held = db.get(Counter::key("d")).await.unwrap().unwrap();
    db.update(Counter::key("d")).add(Counter::VALUE, 1u64).await.unwrap();
    match db.delete_entity(&held).await {
        Err(Error::VersionConflict { expected: Some(1), actual: Some(2), .. }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(db.get(Counter::key("d")).await.unwrap().is_some());
    match db.delete(Counter::key("d")).expect_version(7).await {
        Err(Error::VersionConflict { expected: Some(7), actual: Some(2), .. }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    let current = db.get(Counter::key("d")).await.unwrap().unwrap();
    db.delete_entity(&current).await.unwrap();
    assert_eq!(db.get(Counter::key("d")).await.unwrap(), None);
}

#[tokio::test]
async fn transactions_check_versions_and_batches_refuse_them() {
    let (db, _) = fresh().await;
    db.put(&counter("t")).await.unwrap();
    let held = db.get(Counter::key("t")).await.unwrap().unwrap();
    db.transact().put(&Counter { value: 1, ..held.clone() }).commit().await.unwrap();
    match db.transact().put(&Counter { value: 2, ..held.clone() }).commit().await {
        Err(Error::VersionConflict { expected: Some(1), actual: Some(2), .. }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    let stored = db.get(Counter::key("t")).await.unwrap().unwrap();
    assert_eq!((stored.value, stored.version), (1, 2));
    match db.transact().delete_entity(&held).commit().await {
        Err(Error::VersionConflict { expected: Some(1), actual: Some(2), .. }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }

    // Batch writes cannot carry the version condition.
    match db.batch_write().put(&counter("b1")).await {
        Err(Error::VersionedBatchWrite { entity: "Counter" }) => {}
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(db.get(Counter::key("b1")).await.unwrap(), None);
    db.batch_write().put(&Counter { version: 4, ..counter("b1") }).unversioned().await.unwrap();
    assert_eq!(db.get(Counter::key("b1")).await.unwrap().unwrap().version, 4);
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.into())
}

#[tokio::test]
async fn timestamps_come_from_the_clock() {
    let (db, clock) = fresh().await;
    let t0 = Timestamp::from_unix_seconds(T0);
    db.put(&doc("o", "1")).await.unwrap();
    let first = db.get(Doc::key("o", "1")).await.unwrap().unwrap();
    assert_eq!(first.created_at, Some(t0));
    assert_eq!(first.updated_at, t0);

    // A put of the value read keeps its creation time and moves updated_at.
    clock.advance(Duration::from_secs(60));
    let t1 = Timestamp::from_unix_seconds(T0 + 60);
    db.put(&Doc { pages: 2, ..first.clone() }).await.unwrap();
    let second = db.get(Doc::key("o", "1")).await.unwrap().unwrap();
    assert_eq!((second.created_at, second.updated_at, second.pages), (Some(t0), t1, 2));

    // An update sets updated_at and never touches created_at.
    clock.advance(Duration::from_secs(60));
    let t2 = Timestamp::from_unix_seconds(T0 + 120);
    db.update(Doc::key("o", "1")).set(Doc::PAGES, 3u32).await.unwrap();
    let item = raw(&db, "OWNER#o", "DOC#1").await.unwrap();
    assert_eq!(item["updated_at"], s(&t2.to_rfc3339().unwrap()));
    assert_eq!(item["created_at"], s(&t0.to_rfc3339().unwrap()));

    // Transactions and batches stamp too.
    clock.advance(Duration::from_secs(60));
    let t3 = Timestamp::from_unix_seconds(T0 + 180);
    db.transact().put(&doc("o", "2")).commit().await.unwrap();
    db.batch_write().put(&doc("o", "3")).await.unwrap();
    for id in ["2", "3"] {
        let stamped = db.get(Doc::key("o", id)).await.unwrap().unwrap();
        assert_eq!((stamped.created_at, stamped.updated_at), (Some(t3), t3), "doc {id}");
    }
}

#[tokio::test]
async fn reads_can_hide_expired_items() {
    let (db, clock) = fresh().await;
    let soon = Timestamp::from_unix_seconds(T0 + 10);
    let later = Timestamp::from_unix_seconds(T0 + 1000);
    db.put(&Doc { expires_at: Some(soon), ..doc("o", "soon") }).await.unwrap();
    db.put(&Doc { expires_at: Some(later), ..doc("o", "later") }).await.unwrap();
    db.put(&doc("o", "never")).await.unwrap();
    clock.advance(Duration::from_secs(10));

    let ids = |docs: Vec<Doc>| {
        let mut ids: Vec<String> = docs.into_iter().map(|d| d.id).collect();
        ids.sort();
        ids
    };
    // Not hidden by default: the engine has not deleted the item (DynamoDB is lazy).
    assert_eq!(ids(Doc::query().owner("o").all(&db).await.unwrap()), ["later", "never", "soon"]);
    assert_eq!(
        ids(Doc::query().owner("o").hide_expired().all(&db).await.unwrap()),
        ["later", "never"]
    );
    assert_eq!(ids(Doc::scan().hide_expired().all(&db).await.unwrap()), ["later", "never"]);
    assert!(db.get(Doc::key("o", "soon")).await.unwrap().is_some());
    assert_eq!(db.get(Doc::key("o", "soon")).hide_expired().await.unwrap(), None);

    let hiding = db.clone().hide_expired(true);
    assert_eq!(hiding.get(Doc::key("o", "soon")).await.unwrap(), None);
    assert!(hiding.get(Doc::key("o", "soon")).show_expired().await.unwrap().is_some());
    let keys = || ["soon", "later", "never"].map(|id| Doc::key("o", id));
    assert_eq!(ids(hiding.batch_get(keys()).await.unwrap()), ["later", "never"]);
    assert_eq!(ids(db.batch_get(keys()).await.unwrap()).len(), 3);
    assert_eq!(ids(Doc::query().owner("o").all(&hiding).await.unwrap()), ["later", "never"]);

    let shelf = Shelf::query().owner("o").all(&hiding).await.unwrap();
    assert_eq!(ids(shelf.docs), ["later", "never"]);
    assert_eq!(Shelf::query().owner("o").all(&db).await.unwrap().docs.len(), 3);

    // The clock moves on; the cursor of a hiding query stays valid.
    clock.advance(Duration::from_secs(1000));
    assert_eq!(ids(Doc::query().owner("o").all(&hiding).await.unwrap()), ["never"]);
    let page = Doc::query().owner("o").limit(1).send(&hiding).await.unwrap();
    let cursor = page.cursor.expect("more pages");
    clock.advance(Duration::from_secs(1));
    Doc::query().owner("o").limit(1).cursor(cursor).send(&hiding).await.unwrap();
}

#[tokio::test]
async fn validation_hooks_run_before_every_write() {
    let (db, _) = fresh().await;
    let blank = Doc { title: "  ".into(), ..doc("o", "v") };
    match db.put(&blank).await {
        Err(Error::Invalid { entity: "Doc", field: Some("title"), message }) => {
            assert_eq!(message, "a title cannot be blank")
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    let huge = Doc { pages: 5000, ..doc("o", "v") };
    match db.put(&huge).await {
        Err(Error::Invalid { entity: "Doc", field: None, message }) => {
            assert_eq!(message, "5000 pages is too many")
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert!(matches!(
        db.transact().put(&blank).commit().await,
        Err(Error::Invalid { field: Some("title"), .. })
    ));
    assert!(matches!(db.batch_write().put(&huge).await, Err(Error::Invalid { field: None, .. })));
    // Nothing was written.
    assert_eq!(raw(&db, "OWNER#o", "DOC#v").await, None);

    db.put(&doc("o", "v")).await.unwrap();
    match db.update(Doc::key("o", "v")).set(Doc::TITLE, "").await {
        Err(Error::Invalid { field: Some("title"), .. }) => {}
        other => panic!("expected a validation error, got {other:?}"),
    }
    db.update(Doc::key("o", "v")).set(Doc::TITLE, "Renamed").await.unwrap();
    let item = raw(&db, "OWNER#o", "DOC#v").await.unwrap();
    assert_eq!(item["title"], s("Renamed"));
    assert_eq!(item.get("pages"), Some(&AttributeValue::N(Number::from(1u32))));
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Life, pk = "ACCOUNT#{id}", sk = "ACCOUNT")]
struct Account {
    id: String,
    #[entity(unique)]
    email: String,
    #[entity(unique)]
    nickname: Option<String>,
}

fn account(id: &str, email: &str) -> Account {
    Account { id: id.into(), email: email.into(), nickname: None }
}

fn unique_clash(result: Result<(), Error>, attribute: &str) {
    match result {
        Err(Error::UniqueConflict { entity: "Account", attribute: a }) if a == attribute => {}
        other => panic!("expected a unique conflict on {attribute}, got {other:?}"),
    }
}

async fn guard(db: &TableClient<Life>, attribute: &str, value: &str) -> Option<Item> {
    let key = format!("_unique#Account#{attribute}#{value}");
    raw(db, &key, &key).await
}

#[tokio::test]
async fn unique_values_are_guarded_moved_and_released() {
    let (db, _) = fresh().await;
    db.put(&account("a1", "x@example.com")).await.unwrap();
    let owner = guard(&db, "email", "x@example.com").await.expect("guard written");
    // The guard names its owner by the owning item's primary key.
    let owner_key: Item = [
        ("PK".to_owned(), AttributeValue::S("ACCOUNT#a1".to_owned())),
        ("SK".to_owned(), AttributeValue::S("ACCOUNT".to_owned())),
    ]
    .into();
    assert_eq!(owner.get("_owner"), Some(&AttributeValue::M(owner_key)));
    unique_clash(db.put(&account("a2", "x@example.com")).await, "email");
    assert_eq!(db.get(Account::key("a2")).await.unwrap(), None);
    // Replacing the owner with the same value is no clash.
    db.put(&account("a1", "x@example.com")).await.unwrap();

    // A put with a new value moves the guard.
    db.put(&account("a1", "y@example.com")).await.unwrap();
    assert_eq!(guard(&db, "email", "x@example.com").await, None);
    assert!(guard(&db, "email", "y@example.com").await.is_some());
    db.put(&account("a2", "x@example.com")).await.unwrap();

    // Updates move guards too, and clash like puts.
    unique_clash(db.update(Account::key("a2")).set(Account::EMAIL, "y@example.com").await, "email");
    db.update(Account::key("a2")).set(Account::EMAIL, "z@example.com").await.unwrap();
    assert_eq!(guard(&db, "email", "x@example.com").await, None);
    db.update(Account::key("a1")).set(Account::NICKNAME, "ace").await.unwrap();
    unique_clash(db.update(Account::key("a2")).set(Account::NICKNAME, "ace").await, "nickname");
    db.update(Account::key("a1")).remove(Account::NICKNAME).await.unwrap();
    assert_eq!(guard(&db, "nickname", "ace").await, None);
    let a2 = db.get(Account::key("a2")).await.unwrap().unwrap();
    assert_eq!(a2.email, "z@example.com");

    // Other ways of changing a unique attribute would skip the guards: refused.
    assert!(matches!(
        db.update(Account::key("a2")).set_if_not_exists(Account::NICKNAME, "sly").await,
        Err(Error::Invalid { field: Some("nickname"), .. })
    ));
    assert!(matches!(
        db.transact()
            .update(db.update(Account::key("a2")).set(Account::EMAIL, "q@x"))
            .commit()
            .await,
        Err(Error::Invalid { field: Some("email"), .. })
    ));

    // Deleting releases the guards.
    db.delete(Account::key("a1")).await.unwrap();
    assert_eq!(guard(&db, "email", "y@example.com").await, None);
    db.put(&account("a3", "y@example.com")).await.unwrap();

    // Guard items are not accounts: queries and scans never see them.
    let mut ids: Vec<String> =
        Account::scan().all(&db).await.unwrap().into_iter().map(|a| a.id).collect();
    ids.sort();
    assert_eq!(ids, ["a2", "a3"]);

    // Batch writes cannot check guards; transactions claim them.
    assert!(matches!(
        db.batch_write().put(&account("a4", "w@example.com")).await,
        Err(Error::Invalid { field: Some("email"), .. })
    ));
    unique_clash(db.transact().put(&account("a4", "z@example.com")).commit().await, "email");
    db.transact().put(&account("a4", "w@example.com")).commit().await.unwrap();
    assert!(guard(&db, "email", "w@example.com").await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_of_one_unique_value_have_one_winner() {
    let (db, _) = fresh().await;
    let mut handles = Vec::new();
    for i in 0..12 {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            db.put(&account(&format!("c{i}"), "same@example.com")).await
        }));
    }
    let mut winners = 0;
    for handle in handles {
        match handle.await.unwrap() {
            Ok(()) => winners += 1,
            // A loser sees the taken value, or (DynamoDB) a transaction conflict with
            // the winner's transaction in flight.
            Err(Error::UniqueConflict { .. } | Error::TransactionCanceled { .. }) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(winners, 1);
    assert_eq!(Account::scan().all(&db).await.unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------
// Write defaults: `default = "fn"` on an `Option` field fills `None` on every put.

#[derive(Table)]
#[table(name = "Plans", pk = "PK", sk = "SK", gsi(name = "ByPlan", pk = "plan"))]
struct Plans;

fn default_plan() -> Option<String> {
    Some("free".to_owned())
}

fn no_nickname() -> Option<String> {
    None
}

fn default_credits() -> u32 {
    10
}

fn known_plan(plan: &Option<String>) -> Result<(), String> {
    match plan.as_deref() {
        Some("free" | "pro") => Ok(()),
        Some(other) => Err(format!("unknown plan {other}")),
        None => Err("a plan is required".to_owned()),
    }
}

/// The entity hook refuses a member without a plan: a put of `plan: None` passes only
/// because the default applies before validation.
fn member_rules(member: &Member) -> Result<(), String> {
    match &member.plan {
        Some(_) => Ok(()),
        None => Err("the entity hook saw no plan".to_owned()),
    }
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Plans, pk = "MEMBER#{id}", sk = "MEMBER", validate = "member_rules",
         index(ByPlan, pk = [plan]))]
struct Member {
    id: String,
    #[entity(default = "default_plan", validate = "known_plan")]
    plan: Option<String>,
    #[entity(default = "no_nickname")]
    nickname: Option<String>,
    /// Not an `Option`: the default applies on reads only.
    #[entity(default = "default_credits")]
    credits: u32,
}

fn member(id: &str, plan: Option<&str>) -> Member {
    Member { id: id.into(), plan: plan.map(str::to_owned), nickname: None, credits: 3 }
}

fn mauve() -> Option<String> {
    Some("mauve".to_owned())
}

fn primary_color(color: &Option<String>) -> Result<(), String> {
    match color.as_deref() {
        None | Some("red" | "green" | "blue") => Ok(()),
        Some(other) => Err(format!("{other} is not a primary color")),
    }
}

/// A field hook and a write default without an entity hook.
#[derive(Entity, Debug, PartialEq)]
#[entity(table = Plans, pk = "BADGE#{id}", sk = "BADGE")]
struct Badge {
    id: String,
    #[entity(default = "mauve", validate = "primary_color")]
    color: Option<String>,
}

async fn plans() -> TableClient<Plans> {
    let db = Plans::client(MemoryBackend::new());
    db.create_table().await.expect("table created");
    db
}

async fn raw_plan(db: &TableClient<Plans>, id: &str) -> Option<Item> {
    let key: Item = [
        ("PK".to_owned(), AttributeValue::S(format!("MEMBER#{id}"))),
        ("SK".to_owned(), AttributeValue::S("MEMBER".into())),
    ]
    .into_iter()
    .collect();
    db.backend()
        .get_item(GetItemInput { table_name: "Plans".into(), key, ..GetItemInput::default() })
        .await
        .unwrap()
        .item
}

async fn plan_members(db: &TableClient<Plans>, plan: &str) -> Vec<String> {
    let mut ids: Vec<String> =
        Member::by_plan().plan(plan).all(db).await.unwrap().into_iter().map(|m| m.id).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn write_defaults_fill_options_on_every_put() {
    let db = plans().await;

    // put: the stored item holds the default, and reads agree.
    db.put(&member("a", None)).await.unwrap();
    let item = raw_plan(&db, "a").await.expect("stored");
    assert_eq!(item.get("plan"), Some(&s("free")));
    // A default function returning `None` stores nothing.
    assert_eq!(item.get("nickname"), None);
    assert_eq!(item.get("credits"), Some(&AttributeValue::N(Number::from(3u32))));
    let read = db.get(Member::key("a")).await.unwrap().expect("found");
    assert_eq!(read, Member { plan: Some("free".into()), ..member("a", None) });

    // A value that is there is kept.
    db.put(&member("b", Some("pro"))).await.unwrap();
    assert_eq!(raw_plan(&db, "b").await.unwrap().get("plan"), Some(&s("pro")));

    // create (put if not exists), batch put and transaction put apply it too.
    db.put(&member("c", None)).if_not_exists().await.unwrap();
    db.batch_write().put(&member("d", None)).put(&member("e", Some("pro"))).await.unwrap();
    db.transact().put(&member("f", None)).commit().await.unwrap();
    for id in ["c", "d", "f"] {
        assert_eq!(raw_plan(&db, id).await.unwrap().get("plan"), Some(&s("free")), "{id}");
    }
    assert_eq!(raw_plan(&db, "e").await.unwrap().get("plan"), Some(&s("pro")));

    // The index key is the defaulted attribute: keys and attributes agree.
    assert_eq!(plan_members(&db, "free").await, ["a", "c", "d", "f"]);
    assert_eq!(plan_members(&db, "pro").await, ["b", "e"]);

    // A non-`Option` field: the default fills an absent attribute on reads.
    db.update(Member::key("a")).remove(Member::CREDITS).await.unwrap();
    assert_eq!(raw_plan(&db, "a").await.unwrap().get("credits"), None);
    assert_eq!(db.get(Member::key("a")).await.unwrap().map(|m| m.credits), Some(10));
}

#[tokio::test]
async fn validation_sees_defaulted_values_and_updates_remove() {
    let db = plans().await;

    // The field hook still refuses what it must.
    match db.put(&member("x", Some("gold"))).await {
        Err(Error::Invalid { entity: "Member", field: Some("plan"), message }) => {
            assert_eq!(message, "unknown plan gold")
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert_eq!(raw_plan(&db, "x").await, None);
    // The field hook (`known_plan`) and the entity hook (`member_rules`) both refuse
    // `None`: the put passes because they see the default.
    db.put(&member("x", None)).await.unwrap();
    db.batch_write().put(&member("y", None)).await.unwrap();
    db.transact().put(&member("z", None)).commit().await.unwrap();

    // Without an entity hook too: the field hook sees the default, which it refuses.
    let badge = Badge { id: "b1".into(), color: None };
    match db.put(&badge).await {
        Err(Error::Invalid { entity: "Badge", field: Some("color"), message }) => {
            assert_eq!(message, "mauve is not a primary color")
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    db.put(&Badge { color: Some("red".into()), ..badge }).await.unwrap();

    // An update removing the attribute removes it (defaults apply to puts only); a read
    // then fills in the default again.
    db.update(Member::key("x")).remove(Member::PLAN).await.unwrap();
    assert_eq!(raw_plan(&db, "x").await.unwrap().get("plan"), None);
    assert_eq!(db.get(Member::key("x")).await.unwrap().and_then(|m| m.plan), Some("free".into()));
    assert_eq!(plan_members(&db, "free").await, ["y", "z"]);
}

// ---------------------------------------------------------------------------------------
// Transaction conflicts are retried under a retry policy (`RetryingBackend`).

fn badge(id: &str, color: &str) -> Badge {
    Badge { id: id.into(), color: Some(color.into()) }
}

async fn color(db: &TableClient<Plans>, id: &str) -> Option<String> {
    let key: Item = [
        ("PK".to_owned(), AttributeValue::S(format!("BADGE#{id}"))),
        ("SK".to_owned(), AttributeValue::S("BADGE".into())),
    ]
    .into_iter()
    .collect();
    let item = db
        .backend()
        .get_item(GetItemInput { table_name: "Plans".into(), key, ..GetItemInput::default() })
        .await
        .unwrap()
        .item?;
    match item.get("color") {
        Some(AttributeValue::S(color)) => Some(color.clone()),
        _ => None,
    }
}

/// A put and a transaction that meet a transaction held between its prepare and commit
/// phases: without retries they fail with the typed conflict; under a retry policy they
/// are sent again until the first transaction has committed, and then succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicting_writes_are_retried_under_a_retry_policy() {
    use singletable::backend::counting::CountingBackend;
    use singletable::retry::{RetryPolicy, RetryingBackend};

    let engine = MemoryBackend::new();
    let counting = CountingBackend::new(engine.clone());
    let patient = RetryPolicy {
        max_attempts: 500,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(4),
    };
    let retrying = Plans::client(RetryingBackend::new(counting.clone(), patient));
    let once = Plans::client(RetryingBackend::new(engine.clone(), RetryPolicy::NONE));
    let plain = Plans::client(engine.clone());
    retrying.create_table().await.unwrap();
    retrying.put(&badge("b1", "red")).await.unwrap();
    retrying.put(&badge("b2", "red")).await.unwrap();

    let (prepared_tx, mut prepared) = tokio::sync::mpsc::unbounded_channel();
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let gate = Arc::clone(&release);
    engine.on_transaction_prepared(move || {
        let (prepared_tx, gate) = (prepared_tx.clone(), Arc::clone(&gate));
        async move {
            let _ = prepared_tx.send(());
            if let Ok(permit) = gate.acquire().await {
                permit.forget();
            }
        }
    });
    let first = {
        let db = plain.clone();
        tokio::spawn(async move {
            db.transact().put(&badge("b1", "green")).put(&badge("b2", "green")).commit().await
        })
    };
    prepared.recv().await.unwrap();
    engine.clear_transaction_hook();

    // Retries off: the typed errors, after one request each.
    for db in [&plain, &once] {
        let put = db.put(&badge("b1", "blue")).await.unwrap_err();
        assert_eq!(put.dynamodb_type(), Some("TransactionConflictException"), "{put}");
        let tx = db.transact().put(&badge("b2", "blue")).commit().await.unwrap_err();
        assert!(
            matches!(&tx, Error::TransactionCanceled { reasons, .. }
                if reasons.len() == 1 && reasons[0].code == "TransactionConflict"),
            "{tx}"
        );
    }

    // Under the policy: both are retried while the first transaction holds the items.
    counting.reset();
    let put = {
        let db = retrying.clone();
        tokio::spawn(async move { db.put(&badge("b1", "blue")).await })
    };
    let tx = {
        let db = retrying.clone();
        tokio::spawn(async move { db.transact().put(&badge("b2", "blue")).commit().await })
    };
    let retried = || {
        let counts = counting.counts();
        counts.put_item >= 2 && counts.transact_write_items >= 2
    };
    for _ in 0..2000 {
        if retried() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert!(retried(), "both were retried: {:?}", counting.counts());
    assert_eq!(color(&plain, "b1").await.as_deref(), Some("red"), "nothing landed yet");

    release.add_permits(1);
    first.await.unwrap().unwrap();
    put.await.unwrap().unwrap();
    tx.await.unwrap().unwrap();
    // The retried writes landed after the first transaction.
    assert_eq!(color(&plain, "b1").await.as_deref(), Some("blue"));
    assert_eq!(color(&plain, "b2").await.as_deref(), Some("blue"));
}

// ---------------------------------------------------------------------------------------
// `batch_get_many` hides expired items as `batch_get` does.

#[tokio::test]
async fn batch_get_many_can_hide_expired_items() {
    let (db, clock) = fresh().await;
    let soon = Timestamp::from_unix_seconds(T0 + 10);
    db.put(&Doc { expires_at: Some(soon), ..doc("o", "soon") }).await.unwrap();
    db.put(&doc("o", "never")).await.unwrap();
    db.put(&counter("c1")).await.unwrap();
    clock.advance(Duration::from_secs(10));

    let keys = || ["soon", "never"].map(|id| Doc::key("o", id));
    let ids = |docs: &[Doc]| docs.iter().map(|d| d.id.clone()).collect::<Vec<_>>();
    // Kept by default: the engine has not deleted the item.
    let (docs, counters) =
        db.batch_get_many().keys(keys()).keys([Counter::key("c1")]).await.unwrap();
    assert_eq!(ids(&docs), ["soon", "never"]);
    assert_eq!(counters.len(), 1);
    let (docs, counters) =
        db.batch_get_many().keys(keys()).keys([Counter::key("c1")]).hide_expired().await.unwrap();
    assert_eq!(ids(&docs), ["never"]);
    assert_eq!(counters.len(), 1, "an item without a TTL value never expires");

    // The client's default, and the per-request override.
    let hiding = db.clone().hide_expired(true);
    let (docs,) = hiding.batch_get_many().keys(keys()).await.unwrap();
    assert_eq!(ids(&docs), ["never"]);
    let (docs,) = hiding.batch_get_many().keys(keys()).show_expired().await.unwrap();
    assert_eq!(ids(&docs), ["soon", "never"]);
    // `batch_get` agrees.
    assert_eq!(ids(&hiding.batch_get(keys()).await.unwrap()), ["never"]);
}
