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
use super::rewrite::{rewrite_item, ItemRewrite};
use super::MigrateError;
use crate::backend::{Backend, ScanInput};
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
    /// Write units: when every item is rewritten (an upper bound: only the entities the
    /// plan names are, and only items that differ), or, with a [`sample`](Self::sample),
    /// the sample's share of updates and moves applied to `items`.
    pub write_units: f64,
    /// The table's billing.
    pub billing: BillingMode,
    /// Seconds at the table's provisioned capacity (or, on demand, at the default
    /// table quota), the larger of the read and the write side.
    pub seconds: f64,
    /// What a sampled scan found ([`estimate_sampled`]).
    pub sample: Option<Sample>,
}

/// What the first items of a scan need under a plan: the same decision the apply makes
/// ([`rewrite_item`]), per entity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// Items read.
    pub scanned: u64,
    /// Per entity (new Rust name): items of it read, and how many need an update or a
    /// move.
    pub entities: Vec<SampledEntity>,
    /// Items of no entity of the old model (or the migration's own).
    pub not_entities: u64,
}

/// One entity's share of a [`Sample`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampledEntity {
    /// The entity (Rust name in the old model).
    pub entity: &'static str,
    /// Its items in the sample.
    pub sampled: u64,
    /// Of them, items needing an in-place update.
    pub updates: u64,
    /// Of them, items needing a move.
    pub moves: u64,
}

impl Sample {
    /// Items read that need a write (updates and moves).
    pub fn writes(&self) -> u64 {
        self.entities.iter().map(|e| e.updates + e.moves).sum()
    }
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
    Estimate { items, bytes, read_units, write_units, billing, seconds, sample: None }
}

/// [`estimate`], with the writes counted on a sample: the first `sample` items of a scan
/// (one `Scan` of that `Limit`, paged on until that many are read) are put through the
/// apply's own decision per item, and the share of updates and moves is applied to
/// `ItemCount`. Scan order follows the partition-key hash, so the first items are spread
/// over the table's partitions, not its oldest or newest. A sample of the whole table
/// (`sample >= ItemCount`) is exact.
pub async fn estimate_sampled(
    backend: &dyn Backend,
    plan: &Plan,
    sample: u32,
) -> Result<Estimate, MigrateError> {
    let mut estimate = estimate(backend, plan).await?;
    let mut found = Sample::default();
    let mut start = None;
    while found.scanned < u64::from(sample) {
        let left = u64::from(sample) - found.scanned;
        let input = ScanInput {
            table_name: plan.table.to_owned(),
            limit: Some(u32::try_from(left).unwrap_or(sample)),
            exclusive_start_key: start.take(),
            ..ScanInput::default()
        };
        let page = backend.scan(input).await.map_err(MigrateError::backend(plan.table))?;
        for item in &page.items {
            found.scanned += 1;
            let (entity, update, moved) = match rewrite_item(plan, item)? {
                ItemRewrite::NotAnEntity => {
                    found.not_entities += 1;
                    continue;
                }
                ItemRewrite::Unchanged => (entity_of(plan, item), 0, 0),
                ItemRewrite::Update { entity, .. } => (Some(old_name(plan, entity)), 1, 0),
                ItemRewrite::Move { entity, .. } => (Some(old_name(plan, entity)), 0, 1),
            };
            let Some(entity) = entity else { continue };
            let slot = match found.entities.iter().position(|e| e.entity == entity) {
                Some(i) => i,
                None => {
                    found.entities.push(SampledEntity { entity, ..SampledEntity::default() });
                    found.entities.len() - 1
                }
            };
            let counts = &mut found.entities[slot];
            counts.sampled += 1;
            counts.updates += update;
            counts.moves += moved;
        }
        match page.last_evaluated_key {
            Some(key) => start = Some(key),
            None => break,
        }
    }
    if found.scanned > 0 && plan.rewrites_items() {
        let share = |n: u64| n as f64 / found.scanned as f64;
        let updates: u64 = found.entities.iter().map(|e| e.updates).sum();
        let moves: u64 = found.entities.iter().map(|e| e.moves).sum();
        let items = estimate.items as f64;
        let average_kb = if estimate.items == 0 {
            0.0
        } else {
            (estimate.bytes as f64 / items / 1024.0).ceil().max(1.0)
        };
        let new_indexes = plan
            .before
            .iter()
            .filter(|change| matches!(change, TableChange::CreateIndex { .. }))
            .count() as f64;
        estimate.write_units = items
            * (share(updates) * (average_kb + new_indexes)
                + share(moves) * (4.0 * average_kb + new_indexes));
        let (read_rate, write_rate) = match estimate.billing {
            BillingMode::Provisioned { read, write } => (read.max(1) as f64, write.max(1) as f64),
            BillingMode::PayPerRequest => (ON_DEMAND_TABLE_QUOTA, ON_DEMAND_TABLE_QUOTA),
        };
        estimate.seconds = (estimate.read_units / read_rate).max(estimate.write_units / write_rate);
    }
    estimate.sample = Some(found);
    Ok(estimate)
}

/// The old model's Rust name of the entity a rewrite names by its new name.
fn old_name(plan: &Plan, new: &'static str) -> &'static str {
    plan.rewrites.iter().find(|r| r.new.rust_name == new).map_or(new, |r| r.old.rust_name)
}

/// The entity of an item that needs no write (for the per-entity counts).
fn entity_of(plan: &Plan, item: &crate::value::Item) -> Option<&'static str> {
    let entities = &plan.old.entities;
    match crate::adopt::recognise(&plan.old.table, entities, item) {
        Ok(Some(i)) => Some(entities[i].rust_name),
        _ => None,
    }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "estimate: {} items, {} bytes to scan (DescribeTable; refreshed about every six hours)",
            self.items, self.bytes
        )?;
        match &self.sample {
            Some(sample) => {
                writeln!(
                    f,
                    "  sample: {} items scanned, {} to write ({} of no entity)",
                    sample.scanned,
                    sample.writes(),
                    sample.not_entities
                )?;
                for entity in &sample.entities {
                    let share = entity.sampled as f64 / sample.scanned.max(1) as f64;
                    writeln!(
                        f,
                        "    {}: {} sampled ({} updates, {} moves); about {:.0} in the table",
                        entity.entity,
                        entity.sampled,
                        entity.updates,
                        entity.moves,
                        share * self.items as f64
                    )?;
                }
                writeln!(
                    f,
                    "  reads: {:.1} RCU (eventually consistent scan); writes: about {:.1} WCU \
                     (the sample's share)",
                    self.read_units, self.write_units
                )?;
            }
            None => writeln!(
                f,
                "  reads: {:.1} RCU (eventually consistent scan); writes: at most {:.1} WCU",
                self.read_units, self.write_units
            )?,
        }
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
