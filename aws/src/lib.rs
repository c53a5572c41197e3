//! [`AwsBackend`]: the [`Backend`] over Amazon DynamoDB, through `aws-sdk-dynamodb`.
//!
//! Available with the `aws` cargo feature (on by default). Any DynamoDB-compatible
//! endpoint works: DynamoDB itself over https, DynamoDB Local or `singletable serve` over
//! plain http.
//!
//! # Construction
//!
//! - [`AwsBackend::from_env`] reads the standard AWS configuration through `aws-config`:
//!   region (`AWS_REGION`, profile), credentials (environment, profiles, web identity,
//!   ECS/EC2 metadata, `credential_process`; SSO profiles need the `aws-sso` feature),
//!   and endpoint overrides (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`).
//! - [`AwsBackend::from_endpoint`] talks to a local endpoint such as DynamoDB Local with
//!   dummy static credentials, in `AWS_REGION` (or `AWS_DEFAULT_REGION`) or else
//!   `us-east-1`.
//! - [`AwsBackend::from_client`] wraps a client you configured yourself (retries,
//!   timeouts, interceptors, …).
//! - [`local_config`] is the client configuration `from_endpoint` builds (with the region
//!   and access key as arguments), to extend before [`AwsBackend::from_client`]; the
//!   project's tests and benches make their SDK clients with it.
//!
//! ```no_run
//! use singletable_aws::AwsBackend;
//! use singletable_core::backend::{Backend, ListTablesInput};
//!
//! # async fn demo() -> singletable_core::Result<()> {
//! let aws = AwsBackend::from_env().await?;
//! let local = AwsBackend::from_endpoint("http://127.0.0.1:8000");
//! let tables = local.list_tables(ListTablesInput::default()).await?;
//! println!("{:?}", tables.table_names);
//! # let _ = aws;
//! # Ok(())
//! # }
//! ```
//!
//! # The boundary
//!
//! The rest of singletable never sees an SDK type. Values, requests and responses are
//! converted here, in both directions, and only here (`convert`): numbers travel as
//! their exact decimal text, and a value coming back that singletable cannot represent
//! (a number [`Number::parse`](singletable_core::Number::parse) refuses, say) is an
//! [`Error::Decode`], never a panic. Condition, filter, projection, key-condition and
//! update ASTs are rendered here with `#nN` / `:vN` placeholders, one set per request
//! ([`Placeholders`](singletable_core::expr::render::Placeholders)); `ExpressionAttributeNames` and
//! `ExpressionAttributeValues` are only sent when not empty.
//!
//! # Errors
//!
//! DynamoDB's exceptions become the typed variants of [`Error`]:
//!
//! | DynamoDB / SDK | singletable |
//! |---|---|
//! | `ConditionalCheckFailedException` | [`Error::ConditionalCheckFailed`], `item` = the returned `Item`, decoded (with `ReturnValuesOnConditionCheckFailure=ALL_OLD`) |
//! | `TransactionCanceledException` | [`Error::TransactionCanceled`], every `CancellationReason` with its `Item` decoded |
//! | `ResourceNotFoundException` | [`Error::ResourceNotFound`] |
//! | `ResourceInUseException` | [`Error::ResourceInUse`] |
//! | `ValidationException` | [`Error::Validation`] |
//! | any other exception (`ThrottlingException`, `ProvisionedThroughputExceededException`, …) | [`Error::Service`] with DynamoDB's code and message, the SDK error as `source` |
//! | connection, TLS or credential failure | [`Error::Service`], code `TransportError`, the SDK error as `source` |
//! | timeout | [`Error::Service`], code `TimeoutError` |
//! | unreadable response | [`Error::Service`], code `ResponseError` |
//! | request that could not be built | [`Error::Service`], code `ConstructionFailure` |
//!
//! A returned `Item` that cannot be decoded (a number [`Number::parse`](singletable_core::Number::parse)
//! refuses) gives [`Error::Decode`] instead, naming the attribute.
//!
//! The SDK retries throttling and transient errors itself (its standard retry policy,
//! three attempts unless the client says otherwise) before an error reaches you.
//!
//! # Tracing
//!
//! Every request runs in a `tracing` span `dynamodb` at `DEBUG` level with the fields
//! `operation` (`PutItem`, …) and `table`.

mod convert;
mod error;
mod multi;
mod partiql;
mod update_table;

use std::future::Future;

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::Client;
use tracing::{Instrument, Span};

use singletable_core::backend::{
    Backend, BatchGetItemInput, BatchGetItemOutput, BatchWriteItemInput, BatchWriteItemOutput,
    BoxFuture, CreateTableInput, DeleteItemInput, GetItemInput, GetItemOutput, ListTablesInput,
    ListTablesOutput, PageOutput, PutItemInput, QueryInput, ScanInput, TableDescription,
    TimeToLiveDescription, TimeToLiveSpecification, TransactGetItemsInput, TransactGetItemsOutput,
    TransactWriteItemsInput, TransactWriteItemsOutput, UpdateItemInput, UpdateTableInput,
    WriteItemOutput,
};
use singletable_core::error::{Error, Result};

/// The [`Backend`] over Amazon DynamoDB (or any endpoint speaking its API), through
/// `aws-sdk-dynamodb`. See the [module docs](self) for construction and error mapping.
///
/// Cheap to clone: clones share the SDK client and its connection pool.
#[derive(Debug, Clone)]
pub struct AwsBackend {
    client: Client,
}

impl AwsBackend {
    /// A backend configured from the environment by `aws-config`
    /// (`aws_config::defaults(BehaviorVersion::latest())`): region, credentials,
    /// profiles, and the endpoint overrides `AWS_ENDPOINT_URL` /
    /// `AWS_ENDPOINT_URL_DYNAMODB`.
    ///
    /// Credentials are resolved lazily, on the first request. Fails with
    /// [`Error::Service`] (code `ConfigurationError`) when no region is configured, since
    /// no request could be signed.
    ///
    /// ```no_run
    /// # async fn demo() -> singletable_core::Result<()> {
    /// let backend = singletable_aws::AwsBackend::from_env().await?;
    /// # let _ = backend;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn from_env() -> Result<Self> {
        let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
        if config.region().is_none() {
            return Err(Error::Service {
                code: "ConfigurationError".to_owned(),
                message: "no AWS region is configured: set AWS_REGION or a profile's region"
                    .to_owned(),
                source: None,
            });
        }
        Ok(Self::from_client(Client::new(&config)))
    }

    /// A backend for a local endpoint (`http://127.0.0.1:8000` for DynamoDB Local, or
    /// `singletable serve`): dummy static credentials, the region from `AWS_REGION` or
    /// `AWS_DEFAULT_REGION`, else `us-east-1`. Nothing is contacted until the first
    /// request; an unreachable endpoint then fails with code `TransportError`.
    ///
    /// ```no_run
    /// use singletable_aws::AwsBackend;
    /// use singletable_core::backend::Backend;
    ///
    /// # async fn demo() -> singletable_core::Result<()> {
    /// let backend = AwsBackend::from_endpoint("http://127.0.0.1:8000");
    /// backend.describe_table("App".to_owned()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_endpoint(url: impl Into<String>) -> Self {
        Self::from_client(Client::from_conf(local_config(url, env_region(), "singletable").build()))
    }

    /// A backend over a client configured by the caller.
    pub fn from_client(client: Client) -> Self {
        AwsBackend { client }
    }

    /// The SDK client, for operations singletable does not wrap.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// The client configuration [`AwsBackend::from_endpoint`] uses, for any local endpoint
/// (DynamoDB Local, `singletable serve`): the latest behaviour version, `region`, and
/// static credentials whose access key and secret are both `access_key`. DynamoDB Local
/// keeps one database per access key and region, so two clients see the same tables
/// only when both agree. Add to it (retries, timeouts, …), then `build()` it for
/// [`Client::from_conf`].
///
/// ```
/// let config = singletable_aws::local_config("http://127.0.0.1:8000", "us-east-1", "test")
///     .build();
/// let client = aws_sdk_dynamodb::Client::from_conf(config);
/// # let _ = client;
/// ```
pub fn local_config(
    endpoint: impl Into<String>,
    region: impl Into<String>,
    access_key: &str,
) -> aws_sdk_dynamodb::config::Builder {
    aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.into()))
        .credentials_provider(Credentials::new(
            access_key,
            access_key,
            None,
            None,
            "singletable-static",
        ))
        .endpoint_url(endpoint)
}

/// The region of [`AwsBackend::from_endpoint`]: `AWS_REGION`, else `AWS_DEFAULT_REGION`
/// (the first that is set and not empty), else `us-east-1`.
pub fn env_region() -> String {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|region| !region.is_empty()))
        .unwrap_or_else(|| "us-east-1".to_owned())
}

/// The span of one request; `table` is left empty for `ListTables`.
fn span(operation: &'static str, table: Option<&str>) -> Span {
    match table {
        Some(table) => tracing::debug_span!("dynamodb", operation, table = %table),
        None => tracing::debug_span!("dynamodb", operation, table = tracing::field::Empty),
    }
}

/// Runs one request inside its span.
fn traced<'a, T>(
    span: Span,
    request: impl Future<Output = Result<T>> + Send + 'a,
) -> BoxFuture<'a, Result<T>> {
    Box::pin(request.instrument(span))
}

impl Backend for AwsBackend {
    fn batch_get_item(
        &self,
        input: BatchGetItemInput,
    ) -> BoxFuture<'_, Result<BatchGetItemOutput>> {
        traced(span("BatchGetItem", None), async move {
            let capacity = convert::return_consumed_capacity(input.return_consumed_capacity);
            let (items, projections) = multi::batch_get_items(input)?;
            let output = self
                .client
                .batch_get_item()
                .set_request_items(Some(items))
                .set_return_consumed_capacity(capacity)
                .send()
                .await
                .map_err(error::from_sdk)?;
            multi::batch_get_output(output, &projections)
        })
    }

    fn batch_write_item(
        &self,
        input: BatchWriteItemInput,
    ) -> BoxFuture<'_, Result<BatchWriteItemOutput>> {
        traced(span("BatchWriteItem", None), async move {
            let capacity = convert::return_consumed_capacity(input.return_consumed_capacity);
            let items = multi::batch_write_items(input)?;
            let output = self
                .client
                .batch_write_item()
                .set_request_items(Some(items))
                .set_return_consumed_capacity(capacity)
                .send()
                .await
                .map_err(error::from_sdk)?;
            multi::batch_write_output(output)
        })
    }

    fn transact_write_items(
        &self,
        input: TransactWriteItemsInput,
    ) -> BoxFuture<'_, Result<TransactWriteItemsOutput>> {
        traced(span("TransactWriteItems", None), async move {
            let TransactWriteItemsInput { items, client_request_token, return_consumed_capacity } =
                input;
            let items =
                items.into_iter().map(multi::transact_write_item).collect::<Result<Vec<_>>>()?;
            let output = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items))
                .set_client_request_token(client_request_token)
                .set_return_consumed_capacity(convert::return_consumed_capacity(
                    return_consumed_capacity,
                ))
                .send()
                .await
                .map_err(error::from_sdk)?;
            Ok(TransactWriteItemsOutput {
                consumed_capacity: multi::transaction_capacity(output.consumed_capacity),
            })
        })
    }

    fn transact_get_items(
        &self,
        input: TransactGetItemsInput,
    ) -> BoxFuture<'_, Result<TransactGetItemsOutput>> {
        traced(span("TransactGetItems", None), async move {
            let TransactGetItemsInput { items, return_consumed_capacity } = input;
            let items =
                items.into_iter().map(multi::transact_get_item).collect::<Result<Vec<_>>>()?;
            let output = self
                .client
                .transact_get_items()
                .set_transact_items(Some(items))
                .set_return_consumed_capacity(convert::return_consumed_capacity(
                    return_consumed_capacity,
                ))
                .send()
                .await
                .map_err(error::from_sdk)?;
            Ok(TransactGetItemsOutput {
                responses: multi::transact_get_responses(output.responses)?,
                consumed_capacity: multi::transaction_capacity(output.consumed_capacity),
            })
        })
    }

    fn update_time_to_live(
        &self,
        table_name: String,
        specification: TimeToLiveSpecification,
    ) -> BoxFuture<'_, Result<TimeToLiveSpecification>> {
        traced(span("UpdateTimeToLive", Some(&table_name)), async move {
            let output = self
                .client
                .update_time_to_live()
                .table_name(&table_name)
                .time_to_live_specification(multi::ttl_to_sdk(specification.clone())?)
                .send()
                .await
                .map_err(error::from_sdk)?;
            Ok(multi::ttl_from_sdk(output.time_to_live_specification, specification))
        })
    }

    fn describe_time_to_live(
        &self,
        table_name: String,
    ) -> BoxFuture<'_, Result<TimeToLiveDescription>> {
        traced(span("DescribeTimeToLive", Some(&table_name)), async move {
            let output = self
                .client
                .describe_time_to_live()
                .table_name(&table_name)
                .send()
                .await
                .map_err(error::from_sdk)?;
            multi::ttl_description(output.time_to_live_description)
        })
    }

    fn create_table(&self, input: CreateTableInput) -> BoxFuture<'_, Result<TableDescription>> {
        let name = input.table_name.clone();
        traced(span("CreateTable", Some(&name)), async move {
            let request = convert::create_table(self.client.create_table(), input)?;
            let output = request.send().await.map_err(error::from_sdk)?;
            convert::table_description(output.table_description, &name)
        })
    }

    fn update_table(&self, input: UpdateTableInput) -> BoxFuture<'_, Result<TableDescription>> {
        let name = input.table_name.clone();
        traced(span("UpdateTable", Some(&name)), async move {
            let request = update_table::update_table(self.client.update_table(), input)?;
            let output = request.send().await.map_err(error::from_sdk)?;
            convert::table_description(output.table_description, &name)
        })
    }

    fn delete_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>> {
        traced(span("DeleteTable", Some(&table_name)), async move {
            let output = self
                .client
                .delete_table()
                .table_name(&table_name)
                .send()
                .await
                .map_err(error::from_sdk)?;
            convert::table_description(output.table_description, &table_name)
        })
    }

    fn describe_table(&self, table_name: String) -> BoxFuture<'_, Result<TableDescription>> {
        traced(span("DescribeTable", Some(&table_name)), async move {
            let output = self
                .client
                .describe_table()
                .table_name(&table_name)
                .send()
                .await
                .map_err(error::from_sdk)?;
            convert::table_description(output.table, &table_name)
        })
    }

    fn list_tables(&self, input: ListTablesInput) -> BoxFuture<'_, Result<ListTablesOutput>> {
        traced(span("ListTables", None), async move {
            let request = convert::list_tables(self.client.list_tables(), input);
            let output = request.send().await.map_err(error::from_sdk)?;
            Ok(convert::list_tables_output(output))
        })
    }

    fn get_item(&self, input: GetItemInput) -> BoxFuture<'_, Result<GetItemOutput>> {
        traced(span("GetItem", Some(&input.table_name)), async move {
            let request = convert::get_item(self.client.get_item(), input);
            let output = request.send().await.map_err(error::from_sdk)?;
            convert::get_item_output(output)
        })
    }

    fn put_item(&self, input: PutItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        traced(span("PutItem", Some(&input.table_name)), async move {
            let request = convert::put_item(self.client.put_item(), input);
            let output = request.send().await.map_err(error::from_sdk)?;
            convert::write_item_output(output.attributes, output.consumed_capacity)
        })
    }

    fn delete_item(&self, input: DeleteItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        traced(span("DeleteItem", Some(&input.table_name)), async move {
            let request = convert::delete_item(self.client.delete_item(), input);
            let output = request.send().await.map_err(error::from_sdk)?;
            convert::write_item_output(output.attributes, output.consumed_capacity)
        })
    }

    fn update_item(&self, input: UpdateItemInput) -> BoxFuture<'_, Result<WriteItemOutput>> {
        traced(span("UpdateItem", Some(&input.table_name)), async move {
            let request = convert::update_item(self.client.update_item(), input);
            let output = request.send().await.map_err(error::from_sdk)?;
            convert::write_item_output(output.attributes, output.consumed_capacity)
        })
    }

    fn query(&self, input: QueryInput) -> BoxFuture<'_, Result<PageOutput>> {
        traced(span("Query", Some(&input.table_name)), async move {
            let request = convert::query(self.client.query(), input);
            let output = request.send().await.map_err(error::from_sdk)?;
            convert::page_output(
                output.items,
                output.count,
                output.scanned_count,
                output.last_evaluated_key,
                output.consumed_capacity,
            )
        })
    }

    fn scan(&self, input: ScanInput) -> BoxFuture<'_, Result<PageOutput>> {
        traced(span("Scan", Some(&input.table_name)), async move {
            let request = convert::scan(self.client.scan(), input);
            let output = request.send().await.map_err(error::from_sdk)?;
            convert::page_output(
                output.items,
                output.count,
                output.scanned_count,
                output.last_evaluated_key,
                output.consumed_capacity,
            )
        })
    }
}
