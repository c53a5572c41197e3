//! Named access patterns and the whole model of one table (what a schema file holds).

use crate::model::attribute::AttributeModel;
use crate::model::collection::CollectionModel;
use crate::model::entity::EntityModel;
use crate::model::table::TableModel;
use crate::span::{SourceSpan, Spanned};

/// The DynamoDB operation an access pattern runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessOperation {
    /// `GetItem` on the table's primary key.
    Get,
    /// `Query` on the table or an index.
    Query,
    /// `Scan` of the table or an index.
    Scan,
}

impl AccessOperation {
    /// `get`, `query` or `scan`, as schema files spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessOperation::Get => "get",
            AccessOperation::Query => "query",
            AccessOperation::Scan => "scan",
        }
    }
}

/// The sort-key test of a query pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOperator {
    /// Equality on every sort-key field.
    Eq,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `BETWEEN`.
    Between,
    /// `begins_with`.
    BeginsWith,
}

impl SortOperator {
    /// The schema-file spelling: `eq`, `lt`, `le`, `gt`, `ge`, `between`, `begins_with`.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOperator::Eq => "eq",
            SortOperator::Lt => "lt",
            SortOperator::Le => "le",
            SortOperator::Gt => "gt",
            SortOperator::Ge => "ge",
            SortOperator::Between => "between",
            SortOperator::BeginsWith => "begins_with",
        }
    }

    /// Parses the schema-file spelling.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "eq" => SortOperator::Eq,
            "lt" => SortOperator::Lt,
            "le" => SortOperator::Le,
            "gt" => SortOperator::Gt,
            "ge" => SortOperator::Ge,
            "between" => SortOperator::Between,
            "begins_with" => SortOperator::BeginsWith,
            _ => return None,
        })
    }
}

/// A named access pattern: "orders of a customer, newest first" → which entity, which
/// index, which key fields.
#[derive(Debug, Clone)]
pub struct AccessPatternModel {
    /// The pattern's name (`orders_by_customer`).
    pub name: Spanned<String>,
    /// What it is for, in words.
    pub description: Option<String>,
    /// The entity's Rust name.
    pub entity: Spanned<String>,
    /// The index it reads; `None` for the table.
    pub index: Option<Spanned<String>>,
    /// Get, query or scan.
    pub operation: AccessOperation,
    /// The fields the caller supplies (partition-key fields, then sort-key fields used).
    pub key_fields: Vec<Spanned<String>>,
    /// The sort-key test, for queries that narrow on the sort key.
    pub sort: Option<SortOperator>,
    /// Pattern reads only items whose partition key starts with the caller's tenant
    /// (for IAM's `dynamodb:LeadingKeys`): the field holding the tenant.
    pub tenant_field: Option<Spanned<String>>,
    /// The whole declaration.
    pub span: SourceSpan,
}

/// Everything one schema file describes: a table, its entities, nested attribute types,
/// collections and access patterns.
#[derive(Debug, Clone)]
pub struct ModelSet {
    /// The table.
    pub table: TableModel,
    /// Its entities, in file order.
    pub entities: Vec<EntityModel>,
    /// Nested types stored as one attribute (`#[derive(Attribute)]` equivalents).
    pub attributes: Vec<AttributeModel>,
    /// Collections.
    pub collections: Vec<CollectionModel>,
    /// Named access patterns.
    pub access_patterns: Vec<AccessPatternModel>,
}
