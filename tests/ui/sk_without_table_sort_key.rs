use singletable::prelude::*;

#[derive(Table)]
#[table(name = "Flat", pk = "PK")]
struct Flat;

#[derive(Entity)]
#[entity(table = Flat, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
}

fn main() {}
