//! Tables: create, describe, list, delete.

use super::*;

pub(super) async fn table_lifecycle_with_multi_attribute_gsi_and_lsi(ctx: &Ctx<'_>) {
    let name = ctx.table("lifecycle");
    let input = indexed_table(name.clone());
    let created = ok(ctx.db.create_table(input.clone()).await);
    assert_eq!(created.table_name, name);
    assert!(matches!(created.table_status, TableStatus::Creating | TableStatus::Active));

    let described = wait_active(ctx.db, &name).await;
    assert_eq!(described.table_name, name);
    assert_eq!(described.key_schema, input.key_schema);
    let mut defined = described.attribute_definitions.clone();
    defined.sort_by(|a, b| a.name.cmp(&b.name));
    let mut expected = input.attribute_definitions.clone();
    expected.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(defined, expected);

    let mut global = described.global_secondary_indexes.clone();
    global.sort_by(|a, b| a.index_name.cmp(&b.index_name));
    let mut expected_global = input.global_secondary_indexes.clone();
    expected_global.sort_by(|a, b| a.index_name.cmp(&b.index_name));
    assert_eq!(global, expected_global, "GSIs: multi-attribute keys in key-schema order");
    assert_eq!(described.local_secondary_indexes, input.local_secondary_indexes);
    assert_eq!(described.billing_mode, BillingMode::PayPerRequest);
    assert_eq!(described.stream, Some(StreamViewType::NewAndOldImages));
    assert_eq!((described.item_count, described.table_size_bytes), (0, 0));
    assert!(described.table_arn.ends_with(&format!(":table/{name}")), "{}", described.table_arn);
    assert!(described.creation_date_time > 1.6e9, "{}", described.creation_date_time);
    let mut statistics: Vec<_> =
        described.index_statistics.iter().map(|s| (s.index_name.as_str(), s.item_count)).collect();
    statistics.sort();
    assert_eq!(statistics, [("by_g", 0), ("by_g_all", 0), ("by_lsk", 0), ("by_tenant", 0)]);

    let deleted = ok(ctx.db.delete_table(name.clone()).await);
    assert_eq!(deleted.table_name, name);
    assert_eq!(deleted.key_schema, input.key_schema);
    wait_gone(ctx.db, &name).await;
}

pub(super) async fn provisioned_table_description(ctx: &Ctx<'_>) {
    let name = ctx.table("provisioned");
    let mut input = simple_table(name.clone());
    input.billing_mode = BillingMode::Provisioned { read: 5, write: 3 };
    input.attribute_definitions.push(define("g", ScalarType::S));
    input.global_secondary_indexes.push(SecondaryIndex {
        index_name: "by_g".to_owned(),
        key_schema: vec![hash("g")],
        projection: ProjectionSpec::All,
        provisioned_throughput: Some((2, 1)),
    });
    let described = create(ctx.db, input).await;
    assert_eq!(described.billing_mode, BillingMode::Provisioned { read: 5, write: 3 });
    assert_eq!(described.global_secondary_indexes[0].provisioned_throughput, Some((2, 1)));
    assert_eq!(described.stream, None);
    drop_table(ctx.db, &name).await;
}

pub(super) async fn list_tables_pages_in_order(ctx: &Ctx<'_>) {
    let names: Vec<String> = ["list-a", "list-b", "list-c"].iter().map(|n| ctx.table(n)).collect();
    for name in &names {
        create(ctx.db, simple_table(name.clone())).await;
    }
    let mut seen = Vec::new();
    let mut start = None;
    loop {
        let page = ok(ctx
            .db
            .list_tables(ListTablesInput { exclusive_start_table_name: start, limit: Some(2) })
            .await);
        assert!(page.table_names.len() <= 2, "{page:?}");
        seen.extend(page.table_names);
        match page.last_evaluated_table_name {
            Some(last) => {
                assert_eq!(seen.last(), Some(&last), "LastEvaluatedTableName is the page's last");
                start = Some(last);
            }
            None => break,
        }
    }
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "ascending: {seen:?}");
    for name in &names {
        assert!(seen.contains(name), "{name} in {seen:?}");
    }
    let all = ok(ctx.db.list_tables(ListTablesInput::default()).await);
    assert!(names.iter().all(|name| all.table_names.contains(name)));
    for name in &names {
        drop_table(ctx.db, name).await;
    }
}

pub(super) async fn duplicate_create_is_resource_in_use(ctx: &Ctx<'_>) {
    let name = ctx.table("duplicate");
    create(ctx.db, simple_table(name.clone())).await;
    match err(ctx.db.create_table(simple_table(name.clone())).await) {
        Error::ResourceInUse { message, .. } => assert!(!message.is_empty()),
        other => panic!("expected ResourceInUseException, got {other:?}"),
    }
    drop_table(ctx.db, &name).await;
}

pub(super) async fn missing_table_is_resource_not_found(ctx: &Ctx<'_>) {
    let name = ctx.table("missing");
    let not_found = |e: Error, what: &str| match e {
        Error::ResourceNotFound { message, .. } => assert!(!message.is_empty()),
        other => panic!("{what}: expected ResourceNotFoundException, got {other:?}"),
    };
    not_found(err(ctx.db.describe_table(name.clone()).await), "DescribeTable");
    not_found(err(ctx.db.delete_table(name.clone()).await), "DeleteTable");
    not_found(err(ctx.db.get_item(get(&name, key("a", "b"))).await), "GetItem");
    not_found(err(ctx.db.put_item(put(&name, key("a", "b"))).await), "PutItem");
    not_found(err(ctx.db.delete_item(delete(&name, key("a", "b"))).await), "DeleteItem");
}
