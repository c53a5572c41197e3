//! `singletable cost`: the printed table for a schema and a traffic file (snapshot), a GSI
//! doubling write cost, `--json`, and traffic-file diagnostics at `file:line:col`.

use std::path::Path;
use std::process::{Command, Output};

fn singletable(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_singletable"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run singletable")
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_shop_table() {
    let output = singletable(
        &["cost", "tests/fixtures/shop.toml", "--traffic", "tests/fixtures/shop-traffic.toml"],
        manifest_dir(),
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}

const ONE_GSI: &str = r#"
[table]
name = "App"
pk = "PK"
sk = "SK"
gsi = [{ name = "GSI1", pk = "GSI1PK", sk = "GSI1SK" }]

[[entities]]
name = "User"
pk = "USER#{user_id}"
sk = "PROFILE"
indexes = [{ name = "GSI1", pk = "EMAIL#{email}", sk = "USER" }]
fields = { user_id = "String", email = "String" }

[[entities]]
name = "Note"
pk = "USER#{user_id}"
sk = "NOTE#{note_id}"
fields = { user_id = "String", note_id = "String" }

[[access_patterns]]
name = "user_by_id"
entity = "User"
operation = "get"
key_fields = ["user_id"]
"#;

fn json(dir: &Path, traffic: &str) -> serde_json::Value {
    std::fs::write(dir.join("app.toml"), ONE_GSI).unwrap();
    std::fs::write(dir.join("traffic.toml"), traffic).unwrap();
    let output = singletable(&["cost", "app.toml", "--traffic", "traffic.toml", "--json"], dir);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_gsi_doubles_the_write_cost() {
    let dir = tempfile::tempdir().unwrap();
    // The same small item written 10 times a second: a User is also written into GSI1,
    // a Note is not.
    let user = json(dir.path(), "[entities.User]\nput = 10\n");
    let note = json(dir.path(), "[entities.Note]\nput = 10\n");
    assert_eq!(note["write_units_per_second"], 10.0);
    assert_eq!(user["write_units_per_second"], 20.0);
    let targets: Vec<&str> = user["provisioned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["App", "App/GSI1"]);
    // Changing the index key: the table write plus delete + put in the index = 3x.
    let moved = json(dir.path(), "[entities.User]\nupdate_index_keys = 10\n");
    assert_eq!(moved["write_units_per_second"], 30.0);
    // Transactions double every write, index writes included.
    let tx = json(dir.path(), "[entities.User]\nput = 10\ntransactional = true\n");
    assert_eq!(tx["write_units_per_second"], 40.0);
}

#[test]
fn reads_and_prices_follow_the_traffic_file() {
    let dir = tempfile::tempdir().unwrap();
    let report = json(
        dir.path(),
        "[patterns]\nuser_by_id = { rps = 100, consistency = \"strong\" }\n\
         [entities.User]\nsize = 5000\n\
         [prices]\non_demand_read_per_million = 1.0\n",
    );
    // 5,000 B = 2 blocks of 4 KB, strongly consistent: 2 RCU per get.
    assert_eq!(report["lines"][0]["read_units_per_request"], 2.0);
    assert_eq!(report["read_units_per_second"], 200.0);
    // 200 RRU/s × 2,628,000 s × $1 per million.
    assert_eq!(report["on_demand"]["reads"], 525.6);
}

#[test]
fn traffic_errors_point_into_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.toml"), ONE_GSI).unwrap();
    std::fs::write(
        dir.path().join("traffic.toml"),
        "[patterns]\nuser_by_id = 5\nusers_by_mail = 3\n\n[entities.User]\nput = \"ten\"\nsise = 3\n",
    )
    .unwrap();
    let output = singletable(
        &["cost", "app.toml", "--traffic", "traffic.toml", "--color", "never"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error: `put` must be a number, found a string"), "{stderr}");
    assert!(stderr.contains("traffic.toml:6:7"), "{stderr}");
    assert!(stderr.contains("unknown key `sise` in entity `User`"), "{stderr}");
    assert!(stderr.contains("traffic.toml:7:1"), "{stderr}");

    // Once the file parses, names are checked against the schema.
    std::fs::write(
        dir.path().join("traffic.toml"),
        "[patterns]\nuser_by_id = 5\nusers_by_mail = 3\n",
    )
    .unwrap();
    let output = singletable(
        &["cost", "app.toml", "--traffic", "traffic.toml", "--color", "never"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error: unknown access pattern `users_by_mail`"), "{stderr}");
    assert!(stderr.contains("traffic.toml:3:1"), "{stderr}");
    assert!(stderr.contains("help: the schema's access patterns: user_by_id"), "{stderr}");
}
