use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK",
        gsi(name = "ByStatus", pk = "SPK"))]
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
    // The index projects every attribute (ALL): its items are whole orders already, and
    // a fetch from the table would only double the read.
    let _ = Order::by_status().status("open").hydrate().all(db).await;
    // This compiles: the index's items decoded directly.
    let _ = Order::by_status().status("open").all(db).await;
}

fn main() {
    let _ = read;
}
