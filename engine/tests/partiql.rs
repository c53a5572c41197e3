//! PartiQL on the embedded engine: statements lowered onto the engine's operations give
//! the same answers as those operations; writes, RETURNING, batches, transactions and
//! DynamoDB's error texts; a fuzz shows no input panics.

use proptest::prelude::*;
use singletable_core::backend::{
    AttributeDefinition, Backend, BatchExecuteStatementInput, BatchStatementRequest,
    CreateTableInput, ExecuteStatementInput, ExecuteStatementOutput, ExecuteTransactionInput,
    GetItemInput, KeySchemaElement, KeyType, ParameterizedStatement, ProjectionSpec, QueryInput,
    ScanInput, SecondaryIndex,
};
use singletable_core::expr::{
    Comparator, Condition, KeyCondition, Operand, Path, SortKeyCondition,
};
use singletable_core::schema::{BillingMode, ScalarType};
use singletable_core::{AttributeValue, Error, Item, Number};
use singletable_engine::MemoryBackend;

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(Number::from(value))
}

fn block<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"))
        .block_on(future)
}

/// Table `Tab` (pk S, sk N) with GSI `gsi` on `g`, holding pk `a` sk 0..5 and pk `b` sk 1.
fn db() -> MemoryBackend {
    let db = MemoryBackend::new();
    block(async {
        db.create_table(CreateTableInput {
            table_name: "Tab".to_owned(),
            attribute_definitions: vec![
                AttributeDefinition { name: "pk".to_owned(), ty: ScalarType::S },
                AttributeDefinition { name: "sk".to_owned(), ty: ScalarType::N },
                AttributeDefinition { name: "g".to_owned(), ty: ScalarType::S },
            ],
            key_schema: vec![
                KeySchemaElement { attribute_name: "pk".to_owned(), key_type: KeyType::Hash },
                KeySchemaElement { attribute_name: "sk".to_owned(), key_type: KeyType::Range },
            ],
            global_secondary_indexes: vec![SecondaryIndex {
                index_name: "gsi".to_owned(),
                key_schema: vec![KeySchemaElement {
                    attribute_name: "g".to_owned(),
                    key_type: KeyType::Hash,
                }],
                projection: ProjectionSpec::All,
                provisioned_throughput: None,
            }],
            local_secondary_indexes: vec![],
            billing_mode: BillingMode::PayPerRequest,
            stream: None,
        })
        .await
        .unwrap_or_else(|e| panic!("create: {e}"));
    });
    {
        for i in 0..5 {
            run(&db, &format!(
                "INSERT INTO \"Tab\" VALUE {{'pk': 'a', 'sk': {i}, 'v': {}, 'g': 'x', 'm': {{'k': ['e0', 1]}}}}",
                i * 10
            ))
            .unwrap_or_else(|e| panic!("insert: {e}"));
        }
        run(&db, "INSERT INTO Tab VALUE {'pk': 'b', 'sk': 1}").unwrap_or_else(|e| panic!("{e}"));
    }
    db
}

fn run(db: &MemoryBackend, statement: &str) -> Result<ExecuteStatementOutput, Error> {
    run_with(db, statement, vec![])
}

fn run_with(
    db: &MemoryBackend,
    statement: &str,
    parameters: Vec<AttributeValue>,
) -> Result<ExecuteStatementOutput, Error> {
    block(db.execute_statement(ExecuteStatementInput {
        statement: statement.to_owned(),
        parameters,
        ..Default::default()
    }))
}

fn items(db: &MemoryBackend, statement: &str) -> Vec<Item> {
    run(db, statement).unwrap_or_else(|e| panic!("{statement}: {e}")).items
}

fn error(db: &MemoryBackend, statement: &str) -> String {
    match run(db, statement) {
        Ok(out) => panic!("{statement} succeeded: {out:?}"),
        Err(error) => error.to_string(),
    }
}

fn get(db: &MemoryBackend, pk: &str, sk: i64) -> Option<Item> {
    let key: Item = [("pk".to_owned(), s(pk)), ("sk".to_owned(), n(sk))].into();
    block(db.get_item(GetItemInput { table_name: "Tab".to_owned(), key, ..Default::default() }))
        .unwrap_or_else(|e| panic!("get: {e}"))
        .item
}

#[test]
fn selects_equal_the_same_query_and_scan() {
    let db = db();
    let query = |sort: Vec<(String, SortKeyCondition)>, filter: Option<Condition>| {
        block(db.query(QueryInput {
            table_name: "Tab".to_owned(),
            key_condition: KeyCondition { partition: vec![("pk".to_owned(), s("a"))], sort },
            filter,
            ..Default::default()
        }))
        .unwrap_or_else(|e| panic!("query: {e}"))
        .items
    };
    assert_eq!(items(&db, "SELECT * FROM \"Tab\" WHERE pk = 'a'"), query(vec![], None));
    assert_eq!(
        items(&db, "SELECT * FROM Tab WHERE pk = 'a' AND sk BETWEEN 1 AND 3"),
        query(vec![("sk".to_owned(), SortKeyCondition::Between(n(1), n(3)))], None)
    );
    let big = Condition::Compare {
        left: Operand::Path(Path::attribute("v")),
        op: Comparator::Gt,
        right: Operand::Value(n(15)),
    };
    assert_eq!(
        items(&db, "SELECT * FROM Tab WHERE 1 < sk AND pk = 'a' AND v > 15"),
        query(vec![("sk".to_owned(), SortKeyCondition::Gt(n(1)))], Some(big.clone()))
    );
    let scan = block(db.scan(ScanInput {
        table_name: "Tab".to_owned(),
        filter: Some(big),
        ..Default::default()
    }))
    .unwrap_or_else(|e| panic!("scan: {e}"))
    .items;
    assert_eq!(items(&db, "SELECT * FROM Tab WHERE v > 15"), scan);
    // A second test on the sort key is a filter.
    let two = items(&db, "SELECT sk FROM Tab WHERE pk = 'a' AND sk > 1 AND sk < 3");
    assert_eq!(two, vec![Item::from([("sk".to_owned(), n(2))])]);
    // ORDER BY … DESC reads backwards; an index by its name.
    let down = items(&db, "SELECT sk FROM Tab WHERE pk = 'a' ORDER BY sk DESC");
    assert_eq!(down.first().and_then(|i| i.get("sk")), Some(&n(4)));
    assert_eq!(items(&db, "SELECT * FROM \"Tab\".\"gsi\" WHERE g = 'x'").len(), 5);
    // Projections: nested paths come back under their last name.
    let projected = items(&db, "SELECT pk, m.k[0] FROM Tab WHERE pk = 'a' AND sk = 1");
    assert_eq!(
        projected,
        vec![Item::from([("pk".to_owned(), s("a")), ("k[0]".to_owned(), s("e0"))])]
    );
    // Functions and predicates.
    for (statement, count) in [
        ("SELECT * FROM Tab WHERE pk = 'a' AND begins_with(g, 'x') AND contains(m.k, 'e0')", 5),
        ("SELECT * FROM Tab WHERE pk = 'a' AND size(m.k) = 2 AND attribute_type(v, 'N')", 5),
        ("SELECT * FROM Tab WHERE pk = 'a' AND v IN [10, 20]", 2),
        ("SELECT * FROM Tab WHERE pk = 'a' AND v NOT IN (10, 20)", 3),
        ("SELECT * FROM Tab WHERE v IS MISSING", 1),
        ("SELECT * FROM Tab WHERE v IS NOT MISSING AND NOT v = 0", 4),
        ("SELECT * FROM Tab WHERE pk = 'a' OR pk = 'b'", 6),
        ("SELECT * FROM Tab WHERE pk IN ['a', 'b'] AND v <> 0", 5),
    ] {
        assert_eq!(items(&db, statement).len(), count, "{statement}");
    }
}

#[test]
fn pages_continue_with_next_token() {
    let db = db();
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = block(db.execute_statement(ExecuteStatementInput {
            statement: "SELECT * FROM Tab WHERE pk = ?".to_owned(),
            parameters: vec![s("a")],
            limit: Some(2),
            next_token: token,
            consistent_read: true,
            ..Default::default()
        }))
        .unwrap_or_else(|e| panic!("page: {e}"));
        assert!(page.items.len() <= 2);
        seen.extend(page.items);
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, items(&db, "SELECT * FROM Tab WHERE pk = 'a'"));
    let bad = block(db.execute_statement(ExecuteStatementInput {
        statement: "SELECT * FROM Tab".to_owned(),
        next_token: Some("garbage".to_owned()),
        ..Default::default()
    }));
    assert_eq!(
        bad.map_err(|e| e.to_string()).err().as_deref(),
        Some("ValidationException: Invalid NextToken")
    );
}

#[test]
fn writes_lower_onto_item_operations() {
    let db = db();
    assert_eq!(
        error(&db, "INSERT INTO Tab VALUE {'pk': 'a', 'sk': 1}"),
        "DuplicateItemException: Duplicate primary key exists in table"
    );
    let set = AttributeValue::Ss(vec!["x".to_owned(), "y".to_owned()]);
    run_with(
        &db,
        "INSERT INTO Tab VALUE {'pk': 'c', 'sk': 1, 's': <<'x', 'y'>>, 'b': ?}",
        vec![AttributeValue::B(vec![1])],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(get(&db, "c", 1).and_then(|i| i.get("s").cloned()), Some(set));
    let new = items(&db, "UPDATE Tab SET v = v + 5, w = list_append(m.k, [1]) REMOVE g WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *");
    assert_eq!(new[0].get("v"), Some(&n(15)));
    assert_eq!(new[0].get("g"), None);
    let modified = items(&db, "UPDATE Tab SET s2 = set_add(s2, <<'q'>>) WHERE pk = 'a' AND sk = 2 RETURNING MODIFIED NEW *");
    assert_eq!(
        modified,
        vec![Item::from([("s2".to_owned(), AttributeValue::Ss(vec!["q".to_owned()]))])]
    );
    assert_eq!(
        error(&db, "UPDATE Tab SET v = 1 WHERE pk = 'zz' AND sk = 1"),
        "ConditionalCheckFailedException: The conditional request failed"
    );
    let failed = block(db.execute_statement(ExecuteStatementInput {
        statement: "UPDATE Tab REMOVE v WHERE pk = 'a' AND sk = 3 AND v = 999".to_owned(),
        return_old_on_condition_failure: true,
        ..Default::default()
    }));
    assert!(
        matches!(failed, Err(Error::ConditionalCheckFailed { item: Some(_), .. })),
        "{failed:?}"
    );
    assert_eq!(
        error(&db, "UPDATE Tab SET v = 1 WHERE pk = 'a'"),
        "ValidationException: Where clause does not contain a mandatory equality on all key attributes"
    );
    assert!(items(&db, "DELETE FROM Tab WHERE pk = 'zz' AND sk = 1").is_empty());
    let old = items(&db, "DELETE FROM Tab WHERE pk = 'a' AND sk = 4 RETURNING ALL OLD *");
    assert_eq!(old[0].get("v"), Some(&n(40)));
    assert_eq!(get(&db, "a", 4), None);
    assert_eq!(
        error(&db, "DELETE FROM Tab WHERE pk = 'a' AND sk = 0 RETURNING ALL NEW *"),
        "ValidationException: Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements."
    );
    for (statement, text) in [
        ("SELECT * FROM Tab WHERE pk = ?", "Number of parameters in request and statement don't match."),
        ("SELECT * FROM Tab WHERE v = MISSING", "MISSING must be compared using IS operator"),
        ("SELECT * FROM Tab WHERE pk = 'a' AND v < true", "Incorrect operand type for operator or function; operator or function: <, operand type: BOOL"),
        ("SELECT * FROM \"Tab\".\"nope\" WHERE pk = 'a'", "The table does not have the specified index"),
        ("INSERT INTO Tab VALUE {'pk': 'c2', 'sk': 1, 's': <<>>}", "Empty bags are not supported"),
        ("INSERT INTO Tab VALUE {'pk': 'c2', 'sk': 1, 's': <<'a', 'a'>>}", "Input collection contains duplicates"),
        ("INSERT INTO Tab VALUE {'pk': 'c2', 'sk': 1, 'm': {'x': 1e126}}", "Number overflow. Attempting to store a number with magnitude larger than supported range under root.m.x"),
        ("SELECT * FROM Tab WHERE pk = 1e-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range under root"),
    ] {
        assert_eq!(error(&db, statement), format!("ValidationException: {text}"), "{statement}");
    }
    assert!(
        error(&db, "SELECT * FROM Nope WHERE pk = 'a'").starts_with("ResourceNotFoundException")
    );
}

#[test]
fn batches_answer_per_statement() {
    let db = db();
    let batch = |statements: &[&str]| {
        block(
            db.batch_execute_statement(BatchExecuteStatementInput {
                statements: statements
                    .iter()
                    .map(|s| BatchStatementRequest {
                        statement: (*s).to_owned(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }),
        )
    };
    let out = batch(&[
        "SELECT * FROM Tab WHERE pk = 'a' AND sk = 1",
        "SELECT * FROM Tab WHERE pk = 'a'",
        "SELECT * FROM Tab WHERE pk = 'zz' AND sk = 1",
        "SLECT",
        "SELECT v FROM Tab WHERE pk = 'a' AND sk = 2",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.responses[0].item.as_ref().and_then(|i| i.get("v")), Some(&n(10)));
    let error =
        |i: usize| out.responses[i].error.as_ref().map(|e| (e.code.as_str(), e.message.as_str()));
    assert_eq!(error(1), Some(("ValidationError", "Only single item select is supported")));
    assert_eq!(out.responses[2].item, None);
    assert_eq!(out.responses[2].table_name.as_deref(), Some("Tab"));
    assert_eq!(
        error(3),
        Some((
            "ValidationError",
            "Statement wasn't well formed, can't be processed: Expected data manipulation"
        ))
    );
    assert_eq!(out.responses[4].item, Some(Item::from([("v".to_owned(), n(20))])));
    let mixed = batch(&[
        "SELECT * FROM Tab WHERE pk = 'a' AND sk = 1",
        "INSERT INTO Tab VALUE {'pk': 'q', 'sk': 1}",
    ]);
    assert_eq!(mixed.err().map(|e| e.to_string()).as_deref(), Some("ValidationException: Read and write requests together in the same batch is not supported."));
    let writes = batch(&[
        "INSERT INTO Tab VALUE {'pk': 'q', 'sk': 1}",
        "INSERT INTO Tab VALUE {'pk': 'a', 'sk': 1}",
        "UPDATE Tab SET x = 1 WHERE pk = 'nope' AND sk = 1",
        "DELETE FROM Tab WHERE pk = 'a' AND sk = 0 RETURNING ALL OLD *",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let codes: Vec<Option<&str>> =
        writes.responses.iter().map(|r| r.error.as_ref().map(|e| e.code.as_str())).collect();
    assert_eq!(codes, [None, Some("DuplicateItem"), Some("ConditionalCheckFailed"), None]);
    assert!(get(&db, "q", 1).is_some());
    assert_eq!(writes.responses[3].item.as_ref().and_then(|i| i.get("v")), Some(&n(0)));
    let twice = batch(&[
        "SELECT * FROM Tab WHERE pk = 'a' AND sk = 1",
        "SELECT * FROM Tab WHERE pk = 'a' AND sk = 1",
    ]);
    assert_eq!(
        twice.err().map(|e| e.to_string()).as_deref(),
        Some("ValidationException: Provided list of item keys contains duplicates")
    );
}

fn transact(
    db: &MemoryBackend,
    statements: &[&str],
    token: Option<&str>,
) -> Result<Vec<Option<Item>>, Error> {
    block(
        db.execute_transaction(ExecuteTransactionInput {
            statements: statements
                .iter()
                .map(|s| ParameterizedStatement {
                    statement: (*s).to_owned(),
                    ..Default::default()
                })
                .collect(),
            client_request_token: token.map(str::to_owned),
            ..Default::default()
        }),
    )
    .map(|out| out.responses)
}

#[test]
fn transactions_are_all_or_nothing() {
    let db = db();
    let read = transact(
        &db,
        &[
            "SELECT * FROM Tab WHERE pk = 'a' AND sk = 1",
            "SELECT v FROM Tab WHERE pk = 'zz' AND sk = 1",
        ],
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.len(), 2);
    assert!(read[0].is_some() && read[1].is_none());
    let cancelled = transact(
        &db,
        &[
            "INSERT INTO Tab VALUE {'pk': 't', 'sk': 1}",
            "UPDATE Tab SET x = 1 WHERE pk = 'nope' AND sk = 1",
            "INSERT INTO Tab VALUE {'pk': 'a', 'sk': 2}",
        ],
        None,
    );
    match cancelled {
        Err(Error::TransactionCanceled { reasons, .. }) => {
            let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
            assert_eq!(codes, ["None", "ConditionalCheckFailed", "DuplicateItem"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(get(&db, "t", 1), None);
    // EXISTS of an item that is not there fails, whatever its condition says of it.
    let missing = transact(
        &db,
        &[
            "EXISTS(SELECT * FROM Tab WHERE pk = 'nope' AND sk = 1 AND v IS MISSING)",
            "INSERT INTO Tab VALUE {'pk': 't', 'sk': 1}",
        ],
        None,
    );
    match missing {
        Err(Error::TransactionCanceled { reasons, .. }) => {
            let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
            assert_eq!(codes, ["ConditionalCheckFailed", "None"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(get(&db, "t", 1), None);
    transact(
        &db,
        &[
            "EXISTS(SELECT * FROM Tab WHERE pk = 'a' AND sk = 3 AND v = 30)",
            "UPDATE Tab SET x = 2 WHERE pk = 'a' AND sk = 1",
            "INSERT INTO Tab VALUE {'pk': 't', 'sk': 1}",
        ],
        Some("token-1"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(get(&db, "a", 1).and_then(|i| i.get("x").cloned()), Some(n(2)));
    // The same token and statements again: the first outcome, nothing applied twice.
    let again = transact(
        &db,
        &[
            "EXISTS(SELECT * FROM Tab WHERE pk = 'a' AND sk = 3 AND v = 30)",
            "UPDATE Tab SET x = 2 WHERE pk = 'a' AND sk = 1",
            "INSERT INTO Tab VALUE {'pk': 't', 'sk': 1}",
        ],
        Some("token-1"),
    );
    assert!(again.is_ok(), "{again:?}");
    for (statements, text) in [
        (vec!["SELECT * FROM Tab WHERE pk = 'a' AND sk = 1", "INSERT INTO Tab VALUE {'pk': 'q', 'sk': 1}"],
         "ExecuteTransaction API does not support both read and write operations in the same request."),
        (vec!["UPDATE Tab SET x = 3 WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *"],
         "Validation failed in TransactStatements[0]: RETURNING clause is not supported in ExecuteTransaction."),
        (vec!["SELECT * FROM \"Tab\".\"gsi\" WHERE g = 'x'"],
         "Validation failed in TransactStatements[0]: Reads on indices are not supported within transactions."),
        (vec!["SELECT * FROM Tab WHERE pk = 'a'"],
         "Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction must specify the primary key in the where clause."),
        (vec!["EXISTS(SELECT * FROM Tab WHERE pk = 'a' AND sk = 1)"],
         "Validation failed in TransactStatements[0]: EXISTS() must contain a single item read with additional condition"),
        (vec!["SELECT * FROM Tab WHERE"],
         "Validation failed in TransactStatements[0]: Statement wasn't well formed, can't be processed: Unexpected term"),
    ] {
        let got = transact(&db, &statements, None).map_err(|e| e.to_string());
        assert_eq!(got.err(), Some(format!("ValidationException: {text}")), "{statements:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// No statement panics: random text, and random splices of valid statements.
    #[test]
    fn no_input_panics(text in ".{0,200}", cut in 0usize..120, junk in "[ -~]{0,12}") {
        let db = db();
        let _ = run(&db, &text);
        let base = "UPDATE \"Tab\" SET v = v + 1, l = list_append(l, [1, <<'a'>>, {'k': ?}]) REMOVE m.k[0] WHERE pk = 'a' AND sk = 1 AND NOT (v BETWEEN 1 AND 2 OR v IN [1]) RETURNING ALL NEW *";
        let cut = base.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(base.len());
        let spliced = format!("{}{}{}", &base[..cut], junk, &base[cut..]);
        let _ = run_with(&db, &spliced, vec![AttributeValue::Null]);
        let _ = run(&db, &spliced);
    }
}
