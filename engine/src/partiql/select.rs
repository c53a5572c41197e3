//! `SELECT`: a `Query` when the `WHERE` fixes the partition key (of the table or of the
//! index named), else a `Scan`; the rest of the `WHERE` is the filter. Pages continue
//! with a `NextToken` that carries the page's `LastEvaluatedKey`.

use base64::Engine as _;

use super::ast::{CmpOp, Expr, PathExpr, Source};
use super::lower::{and_all, condition, conjuncts, equality, path, projected_name, value};
use crate::catalog::Catalog;
use crate::eval::resolve;
use crate::read;
use singletable_core::backend::{
    ExecuteStatementOutput, PageOutput, QueryInput, ReturnConsumedCapacity, ScanInput,
};
use singletable_core::error::{Error, Result};
use singletable_core::expr::{KeyCondition, Path, SortKeyCondition};
use singletable_core::json::{item_from_json, item_to_json};
use singletable_core::value::{AttributeValue, Item};

/// What a `SELECT` reads and how.
pub(crate) struct Select<'s> {
    /// `*` (`None`) or the projected paths.
    pub projection: Option<&'s [PathExpr]>,
    /// The table or index.
    pub source: &'s Source,
    /// `WHERE`.
    pub condition: Option<&'s Expr>,
    /// `ORDER BY … DESC`.
    pub descending: bool,
}

/// The options of the request that carries the `SELECT`.
pub(crate) struct ReadOptions {
    /// `ConsistentRead`.
    pub consistent_read: bool,
    /// `Limit`.
    pub limit: Option<u32>,
    /// `NextToken`.
    pub next_token: Option<String>,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

/// The key attributes (partition, sort) of the table or index a source names.
pub(crate) fn key_names(catalog: &Catalog, source: &Source) -> Result<(Vec<String>, Vec<String>)> {
    let handle = catalog.table(&source.table)?;
    let def = handle.def();
    Ok(match &source.index {
        None => (
            vec![def.partition_key.name.clone()],
            def.sort_key.iter().map(|k| k.name.clone()).collect(),
        ),
        Some(name) => {
            let (_, index) = def
                .index(name)
                .ok_or_else(|| Error::validation("The table does not have the specified index"))?;
            (
                index.partition.iter().map(|k| k.name.clone()).collect(),
                index.sort.iter().map(|k| k.name.clone()).collect(),
            )
        }
    })
}

/// Runs a `SELECT` as a `Query` or a `Scan`.
pub(crate) fn run(
    catalog: &Catalog,
    select: &Select<'_>,
    params: &[AttributeValue],
    options: ReadOptions,
) -> Result<ExecuteStatementOutput> {
    let (partition, sort) = key_names(catalog, select.source)?;
    if options.consistent_read {
        if let Some(index) = &select.source.index {
            let handle = catalog.table(&select.source.table)?;
            if handle.def().index(index).is_some_and(|(_, index)| index.is_global()) {
                return Err(Error::validation(
                    "Strongly consistent read is not supported on Global Secondary Indexes",
                ));
            }
        }
    }
    let projection: Option<Vec<Path>> =
        select.projection.map(|paths| paths.iter().map(path).collect());
    let exclusive_start_key = options.next_token.as_deref().map(decode_token).transpose()?;
    let parts = select.condition.map(conjuncts).unwrap_or_default();
    let mut used = vec![false; parts.len()];
    let mut key_condition = KeyCondition::default();
    for name in &partition {
        let found = parts
            .iter()
            .enumerate()
            .find(|(i, part)| !used[*i] && equality(part).is_some_and(|(n, _)| n == name.as_str()));
        match found.and_then(|(i, part)| Some((i, equality(part)?.1))) {
            Some((i, v)) => {
                used[i] = true;
                key_condition.partition.push((name.clone(), value(v, params)?));
            }
            None => {
                key_condition.partition.clear();
                break;
            }
        }
    }
    let page = if key_condition.partition.is_empty() {
        let filter = select.condition.map(|c| condition(c, params)).transpose()?;
        read::scan(
            catalog,
            ScanInput {
                table_name: select.source.table.clone(),
                index_name: select.source.index.clone(),
                filter,
                projection: projection.clone(),
                limit: options.limit,
                exclusive_start_key,
                consistent_read: options.consistent_read,
                return_consumed_capacity: options.return_consumed_capacity,
                ..ScanInput::default()
            },
        )
    } else {
        for name in &sort {
            match sort_test(&parts, &used, name, params)? {
                Some((i, test)) => {
                    used[i] = true;
                    let equal = matches!(test, SortKeyCondition::Eq(_));
                    key_condition.sort.push((name.clone(), test));
                    if !equal {
                        break;
                    }
                }
                None => break,
            }
        }
        let rest: Vec<&Expr> =
            parts.iter().enumerate().filter(|(i, _)| !used[*i]).map(|(_, p)| *p).collect();
        read::query_with(
            catalog,
            QueryInput {
                table_name: select.source.table.clone(),
                index_name: select.source.index.clone(),
                key_condition,
                filter: and_all(&rest, params)?,
                projection: projection.clone(),
                limit: options.limit,
                scan_index_forward: !select.descending,
                exclusive_start_key,
                consistent_read: options.consistent_read,
                return_consumed_capacity: options.return_consumed_capacity,
                ..QueryInput::default()
            },
            true,
        )
    }
    .map_err(partiql_error)?;
    Ok(output(page, select.projection))
}

/// The key test on sort attribute `name` among the unused conjuncts, with its position.
fn sort_test(
    parts: &[&Expr],
    used: &[bool],
    name: &str,
    params: &[AttributeValue],
) -> Result<Option<(usize, SortKeyCondition)>> {
    let is_name = |e: &Expr| matches!(e, Expr::Path(p) if p.steps.is_empty() && p.root == name);
    let literal = |e: &Expr| !matches!(e, Expr::Path(_) | Expr::Call(..) | Expr::Missing);
    // Equality first, wherever it is written.
    for (i, part) in parts.iter().enumerate() {
        if !used[i] && equality(part).is_some_and(|(n, _)| n == name) {
            if let Some((_, v)) = equality(part) {
                return Ok(Some((i, SortKeyCondition::Eq(value(v, params)?))));
            }
        }
    }
    for (i, part) in parts.iter().enumerate() {
        if used[i] {
            continue;
        }
        let test = match part {
            Expr::Compare(left, op, right) if *op != CmpOp::Ne => {
                let (op, v) = if is_name(left) && literal(right) {
                    (*op, right)
                } else if is_name(right) && literal(left) {
                    (flip(*op), left)
                } else {
                    continue;
                };
                let v = value(v, params)?;
                match op {
                    CmpOp::Lt => SortKeyCondition::Lt(v),
                    CmpOp::Le => SortKeyCondition::Le(v),
                    CmpOp::Gt => SortKeyCondition::Gt(v),
                    CmpOp::Ge => SortKeyCondition::Ge(v),
                    CmpOp::Eq | CmpOp::Ne => continue,
                }
            }
            Expr::Between { operand, low, high, negated: false }
                if is_name(operand) && literal(low) && literal(high) =>
            {
                SortKeyCondition::Between(value(low, params)?, value(high, params)?)
            }
            Expr::Call(function, args) if function.eq_ignore_ascii_case("begins_with") => {
                match args.as_slice() {
                    [subject, prefix] if is_name(subject) && literal(prefix) => {
                        let prefix = value(prefix, params)?;
                        if !matches!(prefix, AttributeValue::S(_) | AttributeValue::B(_)) {
                            continue;
                        }
                        SortKeyCondition::BeginsWith(prefix)
                    }
                    _ => continue,
                }
            }
            _ => continue,
        };
        return Ok(Some((i, test)));
    }
    Ok(None)
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

/// A page as `ExecuteStatement` returns it: nested projected paths are returned under
/// their last name (as DynamoDB Local does), and a `NextToken` carries the page's end.
fn output(page: PageOutput, projection: Option<&[PathExpr]>) -> ExecuteStatementOutput {
    let items = page.items.into_iter().map(|item| reshape(item, projection)).collect();
    ExecuteStatementOutput {
        items,
        next_token: page.last_evaluated_key.as_ref().map(encode_token),
        last_evaluated_key: page.last_evaluated_key,
        consumed_capacity: page.consumed_capacity,
    }
}

/// An item read with `projection` as PartiQL returns it: a nested path's value under
/// the path's last name (`m.k[0]` as `k[0]`), as DynamoDB Local does.
pub(crate) fn reshape(item: Item, projection: Option<&[PathExpr]>) -> Item {
    match projection {
        Some(paths) if paths.iter().any(|p| !p.steps.is_empty()) => paths
            .iter()
            .filter_map(|p| resolve(&item, &path(p)).map(|v| (projected_name(p), v.clone())))
            .collect(),
        _ => item,
    }
}

/// A `NextToken`: the page's `LastEvaluatedKey` as DynamoDB JSON, in base64.
fn encode_token(key: &Item) -> String {
    base64::engine::general_purpose::STANDARD.encode(item_to_json(key).to_string())
}

fn decode_token(token: &str) -> Result<Item> {
    let invalid = || Error::validation("Invalid NextToken");
    let bytes = base64::engine::general_purpose::STANDARD.decode(token).map_err(|_| invalid())?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    item_from_json(&json).map_err(|_| invalid())
}

/// An error of the lowered operation in PartiQL's words: no `Invalid …Expression: `
/// prefix (PartiQL has no expressions of those names), and the index rules as DynamoDB
/// words them for PartiQL.
pub(crate) fn partiql_error(error: Error) -> Error {
    match error {
        Error::Validation { message, source } => {
            let mut text = message.as_str();
            for prefix in [
                "Invalid FilterExpression: ",
                "Invalid KeyConditionExpression: ",
                "Invalid ConditionExpression: ",
                "Invalid UpdateExpression: ",
                "Invalid ProjectionExpression: ",
            ] {
                if let Some(rest) = text.strip_prefix(prefix) {
                    text = rest;
                }
            }
            let text = if text.starts_with("The table does not have the specified index") {
                "The table does not have the specified index"
            } else {
                text
            };
            Error::Validation { message: text.to_owned(), source }
        }
        other => other,
    }
}
