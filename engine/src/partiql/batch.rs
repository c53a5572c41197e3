//! `BatchExecuteStatement` and `ExecuteTransaction`: statements checked as DynamoDB
//! checks them, then run one by one (a batch) or as one `TransactWriteItems` /
//! `TransactGetItems` (a transaction).

use super::ast::{PathExpr, Source, Statement};
use super::lower::{key_and_condition, path};
use super::select::{key_names, partiql_error, reshape};
use super::{
    check_table_name, duplicate_item, lower_write, parse_statement, write_target, Write,
    WriteOptions,
};
use crate::eval::{self, ExpressionKind};
use crate::{items, transact, update, MemoryBackend};
use singletable_core::backend::{
    BatchExecuteStatementInput, BatchExecuteStatementOutput, BatchStatementError,
    BatchStatementResponse, ConsumedCapacity, ExecuteTransactionInput, ExecuteTransactionOutput,
    GetItemInput, TransactGetItem, TransactGetItemsInput, TransactWriteItem,
    TransactWriteItemsInput,
};
use singletable_core::error::{Error, Result};
use singletable_core::expr::{Condition, Path};
use singletable_core::value::{AttributeValue, Item};

/// A key read: one item by its full key, with the rest of the `WHERE` as a filter.
struct KeyRead<'s> {
    source: &'s Source,
    key: Item,
    filter: Option<Condition>,
    projection: Option<&'s [PathExpr]>,
}

/// A `SELECT` that reads one item by its full key; `error` when it does not.
fn key_read<'s>(
    db: &MemoryBackend,
    statement: &'s Statement,
    params: &[AttributeValue],
    error: &str,
) -> Result<KeyRead<'s>> {
    let Statement::Select { projection, source, condition, .. } = statement else {
        return Err(Error::validation(error));
    };
    check_table_name(source)?;
    let (partition, sort) = key_names(&db.catalog, source)?;
    let names: Vec<&str> = partition.iter().chain(&sort).map(String::as_str).collect();
    let Some(condition) = condition else { return Err(Error::validation(error)) };
    let (key, filter) =
        key_and_condition(condition, &names, params).map_err(|_| Error::validation(error))?;
    Ok(KeyRead { source, key, filter, projection: projection.as_deref() })
}

/// `BatchExecuteStatement`.
pub(super) async fn batch_execute_statement(
    db: &MemoryBackend,
    input: BatchExecuteStatementInput,
) -> Result<BatchExecuteStatementOutput> {
    let count = input.statements.len();
    if count == 0 || count > 25 {
        let constraint = if count == 0 {
            "Member must have length greater than or equal to 1"
        } else {
            "Member must have length less than or equal to 25"
        };
        return Err(Error::validation(format!(
            "1 validation error detected: Value at 'statements' failed to satisfy constraint: {constraint}"
        )));
    }
    let mut parsed: Vec<Option<super::Parsed>> = Vec::with_capacity(count);
    let mut errors: Vec<Option<Error>> = Vec::with_capacity(count);
    for request in &input.statements {
        match parse_statement(&request.statement, &request.parameters) {
            Ok(statement) => {
                parsed.push(Some(statement));
                errors.push(None);
            }
            Err(error) => {
                parsed.push(None);
                errors.push(Some(error));
            }
        }
    }
    let reads = parsed.iter().flatten().filter(|p| p.statement.is_read()).count();
    let writes = parsed.iter().flatten().count() - reads;
    if reads > 0 && writes > 0 {
        return Err(Error::validation(
            "Read and write requests together in the same batch is not supported.",
        ));
    }
    let rcc = input.return_consumed_capacity;
    // Lower every statement first: the duplicate-key check covers the whole batch.
    enum Planned<'s> {
        Read(KeyRead<'s>, bool),
        Write(Write),
        Failed(Error),
    }
    let mut plans = Vec::with_capacity(count);
    for ((request, parsed), error) in input.statements.iter().zip(&parsed).zip(&mut errors) {
        let plan = match parsed {
            None => Planned::Failed(error.take().unwrap_or_else(|| Error::validation(""))),
            Some(parsed) if parsed.statement.is_read() => {
                match key_read(
                    db,
                    &parsed.statement,
                    &request.parameters,
                    "Only single item select is supported",
                ) {
                    Ok(read) => Planned::Read(read, request.consistent_read),
                    Err(error) => Planned::Failed(error),
                }
            }
            Some(parsed) => {
                let options = WriteOptions {
                    return_consumed_capacity: rcc,
                    return_old_on_condition_failure: request.return_old_on_condition_failure,
                };
                match lower_write(db, &parsed.statement, &request.parameters, options) {
                    Ok(write) => Planned::Write(write),
                    Err(error) => Planned::Failed(error),
                }
            }
        };
        plans.push(plan);
    }
    let mut seen: Vec<(String, Item)> = Vec::new();
    for plan in &plans {
        let (table, item) = match plan {
            Planned::Read(read, _) => (read.source.table.as_str(), read.key.clone()),
            Planned::Write(write) => {
                let (table, item) = write_target(write);
                let keys = db
                    .catalog
                    .table(table)
                    .map(|h| h.def().key_attributes().map(|k| k.name.clone()).collect::<Vec<_>>());
                let key: Item = keys
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|k| item.get(&k).map(|v| (k, v.clone())))
                    .collect();
                (table, key)
            }
            Planned::Failed(_) => continue,
        };
        if seen.iter().any(|(t, k)| t == table && *k == item) {
            return Err(Error::validation("Provided list of item keys contains duplicates"));
        }
        seen.push((table.to_owned(), item));
    }
    let mut output = BatchExecuteStatementOutput::default();
    for plan in plans {
        let response = match plan {
            Planned::Failed(error) => failed(error),
            Planned::Read(read, consistent_read) => {
                let table_name = read.source.table.clone();
                match run_read(db, read, consistent_read, rcc) {
                    Ok((item, capacity)) => {
                        merge(&mut output.consumed_capacity, capacity);
                        BatchStatementResponse { table_name: Some(table_name), item, error: None }
                    }
                    Err(error) => {
                        BatchStatementResponse { table_name: Some(table_name), ..failed(error) }
                    }
                }
            }
            Planned::Write(write) => {
                let table_name = write_target(&write).0.to_owned();
                match run_write(db, write) {
                    Ok(out) => {
                        merge(&mut output.consumed_capacity, out.consumed_capacity);
                        BatchStatementResponse {
                            table_name: Some(table_name),
                            item: out.attributes.filter(|item| !item.is_empty()),
                            error: None,
                        }
                    }
                    Err(error) => {
                        BatchStatementResponse { table_name: Some(table_name), ..failed(error) }
                    }
                }
            }
        };
        output.responses.push(response);
    }
    Ok(output)
}

fn run_read(
    db: &MemoryBackend,
    read: KeyRead<'_>,
    consistent_read: bool,
    rcc: singletable_core::backend::ReturnConsumedCapacity,
) -> Result<(Option<Item>, Option<ConsumedCapacity>)> {
    if let Some(filter) = &read.filter {
        eval::check(filter, ExpressionKind::Filter).map_err(partiql_error)?;
    }
    let out = items::get_item(
        &db.catalog,
        GetItemInput {
            table_name: read.source.table.clone(),
            key: read.key,
            consistent_read,
            projection: None,
            return_consumed_capacity: rcc,
        },
    )?;
    let item = out
        .item
        .filter(|item| read.filter.as_ref().is_none_or(|f| eval::evaluate(f, item)))
        .map(|item| project(item, read.projection));
    Ok((item, out.consumed_capacity))
}

/// The projection of a key read (the whole item for `*`).
fn project(item: Item, projection: Option<&[PathExpr]>) -> Item {
    match projection {
        None => item,
        Some(paths) => {
            let top: Item = paths
                .iter()
                .filter(|p| p.steps.is_empty())
                .filter_map(|p| item.get(&p.root).map(|v| (p.root.clone(), v.clone())))
                .collect();
            if paths.iter().all(|p| p.steps.is_empty()) {
                top
            } else {
                reshape(item, projection)
            }
        }
    }
}

fn run_write(
    db: &MemoryBackend,
    write: Write,
) -> Result<singletable_core::backend::WriteItemOutput> {
    let result = match write {
        Write::Put(input) => {
            db.inflight.check_put(&db.catalog, &input.table_name, &input.item)?;
            items::put_item(&db.catalog, input).map_err(|error| match error {
                Error::ConditionalCheckFailed { .. } => duplicate_item(),
                other => other,
            })
        }
        Write::Update(input) => {
            db.inflight.check_key(&db.catalog, &input.table_name, &input.key)?;
            update::update_item(&db.catalog, input)
        }
        Write::Delete(input) => {
            db.inflight.check_key(&db.catalog, &input.table_name, &input.key)?;
            items::delete_item(&db.catalog, input)
        }
    };
    result.map_err(partiql_error)
}

/// A statement's failure as its batch response.
fn failed(error: Error) -> BatchStatementResponse {
    let (code, message, item) = match error {
        Error::ConditionalCheckFailed { item, .. } => (
            "ConditionalCheckFailed".to_owned(),
            "The conditional request failed".to_owned(),
            item.map(|item| *item),
        ),
        Error::Validation { message, .. } => ("ValidationError".to_owned(), message, None),
        Error::ResourceNotFound { message, .. } => ("ResourceNotFound".to_owned(), message, None),
        Error::Service { code, message, .. } => {
            let code = match code.as_str() {
                "DuplicateItemException" => "DuplicateItem",
                "TransactionConflictException" => "TransactionConflict",
                "ProvisionedThroughputExceededException" => "ProvisionedThroughputExceeded",
                "ThrottlingException" => "ThrottlingError",
                "RequestLimitExceeded" => "RequestLimitExceeded",
                "ItemCollectionSizeLimitExceededException" => "ItemCollectionSizeLimitExceeded",
                _ => "InternalServerError",
            };
            (code.to_owned(), message, None)
        }
        other => ("InternalServerError".to_owned(), other.to_string(), None),
    };
    BatchStatementResponse {
        table_name: None,
        item: None,
        error: Some(BatchStatementError { code, message, item }),
    }
}

/// Adds `capacity` to the entry of its table.
fn merge(all: &mut Vec<ConsumedCapacity>, capacity: Option<ConsumedCapacity>) {
    let Some(capacity) = capacity else { return };
    match all.iter_mut().find(|c| c.table_name == capacity.table_name) {
        Some(entry) => {
            entry.capacity_units += capacity.capacity_units;
            entry.read_capacity_units += capacity.read_capacity_units;
            entry.write_capacity_units += capacity.write_capacity_units;
        }
        None => all.push(capacity),
    }
}

/// `ExecuteTransaction`.
pub(super) async fn execute_transaction(
    db: &MemoryBackend,
    input: ExecuteTransactionInput,
) -> Result<ExecuteTransactionOutput> {
    let count = input.statements.len();
    if count == 0 || count > 100 {
        let constraint = if count == 0 {
            "Member must have length greater than or equal to 1"
        } else {
            "Member must have length less than or equal to 100"
        };
        return Err(Error::validation(format!(
            "1 validation error detected: Value at 'transactStatements' failed to satisfy constraint: {constraint}"
        )));
    }
    let in_member = |i: usize, error: Error| match error {
        Error::Validation { message, .. } => {
            Error::validation(format!("Validation failed in TransactStatements[{i}]: {message}"))
        }
        other => other,
    };
    let mut parsed = Vec::with_capacity(count);
    for (i, request) in input.statements.iter().enumerate() {
        let statement = parse_statement(&request.statement, &request.parameters)
            .map_err(|e| in_member(i, e))?;
        let returning = matches!(
            statement.statement,
            Statement::Update { returning: Some(_), .. }
                | Statement::Delete { returning: Some(_), .. }
        );
        if returning {
            return Err(in_member(
                i,
                Error::validation("RETURNING clause is not supported in ExecuteTransaction."),
            ));
        }
        if let Statement::Select { source, .. } = &statement.statement {
            if source.index.is_some() {
                return Err(in_member(
                    i,
                    Error::validation("Reads on indices are not supported within transactions."),
                ));
            }
        }
        parsed.push(statement);
    }
    let reads = parsed.iter().filter(|p| p.statement.is_read()).count();
    if reads > 0 && reads < count {
        return Err(Error::validation(
            "ExecuteTransaction API does not support both read and write operations in the same request.",
        ));
    }
    let rcc = input.return_consumed_capacity;
    if reads == count {
        let mut items = Vec::with_capacity(count);
        let mut projections = Vec::with_capacity(count);
        for (i, (request, parsed)) in input.statements.iter().zip(&parsed).enumerate() {
            let error = "Select statements within ExecuteTransaction must specify the primary key in the where clause.";
            let read = key_read(db, &parsed.statement, &request.parameters, error)
                .map_err(|e| in_member(i, e))?;
            if read.filter.is_some() {
                return Err(in_member(i, Error::validation(error)));
            }
            let projection: Option<Vec<Path>> =
                read.projection.map(|paths| paths.iter().map(path).collect());
            projections.push(read.projection);
            items.push(TransactGetItem {
                table_name: read.source.table.clone(),
                key: read.key,
                projection,
            });
        }
        let out = transact::transact_get_items(
            &db.catalog,
            &db.inflight,
            TransactGetItemsInput { items, return_consumed_capacity: rcc },
        )
        .map_err(partiql_error)?;
        let responses = out
            .responses
            .into_iter()
            .zip(projections)
            .map(|(item, projection)| item.map(|item| reshape(item, projection)))
            .collect();
        return Ok(ExecuteTransactionOutput {
            responses,
            consumed_capacity: out.consumed_capacity,
        });
    }
    let mut actions = Vec::with_capacity(count);
    let mut inserts = Vec::new();
    for (i, (request, parsed)) in input.statements.iter().zip(&parsed).enumerate() {
        let action =
            transact_action(db, &parsed.statement, request, rcc).map_err(|e| in_member(i, e))?;
        if matches!(parsed.statement, Statement::Insert { .. }) {
            inserts.push(i);
        }
        actions.push(action);
    }
    let out = transact::transact_write_items(
        &db.catalog,
        &db.tokens,
        &db.inflight,
        TransactWriteItemsInput {
            items: actions,
            client_request_token: input.client_request_token,
            return_consumed_capacity: rcc,
        },
    )
    .await
    .map_err(|error| match error {
        Error::TransactionCanceled { mut reasons, source } => {
            for i in inserts {
                if let Some(reason) =
                    reasons.get_mut(i).filter(|r| r.code == "ConditionalCheckFailed")
                {
                    reason.code = "DuplicateItem".to_owned();
                    reason.message = Some("Duplicate primary key exists in table".to_owned());
                    reason.item = None;
                }
            }
            Error::TransactionCanceled { reasons, source }
        }
        other => partiql_error(other),
    })?;
    Ok(ExecuteTransactionOutput { responses: Vec::new(), consumed_capacity: out.consumed_capacity })
}

/// One write statement (or `EXISTS` check) of a transaction as its action.
fn transact_action(
    db: &MemoryBackend,
    statement: &Statement,
    request: &singletable_core::backend::ParameterizedStatement,
    rcc: singletable_core::backend::ReturnConsumedCapacity,
) -> Result<TransactWriteItem> {
    let params = &request.parameters;
    let return_old_on_condition_failure = request.return_old_on_condition_failure;
    if let Statement::Exists(select) = statement {
        let error = "EXISTS() must contain a single item read with additional condition";
        let read = key_read(db, select, params, error)?;
        let Some(filter) = read.filter else { return Err(Error::validation(error)) };
        // `EXISTS` is true when the `SELECT` returns an item ("return TRUE if the value is
        // a non-empty collection", PartiQL functions, EXISTS): the item must exist and
        // pass the condition, so a missing item fails the check.
        let partition_key = db
            .catalog
            .table(&read.source.table)?
            .def()
            .key_attributes()
            .next()
            .map(|key| key.name.clone())
            .ok_or_else(|| Error::validation(error))?;
        let condition = Condition::AttributeExists(Path::attribute(partition_key)).and(filter);
        return Ok(TransactWriteItem::ConditionCheck {
            table_name: read.source.table.clone(),
            key: read.key,
            condition,
            return_old_on_condition_failure,
        });
    }
    let options = WriteOptions { return_consumed_capacity: rcc, return_old_on_condition_failure };
    Ok(match lower_write(db, statement, params, options)? {
        Write::Put(input) => TransactWriteItem::Put {
            table_name: input.table_name,
            item: input.item,
            condition: input.condition,
            return_old_on_condition_failure: false,
        },
        Write::Update(input) => TransactWriteItem::Update {
            table_name: input.table_name,
            key: input.key,
            updates: input.updates,
            condition: input.condition,
            return_old_on_condition_failure,
        },
        Write::Delete(input) => TransactWriteItem::Delete {
            table_name: input.table_name,
            key: input.key,
            condition: input.condition,
            return_old_on_condition_failure,
        },
    })
}
