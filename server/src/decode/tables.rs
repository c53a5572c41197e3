//! `CreateTable`, `DeleteTable`, `DescribeTable`, `ListTables` and `UpdateTable`.

use singletable_core::backend::{
    AttributeDefinition, CreateTableInput, GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType,
    ListTablesInput, ProjectionSpec, SecondaryIndex, StreamSpecification, UpdateTableInput,
};
use singletable_core::schema::{BillingMode, ScalarType, StreamViewType};

use super::{Request, Violations};
use crate::api_error::ApiError;

/// `CreateTable`.
pub fn create_table(request: &Request<'_>) -> Result<CreateTableInput, ApiError> {
    let mut violations = Violations::default();
    let attribute_definitions = attribute_definitions(request, &mut violations)?;
    let table_name = request.required_str("TableName", &mut violations)?;
    // The engine checks the name too; naming it here joins its violations with the
    // others of the request, as DynamoDB reports them.
    if request.has("TableName") {
        violations.extend(singletable_engine::name_violations(&table_name, "tableName"));
    }
    let key_schema = key_schema(request, "keySchema", &mut violations)?;
    let billing = billing_mode(request, &mut violations)?;
    let mut global_secondary_indexes = Vec::new();
    for (position, index) in
        request.array("GlobalSecondaryIndexes")?.into_iter().flatten().enumerate()
    {
        global_secondary_indexes.push(secondary_index(
            &Request::new(index)?,
            &format!("globalSecondaryIndexes.{}", position + 1),
            &mut violations,
        )?);
    }
    let mut local_secondary_indexes = Vec::new();
    for (position, index) in
        request.array("LocalSecondaryIndexes")?.into_iter().flatten().enumerate()
    {
        local_secondary_indexes.push(secondary_index(
            &Request::new(index)?,
            &format!("localSecondaryIndexes.{}", position + 1),
            &mut violations,
        )?);
    }
    violations.finish()?;
    let billing_mode = billing.ok_or_else(|| {
        ApiError::validation(
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
        )
    })?;
    let stream = stream_specification(request)?.flatten();
    Ok(CreateTableInput {
        table_name,
        attribute_definitions,
        key_schema,
        global_secondary_indexes,
        local_secondary_indexes,
        billing_mode,
        stream,
    })
}

/// The `TableName` of `DeleteTable` and `DescribeTable`.
pub fn table_name(request: &Request<'_>) -> Result<String, ApiError> {
    let mut violations = Violations::default();
    let name = request.required_str("TableName", &mut violations)?;
    violations.finish()?;
    Ok(name)
}

/// `ListTables`.
pub fn list_tables(request: &Request<'_>) -> Result<ListTablesInput, ApiError> {
    let limit = request.int("Limit")?.map(|limit| u32::try_from(limit.max(0)).unwrap_or(u32::MAX));
    Ok(ListTablesInput {
        exclusive_start_table_name: request.str("ExclusiveStartTableName")?.map(str::to_owned),
        limit,
    })
}

/// `UpdateTable`: the request's members; what they ask for is checked by the engine
/// ([`MemoryBackend::update_table`](singletable_engine::MemoryBackend::update_table)).
pub fn update_table(request: &Request<'_>) -> Result<UpdateTableInput, ApiError> {
    let mut violations = Violations::default();
    let name = request.required_str("TableName", &mut violations)?;
    let definitions = if request.has("AttributeDefinitions") {
        attribute_definitions(request, &mut violations)?
    } else {
        Vec::new()
    };
    let billing = billing_mode(request, &mut violations)?;
    let mut updates = Vec::new();
    for (position, entry) in
        request.array("GlobalSecondaryIndexUpdates")?.into_iter().flatten().enumerate()
    {
        let entry = Request::new(entry)?;
        let at = format!("globalSecondaryIndexUpdates.{}.member", position + 1);
        if let Some(create) = entry.nested("Create")? {
            updates.push(GlobalSecondaryIndexUpdate::Create(secondary_index(
                &create,
                &format!("{at}.create"),
                &mut violations,
            )?));
        } else if let Some(delete) = entry.nested("Delete")? {
            let index_name = delete.required_str("IndexName", &mut violations)?;
            updates.push(GlobalSecondaryIndexUpdate::Delete { index_name });
        } else if let Some(update) = entry.nested("Update")? {
            let index_name = update.required_str("IndexName", &mut violations)?;
            let provisioned_throughput = throughput(&update)?;
            updates.push(GlobalSecondaryIndexUpdate::Update { index_name, provisioned_throughput });
        }
    }
    violations.finish()?;
    let stream_specification = match request.nested("StreamSpecification")? {
        None => None,
        Some(spec) => {
            let text = spec.str("StreamViewType")?;
            let stream_view_type = match text.map(|text| (text, StreamViewType::parse(text))) {
                None => None,
                Some((_, Some(view))) => Some(view),
                Some((other, None)) => return Err(view_type_error(other)),
            };
            Some(StreamSpecification {
                stream_enabled: spec.bool("StreamEnabled")?.unwrap_or(false),
                stream_view_type,
            })
        }
    };
    Ok(UpdateTableInput {
        table_name: name,
        attribute_definitions: definitions,
        billing_mode: billing,
        global_secondary_index_updates: updates,
        stream_specification,
    })
}

fn view_type_error(value: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value '{value}' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]"
    ))
}

fn scalar_type(text: &str) -> Option<ScalarType> {
    match text {
        "S" => Some(ScalarType::S),
        "N" => Some(ScalarType::N),
        "B" => Some(ScalarType::B),
        _ => None,
    }
}

/// `KeySchema` of a table or an index.
fn key_schema(
    request: &Request<'_>,
    at: &str,
    violations: &mut Violations,
) -> Result<Vec<KeySchemaElement>, ApiError> {
    let Some(elements) = request.array("KeySchema")? else {
        violations.null(at);
        return Ok(Vec::new());
    };
    let mut schema = Vec::with_capacity(elements.len());
    for (position, element) in elements.iter().enumerate() {
        let element = Request::new(element)?;
        let name = element.str("AttributeName")?.unwrap_or_default().to_owned();
        // Members of a list are numbered from 1 in DynamoDB's paths.
        let member = format!("{at}.{}.member.keyType", position + 1);
        let key_type = match element.str("KeyType")? {
            Some("HASH") => KeyType::Hash,
            Some("RANGE") => KeyType::Range,
            Some(other) => {
                violations.enumeration(other, &member, &["HASH", "RANGE"]);
                KeyType::Hash
            }
            None => {
                violations.null(&member);
                KeyType::Hash
            }
        };
        schema.push(KeySchemaElement { attribute_name: name, key_type });
    }
    Ok(schema)
}

/// `Projection` of an index.
fn projection(request: &Request<'_>) -> Result<ProjectionSpec, ApiError> {
    let Some(projection) = request.nested("Projection")? else {
        return Err(ApiError::validation(
            "One or more parameter values were invalid: Projection must be specified for an index",
        ));
    };
    Ok(match projection.str("ProjectionType")? {
        None | Some("ALL") => ProjectionSpec::All,
        Some("KEYS_ONLY") => ProjectionSpec::KeysOnly,
        Some("INCLUDE") => ProjectionSpec::Include(projection.strings("NonKeyAttributes")?.unwrap_or_default()),
        Some(other) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]"
            )))
        }
    })
}

/// `ProvisionedThroughput` as (read, write).
fn throughput(request: &Request<'_>) -> Result<Option<(u64, u64)>, ApiError> {
    let Some(throughput) = request.nested("ProvisionedThroughput")? else { return Ok(None) };
    let read = throughput.int("ReadCapacityUnits")?.unwrap_or(0);
    let write = throughput.int("WriteCapacityUnits")?.unwrap_or(0);
    Ok(Some((u64::try_from(read).unwrap_or(0), u64::try_from(write).unwrap_or(0))))
}

/// One `GlobalSecondaryIndexes` / `LocalSecondaryIndexes` element.
pub(super) fn secondary_index(
    index: &Request<'_>,
    at: &str,
    violations: &mut Violations,
) -> Result<SecondaryIndex, ApiError> {
    let index_name = index.required_str("IndexName", violations)?;
    let key_schema = key_schema(index, &format!("{at}.member.keySchema"), violations)?;
    Ok(SecondaryIndex {
        index_name,
        key_schema,
        projection: projection(index)?,
        provisioned_throughput: throughput(index)?,
    })
}

/// `AttributeDefinitions`.
fn attribute_definitions(
    request: &Request<'_>,
    violations: &mut Violations,
) -> Result<Vec<AttributeDefinition>, ApiError> {
    let Some(definitions) = request.array("AttributeDefinitions")? else {
        violations.null("attributeDefinitions");
        return Ok(Vec::new());
    };
    let mut list = Vec::with_capacity(definitions.len());
    for (position, definition) in definitions.iter().enumerate() {
        let definition = Request::new(definition)?;
        let name = definition.str("AttributeName")?.unwrap_or_default().to_owned();
        let member = format!("attributeDefinitions.{}.member.attributeType", position + 1);
        let ty = match definition.str("AttributeType")? {
            Some(text) => match scalar_type(text) {
                Some(ty) => ty,
                None => {
                    violations.enumeration(text, &member, &["B", "N", "S"]);
                    ScalarType::S
                }
            },
            None => {
                violations.null(&member);
                ScalarType::S
            }
        };
        list.push(AttributeDefinition { name, ty });
    }
    Ok(list)
}

/// `BillingMode` with `ProvisionedThroughput`.
fn billing_mode(
    request: &Request<'_>,
    violations: &mut Violations,
) -> Result<Option<BillingMode>, ApiError> {
    let throughput = throughput(request)?;
    Ok(match request.str("BillingMode")? {
        Some("PAY_PER_REQUEST") => {
            if throughput.is_some() {
                return Err(ApiError::validation(
                    "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
                ));
            }
            Some(BillingMode::PayPerRequest)
        }
        Some("PROVISIONED") | None => {
            throughput.map(|(read, write)| BillingMode::Provisioned { read, write })
        }
        Some(other) => {
            violations.enumeration(other, "billingMode", &["PROVISIONED", "PAY_PER_REQUEST"]);
            None
        }
    })
}

/// `StreamSpecification`.
fn stream_specification(request: &Request<'_>) -> Result<Option<Option<StreamViewType>>, ApiError> {
    let Some(spec) = request.nested("StreamSpecification")? else { return Ok(None) };
    let enabled = spec.bool("StreamEnabled")?.unwrap_or(false);
    if !enabled {
        return Ok(Some(None));
    }
    let text = spec.str("StreamViewType")?;
    let view = match (text, text.and_then(StreamViewType::parse)) {
        (_, Some(view)) => view,
        (Some(other), None) => return Err(view_type_error(other)),
        (None, None) => {
            return Err(ApiError::validation(
                "One or more parameter values were invalid: StreamViewType must be specified when StreamEnabled is true",
            ))
        }
    };
    Ok(Some(Some(view)))
}
