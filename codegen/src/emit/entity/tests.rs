//! Unit tests of the entity emitter.

use super::entity_checked;
use crate::derive::parse_entity;
use crate::diagnostic::Diagnostics;

fn model(source: &str) -> crate::model::EntityModel {
    let input: syn::DeriveInput = match syn::parse_str(source) {
        Ok(input) => input,
        Err(e) => panic!("test input: {e}"),
    };
    let mut cx = Diagnostics::new();
    match parse_entity(&input, &mut cx) {
        Some(model) => model,
        None => panic!("parse failed: {:?}", cx.errors()),
    }
}

/// A front end that skips validation still gets diagnostics, not a panic.
#[test]
fn unknown_template_fields_are_diagnostics() {
    let unvalidated = model(
        r#"#[entity(table = App, pk = "USER#{nope}", sk = "X#{gone}",
                    index(GSI1, pk = "E#{also_gone}", sk = "Y"))]
           struct User { user_id: String }"#,
    );
    let errors = match entity_checked(&unvalidated) {
        Ok(_) => panic!("an unknown field must not emit code"),
        Err(cx) => cx.into_errors(),
    };
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "entity `User` has no field `nope`",
            "entity `User` has no field `gone`",
            "entity `User` has no field `also_gone`",
        ]
    );
}

#[test]
fn a_resolvable_model_emits_its_hooks() {
    let valid = model(
        r#"#[entity(table = App, pk = "USER#{user_id}", sk = "P", validate = "check")]
           struct User { user_id: String, #[entity(validate = "non_empty")] name: String }"#,
    );
    let tokens = match entity_checked(&valid) {
        Ok(tokens) => tokens.to_string(),
        Err(cx) => panic!("{:?}", cx.errors()),
    };
    assert!(tokens.contains("fn validate_write"));
    assert!(tokens.contains("fn validate_attribute"));
    assert!(tokens.contains("non_empty"));
    assert!(tokens.contains("check (self)"));
}

/// Write defaults: only `default = "fn"` on a stored `Option` field; the encode and
/// both hooks use the defaulted value (the entity hook through a defaulted copy).
#[test]
fn write_defaults_apply_to_option_fields_before_the_hooks() {
    let valid = model(
        r#"#[entity(table = App, pk = "USER#{user_id}", sk = "P", validate = "check")]
           struct User {
               user_id: String,
               #[entity(default = "plan", validate = "known")] plan: Option<String>,
               #[entity(default = "credits")] credits: u32,
               #[entity(default)] nick: Option<String>,
               #[entity(default = "stamp", created_at)] created: Option<Timestamp>,
           }"#,
    );
    let tokens = match entity_checked(&valid) {
        Ok(tokens) => tokens.to_string(),
        Err(cx) => panic!("{:?}", cx.errors()),
    };
    // `plan` (field 1): its function in one `fn() -> T` const (the decode, the write
    // default and the migration default share it); bound once in `to_item`, once for
    // its hook.
    let constant = "const __ST_D1 : fn () -> Option < String > = plan ;";
    assert_eq!(tokens.matches(constant).count(), 1, "{tokens}");
    assert_eq!(tokens.matches("= plan").count(), 1, "{tokens}");
    let call = "__ST_D1 ()";
    assert_eq!(tokens.matches(&format!("__st_d1 = {call}")).count(), 1, "{tokens}");
    // The migration default of each defaulted field: through the same const, or
    // `Default::default` for a bare `default`.
    assert!(tokens.contains("encoded_default (__ST_C . 2 , \"plan\" , __ST_D1)"), "{tokens}");
    assert!(tokens.contains("encoded_default (__ST_C . 3 , \"credits\" , __ST_D2)"), "{tokens}");
    assert!(
        tokens.contains(
            "\"nick\" , < Option < String > as :: core :: default :: Default > :: default)"
        ),
        "{tokens}"
    );
    assert!(tokens.contains("__st :: field_schema (\"user_id\" , \"user_id\" , 0u16)"), "{tokens}");
    assert!(tokens.contains(&format!("__st_copy . plan = {call}")));
    assert!(tokens.contains("known (& __st_this . plan)"));
    assert!(tokens.contains("check (__st_this)"));
    assert!(tokens.contains("< Self as __st :: Clone > :: clone (self)"));
    // Read-side only: a required field, `default` without a function, a stamped field.
    for field in ["__st_d2", "__st_d3", "__st_d4"] {
        assert!(!tokens.contains(field), "{field}");
    }

    let no_entity_hook = model(
        r#"#[entity(table = App, pk = "USER#{user_id}", sk = "P")]
           struct User {
               user_id: String,
               #[entity(default = "plan", validate = "known")] plan: Option<String>,
           }"#,
    );
    let tokens = match entity_checked(&no_entity_hook) {
        Ok(tokens) => tokens.to_string(),
        Err(cx) => panic!("{:?}", cx.errors()),
    };
    // One binding in `validate_write`, one in `to_item`; no copy, no `Clone`.
    assert_eq!(tokens.matches("__st_d1 = __ST_D1 ()").count(), 2, "{tokens}");
    assert!(tokens.contains("known (__st_v1)"));
    assert!(!tokens.contains("Clone"));
}

/// The schema-file front end builds the same field model, so `default = "path"` on
/// an `Option` field is a write default there too.
#[cfg(feature = "schema")]
#[test]
fn schema_files_get_the_same_write_defaults() {
    let source = r#"
        [table]
        name = "App"
        pk = "PK"
        sk = "SK"

        [[entities]]
        name = "User"
        pk = "USER#{user_id}"
        sk = "P"
        validate = "super::check"

        [entities.fields]
        user_id = "String"
        plan = { type = "Option<String>", default = "super::plan", validate = "super::known" }
    "#;
    let models = match crate::schema::parse_str(source, "app.toml", crate::schema::Format::Toml) {
        Ok(models) => models,
        Err(cx) => panic!("{:?}", cx.errors()),
    };
    let from_schema = match models.entities.first().map(entity_checked) {
        Some(Ok(tokens)) => tokens.to_string(),
        other => panic!("{other:?}"),
    };
    let derived = model(
        r#"#[entity(table = App, pk = "USER#{user_id}", sk = "P", validate = "super::check")]
           struct User {
               user_id: String,
               #[entity(default = "super::plan", validate = "super::known")]
               plan: ::core::option::Option<::std::string::String>,
           }"#,
    );
    let from_derive = match entity_checked(&derived) {
        Ok(tokens) => tokens.to_string(),
        Err(cx) => panic!("{:?}", cx.errors()),
    };
    // The schema front end writes types by their full paths.
    let constant = "const __ST_D1 : fn () -> :: core :: option :: Option < :: std :: \
                    string :: String > = super :: plan ;";
    let call = "__ST_D1 ()";
    for tokens in [&from_schema, &from_derive] {
        assert!(tokens.contains(constant), "{tokens}");
        assert!(tokens.contains(&format!("__st_d1 = {call}")), "{tokens}");
        assert!(tokens.contains(&format!("__st_copy . plan = {call}")), "{tokens}");
        assert!(tokens.contains("super :: check (__st_this)"), "{tokens}");
    }
}
