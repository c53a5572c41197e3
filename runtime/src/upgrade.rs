//! Lazy upgrades: `#[entity(schema_version = N, upgrade = "path::to::fn")]`.
//!
//! A migration ([`crate::migrate`]) rewrites every stored item at once. A lazy upgrade
//! instead changes items when they are read: every put of the entity stores its current
//! schema version in the attribute [`SCHEMA_VERSION_ATTRIBUTE`] (`_sv`, a number), and
//! decoding an item stored with an older version — or with none, version 0: items written
//! before the entity had a version — first passes the raw item and its version to the
//! `upgrade` function, `fn(Item, u32) -> Result<Item, String>`, which returns the item in
//! the current shape (rename attributes, fill new ones, split or join values; one function
//! handles every older version). The decoded value is then what the current code would
//! have written; the next put of it stores the current version.
//!
//! Reads do not write: an item stays in its old shape in the table until it is put
//! again (an `UpdateItem` changes the attributes it names and leaves the stored version
//! as it was, since the rest of the item was not upgraded). Server-side conditions,
//! filters and index keys see the stored shape; when an index or a filter needs the new
//! shape, run a migration instead. An item stored by a *newer* version than the code's
//! (code rolled back) is an error naming both versions, and so is an upgrade function's
//! error (with the version it was given).
//!
//! ```ignore
//! fn upgrade_user(mut item: Item, from: u32) -> Result<Item, String> {
//!     if from < 2 {
//!         // v1 stored `fullname`; v2 calls it `name`.
//!         let name = item.remove("fullname").ok_or("no fullname")?;
//!         item.insert("name".into(), name);
//!     }
//!     Ok(item)
//! }
//!
//! #[derive(Entity)]
//! #[entity(table = App, pk = "USER#{id}", sk = "PROFILE", schema_version = 2, upgrade = "upgrade_user")]
//! struct User { id: String, name: String }
//! ```

use crate::error::DecodeError;
use crate::number::Number;
use crate::value::{AttributeValue, Item};

/// The attribute that holds an item's schema version.
pub const SCHEMA_VERSION_ATTRIBUTE: &str = "_sv";

/// What generated `to_item`s call for an entity with a schema version. Not a public API.
#[doc(hidden)]
pub fn insert_schema_version(item: &mut Item, version: u32) {
    item.insert(SCHEMA_VERSION_ATTRIBUTE.to_owned(), AttributeValue::N(Number::from(version)));
}

/// What generated `from_item`s call for an entity with a schema version: removes the
/// stored version and, when it is older than `current`, runs `upgrade`. Not a public API.
#[doc(hidden)]
pub fn upgrade_item(
    mut item: Item,
    current: u32,
    upgrade: fn(Item, u32) -> Result<Item, String>,
) -> Result<Item, DecodeError> {
    let stored = match item.remove(SCHEMA_VERSION_ATTRIBUTE) {
        None => 0,
        Some(AttributeValue::N(number)) => number.as_str().parse::<u32>().map_err(|_| {
            DecodeError::invalid(format!("schema version `{number}` is not a u32"))
                .at_field(SCHEMA_VERSION_ATTRIBUTE)
        })?,
        Some(other) => {
            return Err(DecodeError::type_mismatch("N", other.attribute_type())
                .at_field(SCHEMA_VERSION_ATTRIBUTE))
        }
    };
    match stored.cmp(&current) {
        std::cmp::Ordering::Equal => Ok(item),
        std::cmp::Ordering::Greater => Err(DecodeError::invalid(format!(
            "the item was stored by schema version {stored}, newer than this code's {current}"
        ))),
        std::cmp::Ordering::Less => upgrade(item, stored).map_err(|message| {
            DecodeError::invalid(format!(
                "upgrading an item of schema version {stored} to {current}: {message}"
            ))
        }),
    }
}
