//! Conversions at the AWS boundary: singletable's values, requests and responses to and
//! from the SDK's types.
//!
//! Requests are consumed (values move into the SDK's types, nothing is cloned).
//! Responses are consumed too, and every value coming back is checked: a number
//! `Number::parse` refuses, an attribute type this crate does not know, or a key schema
//! element with an unknown key type becomes an [`Error`], never a panic.
//!
//! Expressions are rendered here and only here, through [`Placeholders`]: every name is
//! a `#nN` placeholder and every value a `:vN` placeholder, so no user data enters an
//! expression string.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder;
use aws_sdk_dynamodb::operation::get_item::builders::GetItemFluentBuilder;
use aws_sdk_dynamodb::operation::list_tables::builders::ListTablesFluentBuilder;
use aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::scan::builders::ScanFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types as sdk;

use super::error::build_error;
use singletable_core::backend::{
    AttributeDefinition, Capacity, ConsumedCapacity, CreateTableInput, DeleteItemInput,
    GetItemInput, GetItemOutput, IndexStatistics, KeySchemaElement, KeyType, ListTablesInput,
    ListTablesOutput, PageOutput, ProjectionSpec, PutItemInput, QueryInput, RestoreSummary,
    ReturnConsumedCapacity, ReturnValues, ScanInput, SecondaryIndex, Select, TableDescription,
    TableStatus, UpdateItemInput, WriteItemOutput,
};
use singletable_core::error::{DecodeError, Error, Result};
use singletable_core::expr::render::Placeholders;
use singletable_core::expr::{Condition, KeyCondition, Path, UpdateAction};
use singletable_core::number::Number;
use singletable_core::schema::{BillingMode, ScalarType, StreamViewType};
use singletable_core::value::{AttributeValue, Item};

/// The SDK's item type.
pub(crate) type SdkItem = HashMap<String, sdk::AttributeValue>;

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

/// A value into the SDK's type.
pub(crate) fn value_to_sdk(value: AttributeValue) -> sdk::AttributeValue {
    match value {
        AttributeValue::S(s) => sdk::AttributeValue::S(s),
        AttributeValue::N(n) => sdk::AttributeValue::N(n.into()),
        AttributeValue::B(b) => sdk::AttributeValue::B(Blob::new(b)),
        AttributeValue::Bool(b) => sdk::AttributeValue::Bool(b),
        AttributeValue::Null => sdk::AttributeValue::Null(true),
        AttributeValue::L(list) => {
            sdk::AttributeValue::L(list.into_iter().map(value_to_sdk).collect())
        }
        AttributeValue::M(map) => sdk::AttributeValue::M(item_to_sdk(map)),
        AttributeValue::Ss(set) => sdk::AttributeValue::Ss(set),
        AttributeValue::Ns(set) => {
            sdk::AttributeValue::Ns(set.into_iter().map(String::from).collect())
        }
        AttributeValue::Bs(set) => {
            sdk::AttributeValue::Bs(set.into_iter().map(Blob::new).collect())
        }
    }
}

/// An item (or map) into the SDK's type.
pub(crate) fn item_to_sdk(item: Item) -> SdkItem {
    item.into_iter().map(|(name, value)| (name, value_to_sdk(value))).collect()
}

/// A value from the SDK. Fails on a number [`Number::parse`] refuses and on a type this
/// crate does not know; the error's path names the attribute.
pub(crate) fn value_from_sdk(value: sdk::AttributeValue) -> Result<AttributeValue, DecodeError> {
    Ok(match value {
        sdk::AttributeValue::S(s) => AttributeValue::S(s),
        sdk::AttributeValue::N(n) => AttributeValue::N(number_from_sdk(&n)?),
        sdk::AttributeValue::B(b) => AttributeValue::B(b.into_inner()),
        sdk::AttributeValue::Bool(b) => AttributeValue::Bool(b),
        // DynamoDB only ever sends `{"NULL": true}`.
        sdk::AttributeValue::Null(_) => AttributeValue::Null,
        sdk::AttributeValue::L(list) => AttributeValue::L(
            list.into_iter()
                .enumerate()
                .map(|(i, v)| value_from_sdk(v).map_err(|e| e.at_index(i)))
                .collect::<Result<_, _>>()?,
        ),
        sdk::AttributeValue::M(map) => AttributeValue::M(map_from_sdk(map)?),
        sdk::AttributeValue::Ss(set) => AttributeValue::Ss(set),
        sdk::AttributeValue::Ns(set) => AttributeValue::Ns(
            set.iter()
                .enumerate()
                .map(|(i, n)| number_from_sdk(n).map_err(|e| e.at_index(i)))
                .collect::<Result<_, _>>()?,
        ),
        sdk::AttributeValue::Bs(set) => {
            AttributeValue::Bs(set.into_iter().map(Blob::into_inner).collect())
        }
        other => {
            return Err(DecodeError::invalid(format!(
            "DynamoDB returned an attribute value of a type singletable does not know: {other:?}"
        )))
        }
    })
}

fn number_from_sdk(text: &str) -> Result<Number, DecodeError> {
    Number::parse(text).map_err(|e| {
        DecodeError::invalid(format!(
            "DynamoDB returned the number {text:?}, which is invalid: {e}"
        ))
    })
}

fn map_from_sdk(map: SdkItem) -> Result<Item, DecodeError> {
    map.into_iter()
        .map(|(name, value)| match value_from_sdk(value) {
            Ok(value) => Ok((name, value)),
            Err(e) => Err(e.at_field(name)),
        })
        .collect()
}

/// An item from the SDK (see [`value_from_sdk`]).
pub(crate) fn item_from_sdk(item: SdkItem) -> Result<Item> {
    map_from_sdk(item).map_err(Error::Decode)
}

pub(crate) fn optional_item_from_sdk(item: Option<SdkItem>) -> Result<Option<Item>> {
    item.map(item_from_sdk).transpose()
}

// ---------------------------------------------------------------------------------------
// Expressions and common request parameters
// ---------------------------------------------------------------------------------------

/// The rendered expressions of one request and their shared placeholders.
#[derive(Default)]
pub(crate) struct Expressions {
    placeholders: Placeholders,
}

/// `ExpressionAttributeNames` and `ExpressionAttributeValues`, each `None` when empty
/// (DynamoDB refuses empty maps).
pub(crate) struct ExpressionParts {
    pub(crate) names: Option<HashMap<String, String>>,
    pub(crate) values: Option<SdkItem>,
}

impl Expressions {
    /// Renders a condition or filter expression.
    pub(crate) fn condition(&mut self, condition: Option<&Condition>) -> Option<String> {
        condition.map(|c| self.placeholders.condition(c))
    }

    /// Renders a projection expression.
    pub(crate) fn projection(&mut self, paths: Option<&[Path]>) -> Option<String> {
        paths.map(|p| self.placeholders.projection(p))
    }

    /// Renders a key condition expression (always sent: DynamoDB requires one).
    pub(crate) fn key_condition(&mut self, condition: &KeyCondition) -> String {
        self.placeholders.key_condition(condition)
    }

    /// Renders an update expression; `None` for no actions (the item is created from its
    /// key, or left as it is).
    pub(crate) fn update(&mut self, actions: &[UpdateAction]) -> Option<String> {
        (!actions.is_empty()).then(|| self.placeholders.update(actions))
    }

    /// The placeholders handed out.
    pub(crate) fn into_parts(self) -> ExpressionParts {
        let (names, values) = self.placeholders.into_parts();
        ExpressionParts {
            names: (!names.is_empty()).then_some(names),
            values: (!values.is_empty()).then(|| item_to_sdk(values)),
        }
    }
}

pub(crate) fn return_consumed_capacity(
    value: ReturnConsumedCapacity,
) -> Option<sdk::ReturnConsumedCapacity> {
    match value {
        ReturnConsumedCapacity::None => None,
        ReturnConsumedCapacity::Total => Some(sdk::ReturnConsumedCapacity::Total),
        ReturnConsumedCapacity::Indexes => Some(sdk::ReturnConsumedCapacity::Indexes),
    }
}

fn return_values(value: ReturnValues) -> Option<sdk::ReturnValue> {
    match value {
        ReturnValues::None => None,
        ReturnValues::AllOld => Some(sdk::ReturnValue::AllOld),
        ReturnValues::UpdatedOld => Some(sdk::ReturnValue::UpdatedOld),
        ReturnValues::AllNew => Some(sdk::ReturnValue::AllNew),
        ReturnValues::UpdatedNew => Some(sdk::ReturnValue::UpdatedNew),
    }
}

pub(crate) fn return_on_condition_failure(
    all_old: bool,
) -> Option<sdk::ReturnValuesOnConditionCheckFailure> {
    all_old.then_some(sdk::ReturnValuesOnConditionCheckFailure::AllOld)
}

fn select_to_sdk(select: Select) -> sdk::Select {
    match select {
        Select::AllAttributes => sdk::Select::AllAttributes,
        Select::AllProjectedAttributes => sdk::Select::AllProjectedAttributes,
        Select::SpecificAttributes => sdk::Select::SpecificAttributes,
        Select::Count => sdk::Select::Count,
    }
}

/// A `u32` request parameter (`Limit`, `Segment`) into the SDK's `i32` (saturating;
/// DynamoDB then answers for the value).
fn int(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// `u64` capacity units into the SDK's `i64` (saturating; DynamoDB refuses such values).
fn units(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A count or size from a response into `u64` (absent or negative = 0).
fn count(value: Option<i64>) -> u64 {
    value.and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------
// Table requests
// ---------------------------------------------------------------------------------------

pub(crate) fn scalar_to_sdk(ty: ScalarType) -> sdk::ScalarAttributeType {
    match ty {
        ScalarType::S => sdk::ScalarAttributeType::S,
        ScalarType::N => sdk::ScalarAttributeType::N,
        ScalarType::B => sdk::ScalarAttributeType::B,
    }
}

pub(crate) fn key_schema_to_sdk(
    elements: Vec<KeySchemaElement>,
) -> Result<Vec<sdk::KeySchemaElement>> {
    elements
        .into_iter()
        .map(|element| {
            sdk::KeySchemaElement::builder()
                .attribute_name(element.attribute_name)
                .key_type(match element.key_type {
                    KeyType::Hash => sdk::KeyType::Hash,
                    KeyType::Range => sdk::KeyType::Range,
                })
                .build()
                .map_err(build_error)
        })
        .collect()
}

pub(crate) fn projection_to_sdk(projection: ProjectionSpec) -> sdk::Projection {
    match projection {
        ProjectionSpec::All => {
            sdk::Projection::builder().projection_type(sdk::ProjectionType::All).build()
        }
        ProjectionSpec::KeysOnly => {
            sdk::Projection::builder().projection_type(sdk::ProjectionType::KeysOnly).build()
        }
        ProjectionSpec::Include(names) => sdk::Projection::builder()
            .projection_type(sdk::ProjectionType::Include)
            .set_non_key_attributes(Some(names))
            .build(),
    }
}

pub(crate) fn throughput_to_sdk(read: u64, write: u64) -> Result<sdk::ProvisionedThroughput> {
    sdk::ProvisionedThroughput::builder()
        .read_capacity_units(units(read))
        .write_capacity_units(units(write))
        .build()
        .map_err(build_error)
}

/// `CreateTable`: attribute definitions, key schema, GSIs (multi-attribute keys are
/// several `HASH`/`RANGE` elements), LSIs, billing and stream.
pub(crate) fn create_table(
    builder: CreateTableFluentBuilder,
    input: CreateTableInput,
) -> Result<CreateTableFluentBuilder> {
    let definitions = input
        .attribute_definitions
        .into_iter()
        .map(|definition| {
            sdk::AttributeDefinition::builder()
                .attribute_name(definition.name)
                .attribute_type(scalar_to_sdk(definition.ty))
                .build()
                .map_err(build_error)
        })
        .collect::<Result<Vec<_>>>()?;
    let global = input
        .global_secondary_indexes
        .into_iter()
        .map(|index| {
            let throughput = index
                .provisioned_throughput
                .map(|(read, write)| throughput_to_sdk(read, write))
                .transpose()?;
            sdk::GlobalSecondaryIndex::builder()
                .index_name(index.index_name)
                .set_key_schema(Some(key_schema_to_sdk(index.key_schema)?))
                .projection(projection_to_sdk(index.projection))
                .set_provisioned_throughput(throughput)
                .build()
                .map_err(build_error)
        })
        .collect::<Result<Vec<_>>>()?;
    let local = input
        .local_secondary_indexes
        .into_iter()
        .map(|index| {
            sdk::LocalSecondaryIndex::builder()
                .index_name(index.index_name)
                .set_key_schema(Some(key_schema_to_sdk(index.key_schema)?))
                .projection(projection_to_sdk(index.projection))
                .build()
                .map_err(build_error)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut builder = builder
        .table_name(input.table_name)
        .set_attribute_definitions(Some(definitions))
        .set_key_schema(Some(key_schema_to_sdk(input.key_schema)?))
        .set_global_secondary_indexes((!global.is_empty()).then_some(global))
        .set_local_secondary_indexes((!local.is_empty()).then_some(local));
    builder = match input.billing_mode {
        BillingMode::PayPerRequest => builder.billing_mode(sdk::BillingMode::PayPerRequest),
        BillingMode::Provisioned { read, write } => builder
            .billing_mode(sdk::BillingMode::Provisioned)
            .provisioned_throughput(throughput_to_sdk(read, write)?),
    };
    if let Some(view) = input.stream {
        let stream = sdk::StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(stream_view_to_sdk(view))
            .build()
            .map_err(build_error)?;
        builder = builder.stream_specification(stream);
    }
    Ok(builder)
}

pub(crate) fn stream_view_to_sdk(view: StreamViewType) -> sdk::StreamViewType {
    match view {
        StreamViewType::KeysOnly => sdk::StreamViewType::KeysOnly,
        StreamViewType::NewImage => sdk::StreamViewType::NewImage,
        StreamViewType::OldImage => sdk::StreamViewType::OldImage,
        StreamViewType::NewAndOldImages => sdk::StreamViewType::NewAndOldImages,
    }
}

/// `ListTables`.
pub(crate) fn list_tables(
    builder: ListTablesFluentBuilder,
    input: ListTablesInput,
) -> ListTablesFluentBuilder {
    builder
        .set_exclusive_start_table_name(input.exclusive_start_table_name)
        .set_limit(input.limit.map(|limit| i32::try_from(limit).unwrap_or(i32::MAX)))
}

/// `ListTables`'s result.
pub(crate) fn list_tables_output(
    output: aws_sdk_dynamodb::operation::list_tables::ListTablesOutput,
) -> ListTablesOutput {
    ListTablesOutput {
        table_names: output.table_names.unwrap_or_default(),
        last_evaluated_table_name: output.last_evaluated_table_name,
    }
}

// ---------------------------------------------------------------------------------------
// Table descriptions
// ---------------------------------------------------------------------------------------

fn unknown(what: &str, value: &dyn std::fmt::Debug) -> Error {
    Error::Decode(DecodeError::invalid(format!(
        "DynamoDB returned {what} singletable does not know: {value:?}"
    )))
}

fn key_schema_from_sdk(
    elements: Option<Vec<sdk::KeySchemaElement>>,
) -> Result<Vec<KeySchemaElement>> {
    elements
        .unwrap_or_default()
        .into_iter()
        .map(|element| {
            let key_type = match element.key_type {
                sdk::KeyType::Hash => KeyType::Hash,
                sdk::KeyType::Range => KeyType::Range,
                other => return Err(unknown("a key type", &other)),
            };
            Ok(KeySchemaElement { attribute_name: element.attribute_name, key_type })
        })
        .collect()
}

fn projection_from_sdk(projection: Option<sdk::Projection>) -> Result<ProjectionSpec> {
    let Some(projection) = projection else { return Ok(ProjectionSpec::All) };
    Ok(match projection.projection_type {
        None | Some(sdk::ProjectionType::All) => ProjectionSpec::All,
        Some(sdk::ProjectionType::KeysOnly) => ProjectionSpec::KeysOnly,
        Some(sdk::ProjectionType::Include) => {
            ProjectionSpec::Include(projection.non_key_attributes.unwrap_or_default())
        }
        Some(other) => return Err(unknown("a projection type", &other)),
    })
}

/// `(read, write)` of a throughput description; `None` when both are 0 or absent (an
/// on-demand table or index).
fn throughput_from_sdk(
    throughput: Option<&sdk::ProvisionedThroughputDescription>,
) -> Option<(u64, u64)> {
    let throughput = throughput?;
    let read = count(throughput.read_capacity_units);
    let write = count(throughput.write_capacity_units);
    (read > 0 || write > 0).then_some((read, write))
}

fn index_status_from_sdk(status: Option<&sdk::IndexStatus>) -> TableStatus {
    match status {
        Some(sdk::IndexStatus::Active) => TableStatus::Active,
        Some(sdk::IndexStatus::Deleting) => TableStatus::Deleting,
        Some(sdk::IndexStatus::Updating) => TableStatus::Updating,
        // CREATING (backfilling), absent, and future states: not ready.
        _ => TableStatus::Creating,
    }
}

fn table_status_from_sdk(status: Option<&sdk::TableStatus>) -> TableStatus {
    match status {
        Some(sdk::TableStatus::Active) => TableStatus::Active,
        Some(sdk::TableStatus::Deleting) => TableStatus::Deleting,
        Some(sdk::TableStatus::Updating) => TableStatus::Updating,
        // Absent (never seen) counts as not ready yet.
        Some(sdk::TableStatus::Creating) | None => TableStatus::Creating,
        // ARCHIVING, ARCHIVED, INACCESSIBLE_ENCRYPTION_CREDENTIALS, REPLICATION_NOT_AUTHORIZED
        // and future states: the table exists but is not usable; never report it ACTIVE.
        Some(_) => TableStatus::Updating,
    }
}

/// `DescribeTable`'s (and `CreateTable`'s, `DeleteTable`'s) `Table`. Absent fields take
/// neutral values (no items, no indexes, epoch 0); `requested_name` stands in for an
/// absent `TableName`.
pub(crate) fn table_description(
    description: Option<sdk::TableDescription>,
    requested_name: &str,
) -> Result<TableDescription> {
    let description = description.unwrap_or_else(|| sdk::TableDescription::builder().build());
    let attribute_definitions = description
        .attribute_definitions
        .unwrap_or_default()
        .into_iter()
        .map(|definition| {
            let ty = match definition.attribute_type {
                sdk::ScalarAttributeType::S => ScalarType::S,
                sdk::ScalarAttributeType::N => ScalarType::N,
                sdk::ScalarAttributeType::B => ScalarType::B,
                other => return Err(unknown("an attribute type", &other)),
            };
            Ok(AttributeDefinition { name: definition.attribute_name, ty })
        })
        .collect::<Result<Vec<_>>>()?;
    let table_throughput = throughput_from_sdk(description.provisioned_throughput.as_ref());
    let billing_mode = match description.billing_mode_summary.and_then(|s| s.billing_mode) {
        Some(sdk::BillingMode::PayPerRequest) => BillingMode::PayPerRequest,
        Some(sdk::BillingMode::Provisioned) => {
            let (read, write) = table_throughput.unwrap_or((0, 0));
            BillingMode::Provisioned { read, write }
        }
        // No summary: tables created provisioned before on-demand existed omit it.
        _ => match table_throughput {
            Some((read, write)) => BillingMode::Provisioned { read, write },
            None => BillingMode::PayPerRequest,
        },
    };
    let stream = description
        .stream_specification
        .filter(|spec| spec.stream_enabled)
        .and_then(|spec| spec.stream_view_type)
        .map(|view| match view {
            sdk::StreamViewType::KeysOnly => Ok(StreamViewType::KeysOnly),
            sdk::StreamViewType::NewImage => Ok(StreamViewType::NewImage),
            sdk::StreamViewType::OldImage => Ok(StreamViewType::OldImage),
            sdk::StreamViewType::NewAndOldImages => Ok(StreamViewType::NewAndOldImages),
            other => Err(unknown("a stream view type", &other)),
        })
        .transpose()?;

    let mut index_statistics = Vec::new();
    let mut global_secondary_indexes = Vec::new();
    for index in description.global_secondary_indexes.unwrap_or_default() {
        let index_name = index.index_name.unwrap_or_default();
        index_statistics.push(IndexStatistics {
            index_name: index_name.clone(),
            item_count: count(index.item_count),
            index_size_bytes: count(index.index_size_bytes),
            index_status: Some(index_status_from_sdk(index.index_status.as_ref())),
        });
        global_secondary_indexes.push(SecondaryIndex {
            index_name,
            key_schema: key_schema_from_sdk(index.key_schema)?,
            projection: projection_from_sdk(index.projection)?,
            provisioned_throughput: throughput_from_sdk(index.provisioned_throughput.as_ref()),
        });
    }
    let mut local_secondary_indexes = Vec::new();
    for index in description.local_secondary_indexes.unwrap_or_default() {
        let index_name = index.index_name.unwrap_or_default();
        index_statistics.push(IndexStatistics {
            index_name: index_name.clone(),
            item_count: count(index.item_count),
            index_size_bytes: count(index.index_size_bytes),
            index_status: None,
        });
        local_secondary_indexes.push(SecondaryIndex {
            index_name,
            key_schema: key_schema_from_sdk(index.key_schema)?,
            projection: projection_from_sdk(index.projection)?,
            provisioned_throughput: None,
        });
    }

    Ok(TableDescription {
        table_name: description.table_name.unwrap_or_else(|| requested_name.to_owned()),
        table_status: table_status_from_sdk(description.table_status.as_ref()),
        attribute_definitions,
        key_schema: key_schema_from_sdk(description.key_schema)?,
        global_secondary_indexes,
        local_secondary_indexes,
        billing_mode,
        stream,
        item_count: count(description.item_count),
        table_size_bytes: count(description.table_size_bytes),
        table_arn: description.table_arn.unwrap_or_default(),
        creation_date_time: description.creation_date_time.map_or(0.0, |t| t.as_secs_f64()),
        index_statistics,
        restore_summary: description.restore_summary.map(|summary| RestoreSummary {
            source_backup_arn: summary.source_backup_arn,
            source_table_arn: summary.source_table_arn.unwrap_or_default(),
            restore_date_time: summary.restore_date_time.as_secs_f64(),
            restore_in_progress: summary.restore_in_progress,
        }),
    })
}

// ---------------------------------------------------------------------------------------
// Item requests
// ---------------------------------------------------------------------------------------

/// `GetItem`.
pub(crate) fn get_item(builder: GetItemFluentBuilder, input: GetItemInput) -> GetItemFluentBuilder {
    let mut expressions = Expressions::default();
    let projection = expressions.projection(input.projection.as_deref());
    let parts = expressions.into_parts();
    builder
        .table_name(input.table_name)
        .set_key(Some(item_to_sdk(input.key)))
        .set_consistent_read(input.consistent_read.then_some(true))
        .set_projection_expression(projection)
        .set_expression_attribute_names(parts.names)
        .set_return_consumed_capacity(return_consumed_capacity(input.return_consumed_capacity))
}

/// `GetItem`'s result.
pub(crate) fn get_item_output(
    output: aws_sdk_dynamodb::operation::get_item::GetItemOutput,
) -> Result<GetItemOutput> {
    Ok(GetItemOutput {
        item: optional_item_from_sdk(output.item)?,
        consumed_capacity: output.consumed_capacity.map(consumed_capacity),
    })
}

/// `PutItem`.
pub(crate) fn put_item(builder: PutItemFluentBuilder, input: PutItemInput) -> PutItemFluentBuilder {
    let mut expressions = Expressions::default();
    let condition = expressions.condition(input.condition.as_ref());
    let parts = expressions.into_parts();
    builder
        .table_name(input.table_name)
        .set_item(Some(item_to_sdk(input.item)))
        .set_condition_expression(condition)
        .set_expression_attribute_names(parts.names)
        .set_expression_attribute_values(parts.values)
        .set_return_values(return_values(input.return_values))
        .set_return_consumed_capacity(return_consumed_capacity(input.return_consumed_capacity))
        .set_return_values_on_condition_check_failure(return_on_condition_failure(
            input.return_old_on_condition_failure,
        ))
}

/// `DeleteItem`.
pub(crate) fn delete_item(
    builder: DeleteItemFluentBuilder,
    input: DeleteItemInput,
) -> DeleteItemFluentBuilder {
    let mut expressions = Expressions::default();
    let condition = expressions.condition(input.condition.as_ref());
    let parts = expressions.into_parts();
    builder
        .table_name(input.table_name)
        .set_key(Some(item_to_sdk(input.key)))
        .set_condition_expression(condition)
        .set_expression_attribute_names(parts.names)
        .set_expression_attribute_values(parts.values)
        .set_return_values(return_values(input.return_values))
        .set_return_consumed_capacity(return_consumed_capacity(input.return_consumed_capacity))
        .set_return_values_on_condition_check_failure(return_on_condition_failure(
            input.return_old_on_condition_failure,
        ))
}

/// The result of a single-item write (`PutItem`, `DeleteItem`, `UpdateItem`).
pub(crate) fn write_item_output(
    attributes: Option<SdkItem>,
    consumed: Option<sdk::ConsumedCapacity>,
) -> Result<WriteItemOutput> {
    Ok(WriteItemOutput {
        attributes: optional_item_from_sdk(attributes)?,
        consumed_capacity: consumed.map(consumed_capacity),
    })
}

/// `UpdateItem`.
pub(crate) fn update_item(
    builder: UpdateItemFluentBuilder,
    input: UpdateItemInput,
) -> UpdateItemFluentBuilder {
    let mut expressions = Expressions::default();
    let update = expressions.update(&input.updates);
    let condition = expressions.condition(input.condition.as_ref());
    let parts = expressions.into_parts();
    builder
        .table_name(input.table_name)
        .set_key(Some(item_to_sdk(input.key)))
        .set_update_expression(update)
        .set_condition_expression(condition)
        .set_expression_attribute_names(parts.names)
        .set_expression_attribute_values(parts.values)
        .set_return_values(return_values(input.return_values))
        .set_return_consumed_capacity(return_consumed_capacity(input.return_consumed_capacity))
        .set_return_values_on_condition_check_failure(return_on_condition_failure(
            input.return_old_on_condition_failure,
        ))
}

// ---------------------------------------------------------------------------------------
// Query and Scan
// ---------------------------------------------------------------------------------------

/// `Query`. `ScanIndexForward` is only sent when false (DynamoDB's default is true).
pub(crate) fn query(builder: QueryFluentBuilder, input: QueryInput) -> QueryFluentBuilder {
    let mut expressions = Expressions::default();
    let key_condition = expressions.key_condition(&input.key_condition);
    let filter = expressions.condition(input.filter.as_ref());
    let projection = expressions.projection(input.projection.as_deref());
    let parts = expressions.into_parts();
    builder
        .table_name(input.table_name)
        .set_index_name(input.index_name)
        .key_condition_expression(key_condition)
        .set_filter_expression(filter)
        .set_projection_expression(projection)
        .set_expression_attribute_names(parts.names)
        .set_expression_attribute_values(parts.values)
        .set_select(input.select.map(select_to_sdk))
        .set_limit(input.limit.map(int))
        .set_scan_index_forward((!input.scan_index_forward).then_some(false))
        .set_exclusive_start_key(input.exclusive_start_key.map(item_to_sdk))
        .set_consistent_read(input.consistent_read.then_some(true))
        .set_return_consumed_capacity(return_consumed_capacity(input.return_consumed_capacity))
}

/// `Scan`.
pub(crate) fn scan(builder: ScanFluentBuilder, input: ScanInput) -> ScanFluentBuilder {
    let mut expressions = Expressions::default();
    let filter = expressions.condition(input.filter.as_ref());
    let projection = expressions.projection(input.projection.as_deref());
    let parts = expressions.into_parts();
    builder
        .table_name(input.table_name)
        .set_index_name(input.index_name)
        .set_filter_expression(filter)
        .set_projection_expression(projection)
        .set_expression_attribute_names(parts.names)
        .set_expression_attribute_values(parts.values)
        .set_select(input.select.map(select_to_sdk))
        .set_limit(input.limit.map(int))
        .set_exclusive_start_key(input.exclusive_start_key.map(item_to_sdk))
        .set_consistent_read(input.consistent_read.then_some(true))
        .set_segment(input.segment.map(|(segment, _)| int(segment)))
        .set_total_segments(input.segment.map(|(_, total)| int(total)))
        .set_return_consumed_capacity(return_consumed_capacity(input.return_consumed_capacity))
}

/// The result of a `Query` or `Scan` (counts below zero, which DynamoDB never sends, are
/// read as 0).
pub(crate) fn page_output(
    items: Option<Vec<SdkItem>>,
    count: i32,
    scanned_count: i32,
    last_evaluated_key: Option<SdkItem>,
    consumed: Option<sdk::ConsumedCapacity>,
) -> Result<PageOutput> {
    Ok(PageOutput {
        items: items.unwrap_or_default().into_iter().map(item_from_sdk).collect::<Result<_>>()?,
        count: u32::try_from(count).unwrap_or(0),
        scanned_count: u32::try_from(scanned_count).unwrap_or(0),
        last_evaluated_key: optional_item_from_sdk(last_evaluated_key)?,
        consumed_capacity: consumed.map(consumed_capacity),
    })
}

// ---------------------------------------------------------------------------------------
// Capacity
// ---------------------------------------------------------------------------------------

fn capacity(capacity: sdk::Capacity) -> Capacity {
    Capacity {
        capacity_units: capacity.capacity_units.unwrap_or(0.0),
        read_capacity_units: capacity.read_capacity_units.unwrap_or(0.0),
        write_capacity_units: capacity.write_capacity_units.unwrap_or(0.0),
    }
}

fn index_capacities(indexes: Option<HashMap<String, sdk::Capacity>>) -> Vec<(String, Capacity)> {
    let mut indexes: Vec<(String, Capacity)> = indexes
        .unwrap_or_default()
        .into_iter()
        .map(|(name, figures)| (name, capacity(figures)))
        .collect();
    indexes.sort_by(|a, b| a.0.cmp(&b.0));
    indexes
}

/// `ConsumedCapacity`; per-index figures sorted by index name.
pub(crate) fn consumed_capacity(consumed: sdk::ConsumedCapacity) -> ConsumedCapacity {
    ConsumedCapacity {
        table_name: consumed.table_name.unwrap_or_default(),
        capacity_units: consumed.capacity_units.unwrap_or(0.0),
        read_capacity_units: consumed.read_capacity_units.unwrap_or(0.0),
        write_capacity_units: consumed.write_capacity_units.unwrap_or(0.0),
        table: consumed.table.map(capacity),
        global_secondary_indexes: index_capacities(consumed.global_secondary_indexes),
        local_secondary_indexes: index_capacities(consumed.local_secondary_indexes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        Number::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn every_value_type_round_trips() {
        let value = AttributeValue::M(Item::from([
            ("s".to_owned(), AttributeValue::S("x".into())),
            ("n".to_owned(), AttributeValue::N(n("12345678901234567890123456789012345678"))),
            ("b".to_owned(), AttributeValue::B(vec![0, 255])),
            ("t".to_owned(), AttributeValue::Bool(true)),
            ("z".to_owned(), AttributeValue::Null),
            ("l".to_owned(), AttributeValue::L(vec![AttributeValue::S(String::new())])),
            ("ss".to_owned(), AttributeValue::Ss(vec!["a".into(), "b".into()])),
            ("ns".to_owned(), AttributeValue::Ns(vec![n("1"), n("-0.5")])),
            ("bs".to_owned(), AttributeValue::Bs(vec![vec![1], vec![]])),
        ]));
        let sdk_value = value_to_sdk(value.clone());
        assert_eq!(value_from_sdk(sdk_value), Ok(value));
    }

    #[test]
    fn an_invalid_number_from_the_service_is_an_error_with_its_path() {
        let item = SdkItem::from([(
            "a".to_owned(),
            sdk::AttributeValue::L(vec![sdk::AttributeValue::M(SdkItem::from([(
                "b".to_owned(),
                sdk::AttributeValue::Ns(vec!["1".into(), "nope".into()]),
            )]))]),
        )]);
        let Err(Error::Decode(error)) = item_from_sdk(item) else {
            panic!("expected a decode error")
        };
        assert_eq!(error.path.to_string(), "a[0].b[1]");
        assert!(error.to_string().contains("\"nope\""), "{error}");
    }

    #[test]
    fn empty_placeholder_maps_are_left_out() {
        let parts = Expressions::default().into_parts();
        assert!(parts.names.is_none() && parts.values.is_none());
        let mut expressions = Expressions::default();
        let projection = expressions.projection(Some(&[Path::attribute("data")]));
        assert_eq!(projection.as_deref(), Some("#n0"));
        let parts = expressions.into_parts();
        assert_eq!(parts.names.map(|n| n.len()), Some(1));
        assert!(parts.values.is_none());
    }

    #[test]
    fn requests_share_one_placeholder_set() {
        let client = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::Config::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .build(),
        );
        let input = QueryInput {
            table_name: "T".to_owned(),
            key_condition: KeyCondition {
                partition: vec![("pk".to_owned(), AttributeValue::S("p".into()))],
                sort: vec![],
            },
            filter: Some(Condition::AttributeExists(Path::attribute("pk").key("x"))),
            projection: Some(vec![Path::attribute("pk"), Path::attribute("data")]),
            limit: Some(u32::MAX),
            scan_index_forward: false,
            ..QueryInput::default()
        };
        let request = query(client.query(), input);
        let built = request.as_input();
        assert_eq!(built.get_key_condition_expression().as_deref(), Some("#n0 = :v0"));
        assert_eq!(built.get_filter_expression().as_deref(), Some("attribute_exists(#n0.#n1)"));
        assert_eq!(built.get_projection_expression().as_deref(), Some("#n0, #n2"));
        assert_eq!(built.get_expression_attribute_names().as_ref().map(HashMap::len), Some(3));
        assert_eq!(*built.get_limit(), Some(i32::MAX));
        assert_eq!(*built.get_scan_index_forward(), Some(false));
        assert_eq!(*built.get_consistent_read(), None);

        let scanned = scan(
            client.scan(),
            ScanInput { table_name: "T".to_owned(), segment: Some((1, 4)), ..ScanInput::default() },
        );
        let built = scanned.as_input();
        assert_eq!((*built.get_segment(), *built.get_total_segments()), (Some(1), Some(4)));
        assert!(built.get_expression_attribute_names().is_none());

        let updated = update_item(
            client.update_item(),
            UpdateItemInput { table_name: "T".to_owned(), ..UpdateItemInput::default() },
        );
        assert!(updated.as_input().get_update_expression().is_none(), "no actions, no expression");
    }

    #[test]
    fn pages_come_back_decoded() {
        let item = SdkItem::from([("pk".to_owned(), sdk::AttributeValue::S("p".into()))]);
        let page = page_output(Some(vec![item.clone()]), 1, 3, Some(item), None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((page.count, page.scanned_count, page.items.len()), (1, 3, 1));
        assert!(page.last_evaluated_key.is_some());
        let empty = page_output(None, -1, 0, None, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((empty.count, empty.items.len(), empty.last_evaluated_key), (0, 0, None));
    }

    #[test]
    fn an_empty_description_has_neutral_values() {
        let description = table_description(None, "T").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(description.table_name, "T");
        assert_eq!(description.table_status, TableStatus::Creating);
        assert_eq!(description.billing_mode, BillingMode::PayPerRequest);
        assert_eq!((description.item_count, description.creation_date_time), (0, 0.0));
    }
}
