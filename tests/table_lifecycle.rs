//! Table lifecycle on the typed client: `create_table` waits until the table is ACTIVE and
//! enables the model's TTL attribute; `describe_table` and `delete_table`.

use std::sync::Arc;

use singletable::backend::counting::CountingBackend;
use singletable::backend::{TableStatus, TimeToLiveStatus};
use singletable::prelude::*;

#[derive(Table)]
#[table(name = "Sessions", pk = "PK", ttl = "expires_at")]
struct Sessions;

#[derive(Table)]
#[table(name = "Plain", pk = "PK")]
struct Plain;

#[tokio::test]
async fn create_table_is_active_and_applies_ttl() {
    let counting = CountingBackend::new(MemoryBackend::new());
    let db = TableClient::<Sessions>::from_shared(Arc::new(counting.clone()));
    let description = db.create_table().await.unwrap();
    assert_eq!(description.table_status, TableStatus::Active);
    assert_eq!(counting.counts().update_time_to_live, 1);
    let ttl = db.describe_time_to_live().await.unwrap();
    assert!(matches!(ttl.status, TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling));
    assert_eq!(ttl.attribute_name.as_deref(), Some("expires_at"));
    assert_eq!(db.describe_table().await.unwrap().table_name, "Sessions");
    db.delete_table().await.unwrap();
    assert!(db.describe_table().await.is_err());
}

#[tokio::test]
async fn a_table_without_ttl_sends_no_ttl_request() {
    let counting = CountingBackend::new(MemoryBackend::new());
    let db = TableClient::<Plain>::from_shared(Arc::new(counting.clone()));
    db.create_table().await.unwrap();
    assert_eq!(counting.counts().update_time_to_live, 0);
    assert_eq!(counting.counts().create_table, 1);
    let ttl = db.describe_time_to_live().await.unwrap();
    assert_eq!(ttl.status, TimeToLiveStatus::Disabled);
}
