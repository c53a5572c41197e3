//! A workload recorded by `CountingBackend` priced as `singletable cost` prices a traffic
//! file: per label (access pattern) and per table/GSI, GSI write amplification included.

use singletable::backend::counting::CountingBackend;
use singletable::prelude::*;

#[derive(Table)]
#[table(name = "Recorded", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
struct Recorded;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Recorded, pk = "USER#{user_id}", sk = "PROFILE",
         index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
struct User {
    user_id: String,
    email: String,
}

#[tokio::test]
async fn a_recorded_workload_becomes_a_cost_report() -> singletable::Result<()> {
    let counting = CountingBackend::new(MemoryBackend::new());
    let db = Recorded::client(counting.clone());
    db.create_table().await?;
    counting.reset();

    counting.set_label("signup");
    for i in 0..10 {
        let user = User { user_id: format!("u{i}"), email: format!("u{i}@example.com") };
        db.put(&user).await?;
    }
    counting.set_label("user_by_id");
    for i in 0..10 {
        let _ = db.get(User::key(format!("u{i}"))).await?;
    }
    counting.clear_label();

    let workload = counting.workload(10.0);
    let line = |name: &str, target: &str| {
        workload.lines.iter().find(|l| l.name == name && l.target == target).cloned()
    };
    // Each small put: 1 WCU on the table and 1 on GSI1 (the write amplification).
    let table = line("signup", "Recorded").expect("table line");
    let gsi = line("signup", "Recorded/GSI1").expect("GSI line");
    assert_eq!((table.requests_per_second, table.write_units_per_request), (1.0, 1.0));
    assert_eq!(gsi.write_units_per_request, 1.0);
    // Eventually consistent gets of small items: 0.5 RCU each.
    let get = line("user_by_id", "Recorded").expect("get line");
    assert_eq!(get.read_units_per_request, 0.5);

    let report = singletable_core::cost::report(
        &workload,
        &singletable_core::cost::Prices::us_east_1(),
        0.7,
    )
    .expect("valid target");
    assert_eq!(report.write_units_per_second, 2.0);
    assert_eq!(report.read_units_per_second, 0.5);
    assert!(report.to_table().contains("Recorded/GSI1"), "{}", report.to_table());
    Ok(())
}
