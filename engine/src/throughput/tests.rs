use std::sync::Arc;

use super::*;
use crate::definition::{IndexDef, KeyAttr, TableDef};
use singletable_core::backend::{Capacity, SecondaryIndex};
use singletable_core::schema::{IndexKind, ScalarType};

fn def(billing: BillingMode, gsi: Option<(u64, u64)>) -> Arc<TableDef> {
    let key = |name: &str| KeyAttr { name: name.to_owned(), ty: ScalarType::S };
    Arc::new(TableDef {
        name: "t".to_owned(),
        arn: "arn:aws:dynamodb:us-east-1:000000000000:table/t".to_owned(),
        partition_key: key("pk"),
        sort_key: None,
        indexes: vec![IndexDef {
            name: "g".to_owned(),
            kind: IndexKind::Global,
            partition: vec![key("g")],
            sort: vec![],
            projected: None,
        }],
        attribute_definitions: Vec::new(),
        key_schema: Vec::new(),
        global_secondary_indexes: vec![SecondaryIndex {
            index_name: "g".to_owned(),
            key_schema: Vec::new(),
            projection: singletable_core::backend::ProjectionSpec::All,
            provisioned_throughput: gsi,
        }],
        local_secondary_indexes: Vec::new(),
        billing_mode: billing,
        stream: None,
        creation_date_time: 1.0,
        stream_date_time: 0.0,
        restore_summary: None,
    })
}

fn write<'a>(def: &'a Arc<TableDef>, partition: &'a str) -> Target<'a> {
    Target { def, access: Access::Write, index: None, partition: Some(partition) }
}

fn report(table: f64, gsi: f64) -> ConsumedCapacity {
    let capacity = |units| Capacity {
        capacity_units: units,
        read_capacity_units: 0.0,
        write_capacity_units: units,
    };
    ConsumedCapacity {
        table_name: "t".to_owned(),
        capacity_units: table + gsi,
        write_capacity_units: table + gsi,
        table: Some(capacity(table)),
        global_secondary_indexes: if gsi > 0.0 {
            vec![("g".to_owned(), capacity(gsi))]
        } else {
            vec![]
        },
        ..ConsumedCapacity::default()
    }
}

/// Sends one-unit writes to `partition` at `now` until one is throttled; the count.
fn writes_until_throttled(
    model: &CapacityModel,
    def: &Arc<TableDef>,
    partition: &str,
    now: i64,
) -> (u32, Throttle) {
    let mut accepted = 0;
    loop {
        match model.admit(&write(def, partition), now) {
            Ok(()) => {
                model.charge(&write(def, partition), &report(1.0, 0.0), now);
                accepted += 1;
            }
            Err(throttle) => return (accepted, throttle),
        }
    }
}

#[test]
fn a_provisioned_table_bursts_up_to_300_seconds_of_unused_capacity() {
    let model = CapacityModel::new(true);
    let def = def(BillingMode::Provisioned { read: 5, write: 5 }, Some((5, 100_000)));
    // New: one second of capacity.
    let (accepted, throttle) = writes_until_throttled(&model, &def, "pk=a", 0);
    assert_eq!(accepted, 5);
    assert_eq!(
        throttle.refusals,
        vec![Refusal { index: None, access: Access::Write, limit: Limit::Provisioned }]
    );
    let error = throttle.error();
    assert_eq!(error.dynamodb_type(), Some("ProvisionedThroughputExceededException"));
    assert_eq!(error.throttling_reasons()[0].reason, "TableWriteProvisionedThroughputExceeded");
    assert_eq!(error.throttling_reasons()[0].resource, def.arn);
    // Idle for ten minutes: at most 300 s are kept, 1,500 units, spread over partitions
    // (each takes at most 1,000 a second).
    let now = 600_000;
    assert_eq!(model.balance(&def, None, Access::Write, now), Some(1_500.0));
    let (first, _) = writes_until_throttled(&model, &def, "pk=a", now);
    let (second, _) = writes_until_throttled(&model, &def, "pk=b", now);
    assert_eq!((first, second), (1_000, 500));
    // 200 ms later: 5 × 0.2 = one unit.
    assert_eq!(writes_until_throttled(&model, &def, "pk=c", now + 200).0, 1);
}

#[test]
fn a_partition_takes_1000_write_units_a_second_in_either_mode() {
    let model = CapacityModel::new(true);
    let def = def(BillingMode::PayPerRequest, None);
    let (accepted, throttle) = writes_until_throttled(&model, &def, "pk=hot", 5_000);
    assert_eq!(accepted, 1_000);
    let error = throttle.error();
    assert_eq!(error.dynamodb_type(), Some("ThrottlingException"));
    assert_eq!(error.throttling_reasons()[0].reason, "TableWriteKeyRangeThroughputExceeded");
    // Another key is not affected; the next second the hot key is served again.
    assert!(model.admit(&write(&def, "pk=cold"), 5_999).is_ok());
    assert!(model.admit(&write(&def, "pk=hot"), 5_999).is_err());
    assert!(model.admit(&write(&def, "pk=hot"), 6_000).is_ok());
}

#[test]
fn on_demand_serves_4000_writes_then_twice_a_30_minute_old_peak() {
    let model = CapacityModel::new(true);
    let def = def(BillingMode::PayPerRequest, None);
    let mut accepted = 0;
    // 5,000 writes over 5,000 keys in one second: the initial 4,000 go through.
    for key in 0..5_000 {
        let label = format!("pk={key}");
        if model.admit(&write(&def, &label), 0).is_ok() {
            model.charge(&write(&def, &label), &report(1.0, 0.0), 0);
            accepted += 1;
        }
    }
    assert_eq!(accepted, 4_000);
    let accepted_at = |now: i64| {
        let mut accepted = 0;
        for key in 0..10_000 {
            let label = format!("pk={key}");
            if model.admit(&write(&def, &label), now).is_ok() {
                model.charge(&write(&def, &label), &report(1.0, 0.0), now);
                accepted += 1;
            }
        }
        accepted
    };
    // Within 30 minutes the peak of 4,000 does not count yet.
    assert_eq!(accepted_at(1_000 * 60), 4_000);
    // Past 30 minutes, twice the peak.
    assert_eq!(accepted_at(1_000 * (PEAK_SETTLE_SECONDS + 2)), 8_000);
}

#[test]
fn a_starved_gsi_throttles_table_writes() {
    let model = CapacityModel::new(true);
    let def = def(BillingMode::Provisioned { read: 100, write: 100 }, Some((100, 1)));
    let target = write(&def, "pk=a");
    assert!(model.admit(&target, 0).is_ok());
    model.charge(&target, &report(1.0, 1.0), 0);
    let throttle = model.admit(&target, 0).expect_err("the GSI has no capacity left");
    assert_eq!(
        throttle.refusals,
        vec![Refusal {
            index: Some("g".to_owned()),
            access: Access::Write,
            limit: Limit::Provisioned
        }]
    );
    let error = throttle.error();
    assert_eq!(
        error.to_string(),
        format!("ProvisionedThroughputExceededException: {INDEX_PROVISIONED}")
    );
    assert_eq!(error.throttling_reasons()[0].reason, "IndexWriteProvisionedThroughputExceeded");
    assert_eq!(error.throttling_reasons()[0].resource, format!("{}/index/g", def.arn));
    // Reads of the table are not affected.
    let read = Target { access: Access::Read, ..target };
    assert!(model.admit(&read, 0).is_ok());
}

#[test]
fn update_table_changes_the_rate_and_keeps_the_balance() {
    let model = CapacityModel::new(true);
    let old = def(BillingMode::Provisioned { read: 10, write: 10 }, Some((10, 10)));
    assert_eq!(model.balance(&old, None, Access::Write, 0), Some(10.0));
    let new = def(BillingMode::Provisioned { read: 10, write: 1_000 }, Some((10, 10)));
    // One second later at the new rate.
    assert_eq!(model.balance(&new, None, Access::Write, 0), Some(10.0));
    assert_eq!(model.balance(&new, None, Access::Write, 1_000), Some(1_010.0));
    let on_demand = def(BillingMode::PayPerRequest, None);
    assert_eq!(model.balance(&on_demand, None, Access::Write, 2_000), None);
}

#[test]
fn labels_name_the_key() {
    use singletable_core::value::AttributeValue;
    let n: singletable_core::Number = "12.50".parse().expect("a number");
    assert_eq!(partition_label([("pk", &AttributeValue::S("u1".to_owned()))]), "pk=u1");
    assert_eq!(
        partition_label([("a", &AttributeValue::N(n)), ("b", &AttributeValue::B(vec![1, 2]))]),
        "a=12.5, b=AQI="
    );
}
