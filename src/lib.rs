//! singletable facade (being written).
pub use singletable_runtime::*;
pub use singletable_macros::{Attribute, Entity, Table};
/// The prelude.
pub mod prelude {
    pub use singletable_runtime::{Attribute, Backend, Entity, MemoryBackend, Table, TableClient};
    pub use singletable_macros::{Attribute, Entity, Table};
}
