//! Binding a parsed statement to its parameters and lowering it onto the engine's own
//! ASTs: literals become attribute values, `WHERE` becomes a [`Condition`] (and, where
//! it fixes the key, a key condition or a key), `SET`/`REMOVE` become update actions.
//! Nothing is evaluated here: the engine's operations do that, by their own rules.

use super::ast::{CmpOp, Expr, PathExpr, Step, UpdateClause};
use super::lexer::malformed;
use singletable_core::error::{Error, Result};
use singletable_core::expr::{
    Comparator, Condition, Operand, Path, SetValue, UpdateAction, UpdateOperand,
};
use singletable_core::number::{Number, NumberError};
use singletable_core::value::{AttributeType, AttributeValue, Item};

/// A document path of the engine from a parsed one.
pub(crate) fn path(path: &PathExpr) -> Path {
    let mut out = Path::attribute(path.root.clone());
    for step in &path.steps {
        out = match step {
            Step::Key(name) => out.key(name.clone()),
            Step::Index(index) => out.index(*index),
        };
    }
    out
}

/// The value of a literal (with parameters bound), or the error DynamoDB gives for it.
pub(crate) fn value(expr: &Expr, params: &[AttributeValue]) -> Result<AttributeValue> {
    literal(expr, params, &mut String::new())
}

fn literal(expr: &Expr, params: &[AttributeValue], at: &mut String) -> Result<AttributeValue> {
    Ok(match expr {
        Expr::Str(text) => AttributeValue::S(text.clone()),
        Expr::Num(text) => AttributeValue::N(number(text, at)?),
        Expr::Bool(flag) => AttributeValue::Bool(*flag),
        Expr::Null => AttributeValue::Null,
        Expr::Missing => {
            return Err(Error::validation(format!(
                "Unsupported data type: MISSING under key root{at}"
            )))
        }
        Expr::Param(index) => params.get(*index).cloned().ok_or_else(parameter_count)?,
        Expr::List(items) => {
            let mut values = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("[{i}]"));
                values.push(literal(item, params, at)?);
                at.truncate(len);
            }
            AttributeValue::L(values)
        }
        Expr::Map(members) => {
            let mut map = Item::new();
            for (key, item) in members {
                let len = at.len();
                at.push('.');
                at.push_str(key);
                let value = literal(item, params, at)?;
                at.truncate(len);
                map.insert(key.clone(), value);
            }
            AttributeValue::M(map)
        }
        Expr::Bag(items) => bag(items, params, at)?,
        _ => return Err(Error::validation("Unsupported operation: a value was expected")),
    })
}

fn number(text: &str, at: &str) -> Result<Number> {
    Number::parse(text).map_err(|error| match error {
        NumberError::NotANumber => malformed(""),
        NumberError::Precision => Error::validation(format!(
            "Attempting to store more than 38 significant digits in a Number under root{at}"
        )),
        other => Error::validation(format!("{other} under root{at}")),
    })
}

fn bag(items: &[Expr], params: &[AttributeValue], at: &mut String) -> Result<AttributeValue> {
    if items.is_empty() {
        return Err(Error::validation("Empty bags are not supported"));
    }
    let values: Vec<AttributeValue> =
        items.iter().map(|item| literal(item, params, at)).collect::<Result<_>>()?;
    let mixed = || {
        Error::validation(
            "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags",
        )
    };
    let set = match values.first() {
        Some(AttributeValue::S(_)) => AttributeValue::Ss(
            values
                .into_iter()
                .map(|v| match v {
                    AttributeValue::S(s) => Ok(s),
                    _ => Err(mixed()),
                })
                .collect::<Result<_>>()?,
        ),
        Some(AttributeValue::N(_)) => AttributeValue::Ns(
            values
                .into_iter()
                .map(|v| match v {
                    AttributeValue::N(n) => Ok(n),
                    _ => Err(mixed()),
                })
                .collect::<Result<_>>()?,
        ),
        Some(AttributeValue::B(_)) => AttributeValue::Bs(
            values
                .into_iter()
                .map(|v| match v {
                    AttributeValue::B(b) => Ok(b),
                    _ => Err(mixed()),
                })
                .collect::<Result<_>>()?,
        ),
        _ => return Err(mixed()),
    };
    let duplicates = match &set {
        AttributeValue::Ss(v) => has_duplicates(v),
        AttributeValue::Ns(v) => has_duplicates(v),
        AttributeValue::Bs(v) => has_duplicates(v),
        _ => false,
    };
    if duplicates {
        return Err(Error::validation("Input collection contains duplicates"));
    }
    Ok(set)
}

fn has_duplicates<T: PartialEq>(values: &[T]) -> bool {
    values.iter().enumerate().any(|(i, v)| values[..i].contains(v))
}

/// DynamoDB's error for a `Parameters` list that does not match the statement's `?`s.
pub(crate) fn parameter_count() -> Error {
    Error::validation("Number of parameters in request and statement don't match.")
}

fn operand(expr: &Expr, params: &[AttributeValue]) -> Result<Operand> {
    match expr {
        Expr::Path(p) => Ok(Operand::Path(path(p))),
        Expr::Missing => Err(Error::validation("MISSING must be compared using IS operator")),
        Expr::Call(name, args) if name.eq_ignore_ascii_case("size") => match args.as_slice() {
            [Expr::Path(p)] => Ok(Operand::Size(path(p))),
            _ => Err(Error::validation("Incorrect number of arguments or types for function size")),
        },
        Expr::Call(name, _) => Err(unrecognized(name)),
        _ => Ok(Operand::Value(value(expr, params)?)),
    }
}

fn unrecognized(name: &str) -> Error {
    Error::validation(format!("Unrecognized function: {name}"))
}

/// A `WHERE` condition as the engine's [`Condition`].
pub(crate) fn condition(expr: &Expr, params: &[AttributeValue]) -> Result<Condition> {
    Ok(match expr {
        Expr::Compare(left, op, right) => Condition::Compare {
            left: operand(left, params)?,
            op: comparator(*op),
            right: operand(right, params)?,
        },
        Expr::Between { operand: tested, low, high, negated } => {
            let between = Condition::Between {
                operand: operand(tested, params)?,
                low: operand(low, params)?,
                high: operand(high, params)?,
            };
            if *negated {
                between.not()
            } else {
                between
            }
        }
        Expr::In { operand: tested, list, negated } => {
            if list.is_empty() || list.len() > 100 {
                return Err(Error::validation("IN list must contain between 1 and 100 elements"));
            }
            let within = Condition::In {
                operand: operand(tested, params)?,
                list: list.iter().map(|o| operand(o, params)).collect::<Result<_>>()?,
            };
            if *negated {
                within.not()
            } else {
                within
            }
        }
        Expr::Is { operand: tested, null, negated } => {
            let Expr::Path(p) = tested.as_ref() else {
                return Err(Error::validation("IS operator is only supported on document paths"));
            };
            let p = path(p);
            let holds = if *null {
                Condition::attribute_type(p, AttributeType::Null)
            } else {
                Condition::AttributeNotExists(p)
            };
            match (holds, *negated) {
                (Condition::AttributeNotExists(p), true) => Condition::AttributeExists(p),
                (holds, true) => holds.not(),
                (holds, false) => holds,
            }
        }
        Expr::And(left, right) => condition(left, params)?.and(condition(right, params)?),
        Expr::Or(left, right) => condition(left, params)?.or(condition(right, params)?),
        Expr::Not(inner) => condition(inner, params)?.not(),
        Expr::Call(name, args) => function(name, args, params)?,
        _ => return Err(Error::validation("Unsupported operation: a condition was expected")),
    })
}

fn function(name: &str, args: &[Expr], params: &[AttributeValue]) -> Result<Condition> {
    let lower = name.to_ascii_lowercase();
    let wrong = || {
        Error::validation(format!("Incorrect number of arguments or types for function {lower}"))
    };
    match lower.as_str() {
        "begins_with" | "contains" => {
            let [subject, other] = args else { return Err(wrong()) };
            let (subject, other) = (operand(subject, params)?, operand(other, params)?);
            Ok(if lower == "contains" {
                Condition::Contains(subject, other)
            } else {
                Condition::BeginsWith(subject, other)
            })
        }
        "attribute_type" => {
            let [subject, ty] = args else { return Err(wrong()) };
            let subject = operand(subject, params)?;
            let AttributeValue::S(text) = value(ty, params)? else { return Err(wrong()) };
            let ty = attribute_type(&text).ok_or_else(|| {
                Error::validation(format!(
                    "Invalid attribute type name found; type: {text}, valid types: {{ B,NULL,SS,BOOL,L,BS,N,NS,S,M }}"
                ))
            })?;
            Ok(Condition::AttributeType(subject, ty))
        }
        _ => Err(unrecognized(name)),
    }
}

fn attribute_type(name: &str) -> Option<AttributeType> {
    Some(match name {
        "S" => AttributeType::S,
        "N" => AttributeType::N,
        "B" => AttributeType::B,
        "BOOL" => AttributeType::Bool,
        "NULL" => AttributeType::Null,
        "L" => AttributeType::L,
        "M" => AttributeType::M,
        "SS" => AttributeType::Ss,
        "NS" => AttributeType::Ns,
        "BS" => AttributeType::Bs,
        _ => return None,
    })
}

fn comparator(op: CmpOp) -> Comparator {
    match op {
        CmpOp::Eq => Comparator::Eq,
        CmpOp::Ne => Comparator::Ne,
        CmpOp::Lt => Comparator::Lt,
        CmpOp::Le => Comparator::Le,
        CmpOp::Gt => Comparator::Gt,
        CmpOp::Ge => Comparator::Ge,
    }
}

/// The conjuncts of a condition: `a AND b AND c` as `[a, b, c]`.
pub(crate) fn conjuncts(expr: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(expr) = stack.pop() {
        match expr {
            Expr::And(left, right) => {
                stack.push(right);
                stack.push(left);
            }
            other => out.push(other),
        }
    }
    out
}

/// The attribute and value of `name = value` (either way round), when `expr` is one.
pub(crate) fn equality(expr: &Expr) -> Option<(&str, &Expr)> {
    let Expr::Compare(left, CmpOp::Eq, right) = expr else { return None };
    match (left.as_ref(), right.as_ref()) {
        (Expr::Path(p), value) | (value, Expr::Path(p))
            if p.steps.is_empty() && !matches!(value, Expr::Path(_) | Expr::Call(..)) =>
        {
            Some((p.root.as_str(), value))
        }
        _ => None,
    }
}

/// The condition made of `rest` (conjuncts), `None` when empty.
pub(crate) fn and_all(rest: &[&Expr], params: &[AttributeValue]) -> Result<Option<Condition>> {
    let mut out: Option<Condition> = None;
    for expr in rest {
        let next = condition(expr, params)?;
        out = Some(match out {
            Some(done) => done.and(next),
            None => next,
        });
    }
    Ok(out)
}

/// The key of a write: an equality on every key attribute among the conjuncts of
/// `expr`; the other conjuncts are the write's condition.
pub(crate) fn key_and_condition(
    expr: &Expr,
    keys: &[&str],
    params: &[AttributeValue],
) -> Result<(Item, Option<Condition>)> {
    let parts = conjuncts(expr);
    let mut key = Item::new();
    let mut used = vec![false; parts.len()];
    for name in keys {
        let found = parts
            .iter()
            .enumerate()
            .find(|(i, part)| !used[*i] && equality(part).is_some_and(|(n, _)| n == *name));
        let Some((i, part)) = found else {
            return Err(Error::validation(
                "Where clause does not contain a mandatory equality on all key attributes",
            ));
        };
        used[i] = true;
        if let Some((_, v)) = equality(part) {
            key.insert((*name).to_owned(), value(v, params)?);
        }
    }
    let rest: Vec<&Expr> =
        parts.iter().enumerate().filter(|(i, _)| !used[*i]).map(|(_, p)| *p).collect();
    Ok((key, and_all(&rest, params)?))
}

/// The actions of an `UPDATE`.
pub(crate) fn updates(
    clauses: &[UpdateClause],
    params: &[AttributeValue],
) -> Result<Vec<UpdateAction>> {
    clauses
        .iter()
        .map(|clause| match clause {
            UpdateClause::Remove(p) => Ok(UpdateAction::Remove(path(p))),
            UpdateClause::Set(target, value) => set(target, value, params),
        })
        .collect()
}

fn set(target: &PathExpr, expr: &Expr, params: &[AttributeValue]) -> Result<UpdateAction> {
    let target_path = path(target);
    if let Expr::Call(name, args) = expr {
        let lower = name.to_ascii_lowercase();
        if lower == "set_add" || lower == "set_delete" {
            let [Expr::Path(of), elements] = args.as_slice() else {
                return Err(Error::validation(format!(
                    "Incorrect number of arguments or types for function {lower}"
                )));
            };
            if path(of) != target_path {
                return Err(Error::validation(format!(
                    "The first argument of {lower} must be the path being set"
                )));
            }
            let elements = value(elements, params)?;
            return Ok(if lower == "set_add" {
                UpdateAction::Add(target_path, elements)
            } else {
                UpdateAction::Delete(target_path, elements)
            });
        }
    }
    let value = match expr {
        Expr::Arith(left, plus, right) => {
            let (left, right) = (update_operand(left, params)?, update_operand(right, params)?);
            if *plus {
                SetValue::Plus(left, right)
            } else {
                SetValue::Minus(left, right)
            }
        }
        other => SetValue::Operand(update_operand(other, params)?),
    };
    Ok(UpdateAction::Set(target_path, value))
}

fn update_operand(expr: &Expr, params: &[AttributeValue]) -> Result<UpdateOperand> {
    match expr {
        Expr::Path(p) => Ok(UpdateOperand::Path(path(p))),
        Expr::Call(name, args) if name.eq_ignore_ascii_case("list_append") => match args.as_slice()
        {
            [first, second] => Ok(UpdateOperand::ListAppend(
                Box::new(update_operand(first, params)?),
                Box::new(update_operand(second, params)?),
            )),
            _ => Err(Error::validation(
                "Incorrect number of arguments or types for function list_append",
            )),
        },
        Expr::Call(name, _) => Err(unrecognized(name)),
        Expr::Arith(..) => Err(Error::validation(
            "Unsupported operation: only one + or - is allowed in a SET value",
        )),
        other => Ok(UpdateOperand::Value(value(other, params)?)),
    }
}

/// The top-level attribute a projected path is returned under, as DynamoDB Local names
/// it: the last name of the path with the indexes after it (`m.k[0]` is `k[0]`).
pub(crate) fn projected_name(p: &PathExpr) -> String {
    let mut name = p.root.clone();
    for step in &p.steps {
        match step {
            Step::Key(key) => name = key.clone(),
            Step::Index(index) => name.push_str(&format!("[{index}]")),
        }
    }
    name
}
