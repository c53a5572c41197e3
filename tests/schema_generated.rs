//! Code generated from a schema file compiles and works: `tests/generated/app.rs` is what
//! `singletable generate codegen/tests/fixtures/app.toml` writes (the complete example of
//! `docs/schema.md`), checked in and kept up to date by the codegen test
//! `schema_equivalence::checked_in_generated_code_is_up_to_date`. It is included here
//! exactly as a crate includes the output of the build-script helper
//! (`include!(concat!(env!("OUT_DIR"), "/model.rs"))`). The code generated from an imported
//! NoSQL Workbench model is compiled and used too.

use std::collections::HashSet;

use singletable::prelude::*;
use singletable::{MemoryBackend, Timestamp};

#[allow(dead_code)] // a test uses part of the generated API
mod model {
    include!("generated/app.rs");
}

/// Generated from the AWS NoSQL Workbench model `AnOnlineShop_facets.json` (in
/// `../shared/fixtures`) imported by `schema::import_workbench`; kept up to date by the
/// codegen test `import::generated_code_of_an_import_is_checked_in`.
#[allow(dead_code)] // a test uses part of the generated API
mod online_shop {
    include!("generated/online_shop.rs");
}

use model::{Address, App, Order, Payment, Status, User, UserPage};

/// The field validator `validate = "super::valid_email"` of the schema.
fn valid_email(email: &String) -> Result<(), String> {
    if email.contains('@') {
        Ok(())
    } else {
        Err(format!("`{email}` is not an email address"))
    }
}

/// The entity validator `validate = "super::valid_order"` of the schema.
fn valid_order(order: &Order) -> Result<(), String> {
    if order.total >= 0 {
        Ok(())
    } else {
        Err("an order total cannot be negative".to_owned())
    }
}

fn user(id: &str, email: &str) -> User {
    User {
        user_id: id.into(),
        email: email.into(),
        name: id.to_uppercase(),
        status: Status::Active,
        address: Some(Address { street: "1 Main St".into(), postcode: "12345".into() }),
        tags: HashSet::from(["new".to_owned()]),
        version: 0,
        created_at: Timestamp::from_unix_seconds(0),
        updated_at: Timestamp::from_unix_seconds(0),
    }
}

fn order(user: &str, id: &str, total: i64, score: Option<i64>) -> Order {
    Order {
        user_id: user.into(),
        order_id: id.into(),
        placed_at: Timestamp::from_unix_millis(1_764_000_000_000 + total),
        total,
        tenant_id: "t1".into(),
        region: "eu".into(),
        score,
        payment: if total > 100 { Payment::Card { last4: "4242".into() } } else { Payment::Cash },
        lines: vec!["book".into()],
        cached: Some("not stored".into()),
        expires_at: None,
    }
}

#[tokio::test]
async fn generated_entities_round_trip_through_the_engine() {
    let db = App::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    db.put(&user("u1", "ann@example.com")).await.unwrap();
    let stored = db.get(User::key("u1")).await.unwrap().expect("stored");
    assert_eq!(stored.email, "ann@example.com");
    assert_eq!(stored.status, Status::Active);
    assert_eq!(stored.address.as_ref().map(|a| a.postcode.as_str()), Some("12345"));
    assert_eq!(stored.version, 1, "`version = true` counts writes");
    assert!(stored.created_at > Timestamp::from_unix_seconds(0), "`created_at` is set on create");

    db.put(&order("u1", "o1", 50, Some(3))).await.unwrap();
    db.put(&order("u1", "o2", 500, None)).await.unwrap();
    let o2 = db
        .get(Order::key("u1", Timestamp::from_unix_millis(1_764_000_000_500), "o2"))
        .await
        .unwrap();
    let o2 = o2.expect("stored");
    assert_eq!(o2.payment, Payment::Card { last4: "4242".into() });
    assert_eq!(o2.cached, None, "a `skip` field is not stored");
}

#[tokio::test]
async fn generated_queries_indexes_and_collections() {
    let db = App::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    db.put(&user("u1", "ann@example.com")).await.unwrap();
    db.put(&user("u2", "bob@example.com")).await.unwrap();
    for (id, total, score) in [("o1", 50, Some(3)), ("o2", 500, None), ("o3", 70, Some(9))] {
        db.put(&order("u1", id, total, score)).await.unwrap();
    }

    let ann = User::by_gsi1().email("ann@example.com").first(&db).await.unwrap();
    assert_eq!(ann.map(|u| u.user_id), Some("u1".to_owned()));
    // `find = true` in the schema file: the email alone chooses GSI1.
    let q = User::find().email("bob@example.com").query();
    assert_eq!(q.input().unwrap().index_name.as_deref(), Some("GSI1"));
    assert_eq!(
        q.all(&db).await.unwrap().iter().map(|u| u.user_id.as_str()).collect::<Vec<_>>(),
        ["u2"]
    );
    // The user id and the email use one field each on the table and on GSI1: the table
    // wins the tie, the email is filtered on.
    let found = User::find().user_id("u2").email("ann@example.com").query();
    assert_eq!(found.input().unwrap().index_name, None);
    assert!(found.all(&db).await.unwrap().is_empty());
    let found = User::find().email("bob@example.com").user_id("u2").all(&db).await.unwrap();
    assert_eq!(found.iter().map(|u| u.user_id.as_str()).collect::<Vec<_>>(), ["u2"]);
    let o3 = Order::by_gsi1().order_id("o3").all(&db).await.unwrap();
    assert_eq!(o3.len(), 1);

    // The native multi-attribute GSI: items without a score are not in it (sparse).
    let scored = Order::by_tenant().tenant_id("t1").region("eu").all(&db).await.unwrap();
    let mut ids: Vec<&str> = scored.iter().map(|o| o.order_id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["o1", "o3"]);

    let big = Order::by_lsi1().user_id("u1").total_range().gt(60).all(&db).await.unwrap();
    let mut totals: Vec<i64> = big.iter().map(|o| o.total).collect();
    totals.sort_unstable();
    assert_eq!(totals, [70, 500]);

    let page = UserPage::query().user_id("u1").all(&db).await.unwrap();
    assert_eq!(page.user.map(|u| u.email), Some("ann@example.com".to_owned()));
    assert_eq!(page.orders.len(), 3);
    let nobody = UserPage::query().user_id("u9").all(&db).await.unwrap();
    assert_eq!(nobody, UserPage::default());
}

#[tokio::test]
async fn a_unique_field_is_enforced() {
    let db = App::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    db.put(&user("u1", "ann@example.com")).await.unwrap();
    let err = db.put(&user("u2", "ann@example.com")).await;
    assert!(err.is_err(), "a second user with the same `unique` email is refused");
}

#[tokio::test]
async fn code_generated_from_an_imported_workbench_model_works() {
    use online_shop::{Customer, OnlineShop, OrderItem};
    let db = OnlineShop::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    let customer = Customer {
        c_id: "12345".into(),
        email: "samaneh@example.com".into(),
        name: "Samaneh".into(),
        entity_type: "customer".into(),
    };
    db.put(&customer).await.unwrap();
    assert_eq!(db.get(Customer::key("12345")).await.unwrap(), Some(customer));
    let item = OrderItem {
        o_id: "1".into(),
        p_id: "p9".into(),
        gsi1_sk: "2020-06-21T19:18:00".into(),
        c_id: "12345".into(),
        quantity: "2".into(),
        price: "100".into(),
        entity_type: "orderItem".into(),
    };
    db.put(&item).await.unwrap();
    // GSI1 is filled from the inferred template `p#{p_id}`.
    let by_product = OrderItem::by_gsi1().p_id("p9").all(&db).await.unwrap();
    assert_eq!(by_product, vec![item]);
}

#[tokio::test]
async fn validators_named_in_the_schema_run_on_writes() {
    let db = App::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    let err = db.put(&user("u1", "not-an-email")).await.unwrap_err();
    assert!(matches!(err, singletable::Error::Invalid { .. }), "{err:?}");
    assert!(err.to_string().contains("not an email address"), "{err}");
    let err = db.put(&order("u1", "o1", -5, None)).await.unwrap_err();
    assert!(matches!(err, singletable::Error::Invalid { .. }), "{err:?}");
    assert_eq!(db.get(User::key("u1")).await.unwrap(), None, "nothing was written");
}

/// The generated `ACCESS_PATTERNS` registry runs each `[[access_patterns]]` entry by name
/// from text inputs: a `get`, a table query narrowed with `begins_with`, a GSI query and
/// a native multi-attribute GSI query narrowed with `ge`; wrong names and inputs are
/// typed errors naming what is wrong.
#[tokio::test]
async fn the_access_pattern_registry_runs_each_pattern_by_name() {
    use singletable::access::{find, Operation, PatternError};
    use singletable::AttributeValue;

    let db = App::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    db.put(&user("u1", "ann@example.com")).await.unwrap();
    db.put(&user("u2", "bob@example.com")).await.unwrap();
    for (id, total, score) in [("o1", 50, Some(3)), ("o2", 500, None), ("o3", 70, Some(9))] {
        db.put(&order("u1", id, total, score)).await.unwrap();
    }
    let names: Vec<&str> = model::ACCESS_PATTERNS.iter().map(|p| p.name).collect();
    assert_eq!(names, ["user_by_id", "orders_of_user", "user_by_email", "orders_by_tenant"]);
    let order_ids = |items: &[singletable::Item]| -> Vec<String> {
        let mut ids: Vec<String> = items
            .iter()
            .map(|item| match item.get("order_id") {
                Some(AttributeValue::S(id)) => id.clone(),
                other => panic!("order_id {other:?}"),
            })
            .collect();
        ids.sort();
        ids
    };

    let by_id = find(model::ACCESS_PATTERNS, "user_by_id").unwrap();
    assert_eq!((by_id.operation, by_id.inputs), (Operation::Get, &["user_id"][..]));
    let found = by_id.run(&db, &[("user_id", "u2")]).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].get("email"), Some(&AttributeValue::S("bob@example.com".into())));
    assert!(by_id.run(&db, &[("user_id", "u9")]).await.unwrap().is_empty());

    // `begins_with` on a timestamp takes a prefix of its RFC 3339 text.
    let orders = find(model::ACCESS_PATTERNS, "orders_of_user").unwrap();
    let all = orders.run(&db, &[("user_id", "u1"), ("placed_at", "2025-11")]).await.unwrap();
    assert_eq!(order_ids(&all), ["o1", "o2", "o3"]);
    let o2 = orders.run(&db, &[("user_id", "u1"), ("placed_at", "2025-11-24T16:00:00.5")]);
    assert_eq!(order_ids(&o2.await.unwrap()), ["o2"]);
    let none = orders.run(&db, &[("user_id", "u1"), ("placed_at", "2024")]).await.unwrap();
    assert!(none.is_empty());

    let by_email = find(model::ACCESS_PATTERNS, "user_by_email").unwrap();
    let found = by_email.run(&db, &[("email", "ann@example.com")]).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].get("user_id"), Some(&AttributeValue::S("u1".into())));

    // Inputs are text; `score` is an integer field, read as a number.
    let tenant = find(model::ACCESS_PATTERNS, "orders_by_tenant").unwrap();
    let inputs = [("tenant_id", "t1"), ("region", "eu"), ("score", "5")];
    assert_eq!(order_ids(&tenant.run(&db, &inputs).await.unwrap()), ["o3"]);
    let inputs = [("tenant_id", "t1"), ("region", "eu"), ("score", "0")];
    assert_eq!(order_ids(&tenant.run(&db, &inputs).await.unwrap()), ["o1", "o3"]);

    match find(model::ACCESS_PATTERNS, "orders_by_user") {
        Err(PatternError::UnknownPattern { name, known }) => {
            assert_eq!(name, "orders_by_user");
            assert_eq!(known.len(), 4);
        }
        other => panic!("{other:?}"),
    }
    match tenant.run(&db, &[("tenant_id", "t1"), ("region", "eu")]).await {
        Err(PatternError::MissingInput { input: "score", .. }) => {}
        other => panic!("{other:?}"),
    }
    match tenant.run(&db, &[("tenant_id", "t1"), ("region", "eu"), ("score", "high")]).await {
        Err(error @ PatternError::BadInput { input: "score", .. }) => {
            assert!(error.to_string().contains("\"high\""), "{error}")
        }
        other => panic!("{other:?}"),
    }
    match by_id.run(&db, &[("user_id", "u1"), ("email", "x")]).await {
        Err(PatternError::UnknownInput { input, .. }) => assert_eq!(input, "email"),
        other => panic!("{other:?}"),
    }
}
