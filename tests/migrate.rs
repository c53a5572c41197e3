//! Migrations on the embedded engine (issue 21, part B): a 10,000-item table gains a
//! GSI with synthetic keys, a killed run resumes, writers run during apply, a key
//! template change moves every item, a second apply writes nothing. The same scenarios
//! run on DynamoDB Local in `tests/migrate_local.rs`.

mod migrate_support;

use std::sync::Arc;

use migrate_support as support;
use singletable::migrate::{Plan, TableChange};
use singletable::{Backend, MemoryBackend};

const ITEMS: usize = 10_000;

fn engine() -> Arc<dyn Backend> {
    Arc::new(MemoryBackend::new())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_of_10000_items_gains_a_gsi() {
    support::gains_an_index(engine(), ITEMS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_resumes_and_misses_nothing() {
    support::killed_and_resumed(engine(), ITEMS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_lose_nothing() {
    support::concurrent_writers(engine(), ITEMS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_template_change_moves_every_item() {
    support::moves_every_item(engine(), ITEMS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_apply_sends_no_write() {
    support::second_apply_writes_nothing(MemoryBackend::new(), 2_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rescan_rewrites_what_old_code_wrote_after_the_apply() {
    support::rescan_catches_late_old_writes(MemoryBackend::new(), 2_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sampled_estimate_counts_what_is_left_to_write() {
    support::sampled_estimate_counts_what_is_left(engine(), 2_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_writes_new_fields_defaults_into_old_items() {
    support::defaults_fill_old_items(MemoryBackend::new(), 2_000).await;
}

/// A model without the defaults' functions (as the CLI builds one from a schema file)
/// plans no default write and says how to get one; the derived model plans both.
#[test]
fn defaults_are_written_only_where_the_model_can_compute_them() {
    let derived = Plan::between(support::v1::model(), support::v4::model());
    let defaults: Vec<_> = derived.rewrites.iter().flat_map(|r| r.defaults.clone()).collect();
    assert_eq!(
        defaults,
        [
            ("logins", singletable::AttributeValue::N("0".parse().unwrap())),
            ("currency", singletable::AttributeValue::S("EUR".into()))
        ]
    );
    let mut file_like = support::v4::model();
    for entity in &mut file_like.entities {
        let fields: Vec<_> = entity
            .fields
            .iter()
            .map(|f| singletable::schema::FieldSchema { default: None, ..*f })
            .collect();
        entity.fields = Box::leak(fields.into_boxed_slice());
    }
    let plan = Plan::between(support::v1::model(), file_like);
    assert!(plan.rewrites.is_empty(), "{plan}");
    let notes: Vec<&String> =
        plan.notes.iter().filter(|n| n.contains("run `db.migrate`")).collect();
    assert_eq!(notes.len(), 2, "{plan}");
    assert!(
        notes[0].starts_with("User.logins") && notes[1].starts_with("Order.currency"),
        "{plan}"
    );
    // Whether a default can be written is part of what the plan is: another id.
    assert_ne!(plan.id, derived.id);
}

#[test]
fn the_plan_names_its_steps() {
    let plan = Plan::between(support::v1::model(), support::v2::model());
    let text = plan.to_string();
    assert!(text.contains("1. table: create GSI GSI2 (GSI2PK HASH, GSI2SK RANGE)"), "{text}");
    assert!(text.contains("GSI2.GSI2PK = `STATUS#{status}`"), "{text}");
    assert!(text.contains("GSI2.GSI2PK = `EMAIL#{email}`"), "{text}");
    assert!(matches!(plan.before[0], TableChange::CreateIndex { .. }));
    assert!(plan.after.is_empty());
    // The same models give the same plan id; swapped models another one.
    assert_eq!(plan.id, Plan::between(support::v1::model(), support::v2::model()).id);
    let back = Plan::between(support::v2::model(), support::v1::model());
    assert_ne!(plan.id, back.id);
    // Going back deletes GSI2 at the end and removes its attributes from the items.
    assert_eq!(back.after, [TableChange::DeleteIndex { name: "GSI2".into() }]);
    assert!(back.rewrites.iter().all(|r| r.removed_attributes == ["GSI2PK", "GSI2SK"]), "{back}");
}

/// Table-level changes in one plan: TTL, stream, billing; an LSI and a table-key change
/// refused with the reason.
mod table_level {
    use singletable::prelude::*;

    #[derive(Table)]
    #[table(name = "Tables", pk = "PK", sk = "SK")]
    pub struct Before;

    #[derive(Table)]
    #[table(name = "Tables", pk = "PK", sk = "SK", ttl = "expires_at",
            stream = "new_and_old_images", billing = provisioned(read = 5, write = 7))]
    pub struct After;

    #[derive(Table)]
    #[table(name = "Tables", pk = "PK", sk = "SK", lsi(name = "LSI1", sk = "LSI1SK"))]
    pub struct WithLsi;

    #[derive(Table)]
    #[table(name = "Tables", pk = "ID")]
    pub struct OtherKey;
}

#[tokio::test]
async fn table_changes_are_applied_once_and_impossible_ones_refused() {
    use singletable::backend::TimeToLiveStatus;
    use singletable::migrate::{apply, ApplyOptions, MigrateError, Model};
    use singletable::schema::{BillingMode, StreamViewType};
    use singletable::Table;
    let plan = Plan::between(
        Model::new(table_level::Before::SCHEMA, []),
        Model::new(table_level::After::SCHEMA, []),
    );
    assert_eq!(
        plan.before,
        [
            TableChange::EnableTtl { attribute: "expires_at".into() },
            TableChange::Stream(Some(StreamViewType::NewAndOldImages)),
            TableChange::Billing(BillingMode::Provisioned { read: 5, write: 7 }),
        ]
    );
    assert!(!plan.rewrites_items());
    let db = table_level::Before::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    let report = apply(db.backend().as_ref(), &plan, &ApplyOptions::default()).await.unwrap();
    assert!(report.completed && report.scanned == 0, "{report:?}");
    assert_eq!(report.table_changes.len(), 3, "{report:?}");
    let description = db.backend().describe_table("Tables".into()).await.unwrap();
    assert_eq!(description.stream, Some(StreamViewType::NewAndOldImages));
    assert_eq!(description.billing_mode, BillingMode::Provisioned { read: 5, write: 7 });
    let ttl = db.backend().describe_time_to_live("Tables".into()).await.unwrap();
    assert_eq!(ttl.status, TimeToLiveStatus::Enabled);
    assert_eq!(ttl.attribute_name.as_deref(), Some("expires_at"));
    let again = apply(db.backend().as_ref(), &plan, &ApplyOptions::default()).await.unwrap();
    assert!(again.already_applied);

    let lsi = Plan::between(
        Model::new(table_level::Before::SCHEMA, []),
        Model::new(table_level::WithLsi::SCHEMA, []),
    );
    assert_eq!(lsi.refused.len(), 1);
    assert!(
        lsi.refused[0].to_string().starts_with(
            "add LSI LSI1: DynamoDB creates local secondary indexes only with the table"
        ),
        "{lsi}"
    );
    let refused = apply(db.backend().as_ref(), &lsi, &ApplyOptions::default()).await;
    assert!(matches!(refused, Err(MigrateError::Refused(ref r)) if r.len() == 1), "{refused:?}");
    let back = Plan::between(
        Model::new(table_level::WithLsi::SCHEMA, []),
        Model::new(table_level::Before::SCHEMA, []),
    );
    assert!(
        back.refused[0].to_string().starts_with("remove LSI LSI1: DynamoDB cannot remove"),
        "{back}"
    );
    let key = Plan::between(
        Model::new(table_level::Before::SCHEMA, []),
        Model::new(table_level::OtherKey::SCHEMA, []),
    );
    assert_eq!(key.refused.len(), 1, "{key}");
    assert!(key.refused[0].what.contains("table key (PK S, SK S) → (ID S)"), "{key}");
}

/// Hand-written data (issue 21 A): the customer id only in the keys, no entity-type
/// attribute. A new GSI whose keys need the id gets it from the old table key.
mod adopted {
    use singletable::prelude::*;

    #[derive(Table)]
    #[table(name = "Adopted", pk = "PK", sk = "SK")]
    pub struct V1;

    #[derive(Entity, Debug, Clone, PartialEq)]
    #[entity(table = V1, pk = "c#{c_id}", sk = "c#{c_id}")]
    pub struct Customer {
        pub c_id: String,
        pub name: String,
    }

    #[derive(Table)]
    #[table(
        name = "Adopted",
        pk = "PK",
        sk = "SK",
        gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK")
    )]
    pub struct V2;

    pub mod v2 {
        use super::V2;
        use singletable::prelude::*;

        #[derive(Entity, Debug, Clone, PartialEq)]
        #[entity(table = V2, pk = "c#{c_id}", sk = "c#{c_id}",
                 index(GSI1, pk = "NAME#{name}", sk = "c#{c_id}"))]
        pub struct Customer {
            pub c_id: String,
            #[entity(rename = "full_name")]
            pub name: String,
        }
    }
}

#[tokio::test]
async fn fields_held_only_in_keys_feed_new_keys_and_renames_move_values() {
    use singletable::backend::PutItemInput;
    use singletable::migrate::Model;
    use singletable::prelude::*;
    use singletable::{AttributeValue, Item};
    let db = adopted::V1::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    for (id, name) in [("1", "Ann"), ("2", "Bob"), ("3", "Ann")] {
        let item: Item = [
            ("PK", AttributeValue::S(format!("c#{id}"))),
            ("SK", AttributeValue::S(format!("c#{id}"))),
            ("name", AttributeValue::S(name.into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let put = PutItemInput { table_name: "Adopted".into(), item, ..PutItemInput::default() };
        db.backend().put_item(put).await.unwrap();
    }
    let plan = Plan::between(
        Model::new(adopted::V1::SCHEMA, [adopted::Customer::SCHEMA]),
        Model::new(adopted::V2::SCHEMA, [adopted::v2::Customer::SCHEMA]),
    );
    assert_eq!(plan.rewrites[0].renames, [("name", "full_name")], "{plan}");
    let report = db.migrate(&plan, &support::options(2)).await.unwrap();
    assert_eq!(report.updated, 3, "{report:?}");
    let v2db = TableClient::<adopted::V2>::from_shared(db.backend().clone());
    let mut anns = adopted::v2::Customer::by_gsi1().name("Ann").all(&v2db).await.unwrap();
    anns.sort_by(|a, b| a.c_id.cmp(&b.c_id));
    assert_eq!(
        anns,
        [
            adopted::v2::Customer { c_id: "1".into(), name: "Ann".into() },
            adopted::v2::Customer { c_id: "3".into(), name: "Ann".into() },
        ]
    );
    let raw = v2db
        .backend()
        .get_item(singletable::backend::GetItemInput {
            table_name: "Adopted".into(),
            key: [("PK", "c#2"), ("SK", "c#2")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), AttributeValue::S(v.into())))
                .collect(),
            ..Default::default()
        })
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(raw.get("GSI1SK"), Some(&AttributeValue::S("c#2".into())));
    assert_eq!(raw.get("full_name"), Some(&AttributeValue::S("Bob".into())));
    assert_eq!(raw.get("name"), None);
    assert_eq!(raw.get("c_id"), None, "the id stays in the keys only");
}

#[test]
fn the_estimate_follows_the_capacity_rules() {
    use singletable::migrate::estimate_from;
    use singletable::schema::BillingMode;
    let plan = Plan::between(support::v1::model(), support::v2::model());
    // 1,000 items of 2,560 bytes: a scan of 2,560,000 bytes = 625 × 4 KB at 0.5 RCU; each
    // write of a 3 KB item (2.5 rounded up) plus one GSI2 entry.
    let estimate =
        estimate_from(&plan, 1_000, 2_560_000, BillingMode::Provisioned { read: 100, write: 50 });
    assert_eq!(estimate.read_units, 312.5);
    assert_eq!(estimate.write_units, 4_000.0);
    assert_eq!(estimate.seconds, 80.0);
    let moves = Plan::between(support::v1::model(), support::v3::model());
    let estimate = estimate_from(&moves, 1_000, 2_560_000, BillingMode::PayPerRequest);
    assert_eq!(estimate.write_units, 12_000.0, "a transactional put + delete of 3 KB");
    assert!((estimate.seconds - 0.3).abs() < 1e-9, "{estimate:?}");
}
