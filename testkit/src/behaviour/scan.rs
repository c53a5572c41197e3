//! Scan: filters, pages, parallel segments, indexes.

use super::*;

pub(super) fn scan(table: &str) -> ScanInput {
    ScanInput { table_name: table.to_owned(), ..ScanInput::default() }
}

/// `pk`/`sk` of every item of some pages, sorted.
pub(super) fn keys_of(pages: &[PageOutput]) -> Vec<(String, String)> {
    let text = |v: Option<&AttributeValue>| format!("{v:?}");
    let mut keys: Vec<(String, String)> = pages
        .iter()
        .flat_map(|p| &p.items)
        .map(|i| (text(i.get("pk")), text(i.get("sk"))))
        .collect();
    keys.sort();
    keys
}

pub(super) async fn scan_table(ctx: &Ctx<'_>, suffix: &str) -> (String, Vec<(String, String)>) {
    let name = ctx.table(suffix);
    create(ctx.db, simple_table(name.clone())).await;
    for p in 0..8 {
        for sk in 0..3 {
            let row = item([
                ("pk", s(&format!("p{p}"))),
                ("sk", s(&format!("s{sk}"))),
                ("v", n(&(p * 3 + sk).to_string())),
            ]);
            ok(ctx.db.put_item(put(&name, row)).await);
        }
    }
    let all = scan_pages(ctx.db, scan(&name)).await;
    assert_eq!(all.len(), 1);
    let keys = keys_of(&all);
    assert_eq!(keys.len(), 24);
    (name, keys)
}

pub(super) async fn scan_filters_pages_and_projects(ctx: &Ctx<'_>) {
    let (name, keys) = scan_table(ctx, "scan-pages").await;
    for limit in [1, 5, 7, 24] {
        let pages = scan_pages(ctx.db, ScanInput { limit: Some(limit), ..scan(&name) }).await;
        assert_eq!(keys_of(&pages), keys, "limit {limit}");
        assert!(pages.iter().all(|p| p.scanned_count <= limit));
        let full = pages.iter().filter(|p| p.last_evaluated_key.is_some()).count();
        assert_eq!(full, 24 / limit as usize, "limit {limit}: every full page carries a key");
        for page in &pages {
            if let (Some(last), Some(key)) = (page.items.last(), &page.last_evaluated_key) {
                assert_eq!(key, &item([("pk", last["pk"].clone()), ("sk", last["sk"].clone())]));
            }
        }
    }
    // Scan filters may use key attributes; Count and ScannedCount per page.
    let filter = compare("sk", Comparator::Eq, s("s1")).and(compare("v", Comparator::Gt, n("10")));
    let pages =
        scan_pages(ctx.db, ScanInput { limit: Some(10), filter: Some(filter), ..scan(&name) })
            .await;
    assert_eq!(pages.iter().map(|p| p.scanned_count).sum::<u32>(), 24);
    assert_eq!(pages.iter().map(|p| p.count).sum::<u32>(), 4, "v = 13, 16, 19, 22");
    let projected = ok(ctx
        .db
        .scan(ScanInput { projection: Some(vec![at("v")]), limit: Some(3), ..scan(&name) })
        .await);
    assert!(projected.items.iter().all(|i| i.len() == 1 && i.contains_key("v")));
    let counted = ok(ctx.db.scan(ScanInput { select: Some(Select::Count), ..scan(&name) }).await);
    assert_eq!((counted.count, counted.scanned_count, counted.items.len()), (24, 24, 0));
    // Resuming from a key no item has.
    let after = ok(ctx
        .db
        .scan(ScanInput { exclusive_start_key: Some(key("p3", "s1x")), ..scan(&name) })
        .await);
    assert!(after.count < 24);
    assert!(!after
        .items
        .iter()
        .any(|i| i["pk"] == s("p3") && (i["sk"] == s("s0") || i["sk"] == s("s1"))));
    drop_table(ctx.db, &name).await;
}

pub(super) async fn scan_parallel_segments_cover_the_table_once(ctx: &Ctx<'_>) {
    let (name, keys) = scan_table(ctx, "scan-segments").await;
    for total in [1, 2, 3, 7] {
        let mut union: Vec<PageOutput> = Vec::new();
        for segment in 0..total {
            let pages = scan_pages(
                ctx.db,
                ScanInput { segment: Some((segment, total)), limit: Some(2), ..scan(&name) },
            )
            .await;
            union.extend(pages);
        }
        let seen = keys_of(&union);
        assert_eq!(seen, keys, "{total} segments: every item once");
    }
    drop_table(ctx.db, &name).await;
}

pub(super) async fn scan_indexes_and_validation(ctx: &Ctx<'_>) {
    let name = indexed_with_items(ctx, "scan-indexes").await;
    // A GSI scan returns its entries; LastEvaluatedKey holds the index key too.
    let pages = scan_pages(
        ctx.db,
        ScanInput { index_name: Some("by_g".to_owned()), limit: Some(2), ..scan(&name) },
    )
    .await;
    let entries: Vec<&Item> = pages.iter().flat_map(|p| &p.items).collect();
    assert_eq!(entries.len(), 4, "items 1, 2, 3 and 5 have g");
    assert!(entries.iter().all(|e| e.len() == 3 && e.contains_key("g")));
    let key = pages[0].last_evaluated_key.as_ref().unwrap_or_else(|| panic!("a full page"));
    assert_eq!(key.len(), 3);
    let tenants = scan_pages(
        ctx.db,
        ScanInput { index_name: Some("by_tenant".to_owned()), limit: Some(4), ..scan(&name) },
    )
    .await;
    assert_eq!(tenants.iter().map(|p| p.count).sum::<u32>(), 6, "item 7 has no region");
    assert_eq!(tenants[0].last_evaluated_key.as_ref().map(Item::len), Some(6));
    // An LSI scan may fetch unprojected attributes from the table.
    let lsi = ok(ctx
        .db
        .scan(ScanInput {
            index_name: Some("by_lsk".to_owned()),
            select: Some(Select::AllAttributes),
            ..scan(&name)
        })
        .await);
    assert_eq!(lsi.count, 4, "items 1 to 4 have lsk");
    assert!(lsi.items.iter().all(|i| i.contains_key("extra")));
    let segments = scan_pages(
        ctx.db,
        ScanInput { index_name: Some("by_g_all".to_owned()), segment: Some((0, 1)), ..scan(&name) },
    )
    .await;
    assert_eq!(segments.iter().map(|p| p.count).sum::<u32>(), 4);

    let index =
        |index: &str, input: ScanInput| ScanInput { index_name: Some(index.to_owned()), ..input };
    for (input, expected) in [
        (
            ScanInput { segment: Some((0, 1_000_001)), ..scan(&name) },
            "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000",
        ),
        (ScanInput { select: Some(Select::AllProjectedAttributes), ..scan(&name) }, "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"),
        (ScanInput { select: Some(Select::Count), projection: Some(vec![at("v")]), ..scan(&name) }, "Cannot specify the ProjectionExpression when choosing to get only the Count"),
        (index("by_g", ScanInput { consistent_read: true, ..scan(&name) }), "Consistent reads are not supported on global secondary indexes"),
        (
            index("by_g", ScanInput { select: Some(Select::AllAttributes), ..scan(&name) }),
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index by_g because its projection type is not ALL",
        ),
        (index("nope", scan(&name)), "The table does not have the specified index: nope"),
        (ScanInput { exclusive_start_key: Some(item([("pk", s("p"))])), ..scan(&name) }, "Exclusive Start Key must have same size as table's key schema"),
        (index("by_g", ScanInput { exclusive_start_key: Some(item([("pk", s("p")), ("sk", n("1"))])), ..scan(&name) }), "The provided starting key is invalid"),
    ] {
        assert_eq!(validation(ctx.db.scan(input).await), expected);
    }
    // DynamoDB and DynamoDB Local word these two differently (docs/error-texts.md,
    // "Segment" and "Limit").
    dynamodb_or_local(
        &validation(ctx.db.scan(ScanInput { segment: Some((2, 2)), ..scan(&name) }).await),
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 2 is not less than TotalSegments: 2",
        "1 validation error detected: Value '2' at 'segment' failed to satisfy constraint: Member must have value less than or equal to 1",
    );
    dynamodb_or_local(
        &validation(ctx.db.scan(ScanInput { limit: Some(0), ..scan(&name) }).await),
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
        "Limit must be greater than or equal to 1",
    );
    // Zero segments: DynamoDB Local words the constraint oddly (on `segment`).
    validation(ctx.db.scan(ScanInput { segment: Some((0, 0)), ..scan(&name) }).await);
    drop_table(ctx.db, &name).await;
}
