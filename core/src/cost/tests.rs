//! Capacity math against the worked examples of AWS's documentation.

use super::*;

const KB: u64 = 1024;

#[test]
fn pricing_page_examples() {
    // aws.amazon.com/dynamodb/pricing/provisioned, "Key terms": an 8 KB item read
    // strongly = 2 RCU, eventually = 1, transactionally = 4; writes of 1 KB = 1 WCU,
    // 3 KB = 3, 3 KB transactional = 6.
    assert_eq!(read_units(8 * KB, ReadMode::Strong), 2.0);
    assert_eq!(read_units(8 * KB, ReadMode::Eventual), 1.0);
    assert_eq!(read_units(8 * KB, ReadMode::Transactional), 4.0);
    assert_eq!(write_units(KB, WriteMode::Standard), 1.0);
    assert_eq!(write_units(3 * KB, WriteMode::Standard), 3.0);
    assert_eq!(write_units(3 * KB, WriteMode::Transactional), 6.0);
}

#[test]
fn read_write_operations_page_examples() {
    // read-write-operations.html: a Query of 10 items totalling 40.8 KB is read as 44 KB
    // (11 strong units); 1,500 items of 64 bytes = 96 KB = 24 units.
    let ten = (0..10).map(|i| if i < 8 { 4178 } else { 4179 });
    assert_eq!(ten.clone().sum::<u64>(), 41_782); // 40.8 KB
    assert_eq!(query_read_units(ten, ReadMode::Strong), 11.0);
    assert_eq!(query_read_units(std::iter::repeat_n(64, 1500), ReadMode::Strong), 24.0);
    // BatchGetItem of 1.5 KB and 6.5 KB: rounded each (4 KB + 8 KB) = 12 KB = 3 units.
    assert_eq!(batch_read_units([1536, 6656], ReadMode::Strong), 3.0);
    // BatchWriteItem of 500 B and 3.5 KB: 1 + 4 = 5 WCU.
    assert_eq!(write_units(500, WriteMode::Standard) + write_units(3584, WriteMode::Standard), 5.0);
    // A missing item (0 bytes) still costs a unit, half when eventually consistent.
    assert_eq!(read_units(0, ReadMode::Strong), 1.0);
    assert_eq!(read_units(0, ReadMode::Eventual), 0.5);
}

#[test]
fn dynamodb_local_query_vector() {
    // DYNAMODB_FACTS.md §7: 6 items, 1,200,120 bytes, eventually consistent = 146.5.
    assert_eq!(query_read_units([200_020; 6], ReadMode::Eventual), 146.5);
    assert_eq!(query_read_units([200_020; 6], ReadMode::Strong), 293.0);
}

fn line(name: &str, target: &str, rps: f64, rcu: f64, wcu: f64) -> Line {
    Line {
        name: name.to_owned(),
        target: target.to_owned(),
        requests_per_second: rps,
        read_units_per_request: rcu,
        write_units_per_request: wcu,
        note: String::new(),
    }
}

#[test]
fn monthly_costs_and_break_even() {
    let workload = Workload {
        lines: vec![line("get", "App", 100.0, 0.5, 0.0), line("put", "App", 10.0, 0.0, 1.0)],
        storage_bytes: Some(10 * 1024 * 1024 * 1024),
    };
    let r = report(&workload, &Prices::us_east_1(), 0.7).unwrap();
    assert_eq!(r.read_units_per_second, 50.0);
    assert_eq!(r.write_units_per_second, 10.0);
    // On-demand: 50 RRU/s × 2,628,000 s = 131.4 M × $0.125; 26.28 M WRU × $0.625.
    assert!((r.on_demand.reads - 16.425).abs() < 1e-9, "{}", r.on_demand.reads);
    assert!((r.on_demand.writes - 16.425).abs() < 1e-9, "{}", r.on_demand.writes);
    assert!((r.on_demand.storage - 2.5).abs() < 1e-9);
    // Provisioned at 100%: 50 RCU × 730 h × $0.00013, 10 WCU × 730 × $0.00065.
    assert!((r.provisioned_full.reads - 4.745).abs() < 1e-9);
    assert!((r.provisioned_full.writes - 4.745).abs() < 1e-9);
    // At 70%: ceil(71.43) = 72 RCU, ceil(14.29) = 15 WCU.
    assert_eq!((r.provisioned[0].read_capacity, r.provisioned[0].write_capacity), (72, 15));
    // Break-even: $0.00013 / (3600 × $0.125e-6) = 28.9% for either units.
    let break_even = r.break_even_utilization.unwrap();
    assert!((break_even - 0.28889).abs() < 1e-4, "{break_even}");
    assert_eq!(r.recommendation, Mode::Provisioned);
}

#[test]
fn small_workloads_stay_on_demand_and_bad_targets_are_refused() {
    let workload = Workload { lines: vec![line("get", "App", 0.1, 0.5, 0.0)], storage_bytes: None };
    let r = report(&workload, &Prices::us_east_1(), 0.7).unwrap();
    // 1 RCU + 1 WCU minimum costs more than 0.05 RRU/s on demand.
    assert_eq!(r.recommendation, Mode::OnDemand);
    assert!(r.reason.contains("break-even"), "{}", r.reason);
    assert_eq!(
        report(&Workload::default(), &Prices::us_east_1(), 0.7).unwrap().recommendation,
        Mode::OnDemand
    );
    assert_eq!(report(&workload, &Prices::us_east_1(), 0.0), Err(UtilizationError(0.0)));
    assert!(report(&workload, &Prices::us_east_1(), 1.5).is_err());
    assert!(report(&workload, &Prices::us_east_1(), f64::NAN).is_err());
}

#[test]
fn numbers_print_short() {
    assert_eq!(render::number(0.5), "0.5");
    assert_eq!(render::number(12.0), "12");
    assert_eq!(render::number(10.0 / 3.0), "3.33");
    assert_eq!(render::number(-0.0001), "0");
}
