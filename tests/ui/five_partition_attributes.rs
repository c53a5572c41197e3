use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK",
        gsi(name = "Wide", pk = ["a", "b", "c", "d", "e"]))]
struct App;

fn main() {}
