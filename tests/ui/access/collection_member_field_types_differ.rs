use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
    name: String,
}

// The same template text, `USER#{user_id}`, over a number.
#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "LOGIN#{at}")]
struct Login {
    user_id: u32,
    at: u64,
}

#[derive(Collection)]
#[collection(table = App)]
struct UserAndLogins {
    user: Option<User>,
    logins: Vec<Login>,
}

fn main() {}
