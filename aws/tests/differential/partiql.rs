//! PartiQL: `ExecuteStatement` generated at random (`SELECT` by key on the table and on
//! both indexes, `SELECT` with other conditions (a scan), projections, `INSERT`,
//! `UPDATE … SET/REMOVE`, `DELETE`, `RETURNING`, `Limit` and paging, `?` parameters),
//! run through `MemoryBackend::execute_statement` and DynamoDB Local's `ExecuteStatement`
//! (`AwsBackend::execute_statement`) and compared like the operations they run as; and
//! `BatchExecuteStatement` and `ExecuteTransaction` of reads by key or of writes.

use singletable_aws::AwsBackend;
use singletable_core::backend::{
    BatchExecuteStatementInput, BatchExecuteStatementOutput, BatchStatementRequest, BoxFuture,
    ExecuteStatementInput, ExecuteStatementOutput, ExecuteTransactionInput,
    ExecuteTransactionOutput, ParameterizedStatement,
};
use singletable_core::error::Result;
use singletable_core::AttributeValue;
use singletable_engine::MemoryBackend;

use super::{
    capacity_mode, error_outcome, gs_of, key, keys, lsk_of, n, normalise, random_item, s, sorted,
    units, value, Gen, Outcome, Page, PKS, SKS, TABLE,
};

/// Both sides' `ExecuteStatement`, `BatchExecuteStatement` and `ExecuteTransaction`.
pub trait Partiql {
    fn run_statement(
        &self,
        input: ExecuteStatementInput,
    ) -> BoxFuture<'_, Result<ExecuteStatementOutput>>;
    fn run_batch(
        &self,
        input: BatchExecuteStatementInput,
    ) -> BoxFuture<'_, Result<BatchExecuteStatementOutput>>;
    fn run_transaction(
        &self,
        input: ExecuteTransactionInput,
    ) -> BoxFuture<'_, Result<ExecuteTransactionOutput>>;
}

/// The same three methods on both backends.
macro_rules! partiql_by_methods {
    ($backend:ty) => {
        impl Partiql for $backend {
            fn run_statement(
                &self,
                input: ExecuteStatementInput,
            ) -> BoxFuture<'_, Result<ExecuteStatementOutput>> {
                Box::pin(self.execute_statement(input))
            }
            fn run_batch(
                &self,
                input: BatchExecuteStatementInput,
            ) -> BoxFuture<'_, Result<BatchExecuteStatementOutput>> {
                Box::pin(self.batch_execute_statement(input))
            }
            fn run_transaction(
                &self,
                input: ExecuteTransactionInput,
            ) -> BoxFuture<'_, Result<ExecuteTransactionOutput>> {
                Box::pin(self.execute_transaction(input))
            }
        }
    };
}

partiql_by_methods!(MemoryBackend);
partiql_by_methods!(AwsBackend);

/// What a statement runs as, which decides how its answers are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A `SELECT` with the partition key's equality: pages in order.
    Query,
    /// Any other `SELECT`: items as a multiset (docs/known-differences.md §8, scan order).
    Scan,
    /// `INSERT`, `UPDATE`, `DELETE`.
    Write,
}

/// A statement being built: its text and its `?` parameters in order.
struct Text {
    text: String,
    parameters: Vec<AttributeValue>,
}

impl Text {
    fn new(start: &str) -> Self {
        Text { text: start.to_owned(), parameters: Vec::new() }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// A `?` bound to `value`.
    fn param(&mut self, value: AttributeValue) -> &mut Self {
        self.text.push('?');
        self.parameters.push(value);
        self
    }
}

/// A condition on non-key attributes, appended after `AND` (or as the whole `WHERE`).
fn filter(g: &mut Gen, t: &mut Text) {
    match g.below(9) {
        0 => t.push("cnt >= ").param(n(2)),
        1 => t.push("v = ").param(value(g)),
        2 => t.push("begins_with(v, ").param(s("x")).push(")"),
        3 => t.push("contains(v, ").param(s("x")).push(")"),
        4 => t.push("v IS MISSING"),
        5 => t.push("v IS NOT MISSING"),
        6 => t.push("attribute_type(v, 'S')"),
        7 => t.push("(cnt < ").param(n(2)).push(" OR g = 'gx')"),
        _ => t.push("size(v) > ").param(n(1)),
    };
}

/// A range test on a sort key, after `AND`.
fn range(g: &mut Gen, t: &mut Text, name: &str, on_string: bool) {
    let v = |g: &mut Gen| {
        if on_string {
            s(g.pick(&SKS))
        } else {
            n(i64::try_from(g.below(12)).unwrap_or(0) * 10 - 20)
        }
    };
    t.push(" AND ").push(name);
    match g.below(6) {
        0 => t.push(" = ").param(v(g)),
        1 => t.push(" < ").param(v(g)),
        2 => t.push(" >= ").param(v(g)),
        3 => {
            let (a, b) = (v(g), v(g));
            t.push(" BETWEEN ").param(a).push(" AND ").param(b)
        }
        4 if on_string => {
            // begins_with(sk, …): the name goes inside the call.
            t.text.truncate(t.text.len() - name.len());
            t.push("begins_with(")
                .push(name)
                .push(", ")
                .param(s(g.pick(&["a", "ab", "b"])))
                .push(")")
        }
        _ => t.push(" > ").param(v(g)),
    };
}

fn projection(g: &mut Gen) -> String {
    if g.chance(60) {
        return "*".to_owned();
    }
    let mut chosen: Vec<&str> = Vec::new();
    for _ in 0..1 + g.below(3) {
        // `nothere`: an attribute no item has. Not `missing`: DynamoDB Local refuses
        // `SELECT missing, …` (a ValidationException; MISSING is a PartiQL keyword) where
        // the engine reads it as a name — left out until DynamoDB's answer is known.
        let name = g.pick(&["pk", "sk", "v", "cnt", "g", "lsk", "nothere"]);
        if !chosen.contains(&name) {
            chosen.push(name);
        }
    }
    chosen.join(", ")
}

fn returning(g: &mut Gen, t: &mut Text, choices: &[&str]) {
    if g.chance(50) {
        t.push(" RETURNING ").push(g.pick(choices));
    }
}

/// A random statement and how to compare its answers.
pub fn random_statement(g: &mut Gen) -> (Kind, ExecuteStatementInput) {
    let (pk, sk) = key(g);
    let table = format!("\"{TABLE}\"");
    let mut consistent_read = g.chance(40);
    let (kind, t) = match g.below(10) {
        0..=2 => {
            let mut t = Text::new(&format!("SELECT {} FROM ", projection(g)));
            match g.below(3) {
                0 => {
                    t.push(&table).push(" WHERE pk = ").param(s(&pk));
                    if g.chance(70) {
                        range(g, &mut t, "sk", true);
                    }
                }
                1 => {
                    consistent_read = false;
                    t.push(&format!("{table}.\"gsi\" WHERE g = ")).param(s(g.pick(&["gx", "gy"])));
                    if g.chance(60) {
                        range(g, &mut t, "gs", false);
                    }
                }
                _ => {
                    t.push(&format!("{table}.\"lsi\" WHERE pk = ")).param(s(&pk));
                    if g.chance(60) {
                        range(g, &mut t, "lsk", false);
                    }
                }
            }
            if g.chance(30) {
                t.push(" AND ");
                filter(g, &mut t);
            }
            (Kind::Query, t)
        }
        3 | 4 => {
            let mut t = Text::new(&format!("SELECT {} FROM {table}", projection(g)));
            match g.below(4) {
                0 => {}
                1 => {
                    t.push(" WHERE pk IN [").param(s(g.pick(&PKS))).push(", ");
                    t.param(s(g.pick(&PKS))).push("]");
                }
                _ => {
                    t.push(" WHERE ");
                    filter(g, &mut t);
                }
            }
            (Kind::Scan, t)
        }
        choice => (Kind::Write, write_statement(g, choice, &pk, &sk, Within::Statement)),
    };
    let limit =
        (kind != Kind::Write && g.chance(50)).then(|| u32::try_from(1 + g.below(4)).unwrap_or(1));
    let input = ExecuteStatementInput {
        statement: t.text,
        parameters: t.parameters,
        consistent_read: kind != Kind::Write && consistent_read,
        limit,
        return_consumed_capacity: capacity_mode(g),
        return_old_on_condition_failure: kind == Kind::Write && g.chance(30),
        next_token: None,
    };
    (kind, input)
}

/// Where a generated write statement runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Within {
    /// `ExecuteStatement`: `RETURNING` sometimes.
    Statement,
    /// `BatchExecuteStatement`: no `RETURNING`.
    Batch,
    /// `ExecuteTransaction`: no `RETURNING`, and no `DELETE` with a condition besides the
    /// key: on an item that does not exist DynamoDB Local lets it pass where the engine
    /// fails it (docs/known-differences.md §16), and in a transaction Local would then
    /// apply the other statements the engine cancels, leaving the two stores apart.
    Transaction,
}

/// An `INSERT` (`choice` 5, 6), `UPDATE` (7, 8) or `DELETE` (9) of the item `pk`/`sk`,
/// shaped for where it runs (`within`).
fn write_statement(g: &mut Gen, choice: usize, pk: &str, sk: &str, within: Within) -> Text {
    let returning_allowed = within == Within::Statement;
    let table = format!("\"{TABLE}\"");
    match choice {
        5 | 6 => {
            let item = random_item(g, pk, sk);
            let mut t = Text::new(&format!("INSERT INTO {table} VALUE {{"));
            for (i, (name, value)) in item.into_iter().enumerate() {
                if i > 0 {
                    t.push(", ");
                }
                t.push(&format!("'{name}': ")).param(value);
            }
            t.push("}");
            t
        }
        7 | 8 => {
            let mut t = Text::new(&format!("UPDATE {table}"));
            let mut any = false;
            if g.chance(60) {
                t.push(" SET v = ").param(value(g));
                any = true;
            }
            if g.chance(40) {
                t.push(" SET cnt = cnt + ").param(n(1));
                any = true;
            }
            match g.below(3) {
                0 => {
                    t.push(" SET g = ").param(s(g.pick(&["gx", "gy"])));
                    t.push(", gs = ").param(n(gs_of(pk, sk)));
                }
                1 => {
                    t.push(" REMOVE g");
                }
                _ if !any => {
                    t.push(" SET lsk = ").param(n(lsk_of(sk)));
                }
                _ => {}
            }
            t.push(" WHERE pk = ").param(s(pk)).push(" AND sk = ").param(s(sk));
            if g.chance(30) {
                t.push(" AND ");
                filter(g, &mut t);
            }
            // MODIFIED OLD / MODIFIED NEW are UPDATED_OLD / UPDATED_NEW, where Local returns
            // whole top-level attributes (docs/known-differences.md §2): not generated.
            if returning_allowed {
                returning(g, &mut t, &["ALL OLD *", "ALL NEW *"]);
            }
            t
        }
        _ => {
            let mut t = Text::new(&format!("DELETE FROM {table} WHERE pk = "));
            t.param(s(pk)).push(" AND sk = ").param(s(sk));
            if within != Within::Transaction && g.chance(30) {
                t.push(" AND ");
                filter(g, &mut t);
            }
            if returning_allowed {
                returning(g, &mut t, &["ALL OLD *"]);
            }
            t
        }
    }
}

/// A `SELECT` of one item by its full key (what batches and transactions may read).
fn read_by_key(g: &mut Gen, pk: &str, sk: &str) -> Text {
    let mut t = Text::new(&format!("SELECT {} FROM \"{TABLE}\" WHERE pk = ", projection(g)));
    t.param(s(pk)).push(" AND sk = ").param(s(sk));
    t
}

/// A random `BatchExecuteStatement`: 1–5 reads by full key, or 1–5 writes (`INSERT`,
/// `UPDATE`, `DELETE`, without `RETURNING`); the keys of reads sometimes repeat.
pub fn random_batch(g: &mut Gen) -> (Kind, BatchExecuteStatementInput) {
    let reads = g.chance(45);
    let mut keys = keys(g, 5);
    if !reads {
        // Two writes of one item: both refuse the batch with a `ValidationException`, but
        // DynamoDB Local has already applied the statements before the repeated one
        // (docs/known-differences.md §16), which would leave the stores apart.
        let mut seen = Vec::new();
        keys.retain(|key| {
            let new = !seen.contains(key);
            seen.push(key.clone());
            new
        });
    }
    let statements = keys
        .into_iter()
        .map(|(pk, sk)| {
            let t = if reads {
                read_by_key(g, &pk, &sk)
            } else {
                let choice = 5 + g.below(5);
                write_statement(g, choice, &pk, &sk, Within::Batch)
            };
            BatchStatementRequest {
                statement: t.text,
                parameters: t.parameters,
                consistent_read: reads && g.chance(40),
                return_old_on_condition_failure: !reads && g.chance(30),
            }
        })
        .collect();
    let kind = if reads { Kind::Query } else { Kind::Write };
    (kind, BatchExecuteStatementInput { statements, return_consumed_capacity: capacity_mode(g) })
}

/// A random `ExecuteTransaction`: 1–4 reads by full key, or 1–4 writes and
/// `EXISTS(SELECT …)` checks; keys sometimes repeat.
pub fn random_transaction(g: &mut Gen) -> (Kind, ExecuteTransactionInput) {
    let reads = g.chance(30);
    let statements = keys(g, 4)
        .into_iter()
        .map(|(pk, sk)| {
            let t = if reads {
                read_by_key(g, &pk, &sk)
            } else if g.chance(20) {
                let mut t = Text::new(&format!("EXISTS(SELECT * FROM \"{TABLE}\" WHERE pk = "));
                t.param(s(&pk)).push(" AND sk = ").param(s(&sk));
                if g.chance(50) {
                    t.push(" AND ");
                    filter(g, &mut t);
                }
                t.push(")");
                t
            } else {
                let choice = 5 + g.below(5);
                write_statement(g, choice, &pk, &sk, Within::Transaction)
            };
            ParameterizedStatement {
                statement: t.text,
                parameters: t.parameters,
                return_old_on_condition_failure: !reads && g.chance(30),
            }
        })
        .collect();
    let kind = if reads { Kind::Query } else { Kind::Write };
    let input = ExecuteTransactionInput {
        statements,
        client_request_token: None,
        return_consumed_capacity: capacity_mode(g),
    };
    (kind, input)
}

/// Runs a `BatchExecuteStatement`: per statement its table, item, and error code with
/// the item a failed condition returned. Messages are not compared (DynamoDB Local's
/// wording differs, docs/known-differences.md §16), nor is capacity: DynamoDB Local
/// returns none for PartiQL (see [`without_capacity`]).
pub async fn apply_batch<D: Partiql + ?Sized>(
    db: &D,
    input: &BatchExecuteStatementInput,
) -> Outcome {
    match db.run_batch(input.clone()).await {
        Ok(output) => Outcome::Statements(
            output
                .responses
                .into_iter()
                .map(|response| {
                    (
                        response.table_name,
                        response.item.map(normalise),
                        response.error.map(|error| (error.code, error.item.map(normalise))),
                    )
                })
                .collect(),
        ),
        Err(e) => error_outcome(&e),
    }
}

/// Runs an `ExecuteTransaction`: the items read in statement order, or the error with
/// its cancellation reasons. Capacity is not compared (as [`apply_batch`]).
pub async fn apply_transaction<D: Partiql + ?Sized>(
    db: &D,
    input: &ExecuteTransactionInput,
) -> Outcome {
    match db.run_transaction(input.clone()).await {
        Ok(output) => Outcome::Transaction(
            output.responses.into_iter().map(|item| item.map(normalise)).collect(),
            Vec::new(),
        ),
        Err(e) => error_outcome(&e),
    }
}

/// `INSERT` of an existing key: DynamoDB's code is `DuplicateItemException`, DynamoDB
/// Local's `DuplicateItem` (docs/known-differences.md §16). Local's is renamed before
/// comparing.
pub fn local_duplicate_item(outcome: &mut Outcome) {
    if let Outcome::Error(Some(kind), _) = outcome {
        if kind == "DuplicateItem" {
            *kind = "DuplicateItemException".to_owned();
        }
    }
}

/// An `INSERT` of an existing key inside `ExecuteTransaction`: DynamoDB Local cancels
/// with the reason `ValidationError`, the engine with `DuplicateItem`, the code DynamoDB
/// documents for the same failure in a batch (`BatchStatementError`); DynamoDB's own
/// reason is not verified (docs/known-differences.md §16). Local's reason at an `INSERT`
/// (the generated ones are otherwise valid) is renamed before comparing, so the engine
/// must still cancel at exactly that statement.
pub fn local_duplicate_in_transaction(input: &ExecuteTransactionInput, outcome: &mut Outcome) {
    let Outcome::Cancelled(reasons) = outcome else { return };
    for (reason, statement) in reasons.iter_mut().zip(&input.statements) {
        if reason.0 == "ValidationError" && statement.statement.starts_with("INSERT") {
            reason.0 = "DuplicateItem".to_owned();
            reason.1 = None;
        }
    }
}

/// A failed `EXISTS(SELECT …)` of `ExecuteTransaction` with
/// `ReturnValuesOnConditionCheckFailure=ALL_OLD`: DynamoDB Local's reason carries no
/// item, where the API Reference describes the parameter as returning "the item
/// attributes for a PartiQL ParameterizedStatement operation that failed a condition
/// check" (as `ConditionCheck` of `TransactWriteItems` does, which the engine runs it
/// as) (docs/known-differences.md §16). The engine's item is dropped at such a statement
/// only when Local's reason there has none.
pub fn local_exists_without_item(
    input: &ExecuteTransactionInput,
    expected: &Outcome,
    actual: &mut Outcome,
) {
    let (Outcome::Cancelled(local), Outcome::Cancelled(engine)) = (expected, actual) else {
        return;
    };
    for ((ours, theirs), statement) in engine.iter_mut().zip(local).zip(&input.statements) {
        if statement.statement.starts_with("EXISTS")
            && statement.return_old_on_condition_failure
            && ours.0 == "ConditionalCheckFailed"
            && theirs.0 == "ConditionalCheckFailed"
            && theirs.1.is_none()
        {
            ours.1 = None;
        }
    }
}

/// DynamoDB Local answers `ExecuteStatement` without `ConsumedCapacity` whatever
/// `ReturnConsumedCapacity` asks, where DynamoDB returns it (API Reference,
/// `ExecuteStatement` response: `ConsumedCapacity`) (docs/known-differences.md §16).
/// Panics if Local ever sends it, so that this normalisation is dropped then; the
/// engine's figures are not compared.
pub fn without_capacity(outcome: &mut Outcome, local: bool) {
    let clear = |units: &mut Option<super::Units>| {
        assert!(!local || units.is_none(), "DynamoDB Local now returns capacity: {units:?}");
        *units = None;
    };
    match outcome {
        Outcome::Write(_, units) => clear(units),
        Outcome::Pages(pages) => pages.iter_mut().for_each(|page| clear(&mut page.4)),
        _ => {}
    }
}

/// A `DELETE` whose `WHERE` has a condition besides the key, of an item that does not
/// exist: DynamoDB Local answers success (nothing deleted), the engine fails the condition
/// as the `DeleteItem` it runs as does (`ConditionalCheckFailedException`). Nothing is
/// written either way; DynamoDB's answer is not verified (docs/known-differences.md §16).
pub fn local_conditional_delete_of_nothing(
    op_input: &ExecuteStatementInput,
    item_exists: bool,
    expected: &Outcome,
    actual: &Outcome,
) -> bool {
    op_input.statement.starts_with("DELETE")
        && op_input.statement.matches(" AND ").count() > 1
        && !item_exists
        && matches!(expected, Outcome::Write(None, None))
        && matches!(actual, Outcome::Error(Some(kind), None) if kind == "ConditionalCheckFailedException")
}

/// [`local_conditional_delete_of_nothing`] for the statements of a
/// `BatchExecuteStatement` or an `ExecuteTransaction`: where a `DELETE` with a condition
/// besides the key names an item that did not exist (`exist`, per statement), Local
/// answered success there (no error in a batch, reason `None` in a transaction) and the
/// engine `ConditionalCheckFailed`, Local's answer at that statement is taken as the
/// engine's. Every other statement is still compared.
pub fn local_conditional_deletes_of_nothing(
    statements: &[&str],
    exist: &[bool],
    expected: &mut Outcome,
    actual: &Outcome,
) {
    let failed = |code: &str| code == "ConditionalCheckFailed";
    for (i, statement) in statements.iter().enumerate() {
        let conditional_delete =
            statement.starts_with("DELETE") && statement.matches(" AND ").count() > 1;
        if !conditional_delete || exist.get(i).copied().unwrap_or(true) {
            continue;
        }
        match (&mut *expected, actual) {
            (Outcome::Statements(local), Outcome::Statements(engine)) => {
                let (Some(theirs), Some(ours)) = (local.get_mut(i), engine.get(i)) else {
                    continue;
                };
                if theirs.2.is_none() && matches!(&ours.2, Some((code, None)) if failed(code)) {
                    theirs.2.clone_from(&ours.2);
                }
            }
            (Outcome::Cancelled(local), Outcome::Cancelled(engine)) => {
                let (Some(theirs), Some(ours)) = (local.get_mut(i), engine.get(i)) else {
                    continue;
                };
                if theirs.0 == "None" && failed(&ours.0) {
                    theirs.clone_from(ours);
                }
            }
            _ => {}
        }
    }
}

/// Runs a statement (a `SELECT` to its last page) and gives what is compared.
pub async fn apply<D: Partiql + ?Sized>(
    db: &D,
    kind: Kind,
    input: &ExecuteStatementInput,
) -> Outcome {
    let mut request = input.clone();
    let mut pages: Vec<Page> = Vec::new();
    loop {
        let output = match db.run_statement(request.clone()).await {
            Ok(output) => output,
            Err(e) => return error_outcome(&e),
        };
        let items: Vec<_> = output.items.into_iter().map(normalise).collect();
        if kind == Kind::Write {
            // `RETURNING` gives at most one item; capacity as for the operation.
            return Outcome::Write(items.into_iter().next(), output.consumed_capacity.map(units));
        }
        let count = u32::try_from(items.len()).unwrap_or(u32::MAX);
        let more = output.next_token.is_some();
        pages.push((
            items,
            count,
            0,
            more.then(Default::default),
            output.consumed_capacity.map(units),
        ));
        match output.next_token {
            Some(token) if pages.len() < 100 => request.next_token = Some(token),
            _ => break,
        }
    }
    if kind == Kind::Scan {
        let mut all: Vec<String> = pages
            .into_iter()
            .flat_map(|page| page.0)
            .map(|item| format!("{:?}", sorted(item)))
            .collect();
        all.sort();
        let total = u32::try_from(all.len()).unwrap_or(u32::MAX);
        return Outcome::Scan(Vec::new(), total, all);
    }
    Outcome::Pages(super::without_empty_last_page(pages))
}
