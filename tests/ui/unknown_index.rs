use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE", index(GSI9, pk = "EMAIL#{email}", sk = "USER"))]
struct User {
    user_id: String,
    email: String,
}
fn main() {}
