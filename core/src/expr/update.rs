//! Update-expression ASTs: the actions of one `UpdateItem`.

use super::Path;
use crate::value::AttributeValue;

/// A value in a `SET` action.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateOperand {
    /// The current value at a path (`SET a = b`).
    Path(Path),
    /// A literal value (a `:value` placeholder).
    Value(AttributeValue),
    /// `if_not_exists(path, operand)`: the value at `path`, or `operand` when absent.
    IfNotExists(Path, Box<UpdateOperand>),
    /// `list_append(first, second)`: swap the arguments to prepend.
    ListAppend(Box<UpdateOperand>, Box<UpdateOperand>),
}

/// The right-hand side of a `SET` action: one operand, or `x + y`, or `x - y`.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    /// `SET path = operand`.
    Operand(UpdateOperand),
    /// `SET path = left + right` (numbers).
    Plus(UpdateOperand, UpdateOperand),
    /// `SET path = left - right` (numbers).
    Minus(UpdateOperand, UpdateOperand),
}

/// One action of an update expression.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    /// `SET path = value`.
    Set(Path, SetValue),
    /// `REMOVE path`.
    Remove(Path),
    /// `ADD path value`: add to a number (absent = 0) or union into a set (absent = empty).
    Add(Path, AttributeValue),
    /// `DELETE path value`: remove the elements of a set from a set.
    Delete(Path, AttributeValue),
}

/// DynamoDB's rule for the value of an `ADD` action (a number or a set) or a `DELETE`
/// action (a set): `None` when `value` is allowed, else DynamoDB's message (without the
/// `Invalid UpdateExpression: ` prefix). One rule for the engine and for the expression
/// parser of `singletable serve`.
pub fn add_delete_operand_error(delete: bool, value: &AttributeValue) -> Option<String> {
    let is_set =
        matches!(value, AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_));
    let allowed = is_set || (!delete && matches!(value, AttributeValue::N(_)));
    if allowed {
        return None;
    }
    let type_name = match value {
        AttributeValue::S(_) => "STRING",
        AttributeValue::N(_) => "NUMBER",
        AttributeValue::B(_) => "BINARY",
        AttributeValue::Bool(_) => "BOOLEAN",
        AttributeValue::Null => "NULL",
        AttributeValue::L(_) => "LIST",
        AttributeValue::M(_) => "MAP",
        AttributeValue::Ss(_) => "STRING_SET",
        AttributeValue::Ns(_) => "NUMBER_SET",
        AttributeValue::Bs(_) => "BINARY_SET",
    };
    let (operator, set) = if delete {
        ("DELETE", "ALLOWED_FOR_DELETE_OPERAND")
    } else {
        ("ADD", "ALLOWED_FOR_ADD_OPERAND")
    };
    Some(format!(
        "Incorrect operand type for operator or function; operator: {operator}, operand type: {type_name}, typeSet: {set}"
    ))
}

/// The range test on one sort-key attribute in a key condition.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKeyCondition {
    /// `sk = v`.
    Eq(AttributeValue),
    /// `sk < v`.
    Lt(AttributeValue),
    /// `sk <= v`.
    Le(AttributeValue),
    /// `sk > v`.
    Gt(AttributeValue),
    /// `sk >= v`.
    Ge(AttributeValue),
    /// `sk BETWEEN low AND high`.
    Between(AttributeValue, AttributeValue),
    /// `begins_with(sk, v)` (S or B only).
    BeginsWith(AttributeValue),
}

/// A `KeyConditionExpression`, structured as DynamoDB allows it: equality on every
/// partition-key attribute, then sort-key attributes left to right — equality on a
/// prefix, then at most one range test.
///
/// A single-attribute key is the one-element case of each list. The backend checks the
/// names against the table's or index's key schema and answers DynamoDB's errors for a
/// missing partition attribute, a gap in the sort attributes, or a wrong type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyCondition {
    /// `attr = value` for each partition-key attribute.
    pub partition: Vec<(String, AttributeValue)>,
    /// Conditions on sort-key attributes in key-schema order: every one but the last
    /// must be [`SortKeyCondition::Eq`].
    pub sort: Vec<(String, SortKeyCondition)>,
}
