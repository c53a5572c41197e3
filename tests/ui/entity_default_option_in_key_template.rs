use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

fn default_region() -> Option<String> {
    Some("eu".to_owned())
}

// A write default does not make an `Option` usable in a key template: the function may
// return `None`, and keys are rendered from the fields.
#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "REGION#{region}")]
struct User {
    user_id: String,
    #[entity(default = "default_region")]
    region: Option<String>,
}

fn main() {}
