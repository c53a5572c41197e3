use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "ORDER#{placed_at}-{order_id}")]
struct Order {
    user_id: String,
    placed_at: u64,
    order_id: String,
}
fn main() {}
