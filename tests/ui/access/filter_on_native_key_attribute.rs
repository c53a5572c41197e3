use singletable::prelude::*;

#[derive(Table)]
#[table(name = "App", pk = "PK", sk = "SK",
        gsi(name = "GSI1", pk = "GSI1PK"),
        gsi(name = "ByTeam", pk = ["team"], sk = ["level:N"]),
        gsi(name = "ByCity", pk = ["city"]),
        lsi(name = "ByName", sk = "name"))]
struct App;

#[derive(Entity)]
#[entity(table = App, pk = "ORG#{org}", sk = "USER#{user_id}", find,
         index(GSI1, pk = "EMAIL#{email}"),
         index(ByTeam, pk = [team], sk = [level]),
         index(ByCity, pk = [city]),
         index(ByName, sk = [name]))]
struct Person {
    org: String,
    user_id: String,
    email: String,
    team: String,
    level: i64,
    city: String,
    name: String,
}

// Another entity of the module with fields of the same names: the messages then name
// `Person`'s fields by their path (`_::__st_native::Person::level`).
#[derive(Entity)]
#[entity(table = App, pk = "TEAM#{team}", sk = "T", index(ByTeam, pk = [team], sk = [level]))]
struct Squad {
    team: String,
    level: i64,
}

fn main() {
    // DynamoDB refuses a filter on a key attribute of the index queried: the sort key...
    let _ = Person::by_team().team("red").filter(Person::LEVEL.gt(1));
    // ...and the partition key, also inside a combined condition, after a sort-key step,
    // and through `find()`.
    let _ = Person::by_team().team("red").level(2).filter(Person::NAME.eq("a") & !Person::TEAM.eq("b"));
    let _ = Person::find().team("red").level(2).filter(Person::TEAM.size().gt(1));
    // An LSI keyed by a field: its sort key.
    let _ = Person::by_name().org("o1").consistent().filter(Person::CITY.eq("x") | Person::NAME.eq("a"));

    // These compile: the same attributes filter the table, the other indexes and scans,
    // and condition writes.
    let _ = Person::query().org("o1").filter(Person::LEVEL.gt(1) | Person::TEAM.eq("b"));
    let _ = Person::by_city().city("rome").filter(Person::LEVEL.gt(1) & Person::TEAM.eq("b"));
    let _ = Person::by_team().team("red").filter(Person::CITY.eq("rome"));
    let _ = Person::by_gsi1().email("a@b.c").filter(Person::LEVEL.gt(1));
    let _ = Person::scan().filter(Person::TEAM.eq("b"));
    let _ = Person::by_name().org("o1").consistent().filter(Person::LEVEL.gt(1));
    let _ = Person::by_team().team("red").filter(Person::NAME.eq("a"));
}

fn writes(db: &TableClient<App>, person: &Person) {
    let _ = db.transact().put_with_condition(person, Person::LEVEL.eq(1) & Person::TEAM.eq("b"));
    let _ = db.update(Person::key("o1", "u1")).set(Person::NAME, "Bo").condition(Person::CITY.eq("x"));
    let _ = db.delete(Person::key("o1", "u1")).condition(!Person::LEVEL.lt(2));
}
