//! Global tables in `singletable serve --global-tables`: regions as separate engines
//! chosen by the request's SigV4 region (aws-sdk-dynamodb), and boto3 running
//! tests/python/test_global_tables.py with two clients in two regions (convergence, a
//! concurrent conflict resolved by last writer wins, replica rules). Without Python and
//! boto3 the boto3 half is skipped, except under `CI=true`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use singletable_aws::local_config;
use singletable_server::{BackgroundServer, Server, ServerConfig};

/// The replication delay of the boto3 suite's server: long enough for two writes in two
/// regions to be concurrent (neither replicated when the other is made).
const REPLICATION_DELAY_MS: u64 = 1500;

fn server(global_tables: bool, delay_ms: u64) -> BackgroundServer {
    Server::start_in_background(ServerConfig {
        port: 0,
        global_tables,
        replication_delay: Duration::from_millis(delay_ms),
        ..ServerConfig::default()
    })
    .unwrap_or_else(|e| panic!("server: {e}"))
}

fn client(endpoint: &str, region: &str) -> Client {
    Client::from_conf(local_config(endpoint, region, "singletable").build())
}

async fn create(db: &Client, name: &str) -> String {
    let created = db
        .create_table()
        .table_name(name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create: {e:?}"));
    created.table_description().and_then(|t| t.table_arn()).unwrap_or_default().to_owned()
}

fn block<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"))
        .block_on(future)
}

#[test]
fn with_global_tables_each_region_is_its_own_engine() {
    let server = server(true, 0);
    let endpoint = server.endpoint();
    block(async {
        let east = client(&endpoint, "us-east-1");
        let west = client(&endpoint, "eu-west-1");
        let arn = create(&east, "Regional").await;
        assert_eq!(arn, "arn:aws:dynamodb:us-east-1:000000000000:table/Regional");
        let missing = west.describe_table().table_name("Regional").send().await;
        let error = missing.err().map(|e| e.into_service_error());
        assert!(error.as_ref().is_some_and(|e| e.is_resource_not_found_exception()), "{error:?}");
        // A request without a recognisable region runs on the default engine.
        let local = client(&endpoint, "ddblocal");
        let arn = create(&local, "Regional").await;
        assert_eq!(arn, "arn:aws:dynamodb:ddblocal:000000000000:table/Regional");
        let listed = east.list_tables().send().await.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(listed.table_names(), ["Regional"]);
        let listed = west.list_tables().send().await.unwrap_or_else(|e| panic!("{e:?}"));
        assert!(listed.table_names().is_empty());
    });
}

#[test]
fn without_global_tables_every_region_shares_the_one_engine() {
    let server = server(false, 0);
    let endpoint = server.endpoint();
    block(async {
        let east = client(&endpoint, "us-east-1");
        let west = client(&endpoint, "eu-west-1");
        let arn = create(&east, "Shared").await;
        assert_eq!(arn, "arn:aws:dynamodb:ddblocal:000000000000:table/Shared");
        let described = west
            .describe_table()
            .table_name("Shared")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let table = described.table().unwrap_or_else(|| panic!("no table"));
        assert_eq!(table.table_arn(), Some(arn.as_str()));
        assert!(table.replicas().is_empty());
        assert_eq!(table.global_table_version(), None);
    });
}

#[test]
fn boto3_global_tables_suite_passes_against_serve() {
    let python = ["python3", "python"].into_iter().find(|p| {
        Command::new(p).args(["-c", "import boto3"]).output().is_ok_and(|o| o.status.success())
    });
    let Some(python) = python else {
        assert!(
            std::env::var("CI").map_or(true, |ci| ci != "true"),
            "CI=true but no Python with boto3"
        );
        eprintln!("skipping: no Python with boto3");
        return;
    };
    let server = server(true, REPLICATION_DELAY_MS);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
    let output = Command::new(python)
        .args(["-m", "unittest", "-v", "tests/python/test_global_tables.py"])
        .current_dir(root)
        .env("SINGLETABLE_ENDPOINT", server.endpoint())
        .env("SINGLETABLE_REPLICATION_DELAY_MS", REPLICATION_DELAY_MS.to_string())
        .output()
        .unwrap_or_else(|e| panic!("python: {e}"));
    assert!(
        output.status.success(),
        "boto3 suite failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
