//! The checks of schema files: every mistake of a file is reported in one pass, each at
//! its `file:line:col`, with a hint where there is more to say. The bad files are
//! fixtures (`fixtures/bad_*`), one per format.
#![cfg(feature = "schema")]

use singletable_codegen::schema::{self, Format};
use singletable_codegen::{Diagnostic, SourceSpan};

fn errors(name: &str, format: Format) -> Vec<Diagnostic> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match schema::parse_str(&source, name, format) {
        Ok(_) => panic!("{name} has no errors"),
        Err(cx) => cx.into_errors(),
    }
}

fn line_of(error: &Diagnostic) -> u32 {
    match &error.span {
        SourceSpan::File(position) => position.line,
        SourceSpan::Tokens { .. } => panic!("not a file position: {error}"),
    }
}

/// The error whose message contains `text`, which must be on `line`.
fn expect<'a>(errors: &'a [Diagnostic], line: u32, text: &str) -> &'a Diagnostic {
    let found = errors
        .iter()
        .find(|e| e.message.contains(text))
        .unwrap_or_else(|| panic!("no error containing {text:?}; errors:\n{}", render(errors)));
    assert_eq!(line_of(found), line, "{text:?} reported at the wrong line: {found}");
    found
}

fn render(errors: &[Diagnostic]) -> String {
    errors.iter().map(|e| format!("{e}  [hint: {:?}]", e.hint)).collect::<Vec<_>>().join("\n")
}

#[test]
fn every_mistake_of_a_toml_file_in_one_pass() {
    let errors = errors("bad_many.toml", Format::Toml);
    let unknown = expect(&errors, 6, "unknown key `billing_mode` in `table`");
    assert_eq!(unknown.hint.as_deref(), Some("did you mean `billing`?"));
    assert_eq!(unknown.to_string(), "bad_many.toml:6:1: unknown key `billing_mode` in `table`");
    expect(&errors, 18, "table `Shop` has no index `GSI9`");
    let bad_type = expect(&errors, 23, "unknown type `Strng` (did you mean `String`?)");
    assert!(bad_type.hint.as_deref().is_some_and(|h| h.contains("Option<T>")), "{bad_type:?}");
    let keyword = expect(&errors, 24, "`type` is not a valid Rust field name");
    assert!(keyword.hint.as_deref().is_some_and(|h| h.contains("keyword") && h.contains("rename")));
    expect(&errors, 27, "duplicate entity `User`");
    expect(&errors, 29, "unknown field `nickname`");
    let collision = expect(&errors, 37, "can be the same as those of entity `User`");
    assert!(collision.hint.as_deref().is_some_and(|h| h.contains("literal")), "{collision:?}");
    expect(
        &errors,
        39,
        "is stored as `user_id`, but partition-key attribute 1 of index `GSI1` is `GSI1PK`",
    );
    expect(&errors, 39, "sort-key attribute 1 of index `GSI1` is `GSI1SK`");
    expect(&errors, 45, "is stored as attribute `_type`, which table `Shop` uses");
    // Nothing else, and every error has a file position.
    assert_eq!(errors.len(), 10, "{}", render(&errors));
    assert!(errors.iter().all(|e| matches!(e.span, SourceSpan::File(_))));
}

#[test]
fn limits_and_reserved_names_in_yaml() {
    let errors = errors("bad_limits.yaml", Format::Yaml);
    expect(&errors, 12, "too many LSIs");
    expect(&errors, 34, "too many GSIs");
    expect(&errors, 36, "`String` is a reserved type name");
    assert_eq!(errors.len(), 3, "{}", render(&errors));
}

#[test]
fn types_and_patterns_in_json() {
    let errors = errors("bad_types.json", Format::Json);
    expect(&errors, 6, "renders a string, but the partition key of table `Types` is typed N");
    expect(&errors, 12, "`HashMap` keys must be `String`");
    let pattern = expect(&errors, 17, "names entity `Readings`");
    assert_eq!(pattern.hint.as_deref(), Some("did you mean `Reading`?"));
    assert_eq!(errors.len(), 3, "{}", render(&errors));
}

fn parse(source: &str, format: Format) -> Result<(), Vec<String>> {
    schema::parse_str(source, "t", format)
        .map(drop)
        .map_err(|cx| cx.errors().iter().map(ToString::to_string).collect())
}

#[test]
fn syntax_errors_point_into_the_file() {
    let toml = parse("[table]\nname = \"A\"\npk = \n", Format::Toml).unwrap_err();
    assert!(toml[0].starts_with("t:3:"), "{toml:?}");
    assert!(toml[0].contains("invalid TOML"), "{toml:?}");
    let yaml = parse("table:\n  name: [x\n", Format::Yaml).unwrap_err();
    assert!(yaml[0].contains("invalid YAML"), "{yaml:?}");
    let json = parse("{\n  \"table\": {,}\n}", Format::Json).unwrap_err();
    assert!(json[0].starts_with("t:2:"), "{json:?}");
    let dup =
        parse("{\"table\": {\"name\": \"App\", \"name\": \"B\", \"pk\": \"PK\"}}", Format::Json)
            .unwrap_err();
    assert!(dup.iter().any(|e| e.contains("duplicate key `name`")), "{dup:?}");
}

#[test]
fn missing_and_mistyped_values() {
    let errors = parse("[table]\nname = 3\n", Format::Toml).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("t:2:8: expected a string (the table name), found an integer")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.contains("missing `pk`")), "{errors:?}");
    let errors = parse("entities = []\n", Format::Toml).unwrap_err();
    assert!(errors.iter().any(|e| e.contains("missing `[table]`")), "{errors:?}");
    let errors = parse("tabel = {}\n", Format::Toml).unwrap_err();
    assert!(errors.iter().any(|e| e.contains("unknown key `tabel`")), "{errors:?}");
}

#[test]
fn entity_against_table_rules() {
    let base = "[table]\nname = \"App\"\npk = \"PK\"\nsk = \"SK\"\n[[table.lsi]]\nname = \"LS1\"\nsk = \"L1SK\"\n[[table.gsi]]\nname = \"GSX\"\npk = [\"a\", \"b\"]\n";
    let entity = |body: &str| {
        format!("{base}[[entities]]\nname = \"E\"\n{body}\nfields = {{ id = \"String\", a = \"String\", b = \"u32\" }}\n")
    };
    let no_sk = parse(&entity("pk = \"E#{id}\""), Format::Toml).unwrap_err();
    assert!(no_sk.iter().any(|e| e.contains("needs an `sk` template")), "{no_sk:?}");
    let lsi_pk = parse(&entity("pk = \"E#{id}\"\nsk = \"E\"\nindexes = [{ name = \"LS1\", pk = \"X#{id}\", sk = \"Y\" }]"), Format::Toml).unwrap_err();
    assert!(lsi_pk.iter().any(|e| e.contains("is a local secondary index")), "{lsi_pk:?}");
    let arity = parse(
        &entity("pk = \"E#{id}\"\nsk = \"E\"\nindexes = [{ name = \"GSX\", pk = \"X#{id}\" }]"),
        Format::Toml,
    )
    .unwrap_err();
    assert!(arity.iter().any(|e| e.contains("a template cannot fill it")), "{arity:?}");
    let types = parse(
        &entity("pk = \"E#{id}\"\nsk = \"E\"\nindexes = [{ name = \"GSX\", pk = [\"a\", \"b\"] }]"),
        Format::Toml,
    )
    .unwrap_err();
    assert!(
        types.iter().any(|e| e.contains("field `b` of entity `E` is stored as N")),
        "{types:?}"
    );
    let fine = entity("pk = \"E#{id}\"\nsk = \"E\"\nindexes = [{ name = \"LS1\", sk = \"{a}\" }]");
    assert_eq!(parse(&fine.replace("[\"a\", \"b\"]", "[\"a\", \"b:N\"]"), Format::Toml), Ok(()));
}

#[test]
fn load_file_reports_io_errors_as_diagnostics() {
    let errors = schema::load_file("does/not/exist.toml".as_ref()).unwrap_err();
    assert!(errors.errors()[0].to_string().starts_with("does/not/exist.toml:1:1: cannot read"));
    let path = format!("{}/tests/fixtures/app.yaml", env!("CARGO_MANIFEST_DIR"));
    let models = schema::load_file(path.as_ref()).unwrap();
    assert_eq!(models.entities.len(), 2);
}

#[test]
fn build_helper_writes_the_generated_file() {
    let out = std::env::temp_dir()
        .join(format!("singletable-h6-build-{}", std::process::id()))
        .join("model.rs");
    let schema_path = format!("{}/tests/fixtures/app.toml", env!("CARGO_MANIFEST_DIR"));
    let written = singletable_codegen::build::generate_file(schema_path.as_ref(), &out).unwrap();
    let code = std::fs::read_to_string(&written).unwrap();
    assert!(code.contains("pub struct Order"));
    let bad = format!("{}/tests/fixtures/bad_many.toml", env!("CARGO_MANIFEST_DIR"));
    let error = singletable_codegen::build::generate_file(bad.as_ref(), &out).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("bad_many.toml:6:1: unknown key `billing_mode`"), "{text}");
    assert!(text.contains("help: did you mean `billing`?"), "{text}");
    let _ = std::fs::remove_dir_all(out.parent().unwrap());
}

#[test]
fn collections_and_access_patterns() {
    let source = "[table]\nname = \"App\"\npk = \"PK\"\n\n[[entities]]\nname = \"User\"\npk = \"USER#{id}\"\nfields = { id = \"String\", org = \"String\" }\n\n[[collections]]\nname = \"Page\"\nindex = \"Nope\"\nmembers = { users = \"Vec<User>\", orders = \"Vec<Ordr>\" }\n\n[[access_patterns]]\nname = \"by_org\"\nentity = \"User\"\noperation = \"get\"\nkey_fields = [\"org\"]\nsort = \"eq\"\ntenant_field = \"org\"\n";
    let errors = parse(source, Format::Toml).unwrap_err();
    let has = |text: &str| errors.iter().any(|e| e.contains(text));
    assert!(has("t:12:9: collection `Page` reads index `Nope`"), "{errors:?}");
    assert_eq!(errors.len(), 5, "{errors:?}");
    assert!(has("t:13:43: collection `Page`: member `orders` is not an entity"), "{errors:?}");
    assert!(
        has("t:19:15: access pattern `by_org`: field `org` is not part of the key"),
        "{errors:?}"
    );
    assert!(has("only a `query` takes a `sort` operator"), "{errors:?}");
    assert!(
        has("t:21:16: access pattern `by_org`: tenant field `org` is not in the partition key"),
        "{errors:?}"
    );
}

#[test]
fn collection_members_share_a_partition() {
    let source = "[table]\nname = \"App\"\npk = \"PK\"\nsk = \"SK\"\n\n[[entities]]\nname = \"User\"\npk = \"USER#{id}\"\nsk = \"PROFILE\"\nfields = { id = \"String\" }\n\n[[entities]]\nname = \"Note\"\npk = \"NOTE#{id}\"\nsk = \"N\"\nfields = { id = \"String\" }\n\n[[collections]]\nname = \"Page\"\nmembers = { user = \"Option<User>\", notes = \"Vec<Note>\" }\n";
    let errors = parse(source, Format::Toml).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "t:20:44: collection `Page`: member `Note` does not share the partition key of `User`"
        ),
        "{errors:?}"
    );
    assert_eq!(parse(&source.replace("NOTE#{id}", "USER#{id}"), Format::Toml), Ok(()));
}

#[test]
fn a_skipped_field_takes_no_validator() {
    let source = "[table]\nname = \"App\"\npk = \"PK\"\n\n[[entities]]\nname = \"User\"\npk = \"USER#{id}\"\n\n[entities.fields]\nid = \"String\"\nnote = { type = \"String\", skip = true, validate = \"check\" }\n";
    let errors = parse(source, Format::Toml).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("t:11:51: field `note` is skipped"), "{errors:?}");
}

/// `schema_version` / `upgrade` in a schema file fill the same model field as the
/// derive's `#[entity(schema_version, upgrade)]`: the generated code stores the version
/// and upgrades older items; one without the other is an error at its line.
#[test]
fn lazy_upgrade_in_a_schema_file() {
    let file = |entity_extra: &str| {
        format!(
            "[table]\nname = \"Tbl\"\npk = \"PK\"\nsk = \"SK\"\n\n[[entities]]\nname = \"User\"\npk = \"USER#{{id}}\"\nsk = \"PROFILE\"\n{entity_extra}\n[entities.fields]\nid = \"String\"\n"
        )
    };
    let both = file("schema_version = 2\nupgrade = \"super::upgrade_user\"\n");
    let models = schema::parse_str(&both, "v.toml", Format::Toml)
        .unwrap_or_else(|cx| panic!("{}", render(&cx.into_errors())));
    let code =
        schema::generate(&models).unwrap_or_else(|cx| panic!("{}", render(&cx.into_errors())));
    assert!(code.contains("insert_schema_version"), "{code}");
    assert!(code.contains("upgrade_item") && code.contains("upgrade_user"), "{code}");

    let errors = |text: String| match schema::parse_str(&text, "v.toml", Format::Toml) {
        Ok(_) => panic!("accepted: {text}"),
        Err(cx) => cx.into_errors(),
    };
    let alone = errors(file("schema_version = 2\n"));
    expect(&alone, 10, "`schema_version` needs `upgrade");
    let alone = errors(file("upgrade = \"super::upgrade_user\"\n"));
    expect(&alone, 10, "`upgrade` needs `schema_version = N`");
}

/// An access pattern must be something the typed builder (and so the generated
/// `ACCESS_PATTERNS` registry) can run: a query gives the whole partition key, then sort
/// fields in key order; `begins_with` narrows a `String` or `Timestamp` field.
#[test]
fn access_patterns_fit_the_builder() {
    let base = "[table]\nname = \"App\"\npk = \"PK\"\nsk = \"SK\"\n\n[[entities]]\nname = \"Order\"\npk = \"ORG#{org}#USER#{user}\"\nsk = \"ORDER#{seq}#{id}\"\nfields = { org = \"String\", user = \"String\", seq = \"u32\", id = \"String\" }\n\n[[access_patterns]]\nname = \"p\"\nentity = \"Order\"\noperation = \"query\"\n";
    let with = |rest: &str| parse(&format!("{base}{rest}"), Format::Toml);
    assert_eq!(with("key_fields = [\"user\", \"org\"]\n"), Ok(()));
    assert_eq!(with("key_fields = [\"org\", \"user\", \"seq\"]\nsort = \"ge\"\n"), Ok(()));
    let errors = with("key_fields = [\"org\"]\n").unwrap_err();
    assert!(
        errors[0].contains("a `query` takes the whole partition key (org, user) and then sort-key fields in key order (seq, id)"),
        "{errors:?}"
    );
    let errors = with("key_fields = [\"org\", \"user\", \"id\"]\n").unwrap_err();
    assert!(errors[0].contains("access pattern `p`: a `query` takes"), "{errors:?}");
    let errors =
        with("key_fields = [\"org\", \"user\", \"seq\"]\nsort = \"begins_with\"\n").unwrap_err();
    assert!(
        errors[0].contains(
            "`begins_with` narrows on key text: field `seq` must be a `String` or a `Timestamp`"
        ),
        "{errors:?}"
    );
    let errors = parse(
        &base
            .replace("\"query\"", "\"get\"")
            .replace("name = \"p\"", "name = \"g\"\nkey_fields = [\"org\", \"user\"]"),
        Format::Toml,
    )
    .unwrap_err();
    assert!(
        errors[0].contains("a `get` takes every primary-key field: org, user, seq, id"),
        "{errors:?}"
    );
}
