use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
    name: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "USER#{user_id}", sk = "ORDER#{order_id}")]
struct Order {
    user_id: String,
    order_id: String,
}

#[derive(Collection, Debug, Default, PartialEq)]
#[collection(table = App)]
struct UserWithOrders {
    user: Option<User>,
    orders: Vec<Order>,
}

async fn read(db: &TableClient<App>) {
    // The table returns whole items: there is nothing to hydrate.
    let _ = UserWithOrders::query().user_id("u1").hydrate().all(db).await;
}

fn main() {
    let _ = read;
}
