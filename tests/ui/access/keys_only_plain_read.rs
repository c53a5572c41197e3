use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK",
        gsi(name = "ByStatus", pk = "SPK", projection = keys_only))]
struct App;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "ORDER#{order_id}", sk = "ORDER",
         index(ByStatus, pk = "STATUS#{status}"))]
struct Order {
    order_id: String,
    status: String,
    total_cents: i64,
}

async fn read(db: &TableClient<App>) {
    // The index holds keys only: whole orders cannot be decoded from it.
    let _ = Order::by_status().status("open").all(db).await;
    // These compile: the keys, the whole items fetched from the table.
    let _ = Order::by_status().status("open").keys().all(db).await;
    let _ = Order::by_status().status("open").hydrate().all(db).await;
}

fn main() {
    let _ = read;
}
