//! Parser unit tests: the accepted forms and DynamoDB's texts for the refused ones.

use super::ast::{Returning, Statement};
use super::parser::parse;

fn message(statement: &str) -> String {
    match parse(statement) {
        Ok(parsed) => panic!("{statement} parsed: {parsed:?}"),
        Err(error) => error.to_string().trim_start_matches("ValidationException: ").to_owned(),
    }
}

#[test]
fn accepts_the_statement_forms() {
    for statement in [
        r#"SELECT * FROM "T" WHERE pk = 'a'"#,
        r#"select a, b.c, d[0], "e"['f'] from T where pk = ? and sk between 1 and 2"#,
        r#"SELECT * FROM "T"."I" WHERE g = 'x' ORDER BY sk DESC"#,
        r#"SELECT * FROM T WHERE a IN [1, 2] AND b NOT IN (3) AND c IS NOT MISSING AND d IS NULL"#,
        r#"SELECT * FROM T WHERE begins_with(a, 'x') OR NOT contains(b, 1) AND size(c) > 2"#,
        r#"INSERT INTO "T" VALUE {'pk': ?, 's': <<'a', 'b'>>, 'm': {'l': [1, -2.5e3, NULL, true]}}"#,
        r#"UPDATE "T" SET a = a + 1, b = list_append(b, [1]) SET c = set_add(c, <<1>>) REMOVE d WHERE pk = 'a' RETURNING ALL NEW *"#,
        r#"DELETE FROM "T" WHERE pk = 'a' AND v = 1 RETURNING ALL OLD *;"#,
        r#"EXISTS(SELECT * FROM "T" WHERE pk = 'a' AND v IS MISSING)"#,
        r#"SELECT "missing", "null".a FROM T"#,
    ] {
        assert!(parse(statement).is_ok(), "{statement}: {:?}", parse(statement));
    }
    let parsed = parse("SELECT * FROM T WHERE a = ? AND b = ?").map(|p| p.parameters);
    assert_eq!(parsed.ok(), Some(2));
    let update = parse("UPDATE T SET a = 1 WHERE pk = 'x' RETURNING MODIFIED OLD *");
    assert!(matches!(
        update.map(|p| p.statement),
        Ok(Statement::Update { returning: Some(Returning::ModifiedOld), .. })
    ));
}

#[test]
fn refuses_with_dynamodb_texts() {
    let envelope = "Statement wasn't well formed, can't be processed: ";
    for (statement, detail) in [
        ("SLECT * FROM T", "Expected data manipulation"),
        (r#"SELECT * FROM "T" WHERE pk = 1 foo"#, "Unexpected token after expression"),
        (r#"SELECT * FROM "T" WHERE pk = 1)"#, "Unexpected token after expression"),
        (r#"DELETE FROM "T" WHERE pk = 1 ORDER BY pk"#, "Unexpected token after expression"),
        (r#"SELECT * FROM "T" ORDER BY pk WHERE pk = 1"#, "Unexpected token after expression"),
        (r#"INSERT INTO "T" t VALUE {'pk': 'x'}"#, "Unexpected token after expression"),
        (r#"SELECT * FROM "T" WHERE pk = 1 # note"#, ""),
        (r#"SELECT * FROM "T" WHERE pk = 1 /* note"#, ""),
        (r#"SELECT * FROM "T" WHERE"#, "Unexpected term"),
        (r#"SELECT * FROM "T" WHERE;"#, "Unexpected term"),
        (r#"SELECT * FROM "T" WHERE NOT"#, "Unexpected term"),
        (r#"SELECT * FROM "T" WHERE ("#, "Unexpected term"),
        (r#"UPDATE "T" SET a = 1 WHERE"#, "Unexpected term"),
        ("SELECT * FROM", "Unexpected term"),
        (
            r#"SELECT * FROM "T" WHERE pk = 'p1' AND"#,
            "Missing right-hand side expression of infix operator",
        ),
        (
            r#"SELECT * FROM "T" WHERE pk = 'p1' OR"#,
            "Missing right-hand side expression of infix operator",
        ),
        (r#"SELECT * FROM "T" WHERE ORDER BY pk"#, "Unexpected keyword"),
        (r#"SELECT * FROM "T" WHERE pk = 'a' AND x IS FOO"#, "Expected type name"),
        (r#"SELECT * FROM "T" WHERE IS NULL"#, "Unexpected operator"),
        (r#"SELECT * FROM "T" WHERE pk = LIKE"#, "Unexpected operator"),
        ("DELETE FROM", "Expected identifier for simple path"),
        ("DELETE FROM;", "Expected identifier for simple path"),
        ("DELETE FROM WHERE pk = 'a'", "Expected identifier for simple path"),
        ("SELECT pk.missing FROM T", "Unexpected keyword"),
    ] {
        assert_eq!(message(statement), format!("{envelope}{detail}"), "{statement}");
    }
    for (statement, text) in [
        (r#"SELECT * FROM "T" t WHERE pk = 'x'"#, "Aliasing is not supported"),
        (r#"SELECT * FROM "T" AS t WHERE pk = 'x'"#, "Aliasing is not supported"),
        (r#"UPDATE "T" t SET a = 3 WHERE pk = 'x'"#, "Aliasing is not supported"),
        (r#"DELETE FROM "T" t WHERE pk = 'x'"#, "Aliasing is not supported"),
        (
            r#"SELECT * FROM "T"."I"."x" WHERE pk = 'p'"#,
            "A path may contain at most 2 components in the FROM clause",
        ),
        (r#"SELECT * FROM "T"."" WHERE pk = 'p'"#, "Path component cannot be an empty string"),
        (r#"SELECT * FROM "" WHERE pk = 'p'"#, "Path component cannot be an empty string"),
        // A literal where a projected path goes (DynamoDB Local's text, without its
        // `at line:column:length`).
        ("SELECT missing FROM T", "Unexpected path component"),
        ("SELECT MISSING.a FROM T", "Unexpected path component"),
        ("SELECT pk, null FROM T", "Unexpected path component"),
        ("SELECT False FROM T", "Unexpected path component"),
        ("SELECT 1 FROM T", "Unexpected path component"),
        ("SELECT 'a' FROM T", "Unexpected path component"),
        ("SELECT ? FROM T", "Unexpected path component"),
    ] {
        assert_eq!(message(statement), text, "{statement}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("SELECT * FROM T WHERE {}a = 1{}", "(".repeat(5000), ")".repeat(5000));
    assert!(parse(&deep).is_err());
    let nots = format!("SELECT * FROM T WHERE {}a = 1", "NOT ".repeat(5000));
    assert!(parse(&nots).is_err());
    let lists = format!("INSERT INTO T VALUE {}", "[".repeat(5000));
    assert!(parse(&lists).is_err());
}
