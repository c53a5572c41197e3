//! What a workload costs on DynamoDB: capacity units from item sizes by DynamoDB's rules,
//! prices, and monthly totals on-demand and provisioned, with a recommendation.
//!
//! This is the pure part of `singletable cost` (the CLI maps a schema and a traffic file
//! onto a [`Workload`]) and of the report from a recorded workload (the runtime's
//! `CountingBackend` maps its counts onto one). The rules and their sources are in
//! `docs/cost.md`:
//!
//! | Unit | Size | Cost per unit of size |
//! |---|---|---|
//! | read (RCU / RRU) | 4 KB, rounded up | strong 1, eventually consistent 0.5, transactional 2 |
//! | write (WCU / WRU) | 1 KB, rounded up | standard 1, transactional 2 |
//!
//! ```
//! use singletable_core::cost::{read_units, write_units, ReadMode, WriteMode};
//!
//! // "a strongly consistent read of an 8 KB item would require two RCUs, an eventually
//! // consistent read of an 8 KB item would require one RCU, and a transactional read of
//! // an 8 KB item would require four RCUs" (aws.amazon.com/dynamodb/pricing/provisioned).
//! assert_eq!(read_units(8 * 1024, ReadMode::Strong), 2.0);
//! assert_eq!(read_units(8 * 1024, ReadMode::Eventual), 1.0);
//! assert_eq!(read_units(8 * 1024, ReadMode::Transactional), 4.0);
//! // "a transactional write request of a 3 KB item would require six WCUs".
//! assert_eq!(write_units(3 * 1024, WriteMode::Transactional), 6.0);
//! ```

mod render;

use std::collections::BTreeMap;

use serde::Serialize;

/// One read unit covers this many bytes (4 KB) \[CUC\].
pub const READ_UNIT_BYTES: u64 = 4096;
/// One write unit covers this many bytes (1 KB) \[CUC\].
pub const WRITE_UNIT_BYTES: u64 = 1024;
/// Hours in the month AWS's pricing examples use (730).
pub const HOURS_PER_MONTH: f64 = 730.0;
/// Seconds in that month.
pub const SECONDS_PER_MONTH: f64 = HOURS_PER_MONTH * 3600.0;
/// Storage billing adds this many bytes per item (and per index entry) \[CUC\].
pub const STORAGE_OVERHEAD_BYTES: u64 = 100;
/// Bytes in a billed GB (binary, as DynamoDB's units are).
pub const BYTES_PER_GB: f64 = 1024.0 * 1024.0 * 1024.0;

/// How a read is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadMode {
    /// Eventually consistent: half a unit per 4 KB.
    Eventual,
    /// Strongly consistent: one unit per 4 KB.
    Strong,
    /// Transactional (`TransactGetItems`): two units per 4 KB.
    Transactional,
}

impl ReadMode {
    /// Units per 4 KB.
    pub fn factor(self) -> f64 {
        match self {
            ReadMode::Eventual => 0.5,
            ReadMode::Strong => 1.0,
            ReadMode::Transactional => 2.0,
        }
    }
}

/// How a write is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteMode {
    /// A standard write: one unit per 1 KB.
    Standard,
    /// Transactional (`TransactWriteItems`): two units per 1 KB.
    Transactional,
}

impl WriteMode {
    /// Units per 1 KB.
    pub fn factor(self) -> f64 {
        match self {
            WriteMode::Standard => 1.0,
            WriteMode::Transactional => 2.0,
        }
    }
}

fn blocks(bytes: u64, unit: u64) -> u64 {
    bytes.div_ceil(unit).max(1)
}

/// Read units of one read of `bytes` (an item, or the sum of the items a `Query` or
/// `Scan` read): rounded up to 4 KB, at least one block (a missing item still costs a
/// read) \[RWO\].
pub fn read_units(bytes: u64, mode: ReadMode) -> f64 {
    blocks(bytes, READ_UNIT_BYTES) as f64 * mode.factor()
}

/// Read units of a `Query` or `Scan` page: the item sizes are summed, then rounded up to
/// 4 KB once \[RWO\].
pub fn query_read_units(item_sizes: impl IntoIterator<Item = u64>, mode: ReadMode) -> f64 {
    read_units(item_sizes.into_iter().sum(), mode)
}

/// Read units of a `BatchGetItem`: each item rounded up to 4 KB on its own, then
/// added \[RWO\].
pub fn batch_read_units(item_sizes: impl IntoIterator<Item = u64>, mode: ReadMode) -> f64 {
    item_sizes.into_iter().map(|size| read_units(size, mode)).sum()
}

/// Write units of one write of `bytes` (for a put or update, the larger of the item
/// before and after; for a delete, the deleted item): rounded up to 1 KB, at least one
/// unit \[RWO\].
pub fn write_units(bytes: u64, mode: WriteMode) -> f64 {
    blocks(bytes, WRITE_UNIT_BYTES) as f64 * mode.factor()
}

/// Prices of one region and table class, in US dollars.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prices {
    /// The region they apply to (`us-east-1`).
    pub region: String,
    /// When they were read from the source (`2025-06-01`).
    pub as_of: String,
    /// Where they come from.
    pub source: String,
    /// On-demand: dollars per million read request units.
    pub on_demand_read_per_million: f64,
    /// On-demand: dollars per million write request units.
    pub on_demand_write_per_million: f64,
    /// Provisioned: dollars per RCU-hour.
    pub provisioned_read_per_hour: f64,
    /// Provisioned: dollars per WCU-hour.
    pub provisioned_write_per_hour: f64,
    /// Storage: dollars per GB-month (Standard table class).
    pub storage_per_gb_month: f64,
}

impl Prices {
    /// us-east-1, DynamoDB Standard table class, after the on-demand price cut of
    /// 1 November 2024 (on-demand throughput halved). The table with its sources is in
    /// `docs/cost.md`.
    pub fn us_east_1() -> Prices {
        Prices {
            region: "us-east-1".to_owned(),
            as_of: "2025-11".to_owned(),
            source: "https://aws.amazon.com/dynamodb/pricing/".to_owned(),
            on_demand_read_per_million: 0.125,
            on_demand_write_per_million: 0.625,
            provisioned_read_per_hour: 0.00013,
            provisioned_write_per_hour: 0.00065,
            storage_per_gb_month: 0.25,
        }
    }
}

impl Default for Prices {
    fn default() -> Self {
        Prices::us_east_1()
    }
}

/// Whether a line reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// Reads (RCU).
    Read,
    /// Writes (WCU).
    Write,
}

/// One source of capacity use: an access pattern, an entity's writes into the table or
/// into one index, or a recorded operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// What it is (`orders_of_user`, `Order put`, `query`).
    pub name: String,
    /// Where the capacity is consumed: the table name, or `Table/Index` for a GSI (GSIs
    /// have capacity of their own; LSIs use the table's).
    pub target: String,
    /// Requests per second.
    pub requests_per_second: f64,
    /// Read units per request.
    pub read_units_per_request: f64,
    /// Write units per request.
    pub write_units_per_request: f64,
    /// How the per-request figure was reached, in a few words (`2 items × 1.2 KB,
    /// eventual`).
    pub note: String,
}

impl Line {
    /// Read units per second.
    pub fn read_units_per_second(&self) -> f64 {
        self.requests_per_second * self.read_units_per_request
    }

    /// Write units per second.
    pub fn write_units_per_second(&self) -> f64 {
        self.requests_per_second * self.write_units_per_request
    }
}

/// A workload: what is read and written, how often, and what is stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Workload {
    /// The lines, in the order the report prints them.
    pub lines: Vec<Line>,
    /// Bytes stored (items and index entries, with the per-item overhead), if known.
    pub storage_bytes: Option<u64>,
}

/// Dollars per month, by what they pay for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Monthly {
    /// Reads.
    pub reads: f64,
    /// Writes.
    pub writes: f64,
    /// Storage.
    pub storage: f64,
    /// All three.
    pub total: f64,
}

impl Monthly {
    fn new(reads: f64, writes: f64, storage: f64) -> Monthly {
        Monthly { reads, writes, storage, total: reads + writes + storage }
    }
}

/// Capacity to provision on one table or GSI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provisioned {
    /// The table, or `Table/Index`.
    pub target: String,
    /// Average read units per second consumed.
    pub read_units_per_second: f64,
    /// Average write units per second consumed.
    pub write_units_per_second: f64,
    /// RCUs to provision at the utilisation target (whole units, at least 1).
    pub read_capacity: u64,
    /// WCUs to provision at the utilisation target (whole units, at least 1).
    pub write_capacity: u64,
}

/// The capacity mode the report recommends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Pay per request.
    OnDemand,
    /// Provisioned capacity with auto scaling at the utilisation target.
    Provisioned,
}

/// The report: per line and per target capacity, monthly cost in both modes, the
/// break-even utilisation and a recommendation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The lines of the workload.
    pub lines: Vec<Line>,
    /// Read units per second, all lines.
    pub read_units_per_second: f64,
    /// Write units per second, all lines.
    pub write_units_per_second: f64,
    /// Capacity per table and GSI.
    pub provisioned: Vec<Provisioned>,
    /// Storage in bytes, if known.
    pub storage_bytes: Option<u64>,
    /// On-demand: request units at the workload's average rate.
    pub on_demand: Monthly,
    /// Provisioned at exactly the average rate (100% utilisation, the lower bound).
    pub provisioned_full: Monthly,
    /// Provisioned at the utilisation target (what auto scaling keeps).
    pub provisioned_target: Monthly,
    /// The utilisation target (0.7 = 70%).
    pub utilization: f64,
    /// The average utilisation above which provisioned capacity is cheaper than
    /// on-demand for this mix of reads and writes (`None` without traffic).
    pub break_even_utilization: Option<f64>,
    /// The cheaper mode at the utilisation target.
    pub recommendation: Mode,
    /// Why, in a sentence.
    pub reason: String,
    /// The prices used.
    pub prices: Prices,
}

/// A number as the report prints it: at most two decimals, trailing zeros dropped
/// (`0.5`, `12`, `3.33`).
pub fn render_number(value: f64) -> String {
    render::number(value)
}

impl Report {
    /// The report as an aligned text table (what `singletable cost` prints).
    pub fn to_table(&self) -> String {
        render::table(self)
    }
}

/// A utilisation target outside (0, 1].
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("utilisation target {0} is not in (0, 1]: give a fraction such as 0.7 for 70%")]
pub struct UtilizationError(pub f64);

/// Prices `workload` with `prices`, provisioning at `utilization` (a fraction in (0, 1];
/// DynamoDB auto scaling's default target is 0.7).
pub fn report(
    workload: &Workload,
    prices: &Prices,
    utilization: f64,
) -> Result<Report, UtilizationError> {
    if !(utilization > 0.0 && utilization <= 1.0) {
        return Err(UtilizationError(utilization));
    }
    let read_units_per_second: f64 = workload.lines.iter().map(Line::read_units_per_second).sum();
    let write_units_per_second: f64 = workload.lines.iter().map(Line::write_units_per_second).sum();

    let mut targets: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for line in &workload.lines {
        let entry = targets.entry(&line.target).or_default();
        entry.0 += line.read_units_per_second();
        entry.1 += line.write_units_per_second();
    }
    let capacity = |units: f64, at: f64| whole_units(units / at);
    let provisioned: Vec<Provisioned> = targets
        .iter()
        .map(|(target, (read, write))| Provisioned {
            target: (*target).to_owned(),
            read_units_per_second: *read,
            write_units_per_second: *write,
            read_capacity: capacity(*read, utilization),
            write_capacity: capacity(*write, utilization),
        })
        .collect();

    let storage = workload
        .storage_bytes
        .map_or(0.0, |bytes| bytes as f64 / BYTES_PER_GB * prices.storage_per_gb_month);
    let on_demand = Monthly::new(
        read_units_per_second * SECONDS_PER_MONTH / 1e6 * prices.on_demand_read_per_million,
        write_units_per_second * SECONDS_PER_MONTH / 1e6 * prices.on_demand_write_per_million,
        storage,
    );
    let provisioned_at = |at: f64| {
        let (reads, writes) = provisioned.iter().fold((0u64, 0u64), |(r, w), target| {
            let r_units = if at >= 1.0 {
                capacity(target.read_units_per_second, 1.0)
            } else {
                target.read_capacity
            };
            let w_units = if at >= 1.0 {
                capacity(target.write_units_per_second, 1.0)
            } else {
                target.write_capacity
            };
            (r + r_units, w + w_units)
        });
        Monthly::new(
            reads as f64 * HOURS_PER_MONTH * prices.provisioned_read_per_hour,
            writes as f64 * HOURS_PER_MONTH * prices.provisioned_write_per_hour,
            storage,
        )
    };
    let provisioned_full = provisioned_at(1.0);
    let provisioned_target = provisioned_at(utilization);

    // Provisioned costs (units / u) × hourly price per hour; on-demand units × 3600 ×
    // the per-unit price per hour. Equal at u = Σ units × hourly / Σ units × 3600 × unit.
    let hourly = read_units_per_second * prices.provisioned_read_per_hour
        + write_units_per_second * prices.provisioned_write_per_hour;
    let per_request = 3600.0
        * (read_units_per_second * prices.on_demand_read_per_million
            + write_units_per_second * prices.on_demand_write_per_million)
        / 1e6;
    let break_even_utilization = (per_request > 0.0).then(|| hourly / per_request);

    let (recommendation, reason) =
        recommend(on_demand.total, provisioned_target.total, utilization, break_even_utilization);
    Ok(Report {
        lines: workload.lines.clone(),
        read_units_per_second,
        write_units_per_second,
        provisioned,
        storage_bytes: workload.storage_bytes,
        on_demand,
        provisioned_full,
        provisioned_target,
        utilization,
        break_even_utilization,
        recommendation,
        reason,
        prices: prices.clone(),
    })
}

/// Whole capacity units covering `units` per second, at least 1 (the minimum a table or
/// GSI can be provisioned with); saturates for absurd rates.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped to [1, u64::MAX]
fn whole_units(units: f64) -> u64 {
    // A tiny tolerance: 0.7 × 100 / 0.7 must stay 100, not become 101.
    let whole = (units - 1e-9).ceil();
    if whole.is_nan() || whole < 1.0 {
        1
    } else if whole >= u64::MAX as f64 {
        u64::MAX
    } else {
        whole as u64
    }
}

fn recommend(
    on_demand: f64,
    provisioned: f64,
    utilization: f64,
    break_even: Option<f64>,
) -> (Mode, String) {
    let percent = |u: f64| format!("{:.0}%", u * 100.0);
    let Some(break_even) = break_even else {
        return (
            Mode::OnDemand,
            "no traffic: on-demand costs nothing while idle, provisioned capacity is billed \
             every hour"
                .to_owned(),
        );
    };
    if provisioned < on_demand {
        (
            Mode::Provisioned,
            format!(
                "provisioned at {} utilisation costs ${:.2}/month against ${:.2} on-demand; it \
                 stays cheaper while the average utilisation of the provisioned capacity is \
                 above {} (break-even), so traffic must be steady enough for auto scaling to \
                 track it",
                percent(utilization),
                provisioned,
                on_demand,
                percent(break_even)
            ),
        )
    } else {
        (
            Mode::OnDemand,
            format!(
                "on-demand costs ${:.2}/month against ${:.2} provisioned at {} utilisation; \
                 provisioned capacity only wins above {} average utilisation (break-even), \
                 which small or spiky workloads rarely reach once whole units and the \
                 minimum of 1 RCU/WCU per table and GSI are paid for",
                on_demand,
                provisioned,
                percent(utilization),
                percent(break_even)
            ),
        )
    }
}

#[cfg(test)]
mod tests;
