//! The checks DynamoDB makes after parsing, in its order, and the lowering of the syntax
//! tree into the engine's ASTs.
//!
//! Order (observed on DynamoDB Local 3.3, whose expression code is DynamoDB's):
//!
//! 1. Redundant parentheses anywhere (`((a = :v))`).
//! 2. In text order: function names (`Invalid function name`), functions that the
//!    expression kind does not allow (`if_not_exists` in a condition, `size` in an update),
//!    functions in the wrong place (`size(a)` as a condition, `list_append` nested), bare
//!    reserved words, and path nesting deeper than 32 levels.
//! 3. Placeholders and operand checks. Conditions: one walk in text order, each operator
//!    after its operands (undefined `#name`/`:value`, operand counts, operand types,
//!    distinct operands, BETWEEN bounds). Updates: first the action paths, from the last
//!    action to the first, then overlapping paths, then the values, again from the last
//!    action to the first.
//! 4. Key conditions only: the shape rules (`Invalid operator used in
//!    KeyConditionExpression: OR`, one key attribute per condition, scalar key paths).

use singletable_core::expr::rules::{
    between_bounds_error, distinct_operands_error, value_size, PathClash, MAX_IN_OPERANDS,
};
use singletable_core::expr::{
    add_delete_operand_error, begins_with_operands_error, orderable_operands_error, Comparator,
    Condition, Operand, Path, PathElement, SetValue, SortKeyCondition, UpdateAction, UpdateOperand,
};
use singletable_core::{AttributeType, AttributeValue, Number};

use super::reserved::is_reserved;
use super::syntax::{Arith, Node, RawAction, RawElement, RawPath, Section};
use super::{ExprError, ExpressionKind, KindErrors, Placeholders};

type Checked<T> = Result<T, ExprError>;

/// DynamoDB's limit on the elements of one document path.
const MAX_PATH_DEPTH: usize = 32;

const CONDITION_FUNCTIONS: [&str; 5] =
    ["attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains"];
const UPDATE_FUNCTIONS: [&str; 2] = ["if_not_exists", "list_append"];

// ---------------------------------------------------------------------------------------
// 1. Redundant parentheses

/// `((x))` anywhere in the tree.
pub(crate) fn redundant_parentheses(node: &Node, kind: ExpressionKind) -> Checked<()> {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node {
            Node::Paren(inner) => {
                if matches!(inner.as_ref(), Node::Paren(_)) {
                    return Err(kind.error("The expression has redundant parentheses;"));
                }
                stack.push(inner);
            }
            Node::Or(l, r) | Node::And(l, r) | Node::Compare(l, _, r) | Node::Arith(l, _, r) => {
                stack.push(l);
                stack.push(r);
            }
            Node::Not(inner) => stack.push(inner),
            Node::Between(a, b, c) => stack.extend([a.as_ref(), b.as_ref(), c.as_ref()]),
            Node::In(first, list) => {
                stack.push(first);
                stack.extend(list);
            }
            Node::Call(_, args) => stack.extend(args),
            Node::Path(_) | Node::Value(_) => {}
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 2. Function names and places, reserved words, path depth (text order)

/// Where a node stands, for the "not allowed to be used this way" rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Where a condition is expected.
    Condition,
    /// An operand of a comparison, BETWEEN, IN or a function (conditions).
    Operand,
    /// The whole value of a `SET` action.
    SetValue,
    /// An operand of `+`/`-` or of a function (updates).
    Nested,
}

pub(crate) fn lint_path(path: &RawPath, kind: ExpressionKind) -> Checked<()> {
    for element in &path.elements {
        if let RawElement::Name(name) = element {
            if is_reserved(name) {
                return Err(kind.error(format!(
                    "Attribute name is a reserved keyword; reserved keyword: {name}"
                )));
            }
        }
    }
    if path.elements.len() > MAX_PATH_DEPTH {
        return Err(kind.error(format!(
            "The document path has too many nesting levels; nesting levels: {}",
            path.elements.len()
        )));
    }
    Ok(())
}

fn lint_function(name: &str, place: Place, kind: ExpressionKind) -> Checked<()> {
    let condition_function = CONDITION_FUNCTIONS.contains(&name);
    let update_function = UPDATE_FUNCTIONS.contains(&name);
    if !condition_function && !update_function && name != "size" {
        return Err(kind.error(format!("Invalid function name; function: {name}")));
    }
    let in_update = matches!(place, Place::SetValue | Place::Nested);
    if in_update && !update_function {
        return Err(kind.error(format!(
            "The function is not allowed in an update expression; function: {name}"
        )));
    }
    if !in_update && update_function {
        return Err(kind.error(format!(
            "The function is not allowed in a condition expression; function: {name}"
        )));
    }
    let misplaced = match place {
        Place::Condition => name == "size",
        Place::Operand => condition_function,
        Place::SetValue => false,
        Place::Nested => name == "list_append",
    };
    if misplaced {
        return Err(kind.error(format!(
            "The function is not allowed to be used this way in an expression; function: {name}"
        )));
    }
    Ok(())
}

fn lint(node: &Node, place: Place, kind: ExpressionKind) -> Checked<()> {
    match node {
        Node::Or(l, r) | Node::And(l, r) => {
            lint(l, Place::Condition, kind)?;
            lint(r, Place::Condition, kind)
        }
        Node::Not(inner) => lint(inner, Place::Condition, kind),
        Node::Paren(inner) => lint(inner, place, kind),
        Node::Compare(l, _, r) => {
            lint(l, Place::Operand, kind)?;
            lint(r, Place::Operand, kind)
        }
        Node::Between(a, b, c) => {
            for operand in [a, b, c] {
                lint(operand, Place::Operand, kind)?;
            }
            Ok(())
        }
        Node::In(first, list) => {
            lint(first, Place::Operand, kind)?;
            list.iter().try_for_each(|operand| lint(operand, Place::Operand, kind))
        }
        Node::Call(name, args) => {
            lint_function(name, place, kind)?;
            let inner = if matches!(place, Place::SetValue | Place::Nested) {
                Place::Nested
            } else {
                Place::Operand
            };
            args.iter().try_for_each(|arg| lint(arg, inner, kind))
        }
        Node::Arith(l, _, r) => {
            lint(l, Place::Nested, kind)?;
            lint(r, Place::Nested, kind)
        }
        Node::Path(path) => lint_path(path, kind),
        Node::Value(_) => Ok(()),
    }
}

/// Step 2 for a condition, filter or key condition.
pub(crate) fn lint_condition(node: &Node, kind: ExpressionKind) -> Checked<()> {
    lint(node, Place::Condition, kind)
}

/// Step 2 for the actions of an update, in the order written.
pub(crate) fn lint_update(sections: &[(Section, Vec<RawAction>)]) -> Checked<()> {
    let kind = ExpressionKind::Update;
    for (_, actions) in sections {
        for action in actions {
            lint_path(action.path(), kind)?;
            if let RawAction::Set(_, value) = action {
                lint(value, Place::SetValue, kind)?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 3. Placeholders and operands

pub(crate) fn resolve_path(
    path: &RawPath,
    p: &Placeholders,
    kind: ExpressionKind,
) -> Checked<Path> {
    let mut elements = Vec::with_capacity(path.elements.len());
    for element in &path.elements {
        elements.push(match element {
            RawElement::Name(name) => PathElement::Attribute(name.clone()),
            RawElement::Placeholder(placeholder) => {
                PathElement::Attribute(p.name(placeholder).ok_or_else(|| {
                    kind.error(format!(
                        "An expression attribute name used in the document path is not defined; attribute name: {placeholder}"
                    ))
                })?)
            }
            RawElement::Index(index) => PathElement::Index(*index),
        });
    }
    Ok(Path { elements })
}

fn resolve_value(
    placeholder: &str,
    p: &Placeholders,
    kind: ExpressionKind,
) -> Checked<AttributeValue> {
    p.value(placeholder).ok_or_else(|| {
        kind.error(format!(
            "An expression attribute value used in expression is not defined; attribute value: {placeholder}"
        ))
    })
}

/// The valid type names of `attribute_type`, in DynamoDB's message order.
const TYPE_NAMES: &str = "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}";
/// What DynamoDB Local says when the second operand of `attribute_type` is a path.
const TYPE_OPERAND_TYPES: &str =
    "{INT,DICT,S,M,BOOL,B,HDS,DECIMAL,BS,HD,INTSET,SS,DOUBLE,DECIMALSET,L,FLOAT,N,NS,DOUBLESET,NULL,FS}";

fn attribute_type_named(name: &str) -> Option<AttributeType> {
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

/// Resolves conditions, filters and key conditions (step 3).
pub(crate) struct ConditionResolver<'p> {
    pub(crate) p: &'p Placeholders,
    pub(crate) kind: ExpressionKind,
}

impl ConditionResolver<'_> {
    fn error(&self, message: impl std::fmt::Display) -> ExprError {
        self.kind.error(message)
    }

    fn incorrect_operand(&self, function: &str, ty: impl std::fmt::Display) -> ExprError {
        self.error(format!(
            "Incorrect operand type for operator or function; operator or function: {function}, operand type: {ty}"
        ))
    }

    fn operand_count(&self, function: &str, count: usize, expected: usize) -> Checked<()> {
        if count == expected {
            return Ok(());
        }
        Err(self.error(format!(
            "Incorrect number of operands for operator or function; operator or function: {function}, number of operands: {count}"
        )))
    }

    fn distinct(&self, operator: &str, first: &Operand, others: &[&Operand]) -> Checked<()> {
        match distinct_operands_error(operator, first, others.iter().copied()) {
            Some(message) => Err(self.error(message)),
            None => Ok(()),
        }
    }

    /// Only S, N and B literals can be ordered: the engine's rule
    /// ([`orderable_operands_error`]), so both give the same message.
    fn orderable(&self, operator: &str, operands: &[&Operand]) -> Checked<()> {
        match orderable_operands_error(operator, operands.iter().copied()) {
            Some(message) => Err(self.error(message)),
            None => Ok(()),
        }
    }

    fn operand(&self, node: &Node) -> Checked<Operand> {
        match node {
            Node::Paren(inner) => self.operand(inner),
            Node::Path(path) => Ok(Operand::Path(resolve_path(path, self.p, self.kind)?)),
            Node::Value(placeholder) => {
                Ok(Operand::Value(resolve_value(placeholder, self.p, self.kind)?))
            }
            Node::Call(name, args) => {
                // Step 2 let only `size` through as an operand.
                let args = args.iter().map(|arg| self.operand(arg)).collect::<Checked<Vec<_>>>()?;
                self.operand_count(name, args.len(), 1)?;
                match args.into_iter().next() {
                    Some(Operand::Path(path)) => Ok(Operand::Size(path)),
                    Some(Operand::Value(value)) => match value_size(&value) {
                        Some(size) => Ok(Operand::Value(AttributeValue::N(Number::from(size)))),
                        None => Err(self.incorrect_operand("size", value.attribute_type())),
                    },
                    Some(Operand::Size(_)) | None => Err(self.incorrect_operand("size", "N")),
                }
            }
            // Conditions in operand places are syntax errors, and `+`/`-` only parse in
            // updates; both are unreachable here, refused rather than trusted.
            _ => Err(self.error("Syntax error; an operand was expected")),
        }
    }

    /// Step 3 for a condition: the engine's AST, or DynamoDB's error.
    pub(crate) fn condition(&self, node: &Node) -> Checked<Condition> {
        match node {
            Node::Paren(inner) => self.condition(inner),
            Node::Or(l, r) => Ok(self.condition(l)?.or(self.condition(r)?)),
            Node::And(l, r) => Ok(self.condition(l)?.and(self.condition(r)?)),
            Node::Not(inner) => Ok(self.condition(inner)?.not()),
            Node::Compare(l, op, r) => {
                let left = self.operand(l)?;
                let right = self.operand(r)?;
                let symbol = op.symbol();
                self.distinct(symbol, &left, &[&right])?;
                if !matches!(op, Comparator::Eq | Comparator::Ne) {
                    self.orderable(symbol, &[&left, &right])?;
                }
                Ok(Condition::Compare { left, op: *op, right })
            }
            Node::Between(a, b, c) => {
                let operand = self.operand(a)?;
                let low = self.operand(b)?;
                let high = self.operand(c)?;
                self.distinct("BETWEEN", &operand, &[&low, &high])?;
                self.orderable("BETWEEN", &[&operand, &low, &high])?;
                if let (Operand::Value(l), Operand::Value(h)) = (&low, &high) {
                    if let Some(message) = between_bounds_error(l, h) {
                        return Err(self.error(message));
                    }
                }
                Ok(Condition::Between { operand, low, high })
            }
            Node::In(first, list) => {
                let operand = self.operand(first)?;
                let list = list.iter().map(|o| self.operand(o)).collect::<Checked<Vec<_>>>()?;
                let others: Vec<&Operand> = list.iter().collect();
                self.distinct("IN", &operand, &others)?;
                if list.len() > MAX_IN_OPERANDS {
                    return Err(self.error(format!(
                        "The IN operator is provided with too many operands; number of operands: {}",
                        list.len()
                    )));
                }
                Ok(Condition::In { operand, list })
            }
            Node::Call(name, args) => self.function(name, args),
            // Bare operands are syntax errors; `+`/`-` only parse in updates.
            Node::Path(_) | Node::Value(_) | Node::Arith(..) => {
                Err(self.error("Syntax error; a condition was expected"))
            }
        }
    }

    fn function(&self, name: &str, args: &[Node]) -> Checked<Condition> {
        let args = args.iter().map(|arg| self.operand(arg)).collect::<Checked<Vec<_>>>()?;
        match name {
            "attribute_exists" | "attribute_not_exists" => {
                self.operand_count(name, args.len(), 1)?;
                match args.into_iter().next() {
                    Some(Operand::Path(path)) if name == "attribute_exists" => {
                        Ok(Condition::AttributeExists(path))
                    }
                    Some(Operand::Path(path)) => Ok(Condition::AttributeNotExists(path)),
                    _ => Err(self.error(format!(
                        "Operator or function requires a document path; operator or function: {name}"
                    ))),
                }
            }
            "attribute_type" => {
                self.operand_count(name, args.len(), 2)?;
                let mut args = args.into_iter();
                let (Some(first), Some(second)) = (args.next(), args.next()) else {
                    return Err(self.incorrect_operand(name, TYPE_OPERAND_TYPES));
                };
                let ty = match second {
                    Operand::Value(AttributeValue::S(text)) => attribute_type_named(&text).ok_or_else(|| {
                        self.error(format!(
                            "Invalid attribute type name found; type: {text}, valid types: {TYPE_NAMES}"
                        ))
                    })?,
                    Operand::Value(other) => {
                        return Err(self.incorrect_operand(name, other.attribute_type()))
                    }
                    Operand::Size(_) => return Err(self.incorrect_operand(name, "N")),
                    Operand::Path(_) => return Err(self.incorrect_operand(name, TYPE_OPERAND_TYPES)),
                };
                // A literal or `size(path)` is tested like a path (`attribute_type(:v, :t)`).
                Ok(Condition::AttributeType(first, ty))
            }
            "begins_with" | "contains" => {
                self.operand_count(name, args.len(), 2)?;
                let mut args = args.into_iter();
                let (Some(first), Some(second)) = (args.next(), args.next()) else {
                    return Err(self.incorrect_operand(name, "N"));
                };
                self.distinct(name, &first, &[&second])?;
                if name == "begins_with" {
                    // The engine's rule: S or B literals, no `size()`, on either side.
                    if let Some(message) = begins_with_operands_error([&first, &second]) {
                        return Err(self.error(message));
                    }
                    return Ok(Condition::BeginsWith(first, second));
                }
                // Any first operand: `contains(:v, a)`, `contains(size(a), :v)`.
                Ok(Condition::Contains(first, second))
            }
            // Step 2 let no other function through as a condition.
            _ => Err(self.error(format!("Invalid function name; function: {name}"))),
        }
    }
}

// ---------------------------------------------------------------------------------------
// 4. Key conditions

fn key_attribute(path: &Path) -> Checked<String> {
    match path.elements.as_slice() {
        [PathElement::Attribute(name)] => Ok(name.clone()),
        [PathElement::Attribute(name), ..] => Err(ExprError::new(format!(
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: {name}"
        ))),
        _ => Err(ExprError::new("Invalid condition in KeyConditionExpression: No key attribute specified")),
    }
}

fn invalid_operator(operator: &str) -> ExprError {
    ExprError::new(format!("Invalid operator used in KeyConditionExpression: {operator}"))
}

fn nested() -> ExprError {
    ExprError::new("KeyConditionExpressions cannot contain nested operations")
}

fn multiple() -> ExprError {
    ExprError::new("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition")
}

fn no_key() -> ExprError {
    ExprError::new("Invalid condition in KeyConditionExpression: No key attribute specified")
}

fn flip(op: Comparator) -> Comparator {
    match op {
        Comparator::Lt => Comparator::Gt,
        Comparator::Le => Comparator::Ge,
        Comparator::Gt => Comparator::Lt,
        Comparator::Ge => Comparator::Le,
        other => other,
    }
}

/// Step 4: the per-attribute tests of a key condition, in the order written.
pub(crate) fn key_parts(
    condition: Condition,
    out: &mut Vec<(String, SortKeyCondition)>,
) -> Checked<()> {
    match condition {
        Condition::And(l, r) => {
            key_parts(*l, out)?;
            key_parts(*r, out)
        }
        Condition::Or(..) => Err(invalid_operator("OR")),
        Condition::Not(_) => Err(invalid_operator("NOT")),
        Condition::In { .. } => Err(invalid_operator("IN")),
        Condition::AttributeExists(_) => Err(invalid_operator("attribute_exists")),
        Condition::AttributeNotExists(_) => Err(invalid_operator("attribute_not_exists")),
        Condition::AttributeType(..) => Err(invalid_operator("attribute_type")),
        Condition::Contains(..) => Err(invalid_operator("contains")),
        Condition::Compare { op: Comparator::Ne, .. } => Err(invalid_operator("<>")),
        Condition::Compare { left, op, right } => {
            let (path, value, op) = match (left, right) {
                (Operand::Size(_), _) | (_, Operand::Size(_)) => return Err(nested()),
                (Operand::Path(path), Operand::Value(value)) => (path, value, op),
                (Operand::Value(value), Operand::Path(path)) => (path, value, flip(op)),
                (Operand::Path(_), Operand::Path(_)) => return Err(multiple()),
                (Operand::Value(_), Operand::Value(_)) => return Err(no_key()),
            };
            let test = match op {
                Comparator::Eq => SortKeyCondition::Eq(value),
                Comparator::Lt => SortKeyCondition::Lt(value),
                Comparator::Le => SortKeyCondition::Le(value),
                Comparator::Gt => SortKeyCondition::Gt(value),
                Comparator::Ge => SortKeyCondition::Ge(value),
                Comparator::Ne => return Err(invalid_operator("<>")),
            };
            out.push((key_attribute(&path)?, test));
            Ok(())
        }
        Condition::Between { operand, low, high } => {
            let operands = [&operand, &low, &high];
            if operands.iter().any(|o| matches!(o, Operand::Size(_))) {
                return Err(nested());
            }
            match operands.iter().filter(|o| matches!(o, Operand::Path(_))).count() {
                0 => return Err(no_key()),
                1 => {}
                _ => return Err(multiple()),
            }
            match (operand, low, high) {
                (Operand::Path(path), Operand::Value(low), Operand::Value(high)) => {
                    out.push((key_attribute(&path)?, SortKeyCondition::Between(low, high)));
                    Ok(())
                }
                // `:a BETWEEN sk AND :b` names the key in a bound.
                _ => Err(ExprError::new(
                    "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand",
                )),
            }
        }
        Condition::BeginsWith(subject, prefix) => match (subject, prefix) {
            (Operand::Path(path), Operand::Value(value)) => {
                out.push((key_attribute(&path)?, SortKeyCondition::BeginsWith(value)));
                Ok(())
            }
            (Operand::Path(_), Operand::Path(_)) => Err(multiple()),
            (Operand::Path(_), Operand::Size(_)) => Err(nested()),
            // `begins_with(:v, sk)`, `begins_with(:v, :w)`.
            (Operand::Value(_) | Operand::Size(_), _) => Err(ExprError::new(
                "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand",
            )),
        },
    }
}

// ---------------------------------------------------------------------------------------
// Updates and projections: overlapping paths, values

/// Rejects overlapping (`a`, `a.b`) and conflicting (`a.b`, `a[0]`) paths.
///
/// DynamoDB walks the paths from the last written to the first and reports the path
/// that clashes as "path one" and the first path it walked (the last written) as "path
/// two" (for two paths, simply the other one).
pub(crate) fn no_overlaps(paths: &[&Path], kind: ExpressionKind) -> Checked<()> {
    let mut seen: Vec<&Path> = Vec::with_capacity(paths.len());
    for path in paths.iter().rev() {
        if let Some(how) = seen.iter().find_map(|earlier| PathClash::of(path, earlier)) {
            let two = seen.first().copied().unwrap_or(path);
            return Err(kind.error(how.message(path, two)));
        }
        seen.push(path);
    }
    Ok(())
}

/// Resolves the values of update actions (step 3, second half).
pub(crate) struct UpdateResolver<'p> {
    pub(crate) p: &'p Placeholders,
}

impl UpdateResolver<'_> {
    const KIND: ExpressionKind = ExpressionKind::Update;

    fn incorrect_operand(function: &str, value: &AttributeValue) -> ExprError {
        Self::KIND.error(format!(
            "Incorrect operand type for operator or function; operator or function: {function}, operand type: {}",
            value.attribute_type()
        ))
    }

    fn operand(&self, node: &Node) -> Checked<UpdateOperand> {
        match node {
            Node::Paren(inner) => self.operand(inner),
            Node::Path(path) => Ok(UpdateOperand::Path(resolve_path(path, self.p, Self::KIND)?)),
            Node::Value(placeholder) => {
                Ok(UpdateOperand::Value(resolve_value(placeholder, self.p, Self::KIND)?))
            }
            Node::Call(name, args) => {
                let args = args.iter().map(|arg| self.operand(arg)).collect::<Checked<Vec<_>>>()?;
                if args.len() != 2 {
                    return Err(Self::KIND.error(format!(
                        "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}",
                        args.len()
                    )));
                }
                let mut args = args.into_iter();
                let (Some(first), Some(second)) = (args.next(), args.next()) else {
                    return Err(Self::KIND.error("Syntax error; two operands were expected"));
                };
                if name == "if_not_exists" {
                    let UpdateOperand::Path(path) = first else {
                        return Err(Self::KIND.error(
                            "Operator or function requires a document path; operator or function: if_not_exists",
                        ));
                    };
                    return Ok(UpdateOperand::IfNotExists(path, Box::new(second)));
                }
                for operand in [&first, &second] {
                    if let UpdateOperand::Value(value) = operand {
                        if !matches!(value, AttributeValue::L(_)) {
                            return Err(Self::incorrect_operand("list_append", value));
                        }
                    }
                }
                Ok(UpdateOperand::ListAppend(Box::new(first), Box::new(second)))
            }
            _ => Err(Self::KIND.error("Syntax error; an operand was expected")),
        }
    }

    pub(crate) fn set_value(&self, node: &Node) -> Checked<SetValue> {
        match node {
            Node::Arith(l, op, r) => {
                let left = self.operand(l)?;
                let right = self.operand(r)?;
                let symbol = if *op == Arith::Plus { "+" } else { "-" };
                for operand in [&left, &right] {
                    if let UpdateOperand::Value(value) = operand {
                        if !matches!(value, AttributeValue::N(_)) {
                            return Err(Self::incorrect_operand(symbol, value));
                        }
                    }
                }
                Ok(if *op == Arith::Plus {
                    SetValue::Plus(left, right)
                } else {
                    SetValue::Minus(left, right)
                })
            }
            Node::Paren(inner) if matches!(inner.as_ref(), Node::Arith(..)) => {
                self.set_value(inner)
            }
            other => Ok(SetValue::Operand(self.operand(other)?)),
        }
    }

    /// The action, given its resolved path.
    pub(crate) fn action(&self, action: &RawAction, path: Path) -> Checked<UpdateAction> {
        Ok(match action {
            RawAction::Set(_, value) => UpdateAction::Set(path, self.set_value(value)?),
            RawAction::Remove(_) => UpdateAction::Remove(path),
            RawAction::Add(_, placeholder) => {
                let value = resolve_value(placeholder, self.p, Self::KIND)?;
                if let Some(message) = add_delete_operand_error(false, &value) {
                    return Err(Self::KIND.error(message));
                }
                UpdateAction::Add(path, value)
            }
            RawAction::Delete(_, placeholder) => {
                let value = resolve_value(placeholder, self.p, Self::KIND)?;
                if let Some(message) = add_delete_operand_error(true, &value) {
                    return Err(Self::KIND.error(message));
                }
                UpdateAction::Delete(path, value)
            }
        })
    }
}
