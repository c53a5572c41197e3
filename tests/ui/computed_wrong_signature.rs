use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

fn length(title: &str) -> usize {
    title.len()
}

#[derive(Entity)]
#[entity(table = App, pk = "ARTICLE#{id}", sk = "ARTICLE")]
struct Article {
    id: String,
    title: String,
    #[entity(computed = "length", from(title))]
    slug: String,
}

fn main() {}
