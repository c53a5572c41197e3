//! Typed errors. Every error names what was wrong: the entity, the attribute path, the
//! DynamoDB error kind. Data read from a database never causes a panic: it becomes a
//! [`DecodeError`].

use std::borrow::Cow;
use std::fmt;

use crate::value::{AttributeType, Item};

/// One step of the path to the value an error is about: `Order.lines[2].price`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A struct field, map key or entity name.
    Field(Cow<'static, str>),
    /// A list element.
    Index(usize),
}

/// A path inside an item, built from the leaf outwards as an error travels up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorPath {
    // Stored leaf first: pushing is cheap while an error bubbles up.
    reversed: Vec<PathSegment>,
}

impl ErrorPath {
    /// Adds a parent step in front of the path.
    pub fn push_parent(&mut self, segment: PathSegment) {
        self.reversed.push(segment);
    }

    /// The steps from the outermost (the entity) to the leaf.
    pub fn segments(&self) -> impl Iterator<Item = &PathSegment> {
        self.reversed.iter().rev()
    }

    /// True when the path has no steps.
    pub fn is_empty(&self) -> bool {
        self.reversed.is_empty()
    }
}

impl fmt::Display for ErrorPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments().enumerate() {
            match segment {
                PathSegment::Field(name) if i == 0 => f.write_str(name)?,
                PathSegment::Field(name) => write!(f, ".{name}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// What went wrong while turning a Rust value into an attribute value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeErrorKind {
    /// A number DynamoDB cannot store exactly (over 38 significant digits, out of range,
    /// NaN or infinite).
    #[error("{0}")]
    Number(#[from] crate::number::NumberError),
    /// A key attribute would be empty; DynamoDB refuses empty key values.
    #[error("a key attribute value cannot be empty")]
    EmptyKey,
    /// A key attribute value is longer than DynamoDB allows (2048 bytes for a partition
    /// key, 1024 for a sort key).
    #[error("key attribute value is {len} bytes, over DynamoDB's limit of {max} bytes")]
    KeyTooLong {
        /// The encoded length in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// A set value with no members where it cannot be left out (inside a list).
    #[error("an empty set cannot be stored (DynamoDB refuses empty sets)")]
    EmptySet,
    /// A value rejected by its type's own rules (serde, a custom codec).
    #[error("{0}")]
    Invalid(String),
}

/// A Rust value that cannot be stored in DynamoDB, with the path to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError {
    /// Where the value sits, from the entity down.
    pub path: ErrorPath,
    /// What was wrong.
    pub kind: EncodeErrorKind,
}

impl EncodeError {
    /// An error at the current (leaf) position.
    pub fn new(kind: impl Into<EncodeErrorKind>) -> Self {
        EncodeError { path: ErrorPath::default(), kind: kind.into() }
    }

    /// Adds a field (or entity) name in front of the path.
    #[must_use]
    pub fn at_field(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.path.push_parent(PathSegment::Field(name.into()));
        self
    }

    /// Adds a list index in front of the path.
    #[must_use]
    pub fn at_index(mut self, index: usize) -> Self {
        self.path.push_parent(PathSegment::Index(index));
        self
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.path, self.kind)
        }
    }
}

impl std::error::Error for EncodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}

/// What went wrong while turning an attribute value into a Rust value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// A required attribute is absent.
    #[error("missing attribute")]
    Missing,
    /// The attribute has another DynamoDB type than the Rust type needs.
    #[error("expected {expected}, found {found}")]
    TypeMismatch {
        /// What the Rust type decodes from (`N`, `S`, `M`, …).
        expected: &'static str,
        /// The type that was stored.
        found: AttributeType,
    },
    /// A number that does not fit the Rust type (`300` into a `u8`, `1.5` into an `i64`).
    #[error("number {value} does not fit in {target}")]
    NumberOutOfRange {
        /// The stored number.
        value: String,
        /// The Rust type.
        target: &'static str,
    },
    /// An enum tag or unit-enum string that names no variant.
    #[error("unknown variant `{found}`, expected one of {expected}")]
    UnknownVariant {
        /// The stored tag.
        found: String,
        /// The variants, comma-separated.
        expected: &'static str,
    },
    /// The item's entity-type attribute names another entity.
    #[error("item has entity type `{found}`, expected `{expected}`")]
    WrongEntityType {
        /// The stored entity type, or `(none)`.
        found: String,
        /// The entity being decoded.
        expected: &'static str,
    },
    /// A stored value its type's rules refuse (a bad timestamp, uuid, key string …).
    #[error("{0}")]
    Invalid(String),
    /// A field held in key templates whose attribute is absent and which no key attribute
    /// holds either (see the runtime's `adopt` module).
    #[error("missing attribute, and not in {keys}")]
    MissingFromKeys {
        /// The keys tried, each with its template and why it did not give the value:
        /// ``PK (`c#{c_id}`: absent) or GSI1-SK (`{date}`: …)``.
        keys: String,
    },
}

/// A stored value that cannot become the Rust type asked for, with the full path:
/// `Order.lines[2].price: expected N, found S`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Where the value sits, from the entity down.
    pub path: ErrorPath,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// An error at the current (leaf) position.
    pub fn new(kind: DecodeErrorKind) -> Self {
        DecodeError { path: ErrorPath::default(), kind }
    }

    /// A required attribute is absent.
    pub fn missing() -> Self {
        Self::new(DecodeErrorKind::Missing)
    }

    /// The stored value has type `found`; the Rust type decodes from `expected`.
    pub fn type_mismatch(expected: &'static str, found: AttributeType) -> Self {
        Self::new(DecodeErrorKind::TypeMismatch { expected, found })
    }

    /// A stored value refused by its type's rules.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(DecodeErrorKind::Invalid(message.into()))
    }

    /// Adds a field (or entity) name in front of the path.
    #[must_use]
    pub fn at_field(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.path.push_parent(PathSegment::Field(name.into()));
        self
    }

    /// Adds a list index in front of the path.
    #[must_use]
    pub fn at_index(mut self, index: usize) -> Self {
        self.path.push_parent(PathSegment::Index(index));
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.path, self.kind)
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}

/// The error of every singletable operation.
///
/// Service-side variants mirror DynamoDB's exceptions (their names are given by
/// [`Error::dynamodb_type`]), so the embedded engine and a real DynamoDB fail alike.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value could not be encoded; nothing was sent.
    #[error("cannot encode {0}")]
    Encode(#[from] EncodeError),
    /// A stored item could not be decoded.
    #[error("cannot decode {0}")]
    Decode(#[from] DecodeError),
    /// DynamoDB's `ValidationException`: the request breaks a rule of the API.
    #[error("ValidationException: {message}")]
    Validation {
        /// DynamoDB's message.
        message: String,
        /// The backend's original error (the AWS SDK's, with its request id), when the
        /// error came from a backend that has one; `None` from the embedded engine.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// DynamoDB's `ResourceNotFoundException`: no such table or index.
    #[error("ResourceNotFoundException: {message}")]
    ResourceNotFound {
        /// DynamoDB's message.
        message: String,
        /// The backend's original error (the AWS SDK's, with its request id), when the
        /// error came from a backend that has one; `None` from the embedded engine.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// DynamoDB's `ResourceInUseException`: e.g. creating a table that exists.
    #[error("ResourceInUseException: {message}")]
    ResourceInUse {
        /// DynamoDB's message.
        message: String,
        /// The backend's original error (the AWS SDK's, with its request id), when the
        /// error came from a backend that has one; `None` from the embedded engine.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// DynamoDB's `ConditionalCheckFailedException`: a write's condition was false.
    /// `item` holds the item as it was when `ReturnValuesOnConditionCheckFailure=ALL_OLD`
    /// asked for it and the item existed.
    #[error("ConditionalCheckFailedException: The conditional request failed")]
    ConditionalCheckFailed {
        /// The item as it was, when asked for.
        item: Option<Box<Item>>,
        /// The backend's original error (the AWS SDK's, with its request id), when the
        /// error came from a backend that has one; `None` from the embedded engine.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// DynamoDB's `TransactionCanceledException`: no action of the transaction was
    /// applied. `reasons` has one entry per action, in request order.
    #[error("TransactionCanceledException: Transaction cancelled, please refer cancellation reasons for specific reasons [{}]", reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>().join(", "))]
    TransactionCanceled {
        /// One reason per action (`None` for actions that would have succeeded).
        reasons: Vec<CancellationReason>,
        /// The backend's original error (the AWS SDK's, with its request id), when the
        /// error came from a backend that has one; `None` from the embedded engine.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A pagination cursor that does not belong to the query it was given to, or that
    /// was altered; nothing was sent.
    #[error("invalid cursor: {reason}")]
    InvalidCursor {
        /// What was wrong with it.
        reason: String,
    },
    /// A request that breaks one of DynamoDB's limits (actions per transaction, item
    /// size, request size, the same item twice), refused on the client: nothing was sent.
    #[error("{0}")]
    Limit(#[from] crate::limits::LimitError),
    /// A batch that could not write (or read) everything within its
    /// `RetryPolicy` (the runtime's `retry` module): the error names exactly what was not
    /// written or read; everything else was.
    #[error("{0}")]
    BatchIncomplete(Box<Unprocessed>),
    /// Any other error a backend reports, by DynamoDB's exception name.
    #[error("{code}: {message}")]
    Service {
        /// DynamoDB's exception name (`ThrottlingException`, …).
        code: String,
        /// The message.
        message: String,
        /// The backend's own error, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// Optimistic locking: the item's `#[entity(version)]` was not the one the write
    /// expected (another writer got there first, or the item was created or deleted
    /// meanwhile). Re-read the item and try again.
    #[error("version conflict on {entity}: expected {}, found {}", fmt_version(*expected), fmt_version(*actual))]
    VersionConflict {
        /// The entity written.
        entity: &'static str,
        /// The version the write expected: `None` when it was creating the item.
        expected: Option<u64>,
        /// The stored version, when the service returned the item (`None`: no item, or
        /// not known).
        actual: Option<u64>,
        /// The item as it was when the check failed, when the service returned it
        /// (`ReturnValuesOnConditionCheckFailure=ALL_OLD`, which every version-checked
        /// write asks for) or the write read it first; `None` when there was no item or it
        /// is not known.
        current: Option<Box<Item>>,
    },
    /// A write that would give two items of `entity` the same value of a
    /// `#[entity(unique)]` field.
    #[error("unique conflict on {entity}: another item has the same `{attribute}`")]
    UniqueConflict {
        /// The entity written.
        entity: &'static str,
        /// The unique attribute.
        attribute: &'static str,
    },
    /// A validation hook (`#[entity(validate = "…")]`) refused a value; nothing was sent.
    #[error("invalid {entity}{}: {message}", field.map(|f| format!(".{f}")).unwrap_or_default())]
    Invalid {
        /// The entity written.
        entity: &'static str,
        /// The field whose validator failed; `None` for the entity's own validator.
        field: Option<&'static str>,
        /// The validator's message.
        message: String,
    },
    /// A versioned entity (`#[entity(version)]`) put through a batch write, which cannot
    /// carry the version condition; opt out with
    /// `BatchWrite::unversioned` (the runtime's batch writes). Nothing was sent.
    #[error("{entity} is versioned: a batch write cannot check its version (use a transaction, or opt out with `unversioned()`)")]
    VersionedBatchWrite {
        /// The entity.
        entity: &'static str,
    },
}

fn fmt_version(version: Option<u64>) -> String {
    match version {
        Some(v) => format!("version {v}"),
        None => "no item".to_owned(),
    }
}

impl Error {
    /// A `ValidationException` with DynamoDB's message.
    pub fn validation(message: impl Into<String>) -> Self {
        Error::Validation { message: message.into(), source: None }
    }

    /// A `ResourceNotFoundException` with DynamoDB's message.
    pub fn resource_not_found(message: impl Into<String>) -> Self {
        Error::ResourceNotFound { message: message.into(), source: None }
    }

    /// DynamoDB's exception name for service-side errors (`ValidationException`, …);
    /// `None` for errors raised on the client (encode, decode).
    pub fn dynamodb_type(&self) -> Option<&str> {
        match self {
            Error::Encode(_)
            | Error::Decode(_)
            | Error::InvalidCursor { .. }
            | Error::Limit(_)
            | Error::BatchIncomplete(_)
            | Error::UniqueConflict { .. }
            | Error::Invalid { .. }
            | Error::VersionedBatchWrite { .. } => None,
            Error::VersionConflict { .. } => Some("ConditionalCheckFailedException"),
            Error::Validation { .. } => Some("ValidationException"),
            Error::ResourceNotFound { .. } => Some("ResourceNotFoundException"),
            Error::ResourceInUse { .. } => Some("ResourceInUseException"),
            Error::ConditionalCheckFailed { .. } => Some("ConditionalCheckFailedException"),
            Error::TransactionCanceled { .. } => Some("TransactionCanceledException"),
            Error::Service { code, .. } => Some(code),
        }
    }
}

impl Error {
    /// A throttling error as DynamoDB answers it: the exception `code`
    /// (`ProvisionedThroughputExceededException`, `ThrottlingException`,
    /// `RequestLimitExceeded`), its `message`, and the `ThrottlingReasons` DynamoDB added
    /// to throttling exceptions in 2025 (carried as the error's source, a [`Throttled`]).
    pub fn throttled(
        code: impl Into<String>,
        message: impl Into<String>,
        reasons: Vec<ThrottlingReason>,
    ) -> Self {
        Error::Service {
            code: code.into(),
            message: message.into(),
            source: Some(Box::new(Throttled { reasons })),
        }
    }

    /// The `ThrottlingReasons` of a throttling error made by [`Error::throttled`] (empty
    /// for any other error).
    pub fn throttling_reasons(&self) -> &[ThrottlingReason] {
        match self {
            Error::Service { source: Some(source), .. } => source
                .downcast_ref::<Throttled>()
                .map_or(&[][..], |throttled| throttled.reasons.as_slice()),
            _ => &[],
        }
    }
}

/// One of DynamoDB's `ThrottlingReasons`: why a request was throttled and which table or
/// index was (API reference, `ThrottlingReason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottlingReason {
    /// `<Table|Index><Read|Write><LimitType>`, e.g.
    /// `TableWriteKeyRangeThroughputExceeded`, `IndexWriteProvisionedThroughputExceeded`.
    pub reason: String,
    /// The ARN of the table or index (`<table ARN>/index/<name>`).
    pub resource: String,
}

/// The source of a throttling error made by [`Error::throttled`]: its reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttled {
    /// The reasons, most specific first.
    pub reasons: Vec<ThrottlingReason>,
}

impl fmt::Display for Throttled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("throttled:")?;
        for reason in &self.reasons {
            write!(f, " {} on {}", reason.reason, reason.resource)?;
        }
        Ok(())
    }
}

impl std::error::Error for Throttled {}

/// Why one action of a cancelled transaction failed (DynamoDB's `CancellationReason`).
#[derive(Debug, Clone, PartialEq)]
pub struct CancellationReason {
    /// `None`, `ConditionalCheckFailed`, `TransactionConflict`, `ValidationError`,
    /// `ItemCollectionSizeLimitExceeded`, `ProvisionedThroughputExceeded`, `ThrottlingError`.
    pub code: String,
    /// DynamoDB's message, when there is one.
    pub message: Option<String>,
    /// The item as it was, for a failed condition with
    /// `ReturnValuesOnConditionCheckFailure=ALL_OLD`.
    pub item: Option<Item>,
}

/// One write of a batch that did not happen.
#[derive(Debug, Clone, PartialEq)]
pub struct UnprocessedWrite {
    /// The table.
    pub table_name: String,
    /// The entity's Rust name.
    pub entity: &'static str,
    /// The item's key attributes.
    pub key: Item,
    /// The put or delete request, as it would be sent.
    pub request: crate::backend::WriteRequest,
}

/// One read of a batch that did not happen.
#[derive(Debug, Clone, PartialEq)]
pub struct UnprocessedKey {
    /// The table.
    pub table_name: String,
    /// The entity's Rust name.
    pub entity: &'static str,
    /// The key attributes.
    pub key: Item,
}

/// What a batch could not do: carried by [`Error::BatchIncomplete`].
#[derive(Debug)]
pub struct Unprocessed {
    /// Writes not applied (everything else was).
    pub writes: Vec<UnprocessedWrite>,
    /// Keys not read.
    pub keys: Vec<UnprocessedKey>,
    /// The last error met, when the batch stopped on one (a non-retryable error, or a
    /// throttling error on the last attempt).
    pub source: Option<Error>,
}

impl Unprocessed {
    /// The key attributes of the unwritten items and unread keys of `entity` (its Rust
    /// name) in `table`: the typed client decodes them into the entity's key fields.
    pub fn keys_in<'a>(
        &'a self,
        table: &'a str,
        entity: &'a str,
    ) -> impl Iterator<Item = &'a Item> {
        let writes = self.writes.iter().map(|w| (&w.table_name, w.entity, &w.key));
        let reads = self.keys.iter().map(|k| (&k.table_name, k.entity, &k.key));
        writes
            .chain(reads)
            .filter(move |(t, e, _)| t.as_str() == table && *e == entity)
            .map(|(_, _, key)| key)
    }
}

impl fmt::Display for Unprocessed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "batch incomplete: {} writes and {} reads not done after retries",
            self.writes.len(),
            self.keys.len()
        )?;
        if let Some(source) = &self.source {
            write!(f, " (last error: {source})")?;
        }
        Ok(())
    }
}

/// The result of every singletable operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
