//! `singletable migrate plan|apply|status` against `singletable serve`: a table written
//! by the v1 model gains a GSI whose keys hold a string and an integer field (its
//! fixed-width key text taken from the schema file's `i64`); a dry run changes nothing,
//! two processes split the segments (`--segment I/N`), status shows the history, a
//! second apply does nothing, and adding an LSI is refused with the reason.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, PutRequest, ScalarAttributeType, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use singletable_aws::local_config;
use singletable_server::{Server, ServerConfig};

const V1: &str = r#"
[table]
name = "Shop"
pk = "PK"
sk = "SK"

[[table.gsi]]
name = "GSI1"
pk = "GSI1PK"
sk = "GSI1SK"

[[entities]]
name = "Order"
pk = "USER#{user_id}"
sk = "ORDER#{order_id}"
indexes = [{ name = "GSI1", pk = "ORDER#{order_id}", sk = "ORDER" }]

[entities.fields]
user_id = "String"
order_id = "String"
status = "String"
total = "i64"
"#;

fn v2_text() -> String {
    V1.replace(
        "[[entities]]",
        "[[table.gsi]]\nname = \"GSI2\"\npk = \"GSI2PK\"\nsk = \"GSI2SK\"\n\n[[entities]]",
    )
    .replace(
        r#"indexes = [{ name = "GSI1", pk = "ORDER#{order_id}", sk = "ORDER" }]"#,
        r#"indexes = [
  { name = "GSI1", pk = "ORDER#{order_id}", sk = "ORDER" },
  { name = "GSI2", pk = "STATUS#{status}", sk = "{total}#{order_id}" },
]"#,
    )
}

fn client(endpoint: &str) -> Client {
    Client::from_conf(local_config(endpoint, "us-east-1", "singletable").build())
}

fn singletable(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_singletable"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run singletable: {e}"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn s(text: &str) -> Av {
    Av::S(text.to_owned())
}

const ORDERS: u32 = 300;

fn order(i: u32) -> HashMap<String, Av> {
    HashMap::from([
        ("PK".to_owned(), s(&format!("USER#u{}", i % 37))),
        ("SK".to_owned(), s(&format!("ORDER#o{i}"))),
        ("GSI1PK".to_owned(), s(&format!("ORDER#o{i}"))),
        ("GSI1SK".to_owned(), s("ORDER")),
        ("_type".to_owned(), s("Order")),
        ("user_id".to_owned(), s(&format!("u{}", i % 37))),
        ("order_id".to_owned(), s(&format!("o{i}"))),
        ("status".to_owned(), s(if i.is_multiple_of(3) { "open" } else { "paid" })),
        ("total".to_owned(), Av::N(format!("{}", i64::from(i) - 100))),
    ])
}

async fn seed(db: &Client) {
    let key = |name: &str, key_type| {
        KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().unwrap()
    };
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    db.create_table()
        .table_name("Shop")
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range))
        .set_attribute_definitions(Some(
            ["PK", "SK", "GSI1PK", "GSI1SK"].into_iter().map(attribute).collect(),
        ))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("GSI1")
                .key_schema(key("GSI1PK", KeyType::Hash))
                .key_schema(key("GSI1SK", KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let all: Vec<u32> = (0..ORDERS).collect();
    for chunk in all.chunks(25) {
        let writes = chunk
            .iter()
            .map(|i| {
                let put = PutRequest::builder().set_item(Some(order(*i))).build().unwrap();
                WriteRequest::builder().put_request(put).build()
            })
            .collect();
        db.batch_write_item().request_items("Shop", writes).send().await.unwrap();
    }
}

async fn gsi2(db: &Client, status: &str) -> Vec<HashMap<String, Av>> {
    let page = db
        .query()
        .table_name("Shop")
        .index_name("GSI2")
        .key_condition_expression("GSI2PK = :p")
        .expression_attribute_values(":p", s(&format!("STATUS#{status}")))
        .send()
        .await
        .unwrap();
    assert!(page.last_evaluated_key().is_none());
    page.items().to_vec()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn plan_apply_in_two_processes_and_status() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(dir.path(), "v1.toml", V1);
    let v2 = write(dir.path(), "v2.toml", &v2_text());
    let server = Server::start_in_background(ServerConfig { port: 0, ..ServerConfig::default() })
        .unwrap_or_else(|e| panic!("serve: {e}"));
    let endpoint = server.endpoint();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let db = client(&endpoint);
    runtime.block_on(seed(&db));

    let (code, out, err) =
        singletable(&["migrate", "plan", "--from", &v1, "--to", &v2, "--endpoint", &endpoint]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1. table: create GSI GSI2 (GSI2PK HASH, GSI2SK RANGE)"), "{out}");
    assert!(out.contains("GSI2.GSI2SK = `{total}#{order_id}`"), "{out}");
    assert!(out.contains(&format!("estimate: {ORDERS} items")), "{out}");

    // `--sample N`: the writes counted on the first N items, per entity.
    let (code, out, err) = singletable(&[
        "migrate",
        "plan",
        "--from",
        &v1,
        "--to",
        &v2,
        "--endpoint",
        &endpoint,
        "--sample",
        "100",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("sample: 100 items scanned, 100 to write (0 of no entity)"), "{out}");
    assert!(
        out.contains(&format!(
            "Order: 100 sampled (100 updates, 0 moves); about {ORDERS} in the table"
        )),
        "{out}"
    );

    let (code, out, err) = singletable(&[
        "migrate",
        "apply",
        "--from",
        &v1,
        "--to",
        &v2,
        "--endpoint",
        &endpoint,
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("would make table change: create GSI GSI2"), "{out}");
    assert!(out.contains(&format!("{ORDERS} items scanned: {ORDERS} updated")), "{out}");
    let described = runtime.block_on(db.describe_table().table_name("Shop").send()).unwrap();
    assert_eq!(
        described.table().unwrap().global_secondary_indexes().len(),
        1,
        "dry run changed the table"
    );

    let apply = |segment: &str| {
        singletable(&[
            "migrate",
            "apply",
            "--from",
            &v1,
            "--to",
            &v2,
            "--endpoint",
            &endpoint,
            "--segment",
            segment,
            "--page-size",
            "40",
        ])
    };
    let (code, out, err) = apply("0/2");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 of 2 segments done"), "{out}");
    let (code, out, err) = apply("1/2");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("complete and recorded"), "{out}");

    let open = runtime.block_on(gsi2(&db, "open"));
    let paid = runtime.block_on(gsi2(&db, "paid"));
    assert_eq!(open.len(), ORDERS.div_ceil(3) as usize);
    assert_eq!(open.len() + paid.len(), ORDERS as usize);
    let o4 = paid.iter().find(|item| item["order_id"] == s("o4")).expect("o4 under paid");
    // -96 as an i64 key component: `-` and (value - i64::MIN) in 19 digits.
    assert_eq!(o4["GSI2SK"], s("-9223372036854775712#o4"));
    let o102 = open.iter().find(|item| item["order_id"] == s("o102")).expect("o102 under open");
    assert_eq!(o102["GSI2SK"], s("0000000000000000002#o102"));

    let (code, out, err) =
        singletable(&["migrate", "status", "--to", &v2, "--from", &v1, "--endpoint", &endpoint]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{ORDERS} written")), "{out}");
    assert!(out.contains("applied\n"), "{out}");

    let (code, out, err) = apply("0/2");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("already applied"), "{out}");

    // `--rescan` scans the applied plan's table again: every order is already in the new
    // shape, so nothing is written.
    let (code, out, err) = singletable(&[
        "migrate",
        "apply",
        "--from",
        &v1,
        "--to",
        &v2,
        "--endpoint",
        &endpoint,
        "--rescan",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("is applied; scanned again"), "{out}");
    assert!(out.contains(" 0 updated, 0 moved"), "{out}");
    assert!(out.contains("rescan complete"), "{out}");

    let with_lsi = v2_text()
        .replace("[[entities]]", "[[table.lsi]]\nname = \"LSI1\"\nsk = \"LSI1SK\"\n\n[[entities]]");
    let v3 = write(dir.path(), "v3.toml", &with_lsi);
    let (code, out, _) = singletable(&["migrate", "plan", "--from", &v2, "--to", &v3]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "cannot: add LSI LSI1: DynamoDB creates local secondary indexes only with the table"
        ),
        "{out}"
    );
    let (code, _, err) =
        singletable(&["migrate", "apply", "--from", &v2, "--to", &v3, "--endpoint", &endpoint]);
    assert_eq!(code, 1);
    assert!(err.contains("the plan cannot be applied: add LSI LSI1"), "{err}");
}
