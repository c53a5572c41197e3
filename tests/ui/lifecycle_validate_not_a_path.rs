use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE", validate = "check user")]
struct User {
    user_id: String,
    #[entity(validate)]
    name: String,
}

fn main() {}
