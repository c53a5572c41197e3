//! Rendering expression ASTs to DynamoDB's expression language.
//!
//! Every attribute name becomes a `#nN` placeholder and every value a `:vN` placeholder,
//! so user data never enters an expression string: reserved words, names with `#`, `:`,
//! `.`, `[`, spaces or any unicode are all safe.

use std::collections::HashMap;

use super::{
    Comparator, Condition, KeyCondition, Operand, Path, PathElement, SetValue, SortKeyCondition,
    UpdateAction, UpdateOperand,
};
use crate::value::{AttributeValue, Item};

/// Collects the placeholders of one request's expressions (condition, filter,
/// projection, key condition, update share one set of `ExpressionAttributeNames` /
/// `Values`).
///
/// ```
/// use singletable_core::expr::{Condition, Operand, Comparator, Path, render::Placeholders};
/// use singletable_core::AttributeValue;
///
/// let mut p = Placeholders::default();
/// let cond = Condition::AttributeNotExists(Path::attribute("PK")).or(Condition::Compare {
///     left: Operand::Path(Path::attribute("data").key("a.b")),
///     op: Comparator::Eq,
///     right: Operand::Value(AttributeValue::S("x".into())),
/// });
/// assert_eq!(p.condition(&cond), "(attribute_not_exists(#n0)) OR (#n1.#n2 = :v0)");
/// let (names, values) = p.into_parts();
/// assert_eq!(names["#n2"], "a.b");
/// assert_eq!(values[":v0"], AttributeValue::S("x".into()));
/// ```
#[derive(Debug, Default, Clone)]
pub struct Placeholders {
    by_name: HashMap<String, String>,
    names: HashMap<String, String>,
    values: Item,
}

impl Placeholders {
    /// The placeholder of an attribute name (one per distinct name).
    pub fn name(&mut self, name: &str) -> String {
        if let Some(placeholder) = self.by_name.get(name) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.by_name.len());
        self.by_name.insert(name.to_owned(), placeholder.clone());
        self.names.insert(placeholder.clone(), name.to_owned());
        placeholder
    }

    /// A new placeholder for a value.
    pub fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    /// A document path: `#n0.#n1[3]`.
    pub fn path(&mut self, path: &Path) -> String {
        let mut out = String::new();
        for element in &path.elements {
            match element {
                PathElement::Attribute(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(&self.name(name));
                }
                PathElement::Index(index) => {
                    out.push('[');
                    out.push_str(&index.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// A projection expression: paths separated by commas.
    pub fn projection(&mut self, paths: &[Path]) -> String {
        paths.iter().map(|p| self.path(p)).collect::<Vec<_>>().join(", ")
    }

    fn operand(&mut self, operand: &Operand) -> String {
        match operand {
            Operand::Path(path) => self.path(path),
            Operand::Value(value) => self.value(value.clone()),
            Operand::Size(path) => format!("size({})", self.path(path)),
        }
    }

    /// A condition or filter expression.
    pub fn condition(&mut self, condition: &Condition) -> String {
        match condition {
            Condition::Compare { left, op, right } => {
                let left = self.operand(left);
                let right = self.operand(right);
                format!("{left} {} {right}", comparator(*op))
            }
            Condition::Between { operand, low, high } => {
                let operand = self.operand(operand);
                let low = self.operand(low);
                let high = self.operand(high);
                format!("{operand} BETWEEN {low} AND {high}")
            }
            Condition::In { operand, list } => {
                let operand = self.operand(operand);
                let list: Vec<String> = list.iter().map(|o| self.operand(o)).collect();
                format!("{operand} IN ({})", list.join(", "))
            }
            Condition::AttributeExists(path) => format!("attribute_exists({})", self.path(path)),
            Condition::AttributeNotExists(path) => {
                format!("attribute_not_exists({})", self.path(path))
            }
            Condition::AttributeType(subject, ty) => {
                let subject = self.operand(subject);
                let ty = self.value(AttributeValue::S(ty.as_str().to_owned()));
                format!("attribute_type({subject}, {ty})")
            }
            Condition::BeginsWith(subject, operand) => {
                let subject = self.operand(subject);
                let operand = self.operand(operand);
                format!("begins_with({subject}, {operand})")
            }
            Condition::Contains(subject, operand) => {
                let subject = self.operand(subject);
                let operand = self.operand(operand);
                format!("contains({subject}, {operand})")
            }
            Condition::And(left, right) => {
                let left = self.condition(left);
                let right = self.condition(right);
                format!("({left}) AND ({right})")
            }
            Condition::Or(left, right) => {
                let left = self.condition(left);
                let right = self.condition(right);
                format!("({left}) OR ({right})")
            }
            Condition::Not(inner) => format!("NOT ({})", self.condition(inner)),
        }
    }

    /// A key condition expression: equality on each partition attribute, then the sort
    /// conditions, joined by `AND`: `#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2`,
    /// `#n0 = :v0 AND begins_with(#n1, :v1)`.
    ///
    /// ```
    /// use singletable_core::expr::{render::Placeholders, KeyCondition, SortKeyCondition};
    /// use singletable_core::AttributeValue;
    ///
    /// let mut p = Placeholders::default();
    /// let condition = KeyCondition {
    ///     partition: vec![("PK".to_owned(), AttributeValue::S("USER#1".into()))],
    ///     sort: vec![("SK".to_owned(), SortKeyCondition::BeginsWith(AttributeValue::S("ORDER#".into())))],
    /// };
    /// assert_eq!(p.key_condition(&condition), "#n0 = :v0 AND begins_with(#n1, :v1)");
    /// ```
    pub fn key_condition(&mut self, condition: &KeyCondition) -> String {
        let mut parts = Vec::with_capacity(condition.partition.len() + condition.sort.len());
        for (name, value) in &condition.partition {
            let name = self.name(name);
            let value = self.value(value.clone());
            parts.push(format!("{name} = {value}"));
        }
        for (name, test) in &condition.sort {
            let name = self.name(name);
            let mut compare = |op: &str, value: &crate::value::AttributeValue| {
                let value = self.value(value.clone());
                format!("{name} {op} {value}")
            };
            let part = match test {
                SortKeyCondition::Eq(v) => compare("=", v),
                SortKeyCondition::Lt(v) => compare("<", v),
                SortKeyCondition::Le(v) => compare("<=", v),
                SortKeyCondition::Gt(v) => compare(">", v),
                SortKeyCondition::Ge(v) => compare(">=", v),
                SortKeyCondition::Between(low, high) => {
                    let low = self.value(low.clone());
                    let high = self.value(high.clone());
                    format!("{name} BETWEEN {low} AND {high}")
                }
                SortKeyCondition::BeginsWith(prefix) => {
                    let prefix = self.value(prefix.clone());
                    format!("begins_with({name}, {prefix})")
                }
            };
            parts.push(part);
        }
        parts.join(" AND ")
    }

    fn update_operand(&mut self, operand: &UpdateOperand) -> String {
        match operand {
            UpdateOperand::Path(path) => self.path(path),
            UpdateOperand::Value(value) => self.value(value.clone()),
            UpdateOperand::IfNotExists(path, fallback) => {
                let path = self.path(path);
                let fallback = self.update_operand(fallback);
                format!("if_not_exists({path}, {fallback})")
            }
            UpdateOperand::ListAppend(first, second) => {
                let first = self.update_operand(first);
                let second = self.update_operand(second);
                format!("list_append({first}, {second})")
            }
        }
    }

    /// An update expression: the actions grouped into `SET`, `REMOVE`, `ADD` and
    /// `DELETE` clauses, in that order (each clause lists its actions in the given order);
    /// an empty string for no actions.
    ///
    /// ```
    /// use singletable_core::expr::{render::Placeholders, Path, SetValue, UpdateAction, UpdateOperand};
    /// use singletable_core::{AttributeValue, Number};
    ///
    /// let mut p = Placeholders::default();
    /// let one = AttributeValue::N(Number::from(1u8));
    /// let actions = [
    ///     UpdateAction::Add(Path::attribute("views"), one.clone()),
    ///     UpdateAction::Set(
    ///         Path::attribute("version"),
    ///         SetValue::Plus(UpdateOperand::Path(Path::attribute("version")), UpdateOperand::Value(one)),
    ///     ),
    ///     UpdateAction::Remove(Path::attribute("draft")),
    /// ];
    /// assert_eq!(p.update(&actions), "SET #n1 = #n1 + :v1 REMOVE #n2 ADD #n0 :v0");
    /// ```
    pub fn update(&mut self, actions: &[UpdateAction]) -> String {
        let mut clauses: [Vec<String>; 4] = Default::default();
        for action in actions {
            match action {
                UpdateAction::Set(path, value) => {
                    let path = self.path(path);
                    let value = match value {
                        SetValue::Operand(operand) => self.update_operand(operand),
                        SetValue::Plus(left, right) => {
                            let left = self.update_operand(left);
                            let right = self.update_operand(right);
                            format!("{left} + {right}")
                        }
                        SetValue::Minus(left, right) => {
                            let left = self.update_operand(left);
                            let right = self.update_operand(right);
                            format!("{left} - {right}")
                        }
                    };
                    clauses[0].push(format!("{path} = {value}"));
                }
                UpdateAction::Remove(path) => {
                    let path = self.path(path);
                    clauses[1].push(path);
                }
                UpdateAction::Add(path, value) => {
                    let path = self.path(path);
                    let value = self.value(value.clone());
                    clauses[2].push(format!("{path} {value}"));
                }
                UpdateAction::Delete(path, value) => {
                    let path = self.path(path);
                    let value = self.value(value.clone());
                    clauses[3].push(format!("{path} {value}"));
                }
            }
        }
        ["SET", "REMOVE", "ADD", "DELETE"]
            .iter()
            .zip(&clauses)
            .filter(|(_, parts)| !parts.is_empty())
            .map(|(keyword, parts)| format!("{keyword} {}", parts.join(", ")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// True when no placeholder was handed out.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.values.is_empty()
    }

    /// `ExpressionAttributeNames` (`#nN` → name) and `ExpressionAttributeValues`
    /// (`:vN` → value).
    pub fn into_parts(self) -> (HashMap<String, String>, Item) {
        (self.names, self.values)
    }
}

fn comparator(op: Comparator) -> &'static str {
    match op {
        Comparator::Eq => "=",
        Comparator::Ne => "<>",
        Comparator::Lt => "<",
        Comparator::Le => "<=",
        Comparator::Gt => ">",
        Comparator::Ge => ">=",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::AttributeType;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    #[test]
    fn every_name_and_value_is_a_placeholder() {
        let mut p = Placeholders::default();
        let cond = Condition::Between {
            operand: Operand::Path(Path::attribute("data").index(2).key("size")),
            low: Operand::Value(s("a")),
            high: Operand::Value(s("z")),
        }
        .and(Condition::In {
            operand: Operand::Size(Path::attribute("my name#:.[x]")),
            list: vec![Operand::Value(s("1")), Operand::Path(Path::attribute("data"))],
        })
        .and(Condition::attribute_type(Path::attribute("data"), AttributeType::Ss).not());
        assert_eq!(
            p.condition(&cond),
            "((#n0[2].#n1 BETWEEN :v0 AND :v1) AND (size(#n2) IN (:v2, #n0))) \
             AND (NOT (attribute_type(#n0, :v3)))"
        );
        let (names, values) = p.into_parts();
        assert_eq!(names.len(), 3);
        assert_eq!(names["#n0"], "data");
        assert_eq!(names["#n1"], "size");
        assert_eq!(names["#n2"], "my name#:.[x]");
        assert_eq!(values.len(), 4);
        assert_eq!(values[":v3"], s("SS"));
    }

    #[test]
    fn functions_and_comparators() {
        let mut p = Placeholders::default();
        let pk = || Path::attribute("PK");
        let rendered: Vec<String> = [
            Condition::begins_with(pk(), s("USER#")),
            Condition::contains(pk(), s("x")),
            Condition::AttributeExists(pk()),
            Condition::Compare {
                left: Operand::Path(pk()),
                op: Comparator::Ne,
                right: Operand::Value(s("a")),
            },
            Condition::Compare {
                left: Operand::Path(pk()),
                op: Comparator::Ge,
                right: Operand::Value(s("b")),
            },
        ]
        .iter()
        .map(|c| p.condition(c))
        .collect();
        assert_eq!(
            rendered,
            [
                "begins_with(#n0, :v0)",
                "contains(#n0, :v1)",
                "attribute_exists(#n0)",
                "#n0 <> :v2",
                "#n0 >= :v3"
            ]
        );
        assert_eq!(p.projection(&[pk(), Path::attribute("a").index(0)]), "#n0, #n1[0]");
    }

    #[test]
    fn functions_of_literals_and_sizes_use_placeholders_only() {
        let mut p = Placeholders::default();
        let rendered: Vec<String> = [
            Condition::contains(s("hello"), Path::attribute("part")),
            Condition::contains(Operand::Size(Path::attribute("tags")), s("x")),
            Condition::begins_with(s("USER#1"), Path::attribute("prefix")),
            Condition::attribute_type(s("a"), AttributeType::S),
            Condition::attribute_type(Operand::Size(Path::attribute("tags")), AttributeType::N),
        ]
        .iter()
        .map(|c| p.condition(c))
        .collect();
        assert_eq!(
            rendered,
            [
                "contains(:v0, #n0)",
                "contains(size(#n1), :v1)",
                "begins_with(:v2, #n2)",
                "attribute_type(:v3, :v4)",
                "attribute_type(size(#n1), :v5)",
            ]
        );
        let (names, values) = p.into_parts();
        assert_eq!(names["#n0"], "part");
        assert_eq!(values[":v0"], s("hello"));
        assert_eq!(values[":v2"], s("USER#1"));
        assert_eq!(values[":v4"], s("S"));
        assert_eq!(values[":v5"], s("N"));
    }

    fn n(v: u8) -> AttributeValue {
        AttributeValue::N(crate::Number::from(v))
    }

    #[test]
    fn key_conditions_cover_every_operator() {
        let key = |sort: Vec<(&str, SortKeyCondition)>| KeyCondition {
            partition: vec![("PK".to_owned(), s("p")), ("region".to_owned(), s("r"))],
            sort: sort.into_iter().map(|(name, test)| (name.to_owned(), test)).collect(),
        };
        let cases = [
            (vec![], "#n0 = :v0 AND #n1 = :v1"),
            (vec![("SK", SortKeyCondition::Eq(n(1)))], "#n0 = :v0 AND #n1 = :v1 AND #n2 = :v2"),
            (vec![("SK", SortKeyCondition::Lt(n(1)))], "#n0 = :v0 AND #n1 = :v1 AND #n2 < :v2"),
            (vec![("SK", SortKeyCondition::Le(n(1)))], "#n0 = :v0 AND #n1 = :v1 AND #n2 <= :v2"),
            (vec![("SK", SortKeyCondition::Gt(n(1)))], "#n0 = :v0 AND #n1 = :v1 AND #n2 > :v2"),
            (vec![("SK", SortKeyCondition::Ge(n(1)))], "#n0 = :v0 AND #n1 = :v1 AND #n2 >= :v2"),
            (
                vec![("SK", SortKeyCondition::Between(n(1), n(2)))],
                "#n0 = :v0 AND #n1 = :v1 AND #n2 BETWEEN :v2 AND :v3",
            ),
            (
                vec![
                    ("a", SortKeyCondition::Eq(n(1))),
                    ("b", SortKeyCondition::BeginsWith(s("x"))),
                ],
                "#n0 = :v0 AND #n1 = :v1 AND #n2 = :v2 AND begins_with(#n3, :v3)",
            ),
        ];
        for (sort, expected) in cases {
            let mut p = Placeholders::default();
            assert_eq!(p.key_condition(&key(sort)), expected);
            let (names, values) = p.into_parts();
            assert_eq!(names["#n0"], "PK");
            assert_eq!(values[":v0"], s("p"));
        }
    }

    #[test]
    fn updates_group_their_clauses() {
        let mut p = Placeholders::default();
        let actions = [
            UpdateAction::Delete(Path::attribute("tags"), AttributeValue::Ss(vec!["a".into()])),
            UpdateAction::Set(
                Path::attribute("list"),
                SetValue::Operand(UpdateOperand::ListAppend(
                    Box::new(UpdateOperand::IfNotExists(
                        Path::attribute("list"),
                        Box::new(UpdateOperand::Value(AttributeValue::L(vec![]))),
                    )),
                    Box::new(UpdateOperand::Value(AttributeValue::L(vec![n(1)]))),
                )),
            ),
            UpdateAction::Remove(Path::attribute("m").key("a.b").index(2)),
            UpdateAction::Set(
                Path::attribute("count"),
                SetValue::Minus(
                    UpdateOperand::Path(Path::attribute("count")),
                    UpdateOperand::Value(n(1)),
                ),
            ),
            UpdateAction::Add(Path::attribute("tags"), AttributeValue::Ss(vec!["b".into()])),
            UpdateAction::Remove(Path::attribute("gone")),
            UpdateAction::Set(
                Path::attribute("copy"),
                SetValue::Operand(UpdateOperand::Path(Path::attribute("count"))),
            ),
        ];
        assert_eq!(
            p.update(&actions),
            "SET #n1 = list_append(if_not_exists(#n1, :v1), :v2), #n4 = #n4 - :v3, #n6 = #n4 \
             REMOVE #n2.#n3[2], #n5 ADD #n0 :v4 DELETE #n0 :v0"
        );
        let (names, values) = p.into_parts();
        assert_eq!(names["#n3"], "a.b");
        assert_eq!(values.len(), 5);
        assert_eq!(Placeholders::default().update(&[]), "");
    }
}
