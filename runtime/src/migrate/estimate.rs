//! What a plan costs, from `DescribeTable`.
//!
//! Capacity rules (DynamoDB Developer Guide, "Read/write capacity mode" and
//! "Working with read and write operations"): a Scan costs 0.5 RCU per 4 KB read
//! (eventually consistent), summed over the items; a write costs 1 WCU per KB of the
//! larger of the item before and after, rounded up; a transaction costs twice; each GSI
//! the item enters costs one more write on the index. `ItemCount` and `TableSizeBytes`
//! are refreshed by DynamoDB about every six hours, so the figures are approximate.

use std::fmt;

use super::plan::{Plan, TableChange};
use super::MigrateError;
use crate::backend::Backend;
use crate::schema::BillingMode;

/// DynamoDB's default per-table throughput quota, read and write units per second, in
/// either billing mode (Service Quotas, "Table-level read/write throughput").
pub const ON_DEMAND_TABLE_QUOTA: f64 = 40_000.0;

/// The cost of a plan on a table as `DescribeTable` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Items to scan (`ItemCount`).
    pub items: u64,
    /// Bytes to scan (`TableSizeBytes`).
    pub bytes: u64,
    /// Read units of the scan.
    pub read_units: f64,
    /// Write units when every item is rewritten (an upper bound: only the entities the
    /// plan names are, and only items that differ).
    pub write_units: f64,
    /// The table's billing.
    pub billing: BillingMode,
    /// Seconds at the table's provisioned capacity (or, on demand, at the default
    /// table quota), the larger of the read and the write side.
    pub seconds: f64,
}

/// The cost of `plan` from the table's description.
pub async fn estimate(backend: &dyn Backend, plan: &Plan) -> Result<Estimate, MigrateError> {
    let description = backend
        .describe_table(plan.table.to_owned())
        .await
        .map_err(MigrateError::backend(plan.table))?;
    Ok(estimate_from(
        plan,
        description.item_count,
        description.table_size_bytes,
        description.billing_mode,
    ))
}

/// [`estimate`] from the figures themselves.
pub fn estimate_from(plan: &Plan, items: u64, bytes: u64, billing: BillingMode) -> Estimate {
    let scans = plan.rewrites_items();
    let read_units = if scans { (bytes as f64 / 4096.0).ceil() * 0.5 } else { 0.0 };
    let average_kb =
        if items == 0 { 0.0 } else { (bytes as f64 / items as f64 / 1024.0).ceil().max(1.0) };
    let moves = plan.rewrites.iter().any(|r| r.moves);
    let new_indexes = plan
        .before
        .iter()
        .filter(|change| matches!(change, TableChange::CreateIndex { .. }))
        .count() as f64;
    let per_item = if !scans {
        0.0
    } else if moves {
        // Put + delete in one transaction: twice each.
        2.0 * 2.0 * average_kb + new_indexes
    } else {
        average_kb + new_indexes
    };
    let write_units = per_item * items as f64;
    let (read_rate, write_rate) = match billing {
        BillingMode::Provisioned { read, write } => (read.max(1) as f64, write.max(1) as f64),
        BillingMode::PayPerRequest => (ON_DEMAND_TABLE_QUOTA, ON_DEMAND_TABLE_QUOTA),
    };
    let seconds = (read_units / read_rate).max(write_units / write_rate);
    Estimate { items, bytes, read_units, write_units, billing, seconds }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "estimate: {} items, {} bytes to scan (DescribeTable; refreshed about every six hours)",
            self.items, self.bytes
        )?;
        writeln!(
            f,
            "  reads: {:.1} RCU (eventually consistent scan); writes: at most {:.1} WCU",
            self.read_units, self.write_units
        )?;
        match self.billing {
            BillingMode::Provisioned { read, write } => writeln!(
                f,
                "  time at the table's capacity ({read} RCU, {write} WCU): {:.1} s",
                self.seconds
            ),
            BillingMode::PayPerRequest => writeln!(
                f,
                "  on-demand: at least {:.1} s at the default table quota of {} units/s \
                 (a new on-demand table starts lower and scales up)",
                self.seconds, ON_DEMAND_TABLE_QUOTA
            ),
        }
    }
}
