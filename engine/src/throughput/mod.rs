//! The capacity model: throttling as DynamoDB does it, opt-in
//! ([`MemoryBackend::with_capacity_model`](super::MemoryBackend::with_capacity_model)).
//!
//! Every table and every global secondary index has a read meter and a write meter, and
//! every partition key value (of the table, and of each GSI for reads) a one-second
//! window. A data request draws on the meters it touches; it goes ahead when each has
//! capacity left, and is then charged exactly the units its `ConsumedCapacity` reports
//! (`capacity`). A meter may go below zero (one request can consume more than was left,
//! a large query for instance): refill pays it back before the next request goes ahead.
//!
//! - **Provisioned** tables and GSIs: a token bucket filling at the provisioned rate and
//!   holding at most [`BURST_SECONDS`] (300) seconds of it, DynamoDB's burst capacity
//!   ("DynamoDB currently retains up to 5 minutes (300 seconds) of unused read and write
//!   capacity", burst-capacity.html). A new table or GSI holds one second of capacity:
//!   the guide describes burst capacity as *unused* capacity retained, and a new table
//!   has none yet.
//! - **On-demand** tables and GSIs: at most `max(initial, 2 × previous peak)` units in
//!   any one second, where a new table's initial throughput is 4,000 write and 12,000
//!   read units per second and the previous peak counts only once it is 30 minutes old
//!   ("New on-demand tables will be able to sustain up to 4,000 writes per second and
//!   12,000 reads per second ... throttling can still occur if the throughput exceeds
//!   twice the previous peak within the same 30 minutes",
//!   pre-warming-on-demand-capacity-mode.html), capped by the per-table quota of 40,000
//!   units (ServiceQuotas.html).
//! - **Partitions**, both modes: at most 3,000 read and 1,000 write units per second per
//!   partition key value ("each individual partition is limited to 1,000 write units per
//!   second and 3,000 read units per second", warm-throughput-scenarios.html; burst
//!   capacity does not lift it, dynamodb-spiky-workloads-short-intervals). Reads of a
//!   GSI count against the GSI's partition; writes against the table's.
//! - A table write needs write capacity on the table *and every GSI*: "For a table write
//!   to succeed, the provisioned throughput settings for the table and global secondary
//!   indexes must have enough write capacity" (GSI.html, "Provisioned throughput
//!   considerations"), so a starved GSI throttles the table's writes.
//!
//! Time is the engine's clock ([`MemoryBackend::with_clock`](super::MemoryBackend::with_clock)),
//! in milliseconds, so a `ManualClock` makes throttling exactly reproducible. Units are
//! kept in thousandths (an eventually consistent read costs 500), so every sum is exact.

mod insights;
mod labels;

pub use self::insights::{CapacityUsage, PartitionUsage, ResourceUsage, MAX_PARTITIONS};
pub use self::labels::partition_label;
pub(crate) use self::labels::table_partition;

use self::insights::Insights;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use super::capacity::Access;
use super::definition::TableDef;
use singletable_core::backend::ConsumedCapacity;
use singletable_core::error::{CancellationReason, Error, ThrottlingReason};
use singletable_core::schema::BillingMode;

/// Seconds of unused provisioned capacity a table or GSI retains (burst capacity).
pub const BURST_SECONDS: i64 = 300;
/// Read units one partition key value serves per second.
pub const PARTITION_READ_UNITS: i64 = 3_000;
/// Write units one partition key value serves per second.
pub const PARTITION_WRITE_UNITS: i64 = 1_000;
/// Read units per second a new on-demand table (or GSI) serves.
pub const ON_DEMAND_INITIAL_READ_UNITS: i64 = 12_000;
/// Write units per second a new on-demand table (or GSI) serves.
pub const ON_DEMAND_INITIAL_WRITE_UNITS: i64 = 4_000;
/// The default per-table throughput quota, read or write units per second (either mode).
pub const TABLE_QUOTA_UNITS: i64 = 40_000;
/// How old an on-demand table's peak must be before it doubles what the table serves.
pub const PEAK_SETTLE_SECONDS: i64 = 30 * 60;

/// Thousandths of a unit per unit.
const MILLI: i64 = 1_000;

/// Units in thousandths (exact for DynamoDB's half units).
#[allow(clippy::cast_possible_truncation)] // capacity figures are small, whole thousandths
pub(crate) fn milli(units: f64) -> i64 {
    (units * 1_000.0).round() as i64
}

/// Why a meter refused a request: DynamoDB's `LimitType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// A provisioned table or GSI is out of capacity.
    Provisioned,
    /// An on-demand table or GSI reached the per-table quota.
    Account,
    /// A partition key value (or an on-demand table beyond twice its peak) is at its
    /// ceiling.
    KeyRange,
}

impl Limit {
    fn name(self) -> &'static str {
        match self {
            Limit::Provisioned => "ProvisionedThroughputExceeded",
            Limit::Account => "AccountLimitExceeded",
            Limit::KeyRange => "KeyRangeThroughputExceeded",
        }
    }
}

/// One refusal: which resource (the table, or a GSI by name), reads or writes, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// `None` for the table.
    pub index: Option<String>,
    /// Reads or writes.
    pub access: Access,
    /// Why.
    pub limit: Limit,
}

/// A request the model throttled: its refusals, and the table's billing mode and ARN
/// (what DynamoDB's answer depends on).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Throttle {
    /// What refused the request, the table's partition first.
    pub refusals: Vec<Refusal>,
    provisioned: bool,
    arn: String,
}

const TABLE_PROVISIONED: &str = "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.";
const INDEX_PROVISIONED: &str = "The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API.";
const TABLE_THROTTLING: &str = "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html";
const INDEX_THROTTLING: &str = "Throughput exceeds the current capacity for one or more global secondary indexes. DynamoDB is automatically scaling your index so please try again shortly.";
const ACCOUNT_LIMIT: &str = "Throughput exceeds the current throughput quota for your account. Please contact AWS Support at https://aws.amazon.com/support to request a quota increase.";

impl Throttle {
    /// DynamoDB's exception for this throttle: `ProvisionedThroughputExceededException`
    /// on a provisioned table, `RequestLimitExceeded` when only the per-table quota
    /// refused, `ThrottlingException` otherwise; with the `ThrottlingReasons`.
    pub fn error(&self) -> Error {
        let (code, message) = self.code_and_message();
        Error::throttled(code, message, self.reasons())
    }

    fn code_and_message(&self) -> (&'static str, &'static str) {
        let index_only = self.refusals.iter().all(|refusal| refusal.index.is_some());
        if self.provisioned {
            let message = if index_only { INDEX_PROVISIONED } else { TABLE_PROVISIONED };
            ("ProvisionedThroughputExceededException", message)
        } else if self.refusals.iter().all(|refusal| refusal.limit == Limit::Account) {
            ("RequestLimitExceeded", ACCOUNT_LIMIT)
        } else {
            let message = if index_only { INDEX_THROTTLING } else { TABLE_THROTTLING };
            ("ThrottlingException", message)
        }
    }

    /// The `CancellationReason` of a transaction item this throttle refused:
    /// `ProvisionedThroughputExceeded` on a provisioned table, `ThrottlingError` on an
    /// on-demand one, with DynamoDB's message.
    pub fn cancellation_reason(&self) -> CancellationReason {
        let (_, message) = self.code_and_message();
        let code =
            if self.provisioned { "ProvisionedThroughputExceeded" } else { "ThrottlingError" };
        CancellationReason { code: code.to_owned(), message: Some(message.to_owned()), item: None }
    }

    /// The `ThrottlingReasons`: `<Table|Index><Read|Write><LimitType>` and the ARN.
    pub fn reasons(&self) -> Vec<ThrottlingReason> {
        self.refusals
            .iter()
            .map(|refusal| {
                let (kind, resource) = match &refusal.index {
                    None => ("Table", self.arn.clone()),
                    Some(index) => ("Index", format!("{}/index/{index}", self.arn)),
                };
                let access = match refusal.access {
                    Access::Read => "Read",
                    Access::Write => "Write",
                };
                ThrottlingReason {
                    reason: format!("{kind}{access}{}", refusal.limit.name()),
                    resource,
                }
            })
            .collect()
    }
}

/// A token bucket: a provisioned table's or GSI's capacity, with burst.
#[derive(Debug, Clone)]
struct Bucket {
    /// Units per second.
    rate: i64,
    /// Thousandths of a unit (may be negative: a debt).
    balance: i64,
    /// When `balance` was last brought up to date, epoch milliseconds.
    at: i64,
}

impl Bucket {
    fn new(rate: u64, now: i64) -> Bucket {
        let rate = i64::try_from(rate).unwrap_or(i64::MAX / (MILLI * BURST_SECONDS));
        Bucket { rate, balance: rate.saturating_mul(MILLI), at: now }
    }

    fn capacity(&self) -> i64 {
        self.rate.saturating_mul(MILLI).saturating_mul(BURST_SECONDS)
    }

    /// Adds what accrued since the last update (a unit per second is a thousandth per
    /// millisecond), up to the burst capacity.
    fn refill(&mut self, now: i64) {
        if now > self.at {
            let gained = self.rate.saturating_mul(now - self.at);
            self.balance = self.balance.saturating_add(gained).min(self.capacity());
        }
        self.at = self.at.max(now);
    }

    fn set_rate(&mut self, rate: u64, now: i64) {
        self.refill(now);
        self.rate = i64::try_from(rate).unwrap_or(i64::MAX / (MILLI * BURST_SECONDS));
        self.balance = self.balance.min(self.capacity());
    }
}

/// An on-demand table's or GSI's capacity: units per second, doubling with its peak.
#[derive(Debug, Clone)]
struct OnDemand {
    /// The initial units per second.
    initial: i64,
    /// The second being counted (epoch seconds) and its thousandths so far.
    second: i64,
    used: i64,
    /// Earlier seconds with traffic, not yet 30 minutes old.
    recent: VecDeque<(i64, i64)>,
    /// The busiest second that is 30 minutes old or more, thousandths.
    settled_peak: i64,
}

impl OnDemand {
    fn new(initial: i64) -> OnDemand {
        OnDemand { initial, second: i64::MIN, used: 0, recent: VecDeque::new(), settled_peak: 0 }
    }

    fn roll(&mut self, now: i64) {
        let second = now.div_euclid(1_000);
        if second != self.second {
            if self.used > 0 {
                self.recent.push_back((self.second, self.used));
            }
            self.second = second;
            self.used = 0;
        }
        while let Some(&(at, used)) = self.recent.front() {
            if at.saturating_add(1 + PEAK_SETTLE_SECONDS) > second {
                break;
            }
            self.settled_peak = self.settled_peak.max(used);
            self.recent.pop_front();
        }
    }

    /// This second's ceiling, thousandths, and what refuses beyond it.
    fn ceiling(&self) -> (i64, Limit) {
        let ceiling = (self.initial * MILLI).max(self.settled_peak.saturating_mul(2));
        if ceiling >= TABLE_QUOTA_UNITS * MILLI {
            (TABLE_QUOTA_UNITS * MILLI, Limit::Account)
        } else {
            (ceiling, Limit::KeyRange)
        }
    }
}

/// The capacity of one table or GSI for reads or for writes.
#[derive(Debug, Clone)]
enum Meter {
    Provisioned(Bucket),
    OnDemand(OnDemand),
}

impl Meter {
    fn new(
        billing: BillingMode,
        throughput: Option<(u64, u64)>,
        access: Access,
        now: i64,
    ) -> Meter {
        match (provisioned(billing, throughput), access) {
            (Some((read, _)), Access::Read) => Meter::Provisioned(Bucket::new(read, now)),
            (Some((_, write)), Access::Write) => Meter::Provisioned(Bucket::new(write, now)),
            (None, Access::Read) => Meter::OnDemand(OnDemand::new(ON_DEMAND_INITIAL_READ_UNITS)),
            (None, Access::Write) => Meter::OnDemand(OnDemand::new(ON_DEMAND_INITIAL_WRITE_UNITS)),
        }
    }

    /// `None` when the meter has capacity left now, else why not.
    fn refuses(&mut self, now: i64) -> Option<Limit> {
        match self {
            Meter::Provisioned(bucket) => {
                bucket.refill(now);
                (bucket.balance <= 0).then_some(Limit::Provisioned)
            }
            Meter::OnDemand(demand) => {
                demand.roll(now);
                let (ceiling, limit) = demand.ceiling();
                (demand.used >= ceiling).then_some(limit)
            }
        }
    }

    fn charge(&mut self, thousandths: i64, now: i64) {
        match self {
            Meter::Provisioned(bucket) => {
                bucket.refill(now);
                bucket.balance = bucket.balance.saturating_sub(thousandths);
            }
            Meter::OnDemand(demand) => {
                demand.roll(now);
                demand.used = demand.used.saturating_add(thousandths);
            }
        }
    }

    /// The balance of a provisioned meter, thousandths.
    #[cfg(test)]
    fn balance(&mut self, now: i64) -> Option<i64> {
        match self {
            Meter::Provisioned(bucket) => {
                bucket.refill(now);
                Some(bucket.balance)
            }
            Meter::OnDemand(_) => None,
        }
    }
}

/// A read meter and a write meter.
#[derive(Debug, Clone)]
struct Meters {
    read: Meter,
    write: Meter,
    /// The provisioned (read, write) they were made for; `None` on-demand.
    provisioned: Option<(u64, u64)>,
}

impl Meters {
    fn new(billing: BillingMode, throughput: Option<(u64, u64)>, now: i64) -> Meters {
        Meters {
            read: Meter::new(billing, throughput, Access::Read, now),
            write: Meter::new(billing, throughput, Access::Write, now),
            provisioned: provisioned(billing, throughput),
        }
    }

    fn get(&mut self, access: Access) -> &mut Meter {
        match access {
            Access::Read => &mut self.read,
            Access::Write => &mut self.write,
        }
    }

    /// Follows a change of billing mode or throughput (`UpdateTable`): a provisioned
    /// bucket keeps its balance (capped at the new burst capacity); a change of mode
    /// starts afresh.
    fn update(&mut self, billing: BillingMode, throughput: Option<(u64, u64)>, now: i64) {
        let wanted = provisioned(billing, throughput);
        if wanted == self.provisioned {
            return;
        }
        match (&mut self.read, &mut self.write, wanted) {
            (Meter::Provisioned(read), Meter::Provisioned(write), Some((r, w))) => {
                read.set_rate(r, now);
                write.set_rate(w, now);
                self.provisioned = wanted;
            }
            _ => *self = Meters::new(billing, throughput, now),
        }
    }
}

fn provisioned(billing: BillingMode, throughput: Option<(u64, u64)>) -> Option<(u64, u64)> {
    match (billing, throughput) {
        (BillingMode::PayPerRequest, _) => None,
        (_, Some(pair)) => Some(pair),
        (BillingMode::Provisioned { read, write }, None) => Some((read, write)),
    }
}

/// A partition's use in the current second, thousandths.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    read: i64,
    write: i64,
}

/// The meters of one table.
#[derive(Debug)]
struct TableMeters {
    /// The definition last seen (by address), and the table's creation time: a new
    /// definition is checked for throughput changes, a new table starts afresh.
    def: usize,
    created: u64,
    table: Meters,
    indexes: BTreeMap<String, Meters>,
    /// The second `partitions` counts.
    second: i64,
    /// Per (GSI or `None` for the table, partition label): this second's use.
    partitions: HashMap<(Option<String>, String), Window>,
}

impl TableMeters {
    fn new(def: &Arc<TableDef>, now: i64) -> TableMeters {
        let mut meters = TableMeters {
            def: Arc::as_ptr(def) as usize,
            created: def.creation_date_time.to_bits(),
            table: Meters::new(def.billing_mode, None, now),
            indexes: BTreeMap::new(),
            second: now.div_euclid(1_000),
            partitions: HashMap::new(),
        };
        meters.sync_indexes(def, now);
        meters
    }

    fn sync(&mut self, def: &Arc<TableDef>, now: i64) {
        let address = Arc::as_ptr(def) as usize;
        if address == self.def {
            return;
        }
        self.def = address;
        self.table.update(def.billing_mode, None, now);
        self.sync_indexes(def, now);
    }

    fn sync_indexes(&mut self, def: &TableDef, now: i64) {
        self.indexes.retain(|name, _| {
            def.global_secondary_indexes.iter().any(|index| &index.index_name == name)
        });
        for index in &def.global_secondary_indexes {
            let throughput = index.provisioned_throughput;
            self.indexes
                .entry(index.index_name.clone())
                .and_modify(|meters| meters.update(def.billing_mode, throughput, now))
                .or_insert_with(|| Meters::new(def.billing_mode, throughput, now));
        }
    }

    fn window(&mut self, index: Option<&str>, label: &str, now: i64) -> &mut Window {
        let second = now.div_euclid(1_000);
        if second != self.second {
            self.second = second;
            self.partitions.clear();
        }
        self.partitions.entry((index.map(str::to_owned), label.to_owned())).or_default()
    }
}

/// What one request (or one item of a batch) draws on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// The table's definition.
    pub def: &'a Arc<TableDef>,
    /// Reads or writes.
    pub access: Access,
    /// The GSI a read runs on; `None` for the table (or an LSI, which uses the table's
    /// capacity).
    pub index: Option<&'a str>,
    /// The partition key value's label ([`partition_label`]); `None` for a scan.
    pub partition: Option<&'a str>,
}

/// The capacity model of one engine (and its clones).
#[derive(Debug)]
pub(crate) struct CapacityModel {
    /// Throttle (true), or only watch (false: nothing is refused, usage is tallied).
    enforce: bool,
    tables: Mutex<HashMap<String, TableMeters>>,
    insights: Mutex<Insights>,
}

impl CapacityModel {
    /// A model that throttles (`enforce`) or only tallies usage.
    pub fn new(enforce: bool) -> CapacityModel {
        CapacityModel {
            enforce,
            tables: Mutex::new(HashMap::new()),
            insights: Mutex::new(Insights::default()),
        }
    }

    /// True when the model throttles.
    pub fn enforces(&self) -> bool {
        self.enforce
    }

    fn insights(&self) -> std::sync::MutexGuard<'_, Insights> {
        self.insights.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tallies what `target` consumed, as its `INDEXES` report gives it.
    pub(crate) fn observe(&self, target: &Target<'_>, report: &ConsumedCapacity) {
        let table_units = report.table.map_or(0.0, |table| table.capacity_units)
            + report.local_secondary_indexes.iter().map(|(_, c)| c.capacity_units).sum::<f64>();
        let mut insights = self.insights();
        let table = target.def.name.as_str();
        add_units(insights.resource(table, None), target.access, table_units);
        let mut own = if target.index.is_none() { table_units } else { 0.0 };
        for (name, capacity) in &report.global_secondary_indexes {
            add_units(insights.resource(table, Some(name)), target.access, capacity.capacity_units);
            if target.index == Some(name.as_str()) {
                own = capacity.capacity_units;
            }
        }
        if let Some(label) = target.partition {
            insights.partition(table, target.index, label).add(target.access, own);
        }
    }

    /// Tallies `units` consumed by `target` on the table (a failed condition).
    pub(crate) fn observe_units(&self, target: &Target<'_>, units: f64) {
        let mut insights = self.insights();
        let table = target.def.name.as_str();
        add_units(insights.resource(table, None), target.access, units);
        if let Some(label) = target.partition {
            insights.partition(table, target.index, label).add(target.access, units);
        }
    }

    /// Tallies a throttled request (or batch item).
    pub(crate) fn record_throttle(&self, target: &Target<'_>, throttle: &Throttle) {
        let mut insights = self.insights();
        let table = target.def.name.as_str();
        for refusal in &throttle.refusals {
            let usage = insights.resource(table, refusal.index.as_deref());
            match refusal.access {
                Access::Read => usage.read_throttles += 1,
                Access::Write => usage.write_throttles += 1,
            }
        }
        if let Some(label) = target.partition {
            insights.partition(table, target.index, label).throttles += 1;
        }
    }

    /// The error a throttle answers with, tallied first.
    pub(crate) fn throttled(&self, target: &Target<'_>, throttle: &Throttle) -> Error {
        self.record_throttle(target, throttle);
        throttle.error()
    }

    /// What the model saw: usage per table and GSI, and the `top` hottest and most
    /// throttled partitions.
    pub(crate) fn usage(&self, top: usize) -> CapacityUsage {
        self.insights().snapshot(top)
    }

    fn with_table<R>(
        &self,
        def: &Arc<TableDef>,
        now: i64,
        f: impl FnOnce(&mut TableMeters) -> R,
    ) -> R {
        let mut tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        let created = def.creation_date_time.to_bits();
        let meters = tables
            .entry(def.name.clone())
            .and_modify(|meters| {
                if meters.created != created {
                    *meters = TableMeters::new(def, now);
                }
            })
            .or_insert_with(|| TableMeters::new(def, now));
        meters.sync(def, now);
        f(meters)
    }

    /// Follows a table's new definition (`UpdateTable`) at `now`: capacity accrued so far
    /// at the old rates, from now on at the new ones.
    pub(crate) fn redefined(&self, def: &Arc<TableDef>, now: i64) {
        self.with_table(def, now, |_| ());
    }

    /// Whether `target` may go ahead at `now` (epoch milliseconds): every meter it draws
    /// on has capacity left. Writes draw on the table, every GSI and the partition; reads
    /// on the table (or the GSI they run on) and the partition.
    pub(crate) fn admit(&self, target: &Target<'_>, now: i64) -> Result<(), Throttle> {
        if !self.enforce {
            return Ok(());
        }
        let def = target.def;
        let access = target.access;
        let refusals = self.with_table(def, now, |meters| {
            let mut refusals = Vec::new();
            if let Some(label) = target.partition {
                let window = meters.window(target.index, label, now);
                let (used, ceiling) = match access {
                    Access::Read => (window.read, PARTITION_READ_UNITS),
                    Access::Write => (window.write, PARTITION_WRITE_UNITS),
                };
                if used >= ceiling * MILLI {
                    let index = target.index.map(str::to_owned);
                    refusals.push(Refusal { index, access, limit: Limit::KeyRange });
                }
            }
            let own = match target.index {
                Some(index) => meters.indexes.get_mut(index),
                None => Some(&mut meters.table),
            };
            if let Some(limit) = own.and_then(|own| own.get(access).refuses(now)) {
                refusals.push(Refusal { index: target.index.map(str::to_owned), access, limit });
            }
            if access == Access::Write {
                for (name, index) in &mut meters.indexes {
                    if let Some(limit) = index.write.refuses(now) {
                        refusals.push(Refusal { index: Some(name.clone()), access, limit });
                    }
                }
            }
            refusals
        });
        if refusals.is_empty() {
            Ok(())
        } else {
            Err(Throttle {
                refusals,
                provisioned: matches!(def.billing_mode, BillingMode::Provisioned { .. }),
                arn: def.arn.clone(),
            })
        }
    }

    /// Charges what `target` consumed, as its `ConsumedCapacity` (asked with `INDEXES`)
    /// reports it: the table's units and its LSIs' to the table and the partition, each
    /// GSI's to that GSI (and, for a read of that GSI, to its partition).
    pub(crate) fn charge(&self, target: &Target<'_>, report: &ConsumedCapacity, now: i64) {
        let table_units = report.table.map_or(0.0, |table| table.capacity_units)
            + report.local_secondary_indexes.iter().map(|(_, c)| c.capacity_units).sum::<f64>();
        let gsis: Vec<(&str, f64)> = report
            .global_secondary_indexes
            .iter()
            .map(|(name, c)| (name.as_str(), c.capacity_units))
            .collect();
        self.charge_units(target, table_units, &gsis, now);
    }

    /// Charges `table_units` to the table (and its partition when the target is the
    /// table's) and each GSI's units to the GSI (and its partition when the target reads
    /// that GSI).
    pub(crate) fn charge_units(
        &self,
        target: &Target<'_>,
        table_units: f64,
        gsis: &[(&str, f64)],
        now: i64,
    ) {
        if !self.enforce {
            return;
        }
        let access = target.access;
        self.with_table(target.def, now, |meters| {
            let table = milli(table_units);
            if table > 0 {
                meters.table.get(access).charge(table, now);
                if let (None, Some(label)) = (target.index, target.partition) {
                    let window = meters.window(None, label, now);
                    add(window, access, table);
                }
            }
            for (name, units) in gsis {
                let units = milli(*units);
                if units <= 0 {
                    continue;
                }
                if let Some(index) = meters.indexes.get_mut(*name) {
                    index.get(access).charge(units, now);
                }
                if let (Some(read), Some(label)) = (target.index, target.partition) {
                    if read == *name {
                        let window = meters.window(Some(name), label, now);
                        add(window, access, units);
                    }
                }
            }
        });
    }

    /// The provisioned balance of a table (`index: None`) or GSI, in units, at `now`;
    /// `None` for an on-demand one or one the model has not met yet.
    #[cfg(test)]
    pub(crate) fn balance(
        &self,
        def: &Arc<TableDef>,
        index: Option<&str>,
        access: Access,
        now: i64,
    ) -> Option<f64> {
        self.with_table(def, now, |meters| {
            let meters = match index {
                None => Some(&mut meters.table),
                Some(name) => meters.indexes.get_mut(name),
            }?;
            #[allow(clippy::cast_precision_loss)] // thousandths of a few million units
            meters.get(access).balance(now).map(|balance| balance as f64 / 1_000.0)
        })
    }
}

fn add_units(usage: &mut ResourceUsage, access: Access, units: f64) {
    match access {
        Access::Read => usage.read_units += units,
        Access::Write => usage.write_units += units,
    }
}

impl PartitionUsage {
    fn add(&mut self, access: Access, units: f64) {
        match access {
            Access::Read => self.read_units += units,
            Access::Write => self.write_units += units,
        }
    }
}

fn add(window: &mut Window, access: Access, thousandths: i64) {
    match access {
        Access::Read => window.read = window.read.saturating_add(thousandths),
        Access::Write => window.write = window.write.saturating_add(thousandths),
    }
}

#[cfg(test)]
mod tests;
