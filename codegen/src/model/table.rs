//! A table: its name, keys, secondary indexes, TTL, stream and billing.

use crate::span::{SourceSpan, Spanned};

/// The scalar type of a key attribute (`"UserID:N"` in an attribute spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarType {
    /// String (the default).
    S,
    /// Number.
    N,
    /// Binary.
    B,
}

impl ScalarType {
    /// `S`, `N` or `B`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }

    /// Parses a type suffix: `S`, `N` or `B`.
    pub fn parse(suffix: &str) -> Option<Self> {
        match suffix {
            "S" => Some(ScalarType::S),
            "N" => Some(ScalarType::N),
            "B" => Some(ScalarType::B),
            _ => None,
        }
    }
}

/// One key attribute of a table or index.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAttributeModel {
    /// The attribute name (`PK`, `GSI1SK`, `tenant_id`).
    pub name: Spanned<String>,
    /// Its type.
    pub ty: ScalarType,
}

impl KeyAttributeModel {
    /// Parses `"name"` or `"name:T"` (`T` one of `S`, `N`, `B`).
    pub fn parse(spec: &str, span: SourceSpan) -> Result<Self, String> {
        let (name, ty) = match spec.rsplit_once(':') {
            Some((name, suffix)) => match ScalarType::parse(suffix) {
                Some(ty) => (name, ty),
                None => {
                    return Err(format!(
                        "unknown key type `{suffix}` in `{spec}`: write `{name}:S`, `{name}:N` or \
                         `{name}:B` (S, the default, may be left out)"
                    ))
                }
            },
            None => (spec, ScalarType::S),
        };
        if name.is_empty() {
            return Err("a key attribute name cannot be empty".to_owned());
        }
        if name.len() > 255 {
            return Err(format!(
                "key attribute name `{name}` is {} bytes; DynamoDB allows at most 255",
                name.len()
            ));
        }
        Ok(KeyAttributeModel { name: Spanned::new(name.to_owned(), span), ty })
    }
}

/// Global or local secondary index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// A GSI: its own partition key (1–4 attributes) and sort key (0–4).
    Global,
    /// An LSI: the table's partition key and one sort attribute of its own.
    Local,
}

/// Which attributes an index copies from the table.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectionModel {
    /// Every attribute (the default).
    All,
    /// Only the table's and the index's key attributes.
    KeysOnly,
    /// The keys plus these attributes.
    Include(Vec<Spanned<String>>),
}

/// Read and write capacity units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throughput {
    /// Read capacity units.
    pub read: u64,
    /// Write capacity units.
    pub write: u64,
}

/// A secondary index. Keys are lists: a synthetic `GSI1PK` is a one-element list, a
/// native multi-attribute key a longer one.
#[derive(Debug, Clone)]
pub struct IndexModel {
    /// The index name.
    pub name: Spanned<String>,
    /// Global or local.
    pub kind: IndexKind,
    /// Partition key attributes in key-schema order (an LSI repeats the table's).
    pub partition_key: Vec<KeyAttributeModel>,
    /// Sort key attributes in key-schema order.
    pub sort_key: Vec<KeyAttributeModel>,
    /// What the index projects.
    pub projection: ProjectionModel,
    /// Provisioned throughput of a GSI on a provisioned table.
    pub throughput: Option<Throughput>,
    /// The whole `gsi(…)` / `lsi(…)` declaration.
    pub span: SourceSpan,
}

/// What a table's stream records carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamView {
    /// `keys_only`.
    KeysOnly,
    /// `new_image`.
    NewImage,
    /// `old_image`.
    OldImage,
    /// `new_and_old_images`.
    NewAndOldImages,
}

impl StreamView {
    /// Parses the model's spelling (`new_and_old_images`, …).
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "keys_only" => Some(StreamView::KeysOnly),
            "new_image" => Some(StreamView::NewImage),
            "old_image" => Some(StreamView::OldImage),
            "new_and_old_images" => Some(StreamView::NewAndOldImages),
            _ => None,
        }
    }
}

/// How a table is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillingModel {
    /// On-demand (the default).
    OnDemand,
    /// Provisioned capacity.
    Provisioned(Throughput),
}

/// A DynamoDB table of the model.
#[derive(Debug, Clone)]
pub struct TableModel {
    /// The Rust type that stands for the table.
    pub rust_name: syn::Ident,
    /// The DynamoDB table name.
    pub name: Spanned<String>,
    /// The partition key attribute.
    pub partition_key: KeyAttributeModel,
    /// The sort key attribute, if any.
    pub sort_key: Option<KeyAttributeModel>,
    /// GSIs and LSIs, in declaration order.
    pub indexes: Vec<IndexModel>,
    /// The TTL attribute.
    pub ttl_attribute: Option<Spanned<String>>,
    /// The stream, if enabled.
    pub stream: Option<StreamView>,
    /// Billing.
    pub billing: BillingModel,
    /// The attribute naming each item's entity type (default `_type`).
    pub entity_type_attribute: Spanned<String>,
    /// The path of the facade crate in generated code.
    pub crate_path: syn::Path,
}

impl TableModel {
    /// The index named `name`.
    pub fn index(&self, name: &str) -> Option<&IndexModel> {
        self.indexes.iter().find(|index| index.name.value == name)
    }

    /// The throughput `index` is created with: a GSI of a provisioned table needs one, the
    /// table's unless it sets its own; LSIs share the table's capacity (none of their own).
    /// The one rule for the generated `TableSchema` and `singletable export`.
    pub fn index_throughput(&self, index: &IndexModel) -> Option<Throughput> {
        match (index.kind, self.billing) {
            (IndexKind::Global, BillingModel::Provisioned(table)) => {
                Some(index.throughput.unwrap_or(table))
            }
            (IndexKind::Global, BillingModel::OnDemand) => index.throughput,
            (IndexKind::Local, _) => None,
        }
    }

    /// The partition key attributes of `index` in key-schema order: an LSI's are the
    /// table's, whatever the model repeats.
    pub fn index_partition_key<'a>(&'a self, index: &'a IndexModel) -> &'a [KeyAttributeModel] {
        match index.kind {
            IndexKind::Local => std::slice::from_ref(&self.partition_key),
            IndexKind::Global => &index.partition_key,
        }
    }
}
