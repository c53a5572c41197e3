use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

fn upper(name: &str) -> String {
    name.to_uppercase()
}

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    #[entity(read_only)]
    user_id: String,
    #[entity(version, read_only)]
    version: u64,
    #[entity(created_at, read_only)]
    created_at: Option<Timestamp>,
    #[entity(updated_at, read_only)]
    updated_at: Timestamp,
    #[entity(read_only)]
    origin: String,
    #[entity(skip)]
    cached: String,
    #[entity(computed = "upper", from(origin))]
    from_read_only: String,
    #[entity(computed = "upper", from(cached))]
    from_skipped: String,
    #[entity(computed = "upper", from(from_self))]
    from_self: String,
    #[entity(computed = "upper", from(origin), default)]
    with_default: String,
}

fn main() {}
