use singletable::prelude::*;

struct Plain;

#[derive(Attribute)]
struct Address {
    street: String,
    extra: Plain,
}

fn main() {}
