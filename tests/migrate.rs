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
