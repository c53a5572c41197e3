//! Errors as DynamoDB's JSON 1.0 protocol returns them: an HTTP status and a body
//! `{"__type": "<namespace>#<Name>", "message": "…"}`, plus `Item` for a failed condition
//! and `CancellationReasons` for a cancelled transaction.

use serde_json::{Map, Value};
use singletable_core::json::item_to_json;
use singletable_core::Error;

/// The namespace of DynamoDB's own exceptions.
pub const DYNAMODB_NAMESPACE: &str = "com.amazonaws.dynamodb.v20120810";
/// The namespace real DynamoDB gives `ValidationException` (the request-validation layer).
pub const VALIDATION_NAMESPACE: &str = "com.amazon.coral.validate";
/// The namespace of protocol-level errors (serialization, authentication).
pub const SERVICE_NAMESPACE: &str = "com.amazon.coral.service";

/// One error response: what DynamoDB would answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ApiError {
    /// The HTTP status (400 for client errors, 500 for internal ones).
    pub status: u16,
    /// The namespace part of `__type`.
    pub namespace: &'static str,
    /// The exception name (`ValidationException`, …).
    pub name: String,
    /// The message.
    pub message: String,
    /// Extra members of the body (`Item`, `CancellationReasons`), boxed to keep the
    /// error small on the success path.
    pub extra: Option<Box<Map<String, Value>>>,
}

impl ApiError {
    /// A 400 error in DynamoDB's namespace.
    pub fn dynamodb(name: &str, message: impl Into<String>) -> Self {
        ApiError {
            status: 400,
            namespace: DYNAMODB_NAMESPACE,
            name: name.to_owned(),
            message: message.into(),
            extra: None,
        }
    }

    /// A `ValidationException`.
    pub fn validation(message: impl Into<String>) -> Self {
        ApiError {
            namespace: VALIDATION_NAMESPACE,
            ..Self::dynamodb("ValidationException", message)
        }
    }

    /// A `SerializationException`: the body is not the JSON the operation takes.
    pub fn serialization(message: impl Into<String>) -> Self {
        ApiError {
            namespace: SERVICE_NAMESPACE,
            ..Self::dynamodb("SerializationException", message)
        }
    }

    /// An error of the authentication layer (`UnrecognizedClientException`, …).
    pub fn auth(name: &str, message: impl Into<String>) -> Self {
        ApiError { namespace: DYNAMODB_NAMESPACE, ..Self::dynamodb(name, message) }
    }

    /// A 500 `InternalServerError`.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError { status: 500, ..Self::dynamodb("InternalServerError", message) }
    }

    /// `ResourceNotFoundException`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::dynamodb("ResourceNotFoundException", message)
    }

    /// `UnknownOperationException`: the request names no operation.
    pub fn unknown_operation() -> Self {
        Self::dynamodb("UnknownOperationException", "")
    }

    /// The same error with another HTTP status.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// The response body.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert(
            "__type".to_owned(),
            Value::String(format!("{}#{}", self.namespace, self.name)),
        );
        body.insert("message".to_owned(), Value::String(self.message.clone()));
        for (key, value) in self.extra.iter().flat_map(|extra| extra.iter()) {
            body.insert(key.clone(), value.clone());
        }
        Value::Object(body)
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        let reasons: Vec<Value> = error
            .throttling_reasons()
            .iter()
            .map(|reason| {
                let mut object = Map::new();
                object.insert("reason".to_owned(), Value::String(reason.reason.clone()));
                object.insert("resource".to_owned(), Value::String(reason.resource.clone()));
                Value::Object(object)
            })
            .collect();
        let mut api = ApiError::from_error(error);
        if !reasons.is_empty() {
            // DynamoDB's throttling exceptions carry their reasons (since 2025). The API
            // model spells the member `throttlingReasons` in `ThrottlingException` and
            // `ThrottlingReasons` in the others (botocore 1.43 and aws-sdk-dynamodb
            // parse them so).
            let member = if api.name == "ThrottlingException" {
                "throttlingReasons"
            } else {
                "ThrottlingReasons"
            };
            api.extra.get_or_insert_default().insert(member.to_owned(), Value::Array(reasons));
        }
        api
    }
}

impl ApiError {
    fn from_error(error: Error) -> Self {
        match error {
            Error::Validation { message, .. } => ApiError::validation(message),
            Error::ResourceNotFound { message, .. } => ApiError::not_found(message),
            Error::ResourceInUse { message, .. } => {
                ApiError::dynamodb("ResourceInUseException", message)
            }
            Error::ConditionalCheckFailed { item, .. } => {
                let mut error = ApiError::dynamodb(
                    "ConditionalCheckFailedException",
                    "The conditional request failed",
                );
                if let Some(item) = item {
                    error
                        .extra
                        .get_or_insert_default()
                        .insert("Item".to_owned(), item_to_json(&item));
                }
                error
            }
            Error::TransactionCanceled { reasons, .. } => {
                let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
                let mut error = ApiError::dynamodb(
                    "TransactionCanceledException",
                    format!(
                        "Transaction cancelled, please refer cancellation reasons for specific \
                         reasons [{}]",
                        codes.join(", ")
                    ),
                );
                let reasons = reasons
                    .iter()
                    .map(|reason| {
                        let mut object = Map::new();
                        object.insert("Code".to_owned(), Value::String(reason.code.clone()));
                        if let Some(message) = &reason.message {
                            object.insert("Message".to_owned(), Value::String(message.clone()));
                        }
                        if let Some(item) = &reason.item {
                            object.insert("Item".to_owned(), item_to_json(item));
                        }
                        Value::Object(object)
                    })
                    .collect();
                error
                    .extra
                    .get_or_insert_default()
                    .insert("CancellationReasons".to_owned(), Value::Array(reasons));
                error
            }
            Error::Service { code, message, .. } => {
                if code == "ValidationException" {
                    ApiError::validation(message)
                } else {
                    ApiError::dynamodb(&code, message)
                }
            }
            other => ApiError::internal(other.to_string()),
        }
    }
}

/// `{"__type": …}` for tests and logs.
pub fn type_of(body: &Value) -> Option<&str> {
    body.get("__type").and_then(Value::as_str)
}
