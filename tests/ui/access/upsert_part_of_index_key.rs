use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE",
         index(GSI1, pk = "ORG#{org}", sk = "{role}#{user_id}"))]
struct User {
    user_id: String,
    org: String,
    role: String,
}

fn main() {
    let db = App::client(MemoryBackend::new());
    // Part of GSI1's key: refused; `User::gsi1_composite(org, role)` writes all of it.
    let _ = db.upsert(User::key("u1")).set(User::ORG, "acme");
}
