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
use super::eval::{self, condition_paths, render_literal, ExpressionKind};
use super::index::{IndexEntryKey, IndexPartition};
use super::key_value::{KeyTuple, KeyValue, PrimaryKey, FNV_OFFSET};
use super::projection::Projection;
use super::table::{Partition, StoredItem, Table};
use super::validate::{check_name, check_scalar_key_paths, check_value, Constraints};
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
    check_name(&input.table_name)?;
    let limit = check_limit(input.limit)?;
    let select =
        resolve_select(input.select, input.projection.as_deref(), input.index_name.is_some())?;
    let projection = input.projection.as_deref().map(Projection::new).transpose()?;
    if let Some(filter) = &input.filter {
        eval::check(filter, ExpressionKind::Filter)?;
    }
    let conditions = key_conditions(&input.key_condition)?;

    let handle = catalog.table(&input.table_name)?;
    let target = Target::resolve(&handle.def, input.index_name.as_deref(), input.consistent_read)?;
    let key_query = KeyQuery::new(&target, &conditions)?;
    check_paths(&target, input.projection.as_deref(), input.filter.as_ref())?;
    if let Some(filter) = &input.filter {
        check_query_filter(&target, filter)?;
    }
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

    let page = {
        let table = handle.read();
        let candidates =
            query_candidates(&table, &target, &key_query, start.as_ref(), input.scan_index_forward);
        collect(candidates, &table, shape.fetch, limit)
    };
    Ok(finish(
        page,
        &shape,
        input.filter.as_ref(),
        &target,
        input.consistent_read,
        input.return_consumed_capacity,
    ))
}

/// `Scan`.
pub(crate) fn scan(catalog: &Catalog, input: ScanInput) -> Result<PageOutput> {
    check_name(&input.table_name)?;
    let limit = check_limit(input.limit)?;
    check_segment(input.segment)?;
    let select =
        resolve_select(input.select, input.projection.as_deref(), input.index_name.is_some())?;
    let projection = input.projection.as_deref().map(Projection::new).transpose()?;
    if let Some(filter) = &input.filter {
        eval::check(filter, ExpressionKind::Filter)?;
    }

    let handle = catalog.table(&input.table_name)?;
    let target = Target::resolve(&handle.def, input.index_name.as_deref(), input.consistent_read)?;
    check_paths(&target, input.projection.as_deref(), input.filter.as_ref())?;
    let shape = Shape::new(&target, select, projection, input.projection.as_deref())?;
    let start =
        input.exclusive_start_key.as_ref().map(|key| Start::new(&target, key)).transpose()?;

    let page = {
        let table = handle.read();
        let candidates = scan_candidates(&table, &target, start.as_ref(), input.segment);
        collect(candidates, &table, shape.fetch, limit)
    };
    Ok(finish(
        page,
        &shape,
        input.filter.as_ref(),
        &target,
        input.consistent_read,
        input.return_consumed_capacity,
    ))
}

// ---------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------

fn check_limit(limit: Option<u32>) -> Result<Option<usize>> {
    match limit {
        // DynamoDB Local's words; DynamoDB reports it as a constraint violation.
        Some(0) => Err(Error::validation("Limit must be greater than or equal to 1")),
        Some(limit) => Ok(Some(usize::try_from(limit).unwrap_or(usize::MAX))),
        None => Ok(None),
    }
}

fn check_segment(segment: Option<(u32, u32)>) -> Result<()> {
    let Some((segment, total)) = segment else { return Ok(()) };
    let mut constraints = Constraints::default();
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
    } else if segment >= total {
        constraints.push(
            &segment.to_string(),
            "segment",
            &format!("Member must have value less than or equal to {}", total - 1),
        );
    }
    constraints.finish()
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
    def: &'d TableDef,
    index: Option<(usize, &'d IndexDef)>,
}

impl<'d> Target<'d> {
    fn resolve(def: &'d TableDef, index_name: Option<&str>, consistent: bool) -> Result<Self> {
        let index = match index_name {
            None => None,
            Some(name) => {
                check_name(name)?;
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
    fn key_schema(&self) -> (&'d [KeyAttr], &'d [KeyAttr]) {
        match self.index {
            Some((_, index)) => (&index.partition, &index.sort),
            None => (std::slice::from_ref(&self.def.partition_key), self.def.sort_key.as_slice()),
        }
    }

    /// The attributes of `LastEvaluatedKey` and `ExclusiveStartKey`: the table's key,
    /// then the index's key attributes it does not already hold.
    fn start_key_attributes(&self) -> Vec<&'d KeyAttr> {
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

    fn is_global(&self) -> bool {
        self.index.is_some_and(|(_, index)| index.is_global())
    }
}

/// How each returned item is made.
struct Shape {
    /// `Select=COUNT`: no items.
    count_only: bool,
    /// `ProjectionExpression`, if any.
    projection: Option<Projection>,
    /// An LSI read of attributes it does not project: return the table item.
    fetch: bool,
}

impl Shape {
    fn new(
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
fn check_query_filter(target: &Target<'_>, filter: &Condition) -> Result<()> {
    let mut paths = Vec::new();
    condition_paths(filter, &mut paths);
    let (partition, sort) = target.key_schema();
    for path in &paths {
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

// ---------------------------------------------------------------------------------------
// Key conditions
// ---------------------------------------------------------------------------------------

/// The key condition as one list of tests by attribute name, checked the way DynamoDB
/// checks the expression before it looks at the schema.
fn key_conditions(condition: &KeyCondition) -> Result<Vec<(&str, SortKeyCondition)>> {
    let conditions: Vec<(&str, SortKeyCondition)> = condition
        .partition
        .iter()
        .map(|(name, value)| (name.as_str(), SortKeyCondition::Eq(value.clone())))
        .chain(condition.sort.iter().map(|(name, test)| (name.as_str(), test.clone())))
        .collect();
    if conditions.is_empty() {
        return Err(Error::validation(format!("{KEY_CONDITION}The expression can not be empty;")));
    }
    for (position, (name, test)) in conditions.iter().enumerate() {
        if conditions[..position].iter().any(|(other, _)| other == name) {
            return Err(Error::validation(
                "KeyConditionExpressions must only contain one condition per key",
            ));
        }
        for value in test_values(test) {
            check_value(value).map_err(|message| {
                Error::validation(format!(
                    "ExpressionAttributeValues contains invalid value: {message}"
                ))
            })?;
        }
        match test {
            SortKeyCondition::Between(low, high) => match eval_order(low, high) {
                None => {
                    return Err(Error::validation(format!(
                        "{KEY_CONDITION}The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: {}, upper bound operand: {}",
                        render_literal(low),
                        render_literal(high)
                    )))
                }
                Some(std::cmp::Ordering::Greater) => {
                    return Err(Error::validation(format!(
                        "{KEY_CONDITION}The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: {}, upper bound operand: {}",
                        render_literal(low),
                        render_literal(high)
                    )))
                }
                Some(_) => {}
            },
            SortKeyCondition::BeginsWith(prefix)
                if !matches!(prefix, AttributeValue::S(_) | AttributeValue::B(_)) =>
            {
                return Err(Error::validation(format!(
                    "{KEY_CONDITION}Incorrect operand type for operator or function; operator or function: begins_with, operand type: {}",
                    prefix.attribute_type()
                )));
            }
            _ => {}
        }
    }
    Ok(conditions)
}

fn test_values(test: &SortKeyCondition) -> Vec<&AttributeValue> {
    match test {
        SortKeyCondition::Eq(v)
        | SortKeyCondition::Lt(v)
        | SortKeyCondition::Le(v)
        | SortKeyCondition::Gt(v)
        | SortKeyCondition::Ge(v)
        | SortKeyCondition::BeginsWith(v) => vec![v],
        SortKeyCondition::Between(low, high) => vec![low, high],
    }
}

/// The order of two scalars of one type (S by bytes, N numerically, B by bytes).
fn eval_order(a: &AttributeValue, b: &AttributeValue) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (AttributeValue::S(a), AttributeValue::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (AttributeValue::N(a), AttributeValue::N(b)) => Some(a.cmp(b)),
        (AttributeValue::B(a), AttributeValue::B(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// The test on the sort attribute after the equality prefix.
#[derive(Debug, Clone)]
enum RangeTest {
    Lt(KeyValue),
    Le(KeyValue),
    Gt(KeyValue),
    Ge(KeyValue),
    Between(KeyValue, KeyValue),
    BeginsWith(KeyValue),
}

impl RangeTest {
    fn holds(&self, value: &KeyValue) -> bool {
        match self {
            RangeTest::Lt(v) => value < v,
            RangeTest::Le(v) => value <= v,
            RangeTest::Gt(v) => value > v,
            RangeTest::Ge(v) => value >= v,
            RangeTest::Between(low, high) => low <= value && value <= high,
            RangeTest::BeginsWith(prefix) => value.begins_with(prefix),
        }
    }
}

/// A key condition resolved against the key schema it reads.
#[derive(Debug)]
struct KeyQuery {
    /// The partition key values, in key-schema order.
    partition: Vec<KeyValue>,
    /// Equality on the first sort attributes.
    prefix: Vec<KeyValue>,
    /// The test on the next sort attribute.
    range: Option<RangeTest>,
    /// The types of the sort attributes.
    sort_types: Vec<ScalarType>,
}

fn mismatch() -> Error {
    Error::validation(format!("{INVALID}Condition parameter type does not match schema type"))
}

impl KeyQuery {
    fn new(target: &Target<'_>, conditions: &[(&str, SortKeyCondition)]) -> Result<KeyQuery> {
        let (partition, sort) = target.key_schema();
        let find = |name: &str| conditions.iter().find(|(n, _)| *n == name).map(|(_, t)| t);
        // A test on anything but a key attribute: DynamoDB says a key element is missing.
        if conditions.iter().any(|(name, _)| !partition.iter().chain(sort).any(|k| k.name == *name))
        {
            let missing = partition
                .iter()
                .chain(sort)
                .find(|k| find(&k.name).is_none())
                .or(partition.first())
                .map_or("", |k| k.name.as_str());
            return Err(missed(missing));
        }
        // Types, before the structure (as DynamoDB checks them).
        for attribute in partition.iter().chain(sort) {
            if let Some(test) = find(&attribute.name) {
                for value in test_values(test) {
                    let key = KeyValue::from_attribute(value, attribute.ty).ok_or_else(mismatch)?;
                    if matches!(test, SortKeyCondition::BeginsWith(_))
                        && attribute.ty == ScalarType::N
                    {
                        return Err(mismatch());
                    }
                    let empty = match &key {
                        KeyValue::S(s) => s.is_empty(),
                        KeyValue::B(b) => b.is_empty(),
                        KeyValue::N(_) => false,
                    };
                    if empty && partition.iter().any(|p| p.name == attribute.name) {
                        return Err(Error::validation(format!(
                            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {} value. Key: {}",
                            if attribute.ty == ScalarType::B { "binary" } else { "string" },
                            attribute.name
                        )));
                    }
                }
            }
        }
        // Equality on every partition attribute.
        let not_equal: Vec<&str> = partition
            .iter()
            .filter(|k| !matches!(find(&k.name), Some(SortKeyCondition::Eq(_))))
            .map(|k| k.name.as_str())
            .collect();
        if !not_equal.is_empty() {
            if partition.len() > 1 {
                return Err(Error::validation(format!(
                    "HASH key attributes {} must have equality conditions specified in the query",
                    not_equal.join(", ")
                )));
            }
            return Err(match not_equal.first() {
                Some(name) if find(name).is_none() => missed(name),
                _ => Error::validation("Query key condition not supported"),
            });
        }
        // Sort attributes: a left-to-right prefix of equalities, then one test.
        if let Some(last) = sort.iter().rposition(|k| find(&k.name).is_some()) {
            let gaps: Vec<&str> = sort[..last]
                .iter()
                .filter(|k| !matches!(find(&k.name), Some(SortKeyCondition::Eq(_))))
                .map(|k| k.name.as_str())
                .collect();
            if !gaps.is_empty() {
                return Err(Error::validation(format!(
                    "RANGE key attributes {} must have equality conditions specified in the query because a condition is present on key attribute {}",
                    gaps.join(", "),
                    sort[last].name
                )));
            }
        }

        let key = |attribute: &KeyAttr, value: &AttributeValue| {
            KeyValue::from_attribute(value, attribute.ty).ok_or_else(mismatch)
        };
        let mut query = KeyQuery {
            partition: Vec::with_capacity(partition.len()),
            prefix: Vec::new(),
            range: None,
            sort_types: sort.iter().map(|k| k.ty).collect(),
        };
        for attribute in partition {
            if let Some(SortKeyCondition::Eq(value)) = find(&attribute.name) {
                query.partition.push(key(attribute, value)?);
            }
        }
        for attribute in sort {
            let Some(test) = find(&attribute.name) else { break };
            let range = match test {
                SortKeyCondition::Eq(v) => {
                    query.prefix.push(key(attribute, v)?);
                    continue;
                }
                SortKeyCondition::Lt(v) => RangeTest::Lt(key(attribute, v)?),
                SortKeyCondition::Le(v) => RangeTest::Le(key(attribute, v)?),
                SortKeyCondition::Gt(v) => RangeTest::Gt(key(attribute, v)?),
                SortKeyCondition::Ge(v) => RangeTest::Ge(key(attribute, v)?),
                SortKeyCondition::Between(low, high) => {
                    RangeTest::Between(key(attribute, low)?, key(attribute, high)?)
                }
                SortKeyCondition::BeginsWith(v) => RangeTest::BeginsWith(key(attribute, v)?),
            };
            query.range = Some(range);
            break;
        }
        Ok(query)
    }

    /// True when a sort key tuple satisfies the sort conditions.
    fn sort_holds(&self, sort: &[KeyValue]) -> bool {
        sort.starts_with(&self.prefix)
            && self
                .range
                .as_ref()
                .is_none_or(|range| sort.get(self.prefix.len()).is_some_and(|v| range.holds(v)))
    }

    /// True when a start key lies in the queried partition and range.
    fn holds_for(&self, start: &Start) -> bool {
        match start {
            Start::Table(key) => {
                std::slice::from_ref(&key.partition) == self.partition.as_slice()
                    && self.sort_holds(key.sort.as_slice())
            }
            Start::Index(partition, entry) => {
                **partition == *self.partition && self.sort_holds(&entry.sort)
            }
        }
    }

    /// A value above every value at sort position `position` (any value past the end).
    fn above(&self, position: usize) -> KeyValue {
        self.sort_types
            .get(position)
            .map_or_else(|| KeyValue::S(String::new()), |ty| KeyValue::above_all(*ty))
    }

    /// The range of a table partition (one sort attribute, or none).
    fn table_bounds(&self) -> (Bound<Option<KeyValue>>, Bound<Option<KeyValue>>) {
        use Bound::{Excluded, Included, Unbounded};
        if let Some(value) = self.prefix.first() {
            return (Included(Some(value.clone())), Included(Some(value.clone())));
        }
        let some = |v: &KeyValue| Some(v.clone());
        match &self.range {
            None => (Unbounded, Unbounded),
            Some(RangeTest::Lt(v)) => (Unbounded, Excluded(some(v))),
            Some(RangeTest::Le(v)) => (Unbounded, Included(some(v))),
            Some(RangeTest::Gt(v)) => (Excluded(some(v)), Unbounded),
            Some(RangeTest::Ge(v)) => (Included(some(v)), Unbounded),
            Some(RangeTest::Between(low, high)) => (Included(some(low)), Included(some(high))),
            Some(RangeTest::BeginsWith(prefix)) => (
                Included(some(prefix)),
                prefix.prefix_successor().map_or(Unbounded, |next| Excluded(Some(next))),
            ),
        }
    }

    /// The range of an index partition: entries are ordered by sort tuple, then table key.
    fn index_bounds(&self) -> (Bound<IndexEntryKey>, Bound<IndexEntryKey>) {
        use Bound::{Excluded, Included};
        let at = |tail: &[KeyValue]| {
            let sort: Vec<KeyValue> = self.prefix.iter().chain(tail).cloned().collect();
            IndexEntryKey { sort: sort.into_boxed_slice(), table: PrimaryKey::min() }
        };
        let k = self.prefix.len();
        let top = at(&[self.above(k)]);
        match &self.range {
            None => (Included(at(&[])), Excluded(top)),
            Some(RangeTest::Lt(v)) => (Included(at(&[])), Excluded(at(std::slice::from_ref(v)))),
            Some(RangeTest::Le(v)) => {
                (Included(at(&[])), Excluded(at(&[v.clone(), self.above(k + 1)])))
            }
            Some(RangeTest::Gt(v)) => {
                (Included(at(&[v.clone(), self.above(k + 1)])), Excluded(top))
            }
            Some(RangeTest::Ge(v)) => (Included(at(std::slice::from_ref(v))), Excluded(top)),
            Some(RangeTest::Between(low, high)) => (
                Included(at(std::slice::from_ref(low))),
                Excluded(at(&[high.clone(), self.above(k + 1)])),
            ),
            Some(RangeTest::BeginsWith(prefix)) => (
                Included(at(std::slice::from_ref(prefix))),
                Excluded(prefix.prefix_successor().map_or(top, |next| at(&[next]))),
            ),
        }
    }
}

fn missed(name: &str) -> Error {
    // DynamoDB Local leaves out `: <name>`.
    Error::validation(format!("Query condition missed key schema element: {name}"))
}

// ---------------------------------------------------------------------------------------
// Start keys
// ---------------------------------------------------------------------------------------

/// Where a page resumes: just after this position.
#[derive(Debug)]
enum Start {
    /// A table position.
    Table(PrimaryKey),
    /// An index position: the index partition and the entry's key.
    Index(KeyTuple, IndexEntryKey),
}

impl Start {
    /// Checks `ExclusiveStartKey` against what is read (DynamoDB Local's messages).
    fn new(target: &Target<'_>, key: &Item) -> Result<Start> {
        let attributes = target.start_key_attributes();
        let invalid = || {
            Error::validation(if target.is_global() {
                "The provided starting key is invalid"
            } else {
                "The provided starting key is invalid: The provided key element does not match the schema"
            })
        };
        if key.len() != attributes.len() {
            return Err(if target.is_global() {
                invalid()
            } else {
                Error::validation("Exclusive Start Key must have same size as table's key schema")
            });
        }
        let value = |attribute: &KeyAttr| {
            key.get(&attribute.name)
                .and_then(|value| KeyValue::from_attribute(value, attribute.ty))
                .ok_or_else(invalid)
        };
        for attribute in &attributes {
            value(attribute)?;
        }
        let table = PrimaryKey {
            partition: value(&target.def.partition_key)?,
            sort: target.def.sort_key.as_ref().map(value).transpose()?,
        };
        Ok(match target.index {
            None => Start::Table(table),
            Some((_, index)) => {
                let tuple = |attributes: &[KeyAttr]| -> Result<KeyTuple> {
                    attributes.iter().map(value).collect()
                };
                Start::Index(
                    tuple(&index.partition)?,
                    IndexEntryKey { sort: tuple(&index.sort)?, table },
                )
            }
        })
    }
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

/// One item or entry in reading order: the stored item (or entry), its size, and for an
/// index entry the table key of its item.
type Candidate<'t> = (&'t Arc<Item>, usize, Option<&'t PrimaryKey>);
type Candidates<'t> = Box<dyn Iterator<Item = Candidate<'t>> + 't>;

/// True when `(lower, upper)` holds nothing (`BTreeMap::range` panics on such ranges).
fn is_empty_range<T: Ord>(lower: &Bound<T>, upper: &Bound<T>) -> bool {
    use Bound::{Excluded, Included};
    match (lower, upper) {
        (Included(low), Included(high)) => low > high,
        (Included(low) | Excluded(low), Included(high) | Excluded(high)) => low >= high,
        _ => false,
    }
}

fn table_range<'t>(
    partition: &'t Partition,
    bounds: (Bound<Option<KeyValue>>, Bound<Option<KeyValue>>),
    forward: bool,
) -> Candidates<'t> {
    if is_empty_range(&bounds.0, &bounds.1) {
        return Box::new(std::iter::empty());
    }
    let items = partition.range(bounds).map(|(_, stored)| (&stored.item, stored.size, None));
    if forward {
        Box::new(items)
    } else {
        Box::new(items.rev())
    }
}

fn index_range<'t>(
    partition: &'t IndexPartition,
    bounds: (Bound<IndexEntryKey>, Bound<IndexEntryKey>),
    forward: bool,
) -> Candidates<'t> {
    if is_empty_range(&bounds.0, &bounds.1) {
        return Box::new(std::iter::empty());
    }
    let entries =
        partition.range(bounds).map(|(key, entry)| (&entry.item, entry.size, Some(&key.table)));
    if forward {
        Box::new(entries)
    } else {
        Box::new(entries.rev())
    }
}

fn query_candidates<'t>(
    table: &'t Table,
    target: &Target<'_>,
    query: &KeyQuery,
    start: Option<&Start>,
    forward: bool,
) -> Candidates<'t> {
    match target.index {
        None => {
            let Some(partition) = query.partition.first().and_then(|p| table.partition_map(p))
            else {
                return Box::new(std::iter::empty());
            };
            let (mut lower, mut upper) = query.table_bounds();
            if let Some(Start::Table(key)) = start {
                if forward {
                    lower = Bound::Excluded(key.sort.clone());
                } else {
                    upper = Bound::Excluded(key.sort.clone());
                }
            }
            table_range(partition, (lower, upper), forward)
        }
        Some((position, _)) => {
            let tuple: KeyTuple = query.partition.clone().into_boxed_slice();
            let Some(partition) =
                table.index(position).and_then(|store| store.partition_map(&tuple))
            else {
                return Box::new(std::iter::empty());
            };
            let (mut lower, mut upper) = query.index_bounds();
            if let Some(Start::Index(_, entry)) = start {
                if forward {
                    lower = Bound::Excluded(entry.clone());
                } else {
                    upper = Bound::Excluded(entry.clone());
                }
            }
            index_range(partition, (lower, upper), forward)
        }
    }
}

/// The parallel-scan segment of a partition key (see the module docs).
fn segment_of<'k>(values: impl IntoIterator<Item = &'k KeyValue>, total: u32) -> u32 {
    let mut hash = FNV_OFFSET;
    for value in values {
        value.stable_hash(&mut hash);
    }
    u32::try_from(hash % u64::from(total.max(1))).unwrap_or(0)
}

fn scan_candidates<'t>(
    table: &'t Table,
    target: &Target<'_>,
    start: Option<&Start>,
    segment: Option<(u32, u32)>,
) -> Candidates<'t> {
    let in_segment = move |values: &[KeyValue]| {
        segment.is_none_or(|(segment, total)| segment_of(values, total) == segment)
    };
    match (target.index, start) {
        (None, start) => {
            let start = match start {
                Some(Start::Table(key)) => Some(key.clone()),
                _ => None,
            };
            let first = start.as_ref().map(|key| key.partition.clone());
            let partitions = table
                .partitions_from(first.as_ref().map_or(Bound::Unbounded, Bound::Included))
                .filter(move |(partition, _)| in_segment(std::slice::from_ref(*partition)));
            Box::new(partitions.flat_map(move |(partition, items)| {
                let lower = match &start {
                    Some(key) if key.partition == *partition => Bound::Excluded(key.sort.clone()),
                    _ => Bound::Unbounded,
                };
                table_range(items, (lower, Bound::Unbounded), true)
            }))
        }
        (Some((position, _)), start) => {
            let Some(store) = table.index(position) else { return Box::new(std::iter::empty()) };
            let start = match start {
                Some(Start::Index(partition, entry)) => Some((partition.clone(), entry.clone())),
                _ => None,
            };
            let first = start.as_ref().map(|(partition, _)| partition.clone());
            let partitions = store
                .partitions_from(first.as_ref().map_or(Bound::Unbounded, Bound::Included))
                .filter(move |(partition, _)| in_segment(partition));
            Box::new(partitions.flat_map(move |(partition, entries)| {
                let lower = match &start {
                    Some((first, entry)) if first == partition => Bound::Excluded(entry.clone()),
                    _ => Bound::Unbounded,
                };
                index_range(entries, (lower, Bound::Unbounded), true)
            }))
        }
    }
}

/// One evaluated item or entry.
struct Evaluated {
    item: Arc<Item>,
    /// The table item, for an LSI read of unprojected attributes.
    fetched: Option<StoredItem>,
}

/// The evaluated items of a page, and whether it stopped before the end.
struct Page {
    evaluated: Vec<Evaluated>,
    bytes: usize,
    truncated: bool,
}

/// Evaluates candidates up to `limit` items or 1 MB (see the module docs).
fn collect(candidates: Candidates<'_>, table: &Table, fetch: bool, limit: Option<usize>) -> Page {
    let mut page = Page { evaluated: Vec::new(), bytes: 0, truncated: false };
    for (item, size, table_key) in candidates {
        if !page.evaluated.is_empty() && page.bytes.saturating_add(size) > PAGE_BYTES {
            page.truncated = true;
            break;
        }
        page.bytes = page.bytes.saturating_add(size);
        let fetched = if fetch { table_key.and_then(|key| table.get(key)).cloned() } else { None };
        page.evaluated.push(Evaluated { item: Arc::clone(item), fetched });
        if limit.is_some_and(|limit| page.evaluated.len() >= limit) {
            page.truncated = true;
            break;
        }
    }
    page
}

/// Filters and shapes a page, and reports its keys and capacity.
fn finish(
    page: Page,
    shape: &Shape,
    filter: Option<&Condition>,
    target: &Target<'_>,
    consistent: bool,
    mode: ReturnConsumedCapacity,
) -> PageOutput {
    let scanned_count = u32::try_from(page.evaluated.len()).unwrap_or(u32::MAX);
    let last_evaluated_key = if page.truncated {
        page.evaluated.last().map(|last| {
            target
                .start_key_attributes()
                .into_iter()
                .filter_map(|attribute| {
                    last.item.get(&attribute.name).map(|v| (attribute.name.clone(), v.clone()))
                })
                .collect::<Item>()
        })
    } else {
        None
    };
    let mut count: u32 = 0;
    let mut items = Vec::new();
    let mut fetched_units = 0.0;
    for evaluated in &page.evaluated {
        if filter.is_some_and(|filter| !eval::evaluate(filter, &evaluated.item)) {
            continue;
        }
        count = count.saturating_add(1);
        if shape.count_only {
            continue;
        }
        let source = match &evaluated.fetched {
            Some(stored) => {
                fetched_units += read_units(stored.size, consistent);
                &stored.item
            }
            None => &evaluated.item,
        };
        items.push(match &shape.projection {
            Some(projection) => projection.apply(source),
            None => Item::clone(source),
        });
    }
    let read = read_units(page.bytes, consistent);
    let consumed_capacity = match target.index {
        None => consumed(mode, target.def, Access::Read, read, &[]),
        Some((position, _)) => {
            let mut index_units = vec![0.0; target.def.indexes.len()];
            if let Some(units) = index_units.get_mut(position) {
                *units = read;
            }
            consumed(mode, target.def, Access::Read, fetched_units, &index_units)
        }
    };
    PageOutput { items, count, scanned_count, last_evaluated_key, consumed_capacity }
}

#[cfg(test)]
mod tests {
    use super::*;
    use singletable_core::number::Number;

    fn n(text: &str) -> KeyValue {
        KeyValue::N(Number::parse(text).expect("a valid number"))
    }

    fn s(text: &str) -> KeyValue {
        KeyValue::S(text.to_owned())
    }

    fn entry(sort: &[KeyValue], pk: &str) -> IndexEntryKey {
        IndexEntryKey {
            sort: sort.to_vec().into_boxed_slice(),
            table: PrimaryKey { partition: s(pk), sort: None },
        }
    }

    fn within(bounds: &(Bound<IndexEntryKey>, Bound<IndexEntryKey>), key: &IndexEntryKey) -> bool {
        use std::ops::RangeBounds;
        (bounds.0.clone(), bounds.1.clone()).contains(key)
    }

    fn query(prefix: Vec<KeyValue>, range: Option<RangeTest>) -> KeyQuery {
        KeyQuery {
            partition: vec![s("p")],
            prefix,
            range,
            sort_types: vec![ScalarType::N, ScalarType::S],
        }
    }

    #[test]
    fn index_bounds_match_the_predicate() {
        let keys: Vec<IndexEntryKey> = ["-1", "0", "1", "1.5", "2", "10"]
            .iter()
            .flat_map(|c| ["", "a", "ab", "b"].iter().map(move |t| entry(&[n(c), s(t)], "x")))
            .collect();
        let cases = vec![
            query(vec![], None),
            query(vec![n("1")], None),
            query(vec![], Some(RangeTest::Lt(n("1")))),
            query(vec![], Some(RangeTest::Le(n("1")))),
            query(vec![], Some(RangeTest::Gt(n("1")))),
            query(vec![], Some(RangeTest::Ge(n("1")))),
            query(vec![], Some(RangeTest::Between(n("0"), n("2")))),
            query(vec![n("1")], Some(RangeTest::BeginsWith(s("a")))),
            query(vec![n("1")], Some(RangeTest::Gt(s("a")))),
            query(vec![n("1")], Some(RangeTest::Le(s("a")))),
            query(vec![n("1"), s("ab")], None),
        ];
        for case in cases {
            let bounds = case.index_bounds();
            for key in &keys {
                assert_eq!(within(&bounds, key), case.sort_holds(&key.sort), "{case:?} {key:?}");
            }
        }
    }

    #[test]
    fn empty_ranges_are_detected() {
        use Bound::{Excluded, Included, Unbounded};
        assert!(is_empty_range(&Excluded(1), &Excluded(1)));
        assert!(is_empty_range(&Excluded(1), &Included(1)));
        assert!(is_empty_range(&Included(2), &Included(1)));
        assert!(!is_empty_range(&Included(1), &Included(1)));
        assert!(!is_empty_range(&Unbounded, &Excluded(1)));
    }

    #[test]
    fn segments_are_stable() {
        let value = s("user#1");
        let first = segment_of([&value], 4);
        assert!(first < 4);
        assert_eq!(segment_of([&value], 4), first);
        assert_eq!(segment_of([&value], 1), 0);
    }
}
