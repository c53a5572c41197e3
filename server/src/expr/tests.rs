//! Unit tests of the parser; the corpus checked against DynamoDB Local is in
//! `server/tests/expr_vs_local.rs`.

use std::collections::HashMap;

use singletable_core::expr::{
    Comparator, Condition, Operand, Path, SetValue, SortKeyCondition, UpdateAction, UpdateOperand,
};
use singletable_core::{AttributeType, AttributeValue, Number};

use super::*;

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(Number::from(value))
}

fn placeholders() -> Placeholders {
    Placeholders::new(
        HashMap::from([("#a".to_owned(), "a.b".to_owned()), ("#n".to_owned(), "name".to_owned())]),
        HashMap::from([
            (":s".to_owned(), s("x")),
            (":n".to_owned(), n(1)),
            (":t".to_owned(), s("SS")),
            (":l".to_owned(), AttributeValue::L(vec![n(1)])),
        ]),
    )
}

fn condition(text: &str) -> Result<Condition, String> {
    parse_condition(text, ExpressionKind::Condition, &placeholders()).map_err(|e| e.message)
}

fn path(name: &str) -> Path {
    Path::attribute(name)
}

#[test]
fn precedence_is_not_then_and_then_or() {
    let a = || Condition::Compare {
        left: Operand::Path(path("a")),
        op: Comparator::Eq,
        right: Operand::Value(s("x")),
    };
    let b = || Condition::AttributeExists(path("b"));
    let c = || Condition::Compare {
        left: Operand::Size(path("c")),
        op: Comparator::Gt,
        right: Operand::Value(n(1)),
    };
    assert_eq!(
        condition("a = :s or attribute_exists(b) AND NOT size(c) > :n"),
        Ok(a().or(b().and(c().not())))
    );
    assert_eq!(
        condition("(a = :s OR attribute_exists(b)) AND size(c) > :n"),
        Ok(a().or(b()).and(c()))
    );
    assert_eq!(condition("NOT NOT a = :s"), Ok(a().not().not()));
}

#[test]
fn paths_placeholders_and_functions() {
    let nested = Path {
        elements: vec![
            singletable_core::expr::PathElement::Attribute("a.b".into()),
            singletable_core::expr::PathElement::Index(3),
            singletable_core::expr::PathElement::Attribute("name".into()),
        ],
    };
    assert_eq!(
        condition("attribute_type(#a[3].#n, :t)"),
        Ok(Condition::attribute_type(nested, AttributeType::Ss))
    );
    assert_eq!(
        condition("x BETWEEN :n AND size(y)"),
        Ok(Condition::Between {
            operand: Operand::Path(path("x")),
            low: Operand::Value(n(1)),
            high: Operand::Size(path("y")),
        })
    );
    assert_eq!(
        condition("size(:s) = :n"),
        Ok(Condition::Compare {
            left: Operand::Value(n(1)),
            op: Comparator::Eq,
            right: Operand::Value(n(1))
        })
    );
    assert_eq!(
        condition("x IN (:s, y)"),
        Ok(Condition::In {
            operand: Operand::Path(path("x")),
            list: vec![Operand::Value(s("x")), Operand::Path(path("y"))],
        })
    );
    assert_eq!(
        condition("contains(x, :s)"),
        Ok(Condition::contains(path("x"), Operand::Value(s("x"))))
    );
}

#[test]
fn errors_name_the_expression_and_the_fault() {
    let p = placeholders();
    let filter = parse_condition("a x", ExpressionKind::Filter, &p).map_err(|e| e.message);
    assert_eq!(
        filter,
        Err("Invalid FilterExpression: Syntax error; token: \"x\", near: \"a x\"".into())
    );
    assert_eq!(
        condition("begins_with(a, :n)"),
        Err("Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N".into())
    );
    assert_eq!(
        condition("a = :zz"),
        Err("Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :zz".into())
    );
    assert_eq!(
        condition("#zz = :s"),
        Err("Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #zz".into())
    );
    assert_eq!(
        condition("(a) = :s AND ((b = :s))"),
        Err("Invalid ConditionExpression: The expression has redundant parentheses;".into())
    );
    assert_eq!(
        condition(""),
        Err("Invalid ConditionExpression: The expression can not be empty;".into())
    );
}

#[test]
fn unused_placeholders_are_reported_names_first() {
    let p = placeholders();
    assert!(parse_condition("a = :s", ExpressionKind::Condition, &p).is_ok());
    assert_eq!(
        p.check_all_used().map_err(|e| e.message),
        Err("Value provided in ExpressionAttributeNames unused in expressions: keys: {#n, #a}"
            .into())
    );
    assert!(parse_projection("#a, #n", &p).is_ok());
    assert_eq!(
        p.check_all_used().map_err(|e| e.message),
        Err(
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:l, :n, :t}"
                .into()
        )
    );
    assert!(parse_update("SET a = list_append(:l, :l), b = :n + :n, c = :t", &p).is_ok());
    assert_eq!(p.check_all_used(), Ok(()));
}

#[test]
fn updates_keep_the_written_order() {
    let p = placeholders();
    let actions =
        parse_update("REMOVE x[1] set y = if_not_exists(y, :n) - :n, z = (w) ADD v :n", &p);
    assert_eq!(
        actions,
        Ok(vec![
            UpdateAction::Remove(path("x").index(1)),
            UpdateAction::Set(
                path("y"),
                SetValue::Minus(
                    UpdateOperand::IfNotExists(path("y"), Box::new(UpdateOperand::Value(n(1)))),
                    UpdateOperand::Value(n(1)),
                ),
            ),
            UpdateAction::Set(path("z"), SetValue::Operand(UpdateOperand::Path(path("w")))),
            UpdateAction::Add(path("v"), n(1)),
        ])
    );
    assert_eq!(
        parse_update("SET a = :s REMOVE a.b", &p).map_err(|e| e.message),
        Err("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]".into())
    );
}

#[test]
fn key_conditions_flip_swapped_operands() {
    let p = placeholders();
    assert_eq!(
        parse_key_condition("pk = :s AND :n < sk", &p),
        Ok(vec![
            ("pk".to_owned(), SortKeyCondition::Eq(s("x"))),
            ("sk".to_owned(), SortKeyCondition::Gt(n(1)))
        ])
    );
    assert_eq!(
        parse_key_condition("pk = :s OR sk = :s", &p).map_err(|e| e.message),
        Err("Invalid operator used in KeyConditionExpression: OR".into())
    );
}

/// The nesting limits hold on a test thread's 2 MB stack.
#[test]
fn deep_nesting_is_refused_without_exhausting_the_stack() {
    for depth in [100, 299, 301, 400, 4000] {
        let parens = format!("{}a = :s{}", "(".repeat(depth), ")".repeat(depth));
        assert!(condition(&parens).is_err());
        let nots = format!("{}a = :s{}", "NOT (".repeat(depth), ")".repeat(depth));
        let _ = condition(&nots);
        let sizes = format!("{}a{} = :s", "size(".repeat(depth), ")".repeat(depth));
        assert!(condition(&sizes).is_err());
        let update = format!("SET a = {}b{}", "(".repeat(depth), ")".repeat(depth));
        assert!(parse_update(&update, &placeholders()).is_err());
    }
    assert!(condition(&format!("{}a = :s{}", "NOT (".repeat(299), ")".repeat(299))).is_ok());
    // The longest chains parsed on the caller's stack (up to 512 bytes).
    let nots = format!("{}a = :s", "NOT ".repeat(126));
    assert!(nots.len() <= 512);
    assert!(condition(&nots).is_ok());
    let ands = vec!["a=:s"; 57].join(" AND ");
    assert!(ands.len() <= 512);
    assert!(condition(&ands).is_ok());
    let sums = vec!["a=:n+:n"; 64].join(",");
    assert!(parse_update(&format!("SET {sums}"), &placeholders()).is_err());
    assert!(condition(&format!("{}a = :s", "NOT ".repeat(300))).is_err());
}

/// DynamoDB lists unused keys in its Java `HashSet`'s order (seen on DynamoDB Local).
#[test]
fn unused_keys_follow_java_hash_set_order() {
    let unused = |names: &[&str], values: &[&str]| {
        let p = Placeholders::new(
            names.iter().map(|k| ((*k).to_owned(), "x".to_owned())).collect(),
            values.iter().map(|k| ((*k).to_owned(), n(1))).collect(),
        );
        p.check_all_used().map_err(|e| e.message)
    };
    assert_eq!(
        unused(&["#a", "#m", "#zz"], &[]),
        Err(
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#zz, #m, #a}"
                .into()
        )
    );
    assert_eq!(
        unused(&["#1", "#a_b1"], &[]),
        Err("Value provided in ExpressionAttributeNames unused in expressions: keys: {#a_b1, #1}"
            .into())
    );
    assert_eq!(
        unused(&[], &[":b", ":z"]),
        Err("Value provided in ExpressionAttributeValues unused in expressions: keys: {:z, :b}"
            .into())
    );
}
