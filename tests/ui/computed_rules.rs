use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

fn join(a: &str, b: &str) -> String {
    format!("{a}{b}")
}

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE",
         index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
struct User {
    user_id: String,
    #[entity(read_only)]
    email: String,
    first: String,
    #[entity(computed = "join")]
    no_inputs: String,
    #[entity(computed = "join", from(first, missing))]
    unknown_input: String,
    #[entity(computed = "join", from(first, unknown_input))]
    from_computed: String,
    #[entity(from(first))]
    from_alone: String,
    #[entity(computed = "join", from(first, first), version)]
    twice: u64,
}

fn main() {}
