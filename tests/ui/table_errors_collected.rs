use singletable::prelude::*;

#[derive(Table)]
#[table(name = "A", pk = "PK:X", stream = "everything", billing = free,
        gsi(name = "GSI1", pk = "GSI1PK"), gsi(name = "GSI1", pk = "GSI1PK:N"))]
struct App;

fn main() {
    // The fallback impl keeps uses of the table quiet.
    let _ = App::client(MemoryBackend::new());
}
