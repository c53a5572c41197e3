//! A schema file and the equivalent annotated structs expand to the same code: both
//! build the same IR and go through the same emitter. The fixture (`fixtures/app.toml`,
//! the complete example of `docs/schema.md`) is compared item by item with the derive
//! expansion of structs written here, its YAML and JSON twins must give the same
//! generated file, the generated file is pinned with insta, and the copy checked in at
//! `tests/generated/app.rs` (compiled and used by the facade's `tests/schema_generated.rs`)
//! must be up to date.
#![cfg(feature = "schema")]

use proc_macro2::TokenStream;
use singletable_codegen::derive::{attribute_inner, collection_inner, entity_inner, table_inner};
use singletable_codegen::emit;
use singletable_codegen::model::ModelSet;
use singletable_codegen::schema::{self, Format};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse(name: &str, format: Format) -> ModelSet {
    match schema::parse_str(&fixture(name), name, format) {
        Ok(models) => models,
        Err(cx) => {
            let errors: Vec<String> = cx.errors().iter().map(ToString::to_string).collect();
            panic!("{name} has errors:\n{}", errors.join("\n"))
        }
    }
}

fn same(what: &str, schema: TokenStream, derive: TokenStream) {
    let (schema, derive) = (schema.to_string(), derive.to_string());
    if schema != derive {
        let at = schema.bytes().zip(derive.bytes()).take_while(|(a, b)| a == b).count();
        let from = at.saturating_sub(200);
        panic!(
            "{what}: the schema and the derive expand differently at byte {at}\nschema: …{}\nderive: …{}",
            &schema[from..(at + 200).min(schema.len())],
            &derive[from..(at + 200).min(derive.len())]
        );
    }
}

#[test]
fn schema_and_derives_expand_identically() {
    let models = parse("app.toml", Format::Toml);

    let table = table_inner(syn::parse_quote! {
        #[table(name = "App", pk = "PK", sk = "SK",
                gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
                gsi(name = "ByTenant", pk = ["tenant_id", "region"], sk = ["score:N"]),
                gsi(name = "GSI2", pk = "GSI2PK", projection = keys_only),
                gsi(name = "GSI3", pk = "GSI3PK", sk = "GSI3SK", projection = include("name")),
                lsi(name = "LSI1", sk = "LSI1SK"),
                ttl = "expires_at", stream = new_and_old_images, billing = on_demand)]
        pub struct App;
    })
    .unwrap();
    same("table App", emit::table(&models.table), table);

    let attributes: [syn::DeriveInput; 3] = [
        syn::parse_quote! {
            pub struct Address {
                street: ::std::string::String,
                #[attribute(rename = "zip")] postcode: ::std::string::String,
            }
        },
        syn::parse_quote! { pub enum Status { Active, Suspended } },
        syn::parse_quote! {
            #[attribute(tag = "kind")]
            pub enum Payment { Card { last4: ::std::string::String }, Cash }
        },
    ];
    assert_eq!(models.attributes.len(), attributes.len());
    for (model, input) in models.attributes.iter().zip(attributes) {
        let name = input.ident.to_string();
        same(&name, emit::attribute(model), attribute_inner(input).unwrap());
    }

    let entities: [syn::DeriveInput; 2] = [
        syn::parse_quote! {
            #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE", find,
                     index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
            pub struct User {
                user_id: ::std::string::String,
                #[entity(unique, validate = "super::valid_email")] email: ::std::string::String,
                name: ::std::string::String,
                status: Status,
                address: ::core::option::Option<Address>,
                #[entity(default)] tags: ::std::collections::HashSet<::std::string::String>,
                #[entity(version)] version: u64,
                #[entity(created_at)] created_at: ::singletable::Timestamp,
                #[entity(updated_at)] updated_at: ::singletable::Timestamp,
            }
        },
        syn::parse_quote! {
            #[entity(table = App, name = "order", pk = "USER#{user_id}", sk = "ORDER#{placed_at}#{order_id}",
                     validate = "super::valid_order",
                     index(GSI1, pk = "ORDER#{order_id}", sk = "ORDER"),
                     index(ByTenant, pk = [tenant_id, region], sk = [score]),
                     index(LSI1, sk = "{total}"))]
            pub struct Order {
                user_id: ::std::string::String,
                order_id: ::std::string::String,
                placed_at: ::singletable::Timestamp,
                total: i64,
                tenant_id: ::std::string::String,
                region: ::std::string::String,
                score: ::core::option::Option<i64>,
                payment: Payment,
                #[entity(rename = "l", default)] lines: ::std::vec::Vec<::std::string::String>,
                #[entity(skip)] cached: ::core::option::Option<::std::string::String>,
                #[entity(ttl)] expires_at: ::core::option::Option<::singletable::Timestamp>,
            }
        },
    ];
    assert_eq!(models.entities.len(), entities.len());
    for (model, input) in models.entities.iter().zip(entities) {
        let name = input.ident.to_string();
        same(&name, emit::entity(model), entity_inner(input).unwrap());
    }

    let collection = collection_inner(syn::parse_quote! {
        #[collection(table = App)]
        pub struct UserPage { user: Option<User>, orders: Vec<Order> }
    })
    .unwrap();
    same("collection UserPage", emit::collection(&models.collections[0]), collection);
}

#[test]
fn the_three_formats_give_the_same_code() {
    let toml = schema::generate(&parse("app.toml", Format::Toml)).unwrap();
    let yaml = schema::generate(&parse("app.yaml", Format::Yaml)).unwrap();
    let json = schema::generate(&parse("app.json", Format::Json)).unwrap();
    assert_eq!(toml, yaml, "app.yaml generates other code than app.toml");
    assert_eq!(toml, json, "app.json generates other code than app.toml");
}

#[test]
fn generated_code_is_pinned() {
    let code = schema::generate(&parse("app.toml", Format::Toml)).unwrap();
    insta::assert_snapshot!("generated_app", code);
}

/// The facade's `tests/schema_generated.rs` compiles and uses `tests/generated/app.rs`;
/// regenerate it with `UPDATE_GENERATED=1 cargo test -p singletable-codegen --features
/// schema --test schema_equivalence`.
#[test]
fn checked_in_generated_code_is_up_to_date() {
    let code = schema::generate(&parse("app.toml", Format::Toml)).unwrap();
    let path = format!("{}/../tests/generated/app.rs", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, &code).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == code,
        "tests/generated/app.rs is not what codegen/tests/fixtures/app.toml generates: run \
         `UPDATE_GENERATED=1 cargo test -p singletable-codegen --features schema --test schema_equivalence`"
    );
}

#[test]
fn to_toml_round_trips_the_fixture() {
    let models = parse("app.toml", Format::Toml);
    let written = schema::to_toml(&models);
    let again = match schema::parse_str(&written, "written.toml", Format::Toml) {
        Ok(models) => models,
        Err(cx) => panic!(
            "{written}\n{:?}",
            cx.errors().iter().map(ToString::to_string).collect::<Vec<_>>()
        ),
    };
    assert_eq!(schema::to_toml(&again), written);
    assert_eq!(schema::generate(&again).unwrap(), schema::generate(&models).unwrap());
}

/// The complete example of `docs/schema.md` is this fixture, byte for byte.
#[test]
fn the_reference_page_shows_the_fixture() {
    let page = std::fs::read_to_string(format!("{}/../docs/schema.md", env!("CARGO_MANIFEST_DIR")))
        .expect("docs/schema.md");
    let example = format!("```toml\n{}```", fixture("app.toml"));
    assert!(page.contains(&example), "docs/schema.md does not show fixtures/app.toml as it is");
}

/// `compact = true` in a schema file is `#[entity(compact)]`: the same model, the same
/// code, and `to_toml` writes it back.
#[test]
fn compact_in_a_schema_file_is_the_derive_attribute() {
    let source = r#"
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
compact = true
indexes = [{ name = "GSI1", pk = "EMAIL#{email}", sk = "USER" }]
fields = { user_id = "String", email = "String", name = "String" }
"#;
    let models = match schema::parse_str(source, "compact.toml", Format::Toml) {
        Ok(models) => models,
        Err(cx) => panic!("{:?}", cx.errors().iter().map(ToString::to_string).collect::<Vec<_>>()),
    };
    assert!(models.entities[0].compact.is_some());
    let derive = entity_inner(syn::parse_quote! {
        #[entity(table = App, compact, pk = "USER#{user_id}", sk = "PROFILE",
                 index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
        pub struct User {
            user_id: ::std::string::String,
            email: ::std::string::String,
            name: ::std::string::String,
        }
    })
    .unwrap();
    let schema = emit::entity(&models.entities[0]);
    same("compact User", schema.clone(), derive);
    // Compact is visible in the code: key fields are `KeyOnly`, not encoded.
    let code = schema.to_string();
    assert!(code.contains("KeyOnly < User"), "{code}");
    assert!(code.contains("decode_key_only"), "{code}");
    let written = schema::to_toml(&models);
    assert!(written.contains("compact = true"), "{written}");
    let again = schema::parse_str(&written, "written.toml", Format::Toml).ok().unwrap();
    assert!(again.entities[0].compact.is_some());
}
