//! The one model (IR) of a [singletable](https://docs.rs/singletable) table and its
//! entities, its validation, and the code emitter.
//!
//! Two front ends build the model: the derive macros (`singletable-macros`, through
//! [`mod@derive`]) and schema files (`singletable generate`). Both run the same
//! [`validate`] rules and the same [`emit`]ter, so they produce the same API and the same
//! errors. Everything here is plain library code, testable without a proc-macro context:
//!
//! ```
//! let input: syn::DeriveInput = syn::parse_quote! {
//!     #[table(name = "App", pk = "PK", sk = "SK")]
//!     struct App;
//! };
//! let tokens = singletable_codegen::derive::table_inner(input).unwrap();
//! assert!(tokens.to_string().contains("TableSchema"));
//! ```

#[cfg(feature = "schema")]
pub mod build;
pub mod derive;
pub mod diagnostic;
pub mod emit;
pub mod model;
#[cfg(feature = "schema")]
pub mod schema;
mod span;
pub mod validate;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use span::{FilePosition, SourceSpan, Spanned};
