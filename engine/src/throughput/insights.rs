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

/// What one table saw: per index name (`""` for the table) its usage, and per index
/// name and partition label the partition's. Nested maps keyed by `String` are looked up
/// by `&str`, so a request of a table, index and partition seen before allocates nothing.
#[derive(Debug, Default)]
struct TableInsights {
    resources: HashMap<String, ResourceUsage>,
    partitions: HashMap<String, HashMap<String, PartitionUsage>>,
}

#[derive(Debug, Default)]
pub(crate) struct Insights {
    tables: HashMap<String, TableInsights>,
    /// Partition tallies, all tables.
    partition_count: usize,
}

impl Insights {
    fn table(&mut self, table: &str) -> &mut TableInsights {
        if !self.tables.contains_key(table) {
            self.tables.insert(table.to_owned(), TableInsights::default());
        }
        self.tables.get_mut(table).expect("inserted above")
    }

    pub fn resource(&mut self, table: &str, index: Option<&str>) -> &mut ResourceUsage {
        let resources = &mut self.table(table).resources;
        let name = index.unwrap_or("");
        if !resources.contains_key(name) {
            let usage = ResourceUsage {
                table: table.to_owned(),
                index: index.map(str::to_owned),
                ..ResourceUsage::default()
            };
            resources.insert(name.to_owned(), usage);
        }
        resources.get_mut(name).expect("inserted above")
    }

    pub fn partition(
        &mut self,
        table: &str,
        index: Option<&str>,
        partition: &str,
    ) -> &mut PartitionUsage {
        let name = index.unwrap_or("");
        let known = self
            .tables
            .get(table)
            .and_then(|t| t.partitions.get(name))
            .is_some_and(|p| p.contains_key(partition));
        if !known {
            if self.partition_count >= MAX_PARTITIONS {
                self.forget_coldest_half();
            }
            self.partition_count += 1;
            let usage = PartitionUsage {
                table: table.to_owned(),
                index: index.map(str::to_owned),
                partition: partition.to_owned(),
                ..PartitionUsage::default()
            };
            let partitions = &mut self.table(table).partitions;
            partitions.entry(name.to_owned()).or_default().insert(partition.to_owned(), usage);
        }
        self.table(table)
            .partitions
            .get_mut(name)
            .and_then(|partitions| partitions.get_mut(partition))
            .expect("inserted above")
    }

    fn all_partitions(&self) -> impl Iterator<Item = &PartitionUsage> {
        self.tables.values().flat_map(|t| t.partitions.values()).flat_map(HashMap::values)
    }

    fn forget_coldest_half(&mut self) {
        let mut scores: Vec<f64> = self.all_partitions().map(score).collect();
        scores.sort_by(f64::total_cmp);
        let median = scores.get(scores.len() / 2).copied().unwrap_or(0.0);
        let mut kept = 0;
        for table in self.tables.values_mut() {
            for partitions in table.partitions.values_mut() {
                partitions.retain(|_, usage| score(usage) > median);
                kept += partitions.len();
            }
        }
        self.partition_count = kept;
    }

    pub fn snapshot(&self, top: usize) -> CapacityUsage {
        let mut resources: Vec<ResourceUsage> =
            self.tables.values().flat_map(|t| t.resources.values().cloned()).collect();
        resources.sort_by(|a, b| (&a.table, &a.index).cmp(&(&b.table, &b.index)));
        let mut hottest: Vec<PartitionUsage> = self.all_partitions().cloned().collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_keys_never_grow_the_tally_past_its_bound_and_hot_keys_stay() {
        let mut insights = Insights::default();
        insights.partition("t", None, "pk=hot").write_units = 1_000_000.0;
        for n in 0..(3 * MAX_PARTITIONS) {
            insights.partition("t", None, &format!("pk={n}")).write_units += 1.0;
            assert!(insights.partition_count <= MAX_PARTITIONS);
        }
        insights.partition("t", Some("g"), "g=x").throttles += 3;
        let usage = insights.snapshot(3);
        assert_eq!(usage.hottest[0].partition, "pk=hot");
        assert_eq!(usage.most_throttled.len(), 1);
        assert_eq!(usage.most_throttled[0].index.as_deref(), Some("g"));
        let counted: usize = insights.all_partitions().count();
        assert_eq!(counted, insights.partition_count);
    }
}
