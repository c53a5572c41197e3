//! PartiQL for DynamoDB: `ExecuteStatement`, `BatchExecuteStatement` and
//! `ExecuteTransaction` on the embedded engine.
//!
//! A statement is parsed ([`parser`], over [`lexer`] tokens, into [`ast`]), bound to its
//! parameters and lowered ([`lower`]) onto the engine's own operations: a `SELECT` is a
//! `Query` or a `Scan` ([`select`]), `INSERT` a conditional `PutItem`, `UPDATE` a
//! conditional `UpdateItem`, `DELETE` a `DeleteItem`; a transaction is a
//! `TransactWriteItems` or a `TransactGetItems` ([`batch`]). There is no second
//! evaluator: conditions, updates, projections and key conditions are the engine's.
//!
//! What is supported, what is not, and every error text with its source:
//! `docs/partiql.md`.

mod ast;
mod batch;
mod lexer;
mod lower;
mod parser;
mod select;

use self::ast::{Returning, Source, Statement};
use self::lower::{key_and_condition, parameter_count, updates, value};
use self::parser::{parse, Parsed};
use self::select::{partiql_error, ReadOptions, Select};
use crate::MemoryBackend;
use crate::{items, update};
use singletable_core::backend::{
    BatchExecuteStatementInput, BatchExecuteStatementOutput, DeleteItemInput,
    ExecuteStatementInput, ExecuteStatementOutput, ExecuteTransactionInput,
    ExecuteTransactionOutput, PutItemInput, ReturnConsumedCapacity, ReturnValues, UpdateItemInput,
    WriteItemOutput,
};
use singletable_core::error::{Error, Result};
use singletable_core::expr::{Condition, Path};
use singletable_core::value::{AttributeValue, Item};

/// The longest statement DynamoDB takes, in characters.
const MAX_STATEMENT: usize = 8192;

impl MemoryBackend {
    /// `ExecuteStatement`: runs one PartiQL statement.
    ///
    /// ```
    /// use singletable_core::backend::{
    ///     AttributeDefinition, Backend, CreateTableInput, ExecuteStatementInput,
    ///     KeySchemaElement, KeyType,
    /// };
    /// use singletable_core::schema::{BillingMode, ScalarType};
    /// use singletable_core::AttributeValue;
    /// use singletable_engine::MemoryBackend;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> singletable_core::Result<()> {
    /// let db = MemoryBackend::new();
    /// db.create_table(CreateTableInput {
    ///     table_name: "Users".to_owned(),
    ///     attribute_definitions: vec![AttributeDefinition { name: "pk".to_owned(), ty: ScalarType::S }],
    ///     key_schema: vec![KeySchemaElement { attribute_name: "pk".to_owned(), key_type: KeyType::Hash }],
    ///     global_secondary_indexes: vec![],
    ///     local_secondary_indexes: vec![],
    ///     billing_mode: BillingMode::PayPerRequest,
    ///     stream: None,
    /// })
    /// .await?;
    /// let run = |statement: &str, parameters: Vec<AttributeValue>| {
    ///     db.execute_statement(ExecuteStatementInput {
    ///         statement: statement.to_owned(),
    ///         parameters,
    ///         ..Default::default()
    ///     })
    /// };
    /// run(r#"INSERT INTO "Users" VALUE {'pk': ?, 'name': 'Ann'}"#, vec![AttributeValue::S("u1".into())]).await?;
    /// let page = run(r#"SELECT name FROM "Users" WHERE pk = 'u1'"#, vec![]).await?;
    /// assert_eq!(page.items[0]["name"], AttributeValue::S("Ann".into()));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_statement(
        &self,
        input: ExecuteStatementInput,
    ) -> Result<ExecuteStatementOutput> {
        self.throttle()?;
        let parsed = parse_statement(&input.statement, &input.parameters)?;
        let params = &input.parameters;
        match &parsed.statement {
            Statement::Select { projection, source, condition, descending } => {
                check_table_name(source)?;
                select::run(
                    &self.catalog,
                    &Select {
                        projection: projection.as_deref(),
                        source,
                        condition: condition.as_ref(),
                        descending: *descending,
                    },
                    params,
                    ReadOptions {
                        consistent_read: input.consistent_read,
                        limit: input.limit,
                        next_token: input.next_token.clone(),
                        return_consumed_capacity: input.return_consumed_capacity,
                    },
                )
            }
            Statement::Exists(_) => Err(Error::validation(
                "EXISTS can only be used as a statement of ExecuteTransaction",
            )),
            write => {
                let options = WriteOptions {
                    return_consumed_capacity: input.return_consumed_capacity,
                    return_old_on_condition_failure: input.return_old_on_condition_failure,
                };
                let out = self.write_statement(write, params, options).await?;
                Ok(ExecuteStatementOutput {
                    items: out.attributes.into_iter().filter(|item| !item.is_empty()).collect(),
                    consumed_capacity: out.consumed_capacity,
                    ..ExecuteStatementOutput::default()
                })
            }
        }
    }

    /// `BatchExecuteStatement`: 1–25 statements, all reads (each reading one item by its
    /// full key) or all writes; each statement succeeds or fails on its own, and a
    /// failure is reported in its response, not as an error of the call.
    pub async fn batch_execute_statement(
        &self,
        input: BatchExecuteStatementInput,
    ) -> Result<BatchExecuteStatementOutput> {
        self.throttle()?;
        batch::batch_execute_statement(self, input).await
    }

    /// `ExecuteTransaction`: 1–100 statements run as one `TransactWriteItems` (`INSERT`,
    /// `UPDATE`, `DELETE` and `EXISTS(SELECT …)` checks) or one `TransactGetItems`
    /// (`SELECT`s by full key): all or nothing, with DynamoDB's cancellation reasons and
    /// `ClientRequestToken` idempotency.
    pub async fn execute_transaction(
        &self,
        input: ExecuteTransactionInput,
    ) -> Result<ExecuteTransactionOutput> {
        self.throttle()?;
        batch::execute_transaction(self, input).await
    }

    /// Runs an `INSERT`, `UPDATE` or `DELETE` statement as the item operation it lowers to.
    async fn write_statement(
        &self,
        statement: &Statement,
        params: &[AttributeValue],
        options: WriteOptions,
    ) -> Result<WriteItemOutput> {
        let write = lower_write(self, statement, params, options)?;
        let result = match write {
            Write::Put(input) => {
                self.inflight.check_put(&self.catalog, &input.table_name, &input.item)?;
                items::put_item(&self.catalog, input).map_err(|error| match error {
                    Error::ConditionalCheckFailed { .. } => duplicate_item(),
                    other => other,
                })
            }
            Write::Update(input) => {
                self.inflight.check_key(&self.catalog, &input.table_name, &input.key)?;
                update::update_item(&self.catalog, input)
            }
            Write::Delete(input) => {
                self.inflight.check_key(&self.catalog, &input.table_name, &input.key)?;
                items::delete_item(&self.catalog, input)
            }
        };
        result.map_err(partiql_error)
    }
}

/// DynamoDB's error for an `INSERT` of a key that exists.
pub(crate) fn duplicate_item() -> Error {
    Error::Service {
        code: "DuplicateItemException".to_owned(),
        message: "Duplicate primary key exists in table".to_owned(),
        source: None,
    }
}

/// The options of a write statement's request.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WriteOptions {
    return_consumed_capacity: ReturnConsumedCapacity,
    return_old_on_condition_failure: bool,
}

/// A write statement lowered onto an item operation.
pub(crate) enum Write {
    /// `INSERT`: a `PutItem` on condition that no item has the key.
    Put(PutItemInput),
    /// `UPDATE`: an `UpdateItem` on condition that the item exists (and the `WHERE`).
    Update(UpdateItemInput),
    /// `DELETE`: a `DeleteItem` on the rest of the `WHERE`.
    Delete(DeleteItemInput),
}

/// Parses `text` and checks its length and parameter count.
pub(crate) fn parse_statement(text: &str, params: &[AttributeValue]) -> Result<Parsed> {
    let length = text.chars().count();
    if length == 0 || length > MAX_STATEMENT {
        let constraint = if length == 0 {
            "Member must have length greater than or equal to 1"
        } else {
            "Member must have length less than or equal to 8192"
        };
        return Err(Error::validation(format!(
            "1 validation error detected: Value at 'statement' failed to satisfy constraint: {constraint}"
        )));
    }
    let parsed = parse(text)?;
    if parsed.parameters != params.len() {
        return Err(parameter_count());
    }
    Ok(parsed)
}

/// DynamoDB Local's rule (and text) for a table name in a statement.
fn check_table_name(source: &Source) -> Result<()> {
    let name = &source.table;
    let valid = (3..=255).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if valid {
        Ok(())
    } else {
        Err(Error::validation(
            "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'.",
        ))
    }
}

/// The table's key attribute names, partition key first.
fn table_keys(db: &MemoryBackend, source: &Source) -> Result<Vec<String>> {
    check_table_name(source)?;
    if source.index.is_some() {
        return Err(Error::validation("Index is not supported for this statement"));
    }
    let handle = db.catalog.table(&source.table)?;
    Ok(handle.def().key_attributes().map(|k| k.name.clone()).collect())
}

/// Lowers a write statement onto the item operation it is.
pub(crate) fn lower_write(
    db: &MemoryBackend,
    statement: &Statement,
    params: &[AttributeValue],
    options: WriteOptions,
) -> Result<Write> {
    let WriteOptions { return_consumed_capacity, return_old_on_condition_failure } = options;
    match statement {
        Statement::Insert { source, value: item } => {
            let keys = table_keys(db, source)?;
            let AttributeValue::M(item) = value(item, params)? else {
                return Err(lexer::malformed("Expected a tuple in VALUE"));
            };
            let partition = keys.first().cloned().unwrap_or_default();
            Ok(Write::Put(PutItemInput {
                table_name: source.table.clone(),
                item,
                condition: Some(Condition::AttributeNotExists(Path::attribute(partition))),
                return_values: ReturnValues::None,
                return_consumed_capacity,
                return_old_on_condition_failure: false,
            }))
        }
        Statement::Update { source, clauses, condition, returning } => {
            let keys = table_keys(db, source)?;
            let names: Vec<&str> = keys.iter().map(String::as_str).collect();
            let (key, extra) = key_and_condition(condition, &names, params)?;
            let exists = Condition::AttributeExists(Path::attribute(names[0]));
            let return_values = match returning {
                None => ReturnValues::None,
                Some(Returning::AllOld) => ReturnValues::AllOld,
                Some(Returning::ModifiedOld) => ReturnValues::UpdatedOld,
                Some(Returning::AllNew) => ReturnValues::AllNew,
                Some(Returning::ModifiedNew) => ReturnValues::UpdatedNew,
            };
            Ok(Write::Update(UpdateItemInput {
                table_name: source.table.clone(),
                key,
                updates: updates(clauses, params)?,
                condition: Some(match extra {
                    Some(extra) => exists.and(extra),
                    None => exists,
                }),
                return_values,
                return_consumed_capacity,
                return_old_on_condition_failure,
            }))
        }
        Statement::Delete { source, condition, returning } => {
            if let Some(returning) = returning.filter(|r| *r != Returning::AllOld) {
                return Err(Error::validation(format!(
                    "Invalid returning clause: {}. Only RETURNING ALL OLD * is allowed in DELETE statements.",
                    returning.text()
                )));
            }
            let keys = table_keys(db, source)?;
            let names: Vec<&str> = keys.iter().map(String::as_str).collect();
            let (key, condition) = key_and_condition(condition, &names, params)?;
            Ok(Write::Delete(DeleteItemInput {
                table_name: source.table.clone(),
                key,
                condition,
                return_values: if returning.is_some() {
                    ReturnValues::AllOld
                } else {
                    ReturnValues::None
                },
                return_consumed_capacity,
                return_old_on_condition_failure,
            }))
        }
        Statement::Select { .. } | Statement::Exists(_) => {
            Err(Error::validation("Expected a write statement"))
        }
    }
}

/// The item a write statement's key names, for duplicate checks.
pub(crate) fn write_target(write: &Write) -> (&str, &Item) {
    match write {
        Write::Put(input) => (&input.table_name, &input.item),
        Write::Update(input) => (&input.table_name, &input.key),
        Write::Delete(input) => (&input.table_name, &input.key),
    }
}

#[cfg(test)]
mod tests;
