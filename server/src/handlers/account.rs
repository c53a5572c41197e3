//! `DescribeLimits` and `DescribeEndpoints`.

use serde_json::Value;

use crate::encode::account as encode;
use crate::service::Engine;

/// `DescribeLimits`.
pub(crate) fn describe_limits() -> Value {
    encode::describe_limits()
}

/// `DescribeEndpoints`.
pub(crate) fn describe_endpoints(engine: &Engine) -> Value {
    encode::describe_endpoints(engine.address())
}
