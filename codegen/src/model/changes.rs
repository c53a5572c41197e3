//! A per-table enum of typed stream changes (`#[derive(Changes)]`).

/// One variant of a changes enum: `User(Change<User>)`.
#[derive(Debug, Clone)]
pub struct ChangesVariant {
    /// The variant.
    pub variant: syn::Ident,
    /// The entity's type, as written in `Change<…>` (`User`, `crate::model::Order`).
    pub entity: syn::Path,
}

/// A changes enum of the model.
#[derive(Debug, Clone)]
pub struct ChangesModel {
    /// The Rust type.
    pub rust_name: syn::Ident,
    /// The table's Rust type.
    pub table: syn::Path,
    /// The entity variants, in declaration order (the order key templates are tried in,
    /// for records without images).
    pub variants: Vec<ChangesVariant>,
    /// The `#[changes(unknown)]` variant holding the `RawChange` of a record of no listed
    /// entity; without one such a record is an error.
    pub unknown: Option<syn::Ident>,
    /// The path of the facade crate in generated code.
    pub crate_path: syn::Path,
}
