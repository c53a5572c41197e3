//! `GET /metrics` of `singletable serve`, read over HTTP after real SDK traffic: requests
//! per operation and outcome, latency histograms, units consumed per table and GSI,
//! throttles, and the hottest and most throttled partition key values.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    Projection, ProjectionType, ProvisionedThroughput, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use singletable_aws::local_config;
use singletable_server::{Server, ServerConfig};

fn client(endpoint: &str) -> Client {
    let config = local_config(endpoint, "us-east-1", "metrics")
        // Each throttle is answered, not retried by the SDK.
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

/// `GET /metrics` over a plain TCP connection: the status line, content type and body.
fn scrape(address: std::net::SocketAddr) -> (String, String, String) {
    let mut stream = TcpStream::connect(address).unwrap_or_else(|e| panic!("connect: {e}"));
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("write: {e}"));
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap_or_else(|e| panic!("read: {e}"));
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or_else(|| panic!("{response}"));
    let status = head.lines().next().unwrap_or_default().to_owned();
    let content_type = head
        .lines()
        .find_map(|line| line.strip_prefix("content-type: "))
        .unwrap_or_default()
        .to_owned();
    (status, content_type, body.to_owned())
}

/// The samples of the exposition text, `name{labels}` to value.
fn samples(body: &str) -> HashMap<String, f64> {
    body.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
            (series.to_owned(), value.parse().unwrap_or_else(|e| panic!("{line}: {e}")))
        })
        .collect()
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn definition(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn throughput(read: i64, write: i64) -> ProvisionedThroughput {
    ProvisionedThroughput::builder()
        .read_capacity_units(read)
        .write_capacity_units(write)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn metrics_show_requests_capacity_throttles_and_hot_partitions() {
    let config = ServerConfig { port: 0, enforce_capacity: true, ..ServerConfig::default() };
    let server = Server::start_in_background(config).unwrap_or_else(|e| panic!("server: {e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let db = client(&server.endpoint());
    let (ok, throttled) = runtime.block_on(async {
        db.create_table()
            .table_name("Orders")
            .attribute_definitions(definition("pk"))
            .attribute_definitions(definition("g"))
            .key_schema(key("pk", KeyType::Hash))
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name("ByG")
                    .key_schema(key("g", KeyType::Hash))
                    .projection(Projection::builder().projection_type(ProjectionType::All).build())
                    .provisioned_throughput(throughput(100, 100))
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .provisioned_throughput(throughput(100, 5))
            .send()
            .await
            .unwrap_or_else(|e| panic!("create: {e:?}"));
        let (mut ok, mut throttled) = (0, 0);
        for n in 0..12 {
            let sent = db
                .put_item()
                .table_name("Orders")
                .item("pk", Av::S("hot".to_owned()))
                .item("g", Av::S(format!("g{n}")))
                .send()
                .await;
            match sent {
                Ok(_) => ok += 1,
                Err(error) => {
                    let code = error.into_service_error().meta().code().map(str::to_owned);
                    assert_eq!(code.as_deref(), Some("ProvisionedThroughputExceededException"));
                    throttled += 1;
                }
            }
        }
        db.get_item()
            .table_name("Orders")
            .key("pk", Av::S("hot".to_owned()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("get: {e:?}"));
        (ok, throttled)
    });
    // Five units at creation (and a few thousandths a millisecond since).
    assert!((5..=7).contains(&ok), "{ok} accepted");
    assert_eq!(ok + throttled, 12);

    let (status, content_type, body) = scrape(server.local_addr());
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let samples = samples(&body);
    let value = |series: &str| {
        samples.get(series).copied().unwrap_or_else(|| panic!("no {series} in\n{body}"))
    };

    assert_eq!(
        value(r#"singletable_requests_total{operation="PutItem",outcome="ok"}"#),
        f64::from(ok)
    );
    assert_eq!(
        value(
            r#"singletable_requests_total{operation="PutItem",outcome="ProvisionedThroughputExceededException"}"#
        ),
        f64::from(throttled)
    );
    assert_eq!(value(r#"singletable_requests_total{operation="CreateTable",outcome="ok"}"#), 1.0);
    assert_eq!(value(r#"singletable_request_duration_seconds_count{operation="PutItem"}"#), 12.0);
    assert_eq!(
        value(r#"singletable_request_duration_seconds_bucket{operation="PutItem",le="+Inf"}"#),
        12.0
    );
    assert!(value(r#"singletable_request_duration_seconds_sum{operation="PutItem"}"#) > 0.0);

    // One unit on the table per accepted put (the same item, rewritten); on the GSI one
    // for the first and two (delete + put) for each later one, whose `g` moved the entry;
    // half a unit read.
    let units = f64::from(ok);
    assert_eq!(
        value(r#"singletable_consumed_write_capacity_units_total{table="Orders",index=""}"#),
        units
    );
    assert_eq!(
        value(r#"singletable_consumed_write_capacity_units_total{table="Orders",index="ByG"}"#),
        1.0 + 2.0 * (units - 1.0)
    );
    assert_eq!(
        value(r#"singletable_consumed_read_capacity_units_total{table="Orders",index=""}"#),
        0.5
    );
    assert_eq!(
        value(r#"singletable_throttled_requests_total{table="Orders",index="",access="write"}"#),
        f64::from(throttled)
    );
    assert_eq!(
        value(
            r#"singletable_partition_consumed_capacity_units{table="Orders",index="",partition="pk=hot"}"#
        ),
        units + 0.5
    );
    assert_eq!(
        value(
            r#"singletable_partition_throttled_requests{table="Orders",index="",partition="pk=hot"}"#
        ),
        f64::from(throttled)
    );
}
