//! `Query` and `Scan`: one page of a table or a secondary index, read as DynamoDB reads
//! it.
//!
//! # A page
//!
//! Items (or index entries) are *evaluated* in order: a query's partition by sort key
//! (`ScanIndexForward=false` reverses it), a scan's partitions in key order. A page stops
//! after `Limit` evaluated items, or before the item that would take the bytes read past
//! 1 MB (item or entry sizes, counted before the filter and the projection; the first
//! item always fits). DynamoDB documents pages as "1 MB in size (or less)"
//! (Query.Pagination.html); DynamoDB Local instead includes the item that crosses 1 MB.
//! A page that stopped early carries `LastEvaluatedKey`, the key of the last evaluated
//! item, even when every item was filtered out or nothing follows (a page that stopped at
//! `Limit` just at the end, as DynamoDB does): only its absence means the end.
//!
//! The filter then picks the items returned (`Count`; `ScannedCount` counts evaluated
//! ones), and the projection or `Select` shapes them. `LastEvaluatedKey` holds the table's
//! key attributes, plus an LSI's sort key, or every key attribute of a GSI.
//!
//! # Indexes
//!
//! An index returns its entries: a `KEYS_ONLY` or `INCLUDE` index holds only the
//! attributes it projects. Asking a GSI for others is an error; an LSI fetches the table
//! item instead, and bills each fetched item on its own, rounded to 4 KB, to the table
//! (the entries read are billed to the index). A query's filter may not name key
//! attributes, nor attributes a secondary index does not project.
//!
//! # Capacity
//!
//! The bytes read are summed and rounded up to 4 KB once (at least one unit; eventually
//! consistent reads cost half), whatever the filter keeps. DynamoDB Local reports 0 for a
//! read that finds nothing; DynamoDB documents a minimum of one unit for each read.
//!
//! # Parallel scan
//!
//! Segment `s` of `t` holds the partitions whose partition key value hashes (FNV-1a of
//! its type and bytes) to `s` modulo `t`: a partition is in exactly one segment, so the
//! segments are disjoint and together the whole table, and a segment resumes from its own
//! `LastEvaluatedKey`. `Segment` and `TotalSegments` come as one pair in [`ScanInput`], so
//! "one without the other" cannot be asked; `TotalSegments` must be 1 to 1,000,000 and
//! `Segment` below it. An index scan splits the index partitions the same way.

use std::ops::Bound;
use std::sync::Arc;

use super::capacity::{consumed, read_units, Access};
use super::catalog::Catalog;
use super::definition::{IndexDef, KeyAttr, TableDef};
use super::eval::{self, condition_paths, ExpressionKind};
use super::index::{IndexEntryKey, IndexPartition};
use super::key_value::{KeyTuple, KeyValue, PrimaryKey, FNV_OFFSET};
use super::projection::Projection;
use super::table::{Partition, StoredItem, Table};
use super::validate::{check_name_at, check_scalar_key_paths, check_value, Constraints};
use singletable_core::backend::{
    PageOutput, QueryInput, ReturnConsumedCapacity, ScanInput, Select,
};
use singletable_core::error::{Error, Result};
use singletable_core::expr::{Condition, KeyCondition, Path, PathElement, SortKeyCondition};
use singletable_core::schema::ScalarType;
use singletable_core::value::{AttributeValue, Item};

/// A page reads at most this many bytes (1 MB).
const PAGE_BYTES: usize = 1024 * 1024;
/// The most segments a parallel scan may have.
const MAX_TOTAL_SEGMENTS: u32 = 1_000_000;

const INVALID: &str = "One or more parameter values were invalid: ";
const KEY_CONDITION: &str = "Invalid KeyConditionExpression: ";

// ---------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------

/// `Query`.
pub(crate) fn query(catalog: &Catalog, input: QueryInput) -> Result<PageOutput> {
    query_with(catalog, input, false)
}

/// `Query`, with a filter that may name key attributes when `filter_on_keys` (a PartiQL
/// `SELECT`, whose `WHERE` may test a key attribute beyond the key condition).
pub(crate) fn query_with(
    catalog: &Catalog,
    input: QueryInput,
    filter_on_keys: bool,
) -> Result<PageOutput> {
    let limit =
        check_parameters(&input.table_name, input.index_name.as_deref(), input.limit, None)?;
    let select =
        resolve_select(input.select, input.projection.as_deref(), input.index_name.is_some())?;
    let projection = input.projection.as_deref().map(Projection::new).transpose()?;
    if let Some(filter) = &input.filter {
        eval::check(filter, ExpressionKind::Filter)?;
    }
    let conditions = key_conditions(&input.key_condition)?;

    let handle = catalog.table(&input.table_name)?;
    let mut parsed = Some(projection);
    loop {
        let def = handle.def();
        let target = Target::resolve(&def, input.index_name.as_deref(), input.consistent_read)?;
        let key_query = KeyQuery::new(&target, &conditions)?;
        check_paths(&target, input.projection.as_deref(), input.filter.as_ref())?;
        if let Some(filter) = &input.filter {
            check_query_filter(&target, filter, filter_on_keys)?;
        }
        let projection = reparse(&mut parsed, input.projection.as_deref())?;
        let shape = Shape::new(&target, select, projection, input.projection.as_deref())?;
        let start = input
            .exclusive_start_key
            .as_ref()
            .map(|key| {
                let start = Start::new(&target, key)?;
                if !key_query.holds_for(&start) {
                    return Err(Error::validation(
                        "The provided starting key does not match the range key predicate",
                    ));
                }
                Ok(start)
            })
            .transpose()?;

        // A definition replaced meanwhile: start over (see `catalog`).
        let Some(table) = handle.read_current(&def) else { continue };
        let candidates =
            query_candidates(&table, &target, &key_query, start.as_ref(), input.scan_index_forward);
        let page = collect(candidates, &table, shape.fetch, limit);
        drop(table);
        return Ok(finish(
            page,
            &shape,
            input.filter.as_ref(),
            &target,
            input.consistent_read,
            input.return_consumed_capacity,
        ));
    }
}

/// The parsed projection on the first pass of a read; parsed again (it was valid) when
/// a definition change makes the read start over.
fn reparse(
    parsed: &mut Option<Option<Projection>>,
    paths: Option<&[singletable_core::expr::Path]>,
) -> Result<Option<Projection>> {
    match parsed.take() {
        Some(projection) => Ok(projection),
        None => paths.map(Projection::new).transpose(),
    }
}

/// `Scan`.
pub(crate) fn scan(catalog: &Catalog, input: ScanInput) -> Result<PageOutput> {
    let limit = check_parameters(
        &input.table_name,
        input.index_name.as_deref(),
        input.limit,
        input.segment,
    )?;
    let select =
        resolve_select(input.select, input.projection.as_deref(), input.index_name.is_some())?;
    let projection = input.projection.as_deref().map(Projection::new).transpose()?;
    if let Some(filter) = &input.filter {
        eval::check(filter, ExpressionKind::Filter)?;
    }

    let handle = catalog.table(&input.table_name)?;
    let mut parsed = Some(projection);
    loop {
        let def = handle.def();
        let target = Target::resolve(&def, input.index_name.as_deref(), input.consistent_read)?;
        check_paths(&target, input.projection.as_deref(), input.filter.as_ref())?;
        let projection = reparse(&mut parsed, input.projection.as_deref())?;
        let shape = Shape::new(&target, select, projection, input.projection.as_deref())?;
        let start =
            input.exclusive_start_key.as_ref().map(|key| Start::new(&target, key)).transpose()?;

        // A definition replaced meanwhile: start over (see `catalog`).
        let Some(table) = handle.read_current(&def) else { continue };
        let candidates = scan_candidates(&table, &target, start.as_ref(), input.segment);
        let page = collect(candidates, &table, shape.fetch, limit);
        drop(table);
        return Ok(finish(
            page,
            &shape,
            input.filter.as_ref(),
            &target,
            input.consistent_read,
            input.return_consumed_capacity,
        ));
    }
}

// ---------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------

/// The parameter constraints of `Query` and `Scan`, reported together as DynamoDB's
/// request validation does (`tableName`, `indexName`, `limit`, `segment`,
/// `totalSegments`), then the rule between `Segment` and `TotalSegments`. Returns the
/// limit.
fn check_parameters(
    table_name: &str,
    index_name: Option<&str>,
    limit: Option<u32>,
    segment: Option<(u32, u32)>,
) -> Result<Option<usize>> {
    let mut constraints = Constraints::default();
    constraints.name(table_name, "tableName");
    if let Some(index_name) = index_name {
        constraints.name(index_name, "indexName");
    }
    if limit == Some(0) {
        // DynamoDB Local: `Limit must be greater than or equal to 1`.
        constraints.push("0", "limit", "Member must have value greater than or equal to 1");
    }
    if let Some((_, total)) = segment {
        if total < 1 {
            constraints.push(
                &total.to_string(),
                "totalSegments",
                "Member must have value greater than or equal to 1",
            );
        } else if total > MAX_TOTAL_SEGMENTS {
            constraints.push(
                &total.to_string(),
                "totalSegments",
                &format!("Member must have value less than or equal to {MAX_TOTAL_SEGMENTS}"),
            );
        }
    }
    constraints.finish()?;
    if let Some((segment, total)) = segment {
        if segment >= total {
            // DynamoDB Local reports it as a constraint on `segment`.
            return Err(Error::validation(format!(
                "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {segment} is not less than TotalSegments: {total}"
            )));
        }
    }
    Ok(limit.map(|limit| usize::try_from(limit).unwrap_or(usize::MAX)))
}

/// `Select` with DynamoDB's defaults (`ALL_ATTRIBUTES` on a table,
/// `ALL_PROJECTED_ATTRIBUTES` on an index, `SPECIFIC_ATTRIBUTES` with a projection) and
/// its refusals (DynamoDB Local's wording).
fn resolve_select(
    select: Option<Select>,
    projection: Option<&[Path]>,
    has_index: bool,
) -> Result<Select> {
    let refuse = |message: &str| Err(Error::validation(message));
    match (select, projection.is_some()) {
        (Some(Select::SpecificAttributes), false) => refuse(
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
        ),
        (Some(Select::Count), true) => {
            refuse("Cannot specify the ProjectionExpression when choosing to get only the Count")
        }
        (Some(Select::AllAttributes), true) => {
            refuse("Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES")
        }
        (Some(Select::AllProjectedAttributes), true) => refuse(
            "Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES",
        ),
        (Some(Select::AllProjectedAttributes), false) if !has_index => {
            refuse("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
        }
        (Some(select), _) => Ok(select),
        (None, true) => Ok(Select::SpecificAttributes),
        (None, false) if has_index => Ok(Select::AllProjectedAttributes),
        (None, false) => Ok(Select::AllAttributes),
    }
}

/// The top-level attribute names of some paths, sorted, without repeats.
fn top_names<'p>(paths: impl IntoIterator<Item = &'p Path>) -> Vec<&'p str> {
    let mut names: Vec<&str> = paths
        .into_iter()
        .filter_map(|path| match path.elements.first() {
            Some(PathElement::Attribute(name)) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

// ---------------------------------------------------------------------------------------
// What is read
// ---------------------------------------------------------------------------------------

/// The table, or one of its indexes.
struct Target<'d> {
    pub(super) def: &'d TableDef,
    pub(super) index: Option<(usize, &'d IndexDef)>,
}

impl<'d> Target<'d> {
    pub(super) fn resolve(
        def: &'d TableDef,
        index_name: Option<&str>,
        consistent: bool,
    ) -> Result<Self> {
        let index = match index_name {
            None => None,
            Some(name) => {
                check_name_at(name, "indexName")?;
                let found = def.index(name).ok_or_else(|| {
                    Error::validation(format!(
                        "The table does not have the specified index: {name}"
                    ))
                })?;
                if consistent && found.1.is_global() {
                    return Err(Error::validation(
                        "Consistent reads are not supported on global secondary indexes",
                    ));
                }
                Some(found)
            }
        };
        Ok(Target { def, index })
    }

    /// The key schema read: the table's or the index's (`HASH` attributes, `RANGE` ones).
    pub(super) fn key_schema(&self) -> (&'d [KeyAttr], &'d [KeyAttr]) {
        match self.index {
            Some((_, index)) => (&index.partition, &index.sort),
            None => (std::slice::from_ref(&self.def.partition_key), self.def.sort_key.as_slice()),
        }
    }

    /// The attributes of `LastEvaluatedKey` and `ExclusiveStartKey`: the table's key,
    /// then the index's key attributes it does not already hold.
    pub(super) fn start_key_attributes(&self) -> Vec<&'d KeyAttr> {
        let mut attributes: Vec<&KeyAttr> = self.def.key_attributes().collect();
        if let Some((_, index)) = self.index {
            for attribute in index.partition.iter().chain(&index.sort) {
                if !attributes.iter().any(|a| a.name == attribute.name) {
                    attributes.push(attribute);
                }
            }
        }
        attributes
    }

    pub(super) fn is_global(&self) -> bool {
        self.index.is_some_and(|(_, index)| index.is_global())
    }
}

/// How each returned item is made.
struct Shape {
    /// `Select=COUNT`: no items.
    pub(super) count_only: bool,
    /// `ProjectionExpression`, if any.
    pub(super) projection: Option<Projection>,
    /// An LSI read of attributes it does not project: return the table item.
    pub(super) fetch: bool,
}

impl Shape {
    pub(super) fn new(
        target: &Target<'_>,
        select: Select,
        projection: Option<Projection>,
        paths: Option<&[Path]>,
    ) -> Result<Shape> {
        let index = target.index.map(|(_, index)| index);
        let projected = index.and_then(|index| index.projected.as_deref());
        let mut shape = Shape { count_only: false, projection, fetch: false };
        match (select, index, projected) {
            (Select::Count, ..) => shape.count_only = true,
            (Select::AllProjectedAttributes, ..) | (_, None, _) | (_, _, None) => {}
            (Select::AllAttributes, Some(index), Some(_)) => {
                if index.is_global() {
                    return Err(Error::validation(format!(
                        "{INVALID}Select type ALL_ATTRIBUTES is not supported for global secondary index {} because its projection type is not ALL",
                        index.name
                    )));
                }
                shape.fetch = true;
            }
            (Select::SpecificAttributes, Some(index), Some(projected)) => {
                let missing: Vec<&str> = top_names(paths.unwrap_or_default())
                    .into_iter()
                    .filter(|name| !projected.iter().any(|p| p == name))
                    .collect();
                if !missing.is_empty() {
                    if index.is_global() {
                        return Err(Error::validation(format!(
                            "{INVALID}Global secondary index {} does not project [{}]",
                            index.name,
                            missing.join(", ")
                        )));
                    }
                    shape.fetch = true;
                }
            }
        }
        Ok(shape)
    }
}

/// No projection or filter path may look inside a key attribute.
fn check_paths(
    target: &Target<'_>,
    projection: Option<&[Path]>,
    filter: Option<&Condition>,
) -> Result<()> {
    let mut paths: Vec<&Path> = projection.into_iter().flatten().collect();
    if let Some(filter) = filter {
        condition_paths(filter, &mut paths);
    }
    check_scalar_key_paths(target.def, paths)
}

/// A query's filter may not name the key attributes of what it reads, nor attributes a
/// secondary index does not project.
fn check_query_filter(target: &Target<'_>, filter: &Condition, on_keys: bool) -> Result<()> {
    let mut paths = Vec::new();
    condition_paths(filter, &mut paths);
    let (partition, sort) = target.key_schema();
    for path in paths.iter().filter(|_| !on_keys) {
        if let Some(PathElement::Attribute(name)) = path.elements.first() {
            if partition.iter().chain(sort).any(|key| key.name == *name) {
                return Err(Error::validation(format!(
                    "Filter Expression can only contain non-primary key attributes: Primary key attribute: {name}"
                )));
            }
        }
    }
    if let Some((_, index)) = target.index {
        if let Some(projected) = &index.projected {
            let missing: Vec<&str> = top_names(paths.iter().copied())
                .into_iter()
                .filter(|name| !projected.iter().any(|p| p == name))
                .collect();
            if !missing.is_empty() {
                return Err(Error::validation(format!(
                    "{INVALID}Secondary index {} does not project one or more filter attributes: [{}]",
                    index.name,
                    missing.join(", ")
                )));
            }
        }
    }
    Ok(())
}

mod key;
mod page;
#[cfg(test)]
mod tests;

use self::key::*;
use self::page::*;
