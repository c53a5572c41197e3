use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK")]
struct App;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
struct User {
    user_id: String,
    name: String,
}

async fn read(db: &TableClient<App>) -> Result<(), singletable::Error> {
    let page = User::scan().limit(10).send(db).await?;
    // A scan reads forward only (no `ScanIndexForward`): it can resume after an item,
    // not read what precedes it.
    let after = page.end_cursor().expect("an item");
    let _ = User::scan().cursor(after.clone()).send(db).await?;
    let _ = User::scan().before(after).send(db).await?;
    Ok(())
}

fn main() {
    let _ = read;
}
