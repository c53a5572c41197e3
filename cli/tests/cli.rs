//! The `singletable` binary, run for real: help and version, `check` diagnostics and exit
//! codes, `generate`, `import` (the published NoSQL Workbench models in
//! ../shared/fixtures and a OneTable schema), `export` in all three formats, and `doc`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The binary, run from the crate's directory (so fixture paths print as
/// `tests/fixtures/…`), colour off unless a test asks for it.
fn singletable(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_singletable"))
        .args(args)
        .current_dir(manifest_dir())
        .env_remove("NO_COLOR")
        .output()
        .expect("run singletable")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

/// The published models, read where they are (never copied into the project).
fn shared_fixtures() -> PathBuf {
    manifest_dir().join("../../shared/fixtures")
}

fn workbench_models() -> Vec<PathBuf> {
    let root = shared_fixtures();
    let mut found = Vec::new();
    let mut stack =
        vec![root.join("amazon-dynamodb-design-patterns"), root.join("aws-dynamodb-examples")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn version_and_help() {
    let output = singletable(&["--version"]);
    assert_eq!(code(&output), 0);
    assert_eq!(stdout(&output), format!("singletable {}\n", env!("CARGO_PKG_VERSION")));

    let output = singletable(&["--help"]);
    assert_eq!(code(&output), 0);
    let help = stdout(&output);
    for command in ["generate", "check", "doc", "import", "export", "serve"] {
        assert!(help.contains(&format!("  {command}")), "{command} missing from:\n{help}");
    }
    assert!(help.contains("Exit codes: 0 ok, 1 the input has errors, 2 usage error"), "{help}");

    for command in ["generate", "check", "doc", "import", "export"] {
        let output = singletable(&[command, "--help"]);
        assert_eq!(code(&output), 0, "{command} --help");
        let help = stdout(&output);
        assert!(help.contains(&format!("Usage: singletable {command}")), "{help}");
        assert!(help.contains("Example"), "{command} --help has an example:\n{help}");
    }
    let output = singletable(&["serve", "--help"]);
    assert_eq!(code(&output), 0);
    assert!(stdout(&output).contains("Usage: singletable serve"), "{}", stdout(&output));
    let help = stdout(&singletable(&["export", "--help"]));
    assert!(
        help.contains("create-table") && help.contains("cloudformation") && help.contains("iam"),
        "{help}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let output = singletable(&[]);
    assert_eq!(code(&output), 2, "no subcommand prints help and fails");
    let output = singletable(&["frobnicate"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("unrecognized subcommand 'frobnicate'"),
        "{}",
        stderr(&output)
    );
    let output = singletable(&["export", "tests/fixtures/shop.toml", "--format", "yaml"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("invalid value 'yaml' for '--format <FORMAT>'"),
        "{}",
        stderr(&output)
    );
    let output = singletable(&["check"]);
    assert_eq!(code(&output), 2, "check needs at least one file");
}

#[test]
fn check_passes_good_files() {
    let output = singletable(&["check", "tests/fixtures/shop.toml", "tests/fixtures/saas.toml"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "tests/fixtures/shop.toml: ok (table `Shop`, 2 entities, 4 access patterns)\n\
         tests/fixtures/saas.toml: ok (table `Saas`, 1 entity, 2 access patterns)\n"
    );
    assert_eq!(stderr(&output), "");
}

#[test]
fn check_reports_every_error_of_every_file_with_position_caret_and_hint() {
    let output = singletable(&[
        "--color",
        "never",
        "check",
        "tests/fixtures/broken.toml",
        "tests/fixtures/broken2.toml",
        "tests/fixtures/shop.toml",
    ]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let text = stderr(&output);
    assert!(!text.contains('\u{1b}'), "no colour when not a terminal: {text:?}");
    // The good file is still checked.
    assert!(stdout(&output).contains("tests/fixtures/shop.toml: ok"), "{}", stdout(&output));
    // broken.toml: the key type, the misspelt key, the type.
    for expected in [
        "┌─ tests/fixtures/broken.toml:4:6",
        "4 │ pk = \"PK:Q\"",
        "┌─ tests/fixtures/broken.toml:11:1",
        "11 │ indxes = []",
        "┌─ tests/fixtures/broken.toml:14:11",
        "14 │ user_id = \"Strng\"",
        "┌─ tests/fixtures/broken2.toml:7:6",
        "7 │ pk = \"ITEM#{missing}\"",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(text.contains("= help: "), "hints are printed: {text}");
    assert!(text.contains("^"), "carets underline the text: {text}");
    let count = text.matches("\nerror").count() + usize::from(text.starts_with("error"));
    assert!(count >= 5, "four errors and the summary, got {count}:\n{text}");
    assert!(text.contains(" in 2 files\n"), "{text}");
}

#[test]
fn check_underlines_the_offending_text() {
    let output = singletable(&["check", "tests/fixtures/broken.toml"]);
    let text = stderr(&output);
    // `"PK:Q"` starts at column 6 and is 6 characters long.
    let line = text.lines().skip_while(|l| !l.contains("4 │ pk = \"PK:Q\"")).nth(1).unwrap_or("");
    assert!(line.trim_end().ends_with("│      ^^^^^^"), "caret line {line:?} in:\n{text}");
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let always = singletable(&["--color", "always", "check", "tests/fixtures/broken2.toml"]);
    assert!(stderr(&always).contains('\u{1b}'), "{:?}", stderr(&always));
    let auto = singletable(&["check", "tests/fixtures/broken2.toml"]);
    assert!(!stderr(&auto).contains('\u{1b}'), "stderr is a pipe: no colour");
    let no_color = Command::new(env!("CARGO_BIN_EXE_singletable"))
        .args(["check", "tests/fixtures/broken2.toml"])
        .current_dir(manifest_dir())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!stderr(&no_color).contains('\u{1b}'));
    // clap's own errors follow `--color` too.
    let usage = singletable(&["--color", "always", "chec"]);
    assert_eq!(code(&usage), 2);
    assert!(stderr(&usage).contains('\u{1b}'), "{:?}", stderr(&usage));
    assert!(stderr(&usage).contains("a similar subcommand exists"), "{:?}", stderr(&usage));
    let usage = singletable(&["chec"]);
    assert!(!stderr(&usage).contains('\u{1b}'), "{:?}", stderr(&usage));
}

#[test]
fn unreadable_inputs_exit_66() {
    let output = singletable(&["check", "tests/fixtures/nope.toml", "tests/fixtures/shop.toml"]);
    assert_eq!(code(&output), 66);
    assert!(
        stderr(&output).contains("error: cannot read `tests/fixtures/nope.toml`"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).contains("shop.toml: ok"), "the other file is still checked");
    let output = singletable(&["check", "Cargo.lock"]);
    assert_eq!(code(&output), 66);
    assert!(
        stderr(&output).contains("cannot tell the format of `Cargo.lock`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn generate_writes_rust_to_a_file_and_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.rs");
    let output =
        singletable(&["generate", "tests/fixtures/shop.toml", "-o", out.to_str().unwrap()]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let written = std::fs::read_to_string(&out).unwrap();
    for item in [
        "pub struct ShopTable",
        "pub struct Customer",
        "pub struct Order",
        "pub struct CustomerOrders",
    ] {
        assert!(written.contains(item), "{item} missing from:\n{written}");
    }
    syn::parse_file(&written).expect("the generated file is Rust");
    let to_stdout = singletable(&["generate", "tests/fixtures/shop.toml", "-o", "-"]);
    assert_eq!(code(&to_stdout), 0);
    assert_eq!(stdout(&to_stdout), written, "same code either way");
    let default = singletable(&["generate", "tests/fixtures/shop.toml"]);
    assert_eq!(stdout(&default), written);

    let failed =
        singletable(&["generate", "tests/fixtures/broken2.toml", "-o", out.to_str().unwrap()]);
    assert_eq!(code(&failed), 1);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), written, "nothing written on errors");
    let unwritable =
        singletable(&["generate", "tests/fixtures/shop.toml", "-o", "/nonexistent-dir/x.rs"]);
    assert_eq!(code(&unwritable), 73, "{}", stderr(&unwritable));
}

fn export(args: &[&str]) -> Value {
    let mut all = vec!["export", "tests/fixtures/shop.toml"];
    all.extend_from_slice(args);
    let output = singletable(&all);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("JSON")
}

#[test]
fn export_create_table() {
    let json = export(&["--format", "create-table"]);
    assert_eq!(json["TableName"], "Shop");
    assert_eq!(
        json["KeySchema"],
        json!([{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}])
    );
    assert_eq!(json["BillingMode"], "PAY_PER_REQUEST");
    let definitions = json["AttributeDefinitions"].as_array().unwrap();
    let names: Vec<&str> =
        definitions.iter().map(|d| d["AttributeName"].as_str().unwrap()).collect();
    assert_eq!(names, ["PK", "SK", "GSI1PK", "GSI1SK", "LSI1SK"]);
    assert_eq!(
        json["GlobalSecondaryIndexes"][0]["KeySchema"],
        json!([{"AttributeName": "GSI1PK", "KeyType": "HASH"}, {"AttributeName": "GSI1SK", "KeyType": "RANGE"}])
    );
    assert_eq!(json["LocalSecondaryIndexes"][0]["IndexName"], "ByDate");
    assert_eq!(
        json["LocalSecondaryIndexes"][0]["Projection"],
        json!({"ProjectionType": "KEYS_ONLY"})
    );
    assert_eq!(
        json["StreamSpecification"],
        json!({"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    );
}

#[test]
fn export_cloudformation() {
    let json = export(&["--format", "cloudformation"]);
    assert_eq!(json["AWSTemplateFormatVersion"], "2010-09-09");
    let table = &json["Resources"]["ShopTable"];
    assert_eq!(table["Type"], "AWS::DynamoDB::Table");
    let properties = &table["Properties"];
    assert_eq!(properties["TableName"], "Shop");
    assert_eq!(properties["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        properties["TimeToLiveSpecification"],
        json!({"AttributeName": "expires_at", "Enabled": true})
    );
    assert_eq!(properties["StreamSpecification"], json!({"StreamViewType": "NEW_AND_OLD_IMAGES"}));
    assert_eq!(properties["GlobalSecondaryIndexes"][0]["IndexName"], "GSI1");
    assert_eq!(
        properties["LocalSecondaryIndexes"][0]["KeySchema"][1],
        json!({"AttributeName": "LSI1SK", "KeyType": "RANGE"})
    );
    assert_eq!(json["Outputs"]["TableArn"]["Value"], json!({"Fn::GetAtt": ["ShopTable", "Arn"]}));
}

#[test]
fn export_iam_policy() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("policy.json");
    let output = singletable(&[
        "export",
        "tests/fixtures/shop.toml",
        "--format",
        "iam",
        "--region",
        "eu-west-1",
        "--account",
        "123456789012",
        "--partition",
        "aws",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(json["Version"], "2012-10-17");
    let table = "arn:aws:dynamodb:eu-west-1:123456789012:table/Shop";
    let statements = json["Statement"].as_array().unwrap();
    let sids: Vec<&str> = statements.iter().map(|s| s["Sid"].as_str().unwrap()).collect();
    assert_eq!(
        sids,
        ["CustomerById", "OrdersOfCustomer", "CustomerByEmail", "OrderById", "WriteItems"]
    );
    assert_eq!(statements[0]["Action"], json!(["dynamodb:GetItem", "dynamodb:BatchGetItem"]));
    assert_eq!(statements[0]["Resource"], json!([table]));
    assert_eq!(statements[1]["Action"], json!(["dynamodb:Query"]));
    assert_eq!(statements[2]["Resource"], json!([format!("{table}/index/GSI1")]));
    assert_eq!(
        statements[4]["Action"],
        json!([
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
            "dynamodb:BatchWriteItem"
        ])
    );
    assert!(
        statements.iter().all(|s| s.get("Condition").is_none()),
        "no tenant fields in the shop"
    );

    // Tenant-scoped patterns: LeadingKeys on the table's and the index's partition keys.
    let output = singletable(&[
        "export",
        "tests/fixtures/saas.toml",
        "--format",
        "iam",
        "--tenant-tag",
        "org",
        "--read-only",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let json: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let statements = json["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2, "read only: no write statement");
    assert_eq!(
        statements[0]["Resource"],
        json!(["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/Saas"])
    );
    assert_eq!(
        statements[0]["Condition"],
        json!({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["TENANT#${aws:PrincipalTag/org}#*"]}})
    );
    assert_eq!(
        statements[1]["Condition"],
        json!({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["${aws:PrincipalTag/org}"]}})
    );
}

#[test]
fn doc_writes_markdown_with_patterns_and_diagrams() {
    let output = singletable(&["doc", "tests/fixtures/shop.toml"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let page = stdout(&output);
    for expected in [
        "# Data model: table `Shop`",
        "| Partition key | PK (S) |",
        "| TTL attribute | expires_at |",
        "| `GSI1` | GSI | GSI1PK (S) | GSI1SK (S) | ALL |",
        "| orders_of_customer | query | table | `PK = \"CUSTOMER#{customer_id}\" AND begins_with(SK, \"ORDER#\")` | Order | A customer's orders, newest first |",
        "| customer_by_email | query | GSI1 | `GSI1PK = \"EMAIL#{email}\"` | Customer |",
        "```mermaid\nflowchart LR\n",
        "    c1_Order[\"<b>Order</b><br/>GSI1PK: ORDER#{order_id}<br/>GSI1SK: ORDER\"]",
        "```mermaid\nerDiagram\n",
        "  Customer ||--o{ Order : \"PK CUSTOMER#{customer_id}\"",
    ] {
        assert!(page.contains(expected), "missing {expected:?} in:\n{page}");
    }
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("MODEL.md");
    let html = dir.path().join("model.html");
    let output = singletable(&[
        "doc",
        "tests/fixtures/shop.toml",
        "-o",
        md.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "", "both pages go to files");
    assert_eq!(std::fs::read_to_string(&md).unwrap(), page);
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"), "{html}");
}

#[test]
fn import_workbench_models_into_schemas_that_check() {
    let models = workbench_models();
    assert!(
        models.len() >= 12,
        "the published Workbench models must be at {} (found {})",
        shared_fixtures().display(),
        models.len()
    );
    for model in &models {
        let dir = tempfile::tempdir().unwrap();
        let output = singletable(&[
            "import",
            "--from",
            "workbench",
            model.to_str().unwrap(),
            "-o",
            dir.path().to_str().unwrap(),
        ]);
        assert_eq!(code(&output), 0, "{}: {}", model.display(), stderr(&output));
        let written: Vec<PathBuf> =
            std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.path()).collect();
        assert!(!written.is_empty(), "{}: no schema written", model.display());
        for schema in &written {
            assert_eq!(schema.extension().unwrap(), "toml");
            assert!(
                stderr(&output).contains(&format!("wrote {}", schema.display())),
                "{}",
                stderr(&output)
            );
            let check = singletable(&["check", schema.to_str().unwrap()]);
            assert_eq!(
                code(&check),
                0,
                "{} → {}:\n{}",
                model.display(),
                schema.display(),
                stderr(&check)
            );
        }
    }
}

#[test]
fn import_workbench_online_shop_names_its_table_and_indexes() {
    let model = shared_fixtures()
        .join("amazon-dynamodb-design-patterns/examples/an-online-shop/json/AnOnlineShop_13.json");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shop.toml");
    let output = singletable(&[
        "import",
        "--from",
        "workbench",
        model.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let exported = singletable(&["export", out.to_str().unwrap(), "--format", "create-table"]);
    assert_eq!(code(&exported), 0, "{}", stderr(&exported));
    let json: Value = serde_json::from_str(&stdout(&exported)).unwrap();
    assert_eq!(json["TableName"], "OnlineShop");
    let indexes: Vec<&str> = json["GlobalSecondaryIndexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["IndexName"].as_str().unwrap())
        .collect();
    assert_eq!(indexes, ["GSI1", "GSI2"]);
    // To stdout too, for a single table.
    let to_stdout = singletable(&["import", "--from", "workbench", model.to_str().unwrap()]);
    assert_eq!(code(&to_stdout), 0);
    assert_eq!(stdout(&to_stdout), std::fs::read_to_string(&out).unwrap());
}

#[test]
fn import_onetable_schema() {
    let dir = tempfile::tempdir().unwrap();
    let output = singletable(&[
        "import",
        "--from",
        "onetable",
        "tests/fixtures/onetable.json",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let written: Vec<PathBuf> =
        std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let schema = std::fs::read_to_string(&written[0]).unwrap();
    assert!(schema.contains("account#{id}"), "`${{id}}` becomes `{{id}}`:\n{schema}");
    let check = singletable(&["check", written[0].to_str().unwrap()]);
    assert_eq!(code(&check), 0, "{}", stderr(&check));
    assert!(stdout(&check).contains("2 entities"), "{}", stdout(&check));
}

#[test]
fn import_errors_point_into_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"ModelName\": 3,\n").unwrap();
    let output = singletable(&["import", "--from", "workbench", bad.to_str().unwrap()]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(stderr(&output).contains(&format!("{}:", bad.display())), "{}", stderr(&output));
}

#[test]
fn yaml_and_json_schemas_are_checked_with_positions_too() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("app.yaml");
    std::fs::write(
        &yaml,
        "table:\n  name: App\n  pk: PK\nentities:\n  - name: User\n    pk: \"USER#{user_id}\"\n    fields:\n      user_id: Strin\n",
    )
    .unwrap();
    let json = dir.path().join("app.json");
    std::fs::write(
        &json,
        "{\n  \"table\": {\"name\": \"App\", \"pk\": \"PK\", \"stream\": \"sometimes\"},\n  \"entities\": []\n}\n",
    )
    .unwrap();
    let output = singletable(&["check", yaml.to_str().unwrap(), json.to_str().unwrap()]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let text = stderr(&output);
    assert!(text.contains(&format!("┌─ {}:8:16", yaml.display())), "{text}");
    assert!(text.contains("8 │       user_id: Strin"), "{text}");
    assert!(text.contains(&format!("┌─ {}:2:", json.display())), "{text}");
    assert!(text.contains("sometimes"), "{text}");
    // The misspelt type also leaves the template's field unknown: 3 errors.
    assert!(text.contains("error: 3 errors in 2 files"), "{text}");
}

/// A Workbench file with two tables, put together from two published models.
fn two_table_workbench(dir: &Path) -> PathBuf {
    let read = |path: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(shared_fixtures().join(path)).unwrap())
            .unwrap()
    };
    let mut shop =
        read("amazon-dynamodb-design-patterns/examples/an-online-shop/json/AnOnlineShop_13.json");
    let devices = read(
        "amazon-dynamodb-design-patterns/examples/device-state-log/json/DeviceStateLog_7.json",
    );
    let second = devices["DataModel"][0].clone();
    shop["DataModel"].as_array_mut().unwrap().push(second);
    let path = dir.join("two.json");
    std::fs::write(&path, serde_json::to_string_pretty(&shop).unwrap()).unwrap();
    path
}

#[test]
fn import_of_several_tables_writes_one_schema_each() {
    let dir = tempfile::tempdir().unwrap();
    let input = two_table_workbench(dir.path());
    let output = singletable(&["import", "--from", "workbench", input.to_str().unwrap()]);
    assert_eq!(code(&output), 2, "several tables need a directory");
    assert!(
        stderr(&output)
            .contains("holds 2 tables (OnlineShop, DeviceStateLog): give a directory with -o"),
        "{}",
        stderr(&output)
    );
    let out = dir.path().join("schemas");
    let output = singletable(&[
        "import",
        "--from",
        "workbench",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["DeviceStateLog.toml", "OnlineShop.toml"]);
}

#[test]
fn imported_models_document_and_export() {
    for model in workbench_models() {
        let dir = tempfile::tempdir().unwrap();
        let schema = dir.path().join("model.toml");
        let output = singletable(&[
            "import",
            "--from",
            "workbench",
            model.to_str().unwrap(),
            "-o",
            schema.to_str().unwrap(),
        ]);
        assert_eq!(code(&output), 0, "{}: {}", model.display(), stderr(&output));
        let html = dir.path().join("model.html");
        let doc = singletable(&["doc", schema.to_str().unwrap(), "--html", html.to_str().unwrap()]);
        assert_eq!(code(&doc), 0, "{}: {}", model.display(), stderr(&doc));
        let page = std::fs::read_to_string(&html).unwrap();
        assert!(page.contains("<svg") && page.contains("class=\"entity\""), "{}", model.display());
        for format in ["create-table", "cloudformation", "iam"] {
            let export = singletable(&["export", schema.to_str().unwrap(), "--format", format]);
            assert_eq!(code(&export), 0, "{} {format}: {}", model.display(), stderr(&export));
            let json: Value = serde_json::from_str(&stdout(&export)).unwrap();
            assert!(json.is_object(), "{json}");
        }
    }
}

#[test]
fn doc_of_a_model_without_patterns_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("plain.toml");
    std::fs::write(
        &schema,
        "[table]\nname = \"Plain\"\npk = \"PK\"\n\n[[entities]]\nname = \"Thing\"\npk = \"THING#{id}\"\n\n[entities.fields]\nid = \"String\"\n",
    )
    .unwrap();
    let output = singletable(&["doc", schema.to_str().unwrap()]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let page = stdout(&output);
    assert!(page.contains("The schema names no access patterns."), "{page}");
    assert!(page.contains("| Thing | Table Plain | `THING#{id}` | — |"), "{page}");
    assert!(!page.contains("### Secondary indexes"), "{page}");
}
