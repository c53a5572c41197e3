use singletable::prelude::*;

#[derive(Table)]
#[table(name = "Counters", pk = "id:N")]
struct Counters;

#[derive(Entity)]
#[entity(table = Counters, pk = "{name}")]
struct Counter {
    name: String,
}

fn main() {}
