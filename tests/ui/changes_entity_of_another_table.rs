use singletable::prelude::*;
use singletable::stream::Change;
use singletable::Changes;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

#[derive(Table)]
#[table(name = "Billing", pk = "PK", sk = "SK")]
struct Billing;

#[derive(Entity)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
}

#[derive(Entity)]
#[entity(table = Billing, pk = "INVOICE#{invoice_id}", sk = "INVOICE")]
struct Invoice {
    invoice_id: String,
}

#[derive(Changes)]
#[changes(table = App)]
enum AppChange {
    User(Change<User>),
    Invoice(Change<Invoice>),
}

fn main() {}
