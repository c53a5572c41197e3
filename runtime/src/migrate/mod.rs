//! Changing a live model: the difference between two models as a [`Plan`], run on a
//! table that holds data with [`apply`], resumable and repeatable.
//!
//! The workflow (see `docs/migrations.md` for the whole story, costs and limits):
//!
//! 1. Describe both models: [`Model::new`] from a table schema and its entities'
//!    schemas (`App::SCHEMA`, `[User::SCHEMA, Order::SCHEMA]`; keep the previous model's
//!    structs in a module), or, in the CLI, from two schema files.
//! 2. [`Plan::between`] computes the plan: table changes (indexes, TTL, stream,
//!    billing), the item rewrites of each entity (new index keys from the item's fields,
//!    renamed attributes, a new entity-type value, a changed table key = a move), and
//!    what cannot be done with the reason (an LSI cannot be added to a table that exists,
//!    a table's own key attributes cannot change). [`estimate`] adds the cost from
//!    `DescribeTable`.
//! 3. [`apply`] runs it: `UpdateTable` (waiting for `ACTIVE`), then a parallel scan in
//!    segments, each item rewritten with a write conditioned on what the rewrite read
//!    (an item changed meanwhile is read again and recomputed), a checkpoint per segment
//!    after every page, and the plan recorded as applied in the table's history
//!    ([`status`]).
//!
//! # Reserved items
//!
//! Checkpoints and the history are items of the migrated table under the reserved
//! partition-key prefix [`RESERVED_PREFIX`] (`_st#migration#…`), with the table's
//! entity-type attribute set to [`RESERVED_ENTITY_TYPE`]. That attribute names no
//! entity, so the typed API's queries, scans and collections (which filter on the
//! entity type) never return them, and a migration's own scan skips them. They need an
//! `S` partition key (what single-table designs use); the sort key, if any, holds a
//! constant of its type.
//!
//! # Field values in new keys
//!
//! A new key template is rendered from the item's fields as the typed API would write
//! them: each field's own attribute when it is an `S` (escaped like every key
//! component) or a `BOOL`; else the field's text in a key of the *old* model that holds
//! it (so data whose values live only in keys migrates too); an `N` attribute needs the
//! field's integer type for the fixed-width key text ([`Model::integer_field`]; the CLI
//! takes it from the schema file). A field found nowhere makes the item fail with an
//! error naming the entity, the field and the key (the run stops; nothing is guessed).

mod apply;
mod estimate;
mod plan;
mod rewrite;
mod store;

use std::collections::BTreeMap;

use crate::schema::{EntitySchema, TableSchema};

pub use apply::{apply, ApplyOptions, ApplyReport, Progress, ProgressFn};
pub use estimate::{
    estimate, estimate_from, estimate_sampled, Estimate, Sample, SampledEntity,
    ON_DEMAND_TABLE_QUOTA,
};
pub use plan::{EntityRewrite, IndexKeyRewrite, Plan, Refusal, TableChange};
pub use rewrite::{rewrite_item, ItemRewrite};
pub use store::{
    status, AppliedMigration, MigrationStatus, SegmentCheckpoint, RESERVED_ENTITY_TYPE,
    RESERVED_PREFIX,
};

/// The integer type of a field stored as `N`: its key text is fixed-width (see
/// [`crate::key`]), so rendering it into a key needs the type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum IntegerType {
    U8,
    U16,
    U32,
    U64,
    U128,
    I8,
    I16,
    I32,
    I64,
    I128,
}

impl IntegerType {
    /// The type named `name` (`u32`, `usize` = `u64`, `isize` = `i64`), if an integer.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "u8" => IntegerType::U8,
            "u16" => IntegerType::U16,
            "u32" => IntegerType::U32,
            "u64" | "usize" => IntegerType::U64,
            "u128" => IntegerType::U128,
            "i8" => IntegerType::I8,
            "i16" => IntegerType::I16,
            "i32" => IntegerType::I32,
            "i64" | "isize" => IntegerType::I64,
            "i128" => IntegerType::I128,
            _ => return None,
        })
    }
}

/// One model of a table: its schema, its entities, and the integer types of the fields
/// stored as numbers that key templates use.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The table.
    pub table: TableSchema,
    /// Its entities.
    pub entities: Vec<EntitySchema>,
    /// `(entity Rust name, field)` → integer type.
    pub integers: BTreeMap<(String, String), IntegerType>,
}

impl Model {
    /// A model from the generated constants: `Model::new(App::SCHEMA, [User::SCHEMA]).`
    pub fn new(table: TableSchema, entities: impl IntoIterator<Item = EntitySchema>) -> Self {
        Model { table, entities: entities.into_iter().collect(), integers: BTreeMap::new() }
    }

    /// Declares field `field` of entity `entity` (Rust names) an integer of type `ty`.
    #[must_use]
    pub fn integer_field(mut self, entity: &str, field: &str, ty: IntegerType) -> Self {
        self.integers.insert((entity.to_owned(), field.to_owned()), ty);
        self
    }

    /// The entity whose entity-type value is `entity_type`.
    pub fn entity_of_type(&self, entity_type: &str) -> Option<&EntitySchema> {
        self.entities.iter().find(|entity| entity.entity_type == entity_type)
    }
}

/// Why a plan could not be applied, or a migration failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The plan holds changes DynamoDB cannot make; nothing was done.
    #[error("the plan cannot be applied: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused(Vec<Refusal>),
    /// An item could not be rewritten (a field of a new key found nowhere, a key too
    /// long, …); the run stopped there and resumes from its last checkpoint.
    #[error("{entity} item {key}: {message}")]
    Item {
        /// The entity (Rust name).
        entity: String,
        /// The item's table key, for the message.
        key: String,
        /// What was wrong.
        message: String,
    },
    /// The table cannot hold checkpoints (a partition key that is not `S`), or its
    /// stored migration state does not fit this run.
    #[error("table {table}: {message}")]
    State {
        /// The table.
        table: String,
        /// What is wrong.
        message: String,
    },
    /// A request failed (after the retries of throttling).
    #[error("table {table}: {source}")]
    Backend {
        /// The table.
        table: String,
        /// DynamoDB's error.
        #[source]
        source: Box<crate::error::Error>,
    },
}

impl MigrateError {
    pub(crate) fn backend(table: &str) -> impl Fn(crate::error::Error) -> MigrateError + '_ {
        move |source| MigrateError::Backend { table: table.to_owned(), source: Box::new(source) }
    }
}

impl<T: crate::entity::Table> crate::client::TableClient<T> {
    /// Applies `plan` to this client's table ([`apply`] through the client's backend).
    /// A plan for another table is an error.
    pub async fn migrate(
        &self,
        plan: &Plan,
        options: &ApplyOptions,
    ) -> Result<ApplyReport, MigrateError> {
        if plan.table != T::SCHEMA.name {
            return Err(MigrateError::State {
                table: T::SCHEMA.name.to_owned(),
                message: format!("the plan migrates table {}", plan.table),
            });
        }
        apply(self.backend().as_ref(), plan, options).await
    }
}
