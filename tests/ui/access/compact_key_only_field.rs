// A field of a compact entity's key templates lives only inside the keys: no item has it
// as an attribute, so a filter, a condition, an update or a projection naming it is
// refused at compile time (its const is a `KeyOnly`, not an `Attr`).
use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

#[derive(Entity)]
#[entity(table = App, compact, pk = "USER#{user_id}", sk = "PROFILE",
         index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
struct User {
    user_id: String,
    email: String,
    name: String,
}

fn main() {
    let db = App::client(MemoryBackend::new());
    let _ = User::query().user_id("u1").filter(User::EMAIL.eq("a@b.c"));
    let _ = db.update(User::key("u1")).condition(User::USER_ID.exists());
    let _ = db.update(User::key("u1")).set(User::EMAIL, "a@b.c");
    let _ = User::query().user_id("u1").project(User::EMAIL);
}
