//! Running a plan: table changes, then a parallel, checkpointed scan that rewrites
//! items, then the table changes that wait for the end, and the history entry.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::plan::{Plan, TableChange};
use super::rewrite::{rewrite_item, ItemRewrite};
use super::store::{SegmentCheckpoint, Store};
use super::MigrateError;
use crate::backend::{
    Backend, GlobalSecondaryIndexUpdate, ScanInput, StreamSpecification, TableDescription,
    TableStatus, TimeToLiveSpecification, TimeToLiveStatus, TransactWriteItem,
    TransactWriteItemsInput, UpdateItemInput, UpdateTableInput,
};
use crate::error::Error;
use crate::retry::{sleep, with_retries, RetryPolicy};
use crate::value::Item;

/// How many times one item changed meanwhile is read again before the run gives up.
const MAX_REREADS: u32 = 16;

/// Where a run stands, reported after every scanned page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Items scanned by this run.
    pub scanned: u64,
    /// Items written by this run (updates and moves).
    pub written: u64,
    /// Segments finished (by any run).
    pub segments_done: u32,
    /// Segments this run works on.
    pub segments: u32,
    /// The table's `ItemCount` when the run started (approximate on DynamoDB).
    pub total_items: u64,
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How [`apply`] runs.
#[derive(Clone)]
pub struct ApplyOptions {
    /// Parallel scan segments (1–1,000,000, DynamoDB's `TotalSegments` range); a resumed
    /// run must use the number the plan started with.
    pub segments: u32,
    /// Only this segment (`--segment I/N`): runs on several machines split the table and
    /// meet only through the checkpoints; the run that finds every segment done ends
    /// the migration.
    pub segment: Option<u32>,
    /// Compute everything, change nothing (no table change, write or checkpoint).
    pub dry_run: bool,
    /// Scan the whole table again when the history holds the plan (`--rescan`):
    /// rewrites items that code of the old model wrote during or after the apply. Only
    /// items still in the old shape are written; the pass keeps no checkpoints (a killed
    /// rescan starts over, writing nothing twice) and leaves the history as it is. A plan
    /// not yet complete is applied as without it.
    pub rescan: bool,
    /// `Limit` of each scan page (DynamoDB's 1 MB page otherwise).
    pub page_size: Option<u32>,
    /// Stop (as if killed) once this many items have been written (plus the writes
    /// other segments had in flight, at most one per segment): for tests of resumption,
    /// and to do a bounded slice of work.
    pub stop_after_writes: Option<u64>,
    /// Retries of throttled and failed-over requests.
    pub retry: RetryPolicy,
    /// Time between `DescribeTable` polls while an index is created or deleted.
    pub poll_interval: Duration,
    /// Longest wait for the table and its indexes to be `ACTIVE`.
    pub max_wait: Duration,
    /// Called after every page.
    pub progress: Option<ProgressFn>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            segments: 4,
            segment: None,
            dry_run: false,
            rescan: false,
            page_size: None,
            stop_after_writes: None,
            retry: RetryPolicy::default(),
            poll_interval: Duration::from_secs(5),
            max_wait: Duration::from_secs(24 * 3600),
            progress: None,
        }
    }
}

impl std::fmt::Debug for ApplyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplyOptions")
            .field("segments", &self.segments)
            .field("segment", &self.segment)
            .field("dry_run", &self.dry_run)
            .field("rescan", &self.rescan)
            .field("page_size", &self.page_size)
            .field("stop_after_writes", &self.stop_after_writes)
            .finish_non_exhaustive()
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplyReport {
    /// The plan id.
    pub plan_id: String,
    /// The table's history already held the plan: nothing was done.
    pub already_applied: bool,
    /// Table changes made (or, with `dry_run`, to make).
    pub table_changes: Vec<String>,
    /// Items scanned.
    pub scanned: u64,
    /// Items updated in place (or to update).
    pub updated: u64,
    /// Items moved to a new key (or to move).
    pub moved: u64,
    /// Items already as the new model writes them.
    pub unchanged: u64,
    /// Items of no entity of the old model, and the migration's own items.
    pub not_entities: u64,
    /// Items that changed between the scan and the write, read again and recomputed.
    pub reread: u64,
    /// Items deleted between the scan and the write.
    pub vanished: u64,
    /// Moves whose new key already held an item (neither item was changed).
    pub conflicts: Vec<String>,
    /// Segments finished, of [`ApplyOptions::segments`] (by this and earlier runs).
    pub segments_done: u32,
    /// The plan is complete and recorded in the history.
    pub completed: bool,
    /// The run stopped at [`ApplyOptions::stop_after_writes`].
    pub stopped: bool,
}

#[derive(Default)]
struct Counters {
    scanned: AtomicU64,
    updated: AtomicU64,
    moved: AtomicU64,
    unchanged: AtomicU64,
    not_entities: AtomicU64,
    reread: AtomicU64,
    vanished: AtomicU64,
    written: AtomicU64,
    segments_done: AtomicU32,
    stopped: AtomicBool,
    conflicts: Mutex<Vec<String>>,
}

struct Run<'a> {
    backend: &'a dyn Backend,
    plan: &'a Plan,
    options: &'a ApplyOptions,
    store: Store<'a>,
    counters: Counters,
    total_items: u64,
    /// A rescan: segments start afresh and save no checkpoint.
    fresh: bool,
}

/// Runs futures together on the caller's task, results in order.
struct JoinAll<'a, T> {
    futures: Vec<Option<Pin<Box<dyn Future<Output = T> + Send + 'a>>>>,
    results: Vec<Option<T>>,
}

impl<T> Future for JoinAll<'_, T> {
    type Output = Vec<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<T>> {
        let this = self.get_mut();
        let mut pending = false;
        for (slot, result) in this.futures.iter_mut().zip(this.results.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    Poll::Ready(output) => {
                        *result = Some(output);
                        *slot = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            return Poll::Pending;
        }
        Poll::Ready(this.results.iter_mut().filter_map(Option::take).collect())
    }
}

impl<T> Unpin for JoinAll<'_, T> {}

impl<'a> Run<'a> {
    /// A run of `plan` with no counts yet; `fresh` for a rescan.
    fn new(
        backend: &'a dyn Backend,
        plan: &'a Plan,
        options: &'a ApplyOptions,
        fresh: bool,
    ) -> Self {
        Run {
            backend,
            plan,
            options,
            store: Store { backend, table: &plan.old.table },
            counters: Counters::default(),
            total_items: 0,
            fresh,
        }
    }

    /// The segments this process runs: the one asked for, or all of them.
    fn own_segments(&self) -> Vec<u32> {
        match self.options.segment {
            Some(segment) => vec![segment],
            None => (0..self.options.segments).collect(),
        }
    }

    fn table(&self) -> &'static str {
        self.plan.table
    }

    fn stopped(&self) -> bool {
        self.counters.stopped.load(Relaxed)
    }

    fn wrote(&self) {
        let written = self.counters.written.fetch_add(1, Relaxed) + 1;
        if self.options.stop_after_writes.is_some_and(|limit| written >= limit) {
            self.counters.stopped.store(true, Relaxed);
        }
    }

    async fn describe(&self) -> Result<TableDescription, MigrateError> {
        let table = self.table();
        with_retries(self.options.retry, || self.backend.describe_table(table.to_owned()))
            .await
            .map_err(MigrateError::backend(table))
    }

    async fn update_table(&self, input: UpdateTableInput) -> Result<(), MigrateError> {
        with_retries(self.options.retry, || self.backend.update_table(input.clone()))
            .await
            .map_err(MigrateError::backend(self.table()))?;
        Ok(())
    }

    /// Polls until the table and every index are `ACTIVE` and `done` holds.
    async fn wait(&self, done: impl Fn(&TableDescription) -> bool) -> Result<(), MigrateError> {
        let start = Instant::now();
        loop {
            let description = self.describe().await?;
            let active = description.table_status == TableStatus::Active
                && description
                    .index_statistics
                    .iter()
                    .all(|index| matches!(index.index_status, None | Some(TableStatus::Active)));
            if active && done(&description) {
                return Ok(());
            }
            if start.elapsed() > self.options.max_wait {
                return Err(MigrateError::State {
                    table: self.table().to_owned(),
                    message: format!(
                        "not ACTIVE after {:?} (status {:?}); run apply again to go on",
                        self.options.max_wait, description.table_status
                    ),
                });
            }
            sleep(self.options.poll_interval).await;
        }
    }

    /// Makes one table change unless the table already has it; true when it was made.
    async fn table_change(&self, change: &TableChange) -> Result<bool, MigrateError> {
        let table = self.table();
        let description = self.describe().await?;
        let has_index = |d: &TableDescription, name: &str| {
            d.global_secondary_indexes.iter().any(|i| i.index_name == name)
        };
        let base = UpdateTableInput { table_name: table.to_owned(), ..UpdateTableInput::default() };
        match change {
            TableChange::CreateIndex { index, attributes } => {
                if has_index(&description, &index.index_name) {
                    return Ok(false);
                }
                if self.options.dry_run {
                    return Ok(true);
                }
                self.update_table(UpdateTableInput {
                    attribute_definitions: attributes.clone(),
                    global_secondary_index_updates: vec![GlobalSecondaryIndexUpdate::Create(
                        index.clone(),
                    )],
                    ..base
                })
                .await?;
                let name = index.index_name.clone();
                self.wait(|d| has_index(d, &name)).await?;
            }
            TableChange::DeleteIndex { name } => {
                if !has_index(&description, name) {
                    return Ok(false);
                }
                if self.options.dry_run {
                    return Ok(true);
                }
                self.update_table(UpdateTableInput {
                    global_secondary_index_updates: vec![GlobalSecondaryIndexUpdate::Delete {
                        index_name: name.clone(),
                    }],
                    ..base
                })
                .await?;
                self.wait(|d| !has_index(d, name)).await?;
            }
            TableChange::IndexThroughput { name, throughput } => {
                let current = description
                    .global_secondary_indexes
                    .iter()
                    .find(|i| &i.index_name == name)
                    .and_then(|i| i.provisioned_throughput);
                if current == Some(*throughput) {
                    return Ok(false);
                }
                if self.options.dry_run {
                    return Ok(true);
                }
                self.update_table(UpdateTableInput {
                    global_secondary_index_updates: vec![GlobalSecondaryIndexUpdate::Update {
                        index_name: name.clone(),
                        provisioned_throughput: Some(*throughput),
                    }],
                    ..base
                })
                .await?;
                self.wait(|_| true).await?;
            }
            TableChange::EnableTtl { attribute } | TableChange::DisableTtl { attribute } => {
                let enable = matches!(change, TableChange::EnableTtl { .. });
                let ttl = with_retries(self.options.retry, || {
                    self.backend.describe_time_to_live(table.to_owned())
                })
                .await
                .map_err(MigrateError::backend(table))?;
                let on =
                    matches!(ttl.status, TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling);
                let same = ttl.attribute_name.as_deref() == Some(attribute.as_str());
                if (enable && on && same) || (!enable && !on) {
                    return Ok(false);
                }
                if self.options.dry_run {
                    return Ok(true);
                }
                let specification =
                    TimeToLiveSpecification { attribute_name: attribute.clone(), enabled: enable };
                with_retries(self.options.retry, || {
                    self.backend.update_time_to_live(table.to_owned(), specification.clone())
                })
                .await
                .map_err(MigrateError::backend(table))?;
            }
            TableChange::Stream(view) => {
                if description.stream == *view {
                    return Ok(false);
                }
                if self.options.dry_run {
                    return Ok(true);
                }
                let specification =
                    StreamSpecification { stream_enabled: view.is_some(), stream_view_type: *view };
                self.update_table(UpdateTableInput {
                    stream_specification: Some(specification),
                    ..base
                })
                .await?;
                self.wait(|_| true).await?;
            }
            TableChange::Billing(billing) => {
                if description.billing_mode == *billing {
                    return Ok(false);
                }
                if self.options.dry_run {
                    return Ok(true);
                }
                self.update_table(UpdateTableInput { billing_mode: Some(*billing), ..base })
                    .await?;
                self.wait(|_| true).await?;
            }
        }
        Ok(true)
    }

    /// Rewrites one scanned item, reading it again while it changes under us; true when
    /// it wrote.
    async fn process(&self, item: Item) -> Result<bool, MigrateError> {
        let table = self.table();
        let c = &self.counters;
        let mut current = item;
        for _ in 0..MAX_REREADS {
            match rewrite_item(self.plan, &current)? {
                ItemRewrite::Unchanged => {
                    c.unchanged.fetch_add(1, Relaxed);
                    return Ok(false);
                }
                ItemRewrite::NotAnEntity => {
                    c.not_entities.fetch_add(1, Relaxed);
                    return Ok(false);
                }
                ItemRewrite::Update { key, updates, condition, .. } => {
                    if self.options.dry_run {
                        c.updated.fetch_add(1, Relaxed);
                        return Ok(false);
                    }
                    let input = UpdateItemInput {
                        table_name: table.to_owned(),
                        key,
                        updates,
                        condition: Some(condition),
                        return_old_on_condition_failure: true,
                        ..UpdateItemInput::default()
                    };
                    match with_retries(self.options.retry, || {
                        self.backend.update_item(input.clone())
                    })
                    .await
                    {
                        Ok(_) => {
                            c.updated.fetch_add(1, Relaxed);
                            self.wrote();
                            return Ok(true);
                        }
                        Err(Error::ConditionalCheckFailed { item: Some(now), .. }) => {
                            c.reread.fetch_add(1, Relaxed);
                            current = *now;
                        }
                        Err(Error::ConditionalCheckFailed { item: None, .. }) => {
                            c.vanished.fetch_add(1, Relaxed);
                            return Ok(false);
                        }
                        Err(error) => return Err(MigrateError::backend(table)(error)),
                    }
                }
                ItemRewrite::Move {
                    entity,
                    old_key,
                    new_item,
                    put_condition,
                    delete_condition,
                } => {
                    if self.options.dry_run {
                        c.moved.fetch_add(1, Relaxed);
                        return Ok(false);
                    }
                    let input = TransactWriteItemsInput {
                        items: vec![
                            TransactWriteItem::Put {
                                table_name: table.to_owned(),
                                item: new_item.clone(),
                                condition: Some(put_condition),
                                return_old_on_condition_failure: false,
                            },
                            TransactWriteItem::Delete {
                                table_name: table.to_owned(),
                                key: old_key.clone(),
                                condition: Some(delete_condition),
                                return_old_on_condition_failure: true,
                            },
                        ],
                        ..TransactWriteItemsInput::default()
                    };
                    match with_retries(self.options.retry, || {
                        self.backend.transact_write_items(input.clone())
                    })
                    .await
                    {
                        Ok(_) => {
                            c.moved.fetch_add(1, Relaxed);
                            self.wrote();
                            return Ok(true);
                        }
                        Err(Error::TransactionCanceled { reasons, .. })
                            if reasons
                                .first()
                                .is_some_and(|r| r.code == "ConditionalCheckFailed") =>
                        {
                            let key = crate::adopt::describe_key(&self.plan.new.table, &new_item);
                            c.conflicts.lock().unwrap_or_else(PoisonError::into_inner).push(
                                format!("{entity}: the new key ({key}) already holds an item"),
                            );
                            return Ok(false);
                        }
                        Err(Error::TransactionCanceled { mut reasons, .. })
                            if reasons
                                .get(1)
                                .is_some_and(|r| r.code == "ConditionalCheckFailed") =>
                        {
                            match reasons.swap_remove(1).item {
                                Some(now) => {
                                    c.reread.fetch_add(1, Relaxed);
                                    current = now;
                                }
                                None => {
                                    c.vanished.fetch_add(1, Relaxed);
                                    return Ok(false);
                                }
                            }
                        }
                        Err(error) => return Err(MigrateError::backend(table)(error)),
                    }
                }
            }
        }
        Err(MigrateError::Item {
            entity: "(any)".into(),
            key: crate::adopt::describe_key(&self.plan.old.table, &current),
            message: format!("changed {MAX_REREADS} times while being rewritten; run apply again"),
        })
    }

    fn report_progress(&self) {
        if let Some(progress) = &self.options.progress {
            let c = &self.counters;
            progress(&Progress {
                scanned: c.scanned.load(Relaxed),
                written: c.written.load(Relaxed),
                segments_done: c.segments_done.load(Relaxed),
                segments: self.options.segments,
                total_items: self.total_items,
            });
        }
    }

    /// Scans one segment from its checkpoint; true when the segment is done.
    async fn segment(&self, segment: u32) -> Result<bool, MigrateError> {
        let (id, segments) = (&self.plan.id, self.options.segments);
        // A dry run and a rescan start every segment afresh and save nothing.
        let ephemeral = self.options.dry_run || self.fresh;
        let mut checkpoint = if ephemeral {
            SegmentCheckpoint { segment, segments, ..SegmentCheckpoint::default() }
        } else {
            self.store.checkpoint(id, segment, segments).await?
        };
        if checkpoint.done {
            self.counters.segments_done.fetch_add(1, Relaxed);
            return Ok(true);
        }
        loop {
            if self.stopped() {
                return Ok(false);
            }
            let input = ScanInput {
                table_name: self.table().to_owned(),
                exclusive_start_key: checkpoint.last_key.clone(),
                limit: self.options.page_size,
                segment: Some((segment, segments)),
                ..ScanInput::default()
            };
            let page = with_retries(self.options.retry, || self.backend.scan(input.clone()))
                .await
                .map_err(MigrateError::backend(self.table()))?;
            for item in page.items {
                if self.stopped() {
                    // As if killed: this page is not checkpointed and is done again.
                    return Ok(false);
                }
                checkpoint.written += u64::from(self.process(item).await?);
                self.counters.scanned.fetch_add(1, Relaxed);
                checkpoint.scanned += 1;
            }
            checkpoint.last_key = page.last_evaluated_key;
            checkpoint.done = checkpoint.last_key.is_none();
            if !ephemeral {
                self.store.save(id, &checkpoint).await?;
            }
            if checkpoint.done {
                self.counters.segments_done.fetch_add(1, Relaxed);
            }
            self.report_progress();
            if checkpoint.done {
                return Ok(true);
            }
        }
    }

    fn report(&self, table_changes: Vec<String>) -> ApplyReport {
        let c = &self.counters;
        ApplyReport {
            plan_id: self.plan.id.clone(),
            already_applied: false,
            table_changes,
            scanned: c.scanned.load(Relaxed),
            updated: c.updated.load(Relaxed),
            moved: c.moved.load(Relaxed),
            unchanged: c.unchanged.load(Relaxed),
            not_entities: c.not_entities.load(Relaxed),
            reread: c.reread.load(Relaxed),
            vanished: c.vanished.load(Relaxed),
            conflicts: c.conflicts.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            segments_done: c.segments_done.load(Relaxed),
            completed: false,
            stopped: self.stopped(),
        }
    }
}

/// `--rescan` of a completed plan: every segment (or the one asked for) scanned again
/// from the start, without checkpoints; items already in the new shape need no write.
async fn rescan(
    backend: &dyn Backend,
    plan: &Plan,
    options: &ApplyOptions,
) -> Result<ApplyReport, MigrateError> {
    let mut run = Run::new(backend, plan, options, true);
    run.total_items = run.describe().await?.item_count;
    let segments = run.own_segments();
    if plan.rewrites_items() {
        for segment in segments {
            // One segment at a time: a rescan is a safety net, not a race.
            run.segment(segment).await?;
        }
    }
    let mut report = run.report(Vec::new());
    report.already_applied = true;
    report.completed = !report.stopped;
    Ok(report)
}

/// Applies `plan` to its table through `backend`. See the [module docs](super).
///
/// Idempotent: a plan recorded in the table's history is not run again
/// ([`ApplyReport::already_applied`], nothing written); a killed run resumes from its
/// segments' checkpoints, and items it had already rewritten need no write.
pub async fn apply(
    backend: &dyn Backend,
    plan: &Plan,
    options: &ApplyOptions,
) -> Result<ApplyReport, MigrateError> {
    let table = plan.table;
    if !plan.refused.is_empty() {
        return Err(MigrateError::Refused(plan.refused.clone()));
    }
    let state_error = |message: String| MigrateError::State { table: table.to_owned(), message };
    if options.segments == 0 || options.segments > 1_000_000 {
        return Err(state_error(format!(
            "{} segments: DynamoDB takes 1 to 1,000,000",
            options.segments
        )));
    }
    if let Some(segment) = options.segment.filter(|s| *s >= options.segments) {
        return Err(state_error(format!(
            "segment {segment} of {}: segments count from 0",
            options.segments
        )));
    }
    let store = Store { backend, table: &plan.old.table };
    store.key("history")?;
    let summary = plan.to_string();
    match store.plan_state(&plan.id).await? {
        Some((_, true)) if options.rescan => return rescan(backend, plan, options).await,
        Some((_, true)) => {
            return Ok(ApplyReport {
                plan_id: plan.id.clone(),
                already_applied: true,
                completed: true,
                segments_done: options.segments,
                ..ApplyReport::default()
            })
        }
        Some((segments, false)) if segments != options.segments && plan.rewrites_items() => {
            return Err(state_error(format!(
                "migration {} started with {segments} segments; resume it with {segments}",
                plan.id
            )))
        }
        _ => {}
    }
    let mut run = Run::new(backend, plan, options, false);
    let mut changes = Vec::new();
    for change in &plan.before {
        if run.table_change(change).await? {
            changes.push(change.to_string());
        }
    }
    run.total_items = run.describe().await?.item_count;
    if plan.rewrites_items() {
        if !options.dry_run && run.store.plan_state(&plan.id).await?.is_none() {
            run.store.start(&plan.id, options.segments, &summary).await?;
        }
        let segments = run.own_segments();
        let run_ref = &run;
        let futures = segments
            .into_iter()
            .map(|segment| {
                Some(Box::pin(run_ref.segment(segment))
                    as Pin<Box<dyn Future<Output = Result<bool, MigrateError>> + Send + '_>>)
            })
            .collect::<Vec<_>>();
        let results = JoinAll { results: futures.iter().map(|_| None).collect(), futures }.await;
        for result in results {
            result?;
        }
    }
    let mut report = run.report(changes);
    if report.stopped || options.dry_run {
        for change in &plan.after {
            if options.dry_run && run.table_change(change).await? {
                report.table_changes.push(change.to_string());
            }
        }
        return Ok(report);
    }
    // Every segment (of every process) done?
    let (mut scanned, mut written, mut done) = (0, 0, 0);
    if plan.rewrites_items() {
        for segment in 0..options.segments {
            let checkpoint = run.store.checkpoint(&plan.id, segment, options.segments).await?;
            scanned += checkpoint.scanned;
            written += checkpoint.written;
            done += u32::from(checkpoint.done);
        }
    } else {
        done = options.segments;
    }
    report.segments_done = done;
    if done < options.segments {
        return Ok(report);
    }
    for change in &plan.after {
        if run.table_change(change).await? {
            report.table_changes.push(change.to_string());
        }
    }
    run.store.complete(&plan.id, options.segments, &summary, scanned, written).await?;
    report.completed = true;
    Ok(report)
}
