//! Writes of issue 24, each case run on the embedded engine and on DynamoDB Local (through
//! `AwsBackend`): upserts (whole entities, from keys, counters, read-only fields, index
//! keys kept in step, version checks), the item a conditional write was rejected by,
//! nested updates that create their parent maps (and typed partial updates of nested
//! structs), computed attributes.
//!
//! A custom harness (libtest-mimic) so that one DynamoDB Local serves the whole binary.
//! Without Java the Local cases are reported ignored, except under `CI=true` where that
//! fails (see `singletable_testkit`).

use std::collections::HashMap;
use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use singletable::clock::ManualClock;
use singletable::prelude::*;
use singletable::CountingBackend;
use singletable::{AttributeValue, Error, Rejected};
use singletable_testkit::DynamoDbLocal;

#[derive(Table)]
#[table(
    name = "Writes",
    pk = "PK",
    sk = "SK",
    gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
    gsi(name = "GSI2", pk = "GSI2PK", sk = "GSI2SK"),
    gsi(name = "ByTenant", pk = ["tenant"], sk = ["role"])
)]
struct App;

/// A native multi-attribute index whose partition key is a primary-key field.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "TENANT#{tenant}", sk = "MEMBER#{member}",
         index(ByTenant, pk = [tenant], sk = [role]))]
struct Membership {
    tenant: String,
    member: String,
    role: String,
}

fn full_name(first: &str, last: &str) -> String {
    format!("{first} {last}")
}

fn slugify(title: &str) -> String {
    title.to_lowercase().replace(' ', "-")
}

/// Two-input computed field (`full`) in an index template, a read-only field, a version,
/// timestamps, an optional field.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE",
         index(GSI1, pk = "EMAIL#{email}", sk = "USER"),
         index(GSI2, pk = "NAME#{full}", sk = "USER#{user_id}"))]
struct User {
    user_id: String,
    email: String,
    first: String,
    last: String,
    #[entity(computed = "full_name", from(first, last))]
    full: String,
    #[entity(read_only)]
    signed_up_via: String,
    nickname: Option<String>,
    #[entity(version)]
    version: u64,
    #[entity(created_at)]
    created_at: Option<Timestamp>,
    #[entity(updated_at)]
    updated_at: Timestamp,
}

/// A counter whose GSI1 key is made of its primary-key field and literals only.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "PAGE#{page}", sk = "VIEWS",
         index(GSI1, pk = "VIEWS", sk = "PAGE#{page}"))]
struct PageViews {
    page: String,
    count: u64,
}

#[derive(Attribute, Debug, Clone, PartialEq, Default)]
struct Address {
    street: Option<String>,
    city: Option<String>,
    zip: Option<String>,
}

/// A one-input computed field (`slug`) in an index template, nested maps.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "ARTICLE#{id}", sk = "ARTICLE",
         index(GSI1, pk = "SLUG#{slug}", sk = "ARTICLE"))]
struct Article {
    id: String,
    title: String,
    #[entity(computed = "slugify", from(title))]
    slug: String,
    shipping: Option<Address>,
    labels: Option<HashMap<String, HashMap<String, String>>>,
}

/// Unique attributes: a required one, an optional one, a read-only one.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "ACCT#{id}", sk = "ACCT")]
struct Account {
    id: String,
    #[entity(unique)]
    email: String,
    #[entity(unique)]
    nickname: Option<String>,
    #[entity(unique, read_only)]
    handle: String,
}

fn account(id: &str, email: &str, handle: &str) -> Account {
    Account { id: id.into(), email: email.into(), nickname: None, handle: handle.into() }
}

fn user(id: &str) -> User {
    User {
        user_id: id.into(),
        email: format!("{id}@x.io"),
        first: "Ann".into(),
        last: "Lee".into(),
        full: String::new(),
        signed_up_via: "web".into(),
        nickname: Some("annie".into()),
        version: 0,
        created_at: None,
        updated_at: Timestamp::UNIX_EPOCH,
    }
}

fn article(id: &str, title: &str) -> Article {
    Article {
        id: id.into(),
        title: title.into(),
        slug: "ignored".into(),
        shipping: None,
        labels: None,
    }
}

fn check(condition: bool, what: &str) -> Result<(), Failed> {
    if condition {
        Ok(())
    } else {
        Err(what.into())
    }
}

/// A client over `backend` that counts requests, with a manual clock at `t0`.
async fn client<B: Backend>(
    backend: B,
    t0: i64,
) -> Result<(TableClient<App>, Arc<CountingBackend<B>>, Arc<ManualClock>), Failed> {
    let counting = Arc::new(CountingBackend::new(backend));
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(t0)));
    let db = TableClient::<App>::from_shared(counting.clone()).with_clock(clock.clone());
    match db.create_table().await {
        Ok(_) | Err(Error::ResourceInUse { .. }) => {}
        Err(other) => return Err(format!("create_table: {other}").into()),
    }
    Ok((db, counting, clock))
}

/// Stores an item of an entity type the model does not know under `pk`/`sk`.
async fn counting_put_other(db: &TableClient<App>, pk: &str, sk: &str) -> Result<(), Failed> {
    let item = [
        ("PK".to_owned(), AttributeValue::S(pk.into())),
        ("SK".to_owned(), AttributeValue::S(sk.into())),
        ("_type".to_owned(), AttributeValue::S("Something".into())),
    ]
    .into_iter()
    .collect();
    db.backend()
        .put_item(singletable::backend::PutItemInput {
            table_name: "Writes".into(),
            item,
            ..Default::default()
        })
        .await?;
    Ok(())
}

async fn upsert_whole_entity<B: Backend>(backend: B) -> Result<(), Failed> {
    let (db, counting, clock) = client(backend, 1_700_000_000).await?;
    let mut ann = user("up1");
    counting.reset();
    db.upsert(&ann).await?;
    check(counting.counts().update_item == 1, "an upsert is one UpdateItem")?;
    check(counting.counts().total() == 1, "and nothing else")?;
    let stored = db.get(User::key("up1")).consistent().await?.ok_or("created")?;
    check(stored.version == 1, &format!("created at version 1, not {}", stored.version))?;
    check(stored.full == "Ann Lee", &format!("computed on upsert: {:?}", stored.full))?;
    let t0 = Timestamp::from_unix_seconds(1_700_000_000);
    check(stored.created_at == Some(t0), "created_at stamped")?;
    check(stored.updated_at == t0, "updated_at stamped")?;
    let by_email = User::by_gsi1().email("up1@x.io").first(&db).await?;
    check(by_email.as_ref() == Some(&stored), "GSI1 key written")?;

    // Change the email (an index key), the read-only field and drop the nickname.
    clock.advance(std::time::Duration::from_secs(60));
    ann = stored.clone();
    ann.email = "up1-new@x.io".into();
    ann.signed_up_via = "mobile".into();
    ann.nickname = None;
    ann.first = "Anna".into();
    db.upsert(&ann).await?;
    let stored = db.get(User::key("up1")).consistent().await?.ok_or("still there")?;
    check(stored.signed_up_via == "web", "a read-only field keeps its stored value")?;
    check(stored.email == "up1-new@x.io", "the email changed")?;
    check(stored.nickname.is_none(), "a None field is removed, as a put would")?;
    check(stored.version == 2, "the version went up by one")?;
    check(stored.created_at == Some(t0), "created_at kept")?;
    check(stored.updated_at.unix_seconds() == 1_700_000_060, "updated_at moved")?;
    check(stored.full == "Anna Lee", "recomputed")?;
    check(User::by_gsi1().email("up1@x.io").first(&db).await?.is_none(), "old GSI1 key gone")?;
    check(User::by_gsi1().email("up1-new@x.io").first(&db).await?.is_some(), "new GSI1 key")?;
    check(
        User::by_gsi2().full("Anna Lee").first(&db).await?.is_some()
            && User::by_gsi2().full("Ann Lee").first(&db).await?.is_none(),
        "the computed index key moved",
    )?;

    // A stale version is a conflict that carries the stored item.
    let mut stale = stored.clone();
    stale.version = 1;
    match db.upsert(&stale).await {
        Err(Error::VersionConflict { expected: Some(1), actual: Some(2), current, .. }) => {
            check(current.is_some(), "the conflict keeps the item")?
        }
        other => return Err(format!("stale upsert: {other:?}").into()),
    }
    // Never over another entity's item under the same key.
    db.put(&PageViews { page: "p-clash".into(), count: 3 }).await?;
    let clash = db.upsert(PageViews::key("p-clash")).add(PageViews::COUNT, 1).await;
    check(clash.is_ok(), &format!("same entity: {clash:?}"))?;
    counting_put_other(&db, "USER#up-other", "PROFILE").await?;
    let other = db.upsert(&user("up-other")).await;
    check(
        matches!(other, Err(Error::ConditionalCheckFailed { .. })),
        &format!("an upsert over another entity type fails: {other:?}"),
    )?;
    Ok(())
}

async fn upsert_from_key<B: Backend>(backend: B) -> Result<(), Failed> {
    let (db, counting, _clock) = client(backend, 1_700_000_000).await?;
    // Counters on items that do not exist yet.
    db.upsert(PageViews::key("home")).add(PageViews::COUNT, 1).await?;
    db.upsert(PageViews::key("home")).add(PageViews::COUNT, 2).await?;
    let views = db.get(PageViews::key("home")).consistent().await?.ok_or("created")?;
    check(views.count == 3, &format!("counted 3, not {}", views.count))?;
    // The GSI1 key of primary-key fields and literals is written on creation too.
    let listed = PageViews::by_gsi1().page("home").first(&db).await?;
    check(listed == Some(views), "the static index key is written")?;

    // A required field left out is refused before sending.
    counting.reset();
    let partial = db.upsert(User::key("uk1")).set(User::EMAIL, "uk1@x.io").await;
    match partial {
        Err(Error::Invalid { field: Some("first"), .. }) => {}
        other => return Err(format!("partial upsert: {other:?}").into()),
    }
    check(counting.counts().total() == 0, "nothing sent")?;

    // Every required field: created, read-only written once.
    let create = || {
        db.upsert(User::key("uk1"))
            .set(User::EMAIL, "uk1@x.io")
            .set_composite(User::full_composite("Bo", "Li"))
            .set(User::SIGNED_UP_VIA, "import")
    };
    create().await?;
    let stored = db.get(User::key("uk1")).consistent().await?.ok_or("created")?;
    check(stored.full == "Bo Li" && stored.version == 1, &format!("{stored:?}"))?;
    check(stored.created_at.is_some(), "created_at written on creation")?;
    check(User::by_gsi2().full("Bo Li").first(&db).await?.is_some(), "GSI2 written")?;
    db.upsert(User::key("uk1"))
        .set(User::EMAIL, "uk1@y.io")
        .set_composite(User::full_composite("Bo", "Li"))
        .set(User::SIGNED_UP_VIA, "later")
        .await?;
    let stored = db.get(User::key("uk1")).consistent().await?.ok_or("there")?;
    check(stored.signed_up_via == "import", "read-only kept")?;
    check(stored.email == "uk1@y.io" && stored.version == 2, &format!("{stored:?}"))?;
    let returned = create().return_new().await?;
    check(returned.email == "uk1@x.io" && returned.version == 3, "return_new decodes")?;
    // A created item carries the key fields a native index is keyed on.
    db.upsert(Membership::key("t1", "m1")).set(Membership::ROLE, "admin").await?;
    let members = Membership::by_tenant().tenant("t1").all(&db).await?;
    let expected = Membership { tenant: "t1".into(), member: "m1".into(), role: "admin".into() };
    check(members == vec![expected], &format!("in the native index: {members:?}"))?;
    Ok(())
}

/// The guard item of `value` of `attribute`, raw (strongly consistent).
async fn guard(db: &TableClient<App>, attribute: &str, value: &str) -> Result<bool, Failed> {
    let text = format!("_unique#Account#{attribute}#{value}");
    let key = [("PK", &text), ("SK", &text)]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), AttributeValue::S(value.clone())))
        .collect();
    let output = db
        .backend()
        .get_item(singletable::backend::GetItemInput {
            table_name: "Writes".into(),
            key,
            consistent_read: true,
            ..Default::default()
        })
        .await?;
    Ok(output.item.is_some())
}

fn is_unique_clash<T: std::fmt::Debug>(
    result: Result<T, Error>,
    attribute: &str,
) -> Result<(), Failed> {
    match result {
        Err(Error::UniqueConflict { entity: "Account", attribute: a }) if a == attribute => Ok(()),
        other => Err(format!("expected a unique conflict on {attribute}, got {other:?}").into()),
    }
}

async fn upsert_unique_and_in_transactions<B: Backend>(backend: B) -> Result<(), Failed> {
    let (db, counting, _clock) = client(backend, 1_700_000_000).await?;
    // Creating: the item and its guards, in one transaction after one read.
    counting.reset();
    db.upsert(&account("a1", "x@u.io", "ax")).await?;
    let counts = counting.counts();
    check(counts.get_item == 1 && counts.transact_write_items == 1, &format!("{counts:?}"))?;
    check(counts.update_item == 0, "no bare UpdateItem")?;
    check(
        db.get(Account::key("a1")).consistent().await? == Some(account("a1", "x@u.io", "ax")),
        "a1",
    )?;
    check(guard(&db, "email", "x@u.io").await? && guard(&db, "handle", "ax").await?, "guards")?;
    // A value another item holds: a conflict, nothing written.
    is_unique_clash(db.upsert(&account("a2", "x@u.io", "bx")).await, "email")?;
    check(db.get(Account::key("a2")).consistent().await?.is_none(), "a2 not created")?;
    check(!guard(&db, "handle", "bx").await?, "no guard for a2's handle")?;
    // Changing the value moves the guard; the read-only handle keeps its stored value,
    // and so does its guard.
    db.upsert(&Account { nickname: Some("ace".into()), ..account("a1", "y@u.io", "zz") }).await?;
    let a1 = db.get(Account::key("a1")).consistent().await?.ok_or("a1")?;
    check(a1.email == "y@u.io" && a1.handle == "ax", &format!("{a1:?}"))?;
    check(!guard(&db, "email", "x@u.io").await? && guard(&db, "email", "y@u.io").await?, "moved")?;
    check(guard(&db, "handle", "ax").await? && !guard(&db, "handle", "zz").await?, "handle kept")?;
    check(guard(&db, "nickname", "ace").await?, "nickname claimed")?;
    // A whole-entity upsert without the optional value removes it and its guard.
    db.upsert(&account("a1", "y@u.io", "ax")).await?;
    check(!guard(&db, "nickname", "ace").await?, "nickname released")?;
    // From a key: the value is claimed, or clashes.
    let from_key = |id: &str, email: &str| {
        db.upsert(Account::key(id))
            .set(Account::EMAIL, email.to_owned())
            .set(Account::HANDLE, format!("h{id}"))
    };
    is_unique_clash(from_key("a3", "y@u.io").await, "email")?;
    from_key("a3", "z@u.io").await?;
    check(guard(&db, "email", "z@u.io").await? && guard(&db, "handle", "ha3").await?, "a3 guards")?;
    from_key("a3", "w@u.io").await?;
    check(
        !guard(&db, "email", "z@u.io").await? && guard(&db, "email", "w@u.io").await?,
        "a3 moved",
    )?;
    // Over an item of another entity: refused before the transaction.
    counting_put_other(&db, "ACCT#a9", "ACCT").await?;
    match db.upsert(&account("a9", "q@u.io", "a9")).await {
        Err(Error::ConditionalCheckFailed { .. }) => {}
        other => return Err(format!("upsert over another entity: {other:?}").into()),
    }
    check(!guard(&db, "email", "q@u.io").await?, "no guard claimed")?;

    // In a transaction: created with its guards, beside a counter upsert.
    db.transact()
        .upsert(db.upsert(&account("a4", "t@u.io", "ht")))
        .upsert(db.upsert(PageViews::key("tx")).add(PageViews::COUNT, 5))
        .commit()
        .await?;
    check(
        db.get(Account::key("a4")).consistent().await? == Some(account("a4", "t@u.io", "ht")),
        "a4",
    )?;
    check(guard(&db, "email", "t@u.io").await? && guard(&db, "handle", "ht").await?, "tx guards")?;
    let views = db.get(PageViews::key("tx")).consistent().await?.ok_or("counter created")?;
    check(views.count == 5, "counter upsert in a transaction")?;
    // The same values again: kept (the guards are already this item's).
    db.transact().upsert(db.upsert(&account("a4", "t@u.io", "ht"))).commit().await?;
    // A changed value cannot move its guard without a read: the transaction is cancelled
    // and nothing changes.
    match db.transact().upsert(db.upsert(&account("a4", "s@u.io", "ht"))).commit().await {
        Err(Error::TransactionCanceled { reasons, .. }) => check(
            reasons.first().is_some_and(|r| r.code == "ConditionalCheckFailed"),
            &format!("the upsert's condition: {reasons:?}"),
        )?,
        other => return Err(format!("changed unique value in a transaction: {other:?}").into()),
    }
    check(db.get(Account::key("a4")).consistent().await?.ok_or("a4")?.email == "t@u.io", "kept")?;
    check(!guard(&db, "email", "s@u.io").await?, "no guard for s@")?;
    // A value another item holds: a conflict, as for a transaction put.
    is_unique_clash(
        db.transact().upsert(db.upsert(&account("a5", "w@u.io", "h5"))).commit().await,
        "email",
    )?;
    // An upsert from a key that leaves a required field unwritten is refused here too.
    match db
        .transact()
        .upsert(db.upsert(Account::key("a6")).set(Account::EMAIL, "v@u.io"))
        .commit()
        .await
    {
        Err(Error::Invalid { field: Some("handle"), .. }) => {}
        other => return Err(format!("incomplete upsert in a transaction: {other:?}").into()),
    }
    // An update setting a unique attribute joins a transaction only with the stored
    // value, whose guard it releases: without it, refused and nothing sent.
    match db
        .transact()
        .update(db.update(Account::key("a4")).set(Account::EMAIL, "r@u.io"))
        .commit()
        .await
    {
        Err(Error::Invalid { field: Some("email"), .. }) => {}
        other => return Err(format!("unique update in a transaction: {other:?}").into()),
    }
    check(!guard(&db, "email", "r@u.io").await?, "no guard for r@")?;
    // A wrong stored value: the update's condition cancels, nothing changes.
    let moved = |stored: &'static str| {
        db.update(Account::key("a4"))
            .set(Account::EMAIL, "r@u.io")
            .expecting(Account::EMAIL, stored)
    };
    match db.transact().update(moved("z@u.io")).commit().await {
        Err(Error::TransactionCanceled { reasons, .. }) => check(
            reasons.first().is_some_and(|r| r.code == "ConditionalCheckFailed"),
            &format!("the update's condition: {reasons:?}"),
        )?,
        other => return Err(format!("a wrong stored value: {other:?}").into()),
    }
    check(!guard(&db, "email", "r@u.io").await? && guard(&db, "email", "t@u.io").await?, "kept")?;
    // The stored value: the guard moves in the transaction.
    db.transact().update(moved("t@u.io")).commit().await?;
    check(db.get(Account::key("a4")).consistent().await?.ok_or("a4")?.email == "r@u.io", "r@")?;
    check(guard(&db, "email", "r@u.io").await? && !guard(&db, "email", "t@u.io").await?, "moved")?;
    // A value another item holds: a conflict, nothing written.
    is_unique_clash(
        db.transact()
            .update(
                db.update(Account::key("a4"))
                    .set(Account::EMAIL, "w@u.io")
                    .expecting(Account::EMAIL, "r@u.io"),
            )
            .commit()
            .await,
        "email",
    )?;
    check(guard(&db, "email", "r@u.io").await?, "r@ kept after the clash")?;
    // On its own, an update reads the stored value and moves the guard.
    db.update(Account::key("a4")).set(Account::EMAIL, "t@u.io").await?;
    check(guard(&db, "email", "t@u.io").await? && !guard(&db, "email", "r@u.io").await?, "back")?;
    Ok(())
}

async fn rejected_items<B: Backend>(backend: B) -> Result<(), Failed> {
    let (db, _counting, _clock) = client(backend, 1_700_000_000).await?;
    let mut a = article("rj1", "First Title");
    db.put(&a).await?;
    let stored = db.get(Article::key("rj1")).consistent().await?.ok_or("stored")?;

    // Without asking, the error has no item.
    match db.put(&a).if_not_exists().await {
        Err(Error::ConditionalCheckFailed { item: None, .. }) => {}
        other => return Err(format!("plain failure: {other:?}").into()),
    }
    a.title = "Second".into();
    match db.put(&a).if_not_exists().return_on_condition_failure().await {
        Err(Rejected::Condition { current: Some(current), error }) => {
            check(current == stored, "put: the stored item, decoded")?;
            check(matches!(error, Error::ConditionalCheckFailed { .. }), "put: the error")?;
        }
        other => return Err(format!("put: {other:?}").into()),
    }
    match db
        .update(Article::key("rj1"))
        .set(Article::TITLE, "Third")
        .condition(Article::TITLE.eq("nope"))
        .return_on_condition_failure()
        .await
    {
        Err(Rejected::Condition { current: Some(current), .. }) => {
            check(current == stored, "update: the stored item")?
        }
        other => return Err(format!("update: {other:?}").into()),
    }
    match db
        .update(Article::key("rj1"))
        .set(Article::TITLE, "Third")
        .condition(Article::TITLE.eq("nope"))
        .return_new()
        .return_on_condition_failure()
        .await
    {
        Err(rejected) => check(rejected.current() == Some(&stored), "update returning")?,
        Ok(new) => return Err(format!("update returning succeeded: {new:?}").into()),
    }
    match db
        .delete(Article::key("rj1"))
        .condition(Article::TITLE.eq("nope"))
        .return_on_condition_failure()
        .await
    {
        Err(Rejected::Condition { current: Some(current), .. }) => {
            check(current == stored, "delete: the stored item")?
        }
        other => return Err(format!("delete: {other:?}").into()),
    }
    // A missing item: the condition failed and there is no item.
    match db
        .update(Article::key("rj-missing"))
        .set(Article::TITLE, "x")
        .return_on_condition_failure()
        .await
    {
        Err(Rejected::Condition { current: None, .. }) => {}
        other => return Err(format!("missing: {other:?}").into()),
    }
    // A version conflict is a rejection with the stored item.
    let mut bo = user("rj-user");
    db.put(&bo).await?;
    bo.version = 7;
    match db.put(&bo).return_on_condition_failure().await {
        Err(Rejected::Condition { current: Some(current), error }) => {
            check(current.version == 1, "the stored version")?;
            check(
                matches!(error, Error::VersionConflict { expected: Some(7), actual: Some(1), .. }),
                &format!("a version conflict: {error:?}"),
            )?;
        }
        other => return Err(format!("version: {other:?}").into()),
    }
    // An item of another entity under the key does not decode.
    counting_put_other(&db, "ARTICLE#rj-other", "ARTICLE").await?;
    let other = db
        .delete(Article::key("rj-other"))
        .condition(Article::TITLE.eq("x"))
        .return_on_condition_failure()
        .await;
    check(
        matches!(other, Err(Rejected::Undecodable { .. })),
        &format!("another entity's item does not decode: {other:?}"),
    )?;
    let upserted = db
        .upsert(&Article { id: "rj-up".into(), ..article("rj-up", "x") })
        .condition(Article::TITLE.eq("never"))
        .return_on_condition_failure()
        .await;
    check(
        matches!(upserted, Err(Rejected::Condition { current: None, .. })),
        &format!("upsert of a missing item under a false condition: {upserted:?}"),
    )?;
    Ok(())
}

async fn nested_updates<B: Backend>(backend: B) -> Result<(), Failed> {
    let (db, counting, _clock) = client(backend, 1_700_000_000).await?;
    db.put(&article("n1", "Nested")).await?;
    // Plain `set` under a missing map fails as DynamoDB does.
    let plain =
        db.update(Article::key("n1")).set(Article::SHIPPING.then(Address::CITY), "Oslo").await;
    match plain {
        Err(Error::Validation { message, .. }) => check(
            message.contains(
                "The document path provided in the update expression is invalid for update",
            ),
            &format!("the document path error: {message}"),
        )?,
        other => return Err(format!("plain nested set: {other:?}").into()),
    }
    counting.reset();
    db.update(Article::key("n1"))
        .set_creating_parents(Article::SHIPPING.then(Address::CITY), "Oslo")
        .await?;
    check(counting.counts().update_item == 2, "a missing parent costs two UpdateItems")?;
    let stored = db.get(Article::key("n1")).consistent().await?.ok_or("there")?;
    let expected = Address { city: Some("Oslo".into()), ..Address::default() };
    check(stored.shipping == Some(expected), &format!("parent created: {:?}", stored.shipping))?;
    counting.reset();
    db.update(Article::key("n1"))
        .set_creating_parents(Article::SHIPPING.then(Address::ZIP), "0150")
        .await?;
    check(counting.counts().update_item == 1, "an existing parent costs one UpdateItem")?;
    // Merge: only the leaves the value holds.
    db.update(Article::key("n1"))
        .merge(Article::SHIPPING, &Address { street: Some("Main 1".into()), ..Address::default() })
        .await?;
    let stored = db.get(Article::key("n1")).consistent().await?.ok_or("there")?;
    let expected = Address {
        street: Some("Main 1".into()),
        city: Some("Oslo".into()),
        zip: Some("0150".into()),
    };
    check(stored.shipping == Some(expected), &format!("merged: {:?}", stored.shipping))?;
    // Two levels missing, then one; paths under one missing map become one map.
    db.update(Article::key("n1"))
        .set_creating_parents(Article::LABELS.key("a").key("b"), "x")
        .set_creating_parents(Article::LABELS.key("a").key("c"), "y")
        .await?;
    db.update(Article::key("n1"))
        .set_creating_parents(Article::LABELS.key("d").key("e"), "z")
        .set_creating_parents(Article::LABELS.key("a").key("f"), "w")
        .await?;
    let labels = db.get(Article::key("n1")).consistent().await?.ok_or("there")?.labels;
    let expected: HashMap<String, HashMap<String, String>> = [
        ("a".to_owned(), vec![("b", "x"), ("c", "y"), ("f", "w")]),
        ("d".to_owned(), vec![("e", "z")]),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.into_iter().map(|(a, b)| (a.to_owned(), b.to_owned())).collect()))
    .collect();
    check(labels == Some(expected), &format!("labels: {labels:?}"))?;
    // The caller's failing condition is not mistaken for a missing parent.
    db.put(&article("n2", "Other")).await?;
    counting.reset();
    let refused = db
        .update(Article::key("n2"))
        .set_creating_parents(Article::SHIPPING.then(Address::CITY), "Rome")
        .condition(Article::TITLE.eq("not this"))
        .await;
    check(
        matches!(refused, Err(Error::ConditionalCheckFailed { .. })),
        &format!("the caller's condition: {refused:?}"),
    )?;
    let stored = db.get(Article::key("n2")).consistent().await?.ok_or("there")?;
    check(stored.shipping.is_none(), "nothing written")?;
    // An update never creates: a missing item stays a failure, in one request.
    counting.reset();
    let missing = db
        .update(Article::key("n-missing"))
        .set_creating_parents(Article::SHIPPING.then(Address::CITY), "Rome")
        .await;
    check(matches!(missing, Err(Error::ConditionalCheckFailed { .. })), "missing item")?;
    check(counting.counts().update_item == 1, "no retry for a missing item")?;
    Ok(())
}

async fn computed_fields<B: Backend>(backend: B) -> Result<(), Failed> {
    let (db, _counting, _clock) = client(backend, 1_700_000_000).await?;
    db.put(&article("c1", "Hello World")).await?;
    let stored = db.get(Article::key("c1")).consistent().await?.ok_or("there")?;
    check(stored.slug == "hello-world", "computed on put, whatever the held value")?;
    let found = Article::by_gsi1().slug("hello-world").first(&db).await?;
    check(found == Some(stored), "indexed by the computed value")?;
    // `set` of the only input recomputes the field and moves its index key.
    db.update(Article::key("c1")).set(Article::TITLE, "New Name").await?;
    let stored = db.get(Article::key("c1")).consistent().await?.ok_or("there")?;
    check(stored.slug == "new-name", &format!("recomputed: {}", stored.slug))?;
    check(Article::by_gsi1().slug("hello-world").first(&db).await?.is_none(), "old key gone")?;
    check(Article::by_gsi1().slug("new-name").first(&db).await?.is_some(), "new key")?;
    // Two inputs change together.
    db.put(&user("c-user")).await?;
    db.update(User::key("c-user")).set_composite(User::full_composite("Cy", "Ng")).await?;
    let stored = db.get(User::key("c-user")).consistent().await?.ok_or("there")?;
    check(stored.full == "Cy Ng" && stored.first == "Cy", &format!("{stored:?}"))?;
    check(User::by_gsi2().full("Cy Ng").first(&db).await?.is_some(), "GSI2 moved")?;
    // A transaction put and a batch put compute it too.
    db.transact().put(&article("c2", "In A Transaction")).commit().await?;
    db.batch_write().put(&article("c3", "In A Batch")).await?;
    for (id, slug) in [("c2", "in-a-transaction"), ("c3", "in-a-batch")] {
        let stored = db.get(Article::key(id)).consistent().await?.ok_or("there")?;
        check(stored.slug == slug, &format!("{id}: {}", stored.slug))?;
    }
    Ok(())
}

type Case = fn(Target) -> Result<(), Failed>;

#[derive(Clone)]
enum Target {
    Engine,
    Local(String),
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        [$((stringify!($name), (|target| match target {
            Target::Engine => block_on($name(MemoryBackend::new())),
            Target::Local(endpoint) => block_on($name(AwsBackend::from_endpoint(endpoint))),
        }) as Case)),*]
    };
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"))
        .block_on(future)
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let local = if args.list { None } else { DynamoDbLocal::start_or_skip() };
    let endpoint = local.as_ref().map(DynamoDbLocal::endpoint);
    let skipped = endpoint.is_none() && !args.list;
    let cases = cases!(
        upsert_whole_entity,
        upsert_from_key,
        rejected_items,
        nested_updates,
        computed_fields,
        upsert_unique_and_in_transactions,
    );
    let mut trials = Vec::new();
    for (name, run) in cases {
        trials.push(Trial::test(format!("engine::{name}"), move || run(Target::Engine)));
        let endpoint = endpoint.clone();
        trials.push(
            Trial::test(format!("local::{name}"), move || match endpoint {
                Some(endpoint) => run(Target::Local(endpoint)),
                None => Ok(()),
            })
            .with_ignored_flag(skipped),
        );
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(local);
    conclusion.exit_code()
}
