//! Query: sort-key operators, pages, filters, projections, indexes.

use super::*;

/// Every page of a query, following `LastEvaluatedKey`.
pub async fn query_pages(db: &dyn Backend, input: QueryInput) -> Vec<PageOutput> {
    let mut pages = Vec::new();
    let mut start = None;
    loop {
        let page = ok(db.query(QueryInput { exclusive_start_key: start, ..input.clone() }).await);
        start = page.last_evaluated_key.clone();
        pages.push(page);
        if start.is_none() || pages.len() > 1000 {
            return pages;
        }
    }
}

/// Every page of a scan, following `LastEvaluatedKey`.
pub async fn scan_pages(db: &dyn Backend, input: ScanInput) -> Vec<PageOutput> {
    let mut pages = Vec::new();
    let mut start = None;
    loop {
        let page = ok(db.scan(ScanInput { exclusive_start_key: start, ..input.clone() }).await);
        start = page.last_evaluated_key.clone();
        pages.push(page);
        if start.is_none() || pages.len() > 1000 {
            return pages;
        }
    }
}

pub(super) async fn query_sort_key_operators_on_s_n_and_b(ctx: &Ctx<'_>) {
    // One table per sort key type; each holds values in shuffled order plus another partition.
    let cases: [(&str, ScalarType, Vec<AttributeValue>); 3] = [
        (
            "ops-s",
            ScalarType::S,
            ["A", "a", "ab", "abc", "b", "¿", "\u{1F600}"].iter().map(|v| s(v)).collect(),
        ),
        (
            "ops-n",
            ScalarType::N,
            ["-10", "-1", "-0.001", "0.5", "9", "10", "100"].iter().map(|v| n(v)).collect(),
        ),
        (
            "ops-b",
            ScalarType::B,
            vec![b(&[0]), b(&[0, 0]), b(&[1]), b(&[1, 2]), b(&[0x7F]), b(&[0x80]), b(&[0xFF])],
        ),
    ];
    for (suffix, ty, sorted) in cases {
        let name = ctx.table(suffix);
        let mut input = simple_table(name.clone());
        input.attribute_definitions = vec![define("pk", ScalarType::S), define("sk", ty)];
        create(ctx.db, input).await;
        for (position, value) in sorted.iter().enumerate().rev() {
            ok(ctx
                .db
                .put_item(put(
                    &name,
                    item([("pk", s("p")), ("sk", value.clone()), ("i", n(&position.to_string()))]),
                ))
                .await);
            ok(ctx
                .db
                .put_item(put(&name, item([("pk", s("other")), ("sk", value.clone())])))
                .await);
        }
        let mid = sorted[3].clone();
        let low = sorted[1].clone();
        let high = sorted[5].clone();
        let all: Vec<usize> = (0..sorted.len()).collect();
        let mut tests: Vec<(SortKeyCondition, Vec<usize>)> = vec![
            (SortKeyCondition::Eq(mid.clone()), vec![3]),
            (SortKeyCondition::Lt(mid.clone()), vec![0, 1, 2]),
            (SortKeyCondition::Le(mid.clone()), vec![0, 1, 2, 3]),
            (SortKeyCondition::Gt(mid.clone()), vec![4, 5, 6]),
            (SortKeyCondition::Ge(mid.clone()), vec![3, 4, 5, 6]),
            (SortKeyCondition::Between(low.clone(), high.clone()), vec![1, 2, 3, 4, 5]),
            (SortKeyCondition::Between(mid.clone(), mid.clone()), vec![3]),
        ];
        match ty {
            ScalarType::S => {
                tests.push((SortKeyCondition::BeginsWith(s("a")), vec![1, 2, 3]));
                tests.push((SortKeyCondition::BeginsWith(s("ab")), vec![2, 3]));
                tests.push((SortKeyCondition::BeginsWith(s("q")), vec![]));
            }
            ScalarType::B => {
                tests.push((SortKeyCondition::BeginsWith(b(&[0])), vec![0, 1]));
                tests.push((SortKeyCondition::BeginsWith(b(&[1])), vec![2, 3]));
            }
            ScalarType::N => {}
        }
        for forward in [true, false] {
            let whole = ok(ctx
                .db
                .query(QueryInput {
                    scan_index_forward: forward,
                    ..query(&name, &[("pk", s("p"))])
                })
                .await);
            let mut expected: Vec<AttributeValue> =
                all.iter().map(|i| sorted[*i].clone()).collect();
            if !forward {
                expected.reverse();
            }
            assert_eq!(column(&whole.items, "sk"), expected, "{suffix} forward={forward}");
            for (test, positions) in &tests {
                let input = QueryInput {
                    scan_index_forward: forward,
                    ..with_sort(query(&name, &[("pk", s("p"))]), &[("sk", test.clone())])
                };
                let page = ok(ctx.db.query(input).await);
                let mut expected: Vec<AttributeValue> =
                    positions.iter().map(|i| sorted[*i].clone()).collect();
                if !forward {
                    expected.reverse();
                }
                assert_eq!(
                    column(&page.items, "sk"),
                    expected,
                    "{suffix} {test:?} forward={forward}"
                );
                assert_eq!(page.count as usize, expected.len());
                assert_eq!(page.last_evaluated_key, None);
            }
        }
        drop_table(ctx.db, &name).await;
    }
}

pub(super) async fn query_pagination_with_limit_in_both_directions(ctx: &Ctx<'_>) {
    let name = ctx.table("query-pages");
    let mut input = simple_table(name.clone());
    input.attribute_definitions = vec![define("pk", ScalarType::S), define("sk", ScalarType::N)];
    create(ctx.db, input).await;
    for i in 1..=10 {
        ok(ctx
            .db
            .put_item(put(
                &name,
                item([
                    ("pk", s("p")),
                    ("sk", n(&i.to_string())),
                    ("odd", AttributeValue::Bool(i % 2 == 1)),
                ]),
            ))
            .await);
    }
    for (limit, forward, sizes) in [
        (3, true, vec![3, 3, 3, 1]),
        (3, false, vec![3, 3, 3, 1]),
        (5, true, vec![5, 5, 0]),
        (10, false, vec![10, 0]),
        (11, true, vec![10]),
    ] {
        let pages = query_pages(
            ctx.db,
            QueryInput {
                limit: Some(limit),
                scan_index_forward: forward,
                ..query(&name, &[("pk", s("p"))])
            },
        )
        .await;
        let counts: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
        assert_eq!(counts, sizes, "limit {limit} forward={forward}");
        let keys: Vec<AttributeValue> = pages.iter().flat_map(|p| column(&p.items, "sk")).collect();
        let mut expected = ns_list(&["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
        if !forward {
            expected.reverse();
        }
        assert_eq!(keys, expected);
        for page in &pages[..pages.len() - 1] {
            let last = page.items.last().map(|i| item([("pk", s("p")), ("sk", i["sk"].clone())]));
            assert_eq!(
                page.last_evaluated_key, last,
                "LastEvaluatedKey is the table key of the last item"
            );
        }
    }

    // Limit counts evaluated items: a filtered page can be empty yet carry LastEvaluatedKey.
    let filtered = QueryInput {
        limit: Some(2),
        filter: Some(compare("odd", Comparator::Eq, AttributeValue::Bool(true))),
        ..with_sort(query(&name, &[("pk", s("p"))]), &[("sk", SortKeyCondition::Ge(n("2")))])
    };
    let pages = query_pages(ctx.db, filtered).await;
    let shape: Vec<(u32, u32)> = pages.iter().map(|p| (p.count, p.scanned_count)).collect();
    assert_eq!(shape, [(1, 2), (1, 2), (1, 2), (1, 2), (0, 1)]);
    let none = QueryInput {
        limit: Some(3),
        filter: Some(compare("odd", Comparator::Eq, s("never"))),
        ..query(&name, &[("pk", s("p"))])
    };
    let page = ok(ctx.db.query(none).await);
    assert_eq!((page.items.len(), page.count, page.scanned_count), (0, 0, 3));
    assert_eq!(page.last_evaluated_key, Some(item([("pk", s("p")), ("sk", n("3"))])));
    drop_table(ctx.db, &name).await;
}

pub(super) async fn query_filters_projections_and_select(ctx: &Ctx<'_>) {
    let name = ctx.table("query-select");
    create(ctx.db, simple_table(name.clone())).await;
    for (sk, status) in [("a", "active"), ("b", "inactive"), ("c", "active")] {
        ok(ctx
            .db
            .put_item(put(
                &name,
                item([
                    ("pk", s("p")),
                    ("sk", s(sk)),
                    ("status", s(status)),
                    ("m", m([("x", n("1")), ("y", n("2"))])),
                ]),
            ))
            .await);
    }
    let base = || query(&name, &[("pk", s("p"))]);
    let active = Some(compare("status", Comparator::Eq, s("active")));

    let count = ok(ctx
        .db
        .query(QueryInput { select: Some(Select::Count), filter: active.clone(), ..base() })
        .await);
    assert_eq!((count.count, count.scanned_count, count.items.len()), (2, 3, 0));
    let projected = ok(ctx
        .db
        .query(QueryInput {
            projection: Some(vec![at("sk"), at("m").key("y"), at("absent")]),
            filter: active.clone(),
            ..base()
        })
        .await);
    assert_eq!(
        projected.items,
        [
            item([("sk", s("a")), ("m", m([("y", n("2"))]))]),
            item([("sk", s("c")), ("m", m([("y", n("2"))]))])
        ]
    );
    let specific = ok(ctx
        .db
        .query(QueryInput {
            select: Some(Select::SpecificAttributes),
            projection: Some(vec![at("status")]),
            ..base()
        })
        .await);
    assert_eq!(column(&specific.items, "status"), [s("active"), s("inactive"), s("active")]);
    let all = ok(ctx.db.query(QueryInput { select: Some(Select::AllAttributes), ..base() }).await);
    assert_eq!(all.items.first().map(Item::len), Some(4));

    for (input, expected) in [
        (
            QueryInput { select: Some(Select::SpecificAttributes), ..base() },
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
        ),
        (
            QueryInput { select: Some(Select::Count), projection: Some(vec![at("sk")]), ..base() },
            "Cannot specify the ProjectionExpression when choosing to get only the Count",
        ),
        (
            QueryInput { select: Some(Select::AllAttributes), projection: Some(vec![at("sk")]), ..base() },
            "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES",
        ),
        (
            QueryInput { select: Some(Select::AllProjectedAttributes), ..base() },
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
        ),
        (
            QueryInput { filter: Some(compare("sk", Comparator::Gt, s("a"))), ..base() },
            "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
        ),
        (
            QueryInput {
                filter: Some(
                    Condition::AttributeExists(at("status"))
                        .and(Condition::AttributeExists(at("pk"))),
                ),
                ..base()
            },
            "Filter Expression can only contain non-primary key attributes: Primary key attribute: pk",
        ),
        (
            QueryInput { projection: Some(vec![at("m"), at("m").key("x")]), ..base() },
            "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, x]",
        ),
    ] {
        assert_eq!(validation(ctx.db.query(input).await), expected);
    }
    // A nested path under a key name is not a key attribute.
    ok(ctx
        .db
        .query(QueryInput { filter: Some(Condition::AttributeExists(at("m").key("sk"))), ..base() })
        .await);
    drop_table(ctx.db, &name).await;
}

pub(super) async fn query_validation_errors(ctx: &Ctx<'_>) {
    let name = ctx.table("query-errors");
    let mut input = indexed_table(name.clone());
    input.stream = None;
    create(ctx.db, input).await;
    let base = || query(&name, &[("pk", s("p"))]);
    let same = [
        (query(&name, &[("pk", n("1"))]), "One or more parameter values were invalid: Condition parameter type does not match schema type"),
        (
            with_sort(base(), &[("sk", SortKeyCondition::Gt(s("1")))]),
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ),
        (
            with_sort(base(), &[("sk", SortKeyCondition::BeginsWith(s("1")))]),
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ),
        (
            with_sort(base(), &[("sk", SortKeyCondition::BeginsWith(n("1")))]),
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
        ),
        (
            with_sort(base(), &[("sk", SortKeyCondition::Between(n("5"), n("1")))]),
            "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}",
        ),
        (
            with_sort(base(), &[("sk", SortKeyCondition::Between(n("5"), s("1")))]),
            "Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {S:1}",
        ),
        (
            with_sort(base(), &[("pk", SortKeyCondition::Eq(s("q")))]),
            "KeyConditionExpressions must only contain one condition per key",
        ),
        (
            with_sort(query(&name, &[]), &[("pk", SortKeyCondition::Gt(s("p")))]),
            "Query key condition not supported",
        ),
        (on_index("nope", base()), "The table does not have the specified index: nope"),
        (
            QueryInput { consistent_read: true, ..on_index("by_g", query(&name, &[("g", s("g"))])) },
            "Consistent reads are not supported on global secondary indexes",
        ),
        (
            query(&name, &[("pk", s(""))]),
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
        ),
    ];
    for (input, expected) in same {
        assert_eq!(validation(ctx.db.query(input).await), expected);
    }
    // Limit 0: DynamoDB reports a constraint violation (docs/error-texts.md, "Limit").
    dynamodb_or_local(
        &validation(ctx.db.query(QueryInput { limit: Some(0), ..base() }).await),
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
        "Limit must be greater than or equal to 1",
    );
    // DynamoDB appends the missing element's name; DynamoDB Local does not.
    for input in [
        with_sort(query(&name, &[]), &[("sk", SortKeyCondition::Eq(n("1")))]),
        query(&name, &[("name", s("x"))]),
        with_sort(base(), &[("name", SortKeyCondition::Eq(s("x")))]),
        on_index("by_g", base()),
    ] {
        let message = validation(ctx.db.query(input).await);
        assert!(message.starts_with("Query condition missed key schema element"), "{message}");
    }
    // Key attributes are scalars: no path may look inside one, in any expression.
    let scalar = |kind: &str, name: &str| {
        format!("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: {kind}: {name}")
    };
    let message = validation(
        ctx.db.query(QueryInput { projection: Some(vec![at("pk").key("x")]), ..base() }).await,
    );
    assert_eq!(message, scalar("Key", "pk"));
    let message = validation(
        ctx.db
            .query(QueryInput {
                filter: Some(Condition::AttributeExists(at("g").key("x"))),
                ..base()
            })
            .await,
    );
    assert_eq!(message, scalar("IndexKey", "g"));
    let message = validation(
        ctx.db.scan(ScanInput { projection: Some(vec![at("sk").index(0)]), ..scan(&name) }).await,
    );
    assert_eq!(message, scalar("Key", "sk"));
    let table_key = item([("pk", s("p")), ("sk", n("1"))]);
    let message = validation(
        ctx.db
            .update_item(update(&name, table_key.clone(), vec![set(at("g").key("x"), s("v"))]))
            .await,
    );
    assert_eq!(message, scalar("IndexKey", "g"));
    let message = validation(
        ctx.db
            .get_item(GetItemInput {
                projection: Some(vec![at("tenant").key("x")]),
                ..get(&name, table_key.clone())
            })
            .await,
    );
    assert_eq!(message, scalar("IndexKey", "tenant"));
    let message = validation(
        ctx.db
            .put_item(PutItemInput {
                condition: Some(Condition::AttributeExists(at("lsk").index(1))),
                ..put(&name, table_key.clone())
            })
            .await,
    );
    assert_eq!(message, scalar("IndexKey", "lsk"));
    // A key name deeper in a path is just a map key.
    ok(ctx.db.query(QueryInput { projection: Some(vec![at("m").key("pk")]), ..base() }).await);
    match err(ctx.db.query(query(&ctx.table("query-nope"), &[("pk", s("p"))])).await) {
        Error::ResourceNotFound { .. } => {}
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    drop_table(ctx.db, &name).await;
}

pub(super) async fn query_exclusive_start_keys(ctx: &Ctx<'_>) {
    let name = ctx.table("query-start");
    let mut input = simple_table(name.clone());
    input.attribute_definitions = vec![define("pk", ScalarType::S), define("sk", ScalarType::N)];
    create(ctx.db, input).await;
    for i in 0..6 {
        ok(ctx.db.put_item(put(&name, item([("pk", s("p")), ("sk", n(&i.to_string()))]))).await);
    }
    let base = || query(&name, &[("pk", s("p"))]);
    let from =
        |start: Item, input: QueryInput| QueryInput { exclusive_start_key: Some(start), ..input };
    let start = |sk: &str| item([("pk", s("p")), ("sk", n(sk))]);

    // Resuming just after a key, also one no item has, in both directions.
    let page = ok(ctx.db.query(from(start("2"), base())).await);
    assert_eq!(column(&page.items, "sk"), ns_list(&["3", "4", "5"]));
    let page = ok(ctx
        .db
        .query(from(start("2.5"), QueryInput { scan_index_forward: false, ..base() }))
        .await);
    assert_eq!(column(&page.items, "sk"), ns_list(&["2", "1", "0"]));
    let page = ok(ctx
        .db
        .query(from(
            start("1"),
            with_sort(base(), &[("sk", SortKeyCondition::Between(n("1"), n("3")))]),
        ))
        .await);
    assert_eq!(column(&page.items, "sk"), ns_list(&["2", "3"]));

    for (start_key, input, expected) in [
        (
            item([("pk", s("p"))]),
            base(),
            "Exclusive Start Key must have same size as table's key schema",
        ),
        (
            item([("pk", s("p")), ("sk", n("1")), ("x", s("y"))]),
            base(),
            "Exclusive Start Key must have same size as table's key schema",
        ),
        (
            item([("pk", s("q")), ("sk", n("1"))]),
            base(),
            "The provided starting key does not match the range key predicate",
        ),
        (
            start("0"),
            with_sort(base(), &[("sk", SortKeyCondition::Gt(n("2")))]),
            "The provided starting key does not match the range key predicate",
        ),
    ] {
        assert_eq!(validation(ctx.db.query(from(start_key, input)).await), expected);
    }
    validation(ctx.db.query(from(item([("pk", s("p")), ("sk", s("1"))]), base())).await);
    drop_table(ctx.db, &name).await;
}

pub(super) async fn query_one_mb_pages(ctx: &Ctx<'_>) {
    let name = ctx.table("query-mb");
    create(ctx.db, simple_table(name.clone())).await;
    // Six items of 195 KB: 1,170 KB in all.
    for i in 0..6 {
        let big =
            item([("pk", s("p")), ("sk", s(&format!("{i}"))), ("pad", s(&"x".repeat(195 * 1024)))]);
        ok(ctx.db.put_item(put(&name, big)).await);
    }
    let input = QueryInput {
        projection: Some(vec![at("sk")]),
        return_consumed_capacity: ReturnConsumedCapacity::Total,
        ..query(&name, &[("pk", s("p"))])
    };
    let pages = query_pages(ctx.db, input).await;
    let keys: Vec<AttributeValue> = pages.iter().flat_map(|p| column(&p.items, "sk")).collect();
    assert_eq!(keys, ["0", "1", "2", "3", "4", "5"].map(s), "every item, once, in order");
    // DynamoDB documents pages of "1 MB (or less)": five 195 KB items fit, the sixth
    // would cross 1 MB and starts the next page (the engine). DynamoDB Local includes the
    // item that crosses 1 MB, so its first page holds all six (and, the table being
    // read to its end, no LastEvaluatedKey).
    let first = &pages[0];
    match first.items.len() {
        5 => {
            assert!(first.last_evaluated_key.is_some(), "the first page stopped at 1 MB");
            assert_eq!(pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(), [5, 1]);
        }
        6 => assert_eq!(pages.len(), 1, "DynamoDB Local: one page, nothing left"),
        other => panic!("a first page of {other} items"),
    }
    // The projection does not lower the cost: bytes read, in 4 KB units, halved.
    let units = first.consumed_capacity.as_ref().map(|c| c.capacity_units);
    let expected = |items: usize| {
        let bytes = items * (2 + 1 + 1 + 3 + 195 * 1024);
        (bytes.div_ceil(4096) as f64) / 2.0
    };
    assert_eq!(units, Some(expected(first.items.len())));
    drop_table(ctx.db, &name).await;
}

pub(super) async fn query_consumed_capacity(ctx: &Ctx<'_>) {
    let name = ctx.table("query-capacity");
    create(ctx.db, simple_table(name.clone())).await;
    // Three items of 2,000 bytes (pk:"p" 3 + sk:"sN" 4 + d 1+1992): 6,000 bytes, 2 units.
    for i in 0..3 {
        ok(ctx
            .db
            .put_item(put(
                &name,
                item([("pk", s("p")), ("sk", s(&format!("s{i}"))), ("d", s(&"x".repeat(1992)))]),
            ))
            .await);
    }
    let read =
        |consistent: bool, mode: ReturnConsumedCapacity, select: Option<Select>| QueryInput {
            consistent_read: consistent,
            return_consumed_capacity: mode,
            select,
            ..query(&name, &[("pk", s("p"))])
        };
    let strong = ok(ctx.db.query(read(true, ReturnConsumedCapacity::Indexes, None)).await);
    let report = strong.consumed_capacity.unwrap_or_else(|| panic!("INDEXES asked for"));
    assert_eq!((report.capacity_units, report.table.map(|t| t.capacity_units)), (2.0, Some(2.0)));
    assert!(
        report.global_secondary_indexes.is_empty() && report.local_secondary_indexes.is_empty()
    );
    let eventual =
        ok(ctx.db.query(read(false, ReturnConsumedCapacity::Total, Some(Select::Count))).await);
    assert_eq!(eventual.consumed_capacity.map(|c| (c.capacity_units, c.table)), Some((1.0, None)));
    let none = ok(ctx.db.query(read(true, ReturnConsumedCapacity::None, None)).await);
    assert_eq!(none.consumed_capacity, None);
    // A read that finds nothing: DynamoDB bills at least one unit (0.5 eventually
    // consistent); DynamoDB Local reports 0.
    let empty = ok(ctx
        .db
        .query(QueryInput {
            return_consumed_capacity: ReturnConsumedCapacity::Total,
            ..query(&name, &[("pk", s("none"))])
        })
        .await);
    let units = empty.consumed_capacity.map(|c| c.capacity_units);
    assert!(units == Some(0.5) || units == Some(0.0), "{units:?}");
    drop_table(ctx.db, &name).await;
}

/// The items of the indexed table used by the index queries.
pub(super) fn index_items() -> Vec<Item> {
    let row = |sk: &str, extra: &[(&str, AttributeValue)]| {
        indexed_item(
            sk,
            &[&[("name", s(&format!("n{sk}"))), ("extra", s(&format!("x{sk}")))], extra].concat(),
        )
    };
    vec![
        row(
            "1",
            &[
                ("tenant", s("t1")),
                ("region", s("r1")),
                ("created", n("10")),
                ("id", b(&[1])),
                ("g", s("ga")),
                ("lsk", s("l6")),
            ],
        ),
        row(
            "2",
            &[
                ("tenant", s("t1")),
                ("region", s("r1")),
                ("created", n("20")),
                ("id", b(&[1])),
                ("g", s("ga")),
                ("lsk", s("l5")),
            ],
        ),
        row(
            "3",
            &[
                ("tenant", s("t1")),
                ("region", s("r1")),
                ("created", n("20")),
                ("id", b(&[2])),
                ("g", s("gb")),
                ("lsk", s("l4")),
            ],
        ),
        row(
            "4",
            &[
                ("tenant", s("t1")),
                ("region", s("r2")),
                ("created", n("30")),
                ("id", b(&[1])),
                ("lsk", s("l3")),
            ],
        ),
        row(
            "5",
            &[
                ("tenant", s("t2")),
                ("region", s("r1")),
                ("created", n("10")),
                ("id", b(&[1])),
                ("g", s("ga")),
            ],
        ),
        row(
            "6",
            &[("tenant", s("t1")), ("region", s("r1")), ("created", n("40")), ("id", b(&[3]))],
        ),
        row("7", &[("tenant", s("t1")), ("created", n("50")), ("id", b(&[1]))]),
    ]
}

pub(super) async fn indexed_with_items(ctx: &Ctx<'_>, suffix: &str) -> String {
    let name = ctx.table(suffix);
    let mut input = indexed_table(name.clone());
    input.stream = None;
    create(ctx.db, input).await;
    for row in index_items() {
        ok(ctx.db.put_item(put(&name, row)).await);
    }
    name
}

pub(super) async fn query_multi_attribute_gsi(ctx: &Ctx<'_>) {
    let name = indexed_with_items(ctx, "query-multi").await;
    let tenant = |t: &str, r: &str| {
        on_index("by_tenant", query(&name, &[("tenant", s(t)), ("region", s(r))]))
    };
    let sks = |page: &PageOutput| column(&page.items, "sk");

    let page = ok(ctx.db.query(tenant("t1", "r1")).await);
    assert_eq!(sks(&page), ns_list(&["1", "2", "3", "6"]), "by created, then id");
    // INCLUDE name: the table keys, the index keys and name only.
    let mut expected = index_items()[0].clone();
    expected.remove("g");
    expected.remove("lsk");
    expected.remove("extra");
    assert_eq!(page.items[0], expected);
    let desc =
        ok(ctx.db.query(QueryInput { scan_index_forward: false, ..tenant("t1", "r1") }).await);
    assert_eq!(sks(&desc), ns_list(&["6", "3", "2", "1"]));

    for (sort, expected) in [
        (vec![("created", SortKeyCondition::Eq(n("20")))], vec!["2", "3"]),
        (vec![("created", SortKeyCondition::Gt(n("10")))], vec!["2", "3", "6"]),
        (vec![("created", SortKeyCondition::Between(n("11"), n("40")))], vec!["2", "3", "6"]),
        (
            vec![("created", SortKeyCondition::Eq(n("20"))), ("id", SortKeyCondition::Ge(b(&[2])))],
            vec!["3"],
        ),
        (
            vec![
                ("created", SortKeyCondition::Eq(n("20"))),
                ("id", SortKeyCondition::BeginsWith(b(&[1]))),
            ],
            vec!["2"],
        ),
        (
            vec![("created", SortKeyCondition::Eq(n("20"))), ("id", SortKeyCondition::Lt(b(&[1])))],
            vec![],
        ),
    ] {
        let page = ok(ctx.db.query(with_sort(tenant("t1", "r1"), &sort)).await);
        assert_eq!(sks(&page), ns_list(&expected), "{sort:?}");
    }
    assert_eq!(ok(ctx.db.query(tenant("t1", "r2")).await).count, 1);

    // Pages: LastEvaluatedKey holds the table key and every part of the index key.
    let pages = query_pages(ctx.db, QueryInput { limit: Some(3), ..tenant("t1", "r1") }).await;
    assert_eq!(pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(), [3, 1]);
    assert_eq!(
        pages[0].last_evaluated_key,
        Some(item([
            ("pk", s("p")),
            ("sk", n("3")),
            ("tenant", s("t1")),
            ("region", s("r1")),
            ("created", n("20")),
            ("id", b(&[2])),
        ]))
    );
    let back = query_pages(
        ctx.db,
        QueryInput { limit: Some(3), scan_index_forward: false, ..tenant("t1", "r1") },
    )
    .await;
    assert_eq!(back.iter().flat_map(sks).collect::<Vec<_>>(), ns_list(&["6", "3", "2", "1"]));

    // The query rules of multi-attribute keys (DynamoDB Local's wording).
    let rule = [
        (
            on_index("by_tenant", query(&name, &[("tenant", s("t1"))])),
            "HASH key attributes region must have equality conditions specified in the query",
        ),
        (
            with_sort(on_index("by_tenant", query(&name, &[("tenant", s("t1"))])), &[("region", SortKeyCondition::Gt(s("r")))]),
            "HASH key attributes region must have equality conditions specified in the query",
        ),
        (
            with_sort(tenant("t1", "r1"), &[("id", SortKeyCondition::Eq(b(&[1])))]),
            "RANGE key attributes created must have equality conditions specified in the query because a condition is present on key attribute id",
        ),
        (
            with_sort(tenant("t1", "r1"), &[("created", SortKeyCondition::Gt(n("1"))), ("id", SortKeyCondition::Eq(b(&[1])))]),
            "RANGE key attributes created must have equality conditions specified in the query because a condition is present on key attribute id",
        ),
        (
            with_sort(tenant("t1", "r1"), &[("created", SortKeyCondition::Eq(s("20")))]),
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ),
        (
            QueryInput { filter: Some(compare("created", Comparator::Gt, n("1"))), ..tenant("t1", "r1") },
            "Filter Expression can only contain non-primary key attributes: Primary key attribute: created",
        ),
        (
            QueryInput { projection: Some(vec![at("extra"), at("name"), at("m").key("x")]), ..tenant("t1", "r1") },
            "One or more parameter values were invalid: Global secondary index by_tenant does not project [extra, m]",
        ),
        (
            QueryInput { filter: Some(compare("extra", Comparator::Eq, s("x"))), ..tenant("t1", "r1") },
            "One or more parameter values were invalid: Secondary index by_tenant does not project one or more filter attributes: [extra]",
        ),
        (
            QueryInput { select: Some(Select::AllAttributes), ..tenant("t1", "r1") },
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index by_tenant because its projection type is not ALL",
        ),
        (
            QueryInput { exclusive_start_key: Some(item([("pk", s("p")), ("sk", n("1"))])), ..tenant("t1", "r1") },
            "The provided starting key is invalid",
        ),
    ];
    for (input, expected) in rule {
        assert_eq!(validation(ctx.db.query(input).await), expected);
    }
    let message =
        validation(ctx.db.query(on_index("by_tenant", query(&name, &[("created", n("1"))]))).await);
    assert!(message.starts_with("HASH key attributes tenant, region must"), "{message}");
    // The table's own key attributes may be filtered on a GSI query.
    let filtered = ok(ctx
        .db
        .query(QueryInput {
            filter: Some(compare("sk", Comparator::Gt, n("2"))),
            ..tenant("t1", "r1")
        })
        .await);
    assert_eq!((filtered.count, filtered.scanned_count), (2, 4));
    drop_table(ctx.db, &name).await;
}

pub(super) async fn query_single_attribute_gsis_and_sparse_entries(ctx: &Ctx<'_>) {
    let name = indexed_with_items(ctx, "query-gsi").await;
    let by = |index: &str, g: &str| on_index(index, query(&name, &[("g", s(g))]));

    // by_g_all (g / sk, ALL): whole items, in sk order; items without g are not there.
    let page = ok(ctx.db.query(by("by_g_all", "ga")).await);
    assert_eq!(column(&page.items, "sk"), ns_list(&["1", "2", "5"]));
    assert_eq!(page.items[0], index_items()[0]);
    let page = ok(ctx
        .db
        .query(with_sort(by("by_g_all", "ga"), &[("sk", SortKeyCondition::Le(n("2")))]))
        .await);
    assert_eq!(column(&page.items, "sk"), ns_list(&["1", "2"]));
    let pages = query_pages(ctx.db, QueryInput { limit: Some(2), ..by("by_g_all", "ga") }).await;
    assert_eq!(
        pages[0].last_evaluated_key,
        Some(item([("pk", s("p")), ("sk", n("2")), ("g", s("ga"))])),
        "the table key and the index key, once each"
    );
    assert_eq!(
        pages.iter().flat_map(|p| column(&p.items, "sk")).collect::<Vec<_>>(),
        ns_list(&["1", "2", "5"])
    );
    assert_eq!(ok(ctx.db.query(by("by_g_all", "none")).await).count, 0);

    // by_g (g, KEYS_ONLY, no sort key): entries with equal keys come in no set order.
    let page = ok(ctx.db.query(by("by_g", "ga")).await);
    let mut entries = page.items.clone();
    entries.sort_by_key(|entry| format!("{:?}", entry.get("sk")));
    assert_eq!(
        entries,
        ["1", "2", "5"].map(|sk| item([("pk", s("p")), ("sk", n(sk)), ("g", s("ga"))]))
    );
    let pages = query_pages(ctx.db, QueryInput { limit: Some(1), ..by("by_g", "ga") }).await;
    let mut seen: Vec<AttributeValue> = pages.iter().flat_map(|p| column(&p.items, "sk")).collect();
    seen.sort_by_key(|v| format!("{v:?}"));
    assert_eq!(seen, ns_list(&["1", "2", "5"]));
    let counted =
        ok(ctx.db.query(QueryInput { select: Some(Select::Count), ..by("by_g", "ga") }).await);
    assert_eq!((counted.count, counted.items.len()), (3, 0));
    assert_eq!(
        validation(ctx.db.query(QueryInput { projection: Some(vec![at("name")]), ..by("by_g", "ga") }).await),
        "One or more parameter values were invalid: Global secondary index by_g does not project [name]"
    );
    let keys =
        ok(ctx.db.query(QueryInput { projection: Some(vec![at("sk")]), ..by("by_g", "gb") }).await);
    assert_eq!(keys.items, [item([("sk", n("3"))])]);
    drop_table(ctx.db, &name).await;
}

pub(super) async fn query_lsi_fetches_unprojected_attributes(ctx: &Ctx<'_>) {
    let name = indexed_with_items(ctx, "query-lsi").await;
    let lsi = || on_index("by_lsk", query(&name, &[("pk", s("p"))]));
    // by_lsk (pk / lsk, KEYS_ONLY): ordered by lsk; items without lsk are not there.
    let page = ok(ctx
        .db
        .query(QueryInput { return_consumed_capacity: ReturnConsumedCapacity::Indexes, ..lsi() })
        .await);
    assert_eq!(column(&page.items, "sk"), ns_list(&["4", "3", "2", "1"]));
    assert_eq!(page.items[0], item([("pk", s("p")), ("sk", n("4")), ("lsk", s("l3"))]));
    let report = page.consumed_capacity.unwrap_or_else(|| panic!("INDEXES asked for"));
    assert_eq!(
        report.table.map(|t| t.capacity_units),
        Some(0.0),
        "entries only: the table is not read"
    );
    assert_eq!(
        report
            .local_secondary_indexes
            .iter()
            .map(|(n, c)| (n.as_str(), c.capacity_units))
            .collect::<Vec<_>>(),
        [("by_lsk", 0.5)]
    );

    // Unprojected attributes come from the table, which bills each item read.
    let all = ok(ctx
        .db
        .query(QueryInput {
            select: Some(Select::AllAttributes),
            limit: Some(2),
            return_consumed_capacity: ReturnConsumedCapacity::Indexes,
            ..lsi()
        })
        .await);
    assert_eq!(all.items, [index_items()[3].clone(), index_items()[2].clone()]);
    assert_eq!(
        all.last_evaluated_key,
        Some(item([("pk", s("p")), ("sk", n("3")), ("lsk", s("l4"))]))
    );
    let report = all.consumed_capacity.unwrap_or_else(|| panic!("INDEXES asked for"));
    assert_eq!(
        (report.capacity_units, report.table.map(|t| t.capacity_units)),
        (1.5, Some(1.0)),
        "two table items at 0.5 each, plus the entries; {report:?}"
    );
    let named = ok(ctx
        .db
        .query(QueryInput {
            projection: Some(vec![at("name"), at("lsk")]),
            consistent_read: true,
            ..with_sort(lsi(), &[("lsk", SortKeyCondition::BeginsWith(s("l5")))])
        })
        .await);
    assert_eq!(named.items, [item([("name", s("n2")), ("lsk", s("l5"))])]);
    let page = ok(ctx.db.query(with_sort(lsi(), &[("lsk", SortKeyCondition::Gt(s("l4")))])).await);
    assert_eq!(column(&page.items, "lsk"), [s("l5"), s("l6")]);
    let pages =
        query_pages(ctx.db, QueryInput { limit: Some(3), scan_index_forward: false, ..lsi() })
            .await;
    assert_eq!(
        pages.iter().flat_map(|p| column(&p.items, "lsk")).collect::<Vec<_>>(),
        ["l6", "l5", "l4", "l3"].map(s)
    );

    for (input, expected) in [
        (
            QueryInput { filter: Some(compare("name", Comparator::Eq, s("n1"))), ..lsi() },
            "One or more parameter values were invalid: Secondary index by_lsk does not project one or more filter attributes: [name]",
        ),
        (
            QueryInput { filter: Some(compare("lsk", Comparator::Eq, s("l1"))), ..lsi() },
            "Filter Expression can only contain non-primary key attributes: Primary key attribute: lsk",
        ),
        (
            QueryInput { exclusive_start_key: Some(item([("pk", s("p")), ("sk", n("1"))])), ..lsi() },
            "Exclusive Start Key must have same size as table's key schema",
        ),
    ] {
        assert_eq!(validation(ctx.db.query(input).await), expected);
    }
    // The table's sort key is no key of the LSI: it may be filtered on.
    let filtered = ok(ctx
        .db
        .query(QueryInput { filter: Some(compare("sk", Comparator::Lt, n("3"))), ..lsi() })
        .await);
    assert_eq!(column(&filtered.items, "sk"), ns_list(&["2", "1"]));
    drop_table(ctx.db, &name).await;
}
