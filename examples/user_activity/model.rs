//! The UserActivity model, shared by the `user_activity` example and the
//! `hot_partition` example (which includes this file): the table `UserActivity`
//! (partition key `UserID`, sort key `Timestamp`, GSI `ByActivityType`, TTL, stream), the
//! entity `Activity` and its typed stream changes.

use singletable::prelude::*;
use singletable::stream::Change;
use singletable::Changes;

/// The table: the key attributes are named as in the classic design.
#[derive(Table)]
#[table(name = "UserActivity", pk = "UserID", sk = "Timestamp",
        gsi(name = "ByActivityType", pk = "ActivityType", sk = "ActivityTimestamp"),
        ttl = "ExpiresAt", stream = new_and_old_images)]
pub struct UserActivity;

/// What a user did.
#[derive(Attribute, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActivityType {
    /// Signed in.
    Login,
    /// Looked at a page.
    PageView,
    /// Bought something.
    Purchase,
}

/// One activity: the item `UserID = <user>`, `Timestamp = <when>`.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = UserActivity, pk = "{user_id}", sk = "{at}",
         index(ByActivityType, pk = "{activity_type}", sk = "{at}"))]
pub struct Activity {
    /// The user.
    pub user_id: String,
    /// When.
    pub at: Timestamp,
    /// What.
    pub activity_type: ActivityType,
    /// Details.
    pub detail: String,
    /// Gone after 30 days: DynamoDB's TTL deletes it (the engine's sweep, here).
    #[entity(ttl, rename = "ExpiresAt")]
    pub expires_at: Option<Timestamp>,
}

/// The typed changes of the table's stream: one variant per entity.
#[derive(Changes, Debug)]
#[changes(table = UserActivity)]
pub enum ActivityChange {
    /// A change of an `Activity` item.
    Activity(Change<Activity>),
}
