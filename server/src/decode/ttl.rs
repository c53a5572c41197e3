//! `UpdateTimeToLive` and `DescribeTimeToLive`.

use singletable_core::backend::TimeToLiveSpecification;

use super::{Request, Violations};
use crate::api_error::ApiError;

/// `UpdateTimeToLive`: the table name and the specification.
pub fn update_time_to_live(
    request: &Request<'_>,
) -> Result<(String, TimeToLiveSpecification), ApiError> {
    let mut violations = Violations::default();
    let name = request.required_str("TableName", &mut violations)?;
    let spec = request.nested("TimeToLiveSpecification")?;
    let (attribute_name, enabled) = match &spec {
        None => {
            violations.null("timeToLiveSpecification");
            (String::new(), false)
        }
        Some(spec) => {
            let attribute = spec.required_str("AttributeName", &mut violations)?;
            let enabled = spec.bool("Enabled")?;
            if enabled.is_none() {
                violations.null("timeToLiveSpecification.enabled");
            }
            (attribute, enabled.unwrap_or(false))
        }
    };
    violations.finish()?;
    Ok((name, TimeToLiveSpecification { attribute_name, enabled }))
}

/// `DescribeTimeToLive`: the table name.
pub fn describe_time_to_live(request: &Request<'_>) -> Result<String, ApiError> {
    super::tables::table_name(request)
}
