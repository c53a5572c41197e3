//! Items: put, get, delete, conditions, return values, capacity.

use super::*;

/// An item with every attribute type, numbers at DynamoDB's limits, empty strings and
/// binaries outside keys, nesting and empty containers.
pub fn every_type_item(pk: &str) -> Item {
    item([
        ("pk", s(pk)),
        ("sk", s("all-types")),
        ("s", s("héllo 😀")),
        ("empty_s", s("")),
        ("n38", n("12345678901234567890123456789012345678")),
        ("n_neg", n("-98765432109876543210.123456789012345678")),
        ("n_tiny", n("1E-130")),
        ("n_huge", n("9.9999999999999999999999999999999999999E+125")),
        ("n_zero", n("0")),
        ("b", AttributeValue::B(vec![0, 1, 2, 254, 255])),
        ("empty_b", AttributeValue::B(vec![])),
        ("t", AttributeValue::Bool(true)),
        ("f", AttributeValue::Bool(false)),
        ("null", AttributeValue::Null),
        (
            "l",
            AttributeValue::L(vec![
                s("x"),
                n("1.5"),
                AttributeValue::Null,
                AttributeValue::L(vec![]),
                AttributeValue::M(Item::new()),
            ]),
        ),
        (
            "m",
            AttributeValue::M(item([
                ("inner", s("v")),
                ("deeper", AttributeValue::M(item([("ns", AttributeValue::Ns(vec![num("3")]))]))),
            ])),
        ),
        ("ss", AttributeValue::Ss(vec!["b".into(), "a".into(), "".into()])),
        ("ns", AttributeValue::Ns(vec![num("10"), num("-1"), num("0.001"), num("1E-130")])),
        ("bs", AttributeValue::Bs(vec![vec![2], vec![1, 0], vec![]])),
    ])
}

pub(super) async fn every_attribute_type_round_trips(ctx: &Ctx<'_>) {
    let name = ctx.table("types");
    create(ctx.db, simple_table(name.clone())).await;
    let stored = every_type_item("p");
    ok(ctx.db.put_item(put(&name, stored.clone())).await);
    let got = ok(ctx.db.get_item(get(&name, key("p", "all-types"))).await);
    let got = got.item.unwrap_or_else(|| panic!("the item is missing"));
    assert_eq!(normalized(&got), normalized(&stored));

    // Numbers come back canonical: no exponent, no redundant zeros.
    let AttributeValue::N(tiny) = &got["n_tiny"] else { panic!("n_tiny: {:?}", got["n_tiny"]) };
    assert_eq!(tiny.as_str(), format!("0.{}1", "0".repeat(129)));
    let AttributeValue::N(huge) = &got["n_huge"] else { panic!("n_huge: {:?}", got["n_huge"]) };
    assert_eq!(huge.as_str(), format!("{}{}", "9".repeat(38), "0".repeat(88)));

    // Binary keys too.
    let binary = ctx.table("types-binary");
    let mut input = simple_table(binary.clone());
    input.attribute_definitions = vec![define("pk", ScalarType::B), define("sk", ScalarType::N)];
    create(ctx.db, input).await;
    let stored = item([("pk", AttributeValue::B(vec![0, 255])), ("sk", n("-1.5")), ("v", s("x"))]);
    ok(ctx.db.put_item(put(&binary, stored.clone())).await);
    let key = item([("pk", AttributeValue::B(vec![0, 255])), ("sk", n("-1.50"))]);
    assert_eq!(ok(ctx.db.get_item(get(&binary, key)).await).item, Some(stored));
    drop_table(ctx.db, &name).await;
    drop_table(ctx.db, &binary).await;
}

pub(super) async fn projection_and_consistent_read(ctx: &Ctx<'_>) {
    let name = ctx.table("projection");
    create(ctx.db, simple_table(name.clone())).await;
    let stored = item([
        ("pk", s("p")),
        ("sk", s("s")),
        ("data", s("reserved word")),
        ("a.b", s("dotted name")),
        ("my name#:[x]", n("7")),
        ("m", AttributeValue::M(item([("inner", s("v")), ("other", s("w"))]))),
        ("l", AttributeValue::L(vec![s("l0"), s("l1"), s("l2")])),
        ("unused", s("left out")),
    ]);
    ok(ctx.db.put_item(put(&name, stored)).await);
    let projection = vec![
        Path::attribute("data"),
        Path::attribute("a.b"),
        Path::attribute("my name#:[x]"),
        Path::attribute("m").key("inner"),
        Path::attribute("l").index(1),
        Path::attribute("absent"),
    ];
    let got = ok(ctx
        .db
        .get_item(GetItemInput {
            projection: Some(projection),
            consistent_read: true,
            ..get(&name, key("p", "s"))
        })
        .await);
    let expected = item([
        ("data", s("reserved word")),
        ("a.b", s("dotted name")),
        ("my name#:[x]", n("7")),
        ("m", AttributeValue::M(item([("inner", s("v"))]))),
        ("l", AttributeValue::L(vec![s("l1")])),
    ]);
    assert_eq!(got.item, Some(expected));
    assert_eq!(got.consumed_capacity, None, "not asked for");
    drop_table(ctx.db, &name).await;
}

pub(super) async fn missing_item_is_none(ctx: &Ctx<'_>) {
    let name = ctx.table("missing-item");
    create(ctx.db, simple_table(name.clone())).await;
    assert_eq!(ok(ctx.db.get_item(get(&name, key("nope", "nope"))).await).item, None);
    let deleted = ok(ctx
        .db
        .delete_item(DeleteItemInput {
            return_values: ReturnValues::AllOld,
            ..delete(&name, key("nope", "x"))
        })
        .await);
    assert_eq!(deleted.attributes, None, "deleting a missing item succeeds and returns nothing");
    drop_table(ctx.db, &name).await;
}

pub(super) fn not_exists(name: &str) -> Condition {
    Condition::AttributeNotExists(Path::attribute(name))
}

pub(super) fn compare(name: &str, op: Comparator, value: AttributeValue) -> Condition {
    Condition::Compare {
        left: Operand::Path(Path::attribute(name)),
        op,
        right: Operand::Value(value),
    }
}

#[track_caller]
pub(super) fn assert_condition_failed<T: std::fmt::Debug>(
    result: Result<T, Error>,
    expected_item: Option<&Item>,
) {
    match err(result) {
        Error::ConditionalCheckFailed { item, .. } => {
            assert_eq!(item.as_deref().map(normalized), expected_item.map(normalized));
        }
        other => panic!("expected ConditionalCheckFailedException, got {other:?}"),
    }
}

pub(super) async fn conditions_fail_with_conditional_check_failed(ctx: &Ctx<'_>) {
    let name = ctx.table("conditions");
    create(ctx.db, simple_table(name.clone())).await;
    let v1 = item([("pk", s("p")), ("sk", s("s")), ("v", n("1")), ("size", s("reserved"))]);
    let create_only =
        |item: Item| PutItemInput { condition: Some(not_exists("pk")), ..put(&name, item) };

    ok(ctx.db.put_item(create_only(v1.clone())).await);
    assert_condition_failed(ctx.db.put_item(create_only(v1.clone())).await, None);

    // Optimistic locking: only replace version 1.
    let v2 = item([("pk", s("p")), ("sk", s("s")), ("v", n("2"))]);
    let if_version = |version: &str, item: Item| PutItemInput {
        condition: Some(
            compare("v", Comparator::Eq, n(version))
                .and(Condition::AttributeExists(Path::attribute("size"))),
        ),
        ..put(&name, item)
    };
    ok(ctx.db.put_item(if_version("1", v2.clone())).await);
    assert_condition_failed(ctx.db.put_item(if_version("1", v2.clone())).await, None);
    assert_eq!(ok(ctx.db.get_item(get(&name, key("p", "s"))).await).item, Some(v2.clone()));

    // Types never mix: N 2 does not equal S "2".
    let typed = PutItemInput {
        condition: Some(compare("v", Comparator::Eq, s("2"))),
        ..put(&name, v2.clone())
    };
    assert_condition_failed(ctx.db.put_item(typed).await, None);

    // DeleteItem with a false condition keeps the item; a true one deletes it.
    let guarded = |condition: Condition| DeleteItemInput {
        condition: Some(condition),
        ..delete(&name, key("p", "s"))
    };
    assert_condition_failed(
        ctx.db.delete_item(guarded(compare("v", Comparator::Gt, n("2")))).await,
        None,
    );
    assert!(ok(ctx.db.get_item(get(&name, key("p", "s"))).await).item.is_some());
    ok(ctx.db.delete_item(guarded(compare("v", Comparator::Ge, n("2")))).await);
    assert_eq!(ok(ctx.db.get_item(get(&name, key("p", "s"))).await).item, None);

    // On a missing item, attribute_exists fails and attribute_not_exists holds.
    assert_condition_failed(
        ctx.db.delete_item(guarded(Condition::AttributeExists(Path::attribute("pk")))).await,
        None,
    );
    ok(ctx.db.delete_item(guarded(not_exists("pk"))).await);
    drop_table(ctx.db, &name).await;
}

pub(super) async fn return_old_item_on_condition_failure(ctx: &Ctx<'_>) {
    let name = ctx.table("condition-item");
    create(ctx.db, simple_table(name.clone())).await;
    let old = every_type_item("p");
    ok(ctx.db.put_item(put(&name, old.clone())).await);

    let put_input = PutItemInput {
        condition: Some(not_exists("pk")),
        return_old_on_condition_failure: true,
        ..put(&name, key("p", "all-types"))
    };
    assert_condition_failed(ctx.db.put_item(put_input).await, Some(&old));

    let delete_input = DeleteItemInput {
        condition: Some(compare("n38", Comparator::Lt, n("0"))),
        return_old_on_condition_failure: true,
        ..delete(&name, key("p", "all-types"))
    };
    assert_condition_failed(ctx.db.delete_item(delete_input).await, Some(&old));

    // No item, nothing to return.
    let missing = DeleteItemInput {
        condition: Some(Condition::AttributeExists(Path::attribute("pk"))),
        return_old_on_condition_failure: true,
        ..delete(&name, key("nope", "nope"))
    };
    assert_condition_failed(ctx.db.delete_item(missing).await, None);
    drop_table(ctx.db, &name).await;
}

pub(super) async fn return_values_all_old(ctx: &Ctx<'_>) {
    let name = ctx.table("return-values");
    create(ctx.db, simple_table(name.clone())).await;
    let all_old =
        |item: Item| PutItemInput { return_values: ReturnValues::AllOld, ..put(&name, item) };
    let v1 = item([("pk", s("p")), ("sk", s("s")), ("v", n("1"))]);
    let v2 = item([("pk", s("p")), ("sk", s("s")), ("w", s("two"))]);
    assert_eq!(ok(ctx.db.put_item(all_old(v1.clone())).await).attributes, None);
    assert_eq!(ok(ctx.db.put_item(all_old(v2.clone())).await).attributes, Some(v1));
    assert_eq!(ok(ctx.db.put_item(put(&name, v2.clone())).await).attributes, None, "NONE");
    let deleted = ok(ctx
        .db
        .delete_item(DeleteItemInput {
            return_values: ReturnValues::AllOld,
            ..delete(&name, key("p", "s"))
        })
        .await);
    assert_eq!(deleted.attributes, Some(v2.clone()));

    // PutItem and DeleteItem take only NONE and ALL_OLD.
    for return_values in [ReturnValues::AllNew, ReturnValues::UpdatedOld, ReturnValues::UpdatedNew]
    {
        assert_validation(
            ctx.db.put_item(PutItemInput { return_values, ..put(&name, v2.clone()) }).await,
            "PutItem ReturnValues",
        );
        assert_validation(
            ctx.db
                .delete_item(DeleteItemInput { return_values, ..delete(&name, key("p", "s")) })
                .await,
            "DeleteItem ReturnValues",
        );
    }
    drop_table(ctx.db, &name).await;
}

pub(super) async fn invalid_requests_are_validation_errors(ctx: &Ctx<'_>) {
    let name = ctx.table("validation");
    create(ctx.db, simple_table(name.clone())).await;
    assert_validation(ctx.db.put_item(put(&name, key("", "s"))).await, "empty partition key");
    assert_validation(ctx.db.put_item(put(&name, key("p", ""))).await, "empty sort key");
    assert_validation(ctx.db.get_item(get(&name, key("", "s"))).await, "empty key in GetItem");
    assert_validation(
        ctx.db.put_item(put(&name, item([("pk", s("p"))]))).await,
        "missing sort key",
    );
    assert_validation(
        ctx.db.put_item(put(&name, item([("pk", n("1")), ("sk", s("s"))]))).await,
        "key of the wrong type",
    );
    assert_validation(
        ctx.db.get_item(get(&name, item([("pk", s("p")), ("sk", s("s")), ("x", s("x"))]))).await,
        "extra key attribute",
    );
    assert_validation(
        ctx.db
            .put_item(put(
                &name,
                item([("pk", s("p")), ("sk", s("s")), ("ss", AttributeValue::Ss(vec![]))]),
            ))
            .await,
        "empty set",
    );
    assert_validation(
        ctx.db
            .put_item(put(
                &name,
                item([
                    ("pk", s("p")),
                    ("sk", s("s")),
                    ("ss", AttributeValue::Ss(vec!["a".into(), "a".into()])),
                ]),
            ))
            .await,
        "duplicate set members",
    );
    let mut gsi_table = simple_table(ctx.table("validation-gsi"));
    gsi_table.attribute_definitions.push(define("g", ScalarType::S));
    gsi_table.global_secondary_indexes.push(SecondaryIndex {
        index_name: "by_g".to_owned(),
        key_schema: vec![hash("g")],
        projection: ProjectionSpec::KeysOnly,
        provisioned_throughput: None,
    });
    let gsi_name = gsi_table.table_name.clone();
    create(ctx.db, gsi_table).await;
    assert_validation(
        ctx.db.put_item(put(&gsi_name, item([("pk", s("p")), ("sk", s("s")), ("g", s(""))]))).await,
        "empty GSI key",
    );
    assert_validation(
        ctx.db
            .put_item(put(&gsi_name, item([("pk", s("p")), ("sk", s("s")), ("g", n("1"))])))
            .await,
        "GSI key of the wrong type",
    );
    drop_table(ctx.db, &name).await;
    drop_table(ctx.db, &gsi_name).await;
}

pub(super) async fn consumed_capacity_total_and_indexes(ctx: &Ctx<'_>) {
    let name = ctx.table("capacity");
    create(ctx.db, indexed_table(name.clone())).await;
    // A 1.5 KB item in every index.
    let stored = item([
        ("pk", s("p")),
        ("sk", n("1")),
        ("tenant", s("t")),
        ("region", s("r")),
        ("created", n("5")),
        ("id", AttributeValue::B(vec![1])),
        ("g", s("g")),
        ("lsk", s("l")),
        ("name", s("n")),
        ("pad", s(&"x".repeat(1500))),
    ]);
    let key = item([("pk", s("p")), ("sk", n("1"))]);

    let indexes = ok(ctx
        .db
        .put_item(PutItemInput {
            return_consumed_capacity: ReturnConsumedCapacity::Indexes,
            ..put(&name, stored.clone())
        })
        .await)
    .consumed_capacity
    .unwrap_or_else(|| panic!("INDEXES asked for"));
    // Per-index figures are a map in DynamoDB's API: compare them by name.
    let units = |list: &[(String, singletable_core::backend::Capacity)]| {
        let mut units: Vec<_> =
            list.iter().map(|(name, c)| (name.clone(), c.capacity_units)).collect();
        units.sort_by(|a, b| a.0.cmp(&b.0));
        units
    };
    assert_eq!(indexes.table_name, name);
    assert_eq!(indexes.table.map(|t| t.capacity_units), Some(2.0), "1.5 KB: 2 units; {indexes:?}");
    assert_eq!(
        units(&indexes.global_secondary_indexes),
        [("by_g".to_owned(), 1.0), ("by_g_all".to_owned(), 2.0), ("by_tenant".to_owned(), 1.0)],
        "new entries cost by their own size; {indexes:?}"
    );
    assert_eq!(
        units(&indexes.local_secondary_indexes),
        [("by_lsk".to_owned(), 1.0)],
        "{indexes:?}"
    );
    assert_eq!(indexes.capacity_units, 7.0, "{indexes:?}");

    // Replacing the item with itself changes no index entry.
    let total = ok(ctx
        .db
        .put_item(PutItemInput {
            return_consumed_capacity: ReturnConsumedCapacity::Total,
            ..put(&name, stored.clone())
        })
        .await)
    .consumed_capacity
    .unwrap_or_else(|| panic!("TOTAL asked for"));
    assert_eq!(total.capacity_units, 2.0, "{total:?}");
    assert_eq!(
        (total.table, total.global_secondary_indexes.len()),
        (None, 0),
        "TOTAL has no breakdown"
    );

    let read = |consistent: bool, report: ReturnConsumedCapacity| GetItemInput {
        consistent_read: consistent,
        return_consumed_capacity: report,
        ..get(&name, key.clone())
    };
    let eventual = ok(ctx.db.get_item(read(false, ReturnConsumedCapacity::Total)).await);
    assert_eq!(eventual.consumed_capacity.map(|c| c.capacity_units), Some(0.5));
    let strong = ok(ctx.db.get_item(read(true, ReturnConsumedCapacity::Indexes)).await);
    let strong = strong.consumed_capacity.unwrap_or_else(|| panic!("INDEXES asked for"));
    assert_eq!((strong.capacity_units, strong.table.map(|t| t.capacity_units)), (1.0, Some(1.0)));
    assert!(
        strong.global_secondary_indexes.is_empty() && strong.local_secondary_indexes.is_empty()
    );
    let none = ok(ctx.db.get_item(read(true, ReturnConsumedCapacity::None)).await);
    assert_eq!(none.consumed_capacity, None);

    let deleted = ok(ctx
        .db
        .delete_item(DeleteItemInput {
            return_consumed_capacity: ReturnConsumedCapacity::Total,
            ..delete(&name, key.clone())
        })
        .await);
    assert_eq!(deleted.consumed_capacity.map(|c| c.capacity_units), Some(7.0), "entries removed");
    drop_table(ctx.db, &name).await;
}
