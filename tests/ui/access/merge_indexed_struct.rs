use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

#[derive(Attribute, Clone, Default)]
struct Address {
    city: Option<String>,
}

fn city_of(address: &Address) -> String {
    address.city.clone().unwrap_or_default()
}

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE",
         index(GSI1, pk = "CITY#{city}", sk = "USER"))]
struct User {
    user_id: String,
    address: Address,
    #[entity(computed = "city_of", from(address))]
    city: String,
}

fn main() {
    let db = App::client(MemoryBackend::new());
    // `address` feeds a computed index key: only a whole-value `set` can recompute it.
    let _ = db.update(User::key("u1")).merge(User::ADDRESS, &Address::default());
}
