//! The one model (IR) of a table and its entities.
//!
//! Both front ends — the derive macros and schema files — build these types, and the
//! emitter reads only these types. They hold plain data and [`Spanned`](crate::Spanned)
//! values, plus the few `syn` types the emitter needs to name Rust items (the types of
//! fields, the Rust names of structs, the path of the facade crate).

mod access_pattern;
mod attribute;
mod changes;
mod collection;
mod entity;
mod field_type;
mod table;
mod template;

pub use access_pattern::{AccessOperation, AccessPatternModel, ModelSet, SortOperator};
pub use attribute::{AttributeModel, AttributeShape, TaggedVariant, UnitVariant, VariantBody};
pub use changes::{ChangesModel, ChangesVariant};
pub use collection::{CollectionMember, CollectionModel};
pub use entity::{
    is_set_type, CompositePlan, ComputedModel, DefaultValue, Derived, EntityIndexKeys,
    EntityIndexModel, EntityModel, FieldMarkers, FieldModel, UpdateMarker, UpgradeModel,
};
pub use field_type::{option_inner, TypeClass};
pub use table::{
    BillingModel, IndexKind, IndexModel, KeyAttributeModel, ProjectionModel, ScalarType,
    StreamView, TableModel, Throughput,
};
pub use template::{KeyTemplate, TemplateError, TemplatePart};

/// The path generated code names the facade crate by, unless `crate = "…"` overrides it.
pub fn default_crate_path() -> syn::Path {
    syn::parse_quote!(::singletable)
}
