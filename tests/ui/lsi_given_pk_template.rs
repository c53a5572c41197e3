use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

#[derive(Table)]
#[table(name = "Local", pk = "PK", sk = "SK", lsi(name = "LSI1", sk = "LSI1SK"))]
struct Local;

#[derive(Entity)]
#[entity(table = Local, pk = "USER#{user_id}", sk = "PROFILE", index(LSI1, pk = "X#{user_id}", sk = "NAME#{name}"))]
struct User {
    user_id: String,
    name: String,
}
fn main() {}
