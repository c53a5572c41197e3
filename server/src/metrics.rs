//! `GET /metrics`: Prometheus text (exposition format 0.0.4) of what the server did.
//!
//! - `singletable_requests_total{operation, outcome}`: requests by operation and outcome
//!   (`ok` or DynamoDB's exception name);
//! - `singletable_request_duration_seconds{operation}`: a latency histogram per
//!   operation, from the request's arrival to its answer;
//! - `singletable_consumed_read_capacity_units_total{table, index}` and
//!   `..._write_...`: units consumed per table (`index=""`) and GSI, as the engine's
//!   capacity model tallies them (LSIs are the table's);
//! - `singletable_throttled_requests_total{table, index, access}`: throttles per table
//!   and GSI, reads and writes (DynamoDB's `ReadThrottleEvents` / `WriteThrottleEvents`);
//! - `singletable_partition_consumed_capacity_units{table, index, partition}` and
//!   `singletable_partition_throttled_requests{table, index, partition}`: the
//!   [`TOP_PARTITIONS`] hottest and most throttled partition key values, what CloudWatch
//!   Contributor Insights shows for a table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};

use singletable_engine::CapacityUsage;

/// How many partition key values `/metrics` lists, hottest and most throttled each.
pub const TOP_PARTITIONS: usize = 10;

/// The latency histogram's upper bounds, seconds.
const BUCKETS: [f64; 12] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

#[derive(Debug, Default)]
struct Operation {
    outcomes: BTreeMap<String, u64>,
    /// Requests at or under each bound of `BUCKETS` (not cumulative here).
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// Request counts and latencies per operation.
#[derive(Debug, Default)]
pub struct ServerMetrics {
    operations: Mutex<BTreeMap<String, Operation>>,
}

impl ServerMetrics {
    /// Records one request of `operation` that ended with `outcome` after `seconds`.
    pub fn record(&self, operation: &str, outcome: &str, seconds: f64) {
        let mut operations = self.operations.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = match operations.get_mut(operation) {
            Some(entry) => entry,
            None => operations.entry(operation.to_owned()).or_default(),
        };
        match entry.outcomes.get_mut(outcome) {
            Some(count) => *count += 1,
            None => {
                entry.outcomes.insert(outcome.to_owned(), 1);
            }
        }
        if let Some(bucket) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            entry.buckets[bucket] += 1;
        }
        entry.sum += seconds;
        entry.count += 1;
    }

    /// The Prometheus text: the requests, and the engine's capacity `usage`.
    pub fn render(&self, usage: Option<&CapacityUsage>) -> String {
        let mut out = String::new();
        let operations = self.operations.lock().unwrap_or_else(PoisonError::into_inner);
        header(
            &mut out,
            "singletable_requests_total",
            "counter",
            "Requests by operation and outcome.",
        );
        for (operation, stats) in operations.iter() {
            for (outcome, count) in &stats.outcomes {
                let labels = labels(&[("operation", operation), ("outcome", outcome)]);
                let _ = writeln!(out, "singletable_requests_total{labels} {count}");
            }
        }
        header(
            &mut out,
            "singletable_request_duration_seconds",
            "histogram",
            "Latency per operation, from arrival to answer.",
        );
        for (operation, stats) in operations.iter() {
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(stats.buckets) {
                cumulative += count;
                let labels = labels(&[("operation", operation), ("le", &bound.to_string())]);
                let _ = writeln!(
                    out,
                    "singletable_request_duration_seconds_bucket{labels} {cumulative}"
                );
            }
            let labels_inf = labels(&[("operation", operation), ("le", "+Inf")]);
            let _ = writeln!(
                out,
                "singletable_request_duration_seconds_bucket{labels_inf} {}",
                stats.count
            );
            let labels = labels(&[("operation", operation)]);
            let _ = writeln!(out, "singletable_request_duration_seconds_sum{labels} {}", stats.sum);
            let _ =
                writeln!(out, "singletable_request_duration_seconds_count{labels} {}", stats.count);
        }
        drop(operations);
        let Some(usage) = usage else { return out };
        for (name, help, read) in [
            (
                "singletable_consumed_read_capacity_units_total",
                "Read units consumed per table and GSI.",
                true,
            ),
            (
                "singletable_consumed_write_capacity_units_total",
                "Write units consumed per table and GSI.",
                false,
            ),
        ] {
            header(&mut out, name, "counter", help);
            for resource in &usage.resources {
                let index = resource.index.as_deref().unwrap_or("");
                let units = if read { resource.read_units } else { resource.write_units };
                let labels = labels(&[("table", &resource.table), ("index", index)]);
                let _ = writeln!(out, "{name}{labels} {units}");
            }
        }
        header(
            &mut out,
            "singletable_throttled_requests_total",
            "counter",
            "Throttled requests (and batch items) per table and GSI, reads and writes.",
        );
        for resource in &usage.resources {
            let index = resource.index.as_deref().unwrap_or("");
            for (access, count) in
                [("read", resource.read_throttles), ("write", resource.write_throttles)]
            {
                let labels =
                    labels(&[("table", &resource.table), ("index", index), ("access", access)]);
                let _ = writeln!(out, "singletable_throttled_requests_total{labels} {count}");
            }
        }
        header(
            &mut out,
            "singletable_partition_consumed_capacity_units",
            "gauge",
            "The hottest partition key values: units consumed (read + write).",
        );
        for partition in &usage.hottest {
            let index = partition.index.as_deref().unwrap_or("");
            let labels = labels(&[
                ("table", &partition.table),
                ("index", index),
                ("partition", &partition.partition),
            ]);
            let units = partition.read_units + partition.write_units;
            let _ = writeln!(out, "singletable_partition_consumed_capacity_units{labels} {units}");
        }
        header(
            &mut out,
            "singletable_partition_throttled_requests",
            "gauge",
            "The most throttled partition key values.",
        );
        for partition in &usage.most_throttled {
            let index = partition.index.as_deref().unwrap_or("");
            let labels = labels(&[
                ("table", &partition.table),
                ("index", index),
                ("partition", &partition.partition),
            ]);
            let _ = writeln!(
                out,
                "singletable_partition_throttled_requests{labels} {}",
                partition.throttles
            );
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// `{a="x",b="y"}`, values escaped as the exposition format says (`\\`, `\"`, `\n`).
fn labels(pairs: &[(&str, &str)]) -> String {
    let mut text = String::from("{");
    for (position, (name, value)) in pairs.iter().enumerate() {
        if position > 0 {
            text.push(',');
        }
        text.push_str(name);
        text.push_str("=\"");
        for c in value.chars() {
            match c {
                '\\' => text.push_str("\\\\"),
                '"' => text.push_str("\\\""),
                '\n' => text.push_str("\\n"),
                c => text.push(c),
            }
        }
        text.push('"');
    }
    text.push('}');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_labels_escaped() {
        let metrics = ServerMetrics::default();
        metrics.record("PutItem", "ok", 0.0002);
        metrics.record("PutItem", "ok", 0.003);
        metrics.record("PutItem", "ThrottlingException", 2.0);
        let text = metrics.render(None);
        assert!(
            text.contains("singletable_requests_total{operation=\"PutItem\",outcome=\"ok\"} 2\n"),
            "{text}"
        );
        assert!(text.contains(
            "singletable_requests_total{operation=\"PutItem\",outcome=\"ThrottlingException\"} 1\n"
        ));
        assert!(text.contains(
            "singletable_request_duration_seconds_bucket{operation=\"PutItem\",le=\"0.00025\"} 1\n"
        ));
        assert!(text.contains(
            "singletable_request_duration_seconds_bucket{operation=\"PutItem\",le=\"0.005\"} 2\n"
        ));
        assert!(text.contains(
            "singletable_request_duration_seconds_bucket{operation=\"PutItem\",le=\"1\"} 2\n"
        ));
        assert!(text.contains(
            "singletable_request_duration_seconds_bucket{operation=\"PutItem\",le=\"+Inf\"} 3\n"
        ));
        assert!(
            text.contains("singletable_request_duration_seconds_count{operation=\"PutItem\"} 3\n")
        );
        assert_eq!(labels(&[("partition", "a\"b\\c\nd")]), "{partition=\"a\\\"b\\\\c\\nd\"}");
    }
}
