use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

// The default of an `Option<String>` field returns an `Option<String>` (`None`: no
// default); this one returns the inner type.
fn default_plan() -> String {
    "free".to_owned()
}

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
    #[entity(default = "default_plan")]
    plan: Option<String>,
}

fn main() {}
