use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

#[derive(Attribute)]
struct Tags(Vec<String>);

#[derive(Entity)]
#[entity(table = App, pk = "TAGS#{tags}", sk = "PROFILE")]
struct Tagged {
    tags: Tags,
}
fn main() {}
