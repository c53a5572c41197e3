//! `UpdateTimeToLive` and `DescribeTimeToLive`.
//!
//! The setting is stored with the table and takes effect at once: the status is
//! `ENABLED` or `DISABLED`, never `ENABLING`/`DISABLING` (DynamoDB may take up to an
//! hour). DynamoDB's rules: enabling what is enabled fails (`TimeToLive is already
//! enabled`), as does enabling or disabling another attribute while one is enabled
//! (`TimeToLive is active on a different AttributeName`: disable first), and disabling
//! what is disabled (`TimeToLive is already disabled`). DynamoDB also limits changes to
//! one per hour; the engine does not. Expired items are not deleted yet.

use super::catalog::Catalog;
use singletable_core::backend::{TimeToLiveDescription, TimeToLiveSpecification, TimeToLiveStatus};
use singletable_core::error::{Error, Result};

/// `UpdateTimeToLive`.
pub(crate) fn update_time_to_live(
    catalog: &Catalog,
    table_name: &str,
    specification: TimeToLiveSpecification,
) -> Result<TimeToLiveSpecification> {
    let name = &specification.attribute_name;
    if name.is_empty() || name.len() > 255 {
        return Err(Error::validation(format!(
            "1 validation error detected: Value '{name}' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length {}",
            if name.is_empty() { "greater than or equal to 1" } else { "less than or equal to 255" }
        )));
    }
    let handle = catalog.named_table(table_name)?;
    let mut ttl = handle.ttl();
    match (ttl.as_deref(), specification.enabled) {
        (Some(current), _) if current != name => {
            Err(Error::validation("TimeToLive is active on a different AttributeName"))
        }
        (Some(_), true) => Err(Error::validation("TimeToLive is already enabled")),
        (None, false) => Err(Error::validation("TimeToLive is already disabled")),
        (None, true) => {
            *ttl = Some(name.clone());
            Ok(specification)
        }
        (Some(_), false) => {
            *ttl = None;
            Ok(specification)
        }
    }
}

/// `DescribeTimeToLive`.
pub(crate) fn describe_time_to_live(
    catalog: &Catalog,
    table_name: &str,
) -> Result<TimeToLiveDescription> {
    let handle = catalog.named_table(table_name)?;
    let ttl = handle.ttl().clone();
    Ok(match ttl {
        Some(name) => {
            TimeToLiveDescription { status: TimeToLiveStatus::Enabled, attribute_name: Some(name) }
        }
        None => TimeToLiveDescription { status: TimeToLiveStatus::Disabled, attribute_name: None },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use singletable_core::backend::{CreateTableInput, KeySchemaElement, KeyType};
    use singletable_core::schema::{BillingMode, KeyAttribute, ScalarType};

    fn catalog() -> Catalog {
        let catalog = Catalog::default();
        catalog
            .create_table(CreateTableInput {
                table_name: "ttl".to_owned(),
                attribute_definitions: vec![KeyAttribute { name: "pk", ty: ScalarType::S }.into()],
                key_schema: vec![KeySchemaElement {
                    attribute_name: "pk".to_owned(),
                    key_type: KeyType::Hash,
                }],
                global_secondary_indexes: Vec::new(),
                local_secondary_indexes: Vec::new(),
                billing_mode: BillingMode::PayPerRequest,
                stream: None,
            })
            .expect("created");
        catalog
    }

    fn spec(name: &str, enabled: bool) -> TimeToLiveSpecification {
        TimeToLiveSpecification { attribute_name: name.to_owned(), enabled }
    }

    fn message<T: std::fmt::Debug>(result: Result<T>) -> String {
        match result {
            Err(Error::Validation { message, .. }) => message,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn enable_change_and_disable_follow_dynamodb_rules() {
        let catalog = catalog();
        let disabled =
            TimeToLiveDescription { status: TimeToLiveStatus::Disabled, attribute_name: None };
        assert_eq!(describe_time_to_live(&catalog, "ttl").ok(), Some(disabled.clone()));
        assert_eq!(
            message(update_time_to_live(&catalog, "ttl", spec("exp", false))),
            "TimeToLive is already disabled"
        );
        assert!(update_time_to_live(&catalog, "ttl", spec("exp", true)).is_ok());
        assert_eq!(
            describe_time_to_live(&catalog, "ttl").ok(),
            Some(TimeToLiveDescription {
                status: TimeToLiveStatus::Enabled,
                attribute_name: Some("exp".to_owned())
            })
        );
        assert_eq!(
            message(update_time_to_live(&catalog, "ttl", spec("exp", true))),
            "TimeToLive is already enabled"
        );
        assert_eq!(
            message(update_time_to_live(&catalog, "ttl", spec("other", true))),
            "TimeToLive is active on a different AttributeName"
        );
        assert_eq!(
            message(update_time_to_live(&catalog, "ttl", spec("other", false))),
            "TimeToLive is active on a different AttributeName"
        );
        assert!(
            message(update_time_to_live(&catalog, "ttl", spec("", true))).contains("attributeName")
        );
        assert!(update_time_to_live(&catalog, "ttl", spec("exp", false)).is_ok());
        assert!(update_time_to_live(&catalog, "ttl", spec("other", true)).is_ok());
        assert!(matches!(
            describe_time_to_live(&catalog, "nope"),
            Err(Error::ResourceNotFound { .. })
        ));
    }
}
