use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
        gsi(name = "ByTenant", pk = ["tenant_id", "region"]))]
struct App;

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE", index(ByTenant, pk = [region, tenant_id]))]
struct User {
    user_id: String,
    tenant_id: String,
    region: String,
}
fn main() {}
