//! Transactions on the embedded engine: all or nothing, cancellation reasons paired with
//! their actions (and the old item decoded), transactions across two tables, idempotency
//! tokens, typed transactional reads, limits refused before anything is sent, and
//! concurrent conflicting transactions that leave a consistent state.

use std::sync::Arc;

use singletable::backend::counting::CountingBackend;
use singletable::prelude::*;
use singletable::transact::ActionKind;
use singletable::{Error, LimitError};

#[derive(Table)]
#[table(name = "Shop", pk = "PK", sk = "SK")]
struct Shop;

#[derive(Table)]
#[table(name = "Ledger", pk = "id")]
struct Ledger;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
    name: String,
    balance: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "USER#{user_id}", sk = "ORDER#{order_id}")]
struct Order {
    user_id: String,
    order_id: String,
    total: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Ledger, pk = "ENTRY#{entry_id}")]
struct Entry {
    entry_id: String,
    amount: i64,
}

struct Fixture {
    shop: TableClient<Shop>,
    ledger: TableClient<Ledger>,
    counting: CountingBackend<MemoryBackend>,
}

async fn fresh() -> Fixture {
    let counting = CountingBackend::new(MemoryBackend::new());
    let backend: Arc<dyn Backend> = Arc::new(counting.clone());
    let shop = TableClient::<Shop>::from_shared(Arc::clone(&backend));
    let ledger = TableClient::<Ledger>::from_shared(backend);
    shop.create_table().await.unwrap();
    ledger.create_table().await.unwrap();
    counting.reset();
    Fixture { shop, ledger, counting }
}

fn user(id: &str, balance: i64) -> User {
    User { user_id: id.into(), name: id.to_uppercase(), balance }
}

fn order(user_id: &str, id: &str, total: i64) -> Order {
    Order { user_id: user_id.into(), order_id: id.into(), total }
}

#[tokio::test]
async fn all_actions_apply_together() {
    let f = fresh().await;
    let db = &f.shop;
    db.put(&user("ann", 100)).await.unwrap();
    db.put(&user("bob", 0)).await.unwrap();
    db.put(&order("ann", "old", 5)).await.unwrap();
    f.counting.reset();
    db.transact()
        .put(&order("ann", "o1", 30))
        .put_if_not_exists(&order("ann", "o2", 40))
        .update(db.update(User::key("ann")).subtract(User::BALANCE, 70))
        .delete(Order::key("ann", "old"))
        .condition_check(User::key("bob"), User::exists())
        .commit()
        .await
        .unwrap();
    assert_eq!(f.counting.counts().transact_write_items, 1);
    assert_eq!(f.counting.counts().total(), 1);
    let (ann, o1, o2, old) = db
        .transact_get()
        .get(User::key("ann"))
        .get(Order::key("ann", "o1"))
        .get(Order::key("ann", "o2"))
        .get(Order::key("ann", "old"))
        .send()
        .await
        .unwrap();
    assert_eq!(ann.map(|u| u.balance), Some(30));
    assert_eq!(o1, Some(order("ann", "o1", 30)));
    assert_eq!(o2, Some(order("ann", "o2", 40)));
    assert_eq!(old, None);
}

#[tokio::test]
async fn a_failed_condition_writes_nothing_and_names_the_action() {
    let f = fresh().await;
    let db = &f.shop;
    let ann = user("ann", 10);
    db.put(&ann).await.unwrap();
    db.put(&order("ann", "o1", 1)).await.unwrap();
    let failure = db
        .transact()
        .put(&order("ann", "o2", 99))
        .delete(Order::key("ann", "o1"))
        .update(db.update(User::key("ann")).subtract(User::BALANCE, 50))
        .condition_check(User::key("ann"), User::BALANCE.ge(50))
        .return_old_on_failure()
        .commit_detailed()
        .await;
    // `update` and `condition_check` are on the same item: refused before sending.
    let failure = failure.unwrap_err();
    assert!(matches!(
        failure.error,
        Error::Limit(LimitError::DuplicateItem { first: 2, second: 3, .. })
    ));

    let failure = db
        .transact()
        .put(&order("ann", "o2", 99))
        .delete(Order::key("ann", "o1"))
        .update(
            db.update(User::key("ann")).subtract(User::BALANCE, 50).condition(User::BALANCE.ge(50)),
        )
        .return_old_on_failure()
        .commit_detailed()
        .await
        .unwrap_err();
    assert!(matches!(failure.error, Error::TransactionCanceled { .. }), "{failure}");
    assert_eq!(failure.reasons().len(), 3);
    let failed = failure.failed();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].action.index, 2);
    assert_eq!(failed[0].action.kind, ActionKind::Update);
    assert_eq!(failed[0].action.entity, "User");
    assert_eq!(failed[0].code(), "ConditionalCheckFailed");
    assert_eq!(failed[0].old::<User>().unwrap(), Some(ann.clone()));
    assert_eq!(failed[0].old::<Order>().unwrap(), None, "another entity: no decode");
    // Nothing was written.
    assert_eq!(db.get(Order::key("ann", "o2")).await.unwrap(), None);
    assert_eq!(db.get(Order::key("ann", "o1")).await.unwrap(), Some(order("ann", "o1", 1)));
    assert_eq!(db.get(User::key("ann")).await.unwrap(), Some(ann));
    // `commit` gives the plain error.
    let err = db.transact().put_if_not_exists(&order("ann", "o1", 7)).commit().await.unwrap_err();
    assert_eq!(err.dynamodb_type(), Some("TransactionCanceledException"));
}

#[tokio::test]
async fn put_and_delete_conditions() {
    let f = fresh().await;
    let db = &f.shop;
    db.put(&order("ann", "o1", 10)).await.unwrap();
    let err = db
        .transact()
        .put_with_condition(&order("ann", "o1", 20), Order::TOTAL.gt(50))
        .return_old_on_failure()
        .put(&order("ann", "o9", 1))
        .commit_detailed()
        .await
        .unwrap_err();
    let failed = err.failed();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].action.kind, ActionKind::Put);
    assert_eq!(failed[0].old::<Order>().unwrap(), Some(order("ann", "o1", 10)));
    db.transact().delete_if(Order::key("ann", "o1"), Order::TOTAL.eq(10)).commit().await.unwrap();
    assert_eq!(db.get(Order::key("ann", "o1")).await.unwrap(), None);
    assert_eq!(db.get(Order::key("ann", "o9")).await.unwrap(), None);
    let err = db
        .transact()
        .condition_check(User::key("ghost"), User::exists())
        .put(&order("ghost", "o1", 1))
        .commit()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TransactionCanceled { .. }));
    db.transact()
        .condition_check(User::key("ghost"), User::not_exists())
        .put(&order("ghost", "o1", 1))
        .commit()
        .await
        .unwrap();
}

#[tokio::test]
async fn one_transaction_spans_two_tables() {
    let f = fresh().await;
    f.shop.put(&user("ann", 100)).await.unwrap();
    f.shop
        .transact()
        .update(f.shop.update(User::key("ann")).subtract(User::BALANCE, 25))
        .put_if_not_exists(&Entry { entry_id: "e1".into(), amount: -25 })
        .commit()
        .await
        .unwrap();
    let (ann, entry) =
        f.ledger.transact_get().get(User::key("ann")).get(Entry::key("e1")).send().await.unwrap();
    assert_eq!(ann.map(|u| u.balance), Some(75));
    assert_eq!(entry, Some(Entry { entry_id: "e1".into(), amount: -25 }));
    // A failure in one table rolls back the other.
    let err = f
        .ledger
        .transact()
        .update(f.shop.update(User::key("ann")).subtract(User::BALANCE, 25))
        .put_if_not_exists(&Entry { entry_id: "e1".into(), amount: -25 })
        .commit()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TransactionCanceled { .. }));
    assert_eq!(f.shop.get(User::key("ann")).await.unwrap().map(|u| u.balance), Some(75));
}

#[tokio::test]
async fn a_token_makes_a_retry_harmless() {
    let f = fresh().await;
    let db = &f.shop;
    db.put(&user("ann", 100)).await.unwrap();
    let pay = || {
        db.transact()
            .update(db.update(User::key("ann")).subtract(User::BALANCE, 10))
            .put(&order("ann", "o1", 10))
            .token("idem-123")
    };
    pay().commit().await.unwrap();
    pay().commit().await.unwrap();
    assert_eq!(db.get(User::key("ann")).await.unwrap().map(|u| u.balance), Some(90));
    // The same token with other actions is refused.
    let err =
        db.transact().put(&order("ann", "o2", 1)).token("idem-123").commit().await.unwrap_err();
    assert_eq!(err.dynamodb_type(), Some("IdempotentParameterMismatchException"), "{err}");
}

#[tokio::test]
async fn limits_are_refused_before_sending() {
    let f = fresh().await;
    let db = &f.shop;
    let mut tx = db.transact();
    for i in 0..101 {
        tx = tx.put(&order("ann", &format!("o{i}"), i));
    }
    let err = tx.commit().await.unwrap_err();
    assert!(
        matches!(err, Error::Limit(LimitError::TooManyActions { count: 101, max: 100, .. })),
        "{err}"
    );
    let err = db
        .transact()
        .put(&order("ann", "o1", 1))
        .delete(Order::key("ann", "o1"))
        .commit()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Limit(LimitError::DuplicateItem { .. })), "{err}");
    let big = User { user_id: "big".into(), name: "x".repeat(409_600), balance: 0 };
    let err = db.transact().put(&big).commit().await.unwrap_err();
    assert!(matches!(err, Error::Limit(LimitError::ItemTooLarge { index: 0, .. })), "{err}");
    // Eleven items of 390 KB: each fits, together they are over 4 MB.
    let mut tx = db.transact();
    let fat: Vec<User> = (0..11)
        .map(|i| User { user_id: format!("f{i}"), name: "x".repeat(390_000), balance: 0 })
        .collect();
    for u in &fat {
        tx = tx.put(u);
    }
    let err = tx.commit().await.unwrap_err();
    assert!(matches!(err, Error::Limit(LimitError::RequestTooLarge { .. })), "{err}");
    let err = db.transact().put(&user("a", 1)).token("").commit().await.unwrap_err();
    assert!(matches!(err, Error::Limit(LimitError::InvalidToken { len: 0 })), "{err}");
    let err = db.transact_get().get(User::key("a")).get(User::key("a")).send().await.unwrap_err();
    assert!(matches!(err, Error::Limit(LimitError::DuplicateItem { .. })), "{err}");
    assert_eq!(f.counting.counts().total(), 0, "nothing was sent");
    // An empty transaction is nothing to do.
    db.transact().commit().await.unwrap();
    assert_eq!(f.counting.counts().total(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_conflicting_transfers_keep_the_total() {
    let f = fresh().await;
    let db = f.shop.clone();
    let accounts = ["a", "b", "c", "d"];
    for id in accounts {
        db.put(&user(id, 1_000)).await.unwrap();
    }
    let mut tasks = Vec::new();
    for task in 0..16usize {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut committed = 0;
            for round in 0..25usize {
                let from = accounts[(task + round) % 4];
                let to = accounts[(task + round + 1) % 4];
                let result = db
                    .transact()
                    .update(
                        db.update(User::key(from))
                            .subtract(User::BALANCE, 7)
                            .condition(User::BALANCE.ge(7)),
                    )
                    .update(db.update(User::key(to)).add(User::BALANCE, 7))
                    .commit()
                    .await;
                match result {
                    Ok(()) => committed += 1,
                    Err(Error::TransactionCanceled { .. }) => {}
                    Err(other) if other.dynamodb_type().is_some() => {}
                    Err(other) => panic!("{other}"),
                }
            }
            committed
        }));
    }
    let mut committed = 0;
    for task in tasks {
        committed += task.await.unwrap();
    }
    assert!(committed > 0);
    let keys = accounts.iter().map(|id| User::key(*id));
    let all = db.batch_get(keys).await.unwrap();
    assert_eq!(all.iter().map(|u| u.balance).sum::<i64>(), 4_000, "money is neither made nor lost");
    assert!(all.iter().all(|u| u.balance >= 0));
}

#[tokio::test]
async fn the_item_size_limit_is_exact() {
    use singletable::size::{item_size, MAX_ITEM_SIZE};
    let f = fresh().await;
    let mut u = User { user_id: "edge".into(), name: String::new(), balance: 0 };
    let base = item_size(&u.to_item().unwrap());
    u.name = "x".repeat(MAX_ITEM_SIZE - base);
    assert_eq!(item_size(&u.to_item().unwrap()), MAX_ITEM_SIZE);
    assert!(f.shop.transact().put(&u).input().is_ok(), "exactly 400 KB fits");
    u.name.push('x');
    let err = f.shop.transact().put(&u).input().unwrap_err();
    assert!(matches!(
        err,
        Error::Limit(LimitError::ItemTooLarge { size, max: MAX_ITEM_SIZE, .. }) if size == MAX_ITEM_SIZE + 1
    ));
    // DynamoDB's documented example: {"shirt-color": "R", "shirt-size": "M"} is 23 bytes.
    let shirt: singletable::Item = [
        ("shirt-color".to_owned(), singletable::AttributeValue::S("R".into())),
        ("shirt-size".to_owned(), singletable::AttributeValue::S("M".into())),
    ]
    .into();
    assert_eq!(item_size(&shirt), 23);
}

#[tokio::test]
async fn the_request_is_dynamodb_shaped() {
    use singletable::backend::TransactWriteItem;
    let f = fresh().await;
    let db = &f.shop;
    let tx = db
        .transact()
        .put(&order("ann", "o1", 1))
        .delete_if(Order::key("ann", "o2"), Order::TOTAL.gt(3))
        .return_old_on_failure()
        .token("t-1");
    let kinds: Vec<ActionKind> = tx.actions().map(|a| a.kind).collect();
    assert_eq!(kinds, [ActionKind::Put, ActionKind::Delete]);
    let input = tx.input().unwrap();
    assert_eq!(input.client_request_token.as_deref(), Some("t-1"));
    assert!(matches!(
        &input.items[0],
        TransactWriteItem::Put { table_name, condition: None, return_old_on_condition_failure: false, .. }
            if table_name == "Shop"
    ));
    assert!(matches!(
        &input.items[1],
        TransactWriteItem::Delete { condition: Some(_), return_old_on_condition_failure: true, .. }
    ));
    assert_eq!(f.counting.counts().total(), 0);
}

/// A transaction held between its prepare and commit phases (the engine's test hook):
/// through the typed API, a second transaction on one of its items fails with a
/// `TransactionConflict` reason naming the action, single writes fail with
/// `TransactionConflictException`, a transactional read is cancelled, and the first
/// transaction then commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_are_typed_and_name_the_action() {
    let engine = MemoryBackend::new();
    let db = TableClient::<Shop>::new(engine.clone());
    db.create_table().await.unwrap();
    db.put(&user("ann", 100)).await.unwrap();
    db.put(&user("bob", 0)).await.unwrap();

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
        let db = db.clone();
        tokio::spawn(async move {
            db.transact()
                .update(db.update(User::key("ann")).subtract(User::BALANCE, 10))
                .update(db.update(User::key("bob")).add(User::BALANCE, 10))
                .commit()
                .await
        })
    };
    prepared.recv().await.unwrap();
    engine.clear_transaction_hook();

    let failure = db
        .transact()
        .put(&order("ann", "o1", 1))
        .update(db.update(User::key("bob")).add(User::BALANCE, 1))
        .commit_detailed()
        .await
        .unwrap_err();
    assert!(matches!(failure.error, Error::TransactionCanceled { .. }), "{failure}");
    let failed = failure.failed();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].action.index, 1);
    assert_eq!(failed[0].action.kind, ActionKind::Update);
    assert_eq!(failed[0].action.entity, "User");
    assert_eq!(failed[0].code(), "TransactionConflict");

    let put = db.put(&user("ann", 5)).await.unwrap_err();
    assert_eq!(put.dynamodb_type(), Some("TransactionConflictException"));
    let update = db.update(User::key("bob")).add(User::BALANCE, 1).await.unwrap_err();
    assert_eq!(update.dynamodb_type(), Some("TransactionConflictException"));
    let read = db.transact_get().get(User::key("ann")).send().await.unwrap_err();
    assert!(
        matches!(&read, Error::TransactionCanceled { reasons, .. }
        if reasons[0].code == "TransactionConflict"),
        "{read}"
    );
    // Plain reads see the items as they were.
    assert_eq!(db.get(User::key("ann")).await.unwrap().map(|u| u.balance), Some(100));

    release.add_permits(1);
    first.await.unwrap().unwrap();
    assert_eq!(db.get(User::key("ann")).await.unwrap().map(|u| u.balance), Some(90));
    assert_eq!(db.get(User::key("bob")).await.unwrap().map(|u| u.balance), Some(10));
    assert_eq!(db.get(Order::key("ann", "o1")).await.unwrap(), None);
}
