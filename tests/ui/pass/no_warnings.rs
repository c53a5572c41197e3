//! A model using every feature compiles without a warning in the user's crate, even under
//! `deny(warnings)` and `missing_docs`.
#![deny(warnings, missing_docs, unused, clippy::all)]

use singletable::prelude::*;
use singletable::Timestamp;

/// The table.
#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK",
        gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
        gsi(name = "ByTenant", pk = ["tenant_id", "region"], sk = ["score:N"]),
        lsi(name = "LSI1", sk = "LSI1SK"),
        ttl = "expires_at")]
pub struct App;

/// An entity.
#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}#{region}", sk = "PROFILE",
         index(GSI1, pk = "EMAIL#{email}", sk = "USER"),
         index(ByTenant, pk = [tenant_id, region], sk = [score]),
         index(LSI1, sk = "{name}"))]
pub struct User {
    /// Id.
    pub user_id: String,
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Tenant.
    pub tenant_id: String,
    /// Region.
    pub region: String,
    /// Score.
    pub score: Option<i64>,
    /// Version.
    #[entity(version)]
    pub version: u64,
    /// Created.
    #[entity(created_at)]
    pub created: Timestamp,
    /// Expiry.
    #[entity(ttl)]
    pub expires_at: Option<Timestamp>,
    /// Skipped.
    #[entity(skip)]
    pub cached: Option<String>,
    /// Nested.
    #[entity(default)]
    pub address: Option<Address>,
    /// Kind.
    pub kind: Kind,
}

/// A nested struct.
#[derive(Attribute)]
pub struct Address {
    /// Street.
    pub street: String,
}

/// A unit enum.
#[derive(Attribute)]
pub enum Kind {
    /// A.
    A,
    /// B.
    B,
}

/// A tagged enum.
#[derive(Attribute)]
pub enum Event {
    /// Created.
    Created {
        /// When.
        at: Timestamp,
    },
    /// Deleted.
    Deleted,
}

/// A generic nested type.
#[derive(Attribute)]
pub struct Page<T> {
    /// Items.
    pub items: Vec<T>,
}

/// A newtype.
#[derive(Attribute)]
pub struct UserId(pub String);

fn main() {
    let _ = User::key("u1", "eu");
    let _ = User::gsi1_key("a@b.c");
    let _ = User::by_tenant_key("t", "eu", 1);
    let _ = User::lsi1_key("u1", "eu", "Ann");
    let _ = App::client(MemoryBackend::new());
}
