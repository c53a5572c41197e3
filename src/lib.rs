#![doc = include_str!("../README.md")]
//!
//! # Reference
//!
//! ## `#[derive(Table)]`
//!
//! ```text
//! #[table(
//!     name = "App",                       // required; 3–255 of [a-zA-Z0-9_.-]
//!     pk = "PK",                          // required; "Name" or "Name:S|N|B" (S by default)
//!     sk = "SK",
//!     gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),        // synthetic keys
//!     gsi(name = "ByTenant", pk = ["tenant_id", "region"], sk = ["score:N", "created_at"],
//!         projection = keys_only),        // native multi-attribute key: 1–4 + 0–4
//!     gsi(name = "GSI2", pk = "GSI2PK", read = 5, write = 5),  // provisioned tables
//!     lsi(name = "LSI1", sk = "LSI1SK", projection = include("name")),
//!     ttl = "expires_at",
//!     stream = new_and_old_images,        // keys_only | new_image | old_image | new_and_old_images
//!     billing = on_demand,                // or provisioned(read = 5, write = 5)
//!     entity_type = "_type",              // the attribute naming each item's entity (default)
//!     crate = "::singletable",            // path override when the facade is re-exported
//! )]
//! ```
//!
//! It implements [`Table`] (the model as a `const` [`schema::TableSchema`]) and adds
//! `App::client(backend) -> TableClient<App>`. Over 20 GSIs, over 5 LSIs, over 4 key
//! attributes per side, an LSI with another partition key: compile errors.
//!
//! ## `#[derive(Entity)]`
//!
//! ```text
//! #[entity(
//!     table = App,                        // required: a type deriving Table
//!     pk = "USER#{user_id}",              // required: literals and {field} placeholders
//!     sk = "PROFILE",                     // exactly when the table has a sort key
//!     name = "User",                      // entity-type value; the struct name by default
//!     index(GSI1, pk = "EMAIL#{email}", sk = "USER"),          // synthetic index: templates
//!     index(ByTenant, pk = [tenant_id, region], sk = [score]), // native: fields in key order
//!     index(LSI1, sk = "NAME#{name}"),    // an LSI takes no pk
//!     index(name = "my-index", pk = "…"), // for index names that are not identifiers
//! )]
//! // fields: #[entity(rename = "attr", skip, default, default = "path::to::fn", serde,
//! //                  version, created_at, updated_at, ttl, unique)]
//! ```
//!
//! It implements [`Entity`] and adds `User::key(..)` (the key fields, partition template
//! first) and one `User::<index>_key(..)` per index (`gsi1_key`, `by_tenant_key`). An
//! entity not listed in an index is absent from it (sparse). Every item carries the
//! table's entity-type attribute, so a mixed read decodes each item into its own entity.
//!
//! Key templates: a placeholder must be followed by the end of the template or by a
//! literal starting with `#`. Values are escaped (`%` → `%25`, `#` → `%23`), so a `#`
//! in a value never makes two keys equal, and [`Entity::decode_key`] parses a stored key
//! back into its fields. Integers are written with a fixed width (negative numbers with
//! an offset), so their text sorts in numeric order; [`Timestamp`]s in their fixed-width
//! RFC 3339 form sort in time order. Floats, `Option`s, collections and maps cannot be
//! in templates (compile errors); newtypes and unit enums deriving [`Attribute`] can.
//!
//! Markers `version`, `created_at`, `updated_at`, `ttl` and `unique` are parsed and
//! checked now (types, one version field, a TTL field needs the table's TTL attribute;
//! `ttl` fields are stored as epoch seconds); what they do on writes comes with the
//! entity-lifecycle work.
//!
//! ## `#[derive(Attribute)]`
//!
//! ```text
//! #[derive(Attribute)] struct Address { street: String, #[attribute(rename = "zip")] postcode: String }  // M
//! #[derive(Attribute)] enum Status { Active, #[attribute(rename = "gone")] Deleted }                    // S
//! #[derive(Attribute)] #[attribute(tag = "kind")] enum Payment { Card { last4: String }, Cash }         // {"kind": "Card", "last4": ".."}
//! #[derive(Attribute)] struct UserId(String);                                                          // transparent, usable in keys
//! ```
//!
//! ## Types
//!
//! | Rust | DynamoDB |
//! |---|---|
//! | `String`, `Uuid`, [`Timestamp`] (`2026-11-25T13:34:13.000Z`), unit enums | `S` |
//! | every integer, `f32`, `f64`, [`Number`] / [`Decimal`] (exact, 38 digits) | `N` |
//! | `bool` | `BOOL` |
//! | `Vec<u8>` | `B` |
//! | `Option<T>` | `T`, or no attribute at all for `None` (never `NULL`) |
//! | `Vec<T>` | `L` |
//! | `HashSet`/`BTreeSet` of strings, numbers, `Vec<u8>` | `SS`, `NS`, `BS` (empty: no attribute) |
//! | `HashMap`/`BTreeMap<String, T>`, structs deriving [`Attribute`] | `M` |
//! | any serde type with `#[entity(serde)]` | through serde_dynamo |
//!
//! A `u128` or float that DynamoDB cannot store exactly (over 38 significant digits, out of
//! range, NaN) is an [`EncodeError`], never silently rounded. Every decode error names its
//! path: `Order.lines[2].price: expected N, found S`.
//!
//! ## Backends
//!
//! [`MemoryBackend`] is the embedded engine; `AwsBackend` (cargo feature `aws`, on by
//! default) runs the same operations on DynamoDB through `aws-sdk-dynamodb`
//! (`AwsBackend::from_env().await?`, or `AwsBackend::from_endpoint("http://127.0.0.1:8000")`
//! for a local DynamoDB). Both implement [`Backend`]; a [`TableClient`] holds an
//! `Arc<dyn Backend>`, so the choice can be made at run time.

pub use singletable_macros::{Attribute, Entity, Table};
pub use singletable_runtime::*;

/// Everything a model and its operations need: `use singletable::prelude::*;`.
pub mod prelude {
    pub use singletable_macros::{Attribute, Entity, Table};
    #[cfg(feature = "aws")]
    pub use singletable_runtime::AwsBackend;
    pub use singletable_runtime::{
        Attribute, Backend, Entity, Key, MemoryBackend, Table, TableClient, Timestamp,
    };
}
