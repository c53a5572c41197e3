use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK"))]
struct App;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "DOC#{owner}#{folder}", sk = "DOC#{id}", find,
         index(GSI1, pk = "TAG#{tag}#{kind}"))]
struct Doc {
    owner: String,
    folder: String,
    id: String,
    tag: String,
    kind: String,
}

async fn read(db: &TableClient<App>) {
    // `owner` and `id` complete no partition key: the table's also needs `folder`.
    let _ = Doc::find().owner("ann").id("d1").send(db).await;
}

fn main() {
    let _ = read;
}
