//! `singletable serve` over raw HTTP: error shapes, table-name rules, validation order,
//! SigV4 verification, legacy parameters, UpdateTable backfill, tags, ListTables paging,
//! size limits. Each test starts its own server on a free port.
//!
//! Requests are written by hand on a `TcpStream` (HTTP/1.1, `Connection: close`) so that
//! the tests control every byte and header the server sees.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};

use serde_json::{json, Value};
use singletable_server::{BackgroundServer, Credentials, Server, ServerConfig};

fn start(config: ServerConfig) -> BackgroundServer {
    Server::start_in_background(ServerConfig { port: 0, ..config })
        .unwrap_or_else(|e| panic!("server: {e}"))
}

fn server() -> BackgroundServer {
    start(ServerConfig::default())
}

/// One raw HTTP exchange: (status, headers, body).
fn exchange(address: SocketAddr, head: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(address).unwrap_or_else(|e| panic!("connect: {e}"));
    let request = format!(
        "{head}Host: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("write: {e}"));
    stream.write_all(body).unwrap_or_else(|e| panic!("write: {e}"));
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap_or_else(|e| panic!("read: {e}"));
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&response)));
    let headers = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = headers
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {headers}"));
    (status, headers, response[split + 4..].to_vec())
}

/// `POST /` with `X-Amz-Target: DynamoDB_20120810.<op>`: (status, JSON body).
fn call_target(address: SocketAddr, target: &str, body: &Value) -> (u16, Value) {
    let head = format!(
        "POST / HTTP/1.1\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: {target}\r\n"
    );
    let (status, _, body) = exchange(address, &head, body.to_string().as_bytes());
    let json = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&body)));
    (status, json)
}

fn call(server: &BackgroundServer, op: &str, body: Value) -> (u16, Value) {
    call_target(server.local_addr(), &format!("DynamoDB_20120810.{op}"), &body)
}

fn ok(server: &BackgroundServer, op: &str, body: Value) -> Value {
    let (status, json) = call(server, op, body);
    assert_eq!(status, 200, "{op}: {json}");
    json
}

/// Asserts an error response: status 400, `__type` ending in `#name`, and the message.
fn fails(server: &BackgroundServer, op: &str, body: Value, name: &str) -> String {
    let (status, json) = call(server, op, body);
    assert_eq!(status, 400, "{op}: {json}");
    let kind = json["__type"].as_str().unwrap_or_else(|| panic!("no __type: {json}"));
    assert!(kind.ends_with(&format!("#{name}")), "{op}: expected {name}, got {json}");
    json["message"].as_str().unwrap_or_else(|| panic!("no message: {json}")).to_owned()
}

fn create_simple(server: &BackgroundServer, name: &str) -> Value {
    ok(
        server,
        "CreateTable",
        json!({
            "TableName": name,
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"}
            ],
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"}
            ],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    )
}

/// DynamoDB's request-validation text for one violation of `tableName`.
fn name_violation(value: &str, constraint: &str) -> String {
    format!("1 validation error detected: Value '{value}' at 'tableName' failed to satisfy constraint: {constraint}")
}

#[test]
fn errors_have_dynamodb_shape() {
    let server = server();
    let message =
        fails(&server, "DescribeTable", json!({"TableName": "nope"}), "ResourceNotFoundException");
    assert!(!message.is_empty());
    let (status, json) = call(&server, "DescribeTable", json!({"TableName": "nope"}));
    assert_eq!(
        (status, json["__type"].as_str()),
        (400, Some("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"))
    );
    let (status, json) = call(&server, "NoSuchOperation", json!({}));
    assert_eq!(status, 400);
    assert_eq!(json["__type"], "com.amazonaws.dynamodb.v20120810#UnknownOperationException");
    let (status, json) = call_target(server.local_addr(), "Nonsense", &json!({}));
    assert_eq!(
        (status, json["__type"].as_str()),
        (400, Some("com.amazonaws.dynamodb.v20120810#UnknownOperationException"))
    );

    // Malformed JSON.
    let head = "POST / HTTP/1.1\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n";
    let (status, headers, body) = exchange(server.local_addr(), head, b"{not json");
    assert_eq!(status, 400);
    assert!(
        headers.to_ascii_lowercase().contains("content-type: application/x-amz-json-1.0"),
        "{headers}"
    );
    let body: Value = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        body["__type"].as_str().is_some_and(|t| t.ends_with("#SerializationException")),
        "{body}"
    );
}

#[test]
fn validation_errors_are_collected_in_dynamodb_order() {
    let server = server();
    let message = fails(&server, "PutItem", json!({}), "ValidationException");
    assert_eq!(
        message,
        "2 validation errors detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null; Value null at 'item' failed to satisfy constraint: Member must not be null"
    );
    let message = fails(
        &server,
        "Query",
        json!({"TableName": "abc", "Select": "SOME", "ReturnConsumedCapacity": "ALL"}),
        "ValidationException",
    );
    assert!(
        message.starts_with("2 validation errors detected: Value 'SOME' at 'select'"),
        "{message}"
    );
    assert!(message.contains("Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"), "{message}");
    // Constraint errors come before the table lookup.
    let message = fails(
        &server,
        "GetItem",
        json!({"TableName": "missing", "Key": {"pk": {"S": "a"}}, "ReturnConsumedCapacity": "ALL"}),
        "ValidationException",
    );
    assert!(message.contains("at 'returnConsumedCapacity'"), "{message}");
    // Placeholders without an expression.
    let message = fails(
        &server,
        "GetItem",
        json!({"TableName": "missing", "Key": {"pk": {"S": "a"}}, "ExpressionAttributeNames": {"#a": "a"}}),
        "ValidationException",
    );
    assert_eq!(message, "ExpressionAttributeNames can only be specified when using expressions");
}

#[test]
fn table_names_follow_dynamodb_rules() {
    let server = server();
    // DynamoDB's request validation (DynamoDB Local: `Invalid table/index name.  ...`).
    let pattern = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+";
    let long = "x".repeat(256);
    for (bad, expected) in [
        ("ab", name_violation("ab", "Member must have length greater than or equal to 3")),
        ("a b", name_violation("a b", pattern)),
        ("tab!", name_violation("tab!", pattern)),
        (&long, name_violation(&long, "Member must have length less than or equal to 255")),
    ] {
        let message =
            fails(&server, "DescribeTable", json!({"TableName": bad}), "ValidationException");
        assert_eq!(message, expected, "{bad}");
    }
    for good in ["_ab", "a.b-c_d", &"y".repeat(255)] {
        let created = create_simple(&server, good);
        assert_eq!(created["TableDescription"]["TableName"], *good);
        assert_eq!(created["TableDescription"]["TableStatus"], "ACTIVE");
    }
    let message = fails(
        &server,
        "CreateTable",
        json!({
            "TableName": "_ab",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
        "ResourceInUseException",
    );
    assert!(!message.is_empty());
}

#[test]
fn items_capacity_and_conditions_over_the_wire() {
    let server = server();
    create_simple(&server, "items");
    let put = ok(
        &server,
        "PutItem",
        json!({"TableName": "items", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1.50"}},
               "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(put["ConsumedCapacity"]["TableName"], "items");
    assert_eq!(put["ConsumedCapacity"]["CapacityUnits"], 1.0);
    let got = ok(
        &server,
        "GetItem",
        json!({"TableName": "items", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}}}),
    );
    assert_eq!(got["Item"]["n"], json!({"N": "1.5"}));

    let (status, json) = call(
        &server,
        "PutItem",
        json!({"TableName": "items", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}},
               "ConditionExpression": "attribute_not_exists(pk)",
               "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
    );
    assert_eq!(status, 400);
    assert_eq!(json["__type"], "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
    assert_eq!(json["message"], "The conditional request failed");
    assert_eq!(json["Item"]["n"], json!({"N": "1.5"}));

    let (status, json) = call(
        &server,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Put": {"TableName": "items", "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
            {"ConditionCheck": {"TableName": "items", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                                "ConditionExpression": "n = :v", "ExpressionAttributeValues": {":v": {"N": "2"}}}}
        ]}),
    );
    assert_eq!(status, 400);
    assert_eq!(json["__type"], "com.amazonaws.dynamodb.v20120810#TransactionCanceledException");
    assert_eq!(
        json["message"],
        "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
    );
    assert_eq!(json["CancellationReasons"][0]["Code"], "None");
    assert_eq!(json["CancellationReasons"][1]["Code"], "ConditionalCheckFailed");
    assert_eq!(json["CancellationReasons"][1]["Message"], "The conditional request failed");

    let updated = ok(
        &server,
        "UpdateItem",
        json!({"TableName": "items", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
               "UpdateExpression": "SET n = n + :one", "ExpressionAttributeValues": {":one": {"N": "1"}},
               "ReturnValues": "UPDATED_NEW"}),
    );
    assert_eq!(updated["Attributes"], json!({"n": {"N": "2.5"}}));
    let unused = fails(
        &server,
        "GetItem",
        json!({"TableName": "items", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
               "ProjectionExpression": "pk", "ExpressionAttributeNames": {"#x": "x"}}),
        "ValidationException",
    );
    assert!(unused.contains("unused"), "{unused}");

    let count = ok(
        &server,
        "Query",
        json!({"TableName": "items", "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "a"}}, "Select": "COUNT"}),
    );
    assert_eq!(count["Count"], 1);
    assert!(count.get("Items").is_none(), "{count}");
}

#[test]
fn legacy_parameters_are_translated() {
    let server = server();
    create_simple(&server, "legacy");
    let put = |sk: &str, extra: Value| {
        let mut body = json!({"TableName": "legacy", "Item": {"pk": {"S": "p"}, "sk": {"S": sk}, "n": {"N": "5"}}});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        call(&server, "PutItem", body)
    };
    assert_eq!(put("1", json!({"Expected": {"pk": {"Exists": false}}})).0, 200);
    let (status, json) = put("1", json!({"Expected": {"pk": {"Exists": false}}}));
    assert_eq!(
        (status, json["__type"].as_str()),
        (400, Some("com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"))
    );
    assert_eq!(put("2", json!({})).0, 200);

    let queried = ok(
        &server,
        "Query",
        json!({
            "TableName": "legacy",
            "KeyConditions": {
                "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
                "sk": {"ComparisonOperator": "GE", "AttributeValueList": [{"S": "2"}]}
            },
            "AttributesToGet": ["sk"]
        }),
    );
    assert_eq!(queried["Items"], json!([{"sk": {"S": "2"}}]));

    ok(
        &server,
        "UpdateItem",
        json!({
            "TableName": "legacy", "Key": {"pk": {"S": "p"}, "sk": {"S": "1"}},
            "AttributeUpdates": {"n": {"Action": "ADD", "Value": {"N": "2"}}, "t": {"Action": "PUT", "Value": {"S": "x"}}}
        }),
    );
    let scanned = ok(
        &server,
        "Scan",
        json!({
            "TableName": "legacy",
            "ScanFilter": {"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "6"}]}}
        }),
    );
    assert_eq!(scanned["Count"], 1);
    assert_eq!(scanned["ScannedCount"], 2);
    assert_eq!(scanned["Items"][0]["t"], json!({"S": "x"}));

    let message = fails(
        &server,
        "PutItem",
        json!({
            "TableName": "legacy", "Item": {"pk": {"S": "p"}, "sk": {"S": "3"}},
            "Expected": {"pk": {"Exists": false}}, "ConditionExpression": "attribute_not_exists(pk)"
        }),
        "ValidationException",
    );
    assert_eq!(
        message,
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"
    );
}

#[test]
fn list_tables_pages() {
    let server = server();
    for name in ["t-c", "t-a", "t-b"] {
        create_simple(&server, name);
    }
    let first = ok(&server, "ListTables", json!({"Limit": 2}));
    assert_eq!(first["TableNames"], json!(["t-a", "t-b"]));
    assert_eq!(first["LastEvaluatedTableName"], "t-b");
    let second = ok(&server, "ListTables", json!({"Limit": 2, "ExclusiveStartTableName": "t-b"}));
    assert_eq!(second["TableNames"], json!(["t-c"]));
    assert!(second.get("LastEvaluatedTableName").is_none(), "{second}");
}

#[test]
fn tags_follow_the_table_arn() {
    let server = server();
    let created = create_simple(&server, "tagged");
    let arn = created["TableDescription"]["TableArn"].as_str().unwrap_or_default().to_owned();
    assert!(arn.ends_with(":table/tagged"), "{arn}");
    ok(
        &server,
        "TagResource",
        json!({"ResourceArn": arn, "Tags": [{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "dev"}]}),
    );
    let listed = ok(&server, "ListTagsOfResource", json!({"ResourceArn": arn}));
    assert_eq!(
        listed["Tags"],
        json!([{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}])
    );
    ok(&server, "UntagResource", json!({"ResourceArn": arn, "TagKeys": ["env"]}));
    let listed = ok(&server, "ListTagsOfResource", json!({"ResourceArn": arn}));
    assert_eq!(listed["Tags"], json!([{"Key": "team", "Value": "a"}]));
    let other = arn.replace("table/tagged", "table/missing");
    fails(
        &server,
        "ListTagsOfResource",
        json!({"ResourceArn": other}),
        "ResourceNotFoundException",
    );
    // Tags go with the table.
    ok(&server, "DeleteTable", json!({"TableName": "tagged"}));
    create_simple(&server, "tagged");
    assert_eq!(ok(&server, "ListTagsOfResource", json!({"ResourceArn": arn}))["Tags"], json!([]));
}

#[test]
fn update_table_adds_a_backfilled_gsi_and_deletes_it() {
    let server = server();
    create_simple(&server, "upd");
    for (sk, g) in [("1", Some("x")), ("2", Some("x")), ("3", None)] {
        let mut item = json!({"pk": {"S": "p"}, "sk": {"S": sk}});
        if let (Some(item), Some(g)) = (item.as_object_mut(), g) {
            item.insert("g".to_owned(), json!({"S": g}));
        }
        ok(&server, "PutItem", json!({"TableName": "upd", "Item": item}));
    }
    let updated = ok(
        &server,
        "UpdateTable",
        json!({
            "TableName": "upd",
            "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {
                "IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}
            }}]
        }),
    );
    assert_eq!(updated["TableDescription"]["GlobalSecondaryIndexes"][0]["IndexName"], "byG");
    assert_eq!(updated["TableDescription"]["GlobalSecondaryIndexes"][0]["ItemCount"], 2);
    let queried = ok(
        &server,
        "Query",
        json!({"TableName": "upd", "IndexName": "byG",
        "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "x"}}}),
    );
    assert_eq!(queried["Count"], 2);
    // Writes after the update keep the index.
    ok(
        &server,
        "PutItem",
        json!({"TableName": "upd", "Item": {"pk": {"S": "q"}, "sk": {"S": "1"}, "g": {"S": "x"}}}),
    );
    let queried = ok(
        &server,
        "Query",
        json!({"TableName": "upd", "IndexName": "byG",
        "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "x"}}}),
    );
    assert_eq!(queried["Count"], 3);
    assert_eq!(ok(&server, "DescribeTable", json!({"TableName": "upd"}))["Table"]["ItemCount"], 4);

    // As DynamoDB's backfill does, an item whose attribute has the wrong type for the new
    // key is left out of the index (an index key violation); later writes are checked.
    ok(
        &server,
        "PutItem",
        json!({"TableName": "upd", "Item": {"pk": {"S": "r"}, "sk": {"S": "1"}, "h": {"N": "1"}}}),
    );
    let updated = ok(
        &server,
        "UpdateTable",
        json!({
            "TableName": "upd",
            "AttributeDefinitions": [{"AttributeName": "h", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {
                "IndexName": "byH", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}
            }}]
        }),
    );
    assert_eq!(updated["TableDescription"]["GlobalSecondaryIndexes"][1]["ItemCount"], 0);
    let message = fails(
        &server,
        "PutItem",
        json!({"TableName": "upd", "Item": {"pk": {"S": "s"}, "sk": {"S": "1"}, "h": {"N": "2"}}}),
        "ValidationException",
    );
    assert!(message.contains("Type mismatch for Index Key h"), "{message}");
    ok(
        &server,
        "UpdateTable",
        json!({
            "TableName": "upd", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "byH"}}]
        }),
    );

    let message = fails(
        &server,
        "UpdateTable",
        json!({
            "TableName": "upd",
            "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "byG"}}, {"Delete": {"IndexName": "other"}}]
        }),
        "LimitExceededException",
    );
    assert!(message.starts_with("Subscriber limit exceeded"), "{message}");

    let updated = ok(
        &server,
        "UpdateTable",
        json!({
            "TableName": "upd", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "byG"}}]
        }),
    );
    assert!(updated["TableDescription"].get("GlobalSecondaryIndexes").is_none(), "{updated}");
    let message = fails(
        &server,
        "Query",
        json!({"TableName": "upd", "IndexName": "byG",
        "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "x"}}}),
        "ValidationException",
    );
    assert!(message.contains("does not have the specified index"), "{message}");

    let updated = ok(
        &server,
        "UpdateTable",
        json!({
            "TableName": "upd", "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4}
        }),
    );
    assert_eq!(updated["TableDescription"]["BillingModeSummary"]["BillingMode"], "PROVISIONED");
    assert_eq!(updated["TableDescription"]["ProvisionedThroughput"]["WriteCapacityUnits"], 4);
    assert_eq!(ok(&server, "DescribeTable", json!({"TableName": "upd"}))["Table"]["ItemCount"], 5);
    // No helper table ever shows.
    let listed = ok(&server, "ListTables", json!({}));
    assert_eq!(listed["TableNames"], json!(["upd"]));
}

#[test]
fn request_size_is_limited() {
    let server = start(ServerConfig { max_body_bytes: 1024, ..ServerConfig::default() });
    let big = json!({"TableName": "x".repeat(2000)});
    let (status, json) = call(&server, "DescribeTable", big);
    assert_eq!(status, 413, "{json}");
    assert!(
        json["__type"].as_str().is_some_and(|t| t.ends_with("#RequestEntityTooLarge")),
        "{json}"
    );
}

#[test]
fn describe_limits_and_endpoints() {
    let server = server();
    let limits = ok(&server, "DescribeLimits", json!({}));
    assert_eq!(limits["TableMaxWriteCapacityUnits"], 40000);
    let endpoints = ok(&server, "DescribeEndpoints", json!({}));
    assert_eq!(endpoints["Endpoints"][0]["Address"], server.local_addr().to_string());
}

fn sdk_client(endpoint: &str, key: &str, secret: &str) -> aws_sdk_dynamodb::Client {
    // The local configuration, signed with `secret` (a wrong one, in some tests).
    let config = singletable_aws::local_config(endpoint, "us-east-1", key)
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            key, secret, None, None, "test",
        ))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

fn error_code(client: &aws_sdk_dynamodb::Client) -> Option<String> {
    use aws_sdk_dynamodb::error::ProvideErrorMetadata as _;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    runtime.block_on(async {
        match client.list_tables().send().await {
            Ok(_) => None,
            Err(error) => Some(error.code().unwrap_or("(no code)").to_owned()),
        }
    })
}

#[test]
fn sigv4_is_verified_only_with_credentials() {
    // Without --credentials any signature is accepted.
    let open = server();
    assert_eq!(error_code(&sdk_client(&open.endpoint(), "any", "thing")), None);
    let (status, _) = call(&open, "ListTables", json!({}));
    assert_eq!(status, 200, "unsigned requests are accepted too");

    let credentials: Credentials = "AKIDTEST:s3cret".parse().unwrap_or_else(|e| panic!("{e}"));
    let guarded = start(ServerConfig { credentials: Some(credentials), ..ServerConfig::default() });
    let endpoint = guarded.endpoint();
    assert_eq!(error_code(&sdk_client(&endpoint, "AKIDTEST", "s3cret")), None);
    assert_eq!(
        error_code(&sdk_client(&endpoint, "AKIDTEST", "wrong")).as_deref(),
        Some("InvalidSignatureException")
    );
    assert_eq!(
        error_code(&sdk_client(&endpoint, "OTHERKEY", "s3cret")).as_deref(),
        Some("UnrecognizedClientException")
    );
    let (status, json) = call(&guarded, "ListTables", json!({}));
    assert_eq!(status, 400);
    assert!(
        json["__type"]
            .as_str()
            .is_some_and(|t| t.ends_with("#MissingAuthenticationTokenException")),
        "{json}"
    );
    // A request altered after signing is refused: a signed header changed.
    let head = "POST / HTTP/1.1\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nX-Amz-Date: 20260101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000\r\n";
    let (status, _, body) = exchange(guarded.local_addr(), head, b"{}");
    assert_eq!(status, 400);
    let body: Value = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        body["__type"].as_str().is_some_and(|t| t.ends_with("#InvalidSignatureException")),
        "{body}"
    );
}

fn stream_call(server: &BackgroundServer, op: &str, body: Value) -> Value {
    let (status, json) =
        call_target(server.local_addr(), &format!("DynamoDBStreams_20120810.{op}"), &body);
    assert_eq!(status, 200, "{op}: {json}");
    json
}

#[test]
fn streams_api_reads_the_change_feed() {
    let server = server();
    let created = ok(
        &server,
        "CreateTable",
        json!({
            "TableName": "streamed",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        }),
    );
    let stream_arn =
        created["TableDescription"]["LatestStreamArn"].as_str().unwrap_or_default().to_owned();
    assert!(stream_arn.contains(":table/streamed/stream/"), "{created}");
    create_simple(&server, "plain");

    let listed = stream_call(&server, "ListStreams", json!({}));
    assert_eq!(listed["Streams"].as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed["Streams"][0]["StreamArn"], stream_arn);
    assert_eq!(listed["Streams"][0]["TableName"], "streamed");

    let described = stream_call(&server, "DescribeStream", json!({"StreamArn": stream_arn}));
    let description = &described["StreamDescription"];
    assert_eq!(description["StreamViewType"], "NEW_AND_OLD_IMAGES");
    assert_eq!(description["StreamStatus"], "ENABLED");
    let shard = description["Shards"][0]["ShardId"].as_str().unwrap_or_default().to_owned();

    ok(
        &server,
        "PutItem",
        json!({"TableName": "streamed", "Item": {"pk": {"S": "a"}, "v": {"N": "1"}}}),
    );
    ok(
        &server,
        "PutItem",
        json!({"TableName": "streamed", "Item": {"pk": {"S": "a"}, "v": {"N": "2"}}}),
    );
    ok(&server, "DeleteItem", json!({"TableName": "streamed", "Key": {"pk": {"S": "a"}}}));

    let iterator = stream_call(
        &server,
        "GetShardIterator",
        json!({
            "StreamArn": stream_arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"
        }),
    )["ShardIterator"]
        .clone();
    let page = stream_call(&server, "GetRecords", json!({"ShardIterator": iterator, "Limit": 2}));
    let names: Vec<&str> = page["Records"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["eventName"].as_str())
        .collect();
    assert_eq!(names, ["INSERT", "MODIFY"]);
    let modify = &page["Records"][1]["dynamodb"];
    assert_eq!(modify["OldImage"]["v"], json!({"N": "1"}));
    assert_eq!(modify["NewImage"]["v"], json!({"N": "2"}));
    assert_eq!(modify["Keys"], json!({"pk": {"S": "a"}}));
    let rest =
        stream_call(&server, "GetRecords", json!({"ShardIterator": page["NextShardIterator"]}));
    assert_eq!(rest["Records"][0]["eventName"], "REMOVE");
    assert_eq!(rest["Records"].as_array().map(Vec::len), Some(1));
    let empty =
        stream_call(&server, "GetRecords", json!({"ShardIterator": rest["NextShardIterator"]}));
    assert_eq!(empty["Records"], json!([]));

    // LATEST starts after the last record; AFTER_SEQUENCE_NUMBER after a given one.
    let latest = stream_call(
        &server,
        "GetShardIterator",
        json!({
            "StreamArn": stream_arn, "ShardId": shard, "ShardIteratorType": "LATEST"
        }),
    )["ShardIterator"]
        .clone();
    ok(&server, "PutItem", json!({"TableName": "streamed", "Item": {"pk": {"S": "b"}}}));
    let fresh = stream_call(&server, "GetRecords", json!({"ShardIterator": latest}));
    assert_eq!(fresh["Records"].as_array().map(Vec::len), Some(1));
    assert_eq!(fresh["Records"][0]["dynamodb"]["Keys"], json!({"pk": {"S": "b"}}));
    let first_sequence = page["Records"][0]["dynamodb"]["SequenceNumber"].clone();
    let after = stream_call(
        &server,
        "GetShardIterator",
        json!({
            "StreamArn": stream_arn, "ShardId": shard, "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
            "SequenceNumber": first_sequence
        }),
    )["ShardIterator"]
        .clone();
    let from_second = stream_call(&server, "GetRecords", json!({"ShardIterator": after}));
    assert_eq!(from_second["Records"][0]["eventName"], "MODIFY");

    let (status, json) = call_target(
        server.local_addr(),
        "DynamoDBStreams_20120810.GetRecords",
        &json!({"ShardIterator": "garbage"}),
    );
    assert_eq!(status, 400);
    assert_eq!(json["message"], "Invalid ShardIterator");

    // Shard ids are 28 to 65 characters (the Streams API's constraint): an empty one is
    // refused before any lookup.
    let (status, json) = call_target(
        server.local_addr(),
        "DynamoDBStreams_20120810.GetShardIterator",
        &json!({"StreamArn": stream_arn, "ShardId": "", "ShardIteratorType": "LATEST"}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        json["message"],
        "1 validation error detected: Value '' at 'shardId' failed to satisfy constraint: \
         Member must have length greater than or equal to 28"
    );
}

#[test]
fn consumed_capacity_by_index_and_item_collection_metrics() {
    let server = server();
    ok(
        &server,
        "CreateTable",
        json!({
            "TableName": "lsi",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "l", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"}
            ],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "LocalSecondaryIndexes": [{"IndexName": "byL",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}],
            "GlobalSecondaryIndexes": [{"IndexName": "byG",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    );
    let put = ok(
        &server,
        "PutItem",
        json!({
            "TableName": "lsi",
            "Item": {"pk": {"S": "p"}, "sk": {"S": "1"}, "l": {"S": "x"}, "g": {"S": "y"}},
            "ReturnConsumedCapacity": "INDEXES", "ReturnItemCollectionMetrics": "SIZE"
        }),
    );
    let capacity = &put["ConsumedCapacity"];
    assert_eq!(capacity["TableName"], "lsi");
    assert!(capacity["Table"]["CapacityUnits"].as_f64().is_some_and(|u| u >= 1.0), "{put}");
    assert!(
        capacity["GlobalSecondaryIndexes"]["byG"]["CapacityUnits"]
            .as_f64()
            .is_some_and(|u| u >= 1.0),
        "{put}"
    );
    assert!(
        capacity["LocalSecondaryIndexes"]["byL"]["CapacityUnits"]
            .as_f64()
            .is_some_and(|u| u >= 1.0),
        "{put}"
    );
    assert_eq!(put["ItemCollectionMetrics"]["ItemCollectionKey"], json!({"pk": {"S": "p"}}));
    assert_eq!(put["ItemCollectionMetrics"]["SizeEstimateRangeGB"], json!([0.0, 1.0]));
    let total = ok(
        &server,
        "GetItem",
        json!({
            "TableName": "lsi", "Key": {"pk": {"S": "p"}, "sk": {"S": "1"}}, "ReturnConsumedCapacity": "TOTAL"
        }),
    );
    assert_eq!(total["ConsumedCapacity"]["CapacityUnits"], 0.5);
    assert!(total["ConsumedCapacity"].get("Table").is_none(), "{total}");
    // A table without LSIs reports no item collection metrics.
    create_simple(&server, "plain");
    let plain = ok(
        &server,
        "PutItem",
        json!({"TableName": "plain",
        "Item": {"pk": {"S": "p"}, "sk": {"S": "1"}}, "ReturnItemCollectionMetrics": "SIZE"}),
    );
    assert!(plain.get("ItemCollectionMetrics").is_none(), "{plain}");
}

#[test]
fn data_dir_keeps_writes_across_restarts() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let config =
        || ServerConfig { data_dir: Some(dir.path().to_path_buf()), ..ServerConfig::default() };
    let first = start(config());
    create_simple(&first, "kept");
    ok(
        &first,
        "PutItem",
        json!({"TableName": "kept", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"N": "1"}}}),
    );
    ok(
        &first,
        "UpdateItem",
        json!({"TableName": "kept", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
        "UpdateExpression": "ADD v :two", "ExpressionAttributeValues": {":two": {"N": "2"}}}),
    );
    first.stop().unwrap_or_else(|e| panic!("stop: {e}"));

    let second = start(config());
    let got = ok(
        &second,
        "GetItem",
        json!({"TableName": "kept", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}}}),
    );
    assert_eq!(got["Item"]["v"], json!({"N": "3"}));
}

#[test]
fn tags_survive_snapshots_of_the_data_dir() {
    // A snapshot after every write: the log is emptied, so the tags must come back from
    // the snapshot itself. (Other tests of this binary may see the small threshold too;
    // it only makes their snapshots more frequent.)
    std::env::set_var("SINGLETABLE_SNAPSHOT_AFTER_BYTES", "1");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let config =
        || ServerConfig { data_dir: Some(dir.path().to_path_buf()), ..ServerConfig::default() };
    let first = start(config());
    create_simple(&first, "tagged");
    let arn =
        ok(&first, "DescribeTable", json!({"TableName": "tagged"}))["Table"]["TableArn"].clone();
    ok(&first, "TagResource", json!({"ResourceArn": arn, "Tags": [{"Key": "team", "Value": "a"}]}));
    for i in 0..5 {
        ok(
            &first,
            "PutItem",
            json!({"TableName": "tagged", "Item": {"pk": {"S": format!("p{i}")}, "sk": {"S": "1"}}}),
        );
    }
    first.stop().unwrap_or_else(|e| panic!("stop: {e}"));
    let snapshots = std::fs::read_dir(dir.path())
        .unwrap_or_else(|e| panic!("read_dir: {e}"))
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().contains("snapshot"))
        .count();
    assert!(snapshots > 0, "no snapshot was taken");

    let second = start(config());
    let tags = ok(&second, "ListTagsOfResource", json!({"ResourceArn": arn}));
    assert_eq!(tags["Tags"], json!([{"Key": "team", "Value": "a"}]));
    let scan = ok(&second, "Scan", json!({"TableName": "tagged"}));
    assert_eq!(scan["Count"], json!(5));
}

/// DynamoDB's texts where DynamoDB Local's differ (sources in docs/error-texts.md).
#[test]
fn dynamodb_error_texts_over_the_wire() {
    let server = server();
    create_simple(&server, "texts");
    let not_found = "Requested resource not found";
    for (op, body) in [
        ("GetItem", json!({"TableName": "nope", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}}})),
        ("PutItem", json!({"TableName": "nope", "Item": {"pk": {"S": "a"}}})),
        (
            "Query",
            json!({"TableName": "nope", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}}}),
        ),
        ("Scan", json!({"TableName": "nope"})),
        (
            "BatchWriteItem",
            json!({"RequestItems": {"nope": [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}]}}),
        ),
        ("BatchGetItem", json!({"RequestItems": {"nope": {"Keys": [{"pk": {"S": "a"}}]}}})),
        (
            "TransactGetItems",
            json!({"TransactItems": [{"Get": {"TableName": "nope", "Key": {"pk": {"S": "a"}}}}]}),
        ),
        (
            "TransactWriteItems",
            json!({"TransactItems": [{"Put": {"TableName": "nope", "Item": {"pk": {"S": "a"}}}}]}),
        ),
    ] {
        assert_eq!(fails(&server, op, body, "ResourceNotFoundException"), not_found, "{op}");
    }
    for op in ["DescribeTable", "DeleteTable", "DescribeTimeToLive"] {
        assert_eq!(
            fails(&server, op, json!({"TableName": "nope"}), "ResourceNotFoundException"),
            "Requested resource not found: Table: nope not found",
            "{op}"
        );
    }
    let arn = "arn:aws:dynamodb:ddblocal:000000000000:table/nope";
    assert_eq!(
        fails(
            &server,
            "ListTagsOfResource",
            json!({"ResourceArn": arn}),
            "ResourceNotFoundException"
        ),
        format!("Requested resource not found: ResourceArn: {arn} not found")
    );

    let validation = |op: &str, body: Value| fails(&server, op, body, "ValidationException");
    assert_eq!(
        validation("Scan", json!({"TableName": "texts", "Limit": 0})),
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
    assert_eq!(
        validation("Scan", json!({"TableName": "ab", "Limit": 0})),
        "2 validation errors detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
    // A negative Limit is named as sent, in its place among the other violations.
    assert_eq!(
        validation("Query", json!({"TableName": "ab", "Limit": -5, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "x"}}})),
        "2 validation errors detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value '-5' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
    assert_eq!(
        validation("Scan", json!({"TableName": "texts", "Limit": -1})),
        "1 validation error detected: Value '-1' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
    assert_eq!(
        validation("Scan", json!({"TableName": "texts", "Segment": 5, "TotalSegments": 5})),
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 5 is not less than TotalSegments: 5"
    );
    assert_eq!(
        validation("BatchWriteItem", json!({"RequestItems": {}})),
        "The requestItems parameter is required for BatchWriteItem"
    );
    assert_eq!(
        validation("BatchGetItem", json!({"RequestItems": {}})),
        "The requestItems parameter is required for BatchGetItem"
    );
    let writes: Vec<Value> = (0..26)
        .map(|i| json!({"PutRequest": {"Item": {"pk": {"S": i.to_string()}, "sk": {"S": "1"}}}}))
        .collect();
    let message = validation("BatchWriteItem", json!({"RequestItems": {"texts": writes}}));
    assert!(
        message.starts_with("1 validation error detected: Value '{texts=[WriteRequest("),
        "{message}"
    );
    assert!(message.ends_with("]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"), "{message}");
    let keys: Vec<Value> =
        (0..101).map(|i| json!({"pk": {"S": i.to_string()}, "sk": {"S": "1"}})).collect();
    assert_eq!(
        validation("BatchGetItem", json!({"RequestItems": {"texts": {"Keys": keys}}})),
        "1 validation error detected: Value at 'RequestItems.texts.member.Keys' failed to satisfy constraint: Member must have length less than or equal to 100"
    );
    let put = |value: Value| json!({"TableName": "texts", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}, "v": value}});
    assert_eq!(
        validation("PutItem", put(json!({"BS": []}))),
        "One or more parameter values were invalid: Binary sets should not be empty"
    );
    assert_eq!(
        validation("PutItem", put(json!({"SS": ["a", "a"]}))),
        "One or more parameter values were invalid: Input collection [a, a] contains duplicates."
    );
    assert_eq!(
        validation("PutItem", json!({"TableName": "texts", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}}, "ExpressionAttributeValues": {":v": {"S": "x"}}})),
        "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"
    );
    assert_eq!(
        validation("UpdateItem", json!({"TableName": "texts", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}}, "ExpressionAttributeValues": {":v": {"S": "x"}}})),
        "ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and ConditionExpression are null"
    );
    assert_eq!(
        validation("Query", json!({"TableName": "texts", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}}, "ExpressionAttributeValues": {":v": {"S": "x"}}})),
        "ExpressionAttributeValues can only be specified when using expressions: FilterExpression and KeyConditionExpression are null"
    );
    let create = |key_schema: Value, definitions: Value, name: &str| json!({"TableName": name, "AttributeDefinitions": definitions, "KeySchema": key_schema, "BillingMode": "PAY_PER_REQUEST"});
    assert_eq!(
        validation(
            "CreateTable",
            create(
                json!([{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "pk", "KeyType": "RANGE"}]),
                json!([{"AttributeName": "pk", "AttributeType": "S"}]),
                "twice"
            )
        ),
        "Invalid KeySchema: Some index key attribute have no definition"
    );
    assert_eq!(
        validation("CreateTable", create(json!([{"AttributeName": "pk", "KeyType": "INVALID"}]), json!([{"AttributeName": "pk", "AttributeType": "S"}]), "enum")),
        "1 validation error detected: Value 'INVALID' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]"
    );
    assert_eq!(
        validation("CreateTable", create(json!([{"AttributeName": "pk", "KeyType": "HASH"}]), json!([{"AttributeName": "pk", "AttributeType": "INVALID"}]), "enum")),
        "1 validation error detected: Value 'INVALID' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"
    );
    // Several at once: the name joins the decoder's violations.
    let message = validation(
        "CreateTable",
        create(
            json!([{"AttributeName": "pk", "KeyType": "INVALID"}]),
            json!([{"AttributeName": "pk", "AttributeType": "S"}]),
            "ab",
        ),
    );
    assert!(
        message.starts_with("2 validation errors detected: Value 'ab' at 'tableName'"),
        "{message}"
    );
    assert!(message.contains("; Value 'INVALID' at 'keySchema.1.member.keyType'"), "{message}");
    assert_eq!(
        validation("UpdateTable", json!({"TableName": "texts"})),
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required"
    );
    // A key that does not match the schema inside TransactGetItems cancels the transaction.
    let (status, json) = call(
        &server,
        "TransactGetItems",
        json!({"TransactItems": [{"Get": {"TableName": "texts", "Key": {"pk": {"S": "a"}}}}]}),
    );
    assert_eq!(status, 400);
    assert!(
        json["__type"].as_str().is_some_and(|t| t.ends_with("#TransactionCanceledException")),
        "{json}"
    );
    assert_eq!(
        json["message"],
        "Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError]"
    );
    assert_eq!(json["CancellationReasons"][0]["Code"], "ValidationError");
}
