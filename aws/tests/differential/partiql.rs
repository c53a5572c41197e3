//! PartiQL: `ExecuteStatement` generated at random (`SELECT` by key on the table and on
//! both indexes, `SELECT` with other conditions (a scan), projections, `INSERT`,
//! `UPDATE … SET/REMOVE`, `DELETE`, `RETURNING`, `Limit` and paging, `?` parameters),
//! run through `MemoryBackend::execute_statement` and DynamoDB Local's `ExecuteStatement`
//! (`AwsBackend::execute_statement`) and compared like the operations they run as.

use singletable_aws::AwsBackend;
use singletable_core::backend::{BoxFuture, ExecuteStatementInput, ExecuteStatementOutput};
use singletable_core::error::Result;
use singletable_core::AttributeValue;
use singletable_engine::MemoryBackend;

use super::{
    capacity_mode, error_outcome, gs_of, key, lsk_of, n, normalise, random_item, s, sorted, units,
    value, Gen, Outcome, Page, PKS, SKS, TABLE,
};

/// Both sides' `ExecuteStatement`.
pub trait Partiql {
    fn run_statement(
        &self,
        input: ExecuteStatementInput,
    ) -> BoxFuture<'_, Result<ExecuteStatementOutput>>;
}

impl Partiql for MemoryBackend {
    fn run_statement(
        &self,
        input: ExecuteStatementInput,
    ) -> BoxFuture<'_, Result<ExecuteStatementOutput>> {
        Box::pin(self.execute_statement(input))
    }
}

impl Partiql for AwsBackend {
    fn run_statement(
        &self,
        input: ExecuteStatementInput,
    ) -> BoxFuture<'_, Result<ExecuteStatementOutput>> {
        Box::pin(self.execute_statement(input))
    }
}

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
        5 | 6 => {
            let item = random_item(g, &pk, &sk);
            let mut t = Text::new(&format!("INSERT INTO {table} VALUE {{"));
            for (i, (name, value)) in item.into_iter().enumerate() {
                if i > 0 {
                    t.push(", ");
                }
                t.push(&format!("'{name}': ")).param(value);
            }
            t.push("}");
            (Kind::Write, t)
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
                    t.push(", gs = ").param(n(gs_of(&pk, &sk)));
                }
                1 => {
                    t.push(" REMOVE g");
                }
                _ if !any => {
                    t.push(" SET lsk = ").param(n(lsk_of(&sk)));
                }
                _ => {}
            }
            t.push(" WHERE pk = ").param(s(&pk)).push(" AND sk = ").param(s(&sk));
            if g.chance(30) {
                t.push(" AND ");
                filter(g, &mut t);
            }
            // MODIFIED OLD / MODIFIED NEW are UPDATED_OLD / UPDATED_NEW, where Local returns
            // whole top-level attributes (docs/known-differences.md §2): not generated.
            returning(g, &mut t, &["ALL OLD *", "ALL NEW *"]);
            (Kind::Write, t)
        }
        _ => {
            let mut t = Text::new(&format!("DELETE FROM {table} WHERE pk = "));
            t.param(s(&pk)).push(" AND sk = ").param(s(&sk));
            if g.chance(30) {
                t.push(" AND ");
                filter(g, &mut t);
            }
            returning(g, &mut t, &["ALL OLD *"]);
            (Kind::Write, t)
        }
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
