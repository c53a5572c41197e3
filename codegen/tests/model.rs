//! The derive front end, validation and emitter as plain code: no proc-macro context.

use std::rc::Rc;

use singletable_codegen::derive::{
    attribute_inner, entity_inner, parse_attribute, parse_entity, parse_table, table_inner,
};
use singletable_codegen::model::{
    AttributeShape, BillingModel, EntityIndexKeys, IndexKind, ProjectionModel, ScalarType,
    StreamView, TemplatePart, Throughput, VariantBody,
};
use singletable_codegen::{validate, Diagnostic, Diagnostics, FilePosition, SourceSpan};

fn table_errors(input: syn::DeriveInput) -> Vec<String> {
    let mut cx = Diagnostics::new();
    if let Some(model) = parse_table(&input, &mut cx) {
        validate::table(&model, &mut cx);
    }
    cx.into_errors().into_iter().map(|d| d.message).collect()
}

fn entity_errors(input: syn::DeriveInput) -> Vec<String> {
    let mut cx = Diagnostics::new();
    if let Some(model) = parse_entity(&input, &mut cx) {
        validate::entity(&model, &mut cx);
    }
    cx.into_errors().into_iter().map(|d| d.message).collect()
}

fn attribute_errors(input: syn::DeriveInput) -> Vec<String> {
    let mut cx = Diagnostics::new();
    if let Some(model) = parse_attribute(&input, &mut cx) {
        validate::attribute(&model, &mut cx);
    }
    cx.into_errors().into_iter().map(|d| d.message).collect()
}

fn assert_one(errors: &[String], needle: &str) {
    assert_eq!(errors.len(), 1, "expected one error containing {needle:?}, got {errors:#?}");
    assert!(errors[0].contains(needle), "{:?} does not contain {needle:?}", errors[0]);
}

#[test]
fn parses_the_whole_table_grammar() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[table(name = "App", pk = "PK", sk = "SK",
                gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
                gsi(name = "ByTenant", pk = ["tenant_id", "region"], sk = ["score:N", "created_at"],
                    projection = keys_only),
                gsi(name = "GSI2", pk = "GSI2PK", read = 5, write = 4),
                lsi(name = "LSI1", sk = "LSI1SK", projection = include("name", "email")),
                ttl = "expires_at", stream = new_and_old_images,
                billing = provisioned(read = 5, write = 5),
                entity_type = "kind", crate = "::my_facade")]
        struct App;
    };
    let mut cx = Diagnostics::new();
    let model = parse_table(&input, &mut cx).unwrap();
    validate::table(&model, &mut cx);
    assert!(cx.is_empty(), "{:?}", cx.errors());
    assert_eq!(model.name.value, "App");
    assert_eq!(model.partition_key.name.value, "PK");
    assert_eq!(model.sort_key.as_ref().unwrap().name.value, "SK");
    assert_eq!(model.ttl_attribute.as_ref().unwrap().value, "expires_at");
    assert_eq!(model.stream, Some(StreamView::NewAndOldImages));
    assert_eq!(model.billing, BillingModel::Provisioned(Throughput { read: 5, write: 5 }));
    assert_eq!(model.entity_type_attribute.value, "kind");
    let krate = &model.crate_path;
    assert_eq!(quote::quote!(#krate).to_string().replace(' ', ""), "::my_facade");
    let by_tenant = model.index("ByTenant").unwrap();
    let names: Vec<_> = by_tenant.sort_key.iter().map(|a| (a.name.value.as_str(), a.ty)).collect();
    assert_eq!(names, [("score", ScalarType::N), ("created_at", ScalarType::S)]);
    assert_eq!(by_tenant.projection, ProjectionModel::KeysOnly);
    assert_eq!(model.index("GSI2").unwrap().throughput, Some(Throughput { read: 5, write: 4 }));
    let lsi = model.index("LSI1").unwrap();
    assert_eq!(lsi.kind, IndexKind::Local);
    assert_eq!(lsi.partition_key[0].name.value, "PK", "an LSI takes the table's partition key");
    match &lsi.projection {
        ProjectionModel::Include(names) => assert_eq!(names.len(), 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn table_rules() {
    assert_one(
        &table_errors(syn::parse_quote! {
            #[table(name = "A!", pk = "PK")] struct App;
        }),
        "invalid table name `A!`",
    );
    assert_one(
        &table_errors(syn::parse_quote! {
            #[table(name = "App", pk = "PK:X")] struct App;
        }),
        "unknown key type `X`",
    );
    assert_one(
        &table_errors(syn::parse_quote! {
            #[table(name = "App")] struct App;
        }),
        "missing `pk",
    );
    assert_one(
        &table_errors(syn::parse_quote! {
            #[table(name = "App", pk = "PK", lsi(name = "LSI1", sk = "X"))] struct App;
        }),
        "needs a table with a sort key",
    );
    assert_one(
        &table_errors(syn::parse_quote! {
            #[table(name = "App", pk = "PK", sk = "SK", lsi(name = "LSI1", pk = "P2", sk = "X"))]
            struct App;
        }),
        "must use the table's partition key `PK`",
    );
    assert_one(
        &table_errors(syn::parse_quote! {
            #[table(name = "App", pk = "PK", gsi(name = "GS1", pk = "PK:N"))] struct App;
        }),
        "attribute `PK` is declared as N here but as S elsewhere",
    );
    assert_one(
        &table_errors(syn::parse_quote! {
            #[table(name = "App", pk = "PK", gsi(name = "GS1", pk = "A"), gsi(name = "GS1", pk = "B"))]
            struct App;
        }),
        "duplicate index name `GS1`",
    );
    assert_one(
        &table_errors(syn::parse_quote! {
            #[table(name = "App", pk = "PK", gsi(name = "GS1", pk = ["a", "b", "c", "d", "e"]))]
            struct App;
        }),
        "5 partition-key attributes: DynamoDB allows at most 4",
    );
    assert_one(
        &table_errors(syn::parse_quote! {
            #[table(name = "App", pk = "PK", gsi(name = "GS1", pk = "A", read = 1, write = 1))]
            struct App;
        }),
        "billed on demand",
    );
    assert_one(
        &table_errors(syn::parse_quote! {
            #[table(name = "App", pk = "PK", sk = "SK", lsi(name = "LS1", sk = "X", read = 1))]
            struct App;
        }),
        "not allowed on an LSI",
    );
    assert_one(
        &table_errors(syn::parse_quote! {
            #[table(name = "App", pk = "PK", entity_type = "PK")] struct App;
        }),
        "entity-type attribute `PK` is also a key attribute",
    );
}

#[test]
fn index_counts() {
    let lsis =
        (1..=6).map(|i| format!("lsi(name = \"LSI{i}\", sk = \"S{i}\")")).collect::<Vec<_>>();
    let input = syn::parse_str(&format!(
        "#[table(name = \"App\", pk = \"PK\", sk = \"SK\", {})] struct App;",
        lsis.join(", ")
    ))
    .unwrap();
    assert_one(&table_errors(input), "too many LSIs");
    let gsis =
        (1..=21).map(|i| format!("gsi(name = \"GSI{i}\", pk = \"P{i}\")")).collect::<Vec<_>>();
    let input = syn::parse_str(&format!(
        "#[table(name = \"App\", pk = \"PK\", {})] struct App;",
        gsis.join(", ")
    ))
    .unwrap();
    assert_one(&table_errors(input), "too many GSIs");
}

#[test]
fn table_errors_are_all_collected() {
    let errors = table_errors(syn::parse_quote! {
        #[table(name = "A", pk = "PK", stream = "all", billing = free, colour = "red",
                gsi(name = "GS1", pk = "G", sk = ["a:Q"]))]
        struct App;
    });
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(errors.iter().any(|e| e.contains("unknown stream view")));
    assert!(errors.iter().any(|e| e.contains("unknown billing mode")));
    assert!(errors.iter().any(|e| e.contains("unknown table option `colour`")));
    assert!(errors.iter().any(|e| e.contains("unknown key type `Q`")));
    assert!(errors.iter().any(|e| e.contains("invalid table name `A`")));
}

#[test]
fn parses_an_entity() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[entity(table = crate::App, pk = "USER#{user_id}", sk = "PROFILE", name = "U",
                 index(GSI1, pk = "EMAIL#{email}", sk = "USER"),
                 index(ByTenant, pk = [tenant_id], sk = [score]),
                 index(LSI1, sk = "NAME#{name}"))]
        struct User {
            user_id: String,
            #[entity(rename = "mail")] email: String,
            name: String,
            tenant_id: String,
            score: Option<i64>,
            #[entity(skip)] cached: Option<String>,
            #[entity(default = "crate::zero", version)] version: u64,
            #[entity(created_at)] created: Timestamp,
            #[entity(ttl)] expires: Option<Timestamp>,
            #[entity(serde, unique)] prefs: Prefs,
        }
    };
    let mut cx = Diagnostics::new();
    let model = parse_entity(&input, &mut cx).unwrap();
    validate::entity(&model, &mut cx);
    assert!(cx.is_empty(), "{:?}", cx.errors());
    assert_eq!(model.entity_type.value, "U");
    assert_eq!(model.partition_key.parts[1], TemplatePart::Field("user_id".into()));
    assert_eq!(model.key_fields(), ["user_id"]);
    assert_eq!(model.field("email").unwrap().attribute.value, "mail");
    assert!(model.field("cached").unwrap().skip.is_some());
    assert!(model.field("version").unwrap().markers.version.is_some());
    assert!(model.field("prefs").unwrap().serde.is_some());
    match &model.indexes[1].keys {
        EntityIndexKeys::Fields { partition, sort } => {
            assert_eq!(partition[0].value, "tenant_id");
            assert_eq!(sort[0].value, "score");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(model.indexes[2].key_fields(), ["name"]);
}

fn user_with(
    attrs: proc_macro2::TokenStream,
    fields: proc_macro2::TokenStream,
) -> syn::DeriveInput {
    syn::parse_quote! {
        #[entity(table = App, #attrs)]
        struct User { user_id: String, #fields }
    }
}

#[test]
fn entity_rules() {
    let cases: &[(proc_macro2::TokenStream, proc_macro2::TokenStream, &str)] = &[
        (quote::quote!(pk = "USER#{nope}"), quote::quote!(), "unknown field `nope`"),
        (quote::quote!(pk = "USER#{user_id"), quote::quote!(), "`{` is not closed"),
        (quote::quote!(pk = "USER#{}"), quote::quote!(), "empty placeholder"),
        (
            quote::quote!(pk = "{user_id}{price}"),
            quote::quote!(price: u8,),
            "literal starting with `#`",
        ),
        (quote::quote!(pk = "P#{price}"), quote::quote!(price: f64,), "floating-point"),
        (quote::quote!(pk = "P#{tags}"), quote::quote!(tags: Vec<String>,), "collections"),
        (quote::quote!(pk = "P#{email}"), quote::quote!(email: Option<String>,), "is an `Option`"),
        (
            quote::quote!(pk = "P#{cached}"),
            quote::quote!(#[entity(skip)] cached: String,),
            "is skipped",
        ),
        (quote::quote!(pk = "P#{user_id}#{user_id}"), quote::quote!(), "appears twice"),
        (
            quote::quote!(pk = "P#{user_id}"),
            quote::quote!(#[entity(version)] a: u64, #[entity(version)] b: u64,),
            "a second `version` field",
        ),
        (
            quote::quote!(pk = "P#{user_id}"),
            quote::quote!(#[entity(version)] a: String,),
            "must be an integer",
        ),
        (
            quote::quote!(pk = "P#{user_id}"),
            quote::quote!(#[entity(created_at)] a: u64,),
            "must be a `Timestamp`",
        ),
        (
            quote::quote!(pk = "P#{user_id}"),
            quote::quote!(#[entity(ttl)] a: String,),
            "`ttl` field `a` must be",
        ),
        (
            quote::quote!(pk = "P#{user_id}"),
            quote::quote!(#[entity(ttl)] a: Option<i16>,),
            "`u32`, `u64` or `i64`",
        ),
        (
            quote::quote!(pk = "P#{user_id}"),
            quote::quote!(#[entity(rename = "user_id")] other: String,),
            "both stored as attribute `user_id`",
        ),
        (
            quote::quote!(pk = "P#{user_id}"),
            quote::quote!(#[entity(skip, version)] a: u64,),
            "cannot be `version`",
        ),
        (
            quote::quote!(pk = "P#{user_id}"),
            quote::quote!(#[entity(colour)] a: u64,),
            "unknown `#[entity]` field option `colour`",
        ),
        (
            quote::quote!(pk = "P#{user_id}", partition = "x"),
            quote::quote!(),
            "unknown entity option",
        ),
        (
            quote::quote!(pk = "P#{user_id}", index(G, pk = "A#{user_id}", sk = [user_id])),
            quote::quote!(),
            "templates on both sides",
        ),
        (
            quote::quote!(pk = "P#{user_id}", index(G, pk = [missing])),
            quote::quote!(),
            "unknown field `missing`",
        ),
        (
            quote::quote!(pk = "P#{user_id}", index(G, pk = "A"), index(G, pk = "B")),
            quote::quote!(),
            "index `G` is listed twice",
        ),
        (quote::quote!(pk = "P#{user_id}", pk = "Q"), quote::quote!(), "duplicate `pk`"),
        (quote::quote!(sk = "P"), quote::quote!(), "missing `pk"),
    ];
    for (attrs, fields, needle) in cases {
        assert_one(&entity_errors(user_with(attrs.clone(), fields.clone())), needle);
    }
}

#[test]
fn attribute_rules() {
    assert_one(
        &attribute_errors(syn::parse_quote! { struct Point(i64, i64); }),
        "tuple structs of exactly one field",
    );
    assert_one(
        &attribute_errors(syn::parse_quote! { enum Shape { Line(u8, u8) } }),
        "has 2 unnamed fields",
    );
    assert_one(
        &attribute_errors(syn::parse_quote! { #[attribute(tag = "kind")] struct A { a: u8 } }),
        "`tag` names the tag attribute",
    );
    assert_one(
        &attribute_errors(syn::parse_quote! {
            #[attribute(tag = "kind")] enum P { Card { kind: String } }
        }),
        "the enum's tag attribute",
    );
    assert_one(
        &attribute_errors(syn::parse_quote! { enum S { A, #[attribute(rename = "A")] B } }),
        "two variants are stored as `A`",
    );
    assert_one(
        &attribute_errors(syn::parse_quote! { struct A { #[attribute(version)] a: u8 } }),
        "unknown `#[attribute]` field option `version`",
    );
}

#[test]
fn attribute_shapes() {
    let mut cx = Diagnostics::new();
    let unit = parse_attribute(&syn::parse_quote! { enum S { A, B } }, &mut cx).unwrap();
    assert!(matches!(unit.shape, AttributeShape::UnitEnum(ref v) if v.len() == 2));
    let tagged = parse_attribute(
        &syn::parse_quote! { enum P { Card { last4: String }, Cash, Other(Inner) } },
        &mut cx,
    )
    .unwrap();
    match tagged.shape {
        AttributeShape::TaggedEnum { tag, variants } => {
            assert_eq!(tag.value, "type", "the default tag");
            assert!(matches!(variants[1].body, VariantBody::Unit));
            assert!(matches!(variants[2].body, VariantBody::Newtype(_)));
        }
        other => panic!("{other:?}"),
    }
    let newtype = parse_attribute(&syn::parse_quote! { struct Id(String); }, &mut cx).unwrap();
    assert!(matches!(newtype.shape, AttributeShape::Newtype(_)));
    assert!(cx.is_empty());
}

#[test]
fn inner_functions_expand() {
    let table = table_inner(syn::parse_quote! {
        #[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
        struct App;
    })
    .unwrap()
    .to_string();
    assert!(table.contains("impl :: singletable :: Table for App"), "{table}");
    assert!(table.contains("pub fn client"), "{table}");

    let entity = entity_inner(syn::parse_quote! {
        #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE", index(GSI1, pk = "EMAIL#{email}", sk = "USER"),
                 crate = "::facade")]
        struct User { user_id: String, email: String }
    })
    .unwrap()
    .to_string();
    // Runtime items are reached through `__st`, the override's `__private`.
    assert!(entity.contains("use :: facade :: __private as __st"), "{entity}");
    assert!(entity.contains("impl __st :: Entity for User"), "{entity}");
    assert!(entity.contains("pub fn key (user_id : impl __st :: Into < String >)"), "{entity}");
    assert!(entity.contains("pub fn gsi1_key (email"), "{entity}");
    assert!(!entity.contains("singletable"), "the crate override reaches every path");
    assert!(!entity.contains("todo !") && !entity.contains("unimplemented !"));

    let error = entity_inner(syn::parse_quote! {
        #[entity(table = App, pk = "USER#{nope}")]
        struct User { user_id: String }
    })
    .unwrap_err();
    assert!(error.to_string().contains("unknown field `nope`"));

    let attribute = attribute_inner(syn::parse_quote! { struct Id(String); }).unwrap().to_string();
    assert!(attribute.contains("KeyComponent for Id"), "{attribute}");
    assert!(
        attribute.contains("for < '__st > String : :: singletable :: KeyComponent"),
        "{attribute}"
    );
}

#[test]
fn index_key_function_names() {
    let entity = entity_inner(syn::parse_quote! {
        #[entity(table = App, pk = "P#{a}", index(ByTenant, pk = [a]), index(name = "gsi-by.email", pk = "E#{a}"))]
        struct E { a: String }
    });
    // `name = "…"` takes index names that are not identifiers.
    let entity = match entity {
        Ok(tokens) => tokens.to_string(),
        Err(error) => panic!("{error}"),
    };
    assert!(entity.contains("pub fn by_tenant_key"), "{entity}");
    assert!(entity.contains("pub fn gsi_by_email_key"), "{entity}");
}

#[test]
fn file_positions_print_as_file_line_col() {
    let position = FilePosition { file: Rc::from("schema.toml"), line: 3, column: 7, length: 1 };
    let diagnostic = Diagnostic::new(SourceSpan::File(position), "unknown field `x`");
    assert_eq!(diagnostic.to_string(), "schema.toml:3:7: unknown field `x`");
}

#[test]
fn update_markers_follow_the_index_templates() {
    use singletable_codegen::model::{CompositePlan, UpdateMarker};
    let mut cx = Diagnostics::new();
    let model = parse_entity(
        &syn::parse_quote! {
            #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE",
                     index(GSI1, pk = "EMAIL#{email}", sk = "USER"),
                     index(GSI2, pk = "ORG#{org}", sk = "{role}#{user_id}"),
                     index(GSI3, pk = "ROLE#{role}", sk = "{level}"),
                     index(LSI1, sk = "NAME#{name}"),
                     index(ByTenant, pk = [tenant]))]
            struct User {
                user_id: String, email: String, org: String, role: String, level: u8,
                name: String, tenant: Option<String>, nick: Option<String>,
                #[entity(default)] tags: Vec<String>, visits: u64,
                badges: std::collections::BTreeSet<String>,
            }
        },
        &mut cx,
    )
    .unwrap();
    assert!(cx.is_empty());
    let marker = |name: &str| model.update_marker(model.field(name).unwrap());
    assert_eq!(marker("user_id"), UpdateMarker::KeyField);
    assert_eq!(marker("email"), UpdateMarker::Indexed(vec![0]));
    assert_eq!(marker("name"), UpdateMarker::Indexed(vec![3]));
    assert_eq!(marker("org"), UpdateMarker::Composite);
    assert_eq!(marker("role"), UpdateMarker::Composite);
    assert_eq!(marker("level"), UpdateMarker::Composite);
    // A native index key is the field itself: DynamoDB keeps the index in step.
    assert_eq!(marker("tenant"), UpdateMarker::Optional);
    assert_eq!(marker("nick"), UpdateMarker::Optional);
    assert_eq!(marker("tags"), UpdateMarker::Optional);
    assert_eq!(marker("badges"), UpdateMarker::Optional);
    assert_eq!(marker("visits"), UpdateMarker::Value);
    // `role` links GSI2 and GSI3: either composite takes all three fields.
    let both = Some(CompositePlan {
        fields: vec!["org".into(), "role".into(), "level".into()],
        indexes: vec![1, 2],
        computed: Vec::new(),
    });
    assert_eq!(model.composite_plan(1), both);
    assert_eq!(model.composite_plan(2), both);
    assert_eq!(model.composite_plan(0), None);
    assert_eq!(model.composite_plan(4), None);
}

#[test]
fn typed_path_names_must_not_collide() {
    let errors = entity_errors(syn::parse_quote! {
        #[entity(table = App, pk = "A#{id}", sk = "B")]
        struct Doc { id: String, schema: String, a_b: u8, #[entity(rename = "x")] aB: u8 }
    });
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].contains("`Self::SCHEMA`"), "{}", errors[0]);
    assert!(errors[1].contains("`a_b` and `aB`"), "{}", errors[1]);
}

#[test]
fn schema_version_and_upgrade_come_together() {
    let entity = |args: proc_macro2::TokenStream| -> syn::DeriveInput {
        syn::parse_quote! {
            #[entity(table = App, pk = "USER#{id}", #args)]
            struct User { id: String }
        }
    };
    assert_one(
        &entity_errors(entity(quote::quote!(schema_version = 2))),
        "`schema_version` needs `upgrade = \"path::to::fn\"`",
    );
    assert_one(
        &entity_errors(entity(quote::quote!(upgrade = "up"))),
        "`upgrade` needs `schema_version = N`",
    );
    assert_one(
        &entity_errors(entity(quote::quote!(schema_version = 0, upgrade = "up"))),
        "`schema_version` is a number from 1 to 4294967295",
    );
    let mut cx = Diagnostics::new();
    let model =
        parse_entity(&entity(quote::quote!(schema_version = 3, upgrade = "v::up")), &mut cx)
            .expect("a model");
    assert!(cx.is_empty());
    let upgrade = model.upgrade.expect("an upgrade");
    assert_eq!(upgrade.version.value, 3);
    let function = &upgrade.function;
    assert_eq!(quote::quote!(#function).to_string().replace(' ', ""), "v::up");
}
