use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

fn default_plan() -> Option<String> {
    Some("free".to_owned())
}

fn rules(_: &User) -> Result<(), String> {
    Ok(())
}

// The entity hook sees the defaulted entity: a copy with the defaults filled in, so an
// entity with an entity hook and a write default must be `Clone`.
#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE", validate = "rules")]
struct User {
    user_id: String,
    #[entity(default = "default_plan")]
    plan: Option<String>,
}

fn main() {}
