//! The runtime description of a table and its entities: what `#[derive(Table)]` and
//! `#[derive(Entity)]` (or `singletable generate`) emit as `const`s. Operations read it
//! to build requests (`create_table`, key attribute names, index names); compile-time
//! checks between an entity and its table evaluate it in `const` context.

/// The scalar types a key attribute can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
}

impl ScalarType {
    /// `S`, `N` or `B`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }
}

/// One key attribute: its name and scalar type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAttribute {
    /// The attribute name (`PK`, `GSI1SK`, `tenant_id`).
    pub name: &'static str,
    /// Its type.
    pub ty: ScalarType,
}

/// Which attributes an index copies from the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// Every attribute.
    All,
    /// Only the table's and the index's key attributes.
    KeysOnly,
    /// The keys plus these attributes.
    Include(&'static [&'static str]),
}

/// Global or local secondary index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// A GSI: its own partition key (1–4 attributes) and sort key (0–4 attributes).
    Global,
    /// An LSI: the table's partition key and its own single sort attribute.
    Local,
}

/// A secondary index. Keys are lists from day one: a synthetic `GSI1PK` string is a
/// one-element list, DynamoDB's native multi-attribute key a longer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSchema {
    /// The index name.
    pub name: &'static str,
    /// Global or local.
    pub kind: IndexKind,
    /// Partition key attributes, in key-schema order (an LSI repeats the table's).
    pub partition_key: &'static [KeyAttribute],
    /// Sort key attributes, in key-schema order (may be empty for a GSI).
    pub sort_key: &'static [KeyAttribute],
    /// What the index projects.
    pub projection: Projection,
    /// Provisioned throughput of a GSI on a provisioned table (read, write).
    pub throughput: Option<(u64, u64)>,
}

/// What a table's stream records carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamViewType {
    /// Only the key attributes.
    KeysOnly,
    /// The item after the change.
    NewImage,
    /// The item before the change.
    OldImage,
    /// Both.
    NewAndOldImages,
}

impl StreamViewType {
    /// DynamoDB's spelling (`NEW_AND_OLD_IMAGES`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            StreamViewType::KeysOnly => "KEYS_ONLY",
            StreamViewType::NewImage => "NEW_IMAGE",
            StreamViewType::OldImage => "OLD_IMAGE",
            StreamViewType::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }

    /// Reads DynamoDB's spelling; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        [
            StreamViewType::KeysOnly,
            StreamViewType::NewImage,
            StreamViewType::OldImage,
            StreamViewType::NewAndOldImages,
        ]
        .into_iter()
        .find(|view| view.as_str() == text)
    }
}

/// How a table is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillingMode {
    /// On-demand (`PAY_PER_REQUEST`).
    PayPerRequest,
    /// Provisioned read and write capacity units.
    Provisioned {
        /// Read capacity units.
        read: u64,
        /// Write capacity units.
        write: u64,
    },
}

/// A table as the model describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSchema {
    /// The DynamoDB table name.
    pub name: &'static str,
    /// The partition key attribute.
    pub partition_key: KeyAttribute,
    /// The sort key attribute, if the table has one.
    pub sort_key: Option<KeyAttribute>,
    /// GSIs and LSIs.
    pub indexes: &'static [IndexSchema],
    /// The TTL attribute (a top-level `N` of epoch seconds).
    pub ttl_attribute: Option<&'static str>,
    /// The stream, if enabled.
    pub stream: Option<StreamViewType>,
    /// Billing.
    pub billing: BillingMode,
    /// The attribute that names each item's entity type.
    pub entity_type_attribute: &'static str,
}

impl TableSchema {
    /// The index named `name`.
    pub fn index(&self, name: &str) -> Option<&IndexSchema> {
        self.indexes.iter().find(|index| index.name == name)
    }
}

/// One piece of a key template such as `"ORDER#{placed_at}#{order_id}"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplatePart {
    /// Literal text, copied as is.
    Literal(&'static str),
    /// A field's value (escaped, order-preserving), by the field's Rust name.
    Field(&'static str),
}

/// A key template: literals and `{field}` placeholders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTemplateSchema {
    /// The template as written.
    pub source: &'static str,
    /// Its parts, in order.
    pub parts: &'static [TemplatePart],
}

/// Markers that give a field behaviour on writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FieldMarkers {
    /// `#[entity(version)]`: optimistic-locking counter.
    pub version: bool,
    /// `#[entity(created_at)]`: set once, on create.
    pub created_at: bool,
    /// `#[entity(updated_at)]`: set on every write.
    pub updated_at: bool,
    /// `#[entity(ttl)]`: stored as epoch seconds in the table's TTL attribute.
    pub ttl: bool,
    /// `#[entity(unique)]`: enforced with a guard item.
    pub unique: bool,
    /// `#[entity(read_only)]`: written when the item is created, never changed by an
    /// upsert (`SET a = if_not_exists(a, :v)`) and not settable by an update.
    pub read_only: bool,
    /// `#[entity(computed = "fn", from(..))]`: derived from other fields on every write.
    pub computed: bool,
}

/// How a migration gets a field's default as stored: a function (emitted by the derive
/// for each field with a default) encoding the default through the field's codec.
/// `Ok(None)` when the default stores nothing (an `Option` defaulting to `None`).
///
/// Functions have no reliable identity (one function may have several addresses), so
/// two `FieldDefault`s always compare equal, and `Debug` prints no address: a schema's
/// equality and its `Debug` text (a migration plan's id) depend on whether a field has
/// an encoded default, never on where its function lives.
#[derive(Clone, Copy)]
pub struct FieldDefault(
    /// Encodes the default (the error names the field, as a put's would).
    pub fn() -> Result<Option<crate::value::AttributeValue>, crate::error::EncodeError>,
);

impl FieldDefault {
    /// The default as stored (`None`: the default stores no attribute).
    pub fn encode(
        &self,
    ) -> Result<Option<crate::value::AttributeValue>, crate::error::EncodeError> {
        (self.0)()
    }
}

impl PartialEq for FieldDefault {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for FieldDefault {}

impl std::fmt::Debug for FieldDefault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FieldDefault(fn)")
    }
}

/// One stored field of an entity.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FieldSchema {
    /// The Rust field name.
    pub name: &'static str,
    /// The attribute name it is stored under.
    pub attribute: &'static str,
    /// Its markers.
    pub markers: FieldMarkers,
    /// True with `#[entity(default)]`: an absent attribute decodes to the default.
    pub has_default: bool,
    /// The default as stored, for a migration to write into items that lack it
    /// (set by `#[derive(Entity)]` for each field with a default that has an attribute
    /// of its own; `None` in a model read from a schema file, which has no Rust to run).
    pub default: Option<FieldDefault>,
    /// True when the field may be absent from an item (an `Option` or a set): an
    /// upsert that creates an item need not write it.
    pub optional: bool,
    /// True for a key field of a `#[entity(compact)]` entity: stored only inside the
    /// keys whose templates hold it (never as an attribute of its own).
    pub key_only: bool,
}

// By hand: `default` is printed only when present, so the `Debug` text (and with it a
// migration plan's id) of a field without an encoded default is what it was before
// `default` existed.
impl std::fmt::Debug for FieldSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("FieldSchema");
        out.field("name", &self.name)
            .field("attribute", &self.attribute)
            .field("markers", &self.markers)
            .field("has_default", &self.has_default);
        if let Some(default) = &self.default {
            out.field("default", default);
        }
        out.field("optional", &self.optional).field("key_only", &self.key_only).finish()
    }
}

/// How an entity fills one secondary index's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityIndexKeys {
    /// From templates: one synthetic attribute per side.
    Templates {
        /// The partition-key template (absent for an LSI).
        partition: Option<KeyTemplateSchema>,
        /// The sort-key template, if the index has a sort key.
        sort: Option<KeyTemplateSchema>,
    },
    /// From the entity's own fields, whose attribute names are the index's key attributes.
    Fields,
}

/// An entity's membership in a secondary index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityIndexSchema {
    /// The index name.
    pub index: &'static str,
    /// How the key is filled.
    pub keys: EntityIndexKeys,
}

/// An entity as the model describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntitySchema {
    /// The Rust type name.
    pub rust_name: &'static str,
    /// The value of the table's entity-type attribute for this entity.
    pub entity_type: &'static str,
    /// The partition-key template.
    pub partition_key: KeyTemplateSchema,
    /// The sort-key template, when the table has a sort key.
    pub sort_key: Option<KeyTemplateSchema>,
    /// Secondary indexes the entity appears in; absent ones are sparse for it.
    pub indexes: &'static [EntityIndexSchema],
    /// Stored fields (skipped fields are not listed).
    pub fields: &'static [FieldSchema],
}
