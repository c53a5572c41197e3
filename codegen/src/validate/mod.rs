//! The rules a model must follow, checked on the model itself so that every front end
//! reports the same errors. Rules that need both an entity and its table (which the
//! derive sees in two separate macro calls) are emitted as compile-time checks instead;
//! see [`crate::emit`].

mod against_table;
mod entity;
mod fields;
mod table;

use crate::diagnostic::Diagnostics;
use crate::span::Spanned;

pub use against_table::entity_against_table;
pub use entity::{entity, MAX_SHARDS};
pub use fields::{attribute, scalar_of};
pub use table::table;

/// DynamoDB's default quota of GSIs per table.
pub const MAX_GLOBAL_INDEXES: usize = 20;
/// LSIs per table.
pub const MAX_LOCAL_INDEXES: usize = 5;
/// Attributes in one side of a (multi-attribute) index key.
pub const MAX_KEY_ATTRIBUTES: usize = 4;
/// `INCLUDE` projected attributes, summed over every index of a table.
pub const MAX_INCLUDED_ATTRIBUTES: usize = 100;

/// True for a valid table or index name: 3–255 characters of `[a-zA-Z0-9_.-]`.
pub fn is_valid_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn check_name(name: &Spanned<String>, what: &str, cx: &mut Diagnostics) {
    if !is_valid_name(&name.value) {
        cx.error(
            name.span.clone(),
            format!(
                "invalid {what} name `{}`: DynamoDB names are 3 to 255 characters of a-z, A-Z, \
                 0-9, `_`, `-` and `.`",
                name.value
            ),
        );
    }
}
