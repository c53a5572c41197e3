//! `TagResource`, `UntagResource` and `ListTagsOfResource`. The `ResourceArn` is read
//! here; whether it names a table is the handler's question.

use singletable_core::backend::Tag;

use super::{Request, Violations};
use crate::api_error::ApiError;

/// `TagResource`: the resource ARN and the tags (their lengths and count are the
/// engine's checks).
pub fn tag_resource(request: &Request<'_>) -> Result<(String, Vec<Tag>), ApiError> {
    let mut violations = Violations::default();
    let tags = match request.array("Tags")? {
        None => {
            violations.null("tags");
            Vec::new()
        }
        Some(tags) => tags
            .iter()
            .map(|tag| {
                let tag = Request::new(tag)?;
                let key = tag.str("Key")?.unwrap_or_default().to_owned();
                let value = tag.str("Value")?.unwrap_or_default().to_owned();
                Ok(Tag { key, value })
            })
            .collect::<Result<Vec<_>, ApiError>>()?,
    };
    let arn = resource_arn(request, violations)?;
    Ok((arn, tags))
}

/// `UntagResource`: the resource ARN and the tag keys.
pub fn untag_resource(request: &Request<'_>) -> Result<(String, Vec<String>), ApiError> {
    let mut violations = Violations::default();
    let keys = request.strings("TagKeys")?;
    if keys.is_none() {
        violations.null("tagKeys");
    }
    let arn = resource_arn(request, violations)?;
    Ok((arn, keys.unwrap_or_default()))
}

/// `ListTagsOfResource`: the resource ARN.
pub fn list_tags_of_resource(request: &Request<'_>) -> Result<String, ApiError> {
    resource_arn(request, Violations::default())
}

/// `ResourceArn`, after the request's other `violations`: all are reported together.
fn resource_arn(request: &Request<'_>, mut violations: Violations) -> Result<String, ApiError> {
    let arn = request.required_str("ResourceArn", &mut violations)?;
    violations.finish()?;
    Ok(arn)
}
