use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK",
        gsi(name = "ByTenant", pk = ["tenant_id"], sk = ["score:N"]))]
struct App;

#[derive(Entity)]
#[entity(table = App, pk = "MEMBER#{member_id}", sk = "MEMBER",
         index(ByTenant, pk = [tenant_id], sk = [score]))]
struct Member {
    member_id: String,
    tenant_id: String,
    score: String,
}

fn main() {}
