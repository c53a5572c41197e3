//! The generated code as a reviewed artifact: expansions of representative inputs, pretty
//! printed and pinned with insta. A change to the emitter shows up here as a diff.

use proc_macro2::TokenStream;
use singletable_codegen::derive::{attribute_inner, entity_inner, table_inner};

fn pretty(tokens: TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens).expect("the expansion is valid Rust");
    prettyplease::unparse(&file)
}

#[test]
fn table() {
    let tokens = table_inner(syn::parse_quote! {
        #[table(name = "App", pk = "PK", sk = "SK",
                gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
                gsi(name = "ByTenant", pk = ["tenant_id", "region"], sk = ["score:N"], projection = keys_only),
                lsi(name = "LSI1", sk = "LSI1SK", projection = include("name")),
                ttl = "expires_at", stream = "new_and_old_images")]
        struct App;
    })
    .unwrap();
    insta::assert_snapshot!(pretty(tokens));
}

#[test]
fn entity() {
    let tokens = entity_inner(syn::parse_quote! {
        #[entity(table = App, pk = "USER#{user_id}", sk = "ORDER#{placed_at}#{order_id}",
                 index(GSI1, pk = "ORDER#{order_id}", sk = "ORDER"),
                 index(ByTenant, pk = [tenant_id, region], sk = [score]),
                 index(LSI1, sk = "{total}"))]
        struct Order {
            user_id: String,
            order_id: String,
            placed_at: Timestamp,
            total: i64,
            tenant_id: String,
            region: String,
            score: Option<i64>,
            #[entity(skip)] cached: Option<String>,
            #[entity(default, rename = "t")] tags: Vec<String>,
            #[entity(ttl)] expires_at: Option<Timestamp>,
        }
    })
    .unwrap();
    insta::assert_snapshot!(pretty(tokens));
}

#[test]
fn attribute_types() {
    let mut out = String::new();
    let inputs: [syn::DeriveInput; 4] = [
        syn::parse_quote! { struct Address { street: String, #[attribute(rename = "zip")] postcode: String } },
        syn::parse_quote! { enum Status { Active, #[attribute(rename = "gone")] Deleted } },
        syn::parse_quote! { #[attribute(tag = "kind")] enum Payment { Card { last4: String }, Cash } },
        syn::parse_quote! { struct UserId(String); },
    ];
    for input in inputs {
        out.push_str(&pretty(attribute_inner(input).unwrap()));
        out.push('\n');
    }
    insta::assert_snapshot!(out);
}
