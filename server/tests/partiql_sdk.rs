//! PartiQL through `singletable serve`: aws-sdk-dynamodb's `ExecuteStatement` answers as
//! the same `Query` and `Scan`, and boto3 runs tests/python/test_partiql.py (the file
//! also passes against DynamoDB Local, the referee). Without Python and boto3 the boto3
//! half is skipped, except under `CI=true`.

use std::path::Path;
use std::process::Command;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BatchStatementRequest, BillingMode,
    KeySchemaElement, KeyType, ParameterizedStatement, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use singletable_aws::local_config;
use singletable_server::{BackgroundServer, Server, ServerConfig};

fn server() -> BackgroundServer {
    Server::start_in_background(ServerConfig { port: 0, ..ServerConfig::default() })
        .unwrap_or_else(|e| panic!("server: {e}"))
}

fn client(endpoint: &str) -> Client {
    Client::from_conf(local_config(endpoint, "us-east-1", "singletable").build())
}

#[test]
fn execute_statement_equals_query_and_scan_through_the_sdk() {
    let server = server();
    let endpoint = format!("http://{}", server.local_addr());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    runtime.block_on(async {
        let db = client(&endpoint);
        db.create_table()
            .table_name("sdk-partiql")
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("pk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("sk")
                    .attribute_type(ScalarAttributeType::N)
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
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("sk")
                    .key_type(KeyType::Range)
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create: {e:?}"));
        for sk in 0..8 {
            db.execute_statement()
                .statement("INSERT INTO \"sdk-partiql\" VALUE {'pk': ?, 'sk': ?, 'v': ?}")
                .parameters(Av::S(format!("p{}", sk % 2)))
                .parameters(Av::N(sk.to_string()))
                .parameters(Av::N((sk * 3).to_string()))
                .send()
                .await
                .unwrap_or_else(|e| panic!("insert: {e:?}"));
        }
        let partiql = db
            .execute_statement()
            .statement("SELECT * FROM \"sdk-partiql\" WHERE pk = 'p0' AND sk >= 2 AND v < 18")
            .send()
            .await
            .unwrap_or_else(|e| panic!("select: {e:?}"));
        let query = db
            .query()
            .table_name("sdk-partiql")
            .key_condition_expression("pk = :p AND sk >= :s")
            .filter_expression("v < :v")
            .expression_attribute_values(":p", Av::S("p0".into()))
            .expression_attribute_values(":s", Av::N("2".into()))
            .expression_attribute_values(":v", Av::N("18".into()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("query: {e:?}"));
        assert_eq!(partiql.items(), query.items());
        assert_eq!(partiql.items().len(), 2);
        // Pages of a scan, with NextToken, hold what one Scan holds.
        let mut paged = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = db
                .execute_statement()
                .statement("SELECT * FROM \"sdk-partiql\" WHERE v > 3")
                .limit(3)
                .set_next_token(token.take())
                .send()
                .await
                .unwrap_or_else(|e| panic!("page: {e:?}"));
            paged.extend(page.items().iter().cloned());
            match page.next_token() {
                Some(next) => token = Some(next.to_owned()),
                None => break,
            }
        }
        let scan = db
            .scan()
            .table_name("sdk-partiql")
            .filter_expression("v > :v")
            .expression_attribute_values(":v", Av::N("3".into()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("scan: {e:?}"));
        assert_eq!(paged, scan.items());
        let batch = db
            .batch_execute_statement()
            .statements(
                BatchStatementRequest::builder()
                    .statement("SELECT v FROM \"sdk-partiql\" WHERE pk = 'p1' AND sk = 3")
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .statements(
                BatchStatementRequest::builder()
                    .statement("SELECT v FROM \"sdk-partiql\" WHERE pk = 'p1'")
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("batch: {e:?}"));
        let responses = batch.responses();
        assert_eq!(responses[0].item().and_then(|i| i.get("v")), Some(&Av::N("9".into())));
        assert_eq!(
            responses[1].error().and_then(|e| e.code()).map(|c| c.as_str()),
            Some("ValidationError")
        );
        let cancelled = db
            .execute_transaction()
            .transact_statements(
                ParameterizedStatement::builder()
                    .statement("UPDATE \"sdk-partiql\" SET v = 0 WHERE pk = 'p1' AND sk = 3")
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .transact_statements(
                ParameterizedStatement::builder()
                    .statement("INSERT INTO \"sdk-partiql\" VALUE {'pk': 'p0', 'sk': 0}")
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .send()
            .await;
        let error = cancelled.err().map(|e| e.into_service_error());
        let reasons: Vec<String> = match &error {
            Some(aws_sdk_dynamodb::operation::execute_transaction::ExecuteTransactionError::TransactionCanceledException(e)) => {
                e.cancellation_reasons().iter().filter_map(|r| r.code().map(str::to_owned)).collect()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(reasons, ["None", "DuplicateItem"]);
    });
}

#[test]
fn boto3_partiql_suite_passes_against_serve() {
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
    let server = server();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
    let output = Command::new(python)
        .args(["-m", "unittest", "tests/python/test_partiql.py"])
        .current_dir(root)
        .env("SINGLETABLE_ENDPOINT", format!("http://{}", server.local_addr()))
        .output()
        .unwrap_or_else(|e| panic!("python: {e}"));
    assert!(
        output.status.success(),
        "boto3 suite failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
