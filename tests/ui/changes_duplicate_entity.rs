use singletable::prelude::*;
use singletable::stream::Change;
use singletable::Changes;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
}

#[derive(Changes)]
#[changes(table = App)]
enum AppChange {
    Created(Change<User>),
    Again(Change<User>),
}

fn main() {}
