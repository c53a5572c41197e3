use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
    #[entity(read_only)]
    signed_up_via: String,
}

fn main() {
    let db = App::client(MemoryBackend::new());
    // An upsert may write it (if absent); an update may not.
    let _ = db.upsert(User::key("u1")).set(User::SIGNED_UP_VIA, "web");
    let _ = db.update(User::key("u1")).set(User::SIGNED_UP_VIA, "web");
}
