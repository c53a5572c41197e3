//! DynamoDB's expression language: key conditions, conditions and filters, update
//! expressions and projections, parsed into the engine's ASTs.
//!
//! Each request's `ExpressionAttributeNames` / `ExpressionAttributeValues` go into one
//! [`Placeholders`]; every expression of the request is parsed against it; then
//! [`Placeholders::check_all_used`] reports the placeholders no expression used. Errors
//! are [`ExprError`]s carrying DynamoDB's `ValidationException` message, word for word
//! where DynamoDB Local (whose expression code is DynamoDB's) shows it: syntax errors with
//! the offending token and the text near it, undefined and unused placeholders, bare
//! reserved words, redundant parentheses, invalid or misplaced functions, operand types
//! that are wrong before any item is read, overlapping update paths, repeated update
//! clauses, the 4 KB expression size, 300 operators, 32 path levels and 100 IN operands.
//!
//! ```
//! use std::collections::HashMap;
//! use singletable_core::AttributeValue;
//! use singletable_server::expr::{parse_condition, ExpressionKind, Placeholders};
//!
//! let names = HashMap::from([("#s".to_owned(), "status".to_owned())]);
//! let values = HashMap::from([(":v".to_owned(), AttributeValue::S("open".into()))]);
//! let p = Placeholders::new(names, values);
//! let condition = parse_condition("#s = :v AND attribute_exists(pk)", ExpressionKind::Condition, &p);
//! assert!(condition.is_ok());
//! assert!(p.check_all_used().is_ok());
//!
//! let error = parse_condition("name = :v", ExpressionKind::Filter, &p).unwrap_err();
//! assert_eq!(
//!     error.message,
//!     "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: name"
//! );
//! ```
//!
//! # Every form DynamoDB accepts
//!
//! Whatever DynamoDB accepts parses into a [`Condition`], including the rarer forms whose
//! first operand is not a document path: `contains(:v, a)` (is the attribute a part of
//! the literal?), `contains(size(a), :v)` (always false: a number contains nothing),
//! `begins_with(:v, a)` (does the literal start with the attribute?) and
//! `attribute_type(:v, :t)` / `attribute_type(size(a), :t)` (the literal's type; N for a
//! size). `size(:v)` of a literal is folded into the number it is.
//!
//! ```
//! use std::collections::HashMap;
//! use singletable_core::expr::{Condition, Operand, Path};
//! use singletable_core::AttributeValue;
//! use singletable_server::expr::{parse_condition, ExpressionKind, Placeholders};
//!
//! // Is the item's `role` one of these words? (`role` is a reserved word: `#r`.)
//! let words = AttributeValue::Ss(vec!["admin".into(), "owner".into()]);
//! let names = HashMap::from([("#r".to_owned(), "role".to_owned())]);
//! let p = Placeholders::new(names, HashMap::from([(":roles".to_owned(), words.clone())]));
//! let condition = parse_condition("contains(:roles, #r)", ExpressionKind::Condition, &p);
//! assert_eq!(
//!     condition,
//!     Ok(Condition::Contains(Operand::Value(words), Operand::Path(Path::attribute("role"))))
//! );
//! ```
//!
//! The parser is a hand-written lexer and recursive-descent parser (no parser crate):
//! DynamoDB's syntax errors name single-character tokens and quote the source between
//! the tokens around the error, which a hand-written lexer reproduces exactly.

mod check;
mod lexer;
mod reserved;
mod syntax;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Mutex, PoisonError};

use singletable_core::expr::{Condition, Path, SortKeyCondition, UpdateAction};
use singletable_core::AttributeValue;

use check::{ConditionResolver, UpdateResolver};
use syntax::{RawAction, Section};

pub use singletable_core::expr::rules::{ExpressionKind, MAX_EXPRESSION_SIZE};

/// A `ValidationException` for an expression: DynamoDB's full message, e.g.
/// `Invalid ConditionExpression: Syntax error; token: "x", near: "a x"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    /// The message, as DynamoDB words it (including the `Invalid …Expression: ` prefix
    /// where DynamoDB has one).
    pub message: String,
}

impl ExprError {
    fn new(message: impl Into<String>) -> Self {
        ExprError { message: message.into() }
    }
}

/// The parser's errors of an [`ExpressionKind`]: DynamoDB's `Invalid <parameter>: …`
/// messages (the wording is core's [`ExpressionKind::message`]).
pub(crate) trait KindErrors: Copy {
    /// `Invalid <parameter>: <message>`.
    fn error(self, message: impl fmt::Display) -> ExprError;

    /// The checks every expression starts with: not empty, at most 4 KB.
    fn check_size(self, text: &str) -> Result<(), ExprError>;
}

impl KindErrors for ExpressionKind {
    fn error(self, message: impl fmt::Display) -> ExprError {
        ExprError::new(self.message(message))
    }

    fn check_size(self, text: &str) -> Result<(), ExprError> {
        if text.is_empty() {
            return Err(self.error("The expression can not be empty;"));
        }
        let size = text.encode_utf16().count();
        if size > MAX_EXPRESSION_SIZE {
            // DynamoDB gives the size for conditions, filters and key conditions only.
            return Err(match self {
                ExpressionKind::Update | ExpressionKind::Projection => {
                    self.error("Expression size has exceeded the maximum allowed size;")
                }
                _ => self.error(format!(
                    "Expression size has exceeded the maximum allowed size; expression size: {size}"
                )),
            });
        }
        Ok(())
    }
}

/// `ExpressionAttributeNames` / `ExpressionAttributeValues` of one request, tracking which
/// were used.
#[derive(Debug, Default)]
pub struct Placeholders {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    used_names: Mutex<BTreeSet<String>>,
    used_values: Mutex<BTreeSet<String>>,
}

impl Placeholders {
    /// The request's maps (`#name` → attribute name, `:value` → value).
    pub fn new(names: HashMap<String, String>, values: HashMap<String, AttributeValue>) -> Self {
        Placeholders { names, values, used_names: Mutex::default(), used_values: Mutex::default() }
    }

    /// The attribute name of `#placeholder`, marking it used.
    fn name(&self, placeholder: &str) -> Option<String> {
        let name = self.names.get(placeholder)?.clone();
        self.used_names
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(placeholder.to_owned());
        Some(name)
    }

    /// The value of `:placeholder`, marking it used.
    fn value(&self, placeholder: &str) -> Option<AttributeValue> {
        let value = self.values.get(placeholder)?.clone();
        self.used_values
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(placeholder.to_owned());
        Some(value)
    }

    /// Before parsing: every key is a well-formed placeholder (`#` or `:` followed by
    /// letters, digits or `_`) and no name is empty, with DynamoDB's messages
    /// (`ExpressionAttributeNames contains invalid key: Syntax error; key: "#v-1"`,
    /// `ExpressionAttributeNames contains invalid value: Empty attribute name for key #a`,
    /// `ExpressionAttributeValues contains invalid key: …`). DynamoDB makes these checks
    /// before it looks at the expressions.
    pub fn check_keys(&self) -> Result<(), ExprError> {
        fn well_formed(key: &str, sigil: char) -> bool {
            key.strip_prefix(sigil).is_some_and(|rest| {
                !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        }
        fn java_order<'a>(keys: impl Iterator<Item = &'a String>, len: usize) -> Vec<&'a str> {
            let buckets = java_hash_set_capacity(len) - 1;
            let mut keys: Vec<&str> = keys.map(String::as_str).collect();
            keys.sort_unstable_by_key(|key| (java_spread_hash(key) & buckets, *key));
            keys
        }
        for key in java_order(self.names.keys(), self.names.len()) {
            if !well_formed(key, '#') {
                return Err(ExprError::new(format!(
                    "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{key}\""
                )));
            }
            if self.names.get(key).is_some_and(String::is_empty) {
                return Err(ExprError::new(format!(
                    "ExpressionAttributeNames contains invalid value: Empty attribute name for key {key}"
                )));
            }
        }
        for key in java_order(self.values.keys(), self.values.len()) {
            if !well_formed(key, ':') {
                return Err(ExprError::new(format!(
                    "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{key}\""
                )));
            }
        }
        Ok(())
    }

    /// After parsing every expression of the request: DynamoDB's errors for unused names
    /// and values (`Value provided in ExpressionAttributeNames unused in expressions:
    /// keys: {#a}`, then the same for values).
    ///
    /// Several keys are listed in the order DynamoDB's Java `HashSet` iterates them (by
    /// hash bucket: `{#zz, #m, #a}`, `{#a_b1, #1}`); keys that share a bucket, which
    /// DynamoDB lists in request order, are listed in sorted order.
    pub fn check_all_used(&self) -> Result<(), ExprError> {
        fn unused<V>(
            map: &HashMap<String, V>,
            used: &Mutex<BTreeSet<String>>,
            parameter: &str,
        ) -> Result<(), ExprError> {
            let used = used.lock().unwrap_or_else(PoisonError::into_inner);
            let mut keys: Vec<&str> =
                map.keys().filter(|key| !used.contains(*key)).map(String::as_str).collect();
            if keys.is_empty() {
                return Ok(());
            }
            let buckets = java_hash_set_capacity(map.len()) - 1;
            keys.sort_unstable_by_key(|key| (java_spread_hash(key) & buckets, *key));
            Err(ExprError::new(format!(
                "Value provided in {parameter} unused in expressions: keys: {{{}}}",
                keys.join(", ")
            )))
        }
        unused(&self.names, &self.used_names, "ExpressionAttributeNames")?;
        unused(&self.values, &self.used_values, "ExpressionAttributeValues")
    }
}

/// Java's `String.hashCode` spread as `HashMap` spreads it (`h ^ (h >>> 16)`).
fn java_spread_hash(key: &str) -> u32 {
    let hash =
        key.encode_utf16().fold(0u32, |h, unit| h.wrapping_mul(31).wrapping_add(u32::from(unit)));
    hash ^ (hash >> 16)
}

/// The table size of a Java `HashSet` holding `len` keys: 16, doubled while more than
/// three quarters full.
fn java_hash_set_capacity(len: usize) -> u32 {
    let mut capacity: u32 = 16;
    while len.saturating_mul(4) > (capacity as usize).saturating_mul(3) && capacity < 1 << 30 {
        capacity *= 2;
    }
    capacity
}

/// Parses a `ConditionExpression` or `FilterExpression` (`kind` names it in messages).
pub fn parse_condition(
    text: &str,
    kind: ExpressionKind,
    p: &Placeholders,
) -> Result<Condition, ExprError> {
    kind.check_size(text)?;
    with_stack(text, kind, || condition(text, kind, p))
}

fn condition(text: &str, kind: ExpressionKind, p: &Placeholders) -> Result<Condition, ExprError> {
    let (node, operators) = syntax::condition(text, kind)?;
    check::redundant_parentheses(&node, kind)?;
    check::lint_condition(&node, kind)?;
    let condition = ConditionResolver { p, kind }.condition(&node)?;
    // DynamoDB counts operators after resolving placeholders and checking operands.
    syntax::too_many_operators(operators, kind)?;
    Ok(condition)
}

/// Parses a `KeyConditionExpression`: a conjunction of per-attribute tests, in the order
/// written (`:v < sk` comes back as `sk > :v`); the server matches them to the key
/// schema (missing partition key, gaps, types, one condition per key).
pub fn parse_key_condition(
    text: &str,
    p: &Placeholders,
) -> Result<Vec<(String, SortKeyCondition)>, ExprError> {
    let kind = ExpressionKind::KeyCondition;
    kind.check_size(text)?;
    with_stack(text, kind, || key_condition(text, p))
}

fn key_condition(
    text: &str,
    p: &Placeholders,
) -> Result<Vec<(String, SortKeyCondition)>, ExprError> {
    let kind = ExpressionKind::KeyCondition;
    let (node, operators) = syntax::condition(text, kind)?;
    check::redundant_parentheses(&node, kind)?;
    check::lint_condition(&node, kind)?;
    let condition = ConditionResolver { p, kind }.condition(&node)?;
    syntax::too_many_operators(operators, kind)?;
    let mut parts = Vec::new();
    check::key_parts(condition, &mut parts)?;
    Ok(parts)
}

/// Parses an `UpdateExpression` into its actions, in the order written.
pub fn parse_update(text: &str, p: &Placeholders) -> Result<Vec<UpdateAction>, ExprError> {
    let kind = ExpressionKind::Update;
    kind.check_size(text)?;
    with_stack(text, kind, || update(text, p))
}

fn update(text: &str, p: &Placeholders) -> Result<Vec<UpdateAction>, ExprError> {
    let kind = ExpressionKind::Update;
    let (sections, operators) = syntax::update(text)?;
    let mut seen: Vec<Section> = Vec::with_capacity(4);
    for (section, _) in &sections {
        if seen.contains(section) {
            return Err(kind.error(format!(
                "The \"{}\" section can only be used once in an update expression;",
                section.keyword()
            )));
        }
        seen.push(*section);
    }
    for (_, actions) in &sections {
        for action in actions {
            if let RawAction::Set(_, value) = action {
                check::redundant_parentheses(value, kind)?;
            }
        }
    }
    check::lint_update(&sections)?;
    let actions: Vec<&RawAction> = sections.iter().flat_map(|(_, actions)| actions).collect();
    // The action paths, last written first; then their overlaps; then the values, last
    // written first (DynamoDB's order of errors).
    let mut paths: Vec<Option<Path>> = vec![None; actions.len()];
    for (slot, action) in paths.iter_mut().zip(&actions).rev() {
        *slot = Some(check::resolve_path(action.path(), p, kind)?);
    }
    let paths: Vec<Path> = paths.into_iter().flatten().collect();
    check::no_overlaps(&paths.iter().collect::<Vec<_>>(), kind)?;
    let resolver = UpdateResolver { p };
    let mut resolved: Vec<Option<UpdateAction>> = vec![None; actions.len()];
    for ((slot, action), path) in resolved.iter_mut().zip(&actions).zip(paths).rev() {
        *slot = Some(resolver.action(action, path)?);
    }
    syntax::too_many_operators(operators, kind)?;
    Ok(resolved.into_iter().flatten().collect())
}

/// Parses a `ProjectionExpression` into its paths, in the order written.
pub fn parse_projection(text: &str, p: &Placeholders) -> Result<Vec<Path>, ExprError> {
    let kind = ExpressionKind::Projection;
    kind.check_size(text)?;
    let raw = syntax::projection(text)?;
    for path in &raw {
        check::lint_path(path, kind)?;
    }
    let paths =
        raw.iter().map(|path| check::resolve_path(path, p, kind)).collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&Path> = paths.iter().collect();
    check::no_overlaps(&refs, kind)?;
    Ok(paths)
}

/// Expressions longer than this, or with parentheses nested deeper than
/// [`SHALLOW_NESTING`], are parsed on a thread of their own with a large stack: the parser
/// and its checks recurse once per level of parentheses or operators, and DynamoDB allows
/// about 300 levels (one operator each), more than a 2 MB thread stack holds in a debug
/// build. Shorter expressions cannot nest deeper than about 130 levels.
const SHORT_EXPRESSION: usize = 512;
/// See [`SHORT_EXPRESSION`].
const SHALLOW_NESTING: usize = 32;
/// The stack of that thread (reserved address space; only the pages used are touched).
const DEEP_STACK: usize = 64 * 1024 * 1024;

/// Runs `parse` here, or on a large-stack thread when `text` nests deeply.
fn with_stack<T: Send>(
    text: &str,
    kind: ExpressionKind,
    parse: impl FnOnce() -> Result<T, ExprError> + Send,
) -> Result<T, ExprError> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for c in text.chars() {
        match c {
            '(' | '[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest <= SHALLOW_NESTING && text.len() <= SHORT_EXPRESSION {
        return parse();
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("expression-parser".into())
            .stack_size(DEEP_STACK)
            .spawn_scoped(scope, parse)
            .map_err(|e| kind.error(format!("The expression is nested too deeply to parse: {e}")))?
            .join()
            .unwrap_or_else(|_| Err(kind.error("The expression could not be parsed")))
    })
}

#[cfg(test)]
mod tests;
