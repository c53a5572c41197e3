use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK", lsi(name = "LSI1", pk = "OtherPK", sk = "LSI1SK"))]
struct App;

fn main() {}
