use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

// Takes the wrong type: the field is a `String`.
fn positive(n: &u32) -> Result<(), String> {
    if *n > 0 { Ok(()) } else { Err("must be positive".into()) }
}

// Returns the wrong type.
fn whole(_: &User) -> bool {
    true
}

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE", validate = "whole")]
struct User {
    user_id: String,
    #[entity(validate = "positive")]
    name: String,
}

fn main() {}
