//! A collection: entities read together from one shared partition
//! (`#[derive(Collection)]`).

use crate::span::Spanned;

/// One member of a collection: a field holding items of one entity.
#[derive(Debug, Clone)]
pub struct CollectionMember {
    /// The field.
    pub field: syn::Ident,
    /// The entity's type, as written (`User`, `crate::model::Order`).
    pub entity: syn::Path,
    /// `Vec<E>` (many items) rather than `Option<E>` (at most one).
    pub many: bool,
}

/// A collection of the model.
#[derive(Debug, Clone)]
pub struct CollectionModel {
    /// The Rust type.
    pub rust_name: syn::Ident,
    /// The table's Rust type.
    pub table: syn::Path,
    /// The index whose partition the members share; `None` for the table's.
    pub index: Option<Spanned<String>>,
    /// The members, in field order.
    pub members: Vec<CollectionMember>,
    /// The path of the facade crate in generated code.
    pub crate_path: syn::Path,
}
