//! UpdateItem: every action, return values, conditions, errors, index keys in step.

use super::*;

/// The message of a `ValidationException`, or a panic.
#[track_caller]
pub fn validation<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match err(result) {
        Error::Validation { message, .. } => message,
        other => panic!("expected ValidationException, got {other:?}"),
    }
}

/// Asserts that `message` is DynamoDB's text or, where DynamoDB Local words the same
/// error differently (a difference recorded in `docs/error-texts.md`, which the engine
/// resolves in DynamoDB's favour), Local's.
pub fn dynamodb_or_local(message: &str, dynamodb: &str, local: &str) {
    assert!(
        message == dynamodb || message == local,
        "neither DynamoDB's text nor DynamoDB Local's: {message}"
    );
}

pub(super) fn b(bytes: &[u8]) -> AttributeValue {
    AttributeValue::B(bytes.to_vec())
}

pub(super) fn l(values: Vec<AttributeValue>) -> AttributeValue {
    AttributeValue::L(values)
}

pub(super) fn m<const N: usize>(pairs: [(&str, AttributeValue); N]) -> AttributeValue {
    AttributeValue::M(item(pairs))
}

pub(super) fn ss(members: &[&str]) -> AttributeValue {
    AttributeValue::Ss(members.iter().map(|member| (*member).to_owned()).collect())
}

pub(super) fn ns(members: &[&str]) -> AttributeValue {
    AttributeValue::Ns(members.iter().map(|member| num(member)).collect())
}

pub(super) fn at(name: &str) -> Path {
    Path::attribute(name)
}

pub(super) fn set(path: Path, value: AttributeValue) -> UpdateAction {
    UpdateAction::Set(path, SetValue::Operand(UpdateOperand::Value(value)))
}

pub(super) fn update(table: &str, key: Item, updates: Vec<UpdateAction>) -> UpdateItemInput {
    UpdateItemInput { table_name: table.to_owned(), key, updates, ..UpdateItemInput::default() }
}

pub(super) fn all_new(table: &str, key: Item, updates: Vec<UpdateAction>) -> UpdateItemInput {
    UpdateItemInput { return_values: ReturnValues::AllNew, ..update(table, key, updates) }
}

pub(super) async fn stored(db: &dyn Backend, table: &str, key: Item) -> Option<Item> {
    ok(db.get_item(GetItemInput { consistent_read: true, ..get(table, key) }).await).item
}

pub(super) async fn update_creates_items_and_applies_every_action(ctx: &Ctx<'_>) {
    let name = ctx.table("update-actions");
    create(ctx.db, simple_table(name.clone())).await;

    // A missing item is created from its key and the SETs and ADDs.
    let created = ok(ctx
        .db
        .update_item(all_new(
            &name,
            key("p", "new"),
            vec![
                set(at("a"), n("1")),
                UpdateAction::Add(at("c"), n("5")),
                UpdateAction::Remove(at("gone")),
            ],
        ))
        .await);
    let expected = item([("pk", s("p")), ("sk", s("new")), ("a", n("1")), ("c", n("5"))]);
    assert_eq!(created.attributes, Some(expected));
    // No actions at all: the item is just its key.
    let bare = ok(ctx.db.update_item(all_new(&name, key("p", "bare"), vec![])).await);
    assert_eq!(bare.attributes, Some(key("p", "bare")));

    let start = item([
        ("pk", s("p")),
        ("sk", s("s")),
        ("n", n("10")),
        ("text", s("t")),
        ("l", l(vec![s("a"), s("b"), s("c"), s("d")])),
        ("m", m([("k", s("v")), ("deep", m([("x", n("1"))]))])),
        ("tags", ss(&["a", "b"])),
        ("nums", ns(&["1", "2"])),
    ]);
    ok(ctx.db.put_item(put(&name, start)).await);
    let actions = vec![
        // Values are computed from the item as it was: `copy` gets the old `n`.
        UpdateAction::Set(
            at("n"),
            SetValue::Plus(UpdateOperand::Path(at("n")), UpdateOperand::Value(n("2.5"))),
        ),
        UpdateAction::Set(at("copy"), SetValue::Operand(UpdateOperand::Path(at("n")))),
        UpdateAction::Set(
            at("down"),
            SetValue::Minus(
                UpdateOperand::IfNotExists(at("absent"), Box::new(UpdateOperand::Value(n("100")))),
                UpdateOperand::Value(n("1")),
            ),
        ),
        UpdateAction::Set(
            at("text"),
            SetValue::Operand(UpdateOperand::IfNotExists(
                at("text"),
                Box::new(UpdateOperand::Value(s("default"))),
            )),
        ),
        UpdateAction::Set(
            at("fresh"),
            SetValue::Operand(UpdateOperand::ListAppend(
                Box::new(UpdateOperand::IfNotExists(
                    at("fresh"),
                    Box::new(UpdateOperand::Value(l(vec![]))),
                )),
                Box::new(UpdateOperand::Value(l(vec![n("1")]))),
            )),
        ),
        // Old indexes: l[1] and l[3] go, l[0] is replaced, l[9] appends.
        set(at("l").index(0), s("A")),
        set(at("l").index(9), s("E")),
        UpdateAction::Remove(at("l").index(3)),
        UpdateAction::Remove(at("l").index(1)),
        set(at("m").key("deep").key("y"), n("2")),
        UpdateAction::Remove(at("m").key("k")),
        UpdateAction::Remove(at("m").key("missing")),
        UpdateAction::Add(at("tags"), ss(&["b", "c"])),
        UpdateAction::Delete(at("nums"), ns(&["1", "2", "3"])),
        UpdateAction::Delete(at("not_there"), ss(&["a"])),
        UpdateAction::Remove(at("never_was")),
    ];
    let updated = ok(ctx.db.update_item(all_new(&name, key("p", "s"), actions)).await);
    let expected = item([
        ("pk", s("p")),
        ("sk", s("s")),
        ("n", n("12.5")),
        ("copy", n("10")),
        ("down", n("99")),
        ("text", s("t")),
        ("fresh", l(vec![n("1")])),
        ("l", l(vec![s("A"), s("c"), s("E")])),
        ("m", m([("deep", m([("x", n("1")), ("y", n("2"))]))])),
        ("tags", ss(&["a", "b", "c"])),
    ]);
    let got = updated.attributes.unwrap_or_else(|| panic!("ALL_NEW asked for"));
    assert_eq!(normalized(&got), normalized(&expected), "nums lost every member, so it is gone");
    assert_eq!(
        stored(ctx.db, &name, key("p", "s")).await.map(|i| normalized(&i)),
        Some(normalized(&expected))
    );

    // Prepending swaps list_append's arguments; SET l[i] on an empty list appends.
    let prepended = ok(ctx
        .db
        .update_item(all_new(
            &name,
            key("p", "s"),
            vec![
                UpdateAction::Set(
                    at("l"),
                    SetValue::Operand(UpdateOperand::ListAppend(
                        Box::new(UpdateOperand::Value(l(vec![s("first")]))),
                        Box::new(UpdateOperand::Path(at("l"))),
                    )),
                ),
                set(at("empty"), l(vec![])),
            ],
        ))
        .await);
    let got = prepended.attributes.unwrap_or_else(|| panic!("ALL_NEW asked for"));
    assert_eq!(got["l"], l(vec![s("first"), s("A"), s("c"), s("E")]));
    let appended = ok(ctx
        .db
        .update_item(all_new(&name, key("p", "s"), vec![set(at("empty").index(5), s("only"))]))
        .await);
    assert_eq!(appended.attributes.map(|a| a["empty"].clone()), Some(l(vec![s("only")])));
    // Removals name elements of the old list: l[3] is past its end, so the append stays.
    ok(ctx
        .db
        .put_item(put(
            &name,
            item([("pk", s("p")), ("sk", s("l")), ("l", l(vec![s("x"), s("y"), s("z")]))]),
        ))
        .await);
    let listed = ok(ctx
        .db
        .update_item(all_new(
            &name,
            key("p", "l"),
            vec![set(at("l").index(7), s("A")), UpdateAction::Remove(at("l").index(3))],
        ))
        .await);
    assert_eq!(
        listed.attributes.map(|a| a["l"].clone()),
        Some(l(vec![s("x"), s("y"), s("z"), s("A")]))
    );
    drop_table(ctx.db, &name).await;
}

pub(super) async fn update_return_values(ctx: &Ctx<'_>) {
    let name = ctx.table("update-returns");
    create(ctx.db, simple_table(name.clone())).await;
    let start = item([
        ("pk", s("p")),
        ("sk", s("s")),
        ("x", n("1")),
        ("y", s("keep")),
        ("gone", s("bye")),
        ("m", m([("a", s("old")), ("b", s("sibling"))])),
    ]);
    let with = |return_values: ReturnValues, updates: Vec<UpdateAction>| UpdateItemInput {
        return_values,
        ..update(&name, key("p", "s"), updates)
    };
    let reset = || put(&name, start.clone());

    ok(ctx.db.put_item(reset()).await);
    let none = ok(ctx.db.update_item(with(ReturnValues::None, vec![set(at("x"), n("2"))])).await);
    assert_eq!(none.attributes, None);

    ok(ctx.db.put_item(reset()).await);
    let old = ok(ctx.db.update_item(with(ReturnValues::AllOld, vec![set(at("x"), n("2"))])).await);
    assert_eq!(old.attributes, Some(start.clone()));

    // UPDATED_*: only what the actions touched.
    ok(ctx.db.put_item(reset()).await);
    let actions =
        vec![set(at("x"), n("2")), set(at("z"), n("3")), UpdateAction::Remove(at("gone"))];
    let updated_old = ok(ctx.db.update_item(with(ReturnValues::UpdatedOld, actions.clone())).await);
    assert_eq!(updated_old.attributes, Some(item([("x", n("1")), ("gone", s("bye"))])));
    ok(ctx.db.put_item(reset()).await);
    let updated_new = ok(ctx.db.update_item(with(ReturnValues::UpdatedNew, actions)).await);
    assert_eq!(updated_new.attributes, Some(item([("x", n("2")), ("z", n("3"))])));

    // Nothing to return: no Attributes at all.
    ok(ctx.db.put_item(reset()).await);
    let only_new =
        ok(ctx.db.update_item(with(ReturnValues::UpdatedOld, vec![set(at("new"), n("1"))])).await);
    assert_eq!(only_new.attributes, None, "UPDATED_OLD of an attribute that did not exist");
    let only_removed = ok(ctx
        .db
        .update_item(with(ReturnValues::UpdatedNew, vec![UpdateAction::Remove(at("gone"))]))
        .await);
    assert_eq!(only_removed.attributes, None, "UPDATED_NEW of a removal");
    let created = ok(ctx
        .db
        .update_item(UpdateItemInput {
            return_values: ReturnValues::UpdatedOld,
            ..update(&name, key("p", "created"), vec![set(at("x"), n("1"))])
        })
        .await);
    assert_eq!(created.attributes, None, "UPDATED_OLD of a new item");
    let created = ok(ctx
        .db
        .update_item(UpdateItemInput {
            return_values: ReturnValues::AllOld,
            ..update(&name, key("p", "created2"), vec![set(at("x"), n("1"))])
        })
        .await);
    assert_eq!(created.attributes, None, "ALL_OLD of a new item");

    // A nested path: DynamoDB returns the updated part of the map (`{m: {a: …}}`);
    // DynamoDB Local returns the whole top-level `m`. Either is accepted here.
    ok(ctx.db.put_item(reset()).await);
    let nested = ok(ctx
        .db
        .update_item(with(ReturnValues::UpdatedNew, vec![set(at("m").key("a"), s("new"))]))
        .await);
    let fragment = item([("m", m([("a", s("new"))]))]);
    let whole = item([("m", m([("a", s("new")), ("b", s("sibling"))]))]);
    let got = nested.attributes.unwrap_or_else(|| panic!("UPDATED_NEW of a nested SET"));
    assert!(got == fragment || got == whole, "{got:?}");
    drop_table(ctx.db, &name).await;
}

pub(super) async fn update_conditions_and_capacity(ctx: &Ctx<'_>) {
    let name = ctx.table("update-conditions");
    create(ctx.db, simple_table(name.clone())).await;
    let v1 =
        item([("pk", s("p")), ("sk", s("s")), ("version", n("1")), ("pad", s(&"x".repeat(1500)))]);
    ok(ctx.db.put_item(put(&name, v1.clone())).await);

    // The condition sees the item before the update.
    let bump = |expected: &str| UpdateItemInput {
        condition: Some(compare("version", Comparator::Eq, n(expected))),
        return_consumed_capacity: ReturnConsumedCapacity::Total,
        return_old_on_condition_failure: true,
        ..update(
            &name,
            key("p", "s"),
            vec![UpdateAction::Set(
                at("version"),
                SetValue::Plus(UpdateOperand::Path(at("version")), UpdateOperand::Value(n("1"))),
            )],
        )
    };
    let bumped = ok(ctx.db.update_item(bump("1")).await);
    // max(old, new) ≈ 1.5 KB: 2 write units.
    assert_eq!(bumped.consumed_capacity.map(|c| c.capacity_units), Some(2.0));
    let mut v2 = v1.clone();
    v2.insert("version".to_owned(), n("2"));
    assert_condition_failed(ctx.db.update_item(bump("1")).await, Some(&v2));
    assert_eq!(stored(ctx.db, &name, key("p", "s")).await, Some(v2));

    // A condition on a missing item sees an empty item; a failed one creates nothing.
    let create_only = UpdateItemInput {
        condition: Some(Condition::AttributeExists(at("pk"))),
        return_old_on_condition_failure: true,
        ..update(&name, key("p", "absent"), vec![set(at("a"), n("1"))])
    };
    assert_condition_failed(ctx.db.update_item(create_only).await, None);
    assert_eq!(stored(ctx.db, &name, key("p", "absent")).await, None);
    let small = ok(ctx
        .db
        .update_item(UpdateItemInput {
            condition: Some(not_exists("pk")),
            return_consumed_capacity: ReturnConsumedCapacity::Indexes,
            ..update(&name, key("p", "absent"), vec![set(at("a"), n("1"))])
        })
        .await);
    let capacity = small.consumed_capacity.unwrap_or_else(|| panic!("INDEXES asked for"));
    assert_eq!(
        (capacity.capacity_units, capacity.table.map(|t| t.capacity_units)),
        (1.0, Some(1.0))
    );
    drop_table(ctx.db, &name).await;
}

pub(super) async fn update_errors(ctx: &Ctx<'_>) {
    let name = ctx.table("update-errors");
    create(ctx.db, simple_table(name.clone())).await;
    ok(ctx
        .db
        .put_item(put(
            &name,
            item([
                ("pk", s("p")),
                ("sk", s("s")),
                ("text", s("t")),
                ("tags", ss(&["a"])),
                ("m", m([("k", s("v"))])),
            ]),
        ))
        .await);
    let fails =
        |updates: Vec<UpdateAction>| ctx.db.update_item(update(&name, key("p", "s"), updates));

    // Messages DynamoDB Local and the engine word alike.
    let same = [
        (
            vec![set(at("pk"), s("other"))],
            "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
        ),
        (
            vec![UpdateAction::Remove(at("sk"))],
            "One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key",
        ),
        (
            vec![set(at("m").key("k"), s("x")), set(at("m"), s("y"))],
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m, k], path two: [m]",
        ),
        (
            vec![set(at("nomap").key("a"), s("x"))],
            "The document path provided in the update expression is invalid for update",
        ),
        (
            vec![set(at("text").key("a"), s("x"))],
            "The document path provided in the update expression is invalid for update",
        ),
        (
            vec![UpdateAction::Set(
                at("a"),
                SetValue::Plus(UpdateOperand::Path(at("absent")), UpdateOperand::Value(n("1"))),
            )],
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        (
            vec![UpdateAction::Set(
                at("a"),
                SetValue::Plus(UpdateOperand::Path(at("text")), UpdateOperand::Value(n("1"))),
            )],
            "An operand in the update expression has an incorrect data type",
        ),
        (
            vec![UpdateAction::Set(
                at("a"),
                SetValue::Minus(UpdateOperand::Value(n("1")), UpdateOperand::Value(s("x"))),
            )],
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: S",
        ),
        (
            vec![UpdateAction::Set(
                at("a"),
                SetValue::Operand(UpdateOperand::ListAppend(
                    Box::new(UpdateOperand::Path(at("text"))),
                    Box::new(UpdateOperand::Value(l(vec![]))),
                )),
            )],
            "An operand in the update expression has an incorrect data type",
        ),
        (
            vec![UpdateAction::Add(at("text"), n("1"))],
            "An operand in the update expression has an incorrect data type",
        ),
        (
            vec![UpdateAction::Add(at("tags"), ns(&["1"]))],
            "An operand in the update expression has an incorrect data type",
        ),
        (
            vec![UpdateAction::Add(at("a"), s("x"))],
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND",
        ),
        (
            vec![UpdateAction::Delete(at("tags"), n("1"))],
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND",
        ),
        (
            vec![UpdateAction::Add(at("big"), n("9.9999999999999999999999999999999999999E+125")), UpdateAction::Add(at("tiny"), n("1"))],
            "",
        ),
    ];
    for (updates, expected) in same {
        if expected.is_empty() {
            ok(fails(updates).await);
            continue;
        }
        assert_eq!(validation(fails(updates).await), expected);
    }
    assert_eq!(
        validation(fails(vec![UpdateAction::Add(at("tiny"), n("1E-38"))]).await),
        "DynamoDB only supports precision up to 38 digits"
    );
    // Kinds only: the wording differs (DynamoDB Local names the placeholder).
    validation(fails(vec![UpdateAction::Delete(at("tags"), AttributeValue::Ss(vec![]))]).await);
    validation(fails(vec![set(at("e"), AttributeValue::Ns(vec![]))]).await);
    validation(ctx.db.update_item(update(&name, item([("pk", s("p"))]), vec![])).await);
    match err(ctx.db.update_item(update(&ctx.table("update-nope"), key("p", "s"), vec![])).await) {
        Error::ResourceNotFound { .. } => {}
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    // The result is validated like a put.
    ok(ctx
        .db
        .put_item(put(
            &name,
            item([("pk", s("p")), ("sk", s("big")), ("pad", s(&"x".repeat(409_000)))]),
        ))
        .await);
    assert_eq!(
        validation(
            ctx.db
                .update_item(update(
                    &name,
                    key("p", "big"),
                    vec![set(at("more"), s(&"y".repeat(2000)))]
                ))
                .await
        ),
        "Item size to update has exceeded the maximum allowed size"
    );
    // Nothing failed half-way: the item is as it was.
    assert_eq!(
        stored(ctx.db, &name, key("p", "s")).await.map(|i| i.len()),
        Some(7),
        "failed updates leave the item alone (big and tiny came from the update that worked)"
    );
    drop_table(ctx.db, &name).await;
}

pub(super) fn indexed_item(sk: &str, extra: &[(&str, AttributeValue)]) -> Item {
    let mut stored = item([("pk", s("p")), ("sk", n(sk))]);
    stored.extend(extra.iter().map(|(name, value)| ((*name).to_owned(), value.clone())));
    stored
}

pub(super) fn query(table: &str, partition: &[(&str, AttributeValue)]) -> QueryInput {
    QueryInput {
        table_name: table.to_owned(),
        key_condition: KeyCondition {
            partition: partition.iter().map(|(name, v)| ((*name).to_owned(), v.clone())).collect(),
            sort: Vec::new(),
        },
        ..QueryInput::default()
    }
}

pub(super) fn on_index(index: &str, input: QueryInput) -> QueryInput {
    QueryInput { index_name: Some(index.to_owned()), ..input }
}

pub(super) fn with_sort(input: QueryInput, sort: &[(&str, SortKeyCondition)]) -> QueryInput {
    let mut input = input;
    input.key_condition.sort =
        sort.iter().map(|(name, t)| ((*name).to_owned(), t.clone())).collect();
    input
}

/// The values of one attribute in a page's items, in order.
pub(super) fn column(items: &[Item], name: &str) -> Vec<AttributeValue> {
    items.iter().map(|i| i.get(name).cloned().unwrap_or(AttributeValue::Null)).collect()
}

pub(super) fn ns_list(values: &[&str]) -> Vec<AttributeValue> {
    values.iter().map(|v| n(v)).collect()
}

pub(super) async fn update_keeps_indexes_in_step(ctx: &Ctx<'_>) {
    let name = ctx.table("update-indexes");
    create(ctx.db, indexed_table(name.clone())).await;
    let base = indexed_item(
        "1",
        &[
            ("tenant", s("t")),
            ("region", s("r")),
            ("created", n("1")),
            ("id", b(&[1])),
            ("g", s("ga")),
            ("lsk", s("l")),
            ("name", s("n")),
        ],
    );
    ok(ctx.db.put_item(put(&name, base)).await);
    let table_key = item([("pk", s("p")), ("sk", n("1"))]);
    let by_g = |value: &str| on_index("by_g_all", query(&name, &[("g", s(value))]));

    let moved = ok(ctx
        .db
        .update_item(UpdateItemInput {
            return_consumed_capacity: ReturnConsumedCapacity::Indexes,
            ..update(&name, table_key.clone(), vec![set(at("g"), s("gb"))])
        })
        .await);
    let capacity = moved.consumed_capacity.unwrap_or_else(|| panic!("INDEXES asked for"));
    let mut indexes: Vec<(String, f64)> = capacity
        .global_secondary_indexes
        .iter()
        .map(|(n, c)| (n.clone(), c.capacity_units))
        .collect();
    indexes.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        indexes,
        [("by_g".to_owned(), 2.0), ("by_g_all".to_owned(), 2.0)],
        "a changed index key is a delete and a put; {capacity:?}"
    );
    assert_eq!(capacity.capacity_units, 5.0, "{capacity:?}");
    assert_eq!(ok(ctx.db.query(by_g("ga")).await).count, 0);
    assert_eq!(ok(ctx.db.query(by_g("gb")).await).count, 1);

    // Changing a projected attribute rewrites the entry; removing the key drops it.
    ok(ctx
        .db
        .update_item(update(&name, table_key.clone(), vec![set(at("name"), s("renamed"))]))
        .await);
    let tenant = on_index("by_tenant", query(&name, &[("tenant", s("t")), ("region", s("r"))]));
    let entries = ok(ctx.db.query(tenant.clone()).await).items;
    assert_eq!(column(&entries, "name"), [s("renamed")]);
    ok(ctx
        .db
        .update_item(update(
            &name,
            table_key.clone(),
            vec![UpdateAction::Remove(at("g")), UpdateAction::Remove(at("region"))],
        ))
        .await);
    assert_eq!(ok(ctx.db.query(by_g("gb")).await).count, 0, "sparse: no g, no entry");
    assert_eq!(
        ok(ctx.db.query(tenant).await).count,
        0,
        "one missing part of a multi-attribute key is enough"
    );
    let lsi = on_index("by_lsk", query(&name, &[("pk", s("p"))]));
    assert_eq!(ok(ctx.db.query(lsi).await).count, 1);

    // Index key types and emptiness are checked on the updated item.
    validation(
        ctx.db.update_item(update(&name, table_key.clone(), vec![set(at("g"), n("1"))])).await,
    );
    validation(
        ctx.db.update_item(update(&name, table_key.clone(), vec![set(at("lsk"), s(""))])).await,
    );
    drop_table(ctx.db, &name).await;
}
