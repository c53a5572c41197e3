//! `UpdateTable` through the SDK: [`UpdateTableInput`] → the fluent builder.

use aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder;
use aws_sdk_dynamodb::types as sdk;

use super::convert::{
    key_schema_to_sdk, projection_to_sdk, scalar_to_sdk, stream_view_to_sdk, throughput_to_sdk,
};
use super::error::build_error;
use singletable_core::backend::{GlobalSecondaryIndexUpdate, UpdateTableInput};
use singletable_core::error::Result;
use singletable_core::schema::BillingMode;

fn index_update(update: GlobalSecondaryIndexUpdate) -> Result<sdk::GlobalSecondaryIndexUpdate> {
    let update = match update {
        GlobalSecondaryIndexUpdate::Create(index) => {
            let throughput = index
                .provisioned_throughput
                .map(|(read, write)| throughput_to_sdk(read, write))
                .transpose()?;
            let create = sdk::CreateGlobalSecondaryIndexAction::builder()
                .index_name(index.index_name)
                .set_key_schema(Some(key_schema_to_sdk(index.key_schema)?))
                .projection(projection_to_sdk(index.projection))
                .set_provisioned_throughput(throughput)
                .build()
                .map_err(build_error)?;
            sdk::GlobalSecondaryIndexUpdate::builder().create(create).build()
        }
        GlobalSecondaryIndexUpdate::Update { index_name, provisioned_throughput } => {
            let throughput = provisioned_throughput
                .map(|(read, write)| throughput_to_sdk(read, write))
                .transpose()?;
            let update = sdk::UpdateGlobalSecondaryIndexAction::builder()
                .index_name(index_name)
                .set_provisioned_throughput(throughput)
                .build()
                .map_err(build_error)?;
            sdk::GlobalSecondaryIndexUpdate::builder().update(update).build()
        }
        GlobalSecondaryIndexUpdate::Delete { index_name } => {
            let delete = sdk::DeleteGlobalSecondaryIndexAction::builder()
                .index_name(index_name)
                .build()
                .map_err(build_error)?;
            sdk::GlobalSecondaryIndexUpdate::builder().delete(delete).build()
        }
    };
    Ok(update)
}

/// `UpdateTable`: attribute definitions of a new index, GSI creates/updates/deletes,
/// billing and stream.
pub(crate) fn update_table(
    builder: UpdateTableFluentBuilder,
    input: UpdateTableInput,
) -> Result<UpdateTableFluentBuilder> {
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
    let updates = input
        .global_secondary_index_updates
        .into_iter()
        .map(index_update)
        .collect::<Result<Vec<_>>>()?;
    let mut builder = builder
        .table_name(input.table_name)
        .set_attribute_definitions((!definitions.is_empty()).then_some(definitions))
        .set_global_secondary_index_updates((!updates.is_empty()).then_some(updates));
    builder = match input.billing_mode {
        None => builder,
        Some(BillingMode::PayPerRequest) => builder.billing_mode(sdk::BillingMode::PayPerRequest),
        Some(BillingMode::Provisioned { read, write }) => builder
            .billing_mode(sdk::BillingMode::Provisioned)
            .provisioned_throughput(throughput_to_sdk(read, write)?),
    };
    if let Some(stream) = input.stream_specification {
        let stream = sdk::StreamSpecification::builder()
            .stream_enabled(stream.stream_enabled)
            .set_stream_view_type(stream.stream_view_type.map(stream_view_to_sdk))
            .build()
            .map_err(build_error)?;
        builder = builder.stream_specification(stream);
    }
    Ok(builder)
}
