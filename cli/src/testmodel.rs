//! Models for unit tests, built through the derive front end (the same IR a schema file
//! produces), plus hand-written access patterns.

use singletable_codegen::derive::{parse_collection, parse_entity, parse_table};
use singletable_codegen::model::{AccessOperation, AccessPatternModel, ModelSet, SortOperator};
use singletable_codegen::{Diagnostics, SourceSpan, Spanned};

fn spanned(text: &str) -> Spanned<String> {
    Spanned::new(text.to_owned(), SourceSpan::call_site())
}

/// An access pattern.
pub fn pattern(
    name: &str,
    entity: &str,
    index: Option<&str>,
    operation: AccessOperation,
    key_fields: &[&str],
    sort: Option<SortOperator>,
) -> AccessPatternModel {
    AccessPatternModel {
        name: spanned(name),
        description: Some(format!("{name} description")),
        entity: spanned(entity),
        index: index.map(spanned),
        operation,
        key_fields: key_fields.iter().map(|f| spanned(f)).collect(),
        sort,
        tenant_field: None,
        span: SourceSpan::call_site(),
    }
}

fn build(
    table: syn::DeriveInput,
    entities: Vec<syn::DeriveInput>,
    collections: Vec<syn::DeriveInput>,
) -> ModelSet {
    let mut cx = Diagnostics::new();
    let table = parse_table(&table, &mut cx);
    let entities: Vec<_> = entities.iter().filter_map(|e| parse_entity(e, &mut cx)).collect();
    let collections: Vec<_> =
        collections.iter().filter_map(|c| parse_collection(c, &mut cx)).collect();
    assert!(cx.is_empty(), "{:?}", cx.errors());
    ModelSet {
        table: table.expect("table"),
        entities,
        attributes: Vec::new(),
        collections,
        access_patterns: Vec::new(),
    }
}

/// A shop: customers and their orders on `PK`/`SK`, a GSI by e-mail / order id, an LSI
/// by date, TTL, a stream, and a collection.
pub fn shop() -> ModelSet {
    let mut models = build(
        syn::parse_quote! {
            #[table(name = "Shop", pk = "PK", sk = "SK",
                    gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
                    lsi(name = "ByDate", sk = "LSI1SK", projection = keys_only),
                    ttl = "expires_at", stream = new_and_old_images)]
            struct ShopTable;
        },
        vec![
            syn::parse_quote! {
                #[entity(table = ShopTable, pk = "CUSTOMER#{customer_id}", sk = "PROFILE",
                         index(GSI1, pk = "EMAIL#{email}", sk = "CUSTOMER"))]
                struct Customer { customer_id: String, email: String, name: String }
            },
            syn::parse_quote! {
                #[entity(table = ShopTable, pk = "CUSTOMER#{customer_id}",
                         sk = "ORDER#{placed_at}#{order_id}",
                         index(GSI1, pk = "ORDER#{order_id}", sk = "ORDER"),
                         index(ByDate, sk = "{placed_at}"))]
                struct Order { customer_id: String, order_id: String, placed_at: String, total_cents: i64 }
            },
        ],
        vec![syn::parse_quote! {
            #[collection(table = ShopTable)]
            struct CustomerOrders { customer: Option<Customer>, orders: Vec<Order> }
        }],
    );
    models.access_patterns = vec![
        pattern("customer_by_id", "Customer", None, AccessOperation::Get, &["customer_id"], None),
        pattern(
            "orders_of_customer",
            "Order",
            None,
            AccessOperation::Query,
            &["customer_id"],
            Some(SortOperator::BeginsWith),
        ),
        pattern(
            "orders_since",
            "Order",
            None,
            AccessOperation::Query,
            &["customer_id", "placed_at"],
            Some(SortOperator::Ge),
        ),
        pattern(
            "customer_by_email",
            "Customer",
            Some("GSI1"),
            AccessOperation::Query,
            &["email"],
            None,
        ),
        pattern(
            "order_by_id",
            "Order",
            Some("GSI1"),
            AccessOperation::Query,
            &["order_id"],
            Some(SortOperator::Eq),
        ),
        pattern("all_items", "Customer", None, AccessOperation::Scan, &[], None),
    ];
    models
}

/// A multi-tenant, provisioned table: every key starts with the tenant.
pub fn tenants() -> ModelSet {
    let mut models = build(
        syn::parse_quote! {
            #[table(name = "Saas", pk = "PK", sk = "SK",
                    gsi(name = "ByStatus", pk = ["tenant_id", "status"], sk = ["created_at:N"], read = 3, write = 2),
                    billing = provisioned(read = 5, write = 4))]
            struct Saas;
        },
        vec![syn::parse_quote! {
            #[entity(table = Saas, pk = "TENANT#{tenant_id}#PROJECT#{project_id}", sk = "META",
                     index(ByStatus, pk = [tenant_id, status], sk = [created_at]))]
            struct Project { tenant_id: String, project_id: String, status: String, created_at: i64 }
        }],
        Vec::new(),
    );
    let mut by_id = pattern(
        "project_by_id",
        "Project",
        None,
        AccessOperation::Get,
        &["tenant_id", "project_id"],
        None,
    );
    by_id.tenant_field = Some(spanned("tenant_id"));
    let mut by_status = pattern(
        "projects_by_status",
        "Project",
        Some("ByStatus"),
        AccessOperation::Query,
        &["tenant_id", "status"],
        None,
    );
    by_status.tenant_field = Some(spanned("tenant_id"));
    models.access_patterns = vec![by_id, by_status];
    models
}
