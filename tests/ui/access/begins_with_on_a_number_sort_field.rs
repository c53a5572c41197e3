use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
        gsi(name = "ByTenant", pk = ["tenant_id"], sk = ["score:N", "joined"]))]
struct App;

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE",
         index(GSI1, pk = "ORG#{org}", sk = "{role}#{user_id}"),
         index(ByTenant, pk = [tenant_id], sk = [score, joined]))]
struct User {
    user_id: String,
    org: String,
    role: String,
    name: String,
    tags: Vec<String>,
    tenant_id: String,
    score: i64,
    joined: String,
}

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "ORDER#{placed_at}#{order_id}",
         index(GSI1, pk = "ORDER#{order_id}", sk = "TOTAL#{total_cents}"))]
struct Order {
    user_id: String,
    order_id: String,
    placed_at: u64,
    total_cents: i64,
}

fn main() {
    let _ = Order::query().user_id("u1").placed_at_range().begins_with("1");
}
