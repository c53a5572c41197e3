//! What the capacity model saw, for metrics: units consumed and throttles per table and
//! GSI, and per partition key value the most consumed and the most throttled (what
//! CloudWatch Contributor Insights shows for DynamoDB: "the most accessed and throttled
//! items", contributorinsights_HowItWorks.html).
//!
//! Partition tallies are bounded: past [`MAX_PARTITIONS`] keys, the half with the least
//! traffic is forgotten, so a long run over unique keys keeps its hot keys and bounded
//! memory.

use std::collections::HashMap;

/// The most partition keys tallied at once.
pub const MAX_PARTITIONS: usize = 10_000;

/// Units and throttles of one table (`index: None`) or GSI.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceUsage {
    /// The table.
    pub table: String,
    /// The GSI, or `None` for the table (LSIs are the table's).
    pub index: Option<String>,
    /// Read units consumed.
    pub read_units: f64,
    /// Write units consumed.
    pub write_units: f64,
    /// Requests (or batch items) throttled on reads.
    pub read_throttles: u64,
    /// Requests (or batch items) throttled on writes.
    pub write_throttles: u64,
}

/// One partition key value's traffic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartitionUsage {
    /// The table.
    pub table: String,
    /// The GSI whose partition this is (reads of a GSI), or `None` for the table's.
    pub index: Option<String>,
    /// The partition key value, `name=value`.
    pub partition: String,
    /// Read units consumed.
    pub read_units: f64,
    /// Write units consumed.
    pub write_units: f64,
    /// Requests (or batch items) throttled.
    pub throttles: u64,
}

/// A snapshot of what the model saw ([`MemoryBackend::capacity_usage`](crate::MemoryBackend::capacity_usage)).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CapacityUsage {
    /// Every table and GSI with traffic, by table then index.
    pub resources: Vec<ResourceUsage>,
    /// The partitions with the most units consumed, most first.
    pub hottest: Vec<PartitionUsage>,
    /// The partitions with the most throttles (at least one), most first.
    pub most_throttled: Vec<PartitionUsage>,
}

type Key = (String, Option<String>);

#[derive(Debug, Default)]
pub(crate) struct Insights {
    resources: HashMap<Key, ResourceUsage>,
    partitions: HashMap<(String, Option<String>, String), PartitionUsage>,
}

impl Insights {
    pub fn resource(&mut self, table: &str, index: Option<&str>) -> &mut ResourceUsage {
        self.resources.entry((table.to_owned(), index.map(str::to_owned))).or_insert_with(|| {
            ResourceUsage {
                table: table.to_owned(),
                index: index.map(str::to_owned),
                ..ResourceUsage::default()
            }
        })
    }

    pub fn partition(
        &mut self,
        table: &str,
        index: Option<&str>,
        partition: &str,
    ) -> &mut PartitionUsage {
        if self.partitions.len() >= MAX_PARTITIONS {
            self.forget_coldest_half();
        }
        self.partitions
            .entry((table.to_owned(), index.map(str::to_owned), partition.to_owned()))
            .or_insert_with(|| PartitionUsage {
                table: table.to_owned(),
                index: index.map(str::to_owned),
                partition: partition.to_owned(),
                ..PartitionUsage::default()
            })
    }

    fn forget_coldest_half(&mut self) {
        let mut scores: Vec<f64> = self.partitions.values().map(score).collect();
        scores.sort_by(f64::total_cmp);
        let median = scores[scores.len() / 2];
        self.partitions.retain(|_, usage| score(usage) > median);
    }

    pub fn snapshot(&self, top: usize) -> CapacityUsage {
        let mut resources: Vec<ResourceUsage> = self.resources.values().cloned().collect();
        resources.sort_by(|a, b| (&a.table, &a.index).cmp(&(&b.table, &b.index)));
        let mut hottest: Vec<PartitionUsage> = self.partitions.values().cloned().collect();
        hottest.sort_by(|a, b| {
            (b.read_units + b.write_units)
                .total_cmp(&(a.read_units + a.write_units))
                .then_with(|| a.partition.cmp(&b.partition))
        });
        let mut most_throttled: Vec<PartitionUsage> =
            hottest.iter().filter(|usage| usage.throttles > 0).cloned().collect();
        most_throttled.sort_by(|a, b| {
            b.throttles.cmp(&a.throttles).then_with(|| a.partition.cmp(&b.partition))
        });
        hottest.truncate(top);
        most_throttled.truncate(top);
        CapacityUsage { resources, hottest, most_throttled }
    }
}

/// A partition's weight when the tally is full: units, and a throttle counts as a unit.
#[allow(clippy::cast_precision_loss)] // throttle counts far below 2^52
fn score(usage: &PartitionUsage) -> f64 {
    usage.read_units + usage.write_units + usage.throttles as f64
}
