//! `DescribeLimits` and `DescribeEndpoints`.

use std::net::SocketAddr;

use serde_json::{json, Value};

/// The response of `DescribeLimits`: DynamoDB's default quotas.
pub fn describe_limits() -> Value {
    json!({
        "AccountMaxReadCapacityUnits": 80000,
        "AccountMaxWriteCapacityUnits": 80000,
        "TableMaxReadCapacityUnits": 40000,
        "TableMaxWriteCapacityUnits": 40000
    })
}

/// The response of `DescribeEndpoints`: the server's address (`localhost:8000` before
/// it is bound).
pub fn describe_endpoints(address: Option<SocketAddr>) -> Value {
    let address = address.map_or_else(|| "localhost:8000".to_owned(), |a| a.to_string());
    json!({"Endpoints": [{"Address": address, "CachePeriodInMinutes": 1440}]})
}
