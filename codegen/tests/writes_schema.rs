//! `read_only` and `computed` fields: the schema file and the derive give the same model
//! and the same code (one model, one emitter), the update markers follow the computed
//! fields' inputs, and misuse is reported at `file:line:col`.
#![cfg(feature = "schema")]

use singletable_codegen::derive::{entity_inner, table_inner};
use singletable_codegen::emit;
use singletable_codegen::model::{CompositePlan, Derived, UpdateMarker};
use singletable_codegen::schema::{self, Format};

const SCHEMA: &str = r#"
[table]
name = "App"
pk = "PK"
sk = "SK"

[[table.gsi]]
name = "GSI1"
pk = "GSI1PK"
sk = "GSI1SK"

[[entities]]
name = "User"
pk = "USER#{user_id}"
sk = "PROFILE"
indexes = [
  { name = "GSI1", pk = "NAME#{full}", sk = "USER" },
]

[entities.fields]
user_id = "String"
first = "String"
last = "String"
full = { type = "String", computed = "super::full_name", from = ["first", "last"] }
slug = { type = "String", computed = "super::slugify", from = ["first"] }
signed_up_via = { type = "String", read_only = true }
"#;

#[test]
fn schema_and_derive_expand_identically() {
    let models = match schema::parse_str(SCHEMA, "writes.toml", Format::Toml) {
        Ok(models) => models,
        Err(cx) => panic!("{:?}", cx.errors().iter().map(ToString::to_string).collect::<Vec<_>>()),
    };
    let table = table_inner(syn::parse_quote! {
        #[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
        pub struct App;
    })
    .unwrap();
    assert_eq!(emit::table(&models.table).to_string(), table.to_string());
    let derive = entity_inner(syn::parse_quote! {
        #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE",
                 index(GSI1, pk = "NAME#{full}", sk = "USER"))]
        pub struct User {
            pub user_id: ::std::string::String,
            pub first: ::std::string::String,
            pub last: ::std::string::String,
            #[entity(computed = "super::full_name", from(first, last))]
            pub full: ::std::string::String,
            #[entity(computed = "super::slugify", from(first))]
            pub slug: ::std::string::String,
            #[entity(read_only)]
            pub signed_up_via: ::std::string::String,
        }
    })
    .unwrap();
    let model = &models.entities[0];
    let from_schema = emit::entity(model).to_string();
    let derived = derive.to_string();
    let at = from_schema.bytes().zip(derived.bytes()).take_while(|(a, b)| a == b).count();
    assert_eq!(
        from_schema,
        derived,
        "differ at {at}: schema …{}… derive …{}…",
        &from_schema[at.saturating_sub(150)..(at + 150).min(from_schema.len())],
        &derived[at.saturating_sub(150)..(at + 150).min(derived.len())]
    );
    // The generated code computes, recomputes and writes on upsert creation.
    assert!(from_schema.contains("fn full_composite"), "a composite for the two inputs");
    assert!(from_schema.contains("super :: slugify"), "the function is called");
    assert!(from_schema.contains("marker :: ReadOnly"), "the read-only marker");
    assert!(from_schema.contains("marker :: Computed"), "the computed marker");

    let marker = |name: &str| model.update_marker(model.field(name).unwrap());
    assert_eq!(marker("full"), UpdateMarker::Computed);
    assert_eq!(marker("slug"), UpdateMarker::Computed);
    assert_eq!(marker("signed_up_via"), UpdateMarker::ReadOnly);
    // `first` feeds `full` (with `last`) and `slug` alone: a composite, since `full`
    // needs both.
    assert_eq!(marker("first"), UpdateMarker::Composite);
    assert_eq!(marker("last"), UpdateMarker::Composite);
    let full = model.fields.iter().position(|f| f.name() == "full").unwrap();
    let plan = CompositePlan {
        fields: vec!["first".into(), "last".into()],
        indexes: vec![0],
        computed: vec!["full".into(), "slug".into()],
    };
    assert_eq!(model.composite_plan_of(Derived::Computed(full)), Some(plan.clone()));
    assert_eq!(model.composite_plan(0), Some(plan));
}

#[test]
fn one_input_makes_the_input_indexed() {
    let models = schema::parse_str(
        &SCHEMA.replace(
            r#"full = { type = "String", computed = "super::full_name", from = ["first", "last"] }"#,
            r#"full = { type = "String", computed = "super::full_name", from = ["user_id", "last"] }"#,
        ),
        "writes.toml",
        Format::Toml,
    )
    .unwrap_or_else(|_| panic!("valid"));
    let model = &models.entities[0];
    // `user_id` is a key field: `full` changes with `last` only, which feeds GSI1 through
    // it; `first` feeds `slug` alone.
    assert_eq!(model.update_marker(model.field("last").unwrap()), UpdateMarker::Indexed(vec![0]));
    assert_eq!(model.update_marker(model.field("first").unwrap()), UpdateMarker::Indexed(vec![]));
    assert_eq!(model.computed_by("first"), vec!["slug".to_owned()]);
}

fn errors(source: &str) -> Vec<String> {
    match schema::parse_str(source, "writes.toml", Format::Toml) {
        Ok(_) => Vec::new(),
        Err(cx) => cx.errors().iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn misuse_is_reported_at_file_positions() {
    let bad = SCHEMA
        .replace(
            r#"signed_up_via = { type = "String", read_only = true }"#,
            r#"signed_up_via = { type = "String", read_only = true }
alone = { type = "String", from = ["first"] }
nothing = { type = "String", computed = "super::f" }
unknown = { type = "String", computed = "super::f", from = ["nope"] }
chained = { type = "String", computed = "super::f", from = ["full"] }
stamped = { type = "u64", computed = "super::f", from = ["first"], version = true }"#,
        )
        .replace(r#"first = "String""#, r#"first = { type = "String", read_only = true }"#);
    let errors = errors(&bad);
    let expected = [
        "writes.toml:27:35: field `alone`: `from` lists the inputs of a `computed` field: add `computed = \"path::to::fn\"`",
        "computed field `nothing` needs `from(..)`",
        "unknown field `nope`: `User` has no such field",
        "computed field `chained` cannot be computed from computed field `full`",
        "computed field `stamped` cannot also be `version`",
        "computed field `full` cannot be computed from `read_only` field `first`",
    ];
    for text in expected {
        assert!(
            errors.iter().any(|e| e.contains(text)),
            "missing {text:?} in:\n{}",
            errors.join("\n")
        );
    }
    assert!(errors.iter().all(|e| e.starts_with("writes.toml:")), "{errors:?}");
}

#[test]
fn read_only_index_fields_are_refused() {
    let bad = SCHEMA.replace(
        r#"{ name = "GSI1", pk = "NAME#{full}", sk = "USER" }"#,
        r#"{ name = "GSI1", pk = "NAME#{signed_up_via}", sk = "USER" }"#,
    );
    let errors = errors(&bad);
    assert!(
        errors.iter().any(|e| e.contains(
            "field `signed_up_via` cannot be `read_only`: it feeds an index key, which an upsert \
             rewrites from the value it is given while the field keeps the stored one"
        )),
        "{errors:?}"
    );
}
