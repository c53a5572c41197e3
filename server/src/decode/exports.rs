//! `ExportTableToPointInTime`, `DescribeExport`, `ListExports`, `ImportTable`,
//! `DescribeImport` and `ListImports`: their members, with DynamoDB's constraint
//! messages. Whether a table, bucket or export exists is the handler's question.

use serde_json::{Map, Value};

use super::{Request, Violations};
use crate::api_error::ApiError;

/// `ExportTableToPointInTime`'s members.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRequest {
    /// `TableArn`.
    pub table_arn: String,
    /// `S3Bucket`.
    pub s3_bucket: String,
    /// `S3Prefix`.
    pub s3_prefix: Option<String>,
    /// `S3BucketOwner`.
    pub s3_bucket_owner: Option<String>,
    /// `S3SseAlgorithm`.
    pub s3_sse_algorithm: Option<String>,
    /// `S3SseKmsKeyId`.
    pub s3_sse_kms_key_id: Option<String>,
    /// `ExportFormat` (default `DYNAMODB_JSON`).
    pub export_format: String,
    /// `ExportType` as sent (AWS echoes it only when it was sent).
    pub export_type: Option<String>,
    /// `ExportTime`, epoch seconds.
    pub export_time: Option<f64>,
    /// `IncrementalExportSpecification`, as sent.
    pub incremental: Option<Value>,
    /// `ClientToken`.
    pub client_token: Option<String>,
}

impl ExportRequest {
    /// The members that make two requests with one `ClientToken` the same request.
    pub fn fingerprint(&self) -> Value {
        serde_json::json!([
            self.table_arn,
            self.s3_bucket,
            self.s3_prefix,
            self.s3_bucket_owner,
            self.s3_sse_algorithm,
            self.s3_sse_kms_key_id,
            self.export_format,
            self.export_type,
            self.export_time,
            self.incremental,
        ])
    }
}

fn optional_text(
    request: &Request<'_>,
    member: &str,
    at: &str,
    max: usize,
    violations: &mut Violations,
) -> Result<Option<String>, ApiError> {
    let text = request.str(member)?.map(str::to_owned);
    if let Some(text) = &text {
        let length = text.chars().count();
        if length == 0 || length > max {
            violations.push(
                &format!("'{text}'"),
                at,
                &format!("Member must have length between 1 and {max}"),
            );
        }
    }
    Ok(text)
}

fn enumeration(
    request: &Request<'_>,
    member: &str,
    at: &str,
    allowed: &[&str],
    violations: &mut Violations,
) -> Result<Option<String>, ApiError> {
    let value = request.str(member)?.map(str::to_owned);
    if let Some(value) = &value {
        if !allowed.contains(&value.as_str()) {
            violations.enumeration(value, at, allowed);
        }
    }
    Ok(value)
}

pub(super) fn timestamp(request: &Request<'_>, member: &str) -> Result<Option<f64>, ApiError> {
    match request.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => Ok(number.as_f64()),
        Some(_) => Err(ApiError::serialization(format!("Member {member} must be a timestamp"))),
    }
}

/// `ExportTableToPointInTime`.
pub fn export_table(request: &Request<'_>) -> Result<ExportRequest, ApiError> {
    let mut violations = Violations::default();
    let table_arn = request.required_str("TableArn", &mut violations)?;
    if request.has("TableArn") && (table_arn.is_empty() || table_arn.len() > 1024) {
        violations.push(
            &format!("'{table_arn}'"),
            "tableArn",
            "Member must have length between 1 and 1024",
        );
    }
    let s3_bucket = request.required_str("S3Bucket", &mut violations)?;
    if request.has("S3Bucket") && (s3_bucket.is_empty() || s3_bucket.len() > 255) {
        violations.push(
            &format!("'{s3_bucket}'"),
            "s3Bucket",
            "Member must have length less than or equal to 255, Member must satisfy regular \
             expression pattern: ^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$",
        );
    }
    let client_token = request.str("ClientToken")?.map(str::to_owned);
    if client_token.as_deref().is_some_and(|t| t.is_empty() || t.contains('$')) {
        violations.push(
            &format!("'{}'", client_token.as_deref().unwrap_or_default()),
            "clientToken",
            "Member must satisfy regular expression pattern: ^[^$]+$",
        );
    }
    let s3_bucket_owner =
        optional_text(request, "S3BucketOwner", "s3BucketOwner", 12, &mut violations)?;
    let s3_prefix = optional_text(request, "S3Prefix", "s3Prefix", 1024, &mut violations)?;
    let s3_sse_algorithm = enumeration(
        request,
        "S3SseAlgorithm",
        "s3SseAlgorithm",
        &["AES256", "KMS"],
        &mut violations,
    )?;
    let s3_sse_kms_key_id =
        optional_text(request, "S3SseKmsKeyId", "s3SseKmsKeyId", 2048, &mut violations)?;
    let export_format = enumeration(
        request,
        "ExportFormat",
        "exportFormat",
        &["DYNAMODB_JSON", "ION"],
        &mut violations,
    )?;
    let export_type = enumeration(
        request,
        "ExportType",
        "exportType",
        &["FULL_EXPORT", "INCREMENTAL_EXPORT"],
        &mut violations,
    )?;
    let export_time = timestamp(request, "ExportTime")?;
    let incremental = match request.get("IncrementalExportSpecification") {
        None | Some(Value::Null) => None,
        Some(spec @ Value::Object(_)) => {
            let nested = Request::new(spec)?;
            enumeration(
                &nested,
                "ExportViewType",
                "incrementalExportSpecification.exportViewType",
                &["NEW_IMAGE", "NEW_AND_OLD_IMAGES"],
                &mut violations,
            )?;
            timestamp(&nested, "ExportFromTime")?;
            timestamp(&nested, "ExportToTime")?;
            Some(spec.clone())
        }
        Some(_) => {
            return Err(ApiError::serialization(
                "Member IncrementalExportSpecification must be an object",
            ))
        }
    };
    violations.finish()?;
    Ok(ExportRequest {
        table_arn,
        s3_bucket,
        s3_prefix,
        s3_bucket_owner,
        s3_sse_algorithm,
        s3_sse_kms_key_id,
        export_format: export_format.unwrap_or_else(|| "DYNAMODB_JSON".to_owned()),
        export_type,
        export_time,
        incremental,
        client_token,
    })
}

/// `DescribeExport`: `ExportArn`.
pub fn describe_export(request: &Request<'_>) -> Result<String, ApiError> {
    let mut violations = Violations::default();
    let arn = request.required_str("ExportArn", &mut violations)?;
    violations.finish()?;
    Ok(arn)
}

/// `DescribeImport`: `ImportArn`.
pub fn describe_import(request: &Request<'_>) -> Result<String, ApiError> {
    let mut violations = Violations::default();
    let arn = request.required_str("ImportArn", &mut violations)?;
    violations.finish()?;
    Ok(arn)
}

/// `ListExports` / `ListImports`: the table filter, the page size and the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRequest {
    /// `TableArn`.
    pub table_arn: Option<String>,
    /// `MaxResults` / `PageSize` (1..=25).
    pub limit: usize,
    /// `NextToken`.
    pub next_token: Option<String>,
}

/// `ListExports` (`limit_member` `MaxResults`) or `ListImports` (`PageSize`).
pub fn list(request: &Request<'_>, limit_member: &str) -> Result<ListRequest, ApiError> {
    let mut violations = Violations::default();
    let table_arn = optional_text(request, "TableArn", "tableArn", 1024, &mut violations)?;
    let limit = request.int(limit_member)?;
    if let Some(limit) = limit {
        if !(1..=25).contains(&limit) {
            let at = if limit_member == "MaxResults" { "maxResults" } else { "pageSize" };
            let constraint = if limit < 1 {
                "Member must have value greater than or equal to 1"
            } else {
                "Member must have value less than or equal to 25"
            };
            violations.push(&format!("'{limit}'"), at, constraint);
        }
    }
    let next_token = request.str("NextToken")?.map(str::to_owned);
    violations.finish()?;
    Ok(ListRequest {
        table_arn,
        limit: limit.and_then(|l| usize::try_from(l).ok()).unwrap_or(25).clamp(1, 25),
        next_token,
    })
}

/// `ImportTable`'s members.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRequest {
    /// `ClientToken`.
    pub client_token: String,
    /// `S3BucketSource.S3Bucket`.
    pub s3_bucket: String,
    /// `S3BucketSource.S3KeyPrefix` (empty: the whole bucket).
    pub s3_key_prefix: String,
    /// `S3BucketSource` as sent.
    pub s3_bucket_source: Value,
    /// `InputFormat`.
    pub input_format: String,
    /// `InputFormatOptions` as sent.
    pub input_format_options: Option<Value>,
    /// `InputFormatOptions.Csv.Delimiter`.
    pub csv_delimiter: Option<String>,
    /// `InputFormatOptions.Csv.HeaderList`.
    pub csv_header: Option<Vec<String>>,
    /// `InputCompressionType` (default `NONE`).
    pub input_compression_type: String,
    /// `TableCreationParameters` as sent: a `CreateTable` request's members.
    pub table_creation_parameters: Map<String, Value>,
}

/// `ImportTable`.
pub fn import_table(request: &Request<'_>) -> Result<ImportRequest, ApiError> {
    let mut violations = Violations::default();
    let client_token = request.required_str("ClientToken", &mut violations)?;
    if request.has("ClientToken") && (client_token.is_empty() || client_token.contains('$')) {
        violations.push(
            &format!("'{client_token}'"),
            "clientToken",
            "Member must satisfy regular expression pattern: ^[^$]+$",
        );
    }
    let source = request.nested("S3BucketSource")?;
    let (s3_bucket, s3_key_prefix) = match &source {
        None => {
            violations.null("s3BucketSource");
            (String::new(), String::new())
        }
        Some(source) => {
            let mut inner = Violations::default();
            let bucket = source.required_str("S3Bucket", &mut inner)?;
            if source.str("S3Bucket")?.is_none() {
                violations.null("s3BucketSource.s3Bucket");
            }
            let prefix = source.str("S3KeyPrefix")?.unwrap_or_default().to_owned();
            (bucket, prefix)
        }
    };
    let input_format = request.required_str("InputFormat", &mut violations)?;
    if request.has("InputFormat")
        && !["DYNAMODB_JSON", "ION", "CSV"].contains(&input_format.as_str())
    {
        violations.enumeration(&input_format, "inputFormat", &["DYNAMODB_JSON", "ION", "CSV"]);
    }
    let compression = enumeration(
        request,
        "InputCompressionType",
        "inputCompressionType",
        &["GZIP", "ZSTD", "NONE"],
        &mut violations,
    )?;
    let mut csv_delimiter = None;
    let mut csv_header = None;
    if let Some(options) = request.nested("InputFormatOptions")? {
        if let Some(csv) = options.nested("Csv")? {
            csv_delimiter = csv.str("Delimiter")?.map(str::to_owned);
            if let Some(delimiter) = &csv_delimiter {
                if delimiter.chars().count() != 1 || !delimiter.is_ascii() {
                    violations.push(
                        &format!("'{delimiter}'"),
                        "inputFormatOptions.csv.delimiter",
                        "Member must satisfy regular expression pattern: [,;:|\\t ]",
                    );
                }
            }
            csv_header = csv.strings("HeaderList")?;
        }
    }
    let table_creation_parameters = match request.object("TableCreationParameters")? {
        Some(parameters) => parameters.clone(),
        None => {
            violations.null("tableCreationParameters");
            Map::new()
        }
    };
    violations.finish()?;
    Ok(ImportRequest {
        client_token,
        s3_bucket,
        s3_key_prefix,
        s3_bucket_source: request.get("S3BucketSource").cloned().unwrap_or(Value::Null),
        input_format,
        input_format_options: request.get("InputFormatOptions").cloned(),
        csv_delimiter,
        csv_header,
        input_compression_type: compression.unwrap_or_else(|| "NONE".to_owned()),
        table_creation_parameters,
    })
}
