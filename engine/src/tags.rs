//! Resource tags: [`MemoryBackend::tag_resource`](super::MemoryBackend::tag_resource),
//! `untag_resource` and `list_tags_of_resource`.
//!
//! Tags live with their table (a table's ARN names it), so they go when the table is
//! deleted, and are part of the engine's exported state. DynamoDB's rules: a key of 1 to
//! 128 characters and a value of at most 256; at most 50 tags per table (tagging a key
//! it has replaces the value and does not count again); tags are listed in key order.

use std::sync::Arc;

use super::catalog::{Catalog, TableHandle};
use super::validate::Constraints;
use singletable_core::backend::Tag;
use singletable_core::error::{Error, Result};

/// The most tags one table may carry.
pub(crate) const MAX_TAGS: usize = 50;
/// The longest tag key, in characters.
const MAX_KEY_CHARS: usize = 128;
/// The longest tag value, in characters.
const MAX_VALUE_CHARS: usize = 256;

fn invalid_arn(arn: &str) -> Error {
    Error::validation(format!("Invalid TableArn: Invalid ResourceArn provided as input {arn}"))
}

/// The table a `ResourceArn` names: `ValidationException` for something that is not a
/// table ARN, `ResourceNotFoundException` when no table has this ARN.
fn resource(catalog: &Catalog, arn: &str) -> Result<Arc<TableHandle>> {
    let Some((_, name)) = arn.split_once(":table/") else { return Err(invalid_arn(arn)) };
    let name = name.split('/').next().unwrap_or_default();
    match catalog.table(name) {
        Ok(handle) if handle.def().arn == arn => Ok(handle),
        Ok(_) | Err(Error::ResourceNotFound { .. }) => Err(Error::resource_not_found(format!(
            "Requested resource not found: ResourceArn: {arn} not found"
        ))),
        Err(_) => Err(invalid_arn(arn)),
    }
}

/// `TagResource`.
pub(crate) fn tag_resource(catalog: &Catalog, arn: &str, tags: Vec<Tag>) -> Result<()> {
    let mut constraints = Constraints::default();
    for tag in &tags {
        let chars = tag.key.chars().count();
        if !(1..=MAX_KEY_CHARS).contains(&chars) {
            constraints.push(
                &tag.key,
                "tags.member.key",
                "Member must have length between 1 and 128",
            );
        }
        if tag.value.chars().count() > MAX_VALUE_CHARS {
            constraints.push(
                &tag.value,
                "tags.member.value",
                "Member must have length less than or equal to 256",
            );
        }
    }
    constraints.finish()?;
    let handle = resource(catalog, arn)?;
    let mut current = handle.tags();
    let mut added: Vec<&str> = Vec::new();
    for tag in &tags {
        if !current.contains_key(&tag.key) && !added.contains(&tag.key.as_str()) {
            added.push(&tag.key);
        }
    }
    if current.len() + added.len() > MAX_TAGS {
        return Err(Error::Service {
            code: "LimitExceededException".to_owned(),
            message: format!("The number of tags on the resource exceeds the limit of {MAX_TAGS}"),
            source: None,
        });
    }
    current.extend(tags.into_iter().map(|tag| (tag.key, tag.value)));
    Ok(())
}

/// `UntagResource`: keys the table does not have are ignored.
pub(crate) fn untag_resource(catalog: &Catalog, arn: &str, keys: &[String]) -> Result<()> {
    let handle = resource(catalog, arn)?;
    let mut current = handle.tags();
    for key in keys {
        current.remove(key);
    }
    Ok(())
}

/// `ListTagsOfResource`: the table's tags in key order.
pub(crate) fn list_tags_of_resource(catalog: &Catalog, arn: &str) -> Result<Vec<Tag>> {
    let handle = resource(catalog, arn)?;
    let current = handle.tags();
    Ok(current.iter().map(|(key, value)| Tag { key: key.clone(), value: value.clone() }).collect())
}
