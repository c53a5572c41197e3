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

/// An order, in its user's partition.
#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}#{region}", sk = "ORDER#{placed_at}#{order_id}",
         index(GSI1, pk = "ORDER#{order_id}", sk = "{status}#{total}"))]
pub struct Order {
    /// User.
    pub user_id: String,
    /// Region.
    pub region: String,
    /// Id.
    pub order_id: String,
    /// When.
    pub placed_at: Timestamp,
    /// Status.
    pub status: String,
    /// Total.
    pub total: i64,
}

/// A user and their orders.
#[derive(Collection, Default)]
#[collection(table = App)]
pub struct UserWithOrders {
    /// The user.
    pub user: Option<User>,
    /// Their orders.
    pub orders: Vec<Order>,
}

/// Every access pattern and update, used.
pub async fn patterns(db: &TableClient<App>) -> singletable::Result<()> {
    let _ = Order::query().user_id("u1").region("eu").placed_at_range().gt(Timestamp::now()).send(db).await?;
    let _ = User::by_gsi1().email("a@b.c").first(db).await?;
    let _ = User::by_tenant().tenant_id("t").region("eu").score_range().between(1, 9).all(db).await?;
    let _ = User::by_lsi1().user_id("u1").region("eu").name_range().begins_with("A").consistent().all(db).await?;
    let _ = Order::scan().filter(Order::TOTAL.gt(5) & !Order::STATUS.eq("x")).parallel(2).all(db).await?;
    db.update(User::key("u1", "eu")).set(User::EMAIL, "x").add(User::VERSION, 1).remove(User::ADDRESS).await?;
    db.update(Order::key("u1", "eu", Timestamp::now(), "o1"))
        .set_composite(Order::gsi1_composite("paid", 5))
        .await?;
    let _ = UserWithOrders::query().user_id("u1").region("eu").all(db).await?;
    Ok(())
}

fn main() {
    let _patterns = patterns;
    let _ = User::key("u1", "eu");
    let _ = User::gsi1_key("a@b.c");
    let _ = User::by_tenant_key("t", "eu", 1);
    let _ = User::lsi1_key("u1", "eu", "Ann");
    let _ = App::client(MemoryBackend::new());
}
