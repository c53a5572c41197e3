use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
        gsi(name = "ByTenant", pk = ["tenant_id", "region"]))]
struct App;

struct Plain;

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
    plain: Plain,
}
fn main() {}
